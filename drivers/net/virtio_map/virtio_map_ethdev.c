/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The virtio_map authors
 */

/*
 * net_virtio_map ethdev glue: vdev probe and remove, the eth_dev_ops
 * table, queue setup, start/stop/close, link, and bringing the device up
 * over the transport (lazily: probe never waits for the backend; start
 * connects if it can and the port's control thread retries until it
 * does, then follows
 * the backend: a backend that goes away is noticed, the rings are reset
 * and the next one is brought up, with link-state events). The data path
 * is in vmq_burst.c, the protocol in vmt_vhost_user.c.
 */

#include <errno.h>
#include <stdlib.h>
#include <inttypes.h>
#include <string.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include <bus_vdev_driver.h>
#include <ethdev_driver.h>
#include <ethdev_vdev.h>
#include <rte_errno.h>
#include <rte_malloc.h>
#include <rte_memory.h>
#include <rte_net.h>

#include "virtio_map_bringup.h"
#include "virtio_map_devargs.h"
#include "virtio_map_ethdev_secondary.h"
#include "virtio_map_filter.h"
#include "virtio_map_frame.h"
#include "virtio_map_iommu.h"
#include "virtio_map_link.h"
#include "virtio_map_mp.h"
#include "virtio_map_qinfo.h"
#include "virtio_map_rxintr.h"
#include "virtio_map_state.h"
#include "virtio_map_stats.h"
#include "virtio_map_tx_prepare.h"
#include "virtio_map_log.h"

RTE_LOG_REGISTER_DEFAULT(virtio_map_logtype, NOTICE);
RTE_LOG_REGISTER_SUFFIX(virtio_map_logtype_init, init, NOTICE);

/* ---- eth_dev_ops ---- */

static int
virtio_map_dev_configure(struct rte_eth_dev *eth)
{
	struct virtio_map_dev *dev = vm_dev(eth);
	struct rte_eth_conf *conf = &eth->data->dev_conf;

	/* RSS is accepted: the device picks the Rx queue of a packet
	 * (dev_info says no hash types: flow_type_rss_offloads 0) */
	if ((conf->rxmode.mq_mode != RTE_ETH_MQ_RX_NONE &&
	     conf->rxmode.mq_mode != RTE_ETH_MQ_RX_RSS) ||
	    conf->txmode.mq_mode != RTE_ETH_MQ_TX_NONE) {
		VM_LOG(ERR, "%s: Rx mq_mode %d / Tx mq_mode %d: only none and RSS (Rx; the device spreads packets over the queues) are supported",
		       dev->name, conf->rxmode.mq_mode, conf->txmode.mq_mode);
		return -ENOTSUP;
	}
	dev->sh->mtu = eth->data->mtu;
	dev->sh->tx_offloads = conf->txmode.offloads;
	dev->sh->rx_offloads = conf->rxmode.offloads;
	dev->sh->filter.vlan_on = (conf->rxmode.offloads &
			       RTE_ETH_RX_OFFLOAD_VLAN_FILTER) != 0;
	virtio_map_filter_update(dev->sh);
	/* the device cannot be told a limit: longer LRO frames are dropped */
	if ((conf->rxmode.offloads & VIRTIO_MAP_RX_LRO) &&
	    conf->rxmode.max_lro_pkt_size < VMQ_GSO_MAX_FRAME)
		VM_LOG(WARNING, "%s: LRO with max_lro_pkt_size %u: the device aggregates frames up to %u bytes; longer ones are dropped and counted (rx_qN_length_errors)",
		       dev->name, conf->rxmode.max_lro_pkt_size,
		       VMQ_GSO_MAX_FRAME);
	return 0;
}

/*
 * Check that Rx buffers of mp hold the MTU's frame (needed without
 * mergeable buffers): 0, or -EINVAL with an ERR log naming the sizes and
 * remedies.
 */
static int
virtio_map_check_rx_room(struct virtio_map_dev *dev, struct rte_mempool *mp,
			 uint16_t mtu)
{
	if (!virtio_map_rx_fits(mp, mtu)) {
		VM_LOG(ERR, "%s: Rx mbufs of pool %s hold %u bytes but MTU %u needs %u (frame with VLAN tag); without mergeable Rx buffers a frame must fit one mbuf: use mrg_rxbuf=1, a larger data room or a smaller MTU",
		       dev->name, mp->name, virtio_map_rx_room(mp), mtu,
		       virtio_map_frame_len(mtu));
		return -EINVAL;
	}
	return 0;
}

/* Longest frame the port's Rx queues deliver at mtu (LRO as enabled). */
static uint32_t
virtio_map_rx_max_frame(struct rte_eth_dev *eth, uint16_t mtu)
{
	return virtio_map_rx_frame_len(
		(vm_shared(eth)->rx_offloads & VIRTIO_MAP_RX_LRO) != 0,
		eth->data->dev_conf.rxmode.max_lro_pkt_size, mtu);
}

/* A queue's ring size: nb_desc (ethdev puts the queue_size devarg in for
 * 0), a power of two; 0 when it is not one, logged. */
static uint16_t
virtio_map_ring_size(struct virtio_map_dev *dev, const char *dir,
		     uint16_t qid, uint16_t nb_desc)
{
	if (rte_is_power_of_2(nb_desc) && nb_desc >= VMQ_SIZE_MIN)
		return nb_desc;
	VM_LOG(ERR, "%s: %s queue %u: %u descriptors: the ring size must be a power of two from %u to %u (0 takes the queue_size devarg, %u)",
	       dev->name, dir, qid, nb_desc, VMQ_SIZE_MIN, VMQ_SIZE_MAX,
	       dev->sh->cfg.queue_size);
	return 0;
}

/* The call eventfd of virtqueue vq, made once for the port's life. */
static int
virtio_map_call_fd(struct virtio_map_dev *dev, uint16_t vq)
{
	if (dev->call_fds[vq] < 0)
		dev->call_fds[vq] = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	return dev->call_fds[vq];
}

static int
virtio_map_rx_queue_setup(struct rte_eth_dev *eth, uint16_t qid,
			  uint16_t nb_desc, unsigned int socket,
			  const struct rte_eth_rxconf *conf __rte_unused,
			  struct rte_mempool *mp)
{
	struct virtio_map_dev *dev = vm_dev(eth);
	struct vmq_conf qc = {
		.is_tx = false,
		.size = virtio_map_ring_size(dev, "Rx", qid, nb_desc),
		.vq_index = 2 * qid,
		.port_id = dev->port_id,
		.socket_id = socket,
		.map = &dev->sh->map,
		.mp = mp,
		.map_one = !dev->sh->cfg.map_batch,
		.max_frame = virtio_map_rx_max_frame(eth, eth->data->mtu),
		.call_fd = virtio_map_call_fd(dev, 2 * qid),
		.use_call_fd = true,
	};
	struct vmq *q;
	int ret;

	if (qc.size == 0)
		return -EINVAL;
	if (qc.call_fd < 0) {
		VM_LOG(ERR, "%s: Rx queue %u: no eventfd: %s", dev->name,
		       qid, strerror(errno));
		return -errno;
	}
	/* mergeable buffers chain mbufs: any room will do */
	if (!dev->sh->cfg.mrg_rxbuf) {
		ret = virtio_map_check_rx_room(dev, mp, eth->data->mtu);
		if (ret < 0)
			return ret;
	}
	q = vmq_create(&qc);
	if (q == NULL) {
		VM_LOG(ERR, "%s: cannot create Rx queue %u: %s", dev->name,
		       qid, rte_strerror(rte_errno));
		return -rte_errno;
	}
	rte_spinlock_lock(&dev->queues_lock);
	vmq_free(dev->sh->rxq[qid]);
	dev->sh->rxq[qid] = q;
	rte_spinlock_unlock(&dev->queues_lock);
	eth->data->rx_queues[qid] = q;
	virtio_map_filter_update(dev->sh);
	return 0;
}

static int
virtio_map_tx_queue_setup(struct rte_eth_dev *eth, uint16_t qid,
			  uint16_t nb_desc, unsigned int socket,
			  const struct rte_eth_txconf *conf __rte_unused)
{
	struct virtio_map_dev *dev = vm_dev(eth);
	struct vmq_conf qc = {
		.is_tx = true,
		.size = virtio_map_ring_size(dev, "Tx", qid, nb_desc),
		.vq_index = 2 * qid + 1,
		.port_id = dev->port_id,
		.socket_id = socket,
		.map = &dev->sh->map,
		.max_frame = virtio_map_frame_len(eth->data->mtu),
		.opts_possible = dev->sh->cfg.indirect ? VMQ_OPT_INDIRECT : 0,
		.max_segs = (dev->sh->tx_offloads & VIRTIO_MAP_TX_TSO) ?
			    VMQ_TSO_MAX_SEGS : VMQ_TX_MAX_SEGS,
		.map_one = !dev->sh->cfg.map_batch,
	};
	struct vmq *q;

	if (qc.size == 0)
		return -EINVAL;
	q = vmq_create(&qc);
	if (q == NULL) {
		VM_LOG(ERR, "%s: cannot create Tx queue %u: %s", dev->name,
		       qid, rte_strerror(rte_errno));
		return -rte_errno;
	}
	rte_spinlock_lock(&dev->queues_lock);
	vmq_free(dev->sh->txq[qid]);
	dev->sh->txq[qid] = q;
	rte_spinlock_unlock(&dev->queues_lock);
	eth->data->tx_queues[qid] = q;
	return 0;
}

static void
virtio_map_rx_queue_release(struct rte_eth_dev *eth, uint16_t qid)
{
	struct virtio_map_dev *dev = vm_dev(eth);

	rte_spinlock_lock(&dev->queues_lock);
	vmq_free(dev->sh->rxq[qid]);
	dev->sh->rxq[qid] = NULL;
	rte_spinlock_unlock(&dev->queues_lock);
	if (eth->data->rx_queues != NULL && qid < eth->data->nb_rx_queues)
		eth->data->rx_queues[qid] = NULL;
}

static void
virtio_map_tx_queue_release(struct rte_eth_dev *eth, uint16_t qid)
{
	struct virtio_map_dev *dev = vm_dev(eth);

	rte_spinlock_lock(&dev->queues_lock);
	vmq_free(dev->sh->txq[qid]);
	dev->sh->txq[qid] = NULL;
	rte_spinlock_unlock(&dev->queues_lock);
	if (eth->data->tx_queues != NULL && qid < eth->data->nb_tx_queues)
		eth->data->tx_queues[qid] = NULL;
}

/* Every configured queue in state st (RTE_ETH_QUEUE_STATE_*). */
static void
virtio_map_queue_states(struct rte_eth_dev *eth, uint8_t st)
{
	uint16_t i;

	for (i = 0; i < eth->data->nb_rx_queues; i++)
		eth->data->rx_queue_state[i] = st;
	for (i = 0; i < eth->data->nb_tx_queues; i++)
		eth->data->tx_queue_state[i] = st;
}

/* Every configured queue is set up and can work. */
static int
virtio_map_check_queues(struct rte_eth_dev *eth)
{
	struct virtio_map_dev *dev = vm_dev(eth);
	struct vmq *q;
	uint16_t i;
	int ret;

	if (eth->data->nb_rx_queues == 0 || eth->data->nb_tx_queues == 0) {
		VM_LOG(ERR, "%s: configure at least one Rx and one Tx queue",
		       dev->name);
		return -EINVAL;
	}
	for (i = 0; i < eth->data->nb_tx_queues; i++) {
		if (dev->sh->txq[i] == NULL) {
			VM_LOG(ERR, "%s: set up Tx queue %u before starting",
			       dev->name, i);
			return -EINVAL;
		}
		if ((dev->sh->tx_offloads & VIRTIO_MAP_TX_TSO) &&
		    dev->sh->txq[i]->max_segs < VMQ_TSO_MAX_SEGS) {
			VM_LOG(ERR, "%s: Tx queue %u was set up before TCP TSO was enabled; set it up again",
			       dev->name, i);
			return -EINVAL;
		}
	}
	for (i = 0; i < eth->data->nb_rx_queues; i++) {
		q = dev->sh->rxq[i];
		if (q == NULL) {
			VM_LOG(ERR, "%s: set up Rx queue %u before starting",
			       dev->name, i);
			return -EINVAL;
		}
		if (!dev->sh->cfg.mrg_rxbuf) {
			ret = virtio_map_check_rx_room(dev, q->mp,
						       eth->data->mtu);
			if (ret < 0)
				return ret;
		}
		if (rte_mempool_avail_count(q->mp) == 0) {
			VM_LOG(ERR, "%s: mempool %s is empty: no Rx buffers to post",
			       dev->name, q->mp->name);
			return -ENOMEM;
		}
	}
	return 0;
}

/* What the enabled offloads ask of queue q (no burst runs). */
static void
virtio_map_queue_offloads(struct rte_eth_dev *eth, struct vmq *q)
{
	struct virtio_map_dev *dev = vm_dev(eth);
	uint64_t tx = q->is_tx ? dev->sh->tx_offloads : 0;
	uint64_t rx = q->is_tx ? 0 : dev->sh->rx_offloads;

	q->tx_csum = (tx & (VIRTIO_MAP_TX_CSUM | VIRTIO_MAP_TX_TSO)) != 0;
	q->tx_tso = (tx & VIRTIO_MAP_TX_TSO) != 0;
	q->tx_vlan = (tx & RTE_ETH_TX_OFFLOAD_VLAN_INSERT) != 0;
	q->rx_csum = (rx & (VIRTIO_MAP_RX_CSUM | VIRTIO_MAP_RX_LRO)) != 0;
	q->rx_lro = (rx & VIRTIO_MAP_RX_LRO) != 0;
	q->rx_vlan_strip = (rx & RTE_ETH_RX_OFFLOAD_VLAN_STRIP) != 0;
	if (!q->is_tx)
		vmq_set_max_frame(q, virtio_map_rx_max_frame(eth,
							     eth->data->mtu));
}

static int
virtio_map_dev_start(struct rte_eth_dev *eth)
{
	struct virtio_map_dev *dev = vm_dev(eth);
	struct vmq *qs[2 * VIRTIO_MAP_MAX_QUEUE_PAIRS];
	unsigned int i, nq;
	int ret;

	ret = virtio_map_check_queues(eth);
	if (ret == 0)
		ret = virtio_map_rxintr_setup(eth);
	if (ret < 0)
		return ret;

	pthread_mutex_lock(&dev->lock);
	/* bursts wait until the device has the rings (virtio_map_bring_up) */
	nq = virtio_map_queues(dev->sh, qs);
	for (i = 0; i < nq; i++)
		if (vmq_enable(qs[i], false) < 0) {
			VM_LOG(ERR, "%s: start: a burst is still running in vq %u after %u ms; call start once the bursts have returned",
			       dev->name, qs[i]->vq_index,
			       VMQ_QUIESCE_TIMEOUT_MS);
			pthread_mutex_unlock(&dev->lock);
			return -EBUSY;
		}
	for (i = 0; i < nq; i++)
		virtio_map_queue_offloads(eth, qs[i]);
	eth->rx_pkt_burst = vmq_rx_burst_fn(dev->sh->map.kind, vmq_simd_best());
	eth->tx_pkt_burst = vmq_tx_burst_fn(dev->sh->map.kind, vmq_simd_best());
	virtio_map_queue_states(eth, RTE_ETH_QUEUE_STATE_STARTED);
	dev->sh->started = true;
	dev->failed = false;
	dev->backoff_ms = 0;
	/* a new start gives every backend a new chance */
	dev->refused_offer = 0;
	vmt_disconnect(dev->t);
	ret = virtio_map_try_up(dev);
	if (ret < 0 && ret != -EAGAIN) {
		/* this backend or this configuration cannot work: say so
		 * now, leave the port as it was before the call */
		dev->sh->started = false;
		dev->failed = false;
		virtio_map_queue_states(eth, RTE_ETH_QUEUE_STATE_STOPPED);
		pthread_mutex_unlock(&dev->lock);
		return ret;
	}
	virtio_map_mem_resend(dev);
	pthread_mutex_unlock(&dev->lock);
	/* from now on the control thread follows the backend */
	ret = virtio_map_ctl_start(dev);
	if (ret < 0) {
		pthread_mutex_lock(&dev->lock);
		dev->sh->started = false;
		if (virtio_map_bring_down(dev) >= 0)
			virtio_map_set_link(dev, false);
		__atomic_store_n(&dev->lsc_pending, false, __ATOMIC_RELEASE);
		virtio_map_queue_states(eth, RTE_ETH_QUEUE_STATE_STOPPED);
		pthread_mutex_unlock(&dev->lock);
		return ret;
	}
	virtio_map_lsc_raise(dev);
	return 0;
}

static int
virtio_map_dev_stop(struct rte_eth_dev *eth)
{
	struct virtio_map_dev *dev = vm_dev(eth);
	int ret;

	pthread_mutex_lock(&dev->lock);
	dev->sh->started = false;
	pthread_mutex_unlock(&dev->lock);
	/* waits for the thread's current round (one bring-up deadline) */
	virtio_map_ctl_stop(dev);

	pthread_mutex_lock(&dev->lock);
	ret = virtio_map_bring_down(dev);
	if (ret >= 0)
		virtio_map_set_link(dev, false);
	if (ret == -ETIMEDOUT) {
		/*
		 * A burst is still inside a queue (ethdev's rule says none
		 * runs now). Its ring and mbufs cannot be taken from under
		 * it, but the device must stop using them: close the
		 * channel. A later stop or close takes the rings back.
		 */
		vmt_disconnect(dev->t);
		virtio_map_set_link(dev, false);
		VM_LOG(ERR, "%s: stop: a burst is still running in a queue after %u ms; the device is disconnected and the rings are kept: stop again once the bursts have returned",
		       dev->name, VMQ_QUIESCE_TIMEOUT_MS);
	}
	/* a stopped port raises no link event */
	__atomic_store_n(&dev->lsc_pending, false, __ATOMIC_RELEASE);
	if (ret >= 0)
		virtio_map_queue_states(eth, RTE_ETH_QUEUE_STATE_STOPPED);
	pthread_mutex_unlock(&dev->lock);
	return ret == -ETIMEDOUT ? -EBUSY : 0;
}

static int
virtio_map_dev_close(struct rte_eth_dev *eth)
{
	struct virtio_map_dev *dev = vm_dev(eth);
	unsigned int i;
	bool live = false;

	if (dev == NULL || dev->closed)
		return 0;
	/* no secondary's request uses the port from here on */
	virtio_map_mp_serve(eth, false);
	/* stopped, or a failed stop to finish (its rings still posted) */
	if (dev->sh->started || dev->sh->ready)
		live = virtio_map_dev_stop(eth) < 0;
	if (dev->mem_cb)
		rte_mem_event_callback_unregister(dev->name, dev);
	dev->mem_cb = false;
	/* the device loses the channel before anything it can reach (rings,
	 * posted buffers, the map kind's memory) is freed */
	vmt_disconnect(dev->t);
	if (live)
		/* a burst is still in a queue: leak rather than free under it */
		VM_LOG(ERR, "%s: close: a burst is still running in a queue; its queues and map memory are not freed",
		       dev->name);
	/* every pair set up, not only the first */
	for (i = 0; i < VIRTIO_MAP_MAX_QUEUE_PAIRS && !live; i++) {
		if (dev->sh->rxq[i] != NULL)
			virtio_map_rx_queue_release(eth, i);
		if (dev->sh->txq[i] != NULL)
			virtio_map_tx_queue_release(eth, i);
	}
	for (i = 0; i < RTE_DIM(dev->call_fds); i++)
		if (dev->call_fds[i] >= 0) {
			close(dev->call_fds[i]);
			dev->call_fds[i] = -1;
		}
	vmt_destroy(dev->t);
	dev->t = NULL;
	virtio_map_rxintr_release(eth);
	virtio_map_iommu_release(dev);
	if (!live)
		vmap_dev_detach(&dev->sh->map);
	if (!vm_thread_is_self(dev->ctl_thread)) {
		pthread_cond_destroy(&dev->ctl_cond);
		pthread_mutex_destroy(&dev->lock);
	}
	dev->closed = true;
	/* ethdev releases the port next; the shared part goes with it */
	virtio_map_mp_forget(eth);
	if (vm_thread_is_self(dev->ctl_thread))
		/* an LSC callback on the control thread: it frees the port
		 * once the callback returns (virtio_map_link.c) */
		dev->free_on_exit = true;
	else
		free(dev);
	return 0;
}

static int
virtio_map_link_update(struct rte_eth_dev *eth, int wait_to_complete)
{
	struct virtio_map_dev *dev = vm_dev(eth);
	bool up;

	/* rte_eth_link_get_nowait() from an lcore must not wait for a
	 * bring-up that holds the port: the link published last stands
	 * (whoever holds the lock publishes the next one) */
	if (!wait_to_complete) {
		if (pthread_mutex_trylock(&dev->lock) != 0)
			return 0;
	} else {
		pthread_mutex_lock(&dev->lock);
	}
	virtio_map_backend_check(dev);
	up = dev->sh->ready;
	virtio_map_set_link(dev, up);
	pthread_mutex_unlock(&dev->lock);
	virtio_map_lsc_raise(dev);
	return 0;
}

/*
 * Whether an Rx mbuf of mp must hold a whole frame at mtu: while the
 * device is up, unless it agreed to mergeable buffers; while it is not,
 * unless the devarg offers them (bring-up then refuses a backend without
 * them). Caller holds dev->lock.
 */
static int
virtio_map_mtu_rx_room(struct virtio_map_dev *dev, struct rte_mempool *mp,
		       uint16_t mtu)
{
	if (!dev->sh->ready)
		return dev->sh->cfg.mrg_rxbuf ? 0 :
		       virtio_map_check_rx_room(dev, mp, mtu);
	if (dev->sh->run.opts & VMQ_OPT_MRG_RXBUF)
		return 0;
	if (!dev->sh->cfg.mrg_rxbuf)
		return virtio_map_check_rx_room(dev, mp, mtu);
	if (virtio_map_rx_fits(mp, mtu))
		return 0;
	VM_LOG(ERR, "%s: MTU %u refused: its frame of %u bytes (VLAN tag included) does not fit the %u bytes of an Rx mbuf of pool %s, and mergeable Rx buffers (VIRTIO_NET_F_MRG_RXBUF) were not negotiated with this backend: use a larger data room or a smaller MTU",
	       dev->name, mtu, virtio_map_frame_len(mtu),
	       virtio_map_rx_room(mp), mp->name);
	return -EINVAL;
}

static int
virtio_map_mtu_set(struct rte_eth_dev *eth, uint16_t mtu)
{
	struct virtio_map_dev *dev = vm_dev(eth);
	struct vmq *qs[2 * VIRTIO_MAP_MAX_QUEUE_PAIRS], *q;
	unsigned int i, nq = virtio_map_queues(dev->sh, qs);
	int ret = -EINVAL;

	/* under the lock: what the device agreed to holds until we are done,
	 * and a bring-up after us checks the new MTU */
	pthread_mutex_lock(&dev->lock);
	/* check every queue before changing any */
	for (i = 0; i < nq; i++) {
		q = qs[i];
		if (!q->is_tx && virtio_map_mtu_rx_room(dev, q->mp, mtu) < 0)
			goto out;
		if (q->is_tx && q->mq.max_seg != 0 &&
		    virtio_map_frame_len(mtu) + q->hdr_size > q->mq.max_seg) {
			VM_LOG(ERR, "%s: MTU %u needs %u-byte Tx buffers but map=%s set Tx queue %u up for %u; set the MTU before setting up the queues",
			       dev->name, mtu, virtio_map_frame_len(mtu),
			       dev->sh->cfg.map, q->vq_index / 2,
			       q->mq.max_seg - q->hdr_size);
			goto out;
		}
	}
	for (i = 0; i < nq; i++)
		vmq_set_max_frame(qs[i], qs[i]->is_tx ?
				  virtio_map_frame_len(mtu) :
				  virtio_map_rx_max_frame(eth, mtu));
	dev->sh->mtu = mtu;
	/* a running device learns it now, the next one at bring-up */
	if (dev->sh->ready && virtio_map_send_mtu(dev) < 0)
		VM_LOG(WARNING, "%s: could not tell the device MTU %u; it learns it when it reconnects",
		       dev->name, mtu);
	ret = 0;
out:
	pthread_mutex_unlock(&dev->lock);
	return ret;
}

static const struct eth_dev_ops virtio_map_ops = {
	.dev_configure = virtio_map_dev_configure,
	.dev_infos_get = virtio_map_dev_infos_get,
	.dev_start = virtio_map_dev_start,
	.dev_stop = virtio_map_dev_stop,
	.dev_close = virtio_map_dev_close,
	.link_update = virtio_map_link_update,
	.mtu_set = virtio_map_mtu_set,
	.promiscuous_enable = virtio_map_promisc_enable,
	.promiscuous_disable = virtio_map_promisc_disable,
	.allmulticast_enable = virtio_map_allmulti_enable,
	.allmulticast_disable = virtio_map_allmulti_disable,
	.mac_addr_set = virtio_map_mac_addr_set,
	.mac_addr_add = virtio_map_mac_addr_add,
	.mac_addr_remove = virtio_map_mac_addr_remove,
	.set_mc_addr_list = virtio_map_set_mc_addr_list,
	.vlan_filter_set = virtio_map_vlan_filter_set,
	.vlan_offload_set = virtio_map_vlan_offload_set,
	.rx_queue_setup = virtio_map_rx_queue_setup,
	.tx_queue_setup = virtio_map_tx_queue_setup,
	.rx_queue_release = virtio_map_rx_queue_release,
	.tx_queue_release = virtio_map_tx_queue_release,
	.rx_queue_intr_enable = virtio_map_rx_intr_enable,
	.rx_queue_intr_disable = virtio_map_rx_intr_disable,
	.rxq_info_get = virtio_map_rxq_info_get,
	.txq_info_get = virtio_map_txq_info_get,
	.rx_burst_mode_get = virtio_map_rx_burst_mode_get,
	.tx_burst_mode_get = virtio_map_tx_burst_mode_get,
	.stats_get = virtio_map_stats_get,
	.stats_reset = virtio_map_stats_reset,
	.xstats_get = virtio_map_xstats_get,
	.xstats_get_names = virtio_map_xstats_get_names,
};

/* ---- vdev driver ---- */

/* The control thread's condition, timed by the monotonic clock. */
static int
virtio_map_cond_init(pthread_cond_t *c)
{
	pthread_condattr_t a;
	int ret;

	ret = pthread_condattr_init(&a);
	if (ret != 0)
		return ret;
	ret = pthread_condattr_setclock(&a, CLOCK_MONOTONIC);
	if (ret == 0)
		ret = pthread_cond_init(c, &a);
	pthread_condattr_destroy(&a);
	return ret;
}

/* The primary's probe: parse, attach the map kind, make the transport. */
static int
virtio_map_probe_primary(struct rte_vdev_device *vdev)
{
	const char *name = rte_vdev_device_name(vdev);
	struct virtio_map_shared *sh;
	struct virtio_map_dev *dev;
	struct virtio_map_cfg cfg;
	const struct rte_vmap_ops *ops;
	struct rte_eth_dev *eth;
	unsigned int i;
	int ret;

	ret = virtio_map_parse_devargs(name, rte_vdev_device_args(vdev), &cfg);
	if (ret < 0)
		return ret;
	ret = virtio_map_mp_primary_init();
	if (ret < 0)
		return ret;
	ops = vmap_find(cfg.map);
	if (ops == NULL) {
		VM_INIT_LOG(ERR, "%s: map=%s: map kind no longer registered",
			    name, cfg.map);
		return -EINVAL;
	}

	dev = calloc(1, sizeof(*dev));
	if (dev == NULL)
		return -ENOMEM;
	eth = rte_eth_vdev_allocate(vdev, sizeof(*sh));
	if (eth == NULL) {
		VM_INIT_LOG(ERR, "%s: cannot allocate an ethdev port", name);
		free(dev);
		return -ENOMEM;
	}
	sh = vm_shared(eth);
	snprintf(sh->name, sizeof(sh->name), "%s", name);
	sh->port_id = eth->data->port_id;
	sh->cfg = cfg;
	snprintf(dev->name, sizeof(dev->name), "%s", name);
	dev->port_id = sh->port_id;
	dev->sh = sh;
	eth->process_private = dev;
	pthread_mutex_init(&dev->lock, NULL);
	ret = virtio_map_cond_init(&dev->ctl_cond);
	if (ret != 0) {
		pthread_mutex_destroy(&dev->lock);
		virtio_map_mp_forget(eth);
		free(dev);
		rte_eth_dev_release_port(eth);
		return -ret;
	}
	rte_spinlock_init(&dev->iotlb_plan_lock);
	rte_spinlock_init(&dev->queues_lock);
	for (i = 0; i < RTE_DIM(dev->call_fds); i++)
		dev->call_fds[i] = -1;

	ret = vmap_dev_attach(&sh->map, ops, name, rte_socket_id(),
			      &(struct rte_vmap_params){
				.bounce_size = cfg.bounce_size,
				.debug = cfg.map_debug,
			      });
	if (ret < 0) {
		VM_INIT_LOG(ERR, "%s: map=%s cannot be used here (%s)", name,
			    cfg.map, strerror(-ret));
		goto err_release_port;
	}
	dev->t = vmt_vhost_user_create(name, cfg.path, cfg.server);
	if (dev->t == NULL) {
		ret = -rte_errno;
		VM_INIT_LOG(ERR, "%s: path=%s: cannot create the vhost-user transport: %s",
			    name, cfg.path, rte_strerror(rte_errno));
		goto err_detach_map;
	}
	/* counted where secondary processes read them */
	vmt_set_counters(dev->t, &sh->tcnt);
	/* the device may then report IOTLB misses; answered off the data
	 * path */
	if (cfg.iommu != VIRTIO_MAP_IOMMU_OFF)
		vmt_set_iotlb_resolver(dev->t, virtio_map_iotlb_resolve, dev);
	/* a hang-up takes the link down at once, not at the next round */
	vmt_set_event_cb(dev->t, virtio_map_backend_event, dev);
	eth->data->mac_addrs = rte_zmalloc("virtio_map_mac",
			VMQ_FILTER_MAX_UC * sizeof(struct rte_ether_addr), 0);
	if (eth->data->mac_addrs == NULL) {
		ret = -ENOMEM;
		goto err_destroy_transport;
	}
	if (cfg.mac_set)
		sh->mac = cfg.mac;
	else
		rte_eth_random_addr(sh->mac.addr_bytes);
	*eth->data->mac_addrs = sh->mac;
	/* until ethdev says otherwise at start: every frame */
	sh->filter.promisc = true;
	sh->filter.uc[0] = sh->mac;
	sh->filter.n_uc = 1;

	ret = rte_mem_event_callback_register(name, virtio_map_mem_event, dev);
	if (ret < 0 && rte_errno != ENOTSUP) {
		VM_INIT_LOG(ERR, "%s: cannot watch EAL memory events: %s",
			    name, rte_strerror(rte_errno));
		ret = -rte_errno;
		goto err_destroy_transport;
	}
	dev->mem_cb = ret == 0;

	eth->dev_ops = &virtio_map_ops;
	eth->rx_pkt_burst = vmq_burst_none;
	eth->tx_pkt_burst = vmq_burst_none;
	eth->tx_pkt_prepare = virtio_map_tx_prepare;
	eth->data->dev_flags |= RTE_ETH_DEV_AUTOFILL_QUEUE_XSTATS |
				RTE_ETH_DEV_INTR_LSC;
	virtio_map_mp_serve(eth, true);
	rte_eth_dev_probing_finish(eth);
	VM_INIT_LOG(INFO, "%s: port %u, path=%s%s, map=%s%s, queue_size=%u",
		    name, sh->port_id, cfg.path, cfg.server ? " (server)" : "",
		    cfg.map, cfg.map_debug ? " (debug)" : "", cfg.queue_size);
	return 0;

err_destroy_transport:
	vmt_destroy(dev->t);
err_detach_map:
	vmap_dev_detach(&sh->map);
err_release_port:
	pthread_cond_destroy(&dev->ctl_cond);
	pthread_mutex_destroy(&dev->lock);
	virtio_map_mp_forget(eth);
	free(dev);
	rte_eth_dev_release_port(eth);
	return ret;
}

static int
virtio_map_probe(struct rte_vdev_device *vdev)
{
	if (rte_eal_process_type() != RTE_PROC_PRIMARY)
		return virtio_map_probe_secondary(vdev);
	return virtio_map_probe_primary(vdev);
}

static int
virtio_map_remove(struct rte_vdev_device *vdev)
{
	struct rte_eth_dev *eth;

	eth = rte_eth_dev_allocated(rte_vdev_device_name(vdev));
	if (eth == NULL)
		return 0;	/* already closed and released */
	if (rte_eal_process_type() != RTE_PROC_PRIMARY)
		return virtio_map_remove_secondary(eth);
	virtio_map_dev_close(eth);
	return rte_eth_dev_release_port(eth);
}

static struct rte_vdev_driver virtio_map_vdev = {
	.probe = virtio_map_probe,
	.remove = virtio_map_remove,
};

RTE_PMD_REGISTER_VDEV(net_virtio_map, virtio_map_vdev);
RTE_PMD_REGISTER_PARAM_STRING(net_virtio_map, VIRTIO_MAP_PARAMS);

/*
 * What dpdk-pmdinfo.py reads from a PMD's .rodata: DPDK's own build
 * generates this string from the two registrations above (buildtools/
 * pmdinfogen.py, not installed with DPDK); ours is made from the same
 * devargs table by the preprocessor.
 */
static const char virtio_map_pmd_info[] __rte_used =
	"PMD_INFO_STRING= {\"name\": \"net_virtio_map\", \"params\": \""
	VIRTIO_MAP_PARAMS "\", \"pci_ids\": []}";
