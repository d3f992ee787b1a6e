/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The virtio_map authors
 */

/*
 * The private IOVA domain of the vduse kind: two memfds (bounce region at
 * IOVA 0, coherent region right above it) mapped into one reserved window
 * of address space so that VA = window + IOVA, the region list a transport
 * shares, the coherent allocator, and the IOVA API (try_alloc, link, sync,
 * unlink, destroy) over the bounce region. Both allocators are first fit
 * over a sorted extent list and run on the control path under the domain
 * lock. The per-queue slot pools built on top live in vmap_bounce.c.
 */

#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <rte_atomic.h>
#include <rte_common.h>
#include <rte_errno.h>
#include <rte_malloc.h>
#include <rte_memcpy.h>

#include "vmap_domain.h"
#include "vmap_internal.h"

/*
 * The window is aligned to this much, and so is the coherent region's
 * IOVA modulo it: an allocation aligned in IOVA up to this bound is
 * aligned in VA too.
 */
#define VMAP_DOMAIN_WINDOW_ALIGN	(2u << 20)

/* Coherent allocations come in cache lines. */
#define VMAP_DOMAIN_COHERENT_UNIT	64u

/* Largest coherent region accepted (keeps size arithmetic far from wrap). */
#define VMAP_DOMAIN_COHERENT_MAX	((size_t)1 << 40)

/* One extent of a region: [off, off + len), free or handed out. */
struct vmap_ext {
	size_t off;
	size_t len;
	bool used;
};

/*
 * Sorted, gap-free list of extents covering a region. Free extents are
 * always coalesced, so two free extents are never neighbours.
 */
struct vmap_extents {
	struct vmap_ext *e;
	unsigned int n;
	unsigned int cap;
	size_t unit;		/* sizes and alignments are multiples */
};

/*
 * In DPDK's shared heap. The lock, the fds, the window and the extent
 * lists are the primary's; a secondary reads only name, base and sizes.
 */
struct vmap_domain {
	char name[64];
	pthread_mutex_t lock;		/* control path: both allocators */
	void *window;			/* reserved address space */
	size_t window_len;
	uint8_t *base;			/* process address of IOVA 0 */
	size_t bounce_size;		/* page-rounded */
	size_t coherent_size;		/* page-rounded */
	int bounce_fd;
	int coherent_fd;
	struct vmap_extents bounce;	/* extent offsets are IOVAs */
	struct vmap_extents coherent;	/* likewise, from bounce_size */
	struct vmap_umem umem;		/* registered memory (vmap_umem.h) */
};

static int
ext_init(struct vmap_extents *x, size_t start, size_t size, size_t unit)
{
	x->cap = 16;
	x->e = rte_zmalloc("vmap_extents", x->cap * sizeof(*x->e), 0);
	if (x->e == NULL)
		return -ENOMEM;
	x->n = 1;
	x->unit = unit;
	x->e[0].off = start;
	x->e[0].len = size;
	x->e[0].used = false;
	return 0;
}

static void
ext_fini(struct vmap_extents *x)
{
	rte_free(x->e);
	x->e = NULL;
	x->n = 0;
	x->cap = 0;
}

static int
ext_reserve(struct vmap_extents *x, unsigned int more)
{
	struct vmap_ext *e;
	unsigned int cap;

	if (x->n + more <= x->cap)
		return 0;
	cap = x->cap * 2;
	while (cap < x->n + more)
		cap *= 2;
	e = rte_realloc(x->e, cap * sizeof(*e), 0);
	if (e == NULL)
		return -ENOMEM;
	x->e = e;
	x->cap = cap;
	return 0;
}

/* Insert an extent at index i (capacity already reserved). */
static void
ext_insert(struct vmap_extents *x, unsigned int i, size_t off, size_t len,
	   bool used)
{
	memmove(&x->e[i + 1], &x->e[i], (x->n - i) * sizeof(*x->e));
	x->e[i].off = off;
	x->e[i].len = len;
	x->e[i].used = used;
	x->n++;
}

static void
ext_remove(struct vmap_extents *x, unsigned int i)
{
	memmove(&x->e[i], &x->e[i + 1], (x->n - i - 1) * sizeof(*x->e));
	x->n--;
}

/*
 * First fit: the lowest free extent that holds size bytes at an offset
 * aligned to align (a power of two, at least unit). Splits it into an
 * optional free head, the used extent and an optional free tail.
 */
static int
ext_alloc(struct vmap_extents *x, size_t size, size_t align, size_t *off)
{
	unsigned int i;
	size_t start, pad, tail;
	int ret;

	if (size == 0 || size > SIZE_MAX - x->unit)
		return -EINVAL;
	size = RTE_ALIGN_CEIL(size, x->unit);
	align = RTE_MAX(align, x->unit);

	for (i = 0; i < x->n; i++) {
		struct vmap_ext *e = &x->e[i];

		if (e->used)
			continue;
		start = RTE_ALIGN_CEIL(e->off, align);
		pad = start - e->off;
		if (pad >= e->len || e->len - pad < size)
			continue;
		tail = e->len - pad - size;

		ret = ext_reserve(x, 2);
		if (ret < 0)
			return ret;
		e = &x->e[i];	/* the array may have moved */

		e->off = start;
		e->len = size;
		e->used = true;
		if (tail > 0)
			ext_insert(x, i + 1, start + size, tail, false);
		if (pad > 0)
			ext_insert(x, i, start - pad, pad, false);
		*off = start;
		return 0;
	}
	return -ENOSPC;
}

/* Index of the used extent starting at off, or -1. */
static int
ext_find_used(const struct vmap_extents *x, size_t off)
{
	unsigned int lo = 0, hi = x->n;

	while (lo < hi) {
		unsigned int mid = lo + (hi - lo) / 2;

		if (x->e[mid].off == off)
			return x->e[mid].used ? (int)mid : -1;
		if (x->e[mid].off < off)
			lo = mid + 1;
		else
			hi = mid;
	}
	return -1;
}

/* Free the used extent at index i and coalesce it with free neighbours. */
static void
ext_free_at(struct vmap_extents *x, unsigned int i)
{
	x->e[i].used = false;
	if (i + 1 < x->n && !x->e[i + 1].used) {
		x->e[i].len += x->e[i + 1].len;
		ext_remove(x, i + 1);
	}
	if (i > 0 && !x->e[i - 1].used) {
		x->e[i - 1].len += x->e[i].len;
		ext_remove(x, i);
	}
}

static int
domain_memfd(struct vmap_domain *dom, const char *what, size_t size,
	     void *where)
{
	char name[96];
	void *va;
	int fd;

	snprintf(name, sizeof(name), "vmap:%s:%s", dom->name, what);
	fd = memfd_create(name, MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (fd < 0) {
		rte_errno = errno;
		VMAP_LOG(ERR, "%s: memfd_create of the %s region: %s",
			 dom->name, what, strerror(errno));
		return -1;
	}
	if (ftruncate(fd, (off_t)size) < 0) {
		rte_errno = errno;
		VMAP_LOG(ERR, "%s: cannot size the %s region to %zu bytes: %s",
			 dom->name, what, size, strerror(errno));
		goto err_close;
	}
	/*
	 * The backend gets this fd: sealing its size keeps a peer from
	 * truncating the file under us (our accesses would fault).
	 */
	if (fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL) < 0)
		VMAP_LOG(WARNING, "%s: cannot seal the %s region: %s",
			 dom->name, what, strerror(errno));
	va = mmap(where, size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED,
		  fd, 0);
	if (va == MAP_FAILED) {
		rte_errno = errno;
		VMAP_LOG(ERR, "%s: cannot map the %s region of %zu bytes: %s",
			 dom->name, what, size, strerror(errno));
		goto err_close;
	}
	return fd;

err_close:
	close(fd);
	return -1;
}

struct vmap_domain *
vmap_domain_create(const char *name, size_t bounce_size, size_t coherent_size)
{
	struct vmap_domain *dom;
	size_t pg = (size_t)sysconf(_SC_PAGESIZE);
	size_t total;
	uintptr_t base;
	void *w;
	int ret;

	if (bounce_size < VMAP_BOUNCE_SIZE_MIN ||
	    bounce_size > VMAP_BOUNCE_SIZE_MAX) {
		VMAP_LOG(ERR, "%s: bounce size %zu out of range %u..%u",
			 name != NULL ? name : "?", bounce_size,
			 VMAP_BOUNCE_SIZE_MIN, VMAP_BOUNCE_SIZE_MAX);
		rte_errno = EINVAL;
		return NULL;
	}
	if (coherent_size == 0 || coherent_size > VMAP_DOMAIN_COHERENT_MAX) {
		VMAP_LOG(ERR, "%s: coherent size %zu out of range 1..%zu",
			 name != NULL ? name : "?", coherent_size,
			 VMAP_DOMAIN_COHERENT_MAX);
		rte_errno = EINVAL;
		return NULL;
	}

	/* in memory every process maps: a secondary reads the sizes and
	 * maps the regions at base (vmap_domain_attach_secondary()) */
	dom = rte_zmalloc("vmap_domain", sizeof(*dom), 0);
	if (dom == NULL) {
		rte_errno = ENOMEM;
		return NULL;
	}
	snprintf(dom->name, sizeof(dom->name), "%s",
		 name != NULL ? name : "vmap");
	pthread_mutex_init(&dom->lock, NULL);
	dom->bounce_fd = -1;
	dom->coherent_fd = -1;
	dom->bounce_size = RTE_ALIGN_CEIL(bounce_size, pg);
	dom->coherent_size = RTE_ALIGN_CEIL(coherent_size, pg);
	total = dom->bounce_size + dom->coherent_size;

	if (ext_init(&dom->bounce, 0, dom->bounce_size, pg) < 0 ||
	    ext_init(&dom->coherent, dom->bounce_size, dom->coherent_size,
		     VMAP_DOMAIN_COHERENT_UNIT) < 0) {
		rte_errno = ENOMEM;
		goto err_ext;
	}

	/*
	 * Reserve the whole domain plus alignment slack, then map each memfd
	 * over its part: one window, one VA - IOVA offset.
	 */
	dom->window_len = total + VMAP_DOMAIN_WINDOW_ALIGN;
	w = mmap(NULL, dom->window_len, PROT_NONE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (w == MAP_FAILED) {
		rte_errno = errno;
		VMAP_LOG(ERR, "%s: cannot reserve %zu bytes of address space: %s",
			 dom->name, dom->window_len, strerror(errno));
		goto err_ext;
	}
	dom->window = w;
	base = RTE_ALIGN_CEIL((uintptr_t)w, VMAP_DOMAIN_WINDOW_ALIGN);
	dom->base = (uint8_t *)base;

	dom->bounce_fd = domain_memfd(dom, "bounce", dom->bounce_size,
				      dom->base);
	if (dom->bounce_fd < 0)
		goto err_window;
	dom->coherent_fd = domain_memfd(dom, "coherent", dom->coherent_size,
					dom->base + dom->bounce_size);
	if (dom->coherent_fd < 0)
		goto err_bounce_fd;

	VMAP_LOG(DEBUG, "%s: domain of %zu bounce and %zu coherent bytes at %p",
		 dom->name, dom->bounce_size, dom->coherent_size, dom->base);
	return dom;

err_bounce_fd:
	close(dom->bounce_fd);
err_window:
	ret = rte_errno;
	munmap(dom->window, dom->window_len);
	rte_errno = ret;
err_ext:
	ext_fini(&dom->coherent);
	ext_fini(&dom->bounce);
	pthread_mutex_destroy(&dom->lock);
	rte_free(dom);
	return NULL;
}

void
vmap_domain_destroy(struct vmap_domain *dom)
{
	if (dom == NULL)
		return;
	vmap_umem_release_all(&dom->umem);
	/* Unmapping the window removes both memfd mappings inside it. */
	munmap(dom->window, dom->window_len);
	close(dom->coherent_fd);
	close(dom->bounce_fd);
	ext_fini(&dom->coherent);
	ext_fini(&dom->bounce);
	pthread_mutex_destroy(&dom->lock);
	rte_free(dom);
}

#ifndef MAP_FIXED_NOREPLACE
#define MAP_FIXED_NOREPLACE 0x100000	/* Linux 4.17; older ones take a hint */
#endif

/* Is r the domain's region at dev_addr of size bytes, with a file? */
static int
domain_region_check(const struct vmap_domain *dom,
		    const struct rte_vmap_region *r, uint64_t dev_addr,
		    size_t size, const char *what)
{
	uint8_t *want = dom->base + dev_addr;

	if (r->fd < 0 || r->size != size || r->addr != want) {
		VMAP_LOG(ERR, "%s: the primary's %s region is not the domain's (fd %d, %" PRIu64 " bytes at %p; expected %zu bytes at %p)",
			 dom->name, what, r->fd, r->size, r->addr, size, want);
		return -EPROTO;
	}
	return 0;
}

/* Map one of the primary's regions (checked) at its address here. */
static int
domain_map_at(const struct vmap_domain *dom, const struct rte_vmap_region *r,
	      uint64_t dev_addr, size_t size, const char *what)
{
	uint8_t *want = dom->base + dev_addr;
	void *va;

	va = mmap(want, size, PROT_READ | PROT_WRITE,
		  MAP_SHARED | MAP_FIXED_NOREPLACE, r->fd, (off_t)r->fd_offset);
	if (va == MAP_FAILED || va != want) {
		int err = va == MAP_FAILED ? errno : EEXIST;

		if (va != MAP_FAILED)
			munmap(va, size);
		VMAP_LOG(ERR, "%s: cannot map the %s region at %p-%p as in the primary: %s%s",
			 dom->name, what, want, want + size, strerror(err),
			 err == EEXIST ? " (that address range is in use in this process)" : "");
		return -err;
	}
	return 0;
}

int
vmap_domain_attach_secondary(const struct vmap_domain *dom,
			     const struct rte_vmap_region *r, unsigned int n,
			     void **base, size_t *len)
{
	const struct rte_vmap_region *b = NULL, *c = NULL;
	unsigned int i;
	int ret;

	for (i = 0; i < n; i++) {
		if (r[i].dev_addr == 0)
			b = &r[i];
		else if (r[i].dev_addr == dom->bounce_size)
			c = &r[i];
	}
	if (b == NULL || c == NULL) {
		VMAP_LOG(ERR, "%s: the primary sent %u regions without the domain's bounce and coherent ones",
			 dom->name, n);
		return -EPROTO;
	}
	ret = domain_region_check(dom, b, 0, dom->bounce_size, "bounce");
	if (ret == 0)
		ret = domain_region_check(dom, c, dom->bounce_size,
					  dom->coherent_size, "coherent");
	if (ret == 0)
		ret = domain_map_at(dom, b, 0, dom->bounce_size, "bounce");
	if (ret < 0)
		return ret;
	ret = domain_map_at(dom, c, dom->bounce_size, dom->coherent_size,
			    "coherent");
	if (ret < 0) {
		munmap(dom->base, dom->bounce_size);
		return ret;
	}
	vmap_bounce_process_init();
	*base = dom->base;
	*len = dom->bounce_size + dom->coherent_size;
	return 0;
}

size_t
vmap_domain_bounce_size(const struct vmap_domain *dom)
{
	return dom->bounce_size;
}

size_t
vmap_domain_coherent_size(const struct vmap_domain *dom)
{
	return dom->coherent_size;
}

int
vmap_domain_regions(const struct vmap_domain *dom, struct rte_vmap_region *r,
		    unsigned int max)
{
	struct rte_vmap_region reg[2] = {
		{
			.dev_addr = 0,
			.addr = dom->base,
			.size = dom->bounce_size,
			.fd = dom->bounce_fd,
			.fd_offset = 0,
		},
		{
			.dev_addr = dom->bounce_size,
			.addr = dom->base + dom->bounce_size,
			.size = dom->coherent_size,
			.fd = dom->coherent_fd,
			.fd_offset = 0,
		},
	};
	unsigned int i;

	for (i = 0; i < RTE_DIM(reg) && i < max; i++)
		r[i] = reg[i];
	return RTE_DIM(reg);
}

struct vmap_umem *
vmap_domain_umem(struct vmap_domain *dom)
{
	return &dom->umem;
}

void *
vmap_domain_iova_to_va(const struct vmap_domain *dom, rte_iova_t iova,
		       size_t len)
{
	uint64_t start, end;

	if (len == 0)
		len = 1;
	if (iova < dom->bounce_size) {
		start = 0;
		end = dom->bounce_size;
	} else {
		start = dom->bounce_size;
		end = dom->bounce_size + dom->coherent_size;
	}
	if (iova < start || iova >= end || len > end - iova)
		return NULL;
	return dom->base + iova;
}

void *
vmap_domain_alloc_coherent(struct vmap_domain *dom, size_t size,
			   size_t align, rte_iova_t *iova)
{
	size_t off;
	void *va;
	int ret;

	if (dom == NULL || size == 0 || align == 0 ||
	    align > VMAP_DOMAIN_WINDOW_ALIGN || (align & (align - 1)) != 0) {
		rte_errno = EINVAL;
		return NULL;
	}
	/*
	 * Extents hold IOVAs and the window keeps VA and IOVA congruent modulo
	 * VMAP_DOMAIN_WINDOW_ALIGN: aligning the IOVA aligns the address too.
	 */
	pthread_mutex_lock(&dom->lock);
	ret = ext_alloc(&dom->coherent, size, align, &off);
	pthread_mutex_unlock(&dom->lock);
	if (ret < 0) {
		rte_errno = ret == -ENOSPC ? ENOMEM : -ret;
		VMAP_LOG(DEBUG, "%s: no %zu coherent bytes (region of %zu): %s",
			 dom->name, size, dom->coherent_size,
			 rte_strerror(rte_errno));
		return NULL;
	}
	va = dom->base + off;
	memset(va, 0, RTE_ALIGN_CEIL(size, VMAP_DOMAIN_COHERENT_UNIT));
	if (iova != NULL)
		*iova = off;
	return va;
}

void
vmap_domain_free_coherent(struct vmap_domain *dom, void *addr, size_t size)
{
	uint8_t *p = addr;
	uint8_t *start;
	size_t off, len;
	int i;

	if (dom == NULL || addr == NULL)
		return;
	start = dom->base + dom->bounce_size;
	if (p < start || p >= start + dom->coherent_size) {
		VMAP_LOG(ERR, "%s: %p is not coherent memory of this domain",
			 dom->name, addr);
		return;
	}
	off = p - dom->base;
	pthread_mutex_lock(&dom->lock);
	i = ext_find_used(&dom->coherent, off);
	if (i < 0) {
		pthread_mutex_unlock(&dom->lock);
		VMAP_LOG(ERR, "%s: %p was not allocated (or is already free)",
			 dom->name, addr);
		return;
	}
	len = dom->coherent.e[i].len;
	ext_free_at(&dom->coherent, i);
	pthread_mutex_unlock(&dom->lock);
	/* The extent knows its length: a wrong size frees it all the same. */
	if (RTE_ALIGN_CEIL(size, VMAP_DOMAIN_COHERENT_UNIT) != len)
		VMAP_LOG(WARNING, "%s: freed %p with size %zu, allocated with %zu",
			 dom->name, addr, size, len);
}

int
vmap_iova_try_alloc(struct vmap_domain *dom, struct vmap_iova_state *st,
		    size_t size)
{
	size_t off;
	int ret;

	if (dom == NULL || st == NULL || size == 0)
		return -EINVAL;
	pthread_mutex_lock(&dom->lock);
	ret = ext_alloc(&dom->bounce, size, 0, &off);
	pthread_mutex_unlock(&dom->lock);
	if (ret < 0)
		return ret;
	st->iova = off;
	st->size = size;
	st->va = dom->base + off;
	return 0;
}

static inline bool
iova_in_range(const struct vmap_iova_state *st, size_t offset, size_t len)
{
	return offset <= st->size && len <= st->size - offset;
}

int
vmap_iova_link(struct vmap_iova_state *st, size_t offset, const void *buf,
	       size_t len, enum rte_vmap_dir dir)
{
	if (unlikely(st == NULL || st->size == 0 ||
		     !iova_in_range(st, offset, len)))
		return -EINVAL;
	if (dir != RTE_VMAP_FROM_DEVICE && len > 0) {
		if (unlikely(buf == NULL))
			return -EINVAL;
		rte_memcpy((uint8_t *)st->va + offset, buf, len);
	}
	return 0;
}

void
vmap_iova_sync(struct vmap_iova_state *st __rte_unused)
{
	/* Order the copies into the range before the descriptor writes that
	 * publish them (virtio 1.2, 2.7.13 / 2.8.21: buffers before ring).
	 */
	rte_atomic_thread_fence(__ATOMIC_RELEASE);
}

int
vmap_iova_unlink(struct vmap_iova_state *st, size_t offset, void *buf,
		 size_t len, enum rte_vmap_dir dir)
{
	if (unlikely(st == NULL || st->size == 0 ||
		     !iova_in_range(st, offset, len)))
		return -EINVAL;
	if (dir != RTE_VMAP_TO_DEVICE && len > 0) {
		if (unlikely(buf == NULL))
			return -EINVAL;
		/* The used entry was read before; the data follows it. */
		rte_atomic_thread_fence(__ATOMIC_ACQUIRE);
		rte_memcpy(buf, (const uint8_t *)st->va + offset, len);
	}
	return 0;
}

void
vmap_iova_destroy(struct vmap_domain *dom, struct vmap_iova_state *st)
{
	int i;

	if (dom == NULL || st == NULL || st->size == 0)
		return;
	pthread_mutex_lock(&dom->lock);
	i = ext_find_used(&dom->bounce, st->iova);
	if (i >= 0)
		ext_free_at(&dom->bounce, i);
	pthread_mutex_unlock(&dom->lock);
	if (i < 0)
		VMAP_LOG(ERR, "%s: IOVA range 0x%" PRIx64 " was not reserved",
			 dom->name, (uint64_t)st->iova);
	st->size = 0;
	st->va = NULL;
}
