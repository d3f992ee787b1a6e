/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The virtio_map authors
 */

/*
 * What the device may reach through its IOTLB, and how (the plan): a
 * sorted list of translations, each with the least permission its use
 * needs.
 *
 * - Rings: read-write. Tx header slots and indirect tables: read-only
 *   (the device only reads them).
 * - Kinds that map inline (va, pa): Rx buffers come from the Rx queue's
 *   mempool, so its memory chunks are read-write (DPDK's vhost library
 *   translates device-writable descriptors with read-write access, so
 *   write-only would stop its receive path); Tx buffers may come from
 *   anywhere in EAL memory, so the rest of it is read-only.
 * - Kinds with a window per queue (vduse's bounce pools): the Tx window
 *   read-only, the Rx window read-write, and nothing else of the bounce
 *   region.
 *
 * Memory outside every translation (the rest of the process, a kind's
 * unused bounce space) is out of the device's reach.
 */

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <rte_common.h>
#include <rte_mempool.h>

#include "virtio_map_iotlb_plan.h"
#include "virtio_map_log.h"
#include "vmap_umem.h"

/* A growing array of translations (malloc: memory events call us with
 * EAL's memory lock held, where rte_malloc could deadlock). */
struct xlat_vec {
	struct virtio_map_xlat *x;
	unsigned int n, cap;
	int err;
};

static void
xv_add(struct xlat_vec *v, uint64_t iova, uint64_t size, uint64_t uaddr,
       uint8_t perm)
{
	struct virtio_map_xlat *nx;

	if (size == 0 || perm == 0 || v->err != 0)
		return;
	if (v->n == v->cap) {
		unsigned int cap = v->cap != 0 ? v->cap * 2 : 32;

		nx = realloc(v->x, sizeof(*nx) * cap);
		if (nx == NULL) {
			v->err = -ENOMEM;
			return;
		}
		v->x = nx;
		v->cap = cap;
	}
	v->x[v->n++] = (struct virtio_map_xlat){
		.iova = iova, .size = size, .uaddr = uaddr, .perm = perm,
	};
}

static int
xlat_cmp_uaddr(const void *a, const void *b)
{
	const struct virtio_map_xlat *x = a, *y = b;

	return x->uaddr < y->uaddr ? -1 : x->uaddr > y->uaddr;
}

static int
xlat_cmp_iova(const void *a, const void *b)
{
	const struct virtio_map_xlat *x = a, *y = b;

	return x->iova < y->iova ? -1 : x->iova > y->iova;
}

/*
 * The driver's own areas of one queue (ring areas, header slots, indirect
 * tables), each with the least access the device needs, but for the ring
 * areas the device only reads (split descriptor table and driver area,
 * packed driver area): DPDK 22.11's vhost asks read-write access to all
 * three ring areas when it translates the ring addresses
 * (translate_ring_addresses() in lib/vhost/vhost_user.c), and never
 * makes the ring ready if refused, so those get read-write too.
 */
static void
plan_queue_coherent(struct xlat_vec *v, const struct vmq *q)
{
	struct vmq_area a[VMQ_AREAS_MAX];
	unsigned int i, n = vmq_areas(q, a);

	for (i = 0; i < n; i++)
		xv_add(v, a[i].iova, a[i].len, (uintptr_t)a[i].addr,
		       a[i].dev_writes || a[i].ring ? VMT_IOTLB_RW :
		       VMT_IOTLB_RO);
}

static void
plan_mp_chunk(struct rte_mempool *mp __rte_unused, void *opaque,
	      struct rte_mempool_memhdr *memhdr, unsigned int idx __rte_unused)
{
	/* iova filled in when the chunk is laid over the EAL runs */
	xv_add(opaque, 0, memhdr->len, (uintptr_t)memhdr->addr,
	       VMT_IOTLB_RW);
}

/*
 * Lay the read-write and read-only areas (by VA, sorted, not overlapping)
 * over the EAL runs; what the areas leave of a run is read-only. Areas
 * outside every run are dropped: the memory table cannot reach them.
 */
static void
plan_carve(struct xlat_vec *out, const struct rte_vmap_region *runs,
	   unsigned int nruns, const struct xlat_vec *areas)
{
	unsigned int i, j;

	for (i = 0; i < nruns; i++) {
		uint64_t lo = (uintptr_t)runs[i].addr;
		uint64_t hi = lo + runs[i].size, cur = lo;
		uint64_t delta = runs[i].dev_addr - lo;

		for (j = 0; j < areas->n; j++) {
			const struct virtio_map_xlat *a = &areas->x[j];
			uint64_t s = RTE_MAX(a->uaddr, cur);
			uint64_t e = RTE_MIN(a->uaddr + a->size, hi);

			if (s >= e)
				continue;
			xv_add(out, cur + delta, s - cur, cur, VMT_IOTLB_RO);
			xv_add(out, s + delta, e - s, s, a->perm);
			cur = e;
		}
		xv_add(out, cur + delta, hi - cur, cur, VMT_IOTLB_RO);
	}
}

/* Sort areas by VA and make them disjoint (an overlap takes both
 * permissions). */
static void
plan_areas_disjoint(struct xlat_vec *a)
{
	unsigned int i, k = 0;

	if (a->n == 0)
		return;
	qsort(a->x, a->n, sizeof(a->x[0]), xlat_cmp_uaddr);
	for (i = 1; i < a->n; i++) {
		struct virtio_map_xlat *p = &a->x[k];

		if (a->x[i].uaddr < p->uaddr + p->size) {
			uint64_t end = RTE_MAX(p->uaddr + p->size,
					       a->x[i].uaddr + a->x[i].size);

			p->size = end - p->uaddr;
			p->perm |= a->x[i].perm;
			continue;
		}
		a->x[++k] = a->x[i];
	}
	a->n = k + 1;
}

/* Inline kinds: EAL memory in the kind's address space, carved. */
static int
plan_inline(struct virtio_map_dev *dev, struct xlat_vec *out)
{
	bool by_iova = dev->sh->map.kind == RTE_VMAP_KIND_PA;
	struct xlat_vec areas = { 0 };
	struct rte_vmap_region *runs;
	unsigned int i;
	int n, m;

	for (i = 0; i < VIRTIO_MAP_MAX_QUEUE_PAIRS; i++) {
		const struct vmq *q = dev->sh->rxq[i];

		if (q != NULL) {
			/* only the VA matters here: the runs give the IOVA */
			plan_queue_coherent(&areas, q);
			rte_mempool_mem_iter(q->mp, plan_mp_chunk, &areas);
		}
		if (dev->sh->txq[i] != NULL)
			plan_queue_coherent(&areas, dev->sh->txq[i]);
	}
	if (areas.err != 0) {
		free(areas.x);
		return areas.err;
	}
	plan_areas_disjoint(&areas);

	n = vmap_eal_runs(NULL, 0, by_iova, false);
	if (n <= 0) {
		free(areas.x);
		return n < 0 ? n : -ENOMEM;
	}
	runs = malloc(sizeof(*runs) * n);
	if (runs == NULL) {
		free(areas.x);
		return -ENOMEM;
	}
	m = vmap_eal_runs(runs, n, by_iova, false);
	if (m >= 0)
		plan_carve(out, runs, RTE_MIN(m, n), &areas);
	free(runs);
	free(areas.x);
	return m < 0 ? m : 0;
}

/* Kinds with per-queue windows: the windows and the driver's areas. */
static int
plan_windows(struct virtio_map_dev *dev, struct xlat_vec *out)
{
	struct vmq *qs[2 * VIRTIO_MAP_MAX_QUEUE_PAIRS];
	struct rte_vmap_region w, r[VMAP_UMEM_MAX];
	unsigned int i, nr, nq = virtio_map_queues(dev->sh, qs);
	struct vmap_umem *um;
	int ret;

	for (i = 0; i < nq; i++) {
		ret = vmap_queue_window(&qs[i]->mq, &w);
		if (ret < 0)
			return ret;
		plan_queue_coherent(out, qs[i]);
		xv_add(out, w.dev_addr, w.size, (uintptr_t)w.addr,
		       qs[i]->is_tx ? VMT_IOTLB_RO : VMT_IOTLB_RW);
	}
	/* registered memory (map=vduse): Rx buffers may lie there */
	um = vmap_dev_umem(&dev->sh->map);
	nr = um != NULL ? vmap_umem_regions(um, r, RTE_DIM(r)) : 0;
	for (i = 0; i < nr && i < RTE_DIM(r); i++)
		xv_add(out, r[i].dev_addr, r[i].size, (uintptr_t)r[i].addr,
		       VMT_IOTLB_RW);
	return 0;
}

/* Sort by IOVA; merge neighbours contiguous in IOVA and VA with one
 * permission; drop emptied entries. */
static void
plan_finish(struct xlat_vec *v)
{
	unsigned int i, k = 0;

	qsort(v->x, v->n, sizeof(v->x[0]), xlat_cmp_iova);
	for (i = 0; i < v->n; i++) {
		struct virtio_map_xlat *p = k > 0 ? &v->x[k - 1] : NULL;
		const struct virtio_map_xlat *x = &v->x[i];

		if (x->size == 0)
			continue;
		if (p != NULL && p->perm == x->perm &&
		    p->iova + p->size == x->iova &&
		    p->uaddr + p->size == x->uaddr) {
			p->size += x->size;
			continue;
		}
		v->x[k++] = *x;
	}
	v->n = k;
}

int
virtio_map_iotlb_plan(struct virtio_map_dev *dev,
		      struct virtio_map_xlat **out, unsigned int *n)
{
	struct xlat_vec v = { 0 };
	int ret;

	*out = NULL;
	*n = 0;
	if (dev->sh->map.kind == RTE_VMAP_KIND_VA || dev->sh->map.kind == RTE_VMAP_KIND_PA)
		ret = plan_inline(dev, &v);
	else
		ret = plan_windows(dev, &v);
	if (ret == 0)
		ret = v.err;
	if (ret < 0) {
		free(v.x);
		return ret;
	}
	plan_finish(&v);
	*out = v.x;
	*n = v.n;
	return 0;
}

const struct virtio_map_xlat *
virtio_map_iotlb_find(const struct virtio_map_xlat *x, unsigned int n,
		      uint64_t iova)
{
	unsigned int lo = 0, hi = n;

	while (lo < hi) {
		unsigned int mid = lo + (hi - lo) / 2;

		if (iova < x[mid].iova)
			hi = mid;
		else if (iova - x[mid].iova >= x[mid].size)
			lo = mid + 1;
		else
			return &x[mid];
	}
	return NULL;
}
