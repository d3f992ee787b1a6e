/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The virtio_map authors
 */

/*
 * The control half of a domain's application memory (vmap_umem.h):
 * allocating an area in a memfd of its own, releasing it, and the areas as
 * memory-table regions. The data half is inline in vmap_umem.h and in the
 * bounce pool's burst loops (vmap_bounce.c).
 */

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <rte_errno.h>

#include "vmap_internal.h"
#include "vmap_umem.h"

void *
vmap_umem_alloc(struct vmap_umem *um, const char *name, size_t len,
		unsigned int *slot)
{
	size_t pg = (size_t)sysconf(_SC_PAGESIZE);
	struct vmap_umem_area *a;
	char fname[80];
	unsigned int k;
	uint64_t rlen;
	void *va;
	int fd;

	if (len == 0 || len > VMAP_UMEM_WINDOW) {
		VMAP_LOG(ERR, "%s: device memory of %zu bytes: the length must be 1..%" PRIu64 " bytes",
			 name, len, VMAP_UMEM_WINDOW);
		rte_errno = EINVAL;
		return NULL;
	}
	rlen = RTE_ALIGN_CEIL((uint64_t)len, pg);
	for (k = 0; k < VMAP_UMEM_MAX; k++)
		if (um->a[k].state == VMAP_UMEM_FREE)
			break;
	if (k == VMAP_UMEM_MAX) {
		VMAP_LOG(ERR, "%s: device memory of %zu bytes: %u areas already, the most a vhost-user memory table leaves room for",
			 name, len, VMAP_UMEM_MAX);
		rte_errno = ENOSPC;
		return NULL;
	}
	/* a file of its own, exactly the area: the device maps all of it */
	snprintf(fname, sizeof(fname), "%s_umem%u", name, k);
	fd = memfd_create(fname, MFD_CLOEXEC);
	if (fd < 0 || ftruncate(fd, (off_t)rlen) != 0) {
		rte_errno = errno;
		VMAP_LOG(ERR, "%s: device memory of %zu bytes: cannot make its file: %s",
			 name, len, strerror(rte_errno));
		if (fd >= 0)
			close(fd);
		return NULL;
	}
	va = mmap(NULL, rlen, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (va == MAP_FAILED) {
		rte_errno = errno;
		VMAP_LOG(ERR, "%s: device memory of %zu bytes: mmap: %s",
			 name, len, strerror(rte_errno));
		close(fd);
		return NULL;
	}
	a = &um->a[k];
	a->va = (uintptr_t)va;
	a->len = rlen;
	a->fd = fd;
	__atomic_store_n(&a->state, VMAP_UMEM_LISTED, __ATOMIC_RELEASE);
	if (k + 1 > um->nb_slots)
		__atomic_store_n(&um->nb_slots, k + 1, __ATOMIC_RELEASE);
	*slot = k;
	return va;
}

int
vmap_umem_find(const struct vmap_umem *um, const void *addr)
{
	unsigned int k;

	for (k = 0; k < VMAP_UMEM_MAX; k++)
		if (um->a[k].state != VMAP_UMEM_FREE &&
		    um->a[k].va == (uintptr_t)addr)
			return (int)k;
	return -ENOENT;
}

void
vmap_umem_set(struct vmap_umem *um, unsigned int k, enum vmap_umem_state s)
{
	if (k < VMAP_UMEM_MAX && s != VMAP_UMEM_FREE &&
	    um->a[k].state != VMAP_UMEM_FREE)
		__atomic_store_n(&um->a[k].state, s, __ATOMIC_RELEASE);
}

void
vmap_umem_release(struct vmap_umem *um, unsigned int k)
{
	struct vmap_umem_area *a;

	if (k >= VMAP_UMEM_MAX || um->a[k].state == VMAP_UMEM_FREE)
		return;
	a = &um->a[k];
	__atomic_store_n(&a->state, VMAP_UMEM_FREE, __ATOMIC_RELEASE);
	munmap((void *)a->va, a->len);
	close(a->fd);
	a->va = 0;
	a->len = 0;
	a->fd = -1;
	if (k + 1 == um->nb_slots) {
		while (k > 0 && um->a[k - 1].state == VMAP_UMEM_FREE)
			k--;
		__atomic_store_n(&um->nb_slots, k, __ATOMIC_RELEASE);
	}
}

void
vmap_umem_release_all(struct vmap_umem *um)
{
	unsigned int k;

	for (k = 0; k < VMAP_UMEM_MAX; k++)
		vmap_umem_release(um, k);
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
			r[n].fd_offset = 0;
		}
		n++;
	}
	return n;
}
