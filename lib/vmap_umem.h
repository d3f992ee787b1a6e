/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The virtio_map authors
 */

/**
 * @file
 * Memory the application gets from a vduse domain for its buffers (after
 * Linux's VDUSE_IOTLB_REG_UMEM): buffers that lie wholly inside such an
 * area are handed to the device at the area's domain address, without a
 * bounce copy; any other buffer bounces as before.
 *
 * Over vhost-user a memory-table region shares its whole file, and a
 * backend such as DPDK's maps that file from its start. So an area is
 * never a piece of EAL memory (whose file holds the rest of the heap, or
 * all of --no-huge memory): the domain allocates each area in a memfd of
 * its own, exactly the area's size, and the application builds its
 * buffers there (an mbuf pool with pinned external buffers keeps the
 * rte_mbuf structures out of the device's reach).
 *
 * Each area gets a fixed window of the domain's IOVA space, far above the
 * bounce and coherent regions: area k starts at VMAP_UMEM_IOVA_BASE +
 * k * VMAP_UMEM_WINDOW. So an address the driver kept at map time names
 * its area by a shift, and unmap needs no search.
 *
 * An area's state moves FREE -> LISTED (in the device's memory table, not
 * yet used for buffers) -> ACTIVE (used) -> LISTED -> FREE. The control
 * path (the PMD, holding the port lock) moves it; the data path only reads
 * it. Going ACTIVE waits until the device has a table that holds the
 * area; leaving ACTIVE waits until no burst can still be mapping into it
 * and no buffer of it is in flight (vmap_umem_live()).
 *
 * The table lives in DPDK's shared heap, inside the domain: bursts in
 * secondary processes read it. The memory itself is mapped in the primary
 * only.
 */

#ifndef _VMAP_UMEM_H_
#define _VMAP_UMEM_H_

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <rte_common.h>

#include "virtio_map_kind.h"

#ifdef __cplusplus
extern "C" {
#endif

/**
 * Areas per domain: a vhost-user memory table holds 8 regions (what
 * DPDK's vhost answers to GET_MAX_MEM_SLOTS) and the domain takes 2.
 */
#define VMAP_UMEM_MAX		6u

/** Domain address of area 0; above any bounce and coherent region. */
#define VMAP_UMEM_IOVA_BASE	((uint64_t)1 << 44)

/** log2 of each area's IOVA window: an area spans at most 1 TiB. */
#define VMAP_UMEM_WINDOW_SHIFT	40
#define VMAP_UMEM_WINDOW	((uint64_t)1 << VMAP_UMEM_WINDOW_SHIFT)

/** States of an area (see the file comment). */
enum vmap_umem_state {
	VMAP_UMEM_FREE = 0,	/**< slot unused */
	VMAP_UMEM_LISTED,	/**< in the device's table, not for buffers */
	VMAP_UMEM_ACTIVE,	/**< buffers inside map to it */
};

/** One registered area, page-rounded. */
struct vmap_umem_area {
	uintptr_t va;		/**< first byte */
	uint64_t len;		/**< bytes */
	uint32_t state;		/**< enum vmap_umem_state */
	int fd;			/**< its memfd (the primary's, owned) */
};

/** A domain's registered areas. */
struct vmap_umem {
	struct vmap_umem_area a[VMAP_UMEM_MAX];
	/** Slots below this may be in use: the data path looks no
	 * further (0: nothing registered, no cost). */
	uint32_t nb_slots;
};

/** Domain address of area k's first byte. */
static inline uint64_t
vmap_umem_iova(unsigned int k)
{
	return VMAP_UMEM_IOVA_BASE + ((uint64_t)k << VMAP_UMEM_WINDOW_SHIFT);
}

/** An ACTIVE area as one burst sees it (vmap_umem_snapshot()). */
struct vmap_umem_snap {
	uintptr_t va;		/**< first byte */
	uint64_t len;		/**< bytes */
	uint64_t delta;		/**< domain address - process address */
	uint32_t slot;		/**< its slot */
	uint32_t n;		/**< buffers the burst mapped into it */
};

/**
 * Data path, once per burst: the ACTIVE areas into s. A burst may use the
 * snapshot to its end: an area leaves ACTIVE only after every burst that
 * may have seen it so has left its queue (the PMD waits, vmq_quiesce()),
 * and then its buffers still in flight are counted before it goes.
 *
 * @return how many
 */
static __rte_always_inline uint32_t
vmap_umem_snapshot(const struct vmap_umem *um, struct vmap_umem_snap *s)
{
	uint32_t nb = __atomic_load_n(&um->nb_slots, __ATOMIC_ACQUIRE);
	uint32_t k, n = 0;

	for (k = 0; k < nb; k++) {
		const struct vmap_umem_area *a = &um->a[k];

		if (__atomic_load_n(&a->state, __ATOMIC_ACQUIRE) !=
		    VMAP_UMEM_ACTIVE)
			continue;
		s[n].va = a->va;
		s[n].len = a->len;
		s[n].delta = vmap_umem_iova(k) - a->va;
		s[n].slot = k;
		s[n].n = 0;
		n++;
	}
	return n;
}

/** Data path: does snapshot entry s hold all of [p, p + len)? */
static __rte_always_inline bool
vmap_umem_snap_holds(const struct vmap_umem_snap *s, uintptr_t p,
		     uint32_t len)
{
	uintptr_t off = p - s->va;

	return off < s->len && len <= s->len - off;
}

/** Data path: the snapshot entry holding all of [addr, addr + len), or -1. */
static __rte_always_inline int
vmap_umem_snap_find(const struct vmap_umem_snap *s, uint32_t n,
		    const void *addr, uint32_t len)
{
	uint32_t k;

	for (k = 0; k < n; k++)
		if (vmap_umem_snap_holds(&s[k], (uintptr_t)addr, len))
			return (int)k;
	return -1;
}

/**
 * The area slot a domain address kept at map time lies in, or -1 when it
 * is not an area's address.
 */
static __rte_always_inline int
vmap_umem_slot_of(uint64_t dev_addr)
{
	uint64_t k;

	if (dev_addr < VMAP_UMEM_IOVA_BASE)
		return -1;
	k = (dev_addr - VMAP_UMEM_IOVA_BASE) >> VMAP_UMEM_WINDOW_SHIFT;
	return k < VMAP_UMEM_MAX ? (int)k : -1;
}

/**
 * Control path: allocate len bytes, rounded up to pages, zeroed, in a
 * memfd of their own, mapped shared in this process, and list them as a
 * new area in state LISTED.
 *
 * @param slot  out: the area's slot
 * @return the memory, or NULL with rte_errno: EINVAL (len 0 or above
 *   1 TiB), ENOSPC (VMAP_UMEM_MAX areas already), or the errno of
 *   memfd_create/ftruncate/mmap; logged with name
 */
void *vmap_umem_alloc(struct vmap_umem *um, const char *name, size_t len,
		      unsigned int *slot);

/**
 * Control path: the slot of the area that starts at addr, or -ENOENT.
 */
int vmap_umem_find(const struct vmap_umem *um, const void *addr);

/**
 * Control path: unmap and close area k and forget it (FREE). The caller
 * made sure that no burst maps into it and none of its buffers is in
 * flight.
 */
void vmap_umem_release(struct vmap_umem *um, unsigned int k);

/** Control path: release every area (the domain goes). */
void vmap_umem_release_all(struct vmap_umem *um);

/** Control path: move area k between LISTED and ACTIVE. */
void vmap_umem_set(struct vmap_umem *um, unsigned int k,
		   enum vmap_umem_state s);

/**
 * Control path: the areas in the device's table (LISTED or ACTIVE) as
 * transport regions, dev_addr = their domain address.
 *
 * @return how many (possibly above max; then only max were written)
 */
unsigned int vmap_umem_regions(const struct vmap_umem *um,
			       struct rte_vmap_region *r, unsigned int max);

#ifdef __cplusplus
}
#endif

#endif /* _VMAP_UMEM_H_ */
