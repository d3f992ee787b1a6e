/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The virtio_map authors
 */

/*
 * Integration test "refill_short": the first Rx refill of a bring-up on
 * EAL's interrupt thread, which has no mempool cache and sees only the
 * pool's common ring. The driver's port starts before its backend exists;
 * the test then takes every mbuf of the driver's Rx pool but a few, and
 * puts those few back into the common ring (fewer than one refill step
 * of 64); then DPDK's net_vhost comes up and the driver's alarm brings the
 * device up. The link must come up with the buffers there are (a bring-up
 * must not fail for good, nor blame the map kind, for a short pool); once
 * the test gives its mbufs back, traffic passes both ways with every byte
 * checked, and nothing leaks. Arguments: none.
 */

#include <stdlib.h>

#include <rte_ethdev.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>

#include "vt.h"

#define LEFT	40	/* mbufs the interrupt thread can take */

static int
run(int argc, char **argv)
{
	struct vt_pair_opts o = { .window = 64 };
	struct rte_mbuf **held;
	unsigned int n = 0;
	struct vt_pair p;

	RTE_SET_USED(argv);
	if (argc != 0) {
		vt_fail(__FILE__, __LINE__, "expected no argument, got %d", argc);
		return VT_FAIL;
	}
	VT_CHECK(vt_eal_init(NULL));
	VT_CHECK(vt_pair_init(&p, &o));
	VT_CHECK(vt_pair_drv_create(&p));
	VT_CHECK(vt_port_setup(p.drv_port, p.queue_size, p.drv_pool,
			       p.max_frame));
	VT_CHECK(vt_port_start(p.drv_port));

	vt_phase("take all of pool %s but %u, those few in its common ring",
		 p.drv_pool->name, LEFT);
	held = calloc(p.drv_pool->size, sizeof(*held));
	VT_ASSERT(held != NULL, "calloc");
	while (n < p.drv_pool->size &&
	       (held[n] = rte_pktmbuf_alloc(p.drv_pool)) != NULL)
		n++;
	VT_ASSERT(n > LEFT, "took %u mbufs", n);
	/* past this lcore's cache: where a thread without one looks */
	rte_mempool_generic_put(p.drv_pool, (void **)&held[n - LEFT], LEFT,
				NULL);
	n -= LEFT;

	vt_phase("the backend comes: bring-up on the interrupt thread");
	VT_CHECK(vt_pair_vhost_create(&p));
	VT_CHECK(vt_port_setup(p.vhost_port, p.queue_size, p.vhost_pool,
			       p.max_frame));
	VT_CHECK(vt_port_start(p.vhost_port));
	VT_CHECK(vt_wait_link(p.drv_port, true, 5000));
	VT_CHECK(vt_wait_link(p.vhost_port, true, 5000));

	vt_phase("the mbufs go back: traffic");
	rte_pktmbuf_free_bulk(held, n);
	free(held);
	VT_CHECK(vt_pair_traffic(&p, 10000, 60, 1514));
	VT_CHECK(vt_pair_down(&p, true));
	return vt_pair_free_pools(&p);
}

static const struct vt_test test = {
	.name = "refill_short",
	.usage = "(no arguments)",
	.timeout_s = 60,
	.run = run,
};

int
main(int argc, char **argv)
{
	return vt_main(&test, argc, argv);
}
