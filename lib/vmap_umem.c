/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The virtio_map authors
 */

/*
 * The control half of registered memory (vmap_umem.h): finding the file
 * behind an area, listing and forgetting areas, and the areas as memory
 * table regions. The data half is inline in vmap_umem.h and in the bounce
 * pool's burst loops (vmap_bounce.c).
 */

#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include <rte_errno.h>
#include <rte_memory.h>

#include "vmap_internal.h"
#include "vmap_umem.h"

/* Round [addr, addr + len) out to pages of pg bytes. */
static void
umem_round(uintptr_t addr, size_t len, uint64_t pg, uintptr_t *start,
	   uint64_t *rlen)
{
	uintptr_t s = RTE_ALIGN_FLOOR(addr, pg);

	*start = s;
	*rlen = RTE_ALIGN_CEIL(addr + len, pg) - s;
}

/*
 * The file and offset behind [start, start + len): every memory segment
 * of it in one file, at offsets that follow its addresses.
 */
static int
umem_backing(const char *name, uintptr_t start, uint64_t len, int *fd,
	     uint64_t *fd_offset)
{
	const struct rte_memseg_list *msl;
	const struct rte_memseg *ms;
	uintptr_t p = start;
	size_t off, off0 = 0;
	int f, f0 = -1;

	msl = rte_mem_virt2memseg_list((void *)start);
	if (msl == NULL) {
		VMAP_LOG(ERR, "%s: registered memory at 0x%" PRIxPTR ": not DPDK memory (only EAL's hugepage or --no-huge memory can be shared with the device)",
			 name, start);
		return -EINVAL;
	}
	while (p < start + len) {
		ms = rte_mem_virt2memseg((void *)p, msl);
		if (ms == NULL || ms->addr == NULL) {
			VMAP_LOG(ERR, "%s: registered memory 0x%" PRIxPTR "+%" PRIu64 ": 0x%" PRIxPTR " is not allocated DPDK memory",
				 name, start, len, p);
			return -EINVAL;
		}
		f = rte_memseg_get_fd(ms);
		if (f < 0 || rte_memseg_get_fd_offset(ms, &off) < 0) {
			VMAP_LOG(ERR, "%s: registered memory 0x%" PRIxPTR "+%" PRIu64 ": no file behind it (external or --in-memory memory cannot be shared with the device)",
				 name, start, len);
			return -EINVAL;
		}
		off += p - (uintptr_t)ms->addr;
		if (p == start) {
			f0 = f;
			off0 = off;
		} else if (f != f0 || off != off0 + (p - start)) {
			VMAP_LOG(ERR, "%s: registered memory 0x%" PRIxPTR "+%" PRIu64 " spans several files (one per hugepage): use --single-file-segments, or register each page",
				 name, start, len);
			return -EINVAL;
		}
		p = (uintptr_t)ms->addr + ms->len;
	}
	*fd = f0;
	*fd_offset = off0;
	return 0;
}

/* Page size of the memory at addr, or 0 when it is not EAL's. */
static uint64_t
umem_page(const void *addr)
{
	const struct rte_memseg_list *msl = rte_mem_virt2memseg_list(addr);

	return msl != NULL ? msl->page_sz : 0;
}

int
vmap_umem_add(struct vmap_umem *um, const char *name, void *addr, size_t len)
{
	struct vmap_umem_area *a;
	uint64_t pg, rlen, off;
	uintptr_t start;
	unsigned int k, free_k = VMAP_UMEM_MAX;
	int fd, ret;

	if (addr == NULL || len == 0 || len > VMAP_UMEM_WINDOW) {
		VMAP_LOG(ERR, "%s: registered memory %p+%zu: the length must be 1..%" PRIu64 " bytes",
			 name, addr, len, VMAP_UMEM_WINDOW);
		return -EINVAL;
	}
	pg = umem_page(addr);
	if (pg == 0)
		pg = 4096;
	umem_round((uintptr_t)addr, len, pg, &start, &rlen);
	if (rlen > VMAP_UMEM_WINDOW) {
		VMAP_LOG(ERR, "%s: registered memory %p+%zu: above %" PRIu64 " bytes once rounded to pages",
			 name, addr, len, VMAP_UMEM_WINDOW);
		return -EINVAL;
	}
	for (k = 0; k < VMAP_UMEM_MAX; k++) {
		a = &um->a[k];
		if (a->state == VMAP_UMEM_FREE) {
			if (free_k == VMAP_UMEM_MAX)
				free_k = k;
			continue;
		}
		if (start < a->va + a->len && a->va < start + rlen) {
			VMAP_LOG(ERR, "%s: registered memory %p+%zu overlaps the area 0x%" PRIxPTR "+%" PRIu64 " registered already",
				 name, addr, len, a->va, a->len);
			return -EEXIST;
		}
	}
	if (free_k == VMAP_UMEM_MAX) {
		VMAP_LOG(ERR, "%s: registered memory %p+%zu: %u areas registered already, the most a vhost-user memory table leaves room for",
			 name, addr, len, VMAP_UMEM_MAX);
		return -ENOSPC;
	}
	ret = umem_backing(name, start, rlen, &fd, &off);
	if (ret < 0)
		return ret;
	a = &um->a[free_k];
	a->va = start;
	a->len = rlen;
	a->fd = fd;
	a->fd_offset = off;
	__atomic_store_n(&a->state, VMAP_UMEM_LISTED, __ATOMIC_RELEASE);
	if (free_k + 1 > um->nb_slots)
		__atomic_store_n(&um->nb_slots, free_k + 1, __ATOMIC_RELEASE);
	return (int)free_k;
}

int
vmap_umem_find(const struct vmap_umem *um, const void *addr, size_t len)
{
	uint64_t pg = umem_page(addr), rlen;
	uintptr_t start;
	unsigned int k;

	umem_round((uintptr_t)addr, len, pg != 0 ? pg : 4096, &start, &rlen);
	for (k = 0; k < VMAP_UMEM_MAX; k++)
		if (um->a[k].state != VMAP_UMEM_FREE && um->a[k].va == start &&
		    um->a[k].len == rlen)
			return (int)k;
	return -ENOENT;
}

void
vmap_umem_set(struct vmap_umem *um, unsigned int k, enum vmap_umem_state s)
{
	if (k >= VMAP_UMEM_MAX)
		return;
	__atomic_store_n(&um->a[k].state, s, __ATOMIC_RELEASE);
	if (s == VMAP_UMEM_FREE && k + 1 == um->nb_slots) {
		while (k > 0 && um->a[k - 1].state == VMAP_UMEM_FREE)
			k--;
		__atomic_store_n(&um->nb_slots, k, __ATOMIC_RELEASE);
	}
}

unsigned int
vmap_umem_regions(const struct vmap_umem *um, struct rte_vmap_region *r,
		  unsigned int max)
{
	unsigned int k, n = 0;

	for (k = 0; k < VMAP_UMEM_MAX; k++) {
		const struct vmap_umem_area *a = &um->a[k];

		if (a->state == VMAP_UMEM_FREE)
			continue;
		if (n < max) {
			r[n].dev_addr = vmap_umem_iova(k);
			r[n].addr = (void *)a->va;
			r[n].size = a->len;
			r[n].fd = a->fd;
			r[n].fd_offset = a->fd_offset;
		}
		n++;
	}
	return n;
}
