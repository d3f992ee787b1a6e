/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The virtio_map authors
 */

/**
 * @file
 * Public API of the net_virtio_map PMD for applications that link it.
 *
 * An application can give the driver its own way of turning buffers into
 * device addresses: fill a struct vmap_ops (vmap.h; kind VMAP_KIND_OPS),
 * register it under a name, and select it per port with the devarg
 * map=<name>. The driver then calls the table once per burst, with a
 * per-device token (struct vmap_dev) and a per-queue token
 * (struct vmap_queue) whose priv fields belong to the table.
 */

#ifndef _RTE_PMD_VIRTIO_MAP_H_
#define _RTE_PMD_VIRTIO_MAP_H_

#include <stdint.h>

#include <rte_compat.h>

#include <vmap.h>

#ifdef __cplusplus
extern "C" {
#endif

/**
 * @warning
 * @b EXPERIMENTAL: this API may change without prior notice.
 *
 * Register map operations under ops->name, for devarg map=<name>. Call it
 * before probing the ports that use it.
 *
 * @param ops
 *   Table that stays valid until unregistered. Needs name (no ',' or '='),
 *   kind = VMAP_KIND_OPS, map, alloc_coherent, free_coherent and regions;
 *   the other members are optional.
 * @return
 *   0; -EINVAL if a required member is missing or the name is bad;
 *   -EEXIST if the name is taken (built-in kinds: va, pa, vduse);
 *   -ENOSPC if the registry is full.
 */
__rte_experimental
int rte_pmd_virtio_map_ops_register(const struct vmap_ops *ops);

/**
 * @warning
 * @b EXPERIMENTAL: this API may change without prior notice.
 *
 * Remove map operations registered with rte_pmd_virtio_map_ops_register().
 * Ports already using them keep them until closed.
 *
 * @return 0, or -ENOENT if no registered table has that name (built-in
 *   kinds cannot be removed).
 */
__rte_experimental
int rte_pmd_virtio_map_ops_unregister(const char *name);

/**
 * @warning
 * @b EXPERIMENTAL: this API may change without prior notice.
 *
 * Read how many mapping misuses the debug layer (devarg map_debug=1) saw
 * on a port: double unmaps, unmaps of unknown IOVAs, syncs of unmapped
 * IOVAs, unmaps or syncs with a length other than the mapping's,
 * mappings still live at stop.
 *
 * @param port_id  a net_virtio_map port
 * @param count    out: the count (0 when map_debug is off)
 * @return 0, -ENODEV if port_id is not a net_virtio_map port, -EINVAL if
 *   count is NULL
 */
__rte_experimental
int rte_pmd_virtio_map_debug_errors(uint16_t port_id, uint64_t *count);

#ifdef __cplusplus
}
#endif

#endif /* _RTE_PMD_VIRTIO_MAP_H_ */
