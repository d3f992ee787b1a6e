/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The virtio_map authors
 */

/*
 * Integration test "traffic": packets both ways between net_virtio_map and
 * DPDK's net_vhost in one process, every byte checked, order kept, and both
 * ports' counters matching what was sent and received. The arguments pick
 * the ring layout (split, or packed: packed_vq=1), the map kind and the
 * case: qN (10^6 packets each way of 60..1514 bytes over rings of N
 * descriptors, half of them with rings filled to the brim), jumbo
 * (9000-byte frames, then sizes cycling 60..9000), mseg (10^6 packets each
 * way of 60..9000 bytes, the driver sending each as a chain of 2 KB mbufs
 * whose boundaries move from packet to packet) or server (the driver
 * listens, net_vhost connects).
 *
 * A fourth argument names ring options, "off" or some of in_order,
 * mrg_rxbuf, indirect and event_idx joined by '+', and makes qN the ring
 * matrix case: the driver's link-up line must name exactly that ring; then
 * 10^6 packets each way of 60..1514 bytes, then 2000-byte and 9000-byte
 * frames and sizes cycling 60..9000, which the driver sends as chains of
 * 2 KB mbufs. With mrg_rxbuf the driver receives into 2 KB mbufs, so
 * 2000-byte and 9000-byte frames must arrive chained (and without it,
 * never). Last, the driver's Tx ring is filled with 9000-byte chains while
 * net_vhost does not poll: with indirect the ring holds more segments than
 * it has descriptors (one indirect table per packet), without it never.
 */

#include <stdlib.h>
#include <string.h>

#include <rte_ethdev.h>

#include "vt.h"

#define PACKETS 1000000
#define JUMBO_PACKETS 100000
#define SERVER_PACKETS 100000
#define JUMBO_FRAME 9000
#define MSEG_PACKETS 1000000
#define MSEG_SEG_SIZE 2048
/* ring matrix: the jumbo phases after the 10^6 packets of 60..1514 */
#define MATRIX_JUMBO_PACKETS 100000
#define MATRIX_MID_FRAME 2000
/* mergeable Rx buffers: 2 KB mbufs (1920 bytes after the headroom) */
#define MATRIX_RX_ROOM 2048
#define FILL_BURST 8

/* Chains received by the driver in one phase, against what must happen. */
static int
check_chained(struct vt_pair *p, bool mrg, uint64_t n, uint32_t len,
	      uint64_t chained0)
{
	uint64_t chained = p->rx_chained[1] - chained0;
	uint32_t room = MATRIX_RX_ROOM - RTE_PKTMBUF_HEADROOM;

	vt_info("%u-byte frames: %" PRIu64 " of %" PRIu64 " arrived chained at the driver, up to %u segments",
		len, chained, n, p->rx_segs_max[1]);
	if (!mrg) {
		VT_ASSERT_EQ(0, chained, "chained packets received without mrg_rxbuf");
		return VT_PASS;
	}
	if (len <= room) {
		VT_ASSERT_EQ(0, chained, "chained packets received for frames that fit one Rx mbuf");
		return VT_PASS;
	}
	VT_ASSERT_EQ(n, chained, "packets received chained in 2 KB Rx mbufs");
	VT_ASSERT(p->rx_segs_max[1] >= (len + room - 1) / room,
		  "%u-byte frames in %u-byte Rx mbufs: at most %u segments",
		  len, room, p->rx_segs_max[1]);
	return VT_PASS;
}

/*
 * Fill the driver's Tx ring with 9000-byte chains of 2 KB segments while
 * net_vhost does not poll, then drain and check them. Without indirect
 * descriptors each segment takes a descriptor; with them each packet
 * takes one, so the ring holds more segments than it has descriptors.
 */
static int
ring_fill(struct vt_pair *p, bool indirect)
{
	struct rte_mbuf *m[FILL_BURST], *rx[VT_BURST];
	uint64_t taken = 0, segs = 0, received = 0;
	uint64_t full0, full, exhausted0, exhausted;
	struct vt_stream s;
	double deadline;
	uint16_t nb, i;

	vt_phase("fill the driver's Tx ring with 9000-byte chains, net_vhost not polling");
	VT_CHECK(vt_xstat_get(p->drv_port, "tx_q0_ring_full", &full0));
	VT_CHECK(vt_xstat_get(p->drv_port, "tx_q0_slot_exhausted",
			      &exhausted0));
	vt_stream_init(&s, "virtio_map->vhost (ring fill)", 3, p->drv_port,
		       p->vhost_port, p->seg_pool, UINT64_MAX, JUMBO_FRAME,
		       JUMBO_FRAME, UINT_MAX);
	s.seg_size = MSEG_SEG_SIZE;
	for (;;) {
		uint16_t nsegs[FILL_BURST];

		VT_ASSERT_EQ(0, rte_pktmbuf_alloc_bulk(p->seg_pool, m,
						       FILL_BURST),
			     "alloc for the ring fill");
		for (i = 0; i < FILL_BURST; i++) {
			if (vt_pkt_fill(&s, m[i], taken + i) != VT_PASS) {
				rte_pktmbuf_free_bulk(m, FILL_BURST);
				return VT_FAIL;
			}
			nsegs[i] = m[i]->nb_segs;
		}
		nb = rte_eth_tx_burst(p->drv_port, 0, m, FILL_BURST);
		for (i = 0; i < nb; i++)
			segs += nsegs[i];
		taken += nb;
		if (nb < FILL_BURST) {
			rte_pktmbuf_free_bulk(&m[nb], FILL_BURST - nb);
			break;
		}
		VT_ASSERT(taken <= p->queue_size,
			  "Tx ring of %u descriptors took %" PRIu64 " packets with nothing completed",
			  p->queue_size, taken);
	}
	VT_CHECK(vt_xstat_get(p->drv_port, "tx_q0_ring_full", &full));
	VT_CHECK(vt_xstat_get(p->drv_port, "tx_q0_slot_exhausted",
			      &exhausted));
	vt_info("Tx ring of %u descriptors took %" PRIu64 " packets of %" PRIu64 " segments (indirect %s); tx_q0_ring_full %" PRIu64 " tx_q0_slot_exhausted %" PRIu64,
		p->queue_size, taken, segs, indirect ? "on" : "off",
		full - full0, exhausted - exhausted0);
	VT_ASSERT(taken > 0, "the Tx ring took no packet");
	if (indirect && exhausted > exhausted0) {
		/* map=vduse: one bounce slot per segment, as many as the ring */
		vt_info("NOTE: bounce slots ran out before descriptors: the fill shows nothing about indirect tables here");
		VT_ASSERT(segs <= p->queue_size,
			  "%" PRIu64 " segments in flight with %u bounce slots",
			  segs, p->queue_size);
	} else if (indirect) {
		VT_ASSERT(segs > p->queue_size,
			  "indirect=1: %" PRIu64 " segments in a ring of %u descriptors (each packet should take one, through its indirect table)",
			  segs, p->queue_size);
	} else {
		VT_ASSERT(segs <= p->queue_size,
			  "indirect=0: %" PRIu64 " segments in a ring of %u descriptors",
			  segs, p->queue_size);
	}

	vt_phase("drain the filled Tx ring");
	deadline = vt_now() + 5.0;
	while (received < taken) {
		nb = rte_eth_rx_burst(p->vhost_port, 0, rx, VT_BURST);
		for (i = 0; i < nb; i++) {
			if (received >= taken ||
			    vt_pkt_verify(&s, rx[i], received) != VT_PASS) {
				if (received >= taken)
					vt_fail(__FILE__, __LINE__, "ring fill: expected %" PRIu64 " packets, actual more",
						taken);
				rte_pktmbuf_free_bulk(&rx[i], nb - i);
				return VT_FAIL;
			}
			received++;
			rte_pktmbuf_free(rx[i]);
		}
		VT_ASSERT(vt_now() < deadline,
			  "ring fill: %" PRIu64 " of %" PRIu64 " packets arrived in 5 s",
			  received, taken);
	}
	return VT_PASS;
}

static int
matrix(struct vt_pair *p)
{
	const bool mrg = p->opts.ring & VT_RING_MRG_RXBUF;
	static const uint32_t lens[] = { MATRIX_MID_FRAME, JUMBO_FRAME };
	uint64_t chained0 = p->rx_chained[1];
	unsigned int i;

	p->opts.tx_seg_size = 0;
	VT_CHECK(vt_pair_traffic(p, PACKETS, 60, 1514));
	VT_CHECK(check_chained(p, mrg, PACKETS, 1514, chained0));

	/* the driver sends 2 KB chains from here on */
	p->opts.tx_seg_size = MSEG_SEG_SIZE;
	for (i = 0; i < RTE_DIM(lens); i++) {
		chained0 = p->rx_chained[1];
		VT_CHECK(vt_pair_traffic(p, MATRIX_JUMBO_PACKETS, lens[i],
					 lens[i]));
		VT_CHECK(check_chained(p, mrg, MATRIX_JUMBO_PACKETS, lens[i],
				       chained0));
	}
	VT_CHECK(vt_pair_traffic(p, MATRIX_JUMBO_PACKETS, 60, JUMBO_FRAME));
	vt_info("60..9000 bytes: %" PRIu64 " packets arrived chained at the driver in all",
		p->rx_chained[1]);
	return ring_fill(p, p->opts.ring & VT_RING_INDIRECT);
}

static int
run(int argc, char **argv)
{
	struct vt_pair_opts o = { 0 };
	struct vt_pair p;
	char ring[128], devargs[128];
	bool is_matrix = argc == 4;
	char *end;

	if (argc != 3 && argc != 4) {
		vt_fail(__FILE__, __LINE__, "expected 3 or 4 arguments (layout map case [ring options]), got %d",
			argc);
		return VT_FAIL;
	}
	VT_CHECK(vt_ring_parse(argv[0], is_matrix ? argv[3] : NULL, &o.ring));
	if (strcmp(argv[1], "auto") != 0)
		o.map = argv[1];

	if (argv[2][0] == 'q') {
		unsigned long q = strtoul(argv[2] + 1, &end, 10);

		if (*end != '\0' || q == 0) {
			vt_fail(__FILE__, __LINE__, "bad case %s", argv[2]);
			return VT_FAIL;
		}
		o.queue_size = q;
	} else if (is_matrix) {
		vt_fail(__FILE__, __LINE__, "ring options go with a qN case, not %s",
			argv[2]);
		return VT_FAIL;
	} else if (strcmp(argv[2], "jumbo") == 0) {
		o.max_frame = JUMBO_FRAME;
	} else if (strcmp(argv[2], "mseg") == 0) {
		o.max_frame = JUMBO_FRAME;
		o.tx_seg_size = MSEG_SEG_SIZE;
	} else if (strcmp(argv[2], "mseg_unbatched") == 0) {
		/* the same, mapping one buffer per call of the ops */
		o.max_frame = JUMBO_FRAME;
		o.tx_seg_size = MSEG_SEG_SIZE;
		o.drv_extra = "map_batch=0";
	} else if (strcmp(argv[2], "server") == 0) {
		o.drv_server = true;
	} else {
		vt_fail(__FILE__, __LINE__, "unknown case %s (qN, jumbo, mseg, mseg_unbatched, server)",
			argv[2]);
		return VT_FAIL;
	}
	if (is_matrix) {
		o.max_frame = JUMBO_FRAME;
		o.tx_seg_size = MSEG_SEG_SIZE;
		if (o.ring & VT_RING_MRG_RXBUF)
			o.drv_rx_room = MATRIX_RX_ROOM;
	}
	vt_info("ring: %s (devargs \"%s\")",
		vt_ring_str(o.ring, ring, sizeof(ring)),
		vt_ring_devargs(o.ring, devargs, sizeof(devargs)));

	/*
	 * Pools for rings above 4096 descriptors outgrow 512 MB, and so do
	 * those of the matrix (9000-byte frames) above 256.
	 */
	VT_CHECK(vt_eal_init(&(struct vt_eal_opts){
		.mem_mb = o.queue_size > 4096 ||
			  (is_matrix && o.queue_size > 256) ? 1024 : 512 }));
	VT_CHECK(vt_pair_up_ring(&p, &o));

	if (is_matrix) {
		VT_CHECK(matrix(&p));
	} else if (o.tx_seg_size != 0) {
		VT_CHECK(vt_pair_traffic(&p, MSEG_PACKETS, 60, JUMBO_FRAME));
	} else if (o.max_frame == JUMBO_FRAME) {
		VT_CHECK(vt_pair_traffic(&p, JUMBO_PACKETS, JUMBO_FRAME,
					 JUMBO_FRAME));
		VT_CHECK(vt_pair_traffic(&p, JUMBO_PACKETS, 60, JUMBO_FRAME));
	} else if (o.drv_server) {
		VT_CHECK(vt_pair_traffic(&p, SERVER_PACKETS, 60, 1514));
	} else {
		VT_CHECK(vt_pair_traffic(&p, PACKETS, 60, 1514));
	}

	VT_CHECK(vt_pair_down(&p, true));
	vt_phase("leak check");
	VT_CHECK(vt_pair_free_pools(&p));
	return VT_PASS;
}

static const struct vt_test test = {
	.name = "traffic",
	.usage = "split|packed va|vduse|auto|<registered> qN|jumbo|mseg|server [off|in_order+mrg_rxbuf+indirect+event_idx]",
	.timeout_s = 280,
	.run = run,
};

int
main(int argc, char **argv)
{
	return vt_main(&test, argc, argv);
}
