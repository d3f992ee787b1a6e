/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The virtio_map authors
 */

/*
 * Integration test "vduse_umem": device memory of a map=vduse port
 * (rte_pmd_virtio_map_mem_alloc()) carries mbufs without a bounce copy,
 * and the device reaches that memory and the domain, nothing else.
 *
 * - Traffic before: it bounces both ways (the bounced_bytes xstats grow).
 * - While the port runs, two allocations become pools of pinned external
 *   buffers (rte_pktmbuf_pool_create_extbuf(): the rte_mbuf structures
 *   stay in EAL memory): one the test sends from, one the driver's Rx
 *   queue takes (set up again between a stop and a start).
 * - net_vhost's memory table (rte_vhost_get_mem_table()) then holds the
 *   domain's two regions and one per allocation, each the whole of its
 *   file (what the backend mmapped is exactly the region) at the address
 *   the allocation returned, and no other. Traffic, every byte checked,
 *   then bounces nothing either way.
 * - Refusals: another driver's port, map=va, map_debug=1, length 0,
 *   freeing an address never allocated, and freeing the Rx pool's memory
 *   while its buffers are posted (-EBUSY, traffic goes on).
 * - One allocation for both directions (the driver's fast path for a
 *   single area): the table holds it alone beside the domain; traffic
 *   checked, nothing bounced.
 * - After stop, back to the plain pool: the allocation freed (refused
 *   if a buffer of it were still counted in flight), the table is the
 *   domain alone again, traffic bounces again; no mbuf leaks.
 *
 * With the argument "iommu" the same runs with the device's IOTLB
 * (net_vhost iommu-support=1, the driver's iommu=on).
 */

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_errno.h>
#include <rte_eth_vhost.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>
#include <rte_vhost.h>

#include "rte_pmd_virtio_map.h"
#include "vmap_domain.h"
#include "vmap_umem.h"
#include "vt.h"

#define BOUNCE_SIZE	((uint64_t)16 << 20)
#define PACKETS		20000
#define NB_MBUF		4096
#define ELT_SIZE	(RTE_PKTMBUF_HEADROOM + 2048u)

struct bounced {
	uint64_t rx, tx;
};

/* A pool of pinned external buffers in device memory. */
struct umem_pool {
	struct rte_mempool *mp;
	void *mem;
	size_t len;
};

static int
bounced_get(uint16_t port, struct bounced *b)
{
	VT_CHECK(vt_xstat_get(port, "rx_q0_bounced_bytes", &b->rx));
	VT_CHECK(vt_xstat_get(port, "tx_q0_bounced_bytes", &b->tx));
	return VT_PASS;
}

static int
umem_pool_create(uint16_t port, const char *name, struct umem_pool *u)
{
	struct rte_pktmbuf_extmem ext;

	u->len = (size_t)NB_MBUF * ELT_SIZE;
	u->mem = rte_pmd_virtio_map_mem_alloc(port, u->len);
	VT_ASSERT(u->mem != NULL, "rte_pmd_virtio_map_mem_alloc(%zu): %s",
		  u->len, rte_strerror(rte_errno));
	ext.buf_ptr = u->mem;
	ext.buf_iova = (uintptr_t)u->mem;
	ext.buf_len = u->len;
	ext.elt_size = ELT_SIZE;
	u->mp = rte_pktmbuf_pool_create_extbuf(name, NB_MBUF, 0, 0, ELT_SIZE,
					       rte_socket_id(), &ext, 1);
	VT_ASSERT(u->mp != NULL, "rte_pktmbuf_pool_create_extbuf(%s): %s",
		  name, rte_strerror(rte_errno));
	return VT_PASS;
}

static int
umem_pool_free(uint16_t port, struct umem_pool *u)
{
	VT_ASSERT_EQ(0, rte_mempool_in_use_count(u->mp),
		     "mbufs of the device-memory pool in use (leak)");
	rte_mempool_free(u->mp);
	u->mp = NULL;
	VT_ASSERT_OK(rte_pmd_virtio_map_mem_free(port, u->mem),
		     "rte_pmd_virtio_map_mem_free");
	return VT_PASS;
}

/*
 * The device's table: the domain's two regions, then one per allocation
 * of want (n of them), each the whole of its file, nothing else.
 */
static int
check_table(const struct vt_pair *p, const struct umem_pool *want,
	    unsigned int n)
{
	size_t pg = (size_t)sysconf(_SC_PAGESIZE);
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
		printf("     region %u: guest 0x%" PRIx64 " size 0x%" PRIx64 " driver VA 0x%" PRIx64 " mapped 0x%" PRIx64 "\n",
		       i, r->guest_phys_addr, r->size, r->guest_user_addr,
		       r->mmap_size);
		if ((r->guest_phys_addr == 0 && r->size == BOUNCE_SIZE) ||
		    (r->guest_phys_addr == BOUNCE_SIZE &&
		     r->size == VMAP_DOMAIN_COHERENT_SIZE)) {
			dom++;
			continue;
		}
		for (j = 0; j < n; j++)
			if (r->guest_user_addr == (uintptr_t)want[j].mem &&
			    r->size == RTE_ALIGN_CEIL(want[j].len, pg) &&
			    r->guest_phys_addr >= VMAP_UMEM_IOVA_BASE)
				break;
		if (j == n) {
			vt_fail(__FILE__, __LINE__, "region %u (guest 0x%" PRIx64 ", driver VA 0x%" PRIx64 ", 0x%" PRIx64 " bytes) is neither the domain nor device memory",
				i, r->guest_phys_addr, r->guest_user_addr,
				r->size);
			rc = VT_FAIL;
		} else if (r->mmap_size != r->size) {
			vt_fail(__FILE__, __LINE__, "region %u: the backend mapped 0x%" PRIx64 " bytes of its file for 0x%" PRIx64 " bytes of device memory",
				i, r->mmap_size, r->size);
			rc = VT_FAIL;
		}
		found++;
	}
	if (rc == VT_PASS && (dom != 2 || found != n)) {
		vt_fail(__FILE__, __LINE__, "memory table: expected the domain's 2 regions and %u of device memory, actual %u and %u",
			n, dom, found);
		rc = VT_FAIL;
	}
	if (rc == VT_PASS)
		vt_info("memory table: the domain's 2 regions and %u of device memory (each its whole file), nothing else",
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
	/* every buffer counted in flight at map time, and back once */
	VT_CHECK(vt_xstat_get(p->drv_port, "rx_q0_map_errors", &a.rx));
	VT_CHECK(vt_xstat_get(p->drv_port, "tx_q0_map_errors", &a.tx));
	VT_ASSERT(a.rx == 0 && a.tx == 0,
		  "map errors (a buffer given back that was not counted out): Rx %" PRIu64 ", Tx %" PRIu64,
		  a.rx, a.tx);
	return VT_PASS;
}

/* Set the driver's Rx queue up again from mp (port stopped). */
static int
rx_pool(struct vt_pair *p, struct rte_mempool *mp)
{
	VT_ASSERT_OK(rte_eth_rx_queue_setup(p->drv_port, 0, p->queue_size,
					    rte_socket_id(), NULL, mp),
		     "rte_eth_rx_queue_setup");
	return VT_PASS;
}

static int
restart(struct vt_pair *p)
{
	VT_ASSERT_OK(rte_eth_dev_start(p->drv_port), "start");
	VT_CHECK(vt_wait_link(p->drv_port, true, 10000));
	VT_CHECK(vt_wait_link(p->vhost_port, true, 10000));
	return VT_PASS;
}

/* mem_alloc refused on a second pair whose driver has drv_extra. */
static int
refused_on(const char *map, const char *drv_extra, int want)
{
	struct vt_pair_opts o = { .map = map, .drv_extra = drv_extra,
				  .index = 1 };
	struct vt_pair q;
	void *m;

	VT_CHECK(vt_pair_init(&q, &o));
	VT_CHECK(vt_pair_vhost_create(&q));
	VT_CHECK(vt_pair_drv_create(&q));
	m = rte_pmd_virtio_map_mem_alloc(q.drv_port, 4096);
	VT_ASSERT(m == NULL && rte_errno == want,
		  "mem_alloc with map=%s%s%s: expected NULL with %s, got %p (%s)",
		  map, drv_extra ? "," : "", drv_extra ? drv_extra : "",
		  rte_strerror(want), m, rte_strerror(rte_errno));
	VT_CHECK(vt_pair_down(&q, true));
	return vt_pair_free_pools(&q);
}

static int
check_refusals(struct vt_pair *p, const struct umem_pool *rx)
{
	static uint8_t not_ours[64];

	VT_ASSERT(rte_pmd_virtio_map_mem_alloc(p->vhost_port, 4096) == NULL &&
		  rte_errno == ENODEV, "mem_alloc on net_vhost's port: ENODEV");
	VT_ASSERT(rte_pmd_virtio_map_mem_alloc(p->drv_port, 0) == NULL &&
		  rte_errno == EINVAL, "mem_alloc of 0 bytes: EINVAL");
	VT_ASSERT_EQ(-ENOENT, rte_pmd_virtio_map_mem_free(p->drv_port, not_ours),
		     "freeing memory never allocated");
	VT_ASSERT_EQ(-EBUSY, rte_pmd_virtio_map_mem_free(p->drv_port, rx->mem),
		     "freeing the Rx pool's memory while its buffers are posted");
	VT_CHECK(refused_on("va", NULL, ENOTSUP));
	VT_CHECK(refused_on("vduse", "map_debug=1", ENOTSUP));
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
	struct umem_pool u[2];	/* [0] the test sends from, [1] Rx */
	struct rte_mempool *gen;
	struct bounced d;
	struct vt_pair p;

	if (argc > 1 || (argc == 1 && !iommu)) {
		vt_fail(__FILE__, __LINE__, "expected no argument or \"iommu\"");
		return VT_FAIL;
	}
	VT_CHECK(vt_eal_init(NULL));
	VT_CHECK(vt_pair_up(&p, &o));

	vt_phase("traffic before: it bounces");
	VT_CHECK(traffic_bounced(&p, &d));
	VT_ASSERT(d.rx > 0 && d.tx > 0, "bytes bounced both ways before");

	vt_phase("device memory while the port runs");
	VT_CHECK(umem_pool_create(p.drv_port, "vt_umem_tx", &u[0]));
	VT_CHECK(umem_pool_create(p.drv_port, "vt_umem_rx", &u[1]));
	VT_CHECK(check_table(&p, u, 2));
	gen = p.gen_pool;
	p.gen_pool = u[0].mp;
	VT_ASSERT_OK(rte_eth_dev_stop(p.drv_port), "stop");
	VT_CHECK(rx_pool(&p, u[1].mp));
	VT_CHECK(restart(&p));
	VT_CHECK(check_table(&p, u, 2));
	VT_CHECK(traffic_bounced(&p, &d));
	VT_ASSERT_EQ(0, d.rx, "Rx bytes bounced with buffers in device memory");
	VT_ASSERT_EQ(0, d.tx, "Tx bytes bounced with buffers in device memory");

	vt_phase("refusals");
	VT_CHECK(check_refusals(&p, &u[1]));
	VT_CHECK(check_table(&p, u, 2));
	VT_CHECK(traffic_bounced(&p, &d));
	VT_ASSERT_EQ(0, d.rx + d.tx, "bytes bounced after the refusals");

	/* the driver's fast path: one area, every buffer in it */
	vt_phase("one area for both directions");
	VT_ASSERT_OK(rte_eth_dev_stop(p.drv_port), "stop");
	VT_CHECK(rx_pool(&p, u[0].mp));
	VT_CHECK(umem_pool_free(p.drv_port, &u[1]));
	VT_CHECK(restart(&p));
	VT_CHECK(check_table(&p, u, 1));
	VT_CHECK(traffic_bounced(&p, &d));
	VT_ASSERT_EQ(0, d.rx + d.tx,
		     "bytes bounced with one area for both directions");

	vt_phase("freeing after stop");
	VT_ASSERT_OK(rte_eth_dev_stop(p.drv_port), "stop");
	VT_CHECK(rx_pool(&p, p.drv_pool));
	p.gen_pool = gen;
	VT_CHECK(umem_pool_free(p.drv_port, &u[0]));
	VT_CHECK(restart(&p));
	VT_CHECK(check_table(&p, u, 0));
	VT_CHECK(traffic_bounced(&p, &d));
	VT_ASSERT(d.rx > 0 && d.tx > 0, "bytes bounced both ways after freeing");

	VT_CHECK(vt_pair_down(&p, true));
	vt_phase("leak check");
	VT_CHECK(vt_pair_free_pools(&p));
	return VT_PASS;
}

static const struct vt_test test = {
	.name = "vduse_umem",
	.usage = "[iommu]",
	.timeout_s = 170,
	.run = run,
};

int
main(int argc, char **argv)
{
	return vt_main(&test, argc, argv);
}
