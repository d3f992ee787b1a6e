/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The virtio_map authors
 */

/*
 * The driver as the device's IOMMU (VIRTIO_F_ACCESS_PLATFORM over the
 * vhost-user IOTLB): whether to use it (the iommu devarg), the memory table
 * it needs (EAL memory by virtual address), and the translations, sent as
 * one IOTLB update per IOVA-contiguous run, never per buffer. Misses the
 * device reports are answered by the transport from the control path,
 * through virtio_map_iotlb_resolve().
 */

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <rte_common.h>
#include <rte_memory.h>

#include "virtio_map_ethdev.h"
#include "virtio_map_log.h"

/* Runs in the device's IOVA space: by IOVA for pa, by VA for va. */
static bool
virtio_map_iommu_by_iova(const struct virtio_map_dev *dev)
{
	return dev->map.kind == VMAP_KIND_PA;
}

/* EAL memory as runs; *out is malloc'd (never rte_malloc: memory events
 * call this with EAL's memory lock held). */
static int
virtio_map_iommu_runs(bool by_iova, bool locked, struct vmap_region **out)
{
	struct vmap_region *r;
	int n, m;

	*out = NULL;
	n = vmap_eal_runs(NULL, 0, by_iova, locked);
	if (n <= 0)
		return n;
	r = malloc(sizeof(*r) * n);
	if (r == NULL)
		return -ENOMEM;
	m = vmap_eal_runs(r, n, by_iova, locked);
	if (m < 0 || m > n) {
		free(r);
		return m < 0 ? m : -EAGAIN;
	}
	*out = r;
	return m;
}

int
virtio_map_iommu_decide(struct virtio_map_dev *dev, uint64_t offered,
			bool *use)
{
	bool offers = offered & (1ULL << VIRTIO_MAP_F_ACCESS_PLATFORM);
	unsigned int max = vmt_max_regions(dev->t);
	int runs;

	*use = false;
	switch (dev->cfg.iommu) {
	case VIRTIO_MAP_IOMMU_OFF:
		return 0;
	case VIRTIO_MAP_IOMMU_AUTO:
		/* only pa has a layout the memory table may fail to hold */
		if (dev->map.kind != VMAP_KIND_PA || !offers)
			return 0;
		runs = vmap_eal_runs(NULL, 0, true, false);
		if (runs <= (int)max)
			return 0;
		VM_LOG(INFO, "%s: map=pa needs %d IOVA runs, the memory table holds %u: using the device's IOTLB (iommu=auto)",
		       dev->name, runs, max);
		break;
	case VIRTIO_MAP_IOMMU_ON:
		if (!offers) {
			VM_LOG(ERR, "%s: iommu=on but the vhost-user backend does not offer VIRTIO_F_ACCESS_PLATFORM (IOTLB); start DPDK's net_vhost with iommu-support=1, or use iommu=auto|off",
			       dev->name);
			return -ENOTSUP;
		}
		break;
	}
	if (dev->map.kind == VMAP_KIND_OPS) {
		VM_LOG(ERR, "%s: iommu=on is not supported with map=%s yet; use map=va or map=pa, or iommu=off",
		       dev->name, dev->cfg.map);
		return -ENOTSUP;
	}
	*use = true;
	return 0;
}

int
virtio_map_iommu_mem_table(struct virtio_map_dev *dev, bool locked)
{
	unsigned int max = vmt_max_regions(dev->t);
	struct vmap_region r[64];
	int n;

	/* the device reaches memory by VA; IOVAs come through the IOTLB */
	n = vmap_eal_runs(r, RTE_MIN(max, RTE_DIM(r)), false, locked);
	if (n <= 0) {
		VM_LOG(ERR, "%s: no shareable memory for the IOTLB's memory table",
		       dev->name);
		return n < 0 ? n : -ENOMEM;
	}
	if ((unsigned int)n > max) {
		VM_LOG(ERR, "%s: with iommu the memory table needs %d regions by virtual address but the vhost-user backend accepts %u; use --single-file-segments",
		       dev->name, n, max);
		return -E2BIG;
	}
	return vmt_set_mem_table(dev->t, r, n);
}

int
virtio_map_iommu_populate(struct virtio_map_dev *dev, bool locked)
{
	bool by_iova = virtio_map_iommu_by_iova(dev);
	struct vmap_region *r;
	int n, i, ret = 0;

	n = virtio_map_iommu_runs(by_iova, locked, &r);
	if (n < 0) {
		VM_LOG(ERR, "%s: cannot list memory runs for the IOTLB: %s",
		       dev->name, strerror(-n));
		return n;
	}
	for (i = 0; i < n && ret == 0; i++)
		ret = vmt_iotlb_update(dev->t, r[i].dev_addr, r[i].size,
				       (uint64_t)(uintptr_t)r[i].addr,
				       VMT_IOTLB_RW);
	free(r);
	if (ret < 0) {
		VM_LOG(ERR, "%s: IOTLB update failed: %s", dev->name,
		       strerror(-ret));
		return ret;
	}
	dev->iotlb_entries = n;
	dev->iotlb_sent += n;
	VM_LOG(INFO, "%s: IOTLB: %d update(s) sent, one per %s run",
	       dev->name, n, by_iova ? "IOVA" : "VA");
	return 0;
}

void
virtio_map_iommu_invalidate(struct virtio_map_dev *dev, const void *addr,
			    size_t len)
{
	const struct rte_memseg *ms;
	uint64_t iova, run = RTE_BAD_IOVA, run_len = 0;
	size_t off;

	if (!virtio_map_iommu_by_iova(dev)) {
		vmt_iotlb_invalidate(dev->t, (uint64_t)(uintptr_t)addr, len);
		return;
	}
	/* page by page, merging IOVA-contiguous pages */
	for (off = 0; off < len; off += ms->len) {
		ms = rte_mem_virt2memseg(RTE_PTR_ADD(addr, off), NULL);
		if (ms == NULL || ms->len == 0)
			break;
		iova = ms->iova + RTE_PTR_DIFF(RTE_PTR_ADD(addr, off),
					       ms->addr);
		if (run != RTE_BAD_IOVA && run + run_len == iova) {
			run_len += ms->len;
			continue;
		}
		if (run != RTE_BAD_IOVA)
			vmt_iotlb_invalidate(dev->t, run, run_len);
		run = iova;
		run_len = ms->len;
	}
	if (run != RTE_BAD_IOVA)
		vmt_iotlb_invalidate(dev->t, run, run_len);
}

int
virtio_map_iotlb_resolve(void *arg, uint64_t iova, uint64_t *start,
			 uint64_t *size, uint64_t *uaddr, uint8_t *perm)
{
	struct virtio_map_dev *dev = arg;
	struct vmap_region *r;
	int n, i, ret = -ENOENT;

	n = virtio_map_iommu_runs(virtio_map_iommu_by_iova(dev), false, &r);
	if (n < 0)
		return n;
	for (i = 0; i < n; i++) {
		if (iova >= r[i].dev_addr &&
		    iova - r[i].dev_addr < r[i].size) {
			*start = r[i].dev_addr;
			*size = r[i].size;
			*uaddr = (uint64_t)(uintptr_t)r[i].addr;
			*perm = VMT_IOTLB_RW;
			ret = 0;
			break;
		}
	}
	free(r);
	return ret;
}
