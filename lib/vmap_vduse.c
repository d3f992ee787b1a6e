/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The virtio_map authors
 */

/*
 * The "vduse" kind: each device gets a private IOVA domain (vmap_domain.c)
 * and each queue a bounce slot pool (vmap_bounce.c). The device reaches
 * only the domain's bounce and coherent regions, never application
 * memory: Tx data is copied into slots at map time, Rx data copied out at
 * unmap or sync time. This file only binds the ops table to those two.
 */

#include <errno.h>
#include <inttypes.h>
#include <string.h>
#include <sys/mman.h>

#include <rte_branch_prediction.h>
#include <rte_common.h>
#include <rte_errno.h>
#include <rte_malloc.h>
#include <rte_spinlock.h>

#include "vmap_domain.h"
#include "vmap_internal.h"

/* Slots a queue needs at the very least, when the bounce region is short. */
#define VMAP_VDUSE_MIN_SLOTS	32u

static int
vmap_vduse_attach(struct rte_vmap_dev *d)
{
	struct vmap_domain *dom;
	size_t bounce = d->params.bounce_size;

	if (bounce == 0)
		bounce = VMAP_BOUNCE_SIZE_DEFAULT;
	if (bounce < VMAP_BOUNCE_SIZE_MIN || bounce > VMAP_BOUNCE_SIZE_MAX) {
		VMAP_LOG(ERR, "%s: bounce_size=%zu: must be in %u..%u bytes (1M..1G)",
			 d->name, bounce, VMAP_BOUNCE_SIZE_MIN,
			 VMAP_BOUNCE_SIZE_MAX);
		return -EINVAL;
	}
	dom = vmap_domain_create(d->name, bounce, VMAP_DOMAIN_COHERENT_SIZE);
	if (dom == NULL) {
		VMAP_LOG(ERR, "%s: cannot create the IOVA domain: %s",
			 d->name, rte_strerror(rte_errno));
		return -rte_errno;
	}
	d->priv = dom;
	return 0;
}

static void
vmap_vduse_detach(struct rte_vmap_dev *d)
{
	vmap_domain_destroy(d->priv);
	d->priv = NULL;
}

static int
vmap_vduse_queue_setup(struct rte_vmap_queue *q, uint16_t nb_desc,
		       uint32_t buf_len)
{
	struct rte_vmap_dev *d = q->dev;
	struct vmap_bounce_pool *pool;
	int ret;

	if (nb_desc == 0 || buf_len == 0) {
		VMAP_LOG(ERR, "%s: queue %u: %u descriptors of %u bytes",
			 d->name, q->qid, nb_desc, buf_len);
		return -EINVAL;
	}
	pool = rte_zmalloc_socket("vmap_bounce_pool", sizeof(*pool),
				  RTE_CACHE_LINE_SIZE, d->socket_id);
	if (pool == NULL)
		pool = rte_zmalloc("vmap_bounce_pool", sizeof(*pool),
				   RTE_CACHE_LINE_SIZE);
	if (pool == NULL) {
		VMAP_LOG(ERR, "%s: queue %u: no memory for a bounce pool",
			 d->name, q->qid);
		return -ENOMEM;
	}
	ret = vmap_bounce_pool_create(d->priv, pool, nb_desc,
				      RTE_MIN(nb_desc, VMAP_VDUSE_MIN_SLOTS),
				      buf_len);
	if (ret < 0) {
		VMAP_LOG(ERR, "%s: queue %u: no bounce slots for %u descriptors of %u bytes: %s",
			 d->name, q->qid, nb_desc, buf_len, strerror(-ret));
		rte_free(pool);
		return ret;
	}
	if (pool->nb_slots < nb_desc)
		VMAP_LOG(WARNING, "%s: queue %u: %u bounce slots for %u descriptors: bursts may be cut short",
			 d->name, q->qid, pool->nb_slots, nb_desc);
	q->max_seg = pool->slot_size;
	q->max_live = pool->nb_slots;
	q->priv = pool;
	return 0;
}

static void
vmap_vduse_queue_release(struct rte_vmap_queue *q)
{
	struct vmap_bounce_pool *pool = q->priv;

	if (pool == NULL)
		return;
	vmap_bounce_pool_destroy(q->dev->priv, pool);
	rte_free(pool);
	q->priv = NULL;
}

/*
 * What this secondary process mapped of each port's domain, by token:
 * detach unmaps exactly that, whatever the primary did to the domain.
 * Attach and detach run on the thread that probes or removes the port.
 */
#define VMAP_VDUSE_SEC_MAX 64
static struct {
	const struct rte_vmap_dev *d;
	void *base;
	size_t len;
} vmap_vduse_sec[VMAP_VDUSE_SEC_MAX];
static rte_spinlock_t vmap_vduse_sec_lock = RTE_SPINLOCK_INITIALIZER;

/* A secondary process maps the primary's domain at the same address. */
static int
vmap_vduse_attach_secondary(struct rte_vmap_dev *d,
			    const struct rte_vmap_region *r, unsigned int n)
{
	unsigned int i;
	size_t len;
	void *base;
	int ret;

	if (d->priv == NULL)
		return -EINVAL;
	ret = vmap_domain_attach_secondary(d->priv, r, n, &base, &len);
	if (ret < 0)
		return ret;
	rte_spinlock_lock(&vmap_vduse_sec_lock);
	for (i = 0; i < VMAP_VDUSE_SEC_MAX; i++)
		if (vmap_vduse_sec[i].d == NULL) {
			vmap_vduse_sec[i].d = d;
			vmap_vduse_sec[i].base = base;
			vmap_vduse_sec[i].len = len;
			break;
		}
	rte_spinlock_unlock(&vmap_vduse_sec_lock);
	if (i == VMAP_VDUSE_SEC_MAX) {
		munmap(base, len);
		VMAP_LOG(ERR, "%s: %u domains already mapped in this process",
			 d->name, VMAP_VDUSE_SEC_MAX);
		return -ENOSPC;
	}
	return 0;
}

static void
vmap_vduse_detach_secondary(struct rte_vmap_dev *d)
{
	unsigned int i;
	size_t len = 0;
	void *base = NULL;

	rte_spinlock_lock(&vmap_vduse_sec_lock);
	for (i = 0; i < VMAP_VDUSE_SEC_MAX; i++)
		if (vmap_vduse_sec[i].d == d) {
			base = vmap_vduse_sec[i].base;
			len = vmap_vduse_sec[i].len;
			vmap_vduse_sec[i].d = NULL;
			break;
		}
	rte_spinlock_unlock(&vmap_vduse_sec_lock);
	if (base != NULL)
		munmap(base, len);
}

static unsigned int
vmap_vduse_queue_live(struct rte_vmap_queue *q)
{
	return q->priv != NULL ? vmap_bounce_pool_busy(q->priv) : 0;
}

static uint16_t
vmap_vduse_map(struct rte_vmap_queue *q, struct rte_vmap_seg *segs, uint16_t n,
	       enum rte_vmap_dir dir)
{
	return vmap_bounce_map(q->priv, segs, n, dir, &q->stats);
}

static void
vmap_vduse_unmap(struct rte_vmap_queue *q, const struct rte_vmap_seg *segs,
		 uint16_t n, enum rte_vmap_dir dir)
{
	vmap_bounce_unmap(q->priv, segs, n, dir, &q->stats);
}

/*
 * Offset in the pool's range of the busy slot at dev_addr, or -1 if
 * dev_addr is not one; len (as mapped) must fit in the slot.
 */
static inline int64_t
vmap_vduse_slot(const struct vmap_bounce_pool *p, rte_iova_t dev_addr,
		uint32_t len)
{
	int64_t idx = vmap_bounce_slot_at(dev_addr - p->range.iova,
					  (uint64_t)p->nb_slots * p->slot_size,
					  p->slot_size, p->slot_inv);

	if (unlikely(idx < 0 || p->busy[idx] == 0 || len > p->slot_size))
		return -1;
	return idx * p->slot_size;
}

/* The vduse token behind d, through the debug layer; NULL: another kind. */
static struct rte_vmap_dev *
vmap_vduse_token(struct rte_vmap_dev *d)
{
	if (d == NULL)
		return NULL;
	if (vmap_dev_ops(d) == &vmap_debug_ops)
		d = vmap_debug_inner(d);
	return vmap_dev_ops(d) == &vmap_vduse_ops && d->priv != NULL ? d : NULL;
}

struct vmap_umem *
vmap_dev_umem(struct rte_vmap_dev *d)
{
	d = vmap_vduse_token(d);
	return d != NULL ? vmap_domain_umem(d->priv) : NULL;
}

uint32_t
vmap_queue_umem_live(struct rte_vmap_queue *q, unsigned int k)
{
	const struct vmap_bounce_pool *p;

	if (q == NULL || q->dev == NULL || k >= VMAP_UMEM_MAX)
		return 0;
	if (vmap_dev_ops(q->dev) == &vmap_debug_ops)
		q = vmap_debug_inner_queue(q);
	if (q == NULL || vmap_vduse_token(q->dev) == NULL)
		return 0;
	p = q->priv;
	return p != NULL ? __atomic_load_n(&p->umem_live[k], __ATOMIC_RELAXED) :
			   0;
}

int
vmap_queue_umem(struct rte_vmap_queue *q, const struct vmap_umem **um,
		uint32_t **live)
{
	struct vmap_bounce_pool *p;

	/* the debug layer sees every mapping: no shortcut around it */
	if (q == NULL || q->dev == NULL ||
	    vmap_dev_ops(q->dev) != &vmap_vduse_ops || q->priv == NULL)
		return -ENOTSUP;
	p = q->priv;
	*um = p->umem;
	*live = p->umem_live;
	return 0;
}

/* A domain address in registered memory needs no sync: the device works
 * on the buffer itself. */
static inline bool
vmap_vduse_in_umem(const struct vmap_bounce_pool *p, rte_iova_t dev_addr)
{
	int k = vmap_umem_slot_of(dev_addr);

	return k >= 0 && __atomic_load_n(&p->umem->a[k].state,
					 __ATOMIC_RELAXED) != VMAP_UMEM_FREE;
}

static void
vmap_vduse_sync_for_cpu(struct rte_vmap_queue *q, const struct rte_vmap_seg *segs,
			uint16_t n, enum rte_vmap_dir dir)
{
	struct vmap_bounce_pool *p = q->priv;
	int64_t off;
	uint16_t i;

	if (dir == RTE_VMAP_TO_DEVICE)
		return;
	rte_atomic_thread_fence(__ATOMIC_ACQUIRE);
	for (i = 0; i < n; i++) {
		if (vmap_vduse_in_umem(p, segs[i].dev_addr))
			continue;
		off = vmap_vduse_slot(p, segs[i].dev_addr, segs[i].len);
		if (unlikely(off < 0 || segs[i].sync_len > segs[i].len ||
			     vmap_iova_unlink(&p->range, off, segs[i].addr,
					      segs[i].sync_len, dir) < 0)) {
			q->stats.map_errors++;
			continue;
		}
		q->stats.bounced_from_dev += segs[i].sync_len;
	}
}

static void
vmap_vduse_sync_for_device(struct rte_vmap_queue *q, const struct rte_vmap_seg *segs,
			   uint16_t n, enum rte_vmap_dir dir)
{
	struct vmap_bounce_pool *p = q->priv;
	int64_t off;
	uint16_t i;

	if (dir == RTE_VMAP_FROM_DEVICE)
		return;
	for (i = 0; i < n; i++) {
		if (vmap_vduse_in_umem(p, segs[i].dev_addr))
			continue;
		off = vmap_vduse_slot(p, segs[i].dev_addr, segs[i].len);
		if (unlikely(off < 0 ||
			     vmap_iova_link(&p->range, off, segs[i].addr,
					    segs[i].len, dir) < 0)) {
			q->stats.map_errors++;
			continue;
		}
		q->stats.bounced_to_dev += segs[i].len;
	}
	vmap_iova_sync(&p->range);
}

static int
vmap_vduse_mapping_error(struct rte_vmap_queue *q, rte_iova_t dev_addr)
{
	if (vmap_vduse_in_umem(q->priv, dev_addr))
		return 0;
	return vmap_vduse_slot(q->priv, dev_addr, 0) < 0 ? -EFAULT : 0;
}

static bool
vmap_vduse_need_sync(struct rte_vmap_dev *d __rte_unused)
{
	return true;
}

static void *
vmap_vduse_alloc_coherent(struct rte_vmap_dev *d, size_t size, size_t align,
			  rte_iova_t *dev_addr)
{
	return vmap_domain_alloc_coherent(d->priv, size, align, dev_addr);
}

static void
vmap_vduse_free_coherent(struct rte_vmap_dev *d, void *addr, size_t size)
{
	vmap_domain_free_coherent(d->priv, addr, size);
}

static int
vmap_vduse_regions(struct rte_vmap_dev *d, struct rte_vmap_region *r,
		   unsigned int max, bool locked __rte_unused)
{
	if (d->priv == NULL)
		return -EINVAL;
	return vmap_domain_regions(d->priv, r, max);
}

static size_t
vmap_vduse_max_mapping_size(struct rte_vmap_dev *d)
{
	return d->priv != NULL ? vmap_domain_bounce_size(d->priv) : 0;
}

/* The queue's slot pool is one reserved range of the bounce region. */
static int
vmap_vduse_queue_window(struct rte_vmap_queue *q, struct rte_vmap_region *w)
{
	const struct vmap_bounce_pool *p = q->priv;

	if (p == NULL || p->range.size == 0)
		return -EINVAL;
	w->dev_addr = p->range.iova;
	w->addr = p->range.va;
	w->size = p->range.size;
	return 0;
}

const struct rte_vmap_ops vmap_vduse_ops = {
	.name = "vduse",
	.kind = RTE_VMAP_KIND_OPS,
	/* domain, pools and rings in the shared heap or the domain's files,
	 * which a secondary maps at the primary's addresses */
	.flags = RTE_VMAP_F_MULTI_PROCESS,
	.attach = vmap_vduse_attach,
	.detach = vmap_vduse_detach,
	.queue_setup = vmap_vduse_queue_setup,
	.queue_release = vmap_vduse_queue_release,
	.queue_live = vmap_vduse_queue_live,
	.map = vmap_vduse_map,
	.unmap = vmap_vduse_unmap,
	.sync_for_cpu = vmap_vduse_sync_for_cpu,
	.sync_for_device = vmap_vduse_sync_for_device,
	.mapping_error = vmap_vduse_mapping_error,
	.need_sync = vmap_vduse_need_sync,
	.alloc_coherent = vmap_vduse_alloc_coherent,
	.free_coherent = vmap_vduse_free_coherent,
	.regions = vmap_vduse_regions,
	.max_mapping_size = vmap_vduse_max_mapping_size,
	.queue_window = vmap_vduse_queue_window,
	.attach_secondary = vmap_vduse_attach_secondary,
	.detach_secondary = vmap_vduse_detach_secondary,
};
