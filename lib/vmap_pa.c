/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The virtio_map authors
 */

/*
 * The "pa" kind: the device sees EAL IOVAs, which are physical addresses
 * when EAL runs with IOVA as PA. The memory table describes runs of memory
 * contiguous in IOVA, VA and one file; with 2 MB pages in descending
 * physical order that is one run per page (see doc/guides/buffer_mapping.rst).
 */

#include <rte_eal.h>

#include "vmap_internal.h"

static int
vmap_pa_attach(struct rte_vmap_dev *d)
{
	if (rte_eal_iova_mode() != RTE_IOVA_PA) {
		VMAP_LOG(ERR, "%s: map=pa needs EAL in IOVA-as-PA mode, but EAL runs with IOVA as %s; use map=va, or run as root with hugepages and --iova-mode=pa",
			 d->name,
			 rte_eal_iova_mode() == RTE_IOVA_VA ? "VA" : "DC");
		return -ENOTSUP;
	}
	return 0;
}

static uint16_t
vmap_pa_map(struct rte_vmap_queue *q __rte_unused, struct rte_vmap_seg *segs,
	    uint16_t n, enum rte_vmap_dir dir __rte_unused)
{
	uint16_t i;

	/* EAL's IOVA is the device address in PA mode */
	for (i = 0; i < n; i++) {
		if (unlikely(segs[i].iova == RTE_BAD_IOVA))
			break;
		segs[i].dev_addr = segs[i].iova;
	}
	return i;
}

static void *
vmap_pa_alloc_coherent(struct rte_vmap_dev *d, size_t size, size_t align,
		       rte_iova_t *dev_addr)
{
	void *p = vmap_mz_alloc(d, size, align);

	if (p != NULL && dev_addr != NULL)
		*dev_addr = rte_mem_virt2iova(p);
	return p;
}

static void
vmap_pa_free_coherent(struct rte_vmap_dev *d __rte_unused, void *addr,
		      size_t size __rte_unused)
{
	vmap_mz_free(addr);
}

static int
vmap_pa_regions(struct rte_vmap_dev *d __rte_unused, struct rte_vmap_region *r,
		unsigned int max, bool locked)
{
	return vmap_memseg_regions(r, max, true, locked);
}

const struct rte_vmap_ops vmap_pa_ops = {
	.name = "pa",
	.flags = RTE_VMAP_F_MULTI_PROCESS,	/* no state of its own */
	.kind = RTE_VMAP_KIND_PA,
	.attach = vmap_pa_attach,
	.map = vmap_pa_map,
	.alloc_coherent = vmap_pa_alloc_coherent,
	.free_coherent = vmap_pa_free_coherent,
	.regions = vmap_pa_regions,
};
