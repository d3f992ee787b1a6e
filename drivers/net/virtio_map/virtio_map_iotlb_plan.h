/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The virtio_map authors
 */

/*
 * The device's view through the IOTLB (virtio_map_iotlb_plan.c), floor 1:
 * what the device may reach, worked out from the port's state.
 */

#ifndef _VIRTIO_MAP_IOTLB_PLAN_H_
#define _VIRTIO_MAP_IOTLB_PLAN_H_

#include "virtio_map_state.h"

/**
 * Build the translations the device may have: rings read-write, what the
 * device only reads read-only, Rx buffer memory read-write, Tx buffer
 * memory read-only, nothing else (see the file's comment).
 *
 * @param out       out: malloc'd array sorted by IOVA (free())
 * @param n         out: its entries
 * @return 0; a negative errno from the map kind (-ENOTSUP: no per-queue
 *   window) or -ENOMEM
 */
int virtio_map_iotlb_plan(struct virtio_map_dev *dev,
			  struct virtio_map_xlat **out, unsigned int *n);

/** The translation of a plan (sorted by IOVA) that holds iova, or NULL. */
const struct virtio_map_xlat *
virtio_map_iotlb_find(const struct virtio_map_xlat *x, unsigned int n,
		      uint64_t iova);

#endif /* _VIRTIO_MAP_IOTLB_PLAN_H_ */
