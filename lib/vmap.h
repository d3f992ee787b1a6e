/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The virtio_map authors
 */

/**
 * @file
 * Map operations inside the driver: the registry of kinds, the device and
 * queue tokens' set-up, and the wrappers the driver calls the ops through.
 * The types a kind is made of are public, in virtio_map_kind.h.
 *
 * For the built-in kinds "va" and "pa" the driver's hot path computes
 * addresses inline (see rte_vmap_kind); the ops table is called per burst
 * for every other kind. The library has no ethdev dependency: it knows
 * EAL memory and mbufs, nothing about ports or rings.
 */

#ifndef _VMAP_H_
#define _VMAP_H_

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <rte_common.h>
#include <rte_memory.h>

#include "virtio_map_kind.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Default bounce region of kinds that bounce: 64 MiB. */
#define VMAP_BOUNCE_SIZE_DEFAULT	(64u << 20)
/** Smallest bounce region: 1 MiB. */
#define VMAP_BOUNCE_SIZE_MIN		(1u << 20)
/** Largest bounce region: 1 GiB. */
#define VMAP_BOUNCE_SIZE_MAX		(1u << 30)

/**
 * Register a map kind under ops->name.
 *
 * @param ops
 *   Table that stays valid until unregistered and every device that
 *   uses it is detached (virtio_map_kind.h). Needs name, map,
 *   alloc_coherent, free_coherent and regions.
 * @return
 *   0; -EINVAL if a required member is missing or the name is empty or too
 *   long; -EEXIST if the name is taken; -ENOSPC if the registry is full.
 */
int vmap_register(const struct rte_vmap_ops *ops);

/**
 * Remove a kind registered with vmap_register().
 *
 * @return 0, or -ENOENT if no kind has that name.
 */
int vmap_unregister(const char *name);

/**
 * Find a kind by name (built-in or registered).
 *
 * @return the table, or NULL if none has that name.
 */
const struct rte_vmap_ops *vmap_find(const char *name);

/**
 * Write the registered kind names, separated by '|', into buf.
 *
 * @return buf.
 */
const char *vmap_names(char *buf, size_t len);

/**
 * Attach a kind to a device token.
 *
 * @param d
 *   Token to fill.
 * @param ops
 *   The kind.
 * @param name
 *   Device name, used in messages.
 * @param socket_id
 *   NUMA socket for coherent allocations.
 * @param params
 *   Parameters (bounce size, debug layer); NULL means defaults. With
 *   params->debug the kind is wrapped in the checking layer, and the
 *   device's hot-path kind becomes RTE_VMAP_KIND_OPS.
 * @return
 *   0, or the negative errno of ops->attach (or -ENOMEM).
 */
int vmap_dev_attach(struct rte_vmap_dev *d, const struct rte_vmap_ops *ops,
		    const char *name, int socket_id,
		    const struct rte_vmap_params *params);

/** Detach a kind from a device token. Idempotent. */
void vmap_dev_detach(struct rte_vmap_dev *d);

/** The built-in "va" kind. */
extern const struct rte_vmap_ops vmap_va_ops;
/** The built-in "pa" kind. */
extern const struct rte_vmap_ops vmap_pa_ops;
/** The built-in "vduse" kind: a private IOVA domain with bounce buffers. */
extern const struct rte_vmap_ops vmap_vduse_ops;

/**
 * Set up a queue token of device d (calls ops->queue_setup if any).
 *
 * @param d        device
 * @param q        token to fill
 * @param qid      virtqueue index
 * @param dir      RTE_VMAP_TO_DEVICE (Tx) or RTE_VMAP_FROM_DEVICE (Rx)
 * @param nb_desc  most mappings live at once
 * @param buf_len  longest single buffer
 * @return 0 or the kind's negative errno
 */
int vmap_queue_setup(struct rte_vmap_dev *d, struct rte_vmap_queue *q, uint16_t qid,
		     enum rte_vmap_dir dir, uint16_t nb_desc, uint32_t buf_len);

/** Release a queue token. Idempotent. */
void vmap_queue_release(struct rte_vmap_queue *q);

/**
 * Count (and, with the debug layer, report) mappings of an idle queue
 * that were never unmapped.
 *
 * @return live mappings; 0 for kinds that do not track them
 */
unsigned int vmap_queue_live(struct rte_vmap_queue *q);

/**
 * Misuses the debug layer saw on d (double unmap, unknown IOVA, sync of
 * an unmapped IOVA, unmap or sync with a len other than the mapping's or
 * a sync_len past it, leaks at stop).
 *
 * @return the count; 0 when the debug layer is off
 */
uint64_t vmap_debug_errors(const struct rte_vmap_dev *d);

/** Entries of each process's table of kinds (slot 0: none). */
#define VMAP_SLOTS 32

/**
 * This process's ops of each slot. The primary gives a kind its slot at
 * its first attach (vmap_dev_bind()); a secondary process fills the same
 * slot from the token's kind_name (vmap_dev_attach_secondary()).
 */
extern const struct rte_vmap_ops *vmap_slot_ops[VMAP_SLOTS];

/** The ops of d's kind in this process (NULL: not attached here). */
static inline const struct rte_vmap_ops *
vmap_dev_ops(const struct rte_vmap_dev *d)
{
	return vmap_slot_ops[d->slot];
}

/**
 * Make d a token of kind ops without attaching (the kind's attach is not
 * called): its slot, kind and kind_name. vmap_dev_attach() starts with it.
 *
 * @return 0, or -ENOSPC (logged) when every slot holds another kind
 */
int vmap_dev_bind(struct rte_vmap_dev *d, const struct rte_vmap_ops *ops);

/** Most regions a secondary process takes from the primary. */
#define VMAP_SECONDARY_REGIONS_MAX 4

/**
 * Ask the primary for the regions of d's kind (its regions op there),
 * with this process's copies of their fds.
 *
 * @return the count written to r (at most max), or a negative errno
 */
typedef int (*vmap_fetch_regions_t)(struct rte_vmap_dev *d,
				    struct rte_vmap_region *r,
				    unsigned int max, void *arg);

/**
 * In a secondary process: find the kind of d, a token the primary
 * attached, by its name in this process's registry, and fill its slot
 * (and those of a kind it wraps). The kind must have been registered here
 * and carry RTE_VMAP_F_MULTI_PROCESS. A kind with an attach_secondary op
 * gets the primary's regions through fetch (called only then), and the
 * fds that fetch returned are closed after it.
 *
 * @return 0; -ENOENT (kind not registered here), -ENOTSUP (the kind
 *   does not work in secondaries), or the error of fetch or of the kind's
 *   attach_secondary, logged with the port name
 */
int vmap_dev_attach_secondary(struct rte_vmap_dev *d, vmap_fetch_regions_t fetch,
			      void *arg);

/**
 * Whether d's kind (or the kind a debug token wraps) maps memory of its
 * own in secondary processes (has attach_secondary): then, and only
 * then, the primary sends a secondary the regions of d.
 */
bool vmap_dev_secondary_maps(const struct rte_vmap_dev *d);

/**
 * In a secondary process: undo vmap_dev_attach_secondary() (the kind's
 * detach_secondary, with the token it was given) when the port is closed
 * or removed here. Works from what this process recorded at attach, not
 * from d's contents (the primary may have closed the port already):
 * d is a key only. Idempotent; nothing for a token not attached here.
 */
void vmap_dev_detach_secondary(const struct rte_vmap_dev *d);

/**
 * Map a burst through the queue's kind (see rte_vmap_ops.map): reads addr,
 * iova and len of each segment, writes dev_addr.
 *
 * @return the count of leading segments mapped.
 */
static inline uint16_t
vmap_map(struct rte_vmap_queue *q, struct rte_vmap_seg *segs, uint16_t n,
	 enum rte_vmap_dir dir)
{
	return vmap_dev_ops(q->dev)->map(q, segs, n, dir);
}

/**
 * Unmap a burst by dev_addr and len, making sync_len bytes visible for
 * buffers the device wrote (see rte_vmap_ops.unmap); no-op for kinds without
 * unmap.
 */
static inline void
vmap_unmap(struct rte_vmap_queue *q, const struct rte_vmap_seg *segs, uint16_t n,
	   enum rte_vmap_dir dir)
{
	if (vmap_dev_ops(q->dev)->unmap != NULL)
		vmap_dev_ops(q->dev)->unmap(q, segs, n, dir);
}

/**
 * Sync sync_len bytes of each segment for the CPU (see
 * rte_vmap_ops.sync_for_cpu); no-op for kinds that need none.
 */
static inline void
vmap_sync_for_cpu(struct rte_vmap_queue *q, const struct rte_vmap_seg *segs,
		  uint16_t n, enum rte_vmap_dir dir)
{
	if (vmap_dev_ops(q->dev)->sync_for_cpu != NULL)
		vmap_dev_ops(q->dev)->sync_for_cpu(q, segs, n, dir);
}

/**
 * Sync len bytes of each segment for the device (see
 * rte_vmap_ops.sync_for_device); no-op for kinds that need none.
 */
static inline void
vmap_sync_for_device(struct rte_vmap_queue *q, const struct rte_vmap_seg *segs,
		     uint16_t n, enum rte_vmap_dir dir)
{
	if (vmap_dev_ops(q->dev)->sync_for_device != NULL)
		vmap_dev_ops(q->dev)->sync_for_device(q, segs, n, dir);
}

/** 0 if dev_addr is a live mapping of q, else a negative errno. */
static inline int
vmap_mapping_error(struct rte_vmap_queue *q, rte_iova_t dev_addr)
{
	if (vmap_dev_ops(q->dev)->mapping_error == NULL)
		return 0;
	return vmap_dev_ops(q->dev)->mapping_error(q, dev_addr);
}

/** True if d's kind needs sync calls. */
static inline bool
vmap_need_sync(struct rte_vmap_dev *d)
{
	return vmap_dev_ops(d)->need_sync != NULL && vmap_dev_ops(d)->need_sync(d);
}

/** Largest single mapping, SIZE_MAX when the kind has no limit. */
static inline size_t
vmap_max_mapping_size(struct rte_vmap_dev *d)
{
	return vmap_dev_ops(d)->max_mapping_size != NULL ?
		vmap_dev_ops(d)->max_mapping_size(d) : SIZE_MAX;
}

/**
 * The device-address window of queue q's streaming mappings (see
 * rte_vmap_ops.queue_window).
 *
 * @return 0 with *w filled; -ENOTSUP when the kind has no such window;
 *   -EINVAL when the queue is not set up
 */
int vmap_queue_window(struct rte_vmap_queue *q, struct rte_vmap_region *w);

/**
 * Allocate coherent memory (see rte_vmap_ops.alloc_coherent).
 *
 * @return the address, or NULL with rte_errno set.
 */
void *vmap_alloc_coherent(struct rte_vmap_dev *d, size_t size, size_t align,
			  rte_iova_t *dev_addr);

/** Free coherent memory; NULL is ignored. */
void vmap_free_coherent(struct rte_vmap_dev *d, void *addr, size_t size);

/**
 * Describe the memory the device must reach (see rte_vmap_ops.regions).
 *
 * @return the region count (possibly above max), or a negative errno.
 */
int vmap_regions(struct rte_vmap_dev *d, struct rte_vmap_region *r, unsigned int max,
		 bool locked);

struct vmap_umem;

/**
 * Registered memory of d's domain (vmap_umem.h), through the debug
 * layer: NULL unless d's kind is vduse.
 */
struct vmap_umem *vmap_dev_umem(struct rte_vmap_dev *d);

/**
 * Buffers of registered area k that queue q has in flight (0 for a kind
 * other than vduse). Read by the control path; the count moves only in
 * q's bursts.
 */
uint32_t vmap_queue_umem_live(struct rte_vmap_queue *q, unsigned int k);

/**
 * For a data path that maps buffers in registered memory itself (a plain
 * vduse queue, not wrapped by the debug layer): the domain's registered
 * memory and q's in-flight counts per area, which that data path must
 * keep as the kind's map and unmap do (vmap_bounce.c).
 *
 * @return 0, or -ENOTSUP (another kind, or the debug layer around it)
 */
int vmap_queue_umem(struct rte_vmap_queue *q, const struct vmap_umem **um,
		    uint32_t **live);

/**
 * Describe file-backed EAL memory as runs contiguous in one file and in
 * virtual address space and, with by_iova, in EAL IOVA too (dev_addr is
 * the IOVA); without by_iova dev_addr is the virtual address. Kind
 * independent: what a transport needs when the device reaches memory
 * through an IOTLB (the table by VA, translations per IOVA run).
 *
 * @param r        filled with up to max runs
 * @param max      size of r (0 to count only)
 * @param by_iova  split runs where IOVAs are not contiguous
 * @param locked   EAL's memory lock is held (called from a memory event)
 * @return the run count (possibly above max), or a negative errno.
 */
int vmap_eal_runs(struct rte_vmap_region *r, unsigned int max, bool by_iova,
		  bool locked);

#ifdef __cplusplus
}
#endif

#endif /* _VMAP_H_ */
