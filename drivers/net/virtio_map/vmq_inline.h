/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The virtio_map authors
 */

/*
 * Inlining of the data path. The burst skeleton and the ring layouts are
 * forced inline, so that each burst variant (layout x map kind x
 * direction) is one function with its branches resolved at build time.
 * In a sanitizer build (meson's b_sanitize, which defines VMQ_SANITIZE)
 * forcing it makes vmq_burst.c take minutes to compile under ASan and
 * UBSan; there the compiler chooses instead: the same code, checked the
 * same way, built in seconds. Release builds are unchanged.
 */

#ifndef _VMQ_INLINE_H_
#define _VMQ_INLINE_H_

#include <rte_common.h>

#ifdef VMQ_SANITIZE
#define __vmq_always_inline inline
#else
#define __vmq_always_inline __rte_always_inline
#endif

#endif /* _VMQ_INLINE_H_ */
