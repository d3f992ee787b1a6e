/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The virtio_map authors
 */

/*
 * Bringing a port's device up and down over the transport: feature
 * negotiation, the memory table, handing the rings over with the agreed
 * layout and options, the lazy-connect retry alarm, EAL memory events, and
 * taking the rings back. The ethdev ops that drive it are in
 * virtio_map_ethdev.c.
 */

#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include <ethdev_driver.h>
#include <rte_alarm.h>
#include <rte_memory.h>

#include "virtio_map_ethdev.h"
#include "virtio_map_log.h"

/* Feature bits the devargs allow the driver to offer. */
static uint64_t
virtio_map_offer(const struct virtio_map_cfg *cfg)
{
	uint64_t f = 1ULL << VMT_F_VERSION_1;

	if (cfg->packed_vq)
		f |= 1ULL << VMT_F_RING_PACKED;
	if (cfg->in_order)
		f |= 1ULL << VMT_F_IN_ORDER;
	if (cfg->mrg_rxbuf)
		f |= 1ULL << VMT_F_NET_MRG_RXBUF;
	if (cfg->indirect)
		f |= 1ULL << VMT_F_RING_INDIRECT;
	if (cfg->event_idx)
		f |= 1ULL << VMT_F_RING_EVENT_IDX;
	return f;
}

/* Ring options that follow from negotiated features. */
static uint32_t
virtio_map_ring_opts(uint64_t f)
{
	uint32_t o = 0;

	if (f & (1ULL << VMT_F_RING_PACKED))
		o |= VMQ_OPT_PACKED;
	if (f & (1ULL << VMT_F_IN_ORDER))
		o |= VMQ_OPT_IN_ORDER;
	if (f & (1ULL << VMT_F_NET_MRG_RXBUF))
		o |= VMQ_OPT_MRG_RXBUF;
	if (f & (1ULL << VMT_F_RING_INDIRECT))
		o |= VMQ_OPT_INDIRECT;
	if (f & (1ULL << VMT_F_RING_EVENT_IDX))
		o |= VMQ_OPT_EVENT_IDX;
	return o;
}

void
virtio_map_set_link(struct virtio_map_dev *dev, bool up)
{
	struct rte_eth_link link = {
		.link_speed = up ? RTE_ETH_SPEED_NUM_10G :
				   RTE_ETH_SPEED_NUM_NONE,
		.link_duplex = RTE_ETH_LINK_FULL_DUPLEX,
		.link_autoneg = RTE_ETH_LINK_FIXED,
		.link_status = up ? RTE_ETH_LINK_UP : RTE_ETH_LINK_DOWN,
	};

	/* 0: the status changed */
	if (rte_eth_linkstatus_set(&rte_eth_devices[dev->port_id], &link) == 0)
		__atomic_store_n(&dev->lsc_pending, true, __ATOMIC_RELEASE);
}

void
virtio_map_lsc_raise(struct virtio_map_dev *dev)
{
	struct rte_eth_dev *eth = &rte_eth_devices[dev->port_id];

	if (!__atomic_exchange_n(&dev->lsc_pending, false, __ATOMIC_ACQ_REL))
		return;
	if (eth->data->dev_conf.intr_conf.lsc)
		rte_eth_dev_callback_process(eth, RTE_ETH_EVENT_INTR_LSC,
					     NULL);
}

/* Send the memory table the map ops describe. */
static int
virtio_map_send_mem_table(struct virtio_map_dev *dev, bool locked)
{
	unsigned int max = vmt_max_regions(dev->t);
	struct vmap_region r[64];
	int n;

	if (dev->iotlb)
		return virtio_map_iommu_mem_table(dev, locked);
	n = vmap_regions(&dev->map, r, RTE_MIN(max, RTE_DIM(r)), locked);
	if (n < 0) {
		VM_LOG(ERR, "%s: cannot describe memory for map=%s: %s",
		       dev->name, dev->cfg.map, strerror(-n));
		return n;
	}
	if (n == 0) {
		VM_LOG(ERR, "%s: no shareable memory for map=%s (EAL memory without files cannot be shared over vhost-user)",
		       dev->name, dev->cfg.map);
		return -ENOMEM;
	}
	if ((unsigned int)n > max) {
		VM_LOG(ERR, "%s: map=%s needs %d memory regions but the vhost-user backend accepts %u; %s",
		       dev->name, dev->cfg.map, n, max,
		       dev->map.kind == VMAP_KIND_PA ?
		       "with map=pa each IOVA-contiguous run is one region: use fewer hugepages (-m), 1 GB pages, --single-file-segments, or map=va" :
		       "use --single-file-segments, fewer hugepages (-m), or --no-huge");
		return -E2BIG;
	}
	return vmt_set_mem_table(dev->t, r, n);
}

static void
virtio_map_vring(struct virtio_map_dev *dev, struct vmq *q,
		 struct vmt_vring *v)
{
	v->use_iova = dev->iotlb;
	vmq_ring_iovas(q, &v->desc_iova, &v->avail_iova, &v->used_iova);
	v->index = q->vq_index;
	v->num = q->size;
	v->kick_fd = q->kick_fd;
	v->call_fd = q->call_fd;
	vmq_ring_addrs(q, &v->desc, &v->avail, &v->used, &v->base);
}

/*
 * Negotiate and hand the rings over. Called with dev->lock held.
 * Returns 0 when up, -EAGAIN to retry later, or a negative errno when
 * retrying cannot help.
 */
static int
virtio_map_bring_up(struct virtio_map_dev *dev)
{
	uint8_t status = VMT_STATUS_ACKNOWLEDGE | VMT_STATUS_DRIVER;
	struct vmq *qs[2 * VIRTIO_MAP_MAX_QUEUE_PAIRS];
	struct vmt_vring v;
	uint64_t offered;
	unsigned int i, nq = 0;
	bool iotlb;
	int ret;

	ret = vmt_connect(dev->t);
	if (ret < 0)
		return ret;

	ret = vmt_get_features(dev->t, &offered);
	if (ret < 0)
		goto err_transient;
	if (!(offered & (1ULL << VMT_F_VERSION_1))) {
		VM_LOG(ERR, "%s: the device does not offer VIRTIO_F_VERSION_1 (features 0x%" PRIx64 "); legacy virtio devices are not supported",
		       dev->name, offered);
		ret = -ENOTSUP;
		goto err_disconnect;
	}
	dev->features = offered & virtio_map_offer(&dev->cfg);
	ret = virtio_map_iommu_decide(dev, offered, &iotlb);
	if (ret < 0)
		goto err_disconnect;
	dev->iotlb = iotlb;
	if (iotlb)
		dev->features |= 1ULL << VMT_F_ACCESS_PLATFORM;
	dev->opts = virtio_map_ring_opts(dev->features);
	/* without mergeable buffers every frame must fit one Rx buffer */
	if (!(dev->opts & VMQ_OPT_MRG_RXBUF) && dev->rxq[0] != NULL) {
		ret = virtio_map_check_rx_room(dev, dev->rxq[0]->mp,
					       dev->mtu);
		if (ret < 0)
			goto err_disconnect;
	}

	/* status steps as in virtio 1.2, 3.1.1; transports may lack them */
	vmt_set_status(dev->t, status);
	ret = vmt_set_features(dev->t, dev->features);
	if (ret < 0)
		goto err_transient;
	status |= VMT_STATUS_FEATURES_OK;
	vmt_set_status(dev->t, status);

	/* what a memory event asks from now on is sent again afterwards */
	__atomic_store_n(&dev->mem_dirty, false, __ATOMIC_RELEASE);
	ret = virtio_map_send_mem_table(dev, false);
	if (ret == -E2BIG || ret == -ENOMEM)
		goto err_disconnect;
	if (ret < 0)
		goto err_transient;
	/* the device may miss on ring addresses as soon as it has them */
	if (dev->iotlb) {
		ret = virtio_map_iommu_plan(dev, false, NULL, 0);
		if (ret < 0)
			goto err_disconnect;
	}

	nq = virtio_map_queues(dev, qs);
	/* the rings take the agreed layout and options, Rx gets buffers */
	for (i = 0; i < nq; i++) {
		ret = vmq_set_opts(qs[i], dev->opts);
		if (ret < 0) {
			VM_LOG(ERR, "%s: vq %u cannot run with the agreed options 0x%x",
			       dev->name, qs[i]->vq_index, dev->opts);
			goto err_disconnect;
		}
		if (!qs[i]->is_tx && vmq_rx_refill(qs[i]) == 0) {
			VM_LOG(ERR, "%s: mempool %s is empty: no Rx buffers to post",
			       dev->name, qs[i]->mp->name);
			ret = -ENOMEM;
			goto err_disconnect;
		}
	}
	for (i = 0; i < nq; i++) {
		virtio_map_vring(dev, qs[i], &v);
		ret = vmt_setup_vring(dev->t, &v);
		if (ret < 0)
			goto err_transient;
	}
	/* the backend keeps an IOTLB per ring: fill it once they exist */
	if (dev->iotlb) {
		ret = virtio_map_iommu_send(dev);
		if (ret < 0)
			goto err_transient;
	}
	for (i = 0; i < nq; i++) {
		ret = vmt_enable_vring(dev->t, qs[i]->vq_index, true);
		if (ret < 0)
			goto err_transient;
	}
	status |= VMT_STATUS_DRIVER_OK;
	ret = vmt_set_status(dev->t, status);
	if (ret < 0 && ret != -ENOTSUP)
		goto err_transient;

	for (i = 0; i < nq; i++)
		vmq_enable(qs[i], true);
	dev->ready = true;
	virtio_map_set_link(dev, true);
	VM_LOG(INFO, "%s: link up: %s ring%s%s%s%s, map=%s%s, queue_size=%u, features 0x%" PRIx64,
	       dev->name, dev->opts & VMQ_OPT_PACKED ? "packed" : "split",
	       dev->opts & VMQ_OPT_IN_ORDER ? ", in_order" : "",
	       dev->opts & VMQ_OPT_MRG_RXBUF ? ", mrg_rxbuf" : "",
	       dev->opts & VMQ_OPT_INDIRECT ? ", indirect" : "",
	       dev->opts & VMQ_OPT_EVENT_IDX ? ", event_idx" : "",
	       dev->cfg.map, dev->iotlb ? " via IOTLB" : "",
	       dev->cfg.queue_size, dev->features);
	return 0;

err_transient:
	vmt_disconnect(dev->t);
	return -EAGAIN;
err_disconnect:
	vmt_disconnect(dev->t);
	return ret;
}

void
virtio_map_arm(struct virtio_map_dev *dev)
{
	uint64_t us;

	if (dev->alarm_set || !dev->started)
		return;
	us = dev->ready || dev->failed ? VIRTIO_MAP_WATCH_US :
					 VIRTIO_MAP_CONNECT_RETRY_US;
	if (rte_eal_alarm_set(us, virtio_map_alarm, dev) == 0)
		dev->alarm_set = true;
	else
		VM_LOG(ERR, "%s: cannot arm the port's alarm; the link will not follow the backend",
		       dev->name);
}

/* Try to bring the device up; back off while the backend is not there. */
void
virtio_map_try_up(struct virtio_map_dev *dev)
{
	int ret;

	if (!dev->started || dev->ready || dev->failed)
		return;
	/* -EAGAIN: the transport backs off on its own (a refused client
	 * knocks again after 100 ms doubling to 1 s, a new socket at once) */
	ret = virtio_map_bring_up(dev);
	if (ret < 0 && ret != -EAGAIN) {
		dev->failed = true;
		VM_LOG(ERR, "%s: link stays down; fix the cause and restart the port",
		       dev->name);
	}
}

void
virtio_map_backend_check(struct virtio_map_dev *dev)
{
	int lost;

	if (!dev->started || !dev->ready || vmt_connected(dev->t))
		return;
	lost = virtio_map_bring_down(dev);
	if (lost < 0)
		return;		/* a burst is still in a queue: next time */
	dev->backend_lost++;
	dev->lost_packets += lost;
	VM_LOG(WARNING, "%s: vhost-user backend at %s went away (%d Tx packet(s) in flight lost); link down, %s",
	       dev->name, dev->cfg.path, lost,
	       dev->cfg.server ? "waiting for it to connect again" :
				 "reconnecting");
}

void
virtio_map_backend_event(void *arg)
{
	struct virtio_map_dev *dev = arg;

	if (pthread_mutex_trylock(&dev->lock) != 0)
		return;		/* its holder or the alarm looks soon */
	virtio_map_backend_check(dev);
	pthread_mutex_unlock(&dev->lock);
	virtio_map_lsc_raise(dev);
}

void
virtio_map_alarm(void *arg)
{
	struct virtio_map_dev *dev = arg;

	if (pthread_mutex_trylock(&dev->lock) != 0) {
		/* start, stop or a memory event holds the port */
		rte_eal_alarm_set(VIRTIO_MAP_BUSY_RETRY_US, virtio_map_alarm,
				  dev);
		return;
	}
	dev->alarm_set = false;
	if (dev->started) {
		virtio_map_backend_check(dev);
		virtio_map_try_up(dev);
		virtio_map_mem_resend(dev);
		/* IOTLB answers the interrupt thread could not send yet */
		if (dev->ready)
			vmt_service(dev->t);
		virtio_map_arm(dev);
	}
	pthread_mutex_unlock(&dev->lock);
	virtio_map_lsc_raise(dev);
}

/* Send the table and the IOTLB again; locked: in the memory callback. */
static void
virtio_map_mem_update(struct virtio_map_dev *dev, bool locked,
		      const void *freed, size_t freed_len, const char *why)
{
	int ret;

	ret = virtio_map_send_mem_table(dev, locked);
	/* a new table empties the device's IOTLB: fill it again, leaving
	 * out the pages being freed (EAL still lists them) */
	if (ret == 0 && dev->iotlb)
		ret = virtio_map_iommu_plan(dev, locked, freed, freed_len);
	if (ret == 0 && dev->iotlb)
		ret = virtio_map_iommu_send(dev);
	if (ret < 0)
		VM_LOG(ERR, "%s: cannot update the device's memory table after %s",
		       dev->name, why);
}

void
virtio_map_mem_resend(struct virtio_map_dev *dev)
{
	if (dev->ready &&
	    __atomic_exchange_n(&dev->mem_dirty, false, __ATOMIC_ACQ_REL))
		virtio_map_mem_update(dev, false, NULL, 0,
				      "a memory event met a busy port");
}

/* EAL memory changed: the device must see the new table. */
void
virtio_map_mem_event(enum rte_mem_event type, const void *addr, size_t len,
		     void *arg)
{
	struct virtio_map_dev *dev = arg;

	/*
	 * Called with EAL's memory write lock held. The port lock's holder
	 * may be waiting for EAL's read lock (walking memory in a
	 * bring-up): never wait for it here, leave the work to it.
	 */
	if (pthread_mutex_trylock(&dev->lock) != 0) {
		__atomic_store_n(&dev->mem_dirty, true, __ATOMIC_RELEASE);
		return;
	}
	if (dev->ready)
		virtio_map_mem_update(dev, true,
			type == RTE_MEM_EVENT_FREE ? addr : NULL,
			type == RTE_MEM_EVENT_FREE ? len : 0,
			type == RTE_MEM_EVENT_ALLOC ? "a memory alloc event" :
						      "a memory free event");
	pthread_mutex_unlock(&dev->lock);
}

/* Take the rings back from the device, then free what they hold. */
int
virtio_map_bring_down(struct virtio_map_dev *dev)
{
	struct vmq *qs[2] = { dev->rxq[0], dev->txq[0] };
	unsigned int i, freed;
	int tx_lost = 0;
	uint16_t base;

	/* the application may still call the bursts: wait for them to leave */
	for (i = 0; i < RTE_DIM(qs); i++)
		if (qs[i] != NULL && vmq_enable(qs[i], false) < 0) {
			VM_LOG(WARNING, "%s: vq %u: a burst did not leave the queue within %u ms; trying again",
			       dev->name, qs[i]->vq_index,
			       VMQ_QUIESCE_TIMEOUT_MS);
			return -ETIMEDOUT;
		}
	if (dev->ready && vmt_connected(dev->t)) {
		for (i = 0; i < RTE_DIM(qs); i++)
			if (qs[i] != NULL)
				vmt_enable_vring(dev->t, qs[i]->vq_index,
						 false);
		/* GET_VRING_BASE returns once the device left the ring */
		for (i = 0; i < RTE_DIM(qs); i++)
			if (qs[i] != NULL &&
			    vmt_stop_vring(dev->t, qs[i]->vq_index, &base) < 0)
				vmt_disconnect(dev->t);
	} else if (dev->ready) {
		/* gone: close what is left of the channel (request fd) */
		vmt_disconnect(dev->t);
	}
	dev->ready = false;
	virtio_map_set_link(dev, false);
	for (i = 0; i < RTE_DIM(qs); i++) {
		if (qs[i] == NULL)
			continue;
		freed = vmq_drain(qs[i]);
		if (qs[i]->is_tx)
			tx_lost += freed;
		/* every mapping was given back: anything live is a leak */
		if (vmap_queue_live(&qs[i]->mq) > 0)
			VM_LOG(ERR, "%s: vq %u: map=%s reports mappings still live after stop",
			       dev->name, qs[i]->vq_index, dev->cfg.map);
	}
	return tx_lost;
}
