/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The virtio_map authors
 */

/*
 * Generic transport wrappers: take the transport lock, check optional ops,
 * refuse to talk on a closed channel. No transport-specific code here.
 */

#include <errno.h>
#include <time.h>

#include <rte_malloc.h>

#include "vmt.h"

/* Before the lock goes: what the interrupt thread could not send while
 * the lock was held goes out now. */
static void
vmt_unlock(struct vmt_dev *t)
{
	if (t->ops->service != NULL)
		t->ops->service(t);
	pthread_mutex_unlock(&t->lock);
}

#define VMT_CALL(t, expr) ({ \
	int _ret; \
	pthread_mutex_lock(&(t)->lock); \
	_ret = (t)->ops->connected(t) ? (expr) : -ENOTCONN; \
	vmt_unlock(t); \
	_ret; })

int
vmt_connect(struct vmt_dev *t)
{
	int ret;

	pthread_mutex_lock(&t->lock);
	ret = t->ops->connected(t) ? 0 : t->ops->connect(t);
	pthread_mutex_unlock(&t->lock);
	return ret;
}

bool
vmt_connected(struct vmt_dev *t)
{
	bool up;

	pthread_mutex_lock(&t->lock);
	up = t->ops->connected(t);
	pthread_mutex_unlock(&t->lock);
	return up;
}

int
vmt_get_features(struct vmt_dev *t, uint64_t *features)
{
	return VMT_CALL(t, t->ops->get_features(t, features));
}

int
vmt_set_features(struct vmt_dev *t, uint64_t features)
{
	return VMT_CALL(t, t->ops->set_features(t, features));
}

int
vmt_sync(struct vmt_dev *t)
{
	if (t->ops->sync == NULL)
		return 0;
	return VMT_CALL(t, t->ops->sync(t));
}

unsigned int
vmt_max_regions(struct vmt_dev *t)
{
	return t->ops->max_regions(t);
}

unsigned int
vmt_max_queue_pairs(struct vmt_dev *t)
{
	unsigned int n;

	pthread_mutex_lock(&t->lock);
	n = t->ops->connected(t) ? t->ops->max_queue_pairs(t) : 0;
	pthread_mutex_unlock(&t->lock);
	return n;
}

int
vmt_set_mem_table(struct vmt_dev *t, const struct rte_vmap_region *r,
		  unsigned int n)
{
	return VMT_CALL(t, t->ops->set_mem_table(t, r, n));
}

int
vmt_setup_vring(struct vmt_dev *t, const struct vmt_vring *v)
{
	return VMT_CALL(t, t->ops->setup_vring(t, v));
}

int
vmt_enable_vring(struct vmt_dev *t, uint16_t index, bool enable)
{
	return VMT_CALL(t, t->ops->enable_vring(t, index, enable));
}

int
vmt_stop_vring(struct vmt_dev *t, uint16_t index, uint16_t *base)
{
	return VMT_CALL(t, t->ops->stop_vring(t, index, base));
}

int
vmt_set_mtu(struct vmt_dev *t, uint16_t mtu)
{
	if (t->ops->set_mtu == NULL)
		return -ENOTSUP;
	return VMT_CALL(t, t->ops->set_mtu(t, mtu));
}

int
vmt_set_status(struct vmt_dev *t, uint8_t status)
{
	if (t->ops->set_status == NULL)
		return -ENOTSUP;
	return VMT_CALL(t, t->ops->set_status(t, status));
}

int
vmt_confirm(struct vmt_dev *t)
{
	return VMT_CALL(t, t->ops->confirm(t));
}

void
vmt_set_iotlb_resolver(struct vmt_dev *t, vmt_iotlb_resolve_t fn, void *arg)
{
	pthread_mutex_lock(&t->lock);
	t->iotlb_resolve = fn;
	t->iotlb_arg = arg;
	pthread_mutex_unlock(&t->lock);
}

int
vmt_iotlb_update(struct vmt_dev *t, uint64_t iova, uint64_t size,
		 uint64_t uaddr, uint8_t perm)
{
	if (t->ops->iotlb_update == NULL)
		return -ENOTSUP;
	return VMT_CALL(t, t->ops->iotlb_update(t, iova, size, uaddr, perm));
}

int
vmt_iotlb_invalidate(struct vmt_dev *t, uint64_t iova, uint64_t size)
{
	if (t->ops->iotlb_invalidate == NULL)
		return -ENOTSUP;
	return VMT_CALL(t, t->ops->iotlb_invalidate(t, iova, size));
}

bool
vmt_reports_misses(struct vmt_dev *t)
{
	bool misses;

	pthread_mutex_lock(&t->lock);
	misses = t->ops->connected(t) &&
		 __atomic_load_n(&t->misses, __ATOMIC_ACQUIRE);
	pthread_mutex_unlock(&t->lock);
	return misses;
}

void
vmt_set_counters(struct vmt_dev *t, struct vmt_counters *c)
{
	t->cnt = c != NULL ? c : &t->own_cnt;
}

void
vmt_set_event_cb(struct vmt_dev *t, vmt_event_t fn, void *arg)
{
	pthread_mutex_lock(&t->lock);
	t->event_arg = arg;
	t->event_cb = fn;
	pthread_mutex_unlock(&t->lock);
}

uint64_t
vmt_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void
vmt_set_deadline(struct vmt_dev *t, unsigned int ms)
{
	uint64_t deadline = ms == 0 ? 0 : vmt_now_ms() + ms;

	pthread_mutex_lock(&t->lock);
	t->deadline_ms = deadline;
	pthread_mutex_unlock(&t->lock);
}

void
vmt_service(struct vmt_dev *t)
{
	pthread_mutex_lock(&t->lock);
	vmt_unlock(t);
}

void
vmt_reject(struct vmt_dev *t)
{
	pthread_mutex_lock(&t->lock);
	if (t->ops->reject != NULL)
		t->ops->reject(t);
	else
		t->ops->disconnect(t);
	pthread_mutex_unlock(&t->lock);
}

void
vmt_disconnect(struct vmt_dev *t)
{
	pthread_mutex_lock(&t->lock);
	t->ops->disconnect(t);
	pthread_mutex_unlock(&t->lock);
}

void
vmt_destroy(struct vmt_dev *t)
{
	if (t == NULL)
		return;
	vmt_disconnect(t);
	t->ops->destroy(t);
}
