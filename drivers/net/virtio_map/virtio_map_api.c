/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The virtio_map authors
 */

/*
 * The PMD's public API (rte_pmd_virtio_map.h): registering and finding
 * map kinds, the EAL memory helper for a kind's regions op, and reading
 * the debug layer's findings. Thin wrappers over lib/.
 */

#include <errno.h>
#include <string.h>

#include <ethdev_driver.h>

#include "rte_pmd_virtio_map.h"
#include "virtio_map_state.h"

int
rte_pmd_virtio_map_ops_register(const struct rte_vmap_ops *ops)
{
	if (ops != NULL && ops->kind != RTE_VMAP_KIND_OPS)
		return -EINVAL;	/* the inline kinds are built in */
	return vmap_register(ops);
}

int
rte_pmd_virtio_map_ops_unregister(const char *name)
{
	return vmap_unregister(name);
}

const struct rte_vmap_ops *
rte_pmd_virtio_map_ops_find(const char *name)
{
	return vmap_find(name);
}

int
rte_pmd_virtio_map_eal_regions(struct rte_vmap_region *r, unsigned int max,
			       bool by_iova, bool locked)
{
	if (r == NULL && max > 0)
		return -EINVAL;
	return vmap_eal_runs(r, max, by_iova, locked);
}

int
rte_pmd_virtio_map_debug_errors(uint16_t port_id, uint64_t *count)
{
	struct rte_eth_dev *eth;
	struct virtio_map_shared *sh;

	if (count == NULL)
		return -EINVAL;
	eth = vm_port(port_id);
	if (eth == NULL)
		return -ENODEV;
	sh = vm_shared(eth);
	*count = vmap_debug_errors(&sh->map);
	return 0;
}
