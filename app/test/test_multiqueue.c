/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The virtio_map authors
 */

/*
 * Integration test "multiqueue": N queue pairs (queues=N on the driver
 * and on DPDK's net_vhost), every one carrying traffic both ways with
 * every byte checked, all streams at once. The driver's Tx queue i is the
 * device's virtqueue 2i+1, which net_vhost dequeues on its Rx queue i;
 * net_vhost's Tx queue i fills virtqueue 2i, the driver's Rx queue i: so
 * each stream runs on its own pair of queues. Then the per-queue stats and
 * xstats must add up: each queue counted exactly its own packets. With
 * "fewer", the driver's port uses half the pairs the devarg allows.
 * Arguments: N [fewer] [MAP].
 */

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <rte_ethdev.h>
#include <rte_malloc.h>

#include "vt.h"

#define PACKETS_TOTAL	20000	/* each way, over all queues */

static int
xstat_q(uint16_t port, const char *dir, uint16_t q, uint64_t *v)
{
	char name[RTE_ETH_XSTATS_NAME_SIZE];

	snprintf(name, sizeof(name), "%s_q%u_good_packets", dir, q);
	return vt_xstat_get(port, name, v);
}

/* Bytes of DPDK's heap in use, all sockets. */
static size_t
heap_used(void)
{
	struct rte_malloc_socket_stats st;
	size_t n = 0;
	int s;

	for (s = 0; s < RTE_MAX_NUMA_NODES; s++)
		if (rte_malloc_get_socket_stats(s, &st) == 0)
			n += st.heap_allocsz_bytes;
	return n;
}

static int
run(int argc, char **argv)
{
	struct vt_pair_opts o = { .queue_size = 64, .window = 32 };
	struct vt_stream *s, **ss;
	struct rte_eth_stats st;
	unsigned int n, nq, i, per;
	size_t heap0;
	bool fewer;
	struct vt_pair p;
	uint64_t v;
	double t0;
	char *end;

	if (argc < 1) {
		vt_fail(__FILE__, __LINE__, "arguments: N [fewer] [MAP]");
		return VT_FAIL;
	}
	n = strtoul(argv[0], &end, 10);
	VT_ASSERT(*end == '\0' && n >= 1 && n <= 128, "N: %s", argv[0]);
	fewer = argc > 1 && strcmp(argv[1], "fewer") == 0;
	if (argc > (fewer ? 2 : 1))
		o.map = argv[fewer ? 2 : 1];
	nq = fewer ? (n + 1) / 2 : n;
	per = PACKETS_TOTAL / nq;
	o.queues = n;

	VT_CHECK(vt_eal_init(NULL));
	VT_CHECK(vt_pair_init(&p, &o));
	VT_CHECK(vt_pair_vhost_create(&p));
	VT_CHECK(vt_pair_drv_create(&p));
	VT_CHECK(vt_port_setup_q(p.vhost_port, n, p.queue_size, p.vhost_pool,
				 p.max_frame, false));
	heap0 = heap_used();
	VT_CHECK(vt_port_setup_q(p.drv_port, nq, p.queue_size, p.drv_pool,
				 p.max_frame, false));
	vt_info("driver queues: %zu KB of DPDK heap for %u pair(s) of %u descriptors, %zu KB per pair",
		(heap_used() - heap0) >> 10, nq, p.queue_size,
		((heap_used() - heap0) / nq) >> 10);
	t0 = vt_now();
	VT_CHECK(vt_port_start(p.vhost_port));
	VT_CHECK(vt_port_start(p.drv_port));
	VT_CHECK(vt_wait_link(p.drv_port, true, 10000));
	vt_info("%u of %u queue pair(s) up in %.3f s", nq, n, vt_now() - t0);
	VT_CHECK(vt_wait_link(p.vhost_port, true, 10000));
	VT_ASSERT_OK(rte_eth_stats_reset(p.drv_port), "stats reset");

	s = calloc(2 * nq, sizeof(*s));
	ss = calloc(2 * nq, sizeof(*ss));
	VT_ASSERT(s != NULL && ss != NULL, "calloc");
	for (i = 0; i < nq; i++) {
		vt_stream_init(&s[2 * i], "virtio_map->vhost", 100 + i,
			       p.drv_port, p.vhost_port, p.gen_pool, per, 60,
			       p.max_frame, p.window);
		s[2 * i].tx_queue = i;
		s[2 * i].rx_queue = i;
		vt_stream_init(&s[2 * i + 1], "vhost->virtio_map", 300 + i,
			       p.vhost_port, p.drv_port, p.gen_pool, per, 60,
			       p.max_frame, p.window);
		s[2 * i + 1].tx_queue = i;
		s[2 * i + 1].rx_queue = i;
		ss[2 * i] = &s[2 * i];
		ss[2 * i + 1] = &s[2 * i + 1];
	}
	vt_phase("traffic: %u packets each way on each of %u queue pair(s)",
		 per, nq);
	t0 = vt_now();
	VT_CHECK(vt_traffic(ss, 2 * nq, 10000));
	vt_info("%u packets each way in %.3f s", per * nq, vt_now() - t0);

	vt_phase("every queue counted exactly its own packets");
	VT_ASSERT_OK(rte_eth_stats_get(p.drv_port, &st), "stats");
	VT_ASSERT_EQ((uint64_t)per * nq, st.opackets, "opackets");
	VT_ASSERT_EQ((uint64_t)per * nq, st.ipackets, "ipackets");
	for (i = 0; i < nq; i++) {
		if (i < RTE_ETHDEV_QUEUE_STAT_CNTRS) {
			VT_ASSERT_EQ(per, st.q_opackets[i], "q_opackets");
			VT_ASSERT_EQ(per, st.q_ipackets[i], "q_ipackets");
		}
		VT_CHECK(xstat_q(p.drv_port, "tx", i, &v));
		VT_ASSERT_EQ(per, v, "tx_q*_good_packets");
		VT_CHECK(xstat_q(p.drv_port, "rx", i, &v));
		VT_ASSERT_EQ(per, v, "rx_q*_good_packets");
	}
	free(ss);
	free(s);
	VT_CHECK(vt_pair_down(&p, true));
	return vt_pair_free_pools(&p);
}

static const struct vt_test test = {
	.name = "multiqueue",
	.usage = "N [fewer] [MAP]",
	.timeout_s = 240,
	.run = run,
};

int
main(int argc, char **argv)
{
	return vt_main(&test, argc, argv);
}
