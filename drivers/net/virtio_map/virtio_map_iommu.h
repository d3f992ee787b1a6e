/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The virtio_map authors
 */

/*
 * The device's IOTLB (virtio_map_iommu.c), floor 1: whether to use one,
 * its memory table, the plan kept for misses and the answers to them.
 */

#ifndef _VIRTIO_MAP_IOMMU_H_
#define _VIRTIO_MAP_IOMMU_H_

#include <stdbool.h>
#include <stdint.h>

#include "virtio_map_state.h"

/**
 * Decide from the iommu devarg, the map kind's layout and the device's
 * offer whether to negotiate VIRTIO_F_ACCESS_PLATFORM.
 *
 * @return 0 with *use set; -ENOTSUP when iommu=on and the device does
 *   not offer it (the caller logs); -EINVAL (logged, naming the remedy)
 *   when the map kind cannot go through an IOTLB
 */
int virtio_map_iommu_decide(struct virtio_map_dev *dev, uint64_t offered,
			    bool *use);
/**
 * Send the memory table an IOTLB device needs: by virtual address (guest
 * address = VA), file-backed EAL memory for va and pa, the kind's own
 * regions otherwise. -E2BIG when it does not fit.
 */
int virtio_map_iommu_mem_table(struct virtio_map_dev *dev);
/**
 * Work out the translations the device may have (virtio_map_iotlb_plan())
 * and keep them for its misses. Before the rings go to the device: it may
 * miss on their addresses as soon as it learns them. Called with dev->lock
 * held.
 */
int virtio_map_iommu_plan(struct virtio_map_dev *dev);
/**
 * Whether the translations go to the device before the rings run
 * (iotlb_prefill=1; auto: packed rings, or no channel for misses) rather
 * than as it misses. After dev->run is set.
 */
bool virtio_map_iommu_prefills(const struct virtio_map_dev *dev);
/**
 * Unless iotlb_prefill=0, send the kept translations, one update each.
 * After the rings were set up: the backend keeps its IOTLB per virtqueue.
 * Called with dev->lock held.
 */
int virtio_map_iommu_send(struct virtio_map_dev *dev);
/** Free the translations kept for misses (at close). */
void virtio_map_iommu_release(struct virtio_map_dev *dev);
/**
 * vmt_iotlb_resolve_t: the kept translation holding iova, if it grants the
 * access asked for (*perm); refusals are logged and counted.
 */
int virtio_map_iotlb_resolve(void *arg, uint64_t iova, uint64_t *start,
			     uint64_t *size, uint64_t *uaddr, uint8_t *perm);

#endif /* _VIRTIO_MAP_IOMMU_H_ */
