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

#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>

#include <rte_common.h>

#include "loopback.h"
#include "vmap.h"

static struct vmap_ops lb_kind_ops;
static uint64_t lb_kind_mapped, lb_kind_unmapped;

/* Identity: the device address is the buffer's virtual address. */
static __rte_noinline uint16_t
lb_kind_map(struct vmap_queue *q, struct vmap_seg *segs, uint16_t n,
	enum vmap_dir dir)
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
lb_kind_unmap(struct vmap_queue *q, const struct vmap_seg *segs, uint16_t n,
	enum vmap_dir dir)
{
	RTE_SET_USED(q);
	RTE_SET_USED(segs);
	RTE_SET_USED(dir);
	lb_kind_unmapped += n;
}

int
lb_kind_register(void)
{
	lb_kind_ops = vmap_va_ops;
	lb_kind_ops.name = LB_KIND_NAME;
	lb_kind_ops.kind = VMAP_KIND_OPS;
	lb_kind_ops.map = lb_kind_map;
	lb_kind_ops.unmap = lb_kind_unmap;
	return vmap_register(&lb_kind_ops);
}

void
lb_kind_unregister(void)
{
	if (vmap_unregister(LB_KIND_NAME) == 0 && lb_kind_mapped > 0)
		printf("# %s: %" PRIu64 " buffers mapped, %" PRIu64
			" unmapped\n", LB_KIND_NAME, lb_kind_mapped,
			lb_kind_unmapped);
}
