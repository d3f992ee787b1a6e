/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The virtio_map authors
 */

/*
 * Unit test "vmq_opts": the split ring's negotiated options with this test
 * playing the device on a real struct vmq ("va" map kind, no port, no
 * transport): in-order use with one used entry completing a batch,
 * mergeable Rx over several buffers (including a packet whose buffers have
 * not all arrived), indirect tables for multi-segment Tx, and event-index
 * notification suppression in both directions.
 */

#include <string.h>

#include <rte_eal.h>
#include <rte_mbuf.h>

#include "vmap.h"
#include "vmq.h"
#include "vt.h"
#include "vt_dev.h"

#define HDR	((uint32_t)sizeof(struct vmq_net_hdr))

static struct rte_vmap_dev map;
static struct rte_mempool *pool;

struct dev {
	struct vmq *q;
	uint16_t avail_cons;
	uint16_t used_idx;
};

static bool
dev_pop(struct dev *d, uint16_t *head)
{
	uint16_t idx = __atomic_load_n(&d->q->split.avail->idx, __ATOMIC_ACQUIRE);

	if (idx == d->avail_cons)
		return false;
	*head = d->q->split.avail->ring[d->avail_cons & d->q->mask];
	d->avail_cons++;
	return true;
}

static void
dev_push(struct dev *d, uint32_t id, uint32_t len)
{
	d->q->split.used->ring[d->used_idx & d->q->mask] =
		(struct vmq_used_elem){ .id = id, .len = len };
	d->used_idx++;
	__atomic_store_n(&d->q->split.used->idx, d->used_idx, __ATOMIC_RELEASE);
}

static uint8_t
pattern(uint64_t seq, uint32_t off)
{
	return (uint8_t)(seq * 31 + off * 7 + 1);
}

static struct vmq *
ring(bool is_tx, uint16_t size, uint32_t opts)
{
	struct vmq_conf c = {
		.is_tx = is_tx,
		.size = size,
		.vq_index = is_tx ? 1 : 0,
		.socket_id = SOCKET_ID_ANY,
		.map = &map,
		.mp = is_tx ? NULL : pool,
		.opts_possible = VMQ_OPT_INDIRECT,
	};
	struct vmq *q = vmq_create(&c);

	if (q != NULL && vmq_set_opts(q, opts) != 0) {
		vmq_free(q);
		return NULL;
	}
	return q;
}

static struct rte_mbuf *
pkt(uint64_t seq, uint32_t len)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(pool);
	uint8_t *p;
	uint32_t i;

	if (m == NULL)
		return NULL;
	p = (uint8_t *)rte_pktmbuf_append(m, len);
	for (i = 0; i < len; i++)
		p[i] = pattern(seq, i);
	return m;
}

/* A packet of nseg segments of seglen bytes. */
static struct rte_mbuf *
pkt_chain(uint64_t seq, uint16_t nseg, uint32_t seglen)
{
	struct rte_mbuf *m = NULL, *s;
	uint32_t off = 0, k;
	uint16_t i;
	uint8_t *p;

	for (i = 0; i < nseg; i++) {
		s = rte_pktmbuf_alloc(pool);
		if (s == NULL)
			return NULL;
		p = (uint8_t *)rte_pktmbuf_append(s, seglen);
		for (k = 0; k < seglen; k++)
			p[k] = pattern(seq, off++);
		if (m == NULL)
			m = s;
		else if (rte_pktmbuf_chain(m, s) != 0)
			return NULL;
	}
	return m;
}

static int
no_leak(const char *when)
{
	VT_ASSERT_EQ(0, rte_mempool_in_use_count(pool), when);
	return VT_PASS;
}

/* In order: ring-order descriptors; one used entry completes a batch. */
static int
case_in_order(void)
{
	struct vmq *q = ring(true, 64, VMQ_OPT_IN_ORDER);
	struct dev d = { .q = q };
	struct rte_mbuf *pkts[8];
	uint16_t head, i, last = 0;

	VT_ASSERT(q != NULL, "queue");
	for (i = 0; i < 8; i++)
		pkts[i] = i == 3 ? pkt_chain(i, 2, 100) : pkt(i, 100);
	VT_ASSERT_EQ(8, vt_drv_tx(q, pkts, 8), "packets taken");
	/* packet 3 is a chain of header slot + 2 segments: 3 descriptors */
	for (i = 0; i < 8; i++) {
		VT_ASSERT(dev_pop(&d, &head), "avail entry %u", i);
		VT_ASSERT_EQ(i < 4 ? i : i + 2, head, "in-order head");
		last = head;
	}
	VT_ASSERT_EQ(4, q->split.desc[3].next, "chain link 3 -> 4");
	VT_ASSERT_EQ(5, q->split.desc[4].next, "chain link 4 -> 5");
	VT_ASSERT_EQ(64 - 10, q->nb_free, "free descriptors");
	/* the device reports only the last chain of the batch */
	dev_push(&d, last, 0);
	VT_ASSERT_EQ(8, vmq_drain(q), "in flight before the drain");
	VT_CHECK(no_leak("after drain"));
	vmq_free(q);
	return VT_PASS;
}

/* In order with the whole batch completed by its last entry: no leak. */
static int
case_in_order_reclaim(void)
{
	struct vmq *q = ring(true, 64, VMQ_OPT_IN_ORDER);
	struct dev d = { .q = q };
	struct rte_mbuf *pkts[32];
	uint16_t head = 0, i, round;

	VT_ASSERT(q != NULL, "queue");
	for (round = 0; round < 200; round++) {
		for (i = 0; i < 32; i++) {
			pkts[i] = pkt(round * 32 + i, 60 + i);
			VT_ASSERT(pkts[i] != NULL, "pool");
		}
		VT_ASSERT_EQ(32, vt_drv_tx(q, pkts, 32), "taken");
		while (dev_pop(&d, &head))
			;
		dev_push(&d, head, 0);	/* one entry for 32 chains */
	}
	VT_ASSERT(!q->broken, "queue broken");
	/* what is still in flight is the last batch at most */
	VT_ASSERT(rte_mempool_in_use_count(pool) <= 64,
		  "mbufs in flight %u", rte_mempool_in_use_count(pool));
	vmq_free(q);
	return no_leak("after free");
}

/* Mergeable Rx: one frame in three buffers, delivered when complete. */
static int
case_mrg_rx(void)
{
	struct vmq *q = ring(false, 64, VMQ_OPT_MRG_RXBUF);
	struct dev d = { .q = q };
	struct rte_mbuf *pkts[4], *s;
	uint16_t heads[3], i;
	uint32_t lens[3], off = 0, k, total = 0, room;
	struct vmq_net_hdr *h;
	const uint8_t *p;
	uint8_t *b;

	VT_ASSERT(q != NULL, "queue");
	VT_ASSERT_EQ(64, vmq_rx_refill(q), "posted");
	for (i = 0; i < 3; i++) {
		VT_ASSERT(dev_pop(&d, &heads[i]), "avail %u", i);
		b = (uint8_t *)(uintptr_t)q->split.desc[heads[i]].addr;
		room = q->split.desc[heads[i]].len;
		lens[i] = i < 2 ? room : 700;
		k = 0;
		if (i == 0) {
			h = (struct vmq_net_hdr *)b;
			memset(h, 0, HDR);
			h->num_buffers = 3;
			k = HDR;
		}
		for (; k < lens[i]; k++)
			b[k] = pattern(9, off++);
		total += lens[i];
	}
	total -= HDR;
	/* two of three buffers: nothing yet */
	dev_push(&d, heads[0], lens[0]);
	dev_push(&d, heads[1], lens[1]);
	VT_ASSERT_EQ(0, vt_drv_rx(q, pkts, 4), "partial frame");
	dev_push(&d, heads[2], lens[2]);
	VT_ASSERT_EQ(1, vt_drv_rx(q, pkts, 4), "whole frame");
	VT_ASSERT_EQ(3, pkts[0]->nb_segs, "segments");
	VT_ASSERT_EQ(total, pkts[0]->pkt_len, "frame length");
	off = 0;
	for (s = pkts[0]; s != NULL; s = s->next) {
		p = rte_pktmbuf_mtod(s, const uint8_t *);
		for (k = 0; k < s->data_len; k++)
			VT_ASSERT_EQ(pattern(9, off + k), p[k], "frame byte");
		off += s->data_len;
	}
	rte_pktmbuf_free(pkts[0]);
	/* a header that claims no buffers stops the queue */
	VT_ASSERT(dev_pop(&d, &heads[0]), "avail");
	h = (struct vmq_net_hdr *)(uintptr_t)q->split.desc[heads[0]].addr;
	memset(h, 0, HDR);
	dev_push(&d, heads[0], 100);
	VT_ASSERT_EQ(0, vt_drv_rx(q, pkts, 4), "num_buffers 0");
	VT_ASSERT(q->broken, "queue not stopped by num_buffers 0");
	vmq_free(q);
	return no_leak("after free");
}

/* Indirect: a three-segment packet takes one ring descriptor. */
static int
case_indirect(void)
{
	struct vmq *q = ring(true, 64, VMQ_OPT_INDIRECT);
	struct dev d = { .q = q };
	const struct vmq_desc *t;
	struct rte_mbuf *m;
	uint32_t off = 0, k, j;
	uint16_t head;
	const uint8_t *p;

	VT_ASSERT(q != NULL, "queue");
	m = pkt_chain(4, 3, 200);
	VT_ASSERT(m != NULL, "chain");
	VT_ASSERT_EQ(1, vt_drv_tx(q, &m, 1), "taken");
	VT_ASSERT_EQ(63, q->nb_free, "ring descriptors used");
	VT_ASSERT(dev_pop(&d, &head), "avail");
	VT_ASSERT(q->split.desc[head].flags & VMQ_DESC_F_INDIRECT, "indirect flag");
	VT_ASSERT_EQ(4 * sizeof(struct vmq_desc), q->split.desc[head].len,
		     "table length");
	t = (const struct vmq_desc *)(uintptr_t)q->split.desc[head].addr;
	VT_ASSERT_EQ(HDR, t[0].len, "header entry");
	VT_ASSERT(t[0].flags & VMQ_DESC_F_NEXT, "header entry chained");
	for (j = 1; j < 4; j++) {
		VT_ASSERT_EQ(200, t[j].len, "segment entry");
		VT_ASSERT_EQ(j < 3, !!(t[j].flags & VMQ_DESC_F_NEXT),
			     "segment chaining");
		p = (const uint8_t *)(uintptr_t)t[j].addr;
		for (k = 0; k < t[j].len; k++)
			VT_ASSERT_EQ(pattern(4, off++), p[k], "payload byte");
	}
	dev_push(&d, head, 0);
	vmq_free(q);
	return no_leak("after free");
}

/* Event index: kick only when the device's avail_event is passed. */
static int
case_event_idx(void)
{
	struct vmq *q = ring(true, 256, VMQ_OPT_EVENT_IDX);
	struct vmq *rq = ring(false, 64, VMQ_OPT_EVENT_IDX);
	struct dev d = { .q = q }, rd = { .q = rq };
	uint16_t *avail_event, head, i;
	struct rte_mbuf *pkts[8];
	uint64_t kicks;

	VT_ASSERT(q != NULL && rq != NULL, "queues");
	avail_event = (uint16_t *)&q->split.used->ring[q->size];
	*avail_event = 20;	/* wake me when entry 20 is made available */
	kicks = q->stats.kicks;
	for (i = 0; i < 8; i++)
		pkts[i] = pkt(i, 60);
	VT_ASSERT_EQ(8, vt_drv_tx(q, pkts, 8), "burst 1");
	VT_ASSERT_EQ(kicks, q->stats.kicks, "kicks before index 20");
	for (i = 0; i < 8; i++)
		pkts[i] = pkt(i, 60);
	VT_ASSERT_EQ(8, vt_drv_tx(q, pkts, 8), "burst 2");
	VT_ASSERT_EQ(kicks, q->stats.kicks, "kicks before index 20");
	for (i = 0; i < 8; i++)
		pkts[i] = pkt(i, 60);
	VT_ASSERT_EQ(8, vt_drv_tx(q, pkts, 8), "burst 3 passes 20");
	VT_ASSERT_EQ(kicks + 1, q->stats.kicks, "one kick at index 20");
	for (i = 0; i < 8; i++)
		pkts[i] = pkt(i, 60);
	VT_ASSERT_EQ(8, vt_drv_tx(q, pkts, 8), "burst 4");
	VT_ASSERT_EQ(kicks + 1, q->stats.kicks, "no kick past the event");
	while (dev_pop(&d, &head))
		dev_push(&d, head, 0);

	/* Rx: the driver keeps used_event a lap behind what it consumed */
	VT_ASSERT_EQ(64, vmq_rx_refill(rq), "posted");
	for (i = 0; i < 5; i++) {
		VT_ASSERT(dev_pop(&rd, &head), "avail");
		memset((void *)(uintptr_t)rq->split.desc[head].addr, 0, HDR);
		dev_push(&rd, head, HDR + 60);
	}
	VT_ASSERT_EQ(5, vt_drv_rx(rq, pkts, 8), "received");
	VT_ASSERT_EQ((uint16_t)(5 - 1), rq->split.avail->ring[rq->size],
		     "used_event");
	rte_pktmbuf_free_bulk(pkts, 5);
	vmq_free(rq);
	vmq_free(q);
	return no_leak("after free");
}

static const struct {
	const char *name;
	int (*fn)(void);
} cases[] = {
	{ "in_order", case_in_order },
	{ "in_order_reclaim", case_in_order_reclaim },
	{ "mrg_rx", case_mrg_rx },
	{ "indirect", case_indirect },
	{ "event_idx", case_event_idx },
};

static int
run(int argc, char **argv)
{
	unsigned int i;

	VT_ASSERT(argc >= 1, "usage: test_vmq_opts CASE");
	for (i = 0; i < RTE_DIM(cases); i++)
		if (strcmp(argv[0], cases[i].name) == 0)
			break;
	VT_ASSERT(i < RTE_DIM(cases), "unknown case %s", argv[0]);
	VT_CHECK(vt_eal_init(NULL));
	pool = vt_pool_create("opts_pool", 2048, 1518);
	VT_ASSERT(pool != NULL, "pool");
	/* the bursts VT_SIMD names (its scratch mbuf from a pool of its own) */
	VT_CHECK(vt_dev_setup(vt_pool_create("opts_dev", 8, VMQ_MAX_FRAME)));
	VT_ASSERT_OK(vmap_dev_attach(&map, &vmap_va_ops, "opts_test",
				     SOCKET_ID_ANY, NULL), "attach va");
	VT_CHECK(cases[i].fn());
	vmap_dev_detach(&map);
	vt_dev_teardown();
	return VT_PASS;
}

static const struct vt_test test = {
	.name = "vmq_opts",
	.usage = "in_order|in_order_reclaim|mrg_rx|indirect|event_idx",
	.timeout_s = 60,
	.run = run,
};

int
main(int argc, char **argv)
{
	return vt_main(&test, argc, argv);
}
