/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The virtio_map authors
 */

/*
 * The PMD's public API (rte_pmd_virtio_map.h): registering map operations
 * and reading the debug layer's findings. Thin wrappers over lib/.
 */

#include <errno.h>
#include <string.h>

#include <ethdev_driver.h>

#include "rte_pmd_virtio_map.h"
#include "virtio_map_ethdev.h"

int
rte_pmd_virtio_map_ops_register(const struct vmap_ops *ops)
{
	if (ops != NULL && ops->kind != VMAP_KIND_OPS)
		return -EINVAL;	/* the inline kinds are built in */
	return vmap_register(ops);
}

int
rte_pmd_virtio_map_ops_unregister(const char *name)
{
	return vmap_unregister(name);
}

int
rte_pmd_virtio_map_debug_errors(uint16_t port_id, uint64_t *count)
{
	struct rte_eth_dev *eth;
	struct virtio_map_dev *dev;

	if (count == NULL)
		return -EINVAL;
	if (!rte_eth_dev_is_valid_port(port_id))
		return -ENODEV;
	eth = &rte_eth_devices[port_id];
	if (eth->device == NULL || eth->device->driver == NULL ||
	    strcmp(eth->device->driver->name, "net_virtio_map") != 0)
		return -ENODEV;
	dev = eth->data->dev_private;
	*count = vmap_debug_errors(&dev->map);
	return 0;
}
