/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The virtio_map authors
 */

/*
 * The burst functions the ethdev glue installs: one instance of the
 * vmq_burst.h skeletons per ring layout and map kind (three lines each),
 * the entry points that pick the layout, and the cold helpers of the data
 * path (a broken queue, the packed notification decision).
 */

#include <rte_branch_prediction.h>
#include <rte_mbuf.h>

#include "virtio_map_log.h"
#include "vmq_burst.h"

uint16_t
vmq_broken(struct vmq *q, const char *what, uint32_t val)
{
	if (!q->broken) {
		VM_LOG(ERR, "port %u vq %u: device error: %s %u; queue stopped until the port restarts",
		       q->port_id, q->vq_index, what, val);
		q->stats.errors++;
	}
	q->broken = true;
	return 0;
}

void
vmq_packed_notify(struct vmq *q)
{
	const uint16_t cur = q->avail_idx |
		(uint16_t)q->packed.avail_wrap << VMQ_PACKED_WRAP_SHIFT;
	uint16_t flags, off_wrap, old_idx, added, event;

	/*
	 * The descriptors (head flags last) must be visible before we read
	 * the device's suppression structure, or the device could go to
	 * sleep on a ring it has not seen fill (2.8.21.2): full fence.
	 */
	rte_atomic_thread_fence(__ATOMIC_SEQ_CST);
	flags = __atomic_load_n(&q->packed.device_event->flags,
				__ATOMIC_ACQUIRE);
	off_wrap = __atomic_load_n(&q->packed.device_event->off_wrap,
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
		if (!!(off_wrap & VMQ_PACKED_WRAP_BIT) != q->packed.avail_wrap)
			event -= q->size;
		if (!vmq_need_event(event, q->avail_idx,
				    (uint16_t)(q->avail_idx - added)))
			return;
	}
	vmq_kick(q);
}

/* ---- one instance per layout and map kind ---- */

static uint16_t
vmq_split_rx_va(void *q, struct rte_mbuf **pkts, uint16_t n)
{
	return vmq_rx_k(q, pkts, n, VMQ_SPLIT, RTE_VMAP_KIND_VA);
}

static uint16_t
vmq_split_rx_pa(void *q, struct rte_mbuf **pkts, uint16_t n)
{
	return vmq_rx_k(q, pkts, n, VMQ_SPLIT, RTE_VMAP_KIND_PA);
}

static uint16_t
vmq_split_rx_ops(void *q, struct rte_mbuf **pkts, uint16_t n)
{
	return vmq_rx_k(q, pkts, n, VMQ_SPLIT, RTE_VMAP_KIND_OPS);
}

static uint16_t
vmq_packed_rx_va(void *q, struct rte_mbuf **pkts, uint16_t n)
{
	return vmq_rx_k(q, pkts, n, VMQ_PACKED, RTE_VMAP_KIND_VA);
}

static uint16_t
vmq_packed_rx_pa(void *q, struct rte_mbuf **pkts, uint16_t n)
{
	return vmq_rx_k(q, pkts, n, VMQ_PACKED, RTE_VMAP_KIND_PA);
}

static uint16_t
vmq_packed_rx_ops(void *q, struct rte_mbuf **pkts, uint16_t n)
{
	return vmq_rx_k(q, pkts, n, VMQ_PACKED, RTE_VMAP_KIND_OPS);
}

static uint16_t
vmq_split_tx_va(void *q, struct rte_mbuf **pkts, uint16_t n)
{
	return vmq_tx_k(q, pkts, n, VMQ_SPLIT, RTE_VMAP_KIND_VA);
}

static uint16_t
vmq_split_tx_pa(void *q, struct rte_mbuf **pkts, uint16_t n)
{
	return vmq_tx_k(q, pkts, n, VMQ_SPLIT, RTE_VMAP_KIND_PA);
}

static uint16_t
vmq_split_tx_ops(void *q, struct rte_mbuf **pkts, uint16_t n)
{
	return vmq_tx_k(q, pkts, n, VMQ_SPLIT, RTE_VMAP_KIND_OPS);
}

static uint16_t
vmq_packed_tx_va(void *q, struct rte_mbuf **pkts, uint16_t n)
{
	return vmq_tx_k(q, pkts, n, VMQ_PACKED, RTE_VMAP_KIND_VA);
}

static uint16_t
vmq_packed_tx_pa(void *q, struct rte_mbuf **pkts, uint16_t n)
{
	return vmq_tx_k(q, pkts, n, VMQ_PACKED, RTE_VMAP_KIND_PA);
}

static uint16_t
vmq_packed_tx_ops(void *q, struct rte_mbuf **pkts, uint16_t n)
{
	return vmq_tx_k(q, pkts, n, VMQ_PACKED, RTE_VMAP_KIND_OPS);
}

/* ---- entry points: enter the queue, then the layout (one branch) ---- */

/*
 * Enter a queue for a burst, unless it is disabled (vmq_enable()): busy
 * is stored before enabled is read, with a full fence between, so the
 * control path that clears enabled and then waits for busy cannot miss a
 * burst that is about to run. With membarrier (q->gate_asym) the control
 * path makes that fence for us and a compiler barrier is enough.
 */
static __vmq_always_inline bool
vmq_enter(struct vmq *q)
{
	__atomic_store_n(&q->busy, true, __ATOMIC_RELAXED);
	/* the primary's membarrier reaches its own threads only */
	if (likely(__atomic_load_n(&q->gate_asym, __ATOMIC_RELAXED) &&
		   !vmq_proc_secondary))
		rte_compiler_barrier();
	else
		rte_atomic_thread_fence(__ATOMIC_SEQ_CST);
	/* acquire: pairs with vmq_enable()'s release, so that a queue seen
	 * enabled is seen with the ring state the control path left (on
	 * weakly ordered CPUs too) */
	if (likely(__atomic_load_n(&q->enabled, __ATOMIC_ACQUIRE))) {
		/* a kick a secondary could not make yet (vmq_proc.h) */
		if (unlikely(q->kick_owed))
			vmq_kick(q);
		return true;
	}
	__atomic_store_n(&q->busy, false, __ATOMIC_RELEASE);
	return false;
}

/* Leave the queue: everything the burst did happens before. */
static __vmq_always_inline uint16_t
vmq_leave(struct vmq *q, uint16_t n)
{
	__atomic_store_n(&q->busy, false, __ATOMIC_RELEASE);
	return n;
}

static uint16_t
vmq_rx_va(void *arg, struct rte_mbuf **pkts, uint16_t n)
{
	struct vmq *q = arg;

	if (!vmq_enter(q))
		return 0;
	return vmq_leave(q, q->is_packed ? vmq_packed_rx_va(q, pkts, n) :
				       vmq_split_rx_va(q, pkts, n));
}

static uint16_t
vmq_rx_pa(void *arg, struct rte_mbuf **pkts, uint16_t n)
{
	struct vmq *q = arg;

	if (!vmq_enter(q))
		return 0;
	return vmq_leave(q, q->is_packed ? vmq_packed_rx_pa(q, pkts, n) :
				       vmq_split_rx_pa(q, pkts, n));
}

static uint16_t
vmq_rx_ops(void *arg, struct rte_mbuf **pkts, uint16_t n)
{
	struct vmq *q = arg;

	if (!vmq_enter(q))
		return 0;
	return vmq_leave(q, q->is_packed ? vmq_packed_rx_ops(q, pkts, n) :
				       vmq_split_rx_ops(q, pkts, n));
}

static uint16_t
vmq_tx_va(void *arg, struct rte_mbuf **pkts, uint16_t n)
{
	struct vmq *q = arg;

	if (!vmq_enter(q))
		return 0;
	return vmq_leave(q, q->is_packed ? vmq_packed_tx_va(q, pkts, n) :
				       vmq_split_tx_va(q, pkts, n));
}

static uint16_t
vmq_tx_pa(void *arg, struct rte_mbuf **pkts, uint16_t n)
{
	struct vmq *q = arg;

	if (!vmq_enter(q))
		return 0;
	return vmq_leave(q, q->is_packed ? vmq_packed_tx_pa(q, pkts, n) :
				       vmq_split_tx_pa(q, pkts, n));
}

static uint16_t
vmq_tx_ops(void *arg, struct rte_mbuf **pkts, uint16_t n)
{
	struct vmq *q = arg;

	if (!vmq_enter(q))
		return 0;
	return vmq_leave(q, q->is_packed ? vmq_packed_tx_ops(q, pkts, n) :
				       vmq_split_tx_ops(q, pkts, n));
}

uint16_t
vmq_burst_none(void *q __rte_unused, struct rte_mbuf **pkts __rte_unused,
	       uint16_t n __rte_unused)
{
	return 0;
}

vmq_burst_t
vmq_rx_burst_fn(enum rte_vmap_kind kind)
{
	switch (kind) {
	case RTE_VMAP_KIND_VA:
		return vmq_rx_va;
	case RTE_VMAP_KIND_PA:
		return vmq_rx_pa;
	default:
		return vmq_rx_ops;
	}
}

vmq_burst_t
vmq_tx_burst_fn(enum rte_vmap_kind kind)
{
	switch (kind) {
	case RTE_VMAP_KIND_VA:
		return vmq_tx_va;
	case RTE_VMAP_KIND_PA:
		return vmq_tx_pa;
	default:
		return vmq_tx_ops;
	}
}

uint16_t
vmq_rx_refill(struct vmq *q)
{
	switch (q->kind) {
	case RTE_VMAP_KIND_VA:
		return q->is_packed ? vmq_refill_k(q, VMQ_PACKED, RTE_VMAP_KIND_VA) :
				      vmq_refill_k(q, VMQ_SPLIT, RTE_VMAP_KIND_VA);
	case RTE_VMAP_KIND_PA:
		return q->is_packed ? vmq_refill_k(q, VMQ_PACKED, RTE_VMAP_KIND_PA) :
				      vmq_refill_k(q, VMQ_SPLIT, RTE_VMAP_KIND_PA);
	default:
		return q->is_packed ?
		       vmq_refill_k(q, VMQ_PACKED, RTE_VMAP_KIND_OPS) :
		       vmq_refill_k(q, VMQ_SPLIT, RTE_VMAP_KIND_OPS);
	}
}

int
vmq_tx_check(const struct vmq *q, const struct rte_mbuf *m)
{
	const struct rte_mbuf *seg;
	uint32_t hdrs;

	if (m->pkt_len == 0)
		return -EINVAL;
	if (m->nb_segs > q->max_segs || m->nb_segs + 1u > q->size)
		return -ENOTSUP;
	/* a segment per slot of a kind's pool: more segments than slots
	 * never map (each segment fits a slot, checked below or by
	 * max_frame, so the bytes fit the pool too); vmq_create() refused
	 * pools too small for the fast path's VMQ_TX_MAX_SEGS */
	if (q->mq.max_live != 0 && m->nb_segs > q->mq.max_live)
		return -ENOTSUP;
	if (!(q->tx_tso && (m->ol_flags & RTE_MBUF_F_TX_TCP_SEG)))
		return m->pkt_len > q->max_frame ? -EINVAL : 0;
	/* TSO: headers in the first segment, a segment size, 64 KB */
	hdrs = (uint32_t)m->l2_len + m->l3_len + m->l4_len;
	if (m->pkt_len > VMQ_GSO_MAX_FRAME || m->tso_segsz == 0 ||
	    m->l4_len < sizeof(struct rte_tcp_hdr) || hdrs > m->data_len ||
	    !(m->ol_flags & (RTE_MBUF_F_TX_IPV4 | RTE_MBUF_F_TX_IPV6)))
		return -EINVAL;
	/* each segment is mapped on its own: it must fit one mapping */
	if (q->mq.max_seg != 0)
		for (seg = m; seg != NULL; seg = seg->next)
			if (seg->data_len + (uint32_t)q->hdr_size >
			    q->mq.max_seg)
				return -ENOTSUP;
	return 0;
}
