/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The virtio_map authors
 */

/*
 * The burst functions built for AVX-512 (-mavx512f -mavx512bw -mavx512vl): meson compiles
 * this file with those flags, and vmq_burst_fns() calls it only where
 * the CPU has them and EAL's SIMD width allows them.
 */

#define VMQ_BURST_FNS vmq_burst_fns_avx512
#include "vmq_burst_instances.h"
