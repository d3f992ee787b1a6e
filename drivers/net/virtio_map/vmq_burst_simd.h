/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The virtio_map authors
 */

/*
 * The burst tables of each instruction set the build has (one per
 * vmq_burst_*.c, see vmq_burst_instances.h). vmq_burst_fns() in
 * vmq_burst.c picks one. Private to the vmq_burst files.
 */

#ifndef _VMQ_BURST_SIMD_H_
#define _VMQ_BURST_SIMD_H_

#include "vmq.h"

/* DPDK's baseline: every ring access one descriptor at a time. */
void vmq_burst_fns_scalar(enum rte_vmap_kind kind, vmq_burst_t *rx,
			  vmq_burst_t *tx);
#ifdef VMQ_HAVE_AVX2
/* Groups of four descriptors in AVX2 registers. */
void vmq_burst_fns_avx2(enum rte_vmap_kind kind, vmq_burst_t *rx,
			vmq_burst_t *tx);
#endif
#ifdef VMQ_HAVE_AVX512
/* Groups of four descriptors in one AVX-512 register. */
void vmq_burst_fns_avx512(enum rte_vmap_kind kind, vmq_burst_t *rx,
			  vmq_burst_t *tx);
#endif

#endif /* _VMQ_BURST_SIMD_H_ */
