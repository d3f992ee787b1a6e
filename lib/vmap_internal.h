/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The virtio_map authors
 */

/*
 * Helpers shared by the built-in map kinds: the log macro, coherent memory
 * from EAL memzones, and the memory-table walk over EAL memory segments.
 * Not installed.
 */

#ifndef _VMAP_INTERNAL_H_
#define _VMAP_INTERNAL_H_

#include <rte_log.h>

#include "vmap.h"

extern int vmap_logtype;

#define VMAP_LOG(level, fmt, ...) \
	rte_log(RTE_LOG_ ## level, vmap_logtype, "vmap: %s(): " fmt "\n", \
		__func__, ##__VA_ARGS__)

/**
 * Allocate zeroed, IOVA-contiguous memory from an EAL memzone.
 *
 * @param d      device (socket and name)
 * @param size   bytes
 * @param align  alignment, a power of two
 * @return the memory, or NULL with rte_errno set
 */
void *vmap_mz_alloc(struct rte_vmap_dev *d, size_t size, size_t align);

/** Free memory from vmap_mz_alloc(); NULL is ignored. */
void vmap_mz_free(void *addr);

/**
 * Describe EAL memory backed by files as regions, merging neighbours that
 * share a file and are contiguous in VA and file offset, and, when by_iova
 * is true, in IOVA too (dev_addr is then the IOVA, otherwise the VA).
 * Segments without a file cannot be shared and are skipped with a warning.
 *
 * @return the region count (possibly above max), or a negative errno
 */
int vmap_memseg_regions(struct rte_vmap_region *r, unsigned int max, bool by_iova,
			bool locked);

/**
 * Wrap d's kind (vmap_dev_ops(d)) in the debug layer: attach the kind to
 * an inner token, then bind d to the checking table (RTE_VMAP_KIND_OPS).
 *
 * @return 0, -ENOMEM, or the kind's attach error
 */
int vmap_debug_wrap(struct rte_vmap_dev *d);

/** The debug layer's table (kind name "debug"). */
extern const struct rte_vmap_ops vmap_debug_ops;

/** The token of the kind a debug token d wraps. */
struct rte_vmap_dev *vmap_debug_inner(const struct rte_vmap_dev *d);

/** The queue of the wrapped kind behind a debug queue q (NULL: none). */
struct rte_vmap_queue *vmap_debug_inner_queue(const struct rte_vmap_queue *q);

#endif /* _VMAP_INTERNAL_H_ */
