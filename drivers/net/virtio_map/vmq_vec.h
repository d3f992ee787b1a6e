/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The virtio_map authors
 */

/*
 * Groups of four descriptors in vector registers: the SIMD batches of
 * the ring layouts. One group is one 64-byte cache line of a packed ring
 * (four descriptors) or of a split descriptor table, or 32 bytes of a
 * split used ring (four elements). Which instruction set is used is fixed
 * per translation unit by the compiler's flags: vmq_burst.c is built for
 * DPDK's baseline and gets VMQ_VEC 0 (every helper here says "no, take
 * the scalar path"), vmq_burst_avx2.c and vmq_burst_avx512.c are built
 * with -mavx2 or -mavx512f/bw/vl and selected at run time
 * (vmq_simd_best()).
 *
 * The device is as untrusted here as on the scalar path. A group is read
 * with two loads, flags then the rest (the scalar path's acquire: x86
 * keeps loads in order, the compiler barrier keeps the compiler from
 * merging them); every id and length is range-checked in the vector;
 * mbufs come from the driver's private state of the id, taken one at a
 * time so that an id repeated in a group is caught. Whatever a group
 * cannot prove, the scalar path handles from the same ring position:
 * it reaches the same verdict and names it.
 */

#ifndef _VMQ_VEC_H_
#define _VMQ_VEC_H_

#include <rte_common.h>

#if defined(__AVX512F__) && defined(__AVX512BW__) && defined(__AVX512VL__)
#define VMQ_VEC 512
#elif defined(__AVX2__)
#define VMQ_VEC 256
#else
#define VMQ_VEC 0
#endif

#if VMQ_VEC
#include <immintrin.h>
#endif

#include "vmq_dp.h"
#include "vmq_inline.h"

/* Descriptors in a group. */
#define VMQ_VEC_GROUP	4

/*
 * Packed Rx: are the four descriptors from slot cons (a multiple of 4,
 * cons + 4 <= size) used in this lap (want: vmq_packed_used_flags()),
 * with ids in range (in order: cons..cons+3) and lengths within rx_room?
 * Then their ids and lengths go to id[] and len[]. False: the scalar
 * path takes this position.
 */
static __vmq_always_inline bool
vmq_vec_packed_used4(const struct vmq *q, uint16_t cons, uint16_t want,
		     bool in_order, uint16_t id[VMQ_VEC_GROUP],
		     uint32_t len[VMQ_VEC_GROUP])
{
#if VMQ_VEC == 512
	/* 16-bit lanes: flags 7, id 6 of each 8; 32-bit lanes: len 2 of 4 */
	const __mmask32 flags_lanes = 0x80808080, id_lanes = 0x40404040;
	const __mmask16 len_lanes = 0x4444;
	const void *d = &q->packed.desc[cons];
	struct vmq_pdesc t[VMQ_VEC_GROUP];
	__mmask32 bad;
	__m512i v;
	uint16_t i;

	v = _mm512_loadu_si512(d);
	if (_mm512_mask_cmpneq_epu16_mask(flags_lanes,
			_mm512_and_si512(v, _mm512_set1_epi16(VMQ_DESC_F_AVAIL |
							      VMQ_DESC_F_USED)),
			_mm512_set1_epi16(want)) != 0)
		return false;
	rte_compiler_barrier();
	v = _mm512_loadu_si512(d);
	if (in_order)	/* id lane of descriptor k holds cons + k */
		bad = _mm512_mask_cmpneq_epu16_mask(id_lanes, v,
			_mm512_add_epi16(_mm512_set1_epi16(cons),
				_mm512_set_epi64(3ULL << 32, 0, 2ULL << 32, 0,
						 1ULL << 32, 0, 0, 0)));
	else
		bad = _mm512_mask_cmpge_epu16_mask(id_lanes, v,
						   _mm512_set1_epi16(q->size));
	if (bad != 0 || _mm512_mask_cmpgt_epu32_mask(len_lanes, v,
			_mm512_set1_epi32(q->rx_room)) != 0)
		return false;
	_mm512_storeu_si512(t, v);
	for (i = 0; i < VMQ_VEC_GROUP; i++) {
		id[i] = t[i].id;
		len[i] = t[i].len;
	}
	return true;
#elif VMQ_VEC == 256
	/* the upper halves: 64-bit lanes d0, d2, d1, d3 of len, id, flags */
	const __m256i fmask = _mm256_set1_epi64x((uint64_t)(VMQ_DESC_F_AVAIL |
							   VMQ_DESC_F_USED) << 48);
	const __m256i idmask = _mm256_set1_epi64x(0xffffULL << 32);
	const __m256i lenmask = _mm256_set1_epi64x(0xffffffffULL);
	const struct vmq_pdesc *d = &q->packed.desc[cons];
	__m256i x, ids, lens, lim;
	uint64_t w[VMQ_VEC_GROUP];
	uint16_t i;

	x = _mm256_unpackhi_epi64(_mm256_loadu_si256((const void *)d),
				  _mm256_loadu_si256((const void *)(d + 2)));
	if (_mm256_movemask_epi8(_mm256_cmpeq_epi64(_mm256_and_si256(x, fmask),
			_mm256_set1_epi64x((uint64_t)want << 48))) != -1)
		return false;
	rte_compiler_barrier();
	x = _mm256_unpackhi_epi64(_mm256_loadu_si256((const void *)d),
				  _mm256_loadu_si256((const void *)(d + 2)));
	ids = _mm256_and_si256(x, idmask);
	if (in_order)
		lim = _mm256_cmpeq_epi64(ids, _mm256_set_epi64x(
				(uint64_t)(uint16_t)(cons + 3) << 32,
				(uint64_t)(uint16_t)(cons + 1) << 32,
				(uint64_t)(uint16_t)(cons + 2) << 32,
				(uint64_t)cons << 32));
	else	/* id <= size - 1, unsigned */
		lim = _mm256_cmpeq_epi32(_mm256_max_epu32(ids,
				_mm256_set1_epi64x((uint64_t)(q->size - 1) << 32)),
				_mm256_set1_epi64x((uint64_t)(q->size - 1) << 32));
	if (_mm256_movemask_epi8(lim) != -1)
		return false;
	lens = _mm256_and_si256(x, lenmask);
	if (_mm256_movemask_epi8(_mm256_cmpeq_epi32(_mm256_max_epu32(lens,
			_mm256_set1_epi64x(q->rx_room)),
			_mm256_set1_epi64x(q->rx_room))) != -1)
		return false;
	_mm256_storeu_si256((void *)w, x);
	for (i = 0; i < VMQ_VEC_GROUP; i++) {
		/* lane of descriptor i: 0, 2, 1, 3 */
		uint64_t e = w[(i >> 1) | ((i & 1) << 1)];

		id[i] = (uint16_t)(e >> 32);
		len[i] = (uint32_t)e;
	}
	return true;
#else
	RTE_SET_USED(q);
	RTE_SET_USED(cons);
	RTE_SET_USED(want);
	RTE_SET_USED(in_order);
	RTE_SET_USED(id);
	RTE_SET_USED(len);
	return false;
#endif
}

/*
 * Split Rx: the four used elements from ring position pos (a multiple of
 * 4), all of which the used index covers: ids in range (in order:
 * first..first+3, first + 4 <= size) and lengths within rx_room? Then
 * they go to id[] and len[].
 */
static __vmq_always_inline bool
vmq_vec_split_used4(const struct vmq *q, uint16_t pos, bool in_order,
		    uint16_t first, uint16_t id[VMQ_VEC_GROUP],
		    uint32_t len[VMQ_VEC_GROUP])
{
#if VMQ_VEC
	/* 32-bit lanes: id, len, id, len, ... */
	const __m256i idmask = _mm256_set1_epi64x(0xffffffffULL);
	__m256i x, ids, lens, ok;
	uint32_t w[2 * VMQ_VEC_GROUP];
	uint16_t i;

	x = _mm256_loadu_si256((const void *)&q->split.used->ring[pos]);
	ids = _mm256_and_si256(x, idmask);
	lens = _mm256_srli_epi64(x, 32);
	if (in_order)
		ok = _mm256_cmpeq_epi64(ids, _mm256_set_epi64x(first + 3,
				first + 2, first + 1, first));
	else	/* id <= size - 1, unsigned */
		ok = _mm256_cmpeq_epi32(_mm256_max_epu32(ids,
				_mm256_set1_epi64x(q->size - 1)),
				_mm256_set1_epi64x(q->size - 1));
	if (_mm256_movemask_epi8(ok) != -1)
		return false;
	if (_mm256_movemask_epi8(_mm256_cmpeq_epi32(_mm256_max_epu32(lens,
			_mm256_set1_epi64x(q->rx_room)),
			_mm256_set1_epi64x(q->rx_room))) != -1)
		return false;
	_mm256_storeu_si256((void *)w, x);
	for (i = 0; i < VMQ_VEC_GROUP; i++) {
		id[i] = (uint16_t)w[2 * i];
		len[i] = w[2 * i + 1];
	}
	return true;
#else
	RTE_SET_USED(q);
	RTE_SET_USED(pos);
	RTE_SET_USED(in_order);
	RTE_SET_USED(first);
	RTE_SET_USED(id);
	RTE_SET_USED(len);
	return false;
#endif
}

/*
 * Store four 16-byte descriptors (packed: addr, len, id, flags; split:
 * addr, len, flags, next) given as their two 64-bit halves, in one
 * 64-byte store (two 32-byte ones with AVX2). Only called when VMQ_VEC.
 */
static __vmq_always_inline void
vmq_vec_store4(void *d, const uint64_t lo[VMQ_VEC_GROUP],
	       const uint64_t hi[VMQ_VEC_GROUP])
{
#if VMQ_VEC == 512
	_mm512_storeu_si512(d, _mm512_set_epi64(hi[3], lo[3], hi[2], lo[2],
						 hi[1], lo[1], hi[0], lo[0]));
#elif VMQ_VEC == 256
	_mm256_storeu_si256(d, _mm256_set_epi64x(hi[1], lo[1], hi[0], lo[0]));
	_mm256_storeu_si256(RTE_PTR_ADD(d, 32),
			    _mm256_set_epi64x(hi[3], lo[3], hi[2], lo[2]));
#else
	RTE_SET_USED(d);
	RTE_SET_USED(lo);
	RTE_SET_USED(hi);
#endif
}

#endif /* _VMQ_VEC_H_ */
