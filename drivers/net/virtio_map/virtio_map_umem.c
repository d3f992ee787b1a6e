/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The virtio_map authors
 */

/*
 * Registered memory of a map=vduse port (rte_pmd_virtio_map_mem_register()
 * and friends): the control half. An area goes into the device's memory
 * table before any buffer is handed out from it, and leaves the table
 * only after no burst can map into it and none of its buffers is in
 * flight. Both run under the port lock, like every memory-table send; the
 * data half is in lib/ (vmap_umem.h, the bounce pool's loops).
 */

#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include <ethdev_driver.h>
#include <rte_mempool.h>

#include "rte_pmd_virtio_map.h"
#include "virtio_map_bringup.h"
#include "virtio_map_link.h"
#include "virtio_map_log.h"
#include "virtio_map_state.h"
#include "virtio_map_umem.h"
#include "vmq.h"
#include "vmap_umem.h"

/* An area to register or unregister: the caller's bytes. */
struct vm_umem_span {
	void *addr;
	size_t len;
};

/* The primary's port behind port_id, and its registered memory. */
static int
vm_umem_port(uint16_t port_id, struct virtio_map_dev **dev,
	     struct vmap_umem **um)
{
	struct rte_eth_dev *eth;

	if (!rte_eth_dev_is_valid_port(port_id))
		return -ENODEV;
	eth = &rte_eth_devices[port_id];
	if (eth->device == NULL || eth->device->driver == NULL ||
	    strcmp(eth->device->driver->name, "net_virtio_map") != 0)
		return -ENODEV;
	if (rte_eal_process_type() != RTE_PROC_PRIMARY || vm_dev(eth) == NULL) {
		VM_LOG(ERR, "port %u: memory is registered in the primary process only",
		       port_id);
		return -E_RTE_SECONDARY;
	}
	*dev = vm_dev(eth);
	*um = vmap_dev_umem(&vm_shared(eth)->map);
	if (*um == NULL) {
		VM_LOG(ERR, "%s: map=%s: registered memory is for map=vduse (with map=va and map=pa the device reaches EAL memory already)",
		       (*dev)->name, vm_shared(eth)->cfg.map);
		return -ENOTSUP;
	}
	return 0;
}

/*
 * Send the memory table again if the device has one (it gets the whole
 * table at its next bring-up otherwise). Port lock held.
 */
static int
vm_umem_resend(struct virtio_map_dev *dev)
{
	if (!dev->sh->ready)
		return 0;
	__atomic_store_n(&dev->mem_dirty, true, __ATOMIC_RELEASE);
	virtio_map_mem_resend(dev);
	/* still dirty: the send failed, the control thread tries again */
	return __atomic_load_n(&dev->mem_dirty, __ATOMIC_ACQUIRE) ? -EIO : 0;
}

/* Register n spans as one: all or none. Port lock held. */
static int
vm_umem_add(struct virtio_map_dev *dev, struct vmap_umem *um,
	    const struct vm_umem_span *s, unsigned int n)
{
	int k[VMAP_UMEM_MAX];
	unsigned int i, j;
	int ret = 0;

	if (n > VMAP_UMEM_MAX) {
		VM_LOG(ERR, "%s: %u areas to register: at most %u",
		       dev->name, n, VMAP_UMEM_MAX);
		return -ENOSPC;
	}
	for (i = 0; i < n; i++) {
		k[i] = vmap_umem_add(um, dev->name, s[i].addr, s[i].len);
		if (k[i] < 0) {
			ret = k[i];
			break;
		}
	}
	if (ret < 0) {
		for (j = 0; j < i; j++)
			vmap_umem_set(um, k[j], VMAP_UMEM_FREE);
		return ret;
	}
	/* listed, not used yet: the device must have them first */
	if (vm_umem_resend(dev) < 0) {
		VM_LOG(ERR, "%s: the device did not take the memory table with the registered memory; not registered",
		       dev->name);
		for (j = 0; j < n; j++)
			vmap_umem_set(um, k[j], VMAP_UMEM_FREE);
		/* the control thread sends the table without them (it is
		 * still dirty) */
		return -EIO;
	}
	for (i = 0; i < n; i++) {
		vmap_umem_set(um, k[i], VMAP_UMEM_ACTIVE);
		VM_LOG(INFO, "%s: registered memory %p+%zu: the device reaches it at 0x%" PRIx64 ", no bounce copy for buffers inside",
		       dev->name, s[i].addr, s[i].len, vmap_umem_iova(k[i]));
	}
	return 0;
}

/* Unregister n spans as one: all or none. Port lock held. */
static int
vm_umem_remove(struct virtio_map_dev *dev, struct vmap_umem *um,
	       const struct vm_umem_span *s, unsigned int n)
{
	struct vmq *qs[2 * VIRTIO_MAP_MAX_QUEUE_PAIRS];
	unsigned int i, j, nq;
	uint64_t live = 0;
	int k[VMAP_UMEM_MAX];
	int ret = 0;

	if (n > VMAP_UMEM_MAX)
		return -ENOENT;
	for (i = 0; i < n; i++) {
		k[i] = vmap_umem_find(um, s[i].addr, s[i].len);
		if (k[i] < 0) {
			VM_LOG(ERR, "%s: %p+%zu is not registered memory",
			       dev->name, s[i].addr, s[i].len);
			return -ENOENT;
		}
	}
	/* no new buffer maps into them; then no burst still can */
	for (i = 0; i < n; i++)
		vmap_umem_set(um, k[i], VMAP_UMEM_LISTED);
	nq = virtio_map_queues(dev->sh, qs);
	for (j = 0; j < nq && ret == 0; j++)
		ret = vmq_quiesce(qs[j]);
	for (i = 0; i < n && ret == 0; i++)
		for (j = 0; j < nq; j++)
			live += vmap_queue_umem_live(&qs[j]->mq, k[i]);
	if (ret == 0 && live > 0)
		ret = -EBUSY;
	if (ret < 0) {
		for (i = 0; i < n; i++)
			vmap_umem_set(um, k[i], VMAP_UMEM_ACTIVE);
		if (ret == -EBUSY)
			VM_LOG(ERR, "%s: cannot unregister %p+%zu: %" PRIu64 " of its buffers are with the device (Rx buffers posted, Tx not completed yet); stop the port first",
			       dev->name, s[0].addr, s[0].len, live);
		else
			VM_LOG(ERR, "%s: cannot unregister %p+%zu: a burst did not leave its queue",
			       dev->name, s[0].addr, s[0].len);
		return ret;
	}
	for (i = 0; i < n; i++)
		vmap_umem_set(um, k[i], VMAP_UMEM_FREE);
	if (vm_umem_resend(dev) < 0)
		VM_LOG(WARNING, "%s: the device's memory table still lists the unregistered memory until a resend succeeds",
		       dev->name);
	return 0;
}

int
rte_pmd_virtio_map_mem_register(uint16_t port_id, void *addr, size_t len)
{
	struct vm_umem_span s = { addr, len };
	struct virtio_map_dev *dev;
	struct vmap_umem *um;
	int ret;

	ret = vm_umem_port(port_id, &dev, &um);
	if (ret < 0)
		return ret;
	pthread_mutex_lock(&dev->lock);
	ret = vm_umem_add(dev, um, &s, 1);
	pthread_mutex_unlock(&dev->lock);
	return ret;
}

int
rte_pmd_virtio_map_mem_unregister(uint16_t port_id, void *addr, size_t len)
{
	struct vm_umem_span s = { addr, len };
	struct virtio_map_dev *dev;
	struct vmap_umem *um;
	int ret;

	ret = vm_umem_port(port_id, &dev, &um);
	if (ret < 0)
		return ret;
	pthread_mutex_lock(&dev->lock);
	ret = vm_umem_remove(dev, um, &s, 1);
	pthread_mutex_unlock(&dev->lock);
	return ret;
}

/* A pool's memory chunks, neighbours merged. */
struct vm_umem_chunks {
	struct vm_umem_span s[VMAP_UMEM_MAX];
	unsigned int n;
	bool too_many;
};

static void
vm_umem_chunk(struct rte_mempool *mp __rte_unused, void *opaque,
	      struct rte_mempool_memhdr *memhdr, unsigned int idx __rte_unused)
{
	struct vm_umem_chunks *c = opaque;
	struct vm_umem_span *last = c->n > 0 ? &c->s[c->n - 1] : NULL;

	if (last != NULL && RTE_PTR_ADD(last->addr, last->len) == memhdr->addr) {
		last->len += memhdr->len;
		return;
	}
	if (c->n == VMAP_UMEM_MAX) {
		c->too_many = true;
		return;
	}
	c->s[c->n].addr = memhdr->addr;
	c->s[c->n].len = memhdr->len;
	c->n++;
}

static int
vm_umem_pool(uint16_t port_id, struct rte_mempool *mp, bool add)
{
	struct vm_umem_chunks c = { .n = 0 };
	struct virtio_map_dev *dev;
	struct vmap_umem *um;
	int ret;

	if (mp == NULL)
		return -EINVAL;
	ret = vm_umem_port(port_id, &dev, &um);
	if (ret < 0)
		return ret;
	rte_mempool_mem_iter(mp, vm_umem_chunk, &c);
	if (c.too_many) {
		VM_LOG(ERR, "%s: mempool %s lies in more than %u separate chunks: more areas than a vhost-user memory table leaves room for",
		       dev->name, mp->name, VMAP_UMEM_MAX);
		return -ENOSPC;
	}
	if (c.n == 0) {
		VM_LOG(ERR, "%s: mempool %s has no memory yet (populate it first)",
		       dev->name, mp->name);
		return -EINVAL;
	}
	pthread_mutex_lock(&dev->lock);
	ret = add ? vm_umem_add(dev, um, c.s, c.n) :
		    vm_umem_remove(dev, um, c.s, c.n);
	pthread_mutex_unlock(&dev->lock);
	return ret;
}

int
rte_pmd_virtio_map_mempool_register(uint16_t port_id, struct rte_mempool *mp)
{
	return vm_umem_pool(port_id, mp, true);
}

int
rte_pmd_virtio_map_mempool_unregister(uint16_t port_id, struct rte_mempool *mp)
{
	return vm_umem_pool(port_id, mp, false);
}

int
virtio_map_umem_start(struct rte_eth_dev *eth)
{
	struct virtio_map_dev *dev = vm_dev(eth);
	const char *name = vm_shared(eth)->cfg.umem_pool;
	struct rte_mempool *mp;
	int ret;

	if (name[0] == '\0' || dev->umem_pool_done)
		return 0;
	mp = rte_mempool_lookup(name);
	if (mp == NULL) {
		VM_LOG(ERR, "%s: umem_pool=%s: no mempool of that name (testpmd names its pools mb_pool_<socket>)",
		       dev->name, name);
		return -ENOENT;
	}
	ret = vm_umem_pool(eth->data->port_id, mp, true);
	if (ret < 0) {
		VM_LOG(ERR, "%s: umem_pool=%s: cannot register its memory: %s",
		       dev->name, name, strerror(-ret));
		return ret;
	}
	dev->umem_pool_done = true;
	return 0;
}
