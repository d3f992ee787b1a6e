/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The virtio_map authors
 */

/*
 * Split virtqueue data path (virtio 1.2, section 2.7): Rx refill and
 * receive, Tx send and reclaim. Each body is written once as an always-
 * inline function taking the map kind as a constant; the named wrappers
 * at the end are what ethdev calls. For "va" and "pa" the device address
 * is computed inline from the mbuf; other kinds go through the map ops,
 * one call per burst.
 */

#include <errno.h>
#include <unistd.h>

#include <rte_branch_prediction.h>
#include <rte_mbuf.h>
#include <rte_prefetch.h>

#include "virtio_map_log.h"
#include "vmq.h"

/* Refill Rx only when at least this many descriptors are free. */
#define VMQ_RX_REFILL_MIN	32
/* Reclaim Tx when this many descriptors are in flight. */
#define VMQ_TX_RECLAIM_MIN	64

/* Log once, stop the queue: the device broke the ring's rules. */
static uint16_t
vmq_broken(struct vmq *q, const char *what, uint32_t val)
{
	if (!q->broken)
		VM_LOG(ERR, "port %u vq %u: device error: %s %u; queue stopped until the port restarts",
		       q->port_id, q->vq_index, what, val);
	q->broken = true;
	q->stats.errors++;
	return 0;
}

/* Device address of a buffer at offset off in m's data buffer. */
static __rte_always_inline rte_iova_t
vmq_addr(const struct rte_mbuf *m, uint32_t off, enum vmap_kind kind)
{
	if (kind == VMAP_KIND_PA)
		return rte_mbuf_iova_get(m) + off;
	return (rte_iova_t)(uintptr_t)m->buf_addr + off;
}

/*
 * Notify the device if it asks for it. The avail index store must be
 * visible before we read the device's flags (2.7.13.3, 2.9.1): full fence.
 */
static __rte_always_inline void
vmq_notify(struct vmq *q)
{
	uint64_t one = 1;

	rte_atomic_thread_fence(__ATOMIC_SEQ_CST);
	if (__atomic_load_n(&q->used->flags, __ATOMIC_RELAXED) &
	    VMQ_USED_F_NO_NOTIFY)
		return;
	if (write(q->kick_fd, &one, sizeof(one)) == sizeof(one))
		q->stats.kicks++;
}

/* Used entries the device published that we have not consumed yet. */
static __rte_always_inline uint16_t
vmq_used_pending(struct vmq *q)
{
	uint16_t used_idx = __atomic_load_n(&q->used->idx, __ATOMIC_ACQUIRE);
	uint16_t n = used_idx - q->used_cons;

	if (unlikely(n > q->size - q->nb_free))
		return vmq_broken(q, "used index ran ahead by", n);
	return n;
}

/* ---- Rx ---- */

static __rte_always_inline uint16_t
vmq_split_refill(struct vmq *q, enum vmap_kind kind)
{
	struct rte_mbuf *mbufs[VMQ_STEP];
	struct vmap_seg segs[VMQ_STEP];
	const uint16_t hdr = q->hdr_size;
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
				segs[i].iova = vmq_addr(m, off, VMAP_KIND_PA);
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
			id = q->free_ids[--q->nb_free];
			d = &q->desc[id];
			d->addr = kind == VMAP_KIND_OPS ? segs[i].iova :
				  vmq_addr(m, off, kind);
			d->len = m->buf_len - off;
			d->flags = VMQ_DESC_F_WRITE;
			q->cookie[id] = m;
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
	vmq_notify(q);
	return total;
}

static __rte_always_inline uint16_t
vmq_split_rx(struct vmq *q, struct rte_mbuf **pkts, uint16_t nb_pkts,
	     enum vmap_kind kind)
{
	struct vmap_seg segs[VMQ_STEP];
	struct rte_mbuf *bad[VMQ_STEP];
	const uint16_t hdr = q->hdr_size;
	uint16_t n, i, nb_rx = 0, nb_bad = 0, id, cons;
	struct vmq_used_elem *e;
	struct rte_mbuf *m;
	uint64_t bytes = 0;
	uint32_t len, room;

	if (unlikely(q->broken))
		return 0;
	n = RTE_MIN(vmq_used_pending(q), nb_pkts);
	n = RTE_MIN(n, VMQ_STEP);

	cons = q->used_cons;
	for (i = 0; i < n; i++) {
		e = &q->used->ring[(cons + i) & q->mask];
		id = e->id;
		len = e->len;
		if (unlikely(id >= q->size || q->cookie[id] == NULL)) {
			vmq_broken(q, "used id out of range or not in use:", id);
			break;
		}
		m = q->cookie[id];
		q->cookie[id] = NULL;
		q->free_ids[q->nb_free++] = id;
		room = m->buf_len - m->data_off + hdr;
		if (kind == VMAP_KIND_OPS) {
			segs[i].addr = RTE_PTR_ADD(m->buf_addr,
						   m->data_off - hdr);
			segs[i].iova = q->desc[id].addr;
			segs[i].len = len <= room ? len : 0;
		}
		if (unlikely(len <= hdr || len > room)) {
			/* a device bug: never hand over a truncated packet */
			q->stats.errors++;
			bad[nb_bad++] = m;
			continue;
		}
		len -= hdr;
		m->data_len = len;
		m->pkt_len = len;
		m->port = q->port_id;
		bytes += len;
		pkts[nb_rx++] = m;
	}
	q->used_cons = cons + i;
	if (kind == VMAP_KIND_OPS && i > 0)
		vmap_unmap(&q->mq, segs, i, VMAP_FROM_DEVICE);
	if (unlikely(nb_bad > 0))
		rte_pktmbuf_free_bulk(bad, nb_bad);

	q->stats.packets += nb_rx;
	q->stats.bytes += bytes;
	if (q->nb_free >= VMQ_RX_REFILL_MIN && !q->broken)
		vmq_split_refill(q, kind);
	return nb_rx;
}

/* ---- Tx ---- */

static __rte_always_inline void
vmq_split_reclaim(struct vmq *q, enum vmap_kind kind)
{
	struct vmap_seg segs[VMQ_STEP + VMQ_TX_MAX_SEGS];
	struct rte_mbuf *done[VMQ_STEP];
	uint16_t n, i, id, c, nb_done = 0, ns = 0;
	struct rte_mbuf *m;

	n = vmq_used_pending(q);
	for (i = 0; i < n; i++) {
		id = q->used->ring[(q->used_cons + i) & q->mask].id;
		if (unlikely(id >= q->size || q->cookie[id] == NULL)) {
			vmq_broken(q, "used id out of range or not in use:", id);
			break;
		}
		m = q->cookie[id];
		q->cookie[id] = NULL;
		c = q->chain[id];
		q->free_ids[q->nb_free++] = id;
		/* a chain longer than one starts with a coherent header slot */
		if (unlikely(c > 1)) {
			id = q->desc[id].next;
			c--;
			q->free_ids[q->nb_free++] = id;
		}
		for (;;) {
			if (kind == VMAP_KIND_OPS) {
				segs[ns].addr = NULL;
				segs[ns].iova = q->desc[id].addr;
				segs[ns].len = q->desc[id].len;
				ns++;
			}
			if (--c == 0)
				break;
			id = q->desc[id].next;
			q->free_ids[q->nb_free++] = id;
		}
		done[nb_done++] = m;
		if (nb_done == VMQ_STEP || ns >= VMQ_STEP) {
			/* unmap before the mbufs can be reused */
			if (kind == VMAP_KIND_OPS)
				vmap_unmap(&q->mq, segs, ns, VMAP_TO_DEVICE);
			rte_pktmbuf_free_bulk(done, nb_done);
			nb_done = 0;
			ns = 0;
		}
	}
	q->used_cons += i;
	if (kind == VMAP_KIND_OPS && ns > 0)
		vmap_unmap(&q->mq, segs, ns, VMAP_TO_DEVICE);
	if (nb_done > 0)
		rte_pktmbuf_free_bulk(done, nb_done);
}

/* Can the virtio-net header go into m's headroom (one descriptor)? */
static __rte_always_inline bool
vmq_can_push(const struct rte_mbuf *m, uint16_t hdr)
{
	return m->nb_segs == 1 && RTE_MBUF_DIRECT(m) &&
	       rte_mbuf_refcnt_read(m) == 1 && m->data_off >= hdr &&
	       ((m->data_off - hdr) & 1) == 0;
}

/*
 * Stage one packet's buffers into segs[]: one segment (header pushed into
 * headroom) or one per mbuf segment. Returns the descriptors it needs.
 */
static __rte_always_inline uint16_t
vmq_tx_stage(struct vmq *q, struct rte_mbuf *m, struct vmap_seg *segs,
	     uint16_t *nb_segs, enum vmap_kind kind)
{
	const uint16_t hdr = q->hdr_size;
	struct rte_mbuf *s;
	uint16_t k = 0;
	uint32_t off;

	if (likely(vmq_can_push(m, hdr))) {
		off = m->data_off - hdr;
		memset(RTE_PTR_ADD(m->buf_addr, off), 0, hdr);
		segs[0].addr = RTE_PTR_ADD(m->buf_addr, off);
		segs[0].iova = vmq_addr(m, off, kind == VMAP_KIND_VA ?
					VMAP_KIND_VA : VMAP_KIND_PA);
		segs[0].len = m->data_len + hdr;
		*nb_segs = 1;
		return 1;
	}
	for (s = m; s != NULL; s = s->next) {
		segs[k].addr = rte_pktmbuf_mtod(s, void *);
		segs[k].iova = vmq_addr(s, s->data_off, kind == VMAP_KIND_VA ?
					VMAP_KIND_VA : VMAP_KIND_PA);
		segs[k].len = s->data_len;
		k++;
	}
	*nb_segs = k;
	return k + 1;
}

static __rte_always_inline uint16_t
vmq_split_tx(struct vmq *q, struct rte_mbuf **pkts, uint16_t nb_pkts,
	     enum vmap_kind kind)
{
	struct vmap_seg segs[VMQ_STEP + VMQ_TX_MAX_SEGS];
	uint16_t pkt_segs[VMQ_STEP], pkt_descs[VMQ_STEP];
	uint16_t avail_idx = q->avail_idx;
	uint16_t nb_tx = 0, nb_sent = 0;
	uint16_t i, j, np, ns, s, head, id, prev, need;
	bool stop = false;
	uint64_t bytes = 0;
	struct rte_mbuf *m;
	struct vmq_desc *d;

	if (unlikely(q->broken))
		return 0;
	/* kinds with slot pools get their slots back as soon as possible */
	if (kind == VMAP_KIND_OPS || q->size - q->nb_free >= VMQ_TX_RECLAIM_MIN)
		vmq_split_reclaim(q, kind);
	if (unlikely(q->broken))
		return 0;

	while (nb_tx < nb_pkts && !stop) {
		/* stage: validate, count descriptors, collect buffers */
		np = 0;
		ns = 0;
		need = 0;
		while (nb_tx + np < nb_pkts && np < VMQ_STEP &&
		       ns < VMQ_STEP) {
			m = pkts[nb_tx + np];
			if (unlikely(vmq_tx_check(q, m) != 0)) {
				if (np > 0)
					break;	/* send what is staged first */
				/* dropped, never truncated; counted */
				VM_DP_LOG(DEBUG, "port %u: dropping Tx packet: %u bytes, %u segments",
					  q->port_id, m->pkt_len, m->nb_segs);
				q->stats.dropped++;
				rte_pktmbuf_free(m);
				nb_tx++;
				continue;
			}
			pkt_descs[np] = vmq_tx_stage(q, m, &segs[ns],
						     &pkt_segs[np], kind);
			if (need + pkt_descs[np] > q->nb_free) {
				vmq_split_reclaim(q, kind);
				if (q->broken ||
				    need + pkt_descs[np] > q->nb_free) {
					stop = true;	/* ring full */
					break;
				}
			}
			need += pkt_descs[np];
			ns += pkt_segs[np];
			np++;
		}
		/* nothing staged, or the device broke the ring meanwhile */
		if (np == 0 || unlikely(q->broken))
			break;

		if (kind == VMAP_KIND_OPS) {
			s = vmap_map(&q->mq, segs, ns, VMAP_TO_DEVICE);
			if (unlikely(s < ns)) {
				/* keep whole packets; give back the rest */
				uint16_t keep = 0, used = 0;

				while (keep < np && used + pkt_segs[keep] <= s)
					used += pkt_segs[keep++];
				if (s > used)
					vmap_unmap(&q->mq, &segs[used],
						   s - used, VMAP_TO_DEVICE);
				q->stats.map_refused += np - keep;
				np = keep;
				stop = true;
				if (np == 0)
					break;
			}
		}

		/* publish descriptors */
		s = 0;
		for (i = 0; i < np; i++) {
			m = pkts[nb_tx + i];
			head = q->free_ids[--q->nb_free];
			d = &q->desc[head];
			q->cookie[head] = m;
			q->chain[head] = pkt_descs[i];
			if (pkt_descs[i] == 1) {
				d->addr = segs[s].iova;
				d->len = segs[s].len;
				d->flags = 0;
				s++;
			} else {
				d->addr = q->hdrs_iova +
					  (rte_iova_t)head * q->hdr_size;
				d->len = q->hdr_size;
				prev = head;
				for (j = 0; j < pkt_segs[i]; j++, s++) {
					id = q->free_ids[--q->nb_free];
					q->desc[prev].flags = VMQ_DESC_F_NEXT;
					q->desc[prev].next = id;
					q->desc[id].addr = segs[s].iova;
					q->desc[id].len = segs[s].len;
					prev = id;
				}
				q->desc[prev].flags = 0;
			}
			q->avail->ring[avail_idx++ & q->mask] = head;
			bytes += m->pkt_len;
		}
		nb_tx += np;
		nb_sent += np;
	}

	if (nb_sent > 0) {
		q->avail_idx = avail_idx;
		__atomic_store_n(&q->avail->idx, avail_idx, __ATOMIC_RELEASE);
		vmq_notify(q);
	}
	if (unlikely(nb_tx < nb_pkts))
		q->stats.full++;
	q->stats.packets += nb_sent;
	q->stats.bytes += bytes;
	return nb_tx;
}

uint16_t
vmq_rx_refill(struct vmq *q)
{
	switch (q->kind) {
	case VMAP_KIND_VA:
		return vmq_split_refill(q, VMAP_KIND_VA);
	case VMAP_KIND_PA:
		return vmq_split_refill(q, VMAP_KIND_PA);
	default:
		return vmq_split_refill(q, VMAP_KIND_OPS);
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
