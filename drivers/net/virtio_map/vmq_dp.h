/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The virtio_map authors
 */

/*
 * Data-path pieces both ring layouts use: containment of a misbehaving
 * device, the notification write, the post cursor of a burst and the Tx
 * completion batch. Private to the vmq_* data-path files; everything here
 * is inline, but vmq_broken() which is cold.
 */

#ifndef _VMQ_DP_H_
#define _VMQ_DP_H_

#include <errno.h>
#include <unistd.h>

#include <rte_branch_prediction.h>
#include <rte_mbuf.h>

#include "virtio_map_log.h"
#include "vmq_proc.h"
#include "vmq.h"
#include "vmq_inline.h"
#include "vmq_map.h"
#include "vmq_net_hdr.h"

/* Refill Rx only when at least this many descriptors are free. */
#define VMQ_RX_REFILL_MIN	32
/* Reclaim Tx when this many descriptors are in flight. */
#define VMQ_TX_RECLAIM_MIN	64

/** Ring layouts, as compile-time constants of the burst skeletons. */
enum vmq_layout {
	VMQ_SPLIT,
	VMQ_PACKED,
};

/**
 * Log once and stop the queue: the device broke the ring's rules
 * (virtio 1.2, 2.7.8 / 2.8.21 conformance). Counted in stats.errors;
 * bursts return 0 until the queue is drained and reset.
 *
 * @return 0, so callers can return it as a count
 */
uint16_t vmq_broken(struct vmq *q, const char *what, uint32_t val);

/* Write the kick eventfd. */
static __vmq_always_inline void
vmq_kick(struct vmq *q)
{
	uint64_t one = 1;

	/* a secondary process kicks through its own copy (vmq_proc.h) */
	int fd = likely(!vmq_proc_secondary) ? q->kick_fd :
		 vmq_proc_kick_fd_slow(q);

	if (unlikely(fd < 0)) {
		/* the device may be waiting for this kick: owed until the
		 * eventfd is here (vmq_enter() pays it) */
		q->kick_owed = true;
		return;
	}
	q->kick_owed = false;
	if (write(fd, &one, sizeof(one)) == sizeof(one))
		q->stats.kicks++;
}

/** Where a burst writes; each layout keeps its publish state here. */
struct vmq_post {
	uint16_t idx;		/**< split: next avail index; packed: slot */
	uint16_t n;		/**< buffers posted */
	bool wrap;		/**< packed: wrap counter of idx */
	uint16_t flags;		/**< packed: avail flags of that wrap */
	uint16_t head;		/**< packed: slot of the burst's first */
	uint16_t head_flags;	/**< packed: its flags, stored last */
};

/** Tx buffers the device is done with, unmapped and freed together. */
struct vmq_reclaim {
	uint16_t ids[VMQ_STEP];		/**< their ids */
	struct rte_mbuf *m[VMQ_STEP];	/**< their packets */
	uint16_t n;			/**< how many */
};

/*
 * Free n sent packets. The common case, a single-segment mbuf nobody
 * else holds, goes back to its pool in one bulk put per run of packets
 * from the same pool, inline; anything else (chains, shared or indirect
 * mbufs) takes rte_pktmbuf_free().
 */
static __vmq_always_inline void
vmq_free_sent(struct rte_mbuf **pkts, uint16_t n)
{
	struct rte_mempool *mp = NULL;
	struct rte_mbuf *put[VMQ_STEP], *m;
	uint16_t i, k = 0;

	for (i = 0; i < n; i++) {
		m = pkts[i];
		if (unlikely(m->nb_segs != 1)) {
			rte_pktmbuf_free(m);
			continue;
		}
		m = rte_pktmbuf_prefree_seg(m);
		if (unlikely(m == NULL))
			continue;
		if (unlikely(m->pool != mp)) {
			if (k > 0)
				rte_mempool_put_bulk(mp, (void **)put, k);
			mp = m->pool;
			k = 0;
		}
		put[k++] = m;
	}
	if (k > 0)
		rte_mempool_put_bulk(mp, (void **)put, k);
}

/* Unmap and free what r holds. */
static __vmq_always_inline void
vmq_reclaim_flush(struct vmq *q, struct vmq_reclaim *r, enum rte_vmap_kind kind)
{
	if (r->n == 0)
		return;
	/* unmap before the mbufs can be reused */
	vmq_unmap_tx(q, r->ids, r->n, kind);
	vmq_free_sent(r->m, r->n);
	r->n = 0;
}

/* Take buffer id, in flight, off the driver's books into r. */
static __vmq_always_inline void
vmq_reclaim_add(struct vmq *q, struct vmq_reclaim *r, uint16_t id,
		enum rte_vmap_kind kind)
{
	r->ids[r->n] = id;
	r->m[r->n++] = q->extra[id].m;
	q->extra[id].m = NULL;
	if (r->n == VMQ_STEP)
		vmq_reclaim_flush(q, r, kind);
}

/*
 * Is m's buffer its own, to write into: a direct mbuf, or one with an
 * external buffer (a pinned external-buffer pool's, say: the zero-copy
 * pools of map=vduse device memory) that no other mbuf is attached to.
 * Not an indirect mbuf, nor a buffer that clones share: the headroom
 * written would show in them.
 */
static __vmq_always_inline bool
vmq_buf_exclusive(const struct rte_mbuf *m)
{
	if (rte_mbuf_refcnt_read(m) != 1 || (m->ol_flags & RTE_MBUF_F_INDIRECT))
		return false;
	return !(m->ol_flags & RTE_MBUF_F_EXTERNAL) ||
	       rte_mbuf_ext_refcnt_read(m->shinfo) == 1;
}

/*
 * Can the virtio-net header go into m's headroom (one descriptor)? A
 * device takes its batched fast paths only for single descriptors
 * (DPDK's vhost: four at a time), so a packet that cannot costs the
 * device about twice as much.
 */
static __vmq_always_inline bool
vmq_can_push(const struct rte_mbuf *m, uint16_t hdr)
{
	return m->nb_segs == 1 && m->data_off >= hdr &&
	       ((m->data_off - hdr) & 1) == 0 && vmq_buf_exclusive(m);
}

#endif /* _VMQ_DP_H_ */
