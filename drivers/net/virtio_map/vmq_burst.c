/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The virtio_map authors
 */

/*
 * The burst functions the ethdev glue installs: the baseline instances
 * (vmq_burst_instances.h), the choice between them and the SIMD ones
 * (vmq_burst_avx2.c, vmq_burst_avx512.c), and the cold helpers of the
 * data path (a broken queue, the packed notification decision).
 */

#include <rte_branch_prediction.h>
#include <rte_cpuflags.h>
#include <rte_mbuf.h>
#include <rte_vect.h>

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

#define VMQ_BURST_FNS vmq_burst_fns_scalar
#include "vmq_burst_instances.h"

uint16_t
vmq_burst_none(void *q __rte_unused, struct rte_mbuf **pkts __rte_unused,
	       uint16_t n __rte_unused)
{
	return 0;
}

bool
vmq_simd_runs(enum vmq_simd simd)
{
	switch (simd) {
	case VMQ_SIMD_SCALAR:
		return true;
#if defined(RTE_ARCH_X86) && defined(VMQ_HAVE_AVX2)
	case VMQ_SIMD_AVX2:
		return rte_cpu_get_flag_enabled(RTE_CPUFLAG_AVX2) > 0;
#endif
#if defined(RTE_ARCH_X86) && defined(VMQ_HAVE_AVX512)
	case VMQ_SIMD_AVX512:
		return rte_cpu_get_flag_enabled(RTE_CPUFLAG_AVX512F) > 0 &&
		       rte_cpu_get_flag_enabled(RTE_CPUFLAG_AVX512BW) > 0 &&
		       rte_cpu_get_flag_enabled(RTE_CPUFLAG_AVX512VL) > 0;
#endif
	default:
		return false;
	}
}

enum vmq_simd
vmq_simd_best(void)
{
	uint16_t width = rte_vect_get_max_simd_bitwidth();

	if (width >= RTE_VECT_SIMD_512 && vmq_simd_runs(VMQ_SIMD_AVX512))
		return VMQ_SIMD_AVX512;
	if (width >= RTE_VECT_SIMD_256 && vmq_simd_runs(VMQ_SIMD_AVX2))
		return VMQ_SIMD_AVX2;
	return VMQ_SIMD_SCALAR;
}

const char *
vmq_simd_name(enum vmq_simd simd)
{
	switch (simd) {
	case VMQ_SIMD_AVX2:
		return "AVX2";
	case VMQ_SIMD_AVX512:
		return "AVX-512";
	default:
		return "scalar";
	}
}

static void
vmq_burst_fns(enum rte_vmap_kind kind, enum vmq_simd simd, vmq_burst_t *rx,
	      vmq_burst_t *tx)
{
	if (!vmq_simd_runs(simd))
		simd = VMQ_SIMD_SCALAR;
	switch (simd) {
#ifdef VMQ_HAVE_AVX2
	case VMQ_SIMD_AVX2:
		vmq_burst_fns_avx2(kind, rx, tx);
		return;
#endif
#ifdef VMQ_HAVE_AVX512
	case VMQ_SIMD_AVX512:
		vmq_burst_fns_avx512(kind, rx, tx);
		return;
#endif
	default:
		vmq_burst_fns_scalar(kind, rx, tx);
		return;
	}
}

enum vmq_simd
vmq_burst_simd(vmq_burst_t fn)
{
	static const enum rte_vmap_kind kinds[] = {
		RTE_VMAP_KIND_VA, RTE_VMAP_KIND_PA, RTE_VMAP_KIND_OPS,
	};
	static const enum vmq_simd simds[] = {
		VMQ_SIMD_AVX2, VMQ_SIMD_AVX512,
	};
	vmq_burst_t rx, tx;
	unsigned int k, s;

	for (s = 0; s < RTE_DIM(simds); s++) {
		if (!vmq_simd_runs(simds[s]))
			continue;
		for (k = 0; k < RTE_DIM(kinds); k++) {
			vmq_burst_fns(kinds[k], simds[s], &rx, &tx);
			if (fn == rx || fn == tx)
				return simds[s];
		}
	}
	return VMQ_SIMD_SCALAR;
}

vmq_burst_t
vmq_rx_burst_fn(enum rte_vmap_kind kind, enum vmq_simd simd)
{
	vmq_burst_t rx, tx;

	vmq_burst_fns(kind, simd, &rx, &tx);
	return rx;
}

vmq_burst_t
vmq_tx_burst_fn(enum rte_vmap_kind kind, enum vmq_simd simd)
{
	vmq_burst_t rx, tx;

	vmq_burst_fns(kind, simd, &rx, &tx);
	return tx;
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
