/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The virtio_map authors
 */

/*
 * Packed virtqueue (virtio 1.2, section 2.8): reset, notification, Rx
 * refill and receive, and the drain helper. Transmit and reclaim are in
 * vmq_packed_tx.c; both share the inline helpers of vmq_packed.h. Each
 * burst body is written once as an always-inline function taking the map
 * kind as a constant, and the named wrappers at the end are what vmq.c
 * dispatches to. For "va" and "pa" device addresses are computed inline;
 * other kinds go through the map ops once per burst.
 */

#include <rte_branch_prediction.h>
#include <rte_mbuf.h>

#include "vmq_packed.h"

void
vmq_packed_reset(struct vmq *q)
{
	/* a fresh ring: both wrap counters start at 1 (2.8.1) */
	q->avail_wrap = true;
	q->used_wrap = true;
	q->next_id = q->size;		/* every id on free_ids */
	q->kick_old = 1u << VMQ_PACKED_WRAP_SHIFT;
	/* we poll: the device must never signal us (2.8.10) */
	q->driver_event->off_wrap = 0;
	__atomic_store_n(&q->driver_event->flags, VMQ_EVENT_F_DISABLE,
			 __ATOMIC_RELEASE);
}

void
vmq_packed_notify(struct vmq *q)
{
	const uint16_t cur = q->avail_idx |
			     (uint16_t)q->avail_wrap << VMQ_PACKED_WRAP_SHIFT;
	uint16_t flags, off_wrap, old_idx, added, event;

	/*
	 * The descriptors (head flags last) must be visible before we read
	 * the device's suppression structure, or the device could go to
	 * sleep on a ring it has not seen fill (2.8.21.2): full fence.
	 */
	rte_atomic_thread_fence(__ATOMIC_SEQ_CST);
	flags = __atomic_load_n(&q->device_event->flags, __ATOMIC_ACQUIRE);
	off_wrap = __atomic_load_n(&q->device_event->off_wrap,
				   __ATOMIC_RELAXED);

	/* descriptors made available since the last decision (< a lap) */
	old_idx = q->kick_old & ~VMQ_PACKED_WRAP_BIT;
	added = q->avail_idx - old_idx;
	if ((q->kick_old ^ cur) & VMQ_PACKED_WRAP_BIT)
		added += q->size;
	q->kick_old = cur;

	if (flags == VMQ_EVENT_F_DISABLE)
		return;
	if (flags == VMQ_EVENT_F_DESC && (q->opts & VMQ_OPT_EVENT_IDX)) {
		/*
		 * The device wants a kick once the descriptor at off_wrap
		 * is available. An offset from the lap before ours is
		 * taken below zero, so one 16-bit comparison covers the
		 * wrap (Linux's virtqueue_kick_prepare_packed does the same).
		 */
		event = off_wrap & ~VMQ_PACKED_WRAP_BIT;
		if (!!(off_wrap & VMQ_PACKED_WRAP_BIT) != q->avail_wrap)
			event -= q->size;
		if (!vmq_need_event(event, q->avail_idx,
				    (uint16_t)(q->avail_idx - added)))
			return;
	}
	vmq_kick(q);
}

void
vmq_packed_unmap_id(struct vmq *q, uint16_t id)
{
	struct vmap_seg segs[VMQ_TX_MAX_SEGS];
	const rte_iova_t *a;
	uint16_t i, n;

	if (q->iovas == NULL)
		return;
	if (!q->is_tx) {
		/* len 0: the device wrote nothing we want */
		segs[0].addr = NULL;
		segs[0].iova = q->iovas[id];
		segs[0].len = 0;
		vmap_unmap(&q->mq, segs, 1, VMAP_FROM_DEVICE);
		return;
	}
	a = vmq_packed_tx_iovas(q, id);
	n = RTE_MIN(a[0], (rte_iova_t)VMQ_TX_MAX_SEGS);
	for (i = 0; i < n; i++) {
		segs[i].addr = NULL;
		segs[i].iova = a[i + 1];
		segs[i].len = 0;
	}
	vmap_unmap(&q->mq, segs, n, VMAP_TO_DEVICE);
}

/* ---- Rx ---- */

static __rte_always_inline uint16_t
vmq_packed_refill_k(struct vmq *q, enum vmap_kind kind)
{
	struct rte_mbuf *mbufs[VMQ_STEP];
	struct vmap_seg segs[VMQ_STEP];
	const uint16_t hdr = q->hdr_size;
	const bool in_order = q->opts & VMQ_OPT_IN_ORDER;
	const uint16_t head = q->avail_idx;
	uint16_t idx = q->avail_idx, head_flags = 0, flags;
	uint16_t total = 0, n, i, id;
	bool wrap = q->avail_wrap;
	struct vmq_pdesc *d;
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
			id = vmq_packed_take_id(q, idx, in_order);
			d = &q->pdesc[idx];
			if (kind == VMAP_KIND_OPS) {
				d->addr = segs[i].iova;
				q->iovas[id] = segs[i].iova;
			} else {
				d->addr = vmq_addr(m, off, kind);
			}
			d->len = m->buf_len - off;
			d->id = id;
			flags = VMQ_DESC_F_WRITE | vmq_packed_avail_flags(wrap);
			/* the first descriptor's flags publish the batch */
			if (total == 0 && i == 0)
				head_flags = flags;
			else
				d->flags = flags;
			q->cookie[id] = m;
			q->chain[id] = 1;
			vmq_packed_adv(&idx, &wrap, 1, q->size);
		}
		q->nb_free -= n;
		total += n;
		if (n < VMQ_STEP)
			break;
	}
	if (total == 0)
		return 0;
	q->avail_idx = idx;
	q->avail_wrap = wrap;
	/* every descriptor of the batch before its head's flags (2.8.21.1) */
	__atomic_store_n(&q->pdesc[head].flags, head_flags, __ATOMIC_RELEASE);
	vmq_packed_notify(q);
	return total;
}

static __rte_always_inline uint16_t
vmq_packed_rx(struct vmq *q, struct rte_mbuf **pkts, uint16_t nb_pkts,
	      enum vmap_kind kind)
{
	struct rte_mbuf *bufs[VMQ_STEP], *bad[VMQ_STEP], *m;
	struct vmap_seg segs[VMQ_STEP];
	uint32_t lens[VMQ_STEP], len, room;
	const uint16_t hdr = q->hdr_size;
	const bool in_order = q->opts & VMQ_OPT_IN_ORDER;
	const bool mrg = q->opts & VMQ_OPT_MRG_RXBUF;
	uint16_t cons = q->used_cons, n, i, k, id, nb_rx = 0, nb_bad = 0;
	bool wrap = q->used_wrap, was_broken;
	const struct vmq_pdesc *d;
	uint64_t bytes = 0;

	if (unlikely(q->broken))
		return 0;
	/* each buffer makes at most one packet */
	n = RTE_MIN(nb_pkts, VMQ_STEP);

	/*
	 * Take the used buffers off the ring: one descriptor each, so their
	 * used descriptors are consecutive whatever the order of ids. For
	 * va and pa the device's bytes are in the mbufs already; the ops
	 * kinds make them visible with one unmap for the burst.
	 */
	for (k = 0; k < n; k++) {
		d = &q->pdesc[cons];
		if (!vmq_packed_is_used(d, wrap))
			break;
		id = d->id;
		len = d->len;
		if (unlikely(id >= q->size || q->cookie[id] == NULL)) {
			vmq_broken(q, "used id out of range or not in use:", id);
			break;
		}
		/* Rx lengths are per buffer: an in-order device may not skip */
		if (in_order && unlikely(id != cons)) {
			vmq_broken(q, "in-order Rx completed out of order, id",
				   id);
			break;
		}
		m = q->cookie[id];
		room = m->buf_len - m->data_off + hdr;
		if (unlikely(len > room)) {
			/* left on the ring: the drain returns it */
			vmq_broken(q, "used length beyond the buffer:", len);
			break;
		}
		q->cookie[id] = NULL;
		vmq_packed_put_id(q, id, in_order);
		if (kind == VMAP_KIND_OPS) {
			segs[k].addr = RTE_PTR_ADD(m->buf_addr,
						   m->data_off - hdr);
			segs[k].iova = q->iovas[id];
			segs[k].len = len;
		}
		bufs[k] = m;
		lens[k] = len;
		vmq_packed_adv(&cons, &wrap, 1, q->size);
	}
	q->used_cons = cons;
	q->used_wrap = wrap;
	q->nb_free += k;
	if (kind == VMAP_KIND_OPS && k > 0)
		vmap_unmap(&q->mq, segs, k, VMAP_FROM_DEVICE);

	was_broken = q->broken;
	for (i = 0; i < k; i++) {
		/* a bad num_buffers spoils what follows: drop the rest */
		if (mrg && unlikely(q->broken != was_broken)) {
			bad[nb_bad++] = bufs[i];
			continue;
		}
		m = vmq_rx_one(q, bufs[i], lens[i], mrg, bad, &nb_bad);
		if (m != NULL) {
			bytes += m->pkt_len;
			pkts[nb_rx++] = m;
		}
	}
	if (unlikely(nb_bad > 0))
		rte_pktmbuf_free_bulk(bad, nb_bad);

	q->stats.packets += nb_rx;
	q->stats.bytes += bytes;
	if (q->nb_free >= VMQ_RX_REFILL_MIN && !q->broken)
		vmq_packed_refill_k(q, kind);
	return nb_rx;
}

uint16_t
vmq_packed_refill(struct vmq *q)
{
	switch (q->kind) {
	case VMAP_KIND_VA:
		return vmq_packed_refill_k(q, VMAP_KIND_VA);
	case VMAP_KIND_PA:
		return vmq_packed_refill_k(q, VMAP_KIND_PA);
	default:
		return vmq_packed_refill_k(q, VMAP_KIND_OPS);
	}
}

uint16_t
vmq_packed_rx_va(void *q, struct rte_mbuf **pkts, uint16_t n)
{
	return vmq_packed_rx(q, pkts, n, VMAP_KIND_VA);
}

uint16_t
vmq_packed_rx_pa(void *q, struct rte_mbuf **pkts, uint16_t n)
{
	return vmq_packed_rx(q, pkts, n, VMAP_KIND_PA);
}

uint16_t
vmq_packed_rx_ops(void *q, struct rte_mbuf **pkts, uint16_t n)
{
	return vmq_packed_rx(q, pkts, n, VMAP_KIND_OPS);
}
