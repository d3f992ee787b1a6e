/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The virtio_map authors
 */

/*
 * The map-kind registry, device tokens and the control-path wrappers that
 * check optional members. The data-path wrappers are inline in vmap.h.
 */

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <rte_errno.h>
#include <rte_log.h>
#include <rte_spinlock.h>

#include "vmap_internal.h"

RTE_LOG_REGISTER_DEFAULT(vmap_logtype, NOTICE);

#define VMAP_REGISTRY_MAX 16

static const struct rte_vmap_ops *vmap_registry[VMAP_REGISTRY_MAX] = {
	&vmap_va_ops,
	&vmap_pa_ops,
	&vmap_vduse_ops,
};
static rte_spinlock_t vmap_registry_lock = RTE_SPINLOCK_INITIALIZER;

static int
vmap_lookup_locked(const char *name)
{
	unsigned int i;

	for (i = 0; i < VMAP_REGISTRY_MAX; i++)
		if (vmap_registry[i] != NULL &&
		    strcmp(vmap_registry[i]->name, name) == 0)
			return i;
	return -1;
}

int
vmap_register(const struct rte_vmap_ops *ops)
{
	unsigned int i;
	int ret = -ENOSPC;

	if (ops == NULL || ops->name == NULL || ops->name[0] == '\0' ||
	    strlen(ops->name) >= RTE_VMAP_NAME_MAX || ops->map == NULL ||
	    ops->alloc_coherent == NULL || ops->free_coherent == NULL ||
	    ops->regions == NULL) {
		VMAP_LOG(ERR, "incomplete map ops: need name (1..%d chars), map, alloc_coherent, free_coherent, regions",
			 RTE_VMAP_NAME_MAX - 1);
		return -EINVAL;
	}
	if (strchr(ops->name, ',') != NULL || strchr(ops->name, '=') != NULL) {
		VMAP_LOG(ERR, "map ops name '%s' may not contain ',' or '='",
			 ops->name);
		return -EINVAL;
	}
	if ((ops->attach_secondary != NULL) !=
	    (ops->detach_secondary != NULL) ||
	    (ops->attach_secondary != NULL &&
	     !(ops->flags & RTE_VMAP_F_MULTI_PROCESS))) {
		VMAP_LOG(ERR, "map ops '%s': attach_secondary and detach_secondary come together, and with RTE_VMAP_F_MULTI_PROCESS",
			 ops->name);
		return -EINVAL;
	}
	if (strcmp(ops->name, "auto") == 0) {
		VMAP_LOG(ERR, "map ops name 'auto' is taken by the devarg map=auto");
		return -EINVAL;
	}
	if (strcmp(ops->name, vmap_debug_ops.name) == 0) {
		VMAP_LOG(ERR, "map ops name '%s' is taken by the debug layer (map_debug=1)",
			 vmap_debug_ops.name);
		return -EINVAL;
	}

	rte_spinlock_lock(&vmap_registry_lock);
	if (vmap_lookup_locked(ops->name) >= 0) {
		ret = -EEXIST;
	} else {
		for (i = 0; i < VMAP_REGISTRY_MAX; i++) {
			if (vmap_registry[i] == NULL) {
				vmap_registry[i] = ops;
				ret = 0;
				break;
			}
		}
	}
	rte_spinlock_unlock(&vmap_registry_lock);

	if (ret == -EEXIST)
		VMAP_LOG(ERR, "map ops '%s' already registered", ops->name);
	else if (ret == -ENOSPC)
		VMAP_LOG(ERR, "map ops registry full (%d kinds)",
			 VMAP_REGISTRY_MAX);
	return ret;
}

int
vmap_unregister(const char *name)
{
	int i, ret = -ENOENT;

	if (name == NULL)
		return -ENOENT;
	rte_spinlock_lock(&vmap_registry_lock);
	i = vmap_lookup_locked(name);
	/* the built-in kinds stay */
	if (i >= 0 && vmap_registry[i] != &vmap_va_ops &&
	    vmap_registry[i] != &vmap_pa_ops &&
	    vmap_registry[i] != &vmap_vduse_ops) {
		vmap_registry[i] = NULL;
		ret = 0;
	}
	rte_spinlock_unlock(&vmap_registry_lock);
	return ret;
}

const struct rte_vmap_ops *
vmap_find(const char *name)
{
	const struct rte_vmap_ops *ops = NULL;
	int i;

	if (name == NULL)
		return NULL;
	rte_spinlock_lock(&vmap_registry_lock);
	i = vmap_lookup_locked(name);
	if (i >= 0)
		ops = vmap_registry[i];
	rte_spinlock_unlock(&vmap_registry_lock);
	return ops;
}

const char *
vmap_names(char *buf, size_t len)
{
	unsigned int i;
	size_t off = 0;

	if (len == 0)
		return buf;
	buf[0] = '\0';
	rte_spinlock_lock(&vmap_registry_lock);
	for (i = 0; i < VMAP_REGISTRY_MAX && off < len; i++) {
		if (vmap_registry[i] == NULL)
			continue;
		off += snprintf(buf + off, len - off, "%s%s",
				off == 0 ? "" : "|", vmap_registry[i]->name);
	}
	rte_spinlock_unlock(&vmap_registry_lock);
	return buf;
}

const struct rte_vmap_ops *vmap_slot_ops[VMAP_SLOTS];

int
vmap_dev_bind(struct rte_vmap_dev *d, const struct rte_vmap_ops *ops)
{
	unsigned int i, slot = 0;

	/* a slot per kind, kept for the process's life: tokens of a kind
	 * share it, and a secondary fills the same one */
	rte_spinlock_lock(&vmap_registry_lock);
	for (i = 1; i < VMAP_SLOTS && slot == 0; i++)
		if (vmap_slot_ops[i] == ops)
			slot = i;
	for (i = 1; i < VMAP_SLOTS && slot == 0; i++)
		if (vmap_slot_ops[i] == NULL) {
			vmap_slot_ops[i] = ops;
			slot = i;
		}
	rte_spinlock_unlock(&vmap_registry_lock);
	if (slot == 0) {
		VMAP_LOG(ERR, "%s: no slot left for map kind '%s' (%d kinds in use)",
			 d->name, ops->name, VMAP_SLOTS - 1);
		return -ENOSPC;
	}
	d->slot = slot;
	d->kind = ops->kind;
	snprintf(d->kind_name, sizeof(d->kind_name), "%s", ops->name);
	return 0;
}

int
vmap_dev_attach(struct rte_vmap_dev *d, const struct rte_vmap_ops *ops,
		const char *name, int socket_id,
		const struct rte_vmap_params *params)
{
	int ret;

	memset(d, 0, sizeof(*d));
	d->socket_id = socket_id;
	snprintf(d->name, sizeof(d->name), "%s", name);
	if (params != NULL)
		d->params = *params;
	ret = vmap_dev_bind(d, ops);
	if (ret < 0)
		return ret;
	if (d->params.debug)
		ret = vmap_debug_wrap(d);
	else if (ops->attach != NULL)
		ret = ops->attach(d);
	if (ret < 0)
		d->slot = 0;
	return ret;
}

/*
 * This secondary process's kinds that mapped memory of their own, by the
 * token of the port (owner) and the token they were given (the same, or
 * the one a debug token wraps). Process-local: detach reads nothing from
 * the shared tokens, which the primary may have changed or freed.
 */
#define VMAP_SEC_MAPS 64
static struct vmap_sec_map {
	const struct rte_vmap_dev *owner;
	struct rte_vmap_dev *d;
	const struct rte_vmap_ops *ops;
} vmap_sec_maps[VMAP_SEC_MAPS];
static rte_spinlock_t vmap_sec_maps_lock = RTE_SPINLOCK_INITIALIZER;

/* The primary's regions for a kind that maps them here; fds closed after. */
static int
vmap_attach_regions(struct rte_vmap_dev *d, const struct rte_vmap_dev *owner,
		    const struct rte_vmap_ops *ops, vmap_fetch_regions_t fetch,
		    void *arg)
{
	struct rte_vmap_region r[VMAP_SECONDARY_REGIONS_MAX];
	struct vmap_sec_map *m = NULL;
	unsigned int k;
	int i, n, ret;

	if (fetch == NULL)
		return -ENOTSUP;
	rte_spinlock_lock(&vmap_sec_maps_lock);
	for (k = 0; k < VMAP_SEC_MAPS && m == NULL; k++)
		if (vmap_sec_maps[k].owner == NULL) {
			m = &vmap_sec_maps[k];
			m->owner = owner;	/* taken */
		}
	rte_spinlock_unlock(&vmap_sec_maps_lock);
	if (m == NULL) {
		VMAP_LOG(ERR, "%s: map kind '%s': %u ports already map memory of their own in this process",
			 d->name, d->kind_name, VMAP_SEC_MAPS);
		return -ENOSPC;
	}
	n = fetch(d, r, RTE_DIM(r), arg);
	if (n < 0) {
		VMAP_LOG(ERR, "%s: map kind '%s': the primary did not send its memory regions: %s",
			 d->name, d->kind_name, strerror(-n));
		ret = n;
		goto out;
	}
	n = RTE_MIN(n, (int)RTE_DIM(r));
	ret = ops->attach_secondary(d, r, n);
	for (i = 0; i < n; i++)
		if (r[i].fd >= 0)
			close(r[i].fd);
	if (ret < 0)
		VMAP_LOG(ERR, "%s: map kind '%s' cannot map the primary's memory in this secondary process: %s",
			 d->name, d->kind_name, strerror(-ret));
out:
	rte_spinlock_lock(&vmap_sec_maps_lock);
	if (ret < 0) {
		m->owner = NULL;
	} else {
		m->d = d;
		m->ops = ops;
	}
	rte_spinlock_unlock(&vmap_sec_maps_lock);
	return ret;
}

/* Find d's kind in this process, fill its slot, map what it needs here. */
static int
vmap_attach_secondary_as(struct rte_vmap_dev *d, const struct rte_vmap_dev *owner,
			 vmap_fetch_regions_t fetch, void *arg)
{
	const struct rte_vmap_ops *ops;
	int ret = 0;

	if (d->slot == 0 || d->slot >= VMAP_SLOTS)
		return -EINVAL;
	ops = strcmp(d->kind_name, vmap_debug_ops.name) == 0 ?
		&vmap_debug_ops : vmap_find(d->kind_name);
	if (ops == NULL) {
		VMAP_LOG(ERR, "%s: map kind '%s' is not registered in this secondary process: register it under the same name before the port is probed here",
			 d->name, d->kind_name);
		return -ENOENT;
	}
	if (!(ops->flags & RTE_VMAP_F_MULTI_PROCESS)) {
		VMAP_LOG(ERR, "%s: map kind '%s' cannot be used from a secondary process (it does not set RTE_VMAP_F_MULTI_PROCESS: its state is not shared between processes)",
			 d->name, d->kind_name);
		return -ENOTSUP;
	}
	rte_spinlock_lock(&vmap_registry_lock);
	if (vmap_slot_ops[d->slot] != NULL && vmap_slot_ops[d->slot] != ops)
		ret = -EEXIST;
	else
		vmap_slot_ops[d->slot] = ops;
	rte_spinlock_unlock(&vmap_registry_lock);
	if (ret < 0) {
		VMAP_LOG(ERR, "%s: map kind '%s': slot %u already holds kind '%s' in this process",
			 d->name, d->kind_name, d->slot,
			 vmap_slot_ops[d->slot]->name);
		return ret;
	}
	if (ops == &vmap_debug_ops)
		ret = vmap_attach_secondary_as(vmap_debug_inner(d), owner,
					       fetch, arg);
	else if (ops->attach_secondary != NULL)
		ret = vmap_attach_regions(d, owner, ops, fetch, arg);
	return ret;
}

int
vmap_dev_attach_secondary(struct rte_vmap_dev *d, vmap_fetch_regions_t fetch,
			  void *arg)
{
	return vmap_attach_secondary_as(d, d, fetch, arg);
}

bool
vmap_dev_secondary_maps(const struct rte_vmap_dev *d)
{
	const struct rte_vmap_ops *ops = vmap_dev_ops(d);

	if (d->slot == 0 || ops == NULL)
		return false;
	if (ops == &vmap_debug_ops)
		return vmap_dev_secondary_maps(vmap_debug_inner(d));
	return ops->attach_secondary != NULL;
}

void
vmap_dev_detach_secondary(const struct rte_vmap_dev *d)
{
	struct vmap_sec_map m;
	unsigned int k;

	for (k = 0; k < VMAP_SEC_MAPS; k++) {
		rte_spinlock_lock(&vmap_sec_maps_lock);
		m = vmap_sec_maps[k];
		if (m.owner == d && m.ops != NULL)
			memset(&vmap_sec_maps[k], 0, sizeof(vmap_sec_maps[k]));
		rte_spinlock_unlock(&vmap_sec_maps_lock);
		if (m.owner == d && m.ops != NULL &&
		    m.ops->detach_secondary != NULL)
			m.ops->detach_secondary(m.d);
	}
}

void
vmap_dev_detach(struct rte_vmap_dev *d)
{
	if (d->slot == 0 || vmap_dev_ops(d) == NULL)
		return;
	if (vmap_dev_ops(d)->detach != NULL)
		vmap_dev_ops(d)->detach(d);
	d->slot = 0;
	d->priv = NULL;
}

int
vmap_queue_setup(struct rte_vmap_dev *d, struct rte_vmap_queue *q, uint16_t qid,
		 enum rte_vmap_dir dir, uint16_t nb_desc, uint32_t buf_len)
{
	int ret = 0;

	memset(q, 0, sizeof(*q));
	q->dev = d;
	q->qid = qid;
	q->dir = dir;
	if (vmap_dev_ops(d)->queue_setup != NULL)
		ret = vmap_dev_ops(d)->queue_setup(q, nb_desc, buf_len);
	if (ret < 0)
		q->dev = NULL;
	return ret;
}

void
vmap_queue_release(struct rte_vmap_queue *q)
{
	if (q->dev == NULL)
		return;
	if (vmap_dev_ops(q->dev)->queue_release != NULL)
		vmap_dev_ops(q->dev)->queue_release(q);
	q->dev = NULL;
	q->priv = NULL;
}

unsigned int
vmap_queue_live(struct rte_vmap_queue *q)
{
	if (q->dev == NULL || vmap_dev_ops(q->dev)->queue_live == NULL)
		return 0;
	return vmap_dev_ops(q->dev)->queue_live(q);
}

void *
vmap_alloc_coherent(struct rte_vmap_dev *d, size_t size, size_t align,
		    rte_iova_t *dev_addr)
{
	if (size == 0 || align == 0 || (align & (align - 1)) != 0) {
		rte_errno = EINVAL;
		return NULL;
	}
	return vmap_dev_ops(d)->alloc_coherent(d, size, align, dev_addr);
}

void
vmap_free_coherent(struct rte_vmap_dev *d, void *addr, size_t size)
{
	if (addr != NULL)
		vmap_dev_ops(d)->free_coherent(d, addr, size);
}

int
vmap_queue_window(struct rte_vmap_queue *q, struct rte_vmap_region *w)
{
	if (q == NULL || q->dev == NULL || w == NULL)
		return -EINVAL;
	if (vmap_dev_ops(q->dev)->queue_window == NULL)
		return -ENOTSUP;
	memset(w, 0, sizeof(*w));
	w->fd = -1;
	return vmap_dev_ops(q->dev)->queue_window(q, w);
}

int
vmap_regions(struct rte_vmap_dev *d, struct rte_vmap_region *r, unsigned int max,
	     bool locked)
{
	return vmap_dev_ops(d)->regions(d, r, max, locked);
}
