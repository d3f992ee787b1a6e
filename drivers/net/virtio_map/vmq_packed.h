/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The virtio_map authors
 */

/*
 * The packed ring layout (virtio 1.2, 2.8) as the burst skeletons of
 * vmq_burst.h use it: descriptor flags against the wrap counters, buffer
 * ids, posting Rx buffers and Tx chains (consecutive descriptors, or one
 * pointing at an indirect table, 2.8.7), publishing with the burst's first
 * flags stored last, notification (2.8.10) and collecting what the device
 * used. From a used descriptor only its flags, id and len are read, each
 * once, and range-checked; how far it moves the ring comes from the
 * driver's private state of the id.
 *
 * Buffer ids. Without IN_ORDER they come from the free_ids stack. With
 * IN_ORDER a buffer's id is the ring slot of its first descriptor: buffers
 * complete in ring order, so the next one is always the one at used_cons.
 * Private to the vmq_* data-path files.
 */

#ifndef _VMQ_PACKED_H_
#define _VMQ_PACKED_H_

#include "vmq_dp.h"
#include "vmq_inline.h"
#include "vmq_vec.h"

/* Wrap counter bit of a position word (off_wrap, kick_old) (2.8.14). */
#define VMQ_PACKED_WRAP_SHIFT	15
#define VMQ_PACKED_WRAP_BIT	(1u << VMQ_PACKED_WRAP_SHIFT)

/*
 * Descriptors a device may handle as one group: DPDK's vhost takes its
 * cheaper batch paths (enqueue and dequeue) only for this many available
 * descriptors, each a whole buffer, from a ring slot that is a multiple
 * of it, and goes one descriptor at a time otherwise.
 */
#define VMQ_PACKED_BATCH	4

/* The two wrap flags of a descriptor. */
#define VMQ_PACKED_WRAP_FLAGS	(VMQ_DESC_F_AVAIL | VMQ_DESC_F_USED)

/* Flags that make a descriptor available in the lap of wrap (2.8.1). */
static __vmq_always_inline uint16_t
vmq_packed_avail_flags(bool wrap)
{
	return wrap ? VMQ_DESC_F_AVAIL : VMQ_DESC_F_USED;
}

/* Wrap flags of a descriptor the device used in the lap of wrap (2.8.1). */
static __vmq_always_inline uint16_t
vmq_packed_used_flags(bool wrap)
{
	return wrap ? VMQ_PACKED_WRAP_FLAGS : 0;
}

/*
 * Has the device used descriptor d in the lap of wrap: AVAIL and USED
 * both equal to the used wrap counter (2.8.1)? Acquire: the id and length
 * are read after the flags (2.8.22). Other flag bits are ignored: NEXT is
 * reserved in used descriptors (2.8.6), and DPDK's vhost leaves the
 * available descriptor's flags in the used one it writes for an in-order
 * batch.
 */
static __vmq_always_inline bool
vmq_packed_desc_used(const struct vmq_pdesc *d, uint16_t used_flags)
{
	uint16_t f = __atomic_load_n(&d->flags, __ATOMIC_ACQUIRE);

	return (f & VMQ_PACKED_WRAP_FLAGS) == used_flags;
}

/* The same, from the wrap counter. */
static __vmq_always_inline bool
vmq_packed_is_used(const struct vmq_pdesc *d, bool wrap)
{
	return vmq_packed_desc_used(d, vmq_packed_used_flags(wrap));
}

/*
 * Move a ring position n descriptors on (n <= size), flipping its wrap
 * and, with it, the wrap flags the loops compare or store (wflags). The
 * counter could be derived from the flags, but carrying both is cheaper:
 * deriving it cost 3.4 instructions per packet (callgrind, 64 B packed).
 */
static __vmq_always_inline void
vmq_packed_adv(uint16_t *idx, bool *wrap, uint16_t *wflags, uint16_t n,
	       uint16_t size)
{
	*idx += n;
	if (unlikely(*idx >= size)) {
		*idx -= size;
		*wrap = !*wrap;
		*wflags ^= VMQ_PACKED_WRAP_FLAGS;
	}
}

/*
 * Id for a buffer whose first descriptor goes at ring slot. The caller
 * has checked that enough descriptors are free, and ids in use never
 * outnumber descriptors in use, so the stack is never empty.
 */
static __vmq_always_inline uint16_t
vmq_packed_take_id(struct vmq *q, uint16_t slot, bool in_order)
{
	return in_order ? slot : q->free_ids[--q->packed.nb_free_ids];
}

/* Return the id of a completed buffer and its descriptors. */
static __vmq_always_inline void
vmq_packed_put_id(struct vmq *q, uint16_t id, bool in_order)
{
	q->nb_free += q->extra[id].ndesc;
	if (!in_order)
		q->free_ids[q->packed.nb_free_ids++] = id;
}

/**
 * Kick the device if it asks for it (2.8.10): never with DISABLE, always
 * with ENABLE, and with DESC (EVENT_IDX) only when what was made
 * available since the last decision passes the descriptor it named.
 * Call after publishing, once per burst.
 */
void vmq_packed_notify(struct vmq *q);

/* Start a burst of posts. */
static __vmq_always_inline void
vmq_packed_post_begin(struct vmq *q, struct vmq_post *p)
{
	p->idx = q->avail_idx;
	p->wrap = q->packed.avail_wrap;
	p->flags = vmq_packed_avail_flags(p->wrap);
	p->head = q->avail_idx;
	p->head_flags = 0;
	p->n = 0;
}

/* Store a buffer's first flags; the burst's very first wait (2.8.21.1). */
static __vmq_always_inline void
vmq_packed_set_first_flags(struct vmq *q, struct vmq_post *p, uint16_t slot,
			   uint16_t flags)
{
	if (p->n == 0)
		p->head_flags = flags;
	else
		q->packed.desc[slot].flags = flags;
	p->n++;
}

/* Post one Rx buffer, mapped to seg. */
static __vmq_always_inline void
vmq_packed_post_rx(struct vmq *q, struct vmq_post *p, struct rte_mbuf *m,
		   const struct rte_vmap_seg *seg, enum rte_vmap_kind kind)
{
	const bool in_order = q->opts & VMQ_OPT_IN_ORDER;
	uint16_t slot = p->idx, id = vmq_packed_take_id(q, slot, in_order);
	struct vmq_pdesc *d = &q->packed.desc[slot];
	uint16_t flags;

	d->addr = vmq_map_rx_addr(q, id, m, seg, kind);
	d->len = q->rx_room;
	d->id = id;
	q->extra[id].m = m;
	q->extra[id].ndesc = 1;
	q->nb_free--;
	flags = VMQ_DESC_F_WRITE | p->flags;
	vmq_packed_adv(&p->idx, &p->wrap, &p->flags, 1, q->size);
	vmq_packed_set_first_flags(q, p, slot, flags);
}

/*
 * Can a group of four descriptors go from slot idx in one store: a SIMD
 * build, four to post, and the group in one cache line of this lap?
 */
static __vmq_always_inline bool
vmq_packed_group_at(const struct vmq *q, uint16_t idx, uint16_t left)
{
	return VMQ_VEC && left >= VMQ_VEC_GROUP &&
	       (idx & (VMQ_VEC_GROUP - 1)) == 0 &&
	       idx + VMQ_VEC_GROUP <= q->size;
}

/*
 * Store a group of four one-descriptor buffers at p's slot (checked by
 * vmq_packed_group_at()) and account for them. The burst's first
 * descriptor is stored as the device last left it (used in the lap
 * before, so not available) and made available by
 * vmq_packed_publish(), after everything else.
 */
static __vmq_always_inline void
vmq_packed_store_group(struct vmq *q, struct vmq_post *p,
		       const uint64_t addr[VMQ_VEC_GROUP],
		       const uint32_t len[VMQ_VEC_GROUP],
		       struct rte_mbuf *const m[VMQ_VEC_GROUP], uint16_t flags)
{
	const bool in_order = q->opts & VMQ_OPT_IN_ORDER;
	uint64_t hi[VMQ_VEC_GROUP];
	uint16_t i, id, f;

	for (i = 0; i < VMQ_VEC_GROUP; i++) {
		id = vmq_packed_take_id(q, p->idx + i, in_order);
		q->extra[id].m = m[i];
		q->extra[id].ndesc = 1;
		f = flags;
		if (i == 0 && p->n == 0) {
			p->head_flags = flags;
			f = vmq_packed_used_flags(!p->wrap);
		}
		hi[i] = len[i] | (uint64_t)id << 32 | (uint64_t)f << 48;
	}
	vmq_vec_store4(&q->packed.desc[p->idx], addr, hi);
	q->nb_free -= VMQ_VEC_GROUP;
	p->n += VMQ_VEC_GROUP;
	vmq_packed_adv(&p->idx, &p->wrap, &p->flags, VMQ_VEC_GROUP, q->size);
}

/* The id vmq_packed_store_group() will take for the i-th of its group. */
static __vmq_always_inline uint16_t
vmq_packed_group_id(const struct vmq *q, const struct vmq_post *p, uint16_t i)
{
	if (q->opts & VMQ_OPT_IN_ORDER)
		return p->idx + i;
	return q->free_ids[q->packed.nb_free_ids - 1 - i];
}

/* Post four Rx buffers, mapped to seg[], as one group. */
static __vmq_always_inline void
vmq_packed_post_rx4(struct vmq *q, struct vmq_post *p, struct rte_mbuf **m,
		    const struct rte_vmap_seg *seg, enum rte_vmap_kind kind)
{
	uint64_t addr[VMQ_VEC_GROUP];
	uint32_t len[VMQ_VEC_GROUP];
	uint16_t i;

	for (i = 0; i < VMQ_VEC_GROUP; i++) {
		addr[i] = vmq_map_rx_addr(q, vmq_packed_group_id(q, p, i), m[i],
					  &seg[i], kind);
		len[i] = q->rx_room;
	}
	vmq_packed_store_group(q, p, addr, len, m, VMQ_DESC_F_WRITE | p->flags);
}

/*
 * Post four Tx packets as one group, each one descriptor with its header
 * pushed into the headroom (seg[i]: the whole frame).
 */
static __vmq_always_inline void
vmq_packed_post_tx4(struct vmq *q, struct vmq_post *p, struct rte_mbuf **m,
		    const struct rte_vmap_seg *seg, enum rte_vmap_kind kind)
{
	uint64_t addr[VMQ_VEC_GROUP];
	uint32_t len[VMQ_VEC_GROUP];
	uint16_t i;

	for (i = 0; i < VMQ_VEC_GROUP; i++) {
		vmq_map_tx_keep(q, vmq_packed_group_id(q, p, i), &seg[i], 1,
				kind);
		addr[i] = seg[i].dev_addr;
		len[i] = seg[i].len;
	}
	vmq_packed_store_group(q, p, addr, len, m, p->flags);
}

/* The indirect table of buffer id. */
static __vmq_always_inline struct vmq_pdesc *
vmq_packed_indir(struct vmq *q, uint16_t id)
{
	return (struct vmq_pdesc *)q->indir +
	       (size_t)id * (1u + q->max_segs);
}

/*
 * Post one Tx packet mapped to segs: one descriptor (header pushed into
 * the headroom), one for an indirect table of header slot and segments,
 * or consecutive descriptors of header slot and segments, each carrying
 * the id (2.8.6 wants it in the last; DPDK's vhost reads every one).
 */
static __vmq_always_inline void
vmq_packed_post_tx(struct vmq *q, struct vmq_post *p, struct rte_mbuf *m,
		   const struct rte_vmap_seg *segs, uint16_t nsegs, bool push,
		   enum rte_vmap_kind kind)
{
	const bool in_order = q->opts & VMQ_OPT_IN_ORDER;
	const bool indirect = q->opts & VMQ_OPT_INDIRECT;
	uint16_t slot = p->idx, id, j, c, s = p->idx;
	uint16_t flags = p->flags, wf = p->flags;
	struct vmq_pdesc *d = &q->packed.desc[slot], *t;
	bool w = p->wrap;

	id = vmq_packed_take_id(q, slot, in_order);
	q->extra[id].m = m;
	vmq_map_tx_keep(q, id, segs, nsegs, kind);
	d->id = id;
	if (push) {
		d->addr = segs[0].dev_addr;
		d->len = segs[0].len;
		c = 1;
	} else if (indirect) {
		/* chained implicitly, no flags (2.8.7) */
		vmq_net_hdr_tx(&q->hdrs[id], m, q->tx_csum);
		t = vmq_packed_indir(q, id);
		t[0].addr = q->hdrs_iova + (rte_iova_t)id * q->hdr_size;
		t[0].len = q->hdr_size;
		t[0].id = 0;
		t[0].flags = 0;
		for (j = 0; j < nsegs; j++) {
			t[j + 1].addr = segs[j].dev_addr;
			t[j + 1].len = segs[j].len;
			t[j + 1].id = 0;
			t[j + 1].flags = 0;
		}
		d->addr = q->indir_iova + (rte_iova_t)id *
			  (1u + q->max_segs) * sizeof(*t);
		d->len = (nsegs + 1) * sizeof(*t);
		flags |= VMQ_DESC_F_INDIRECT;
		c = 1;
	} else {
		vmq_net_hdr_tx(&q->hdrs[id], m, q->tx_csum);
		d->addr = q->hdrs_iova + (rte_iova_t)id * q->hdr_size;
		d->len = q->hdr_size;
		flags |= VMQ_DESC_F_NEXT;
		for (j = 0; j < nsegs; j++) {
			vmq_packed_adv(&s, &w, &wf, 1, q->size);
			t = &q->packed.desc[s];
			t->addr = segs[j].dev_addr;
			t->len = segs[j].len;
			t->id = id;
			t->flags = wf | (j + 1 < nsegs ? VMQ_DESC_F_NEXT : 0);
		}
		c = nsegs + 1;
	}
	q->extra[id].ndesc = c;
	q->nb_free -= c;
	vmq_packed_adv(&p->idx, &p->wrap, &p->flags, c, q->size);
	vmq_packed_set_first_flags(q, p, slot, flags);
}

/* Make the burst's posts visible (2.8.21.1), then notify. */
static __vmq_always_inline void
vmq_packed_publish(struct vmq *q, struct vmq_post *p)
{
	if (p->n == 0)
		return;
	q->avail_idx = p->idx;
	q->packed.avail_wrap = p->wrap;
	/* every descriptor of the burst before its head's flags */
	__atomic_store_n(&q->packed.desc[p->head].flags, p->head_flags,
			 __ATOMIC_RELEASE);
	vmq_packed_notify(q);
}

/*
 * Rx, SIMD: take the group of four used buffers at slot cons (checked by
 * vmq_packed_group_at()) into b[]. Returns how many were taken: 4, or
 * fewer when the group is not all used and valid (then the scalar path
 * goes on from the first not taken, and names what is wrong with it).
 */
static __vmq_always_inline uint16_t
vmq_packed_rx_take4(struct vmq *q, struct vmq_used_buf *b, uint16_t cons,
		    uint16_t want, bool in_order)
{
	uint32_t len[VMQ_VEC_GROUP];
	uint16_t id[VMQ_VEC_GROUP], i;
	struct rte_mbuf *m;

	if (!vmq_vec_packed_used4(q, cons, want, in_order, id, len))
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
		if (!in_order)
			q->free_ids[q->packed.nb_free_ids++] = id[i];
	}
	return i;
}

/*
 * Rx: take up to n used buffers off the ring into b[]. One descriptor
 * each, so their used descriptors are consecutive whatever the order of
 * ids. An id not in flight (or, in order, not the one at this slot), or
 * a length beyond the buffer, stops the queue; that descriptor stays on
 * the ring for the drain.
 */
static __vmq_always_inline uint16_t
vmq_packed_rx_collect(struct vmq *q, struct vmq_used_buf *b, uint16_t n)
{
	const bool in_order = q->opts & VMQ_OPT_IN_ORDER;
	uint16_t cons = q->used_cons, k;
	bool wrap = q->packed.used_wrap;
	uint16_t want = vmq_packed_used_flags(wrap);
	const struct vmq_pdesc *d;
	uint16_t id, c;
	uint32_t len;

	for (k = 0; k < n; k++) {
		if (vmq_packed_group_at(q, cons, n - k)) {
			c = vmq_packed_rx_take4(q, &b[k], cons, want, in_order);
			if (c == VMQ_VEC_GROUP) {
				vmq_packed_adv(&cons, &wrap, &want, c, q->size);
				k += c - 1;
				continue;
			}
			/* the rest one by one, the first not taken named */
			k += c;
			vmq_packed_adv(&cons, &wrap, &want, c, q->size);
		}
		d = &q->packed.desc[cons];
		if (!vmq_packed_desc_used(d, want))
			break;
		id = __atomic_load_n(&d->id, __ATOMIC_RELAXED);
		len = __atomic_load_n(&d->len, __ATOMIC_RELAXED);
		if (unlikely(id >= q->size || q->extra[id].m == NULL)) {
			vmq_broken(q, "used id out of range or not in flight:",
				   id);
			break;
		}
		if (in_order && unlikely(id != cons)) {
			vmq_broken(q, "in-order Rx completed out of order, id",
				   id);
			break;
		}
		if (unlikely(len > q->rx_room)) {
			vmq_broken(q, "used length beyond the buffer:", len);
			break;
		}
		b[k].m = q->extra[id].m;
		b[k].len = len;
		b[k].id = id;
		q->extra[id].m = NULL;
		/* an Rx buffer is one descriptor */
		if (!in_order)
			q->free_ids[q->packed.nb_free_ids++] = id;
		vmq_packed_adv(&cons, &wrap, &want, 1, q->size);
	}
	q->used_cons = cons;
	q->packed.used_wrap = wrap;
	q->nb_free += k;
	return k;
}

/*
 * Tx: complete what the device used into r. The device writes one used
 * descriptor per buffer and skips the rest of its chain (2.8.6); how many
 * it skips is our own count. In order, one used descriptor stands for
 * every buffer from used_cons up to its id (2.8.8: the device may batch):
 * its id must be a buffer in flight.
 */
static __vmq_always_inline void
vmq_packed_reclaim(struct vmq *q, struct vmq_reclaim *r, enum rte_vmap_kind kind)
{
	const bool in_order = q->opts & VMQ_OPT_IN_ORDER;
	uint16_t cons = q->used_cons, id, head, c;
	bool wrap = q->packed.used_wrap;
	uint16_t want = vmq_packed_used_flags(wrap);
	const struct vmq_pdesc *d;

	while (q->nb_free < q->size) {
		d = &q->packed.desc[cons];
		if (!vmq_packed_desc_used(d, want))
			break;
		id = __atomic_load_n(&d->id, __ATOMIC_RELAXED);
		if (unlikely(id >= q->size || q->extra[id].m == NULL)) {
			vmq_broken(q, "used id out of range or not in flight:",
				   id);
			break;
		}
		do {
			head = in_order ? cons : id;
			c = q->extra[head].ndesc;
			vmq_reclaim_add(q, r, head, kind);
			vmq_packed_put_id(q, head, in_order);
			vmq_packed_adv(&cons, &wrap, &want, c, q->size);
		} while (head != id);
	}
	q->used_cons = cons;
	q->packed.used_wrap = wrap;
}

#endif /* _VMQ_PACKED_H_ */
