/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The virtio_map authors
 */

/*
 * Integration test "limits": what this version of the driver cannot do must
 * be refused, never done halfway. The port reports its limits (one queue
 * pair, 9000-byte frames); a chained mbuf is sent whole if multi-segment Tx
 * is advertised and refused otherwise; empty and too-long frames are
 * refused or dropped and counted, never sent truncated; a frame size the Rx
 * pool cannot hold in one buffer is refused at queue set-up or start
 * (accepted with mrg_rxbuf, which chains Rx buffers), and the port works
 * again once set up correctly. A chain of 16 segments, the most the port
 * reports, goes whole; one of 17 is refused by tx_prepare and, given to
 * tx_burst, dropped and counted (tx_q0_dropped_unsupported, oerrors) while
 * the packets around it go. Arguments: layout (split or packed), map kind
 * and optionally ring options ("in_order+mrg_rxbuf+indirect+event_idx").
 */

#include <string.h>

#include <rte_errno.h>

#include <rte_ethdev.h>

#include "vt.h"

#define JUMBO_FRAME 9000

static int
check_info(const struct vt_pair *p)
{
	struct rte_eth_dev_info info;

	vt_phase("device info");
	VT_ASSERT_OK(rte_eth_dev_info_get(p->drv_port, &info), "info");
	vt_info("driver %s: max_rx_pktlen %u, mtu %u..%u, rx desc %u..%u, tx desc %u..%u, queues %u/%u",
		info.driver_name, info.max_rx_pktlen, info.min_mtu,
		info.max_mtu, info.rx_desc_lim.nb_min, info.rx_desc_lim.nb_max,
		info.tx_desc_lim.nb_min, info.tx_desc_lim.nb_max,
		info.max_rx_queues, info.max_tx_queues);
	VT_ASSERT(strcmp(info.driver_name, "net_virtio_map") == 0,
		  "driver name \"%s\"", info.driver_name);
	VT_ASSERT_EQ(1, info.max_rx_queues, "max_rx_queues in this version");
	VT_ASSERT_EQ(1, info.max_tx_queues, "max_tx_queues in this version");
	VT_ASSERT(info.max_mtu >= JUMBO_FRAME - RTE_ETHER_HDR_LEN,
		  "max_mtu %u below %u-byte frames", info.max_mtu, JUMBO_FRAME);
	VT_ASSERT(info.max_rx_pktlen >= JUMBO_FRAME,
		  "max_rx_pktlen %u below %u", info.max_rx_pktlen, JUMBO_FRAME);
	VT_ASSERT(info.rx_desc_lim.nb_max == 0 ||
		  info.rx_desc_lim.nb_max >= p->queue_size,
		  "rx_desc_lim.nb_max %u below the ring", info.rx_desc_lim.nb_max);
	return VT_PASS;
}

/* Receive exactly n packets of stream s at the device, checked. */
static int
device_gets(struct vt_pair *p, struct vt_stream *s, const uint64_t *seqs,
	    unsigned int n)
{
	struct rte_mbuf *rx[VT_BURST];
	unsigned int got = 0;
	double deadline = vt_now() + 5;
	uint16_t i, k;

	while (vt_now() < deadline) {
		k = rte_eth_rx_burst(p->vhost_port, 0, rx, VT_BURST);
		for (i = 0; i < k; i++) {
			if (got >= n ||
			    vt_pkt_verify(s, rx[i], seqs[got]) != VT_PASS) {
				VT_ASSERT(got < n, "more than %u packets at the device",
					  n);
				rte_pktmbuf_free_bulk(&rx[i], k - i);
				return VT_FAIL;
			}
			got++;
			rte_pktmbuf_free(rx[i]);
		}
		/* after the last one, look a little longer for extras */
		if (got == n && deadline - vt_now() > 0.2)
			deadline = vt_now() + 0.2;
	}
	VT_ASSERT_EQ(n, got, "packets at the device");
	return VT_PASS;
}

/* Move the last len bytes of m into a new segment chained after it. */
static int
split_tail(struct rte_mbuf *m, struct rte_mempool *mp, uint16_t len)
{
	struct rte_mbuf *last = rte_pktmbuf_lastseg(m), *t;
	char *d;

	t = rte_pktmbuf_alloc(mp);
	VT_ASSERT(t != NULL, "alloc");
	d = rte_pktmbuf_append(t, len);
	VT_ASSERT(d != NULL, "append");
	memcpy(d, rte_pktmbuf_mtod_offset(last, char *, last->data_len - len),
	       len);
	last->data_len -= len;
	m->pkt_len -= len;
	VT_ASSERT_OK(rte_pktmbuf_chain(m, t), "chain");
	return VT_PASS;
}

/*
 * A chained mbuf: sent whole when the port advertises multi-segment Tx,
 * else refused (tx_burst stops before it and leaves it to the caller).
 * Either way the device never sees a part of it.
 */
static int
multi_seg(struct vt_pair *p)
{
	struct rte_eth_dev_info info;
	struct vt_counts d0, d1;
	struct rte_mbuf *burst[3];
	struct vt_stream s;
	uint64_t seqs[3] = { 0, 1, 2 };
	uint16_t n, i;
	bool capa;

	vt_phase("multi-segment mbuf on transmit");
	VT_ASSERT_OK(rte_eth_dev_info_get(p->drv_port, &info), "info");
	capa = (info.tx_offload_capa & RTE_ETH_TX_OFFLOAD_MULTI_SEGS) != 0;
	vt_info("multi-segment Tx %s", capa ? "advertised" : "not advertised");
	VT_CHECK(vt_counts_get(p->drv_port, &d0));
	vt_stream_init(&s, "virtio_map->vhost (segments)", 4, p->drv_port,
		       p->vhost_port, p->gen_pool, 3, 1000, 1000, 4);
	VT_ASSERT_EQ(0, rte_pktmbuf_alloc_bulk(p->gen_pool, burst, 3), "alloc");
	for (i = 0; i < 3; i++)
		VT_CHECK(vt_pkt_fill(&s, burst[i], i));
	/* the middle one in three segments: 800 + 100 + 100 bytes */
	VT_CHECK(split_tail(burst[1], p->gen_pool, 200));
	VT_CHECK(split_tail(burst[1], p->gen_pool, 100));
	VT_ASSERT_EQ(3, burst[1]->nb_segs, "segments");
	VT_CHECK(vt_pkt_verify(&s, burst[1], 1));

	n = rte_eth_tx_burst(p->drv_port, 0, burst, 3);
	if (capa) {
		VT_ASSERT_EQ(3, n, "tx_burst with a chain in the middle");
		VT_CHECK(device_gets(p, &s, seqs, 3));
	} else {
		VT_ASSERT_EQ(1, n, "tx_burst of [single, chain, single] takes only the first");
		VT_ASSERT_EQ(3, burst[1]->nb_segs, "refused chain left alone");
		rte_pktmbuf_free(burst[1]);
		n = rte_eth_tx_burst(p->drv_port, 0, &burst[2], 1);
		VT_ASSERT_EQ(1, n, "the next single-segment packet goes");
		seqs[1] = 2;
		VT_CHECK(device_gets(p, &s, seqs, 2));
	}
	VT_CHECK(vt_counts_get(p->drv_port, &d1));
	VT_ASSERT_EQ(capa ? 3 : 2, d1.opackets - d0.opackets, "opackets");
	VT_ASSERT_EQ(0, d1.oerrors - d0.oerrors, "oerrors");
	return VT_PASS;
}

/*
 * Frames the device cannot take (empty, or longer than the longest frame
 * the port reports) are never sent truncated: refused (left to the caller)
 * or dropped and counted in oerrors.
 */
static int
bad_frames(struct vt_pair *p)
{
	struct rte_eth_dev_info info;
	struct rte_mempool *big;
	struct vt_counts d0, d1;
	struct rte_mbuf *burst[4];
	struct vt_stream s;
	uint64_t seqs[2] = { 0, 3 };
	uint32_t too_long;
	uint16_t n, i;

	vt_phase("frames too long and empty on transmit");
	VT_ASSERT_OK(rte_eth_dev_info_get(p->drv_port, &info), "info");
	too_long = info.max_rx_pktlen + 1;
	big = vt_pool_create("vt_big", 16, too_long);
	VT_ASSERT(big != NULL, "pool");
	VT_CHECK(vt_counts_get(p->drv_port, &d0));
	vt_stream_init(&s, "virtio_map->vhost (bad frames)", 5, p->drv_port,
		       p->vhost_port, big, 4, 500, 500, 4);
	VT_ASSERT_EQ(0, rte_pktmbuf_alloc_bulk(big, burst, 4), "alloc");
	VT_CHECK(vt_pkt_fill(&s, burst[0], 0));
	VT_ASSERT(rte_pktmbuf_append(burst[1], too_long) != NULL, "append");
	memset(rte_pktmbuf_mtod(burst[1], void *), 0xee, too_long);
	/* burst[2] stays empty */
	VT_CHECK(vt_pkt_fill(&s, burst[3], 3));

	n = rte_eth_tx_burst(p->drv_port, 0, burst, 4);
	vt_info("tx_burst of [good, %u bytes, empty, good] took %u", too_long,
		n);
	VT_ASSERT(n >= 1, "the good first packet goes");
	if (n < 4) {
		/* refused: the rest is the caller's; send the good one */
		for (i = n; i < 3; i++)
			rte_pktmbuf_free(burst[i]);
		VT_ASSERT_EQ(1, rte_eth_tx_burst(p->drv_port, 0, &burst[3], 1),
			     "the good last packet");
	}
	VT_CHECK(device_gets(p, &s, seqs, 2));
	VT_CHECK(vt_counts_get(p->drv_port, &d1));
	VT_ASSERT_EQ(2, d1.opackets - d0.opackets, "opackets");
	if (n == 4)
		VT_ASSERT_EQ(2, d1.oerrors - d0.oerrors,
			     "oerrors for the two dropped frames");
	/* the driver reclaims sent mbufs lazily; traffic flushes them */
	VT_CHECK(vt_pair_traffic(p, 10000, 60, 1514));
	VT_ASSERT_IN_USE(big, 0);
	rte_mempool_free(big);
	return VT_PASS;
}

/* m in nseg segments: the tail split off 64 bytes at a time. */
static int
make_segs(struct rte_mbuf *m, struct rte_mempool *mp, unsigned int nseg)
{
	while (m->nb_segs < nseg)
		VT_CHECK(split_tail(m, mp, 64));
	VT_ASSERT_EQ(nseg, m->nb_segs, "segments");
	return VT_PASS;
}

/*
 * The segment limit: [good, 16 segments, 17 segments, good]. tx_prepare
 * passes the 16-segment chain and stops at the 17-segment one; tx_burst
 * sends the chain of 16 whole and drops (and counts) the one of 17, or
 * stops before it; the device sees only whole packets, in order.
 */
static int
seg_limit(struct vt_pair *p)
{
	struct rte_eth_dev_info info;
	struct vt_counts d0, d1;
	struct rte_mbuf *burst[4];
	struct vt_stream s;
	uint64_t seqs[3] = { 0, 1, 3 };
	uint64_t drop0, drop1;
	unsigned int max_segs;
	uint16_t n, i;

	vt_phase("the most segments a Tx packet may have");
	VT_ASSERT_OK(rte_eth_dev_info_get(p->drv_port, &info), "info");
	/* without TSO: the limit of non-TSO packets */
	max_segs = info.tx_desc_lim.nb_mtu_seg_max;
	VT_ASSERT_EQ(16, max_segs, "tx_desc_lim.nb_mtu_seg_max");
	VT_CHECK(vt_counts_get(p->drv_port, &d0));
	VT_CHECK(vt_xstat_get(p->drv_port, "tx_q0_dropped_unsupported",
			      &drop0));
	vt_stream_init(&s, "virtio_map->vhost (segment limit)", 6,
		       p->drv_port, p->vhost_port, p->gen_pool, 4, 1400, 1400,
		       4);
	VT_ASSERT_EQ(0, rte_pktmbuf_alloc_bulk(p->gen_pool, burst, 4), "alloc");
	for (i = 0; i < 4; i++)
		VT_CHECK(vt_pkt_fill(&s, burst[i], i));
	VT_CHECK(make_segs(burst[1], p->gen_pool, max_segs));
	VT_CHECK(make_segs(burst[2], p->gen_pool, max_segs + 1));
	VT_CHECK(vt_pkt_verify(&s, burst[1], 1));

	n = rte_eth_tx_prepare(p->drv_port, 0, burst, 4);
	vt_info("tx_prepare of [1, %u, %u, 1 segments] passed %u (%s)",
		max_segs, max_segs + 1, n, rte_strerror(rte_errno));
	VT_ASSERT_EQ(2, n, "tx_prepare stops at the chain of 17");

	n = rte_eth_tx_burst(p->drv_port, 0, burst, 4);
	vt_info("tx_burst of [1, %u, %u, 1 segments] took %u", max_segs,
		max_segs + 1, n);
	VT_ASSERT(n == 2 || n == 4, "tx_burst took %u of 4", n);
	if (n == 2) {
		rte_pktmbuf_free(burst[2]);
		VT_ASSERT_EQ(1, rte_eth_tx_burst(p->drv_port, 0, &burst[3], 1),
			     "the good last packet");
	}
	VT_CHECK(device_gets(p, &s, seqs, 3));
	VT_CHECK(vt_counts_get(p->drv_port, &d1));
	VT_CHECK(vt_xstat_get(p->drv_port, "tx_q0_dropped_unsupported",
			      &drop1));
	VT_ASSERT_EQ(3, d1.opackets - d0.opackets, "opackets");
	if (n == 4) {
		VT_ASSERT_EQ(1, drop1 - drop0, "tx_q0_dropped_unsupported");
		VT_ASSERT_EQ(1, d1.oerrors - d0.oerrors, "oerrors");
	}
	return VT_PASS;
}

static int
too_big_for_pool(struct vt_pair *p)
{
	struct rte_eth_conf conf;
	int ret;

	vt_phase("frames larger than the Rx buffers");
	VT_ASSERT_OK(rte_eth_dev_stop(p->drv_port), "stop");
	memset(&conf, 0, sizeof(conf));
	conf.rxmode.mtu = JUMBO_FRAME - RTE_ETHER_HDR_LEN;
	VT_ASSERT_OK(rte_eth_dev_configure(p->drv_port, 1, 1, &conf),
		     "configure for 9000-byte frames");
	/* drv_pool buffers hold 2048 bytes: no scatter, so refuse */
	ret = rte_eth_rx_queue_setup(p->drv_port, 0, p->queue_size,
				     SOCKET_ID_ANY, NULL, p->drv_pool);
	if (p->opts.ring & VT_RING_MRG_RXBUF) {
		/* mergeable buffers: frames span several mbufs */
		VT_ASSERT_OK(ret, "Rx queue of 2 KB mbufs for 9000-byte frames with mrg_rxbuf=1");
		VT_ASSERT_OK(rte_eth_tx_queue_setup(p->drv_port, 0,
						    p->queue_size,
						    SOCKET_ID_ANY, NULL),
			     "tx queue setup");
		VT_ASSERT_OK(rte_eth_dev_start(p->drv_port),
			     "start with 2 KB Rx mbufs for 9000-byte frames, mrg_rxbuf=1");
		VT_CHECK(vt_wait_link(p->drv_port, true, 15000));
		VT_ASSERT_OK(rte_eth_dev_stop(p->drv_port), "stop");
		vt_info("accepted as it should with mrg_rxbuf=1");
	} else {
		if (ret == 0) {
			VT_ASSERT_OK(rte_eth_tx_queue_setup(p->drv_port, 0,
							    p->queue_size,
							    SOCKET_ID_ANY,
							    NULL),
				     "tx queue setup");
			ret = rte_eth_dev_start(p->drv_port);
			if (ret == 0)
				rte_eth_dev_stop(p->drv_port);
			VT_ASSERT(ret < 0,
				  "rx queue setup and start accepted 9000-byte frames with %u-byte buffers",
				  rte_pktmbuf_data_room_size(p->drv_pool));
		}
		vt_info("refused as it should (%d)", ret);
	}

	/* set up right, the port works again */
	VT_CHECK(vt_port_setup(p->drv_port, p->queue_size, p->drv_pool,
			       p->max_frame));
	VT_CHECK(vt_port_start(p->drv_port));
	VT_CHECK(vt_wait_link(p->drv_port, true, 15000));
	VT_CHECK(vt_wait_link(p->vhost_port, true, 15000));
	VT_CHECK(vt_pair_traffic(p, 10000, 60, 1514));
	return VT_PASS;
}

static int
run(int argc, char **argv)
{
	struct vt_pair_opts o = { 0 };
	struct vt_pair p;

	if (argc != 2 && argc != 3) {
		vt_fail(__FILE__, __LINE__, "expected arguments: split|packed map [ring options]");
		return VT_FAIL;
	}
	VT_CHECK(vt_ring_parse(argv[0], argc == 3 ? argv[2] : NULL, &o.ring));
	o.map = argv[1];
	VT_CHECK(vt_eal_init(NULL));
	VT_CHECK(vt_pair_up_ring(&p, &o));
	VT_CHECK(check_info(&p));
	VT_CHECK(multi_seg(&p));
	VT_CHECK(seg_limit(&p));
	VT_CHECK(bad_frames(&p));
	VT_CHECK(too_big_for_pool(&p));
	VT_CHECK(vt_pair_down(&p, true));
	vt_phase("leak check");
	VT_CHECK(vt_pair_free_pools(&p));
	return VT_PASS;
}

static const struct vt_test test = {
	.name = "limits",
	.usage = "split|packed va|vduse|... [in_order+mrg_rxbuf+indirect+event_idx]",
	.timeout_s = 170,
	.run = run,
};

int
main(int argc, char **argv)
{
	return vt_main(&test, argc, argv);
}
