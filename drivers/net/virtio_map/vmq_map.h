/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The virtio_map authors
 */

/*
 * The one place where buffers become device addresses and back, per
 * direction: vmq_map_rx() / vmq_unmap_rx() and vmq_map_tx() /
 * vmq_unmap_tx(). For "va" and "pa" the address is computed inline (no
 * call, nothing to undo); every other kind goes through the map ops once
 * per burst (once per buffer with devarg map_batch=0). What was handed
 * out is kept in the queue's private state (struct vmq_seg), and
 * unmapping uses that alone, never an address read back from ring
 * memory. Private to the vmq_* data-path files.
 */

#ifndef _VMQ_MAP_H_
#define _VMQ_MAP_H_

#include <rte_branch_prediction.h>
#include <rte_mbuf.h>

#include "vmap_umem.h"
#include "vmq.h"
#include "vmq_inline.h"

/*
 * The ops kinds' map and unmap calls: a whole burst per call, or with
 * map_one (devarg map_batch=0) one buffer per call, as an API that maps
 * a page at a time would; that mode exists to measure what batching
 * saves.
 */
static __vmq_always_inline uint16_t
vmq_ops_map(struct vmq *q, struct rte_vmap_seg *segs, uint16_t n,
	    enum rte_vmap_dir dir)
{
	uint16_t i;

	if (likely(!q->map_one))
		return vmap_map(&q->mq, segs, n, dir);
	for (i = 0; i < n; i++)
		if (vmap_map(&q->mq, &segs[i], 1, dir) != 1)
			break;
	return i;
}

/* Unmap, batched as vmq_ops_map() maps. */
static __vmq_always_inline void
vmq_ops_unmap(struct vmq *q, const struct rte_vmap_seg *segs, uint16_t n,
	      enum rte_vmap_dir dir)
{
	uint16_t i;

	if (likely(!q->map_one)) {
		vmap_unmap(&q->mq, segs, n, dir);
		return;
	}
	for (i = 0; i < n; i++)
		vmap_unmap(&q->mq, &segs[i], 1, dir);
}

/*
 * The one ACTIVE area of q's device memory into a, for the fused fast
 * paths below; false when there are none or several (then the general
 * path maps).
 */
static __vmq_always_inline bool
vmq_umem_one(struct vmq *q, struct vmap_umem_snap *a)
{
	struct vmap_umem_snap um[VMAP_UMEM_MAX];

	if (q->umem == NULL || vmap_umem_snapshot(q->umem, um) != 1)
		return false;
	*a = um[0];
	return true;
}

/* Is [p, p + len) inside area a: its domain address into *dev_addr. */
static __vmq_always_inline bool
vmq_umem_in(const struct vmap_umem_snap *a, uintptr_t p, uint32_t len,
	    rte_iova_t *dev_addr)
{
	*dev_addr = p + a->delta;
	return vmap_umem_snap_holds(a, p, len);
}

/*
 * map=vduse with registered memory (vmap_umem.h): when every buffer of a
 * burst lies in an active area, give the device their domain addresses
 * here, with no call into the kind, and count them in flight as the
 * kind's map would. Else nothing is done (false) and the burst goes to
 * the kind, which handles areas too. Unmapping such a buffer only counts
 * it back (vmq_umem_put()): the device worked on it in place.
 */
static __vmq_always_inline bool
vmq_umem_map(struct vmq *q, struct rte_vmap_seg *segs, uint16_t n)
{
	struct vmap_umem_snap um[VMAP_UMEM_MAX];
	uint32_t nb = vmap_umem_snapshot(q->umem, um);
	uint16_t i;
	int k;

	if (nb == 0)
		return false;
	if (likely(nb == 1)) {
		/* one area (chains the fused paths leave): no search */
		for (i = 0; i < n; i++)
			if (unlikely(!vmq_umem_in(&um[0],
						  (uintptr_t)segs[i].addr,
						  segs[i].len,
						  &segs[i].dev_addr)))
				return false;
		q->umem_live[um[0].slot] += n;
		return true;
	}
	for (i = 0; i < n; i++) {
		k = vmap_umem_snap_find(um, nb, segs[i].addr, segs[i].len);
		if (k < 0)
			return false;
		segs[i].dev_addr = (uintptr_t)segs[i].addr + um[k].delta;
		um[k].n++;
	}
	for (k = 0; k < (int)nb; k++)
		q->umem_live[um[k].slot] += um[k].n;
	return true;
}

/*
 * Is dev_addr (kept at map time) in device memory: then count it in
 * back[] (VMQ_UMEM_BACK entries, zeroed per burst), for
 * vmq_umem_put_done() to take off the areas' counts once per burst.
 * um: the queue has device memory (q->umem != NULL).
 */
#define VMQ_UMEM_BACK (VMAP_UMEM_MAX + 1)	/* the last: no area's */

static __vmq_always_inline bool
vmq_umem_put(bool um, uint32_t *back, rte_iova_t dev_addr)
{
	int k;

	if (!um || dev_addr < VMAP_UMEM_IOVA_BASE)
		return false;
	k = vmap_umem_slot_of(dev_addr);
	back[k >= 0 ? k : (int)VMAP_UMEM_MAX]++;
	return true;
}

/* Take what vmq_umem_put() counted off the in-flight counts of the areas. */
static __vmq_always_inline void
vmq_umem_put_done(struct vmq *q, const uint32_t *back)
{
	unsigned int k;

	/* an address no area has: as the kind's unmap counts it */
	q->mq.stats.map_errors += back[VMAP_UMEM_MAX];
	for (k = 0; k < VMAP_UMEM_MAX; k++) {
		if (likely(back[k] == 0))
			continue;
		if (likely(q->umem_live[k] >= back[k])) {
			q->umem_live[k] -= back[k];
		} else {
			/* as the kind's unmap counts a buffer it never gave */
			q->mq.stats.map_errors += back[k] - q->umem_live[k];
			q->umem_live[k] = 0;
		}
	}
}

/* Device address of the byte at off in m's buffer, for va and pa. */
static __vmq_always_inline rte_iova_t
vmq_map_inline(const struct rte_mbuf *m, uint32_t off, enum rte_vmap_kind kind)
{
	if (kind == RTE_VMAP_KIND_PA)
		return rte_mbuf_iova_get(m) + off;
	return (rte_iova_t)(uintptr_t)m->buf_addr + off;
}

/*
 * Fill seg for the bytes [off, off + len) of m: the virtual address and,
 * for the ops kinds, the map ops' input (EAL IOVA; map writes dev_addr),
 * or for va and pa the device address itself.
 */
static __vmq_always_inline void
vmq_map_seg(struct rte_vmap_seg *seg, const struct rte_mbuf *m, uint32_t off,
	    uint32_t len, enum rte_vmap_kind kind)
{
	seg->addr = RTE_PTR_ADD(m->buf_addr, off);
	if (kind == RTE_VMAP_KIND_OPS) {
		seg->iova = rte_mbuf_iova_get(m) + off;
		seg->sync_len = 0;
	} else {
		seg->dev_addr = vmq_map_inline(m, off, kind);
	}
	seg->len = len;
}

/*
 * Rx: map n fresh buffers, each offered from hdr_size bytes before its
 * data (room for the virtio-net header) to its end: one map call for the
 * ops kinds, filling segs[]; nothing yet for va and pa, whose address
 * vmq_map_rx_addr() computes as the buffer is posted. Returns how many
 * leading buffers are mapped; the caller returns the rest to the pool.
 */
static __vmq_always_inline uint16_t
vmq_map_rx(struct vmq *q, struct rte_mbuf **mbufs, struct rte_vmap_seg *segs,
	   uint16_t n, enum rte_vmap_kind kind)
{
	struct vmap_umem_snap a;
	uint16_t i;

	if (kind != RTE_VMAP_KIND_OPS)
		return n;
	/* all in one area of device memory: addresses as va computes them */
	if (vmq_umem_one(q, &a)) {
		for (i = 0; i < n; i++)
			if (unlikely(!vmq_umem_in(&a, (uintptr_t)mbufs[i]->buf_addr +
						  mbufs[i]->data_off - q->hdr_size,
						  q->rx_room, &segs[i].dev_addr)))
				break;
		if (likely(i == n)) {
			q->umem_live[a.slot] += n;
			return n;
		}
	}
	for (i = 0; i < n; i++)
		vmq_map_seg(&segs[i], mbufs[i], mbufs[i]->data_off -
			    q->hdr_size, q->rx_room, kind);
	if (q->umem != NULL && vmq_umem_map(q, segs, n))
		return n;
	i = vmq_ops_map(q, segs, n, RTE_VMAP_FROM_DEVICE);
	if (unlikely(i < n))
		q->stats.map_refused += n - i;
	return i;
}

/*
 * Rx: the device address of buffer m, mapped by vmq_map_rx() (seg), and
 * for the ops kinds what was handed out, kept under buffer id.
 */
static __vmq_always_inline rte_iova_t
vmq_map_rx_addr(struct vmq *q, uint16_t id, const struct rte_mbuf *m,
		const struct rte_vmap_seg *seg, enum rte_vmap_kind kind)
{
	if (kind != RTE_VMAP_KIND_OPS)
		return vmq_map_inline(m, m->data_off - q->hdr_size, kind);
	/* one segment of rx_room bytes (vmq_map_rx()): the address is all
	 * there is to keep; va and pa have nothing to undo */
	q->segs[id].dev_addr = seg->dev_addr;
	return seg->dev_addr;
}

/** A buffer the device returned: its id, mbuf and the length it wrote. */
struct vmq_used_buf {
	struct rte_mbuf *m;	/**< from the private state of id */
	uint32_t len;		/**< device's length, at most rx_room */
	uint16_t id;		/**< buffer id */
};

/*
 * Rx: give n completed buffers back to the CPU: for the ops kinds one
 * unmap for the burst, from the address and length kept at post time,
 * syncing the bytes the device says it wrote (sync_len). Nothing to do for
 * va and pa.
 */
static __vmq_always_inline void
vmq_unmap_rx(struct vmq *q, const struct vmq_used_buf *b, uint16_t n,
	     enum rte_vmap_kind kind)
{
	uint32_t back[VMQ_UMEM_BACK] = { 0 };
	struct rte_vmap_seg segs[VMQ_STEP];
	const bool um = q->umem != NULL;
	uint16_t i, m = 0;
	rte_iova_t a;

	if (kind != RTE_VMAP_KIND_OPS || n == 0)
		return;
	for (i = 0; i < n; i++) {
		a = q->segs[b[i].id].dev_addr;
		if (vmq_umem_put(um, back, a))
			continue;
		segs[m].addr = RTE_PTR_ADD(b[i].m->buf_addr,
					   b[i].m->data_off - q->hdr_size);
		segs[m].dev_addr = a;
		segs[m].len = q->rx_room;	/* as mapped */
		segs[m].sync_len = b[i].len;
		m++;
	}
	if (um)
		vmq_umem_put_done(q, back);
	if (m > 0)
		vmq_ops_unmap(q, segs, m, RTE_VMAP_FROM_DEVICE);
}

/** Tx packets staged for one map call and one publish. */
struct vmq_tx_chunk {
	struct rte_vmap_seg segs[VMQ_STEP + VMQ_TSO_MAX_SEGS];	/**< buffers */
	struct rte_mbuf *pkts[VMQ_STEP];	/**< the packets */
	uint16_t pkt_segs[VMQ_STEP];	/**< segments of each packet */
	bool pkt_push[VMQ_STEP];	/**< header pushed into headroom */
	uint16_t np;			/**< packets staged */
	uint16_t ns;			/**< segments staged */
};

/*
 * Tx, the ops kinds: when every staged packet is one pushed descriptor in
 * the one area of device memory, its segment straight from the mbuf (no
 * EAL IOVA, nothing for the kind), counted in flight once.
 */
static __vmq_always_inline bool
vmq_umem_map_tx(struct vmq *q, struct vmq_tx_chunk *c)
{
	const uint16_t hdr = q->hdr_size;
	struct vmap_umem_snap a;
	struct rte_vmap_seg *sg;
	struct rte_mbuf *m;
	uint16_t i;

	if (c->ns != c->np || !vmq_umem_one(q, &a))
		return false;
	for (i = 0; i < c->np; i++) {
		m = c->pkts[i];
		sg = &c->segs[i];
		sg->addr = rte_pktmbuf_mtod_offset(m, void *, -(int)hdr);
		sg->len = m->data_len + hdr;
		if (unlikely(!c->pkt_push[i] ||
			     !vmq_umem_in(&a, (uintptr_t)sg->addr, sg->len,
					  &sg->dev_addr)))
			return false;
	}
	q->umem_live[a.slot] += c->np;
	return true;
}

/*
 * Tx: device addresses for the staged packets: one segment per packet
 * whose header goes into its headroom, else one per mbuf segment (the
 * header then has its own slot). For the ops kinds one map call; when it
 * maps fewer buffers, the whole packets that made it are kept, the rest
 * unmapped and left to the caller. Returns the packets kept.
 */
static __vmq_always_inline uint16_t
vmq_map_tx(struct vmq *q, struct vmq_tx_chunk *c, enum rte_vmap_kind kind)
{
	const uint16_t hdr = q->hdr_size;
	uint16_t i, j, k = 0, s, keep = 0, used = 0;
	struct rte_mbuf *m, *seg;

	if (kind == RTE_VMAP_KIND_OPS && vmq_umem_map_tx(q, c))
		return c->np;
	for (i = 0; i < c->np; i++) {
		m = c->pkts[i];
		if (c->pkt_push[i]) {
			vmq_map_seg(&c->segs[k++], m, m->data_off - hdr,
				    m->data_len + hdr, kind);
			continue;
		}
		for (seg = m, j = 0; j < c->pkt_segs[i]; seg = seg->next, j++)
			vmq_map_seg(&c->segs[k++], seg, seg->data_off,
				    seg->data_len, kind);
	}
	if (kind != RTE_VMAP_KIND_OPS)
		return c->np;
	if (q->umem != NULL && vmq_umem_map(q, c->segs, c->ns))
		return c->np;
	s = vmq_ops_map(q, c->segs, c->ns, RTE_VMAP_TO_DEVICE);
	if (likely(s == c->ns))
		return c->np;
	while (keep < c->np && used + c->pkt_segs[keep] <= s)
		used += c->pkt_segs[keep++];
	if (s > used)
		vmq_ops_unmap(q, &c->segs[used], s - used, RTE_VMAP_TO_DEVICE);
	q->stats.map_refused += c->np - keep;
	c->np = keep;
	return keep;
}

/*
 * Where segment j of buffer id is kept: segment 0 of every id in one
 * dense array (a packet of one segment touches one line, shared with its
 * neighbours), the other segments of Tx packets after it.
 */
static __vmq_always_inline struct vmq_seg *
vmq_seg_at(struct vmq *q, uint16_t id, uint16_t j)
{
	if (j == 0)
		return &q->segs[id];
	return &q->segs[q->size + (size_t)id * (q->max_segs - 1u) + j - 1];
}

/* What unmapping a buffer needs: its device address and length. */
static __vmq_always_inline void
vmq_keep_seg(struct vmq_seg *k, const struct rte_vmap_seg *seg)
{
	k->dev_addr = seg->dev_addr;
	k->len = seg->len;
}

/* Tx: remember what buffer id was given (ops kinds). */
static __vmq_always_inline void
vmq_map_tx_keep(struct vmq *q, uint16_t id, const struct rte_vmap_seg *segs,
		uint16_t n, enum rte_vmap_kind kind)
{
	uint16_t j;

	if (kind != RTE_VMAP_KIND_OPS)
		return;

	q->extra[id].nseg = n;
	/* segment 0 first: most packets have no other */
	vmq_keep_seg(&q->segs[id], &segs[0]);
	for (j = 1; unlikely(j < n); j++)
		vmq_keep_seg(vmq_seg_at(q, id, j), &segs[j]);
}

/* Tx: the unmap input for one kept buffer (addr is not kept for Tx). */
static __vmq_always_inline void
vmq_unmap_seg_tx(struct rte_vmap_seg *seg, const struct vmq_seg *k)
{
	seg->addr = NULL;
	seg->dev_addr = k->dev_addr;
	seg->len = k->len;
	seg->sync_len = 0;
}

/*
 * Tx: unmap the buffers of n completed ids (ops kinds), from the private
 * state (address and length as mapped), in calls of at most VMQ_STEP
 * segments. Nothing is synced back (sync_len 0): the device only read
 * them.
 */
static __vmq_always_inline void
vmq_unmap_tx(struct vmq *q, const uint16_t *ids, uint16_t n,
	     enum rte_vmap_kind kind)
{
	struct rte_vmap_seg segs[VMQ_STEP + VMQ_TSO_MAX_SEGS];
	uint32_t back[VMQ_UMEM_BACK] = { 0 };
	const bool um = q->umem != NULL;
	uint16_t i, j, ns = 0, nseg;

	if (kind != RTE_VMAP_KIND_OPS)
		return;
	for (i = 0; i < n; i++) {
		/* segment 0 first: most packets have no other */
		if (!vmq_umem_put(um, back, q->segs[ids[i]].dev_addr))
			vmq_unmap_seg_tx(&segs[ns++], &q->segs[ids[i]]);
		nseg = q->extra[ids[i]].nseg;
		for (j = 1; unlikely(j < nseg); j++)
			if (!vmq_umem_put(um, back,
					  vmq_seg_at(q, ids[i], j)->dev_addr))
				vmq_unmap_seg_tx(&segs[ns++],
						 vmq_seg_at(q, ids[i], j));
		if (unlikely(ns >= VMQ_STEP)) {
			vmq_ops_unmap(q, segs, ns, RTE_VMAP_TO_DEVICE);
			ns = 0;
		}
	}
	if (um)
		vmq_umem_put_done(q, back);
	if (ns > 0)
		vmq_ops_unmap(q, segs, ns, RTE_VMAP_TO_DEVICE);
}

#endif /* _VMQ_MAP_H_ */
