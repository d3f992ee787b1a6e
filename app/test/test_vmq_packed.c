/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The virtio_map authors
 */

/*
 * Unit test "vmq packed": the driver's packed virtqueues (drivers/net/
 * virtio_map/vmq.h with VMQ_OPT_PACKED) with this test playing the device,
 * no ethdev port and no transport. The device (the model of
 * common/vt_dev.h) reads descriptors and writes used descriptors, and the
 * test its event suppression structure, directly in ring memory, as a
 * vhost backend would. Covered: Tx and Rx with every byte checked; chains
 * and indirect tables; completion out of order (without IN_ORDER) and in
 * order with one used descriptor for a batch (with it); the wrap counters
 * flipping many times (70000 packets through 64- and 256-descriptor
 * rings); ring full and partial bursts; mergeable Rx with a packet over 3
 * buffers and one whose buffers are not all used yet; kick suppression
 * (DISABLE, ENABLE, DESC with event index); a device that breaks the
 * rules, contained without leaks. The argument picks the map kind: va, pa
 * (run with IOVA as VA), ops (a registered kind that offsets addresses and
 * counts maps and unmaps), or vduse (the device reaches only the private
 * domain, through the kind's regions).
 */

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_mbuf.h>

#include "vmap.h"
#include "vmq.h"
#include "vt.h"
#include "vt_count_ops.h"
#include "vt_dev.h"

#define HDR VT_DEV_HDR		/* virtio-net header, VERSION_1 */
#define WRAP_PACKETS 70000	/* > 65536: 16-bit counts wrap too */
#define P VMQ_OPT_PACKED

static struct rte_vmap_dev map;
static struct rte_mempool *pool;	/* driver Rx buffers, sent packets */
static struct vt_dev dev;

/* ---- the device (the model of vt_dev.h) ---- */

/* Take a Tx buffer into held[] and check it is packet seq of s. */
static int
dev_tx_check(struct vt_dev *d, const struct vt_stream *s, uint64_t seq,
	     struct vt_dbuf **out)
{
	VT_CHECK(vt_dev_hold(d, out));
	return vt_dev_tx_verify(*out, s, seq);
}

/*
 * Rx: write packet seq of s into held buffers (the first ones, or random
 * ones when shuffle), num_buffers set (nb_override >= 0: that value); the
 * used descriptors (id, bytes in that buffer) go to ids[] and lens[] for
 * the caller to publish. *nbufs: the buffers used, 0 if held ones are too
 * few (nothing written then).
 */
static int
dev_rx_fill(struct vt_dev *d, const struct vt_stream *s, uint64_t seq, bool mrg,
	    bool shuffle, int nb_override, uint16_t *ids, uint32_t *lens,
	    unsigned int *nbufs)
{
	static uint8_t frame[VMQ_MAX_FRAME + HDR];
	uint32_t len = vt_stream_len(s, seq), total = len + HDR, off = 0;
	uint32_t room = 0, chunk, flen;
	unsigned int i, n;
	struct vt_dbuf b;

	*nbufs = 0;
	/* buffers needed: every posted buffer has the same length */
	for (i = 0; i < d->nheld && room < total; i++)
		room += d->held[i].seg[0].len;
	if (d->nheld == 0 || room < total)
		return VT_PASS;
	n = i;
	VT_ASSERT(mrg || n == 1, "a %u-byte frame needs %u buffers without mergeable Rx",
		  len, n);
	VT_CHECK(vt_dev_frame_build(s, seq, nb_override >= 0 ?
				    (uint16_t)nb_override : n, frame, &flen));
	VT_ASSERT_EQ(total, flen, "frame bytes");
	for (i = 0; i < n; i++) {
		b = vt_dev_unhold(d, shuffle ? vt_rnd(0, d->nheld - 1) : 0);
		VT_ASSERT(b.nseg == 1 && b.count == 1, "Rx buffer of %u descriptors",
			  b.count);
		VT_ASSERT_EQ(VMQ_DESC_F_WRITE,
			     b.seg[0].flags & (VMQ_DESC_F_WRITE | VMQ_DESC_F_NEXT |
					       VMQ_DESC_F_INDIRECT),
			     "Rx descriptor flags: WRITE only");
		chunk = RTE_MIN(b.seg[0].len, total - off);
		VT_CHECK(vt_dev_write(&b, 0, frame + off, chunk));
		off += chunk;
		ids[i] = b.id;
		lens[i] = chunk;
	}
	*nbufs = n;
	return VT_PASS;
}

/* Write packet seq into held buffers and publish it at once. */
static int
dev_rx_write(struct vt_dev *d, const struct vt_stream *s, uint64_t seq, bool mrg)
{
	uint16_t ids[64];
	uint32_t lens[64];
	unsigned int n, i;

	VT_CHECK(vt_dev_take_all(d));
	VT_CHECK(dev_rx_fill(d, s, seq, mrg, false, -1, ids, lens, &n));
	VT_ASSERT(n > 0, "no Rx buffer for packet %" PRIu64, seq);
	for (i = 0; i < n; i++)
		vt_dev_put(d, ids[i], lens[i], 1);
	return VT_PASS;
}

/* ---- the driver side ---- */

static struct vmq *
new_queue_mp(bool tx, uint16_t size, uint32_t opts, struct rte_mempool *mp)
{
	struct vmq_conf c = {
		.is_tx = tx,
		.size = size,
		.vq_index = tx ? 1 : 0,
		.port_id = 7,
		.socket_id = SOCKET_ID_ANY,
		.map = &map,
		.mp = tx ? NULL : mp,
		.opts_possible = VMQ_OPT_INDIRECT,
	};
	struct vmq *q = vmq_create(&c);

	if (q == NULL) {
		vt_fail(__FILE__, __LINE__, "vmq_create: %s",
			rte_strerror(rte_errno));
		return NULL;
	}
	if (vmq_set_opts(q, opts) != 0) {
		vt_fail(__FILE__, __LINE__, "vmq_set_opts 0x%x", opts);
		vmq_free(q);
		return NULL;
	}
	return q;
}

static struct vmq *
new_queue(bool tx, uint16_t size, uint32_t opts)
{
	return new_queue_mp(tx, size, opts, pool);
}

/* Drain q; every mapping must be back (kinds that track them). */
static int
drain_all(struct vmq *q)
{
	vmq_drain(q);
	VT_ASSERT_EQ(0, vmap_queue_live(&q->mq), "mappings live after a drain");
	return VT_PASS;
}

static void
kicks_clear(struct vmq *q)
{
	uint64_t ev;

	while (read(q->kick_fd, &ev, sizeof(ev)) == sizeof(ev))
		;
}

/* Receive exactly want packets of s from first_seq, checked. */
static int
rx_expect(struct vmq *q, const struct vt_stream *s, uint64_t first_seq,
	  uint16_t want, uint16_t burst)
{
	struct rte_mbuf *pkts[64];
	uint16_t n, i;
	int rc = VT_PASS;

	n = vt_drv_rx(q, pkts, burst);
	VT_ASSERT_EQ(want, n, "packets from an Rx burst");
	for (i = 0; i < n && rc == VT_PASS; i++) {
		rc = vt_pkt_verify(s, pkts[i], first_seq + i);
		if (rc == VT_PASS && pkts[i]->port != 7) {
			vt_fail(__FILE__, __LINE__, "received mbuf port %u", pkts[i]->port);
			rc = VT_FAIL;
		}
		/* what the pool's mbufs carried from earlier lives
		 * (pool_dirty()) must not show */
		if (rc == VT_PASS && (pkts[i]->ol_flags != 0 ||
				      pkts[i]->packet_type != 0 ||
				      pkts[i]->vlan_tci != 0 ||
				      pkts[i]->vlan_tci_outer != 0)) {
			vt_fail(__FILE__, __LINE__, "received mbuf: ol_flags 0x%" PRIx64 ", packet_type 0x%x, vlan_tci %u/%u",
				pkts[i]->ol_flags, pkts[i]->packet_type,
				pkts[i]->vlan_tci, pkts[i]->vlan_tci_outer);
			rc = VT_FAIL;
		}
	}
	rte_pktmbuf_free_bulk(pkts, n);
	return rc;
}

/*
 * Give every mbuf of the pool an earlier life: flags, packet type, VLAN
 * tags and lengths that a received packet must not show.
 */
static int
pool_dirty(struct rte_mempool *mp)
{
	unsigned int n = rte_mempool_avail_count(mp), i;
	struct rte_mbuf **m = calloc(n, sizeof(*m));

	VT_ASSERT(m != NULL, "calloc");
	if (rte_pktmbuf_alloc_bulk(mp, m, n) != 0) {
		free(m);
		VT_ASSERT(false, "all %u mbufs of the pool", n);
	}
	for (i = 0; i < n; i++) {
		m[i]->ol_flags = RTE_MBUF_F_RX_VLAN | RTE_MBUF_F_RX_L4_CKSUM_BAD;
		m[i]->packet_type = 0x2ff;
		m[i]->vlan_tci = 0x123;
		m[i]->vlan_tci_outer = 0x456;
		m[i]->data_off = 7;
		m[i]->data_len = 99;
		m[i]->pkt_len = 99;
	}
	rte_pktmbuf_free_bulk(m, n);
	free(m);
	return VT_PASS;
}

static const char *
opts_name(uint32_t o)
{
	static char buf[96];

	snprintf(buf, sizeof(buf), "%s%s%s%s%s",
		 o & VMQ_OPT_PACKED ? "packed" : "split",
		 o & VMQ_OPT_IN_ORDER ? ",in_order" : "",
		 o & VMQ_OPT_INDIRECT ? ",indirect" : "",
		 o & VMQ_OPT_MRG_RXBUF ? ",mrg_rxbuf" : "",
		 o & VMQ_OPT_EVENT_IDX ? ",event_idx" : "");
	return buf;
}

/* ---- tests ---- */

/*
 * Tx: bytes, a chain or an indirect table, ring full, reclaim after
 * completions out of order (or in order, batched), partial bursts.
 */
static int
test_tx_basic(uint32_t opts)
{
	const bool in_order = opts & VMQ_OPT_IN_ORDER;
	const bool indirect = opts & VMQ_OPT_INDIRECT;
	struct rte_mbuf *m[80];
	struct vt_dbuf *b, a0, a1;
	struct vt_stream s;
	struct vmq *q = new_queue(true, 64, opts);
	struct vt_dev *d = &dev;
	uint16_t n, i;

	VT_ASSERT(q != NULL, "Tx queue");
	vt_dev_attach(d, q);
	VT_ASSERT_EQ(VMQ_EVENT_F_DISABLE, q->packed.driver_event->flags,
		     "driver event flags: we poll");
	vt_stream_init(&s, "tx_basic", 11, 0, 0, pool, 80, 60, 1514, 80);
	VT_ASSERT_EQ(0, rte_pktmbuf_alloc_bulk(pool, m, 80), "alloc");
	for (i = 0; i < 80; i++)
		VT_CHECK(vt_pkt_fill(&s, m[i], i));
	VT_CHECK(vt_drv_pkt_split(m[1], 3));
	VT_CHECK(vt_pkt_verify(&s, m[1], 1));

	n = vt_drv_tx(q, m, 2);
	VT_ASSERT_EQ(2, n, "Tx of two");
	VT_ASSERT_EQ(2, vt_dev_avail_count(d), "buffers made available");
	VT_CHECK(dev_tx_check(d, &s, 0, &b));
	VT_ASSERT(b->count == 1 && b->nseg == 1 && b->table == NULL,
		  "a one-segment frame takes one descriptor, header pushed");
	VT_CHECK(dev_tx_check(d, &s, 1, &b));
	if (indirect) {
		VT_ASSERT(b->table != NULL && b->count == 1 && b->nseg == 4,
			  "three segments: one descriptor, a table of 4 (count %u, n %u)",
			  b->count, b->nseg);
	} else {
		VT_ASSERT(b->table == NULL && b->count == 4 && b->nseg == 4,
			  "three segments: a chain of 4 (count %u)", b->count);
		VT_ASSERT_EQ(HDR, b->seg[0].len, "header descriptor");
	}
	VT_ASSERT_EQ(indirect ? 2 : 5, q->size - q->nb_free,
		     "descriptors in flight");
	a0 = vt_dev_unhold(d, 0);
	a1 = vt_dev_unhold(d, 0);
	if (in_order) {
		/* one used descriptor for both */
		vt_dev_put(d, a1.id, 0, a0.count + a1.count);
	} else {
		/* the chain first, then the single one */
		vt_dev_put(d, a1.id, 0, a1.count);
		vt_dev_put(d, a0.id, 0, a0.count);
	}

	/*
	 * Fill the ring: packet 2, then 63 more fit once the driver reclaims
	 * what the device completed; then the ring is full.
	 */
	n = vt_drv_tx(q, &m[2], 1);
	VT_ASSERT_EQ(1, n, "Tx of one");
	n = vt_drv_tx(q, &m[3], 77);
	VT_ASSERT_EQ(63, n, "Tx into the rest of the ring");
	VT_ASSERT_EQ(0, q->nb_free, "free descriptors");
	VT_ASSERT_EQ(0, vt_drv_tx(q, &m[66], 1), "Tx into a full ring");
	VT_ASSERT(q->stats.full > 0, "full counter");
	VT_ASSERT_EQ(64, vt_dev_avail_count(d), "buffers for the device");

	/* the device reads four, completes them out of order or batched */
	for (i = 0; i < 4; i++)
		VT_CHECK(dev_tx_check(d, &s, 2 + i, &b));
	if (in_order) {
		vt_dev_put(d, d->held[1].id, 0, 2);
		vt_dev_put(d, d->held[3].id, 0, 2);
	} else {
		vt_dev_put(d, d->held[2].id, 0, 1);
		vt_dev_put(d, d->held[0].id, 0, 1);
		vt_dev_put(d, d->held[3].id, 0, 1);
		vt_dev_put(d, d->held[1].id, 0, 1);
	}
	d->nheld = 0;
	/* a partial burst: 4 of 14 fit */
	n = vt_drv_tx(q, &m[66], 14);
	VT_ASSERT_EQ(4, n, "Tx after the device completed four");
	rte_pktmbuf_free_bulk(&m[70], 10);
	for (i = 0; i < 64; i++)
		VT_CHECK(dev_tx_check(d, &s, 6 + i, &b));

	VT_ASSERT_EQ(64, vmq_drain(q), "mbufs drained (64 in flight)");
	VT_ASSERT_EQ(0, q->stats.errors, "errors");
	VT_ASSERT(!q->broken, "queue broken");
	VT_ASSERT_EQ(70, q->stats.packets, "packets counted");
	vmq_free(q);
	return VT_PASS;
}

/*
 * Tx, plain packets four at a time: the SIMD builds post a group of four
 * one-segment packets that own their buffers straight from the mbufs
 * (va and pa), any other packet takes the general path. In each burst a
 * packet of another sort sits among plain ones and breaks the group:
 * every packet must arrive once, in order, its bytes and zeroed header
 * (the headroom held garbage) checked, plain ones in one descriptor, the
 * others with the header in a descriptor of its own; an empty one is
 * dropped and counted. opts: packed or split (in order), no indirect.
 */
static int
test_tx_plain_mix(uint32_t opts)
{
	enum { PLAIN, CHAIN, ODD, SHARED, CLONE, NO_ROOM, EMPTY, SORTS };
	static const char *const what[SORTS] = {
		"plain", "two segments", "headroom of odd length",
		"a buffer another reference holds", "a clone (indirect mbuf)",
		"headroom too short", "an empty packet",
	};
	struct rte_mbuf *m[8], *held = NULL;
	struct vt_dev *d = &dev;
	uint16_t sort, i, want, got, pos;
	struct vmq *q = NULL;
	uint64_t seq = 0, first;
	struct vt_stream s;
	struct vt_dbuf b;
	int rc = VT_FAIL;

	vt_stream_init(&s, "tx_plain", 17, 0, 0, pool, 1000, 60, 1514, 1000);
	/*
	 * Each burst on a fresh ring, from slot 0: the odd one in the
	 * first group (all eight take the general path) or in the second
	 * (the first four go as a group).
	 */
	for (sort = 0; sort < SORTS; sort++) {
		for (pos = 0; pos < 8; pos += 3) {
			q = new_queue(true, 64, opts);
			if (q == NULL)
				return VT_FAIL;
			vt_dev_attach(d, q);
			if (rte_pktmbuf_alloc_bulk(pool, m, 8) != 0) {
				vt_fail(__FILE__, __LINE__, "alloc");
				goto out;
			}
			first = seq;
			for (i = 0; i < 8; i++) {
				if (i == pos && sort == ODD)
					m[i]->data_off -= 1;
				if (i == pos && sort == NO_ROOM)
					m[i]->data_off = HDR / 2;
				/* garbage where the header goes */
				memset(m[i]->buf_addr, 0xa5, m[i]->data_off);
				if (i == pos && sort == EMPTY)
					continue;	/* no bytes, no seq */
				if (vt_pkt_fill(&s, m[i], seq++) != VT_PASS)
					goto out_free;
				if (i == pos && sort == CHAIN &&
				    vt_drv_pkt_split(m[i], 2) != VT_PASS)
					goto out_free;
			}
			if (sort == SHARED) {
				held = m[pos];
				rte_mbuf_refcnt_update(held, 1);
			}
			if (sort == CLONE) {
				/* the clone goes, its buffer's owner stays */
				held = m[pos];
				m[pos] = rte_pktmbuf_clone(held, pool);
				if (m[pos] == NULL) {
					m[pos] = held;
					held = NULL;
					vt_fail(__FILE__, __LINE__, "clone");
					goto out_free;
				}
			}
			got = vt_drv_tx(q, m, 8);
			if (got != 8) {
				vt_fail(__FILE__, __LINE__, "burst with %s at %u: %u of 8 taken",
					what[sort], pos, got);
				goto out;
			}
			want = sort == EMPTY ? 7 : 8;
			if (q->stats.dropped != 8u - want ||
			    q->stats.packets != want) {
				vt_fail(__FILE__, __LINE__, "burst with %s at %u: %" PRIu64 " sent, %" PRIu64 " dropped, expected %u and %u",
					what[sort], pos, q->stats.packets,
					q->stats.dropped, want, 8 - want);
				goto out;
			}
			for (i = 0; i < want; i++) {
				if (vt_dev_take(d, &b) != VT_PASS ||
				    vt_dev_tx_verify(&b, &s, first + i) != VT_PASS)
					goto out;
				/* the odd one: header slot and its segments */
				if (b.count != (sort == PLAIN || sort == EMPTY ||
						i != pos ? 1 : sort == CHAIN ? 3 : 2)) {
					vt_fail(__FILE__, __LINE__, "burst with %s at %u: packet %u in %u descriptors",
						what[sort], pos, i, b.count);
					goto out;
				}
				vt_dev_put(d, b.id, 0, b.count);
			}
			vt_dev_publish(d);
			if (drain_all(q) != VT_PASS)
				goto out;
			if (q->stats.errors != 0 || q->broken) {
				vt_fail(__FILE__, __LINE__, "queue errors %" PRIu64 ", broken %d",
					q->stats.errors, q->broken);
				goto out;
			}
			vmq_free(q);
			q = NULL;
			if (held != NULL) {
				/* sent and freed once: our reference is left,
				 * the headroom of the shared buffer untouched */
				if (*rte_pktmbuf_mtod_offset(held, uint8_t *, -1) !=
				    0xa5) {
					vt_fail(__FILE__, __LINE__, "burst with %s: the shared buffer's headroom was written",
						what[sort]);
					goto out;
				}
				if (rte_mbuf_refcnt_read(held) != 1) {
					vt_fail(__FILE__, __LINE__, "a held packet: reference count %u, expected 1",
						rte_mbuf_refcnt_read(held));
					goto out;
				}
				rte_pktmbuf_free(held);
				held = NULL;
			}
		}
	}
	return VT_PASS;
out_free:
	rte_pktmbuf_free_bulk(m, 8);
out:
	if (held != NULL)
		rte_pktmbuf_free(held);
	if (q != NULL) {
		vmq_drain(q);
		vmq_free(q);
	}
	return rc;
}

/*
 * Rx: bytes, partial bursts (ending on a group of VMQ_PACKED_BATCH
 * slots), a ring the device filled, refill.
 */
static int
test_rx_basic(uint32_t opts)
{
	struct vt_stream s;
	struct vmq *q = new_queue(false, 128, opts);
	struct vt_dev *d = &dev;
	uint16_t i, posted;
	unsigned int base = rte_mempool_in_use_count(pool);

	VT_ASSERT(q != NULL, "Rx queue");
	vt_dev_attach(d, q);
	vt_stream_init(&s, "rx_basic", 12, 0, 0, pool, 1000, 60, 1514, 1000);

	posted = vmq_rx_refill(q);
	VT_ASSERT_EQ(128, posted, "buffers posted");
	VT_ASSERT_EQ(128, vt_dev_avail_count(d), "available to the device");
	VT_ASSERT_EQ(base + 128, rte_mempool_in_use_count(pool), "mbufs posted");
	VT_CHECK(rx_expect(q, &s, 0, 0, 32));

	for (i = 0; i < 20; i++)
		VT_CHECK(dev_rx_write(d, &s, i, false));
	/*
	 * a burst of more than a group (VMQ_PACKED_BATCH) ends on a slot
	 * that is a multiple of it: 5 from slot 0 stop at 4, 6 from slot 7
	 * at 12; a group or less is not cut
	 */
	VT_CHECK(rx_expect(q, &s, 0, 4, 5));
	VT_CHECK(rx_expect(q, &s, 4, 3, 3));
	VT_CHECK(rx_expect(q, &s, 7, 5, 6));
	VT_CHECK(rx_expect(q, &s, 12, 8, 32));

	/* the device uses every buffer it has */
	for (i = 20; d->nheld > 0 || vt_dev_avail(d); i++)
		VT_CHECK(dev_rx_write(d, &s, i, false));
	VT_ASSERT_EQ(128, i, "packets the ring held");
	VT_CHECK(rx_expect(q, &s, 20, 32, 32));
	VT_ASSERT(vt_dev_avail_count(d) >= 32, "refill after 32 were taken: %u",
		  vt_dev_avail_count(d));
	VT_CHECK(rx_expect(q, &s, 52, 64, 64));
	VT_CHECK(rx_expect(q, &s, 116, 12, 64));
	VT_ASSERT_EQ(0, q->stats.errors, "errors");
	VT_ASSERT_EQ(128, q->stats.packets, "packets counted");

	VT_ASSERT_EQ(116, vmq_drain(q), "posted buffers drained");
	VT_ASSERT_EQ(base, rte_mempool_in_use_count(pool), "mbufs after drain");
	vmq_free(q);
	return VT_PASS;
}

/*
 * Rx with the mempool empty: the ring runs dry (nothing in flight, the
 * next slot holds the device's used descriptor of the lap before), bursts
 * see nothing and report no error; refill resumes when mbufs come back.
 */
static int
test_rx_dry(uint32_t opts)
{
	struct rte_mbuf *held[64], *spare[8];
	struct rte_mempool *small;
	unsigned int nspare;
	struct vt_stream s;
	struct vmq *q;
	struct vt_dev *d = &dev;
	uint16_t i, n = 0;

	/* kept between calls: a failed case leaves it behind */
	small = rte_mempool_lookup("vt_vmqp_small");
	if (small == NULL)
		small = rte_pktmbuf_pool_create("vt_vmqp_small", 70, 0, 0,
						RTE_MBUF_DEFAULT_BUF_SIZE,
						SOCKET_ID_ANY);
	VT_ASSERT(small != NULL, "small pool: %s", rte_strerror(rte_errno));
	q = new_queue_mp(false, 64, opts, small);
	VT_ASSERT(q != NULL, "Rx queue");
	vt_dev_attach(d, q);
	vt_stream_init(&s, "rx_dry", 21, 0, 0, pool, 200, 60, 1514, 0);

	VT_ASSERT_EQ(64, vmq_rx_refill(q), "posted");
	/* the pool's last mbufs go too (a refill takes what there is) */
	nspare = rte_mempool_avail_count(small);
	VT_ASSERT(nspare <= RTE_DIM(spare), "%u mbufs left", nspare);
	VT_ASSERT_OK(rte_pktmbuf_alloc_bulk(small, spare, nspare),
		     "take the pool's last mbufs");
	for (i = 0; i < 64; i++)
		VT_CHECK(dev_rx_write(d, &s, i, false));
	/* the application keeps every packet: refills find no mbuf */
	while (n < 64) {
		i = vt_drv_rx(q, &held[n], 32);
		VT_ASSERT(i > 0, "Rx of what the device wrote (%u of 64)", n);
		n += i;
	}
	for (i = 0; i < 64; i++)
		VT_CHECK(vt_pkt_verify(&s, held[i], i));
	VT_ASSERT_EQ(64, q->nb_free, "the ring ran dry");
	VT_ASSERT(q->stats.nombuf > 0, "refills that found the pool empty");
	VT_ASSERT(!q->packed.used_wrap, "used wrap counter after a lap");
	for (i = 0; i < 3; i++)
		VT_ASSERT_EQ(0, vt_drv_rx(q, held, 32), "Rx on a dry ring");
	VT_ASSERT(!q->broken, "a dry ring is no device error");
	VT_ASSERT_EQ(0, q->stats.errors, "errors");

	/* mbufs back: the next burst refills, traffic resumes */
	rte_pktmbuf_free_bulk(held, 64);
	rte_pktmbuf_free_bulk(spare, nspare);
	VT_ASSERT_EQ(0, vt_drv_rx(q, held, 32), "Rx that refills");
	VT_ASSERT_EQ(64, vt_dev_avail_count(d), "buffers posted again");
	for (i = 64; i < 96; i++)
		VT_CHECK(dev_rx_write(d, &s, i, false));
	VT_CHECK(rx_expect(q, &s, 64, 32, 32));
	VT_CHECK(drain_all(q));
	vmq_free(q);
	VT_ASSERT_EQ(0, rte_mempool_in_use_count(small), "small pool after the drain");
	return VT_PASS;
}

/*
 * Tx through many laps of the ring: random bursts, now and then chains of
 * 2 or 3 segments; the device takes a random number and completes them in
 * a random order (without IN_ORDER) or in order with one used descriptor
 * per random batch (with it). Ends with chains in flight for the drain.
 */
static int
test_tx_wrap(uint16_t size, uint32_t opts)
{
	const bool in_order = opts & VMQ_OPT_IN_ORDER;
	struct rte_mbuf *pend[64], *tail[8];
	struct vt_stream s;
	struct vmq *q = new_queue(true, size, opts);
	struct vt_dev *d = &dev;
	struct vt_dbuf *b;
	uint64_t sent = 0, seen = 0, done = 0;
	unsigned int base = rte_mempool_in_use_count(pool);
	uint16_t npend = 0, pos = 0, n, i, k, c, j;
	double deadline = vt_now() + 90;

	VT_ASSERT(q != NULL, "Tx queue");
	vt_dev_attach(d, q);
	vt_stream_init(&s, "tx_wrap", 13, 0, 0, pool, WRAP_PACKETS + 8, 60, 300,
		       0);

	while (done < WRAP_PACKETS) {
		VT_ASSERT(vt_now() < deadline, "Tx wrap stuck: sent %" PRIu64 " seen %" PRIu64 " done %" PRIu64,
			  sent, seen, done);
		if (npend == 0 && sent < WRAP_PACKETS) {
			k = RTE_MIN((uint64_t)vt_rnd(1, 48), WRAP_PACKETS - sent);
			VT_ASSERT_EQ(0, rte_pktmbuf_alloc_bulk(pool, pend, k), "alloc");
			for (i = 0; i < k; i++) {
				VT_CHECK(vt_pkt_fill(&s, pend[i], sent + i));
				if (vt_rnd(0, 7) == 0)
					VT_CHECK(vt_drv_pkt_split(pend[i], vt_rnd(2, 3)));
			}
			npend = k;
			pos = 0;
		}
		if (npend > 0) {
			n = vt_drv_tx(q, &pend[pos], npend);
			sent += n;
			pos += n;
			npend -= n;
		}
		/* the device reads some */
		k = vt_rnd(0, 64);
		for (i = 0; i < k && vt_dev_avail(d) && d->nheld < VT_DEV_MAX; i++) {
			VT_CHECK(dev_tx_check(d, &s, seen, &b));
			seen++;
		}
		/* and completes some */
		k = RTE_MIN(d->nheld, vt_rnd(0, 64));
		if (in_order) {
			while (k > 0) {
				c = vt_rnd(1, k);	/* one used descriptor for c */
				n = 0;
				for (j = 0; j < c; j++)
					n += d->held[j].count;
				vt_dev_put(d, d->held[c - 1].id, 0, n);
				for (j = 0; j < c; j++)
					vt_dev_unhold(d, 0);
				k -= c;
				done += c;
			}
		} else {
			for (i = 0; i < k; i++) {
				struct vt_dbuf x = vt_dev_unhold(d, vt_rnd(0, d->nheld - 1));

				vt_dev_put(d, x.id, 0, x.count);
				done++;
			}
		}
	}
	VT_ASSERT_EQ(WRAP_PACKETS, sent, "sent");
	VT_ASSERT(d->taken_descs >= WRAP_PACKETS, "laps of the ring: %" PRIu64,
		  d->taken_descs / size);
	vt_info("Tx %s, %u descriptors: %" PRIu64 " laps, %" PRIu64 " used descriptors for %u packets",
		opts_name(opts), size, d->taken_descs / size, d->used_written,
		WRAP_PACKETS);
	if (in_order)
		VT_ASSERT(d->used_written < WRAP_PACKETS,
			  "batched used descriptors: %" PRIu64, d->used_written);
	VT_ASSERT_EQ(0, q->stats.errors, "errors");
	VT_ASSERT(!q->broken, "queue broken");
	VT_ASSERT_EQ(WRAP_PACKETS, q->stats.packets, "packets counted");

	/* chains in flight when the queue is drained */
	VT_ASSERT_EQ(0, rte_pktmbuf_alloc_bulk(pool, tail, 8), "alloc");
	for (i = 0; i < 8; i++) {
		VT_CHECK(vt_pkt_fill(&s, tail[i], WRAP_PACKETS + i));
		VT_CHECK(vt_drv_pkt_split(tail[i], 1 + i % 3));
	}
	n = vt_drv_tx(q, tail, 8);
	VT_ASSERT_EQ(8, n, "Tx of 8 before the drain");
	VT_CHECK(drain_all(q));
	VT_ASSERT_EQ(base, rte_mempool_in_use_count(pool), "mbufs after drain");
	vmq_free(q);
	return VT_PASS;
}

/*
 * Rx through many laps: random fills (buffers taken in random order
 * without IN_ORDER) and random bursts. With mergeable buffers, frames up
 * to 9000 bytes span several buffers, and now and then a packet's last
 * buffers are published one round later than its first.
 */
static int
test_rx_wrap(uint16_t size, uint32_t opts)
{
	const bool in_order = opts & VMQ_OPT_IN_ORDER;
	const bool mrg = opts & VMQ_OPT_MRG_RXBUF;
	struct vt_stream s;
	struct vmq *q = new_queue(false, size, opts);
	struct vt_dev *d = &dev;
	struct rte_mbuf *pkts[64];
	uint16_t ids[64], late_ids[64];
	uint32_t lens[64], late_lens[64];
	uint64_t written = 0, got = 0, multi = 0, late = 0;
	unsigned int base = rte_mempool_in_use_count(pool), nb, nlate = 0;
	uint16_t n, i, k, j;
	double deadline = vt_now() + 90;

	VT_ASSERT(q != NULL, "Rx queue");
	vt_dev_attach(d, q);
	vt_stream_init(&s, "rx_wrap", 14, 0, 0, pool, WRAP_PACKETS, 60,
		       mrg ? 9000 : 1514, 0);
	VT_ASSERT_EQ(size, vmq_rx_refill(q), "posted");

	while (got < WRAP_PACKETS) {
		VT_ASSERT(vt_now() < deadline, "Rx wrap stuck: written %" PRIu64 " got %" PRIu64,
			  written, got);
		VT_CHECK(vt_dev_take_all(d));
		/* last round's late buffers first */
		for (j = 0; j < nlate; j++)
			vt_dev_put(d, late_ids[j], late_lens[j], 1);
		nlate = 0;
		k = vt_rnd(0, 80);
		for (i = 0; i < k && written < WRAP_PACKETS; i++) {
			VT_CHECK(dev_rx_fill(d, &s, written, mrg, !in_order, -1,
					     ids, lens, &nb));
			if (nb == 0)
				break;
			multi += nb > 1;
			written++;
			/* a split publication, if this is the round's last */
			j = nb > 1 && (i + 1 == k || written == WRAP_PACKETS) &&
			    vt_rnd(0, 1) ? vt_rnd(1, nb - 1) : nb;
			for (n = 0; n < j; n++)
				vt_dev_put(d, ids[n], lens[n], 1);
			for (; n < nb; n++) {
				late_ids[nlate] = ids[n];
				late_lens[nlate++] = lens[n];
			}
			late += nlate > 0;
			if (nlate > 0)
				break;
		}
		n = vt_drv_rx(q, pkts, vt_rnd(1, 64));
		for (i = 0; i < n; i++) {
			if (vt_pkt_verify(&s, pkts[i], got + i) != VT_PASS) {
				rte_pktmbuf_free_bulk(pkts, n);
				return VT_FAIL;
			}
		}
		rte_pktmbuf_free_bulk(pkts, n);
		got += n;
		VT_ASSERT(got <= written, "received %" PRIu64 " of %" PRIu64 " written",
			  got, written);
	}
	VT_ASSERT_EQ(0, q->stats.errors, "errors");
	VT_ASSERT(!q->broken, "queue broken");
	VT_ASSERT(d->taken_descs >= WRAP_PACKETS, "laps of the ring: %" PRIu64,
		  d->taken_descs / size);
	if (mrg)
		VT_ASSERT(multi > 1000 && late > 10,
			  "packets over several buffers %" PRIu64 ", published in two steps %" PRIu64,
			  multi, late);
	vt_info("Rx %s, %u descriptors: %" PRIu64 " laps, %" PRIu64 " packets over several buffers, %" PRIu64 " published in two steps",
		opts_name(opts), size, d->taken_descs / size, multi, late);
	VT_CHECK(drain_all(q));
	VT_ASSERT_EQ(base, rte_mempool_in_use_count(pool), "mbufs after drain");
	vmq_free(q);
	return VT_PASS;
}

/*
 * Mergeable Rx: a packet over 3 buffers arrives as 3 chained mbufs; a
 * packet whose last buffer is not used yet waits for it, the packets
 * before it come out; then bad num_buffers values stop the queue.
 */
static int
test_rx_mrg(uint32_t opts)
{
	struct rte_mbuf *pkts[8], *seg;
	struct vt_stream s;
	struct vmq *q = new_queue(false, 64, opts);
	struct vt_dev *d = &dev;
	uint16_t ids[8], n, i;
	uint32_t lens[8], dlen;
	unsigned int nb, base = rte_mempool_in_use_count(pool) ;

	VT_ASSERT(q != NULL, "Rx queue");
	vt_dev_attach(d, q);
	/* packet 0: 5000 bytes, 3 buffers of 2060; 1: 100 bytes; 2: 5000 */
	vt_stream_init(&s, "rx_mrg", 19, 0, 0, pool, 3, 100, 100, 0);
	s.min_len = 5000;
	s.max_len = 5000;
	vmq_rx_refill(q);
	VT_CHECK(vt_dev_take_all(d));
	VT_CHECK(dev_rx_fill(d, &s, 0, true, false, -1, ids, lens, &nb));
	VT_ASSERT_EQ(3, nb, "buffers for a 5000-byte frame");
	for (i = 0; i < nb; i++)
		vt_dev_put(d, ids[i], lens[i], 1);
	n = vt_drv_rx(q, pkts, 8);
	VT_ASSERT_EQ(1, n, "one packet");
	VT_ASSERT_EQ(3, pkts[0]->nb_segs, "segments");
	VT_ASSERT_EQ(5000, pkts[0]->pkt_len, "packet length");
	dlen = 0;
	for (seg = pkts[0], i = 0; seg != NULL; seg = seg->next, i++) {
		VT_ASSERT_EQ(i == 0 ? lens[0] - HDR : lens[i], seg->data_len,
			     "segment length");
		dlen += seg->data_len;
	}
	VT_ASSERT_EQ(5000, dlen, "segment lengths add up");
	VT_CHECK(vt_pkt_verify(&s, pkts[0], 0));
	rte_pktmbuf_free(pkts[0]);

	/* packet 1 (one buffer) complete, packet 2: 2 of its 3 buffers */
	s.min_len = s.max_len = 100;
	VT_CHECK(dev_rx_fill(d, &s, 1, true, false, -1, ids, lens, &nb));
	VT_ASSERT_EQ(1, nb, "buffers for 100 bytes");
	vt_dev_put(d, ids[0], lens[0], 1);
	s.min_len = s.max_len = 5000;
	VT_CHECK(dev_rx_fill(d, &s, 2, true, false, -1, ids, lens, &nb));
	VT_ASSERT_EQ(3, nb, "buffers for 5000 bytes");
	vt_dev_put(d, ids[0], lens[0], 1);
	vt_dev_put(d, ids[1], lens[1], 1);
	s.min_len = s.max_len = 100;
	VT_CHECK(rx_expect(q, &s, 1, 1, 8));
	s.min_len = s.max_len = 5000;
	VT_CHECK(rx_expect(q, &s, 2, 0, 8));
	vt_dev_put(d, ids[2], lens[2], 1);
	VT_CHECK(rx_expect(q, &s, 2, 1, 8));
	VT_ASSERT_EQ(0, q->stats.errors, "errors");
	VT_ASSERT(!q->broken, "queue broken");
	VT_CHECK(drain_all(q));

	/* num_buffers 0, then more than the ring holds: the queue stops */
	for (i = 0; i < 2; i++) {
		vt_dev_attach(d, q);
		vmq_rx_refill(q);
		VT_CHECK(vt_dev_take_all(d));
		s.min_len = s.max_len = 100;
		VT_CHECK(dev_rx_fill(d, &s, 0, true, false,
				     i == 0 ? 0 : q->size + 1, ids, lens, &nb));
		vt_dev_put(d, ids[0], lens[0], 1);
		VT_ASSERT_EQ(0, vt_drv_rx(q, pkts, 8), "Rx of a bad num_buffers");
		VT_ASSERT(q->broken, "queue stopped on num_buffers %u",
			  i == 0 ? 0 : q->size + 1);
		VT_CHECK(drain_all(q));
	}
	vmq_free(q);
	VT_ASSERT_EQ(base, rte_mempool_in_use_count(pool), "mbufs after drain");
	return VT_PASS;
}

/* Kicks: DISABLE, ENABLE, and DESC with and without EVENT_IDX. */
static int
test_kick(uint32_t opts)
{
	const bool event_idx = opts & VMQ_OPT_EVENT_IDX;
	struct rte_mbuf *m[64];
	struct vt_stream s;
	struct vmq *q = new_queue(true, 64, opts);
	struct vt_dev *d = &dev;
	uint64_t kicks, ev;
	unsigned int sent = 0, i;
	struct vmq *rq;

	VT_ASSERT(q != NULL, "Tx queue");
	vt_dev_attach(d, q);
	vt_stream_init(&s, "kick", 20, 0, 0, pool, 1000, 60, 60, 0);
#define SEND(cnt) do {							\
	VT_ASSERT_EQ(0, rte_pktmbuf_alloc_bulk(pool, m, (cnt)), "alloc"); \
	for (i = 0; i < (cnt); i++)					\
		VT_CHECK(vt_pkt_fill(&s, m[i], sent + i));		\
	VT_ASSERT_EQ((cnt), vt_drv_tx(q, m, (cnt)), "Tx");			\
	for (i = 0; i < (cnt); i++) {					\
		struct vt_dbuf *b_;					\
		VT_CHECK(dev_tx_check(d, &s, sent + i, &b_));		\
		vt_dev_put(d, b_->id, 0, b_->count);			\
	}								\
	d->nheld = 0;							\
	sent += (cnt);							\
} while (0)
#define EVENT(pos, wrap) (q->packed.device_event->off_wrap = \
			  (uint16_t)((pos) | (wrap) << 15))

	kicks_clear(q);
	kicks = q->stats.kicks;
	q->packed.device_event->flags = VMQ_EVENT_F_DISABLE;
	SEND(3);
	VT_ASSERT_EQ(kicks, q->stats.kicks, "kicks while the device said DISABLE");
	VT_ASSERT(read(q->kick_fd, &ev, sizeof(ev)) < 0, "kick while disabled");

	q->packed.device_event->flags = VMQ_EVENT_F_ENABLE;
	SEND(1);
	SEND(2);
	VT_ASSERT_EQ(kicks + 2, q->stats.kicks, "a kick per burst with ENABLE");
	VT_ASSERT(read(q->kick_fd, &ev, sizeof(ev)) == sizeof(ev) && ev == 2,
		  "the kick eventfd was written");

	/* DESC: position 6 is next; the device asks for position 8 */
	q->packed.device_event->flags = VMQ_EVENT_F_DESC;
	kicks = q->stats.kicks;
	EVENT(8, 1);
	SEND(2);	/* 6, 7 */
	VT_ASSERT_EQ(kicks + !event_idx, q->stats.kicks,
		     "kick before the event descriptor (DESC means ENABLE without EVENT_IDX)");
	SEND(2);	/* 8, 9 */
	VT_ASSERT_EQ(kicks + 1 + !event_idx, q->stats.kicks,
		     "kick when the event descriptor is published");
	SEND(1);	/* 10: the event lies behind */
	VT_ASSERT_EQ(kicks + 1 + 2 * !event_idx, q->stats.kicks,
		     "no kick once past the event descriptor");
	if (event_idx) {
		/* across the wrap: publish 60..63 and 0..1 of the next lap */
		EVENT(59, 1);
		SEND(49);	/* 11..59 */
		kicks = q->stats.kicks;
		EVENT(1, 0);
		SEND(4);	/* 60..63: not yet */
		VT_ASSERT_EQ(kicks, q->stats.kicks, "event in the next lap: not yet");
		SEND(3);	/* 0, 1, 2 (wrap 0) */
		VT_ASSERT_EQ(kicks + 1, q->stats.kicks, "event in the next lap passed");
		EVENT(62, 1);	/* a position of the lap before: passed long ago */
		SEND(3);	/* 3..5 */
		VT_ASSERT_EQ(kicks + 1, q->stats.kicks, "an event behind us");
		EVENT(6, 0);
		SEND(64);	/* a whole lap at once passes anything */
		VT_ASSERT_EQ(kicks + 2, q->stats.kicks, "a whole lap in one burst");
		VT_ASSERT(q->packed.avail_wrap, "wrap counter after 2 laps + 6 descriptors");
	}
	VT_ASSERT_EQ(VMQ_EVENT_F_DISABLE, q->packed.driver_event->flags,
		     "we never ask for interrupts");
	VT_ASSERT_EQ(0, q->stats.errors, "errors");
	VT_CHECK(drain_all(q));
	vmq_free(q);
#undef SEND
#undef EVENT

	/* Rx refill kicks the same way */
	rq = new_queue(false, 64, opts);
	VT_ASSERT(rq != NULL, "Rx queue");
	kicks_clear(rq);
	rq->packed.device_event->flags = VMQ_EVENT_F_DISABLE;
	VT_ASSERT_EQ(64, vmq_rx_refill(rq), "posted");
	VT_ASSERT_EQ(0, rq->stats.kicks, "Rx kicks while disabled");
	VT_CHECK(drain_all(rq));
	rq->packed.device_event->flags = VMQ_EVENT_F_ENABLE;
	VT_ASSERT_EQ(64, vmq_rx_refill(rq), "posted");
	VT_ASSERT_EQ(1, rq->stats.kicks, "Rx kick with ENABLE");
	VT_CHECK(drain_all(rq));
	vmq_free(rq);
	return VT_PASS;
}

/* A device that breaks the rules: the queue stops, nothing leaks. */
static int
test_bad_device(uint32_t opts)
{
	const bool in_order = opts & VMQ_OPT_IN_ORDER;
	struct rte_mbuf *m[8];
	struct vt_stream s;
	struct vt_dbuf *b;
	struct vmq *q;
	struct vt_dev *d = &dev;
	uint16_t i, id;
	unsigned int base = rte_mempool_in_use_count(pool);

	vt_stream_init(&s, "bad_device", 15, 0, 0, pool, 100, 100, 100, 0);

	/* Rx: 0 id out of range, 1 length beyond the buffer, 2 id not in
	 * use (used twice), 3 (in order) an id other than the next
	 */
	for (i = 0; i < (in_order ? 4 : 3); i++) {
		q = new_queue(false, 64, opts);
		VT_ASSERT(q != NULL, "Rx queue");
		vt_dev_attach(d, q);
		vmq_rx_refill(q);
		VT_CHECK(dev_rx_write(d, &s, 0, false));	/* a good one */
		VT_CHECK(vt_dev_take_all(d));
		switch (i) {
		case 0:
			vt_dev_put(d, q->size + 5, 100, 1);
			break;
		case 1:
			vt_dev_put(d, d->held[0].id, 100000, 1);
			break;
		case 2:
			vt_dev_put(d, q->packed.desc[0].id, HDR + 100, 1);
			break;
		case 3:
			vt_dev_put(d, d->held[1].id, HDR + 100, 1);
			break;
		}
		VT_ASSERT_EQ(1, vt_drv_rx(q, m, 8), "the good packet before a bad one");
		VT_CHECK(vt_pkt_verify(&s, m[0], 0));
		rte_pktmbuf_free(m[0]);
		VT_ASSERT(q->broken, "Rx queue stopped (case %u)", i);
		VT_ASSERT_EQ(0, vt_drv_rx(q, m, 8), "a stopped queue stays stopped");
		VT_ASSERT_EQ(1, q->stats.errors, "error counted once");
		VT_CHECK(drain_all(q));
		VT_ASSERT(!q->broken, "drain and reset restart the queue");
		vmq_free(q);
		VT_ASSERT_EQ(base, rte_mempool_in_use_count(pool), "mbufs after an Rx case");
	}

	/* Tx: 0 id out of range, 1 completed twice, 2 (in order) an id
	 * that is not in flight
	 */
	for (i = 0; i < (in_order ? 3 : 2); i++) {
		q = new_queue(true, 64, opts);
		VT_ASSERT(q != NULL, "Tx queue");
		vt_dev_attach(d, q);
		VT_ASSERT_EQ(0, rte_pktmbuf_alloc_bulk(pool, m, 4), "alloc");
		VT_CHECK(vt_pkt_fill(&s, m[0], 0));
		VT_CHECK(vt_pkt_fill(&s, m[1], 1));
		VT_CHECK(vt_drv_pkt_split(m[1], 2));
		VT_ASSERT_EQ(2, vt_drv_tx(q, m, 2), "Tx");
		VT_CHECK(dev_tx_check(d, &s, 0, &b));
		id = b->id;
		VT_CHECK(dev_tx_check(d, &s, 1, &b));
		switch (i) {
		case 0:
			vt_dev_put(d, q->size + 3, 0, 1);
			break;
		case 1:
			vt_dev_put(d, id, 0, 1);
			vt_dev_put(d, id, 0, 1);
			break;
		case 2:
			/* inside the chain that follows: no buffer's id */
			vt_dev_put(d, (id + 2) & q->mask, 0, 1);
			break;
		}
		/* send until the driver reclaims (at once for the ops kinds,
		 * by 64 in flight otherwise) and finds the bad completion
		 */
		while (!q->broken) {
			struct rte_mbuf *x = rte_pktmbuf_alloc(pool);

			VT_ASSERT(x != NULL, "alloc");
			VT_CHECK(vt_pkt_fill(&s, x, 9));
			if (vt_drv_tx(q, &x, 1) != 1) {
				rte_pktmbuf_free(x);
				break;
			}
		}
		VT_ASSERT(q->broken, "Tx queue stopped (case %u)", i);
		VT_CHECK(vt_pkt_fill(&s, m[2], 0));
		VT_ASSERT_EQ(0, vt_drv_tx(q, &m[2], 1), "Tx on a stopped queue");
		rte_pktmbuf_free_bulk(&m[2], 2);
		VT_CHECK(drain_all(q));
		vmq_free(q);
		VT_ASSERT_EQ(base, rte_mempool_in_use_count(pool), "mbufs after a Tx case");
	}
	return VT_PASS;
}

static int
run(int argc, char **argv)
{
	static const uint32_t tx_opts[] = {
		P, P | VMQ_OPT_INDIRECT, P | VMQ_OPT_IN_ORDER,
		P | VMQ_OPT_IN_ORDER | VMQ_OPT_INDIRECT,
	};
	static const uint32_t rx_opts[] = {
		P, P | VMQ_OPT_IN_ORDER, P | VMQ_OPT_MRG_RXBUF,
		P | VMQ_OPT_MRG_RXBUF | VMQ_OPT_IN_ORDER,
	};
	static const uint16_t sizes[] = { 64, 256 };
	struct rte_mempool *dev_pool;	/* frames the device read */
	struct rte_vmap_region regions[2];
	unsigned int failed = 0, total = 0, i, j;
	int rc, nregions;

	if (argc != 2 || strcmp(argv[0], "packed") != 0) {
		vt_fail(__FILE__, __LINE__, "expected arguments: packed va|pa|ops|vduse");
		return VT_FAIL;
	}
	VT_CHECK(vt_eal_init(&(struct vt_eal_opts){ .mem_mb = 256 }));
	pool = vt_pool_create("vt_vmqp", 4096, 1514);
	dev_pool = vt_pool_create("vt_vmqp_dev", 64, VMQ_MAX_FRAME);
	VT_ASSERT(pool != NULL && dev_pool != NULL, "pools");
	VT_CHECK(vt_dev_setup(dev_pool));
	VT_CHECK(pool_dirty(pool));

	VT_CHECK(vt_count_attach(&map, argv[1], "vt_vmqp", regions, &nregions));
	vt_dev_reach_set(vmap_dev_ops(&map) == &vt_count_ops ?
			 VT_COUNT_OPS_OFFSET : 0, regions, nregions);

#define SUB(call, o) do {						\
	vt_phase("%s %s", #call, opts_name(o));				\
	rc = (call);							\
	vt_info("%s %s: %s (mbufs out %u, mapped %" PRIu64 ", unmapped %" PRIu64 ")", \
		#call, opts_name(o), rc == VT_PASS ? "ok" : "FAILED",	\
		rte_mempool_in_use_count(pool), vt_count_rec.mapped,		\
		vt_count_rec.unmapped);					\
	failed += rc != VT_PASS;					\
	total++;							\
} while (0)
	for (i = 0; i < RTE_DIM(tx_opts); i++)
		SUB(test_tx_basic(tx_opts[i]), tx_opts[i]);
	SUB(test_tx_plain_mix(P), P);
	SUB(test_tx_plain_mix(P | VMQ_OPT_IN_ORDER), P | VMQ_OPT_IN_ORDER);
	SUB(test_tx_plain_mix(VMQ_OPT_IN_ORDER), VMQ_OPT_IN_ORDER);
	SUB(test_tx_plain_mix(0), 0);
	for (i = 0; i < 2; i++)
		SUB(test_rx_basic(rx_opts[i]), rx_opts[i]);
	for (i = 0; i < 2; i++)
		SUB(test_rx_dry(rx_opts[i]), rx_opts[i]);
	for (i = 0; i < RTE_DIM(tx_opts); i++)
		for (j = 0; j < RTE_DIM(sizes); j++)
			SUB(test_tx_wrap(sizes[j], tx_opts[i]), tx_opts[i]);
	for (i = 0; i < RTE_DIM(rx_opts); i++)
		for (j = 0; j < RTE_DIM(sizes); j++)
			SUB(test_rx_wrap(sizes[j], rx_opts[i]), rx_opts[i]);
	SUB(test_rx_mrg(P | VMQ_OPT_MRG_RXBUF), P | VMQ_OPT_MRG_RXBUF);
	SUB(test_rx_mrg(P | VMQ_OPT_MRG_RXBUF | VMQ_OPT_IN_ORDER),
	    P | VMQ_OPT_MRG_RXBUF | VMQ_OPT_IN_ORDER);
	SUB(test_kick(P), P);
	SUB(test_kick(P | VMQ_OPT_EVENT_IDX), P | VMQ_OPT_EVENT_IDX);
	SUB(test_bad_device(P), P);
	SUB(test_bad_device(P | VMQ_OPT_IN_ORDER), P | VMQ_OPT_IN_ORDER);
	if (vmap_dev_ops(&map) == &vt_count_ops) {
		vt_phase("map and unmap balance");
		vt_info("ops: %" PRIu64 " buffers mapped, %" PRIu64 " unmapped",
			vt_count_rec.mapped, vt_count_rec.unmapped);
		if (vt_count_rec.mapped != vt_count_rec.unmapped) {
			vt_fail(__FILE__, __LINE__, "buffers unmapped: expected %" PRIu64 " (mapped), actual %" PRIu64,
				vt_count_rec.mapped, vt_count_rec.unmapped);
			failed++;
		}
		total++;
	}
#undef SUB

	vt_dev_teardown();
	vt_phase("leak check");
	if (rte_mempool_in_use_count(pool) != 0) {
		vt_fail(__FILE__, __LINE__, "mbufs in use: expected 0, actual %u",
			rte_mempool_in_use_count(pool));
		failed++;
	}
	vt_info("%u of %u checks passed", total - failed, total);
	return failed == 0 ? VT_PASS : VT_FAIL;
}

static const struct vt_test test = {
	.name = "vmq_packed",
	.usage = "packed va|pa|ops|vduse",
	.timeout_s = 300,
	.run = run,
};

int
main(int argc, char **argv)
{
	return vt_main(&test, argc, argv);
}
