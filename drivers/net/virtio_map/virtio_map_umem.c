/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The virtio_map authors
 */

/*
 * Device memory of a map=vduse port (rte_pmd_virtio_map_mem_alloc() and
 * rte_pmd_virtio_map_mem_free()): the control half. An area goes into
 * the device's memory table before any buffer is handed out from it, and
 * leaves it only after no burst can map into it and none of its buffers
 * is in flight. Both run under the port lock, like every memory-table
 * send; the data half is in lib/ (vmap_umem.h, the bounce pool's loops).
 */

#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include <ethdev_driver.h>
#include <rte_errno.h>

#include "rte_pmd_virtio_map.h"
#include "virtio_map_link.h"
#include "virtio_map_log.h"
#include "virtio_map_state.h"
#include "vmq.h"
#include "vmap_umem.h"

/* The primary's port behind port_id, and its domain's memory table. */
static int
vm_umem_port(uint16_t port_id, struct virtio_map_dev **dev,
	     struct vmap_umem **um)
{
	struct rte_eth_dev *eth = vm_port(port_id);

	if (eth == NULL)
		return -ENODEV;
	if (rte_eal_process_type() != RTE_PROC_PRIMARY || vm_dev(eth) == NULL) {
		VM_LOG(ERR, "port %u: device memory is allocated in the primary process only",
		       port_id);
		return -E_RTE_SECONDARY;
	}
	*dev = vm_dev(eth);
	*um = vmap_dev_umem(&vm_shared(eth)->map);
	if (*um == NULL) {
		VM_LOG(ERR, "%s: map=%s: device memory is for map=vduse (with map=va and map=pa the device reaches EAL memory already)",
		       (*dev)->name, vm_shared(eth)->cfg.map);
		return -ENOTSUP;
	}
	if (vm_shared(eth)->cfg.map_debug) {
		VM_LOG(ERR, "%s: device memory with map_debug=1 is not supported: the debug layer tracks each mapping by its address, and a buffer in device memory keeps one address however often it is in flight",
		       (*dev)->name);
		return -ENOTSUP;
	}
	return 0;
}

/*
 * Send the memory table again if the device has one (it gets the whole
 * table at its next bring-up otherwise), and with the IOTLB wait until
 * the device has taken the translations too. Port lock held.
 */
static int
vm_umem_resend(struct virtio_map_dev *dev)
{
	int ret;

	if (!dev->sh->ready)
		return 0;
	__atomic_store_n(&dev->mem_dirty, true, __ATOMIC_RELEASE);
	ret = virtio_map_mem_resend(dev);
	if (ret == 0 && dev->sh->run.iotlb)
		ret = vmt_sync(dev->t);
	return ret;
}

void *
rte_pmd_virtio_map_mem_alloc(uint16_t port_id, size_t len)
{
	struct virtio_map_dev *dev;
	struct vmap_umem *um;
	unsigned int k;
	void *va;
	int ret;

	ret = vm_umem_port(port_id, &dev, &um);
	if (ret < 0) {
		rte_errno = -ret;
		return NULL;
	}
	pthread_mutex_lock(&dev->lock);
	va = vmap_umem_alloc(um, dev->name, len, &k);
	if (va == NULL) {
		ret = -rte_errno;
		goto out;
	}
	/* listed, not used yet: the device must have it first */
	ret = vm_umem_resend(dev);
	if (ret < 0) {
		VM_LOG(ERR, "%s: the device did not take the memory table with the new device memory (%s); none allocated",
		       dev->name, strerror(-ret));
		vmap_umem_release(um, k);
		/* the control thread sends the table without it (the
		 * channel was closed, or the table is still dirty) */
		__atomic_store_n(&dev->mem_dirty, true, __ATOMIC_RELEASE);
		va = NULL;
		goto out;
	}
	vmap_umem_set(um, k, VMAP_UMEM_ACTIVE);
	VM_LOG(INFO, "%s: %zu bytes of device memory at %p: the device reaches them at 0x%" PRIx64 ", no bounce copy for buffers inside",
	       dev->name, len, va, vmap_umem_iova(k));
out:
	pthread_mutex_unlock(&dev->lock);
	if (va == NULL)
		rte_errno = -ret;
	return va;
}

int
rte_pmd_virtio_map_mem_free(uint16_t port_id, void *addr)
{
	struct vmq *qs[2 * VIRTIO_MAP_MAX_QUEUE_PAIRS];
	struct virtio_map_dev *dev;
	struct vmap_umem *um;
	unsigned int j, nq;
	uint64_t live = 0;
	int k, ret;

	ret = vm_umem_port(port_id, &dev, &um);
	if (ret < 0)
		return ret;
	pthread_mutex_lock(&dev->lock);
	k = vmap_umem_find(um, addr);
	if (k < 0) {
		VM_LOG(ERR, "%s: %p is not device memory of this port (give the address rte_pmd_virtio_map_mem_alloc() returned)",
		       dev->name, addr);
		ret = -ENOENT;
		goto out;
	}
	/* no new buffer maps into it; then no burst still can */
	vmap_umem_set(um, k, VMAP_UMEM_LISTED);
	nq = virtio_map_queues(dev->sh, qs);
	for (j = 0; j < nq && ret == 0; j++)
		ret = vmq_quiesce(qs[j]);
	for (j = 0; j < nq && ret == 0; j++)
		live += vmap_queue_umem_live(&qs[j]->mq, k);
	if (ret == 0 && live > 0)
		ret = -EBUSY;
	if (ret < 0) {
		vmap_umem_set(um, k, VMAP_UMEM_ACTIVE);
		if (ret == -EBUSY)
			VM_LOG(ERR, "%s: cannot free the device memory at %p: %" PRIu64 " of its buffers are with the device (Rx buffers posted, Tx not completed yet); stop the port first",
			       dev->name, addr, live);
		else
			VM_LOG(ERR, "%s: cannot free the device memory at %p: a burst did not leave its queue",
			       dev->name, addr);
		goto out;
	}
	/*
	 * Its file goes: a backend that still maps it (a stopped port keeps
	 * the channel) holds only these pages, which nothing else will use.
	 */
	vmap_umem_release(um, k);
	if (vm_umem_resend(dev) < 0)
		VM_LOG(WARNING, "%s: the device's memory table still lists the freed device memory until a resend succeeds",
		       dev->name);
out:
	pthread_mutex_unlock(&dev->lock);
	return ret;
}
