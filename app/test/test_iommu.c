/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The virtio_map authors
 */

/*
 * Test "iommu": the driver as the device's IOMMU, against DPDK's net_vhost
 * with iommu-support=1 in the same process.
 *
 *   iommu <va|vduse> <prefill|lazy|auto> <split|packed> <ring options>
 *
 * map=va or map=vduse with iommu=on. prefill: the translations go to the
 * device before the rings run (iotlb_updates = iotlb_translations, no
 * miss). lazy (iotlb_prefill=0): the device starts with an empty IOTLB
 * and every translation it gets is the answer to one of its misses
 * (iotlb_updates = 0, iotlb_misses > 0). auto (the default): lazy on a
 * split ring, prefill on a packed one. Either way 10^5 packets each way
 * (60..1514 B) arrive with every byte checked.
 *
 * Then the translations the driver keeps are asked what the device would
 * ask (the driver's miss resolver, called directly): the driver's Rx
 * buffers read-write, the Tx packets' memory read-only (write refused),
 * the rings read-write; an address of the test's stack and, with vduse,
 * bounce space outside the queues' windows are refused. Each refusal is
 * counted in iotlb_refused. Finally the driver port is stopped, its queues
 * set up anew and started: the new rings get translations and traffic
 * flows again.
 */

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <ethdev_driver.h>
#include <rte_eal.h>
#include <rte_ethdev.h>

#include "virtio_map_iommu.h"
#include "vt.h"

#define PACKETS 100000u

struct case_args {
	const char *map;
	const char *mode;
	bool lazy;
	unsigned int ring;
};

static int
parse(int argc, char **argv, struct case_args *c)
{
	if (argc != 4 ||
	    (strcmp(argv[0], "va") != 0 && strcmp(argv[0], "vduse") != 0) ||
	    (strcmp(argv[1], "prefill") != 0 && strcmp(argv[1], "lazy") != 0 &&
	     strcmp(argv[1], "auto") != 0)) {
		vt_fail(__FILE__, __LINE__,
			"expected <va|vduse> <prefill|lazy|auto> <split|packed> <ring options>");
		return VT_FAIL;
	}
	c->map = argv[0];
	c->mode = argv[1];
	VT_CHECK(vt_ring_parse(argv[2], argv[3], &c->ring));
	c->lazy = strcmp(argv[1], "lazy") == 0 ||
		  (strcmp(argv[1], "auto") == 0 &&
		   !(c->ring & VT_RING_PACKED));
	return VT_PASS;
}

/* Ask the driver what the device would: the translation of iova for perm. */
static int
ask(struct virtio_map_dev *dev, uint64_t iova, uint8_t perm, int expect,
    uint8_t expect_perm, const char *what)
{
	uint64_t start = 0, size = 0, uaddr = 0;
	uint8_t p = perm;
	int ret;

	ret = virtio_map_iotlb_resolve(dev, iova, &start, &size, &uaddr, &p);
	vt_info("%s: IOVA 0x%" PRIx64 " asked perm %u: %s, translation 0x%" PRIx64 "+0x%" PRIx64 " perm %u",
		what, iova, perm, ret == 0 ? "granted" : strerror(-ret),
		start, size, p);
	VT_ASSERT(expect == ret, "%s: resolver answered %d, expected %d", what,
		  ret, expect);
	if (ret == 0) {
		VT_ASSERT(iova >= start && iova - start < size,
			  "%s: translation holds the IOVA", what);
		VT_ASSERT(expect_perm == p, "%s: granted perm %u, expected %u",
			  what, p, expect_perm);
	}
	return VT_PASS;
}

static int
check_plan(struct vt_pair *p, const struct case_args *c)
{
	struct virtio_map_dev *dev = vm_dev(&rte_eth_devices[p->drv_port]);
	struct vmq *rxq = dev->sh->rxq[0], *txq = dev->sh->txq[0];
	struct rte_mbuf *rx_m = NULL, *tx_m = NULL;
	uint64_t rx_iova, tx_iova, hole = 0;
	struct rte_vmap_region w[2];
	int on_stack = 0;

	vt_phase("the translations the driver keeps grant the least access");
	if (strcmp(c->map, "va") == 0) {
		/* buffers are mapped where they are: take one of each pool */
		rx_m = rte_pktmbuf_alloc(p->drv_pool);
		tx_m = rte_pktmbuf_alloc(p->gen_pool);
		VT_ASSERT(rx_m != NULL && tx_m != NULL, "an mbuf of each pool");
		rx_iova = rte_pktmbuf_mtod(rx_m, uintptr_t);
		tx_iova = rte_pktmbuf_mtod(tx_m, uintptr_t);
		rte_pktmbuf_free(rx_m);
		rte_pktmbuf_free(tx_m);
	} else {
		/* buffers are bounced through the queues' windows */
		VT_ASSERT_OK(vmap_queue_window(&rxq->mq, &w[0]), "Rx window");
		VT_ASSERT_OK(vmap_queue_window(&txq->mq, &w[1]), "Tx window");
		vt_info("bounce windows: Rx 0x%" PRIx64 "+0x%" PRIx64 ", Tx 0x%" PRIx64 "+0x%" PRIx64,
			w[0].dev_addr, w[0].size, w[1].dev_addr, w[1].size);
		rx_iova = w[0].dev_addr + w[0].size - 1;
		tx_iova = w[1].dev_addr;
	}
	VT_CHECK(ask(dev, rx_iova, VMT_IOTLB_RW, 0, VMT_IOTLB_RW,
		     "Rx buffer, read-write"));
	VT_CHECK(ask(dev, tx_iova, VMT_IOTLB_RO, 0, VMT_IOTLB_RO,
		     "Tx buffer, read"));
	VT_CHECK(ask(dev, tx_iova, VMT_IOTLB_WO, -EACCES, 0,
		     "Tx buffer, write"));
	VT_CHECK(ask(dev, rxq->ring_iova + 8, VMT_IOTLB_RW, 0, VMT_IOTLB_RW,
		     "Rx ring"));
	VT_CHECK(ask(dev, txq->ring_iova + txq->dev_off, VMT_IOTLB_RW, 0,
		     VMT_IOTLB_RW, "Tx device area"));
	if (strcmp(c->map, "va") == 0)
		return ask(dev, (uintptr_t)&on_stack, VMT_IOTLB_RO, -ENOENT, 0,
			   "the test's stack");
	/* the first page of bounce space neither window holds */
	while ((hole >= w[0].dev_addr && hole < w[0].dev_addr + w[0].size) ||
	       (hole >= w[1].dev_addr && hole < w[1].dev_addr + w[1].size))
		hole += 4096;
	return ask(dev, hole, VMT_IOTLB_RO, -ENOENT, 0,
		   "bounce space outside the windows");
}

static int
run(int argc, char **argv)
{
	struct vt_eal_opts eo = { .hugepages = false };
	struct case_args c;
	char extra[64];
	struct vt_pair_opts po = {
		.queue_size = 256,
		.vhost_extra = "iommu-support=1",
		.drv_extra = extra,
	};
	struct vt_pair p;
	uint64_t xlat, updates, misses, refused, refused_after;

	VT_CHECK(parse(argc, argv, &c));
	po.map = c.map;
	po.ring = c.ring;
	if (strcmp(c.mode, "auto") == 0)
		snprintf(extra, sizeof(extra), "iommu=on");
	else
		snprintf(extra, sizeof(extra), "iommu=on,iotlb_prefill=%d",
			 c.lazy ? 0 : 1);
	VT_CHECK(vt_eal_init(&eo));

	VT_CHECK(vt_ring_log_start());
	VT_CHECK(vt_pair_up(&p, &po));
	VT_CHECK(vt_ring_log_check(c.ring));
	VT_CHECK(vt_pair_traffic(&p, PACKETS, 60, 1514));

	VT_CHECK(vt_xstat_get(p.drv_port, "iotlb_translations", &xlat));
	VT_CHECK(vt_xstat_get(p.drv_port, "iotlb_updates", &updates));
	VT_CHECK(vt_xstat_get(p.drv_port, "iotlb_misses", &misses));
	VT_CHECK(vt_xstat_get(p.drv_port, "iotlb_refused", &refused));
	vt_info("map=%s %s (%s): %" PRIu64 " translation(s), %" PRIu64 " sent up front, %" PRIu64 " miss(es) answered, %" PRIu64 " refused",
		c.map, extra, c.lazy ? "on miss" : "up front", xlat, updates,
		misses, refused);
	VT_ASSERT(xlat >= 4, "translations: rings and buffers of both queues");
	/*
	 * DPDK 22.11's vhost asks read-write access to device-readable
	 * buffers in its batched packed-ring dequeue; refused, it falls back
	 * to its one-at-a-time path (read-only), so packets still flow. On
	 * the split ring it never asks more than it needs.
	 */
	if (c.ring & VT_RING_PACKED)
		vt_info("refused while carrying traffic: %" PRIu64 " (net_vhost's batched packed dequeue asks write access to Tx buffers)",
			refused);
	else
		VT_ASSERT_EQ(0, refused, "misses refused while carrying traffic");
	if (c.lazy) {
		VT_ASSERT_EQ(0, updates, "updates sent before the rings ran");
		VT_ASSERT(misses > 0, "the device's misses were answered");
	} else {
		VT_ASSERT_EQ(xlat, updates, "every translation sent up front");
	}

	VT_CHECK(check_plan(&p, &c));
	VT_CHECK(vt_xstat_get(p.drv_port, "iotlb_refused", &refused_after));
	VT_ASSERT_EQ(refused + 2, refused_after, "refusals counted");

	/* a new bring-up works the translations out and hands them again */
	vt_phase("restart the driver port, rings set up anew");
	VT_ASSERT_OK(rte_eth_dev_stop(p.drv_port), "rte_eth_dev_stop");
	VT_CHECK(vt_wait_link(p.drv_port, false, 5000));
	VT_CHECK(vt_port_setup(p.drv_port, p.queue_size, p.drv_pool,
			       p.max_frame));
	VT_CHECK(vt_port_start(p.drv_port));
	VT_CHECK(vt_wait_link(p.drv_port, true, 15000));
	VT_CHECK(vt_wait_link(p.vhost_port, true, 15000));
	VT_CHECK(vt_pair_traffic(&p, PACKETS / 10, 60, 1514));

	VT_CHECK(vt_pair_down(&p, true));
	vt_phase("leak check");
	VT_CHECK(vt_pair_free_pools(&p));
	return VT_PASS;
}

static const struct vt_test test = {
	.name = "iommu",
	.usage = "<va|vduse> <prefill|lazy|auto> <split|packed> <ring options>",
	.timeout_s = 150,
	.run = run,
};

int
main(int argc, char **argv)
{
	return vt_main(&test, argc, argv);
}
