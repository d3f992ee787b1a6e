/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The virtio_map authors
 */

/*
 * The "va" kind: the device sees process virtual addresses. The memory
 * table maps every file-backed EAL segment at its own virtual address.
 */

#include "vmap_internal.h"

static uint16_t
vmap_va_map(struct rte_vmap_queue *q __rte_unused, struct rte_vmap_seg *segs,
	    uint16_t n, enum rte_vmap_dir dir __rte_unused)
{
	uint16_t i;

	for (i = 0; i < n; i++)
		segs[i].dev_addr = (rte_iova_t)(uintptr_t)segs[i].addr;
	return n;
}

static void *
vmap_va_alloc_coherent(struct rte_vmap_dev *d, size_t size, size_t align,
		       rte_iova_t *dev_addr)
{
	void *p = vmap_mz_alloc(d, size, align);

	if (p != NULL && dev_addr != NULL)
		*dev_addr = (rte_iova_t)(uintptr_t)p;
	return p;
}

static void
vmap_va_free_coherent(struct rte_vmap_dev *d __rte_unused, void *addr,
		      size_t size __rte_unused)
{
	vmap_mz_free(addr);
}

static int
vmap_va_regions(struct rte_vmap_dev *d __rte_unused, struct rte_vmap_region *r,
		unsigned int max, bool locked)
{
	return vmap_memseg_regions(r, max, false, locked);
}

const struct rte_vmap_ops vmap_va_ops = {
	.name = "va",
	.flags = RTE_VMAP_F_MULTI_PROCESS,	/* no state of its own */
	.kind = RTE_VMAP_KIND_VA,
	.map = vmap_va_map,
	.alloc_coherent = vmap_va_alloc_coherent,
	.free_coherent = vmap_va_free_coherent,
	.regions = vmap_va_regions,
};
