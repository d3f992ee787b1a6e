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
 * Allocate memory for buffers that a map=vduse port hands to the device
 * without a bounce copy (after Linux's VDUSE_IOTLB_REG_UMEM): a buffer
 * that lies wholly inside it goes at its domain address; any other buffer
 * (one outside, or one that straddles its end) bounces as before.
 *
 * The device can read and write this memory at any time, and nothing
 * else of the process beyond the domain's bounce and coherent regions:
 * the memory is a file of its own, exactly this size (rounded up to
 * pages), which the device maps. Build mbufs with their data here and
 * their rte_mbuf structures elsewhere, so that the device cannot reach
 * the structures: a pool of pinned external buffers does that,
 *
 * @code
 * struct rte_pktmbuf_extmem ext = {
 *	.buf_len = n * elt, .elt_size = elt,
 * };
 * ext.buf_ptr = rte_pmd_virtio_map_mem_alloc(port_id, ext.buf_len);
 * ext.buf_iova = (uintptr_t)ext.buf_ptr;
 * mp = rte_pktmbuf_pool_create_extbuf("pool", n, 256, 0, elt,
 *				       rte_socket_id(), &ext, 1);
 * @endcode
 *
 * Before or after start; when the device is up, this returns once it has
 * taken the new memory table. The memory is mapped in the primary process
 * only. At most 6 allocations per port (a vhost-user memory table holds
 * 8 regions, the domain takes 2). Primary process, control path: it may
 * wait for the port lock and the device's answer, so not from EAL's
 * interrupt thread (LSC callbacks) or alarms.
 *
 * @param port_id  a net_virtio_map port with map=vduse
 * @param len      bytes (at most 1 TiB)
 * @return the memory (page-aligned, zeroed), or NULL with rte_errno:
 *   ENODEV (not a net_virtio_map port), E_RTE_SECONDARY, ENOTSUP (map is
 *   not vduse, or map_debug=1), EINVAL (len), ENOSPC (6 allocations
 *   already), or the errno of the device's answer or of
 *   memfd_create/mmap; each logged with the reason
 */
__rte_experimental
void *rte_pmd_virtio_map_mem_alloc(uint16_t port_id, size_t len);

/**
 * @warning
 * @b EXPERIMENTAL: this API may change without prior notice.
 *
 * Free memory from rte_pmd_virtio_map_mem_alloc(). Refused while any
 * buffer in it is with the device: Rx buffers stay posted while the port
 * runs, so stop the port first when Rx buffers come from it. Free the
 * mempool built on it first. When the device is up, this sends it a
 * memory table without the memory.
 *
 * @param port_id  the port it was allocated for
 * @param addr     the address rte_pmd_virtio_map_mem_alloc() returned
 * @return 0; -ENOENT (not device memory of this port), -EBUSY (buffers
 *   of it in flight), -ETIMEDOUT (a burst did not leave its queue), or
 *   the errors of rte_pmd_virtio_map_mem_alloc() for the port; each
 *   logged
 */
__rte_experimental
int rte_pmd_virtio_map_mem_free(uint16_t port_id, void *addr);

#ifdef __cplusplus
}
#endif

#endif /* _RTE_PMD_VIRTIO_MAP_H_ */
