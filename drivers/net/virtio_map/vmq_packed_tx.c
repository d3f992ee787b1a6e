/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The virtio_map authors
 */

/*
 * Packed virtqueue transmit path (virtio 1.2, 2.8): stage, map once per
 * burst, write descriptors with the burst's first flags last, notify;
 * reclaim what the device used. Multi-descriptor packets go out as a
 * chain of consecutive descriptors, each carrying the buffer id (2.8.6
 * wants it in the last; DPDK's vhost reads it from every one) or, with
 * INDIRECT_DESC, as one descriptor pointing at the id's indirect table
 * (2.8.7) in coherent memory. With IN_ORDER one used descriptor may
 * complete every buffer up to its id (2.8.8: the device may batch).
 */

#include <rte_branch_prediction.h>
#include <rte_mbuf.h>

#include "vmq_packed.h"

/* The indirect table of buffer id. */
static __rte_always_inline struct vmq_pdesc *
vmq_packed_indir(struct vmq *q, uint16_t id)
{
	return (struct vmq_pdesc *)q->indir + (size_t)id * VMQ_INDIRECT_MAX;
}

/* Collect for unmapping the mapped segments of buffer id. */
static __rte_always_inline uint16_t
vmq_packed_id_segs(struct vmq *q, uint16_t id, struct vmap_seg *segs)
{
	const rte_iova_t *a = vmq_packed_tx_iovas(q, id);
	uint16_t n = a[0], i;

	for (i = 0; i < n; i++) {
		segs[i].addr = NULL;
		segs[i].iova = a[i + 1];
		segs[i].len = 0;
	}
	return n;
}

/*
 * In order, the used descriptor at used_cons completes every buffer from
 * there up to id. Check that id is one of those in flight before freeing
 * anything. Returns the descriptors they hold, 0 if id is not one.
 */
static __rte_always_inline uint16_t
vmq_packed_batch_len(struct vmq *q, uint16_t id)
{
	uint16_t inflight = q->size - q->nb_free, total = 0;
	uint16_t cur = q->used_cons;

	for (;;) {
		if (unlikely(q->cookie[cur] == NULL))
			return 0;
		total += q->chain[cur];
		if (unlikely(total > inflight))
			return 0;
		if (cur == id)
			return total;
		cur = (cur + q->chain[cur]) & q->mask;
	}
}

static __rte_always_inline void
vmq_packed_reclaim(struct vmq *q, enum vmap_kind kind)
{
	struct vmap_seg segs[VMQ_STEP + VMQ_TX_MAX_SEGS];
	const bool in_order = q->opts & VMQ_OPT_IN_ORDER;
	struct rte_mbuf *done[VMQ_STEP];
	uint16_t id, head, c, nb_done = 0, ns = 0;
	const struct vmq_pdesc *d;
	bool last;

	while (q->nb_free < q->size) {
		d = &q->pdesc[q->used_cons];
		if (!vmq_packed_is_used(d, q->used_wrap))
			break;
		id = d->id;
		if (unlikely(id >= q->size || q->cookie[id] == NULL)) {
			vmq_broken(q, "used id out of range or not in use:", id);
			break;
		}
		if (in_order && unlikely(vmq_packed_batch_len(q, id) == 0)) {
			vmq_broken(q, "in-order used id not in flight:", id);
			break;
		}
		/* in order, one used descriptor may stand for a batch */
		do {
			head = in_order ? q->used_cons : id;
			last = head == id;
			c = q->chain[head];
			if (kind == VMAP_KIND_OPS)
				ns += vmq_packed_id_segs(q, head, &segs[ns]);
			done[nb_done++] = q->cookie[head];
			q->cookie[head] = NULL;
			vmq_packed_put_id(q, head, in_order);
			/* the device skips the rest of the chain (2.8.6) */
			vmq_packed_adv(&q->used_cons, &q->used_wrap, c,
				       q->size);
			q->nb_free += c;
			if (nb_done == VMQ_STEP || ns >= VMQ_STEP) {
				/* unmap before the mbufs can be reused */
				if (kind == VMAP_KIND_OPS)
					vmap_unmap(&q->mq, segs, ns,
						   VMAP_TO_DEVICE);
				rte_pktmbuf_free_bulk(done, nb_done);
				nb_done = 0;
				ns = 0;
			}
		} while (!last);
	}
	if (kind == VMAP_KIND_OPS && ns > 0)
		vmap_unmap(&q->mq, segs, ns, VMAP_TO_DEVICE);
	if (nb_done > 0)
		rte_pktmbuf_free_bulk(done, nb_done);
}

/*
 * Write one staged packet's descriptors from position *idx and move it
 * on. Returns the flags of its first descriptor, which the caller stores:
 * the burst's very first one last of all (2.8.21.1).
 */
static __rte_always_inline uint16_t
vmq_packed_write(struct vmq *q, struct rte_mbuf *m, const struct vmap_seg *segs,
		 uint16_t nsegs, bool push, bool in_order, bool indirect,
		 uint16_t *idx, bool *wrap, enum vmap_kind kind)
{
	struct vmq_pdesc *d = &q->pdesc[*idx], *t;
	uint16_t flags = vmq_packed_avail_flags(*wrap);
	uint16_t id, j, c, slot = *idx;
	bool w = *wrap;
	rte_iova_t *a;

	id = vmq_packed_take_id(q, *idx, in_order);
	q->cookie[id] = m;
	if (kind == VMAP_KIND_OPS) {
		a = vmq_packed_tx_iovas(q, id);
		a[0] = nsegs;
		for (j = 0; j < nsegs; j++)
			a[j + 1] = segs[j].iova;
	}
	d->id = id;
	if (push) {
		d->addr = segs[0].iova;
		d->len = segs[0].len;
		c = 1;
	} else if (indirect) {
		/* one ring descriptor: header slot and segments in a table,
		 * chained implicitly, no flags (2.8.7)
		 */
		t = vmq_packed_indir(q, id);
		t[0].addr = q->hdrs_iova + (rte_iova_t)id * q->hdr_size;
		t[0].len = q->hdr_size;
		t[0].id = 0;
		t[0].flags = 0;
		for (j = 0; j < nsegs; j++) {
			t[j + 1].addr = segs[j].iova;
			t[j + 1].len = segs[j].len;
			t[j + 1].id = 0;
			t[j + 1].flags = 0;
		}
		d->addr = q->indir_iova + (rte_iova_t)id * VMQ_INDIRECT_MAX *
			  sizeof(*t);
		d->len = (nsegs + 1) * sizeof(*t);
		flags |= VMQ_DESC_F_INDIRECT;
		c = 1;
	} else {
		/* header slot, then the segments, all with the same id */
		d->addr = q->hdrs_iova + (rte_iova_t)id * q->hdr_size;
		d->len = q->hdr_size;
		flags |= VMQ_DESC_F_NEXT;
		for (j = 0; j < nsegs; j++) {
			vmq_packed_adv(&slot, &w, 1, q->size);
			t = &q->pdesc[slot];
			t->addr = segs[j].iova;
			t->len = segs[j].len;
			t->id = id;
			t->flags = vmq_packed_avail_flags(w) |
				   (j + 1 < nsegs ? VMQ_DESC_F_NEXT : 0);
		}
		c = nsegs + 1;
	}
	q->chain[id] = c;
	q->nb_free -= c;
	vmq_packed_adv(idx, wrap, c, q->size);
	return flags;
}

static __rte_always_inline uint16_t
vmq_packed_tx(struct vmq *q, struct rte_mbuf **pkts, uint16_t nb_pkts,
	      enum vmap_kind kind)
{
	const bool in_order = q->opts & VMQ_OPT_IN_ORDER;
	const bool indirect = q->opts & VMQ_OPT_INDIRECT;
	const uint16_t head = q->avail_idx;
	uint16_t idx = q->avail_idx, head_flags = 0, flags;
	uint16_t nb_tx = 0, nb_sent = 0;
	struct vmq_tx_chunk c;
	uint16_t i, s, slot;
	bool wrap = q->avail_wrap;
	bool stop = false;
	uint64_t bytes = 0;
	struct rte_mbuf *m;

	if (unlikely(q->broken))
		return 0;
	/* kinds with slot pools get their slots back as soon as possible */
	if (kind == VMAP_KIND_OPS || q->size - q->nb_free >= VMQ_TX_RECLAIM_MIN)
		vmq_packed_reclaim(q, kind);
	if (unlikely(q->broken))
		return 0;

	while (nb_tx < nb_pkts && !stop) {
		/*
		 * A reclaim while staging is safe: the burst's head is not
		 * out yet, so what is used lies before it.
		 */
		stop = !vmq_tx_stage_chunk(q, pkts, nb_pkts, &nb_tx, &c,
					   indirect, vmq_packed_reclaim, kind);
		/* nothing staged, or the device broke the ring meanwhile */
		if (c.np == 0 || unlikely(q->broken))
			break;
		if (!vmq_tx_map_chunk(q, &c, kind)) {
			stop = true;
			if (c.np == 0)
				break;
		}

		/* write descriptors; the burst's first flags wait */
		s = 0;
		for (i = 0; i < c.np; i++) {
			m = pkts[nb_tx + i];
			slot = idx;
			flags = vmq_packed_write(q, m, &c.segs[s],
						 c.pkt_segs[i], c.pkt_push[i],
						 in_order, indirect, &idx,
						 &wrap, kind);
			if (nb_sent == 0 && i == 0)
				head_flags = flags;
			else
				q->pdesc[slot].flags = flags;
			s += c.pkt_segs[i];
			bytes += m->pkt_len;
		}
		q->avail_idx = idx;
		q->avail_wrap = wrap;
		nb_tx += c.np;
		nb_sent += c.np;
	}

	if (nb_sent > 0) {
		/* every descriptor of the burst before its head's flags (2.8.21.1) */
		__atomic_store_n(&q->pdesc[head].flags, head_flags,
				 __ATOMIC_RELEASE);
		vmq_packed_notify(q);
	}
	if (unlikely(nb_tx < nb_pkts))
		q->stats.full++;
	q->stats.packets += nb_sent;
	q->stats.bytes += bytes;
	return nb_tx;
}

uint16_t
vmq_packed_tx_va(void *q, struct rte_mbuf **pkts, uint16_t n)
{
	return vmq_packed_tx(q, pkts, n, VMAP_KIND_VA);
}

uint16_t
vmq_packed_tx_pa(void *q, struct rte_mbuf **pkts, uint16_t n)
{
	return vmq_packed_tx(q, pkts, n, VMAP_KIND_PA);
}

uint16_t
vmq_packed_tx_ops(void *q, struct rte_mbuf **pkts, uint16_t n)
{
	return vmq_packed_tx(q, pkts, n, VMAP_KIND_OPS);
}
