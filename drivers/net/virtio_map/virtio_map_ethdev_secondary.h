/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The virtio_map authors
 */

/*
 * The port in a secondary process (virtio_map_ethdev_secondary.c),
 * floor 4.
 */

#ifndef _VIRTIO_MAP_ETHDEV_SECONDARY_H_
#define _VIRTIO_MAP_ETHDEV_SECONDARY_H_

#include <ethdev_driver.h>

struct rte_vdev_device;

/**
 * Probe in a secondary process: attach the primary's port, with the
 * secondary ops table (reads served, configuration refused with
 * -E_RTE_SECONDARY) and bursts when the map kind works here.
 *
 * @return 0, or -ENODEV when the primary has no such port
 */
int virtio_map_probe_secondary(struct rte_vdev_device *vdev);
/** Remove in a secondary process: forget its copies, detach the port. */
int virtio_map_remove_secondary(struct rte_eth_dev *eth);

#endif /* _VIRTIO_MAP_ETHDEV_SECONDARY_H_ */
