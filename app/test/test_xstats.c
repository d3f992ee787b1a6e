/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The virtio_map authors
 */

/*
 * Integration test "xstats": the mapping counters net_virtio_map shows per
 * queue for map=vduse, against net_vhost in one process. After traffic
 * both ways, rx_q0_bounced_bytes and tx_q0_bounced_bytes must account for
 * every byte moved (frames, plus at most a 12-byte virtio-net header per
 * packet), the exhaustion and map error counters must exist and the error
 * counters stay 0, and an xstats reset must start them all from 0 again.
 * Cases: vduse (default bounce region), vduse_debug (the same with
 * map_debug=1) and vduse_tiny (bounce_size=1M under 4096-descriptor rings
 * and 1500-byte frames: the slot pools run dry, which must be counted,
 * while every packet still arrives and nothing leaks).
 */

#include <stdlib.h>
#include <string.h>

#include <rte_ethdev.h>

#include "vt.h"

#define PACKETS 100000
#define TINY_PACKETS 200000
#define NET_HDR 12

struct mapstats {
	uint64_t rx_bounced, tx_bounced;
	uint64_t rx_exhausted, tx_exhausted;
	uint64_t rx_errors, tx_errors;
};

static int
mapstats_get(uint16_t port, struct mapstats *m)
{
	VT_CHECK(vt_xstat_get(port, "rx_q0_bounced_bytes", &m->rx_bounced));
	VT_CHECK(vt_xstat_get(port, "tx_q0_bounced_bytes", &m->tx_bounced));
	VT_CHECK(vt_xstat_get(port, "rx_q0_slot_exhausted", &m->rx_exhausted));
	VT_CHECK(vt_xstat_get(port, "tx_q0_slot_exhausted", &m->tx_exhausted));
	VT_CHECK(vt_xstat_get(port, "rx_q0_map_errors", &m->rx_errors));
	VT_CHECK(vt_xstat_get(port, "tx_q0_map_errors", &m->tx_errors));
	vt_info("port %u: bounced rx %" PRIu64 " tx %" PRIu64 ", slot exhausted rx %" PRIu64 " tx %" PRIu64 ", map errors rx %" PRIu64 " tx %" PRIu64,
		port, m->rx_bounced, m->tx_bounced, m->rx_exhausted,
		m->tx_exhausted, m->rx_errors, m->tx_errors);
	return VT_PASS;
}

/* Bounced bytes against the port's own counters since c0. */
static int
check_bounced(const struct mapstats *m, const struct vt_counts *c0,
	      const struct vt_counts *c1)
{
	uint64_t ipk = c1->ipackets - c0->ipackets;
	uint64_t opk = c1->opackets - c0->opackets;
	uint64_t ib = c1->ibytes - c0->ibytes;
	uint64_t ob = c1->obytes - c0->obytes;

	vt_info("moved: rx %" PRIu64 " packets %" PRIu64 " bytes, tx %" PRIu64 " packets %" PRIu64 " bytes",
		ipk, ib, opk, ob);
	VT_ASSERT(ipk > 0 && opk > 0, "traffic both ways");
	VT_ASSERT(m->tx_bounced >= ob,
		  "tx_q0_bounced_bytes %" PRIu64 " below the %" PRIu64 " bytes sent",
		  m->tx_bounced, ob);
	VT_ASSERT(m->tx_bounced <= ob + NET_HDR * opk,
		  "tx_q0_bounced_bytes %" PRIu64 " above %" PRIu64 " bytes sent + a header per packet (%" PRIu64 ")",
		  m->tx_bounced, ob, ob + NET_HDR * opk);
	VT_ASSERT(m->rx_bounced >= ib,
		  "rx_q0_bounced_bytes %" PRIu64 " below the %" PRIu64 " bytes received",
		  m->rx_bounced, ib);
	VT_ASSERT(m->rx_bounced <= ib + NET_HDR * ipk,
		  "rx_q0_bounced_bytes %" PRIu64 " above %" PRIu64 " bytes received + a header per packet (%" PRIu64 "): more than the device reported was copied",
		  m->rx_bounced, ib, ib + NET_HDR * ipk);
	VT_ASSERT_EQ(0, m->rx_errors, "rx_q0_map_errors");
	VT_ASSERT_EQ(0, m->tx_errors, "tx_q0_map_errors");
	return VT_PASS;
}

static int
run(int argc, char **argv)
{
	struct vt_pair_opts o = { .map = "vduse" };
	struct vt_counts c0, c1;
	struct mapstats m;
	struct vt_pair p;
	uint64_t n = PACKETS;
	uint32_t min_len = 60, max_len = 1514;
	bool tiny = false;

	if (argc != 1) {
		vt_fail(__FILE__, __LINE__, "expected one argument: vduse|vduse_debug|vduse_tiny");
		return VT_FAIL;
	}
	if (strcmp(argv[0], "vduse_debug") == 0) {
		o.drv_extra = "map_debug=1";
	} else if (strcmp(argv[0], "vduse_tiny") == 0) {
		o.drv_extra = "bounce_size=1M";
		o.queue_size = 4096;
		min_len = 1500;
		max_len = 1500;
		n = TINY_PACKETS;
		tiny = true;
	} else if (strcmp(argv[0], "vduse") != 0) {
		vt_fail(__FILE__, __LINE__, "unknown case %s", argv[0]);
		return VT_FAIL;
	}

	VT_CHECK(vt_eal_init(NULL));
	VT_CHECK(vt_pair_up(&p, &o));

	vt_phase("xstats before traffic");
	VT_CHECK(mapstats_get(p.drv_port, &m));
	VT_ASSERT_EQ(0, m.tx_bounced, "tx_q0_bounced_bytes before traffic");
	VT_CHECK(vt_counts_get(p.drv_port, &c0));
	VT_CHECK(vt_pair_traffic(&p, n, min_len, max_len));
	VT_CHECK(vt_counts_get(p.drv_port, &c1));
	vt_phase("xstats after traffic");
	VT_CHECK(mapstats_get(p.drv_port, &m));
	VT_CHECK(check_bounced(&m, &c0, &c1));
	if (tiny) {
		VT_ASSERT(m.rx_exhausted + m.tx_exhausted > 0,
			  "slot exhaustion with a 1 MB bounce region under 4096-descriptor rings: rx %" PRIu64 " tx %" PRIu64,
			  m.rx_exhausted, m.tx_exhausted);
	} else {
		VT_ASSERT_EQ(0, m.rx_exhausted + m.tx_exhausted,
			     "slot exhaustion with the default bounce region");
	}

	/* a reset starts every counter from 0 */
	vt_phase("xstats reset");
	VT_ASSERT_OK(rte_eth_xstats_reset(p.drv_port), "rte_eth_xstats_reset");
	VT_CHECK(mapstats_get(p.drv_port, &m));
	VT_ASSERT_EQ(0, m.rx_bounced + m.tx_bounced + m.rx_exhausted +
		     m.tx_exhausted + m.rx_errors + m.tx_errors,
		     "mapping xstats after a reset");
	VT_CHECK(vt_counts_get(p.drv_port, &c0));
	VT_CHECK(vt_pair_traffic(&p, n / 10, min_len, max_len));
	VT_CHECK(vt_counts_get(p.drv_port, &c1));
	VT_CHECK(mapstats_get(p.drv_port, &m));
	VT_CHECK(check_bounced(&m, &c0, &c1));

	VT_CHECK(vt_pair_down(&p, true));
	vt_phase("leak check");
	VT_CHECK(vt_pair_free_pools(&p));
	return VT_PASS;
}

static const struct vt_test test = {
	.name = "xstats",
	.usage = "vduse|vduse_debug|vduse_tiny",
	.timeout_s = 170,
	.run = run,
};

int
main(int argc, char **argv)
{
	return vt_main(&test, argc, argv);
}
