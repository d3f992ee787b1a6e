/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The virtio_map authors
 */

/* The counting map kind of ring-level tests (see vt_count_ops.h). */

#include <stdio.h>
#include <string.h>

#include <rte_common.h>
#include <rte_memory.h>

#include "vt.h"

#include "vt_count_ops.h"

struct vt_count_rec vt_count_rec;

static uint16_t
count_map(struct rte_vmap_queue *q, struct rte_vmap_seg *segs, uint16_t n,
	  enum rte_vmap_dir dir)
{
	uint16_t i;

	RTE_SET_USED(q);
	RTE_SET_USED(dir);
	for (i = 0; i < n; i++) {
		if (vt_count_rec.limited && vt_count_rec.refuse_after == 0)
			break;
		if (vt_count_rec.limited)
			vt_count_rec.refuse_after--;
		segs[i].dev_addr = (uintptr_t)segs[i].addr + VT_COUNT_OPS_OFFSET;
	}
	vt_count_rec.mapped += i;
	return i;
}

static void
count_unmap(struct rte_vmap_queue *q, const struct rte_vmap_seg *segs, uint16_t n,
	    enum rte_vmap_dir dir)
{
	RTE_SET_USED(q);
	RTE_SET_USED(segs);
	RTE_SET_USED(dir);
	vt_count_rec.unmapped += n;
}

static void *
count_alloc(struct rte_vmap_dev *d, size_t size, size_t align,
	    rte_iova_t *dev_addr)
{
	void *p = vmap_va_ops.alloc_coherent(d, size, align, dev_addr);

	if (p != NULL && dev_addr != NULL)
		*dev_addr = (uintptr_t)p + VT_COUNT_OPS_OFFSET;
	return p;
}

static void
count_free(struct rte_vmap_dev *d, void *addr, size_t size)
{
	vmap_va_ops.free_coherent(d, addr, size);
}

/* The test is the device: it needs no memory table. */
static int
count_regions(struct rte_vmap_dev *d, struct rte_vmap_region *r, unsigned int max,
	      bool locked)
{
	RTE_SET_USED(d);
	RTE_SET_USED(r);
	RTE_SET_USED(max);
	RTE_SET_USED(locked);
	return 0;
}

const struct rte_vmap_ops vt_count_ops = {
	.name = "vt_count_ops",
	.kind = RTE_VMAP_KIND_OPS,
	.map = count_map,
	.unmap = count_unmap,
	.alloc_coherent = count_alloc,
	.free_coherent = count_free,
	.regions = count_regions,
};

int
vt_count_attach(struct rte_vmap_dev *map, const char *kind, const char *name,
		struct rte_vmap_region regions[2], int *nregions)
{
	*nregions = 0;
	if (strcmp(kind, "va") == 0) {
		VT_ASSERT_OK(vmap_dev_attach(map, &vmap_va_ops, name,
					     SOCKET_ID_ANY, NULL), "attach va");
	} else if (strcmp(kind, "pa") == 0) {
		memset(map, 0, sizeof(*map));
		vmap_dev_bind(map, &vmap_pa_ops);
		map->kind = RTE_VMAP_KIND_PA;
		map->socket_id = SOCKET_ID_ANY;
		snprintf(map->name, sizeof(map->name), "%s", name);
	} else if (strcmp(kind, "vduse") == 0) {
		VT_ASSERT_OK(vmap_dev_attach(map, vmap_find("vduse"), name,
					     SOCKET_ID_ANY, NULL), "attach vduse");
		*nregions = vmap_regions(map, regions, 2, false);
		VT_ASSERT_EQ(2, *nregions, "vduse regions");
	} else if (strcmp(kind, "ops") == 0) {
		VT_ASSERT_OK(vmap_register(&vt_count_ops), "register ops");
		VT_ASSERT_OK(vmap_dev_attach(map, vmap_find("vt_count_ops"),
					     name, SOCKET_ID_ANY, NULL),
			     "attach ops");
	} else {
		vt_fail(__FILE__, __LINE__, "unknown map kind %s", kind);
		return VT_FAIL;
	}
	return VT_PASS;
}
