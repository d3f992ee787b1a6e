/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The virtio_map authors
 */

/*
 * The split ring layout (virtio 1.2, 2.7) as the burst skeletons of
 * vmq_burst.h use it: taking and returning descriptors (a free stack, or
 * ring order with IN_ORDER), posting Rx buffers and Tx chains (plain, or
 * one descriptor pointing at an indirect table, 2.7.5.3), publishing,
 * notification (flags or event index, 2.7.10) and collecting what the
 * device used. From the device's memory only the used index and each
 * used element's id and len are read, each once, and range-checked; a
 * chain is freed from the driver's private copy of its links.
 * Private to the vmq_* data-path files.
 */

#ifndef _VMQ_SPLIT_H_
#define _VMQ_SPLIT_H_

#include <string.h>

#include "vmq_dp.h"
#include "vmq_inline.h"
#include "vmq_vec.h"

/*
 * Take a free descriptor. In order (IN_ORDER), descriptors are used in
 * ring order: the next one follows the newest in flight.
 */
static __vmq_always_inline uint16_t
vmq_split_take_desc(struct vmq *q, bool in_order)
{
	uint16_t id;

	if (in_order)
		id = (q->split.next_id + q->size - q->nb_free) & q->mask;
	else
		id = q->free_ids[q->nb_free - 1];
	q->nb_free--;
	return id;
}

/* Return the descriptors of the chain at head, from our own links. */
static __vmq_always_inline void
vmq_split_free_chain(struct vmq *q, uint16_t head, bool in_order)
{
	uint16_t c = q->extra[head].ndesc, id = head;

	if (in_order) {
		q->split.next_id = (head + c) & q->mask;
		q->nb_free += c;
		return;
	}
	for (;;) {
		q->free_ids[q->nb_free++] = id;
		if (--c == 0)
			break;
		id = q->extra[id].next;
	}
}

/* Used entries the device published that we have not consumed yet. */
static __vmq_always_inline uint16_t
vmq_split_used_pending(struct vmq *q)
{
	uint16_t used_idx = __atomic_load_n(&q->split.used->idx,
					    __ATOMIC_ACQUIRE);
	uint16_t n = used_idx - q->used_cons;

	if (unlikely(n > q->size - q->nb_free))
		return vmq_broken(q, "used index ran ahead by", n);
	return n;
}

/*
 * Notify the device if it asks for it. The avail index store must be
 * visible before we read the device's flags or event index (2.7.13.3,
 * 2.9.1): full fence. With EVENT_IDX the device names the avail index it
 * wants to hear about (avail_event, after the used ring, 2.7.10).
 */
static __vmq_always_inline void
vmq_split_notify(struct vmq *q)
{
	uint16_t event;

	rte_atomic_thread_fence(__ATOMIC_SEQ_CST);
	if (q->opts & VMQ_OPT_EVENT_IDX) {
		event = __atomic_load_n((uint16_t *)&q->split.used->ring[q->size],
					__ATOMIC_RELAXED);
		if (vmq_need_event(event, q->avail_idx, q->kick_old))
			vmq_kick(q);
		q->kick_old = q->avail_idx;
		return;
	}
	if (!(__atomic_load_n(&q->split.used->flags, __ATOMIC_RELAXED) &
	      VMQ_USED_F_NO_NOTIFY))
		vmq_kick(q);
}

/*
 * We poll and never want interrupts. With EVENT_IDX the device ignores
 * VMQ_AVAIL_F_NO_INTERRUPT and signals when the used index passes
 * used_event (after the avail ring, 2.7.10): keep it just behind what we
 * consumed, so the index it would have to pass is a whole lap away.
 */
static __vmq_always_inline void
vmq_split_hold_interrupts(struct vmq *q)
{
	/* with Rx interrupts on (vmq_intr()): at the next used entry */
	if (q->opts & VMQ_OPT_EVENT_IDX)
		__atomic_store_n(&q->split.avail->ring[q->size],
				 (uint16_t)(q->used_cons - 1 + q->intr_on),
				 __ATOMIC_RELAXED);
}

/* Start a burst of posts. */
static __vmq_always_inline void
vmq_split_post_begin(struct vmq *q, struct vmq_post *p)
{
	p->idx = q->avail_idx;
	p->n = 0;
}

/* Post one Rx buffer, mapped to seg. */
static __vmq_always_inline void
vmq_split_post_rx(struct vmq *q, struct vmq_post *p, struct rte_mbuf *m,
		  const struct rte_vmap_seg *seg, enum rte_vmap_kind kind)
{
	const bool in_order = q->opts & VMQ_OPT_IN_ORDER;
	uint16_t id = vmq_split_take_desc(q, in_order);
	struct vmq_desc *d = &q->split.desc[id];

	d->addr = vmq_map_rx_addr(q, id, m, seg, kind);
	d->len = q->rx_room;
	d->flags = VMQ_DESC_F_WRITE;
	q->extra[id].m = m;
	q->extra[id].ndesc = 1;
	q->split.avail->ring[p->idx++ & q->mask] = id;
	p->n++;
}

/*
 * In order, can four Rx buffers go as one group: a SIMD build, four to
 * post, their descriptors one cache line of the table and their avail
 * entries one 8-byte slot of the ring?
 */
static __vmq_always_inline bool
vmq_split_group_at(const struct vmq *q, const struct vmq_post *p,
		   uint16_t left)
{
	uint16_t id = (q->split.next_id + q->size - q->nb_free) & q->mask;

	return VMQ_VEC && (q->opts & VMQ_OPT_IN_ORDER) &&
	       left >= VMQ_VEC_GROUP && q->size >= VMQ_VEC_GROUP &&
	       (id & (VMQ_VEC_GROUP - 1)) == 0 &&
	       (p->idx & (VMQ_VEC_GROUP - 1)) == 0;
}

/*
 * Store a group of four one-descriptor buffers (in order, checked by
 * vmq_split_group_at()) from descriptor first, which the caller took:
 * lo[] and hi[] the halves of each descriptor, m[] their mbufs.
 */
static __vmq_always_inline void
vmq_split_store_group(struct vmq *q, struct vmq_post *p, uint16_t first,
		      const uint64_t lo[VMQ_VEC_GROUP],
		      const uint64_t hi[VMQ_VEC_GROUP],
		      struct rte_mbuf *const m[VMQ_VEC_GROUP])
{
	uint64_t ring = 0;
	uint16_t i, id;

	for (i = 0; i < VMQ_VEC_GROUP; i++) {
		id = first + i;
		q->extra[id].m = m[i];
		q->extra[id].ndesc = 1;
		ring |= (uint64_t)id << (16 * i);
	}
	q->nb_free -= VMQ_VEC_GROUP - 1;	/* one taken by the caller */
	vmq_vec_store4(&q->split.desc[first], lo, hi);
	/* the avail ring's entries are 2-byte aligned only */
	memcpy(&q->split.avail->ring[p->idx & q->mask], &ring, sizeof(ring));
	p->idx += VMQ_VEC_GROUP;
	p->n += VMQ_VEC_GROUP;
}

/* Post four Rx buffers, mapped to seg[], as one group (in order). */
static __vmq_always_inline void
vmq_split_post_rx4(struct vmq *q, struct vmq_post *p, struct rte_mbuf **m,
		   const struct rte_vmap_seg *seg, enum rte_vmap_kind kind)
{
	uint64_t addr[VMQ_VEC_GROUP], hi[VMQ_VEC_GROUP];
	uint16_t i, first = vmq_split_take_desc(q, true);

	for (i = 0; i < VMQ_VEC_GROUP; i++) {
		addr[i] = vmq_map_rx_addr(q, first + i, m[i], &seg[i], kind);
		hi[i] = q->rx_room | (uint64_t)VMQ_DESC_F_WRITE << 32;
	}
	vmq_split_store_group(q, p, first, addr, hi, m);
}

/*
 * Post four Tx packets as one group (in order), each one descriptor at
 * addr[i] of len[i] bytes: its header pushed into the headroom, va or pa.
 */
static __vmq_always_inline void
vmq_split_post_tx4(struct vmq *q, struct vmq_post *p,
		   const uint64_t addr[VMQ_VEC_GROUP],
		   const uint32_t len[VMQ_VEC_GROUP],
		   struct rte_mbuf *const m[VMQ_VEC_GROUP])
{
	uint64_t hi[VMQ_VEC_GROUP];
	uint16_t i, first = vmq_split_take_desc(q, true);

	for (i = 0; i < VMQ_VEC_GROUP; i++)
		hi[i] = len[i];		/* no flags, no next */
	vmq_split_store_group(q, p, first, addr, hi, m);
}

/* The indirect table of head. */
static __vmq_always_inline struct vmq_desc *
vmq_split_indir(struct vmq *q, uint16_t head)
{
	return (struct vmq_desc *)q->indir +
	       (size_t)head * (1u + q->max_segs);
}

/*
 * Post one Tx packet mapped to segs: one descriptor (header pushed into
 * the headroom), one descriptor for an indirect table of header slot and
 * segments, or a chain of header slot and segments.
 */
static __vmq_always_inline void
vmq_split_post_tx(struct vmq *q, struct vmq_post *p, struct rte_mbuf *m,
		  const struct rte_vmap_seg *segs, uint16_t nsegs, bool push,
		  enum rte_vmap_kind kind)
{
	const bool in_order = q->opts & VMQ_OPT_IN_ORDER;
	const bool indirect = q->opts & VMQ_OPT_INDIRECT;
	uint16_t head, id, prev, j;
	struct vmq_desc *d, *t;

	head = vmq_split_take_desc(q, in_order);
	d = &q->split.desc[head];
	q->extra[head].m = m;
	q->extra[head].ndesc = 1;
	vmq_map_tx_keep(q, head, segs, nsegs, kind);
	q->split.avail->ring[p->idx++ & q->mask] = head;
	p->n++;
	if (push) {
		d->addr = segs[0].dev_addr;
		d->len = segs[0].len;
		d->flags = 0;
		return;
	}
	vmq_net_hdr_tx(&q->hdrs[head], m, q->tx_csum);
	if (indirect) {
		t = vmq_split_indir(q, head);
		t[0].addr = q->hdrs_iova + (rte_iova_t)head * q->hdr_size;
		t[0].len = q->hdr_size;
		t[0].flags = VMQ_DESC_F_NEXT;
		t[0].next = 1;
		for (j = 0; j < nsegs; j++) {
			t[j + 1].addr = segs[j].dev_addr;
			t[j + 1].len = segs[j].len;
			t[j + 1].flags = j + 1 < nsegs ? VMQ_DESC_F_NEXT : 0;
			t[j + 1].next = j + 2;
		}
		d->addr = q->indir_iova + (rte_iova_t)head *
			  (1u + q->max_segs) * sizeof(*t);
		d->len = (nsegs + 1) * sizeof(*t);
		d->flags = VMQ_DESC_F_INDIRECT;
		return;
	}
	d->addr = q->hdrs_iova + (rte_iova_t)head * q->hdr_size;
	d->len = q->hdr_size;
	prev = head;
	for (j = 0; j < nsegs; j++) {
		id = vmq_split_take_desc(q, in_order);
		q->extra[prev].next = id;
		q->split.desc[prev].flags = VMQ_DESC_F_NEXT;
		q->split.desc[prev].next = id;
		q->split.desc[id].addr = segs[j].dev_addr;
		q->split.desc[id].len = segs[j].len;
		prev = id;
	}
	q->split.desc[prev].flags = 0;
	q->extra[head].ndesc = nsegs + 1;
}

/* Make the burst's posts visible (2.7.13.2), then notify. */
static __vmq_always_inline void
vmq_split_publish(struct vmq *q, struct vmq_post *p)
{
	if (p->n == 0)
		return;
	q->avail_idx = p->idx;
	/* descriptors and ring entries before the index */
	__atomic_store_n(&q->split.avail->idx, p->idx, __ATOMIC_RELEASE);
	vmq_split_notify(q);
}

/*
 * Rx, SIMD: take the four used elements at ring position pos (a multiple
 * of 4, covered by the used index) into b[]. Returns how many were taken:
 * 4, or fewer when the group is not all valid (then the scalar path goes
 * on from the first not taken, and names what is wrong with it).
 */
static __vmq_always_inline uint16_t
vmq_split_rx_take4(struct vmq *q, struct vmq_used_buf *b, uint16_t pos,
		   bool in_order)
{
	uint32_t len[VMQ_VEC_GROUP];
	uint16_t id[VMQ_VEC_GROUP], i;
	struct rte_mbuf *m;

	if (in_order && q->split.next_id + VMQ_VEC_GROUP > q->size)
		return 0;
	if (!vmq_vec_split_used4(q, pos, in_order, q->split.next_id, id, len))
		return 0;
	for (i = 0; i < VMQ_VEC_GROUP; i++) {
		/* one at a time: an id twice in the group is not in flight
		 * the second time */
		m = q->extra[id[i]].m;
		if (unlikely(m == NULL))
			break;
		b[i].m = m;
		b[i].len = len[i];
		b[i].id = id[i];
		q->extra[id[i]].m = NULL;
		if (in_order)
			q->split.next_id = (id[i] + 1) & q->mask;
		else
			q->free_ids[q->nb_free] = id[i];
		q->nb_free++;
	}
	return i;
}

/*
 * Rx: take up to n used buffers off the ring into b[]. Each element's id
 * and len are read once; an id not in flight (or, in order, not the next
 * one: Rx lengths are per buffer, an in-order device may not skip) or a
 * length beyond the buffer stops the queue, and that element stays on
 * the ring for the drain.
 */
static __vmq_always_inline uint16_t
vmq_split_rx_collect(struct vmq *q, struct vmq_used_buf *b, uint16_t n)
{
	const bool in_order = q->opts & VMQ_OPT_IN_ORDER;
	const struct vmq_used_elem *e;
	uint16_t i, c, pos, cons = q->used_cons;
	uint32_t id, len;

	n = RTE_MIN(n, vmq_split_used_pending(q));
	for (i = 0; i < n; i++) {
		pos = (uint16_t)(cons + i) & q->mask;
		if (VMQ_VEC && n - i >= VMQ_VEC_GROUP &&
		    (pos & (VMQ_VEC_GROUP - 1)) == 0 &&
		    pos + VMQ_VEC_GROUP <= q->size) {
			c = vmq_split_rx_take4(q, &b[i], pos, in_order);
			if (c == VMQ_VEC_GROUP) {
				i += c - 1;
				continue;
			}
			/* the rest one by one, the first not taken named */
			i += c;
			pos = (uint16_t)(cons + i) & q->mask;
		}
		e = &q->split.used->ring[pos];
		id = __atomic_load_n(&e->id, __ATOMIC_RELAXED);
		len = __atomic_load_n(&e->len, __ATOMIC_RELAXED);
		if (unlikely(id >= q->size || q->extra[id].m == NULL)) {
			vmq_broken(q, "used id out of range or not in flight:",
				   id);
			break;
		}
		if (in_order && unlikely(id != q->split.next_id)) {
			vmq_broken(q, "in-order Rx completed out of order, id",
				   id);
			break;
		}
		if (unlikely(len > q->rx_room)) {
			vmq_broken(q, "used length beyond the buffer:", len);
			break;
		}
		b[i].m = q->extra[id].m;
		b[i].len = len;
		b[i].id = id;
		q->extra[id].m = NULL;
		/* an Rx buffer is one descriptor */
		if (in_order)
			q->split.next_id = (id + 1) & q->mask;
		else
			q->free_ids[q->nb_free] = id;
		q->nb_free++;
	}
	q->used_cons = cons + i;
	vmq_split_hold_interrupts(q);
	return i;
}

/*
 * Tx: complete what the device used into r. In order, one used element
 * stands for every chain from the oldest in flight up to its id (the
 * device may batch, 2.7.8): its id must be a chain in flight, and the
 * walk follows our own chain lengths.
 */
static __vmq_always_inline void
vmq_split_reclaim(struct vmq *q, struct vmq_reclaim *r, enum rte_vmap_kind kind)
{
	const bool in_order = q->opts & VMQ_OPT_IN_ORDER;
	uint16_t i, n, head;
	uint32_t id;

	n = vmq_split_used_pending(q);
	for (i = 0; i < n; i++) {
		id = __atomic_load_n(&q->split.used->ring[(uint16_t)
				     (q->used_cons + i) & q->mask].id,
				     __ATOMIC_RELAXED);
		if (unlikely(id >= q->size || q->extra[id].m == NULL)) {
			vmq_broken(q, "used id out of range or not in flight:",
				   id);
			break;
		}
		if (!in_order) {
			vmq_reclaim_add(q, r, id, kind);
			vmq_split_free_chain(q, id, false);
			continue;
		}
		do {
			head = q->split.next_id;
			vmq_reclaim_add(q, r, head, kind);
			vmq_split_free_chain(q, head, true);
		} while (head != id);
	}
	q->used_cons += i;
	vmq_split_hold_interrupts(q);
}

#endif /* _VMQ_SPLIT_H_ */
