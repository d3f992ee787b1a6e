/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The virtio_map authors
 */

/*
 * Integration test "reconnect": the backend (DPDK's net_vhost, in this
 * process) goes away and comes back, again and again, while the driver's
 * port stays started and the test keeps calling its bursts; the
 * application never stops or restarts the driver's port. Each cycle:
 * packets are left in flight, the backend is removed, the driver's link
 * goes down within 2 s with an LSC event, the backend is created again,
 * the link comes back with an LSC event and traffic passes both ways with
 * every byte checked. At the end the xstat backend_lost equals the number
 * of cycles and every mbuf is back in its pool. Arguments: the driver's
 * mode (client: net_vhost listens; server: the driver listens), the
 * number of cycles, and optionally the map kind.
 */

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <rte_ethdev.h>

#include "vt.h"

#define DOWN_TIMEOUT_S	3.5	/* a hang-up must be noticed by then (DPDK's
				 * vhost lets a removed port's connection go
				 * within about 1 s) */
#define UP_TIMEOUT_S	5.0	/* backoff is capped at 1 s */
#define PACKETS		2000	/* each way, per cycle */

/* Leave Tx packets in the driver's ring for the backend to take away. */
static int
leave_in_flight(struct vt_pair *p)
{
	struct rte_mbuf *m[64];
	struct vt_stream s;
	uint16_t i, sent;

	vt_stream_init(&s, "in_flight", 9, 0, 0, p->gen_pool, 60, 60, 60, 0);
	VT_ASSERT_EQ(0, rte_pktmbuf_alloc_bulk(p->gen_pool, m, RTE_DIM(m)),
		     "alloc");
	for (i = 0; i < RTE_DIM(m); i++)
		VT_CHECK(vt_pkt_fill(&s, m[i], i));
	sent = rte_eth_tx_burst(p->drv_port, 0, m, RTE_DIM(m));
	rte_pktmbuf_free_bulk(&m[sent], RTE_DIM(m) - sent);
	return VT_PASS;
}

static int
run(int argc, char **argv)
{
	struct vt_pair_opts o = { .drv_lsc = true };
	double *t_up, *t_flow, t, t_back, up_med, up_max, flow_med, flow_max;
	uint64_t lost = 0, lost_pkts = 0;
	unsigned int cycles, i;
	uint32_t seen;
	struct vt_pair p;
	char *end;

	if (argc < 2 || (strcmp(argv[0], "client") != 0 &&
			 strcmp(argv[0], "server") != 0)) {
		vt_fail(__FILE__, __LINE__, "arguments: client|server CYCLES [MAP]");
		return VT_FAIL;
	}
	o.drv_server = strcmp(argv[0], "server") == 0;
	cycles = strtoul(argv[1], &end, 10);
	VT_ASSERT(*end == '\0' && cycles > 0, "cycles: %s", argv[1]);
	if (argc > 2)
		o.map = argv[2];
	t_up = calloc(cycles, sizeof(*t_up));
	t_flow = calloc(cycles, sizeof(*t_flow));
	VT_ASSERT(t_up != NULL && t_flow != NULL, "calloc");

	VT_CHECK(vt_eal_init(NULL));
	VT_CHECK(vt_pair_up(&p, &o));
	VT_CHECK(vt_lsc_watch(p.drv_port));
	VT_CHECK(vt_pair_traffic(&p, PACKETS, 60, p.max_frame));

	for (i = 0; i < cycles; i++) {
		vt_phase("cycle %u of %u: the backend goes away", i + 1,
			 cycles);
		VT_CHECK(leave_in_flight(&p));
		seen = vt_lsc_count(false);
		VT_CHECK(vt_pair_vhost_remove(&p));
		t = vt_wait_link_lsc(p.drv_port, false, seen, DOWN_TIMEOUT_S,
				     NULL, NULL);
		VT_ASSERT(t >= 0, "cycle %u: link down with an LSC event within %.1f s of the backend going away",
			  i + 1, DOWN_TIMEOUT_S);

		vt_phase("cycle %u of %u: the backend comes back", i + 1,
			 cycles);
		seen = vt_lsc_count(true);
		VT_CHECK(vt_pair_vhost_create(&p));
		VT_CHECK(vt_port_setup(p.vhost_port, p.queue_size,
				       p.vhost_pool, p.max_frame));
		VT_CHECK(vt_port_start(p.vhost_port));
		t_back = vt_now();
		t = vt_wait_link_lsc(p.drv_port, true, seen, UP_TIMEOUT_S,
				     NULL, NULL);
		VT_ASSERT(t >= 0, "cycle %u: link up with an LSC event within %.0f s of the backend coming back",
			  i + 1, UP_TIMEOUT_S);
		t_up[i] = vt_now() - t_back;
		VT_CHECK(vt_wait_link(p.vhost_port, true, 5000));
		VT_CHECK(vt_pair_traffic(&p, PACKETS, 60, p.max_frame));
		t_flow[i] = vt_now() - t_back;
	}

	VT_CHECK(vt_xstat_get(p.drv_port, "backend_lost", &lost));
	VT_ASSERT_EQ(cycles, lost, "xstat backend_lost");
	VT_CHECK(vt_xstat_get(p.drv_port, "backend_lost_packets",
			      &lost_pkts));
	vt_median_max(t_up, cycles, &up_med, &up_max);
	vt_median_max(t_flow, cycles, &flow_med, &flow_max);
	vt_info("%s: %u backend restarts; backend back to link up: median %.3f s, worst %.3f s; to %u packets each way checked: median %.3f s, worst %.3f s; LSC events %u down, %u up; Tx packets lost with the backends: %" PRIu64,
		argv[0], cycles, up_med, up_max, PACKETS, flow_med, flow_max,
		vt_lsc_count(false), vt_lsc_count(true), lost_pkts);
	free(t_up);
	free(t_flow);
	vt_lsc_unwatch(p.drv_port);
	VT_CHECK(vt_pair_down(&p, true));
	return vt_pair_free_pools(&p);
}

static const struct vt_test test = {
	.name = "reconnect",
	.usage = "client|server CYCLES [MAP]",
	.run = run,
	.timeout_s = 300,
};

int
main(int argc, char **argv)
{
	return vt_main(&test, argc, argv);
}
