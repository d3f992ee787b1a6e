/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The virtio_map authors
 */

/**
 * @file
 * A private IOVA domain in the manner of Linux's VDUSE iova_domain: the
 * device sees only this IOVA space, never the application's memory.
 *
 * Layout: a bounce region at IOVA [0, bounce_size) and a coherent region
 * at [bounce_size, bounce_size + coherent_size), each backed by its own
 * memfd and mapped into this process. The transport shares exactly those
 * two files (vmap_domain_regions()).
 *
 * Bounce space is handed out with an IOVA API after Linux's
 * dma_iova_try_alloc / link / sync / unlink / destroy: reserve a range
 * once, link many buffers into it (copying what the device must read),
 * make them visible with one sync, unlink (copying back what the device
 * wrote). Per-queue slot pools (struct vmap_bounce_pool) are built on one
 * reserved range each and serve whole bursts without locks.
 *
 * Control-path calls (create, destroy, regions, coherent alloc/free,
 * iova_try_alloc, iova_destroy, pool create/destroy) take the domain lock.
 * Link, sync, unlink and the pool's burst calls do not lock: a range or a
 * pool belongs to one thread at a time.
 */

#ifndef _VMAP_DOMAIN_H_
#define _VMAP_DOMAIN_H_

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vmap.h"
#include "vmap_umem.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Coherent region size of the vduse kind: rings and header slots. */
#define VMAP_DOMAIN_COHERENT_SIZE	(32u << 20)

struct vmap_domain;

/**
 * Create a domain. Sizes are rounded up to the page size.
 *
 * @param name           for messages and memfd names
 * @param bounce_size    bounce region bytes, VMAP_BOUNCE_SIZE_MIN..MAX
 * @param coherent_size  coherent region bytes (> 0)
 * @return the domain, or NULL with rte_errno set (EINVAL for a size out
 *   of range, or the errno of memfd_create/ftruncate/mmap)
 */
struct vmap_domain *vmap_domain_create(const char *name, size_t bounce_size,
				       size_t coherent_size);

/** Unmap and close everything. NULL is ignored. */
void vmap_domain_destroy(struct vmap_domain *dom);

/**
 * In a secondary process: map the primary's domain dom (in shared memory)
 * at the same addresses, from the regions the primary's
 * vmap_domain_regions() gave with this process's copies of the fds (the
 * caller closes them after). The pools and rings in it are then usable
 * here. What was mapped goes to base and len: munmap() them to undo it
 * (the primary may have freed dom by then).
 *
 * @return 0; -EPROTO (regions that are not this domain's), -EEXIST (the
 *   address range is taken in this process) or mmap's errno, logged
 */
int vmap_domain_attach_secondary(const struct vmap_domain *dom,
				 const struct rte_vmap_region *r,
				 unsigned int n, void **base, size_t *len);

/** Bounce region bytes. */
size_t vmap_domain_bounce_size(const struct vmap_domain *dom);

/** Coherent region bytes. */
size_t vmap_domain_coherent_size(const struct vmap_domain *dom);

/**
 * The domain's memory as transport regions: [0] bounce, [1] coherent,
 * dev_addr = IOVA, addr = where this process maps it, fd = its memfd.
 *
 * @return 2 (the count, even when max < 2; then only max are written)
 */
int vmap_domain_regions(const struct vmap_domain *dom, struct rte_vmap_region *r,
			unsigned int max);

/** The domain's registered memory (vmap_umem.h). */
struct vmap_umem *vmap_domain_umem(struct vmap_domain *dom);

/**
 * Process address of an IOVA of the domain.
 *
 * @return the address, or NULL if iova + len is not inside one region
 */
void *vmap_domain_iova_to_va(const struct vmap_domain *dom, rte_iova_t iova,
			     size_t len);

/**
 * Allocate zeroed coherent memory (first fit, align a power of two from 1
 * to 2 MiB).
 *
 * @param iova  out: its IOVA
 * @return the address, or NULL with rte_errno = ENOMEM (region full) or
 *   EINVAL
 */
void *vmap_domain_alloc_coherent(struct vmap_domain *dom, size_t size,
				 size_t align, rte_iova_t *iova);

/**
 * Free coherent memory. An address the domain did not hand out is logged
 * and ignored.
 */
void vmap_domain_free_coherent(struct vmap_domain *dom, void *addr,
			       size_t size);

/** A reserved bounce range (after Linux's struct dma_iova_state). */
struct vmap_iova_state {
	rte_iova_t iova;	/**< first IOVA of the range */
	size_t size;		/**< bytes */
	void *va;		/**< where this process sees it */
};

/**
 * Reserve size bytes of bounce IOVA space (page aligned, first fit).
 *
 * @return 0, -EINVAL (size 0 or larger than the bounce region), -ENOSPC
 *   (no free range that large)
 */
int vmap_iova_try_alloc(struct vmap_domain *dom, struct vmap_iova_state *st,
			size_t size);

/**
 * Link a buffer at offset of a reserved range: for RTE_VMAP_TO_DEVICE and
 * RTE_VMAP_BIDIRECTIONAL copy len bytes from buf into the range.
 *
 * @return 0, or -EINVAL if [offset, offset + len) is outside the range
 */
int vmap_iova_link(struct vmap_iova_state *st, size_t offset, const void *buf,
		   size_t len, enum rte_vmap_dir dir);

/**
 * Make everything linked so far visible to the device (one store fence
 * for the whole batch).
 */
void vmap_iova_sync(struct vmap_iova_state *st);

/**
 * Unlink a buffer: for RTE_VMAP_FROM_DEVICE and RTE_VMAP_BIDIRECTIONAL copy len
 * bytes the device wrote at offset back to buf (after a load fence).
 *
 * @return 0, or -EINVAL if [offset, offset + len) is outside the range
 */
int vmap_iova_unlink(struct vmap_iova_state *st, size_t offset, void *buf,
		     size_t len, enum rte_vmap_dir dir);

/** Give a reserved range back. Idempotent (size becomes 0). */
void vmap_iova_destroy(struct vmap_domain *dom, struct vmap_iova_state *st);

/** A bounce copy: n bytes from src to dst, not overlapping. */
typedef void (*vmap_copy_fn)(void *dst, const void *src, size_t n);

/**
 * The widest bounce copy this CPU and EAL's SIMD limit allow (AVX-512,
 * AVX2, or rte_memcpy() as built), chosen at run time (vmap_copy.c).
 *
 * @param name
 *   Out, may be NULL: "avx512", "avx2" or "rte_memcpy".
 * @return the copy function
 */
vmap_copy_fn vmap_copy_select(const char **name);

/** Copies shorter than this stay with the inline rte_memcpy(). */
#define VMAP_COPY_WIDE_MIN	256

/** Per-queue pool of equal bounce slots on one reserved range. */
struct vmap_bounce_pool {
	struct vmap_iova_state range;	/**< the slots' IOVA range */
	uint64_t slot_inv;		/**< 2^64 / slot_size, rounded up */
	uint32_t slot_size;		/**< bytes per slot (64-aligned) */
	uint32_t nb_slots;		/**< slots in the range */
	uint32_t nb_free;		/**< slots on the free stack */
	uint32_t *free;			/**< stack of free slot indexes */
	uint8_t *busy;			/**< 1 per slot handed out */
	/** The domain's registered memory: buffers inside an active area
	 * map to it without a slot (in the shared domain) */
	const struct vmap_umem *umem;
	/** Buffers of each area this queue has in flight (read by the
	 * control path before an area leaves ACTIVE) */
	uint32_t umem_live[VMAP_UMEM_MAX];
};

/**
 * The slot that starts at offset off of a pool's range of span bytes, in
 * slots of slot_size bytes with reciprocal slot_inv: its index, or -1 when
 * off is past the range or not at a slot's start. The pool's fields come
 * as values, so that a loop keeps them in registers. The reciprocal's
 * error stays below one slot for any off under 2^32, and a pool spans at
 * most VMAP_BOUNCE_SIZE_MAX.
 */
static inline int64_t
vmap_bounce_slot_at(uint64_t off, uint64_t span, uint32_t slot_size,
		    uint64_t slot_inv)
{
	uint32_t idx;

	if (off >= span)
		return -1;
	idx = (uint32_t)(((unsigned __int128)off * slot_inv) >> 64);
	if ((uint32_t)off != idx * slot_size)
		return -1;
	return idx;
}

/**
 * Create a pool of nb_slots slots of at least slot_size bytes. When the
 * bounce region cannot hold them all, halves the count until a range fits
 * (leaving room for the queues set up after this one), down to min_slots,
 * and logs a warning with the numbers.
 *
 * @return 0; -EINVAL; -ENOSPC if not even min_slots fit (logged with the
 *   bounce size, the need and the "bounce_size" devarg as the remedy);
 *   -ENOMEM
 */
int vmap_bounce_pool_create(struct vmap_domain *dom,
			    struct vmap_bounce_pool *p, uint32_t nb_slots,
			    uint32_t min_slots, uint32_t slot_size);

/**
 * Choose this process's copy for bounces of VMAP_COPY_WIDE_MIN bytes or
 * more (vmap_copy_select()). Pools live in memory every process shares
 * and hold no function pointer: each process chooses its own, at its
 * first pool create, or when a secondary maps the domain. Idempotent.
 */
void vmap_bounce_process_init(void);

/** Free a pool (its range and arrays). Idempotent. */
void vmap_bounce_pool_destroy(struct vmap_domain *dom,
			      struct vmap_bounce_pool *p);

/**
 * Map a burst: take one slot per segment, copy segs[i].len bytes in for
 * RTE_VMAP_TO_DEVICE / RTE_VMAP_BIDIRECTIONAL, set segs[i].dev_addr to the slot's
 * IOVA, and sync once. segs[i].iova is not read.
 * A segment longer than a slot stops the burst (map error); so does an
 * empty pool (counted once per burst in st->exhausted). Bytes copied are
 * added to st->bounced_to_dev.
 *
 * @return segments mapped (a prefix of segs)
 */
uint16_t vmap_bounce_map(struct vmap_bounce_pool *p, struct rte_vmap_seg *segs,
			 uint16_t n, enum rte_vmap_dir dir,
			 struct rte_vmap_qstats *st);

/**
 * Unmap a burst: find each slot from segs[i].dev_addr; for
 * RTE_VMAP_FROM_DEVICE / RTE_VMAP_BIDIRECTIONAL copy segs[i].sync_len bytes back
 * to segs[i].addr, then return the slot. A len longer than the slot, or a
 * sync_len longer than len, is a map error and copies nothing, but the
 * slot goes back. A dev_addr that is not a busy slot of this pool is
 * counted as a map error and skipped. Bytes copied are added to
 * st->bounced_from_dev.
 */
void vmap_bounce_unmap(struct vmap_bounce_pool *p, const struct rte_vmap_seg *segs,
		       uint16_t n, enum rte_vmap_dir dir, struct rte_vmap_qstats *st);

/** Slots handed out and not returned. */
uint32_t vmap_bounce_pool_busy(const struct vmap_bounce_pool *p);

#ifdef __cplusplus
}
#endif

#endif /* _VMAP_DOMAIN_H_ */
