/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The virtio_map authors
 */

/*
 * Per-queue bounce slot pools: equal slots carved out of one IOVA range
 * reserved in the domain (vmap_iova_try_alloc), a stack of free slot
 * indexes and a busy byte per slot. Creating and destroying a pool is
 * control path; map and unmap serve whole bursts on the data path of one
 * queue, with no lock, allocation, system call or log. The domain itself
 * (regions, IOVA API) is in vmap_domain.c.
 */

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <rte_atomic.h>
#include <rte_branch_prediction.h>
#include <rte_common.h>
#include <rte_malloc.h>
#include <rte_memcpy.h>

#include "vmap_domain.h"
#include "vmap_internal.h"

/* Slots are whole cache lines, so no two slots share one. */
#define VMAP_BOUNCE_SLOT_ALIGN	64u

/* This process's wide copy (pools are shared: no function pointer there). */
static vmap_copy_fn vmap_bounce_wide;

void
vmap_bounce_process_init(void)
{
	if (__atomic_load_n(&vmap_bounce_wide, __ATOMIC_ACQUIRE) == NULL)
		__atomic_store_n(&vmap_bounce_wide, vmap_copy_select(NULL),
				 __ATOMIC_RELEASE);
}

int
vmap_bounce_pool_create(struct vmap_domain *dom, struct vmap_bounce_pool *p,
			uint32_t nb_slots, uint32_t min_slots,
			uint32_t slot_size)
{
	uint32_t n, i;
	int ret;

	/* vmap_bounce_unmap() divides slot offsets in 32 bits */
	RTE_BUILD_BUG_ON(VMAP_BOUNCE_SIZE_MAX > UINT32_MAX);
	if (dom == NULL || p == NULL || nb_slots == 0 || slot_size == 0 ||
	    slot_size > UINT32_MAX - VMAP_BOUNCE_SLOT_ALIGN ||
	    min_slots > nb_slots)
		return -EINVAL;
	if (min_slots == 0)
		min_slots = 1;
	memset(p, 0, sizeof(*p));
	slot_size = RTE_ALIGN_CEIL(slot_size, VMAP_BOUNCE_SLOT_ALIGN);

	/*
	 * Halve the count until a range fits; the last try before giving up
	 * is min_slots itself, so a count between min_slots and the last
	 * half is not missed.
	 */
	n = nb_slots;
	for (;;) {
		ret = vmap_iova_try_alloc(dom, &p->range,
					  (size_t)n * slot_size);
		if (ret == 0)
			break;
		if (ret != -ENOSPC)
			return ret;
		if (n == min_slots) {
			VMAP_LOG(ERR, "bounce region of %zu bytes has no room for %u slots of %u bytes (%zu bytes) beside the other pools: raise bounce_size (1M..1G)",
				 vmap_domain_bounce_size(dom), min_slots,
				 slot_size, (size_t)min_slots * slot_size);
			return -ENOSPC;
		}
		n = RTE_MAX(n / 2, min_slots);
	}
	if (n < nb_slots)
		VMAP_LOG(WARNING, "bounce region of %zu bytes holds %u of %u slots of %u bytes: raise bounce_size (1M..1G) for full queues",
			 vmap_domain_bounce_size(dom), n, nb_slots, slot_size);

	p->free = rte_zmalloc("vmap_bounce_free", n * sizeof(*p->free),
			      RTE_CACHE_LINE_SIZE);
	p->busy = rte_zmalloc("vmap_bounce_busy", n * sizeof(*p->busy),
			      RTE_CACHE_LINE_SIZE);
	if (p->free == NULL || p->busy == NULL) {
		VMAP_LOG(ERR, "no memory for a pool of %u bounce slots", n);
		vmap_bounce_pool_destroy(dom, p);
		return -ENOMEM;
	}
	/* Pop order 0, 1, 2...: a fresh pool walks its range upwards. */
	for (i = 0; i < n; i++)
		p->free[i] = n - 1 - i;
	p->nb_free = n;
	p->nb_slots = n;
	p->slot_size = slot_size;
	p->slot_inv = UINT64_MAX / slot_size + 1;
	p->umem = vmap_domain_umem(dom);
	vmap_bounce_process_init();
	return 0;
}

void
vmap_bounce_pool_destroy(struct vmap_domain *dom, struct vmap_bounce_pool *p)
{
	if (p == NULL)
		return;
	vmap_iova_destroy(dom, &p->range);
	rte_free(p->free);
	rte_free(p->busy);
	p->free = NULL;
	p->busy = NULL;
	p->nb_slots = 0;
	p->nb_free = 0;
}

/* A bounce copy: short ones inline, long ones with the widest vectors. */
static __rte_always_inline void
vmap_bounce_copy(void *dst, const void *src, size_t n)
{
	if (n >= VMAP_COPY_WIDE_MIN)
		vmap_bounce_wide(dst, src, n);
	else
		rte_memcpy(dst, src, n);
}

/* The burst loops, built once per direction so dir tests fold away. */
static __rte_always_inline uint16_t
bounce_map_dir(struct vmap_bounce_pool *p, struct rte_vmap_seg *segs,
	       uint16_t n, enum rte_vmap_dir dir, struct rte_vmap_qstats *st)
{
	uint8_t *va = p->range.va;
	uint32_t *free_idx = p->free;
	uint8_t *busy = p->busy;
	uint32_t nb_free = p->nb_free;
	uint32_t slot_size = p->slot_size;
	uint64_t bytes = 0;
	struct vmap_umem_snap um[VMAP_UMEM_MAX];
	uint32_t idx, nb_um;
	size_t off;
	uint16_t i;
	int k;

	/* registered memory, as this burst sees it: none costs one load */
	nb_um = vmap_umem_snapshot(p->umem, um);
	/* Locals, not p->...: the copies below may alias anything. */
	for (i = 0; i < n; i++) {
		if (nb_um != 0) {
			k = vmap_umem_snap_find(um, nb_um, segs[i].addr,
						segs[i].len);
			if (k >= 0) {
				/* the device reaches it: no slot, no copy */
				segs[i].dev_addr = (uintptr_t)segs[i].addr +
						   um[k].delta;
				um[k].n++;
				continue;
			}
		}
		if (unlikely(nb_free == 0)) {
			st->exhausted++;
			break;
		}
		if (unlikely(segs[i].len > slot_size)) {
			st->map_errors++;
			break;
		}
		idx = free_idx[--nb_free];
		busy[idx] = 1;
		off = (size_t)idx * slot_size;
		/*
		 * A from-device slot is not cleared: the pool only ever held
		 * this queue's buffers, which the device has seen already.
		 */
		if (dir != RTE_VMAP_FROM_DEVICE) {
			vmap_bounce_copy(va + off, segs[i].addr,
					 segs[i].len);
			bytes += segs[i].len;
		}
		segs[i].dev_addr = p->range.iova + off;
	}
	p->nb_free = nb_free;
	if (i > 0)
		vmap_iova_sync(&p->range);
	st->bounced_to_dev += bytes;
	for (k = 0; k < (int)nb_um; k++)
		p->umem_live[um[k].slot] += um[k].n;
	return i;
}

static __rte_always_inline void
bounce_unmap_dir(struct vmap_bounce_pool *p, const struct rte_vmap_seg *segs,
		 uint16_t n, enum rte_vmap_dir dir, struct rte_vmap_qstats *st)
{
	const uint8_t *va = p->range.va;
	const rte_iova_t base = p->range.iova;
	const uint64_t slot_inv = p->slot_inv;
	uint32_t *free_idx = p->free;
	uint8_t *busy = p->busy;
	uint32_t nb_free = p->nb_free;
	uint32_t slot_size = p->slot_size;
	uint64_t span = (uint64_t)p->nb_slots * slot_size;
	uint64_t bytes = 0, errors = 0;
	uint64_t off;
	int64_t idx;
	uint16_t i;
	int k;

	/* Device writes were published before the used entries we read. */
	if (dir != RTE_VMAP_TO_DEVICE)
		rte_atomic_thread_fence(__ATOMIC_ACQUIRE);

	for (i = 0; i < n; i++) {
		/* registered memory: the device worked in place */
		if (segs[i].dev_addr >= VMAP_UMEM_IOVA_BASE) {
			k = vmap_umem_slot_of(segs[i].dev_addr);
			if (likely(k >= 0 && p->umem_live[k] > 0))
				p->umem_live[k]--;
			else
				errors++;
			continue;
		}
		/* dev_addr below the range wraps to a huge offset */
		idx = vmap_bounce_slot_at(segs[i].dev_addr - base, span,
					  slot_size, slot_inv);
		if (unlikely(idx < 0 || busy[idx] == 0)) {
			errors++;
			continue;
		}
		off = (uint64_t)idx * slot_size;
		/*
		 * dev_addr alone names the slot, so a bad length (one the
		 * slot cannot have mapped, or a device that claims more than
		 * the buffer) copies nothing but returns the slot all the same.
		 */
		if (unlikely(segs[i].len > slot_size ||
			     (dir != RTE_VMAP_TO_DEVICE &&
			      segs[i].sync_len > segs[i].len))) {
			errors++;
		} else if (dir != RTE_VMAP_TO_DEVICE) {
			vmap_bounce_copy(segs[i].addr, va + off,
					 segs[i].sync_len);
			bytes += segs[i].sync_len;
		}
		busy[idx] = 0;
		free_idx[nb_free++] = idx;
	}
	p->nb_free = nb_free;
	st->bounced_from_dev += bytes;
	st->map_errors += errors;
}

uint16_t
vmap_bounce_map(struct vmap_bounce_pool *p, struct rte_vmap_seg *segs,
		uint16_t n, enum rte_vmap_dir dir, struct rte_vmap_qstats *st)
{
	if (dir == RTE_VMAP_TO_DEVICE)
		return bounce_map_dir(p, segs, n, RTE_VMAP_TO_DEVICE, st);
	if (dir == RTE_VMAP_FROM_DEVICE)
		return bounce_map_dir(p, segs, n, RTE_VMAP_FROM_DEVICE, st);
	return bounce_map_dir(p, segs, n, dir, st);
}

void
vmap_bounce_unmap(struct vmap_bounce_pool *p, const struct rte_vmap_seg *segs,
		  uint16_t n, enum rte_vmap_dir dir, struct rte_vmap_qstats *st)
{
	if (dir == RTE_VMAP_TO_DEVICE)
		bounce_unmap_dir(p, segs, n, RTE_VMAP_TO_DEVICE, st);
	else if (dir == RTE_VMAP_FROM_DEVICE)
		bounce_unmap_dir(p, segs, n, RTE_VMAP_FROM_DEVICE, st);
	else
		bounce_unmap_dir(p, segs, n, dir, st);
}

uint32_t
vmap_bounce_pool_busy(const struct vmap_bounce_pool *p)
{
	return p->nb_slots - p->nb_free;
}
