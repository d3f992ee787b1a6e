/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The virtio_map authors
 */

/*
 * Unit test "vmq": the driver's split virtqueues (drivers/net/virtio_map/
 * vmq.h) with this test playing the device, no ethdev port and no
 * transport. The device side (the model of common/vt_dev.h) reads the
 * driver area and descriptors and writes the device area directly, as a
 * vhost backend would. Covered:
 * Tx and Rx with every byte checked, chains, ring full, partial bursts,
 * 16-bit index wrap-around with random burst sizes and out-of-order
 * completion, notification suppression, a device that breaks the rules
 * (ids out of range or reused, bad lengths, an index running ahead), and
 * for the "ops" kind that every mapping is unmapped exactly once and that a
 * map refusal is handled. The argument picks the map kind: va, pa (run
 * here with IOVA as VA, so addresses equal VAs), ops, or vduse (the device
 * reads and writes only the private domain, reaching it through the
 * kind's regions as a vhost backend would, and no slot stays busy after a
 * drain).
 */

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>

#include "vmap.h"
#include "vmq.h"
#include "vt.h"
#include "vt_count_ops.h"
#include "vt_dev.h"

#define HDR VT_DEV_HDR		/* virtio-net header, VERSION_1 */
#define WRAP_PACKETS 70000	/* more than 65536: both 16-bit indexes wrap */

static struct rte_vmap_dev map;
static struct rte_mempool *pool;	/* driver Rx buffers, sent packets */
static struct vt_dev dev;

/* ---- the device ---- */

/* Write packet seq of s into the next Rx buffer; len_override != 0 lies. */
static int
dev_rx_write(struct vt_dev *d, const struct vt_stream *s, uint64_t seq,
	     uint32_t len_override)
{
	struct vt_dbuf b;
	uint32_t len;

	VT_ASSERT(vt_dev_avail_count(d) > 0, "no Rx buffer available");
	VT_CHECK(vt_dev_take(d, &b));
	VT_ASSERT(b.count == 1 && b.table == NULL &&
		  b.seg[0].flags == VMQ_DESC_F_WRITE,
		  "Rx descriptor %u flags 0x%x: expected WRITE only", b.id,
		  b.seg[0].flags);
	VT_CHECK(vt_dev_rx_write(&b, s, seq, &len));
	vt_dev_put(d, b.id, len_override != 0 ? len_override : len, 1);
	return VT_PASS;
}

/* ---- helpers on the driver side ---- */

static struct vmq *
new_queue(bool tx, uint16_t size)
{
	struct vmq_conf c = {
		.is_tx = tx,
		.size = size,
		.vq_index = tx ? 1 : 0,
		.port_id = 7,
		.socket_id = SOCKET_ID_ANY,
		.map = &map,
		.mp = tx ? NULL : pool,
	};

	return vmq_create(&c);
}

/* Drain q: every mapping must have been given back (kinds that track). */
static int
drain_all(struct vmq *q)
{
	unsigned int live;

	vmq_drain(q);
	live = vmap_queue_live(&q->mq);
	VT_ASSERT_EQ(0, live, "mappings still live after a drain");
	return VT_PASS;
}

/* Rx receive of exactly want packets of s from first_seq, checked. */
static int
rx_expect(struct vmq *q, const struct vt_stream *s, uint64_t first_seq,
	  uint16_t want, uint16_t burst)
{
	struct rte_mbuf *pkts[64];
	uint16_t n, i;

	n = vt_drv_rx(q, pkts, burst);
	VT_ASSERT_EQ(want, n, "packets from an Rx burst");
	for (i = 0; i < n; i++) {
		int rc = vt_pkt_verify(s, pkts[i], first_seq + i);

		if (rc == VT_PASS && pkts[i]->port != 7)
			rc = VT_FAIL;
		if (rc != VT_PASS) {
			rte_pktmbuf_free_bulk(pkts, n);
			VT_ASSERT_EQ(7, pkts[i]->port, "received mbuf port");
			return VT_FAIL;
		}
	}
	rte_pktmbuf_free_bulk(pkts, n);
	return VT_PASS;
}

/* ---- tests ---- */

static int
test_create(void)
{
	static const uint16_t bad[] = { 0, 1, 32, 63, 100, 4095 };
	struct vmq_conf c = {
		.size = 256, .socket_id = SOCKET_ID_ANY, .map = &map,
	};
	unsigned int i;

	for (i = 0; i < RTE_DIM(bad); i++) {
		c.size = bad[i];
		c.is_tx = true;
		rte_errno = 0;
		VT_ASSERT(vmq_create(&c) == NULL, "ring size %u accepted", bad[i]);
		VT_ASSERT_EQ(EINVAL, rte_errno, "rte_errno for a bad size");
	}
	c.size = 256;
	c.is_tx = false;
	c.mp = NULL;
	VT_ASSERT(vmq_create(&c) == NULL, "Rx queue without a mempool");
	VT_ASSERT_EQ(EINVAL, rte_errno, "rte_errno for Rx without a mempool");
	vmq_free(NULL);
	return VT_PASS;
}

static int
test_tx_check(void)
{
	struct rte_mbuf *m[VMQ_TX_MAX_SEGS + 1];
	struct vmq *q = new_queue(true, 64);
	unsigned int i;

	VT_ASSERT(q != NULL, "Tx queue: %s", rte_strerror(rte_errno));
	VT_ASSERT_EQ(0, rte_pktmbuf_alloc_bulk(pool, m, RTE_DIM(m)), "alloc");
	VT_ASSERT_EQ(-EINVAL, vmq_tx_check(q, m[0]), "empty frame");
	rte_pktmbuf_append(m[0], 60);
	VT_ASSERT_EQ(0, vmq_tx_check(q, m[0]), "60-byte frame");
	for (i = 1; i < RTE_DIM(m); i++) {
		rte_pktmbuf_append(m[i], 10);
		VT_ASSERT_OK(rte_pktmbuf_chain(m[0], m[i]), "chain");
	}
	VT_ASSERT_EQ(-ENOTSUP, vmq_tx_check(q, m[0]), "17 segments");
	rte_pktmbuf_free(m[0]);
	vmq_free(q);
	return VT_PASS;
}

/*
 * Tx of packets the queue cannot send (too many segments, empty) between
 * good ones: never sent in part. Either dropped and counted (the burst
 * takes them) or refused (the burst stops before them).
 */
static int
test_tx_drop(void)
{
	struct rte_mbuf *m[4], *t;
	struct vt_stream s;
	struct vmq *q = new_queue(true, 64);
	struct vt_dev *d = &dev;
	struct vt_dbuf b;
	uint16_t n, i;

	VT_ASSERT(q != NULL, "Tx queue");
	vt_dev_attach(d, q);
	vt_stream_init(&s, "tx_drop", 17, 0, 0, pool, 4, 200, 200, 0);
	VT_ASSERT_EQ(0, rte_pktmbuf_alloc_bulk(pool, m, 4), "alloc");
	VT_CHECK(vt_pkt_fill(&s, m[0], 0));
	VT_CHECK(vt_pkt_fill(&s, m[3], 3));
	/* m[1]: VMQ_TX_MAX_SEGS + 1 segments of 10 bytes */
	rte_pktmbuf_append(m[1], 10);
	for (i = 0; i < VMQ_TX_MAX_SEGS; i++) {
		t = rte_pktmbuf_alloc(pool);
		VT_ASSERT(t != NULL, "alloc");
		rte_pktmbuf_append(t, 10);
		VT_ASSERT_OK(rte_pktmbuf_chain(m[1], t), "chain");
	}
	/* m[2] stays empty */

	n = vt_drv_tx(q, m, 4);
	if (n == 4) {
		VT_ASSERT_EQ(2, q->stats.dropped, "dropped counter");
	} else {
		VT_ASSERT_EQ(1, n, "burst stops before the first bad packet");
		rte_pktmbuf_free(m[1]);
		rte_pktmbuf_free(m[2]);
		VT_ASSERT_EQ(1, vt_drv_tx(q, &m[3], 1), "the good last packet");
	}
	VT_ASSERT_EQ(2, q->stats.packets, "packets sent");
	VT_ASSERT_EQ(2, vt_dev_avail_count(d), "entries for the device");
	for (i = 0; i < 2; i++) {
		VT_CHECK(vt_dev_take(d, &b));
		VT_CHECK(vt_dev_tx_verify(&b, &s, i == 0 ? 0 : 3));
		vt_dev_put(d, b.id, 0, b.count);
	}
	vt_dev_publish(d);
	VT_CHECK(drain_all(q));
	vmq_free(q);
	return VT_PASS;
}

/* Tx: bytes, chains, ring full, reclaim, notification suppression. */
static int
test_tx_basic(void)
{
	struct rte_mbuf *m[80], *t;
	struct vt_stream s;
	struct vmq *q = new_queue(true, 64);
	struct vt_dev *d = &dev;
	struct vt_dbuf b;
	uint64_t kicks, ev;
	uint16_t n, i;

	VT_ASSERT(q != NULL, "Tx queue");
	vt_dev_attach(d, q);
	vt_stream_init(&s, "tx_basic", 11, 0, 0, pool, 80, 60, 1514, 80);

	/* one frame, one descriptor, header in the headroom */
	VT_ASSERT_EQ(0, rte_pktmbuf_alloc_bulk(pool, m, 80), "alloc");
	for (i = 0; i < 80; i++)
		VT_CHECK(vt_pkt_fill(&s, m[i], i));
	/* packet 1 as a chain of three segments: len - 40, 20, 20 */
	for (i = 0; i < 2; i++) {
		struct rte_mbuf *last = rte_pktmbuf_lastseg(m[1]);
		uint16_t cut = i == 0 ? 40 : 20;

		t = rte_pktmbuf_alloc(pool);
		VT_ASSERT(t != NULL, "alloc");
		memcpy(rte_pktmbuf_append(t, cut),
		       rte_pktmbuf_mtod_offset(last, char *, last->data_len - cut),
		       cut);
		last->data_len -= cut;
		m[1]->pkt_len -= cut;
		VT_ASSERT_OK(rte_pktmbuf_chain(m[1], t), "chain");
	}
	VT_ASSERT_EQ(3, m[1]->nb_segs, "segments");
	VT_CHECK(vt_pkt_verify(&s, m[1], 1));

	/* ask for no kicks: none may come */
	while (read(q->kick_fd, &ev, sizeof(ev)) == sizeof(ev))
		;
	q->split.used->flags = VMQ_USED_F_NO_NOTIFY;
	kicks = q->stats.kicks;
	n = vt_drv_tx(q, m, 2);
	VT_ASSERT_EQ(2, n, "Tx of two");
	VT_ASSERT_EQ(kicks, q->stats.kicks, "kicks while the device said no");
	VT_ASSERT(read(q->kick_fd, &ev, sizeof(ev)) < 0, "kick while suppressed");
	VT_ASSERT_EQ(2, vt_dev_avail_count(d), "entries made available");

	/* the device reads both: single descriptor, then a 4-descriptor chain */
	for (i = 0; i < 2; i++) {
		VT_CHECK(vt_dev_take(d, &b));
		if (i == 0)
			VT_ASSERT(!(q->split.desc[b.id].flags & VMQ_DESC_F_NEXT),
				  "a one-segment frame takes one descriptor");
		VT_CHECK(vt_dev_tx_verify(&b, &s, i));
		vt_dev_put(d, b.id, 0, b.count);
	}
	vt_dev_publish(d);

	/* kicks wanted again: the next burst must notify */
	q->split.used->flags = 0;
	n = vt_drv_tx(q, &m[2], 1);
	VT_ASSERT_EQ(1, n, "Tx of one");
	VT_ASSERT_EQ(kicks + 1, q->stats.kicks, "kick counter");
	VT_ASSERT(read(q->kick_fd, &ev, sizeof(ev)) == sizeof(ev) && ev >= 1,
		  "the kick eventfd was written");

	/*
	 * Fill the ring. In flight: packet 2 (one descriptor); packets 0
	 * and 1 are complete (five descriptors) but maybe not reclaimed yet.
	 * A full ring must reclaim what the device completed before it
	 * refuses: 63 more fit.
	 */
	n = vt_drv_tx(q, &m[3], 77);
	VT_ASSERT_EQ(63, n, "Tx into the rest of the ring");
	VT_ASSERT_EQ(0, vt_drv_tx(q, &m[66], 1), "Tx into a full ring");
	VT_ASSERT(q->stats.full > 0, "full counter");

	/* the device completes two in reverse order; the driver reclaims */
	VT_ASSERT(vt_dev_avail_count(d) == 64, "avail entries: %u",
		  vt_dev_avail_count(d));
	{
		struct vt_dbuf a;

		VT_CHECK(vt_dev_take(d, &a));
		VT_CHECK(vt_dev_take(d, &b));
		VT_CHECK(vt_dev_tx_verify(&a, &s, 2));
		VT_CHECK(vt_dev_tx_verify(&b, &s, 3));
		vt_dev_put(d, b.id, 0, b.count);
		vt_dev_put(d, a.id, 0, a.count);
		vt_dev_publish(d);
	}
	n = vt_drv_tx(q, &m[66], 14);
	VT_ASSERT_EQ(2, n, "Tx after the device completed two");
	rte_pktmbuf_free_bulk(&m[68], 12);

	VT_ASSERT_EQ(64, vmq_drain(q), "mbufs drained (all 64 descriptors single)");
	VT_ASSERT_EQ(0, q->stats.errors, "errors");
	vmq_free(q);
	return VT_PASS;
}

/*
 * Tx: the header goes into a packet's headroom (one descriptor, what
 * DPDK's vhost batches) exactly when the buffer is the mbuf's alone: a
 * direct mbuf, or an external buffer (a pinned external-buffer pool, as
 * device memory is used) with no other mbuf attached. A buffer that
 * clones share keeps its headroom untouched: header in a descriptor of
 * its own.
 */
static int
test_tx_push(void)
{
	struct rte_pktmbuf_extmem ext = { .elt_size = 2048 };
	struct rte_mbuf *m[5], *clone[2] = { NULL, NULL };
	/* descriptors each packet must take: pushed or not */
	static const uint16_t want[5] = { 1, 2, 1, 2, 2 };
	static const char *const what[5] = {
		"an external buffer, no clone",
		"an external buffer with a clone", "a direct mbuf",
		"a direct mbuf with a clone", "the clone (an indirect mbuf)",
	};
	uint8_t head[2][HDR];
	struct rte_mempool *xp = NULL;
	struct vmq *q = new_queue(true, 64);
	struct vt_dev *d = &dev;
	struct vt_stream s;
	struct vt_dbuf b;
	int rc = VT_FAIL;
	uint16_t i;

	VT_ASSERT(q != NULL, "Tx queue");
	vt_dev_attach(d, q);
	vt_stream_init(&s, "tx_push", 12, 0, 0, pool, 5, 60, 1514, 5);
	ext.buf_len = 16 * ext.elt_size;
	ext.buf_ptr = rte_malloc("vt_vmq_ext", ext.buf_len, 4096);
	if (ext.buf_ptr == NULL)
		goto out;
	ext.buf_iova = rte_malloc_virt2iova(ext.buf_ptr);
	xp = rte_pktmbuf_pool_create_extbuf("vt_vmq_ext", 16, 0, 0,
					    ext.elt_size, SOCKET_ID_ANY,
					    &ext, 1);
	if (xp == NULL) {
		vt_fail(__FILE__, __LINE__, "pool of external buffers: %s",
			rte_strerror(rte_errno));
		goto out;
	}
	m[0] = rte_pktmbuf_alloc(xp);
	m[1] = rte_pktmbuf_alloc(xp);
	m[2] = rte_pktmbuf_alloc(pool);
	m[3] = rte_pktmbuf_alloc(pool);
	if (m[0] == NULL || m[1] == NULL || m[2] == NULL || m[3] == NULL) {
		vt_fail(__FILE__, __LINE__, "mbufs for the push test");
		goto out;
	}
	for (i = 0; i < 4; i++)
		if (vt_pkt_fill(&s, m[i], i) != VT_PASS)
			goto out;
	clone[0] = rte_pktmbuf_clone(m[1], pool);
	clone[1] = rte_pktmbuf_clone(m[3], pool);
	if (clone[0] == NULL || clone[1] == NULL) {
		vt_fail(__FILE__, __LINE__, "clones");
		goto out;
	}
	m[4] = clone[1];		/* sent as well: packet 3's bytes */
	rte_mbuf_refcnt_update(m[4], 1);	/* the test keeps it too */
	memcpy(head[0], rte_pktmbuf_mtod_offset(m[1], uint8_t *, -HDR), HDR);
	memcpy(head[1], rte_pktmbuf_mtod_offset(m[3], uint8_t *, -HDR), HDR);

	if (vt_drv_tx(q, m, 5) != 5) {
		vt_fail(__FILE__, __LINE__, "Tx of the five packets");
		goto out;
	}
	for (i = 0; i < 5; i++) {
		if (vt_dev_take(d, &b) != VT_PASS ||
		    vt_dev_tx_verify(&b, &s, i == 4 ? 3 : i) != VT_PASS)
			goto out;
		if (b.count != want[i]) {
			vt_fail(__FILE__, __LINE__, "Tx of %s: %u descriptors, expected %u",
				what[i], b.count, want[i]);
			goto out;
		}
		vt_dev_put(d, b.id, 0, b.count);
	}
	vt_dev_publish(d);
	if (memcmp(head[0], rte_pktmbuf_mtod_offset(clone[0], uint8_t *, -HDR),
		   HDR) != 0 ||
	    memcmp(head[1], rte_pktmbuf_mtod_offset(clone[1], uint8_t *, -HDR),
		   HDR) != 0) {
		vt_fail(__FILE__, __LINE__, "the headroom of a buffer that clones share was written");
		goto out;
	}
	rc = drain_all(q);
	if (rc == VT_PASS && q->stats.errors != 0) {
		vt_fail(__FILE__, __LINE__, "%" PRIu64 " queue errors",
			q->stats.errors);
		rc = VT_FAIL;
	}
out:
	rte_pktmbuf_free(clone[0]);
	rte_pktmbuf_free(clone[1]);
	vmq_free(q);
	if (xp != NULL && rte_mempool_in_use_count(xp) != 0) {
		vt_fail(__FILE__, __LINE__, "%u external-buffer mbufs not back",
			rte_mempool_in_use_count(xp));
		rc = VT_FAIL;
	}
	rte_mempool_free(xp);
	rte_free(ext.buf_ptr);
	return rc;
}

/* Rx: bytes, partial bursts, a ring the device filled, refill. */
static int
test_rx_basic(void)
{
	struct vt_stream s;
	struct vmq *q = new_queue(false, 128);
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

	/* nothing used yet */
	VT_CHECK(rx_expect(q, &s, 0, 0, 32));

	/* 20 packets, taken 5 + 15 */
	for (i = 0; i < 20; i++)
		VT_CHECK(dev_rx_write(d, &s, i, 0));
	vt_dev_publish(d);
	VT_CHECK(rx_expect(q, &s, 0, 5, 5));
	VT_CHECK(rx_expect(q, &s, 5, 15, 32));

	/* the device uses every buffer it has: 108 left, then none */
	for (i = 20; vt_dev_avail_count(d) > 0; i++)
		VT_CHECK(dev_rx_write(d, &s, i, 0));
	vt_dev_publish(d);
	VT_ASSERT_EQ(128, i, "packets the ring held");
	/* taking 32 frees 32 descriptors: refilled at once */
	VT_CHECK(rx_expect(q, &s, 20, 32, 32));
	VT_ASSERT(vt_dev_avail_count(d) >= 32, "refill after 32 were taken: %u",
		  vt_dev_avail_count(d));
	VT_CHECK(rx_expect(q, &s, 52, 64, 64));
	VT_CHECK(rx_expect(q, &s, 116, 12, 64));
	VT_ASSERT_EQ(0, q->stats.errors, "errors");

	/* 12 free after the last burst: below the refill mark */
	VT_ASSERT_EQ(116, vmq_drain(q), "posted buffers drained");
	VT_ASSERT_EQ(base, rte_mempool_in_use_count(pool), "mbufs after drain");
	vmq_free(q);
	return VT_PASS;
}

/* Tx, 16-bit wrap-around, random bursts, out-of-order completion. */
static int
test_tx_wrap(uint16_t size)
{
	struct rte_mbuf *pend[64];
	uint16_t ids[64];
	struct vt_dbuf b;
	struct vt_stream s;
	struct vmq *q = new_queue(true, size);
	struct vt_dev *d = &dev;
	uint64_t sent = 0, seen = 0;
	unsigned int base = rte_mempool_in_use_count(pool);
	uint16_t npend = 0, pos = 0, n, i, k;
	double deadline = vt_now() + 60;

	VT_ASSERT(q != NULL, "Tx queue");
	vt_dev_attach(d, q);
	vt_stream_init(&s, "tx_wrap", 13, 0, 0, pool, WRAP_PACKETS, 60, 300, 0);

	while (seen < WRAP_PACKETS) {
		VT_ASSERT(vt_now() < deadline, "Tx wrap stuck: sent %" PRIu64 " seen %" PRIu64,
			  sent, seen);
		if (npend == 0 && sent < WRAP_PACKETS) {
			k = RTE_MIN((uint64_t)vt_rnd(1, 48), WRAP_PACKETS - sent);
			VT_ASSERT_EQ(0, rte_pktmbuf_alloc_bulk(pool, pend, k), "alloc");
			for (i = 0; i < k; i++) {
				VT_CHECK(vt_pkt_fill(&s, pend[i], sent + i));
				/* now and then a chain of two */
				if (vt_rnd(0, 7) == 0) {
					struct rte_mbuf *t = rte_pktmbuf_alloc(pool);

					VT_ASSERT(t != NULL, "alloc");
					memcpy(rte_pktmbuf_append(t, 30),
					       rte_pktmbuf_mtod_offset(pend[i], char *,
								       pend[i]->data_len - 30), 30);
					pend[i]->data_len -= 30;
					pend[i]->pkt_len -= 30;
					VT_ASSERT_OK(rte_pktmbuf_chain(pend[i], t), "chain");
				}
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
		/* the device takes some, completes them in reverse order */
		k = RTE_MIN(vt_dev_avail_count(d), (uint16_t)vt_rnd(0, 64));
		for (i = 0; i < k; i++) {
			VT_CHECK(vt_dev_take(d, &b));
			ids[i] = b.id;
			VT_CHECK(vt_dev_tx_verify(&b, &s, seen));
			seen++;
		}
		for (i = 0; i < k; i++)
			vt_dev_put(d, ids[k - 1 - i], 0, 1);
		if (k > 0)
			vt_dev_publish(d);
	}
	VT_ASSERT_EQ(WRAP_PACKETS, sent, "sent");
	VT_ASSERT(d->avail_pos == q->avail_idx, "avail index %u, device took %u",
		  q->avail_idx, d->avail_pos);
	VT_ASSERT_EQ(0, q->stats.errors, "errors");
	VT_ASSERT(!q->broken, "queue broken");
	VT_CHECK(drain_all(q));
	VT_ASSERT_EQ(base, rte_mempool_in_use_count(pool), "mbufs after drain");
	vmq_free(q);
	return VT_PASS;
}

/* Rx, 16-bit wrap-around, random fills and partial bursts. */
static int
test_rx_wrap(uint16_t size)
{
	struct vt_stream s;
	struct vmq *q = new_queue(false, size);
	struct vt_dev *d = &dev;
	struct rte_mbuf *pkts[64];
	uint64_t written = 0, got = 0;
	unsigned int base = rte_mempool_in_use_count(pool);
	uint16_t n, i, k;
	double deadline = vt_now() + 60;

	VT_ASSERT(q != NULL, "Rx queue");
	vt_dev_attach(d, q);
	vt_stream_init(&s, "rx_wrap", 14, 0, 0, pool, WRAP_PACKETS, 60, 1514, 0);
	VT_ASSERT_EQ(size, vmq_rx_refill(q), "posted");

	while (got < WRAP_PACKETS) {
		VT_ASSERT(vt_now() < deadline, "Rx wrap stuck: written %" PRIu64 " got %" PRIu64,
			  written, got);
		k = RTE_MIN(vt_dev_avail_count(d), (uint16_t)vt_rnd(0, 80));
		k = RTE_MIN((uint64_t)k, WRAP_PACKETS - written);
		for (i = 0; i < k; i++)
			VT_CHECK(dev_rx_write(d, &s, written + i, 0));
		written += k;
		if (k > 0)
			vt_dev_publish(d);
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
	VT_CHECK(drain_all(q));
	VT_ASSERT_EQ(base, rte_mempool_in_use_count(pool), "mbufs after drain");
	vmq_free(q);
	return VT_PASS;
}

/* A device that breaks the rules: contained, never a crash or a truncation. */
static int
test_bad_device(void)
{
	struct vt_stream s;
	struct rte_mbuf *m[4];
	struct vmq *q;
	struct vt_dev *d = &dev;
	struct vt_dbuf b;
	uint16_t id, i;
	unsigned int base = rte_mempool_in_use_count(pool);

	vt_stream_init(&s, "bad_device", 15, 0, 0, pool, 100, 100, 100, 0);

	/* Rx: a frame of header alone is dropped and counted; the queue
	 * goes on */
	q = new_queue(false, 64);
	VT_ASSERT(q != NULL, "Rx queue");
	vt_dev_attach(d, q);
	vmq_rx_refill(q);
	VT_CHECK(dev_rx_write(d, &s, 0, 0));
	VT_CHECK(dev_rx_write(d, &s, 1, HDR));		/* header, no frame */
	VT_CHECK(dev_rx_write(d, &s, 2, 0));
	vt_dev_publish(d);
	VT_ASSERT_EQ(2, vt_drv_rx(q, m, 4), "good packets around a bad one");
	VT_CHECK(vt_pkt_verify(&s, m[0], 0));
	VT_CHECK(vt_pkt_verify(&s, m[1], 2));
	rte_pktmbuf_free_bulk(m, 2);
	VT_ASSERT_EQ(1, q->stats.length_errors, "length errors");
	VT_ASSERT_EQ(0, q->stats.errors, "device errors");
	VT_ASSERT(!q->broken, "an empty frame must not stop the queue");

	/* Rx: a length beyond the buffer stops the queue (both layouts);
	 * what came before it is delivered */
	VT_CHECK(dev_rx_write(d, &s, 3, 0));
	VT_CHECK(dev_rx_write(d, &s, 4, 100000));	/* beyond the buffer */
	VT_CHECK(dev_rx_write(d, &s, 5, 0));
	vt_dev_publish(d);
	VT_ASSERT_EQ(1, vt_drv_rx(q, m, 4), "the packet before the bad one");
	VT_CHECK(vt_pkt_verify(&s, m[0], 3));
	rte_pktmbuf_free(m[0]);
	VT_ASSERT(q->broken, "queue stopped on a length beyond the buffer");
	VT_ASSERT_EQ(1, q->stats.errors, "device errors");
	VT_CHECK(drain_all(q));
	VT_ASSERT_EQ(base, rte_mempool_in_use_count(pool), "mbufs after drain");
	vt_dev_attach(d, q);
	vmq_rx_refill(q);

	/* Rx: an id out of range stops the queue */
	VT_CHECK(vt_dev_take(d, &b));
	vt_dev_put(d, q->size + 5, 100, 1);
	vt_dev_publish(d);
	VT_ASSERT_EQ(0, vt_drv_rx(q, m, 4), "Rx after an id out of range");
	VT_ASSERT(q->broken, "queue stopped");
	VT_ASSERT_EQ(0, vt_drv_rx(q, m, 4), "a stopped queue stays stopped");
	VT_CHECK(drain_all(q));
	VT_ASSERT(!q->broken, "drain and reset restart the queue");
	VT_ASSERT_EQ(base, rte_mempool_in_use_count(pool), "mbufs after drain");

	/* Rx: the same id used twice */
	vt_dev_attach(d, q);
	vmq_rx_refill(q);
	id = q->split.avail->ring[0];
	VT_CHECK(dev_rx_write(d, &s, 0, 0));
	vt_dev_publish(d);
	VT_ASSERT_EQ(1, vt_drv_rx(q, m, 4), "first use");
	rte_pktmbuf_free(m[0]);
	/* the driver refills only from 32 free: id stays free */
	vt_dev_put(d, id, HDR + 100, 1);
	vt_dev_publish(d);
	VT_ASSERT_EQ(0, vt_drv_rx(q, m, 4), "an id used twice");
	VT_ASSERT(q->broken, "queue stopped on a reused id");
	VT_CHECK(drain_all(q));

	/* Rx: the used index runs ahead of what is in flight */
	vt_dev_attach(d, q);
	vmq_rx_refill(q);
	__atomic_store_n(&q->split.used->idx, (uint16_t)(q->size + 1), __ATOMIC_RELEASE);
	VT_ASSERT_EQ(0, vt_drv_rx(q, m, 4), "used index ahead");
	VT_ASSERT(q->broken, "queue stopped on a runaway index");
	VT_CHECK(drain_all(q));
	vmq_free(q);
	VT_ASSERT_EQ(base, rte_mempool_in_use_count(pool), "mbufs after Rx cases");

	/* Tx: the same id completed twice, then an id out of range */
	for (i = 0; i < 2; i++) {
		q = new_queue(true, 64);
		VT_ASSERT(q != NULL, "Tx queue");
		vt_dev_attach(d, q);
		VT_ASSERT_EQ(0, rte_pktmbuf_alloc_bulk(pool, m, 1), "alloc");
		VT_CHECK(vt_pkt_fill(&s, m[0], 0));
		VT_ASSERT_EQ(1, vt_drv_tx(q, m, 1), "Tx");
		VT_CHECK(vt_dev_take(d, &b));
		if (i == 0) {
			vt_dev_put(d, b.id, 0, 1);
			vt_dev_put(d, b.id, 0, 1);
		} else {
			vt_dev_put(d, q->size + 3, 0, 1);
		}
		vt_dev_publish(d);
		/* reclaim runs by 64 in flight at the latest: fill the ring */
		VT_ASSERT_EQ(0, rte_pktmbuf_alloc_bulk(pool, m, 4), "alloc");
		while (q->nb_free > 0 && !q->broken) {
			VT_CHECK(vt_pkt_fill(&s, m[0], 0));
			if (vt_drv_tx(q, m, 1) != 1)
				break;
			VT_ASSERT_EQ(0, rte_pktmbuf_alloc_bulk(pool, m, 1),
				     "alloc");
		}
		rte_pktmbuf_reset(m[0]);
		VT_CHECK(vt_pkt_fill(&s, m[0], 0));
		VT_ASSERT_EQ(0, vt_drv_tx(q, m, 1), i == 0 ?
			     "Tx after an id completed twice" :
			     "Tx after an id out of range");
		VT_ASSERT(q->broken, "Tx queue stopped on a bad completion");
		rte_pktmbuf_free_bulk(m, 4);
		VT_CHECK(drain_all(q));
		vmq_free(q);
	}
	VT_ASSERT_EQ(base, rte_mempool_in_use_count(pool), "mbufs after Tx cases");
	return VT_PASS;
}

/* ops kind: a map refusal mid-burst. */
static int
test_map_refusal(void)
{
	struct rte_mbuf *m[8];
	struct vt_stream s;
	struct vmq *q;
	struct vt_dev *d = &dev;
	uint16_t n;
	unsigned int base = rte_mempool_in_use_count(pool);

	vt_stream_init(&s, "refusal", 16, 0, 0, pool, 8, 100, 100, 0);
	q = new_queue(true, 64);
	VT_ASSERT(q != NULL, "Tx queue");
	vt_dev_attach(d, q);
	VT_ASSERT_EQ(0, rte_pktmbuf_alloc_bulk(pool, m, 8), "alloc");
	for (n = 0; n < 8; n++)
		VT_CHECK(vt_pkt_fill(&s, m[n], n));
	vt_count_rec.limited = true;
	vt_count_rec.refuse_after = 3;
	n = vt_drv_tx(q, m, 8);
	vt_count_rec.limited = false;
	VT_ASSERT_EQ(3, n, "Tx stops where the map ops refused");
	VT_ASSERT_EQ(5, q->stats.map_refused, "refused buffers counted");
	VT_ASSERT_EQ(3, vt_dev_avail_count(d), "only mapped packets available");
	n += vt_drv_tx(q, &m[3], 5);
	VT_ASSERT_EQ(8, n, "the rest goes once mapping works");
	VT_CHECK(drain_all(q));
	vmq_free(q);

	q = new_queue(false, 64);
	VT_ASSERT(q != NULL, "Rx queue");
	vt_count_rec.limited = true;
	vt_count_rec.refuse_after = 10;
	n = vmq_rx_refill(q);
	vt_count_rec.limited = false;
	VT_ASSERT_EQ(10, n, "Rx buffers posted while mapping works");
	VT_ASSERT_EQ(base + 10, rte_mempool_in_use_count(pool),
		     "refused Rx buffers go back to the pool");
	VT_CHECK(drain_all(q));
	vmq_free(q);
	VT_ASSERT_EQ(base, rte_mempool_in_use_count(pool), "mbufs");
	return VT_PASS;
}

/*
 * vduse: a Tx queue left with fewer bounce slots than the descriptors it
 * keeps in flight before reclaiming (1 MB region, an Rx queue set up
 * first). Sending one packet at a time, each completed by the device
 * before the next, must never stop: a slot shortage has to reclaim what
 * the device completed, as a full ring does.
 */
static int
test_tx_few_slots(void)
{
	struct rte_vmap_params params = { .bounce_size = VMAP_BOUNCE_SIZE_MIN };
	struct vt_dev_reach saved = vt_dev_reach;
	struct rte_vmap_region regions[2];
	struct rte_vmap_dev small;
	struct vmq_conf c = {
		.size = 4096, .port_id = 7, .socket_id = SOCKET_ID_ANY,
		.map = &small,
	};
	struct rte_mbuf *m;
	struct vt_stream s;
	struct vmq *rq, *tq;
	struct vt_dev *d = &dev;
	struct vt_dbuf b;
	unsigned int i;
	int rc = VT_PASS, n;

	VT_ASSERT_OK(vmap_dev_attach(&small, vmap_find("vduse"), "vt_vmq_1m",
				     SOCKET_ID_ANY, &params), "attach vduse, 1M");
	c.is_tx = false;
	c.vq_index = 0;
	c.mp = pool;
	rq = vmq_create(&c);
	VT_ASSERT(rq != NULL, "Rx queue: %s", rte_strerror(rte_errno));
	c.is_tx = true;
	c.vq_index = 1;
	c.mp = NULL;
	tq = vmq_create(&c);
	VT_ASSERT(tq != NULL, "Tx queue: %s", rte_strerror(rte_errno));
	n = vmap_regions(&small, regions, 2, false);
	VT_ASSERT_EQ(2, n, "regions");
	vt_dev_reach_set(0, regions, n);

	/* how many slots the Tx queue got: map until it refuses */
	vt_dev_attach(d, tq);
	vt_stream_init(&s, "few_slots", 18, 0, 0, pool, 1000, 60, 60, 0);
	for (i = 0; i < 1000 && rc == VT_PASS; i++) {
		m = rte_pktmbuf_alloc(pool);
		if (m == NULL || vt_pkt_fill(&s, m, i) != VT_PASS) {
			rte_pktmbuf_free(m);
			rc = VT_FAIL;
			break;
		}
		if (vt_drv_tx(tq, &m, 1) != 1) {
			rte_pktmbuf_free(m);
			vt_fail(__FILE__, __LINE__, "Tx of packet %u (one at a time, each completed before the next): expected 1, actual 0; bounce slots exhausted %" PRIu64 ", in flight %u",
				i, tq->mq.stats.exhausted,
				tq->size - tq->nb_free);
			rc = VT_FAIL;
			break;
		}
		if (vt_dev_take(d, &b) != VT_PASS) {
			rc = VT_FAIL;
			break;
		}
		rc = vt_dev_tx_verify(&b, &s, i);
		vt_dev_put(d, b.id, 0, b.count);
		vt_dev_publish(d);
	}
	vt_info("Tx with a 1 MB bounce region: %u packets sent one by one, %" PRIu64 " bursts cut short by slot exhaustion",
		i, tq->mq.stats.exhausted);
	vmq_drain(tq);
	vmq_drain(rq);
	vmq_free(tq);
	vmq_free(rq);
	vmap_dev_detach(&small);
	vt_dev_reach = saved;
	return rc;
}

static int
run(int argc, char **argv)
{
	struct rte_mempool *dev_pool;	/* what the device hands back */
	struct rte_vmap_region regions[2];
	unsigned int failed = 0, total = 0;
	int rc, nregions;

	if (argc != 2 || strcmp(argv[0], "split") != 0) {
		vt_fail(__FILE__, __LINE__, "expected arguments: split va|pa|ops|vduse");
		return VT_FAIL;
	}
	VT_CHECK(vt_eal_init(&(struct vt_eal_opts){ .mem_mb = 256 }));
	pool = vt_pool_create("vt_vmq", 4096, 1514);
	dev_pool = vt_pool_create("vt_vmq_dev", 64, VMQ_MAX_FRAME);
	VT_ASSERT(pool != NULL && dev_pool != NULL, "pools");
	VT_CHECK(vt_dev_setup(dev_pool));

	VT_CHECK(vt_count_attach(&map, argv[1], "vt_vmq", regions, &nregions));
	vt_dev_reach_set(vmap_dev_ops(&map) == &vt_count_ops ?
			 VT_COUNT_OPS_OFFSET : 0, regions, nregions);

#define SUB(call) do {							\
	vt_phase("%s", #call);						\
	rc = (call);							\
	vt_info("%s: %s (mbufs out %u, mapped %" PRIu64 ", unmapped %" PRIu64 ")", \
		#call, rc == VT_PASS ? "ok" : "FAILED",			\
		rte_mempool_in_use_count(pool), vt_count_rec.mapped,		\
		vt_count_rec.unmapped);					\
	failed += rc != VT_PASS;					\
	total++;							\
} while (0)
	SUB(test_create());
	SUB(test_tx_check());
	SUB(test_tx_drop());
	SUB(test_tx_basic());
	SUB(test_tx_push());
	SUB(test_rx_basic());
	SUB(test_tx_wrap(64));
	SUB(test_tx_wrap(1024));
	SUB(test_rx_wrap(64));
	SUB(test_rx_wrap(512));
	SUB(test_bad_device());
	if (vmap_dev_ops(&map) == &vmap_vduse_ops)
		SUB(test_tx_few_slots());
	if (vmap_dev_ops(&map) == &vt_count_ops) {
		SUB(test_map_refusal());
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
	.name = "vmq",
	.usage = "split va|pa|ops|vduse",
	.timeout_s = 120,
	.run = run,
};

int
main(int argc, char **argv)
{
	return vt_main(&test, argc, argv);
}
