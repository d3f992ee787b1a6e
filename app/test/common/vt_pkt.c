/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The virtio_map authors
 */

/*
 * Numbered packet streams: each frame carries its stream id, sequence
 * number and length after the Ethernet header, then bytes from a fixed
 * pseudo-random table at an offset that depends on the sequence number, so
 * a stale, shifted or truncated buffer never passes. Every byte of every
 * received frame is compared and frames must arrive in order. The loop
 * that drives several streams at once from one thread is here too.
 */

#include <errno.h>
#include <string.h>

#include <rte_byteorder.h>
#include <rte_errno.h>
#include <rte_ethdev.h>

#include "vt.h"

#define VT_ETHER_TYPE 0x88b5	/* IEEE local experimental */
#define VT_MAGIC 0x56540000u	/* "VT" + stream id */
#define VT_HDR_LEN 28		/* Ethernet 14, magic 4, seq 8, length 2 */
#define VT_PATTERN_SPAN 1024	/* offsets into the table */
#define VT_FRAME_MAX 9216

static uint8_t vt_pattern[VT_PATTERN_SPAN + VT_FRAME_MAX];
static bool vt_pattern_ready;

static void
vt_pattern_init(void)
{
	uint64_t x = 0x9e3779b97f4a7c15ull;
	size_t i;

	for (i = 0; i < sizeof(vt_pattern); i++) {
		/* xorshift64 */
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		vt_pattern[i] = (uint8_t)(x >> 32);
	}
	vt_pattern_ready = true;
}

static const uint8_t *
vt_payload(uint64_t seq)
{
	return &vt_pattern[(seq * 131) % VT_PATTERN_SPAN];
}

void
vt_stream_init(struct vt_stream *s, const char *name, uint32_t id,
	       uint16_t tx_port, uint16_t rx_port, struct rte_mempool *pool,
	       uint64_t count, uint32_t min_len, uint32_t max_len,
	       unsigned int window)
{
	memset(s, 0, sizeof(*s));
	s->name = name;
	s->id = id;
	s->tx_port = tx_port;
	s->rx_port = rx_port;
	s->pool = pool;
	s->count = count;
	s->min_len = RTE_MAX(min_len, (uint32_t)VT_HDR_LEN);
	s->max_len = RTE_MIN(RTE_MAX(max_len, s->min_len),
			     (uint32_t)VT_FRAME_MAX);
	s->window = window != 0 ? window : 256;
	rte_eth_macaddr_get(rx_port, &s->dst);
	rte_eth_macaddr_get(tx_port, &s->src);
	if (!vt_pattern_ready)
		vt_pattern_init();
}

uint32_t
vt_stream_len(const struct vt_stream *s, uint64_t seq)
{
	return s->min_len + (uint32_t)(seq % (s->max_len - s->min_len + 1));
}

static void
vt_hdr(const struct vt_stream *s, uint8_t *h, uint64_t seq, uint32_t len)
{
	uint32_t magic = VT_MAGIC | (s->id & 0xffff);
	uint16_t type = rte_cpu_to_be_16(VT_ETHER_TYPE);
	uint16_t l16 = (uint16_t)len;

	memcpy(h, &s->dst, RTE_ETHER_ADDR_LEN);
	memcpy(h + 6, &s->src, RTE_ETHER_ADDR_LEN);
	memcpy(h + 12, &type, 2);
	memcpy(h + 14, &magic, 4);
	memcpy(h + 18, &seq, 8);
	memcpy(h + 26, &l16, 2);
}

/* Packet seq as a chain of s->seg_size-byte segments from s->pool. */
static int
vt_pkt_fill_chain(const struct vt_stream *s, struct rte_mbuf *m, uint64_t seq)
{
	static uint8_t frame[VT_FRAME_MAX];
	uint32_t len = vt_stream_len(s, seq), off = 0, chunk;
	struct rte_mbuf *seg = m;
	char *d;

	vt_hdr(s, frame, seq, len);
	memcpy(frame + VT_HDR_LEN, vt_payload(seq) + VT_HDR_LEN,
	       len - VT_HDR_LEN);
	/* a shorter first segment moves every boundary from packet to packet */
	chunk = s->seg_size > 64 ? s->seg_size - (uint32_t)(seq % 64) :
		s->seg_size;
	while (off < len) {
		chunk = RTE_MIN(chunk, len - off);
		if (seg == NULL) {
			seg = rte_pktmbuf_alloc(s->pool);
			if (seg == NULL) {
				vt_fail(__FILE__, __LINE__, "%s: pool %s empty while building a %u-byte frame of %u-byte segments",
					s->name, s->pool->name, len,
					s->seg_size);
				return VT_FAIL;
			}
		}
		d = rte_pktmbuf_append(seg, chunk);
		if (d == NULL) {
			vt_fail(__FILE__, __LINE__, "%s: no room for a %u-byte segment in an mbuf of %u bytes",
				s->name, chunk, rte_pktmbuf_tailroom(seg));
			if (seg != m)
				rte_pktmbuf_free(seg);
			return VT_FAIL;
		}
		memcpy(d, frame + off, chunk);
		if (seg != m && rte_pktmbuf_chain(m, seg) != 0) {
			vt_fail(__FILE__, __LINE__, "%s: cannot chain segment %u",
				s->name, m->nb_segs);
			rte_pktmbuf_free(seg);
			return VT_FAIL;
		}
		off += chunk;
		seg = NULL;
		chunk = s->seg_size;
	}
	return VT_PASS;
}

int
vt_pkt_fill(const struct vt_stream *s, struct rte_mbuf *m, uint64_t seq)
{
	uint32_t len = vt_stream_len(s, seq);
	uint8_t *d;

	if (s->seg_size != 0)
		return vt_pkt_fill_chain(s, m, seq);
	d = (uint8_t *)rte_pktmbuf_append(m, len);
	if (d == NULL) {
		vt_fail(__FILE__, __LINE__, "%s: no room for a %u-byte frame in an mbuf of %u bytes",
			s->name, len, rte_pktmbuf_tailroom(m));
		return VT_FAIL;
	}
	vt_hdr(s, d, seq, len);
	memcpy(d + VT_HDR_LEN, vt_payload(seq) + VT_HDR_LEN,
	       len - VT_HDR_LEN);
	return VT_PASS;
}

int
vt_pkt_verify(const struct vt_stream *s, const struct rte_mbuf *m,
	      uint64_t seq)
{
	static uint8_t scratch[VT_FRAME_MAX];
	uint8_t hdr[VT_HDR_LEN];
	uint32_t len = vt_stream_len(s, seq);
	const uint8_t *d, *want;
	uint32_t i;

	if (m->pkt_len < VT_HDR_LEN || m->pkt_len > VT_FRAME_MAX) {
		vt_fail(__FILE__, __LINE__, "%s packet %" PRIu64 ": expected length %u, actual %u",
			s->name, seq, len, m->pkt_len);
		return VT_FAIL;
	}
	d = rte_pktmbuf_read(m, 0, m->pkt_len, scratch);
	if (d == NULL) {
		vt_fail(__FILE__, __LINE__, "%s packet %" PRIu64 ": segments hold fewer than pkt_len %u bytes",
			s->name, seq, m->pkt_len);
		return VT_FAIL;
	}

	vt_hdr(s, hdr, seq, len);
	if (memcmp(d + 14, hdr + 14, 12) != 0) {
		uint64_t got_seq;
		uint32_t got_magic;

		memcpy(&got_magic, d + 14, 4);
		memcpy(&got_seq, d + 18, 8);
		if ((got_magic & 0xffff0000u) == VT_MAGIC)
			vt_fail(__FILE__, __LINE__, "%s: order: expected packet %" PRIu64 " of stream %u, actual packet %" PRIu64 " of stream %u (lost, duplicated or reordered)",
				s->name, seq, s->id, got_seq,
				got_magic & 0xffff);
		else
			vt_fail(__FILE__, __LINE__, "%s packet %" PRIu64 ": expected a test frame, actual bytes 14..17 = 0x%08x",
				s->name, seq, got_magic);
		return VT_FAIL;
	}
	if (m->pkt_len != len) {
		vt_fail(__FILE__, __LINE__, "%s packet %" PRIu64 ": expected length %u, actual %u",
			s->name, seq, len, m->pkt_len);
		return VT_FAIL;
	}
	if (memcmp(d, hdr, VT_HDR_LEN) != 0) {
		for (i = 0; i < VT_HDR_LEN && d[i] == hdr[i]; i++)
			;
		vt_fail(__FILE__, __LINE__, "%s packet %" PRIu64 " (%u bytes) header byte %u: expected 0x%02x, actual 0x%02x",
			s->name, seq, len, i, hdr[i], d[i]);
		return VT_FAIL;
	}
	want = vt_payload(seq);
	if (memcmp(d + VT_HDR_LEN, want + VT_HDR_LEN, len - VT_HDR_LEN) != 0) {
		for (i = VT_HDR_LEN; i < len && d[i] == want[i]; i++)
			;
		vt_fail(__FILE__, __LINE__, "%s packet %" PRIu64 " (%u bytes, %u segment(s)) byte %u: expected 0x%02x, actual 0x%02x",
			s->name, seq, len, m->nb_segs, i, want[i], d[i]);
		return VT_FAIL;
	}
	return VT_PASS;
}

/* The port's non-zero xstats on one line, for a failure report. */
static void
vt_xstats_report(uint16_t port)
{
	struct rte_eth_xstat_name *names = NULL;
	struct rte_eth_xstat *xs = NULL;
	int i, n;

	n = rte_eth_xstats_get_names(port, NULL, 0);
	if (n <= 0)
		return;
	names = calloc(n, sizeof(*names));
	xs = calloc(n, sizeof(*xs));
	if (names != NULL && xs != NULL &&
	    rte_eth_xstats_get_names(port, names, n) == n &&
	    rte_eth_xstats_get(port, xs, n) == n) {
		printf("       port %u xstats (non-zero):", port);
		for (i = 0; i < n; i++)
			if (xs[i].value != 0)
				printf(" %s=%" PRIu64, names[xs[i].id].name,
				       xs[i].value);
		printf("\n");
	}
	free(names);
	free(xs);
}

static void
vt_stream_report(const struct vt_stream *s)
{
	struct rte_eth_stats tx, rx;

	memset(&tx, 0, sizeof(tx));
	memset(&rx, 0, sizeof(rx));
	rte_eth_stats_get(s->tx_port, &tx);
	rte_eth_stats_get(s->rx_port, &rx);
	printf("     %s: sent %" PRIu64 "/%" PRIu64 ", received %" PRIu64 ", pending %u\n",
	       s->name, s->sent, s->count, s->received, s->npending);
	printf("       port %u: opackets %" PRIu64 ", oerrors %" PRIu64 "\n",
	       s->tx_port, tx.opackets, tx.oerrors);
	printf("       port %u: ipackets %" PRIu64 ", ierrors %" PRIu64 ", imissed %" PRIu64 ", rx_nombuf %" PRIu64 "\n",
	       s->rx_port, rx.ipackets, rx.ierrors, rx.imissed, rx.rx_nombuf);
	printf("       pool %s: %u mbufs in use\n", s->pool->name,
	       rte_mempool_in_use_count(s->pool));
	vt_xstats_report(s->tx_port);
	if (s->rx_port != s->tx_port)
		vt_xstats_report(s->rx_port);
}

static void
vt_stream_drop_pending(struct vt_stream *s)
{
	if (s->npending != 0)
		rte_pktmbuf_free_bulk(&s->pending[s->pending_pos],
				      s->npending);
	s->npending = 0;
}

/* One step of one stream: send what the window allows, receive a burst. */
static int
vt_stream_step(struct vt_stream *s)
{
	struct rte_mbuf *rx[VT_BURST];
	uint16_t nb, i;

	if (s->backpressure && s->draining) {
		if (s->received == s->sent) {
			s->draining = false;
			s->fills++;
		}
	}
	if (s->backpressure && s->draining)
		goto receive;

	if (s->npending == 0 && s->sent < s->count &&
	    s->sent - s->received < s->window) {
		uint64_t k = RTE_MIN(s->count - s->sent,
				     (uint64_t)(s->window -
						(s->sent - s->received)));

		k = RTE_MIN(k, (uint64_t)VT_BURST);
		if (rte_pktmbuf_alloc_bulk(s->pool, s->pending, k) == 0) {
			for (i = 0; i < k; i++) {
				if (vt_pkt_fill(s, s->pending[i], s->first_seq +
						s->sent + i) != VT_PASS) {
					rte_pktmbuf_free_bulk(s->pending, k);
					return VT_FAIL;
				}
			}
			s->npending = k;
			s->pending_pos = 0;
		}
	}
	if (s->npending != 0) {
		nb = rte_eth_tx_burst(s->tx_port, s->tx_queue,
				      &s->pending[s->pending_pos], s->npending);
		/* taken mbufs belong to the port now: count from seq */
		for (i = 0; i < nb; i++)
			s->tx_bytes += vt_stream_len(s, s->first_seq +
						     s->sent + i);
		if (nb < s->npending)
			s->tx_calls_short++;
		s->sent += nb;
		s->pending_pos += nb;
		s->npending -= nb;
		if (s->backpressure && s->npending != 0)
			s->draining = true;	/* the port is full */
	}
	if (s->backpressure) {
		if (s->sent - s->received >= s->window || s->sent == s->count)
			s->draining = true;
		return VT_PASS;		/* sending only */
	}

receive:
	nb = rte_eth_rx_burst(s->rx_port, s->rx_queue, rx, VT_BURST);
	for (i = 0; i < nb; i++) {
		uint64_t seq = s->first_seq + s->received;

		if (s->received >= s->sent ||
		    vt_pkt_verify(s, rx[i], seq) != VT_PASS) {
			if (s->received >= s->sent)
				vt_fail(__FILE__, __LINE__, "%s: expected at most %" PRIu64 " packets (all sent), actual one more",
					s->name, s->sent);
			rte_pktmbuf_free_bulk(&rx[i], nb - i);
			return VT_FAIL;
		}
		s->rx_bytes += rx[i]->pkt_len;
		if (rx[i]->nb_segs > 1)
			s->rx_chained++;
		s->rx_segs_max = RTE_MAX(s->rx_segs_max, rx[i]->nb_segs);
		s->received++;
		rte_pktmbuf_free(rx[i]);
	}
	return VT_PASS;
}

int
vt_traffic(struct vt_stream *const *streams, unsigned int n,
	   unsigned int stall_ms)
{
	uint64_t progress, last_progress = UINT64_MAX;
	double last_time = vt_now();
	int rc = VT_PASS;
	unsigned int i;
	bool done;

	do {
		done = true;
		progress = 0;
		for (i = 0; i < n && rc == VT_PASS; i++) {
			struct vt_stream *s = streams[i];

			rc = vt_stream_step(s);
			if (rc != VT_PASS)
				s->failed = true;
			progress += s->sent + s->received;
			if (s->received < s->count)
				done = false;
		}
		if (rc != VT_PASS)
			break;
		if (progress != last_progress) {
			last_progress = progress;
			last_time = vt_now();
		} else if (vt_now() - last_time > stall_ms / 1000.0) {
			vt_fail(__FILE__, __LINE__, "traffic: expected progress, actual none for %u ms",
				stall_ms);
			rc = VT_FAIL;
		}
	} while (!done && rc == VT_PASS);

	if (rc != VT_PASS)
		for (i = 0; i < n; i++)
			vt_stream_report(streams[i]);
	for (i = 0; i < n; i++)
		vt_stream_drop_pending(streams[i]);
	return rc;
}

/* Sequence numbers go on across runs on the same pair (restarts). */
static uint64_t vt_seq_next[2];

int
vt_pair_traffic(struct vt_pair *p, uint64_t n, uint32_t min_len,
		uint32_t max_len)
{
	struct vt_counts d0, d1, v0, v1;
	struct vt_stream a, b;
	struct vt_stream *ss[2] = { &a, &b };
	uint64_t tx_bytes[2] = { 0, 0 }, rx_bytes[2] = { 0, 0 };
	uint64_t half[2] = { n / 2, n - n / 2 };
	unsigned int run;
	double t0;

	VT_CHECK(vt_counts_get(p->drv_port, &d0));
	VT_CHECK(vt_counts_get(p->vhost_port, &v0));
	for (run = 0; run < 2; run++) {
		bool bp = run == 1;

		vt_stream_init(&a, "virtio_map->vhost", 1, p->drv_port,
			       p->vhost_port, p->opts.tx_seg_size != 0 ?
			       p->seg_pool : p->gen_pool, half[run], min_len,
			       max_len, p->window);
		a.seg_size = p->opts.tx_seg_size;
		vt_stream_init(&b, "vhost->virtio_map", 2, p->vhost_port,
			       p->drv_port, p->gen_pool, half[run], min_len,
			       max_len, p->window);
		a.first_seq = vt_seq_next[0];
		b.first_seq = vt_seq_next[1];
		a.backpressure = bp;
		b.backpressure = bp;

		vt_phase("traffic%s: %" PRIu64 " packets each way, %u..%u bytes, ring %u%s",
			 bp ? " with backpressure" : "", half[run], a.min_len,
			 a.max_len, p->queue_size, a.seg_size != 0 ?
			 ", driver Tx in chained segments" : "");
		t0 = vt_now();
		VT_CHECK(vt_traffic(ss, 2, 5000));
		vt_seq_next[0] += half[run];
		vt_seq_next[1] += half[run];
		vt_info("%" PRIu64 " packets each way checked in %.2f s; tx_burst took fewer than offered %" PRIu64 "/%" PRIu64 " times",
			half[run], vt_now() - t0, a.tx_calls_short,
			b.tx_calls_short);
		if (bp && p->window > p->queue_size &&
		    half[run] > 2 * p->window) {
			/* the point of backpressure: full rings, both ways */
			VT_ASSERT(a.tx_calls_short > 0,
				  "virtio_map Tx ring never full (window %u, ring %u)",
				  p->window, p->queue_size);
			VT_ASSERT(b.tx_calls_short > 0,
				  "virtio_map Rx ring never full (window %u, ring %u)",
				  p->window, p->queue_size);
		}
		p->rx_chained[0] += a.rx_chained;
		p->rx_chained[1] += b.rx_chained;
		p->rx_segs_max[0] = RTE_MAX(p->rx_segs_max[0], a.rx_segs_max);
		p->rx_segs_max[1] = RTE_MAX(p->rx_segs_max[1], b.rx_segs_max);
		tx_bytes[0] += a.tx_bytes;
		tx_bytes[1] += b.tx_bytes;
		rx_bytes[0] += a.rx_bytes;
		rx_bytes[1] += b.rx_bytes;
	}

	vt_phase("check counters after traffic");
	VT_CHECK(vt_counts_get(p->drv_port, &d1));
	VT_CHECK(vt_counts_get(p->vhost_port, &v1));
	VT_ASSERT_EQ(n, d1.opackets - d0.opackets, "virtio_map opackets");
	VT_ASSERT_EQ(tx_bytes[0], d1.obytes - d0.obytes, "virtio_map obytes");
	VT_ASSERT_EQ(n, d1.ipackets - d0.ipackets, "virtio_map ipackets");
	VT_ASSERT_EQ(rx_bytes[1], d1.ibytes - d0.ibytes, "virtio_map ibytes");
	VT_ASSERT_EQ(n, d1.q_opackets - d0.q_opackets,
		     "virtio_map q_opackets[0]");
	VT_ASSERT_EQ(tx_bytes[0], d1.q_obytes - d0.q_obytes,
		     "virtio_map q_obytes[0]");
	VT_ASSERT_EQ(n, d1.q_ipackets - d0.q_ipackets,
		     "virtio_map q_ipackets[0]");
	VT_ASSERT_EQ(rx_bytes[1], d1.q_ibytes - d0.q_ibytes,
		     "virtio_map q_ibytes[0]");
	VT_ASSERT_EQ(0, d1.ierrors - d0.ierrors, "virtio_map ierrors");
	VT_ASSERT_EQ(0, d1.oerrors - d0.oerrors, "virtio_map oerrors");
	VT_ASSERT_EQ(n, v1.ipackets - v0.ipackets, "net_vhost ipackets");
	VT_ASSERT_EQ(tx_bytes[0], v1.ibytes - v0.ibytes, "net_vhost ibytes");
	VT_ASSERT_EQ(n, v1.opackets - v0.opackets, "net_vhost opackets");
	VT_ASSERT_EQ(tx_bytes[1], v1.obytes - v0.obytes, "net_vhost obytes");
	return VT_PASS;
}

struct rte_mbuf *
vt_pass_one(uint16_t tx, uint16_t rx, struct rte_mbuf *m, bool prepare)
{
	struct rte_mbuf *got;
	double t0;

	if (prepare && rte_eth_tx_prepare(tx, 0, &m, 1) != 1) {
		vt_info("tx_prepare: %s", rte_strerror(rte_errno));
		rte_pktmbuf_free(m);
		return NULL;
	}
	/* net_vhost takes nothing while it waits for an IOTLB answer */
	for (t0 = vt_now(); rte_eth_tx_burst(tx, 0, &m, 1) != 1;)
		if (vt_now() - t0 > 5) {
			rte_pktmbuf_free(m);
			return NULL;
		}
	for (t0 = vt_now(); vt_now() - t0 < 5;)
		if (rte_eth_rx_burst(rx, 0, &got, 1) == 1)
			return got;
	return NULL;
}
