/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The virtio_map authors
 */

/*
 * EAL memory as the built-in kinds see it: coherent memory from memzones,
 * and the walk that turns memory segments into memory-table regions.
 */

#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <rte_atomic.h>
#include <rte_errno.h>
#include <rte_memory.h>
#include <rte_memzone.h>

#include "vmap_internal.h"

static uint32_t vmap_mz_seq;

void *
vmap_mz_alloc(struct rte_vmap_dev *d, size_t size, size_t align)
{
	const struct rte_memzone *mz;
	char name[RTE_MEMZONE_NAMESIZE];
	unsigned int bound;
	uint32_t seq;

	seq = __atomic_fetch_add(&vmap_mz_seq, 1, __ATOMIC_RELAXED);
	snprintf(name, sizeof(name), "vmap_%u_%x", (unsigned int)getpid(),
		 seq);
	/*
	 * Up to 2 MB, within one 2 MB page: with one file per hugepage each
	 * page is its own memory-table region, and a ring must lie in one.
	 */
	bound = size <= RTE_PGSIZE_2M ? RTE_PGSIZE_2M : 0;
	mz = rte_memzone_reserve_bounded(name, size, d->socket_id,
					 RTE_MEMZONE_IOVA_CONTIG, align, bound);
	if (mz == NULL && d->socket_id != SOCKET_ID_ANY)
		mz = rte_memzone_reserve_bounded(name, size, SOCKET_ID_ANY,
						 RTE_MEMZONE_IOVA_CONTIG,
						 align, bound);
	if (mz == NULL) {
		VMAP_LOG(ERR, "%s: cannot reserve %zu bytes of coherent memory: %s",
			 d->name, size, rte_strerror(rte_errno));
		return NULL;
	}
	memset(mz->addr, 0, size);
	return mz->addr;
}

struct vmap_mz_find {
	void *addr;
	const struct rte_memzone *mz;
};

static void
vmap_mz_match(const struct rte_memzone *mz, void *arg)
{
	struct vmap_mz_find *f = arg;

	if (mz->addr == f->addr)
		f->mz = mz;
}

void
vmap_mz_free(void *addr)
{
	struct vmap_mz_find f = { .addr = addr, .mz = NULL };

	if (addr == NULL)
		return;
	rte_memzone_walk(vmap_mz_match, &f);
	if (f.mz == NULL) {
		VMAP_LOG(ERR, "no coherent memory at %p", addr);
		return;
	}
	rte_memzone_free(f.mz);
}

struct vmap_walk {
	struct rte_vmap_region *r;
	unsigned int max;
	unsigned int count;	/* regions found, may exceed max */
	struct rte_vmap_region cur;	/* region being grown */
	bool have_cur;
	bool by_iova;
	uint64_t skipped;	/* bytes without a file */
};

static void
vmap_walk_flush(struct vmap_walk *w)
{
	if (!w->have_cur)
		return;
	if (w->count < w->max)
		w->r[w->count] = w->cur;
	w->count++;
	w->have_cur = false;
}

static int
vmap_walk_seg(const struct rte_memseg_list *msl __rte_unused,
	      const struct rte_memseg *ms, void *arg)
{
	struct vmap_walk *w = arg;
	struct rte_vmap_region *c = &w->cur;
	uint64_t dev_addr;
	size_t off;
	int fd;

	fd = rte_memseg_get_fd_thread_unsafe(ms);
	if (fd < 0 || rte_memseg_get_fd_offset_thread_unsafe(ms, &off) < 0) {
		w->skipped += ms->len;
		return 0;
	}
	dev_addr = w->by_iova ? ms->iova : (uint64_t)(uintptr_t)ms->addr;
	if (w->by_iova && ms->iova == RTE_BAD_IOVA) {
		w->skipped += ms->len;
		return 0;
	}

	if (w->have_cur && c->fd == fd &&
	    (char *)c->addr + c->size == (char *)ms->addr &&
	    c->fd_offset + c->size == off &&
	    c->dev_addr + c->size == dev_addr) {
		c->size += ms->len;
		return 0;
	}
	vmap_walk_flush(w);
	c->dev_addr = dev_addr;
	c->addr = ms->addr;
	c->size = ms->len;
	c->fd = fd;
	c->fd_offset = off;
	w->have_cur = true;
	return 0;
}

int
vmap_memseg_regions(struct rte_vmap_region *r, unsigned int max, bool by_iova,
		    bool locked)
{
	struct vmap_walk w = { .r = r, .max = max, .by_iova = by_iova };
	int ret;

	if (locked)
		ret = rte_memseg_walk_thread_unsafe(vmap_walk_seg, &w);
	else
		ret = rte_memseg_walk(vmap_walk_seg, &w);
	if (ret < 0)
		return -EIO;
	vmap_walk_flush(&w);
	if (w.skipped != 0)
		VMAP_LOG(WARNING, "%" PRIu64 " bytes of EAL memory have no file and cannot be shared with the device; buffers there cannot be used",
			 w.skipped);
	return (int)w.count;
}

int
vmap_eal_runs(struct rte_vmap_region *r, unsigned int max, bool by_iova,
	      bool locked)
{
	return vmap_memseg_regions(r, max, by_iova, locked);
}
