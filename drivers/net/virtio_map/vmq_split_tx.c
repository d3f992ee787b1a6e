/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The virtio_map authors
 */

/*
 * Split virtqueue transmit path (virtio 1.2, 2.7): stage, map once per
 * burst, publish, notify; reclaim what the device used. Multi-descriptor
 * packets go out as a chain or, with INDIRECT_DESC, as one descriptor
 * pointing at the head's indirect table (2.7.5.3) in coherent memory. With
 * IN_ORDER, descriptors are used in ring order and a used entry completes
 * every chain up to its id (the device may batch, 2.7.8).
 */

#include <rte_branch_prediction.h>
#include <rte_mbuf.h>

#include "vmq_dp.h"
#include "vmq_split.h"

/* The head's indirect table. */
static __rte_always_inline struct vmq_desc *
vmq_split_indir(struct vmq *q, uint16_t head)
{
	return (struct vmq_desc *)q->indir + (size_t)head * VMQ_INDIRECT_MAX;
}

/* Collect for unmapping the mapped buffers of the chain at head. */
static __rte_always_inline uint16_t
vmq_split_chain_segs(struct vmq *q, uint16_t head, struct vmap_seg *segs)
{
	const struct vmq_desc *d = &q->desc[head];
	uint16_t c = q->chain[head], k = 0, i, n;

	if (d->flags & VMQ_DESC_F_INDIRECT) {
		/* entry 0 is the header slot: coherent, never mapped */
		d = vmq_split_indir(q, head);
		n = q->desc[head].len / sizeof(*d);
		for (i = 1; i < n; i++, k++) {
			segs[k].addr = NULL;
			segs[k].iova = d[i].addr;
			segs[k].len = d[i].len;
		}
		return k;
	}
	if (c > 1) {
		d = &q->desc[d->next];	/* skip the header slot */
		c--;
	}
	for (;;) {
		segs[k].addr = NULL;
		segs[k].iova = d->addr;
		segs[k].len = d->len;
		k++;
		if (--c == 0)
			break;
		d = &q->desc[d->next];
	}
	return k;
}

/* Give the chain at head back to the free stack. */
static __rte_always_inline void
vmq_split_free_chain(struct vmq *q, uint16_t head, bool in_order)
{
	uint16_t c = q->chain[head], id = head;

	if (in_order) {
		q->next_id = (head + c) & q->mask;
		q->nb_free += c;
		return;
	}
	for (;;) {
		q->free_ids[q->nb_free++] = id;
		if (--c == 0)
			break;
		id = q->desc[id].next;
	}
}

static __rte_always_inline void
vmq_split_reclaim(struct vmq *q, enum vmap_kind kind)
{
	struct vmap_seg segs[VMQ_STEP + VMQ_TX_MAX_SEGS];
	const bool in_order = q->opts & VMQ_OPT_IN_ORDER;
	struct rte_mbuf *done[VMQ_STEP];
	uint16_t n, i, id, head, nb_done = 0, ns = 0;
	bool last;

	n = vmq_split_used_pending(q);
	for (i = 0; i < n; i++) {
		id = q->used->ring[(q->used_cons + i) & q->mask].id;
		if (unlikely(id >= q->size || q->cookie[id] == NULL)) {
			vmq_broken(q, "used id out of range or not in use:", id);
			break;
		}
		/* in order, one used entry may stand for a batch of chains */
		do {
			head = in_order ? q->next_id : id;
			if (unlikely(q->cookie[head] == NULL)) {
				vmq_broken(q, "in-order used id skips a free descriptor:",
					   id);
				goto out;
			}
			last = head == id;
			if (kind == VMAP_KIND_OPS)
				ns += vmq_split_chain_segs(q, head,
							   &segs[ns]);
			done[nb_done++] = q->cookie[head];
			q->cookie[head] = NULL;
			vmq_split_free_chain(q, head, in_order);
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
out:
	q->used_cons += i;
	vmq_split_hold_interrupts(q);
	if (kind == VMAP_KIND_OPS && ns > 0)
		vmap_unmap(&q->mq, segs, ns, VMAP_TO_DEVICE);
	if (nb_done > 0)
		rte_pktmbuf_free_bulk(done, nb_done);
}

/* Write one staged packet's descriptors; returns its head. */
static __rte_always_inline uint16_t
vmq_split_write(struct vmq *q, const struct vmap_seg *segs, uint16_t nsegs,
		bool push, bool in_order, bool indirect)
{
	uint16_t head, id, prev, j;
	struct vmq_desc *d, *t;

	head = vmq_split_take_desc(q, in_order);
	d = &q->desc[head];
	q->chain[head] = 1;
	if (push) {
		d->addr = segs[0].iova;
		d->len = segs[0].len;
		d->flags = 0;
		return head;
	}
	if (indirect) {
		/* one ring descriptor: header slot and segments in a table */
		t = vmq_split_indir(q, head);
		t[0].addr = q->hdrs_iova + (rte_iova_t)head * q->hdr_size;
		t[0].len = q->hdr_size;
		t[0].flags = VMQ_DESC_F_NEXT;
		t[0].next = 1;
		for (j = 0; j < nsegs; j++) {
			t[j + 1].addr = segs[j].iova;
			t[j + 1].len = segs[j].len;
			t[j + 1].flags = j + 1 < nsegs ? VMQ_DESC_F_NEXT : 0;
			t[j + 1].next = j + 2;
		}
		d->addr = q->indir_iova + (rte_iova_t)head * VMQ_INDIRECT_MAX *
			  sizeof(*t);
		d->len = (nsegs + 1) * sizeof(*t);
		d->flags = VMQ_DESC_F_INDIRECT;
		return head;
	}
	d->addr = q->hdrs_iova + (rte_iova_t)head * q->hdr_size;
	d->len = q->hdr_size;
	prev = head;
	for (j = 0; j < nsegs; j++) {
		id = vmq_split_take_desc(q, in_order);
		q->desc[prev].flags = VMQ_DESC_F_NEXT;
		q->desc[prev].next = id;
		q->desc[id].addr = segs[j].iova;
		q->desc[id].len = segs[j].len;
		prev = id;
	}
	q->desc[prev].flags = 0;
	q->chain[head] = nsegs + 1;
	return head;
}

static __rte_always_inline uint16_t
vmq_split_tx(struct vmq *q, struct rte_mbuf **pkts, uint16_t nb_pkts,
	     enum vmap_kind kind)
{
	const bool in_order = q->opts & VMQ_OPT_IN_ORDER;
	const bool indirect = q->opts & VMQ_OPT_INDIRECT;
	uint16_t avail_idx = q->avail_idx;
	uint16_t nb_tx = 0, nb_sent = 0;
	struct vmq_tx_chunk c;
	uint16_t i, s, head;
	bool stop = false;
	uint64_t bytes = 0;
	struct rte_mbuf *m;

	if (unlikely(q->broken))
		return 0;
	/* kinds with slot pools get their slots back as soon as possible */
	if (kind == VMAP_KIND_OPS || q->size - q->nb_free >= VMQ_TX_RECLAIM_MIN)
		vmq_split_reclaim(q, kind);
	if (unlikely(q->broken))
		return 0;

	while (nb_tx < nb_pkts && !stop) {
		stop = !vmq_tx_stage_chunk(q, pkts, nb_pkts, &nb_tx, &c,
					   indirect, vmq_split_reclaim, kind);
		/* nothing staged, or the device broke the ring meanwhile */
		if (c.np == 0 || unlikely(q->broken))
			break;
		if (!vmq_tx_map_chunk(q, &c, kind)) {
			stop = true;
			if (c.np == 0)
				break;
		}

		/* publish descriptors */
		s = 0;
		for (i = 0; i < c.np; i++) {
			m = pkts[nb_tx + i];
			head = vmq_split_write(q, &c.segs[s], c.pkt_segs[i],
					       c.pkt_push[i], in_order, indirect);
			s += c.pkt_segs[i];
			q->cookie[head] = m;
			q->avail->ring[avail_idx++ & q->mask] = head;
			bytes += m->pkt_len;
		}
		nb_tx += c.np;
		nb_sent += c.np;
	}

	if (nb_sent > 0) {
		q->avail_idx = avail_idx;
		__atomic_store_n(&q->avail->idx, avail_idx, __ATOMIC_RELEASE);
		vmq_split_notify(q);
	}
	if (unlikely(nb_tx < nb_pkts))
		q->stats.full++;
	q->stats.packets += nb_sent;
	q->stats.bytes += bytes;
	return nb_tx;
}

uint16_t
vmq_split_tx_va(void *q, struct rte_mbuf **pkts, uint16_t n)
{
	return vmq_split_tx(q, pkts, n, VMAP_KIND_VA);
}

uint16_t
vmq_split_tx_pa(void *q, struct rte_mbuf **pkts, uint16_t n)
{
	return vmq_split_tx(q, pkts, n, VMAP_KIND_PA);
}

uint16_t
vmq_split_tx_ops(void *q, struct rte_mbuf **pkts, uint16_t n)
{
	return vmq_split_tx(q, pkts, n, VMAP_KIND_OPS);
}
