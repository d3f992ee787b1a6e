/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The virtio_map authors
 */

/*
 * Unit test "vmq_hostile": a hostile device against the driver's split and
 * packed virtqueues (drivers/net/virtio_map/vmq.h), no ethdev port and no
 * transport. The test plays the device of common/vt_dev.h, which finds
 * the rings with vmq_ring_addrs() as a device would, and breaks the
 * rules: it rewrites the descriptors and indirect tables of posted
 * buffers before completing them, points an Rx descriptor at another
 * posted buffer, completes ids out of range, twice or never posted,
 * claims lengths beyond a buffer, below a header or beyond the queue's
 * largest frame, overstates num_buffers and runs the used index ahead.
 * Each case then checks that the queue stopped (or went on) as the driver
 * promises, that a drain gives back every mbuf and every mapping, and that
 * after a reset traffic passes again with every byte checked. Arguments:
 * the layout (split or packed), the map kind (va, pa, ops: the counting
 * kind under the debug layer, which reports double and unknown unmaps, or
 * vduse: the device reaches only the private domain), and optionally the
 * name of one case to run alone.
 */

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <rte_errno.h>
#include <rte_mbuf.h>

#include "vmap.h"
#include "vmq.h"
#include "vt.h"
#include "vt_count_ops.h"
#include "vt_dev.h"

#define HDR VT_DEV_HDR		/* virtio-net header, VERSION_1 */
#define PORT 7			/* port id the Rx queues stamp */
#define JUNK_ADDR 0xdead0000beef0000ull
#define JUNK_LEN 0xfff0u
#define MAX_FRAME 1500		/* Rx queues of the frame-length cases */
#define F_AU (VMQ_DESC_F_AVAIL | VMQ_DESC_F_USED)
#define F_JUNK (VMQ_DESC_F_NEXT | VMQ_DESC_F_INDIRECT | VMQ_DESC_F_WRITE)

static struct rte_vmap_dev map;
static bool packed;			/* the layout of this run */
static struct rte_mempool *pool;	/* Rx buffers and sent packets */
static struct rte_mempool *few_pool;	/* fewer mbufs than a ring */
static uint64_t dbg_errors0;		/* debug layer count at case start */
static struct vt_dev dev;

/* ---- the hostile device, on the model of vt_dev.h ---- */

/*
 * Overwrite the ring descriptors and the indirect table of a taken
 * buffer: every flag the driver could follow, lengths, links, addresses
 * (packed: ids too; the availability bits stay).
 */
static void
dev_trash(struct vt_dev *d, const struct vt_dbuf *b, unsigned int k)
{
	const uint16_t next[] = { 32767, 0xffff, b->slot[0], d->size };
	struct vmq_pdesc *p;
	struct vmq_desc *x;
	uint16_t i;

	for (i = 0; i < b->count; i++) {
		if (d->packed) {
			p = &d->pdesc[b->slot[i]];
			p->addr = JUNK_ADDR + i;
			p->len = JUNK_LEN;
			p->id = (k + i) % 2 ? 32767 : d->size;
			p->flags = (p->flags & F_AU) | F_JUNK;
		} else {
			x = &d->desc[b->slot[i]];
			x->addr = JUNK_ADDR + i;
			x->len = JUNK_LEN;
			x->flags = F_JUNK;
			x->next = next[(k + i) % RTE_DIM(next)];
		}
	}
	for (i = 0; i < b->tlen; i++) {
		if (d->packed) {
			p = (struct vmq_pdesc *)b->table + i;
			p->addr = JUNK_ADDR;
			p->len = JUNK_LEN;
			p->id = 32767;
			p->flags = F_JUNK;
		} else {
			x = (struct vmq_desc *)b->table + i;
			x->addr = JUNK_ADDR;
			x->len = JUNK_LEN;
			x->flags = F_JUNK;
			x->next = 32767;
		}
	}
}

/* Point the ring descriptor of a taken Rx buffer at addr. */
static void
dev_redirect(struct vt_dev *d, const struct vt_dbuf *b, uint64_t addr)
{
	if (d->packed)
		d->pdesc[b->slot[0]].addr = addr;
	else
		d->desc[b->slot[0]].addr = addr;
}

/* Become the device of Rx queue q: the driver posts, the device takes. */
static int
rx_start(struct vmq *q, struct vt_dev *d)
{
	vt_dev_attach(d, q);
	VT_ASSERT(vmq_rx_refill(q) > 0, "Rx buffers posted");
	return vt_dev_take_all(d);
}

/* ---- the driver side ---- */

static const char *
opts_name(uint32_t o)
{
	static char buf[96];

	snprintf(buf, sizeof(buf), "%s%s%s%s", packed ? "packed" : "split",
		 o & VMQ_OPT_IN_ORDER ? ",in_order" : "",
		 o & VMQ_OPT_INDIRECT ? ",indirect" : "",
		 o & VMQ_OPT_MRG_RXBUF ? ",mrg_rxbuf" : "");
	return buf;
}

/* A numbered stream of 60..max_len-byte frames (no port behind it). */
static void
stream_init(struct vt_stream *s, const char *name, uint32_t id,
	    uint32_t max_len)
{
	static struct vt_stream tmpl;
	static bool ready;

	if (!ready) {
		vt_stream_init(&tmpl, "", 0, 0, 0, pool, 1 << 20, 60, 60, 0);
		ready = true;
	}
	*s = tmpl;
	s->name = name;
	s->id = id;
	s->max_len = max_len;
}

/* Packet seq of s as an mbuf chain of nseg segments. */
static int
tx_pkt(const struct vt_stream *s, uint64_t seq, unsigned int nseg,
       struct rte_mbuf **out)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(pool);

	VT_ASSERT(m != NULL, "alloc");
	*out = m;
	VT_CHECK(vt_pkt_fill(s, m, seq));
	return vt_drv_pkt_split(m, nseg);
}

/* Segments of Tx packet seq: single ones and chains of 2 to 4. */
static unsigned int
tx_nseg(uint64_t seq)
{
	static const uint8_t n[] = { 1, 2, 3, 1, 4, 1, 2, 1 };

	return n[seq % RTE_DIM(n)];
}

/* Send packets first..first+k-1; all must be taken. */
static int
tx_send(struct vmq *q, const struct vt_stream *s, uint64_t first,
	unsigned int k)
{
	struct rte_mbuf *m[32];
	unsigned int i;
	uint16_t n;

	for (i = 0; i < k; i++)
		VT_CHECK(tx_pkt(s, first + i, tx_nseg(first + i), &m[i]));
	n = vt_drv_tx(q, m, k);
	if (n < k)
		rte_pktmbuf_free_bulk(&m[n], k - n);
	VT_ASSERT_EQ(k, n, "packets a Tx burst took");
	return VT_PASS;
}

/*
 * Send k packets from *seq; the device takes them and, with the ones it
 * still held from held_seq on, checks every byte again and completes all.
 */
static int
tx_round(struct vmq *q, struct vt_dev *d, const struct vt_stream *s,
	 uint64_t *seq, uint64_t held_seq, unsigned int k, bool in_order)
{
	unsigned int i;

	VT_CHECK(tx_send(q, s, *seq, k));
	*seq += k;
	VT_CHECK(vt_dev_take_all(d));
	VT_ASSERT_EQ(*seq - held_seq, d->nheld, "buffers the device holds");
	for (i = 0; i < d->nheld; i++)
		VT_CHECK(vt_dev_tx_verify(&d->held[i], s, held_seq + i));
	vt_dev_tx_complete(d, d->nheld, in_order);
	VT_ASSERT(!q->broken, "Tx queue stopped by good traffic");
	return VT_PASS;
}

/*
 * With everything completed, single-segment packets fill the ring: the
 * driver must reclaim every completed descriptor, whatever the device
 * wrote into them, so the ring holds exactly size descriptors then.
 */
static int
tx_fill_check(struct vmq *q, struct vt_dev *d, uint64_t *seq, bool in_order)
{
	struct rte_mbuf *m[8];
	struct vt_stream s;
	unsigned int i, it, total = 0, descs = 0;
	uint16_t n = 8;

	stream_init(&s, "tx_fill", 32, 60);
	for (it = 0; n == 8 && it < q->size / 8u + 2; it++) {
		VT_ASSERT_EQ(0, rte_pktmbuf_alloc_bulk(pool, m, 8), "alloc");
		for (i = 0; i < 8; i++)
			VT_CHECK(vt_pkt_fill(&s, m[i], *seq + total + i));
		n = vt_drv_tx(q, m, 8);
		if (n < 8)
			rte_pktmbuf_free_bulk(&m[n], 8 - n);
		total += n;
	}
	VT_ASSERT(n < 8, "Tx ring never filled: %u packets taken", total);
	VT_CHECK(vt_dev_take_all(d));
	VT_ASSERT_EQ(total, d->nheld, "buffers the device took");
	for (i = 0; i < d->nheld; i++) {
		VT_CHECK(vt_dev_tx_verify(&d->held[i], &s, *seq + i));
		descs += d->held[i].count;
	}
	VT_ASSERT_EQ(q->size, descs, "descriptors in a full ring (every completed one reclaimed)");
	vt_dev_tx_complete(d, d->nheld, in_order);
	*seq += total;
	return VT_PASS;
}

/* Receive exactly n packets (several bursts if need be): seqs[] of s. */
static int
rx_expect(struct vmq *q, const struct vt_stream *s, const uint64_t *seqs,
	  unsigned int n)
{
	struct rte_mbuf *m[64];
	unsigned int got = 0, i, tries;
	int rc = VT_PASS;

	for (tries = 0; tries < 8 && got < n; tries++)
		got += vt_drv_rx(q, &m[got], RTE_DIM(m) - got);
	if (got == n)
		got += vt_drv_rx(q, &m[got], RTE_DIM(m) - got);
	for (i = 0; i < RTE_MIN(got, n) && rc == VT_PASS; i++) {
		rc = vt_pkt_verify(s, m[i], seqs[i]);
		if (rc == VT_PASS && m[i]->port != PORT) {
			vt_fail(__FILE__, __LINE__, "received mbuf port: expected %u, actual %u",
				PORT, m[i]->port);
			rc = VT_FAIL;
		}
	}
	rte_pktmbuf_free_bulk(m, got);
	VT_ASSERT_EQ(n, got, "packets received");
	return rc;
}

static int
rx_expect_range(struct vmq *q, const struct vt_stream *s, uint64_t first,
		unsigned int n)
{
	uint64_t seqs[64];
	unsigned int i;

	for (i = 0; i < n; i++)
		seqs[i] = first + i;
	return rx_expect(q, s, seqs, n);
}

/*
 * After a bad completion: at most the good packet before it comes out,
 * then the queue is stopped, counted, and stays stopped.
 */
static int
rx_expect_broken(struct vmq *q, const struct vt_stream *s, uint64_t good,
		 uint64_t errors0)
{
	struct rte_mbuf *m[64];
	uint16_t n;
	int rc = VT_PASS;

	n = vt_drv_rx(q, m, RTE_DIM(m));
	n += vt_drv_rx(q, &m[n], RTE_DIM(m) - n);
	if (n == 1)
		rc = vt_pkt_verify(s, m[0], good);
	rte_pktmbuf_free_bulk(m, n);
	VT_ASSERT(n <= 1, "packets received around a bad completion: %u (at most the good one before it)",
		  n);
	VT_CHECK(rc);
	VT_ASSERT(q->broken, "queue stopped by the bad completion");
	VT_ASSERT(q->stats.errors > errors0, "errors counted: %" PRIu64 " before, %" PRIu64 " after",
		  errors0, q->stats.errors);
	n = vt_drv_rx(q, m, RTE_DIM(m));
	rte_pktmbuf_free_bulk(m, n);
	VT_ASSERT_EQ(0, n, "Rx burst on a stopped queue");
	return VT_PASS;
}

/* Good Rx traffic for rounds bursts; buffers used in order or newest first. */
static int
rx_traffic(struct vmq *q, struct vt_dev *d, const struct vt_stream *s,
	   uint64_t *seq, unsigned int rounds, bool in_order)
{
	struct vt_dbuf b;
	unsigned int r, i, k;

	for (r = 0; r < rounds; r++) {
		/* an empty ring: a burst lets the driver refill it */
		if (d->nheld == 0 && !vt_dev_avail(d))
			VT_CHECK(rx_expect(q, s, NULL, 0));
		VT_CHECK(vt_dev_take_all(d));
		VT_ASSERT(d->nheld > 0, "round %u: no Rx buffer posted (nombuf %" PRIu64 ", map refused %" PRIu64 ")",
			  r, q->stats.nombuf, q->stats.map_refused);
		k = RTE_MIN(d->nheld, 1 + r % 24);
		for (i = 0; i < k; i++) {
			b = vt_dev_unhold(d, in_order ? 0 : d->nheld - 1);
			VT_CHECK(vt_dev_rx_put(d, &b, s, *seq + i));
		}
		vt_dev_publish(d);
		VT_CHECK(rx_expect_range(q, s, *seq, k));
		*seq += k;
	}
	return VT_PASS;
}

/*
 * Port stop: drain and reset. Every mbuf is back, no mapping is live, the
 * queue runs again, the debug layer saw no double or unknown unmap.
 */
static int
drain_check(struct vmq *q, struct rte_mempool *mp, unsigned int base)
{
	vmq_drain(q);
	vmq_reset(q);
	VT_ASSERT_EQ(0, vmap_queue_live(&q->mq), "mappings live after a drain (bounce slots busy)");
	VT_ASSERT_EQ(base, rte_mempool_in_use_count(mp), "mbufs in use after a drain");
	VT_ASSERT(!q->broken, "queue still stopped after drain and reset");
	VT_ASSERT_EQ(dbg_errors0, vmap_debug_errors(&map),
		     "map misuses the debug layer saw (double or unknown unmap)");
	return VT_PASS;
}

/* Port start after a drain: refill, traffic with every byte, drain. */
static int
rx_recover(struct vmq *q, struct rte_mempool *mp, unsigned int base,
	   bool in_order)
{
	struct vt_stream s;
	uint64_t seq = 0, errors = q->stats.errors;

	stream_init(&s, "rx_recover", 33, 1514);
	vt_dev_attach(&dev, q);
	VT_ASSERT(vmq_rx_refill(q) > 0, "Rx buffers posted after a restart");
	VT_CHECK(rx_traffic(q, &dev, &s, &seq, 30, in_order));
	VT_ASSERT(!q->broken, "queue stopped by good traffic after a restart");
	VT_ASSERT_EQ(errors, q->stats.errors, "errors counted for good traffic");
	return drain_check(q, mp, base);
}

static int
tx_recover(struct vmq *q, unsigned int base, bool in_order)
{
	struct vt_stream s;
	uint64_t seq = 0, errors = q->stats.errors;
	unsigned int r;

	stream_init(&s, "tx_recover", 34, 1514);
	vt_dev_attach(&dev, q);
	for (r = 0; r < 30; r++)
		VT_CHECK(tx_round(q, &dev, &s, &seq, seq, 1 + r % 10, in_order));
	VT_CHECK(tx_fill_check(q, &dev, &seq, in_order));
	VT_ASSERT_EQ(errors, q->stats.errors, "errors counted for good traffic");
	return drain_check(q, pool, base);
}

/* ---- cases ---- */

/*
 * 1. Tx: the device rewrites the descriptors and indirect tables of the
 * chains it took, then completes six of eight with valid ids; two stay in
 * flight while more traffic passes. All reclaimed normally, nothing freed
 * early, and the driver posts only sane descriptors afterwards.
 */
static int
case_tx_rewrite(struct vmq *q, struct rte_mempool *mp, uint32_t opts, int v)
{
	const bool in_order = opts & VMQ_OPT_IN_ORDER;
	unsigned int base = rte_mempool_in_use_count(pool), i;
	struct vt_dev *d = &dev;
	struct vt_stream s;
	uint64_t seq = 8;

	RTE_SET_USED(mp);
	RTE_SET_USED(v);
	stream_init(&s, "tx_rewrite", 31, 1514);
	vt_dev_attach(d, q);
	VT_CHECK(tx_send(q, &s, 0, 8));
	VT_CHECK(vt_dev_take_all(d));
	VT_ASSERT_EQ(8, d->nheld, "buffers the device took");
	for (i = 0; i < 8; i++) {
		VT_CHECK(vt_dev_tx_verify(&d->held[i], &s, i));
		dev_trash(d, &d->held[i], i);
	}
	vt_dev_tx_complete(d, 6, in_order);
	/* 6 and 7 still in flight, their descriptors garbage */
	VT_CHECK(tx_round(q, d, &s, &seq, 6, 6, in_order));
	for (i = 0; i < 20; i++)
		VT_CHECK(tx_round(q, d, &s, &seq, seq, 1 + i % 10, in_order));
	VT_ASSERT(!q->broken, "queue stopped by rewritten descriptors");
	VT_ASSERT_EQ(0, q->stats.errors, "errors for rewritten descriptors");
	VT_CHECK(tx_fill_check(q, d, &seq, in_order));
	VT_CHECK(tx_round(q, d, &s, &seq, seq, 5, in_order));
	VT_ASSERT_EQ(0, q->stats.errors, "errors");
	VT_CHECK(drain_check(q, pool, base));
	return tx_recover(q, base, in_order);
}

/*
 * 2. Drain after the device rewrote what it took: none completed, then
 * half completed but not reclaimed yet. Everything comes back.
 */
static int
case_tx_rewrite_drain(struct vmq *q, struct rte_mempool *mp, uint32_t opts,
		      int v)
{
	const bool in_order = opts & VMQ_OPT_IN_ORDER;
	unsigned int base = rte_mempool_in_use_count(pool), i, pass;
	struct vt_dev *d = &dev;
	struct vt_stream s;

	RTE_SET_USED(mp);
	RTE_SET_USED(v);
	stream_init(&s, "tx_rewrite_drain", 35, 1514);
	for (pass = 0; pass < 2; pass++) {
		vt_dev_attach(d, q);
		VT_CHECK(tx_send(q, &s, 0, 8));
		VT_CHECK(vt_dev_take_all(d));
		VT_ASSERT_EQ(8, d->nheld, "buffers the device took");
		for (i = 0; i < 8; i++) {
			VT_CHECK(vt_dev_tx_verify(&d->held[i], &s, i));
			dev_trash(d, &d->held[i], i + pass);
		}
		if (pass == 1)
			vt_dev_tx_complete(d, 4, in_order);
		VT_CHECK(drain_check(q, pool, base));
	}
	return tx_recover(q, base, in_order);
}

/*
 * 3. Rx: the device writes a packet into the buffer it was given, points
 * that buffer's descriptor at another posted buffer and completes it;
 * then fills the other one. 300 rounds: both packets as written, no
 * bounce slot lost. Then the same rewriting of every posted buffer with
 * nothing completed, and a drain.
 */
static int
case_rx_redirect(struct vmq *q, struct rte_mempool *mp, uint32_t opts, int v)
{
	const bool in_order = opts & VMQ_OPT_IN_ORDER;
	unsigned int base = rte_mempool_in_use_count(mp), r, i;
	struct vt_dev *d = &dev;
	struct vt_stream s;
	struct vt_dbuf a, b;
	uint64_t seq = 0;
	uint32_t len;

	RTE_SET_USED(v);
	stream_init(&s, "rx_redirect", 36, 1514);
	vt_dev_attach(d, q);
	VT_ASSERT(vmq_rx_refill(q) > 0, "Rx buffers posted");
	for (r = 0; r < 300; r++) {
		VT_CHECK(vt_dev_take_all(d));
		VT_ASSERT(d->nheld >= 2, "round %u: %u Rx buffers posted (nombuf %" PRIu64 ", map refused %" PRIu64 ")",
			  r, d->nheld, q->stats.nombuf, q->stats.map_refused);
		a = vt_dev_unhold(d, 0);
		b = d->held[0];
		VT_CHECK(vt_dev_rx_write(&a, &s, seq, &len));
		dev_redirect(d, &a, b.seg[0].addr);
		vt_dev_put(d, a.id, len, 1);
		vt_dev_publish(d);
		VT_CHECK(rx_expect_range(q, &s, seq++, 1));
		b = vt_dev_unhold(d, 0);
		VT_CHECK(vt_dev_rx_put(d, &b, &s, seq));
		vt_dev_publish(d);
		VT_CHECK(rx_expect_range(q, &s, seq++, 1));
	}
	VT_ASSERT(!q->broken, "queue stopped by a redirected descriptor");
	VT_ASSERT_EQ(0, q->stats.errors, "errors");

	/* every posted buffer's descriptor points at the next one's */
	VT_CHECK(vt_dev_take_all(d));
	for (i = 0; i < d->nheld; i++)
		dev_redirect(d, &d->held[i],
			     d->held[(i + 1) % d->nheld].seg[0].addr);
	VT_CHECK(drain_check(q, mp, base));
	return rx_recover(q, mp, base, in_order);
}

/*
 * 4. Rx: a used id out of range (size + 5, or a posted id with high bits
 * set), the same id twice, an id never posted (ring of 128, 64 mbufs).
 */
static int
case_rx_bad_id(struct vmq *q, struct rte_mempool *mp, uint32_t opts, int v)
{
	const bool in_order = opts & VMQ_OPT_IN_ORDER;
	unsigned int base = rte_mempool_in_use_count(mp);
	uint64_t errors0 = q->stats.errors;
	struct vt_dev *d = &dev;
	struct vt_stream s;
	uint32_t len, id;

	stream_init(&s, "rx_bad_id", 37, 1514);
	VT_CHECK(rx_start(q, d));
	VT_ASSERT(d->nheld >= 4, "Rx buffers posted: %u", d->nheld);
	VT_CHECK(vt_dev_rx_put(d, &d->held[0], &s, 0));
	VT_CHECK(vt_dev_rx_write(&d->held[1], &s, 1, &len));
	switch (v) {
	case 0:
		vt_dev_put(d, q->size + 5, len, 1);
		break;
	case 1:
		vt_dev_put(d, (packed ? 0x8000 : 0x10000) | d->held[1].id, len, 1);
		break;
	case 2:
		vt_dev_put(d, d->held[0].id, len, 1);
		break;
	default:
		id = vt_dev_free_id(d);
		VT_ASSERT(id < q->size, "an id never posted: all %u are", q->size);
		vt_dev_put(d, id, len, 1);
		break;
	}
	VT_CHECK(vt_dev_rx_put(d, &d->held[2], &s, 2));
	/* a fourth: the bad one inside a group the SIMD paths read whole */
	VT_CHECK(vt_dev_rx_put(d, &d->held[3], &s, 3));
	vt_dev_publish(d);
	VT_CHECK(rx_expect_broken(q, &s, 0, errors0));
	VT_CHECK(drain_check(q, mp, base));
	return rx_recover(q, mp, base, in_order);
}

/*
 * Rx buffers used out of the order they were posted, inside one group of
 * four (what the SIMD paths read whole): a stopped queue with IN_ORDER,
 * where the device may not skip (2.7.9, 2.8.9); without it, legal, and
 * the packets come in the order the device used them.
 */
static int
case_rx_out_of_order(struct vmq *q, struct rte_mempool *mp, uint32_t opts,
		     int v)
{
	const bool in_order = opts & VMQ_OPT_IN_ORDER;
	unsigned int base = rte_mempool_in_use_count(mp);
	uint64_t errors0 = q->stats.errors;
	struct vt_dev *d = &dev;
	struct vt_stream s;

	RTE_SET_USED(v);
	stream_init(&s, "rx_out_of_order", 42, 1514);
	VT_CHECK(rx_start(q, d));
	VT_ASSERT(d->nheld >= 4, "Rx buffers posted: %u", d->nheld);
	VT_CHECK(vt_dev_rx_put(d, &d->held[0], &s, 0));
	VT_CHECK(vt_dev_rx_put(d, &d->held[2], &s, 1));
	VT_CHECK(vt_dev_rx_put(d, &d->held[1], &s, 2));
	VT_CHECK(vt_dev_rx_put(d, &d->held[3], &s, 3));
	vt_dev_publish(d);
	if (in_order)
		VT_CHECK(rx_expect_broken(q, &s, 0, errors0));
	else
		VT_CHECK(rx_expect_range(q, &s, 0, 4));
	VT_CHECK(drain_check(q, mp, base));
	return rx_recover(q, mp, base, in_order);
}

/*
 * Fill the Tx ring with 2-segment packets (chains of 3 descriptors, or
 * one with indirect) until the driver refuses; the device takes and
 * checks them. The driver can post nothing more before it looks at what
 * the device writes next, so an id that is free now is still free then.
 */
static int
tx_fill_chains(struct vmq *q, struct vt_dev *d, const struct vt_stream *s)
{
	struct rte_mbuf *m;
	unsigned int n = 0, i;

	for (;;) {
		VT_ASSERT(n <= q->size, "Tx ring of %u took %u packets", q->size, n);
		VT_CHECK(tx_pkt(s, n, 2, &m));
		if (vt_drv_tx(q, &m, 1) == 0) {
			rte_pktmbuf_free(m);
			break;
		}
		n++;
	}
	VT_CHECK(vt_dev_take_all(d));
	VT_ASSERT_EQ(n, d->nheld, "buffers the device took");
	VT_ASSERT(n >= 2, "packets in a full ring: %u", n);
	for (i = 0; i < n; i++)
		VT_CHECK(vt_dev_tx_verify(&d->held[i], s, i));
	return VT_PASS;
}

/*
 * After a bad Tx completion on a ring tx_fill_chains() filled: a packet
 * of the same shape fits only once the driver reclaimed, so the next
 * burst finds the completion; then the queue stays stopped.
 */
static int
tx_expect_broken(struct vmq *q, const struct vt_stream *s, uint64_t errors0)
{
	struct rte_mbuf *m;
	unsigned int i;
	uint16_t n = 0;

	for (i = 0; i < 3 && !q->broken; i++) {
		VT_CHECK(tx_pkt(s, 1000 + i, 2, &m));
		n = vt_drv_tx(q, &m, 1);
		if (n == 0)
			rte_pktmbuf_free(m);
	}
	VT_ASSERT(q->broken, "Tx queue stopped by the bad completion (%u bursts, the last took %u)",
		  i, n);
	VT_ASSERT(q->stats.errors > errors0, "errors counted: %" PRIu64 " before, %" PRIu64 " after",
		  errors0, q->stats.errors);
	VT_CHECK(tx_pkt(s, 0, 1, &m));
	n = vt_drv_tx(q, &m, 1);
	rte_pktmbuf_free(m);
	VT_ASSERT_EQ(0, n, "Tx burst on a stopped queue");
	return VT_PASS;
}

/*
 * 4. Tx, ring full: after a valid completion, a used id out of range
 * (size + 3, or an id in flight with high bits set); one id completed
 * twice; an id no buffer has (inside a chain, or free).
 */
static int
case_tx_bad_id(struct vmq *q, struct rte_mempool *mp, uint32_t opts, int v)
{
	const bool in_order = opts & VMQ_OPT_IN_ORDER;
	unsigned int base = rte_mempool_in_use_count(pool);
	uint64_t errors0 = q->stats.errors;
	struct vt_dev *d = &dev;
	const struct vt_dbuf *b;
	struct vt_stream s;
	uint32_t id;

	RTE_SET_USED(mp);
	stream_init(&s, "tx_bad_id", 38, 1514);
	vt_dev_attach(d, q);
	VT_CHECK(tx_fill_chains(q, d, &s));
	b = &d->held[0];
	switch (v) {
	case 0:
		vt_dev_put(d, b->id, 0, b->count);
		vt_dev_put(d, q->size + 3, 0, 1);
		break;
	case 1:
		vt_dev_put(d, (packed ? 0x8000 : 0x10000) | b->id, 0, b->count);
		break;
	case 2:
		vt_dev_put(d, b->id, 0, b->count);
		vt_dev_put(d, b->id, 0, b->count);
		break;
	default:
		VT_ASSERT(b->count == 3, "a 2-segment packet in %u descriptors",
			  b->count);
		if (!packed) {
			id = b->slot[1];
		} else if (in_order) {
			id = b->id + 1;
		} else {
			id = vt_dev_free_id(d);
		}
		vt_dev_put(d, id, 0, 1);
		break;
	}
	vt_dev_publish(d);
	VT_CHECK(tx_expect_broken(q, &s, errors0));
	VT_CHECK(drain_check(q, pool, base));
	return tx_recover(q, base, in_order);
}

/* 5. Rx: a used length one byte beyond the posted buffer. */
static int
case_rx_len_over(struct vmq *q, struct rte_mempool *mp, uint32_t opts, int v)
{
	const bool in_order = opts & VMQ_OPT_IN_ORDER;
	unsigned int base = rte_mempool_in_use_count(mp);
	uint64_t errors0 = q->stats.errors;
	struct vt_dev *d = &dev;
	struct vt_stream s;
	uint32_t len;

	RTE_SET_USED(v);
	stream_init(&s, "rx_len_over", 39, 1514);
	VT_CHECK(rx_start(q, d));
	VT_ASSERT(d->nheld >= 4, "Rx buffers posted: %u", d->nheld);
	VT_CHECK(vt_dev_rx_put(d, &d->held[0], &s, 0));
	VT_CHECK(vt_dev_rx_write(&d->held[1], &s, 1, &len));
	vt_dev_put(d, d->held[1].id, d->held[1].seg[0].len + 1, 1);
	VT_CHECK(vt_dev_rx_put(d, &d->held[2], &s, 2));
	/* a fourth: the bad one inside a group the SIMD paths read whole */
	VT_CHECK(vt_dev_rx_put(d, &d->held[3], &s, 3));
	vt_dev_publish(d);
	VT_CHECK(rx_expect_broken(q, &s, 0, errors0));
	VT_CHECK(drain_check(q, mp, base));
	return rx_recover(q, mp, base, in_order);
}

/* 6. Rx: used lengths of a header only, less, and nothing: dropped. */
static int
case_rx_len_short(struct vmq *q, struct rte_mempool *mp, uint32_t opts, int v)
{
	static const uint32_t bad[] = { HDR, 5, 0 };
	const bool in_order = opts & VMQ_OPT_IN_ORDER;
	const uint64_t seqs[] = { 0, 1, 2, 3 };
	unsigned int base = rte_mempool_in_use_count(mp), i, k = 0;
	uint64_t le0 = q->stats.length_errors, seq = 4;
	struct vt_dev *d = &dev;
	struct vt_stream s;
	struct vt_dbuf b;
	uint32_t len;

	RTE_SET_USED(v);
	stream_init(&s, "rx_len_short", 40, 1514);
	VT_CHECK(rx_start(q, d));
	/* good 0, header only, good 1, 5 bytes, good 2, nothing, good 3 */
	for (i = 0; i < 7; i++) {
		b = vt_dev_unhold(d, 0);
		VT_CHECK(vt_dev_rx_write(&b, &s, i % 2 == 0 ? seqs[i / 2] : 99, &len));
		vt_dev_put(d, b.id, i % 2 == 0 ? len : bad[k++], 1);
	}
	vt_dev_publish(d);
	VT_CHECK(rx_expect(q, &s, seqs, 4));
	VT_ASSERT(!q->broken, "queue stopped by a short frame");
	VT_ASSERT_EQ(3, q->stats.length_errors - le0, "length errors for 3 short frames");
	vt_info("%s: errors %" PRIu64 ", length errors %" PRIu64, opts_name(opts),
		q->stats.errors, q->stats.length_errors);
	VT_CHECK(rx_traffic(q, d, &s, &seq, 10, in_order));
	VT_CHECK(drain_check(q, mp, base));
	return rx_recover(q, mp, base, in_order);
}

/*
 * 7. Rx, largest frame 1500: frames of 1500 bytes pass, 1501 and 1600
 * bytes (in one large-enough buffer) are dropped and counted.
 */
static int
case_rx_max_frame(struct vmq *q, struct rte_mempool *mp, uint32_t opts, int v)
{
	/* in a stream of 60..1600 bytes, packet 1440 has 1500 bytes */
	const uint64_t seqs[] = { 1440, 1441, 0, 1540, 7 };
	const uint64_t want[] = { 1440, 0, 7 };
	const bool in_order = opts & VMQ_OPT_IN_ORDER;
	unsigned int base = rte_mempool_in_use_count(mp), i;
	uint64_t le0 = q->stats.length_errors, seq = 2000;
	struct vt_dev *d = &dev;
	struct vt_stream s;
	struct vt_dbuf b;

	RTE_SET_USED(v);
	stream_init(&s, "rx_max_frame", 41, 1600);
	VT_ASSERT_EQ(1500, vt_stream_len(&s, 1440), "stream length");
	VT_CHECK(rx_start(q, d));
	for (i = 0; i < RTE_DIM(seqs); i++) {
		b = vt_dev_unhold(d, 0);
		VT_CHECK(vt_dev_rx_put(d, &b, &s, seqs[i]));
	}
	vt_dev_publish(d);
	VT_CHECK(rx_expect(q, &s, want, RTE_DIM(want)));
	VT_ASSERT(!q->broken, "queue stopped by a frame over the largest");
	VT_ASSERT_EQ(2, q->stats.length_errors - le0, "length errors for 1501 and 1600 bytes");
	s.max_len = 1500;
	VT_CHECK(rx_traffic(q, d, &s, &seq, 10, in_order));
	VT_CHECK(drain_check(q, mp, base));
	return rx_recover(q, mp, base, in_order);
}

/*
 * 7. Mergeable Rx, largest frame 1500, ring of 128: a frame over 60 full
 * buffers and a 1600-byte one in one buffer are dropped (every buffer
 * freed), a 1500-byte frame over 2 buffers and the frames after pass.
 */
static int
case_rx_mrg_max_frame(struct vmq *q, struct rte_mempool *mp, uint32_t opts,
		      int v)
{
	static uint8_t buf[VMQ_MAX_FRAME + HDR];
	const uint64_t want[] = { 1440, 0 };
	const bool in_order = opts & VMQ_OPT_IN_ORDER;
	unsigned int base = rte_mempool_in_use_count(mp), i;
	uint64_t le0 = q->stats.length_errors, seq = 2000;
	struct vmq_net_hdr h = { .num_buffers = 60 };
	struct vt_dev *d = &dev;
	struct vt_stream s;
	struct vt_dbuf b, c;
	uint32_t len;

	RTE_SET_USED(v);
	stream_init(&s, "rx_mrg_max_frame", 42, 1600);
	VT_CHECK(rx_start(q, d));
	VT_ASSERT(d->nheld >= 64, "Rx buffers posted: %u", d->nheld);
	/* 60 buffers, every byte used */
	memset(buf, 0x5a, sizeof(buf));
	memcpy(buf, &h, HDR);
	for (i = 0; i < 60; i++) {
		b = vt_dev_unhold(d, 0);
		VT_CHECK(vt_dev_write(&b, 0, buf, b.seg[0].len));
		vt_dev_put(d, b.id, b.seg[0].len, 1);
		memset(buf, 0x5a, HDR);
	}
	b = vt_dev_unhold(d, 0);
	VT_CHECK(vt_dev_rx_put(d, &b, &s, 1540));
	/* 1500 bytes over two buffers: header and 800, then 700 */
	VT_CHECK(vt_dev_frame_build(&s, 1440, 2, buf, &len));
	b = vt_dev_unhold(d, 0);
	c = vt_dev_unhold(d, 0);
	VT_CHECK(vt_dev_write(&b, 0, buf, HDR + 800));
	VT_CHECK(vt_dev_write(&c, 0, buf + HDR + 800, len - HDR - 800));
	vt_dev_put(d, b.id, HDR + 800, 1);
	vt_dev_put(d, c.id, len - HDR - 800, 1);
	b = vt_dev_unhold(d, 0);
	VT_CHECK(vt_dev_rx_put(d, &b, &s, 0));
	vt_dev_publish(d);
	VT_CHECK(rx_expect(q, &s, want, RTE_DIM(want)));
	VT_ASSERT(!q->broken, "queue stopped by frames over the largest");
	VT_ASSERT_EQ(2, q->stats.length_errors - le0, "length errors for two long frames");
	/* every mbuf out is a posted buffer */
	VT_CHECK(vt_dev_take_all(d));
	VT_ASSERT_EQ(base + d->nheld, rte_mempool_in_use_count(mp),
		     "mbufs in use: the posted buffers only");
	s.max_len = 1500;
	VT_CHECK(rx_traffic(q, d, &s, &seq, 10, in_order));
	VT_CHECK(drain_check(q, mp, base));
	return rx_recover(q, mp, base, in_order);
}

/* 7. Mergeable Rx: num_buffers 0, then more than the ring holds. */
static int
case_rx_mrg_bad_num(struct vmq *q, struct rte_mempool *mp, uint32_t opts,
		    int v)
{
	static uint8_t buf[VMQ_MAX_FRAME + HDR];
	const uint16_t nb = v == 0 ? 0 : q->size + 1;
	const bool in_order = opts & VMQ_OPT_IN_ORDER;
	unsigned int base = rte_mempool_in_use_count(mp);
	uint64_t errors0 = q->stats.errors;
	struct vt_dev *d = &dev;
	struct vt_stream s;
	uint32_t len;

	stream_init(&s, "rx_mrg_bad_num", 43, 1514);
	VT_CHECK(rx_start(q, d));
	VT_CHECK(vt_dev_rx_put(d, &d->held[0], &s, 0));
	VT_CHECK(vt_dev_frame_build(&s, 1, nb, buf, &len));
	VT_CHECK(vt_dev_write(&d->held[1], 0, buf, len));
	vt_dev_put(d, d->held[1].id, len, 1);
	VT_CHECK(vt_dev_rx_put(d, &d->held[2], &s, 2));
	vt_dev_publish(d);
	VT_CHECK(rx_expect_broken(q, &s, 0, errors0));
	VT_CHECK(drain_check(q, mp, base));
	return rx_recover(q, mp, base, in_order);
}

/*
 * 8. Split: the used index runs a ring ahead of what is in flight, over
 * entries that each look valid (every buffer in flight, once): the index
 * alone is wrong, so the queue stops before it uses any entry. Packed: a
 * used descriptor with valid flags and the id of no buffer in flight (Rx:
 * never posted; Tx: inside a chain in order, else a free id).
 */
static int
case_rx_ahead(struct vmq *q, struct rte_mempool *mp, uint32_t opts, int v)
{
	const bool in_order = opts & VMQ_OPT_IN_ORDER;
	unsigned int base = rte_mempool_in_use_count(mp), i;
	uint64_t errors0 = q->stats.errors;
	struct vt_dev *d = &dev;
	struct vt_stream s;
	uint16_t start;

	RTE_SET_USED(v);
	if (packed)
		return case_rx_bad_id(q, mp, opts, 3);
	stream_init(&s, "rx_ahead", 44, 1514);
	VT_CHECK(rx_start(q, d));
	VT_ASSERT(d->nheld < q->size, "Rx buffers posted: %u of %u", d->nheld,
		  q->size);
	start = d->used_pos;
	for (i = 0; i < d->nheld; i++) {
		VT_CHECK(vt_dev_rx_put(d, &d->held[i], &s, i));
	}
	d->used_pos = start + q->size + 1;
	vt_dev_publish(d);
	VT_CHECK(rx_expect_broken(q, &s, 0, errors0));
	VT_CHECK(drain_check(q, mp, base));
	return rx_recover(q, mp, base, in_order);
}

static int
case_tx_ahead(struct vmq *q, struct rte_mempool *mp, uint32_t opts, int v)
{
	const bool in_order = opts & VMQ_OPT_IN_ORDER;
	unsigned int base = rte_mempool_in_use_count(pool), out;
	uint64_t errors0 = q->stats.errors;
	struct vt_dev *d = &dev;
	struct vt_stream s;
	uint16_t start;

	RTE_SET_USED(v);
	if (packed)
		return case_tx_bad_id(q, mp, opts, 3);
	stream_init(&s, "tx_ahead", 45, 1514);
	vt_dev_attach(d, q);
	VT_CHECK(tx_fill_chains(q, d, &s));
	start = d->used_pos;
	vt_dev_tx_complete(d, d->nheld, in_order);
	d->used_pos = start + q->size + 1;
	vt_dev_publish(d);
	out = rte_mempool_in_use_count(pool);
	VT_CHECK(tx_expect_broken(q, &s, errors0));
	VT_ASSERT_EQ(out, rte_mempool_in_use_count(pool),
		     "mbufs in use: none freed on a used index a ring ahead");
	VT_CHECK(drain_check(q, pool, base));
	return tx_recover(q, base, in_order);
}

/* ---- the program ---- */

typedef int (*case_fn)(struct vmq *q, struct rte_mempool *mp, uint32_t opts,
		       int v);

struct hcase {
	const char *name;
	case_fn fn;
	bool tx;
	uint16_t size;		/* ring size */
	bool few;		/* Rx: the pool of 64 mbufs */
	uint32_t max_frame;	/* Rx: 0 or MAX_FRAME */
	int variants;		/* n: variants 0..n-1; -v: variant v only */
	unsigned int opts;	/* which lists of options (*_OPTS) */
};

#define TX_OPTS 1		/* none, in_order, indirect, both */
#define RX_OPTS 2		/* none, in_order */
#define MRG_OPTS 4		/* mrg_rxbuf, with in_order */
#define TXN_OPTS 8		/* Tx without indirect: chains of 3 */

static const struct hcase cases[] = {
	{ "tx_rewrite", case_tx_rewrite, true, 64, false, 0, 1, TX_OPTS },
	{ "tx_rewrite_drain", case_tx_rewrite_drain, true, 64, false, 0, 1, TX_OPTS },
	{ "rx_redirect", case_rx_redirect, false, 64, false, 0, 1, RX_OPTS },
	{ "rx_bad_id", case_rx_bad_id, false, 64, false, 0, 3, RX_OPTS },
	{ "rx_never_posted", case_rx_bad_id, false, 128, true, 0, -3, RX_OPTS },
	{ "rx_out_of_order", case_rx_out_of_order, false, 64, false, 0, 1, RX_OPTS },
	{ "tx_bad_id", case_tx_bad_id, true, 64, false, 0, 3, TX_OPTS },
	{ "tx_never_posted", case_tx_bad_id, true, 64, false, 0, -3, TXN_OPTS },
	{ "rx_len_over", case_rx_len_over, false, 64, false, 0, 1, RX_OPTS | MRG_OPTS },
	{ "rx_len_short", case_rx_len_short, false, 64, false, 0, 1, RX_OPTS | MRG_OPTS },
	{ "rx_max_frame", case_rx_max_frame, false, 64, false, MAX_FRAME, 1, RX_OPTS },
	{ "rx_mrg_max_frame", case_rx_mrg_max_frame, false, 128, false, MAX_FRAME, 1, MRG_OPTS },
	{ "rx_mrg_bad_num", case_rx_mrg_bad_num, false, 64, false, 0, 2, MRG_OPTS },
	{ "rx_ahead", case_rx_ahead, false, 128, true, 0, 1, RX_OPTS },
	{ "tx_ahead", case_tx_ahead, true, 64, false, 0, 1, TXN_OPTS },
};

static int
run_case(const struct hcase *c, uint32_t opts, int v)
{
	struct rte_mempool *mp = c->few ? few_pool : pool;
	struct vmq_conf conf = {
		.is_tx = c->tx,
		.size = c->size,
		.vq_index = c->tx,
		.port_id = PORT,
		.socket_id = SOCKET_ID_ANY,
		.map = &map,
		.mp = c->tx ? NULL : mp,
		.max_frame = c->max_frame,
		.opts_possible = opts & VMQ_OPT_INDIRECT,
	};
	struct vmq *q = vmq_create(&conf);
	int rc;

	VT_ASSERT(q != NULL, "vmq_create: %s", rte_strerror(rte_errno));
	rc = vmq_set_opts(q, opts);
	if (rc != 0) {
		vmq_free(q);
		VT_ASSERT_OK(rc, "vmq_set_opts");
	}
	dbg_errors0 = vmap_debug_errors(&map);
	rc = c->fn(q, mp, opts, v);
	vmq_free(q);
	return rc;
}

static int
attach_kind(const char *name)
{
	struct rte_vmap_region regions[2];
	int nregions;

	if (strcmp(name, "ops") != 0) {
		VT_CHECK(vt_count_attach(&map, name, "vt_hostile", regions,
					 &nregions));
		vt_dev_reach_set(0, regions, nregions);
		return VT_PASS;
	}
	/* under the debug layer: double and unknown unmaps are counted */
	VT_ASSERT_OK(vmap_dev_attach(&map, &vt_count_ops, "vt_hostile",
				     SOCKET_ID_ANY,
				     &(struct rte_vmap_params){ .debug = true }),
		     "attach ops with the debug layer");
	vt_dev_reach_set(VT_COUNT_OPS_OFFSET, NULL, 0);
	return VT_PASS;
}

static int
run(int argc, char **argv)
{
	static const uint32_t lists[][4] = {
		[TX_OPTS] = { 0, VMQ_OPT_IN_ORDER, VMQ_OPT_INDIRECT,
			      VMQ_OPT_IN_ORDER | VMQ_OPT_INDIRECT },
		[RX_OPTS] = { 0, VMQ_OPT_IN_ORDER },
		[MRG_OPTS] = { VMQ_OPT_MRG_RXBUF,
			       VMQ_OPT_MRG_RXBUF | VMQ_OPT_IN_ORDER },
		[TXN_OPTS] = { 0, VMQ_OPT_IN_ORDER },
	};
	static const unsigned int lens[] = { [TX_OPTS] = 4, [RX_OPTS] = 2,
					     [MRG_OPTS] = 2, [TXN_OPTS] = 2 };
	unsigned int failed = 0, total = 0, c, l, i;
	struct rte_mempool *dev_pool;	/* frames the device builds */
	uint32_t opts;
	int v, v0, rc;

	if (argc < 2 || argc > 3 || (strcmp(argv[0], "split") != 0 &&
				     strcmp(argv[0], "packed") != 0)) {
		vt_fail(__FILE__, __LINE__, "expected arguments: split|packed va|pa|ops|vduse [case]");
		return VT_FAIL;
	}
	packed = strcmp(argv[0], "packed") == 0;
	VT_CHECK(vt_eal_init(&(struct vt_eal_opts){ .mem_mb = 256 }));
	pool = vt_pool_create("vt_hostile", 4096, 1514);
	few_pool = vt_pool_create("vt_hostile_few", 64, 1514);
	dev_pool = vt_pool_create("vt_hostile_dev", 64, VMQ_MAX_FRAME);
	VT_ASSERT(pool != NULL && few_pool != NULL && dev_pool != NULL, "pools");
	VT_CHECK(vt_dev_setup(dev_pool));
	VT_CHECK(attach_kind(argv[1]));

	for (c = 0; c < RTE_DIM(cases); c++) {
		if (argc == 3 && strcmp(argv[2], cases[c].name) != 0)
			continue;
		/* negative: that one variant only */
		v0 = cases[c].variants < 0 ? -cases[c].variants : 0;
		for (l = TX_OPTS; l <= TXN_OPTS; l <<= 1) {
			if (!(cases[c].opts & l))
				continue;
			for (i = 0; i < lens[l]; i++) {
				opts = lists[l][i] | (packed ? VMQ_OPT_PACKED : 0);
				for (v = v0; v < RTE_MAX(cases[c].variants, v0 + 1); v++) {
					vt_phase("%s %s variant %d", cases[c].name,
						 opts_name(opts), v);
					rc = run_case(&cases[c], opts, v);
					vt_info("%s %s variant %d: %s (mbufs out %u)",
						cases[c].name, opts_name(opts), v,
						rc == VT_PASS ? "ok" : "FAILED",
						rte_mempool_in_use_count(pool));
					failed += rc != VT_PASS;
					total++;
				}
			}
		}
	}
	VT_ASSERT(total > 0, "no case named %s", argv[2]);
	vt_dev_teardown();
	vt_phase("leak check");
	if (rte_mempool_in_use_count(few_pool) != 0) {
		vt_fail(__FILE__, __LINE__, "mbufs of the small pool in use: expected 0, actual %u",
			rte_mempool_in_use_count(few_pool));
		failed++;
	}
	return vt_checks_done(pool, total, failed);
}

static const struct vt_test test = {
	.name = "vmq_hostile",
	.usage = "split|packed va|pa|ops|vduse [case]",
	.timeout_s = 120,
	.run = run,
};

int
main(int argc, char **argv)
{
	return vt_main(&test, argc, argv);
}
