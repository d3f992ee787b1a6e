/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The virtio_map authors
 */

/*
 * The burst functions of one instruction set: one instance of the
 * vmq_burst.h skeletons per ring layout and map kind, and the entry
 * points that enter the queue and pick the layout. Included once by each
 * of vmq_burst.c (DPDK's baseline), vmq_burst_avx2.c and
 * vmq_burst_avx512.c, whose compiler flags decide VMQ_VEC (vmq_vec.h);
 * each defines VMQ_BURST_FNS, the name of its table function.
 */

#ifndef VMQ_BURST_FNS
#error "define VMQ_BURST_FNS before including vmq_burst_instances.h"
#endif

#include "vmq_burst.h"
#include "vmq_burst_simd.h"

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

/* The Rx and Tx bursts of this instruction set for a map kind. */
void
VMQ_BURST_FNS(enum rte_vmap_kind kind, vmq_burst_t *rx, vmq_burst_t *tx)
{
	switch (kind) {
	case RTE_VMAP_KIND_VA:
		*rx = vmq_rx_va;
		*tx = vmq_tx_va;
		break;
	case RTE_VMAP_KIND_PA:
		*rx = vmq_rx_pa;
		*tx = vmq_tx_pa;
		break;
	default:
		*rx = vmq_rx_ops;
		*tx = vmq_tx_ops;
		break;
	}
}
