/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The virtio_map authors
 */

/*
 * Hugepages test "pa_hugepages": map=pa with EAL in IOVA-as-PA mode on 2 MB
 * hugepages. The runner reserves eight pages (and mounts hugetlbfs on
 * /dev/hugepages when nothing is mounted) before the body starts, and puts
 * both back afterwards; the runner also removes the page files with this
 * test's file prefix. EAL gets -m 16 with --single-file-segments and a
 * 16 MB socket limit: 2 MB pages come out in descending physical order
 * here, so every page is its own memory-table region, and DPDK's vhost
 * accepts eight. The body checks pa attaches and describes memory by IOVA,
 * then carries traffic both ways with every byte checked. Needs root;
 * skips, saying why, otherwise.
 *
 * The argument names the ring layout (split or packed), and an optional
 * second one ring options ("off" or e.g. in_order+mrg_rxbuf+indirect+
 * event_idx), which the driver's link-up line must name. Half the packets
 * the driver then sends as chains of 1 KB mbufs (with indirect, through
 * indirect tables mapped by IOVA); with mrg_rxbuf it receives into 1 KB
 * mbufs, so frames above that arrive chained.
 */

#include <string.h>

#include <rte_eal.h>
#include <rte_ethdev.h>

#include "vmap.h"
#include "vt.h"

#define HP_PAGES 8		/* -m 16 */
#define PACKETS 1000000	/* each way, as in the traffic matrix */
#define SEG_SIZE 1024		/* driver Tx chains */
#define RX_ROOM (1024 + RTE_PKTMBUF_HEADROOM)	/* mrg_rxbuf: driver Rx */

static int
pa_regions(void)
{
	struct rte_vmap_region r[16];
	struct rte_vmap_dev d;
	int n, i;

	vt_phase("attach pa, describe memory by IOVA");
	VT_ASSERT_EQ(0, vmap_dev_attach(&d, vmap_find("pa"), "vt_pa",
					SOCKET_ID_ANY, NULL), "attach pa in PA mode");
	n = vmap_regions(&d, r, RTE_DIM(r), false);
	VT_ASSERT(n >= 1, "pa regions: %d", n);
	vt_info("pa: %d region(s) for %d MB", n, 2 * HP_PAGES);
	for (i = 0; i < n && i < (int)RTE_DIM(r); i++) {
		printf("     region %d: iova 0x%" PRIx64 " va %p size 0x%" PRIx64 " fd %d off 0x%" PRIx64 "\n",
		       i, r[i].dev_addr, r[i].addr, r[i].size, r[i].fd,
		       r[i].fd_offset);
		VT_ASSERT_EQ_X(rte_mem_virt2iova(r[i].addr), r[i].dev_addr,
			       "region device address is the IOVA");
		VT_ASSERT(r[i].dev_addr != (uint64_t)(uintptr_t)r[i].addr,
			  "IOVA equals VA in PA mode");
		VT_ASSERT(r[i].fd >= 0, "region has a file");
	}
	VT_ASSERT(n <= 8, "%d regions exceed DPDK vhost's 8", n);
	vmap_dev_detach(&d);
	return VT_PASS;
}

static int
run(int argc, char **argv)
{
	static const char *const extra[] = { "--socket-limit=16", NULL };
	struct vt_eal_opts eo = {
		.hugepages = true,
		.mem_mb = 2 * HP_PAGES,
		.iova_pa = true,
		.single_file_segments = true,
		.huge_dir = vt_ctx.huge_dir,
		.extra = extra,
	};
	struct vt_pair_opts po = {
		.map = "pa",
		.queue_size = 64,
		.window = 128,	/* pools must fit in 16 MB */
	};
	struct vt_pair p;

	if (argc < 1 || argc > 2) {
		vt_fail(__FILE__, __LINE__, "expected split|packed [ring options]");
		return VT_FAIL;
	}
	VT_CHECK(vt_ring_parse(argv[0], argc == 2 ? argv[1] : NULL, &po.ring));
	if (argc == 2) {
		po.tx_seg_size = SEG_SIZE;
		if (po.ring & VT_RING_MRG_RXBUF)
			po.drv_rx_room = RX_ROOM;
	}
	VT_CHECK(vt_eal_init(&eo));
	VT_ASSERT_EQ(RTE_IOVA_PA, rte_eal_iova_mode(), "EAL IOVA mode");
	VT_CHECK(pa_regions());

	VT_CHECK(vt_pair_up_ring(&p, &po));
	if (argc == 1) {
		VT_CHECK(vt_pair_traffic(&p, PACKETS, 60, 1514));
	} else {
		p.opts.tx_seg_size = 0;
		VT_CHECK(vt_pair_traffic(&p, PACKETS / 2, 60, 1514));
		p.opts.tx_seg_size = SEG_SIZE;
		VT_CHECK(vt_pair_traffic(&p, PACKETS / 2, 60, 1514));
		vt_info("%" PRIu64 " packets arrived chained at the driver, up to %u segments",
			p.rx_chained[1], p.rx_segs_max[1]);
		if (po.ring & VT_RING_MRG_RXBUF)
			VT_ASSERT(p.rx_chained[1] > 0 && p.rx_segs_max[1] == 2,
				  "mrg_rxbuf, 1 KB Rx mbufs, frames up to 1514 bytes: %" PRIu64 " chained, up to %u segments",
				  p.rx_chained[1], p.rx_segs_max[1]);
	}
	VT_CHECK(vt_pair_down(&p, true));
	vt_phase("leak check");
	VT_CHECK(vt_pair_free_pools(&p));
	return VT_PASS;
}

static const struct vt_test test = {
	.name = "pa_hugepages",
	.usage = "split|packed [off|in_order+mrg_rxbuf+indirect+event_idx] (as root)",
	.timeout_s = 280,
	.hugepages = HP_PAGES,
	.run = run,
};

int
main(int argc, char **argv)
{
	return vt_main(&test, argc, argv);
}
