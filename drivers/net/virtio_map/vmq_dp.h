/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The virtio_map authors
 */

/*
 * Data-path helpers shared by the split and packed rings: device address
 * of an mbuf buffer, notification write, header push test, containment of
 * a misbehaving device, and mergeable-Rx packet assembly. Private to the
 * vmq_* files; everything here is inline or cold.
 */

#ifndef _VMQ_DP_H_
#define _VMQ_DP_H_

#include <unistd.h>

#include <rte_branch_prediction.h>
#include <rte_mbuf.h>

#include "virtio_map_log.h"
#include "vmq.h"

/* Refill Rx only when at least this many descriptors are free. */
#define VMQ_RX_REFILL_MIN	32
/* Reclaim Tx when this many descriptors are in flight. */
#define VMQ_TX_RECLAIM_MIN	64

/**
 * Log once and stop the queue: the device broke the ring's rules
 * (virtio 1.2, 2.7.8 / 2.8.21 conformance). Counted in stats.errors.
 *
 * @return 0, so callers can return it as a burst count
 */
uint16_t vmq_broken(struct vmq *q, const char *what, uint32_t val);

/* Device address of a buffer at offset off in m's data buffer. */
static __rte_always_inline rte_iova_t
vmq_addr(const struct rte_mbuf *m, uint32_t off, enum vmap_kind kind)
{
	if (kind == VMAP_KIND_PA)
		return rte_mbuf_iova_get(m) + off;
	return (rte_iova_t)(uintptr_t)m->buf_addr + off;
}

/* EAL IOVA for the ops kinds, else the inline address. */
static __rte_always_inline rte_iova_t
vmq_seg_iova(const struct rte_mbuf *m, uint32_t off, enum vmap_kind kind)
{
	return vmq_addr(m, off, kind == VMAP_KIND_VA ? VMAP_KIND_VA :
			VMAP_KIND_PA);
}

/* Write the kick eventfd. */
static __rte_always_inline void
vmq_kick(struct vmq *q)
{
	uint64_t one = 1;

	if (write(q->kick_fd, &one, sizeof(one)) == sizeof(one))
		q->stats.kicks++;
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
 * Stage one Tx packet's buffers into segs[]: one segment (header pushed
 * into headroom) or one per mbuf segment (the header then goes into the
 * queue's header slot). Returns the segments; *push says which.
 */
static __rte_always_inline uint16_t
vmq_tx_stage(struct vmq *q, struct rte_mbuf *m, struct vmap_seg *segs,
	     bool *push, enum vmap_kind kind)
{
	const uint16_t hdr = q->hdr_size;
	struct rte_mbuf *s;
	uint16_t k = 0;
	uint32_t off;

	if (likely(vmq_can_push(m, hdr))) {
		off = m->data_off - hdr;
		memset(RTE_PTR_ADD(m->buf_addr, off), 0, hdr);
		segs[0].addr = RTE_PTR_ADD(m->buf_addr, off);
		segs[0].iova = vmq_seg_iova(m, off, kind);
		segs[0].len = m->data_len + hdr;
		*push = true;
		return 1;
	}
	for (s = m; s != NULL; s = s->next) {
		segs[k].addr = rte_pktmbuf_mtod(s, void *);
		segs[k].iova = vmq_seg_iova(s, s->data_off, kind);
		segs[k].len = s->data_len;
		k++;
	}
	*push = false;
	return k;
}

/** Tx packets staged for one map call and one publish. */
struct vmq_tx_chunk {
	struct vmap_seg segs[VMQ_STEP + VMQ_TX_MAX_SEGS];	/**< buffers */
	uint16_t pkt_segs[VMQ_STEP];	/**< segments of each packet */
	bool pkt_push[VMQ_STEP];	/**< header pushed into headroom */
	uint16_t np;			/**< packets staged */
	uint16_t ns;			/**< segments staged */
};

/** A layout's Tx reclaim, inlined through the constant pointer. */
typedef void (*vmq_reclaim_t)(struct vmq *q, enum vmap_kind kind);

/*
 * Stage packets from pkts[*nb_tx] on into c: validate (what the queue
 * cannot send is dropped, freed and counted, never truncated), collect the
 * buffers, and count descriptors, reclaiming once when they run short.
 * Returns false when the ring is full or broken: publish c, then stop.
 */
static __rte_always_inline bool
vmq_tx_stage_chunk(struct vmq *q, struct rte_mbuf **pkts, uint16_t nb_pkts,
		   uint16_t *nb_tx, struct vmq_tx_chunk *c, bool indirect,
		   vmq_reclaim_t reclaim, enum vmap_kind kind)
{
	uint16_t need = 0, descs;
	struct rte_mbuf *m;

	c->np = 0;
	c->ns = 0;
	while (*nb_tx + c->np < nb_pkts && c->np < VMQ_STEP &&
	       c->ns < VMQ_STEP) {
		m = pkts[*nb_tx + c->np];
		if (unlikely(vmq_tx_check(q, m) != 0)) {
			if (c->np > 0)
				break;	/* send what is staged first */
			VM_DP_LOG(DEBUG, "port %u: dropping Tx packet: %u bytes, %u segments",
				  q->port_id, m->pkt_len, m->nb_segs);
			q->stats.dropped++;
			rte_pktmbuf_free(m);
			(*nb_tx)++;
			continue;
		}
		c->pkt_segs[c->np] = vmq_tx_stage(q, m, &c->segs[c->ns],
						  &c->pkt_push[c->np], kind);
		descs = c->pkt_push[c->np] || indirect ? 1 :
			c->pkt_segs[c->np] + 1;
		if (need + descs > q->nb_free) {
			reclaim(q, kind);
			if (q->broken || need + descs > q->nb_free)
				return false;
		}
		need += descs;
		c->ns += c->pkt_segs[c->np];
		c->np++;
	}
	return true;
}

/*
 * Map a staged chunk through the ops kinds, once for the burst. When the
 * kind maps fewer buffers, keep the whole packets that made it, unmap the
 * rest and leave those packets to the caller. Returns false then.
 */
static __rte_always_inline bool
vmq_tx_map_chunk(struct vmq *q, struct vmq_tx_chunk *c, enum vmap_kind kind)
{
	uint16_t s, keep = 0, used = 0;

	if (kind != VMAP_KIND_OPS)
		return true;
	s = vmap_map(&q->mq, c->segs, c->ns, VMAP_TO_DEVICE);
	if (likely(s == c->ns))
		return true;
	while (keep < c->np && used + c->pkt_segs[keep] <= s)
		used += c->pkt_segs[keep++];
	if (s > used)
		vmap_unmap(&q->mq, &c->segs[used], s - used, VMAP_TO_DEVICE);
	q->stats.map_refused += c->np - keep;
	c->np = keep;
	return false;
}

/*
 * Mergeable Rx: add one completed buffer (len bytes written by the device)
 * to the packet being assembled. Returns the packet when its last buffer
 * came, NULL while more are due or when the buffer was bad (then freed and
 * counted, or the queue marked broken).
 */
static __rte_always_inline struct rte_mbuf *
vmq_mrg_add(struct vmq *q, struct rte_mbuf *m, uint32_t len)
{
	const uint16_t hdr = q->hdr_size;
	const struct vmq_net_hdr *h;
	struct rte_mbuf *head;
	uint16_t nb;

	if (q->mrg_head == NULL) {
		if (unlikely(len <= hdr)) {
			q->stats.errors++;
			rte_pktmbuf_free(m);
			return NULL;
		}
		h = RTE_PTR_ADD(m->buf_addr, m->data_off - hdr);
		nb = h->num_buffers;
		if (unlikely(nb == 0 || nb > q->size)) {
			rte_pktmbuf_free(m);
			vmq_broken(q, "num_buffers", nb);
			return NULL;
		}
		m->data_len = len - hdr;
		m->pkt_len = len - hdr;
		m->port = q->port_id;
		if (nb == 1)
			return m;
		q->mrg_head = m;
		q->mrg_tail = m;
		q->mrg_left = nb - 1;
		return NULL;
	}
	/* continuation: no header, data from the buffer's start */
	head = q->mrg_head;
	m->data_off -= hdr;
	m->data_len = len;
	q->mrg_tail->next = m;
	q->mrg_tail = m;
	head->nb_segs++;
	head->pkt_len += len;
	if (--q->mrg_left > 0)
		return NULL;
	q->mrg_head = NULL;
	q->mrg_tail = NULL;
	return head;
}

/*
 * Turn one buffer the device filled (len bytes, UINT32_MAX when it claimed
 * more than the buffer holds) into a packet, or part of one. Returns the
 * packet when complete; bad buffers go to bad[] and are counted.
 */
static __rte_always_inline struct rte_mbuf *
vmq_rx_one(struct vmq *q, struct rte_mbuf *m, uint32_t len, bool mrg,
	   struct rte_mbuf **bad, uint16_t *nb_bad)
{
	const uint16_t hdr = q->hdr_size;

	if (mrg) {
		/* a bad part spoils its packet: stop the queue */
		if (unlikely(len == UINT32_MAX)) {
			bad[(*nb_bad)++] = m;
			vmq_broken(q, "mergeable Rx length beyond the buffer, len",
				   len);
			return NULL;
		}
		return vmq_mrg_add(q, m, len);
	}
	if (unlikely(len == UINT32_MAX || len <= hdr)) {
		/* a device bug: never hand over a truncated packet */
		q->stats.errors++;
		bad[(*nb_bad)++] = m;
		return NULL;
	}
	len -= hdr;
	m->data_len = len;
	m->pkt_len = len;
	m->port = q->port_id;
	return m;
}

#endif /* _VMQ_DP_H_ */
