/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The virtio_map authors
 */

/**
 * @file
 * Public API of the net_virtio_map PMD for applications that link it.
 *
 * An application can give the driver its own way of turning buffers into
 * device addresses: fill a struct rte_vmap_ops (virtio_map_kind.h; kind
 * RTE_VMAP_KIND_OPS), register it under a name, and select it per port
 * with the devarg map=NAME. The driver then calls the table once per
 * burst, with a per-device token (struct rte_vmap_dev) and a per-queue
 * token (struct rte_vmap_queue) whose priv fields belong to the table.
 * virtio_map_kind.h says when each op is called, from which thread, and
 * how long the table must live.
 *
 * Every function here is EXPERIMENTAL: build with -DALLOW_EXPERIMENTAL_API
 * (pkg-config --cflags libdpdk-virtio_map gives it).
 */

#ifndef _RTE_PMD_VIRTIO_MAP_H_
#define _RTE_PMD_VIRTIO_MAP_H_

#include <stdbool.h>
#include <stdint.h>

#include <rte_compat.h>

#include "virtio_map_kind.h"

#ifdef __cplusplus
extern "C" {
#endif

/**
 * @warning
 * @b EXPERIMENTAL: this API may change without prior notice.
 *
 * Register map operations under ops->name, for devarg map=NAME. Call it
 * before the ports that use it are probed: for --vdev ports, before
 * rte_eal_init(); it needs nothing of EAL.
 *
 * @param ops
 *   Table that stays valid, unchanged, until it is unregistered and every
 *   port using it is closed. Needs name (1..31 characters, no ',' or '=',
 *   not "auto"), kind = RTE_VMAP_KIND_OPS, map, alloc_coherent,
 *   free_coherent and regions; the other members are optional.
 * @return
 *   0; -EINVAL if a required member is missing or the name is bad;
 *   -EEXIST if the name is taken (built-in kinds: va, pa, vduse);
 *   -ENOSPC if the registry is full (16 kinds, built-in ones included).
 */
__rte_experimental
int rte_pmd_virtio_map_ops_register(const struct rte_vmap_ops *ops);

/**
 * @warning
 * @b EXPERIMENTAL: this API may change without prior notice.
 *
 * Remove map operations registered with rte_pmd_virtio_map_ops_register().
 * Ports already using them keep calling them until closed.
 *
 * @param name  the name the table was registered under
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

/**
 * @warning
 * @b EXPERIMENTAL: this API may change without prior notice.
 *
 * Find a map kind by name, built-in ("va", "pa", "vduse") or registered;
 * for a kind that wraps another: copy the table, replace some members,
 * set kind = RTE_VMAP_KIND_OPS (a copy of "va" or "pa" says
 * RTE_VMAP_KIND_VA or _PA, which registration refuses) and register the
 * copy under a new name.
 *
 * @param name  the kind's name
 * @return the table, or NULL if no kind has that name
 */
__rte_experimental
const struct rte_vmap_ops *rte_pmd_virtio_map_ops_find(const char *name);

/**
 * @warning
 * @b EXPERIMENTAL: this API may change without prior notice.
 *
 * Describe EAL's file-backed memory (hugepages, or --no-huge memory) as
 * regions for a kind's regions op: each run contiguous in one file and in
 * virtual addresses; dev_addr is the virtual address, or with by_iova the
 * EAL IOVA (runs then also split where IOVAs are not contiguous). A kind
 * whose device addresses are EAL addresses reports these.
 *
 * @param r        filled with up to max regions (may be NULL when max is 0)
 * @param max      size of r; 0 to count only
 * @param by_iova  dev_addr = EAL IOVA instead of the virtual address
 * @param locked   the caller holds EAL's memory lock (pass the locked
 *                 argument of the regions op)
 * @return the region count, possibly above max (then only max were
 *   written), or a negative errno (-EINVAL for r NULL with max > 0)
 */
__rte_experimental
int rte_pmd_virtio_map_eal_regions(struct rte_vmap_region *r,
				   unsigned int max, bool by_iova,
				   bool locked);

/**
 * @warning
 * @b EXPERIMENTAL: this API may change without prior notice.
 *
 * Register memory with a map=vduse port's IOVA domain (after Linux's
 * VDUSE_IOTLB_REG_UMEM): a buffer that lies wholly inside it is handed to
 * the device at its domain address, with no bounce copy; any other buffer
 * (one outside, or one that straddles the area's end) bounces as before.
 * The device can then read and write this memory at any time (for a
 * mempool: the rte_mbuf structures in it too): it joins the domain's
 * bounce and coherent regions in the device's memory table (rounded out
 * to whole pages), and nothing else of the process does. Before or after
 * start; when the device is up, this returns once it has taken the new
 * table. Primary process, control path (not from the port's LSC
 * callback).
 *
 * The memory must lie in one file of EAL's memory: hugepages with
 * --single-file-segments (or one page), or --no-huge memory; external
 * heaps and --in-memory have no file the device could map.
 *
 * @param port_id  a net_virtio_map port with map=vduse
 * @param addr     first byte
 * @param len      bytes (at most 1 TiB)
 * @return 0; -ENODEV (not a net_virtio_map port), -E_RTE_SECONDARY,
 *   -ENOTSUP (map is not vduse), -EINVAL (length, or memory the device
 *   cannot map), -EEXIST (overlaps registered memory), -ENOSPC (6 areas
 *   already: a vhost-user memory table holds 8 regions, the domain takes
 *   2), -EIO (the device did not take the new table; nothing registered);
 *   each logged with the reason
 */
__rte_experimental
int rte_pmd_virtio_map_mem_register(uint16_t port_id, void *addr, size_t len);

/**
 * @warning
 * @b EXPERIMENTAL: this API may change without prior notice.
 *
 * Unregister memory registered with rte_pmd_virtio_map_mem_register()
 * (the same addr and len). Refused while any buffer in it is with the
 * device: Rx buffers stay posted while the port runs, so stop the port
 * first for memory that Rx buffers come from. When the device is up, this
 * returns once it has a table without the memory (on a failed send the
 * control thread keeps trying, and a warning says so).
 *
 * @return 0; -ENOENT (not registered), -EBUSY (buffers of it in flight),
 *   -ETIMEDOUT (a burst did not leave its queue), or the errors of
 *   rte_pmd_virtio_map_mem_register() for the port; each logged
 */
__rte_experimental
int rte_pmd_virtio_map_mem_unregister(uint16_t port_id, void *addr,
				      size_t len);

struct rte_mempool;

/**
 * @warning
 * @b EXPERIMENTAL: this API may change without prior notice.
 *
 * Register the memory of a populated mempool (its chunks, neighbours
 * merged; all or none) with rte_pmd_virtio_map_mem_register(): mbufs of
 * this pool then travel without a bounce copy, on Rx and on Tx.
 *
 * @return as rte_pmd_virtio_map_mem_register(); -EINVAL also for a pool
 *   without memory, -ENOSPC for more than 6 chunks
 */
__rte_experimental
int rte_pmd_virtio_map_mempool_register(uint16_t port_id,
					struct rte_mempool *mp);

/**
 * @warning
 * @b EXPERIMENTAL: this API may change without prior notice.
 *
 * Unregister a mempool registered with
 * rte_pmd_virtio_map_mempool_register() (all chunks or none), as
 * rte_pmd_virtio_map_mem_unregister().
 */
__rte_experimental
int rte_pmd_virtio_map_mempool_unregister(uint16_t port_id,
					  struct rte_mempool *mp);

#ifdef __cplusplus
}
#endif

#endif /* _RTE_PMD_VIRTIO_MAP_H_ */
