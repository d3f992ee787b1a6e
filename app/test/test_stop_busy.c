/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The virtio_map authors
 */

/*
 * Integration test "stop_busy": port stop and close while a burst is still
 * inside a queue (an application breaking ethdev's rule, or a map kind
 * that is slow), against DPDK's net_vhost. A registered map kind,
 * "vt_block", translates like va but holds a Tx burst in its map call
 * while the test says so. With a burst held:
 *   - rte_eth_dev_stop() must not report success with the rings live: it
 *     returns -EBUSY, and the device has lost the channel (net_vhost's
 *     link goes down), so it no longer uses rings or buffers;
 *   - released, the burst returns; stop then succeeds, every mbuf is back;
 *   - the port starts again and carries traffic, bytes checked;
 *   - stop, then close with the pools checked for leaks.
 * Arguments: none.
 */

#include <pthread.h>
#include <string.h>

#include <rte_ethdev.h>
#include <rte_mbuf.h>

#include "rte_pmd_virtio_map.h"
#include "vmap.h"
#include "vt.h"

static uint32_t vb_block;	/* the next map call waits while set */
static uint32_t vb_inside;	/* a map call is waiting */

static uint16_t
vb_map(struct rte_vmap_queue *q, struct rte_vmap_seg *segs, uint16_t n,
       enum rte_vmap_dir dir)
{
	uint16_t i;

	RTE_SET_USED(q);
	if (dir == RTE_VMAP_TO_DEVICE &&
	    __atomic_load_n(&vb_block, __ATOMIC_ACQUIRE)) {
		__atomic_store_n(&vb_inside, 1, __ATOMIC_RELEASE);
		while (__atomic_load_n(&vb_block, __ATOMIC_ACQUIRE))
			rte_delay_us_sleep(1000);
		__atomic_store_n(&vb_inside, 0, __ATOMIC_RELEASE);
	}
	for (i = 0; i < n; i++)
		segs[i].dev_addr = (rte_iova_t)(uintptr_t)segs[i].addr;
	return n;
}

static void
vb_unmap(struct rte_vmap_queue *q, const struct rte_vmap_seg *segs,
	 uint16_t n, enum rte_vmap_dir dir)
{
	RTE_SET_USED(q);
	RTE_SET_USED(segs);
	RTE_SET_USED(n);
	RTE_SET_USED(dir);
}

static void *
vb_alloc_coherent(struct rte_vmap_dev *d, size_t size, size_t align,
		  rte_iova_t *dev_addr)
{
	return vmap_va_ops.alloc_coherent(d, size, align, dev_addr);
}

static void
vb_free_coherent(struct rte_vmap_dev *d, void *addr, size_t size)
{
	vmap_va_ops.free_coherent(d, addr, size);
}

static int
vb_regions(struct rte_vmap_dev *d, struct rte_vmap_region *r,
	   unsigned int max, bool locked)
{
	return vmap_va_ops.regions(d, r, max, locked);
}

static const struct rte_vmap_ops vb_ops = {
	.name = "vt_block",
	.kind = RTE_VMAP_KIND_OPS,
	.map = vb_map,
	.unmap = vb_unmap,
	.alloc_coherent = vb_alloc_coherent,
	.free_coherent = vb_free_coherent,
	.regions = vb_regions,
};

static struct vt_pair p;
static struct rte_mbuf *held;
static uint16_t held_sent;

/* The application's lcore: one Tx burst, held in vb_map(). */
static void *
burst_thread(void *arg)
{
	RTE_SET_USED(arg);
	held_sent = rte_eth_tx_burst(p.drv_port, 0, &held, 1);
	return NULL;
}

static int
run(int argc, char **argv)
{
	struct vt_pair_opts o = { .map = "vt_block" };
	pthread_t th;
	double t0, took;
	int ret;

	RTE_SET_USED(argv);
	if (argc != 0) {
		vt_fail(__FILE__, __LINE__, "expected no argument, got %d", argc);
		return VT_FAIL;
	}
	VT_CHECK(vt_eal_init(NULL));
	VT_ASSERT_OK(rte_pmd_virtio_map_ops_register(&vb_ops),
		     "register vt_block");
	VT_CHECK(vt_pair_up(&p, &o));
	VT_CHECK(vt_pair_traffic(&p, 1000, 60, 1514));

	vt_phase("a Tx burst held inside the queue, then stop");
	held = rte_pktmbuf_alloc(p.gen_pool);
	VT_ASSERT(held != NULL, "mbuf");
	memset(rte_pktmbuf_append(held, 60), 0xab, 60);
	__atomic_store_n(&vb_block, 1, __ATOMIC_RELEASE);
	VT_ASSERT_EQ(0, pthread_create(&th, NULL, burst_thread, NULL),
		     "burst thread");
	for (t0 = vt_now(); !__atomic_load_n(&vb_inside, __ATOMIC_ACQUIRE);)
		VT_ASSERT(vt_now() - t0 < 5.0, "the burst reached map within 5 s");
	t0 = vt_now();
	ret = rte_eth_dev_stop(p.drv_port);
	took = vt_now() - t0;
	vt_info("stop with a burst inside returned %d after %.3f s", ret, took);
	VT_ASSERT_EQ(-EBUSY, ret, "stop with a burst inside the queue");
	VT_ASSERT(took < 2.0, "stop returned within 2 s, actual %.2f s", took);
	/* the device lost the channel: it stops using the rings */
	VT_CHECK(vt_wait_link(p.vhost_port, false, 5000));

	vt_phase("the burst returns; stop again");
	__atomic_store_n(&vb_block, 0, __ATOMIC_RELEASE);
	pthread_join(th, NULL);
	if (held_sent == 0)
		rte_pktmbuf_free(held);
	VT_ASSERT_OK(rte_eth_dev_stop(p.drv_port), "stop once the burst left");
	VT_ASSERT_IN_USE(p.drv_pool, 0);
	VT_ASSERT_IN_USE(p.gen_pool, 0);

	vt_phase("start again: traffic");
	VT_ASSERT_OK(rte_eth_dev_start(p.drv_port), "start");
	VT_CHECK(vt_wait_link(p.drv_port, true, 15000));
	VT_CHECK(vt_wait_link(p.vhost_port, true, 15000));
	VT_CHECK(vt_pair_traffic(&p, 1000, 60, 1514));

	VT_CHECK(vt_pair_down(&p, true));
	VT_ASSERT_OK(rte_pmd_virtio_map_ops_unregister("vt_block"),
		     "unregister vt_block");
	return vt_pair_free_pools(&p);
}

static const struct vt_test test = {
	.name = "stop_busy",
	.usage = "(no arguments)",
	.timeout_s = 120,
	.run = run,
};

int
main(int argc, char **argv)
{
	return vt_main(&test, argc, argv);
}
