/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The virtio_map authors
 */

/*
 * Split virtqueue receive path (virtio 1.2, 2.7): refill and receive,
 * with mergeable buffers (5.1.6.3), in-order use (2.7.9... IN_ORDER) and
 * event-index interrupt suppression (2.7.10) when negotiated. Each body is
 * written once as an always-inline function taking the map kind as a
 * constant; the named wrappers at the end are what vmq.c dispatches to.
 * For "va" and "pa" device addresses are computed inline; other kinds go
 * through the map ops once per burst.
 */

#include <rte_branch_prediction.h>
#include <rte_mbuf.h>

#include "vmq_dp.h"
#include "vmq_split.h"

static __rte_always_inline uint16_t
vmq_split_refill_k(struct vmq *q, enum vmap_kind kind)
{
	struct rte_mbuf *mbufs[VMQ_STEP];
	struct vmap_seg segs[VMQ_STEP];
	const uint16_t hdr = q->hdr_size;
	const bool in_order = q->opts & VMQ_OPT_IN_ORDER;
	uint16_t avail_idx = q->avail_idx;
	uint16_t total = 0, n, i, id;
	struct vmq_desc *d;
	struct rte_mbuf *m;
	uint32_t off;

	while (q->nb_free > 0) {
		n = RTE_MIN(q->nb_free, VMQ_STEP);
		if (rte_pktmbuf_alloc_bulk(q->mp, mbufs, n) != 0) {
			q->stats.nombuf += n;
			break;
		}
		if (kind == VMAP_KIND_OPS) {
			for (i = 0; i < n; i++) {
				m = mbufs[i];
				off = m->data_off - hdr;
				segs[i].addr = RTE_PTR_ADD(m->buf_addr, off);
				segs[i].iova = vmq_seg_iova(m, off, kind);
				segs[i].len = m->buf_len - off;
			}
			i = vmap_map(&q->mq, segs, n, VMAP_FROM_DEVICE);
			if (unlikely(i < n)) {
				q->stats.map_refused += n - i;
				rte_pktmbuf_free_bulk(&mbufs[i], n - i);
				n = i;
			}
		}
		for (i = 0; i < n; i++) {
			m = mbufs[i];
			off = m->data_off - hdr;
			id = vmq_split_take_desc(q, in_order);
			d = &q->desc[id];
			d->addr = kind == VMAP_KIND_OPS ? segs[i].iova :
				  vmq_addr(m, off, kind);
			d->len = m->buf_len - off;
			d->flags = VMQ_DESC_F_WRITE;
			q->cookie[id] = m;
			q->chain[id] = 1;
			q->avail->ring[avail_idx++ & q->mask] = id;
		}
		total += n;
		if (n < VMQ_STEP)
			break;
	}
	if (total == 0)
		return 0;
	q->avail_idx = avail_idx;
	/* descriptors and ring entries before the index (2.7.13.2) */
	__atomic_store_n(&q->avail->idx, avail_idx, __ATOMIC_RELEASE);
	vmq_split_notify(q);
	return total;
}

static __rte_always_inline uint16_t
vmq_split_rx(struct vmq *q, struct rte_mbuf **pkts, uint16_t nb_pkts,
	     enum vmap_kind kind)
{
	struct rte_mbuf *bufs[VMQ_STEP], *bad[VMQ_STEP], *m;
	struct vmap_seg segs[VMQ_STEP];
	uint32_t lens[VMQ_STEP], len, room;
	const uint16_t hdr = q->hdr_size;
	const bool in_order = q->opts & VMQ_OPT_IN_ORDER;
	const bool mrg = q->opts & VMQ_OPT_MRG_RXBUF;
	uint16_t n, i, nb_rx = 0, nb_bad = 0, id, cons;
	struct vmq_used_elem *e;
	uint64_t bytes = 0;

	if (unlikely(q->broken))
		return 0;
	n = RTE_MIN(vmq_split_used_pending(q), nb_pkts);
	n = RTE_MIN(n, VMQ_STEP);

	/*
	 * Take the buffers back from the ring. For va and pa the device's
	 * bytes are in the mbufs already; the ops kinds make them visible
	 * with one unmap for the burst, then the packets are built.
	 */
	cons = q->used_cons;
	for (i = 0; i < n; i++) {
		e = &q->used->ring[(cons + i) & q->mask];
		id = e->id;
		len = e->len;
		if (unlikely(id >= q->size || q->cookie[id] == NULL)) {
			vmq_broken(q, "used id out of range or not in use:", id);
			break;
		}
		/* Rx lengths are per buffer: an in-order device may not skip */
		if (in_order && unlikely(id != q->next_id)) {
			vmq_broken(q, "in-order Rx completed out of order, id",
				   id);
			break;
		}
		m = q->cookie[id];
		q->cookie[id] = NULL;
		vmq_split_put_desc(q, id, in_order);
		room = m->buf_len - m->data_off + hdr;
		if (unlikely(len > room))
			len = UINT32_MAX;
		if (kind == VMAP_KIND_OPS) {
			segs[i].addr = RTE_PTR_ADD(m->buf_addr,
						   m->data_off - hdr);
			segs[i].iova = q->desc[id].addr;
			segs[i].len = len != UINT32_MAX ? len : 0;
			bufs[i] = m;
			lens[i] = len;
			continue;
		}
		m = vmq_rx_one(q, m, len, mrg, bad, &nb_bad);
		if (m != NULL) {
			bytes += m->pkt_len;
			pkts[nb_rx++] = m;
		}
		if (unlikely(q->broken)) {
			i++;
			break;
		}
	}
	q->used_cons = cons + i;
	if (kind == VMAP_KIND_OPS && i > 0) {
		n = i;
		vmap_unmap(&q->mq, segs, n, VMAP_FROM_DEVICE);
		for (i = 0; i < n; i++) {
			if (unlikely(q->broken && mrg)) {
				bad[nb_bad++] = bufs[i];
				continue;
			}
			m = vmq_rx_one(q, bufs[i], lens[i], mrg, bad,
					     &nb_bad);
			if (m != NULL) {
				bytes += m->pkt_len;
				pkts[nb_rx++] = m;
			}
		}
	}
	if (unlikely(nb_bad > 0))
		rte_pktmbuf_free_bulk(bad, nb_bad);

	q->stats.packets += nb_rx;
	q->stats.bytes += bytes;
	vmq_split_hold_interrupts(q);
	if (q->nb_free >= VMQ_RX_REFILL_MIN && !q->broken)
		vmq_split_refill_k(q, kind);
	return nb_rx;
}

uint16_t
vmq_split_refill(struct vmq *q)
{
	switch (q->kind) {
	case VMAP_KIND_VA:
		return vmq_split_refill_k(q, VMAP_KIND_VA);
	case VMAP_KIND_PA:
		return vmq_split_refill_k(q, VMAP_KIND_PA);
	default:
		return vmq_split_refill_k(q, VMAP_KIND_OPS);
	}
}

uint16_t
vmq_split_rx_va(void *q, struct rte_mbuf **pkts, uint16_t n)
{
	return vmq_split_rx(q, pkts, n, VMAP_KIND_VA);
}

uint16_t
vmq_split_rx_pa(void *q, struct rte_mbuf **pkts, uint16_t n)
{
	return vmq_split_rx(q, pkts, n, VMAP_KIND_PA);
}

uint16_t
vmq_split_rx_ops(void *q, struct rte_mbuf **pkts, uint16_t n)
{
	return vmq_split_rx(q, pkts, n, VMAP_KIND_OPS);
}
