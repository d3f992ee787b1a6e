/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The virtio_map authors
 */

/*
 * The debug layer (map_debug=1), in the spirit of Linux's DMA-API
 * debugging: it wraps any kind, records every live mapping per queue (its
 * device address and length) and reports, with the device, queue and
 * IOVA, a double unmap, an unmap of an IOVA it never handed out, a sync of
 * an unmapped IOVA, an unmap or sync whose len differs from the mapping's
 * or whose sync_len exceeds it, an IOVA handed out twice, and mappings
 * still live when the queue goes idle. Misused buffers are not passed on
 * to the wrapped kind (a mapping named with a wrong length stays live).
 * When the layer is off nothing here runs.
 */

#include <inttypes.h>
#include <string.h>

#include <rte_malloc.h>

#include "vmap_internal.h"

enum vmap_dbg_state {
	DBG_EMPTY = 0,
	DBG_LIVE,
	DBG_FREED,	/* tombstone: unmapped, remembered for double unmaps */
};

struct vmap_dbg_entry {
	rte_iova_t dev_addr;
	uint32_t len;		/* as mapped */
	uint8_t state;
};

/* Device state: the wrapped kind's own token and the error count. */
struct vmap_dbg_dev {
	struct rte_vmap_dev inner;
	uint64_t errors;
};

/* Queue state: the wrapped kind's queue and the live-mapping set. */
struct vmap_dbg_queue {
	struct rte_vmap_queue inner;
	struct vmap_dbg_entry *tab;	/* open addressing, linear probing */
	uint32_t mask;			/* table size - 1 */
	uint32_t live;
	uint32_t used;			/* live + tombstones */
};

static struct vmap_dbg_dev *
dbg_dev(const struct rte_vmap_dev *d)
{
	return d->priv;
}

static void
dbg_error(struct rte_vmap_queue *q)
{
	__atomic_fetch_add(&dbg_dev(q->dev)->errors, 1, __ATOMIC_RELAXED);
}

static uint32_t
dbg_hash(rte_iova_t dev_addr)
{
	uint64_t h = dev_addr * 0x9e3779b97f4a7c15ULL;

	return (uint32_t)(h >> 32);
}

/* Find dev_addr's entry, or NULL. */
static struct vmap_dbg_entry *
dbg_find(struct vmap_dbg_queue *dq, rte_iova_t dev_addr)
{
	uint32_t i, n;

	for (i = dbg_hash(dev_addr) & dq->mask, n = 0; n <= dq->mask;
	     i = (i + 1) & dq->mask, n++) {
		if (dq->tab[i].state == DBG_EMPTY)
			return NULL;
		if (dq->tab[i].dev_addr == dev_addr)
			return &dq->tab[i];
	}
	return NULL;
}

/*
 * Drop tombstones when the table gets crowded, doubling it when live
 * mappings fill half of it: a queue may hold more mappings than its ring
 * has descriptors (a Tx packet behind one indirect descriptor maps every
 * segment). Allocates, like everything in this layer; on failure the
 * crowded table stays.
 */
static void
dbg_rehash(struct vmap_dbg_queue *dq)
{
	uint32_t size = dq->mask + 1, nsize = size, i, j;
	struct vmap_dbg_entry *old = dq->tab, *tab, e;

	if (dq->live + 1 > size / 2 && size <= UINT32_MAX / 2)
		nsize = size * 2;
	tab = rte_zmalloc("vmap_dbg", sizeof(*old) * nsize, 0);
	if (tab == NULL)
		return;
	dq->tab = tab;
	dq->mask = nsize - 1;
	dq->used = 0;
	for (i = 0; i < size; i++) {
		e = old[i];
		if (e.state != DBG_LIVE)
			continue;
		for (j = dbg_hash(e.dev_addr) & dq->mask;
		     dq->tab[j].state != DBG_EMPTY; j = (j + 1) & dq->mask)
			;
		dq->tab[j] = e;
		dq->used++;
	}
	rte_free(old);
}

/*
 * Record a mapping. -ENOSPC when the table is full and cannot grow: the
 * caller then gives the mapping back, so nothing goes unchecked.
 */
static int
dbg_insert(struct rte_vmap_queue *q, struct vmap_dbg_queue *dq,
	   rte_iova_t dev_addr, uint32_t len)
{
	struct vmap_dbg_entry *e = dbg_find(dq, dev_addr);
	uint32_t i;

	if (e != NULL && e->state == DBG_LIVE) {
		VMAP_LOG(ERR, "debug: %s q%u: IOVA 0x%" PRIx64 " handed out twice (still mapped)",
			 q->dev->name, q->qid, dev_addr);
		dbg_error(q);
		return 0;
	}
	if (e == NULL) {
		if (dq->used + 1 > (dq->mask + 1) / 4 * 3)
			dbg_rehash(dq);
		/* one empty slot must stay, or probing never ends */
		if (dq->used + 1 > dq->mask)
			return -ENOSPC;
		for (i = dbg_hash(dev_addr) & dq->mask;
		     dq->tab[i].state != DBG_EMPTY; i = (i + 1) & dq->mask)
			;
		e = &dq->tab[i];
		e->dev_addr = dev_addr;
		dq->used++;
	}
	e->len = len;
	e->state = DBG_LIVE;
	dq->live++;
	return 0;
}

/*
 * Check one buffer the driver gives back; true if it may go on. sync_len
 * is checked where the op reads it (with_sync_len).
 */
static bool
dbg_check(struct rte_vmap_queue *q, struct vmap_dbg_queue *dq,
	  const struct rte_vmap_seg *s, bool release, bool with_sync_len,
	  const char *what)
{
	struct vmap_dbg_entry *e = dbg_find(dq, s->dev_addr);

	if (e == NULL || e->state != DBG_LIVE) {
		VMAP_LOG(ERR, "debug: %s q%u: %s of IOVA 0x%" PRIx64 " (%u bytes): %s",
			 q->dev->name, q->qid, what, s->dev_addr, s->len,
			 e == NULL ? "never mapped" :
			 release ? "double unmap" : "already unmapped");
		dbg_error(q);
		return false;
	}
	if (s->len != e->len) {
		VMAP_LOG(ERR, "debug: %s q%u: %s of IOVA 0x%" PRIx64 " with len %u, but it was mapped with %u bytes",
			 q->dev->name, q->qid, what, s->dev_addr, s->len,
			 e->len);
		dbg_error(q);
		return false;
	}
	if (with_sync_len && s->sync_len > e->len) {
		VMAP_LOG(ERR, "debug: %s q%u: %s of IOVA 0x%" PRIx64 " with sync_len %u, past the %u bytes mapped",
			 q->dev->name, q->qid, what, s->dev_addr, s->sync_len,
			 e->len);
		dbg_error(q);
		return false;
	}
	if (release) {
		e->state = DBG_FREED;
		dq->live--;
	}
	return true;
}

static int
dbg_queue_setup(struct rte_vmap_queue *q, uint16_t nb_desc, uint32_t buf_len)
{
	struct vmap_dbg_queue *dq;
	uint32_t size;
	int ret;

	dq = rte_zmalloc("vmap_dbg_q", sizeof(*dq), 0);
	if (dq == NULL)
		return -ENOMEM;
	/* room for every descriptor live plus tombstones */
	size = rte_align32pow2(4u * nb_desc + 64);
	dq->tab = rte_zmalloc("vmap_dbg", sizeof(*dq->tab) * size, 0);
	if (dq->tab == NULL) {
		rte_free(dq);
		return -ENOMEM;
	}
	dq->mask = size - 1;
	ret = vmap_queue_setup(&dbg_dev(q->dev)->inner, &dq->inner, q->qid,
			       q->dir, nb_desc, buf_len);
	if (ret < 0) {
		rte_free(dq->tab);
		rte_free(dq);
		return ret;
	}
	q->max_seg = dq->inner.max_seg;
	q->max_live = dq->inner.max_live;
	q->priv = dq;
	return 0;
}

static void
dbg_queue_release(struct rte_vmap_queue *q)
{
	struct vmap_dbg_queue *dq = q->priv;

	if (dq == NULL)
		return;
	vmap_queue_release(&dq->inner);
	rte_free(dq->tab);
	rte_free(dq);
	q->priv = NULL;
}

static unsigned int
dbg_queue_live(struct rte_vmap_queue *q)
{
	struct vmap_dbg_queue *dq = q->priv;
	uint32_t i;

	if (dq->live == 0)
		return 0;
	for (i = 0; i <= dq->mask; i++)
		if (dq->tab[i].state == DBG_LIVE)
			VMAP_LOG(ERR, "debug: %s q%u: IOVA 0x%" PRIx64 " (%u bytes) still mapped while the queue is idle (leak)",
				 q->dev->name, q->qid, dq->tab[i].dev_addr,
				 dq->tab[i].len);
	__atomic_fetch_add(&dbg_dev(q->dev)->errors, dq->live,
			   __ATOMIC_RELAXED);
	return dq->live;
}

/* Move what the wrapped kind counted into the queue's own counters. */
static void
dbg_take_stats(struct rte_vmap_queue *q, struct vmap_dbg_queue *dq)
{
	struct rte_vmap_qstats *in = &dq->inner.stats;

	q->stats.bounced_to_dev += in->bounced_to_dev;
	q->stats.bounced_from_dev += in->bounced_from_dev;
	q->stats.exhausted += in->exhausted;
	q->stats.map_errors += in->map_errors;
	memset(in, 0, sizeof(*in));
}

static uint16_t
dbg_map(struct rte_vmap_queue *q, struct rte_vmap_seg *segs, uint16_t n,
	enum rte_vmap_dir dir)
{
	struct vmap_dbg_queue *dq = q->priv;
	uint16_t i, done;

	done = vmap_map(&dq->inner, segs, n, dir);
	dbg_take_stats(q, dq);
	for (i = 0; i < done; i++)
		if (dbg_insert(q, dq, segs[i].dev_addr, segs[i].len) < 0)
			break;
	if (i < done) {
		/* no room to track the rest: hand them back unmapped */
		VMAP_LOG(ERR, "debug: %s q%u: cannot track more than %u live mappings",
			 q->dev->name, q->qid, dq->live);
		q->stats.map_errors += done - i;
		vmap_unmap(&dq->inner, &segs[i], done - i, dir);
		dbg_take_stats(q, dq);
	}
	return i;
}

/* Pass on only the buffers that pass the check, a chunk at a time. */
static void
dbg_forward(struct rte_vmap_queue *q, const struct rte_vmap_seg *segs, uint16_t n,
	    enum rte_vmap_dir dir, bool release, bool with_sync_len,
	    const char *what,
	    void (*fn)(struct rte_vmap_queue *, const struct rte_vmap_seg *, uint16_t,
		       enum rte_vmap_dir))
{
	struct vmap_dbg_queue *dq = q->priv;
	struct rte_vmap_seg ok[64];
	uint16_t i, k = 0;

	for (i = 0; i < n; i++) {
		if (dbg_check(q, dq, &segs[i], release, with_sync_len, what))
			ok[k++] = segs[i];
		if (k == RTE_DIM(ok) || (i + 1 == n && k > 0)) {
			if (fn != NULL)
				fn(&dq->inner, ok, k, dir);
			k = 0;
		}
	}
	dbg_take_stats(q, dq);
}

static void
dbg_unmap(struct rte_vmap_queue *q, const struct rte_vmap_seg *segs, uint16_t n,
	  enum rte_vmap_dir dir)
{
	dbg_forward(q, segs, n, dir, true, dir != RTE_VMAP_TO_DEVICE, "unmap",
		    vmap_dev_ops(&dbg_dev(q->dev)->inner)->unmap);
}

static void
dbg_sync_for_cpu(struct rte_vmap_queue *q, const struct rte_vmap_seg *segs,
		 uint16_t n, enum rte_vmap_dir dir)
{
	dbg_forward(q, segs, n, dir, false, dir != RTE_VMAP_TO_DEVICE,
		    "sync for cpu",
		    vmap_dev_ops(&dbg_dev(q->dev)->inner)->sync_for_cpu);
}

static void
dbg_sync_for_device(struct rte_vmap_queue *q, const struct rte_vmap_seg *segs,
		    uint16_t n, enum rte_vmap_dir dir)
{
	dbg_forward(q, segs, n, dir, false, false, "sync for device",
		    vmap_dev_ops(&dbg_dev(q->dev)->inner)->sync_for_device);
}

static int
dbg_mapping_error(struct rte_vmap_queue *q, rte_iova_t dev_addr)
{
	struct vmap_dbg_queue *dq = q->priv;
	struct vmap_dbg_entry *e = dbg_find(dq, dev_addr);

	if (e == NULL || e->state != DBG_LIVE)
		return -EFAULT;
	return vmap_mapping_error(&dq->inner, dev_addr);
}

static bool
dbg_need_sync(struct rte_vmap_dev *d)
{
	return vmap_need_sync(&dbg_dev(d)->inner);
}

static void *
dbg_alloc_coherent(struct rte_vmap_dev *d, size_t size, size_t align,
		   rte_iova_t *dev_addr)
{
	return vmap_alloc_coherent(&dbg_dev(d)->inner, size, align, dev_addr);
}

static void
dbg_free_coherent(struct rte_vmap_dev *d, void *addr, size_t size)
{
	vmap_free_coherent(&dbg_dev(d)->inner, addr, size);
}

static int
dbg_regions(struct rte_vmap_dev *d, struct rte_vmap_region *r, unsigned int max,
	    bool locked)
{
	return vmap_regions(&dbg_dev(d)->inner, r, max, locked);
}

static size_t
dbg_max_mapping_size(struct rte_vmap_dev *d)
{
	return vmap_max_mapping_size(&dbg_dev(d)->inner);
}

static int
dbg_queue_window(struct rte_vmap_queue *q, struct rte_vmap_region *w)
{
	struct vmap_dbg_queue *dq = q->priv;

	return dq != NULL ? vmap_queue_window(&dq->inner, w) : -EINVAL;
}

static void
dbg_detach(struct rte_vmap_dev *d)
{
	struct vmap_dbg_dev *dd = dbg_dev(d);

	vmap_dev_detach(&dd->inner);
	rte_free(dd);
}

const struct rte_vmap_ops vmap_debug_ops = {
	.name = "debug",
	.kind = RTE_VMAP_KIND_OPS,
	/* as the kind it wraps: vmap_debug_attach_secondary() */
	.flags = RTE_VMAP_F_MULTI_PROCESS,
	.detach = dbg_detach,
	.queue_setup = dbg_queue_setup,
	.queue_release = dbg_queue_release,
	.queue_live = dbg_queue_live,
	.map = dbg_map,
	.unmap = dbg_unmap,
	.sync_for_cpu = dbg_sync_for_cpu,
	.sync_for_device = dbg_sync_for_device,
	.mapping_error = dbg_mapping_error,
	.need_sync = dbg_need_sync,
	.alloc_coherent = dbg_alloc_coherent,
	.free_coherent = dbg_free_coherent,
	.regions = dbg_regions,
	.max_mapping_size = dbg_max_mapping_size,
	.queue_window = dbg_queue_window,
};

int
vmap_debug_wrap(struct rte_vmap_dev *d)
{
	struct rte_vmap_params inner_params = d->params;
	struct vmap_dbg_dev *dd;
	int ret;

	dd = rte_zmalloc("vmap_dbg_dev", sizeof(*dd), 0);
	if (dd == NULL)
		return -ENOMEM;
	inner_params.debug = false;
	ret = vmap_dev_attach(&dd->inner, vmap_dev_ops(d), d->name, d->socket_id,
			      &inner_params);
	if (ret < 0) {
		rte_free(dd);
		return ret;
	}
	ret = vmap_dev_bind(d, &vmap_debug_ops);
	if (ret < 0) {
		vmap_dev_detach(&dd->inner);
		rte_free(dd);
		return ret;
	}
	d->priv = dd;
	VMAP_LOG(INFO, "%s: map=%s with the debug layer", d->name,
		 dd->inner.kind_name);
	return 0;
}

uint64_t
vmap_debug_errors(const struct rte_vmap_dev *d)
{
	if (d->slot == 0 || vmap_dev_ops(d) != &vmap_debug_ops)
		return 0;
	return __atomic_load_n(&dbg_dev(d)->errors, __ATOMIC_RELAXED);
}

struct rte_vmap_dev *
vmap_debug_inner(const struct rte_vmap_dev *d)
{
	return &dbg_dev(d)->inner;
}

struct rte_vmap_queue *
vmap_debug_inner_queue(const struct rte_vmap_queue *q)
{
	struct vmap_dbg_queue *dq = q->priv;

	return dq != NULL ? &dq->inner : NULL;
}
