/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The virtio_map authors
 */

/*
 * Bounce copies with the widest vectors this CPU and EAL allow, chosen at
 * run time: the library is built for DPDK's baseline (SSE4.2 on x86-64),
 * so AVX2 and AVX-512 copies are compiled per function (target
 * attributes) and taken only when rte_cpu_get_flag_enabled() says the CPU
 * has them and rte_vect_get_max_simd_bitwidth() allows them (EAL's
 * --force-max-simd-bitwidth; 256 by default). Short copies stay with the
 * inline rte_memcpy(): a call through a pointer costs more than it saves.
 */

#include <string.h>

#include <rte_cpuflags.h>
#include <rte_memcpy.h>
#include <rte_vect.h>

#include "vmap_domain.h"
#include "vmap_internal.h"

#if defined(RTE_ARCH_X86_64) && defined(__GNUC__)
#include <immintrin.h>

/* 32-byte loads and stores; the tail overlaps the last full vector. */
__attribute__((target("avx2"))) static void
vmap_copy_avx2(void *dst, const void *src, size_t n)
{
	uint8_t *d = dst;
	const uint8_t *s = src;
	size_t i;

	for (i = 0; i + 128 <= n; i += 128) {
		__m256i a = _mm256_loadu_si256((const __m256i *)(s + i));
		__m256i b = _mm256_loadu_si256((const __m256i *)(s + i + 32));
		__m256i c = _mm256_loadu_si256((const __m256i *)(s + i + 64));
		__m256i e = _mm256_loadu_si256((const __m256i *)(s + i + 96));

		_mm256_storeu_si256((__m256i *)(d + i), a);
		_mm256_storeu_si256((__m256i *)(d + i + 32), b);
		_mm256_storeu_si256((__m256i *)(d + i + 64), c);
		_mm256_storeu_si256((__m256i *)(d + i + 96), e);
	}
	for (; i + 32 <= n; i += 32)
		_mm256_storeu_si256((__m256i *)(d + i),
			_mm256_loadu_si256((const __m256i *)(s + i)));
	if (i < n)	/* n >= 32 here: one more vector, ending at n */
		_mm256_storeu_si256((__m256i *)(d + n - 32),
			_mm256_loadu_si256((const __m256i *)(s + n - 32)));
}

/* 64-byte loads and stores; the tail overlaps the last full vector. */
__attribute__((target("avx512f"))) static void
vmap_copy_avx512(void *dst, const void *src, size_t n)
{
	uint8_t *d = dst;
	const uint8_t *s = src;
	size_t i;

	for (i = 0; i + 256 <= n; i += 256) {
		__m512i a = _mm512_loadu_si512(s + i);
		__m512i b = _mm512_loadu_si512(s + i + 64);
		__m512i c = _mm512_loadu_si512(s + i + 128);
		__m512i e = _mm512_loadu_si512(s + i + 192);

		_mm512_storeu_si512(d + i, a);
		_mm512_storeu_si512(d + i + 64, b);
		_mm512_storeu_si512(d + i + 128, c);
		_mm512_storeu_si512(d + i + 192, e);
	}
	for (; i + 64 <= n; i += 64)
		_mm512_storeu_si512(d + i, _mm512_loadu_si512(s + i));
	if (i < n)	/* n >= 64 here: one more vector, ending at n */
		_mm512_storeu_si512(d + n - 64, _mm512_loadu_si512(s + n - 64));
}
#endif

/* The baseline: DPDK's own copy, as built for its instruction set. */
static void
vmap_copy_base(void *dst, const void *src, size_t n)
{
	rte_memcpy(dst, src, n);
}

vmap_copy_fn
vmap_copy_select(const char **name)
{
	const char *n = "rte_memcpy";
	vmap_copy_fn f = vmap_copy_base;

#if defined(RTE_ARCH_X86_64) && defined(__GNUC__)
	uint16_t bits = rte_vect_get_max_simd_bitwidth();

	if (bits >= RTE_VECT_SIMD_512 &&
	    rte_cpu_get_flag_enabled(RTE_CPUFLAG_AVX512F) > 0) {
		n = "avx512";
		f = vmap_copy_avx512;
	} else if (bits >= RTE_VECT_SIMD_256 &&
		   rte_cpu_get_flag_enabled(RTE_CPUFLAG_AVX2) > 0) {
		n = "avx2";
		f = vmap_copy_avx2;
	}
#endif
	if (name != NULL)
		*name = n;
	return f;
}
