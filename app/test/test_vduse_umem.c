/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The virtio_map authors
 */

/*
 * Integration test "vduse_umem": memory an application registers with a
 * map=vduse port (rte_pmd_virtio_map_mempool_register() and
 * rte_pmd_virtio_map_mem_register()) travels without a bounce copy, and
 * the device reaches that memory and the domain, nothing else.
 *
 * - Traffic before registering bounces both ways (the bounced_bytes
 *   xstats grow).
 * - Registering the pools while the port runs: net_vhost's memory table
 *   (rte_vhost_get_mem_table()) then holds the domain's two regions and
 *   one region per registered chunk, each exactly that memory, and no
 *   other. A second run of traffic, every byte checked, bounces nothing.
 * - A packet wholly inside a registered area goes without a copy; one that
 *   straddles its end bounces (an external buffer across the boundary).
 * - Bad registrations: memory that is not DPDK's, length 0, an overlap,
 *   an unknown area to unregister: each refused, the table unchanged.
 * - Unregistering while Rx buffers are posted: -EBUSY, the area stays and
 *   traffic goes on. After stop it succeeds, and after start the table is
 *   the domain alone again and traffic bounces again; no mbuf leaks.
 *
 * With the argument "iommu" the same runs with the device's IOTLB
 * (net_vhost iommu-support=1, the driver's iommu=on); with "devarg" the
 * umem_pool devarg registers the Rx pool at start (run_devarg()).
 */

#include <stdlib.h>
#include <string.h>

#include <rte_eth_vhost.h>
#include <rte_ethdev.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_memory.h>
#include <rte_vhost.h>

#include "rte_pmd_virtio_map.h"
#include "vmap_domain.h"
#include "vmap_umem.h"
#include "vt.h"

#define BOUNCE_SIZE	((uint64_t)16 << 20)
#define PACKETS		20000
#define PAGE		4096u

struct bounced {
	uint64_t rx, tx;
};

static int
bounced_get(uint16_t port, struct bounced *b)
{
	VT_CHECK(vt_xstat_get(port, "rx_q0_bounced_bytes", &b->rx));
	VT_CHECK(vt_xstat_get(port, "tx_q0_bounced_bytes", &b->tx));
	return VT_PASS;
}

/* The pool's chunks, neighbours merged, page-rounded as registered. */
struct spans {
	struct { uintptr_t lo, hi; } s[16];
	unsigned int n;
};

static void
add_chunk(struct rte_mempool *mp __rte_unused, void *arg,
	  struct rte_mempool_memhdr *mh, unsigned int idx __rte_unused)
{
	struct spans *a = arg;
	uintptr_t lo = (uintptr_t)mh->addr, hi = lo + mh->len;

	if (a->n > 0 && a->s[a->n - 1].hi == lo) {
		a->s[a->n - 1].hi = hi;
		return;
	}
	if (a->n < RTE_DIM(a->s)) {
		a->s[a->n].lo = lo;
		a->s[a->n].hi = hi;
		a->n++;
	}
}

static void
spans_round(struct spans *a)
{
	unsigned int i;

	for (i = 0; i < a->n; i++) {
		a->s[i].lo = RTE_ALIGN_FLOOR(a->s[i].lo, PAGE);
		a->s[i].hi = RTE_ALIGN_CEIL(a->s[i].hi, PAGE);
	}
}

/*
 * The device's table: the domain's two regions, then one per span of want
 * (which it must cover exactly, by the driver's addresses), nothing else.
 */
static int
check_table(const struct vt_pair *p, const struct spans *want)
{
	struct rte_vhost_memory *mem = NULL;
	const struct rte_vhost_mem_region *r;
	unsigned int i, j, dom = 0, found = 0;
	int vid, rc = VT_PASS;

	vid = rte_eth_vhost_get_vid_from_port_id(p->vhost_port);
	VT_ASSERT(vid >= 0, "vhost vid of port %u: %d", p->vhost_port, vid);
	VT_ASSERT_OK(rte_vhost_get_mem_table(vid, &mem),
		     "rte_vhost_get_mem_table");
	for (i = 0; i < mem->nregions; i++) {
		r = &mem->regions[i];
		printf("     region %u: guest 0x%" PRIx64 " size 0x%" PRIx64 " driver VA 0x%" PRIx64 "\n",
		       i, r->guest_phys_addr, r->size, r->guest_user_addr);
		if ((r->guest_phys_addr == 0 && r->size == BOUNCE_SIZE) ||
		    (r->guest_phys_addr == BOUNCE_SIZE &&
		     r->size == VMAP_DOMAIN_COHERENT_SIZE)) {
			dom++;
			continue;
		}
		for (j = 0; j < want->n; j++)
			if (r->guest_user_addr == want->s[j].lo &&
			    r->size == want->s[j].hi - want->s[j].lo &&
			    r->guest_phys_addr >= VMAP_UMEM_IOVA_BASE)
				break;
		if (j == want->n) {
			vt_fail(__FILE__, __LINE__, "region %u (guest 0x%" PRIx64 ", driver VA 0x%" PRIx64 ", 0x%" PRIx64 " bytes) is neither the domain nor registered memory",
				i, r->guest_phys_addr, r->guest_user_addr,
				r->size);
			rc = VT_FAIL;
		}
		found++;
	}
	if (rc == VT_PASS && (dom != 2 || found != want->n)) {
		vt_fail(__FILE__, __LINE__, "memory table: expected the domain's 2 regions and %u registered, actual %u and %u",
			want->n, dom, found);
		rc = VT_FAIL;
	}
	if (rc == VT_PASS)
		vt_info("memory table: the domain's 2 regions and %u registered, nothing else",
			found);
	free(mem);
	return rc;
}

/* Bytes bounced both ways by a run of traffic. */
static int
traffic_bounced(struct vt_pair *p, struct bounced *d)
{
	struct bounced a, b;

	VT_CHECK(bounced_get(p->drv_port, &a));
	VT_CHECK(vt_pair_traffic(p, PACKETS, 60, 1514));
	VT_CHECK(bounced_get(p->drv_port, &b));
	d->rx = b.rx - a.rx;
	d->tx = b.tx - a.tx;
	vt_info("bounced: Rx %" PRIu64 " bytes, Tx %" PRIu64 " bytes",
		d->rx, d->tx);
	return VT_PASS;
}

static void
ext_free_cb(void *addr __rte_unused, void *opaque __rte_unused)
{
}

/*
 * Send one frame from an external buffer at buf (len bytes of room) and
 * check it arrives intact; bounced gets what the Tx queue copied.
 */
static int
send_ext(struct vt_pair *p, uint8_t *buf, uint16_t room, uint64_t *bounced)
{
	static struct rte_mbuf_ext_shared_info shinfo;
	struct rte_mbuf *m, *got;
	struct vt_stream s;
	uint64_t a, b;

	vt_stream_init(&s, "ext", 7, p->drv_port, p->vhost_port,
		       p->gen_pool, 1, 600, 600, 1);
	shinfo.free_cb = ext_free_cb;
	rte_mbuf_ext_refcnt_set(&shinfo, 1);
	m = rte_pktmbuf_alloc(p->gen_pool);
	VT_ASSERT(m != NULL, "mbuf");
	rte_pktmbuf_attach_extbuf(m, buf, rte_mem_virt2iova(buf), room,
				  &shinfo);
	m->data_off = 64;
	VT_CHECK(vt_pkt_fill(&s, m, 0));
	VT_CHECK(vt_xstat_get(p->drv_port, "tx_q0_bounced_bytes", &a));
	got = vt_pass_one(p->drv_port, p->vhost_port, m, false);
	VT_ASSERT(got != NULL, "the external-buffer frame arrived");
	VT_CHECK(vt_pkt_verify(&s, got, 0));
	rte_pktmbuf_free(got);
	VT_CHECK(vt_xstat_get(p->drv_port, "tx_q0_bounced_bytes", &b));
	*bounced = b - a;
	return VT_PASS;
}

/* Inside an area: no copy; across its end: a copy of the frame. */
static int
check_ext(struct vt_pair *p)
{
	uint8_t *buf = rte_malloc("vt_umem_ext", 3 * PAGE, PAGE);
	uint64_t inside, across;
	int rc;

	VT_ASSERT(buf != NULL, "rte_malloc");
	VT_ASSERT_OK(rte_pmd_virtio_map_mem_register(p->drv_port, buf, 2 * PAGE),
		     "register two pages");
	rc = send_ext(p, buf + PAGE, 1024, &inside);
	if (rc == VT_PASS)
		rc = send_ext(p, buf + 2 * PAGE - 512, 1024, &across);
	VT_ASSERT_OK(rte_pmd_virtio_map_mem_unregister(p->drv_port, buf,
						       2 * PAGE),
		     "unregister the two pages");
	rte_free(buf);
	VT_CHECK(rc);
	vt_info("external buffer inside the area: %" PRIu64 " bytes bounced; across its end: %" PRIu64,
		inside, across);
	VT_ASSERT_EQ(0, inside, "bytes bounced for a frame inside the area");
	VT_ASSERT(across >= 600, "a frame across the area's end bounced (%" PRIu64 " bytes)",
		  across);
	return VT_PASS;
}

/* What must be refused, and the table left as it was. */
static int
check_errors(struct vt_pair *p, const struct spans *want)
{
	static uint8_t not_dpdk[2 * PAGE];
	struct rte_mempool_memhdr *mh;
	uint8_t *buf;

	VT_ASSERT_EQ(-EINVAL, rte_pmd_virtio_map_mem_register(p->drv_port,
				not_dpdk, sizeof(not_dpdk)),
		     "registering memory that is not DPDK's");
	buf = rte_malloc("vt_umem_err", PAGE, PAGE);
	VT_ASSERT(buf != NULL, "rte_malloc");
	VT_ASSERT_EQ(-EINVAL, rte_pmd_virtio_map_mem_register(p->drv_port,
				buf, 0),
		     "registering 0 bytes");
	rte_free(buf);
	mh = STAILQ_FIRST(&p->drv_pool->mem_list);
	VT_ASSERT_EQ(-EEXIST, rte_pmd_virtio_map_mem_register(p->drv_port,
				mh->addr, 64),
		     "registering memory inside a registered area");
	VT_ASSERT_EQ(-EEXIST, rte_pmd_virtio_map_mempool_register(p->drv_port,
				p->drv_pool),
		     "registering a pool twice");
	VT_ASSERT_EQ(-ENOENT, rte_pmd_virtio_map_mem_unregister(p->drv_port,
				not_dpdk, sizeof(not_dpdk)),
		     "unregistering memory never registered");
	VT_ASSERT_EQ(-ENODEV, rte_pmd_virtio_map_mem_register(p->vhost_port,
				mh->addr, 64),
		     "registering with a port of another driver");
	return check_table(p, want);
}

/*
 * The umem_pool devarg: the driver's Rx pool registered at start, so
 * after the first run nothing bounces on Rx (Tx bounces: the test sends
 * from another pool). A second port naming a pool that does not exist
 * fails its start with -ENOENT.
 */
static int
run_devarg(void)
{
	struct vt_pair_opts o = {
		.map = "vduse",
		.drv_extra = "bounce_size=16M,umem_pool=vt_drv_rx",
	};
	struct vt_pair_opts bad = {
		.map = "vduse",
		.drv_extra = "bounce_size=16M,umem_pool=vt_no_such_pool",
		.index = 1,
	};
	struct spans want = { .n = 0 };
	struct bounced d;
	struct vt_pair p, q;

	VT_CHECK(vt_eal_init(NULL));
	VT_CHECK(vt_pair_up(&p, &o));
	rte_mempool_mem_iter(p.drv_pool, add_chunk, &want);
	spans_round(&want);
	VT_CHECK(check_table(&p, &want));
	VT_CHECK(traffic_bounced(&p, &d));
	VT_ASSERT_EQ(0, d.rx, "Rx bytes bounced with umem_pool naming the Rx pool");
	VT_ASSERT(d.tx > 0, "Tx from the unregistered pool bounced");

	vt_phase("umem_pool naming no mempool");
	VT_CHECK(vt_pair_init(&q, &bad));
	VT_CHECK(vt_pair_vhost_create(&q));
	VT_CHECK(vt_pair_drv_create(&q));
	VT_CHECK(vt_port_setup(q.drv_port, 256, q.drv_pool, 1514));
	VT_ASSERT_EQ(-ENOENT, rte_eth_dev_start(q.drv_port),
		     "start with umem_pool naming no mempool");
	VT_CHECK(vt_pair_down(&q, true));
	VT_CHECK(vt_pair_free_pools(&q));

	VT_CHECK(vt_pair_down(&p, true));
	vt_phase("leak check");
	VT_CHECK(vt_pair_free_pools(&p));
	return VT_PASS;
}

static int
run(int argc, char **argv)
{
	bool iommu = argc == 1 && strcmp(argv[0], "iommu") == 0;
	struct vt_pair_opts o = {
		.map = "vduse",
		.drv_extra = iommu ? "bounce_size=16M,iommu=on" :
			     "bounce_size=16M",
		.vhost_extra = iommu ? "iommu-support=1" : NULL,
	};
	struct spans want = { .n = 0 }, none = { .n = 0 };
	struct bounced d;
	struct vt_pair p;
	int ret;

	if (argc == 1 && strcmp(argv[0], "devarg") == 0)
		return run_devarg();
	if (argc > 1 || (argc == 1 && !iommu)) {
		vt_fail(__FILE__, __LINE__, "expected no argument, \"iommu\" or \"devarg\"");
		return VT_FAIL;
	}
	VT_CHECK(vt_eal_init(NULL));
	VT_CHECK(vt_pair_up(&p, &o));

	vt_phase("traffic before registering: it bounces");
	VT_CHECK(traffic_bounced(&p, &d));
	VT_ASSERT(d.rx > 0 && d.tx > 0, "bytes bounced both ways before registering");

	vt_phase("registering both pools while the port runs");
	VT_ASSERT_OK(rte_pmd_virtio_map_mempool_register(p.drv_port,
							 p.drv_pool),
		     "register the driver's Rx pool");
	VT_ASSERT_OK(rte_pmd_virtio_map_mempool_register(p.drv_port,
							 p.gen_pool),
		     "register the pool the test sends from");
	rte_mempool_mem_iter(p.drv_pool, add_chunk, &want);
	rte_mempool_mem_iter(p.gen_pool, add_chunk, &want);
	spans_round(&want);
	VT_CHECK(check_table(&p, &want));
	/* the first run still returns the Rx buffers posted before */
	VT_CHECK(traffic_bounced(&p, &d));
	VT_CHECK(traffic_bounced(&p, &d));
	VT_ASSERT_EQ(0, d.rx, "Rx bytes bounced with the pools registered");
	VT_ASSERT_EQ(0, d.tx, "Tx bytes bounced with the pools registered");

	vt_phase("a buffer inside an area, and one across its end");
	VT_CHECK(check_ext(&p));
	VT_CHECK(check_table(&p, &want));

	vt_phase("registrations refused");
	VT_CHECK(check_errors(&p, &want));

	vt_phase("unregistering while Rx buffers are posted");
	ret = rte_pmd_virtio_map_mempool_unregister(p.drv_port, p.drv_pool);
	VT_ASSERT_EQ(-EBUSY, ret, "unregistering the Rx pool while started");
	VT_CHECK(check_table(&p, &want));
	VT_CHECK(traffic_bounced(&p, &d));
	VT_ASSERT_EQ(0, d.rx, "Rx bytes bounced after the refusal");

	vt_phase("unregistering after stop");
	VT_ASSERT_OK(rte_eth_dev_stop(p.drv_port), "stop");
	VT_ASSERT_OK(rte_pmd_virtio_map_mempool_unregister(p.drv_port,
							   p.drv_pool),
		     "unregister the Rx pool after stop");
	VT_ASSERT_OK(rte_pmd_virtio_map_mempool_unregister(p.drv_port,
							   p.gen_pool),
		     "unregister the send pool after stop");
	VT_ASSERT_OK(rte_eth_dev_start(p.drv_port), "start");
	VT_CHECK(vt_wait_link(p.drv_port, true, 10000));
	VT_CHECK(vt_wait_link(p.vhost_port, true, 10000));
	VT_CHECK(check_table(&p, &none));
	VT_CHECK(traffic_bounced(&p, &d));
	VT_ASSERT(d.rx > 0 && d.tx > 0, "bytes bounced both ways after unregistering");

	VT_CHECK(vt_pair_down(&p, true));
	vt_phase("leak check");
	VT_CHECK(vt_pair_free_pools(&p));
	return VT_PASS;
}

static const struct vt_test test = {
	.name = "vduse_umem",
	.usage = "[iommu|devarg]",
	.timeout_s = 170,
	.run = run,
};

int
main(int argc, char **argv)
{
	return vt_main(&test, argc, argv);
}
