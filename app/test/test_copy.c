/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The virtio_map authors
 */

/*
 * Unit test "copy": every bounce copy the library can choose (AVX-512,
 * AVX2, rte_memcpy; what this CPU has) copies exactly n bytes for every
 * length from VMAP_COPY_WIDE_MIN to 9 KB and every source and
 * destination misalignment 0..63 bytes, touching nothing around them;
 * EAL's SIMD limit picks which: 512, 256 and 128 bits are each tried.
 */

#include <stdlib.h>
#include <string.h>

#include <rte_vect.h>

#include "vmap_domain.h"
#include "vt.h"

#define MAX_LEN		9216
#define GUARD		64

static uint8_t src[MAX_LEN + 2 * GUARD], dst[MAX_LEN + 2 * GUARD];

static int
check(vmap_copy_fn f, const char *name)
{
	unsigned int len, so, dof, i, n = 0;

	for (i = 0; i < sizeof(src); i++)
		src[i] = (uint8_t)(i * 131 + 7);
	for (len = VMAP_COPY_WIDE_MIN; len <= MAX_LEN;
	     len += len < 1100 ? 3 : 61)
		for (so = 0; so < GUARD; so += 9)
			for (dof = 0; dof < GUARD; dof += 11) {
				memset(dst, 0xa5, sizeof(dst));
				f(dst + dof, src + so, len);
				VT_ASSERT(memcmp(dst + dof, src + so, len) == 0,
					  "%s: %u bytes, src +%u, dst +%u: copy differs",
					  name, len, so, dof);
				for (i = 0; i < dof; i++)
					VT_ASSERT(dst[i] == 0xa5, "%s: %u bytes, dst +%u: wrote before",
						  name, len, dof);
				for (i = dof + len; i < sizeof(dst); i++)
					VT_ASSERT(dst[i] == 0xa5, "%s: %u bytes, dst +%u: wrote after",
						  name, len, dof);
				n++;
			}
	vt_info("%s: %u copies checked", name, n);
	return VT_PASS;
}

static int
run(int argc, char **argv)
{
	static const uint16_t bits[] = { RTE_VECT_SIMD_512, RTE_VECT_SIMD_256,
					 RTE_VECT_SIMD_128 };
	const char *name;
	unsigned int i;
	vmap_copy_fn f;

	RTE_SET_USED(argc);
	RTE_SET_USED(argv);
	for (i = 0; i < RTE_DIM(bits); i++) {
		VT_ASSERT_OK(rte_vect_set_max_simd_bitwidth(bits[i]),
			     "SIMD limit");
		f = vmap_copy_select(&name);
		vt_info("SIMD limit %u bits: %s", bits[i], name);
		VT_ASSERT(bits[i] >= 256 || strcmp(name, "rte_memcpy") == 0,
			  "%s chosen under a %u-bit limit", name, bits[i]);
		VT_CHECK(check(f, name));
	}
	return VT_PASS;
}

static const struct vt_test test = {
	.name = "copy",
	.usage = "",
	.timeout_s = 120,
	.run = run,
};

int
main(int argc, char **argv)
{
	return vt_main(&test, argc, argv);
}
