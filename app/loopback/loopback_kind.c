/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The virtio_map authors
 */

/*
 * A map kind the loopback registers itself, as an application with its
 * own IOMMU code would: "lb_counted" maps IOVA-as-VA (the device sees the
 * application's virtual addresses, like the built-in va) but through the
 * ops table, counting what it maps and unmaps. --map lb_counted then
 * measures what a registered kind's calls cost, batched per burst or,
 * with lb_counted+map_batch=0, one buffer per call (devtools/callgrind.sh
 * -c lb_kind_map,lb_kind_unmap). Coherent memory and the memory regions
 * are the va kind's.
 */

#include <errno.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>

#include <rte_common.h>

#include <rte_pmd_virtio_map.h>

#include "loopback.h"

static struct rte_vmap_ops lb_kind_ops;
static uint64_t lb_kind_mapped, lb_kind_unmapped;

/* Identity: the device address is the buffer's virtual address. */
static __rte_noinline uint16_t
lb_kind_map(struct rte_vmap_queue *q, struct rte_vmap_seg *segs, uint16_t n,
	enum rte_vmap_dir dir)
{
	uint16_t i;

	RTE_SET_USED(q);
	RTE_SET_USED(dir);
	for (i = 0; i < n; i++)
		segs[i].dev_addr = (rte_iova_t)(uintptr_t)segs[i].addr;
	lb_kind_mapped += n;
	return n;
}

/* Nothing to undo but the count; the buffers were never copied. */
static __rte_noinline void
lb_kind_unmap(struct rte_vmap_queue *q, const struct rte_vmap_seg *segs,
	uint16_t n, enum rte_vmap_dir dir)
{
	RTE_SET_USED(q);
	RTE_SET_USED(segs);
	RTE_SET_USED(dir);
	lb_kind_unmapped += n;
}

int
lb_kind_register(void)
{
	const struct rte_vmap_ops *va = rte_pmd_virtio_map_ops_find("va");

	if (va == NULL)
		return -ENOENT;
	lb_kind_ops = *va;
	lb_kind_ops.name = LB_KIND_NAME;
	lb_kind_ops.kind = RTE_VMAP_KIND_OPS;
	lb_kind_ops.map = lb_kind_map;
	lb_kind_ops.unmap = lb_kind_unmap;
	return rte_pmd_virtio_map_ops_register(&lb_kind_ops);
}

void
lb_kind_unregister(void)
{
	if (rte_pmd_virtio_map_ops_unregister(LB_KIND_NAME) == 0 && lb_kind_mapped > 0)
		printf("# %s: %" PRIu64 " buffers mapped, %" PRIu64
			" unmapped\n", LB_KIND_NAME, lb_kind_mapped,
			lb_kind_unmapped);
}
