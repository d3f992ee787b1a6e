/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The virtio_map authors
 */

/*
 * The driver as the device's IOMMU (VIRTIO_F_ACCESS_PLATFORM over the
 * vhost-user IOTLB): whether to use it (the iommu devarg), the memory table
 * it needs, and the translations: the plan of virtio_map_iotlb_plan.c,
 * sent in large ranges (never per buffer) before the rings run, or with
 * iotlb_prefill=0 only as the device reports misses. Misses are answered
 * by the transport from the control path, through
 * virtio_map_iotlb_resolve(), and only inside the plan.
 */

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <rte_common.h>
#include <rte_memory.h>

#include "virtio_map_iommu.h"
#include "virtio_map_iotlb_plan.h"
#include "virtio_map_log.h"
#include "vmap_umem.h"

static const char *
perm_str(uint8_t perm)
{
	switch (perm & VMT_IOTLB_RW) {
	case VMT_IOTLB_RO:
		return "read-only";
	case VMT_IOTLB_WO:
		return "write-only";
	case VMT_IOTLB_RW:
		return "read-write";
	default:
		return "no";
	}
}

/* The kind maps inline, so the device's addresses cover EAL memory. */
static bool
virtio_map_iommu_inline(const struct virtio_map_dev *dev)
{
	return dev->sh->map.kind == RTE_VMAP_KIND_VA || dev->sh->map.kind == RTE_VMAP_KIND_PA;
}

int
virtio_map_iommu_decide(struct virtio_map_dev *dev, uint64_t offered,
			bool *use)
{
	bool offers = offered & (1ULL << VMT_F_ACCESS_PLATFORM);
	unsigned int max = vmt_max_regions(dev->t);
	int runs;

	*use = false;
	switch (dev->sh->cfg.iommu) {
	case VIRTIO_MAP_IOMMU_OFF:
		return 0;
	case VIRTIO_MAP_IOMMU_AUTO:
		/* only pa has a layout the memory table may fail to hold */
		if (dev->sh->map.kind != RTE_VMAP_KIND_PA || !offers)
			return 0;
		runs = vmap_eal_runs(NULL, 0, true, false);
		if (runs <= (int)max)
			return 0;
		VM_LOG(INFO, "%s: map=pa needs %d IOVA runs, the memory table holds %u: using the device's IOTLB (iommu=auto)",
		       dev->name, runs, max);
		break;
	case VIRTIO_MAP_IOMMU_ON:
		if (!offers)
			return -ENOTSUP;
		break;
	}
	if (!virtio_map_iommu_inline(dev)) {
		struct rte_vmap_region w;
		int ret = dev->sh->rxq[0] != NULL ?
			  vmap_queue_window(&dev->sh->rxq[0]->mq, &w) : -ENOTSUP;

		if (ret < 0) {
			VM_LOG(ERR, "%s: iommu=on needs a map kind whose mappings the IOTLB can describe (va, pa, vduse); map=%s%s has no per-queue window; use iommu=off",
			       dev->name, dev->sh->cfg.map,
			       dev->sh->cfg.map_debug ? " with map_debug=1" : "");
			return -EINVAL;
		}
	}
	*use = true;
	return 0;
}

int
virtio_map_iommu_mem_table(struct virtio_map_dev *dev)
{
	unsigned int max = vmt_max_regions(dev->t);
	struct rte_vmap_region r[64];
	struct vmap_umem *um;
	int n;

	/* the device reaches memory by VA; IOVAs come through the IOTLB */
	if (!virtio_map_iommu_inline(dev)) {
		n = vmap_regions(&dev->sh->map, r, RTE_MIN(max, RTE_DIM(r)),
				 false);
		/* and memory the application registered (map=vduse) */
		um = vmap_dev_umem(&dev->sh->map);
		if (um != NULL && n >= 0 &&
		    (unsigned int)n < RTE_MIN(max, RTE_DIM(r)))
			n += vmap_umem_regions(um, &r[n],
					       RTE_MIN(max, RTE_DIM(r)) - n);
	} else
		n = vmap_eal_runs(r, RTE_MIN(max, RTE_DIM(r)), false, false);
	if (n <= 0) {
		VM_LOG(ERR, "%s: no shareable memory for the IOTLB's memory table",
		       dev->name);
		return n < 0 ? n : -ENOMEM;
	}
	if ((unsigned int)n > max) {
		VM_LOG(ERR, "%s: with iommu the memory table needs %d regions by virtual address but a vhost-user memory table (SET_MEM_TABLE) holds %u; use --single-file-segments",
		       dev->name, n, max);
		return -E2BIG;
	}
	return vmt_set_mem_table(dev->t, r, n);
}

int
virtio_map_iommu_plan(struct virtio_map_dev *dev)
{
	struct virtio_map_xlat *plan, *old;
	unsigned int n;
	int ret;

	ret = virtio_map_iotlb_plan(dev, &plan, &n);
	if (ret < 0) {
		VM_LOG(ERR, "%s: cannot work out the IOTLB translations: %s",
		       dev->name, strerror(-ret));
		return ret;
	}
	rte_spinlock_lock(&dev->iotlb_plan_lock);
	old = dev->iotlb_plan;
	dev->iotlb_plan = plan;
	dev->sh->iotlb_plan_n = n;
	rte_spinlock_unlock(&dev->iotlb_plan_lock);
	free(old);
	return 0;
}

/*
 * Up front or on miss: DPDK's vhost searches its IOTLB linearly, so a
 * device that holds only what it touched is much faster (with pa: one
 * translation per 2 MB page); but on a packed ring DPDK 22.11's vhost
 * drops the Tx packet whose buffer misses, so auto sends them up front
 * there, and where the backend has no channel to report misses on.
 */
bool
virtio_map_iommu_prefills(const struct virtio_map_dev *dev)
{
	if (dev->sh->cfg.iotlb_prefill >= 0)
		return dev->sh->cfg.iotlb_prefill == 1;
	return (dev->sh->run.opts & VMQ_OPT_PACKED) != 0 ||
	       !vmt_reports_misses(dev->t);
}

int
virtio_map_iommu_send(struct virtio_map_dev *dev)
{
	const struct virtio_map_xlat *plan = dev->iotlb_plan;
	unsigned int n = dev->sh->iotlb_plan_n, i, ro = 0, rw = 0;
	uint64_t bytes = 0;
	int ret = 0;

	/* the plan only changes under dev->lock, which the caller holds */
	for (i = 0; i < n; i++) {
		bytes += plan[i].size;
		if (plan[i].perm == VMT_IOTLB_RW)
			rw++;
		else
			ro++;
	}
	if (!virtio_map_iommu_prefills(dev)) {
		dev->sh->iotlb_entries = 0;
		VM_LOG(INFO, "%s: IOTLB: 0 update(s) sent (iotlb_prefill=%s); %u translation(s), %u read-write, %u read-only, %" PRIu64 " bytes, answered as the device misses",
		       dev->name, dev->sh->cfg.iotlb_prefill < 0 ? "auto, split ring" : "0",
		       n, rw, ro, bytes);
		if (dev->sh->run.opts & VMQ_OPT_PACKED)
			VM_LOG(WARNING, "%s: iotlb_prefill=0 with a packed ring: DPDK 22.11's vhost drops each Tx packet whose buffer misses in its IOTLB; use iotlb_prefill=1 with it",
			       dev->name);
		return 0;
	}
	for (i = 0; i < n && ret == 0; i++)
		ret = vmt_iotlb_update(dev->t, plan[i].iova, plan[i].size,
				       plan[i].uaddr, plan[i].perm);
	if (ret < 0) {
		VM_LOG(ERR, "%s: IOTLB update failed: %s", dev->name,
		       strerror(-ret));
		return ret;
	}
	dev->sh->iotlb_entries = n;
	dev->sh->iotlb_sent += n;
	VM_LOG(INFO, "%s: IOTLB: %u update(s) sent, %u read-write, %u read-only, %" PRIu64 " bytes",
	       dev->name, n, rw, ro, bytes);
	return 0;
}

void
virtio_map_iommu_release(struct virtio_map_dev *dev)
{
	rte_spinlock_lock(&dev->iotlb_plan_lock);
	free(dev->iotlb_plan);
	dev->iotlb_plan = NULL;
	dev->sh->iotlb_plan_n = 0;
	rte_spinlock_unlock(&dev->iotlb_plan_lock);
}

int
virtio_map_iotlb_resolve(void *arg, uint64_t iova, uint64_t *start,
			 uint64_t *size, uint64_t *uaddr, uint8_t *perm)
{
	struct virtio_map_dev *dev = arg;
	const struct virtio_map_xlat *x;
	static const char later[] =
		" (further refusals: xstat iotlb_refused, log level debug)";
	uint8_t asked = *perm & VMT_IOTLB_RW;
	uint32_t level;
	int ret = 0;

	rte_spinlock_lock(&dev->iotlb_plan_lock);
	x = virtio_map_iotlb_find(dev->iotlb_plan, dev->sh->iotlb_plan_n, iova);
	if (x == NULL) {
		ret = -ENOENT;
	} else if ((x->perm & asked) != asked) {
		ret = -EACCES;
		*perm = x->perm;
	} else {
		*start = x->iova;
		*size = x->size;
		*uaddr = x->uaddr;
		*perm = x->perm;
	}
	rte_spinlock_unlock(&dev->iotlb_plan_lock);
	if (ret == 0)
		return 0;
	/* a device may ask again and again: log the first, count all */
	level = __atomic_fetch_add(&dev->sh->iotlb_refused, 1, __ATOMIC_RELAXED) ?
		RTE_LOG_DEBUG : RTE_LOG_ERR;
	if (ret == -EACCES)
		rte_log(level, virtio_map_logtype, "virtio_map: %s: the device asked %s access at IOVA 0x%" PRIx64 ", which it may reach %s only; refused%s\n",
			dev->name, perm_str(asked), iova, perm_str(*perm),
			level == RTE_LOG_ERR ? later : "");
	else
		rte_log(level, virtio_map_logtype, "virtio_map: %s: the device asked for IOVA 0x%" PRIx64 ", which no ring or buffer of this port covers; refused%s\n",
			dev->name, iova, level == RTE_LOG_ERR ? later : "");
	return ret;
}
