/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The virtio_map authors
 */

/*
 * net_virtio_map ethdev glue: vdev probe and remove, the eth_dev_ops
 * table, queue setup, start/stop/close, link, and bringing the device up
 * over the transport (lazily: probe never waits for the backend; start
 * connects if it can and an EAL alarm retries until it does). The data path
 * is in vmq_split.c, the protocol in vmt_vhost_user.c.
 */

#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include <bus_vdev_driver.h>
#include <ethdev_driver.h>
#include <ethdev_vdev.h>
#include <rte_alarm.h>
#include <rte_errno.h>
#include <rte_malloc.h>
#include <rte_memory.h>

#include "virtio_map_ethdev.h"
#include "virtio_map_log.h"

RTE_LOG_REGISTER_DEFAULT(virtio_map_logtype, NOTICE);
RTE_LOG_REGISTER_SUFFIX(virtio_map_logtype_init, init, NOTICE);

/* Feature bits the devargs allow the driver to offer. */
static uint64_t
virtio_map_offer(const struct virtio_map_cfg *cfg)
{
	uint64_t f = 1ULL << VMQ_F_VERSION_1;

	if (cfg->packed_vq)
		f |= 1ULL << VMQ_F_RING_PACKED;
	if (cfg->in_order)
		f |= 1ULL << VMQ_F_IN_ORDER;
	if (cfg->mrg_rxbuf)
		f |= 1ULL << VMQ_F_NET_MRG_RXBUF;
	if (cfg->indirect)
		f |= 1ULL << VMQ_F_RING_INDIRECT;
	if (cfg->event_idx)
		f |= 1ULL << VMQ_F_RING_EVENT_IDX;
	return f;
}

/* Ring options that follow from negotiated features. */
static uint32_t
virtio_map_ring_opts(uint64_t f)
{
	uint32_t o = 0;

	if (f & (1ULL << VMQ_F_RING_PACKED))
		o |= VMQ_OPT_PACKED;
	if (f & (1ULL << VMQ_F_IN_ORDER))
		o |= VMQ_OPT_IN_ORDER;
	if (f & (1ULL << VMQ_F_NET_MRG_RXBUF))
		o |= VMQ_OPT_MRG_RXBUF;
	if (f & (1ULL << VMQ_F_RING_INDIRECT))
		o |= VMQ_OPT_INDIRECT;
	if (f & (1ULL << VMQ_F_RING_EVENT_IDX))
		o |= VMQ_OPT_EVENT_IDX;
	return o;
}

static void virtio_map_alarm(void *arg);
static int virtio_map_check_rx_room(struct virtio_map_dev *dev,
				    struct rte_mempool *mp, uint16_t mtu);

static struct virtio_map_dev *
vm_dev(struct rte_eth_dev *eth)
{
	return eth->data->dev_private;
}

/* Largest frame an Rx buffer of mp can take without scatter. */
static uint32_t
virtio_map_rx_room(struct rte_mempool *mp)
{
	return rte_pktmbuf_data_room_size(mp) - RTE_PKTMBUF_HEADROOM;
}

static uint32_t
virtio_map_frame_len(uint16_t mtu)
{
	return mtu + RTE_ETHER_HDR_LEN + RTE_VLAN_HLEN;
}

static void
virtio_map_set_link(struct virtio_map_dev *dev, bool up)
{
	struct rte_eth_link link = {
		.link_speed = up ? RTE_ETH_SPEED_NUM_10G :
				   RTE_ETH_SPEED_NUM_NONE,
		.link_duplex = RTE_ETH_LINK_FULL_DUPLEX,
		.link_autoneg = RTE_ETH_LINK_FIXED,
		.link_status = up ? RTE_ETH_LINK_UP : RTE_ETH_LINK_DOWN,
	};

	rte_eth_linkstatus_set(&rte_eth_devices[dev->port_id], &link);
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
	uint8_t status = VMQ_STATUS_ACKNOWLEDGE | VMQ_STATUS_DRIVER;
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
	if (!(offered & (1ULL << VMQ_F_VERSION_1))) {
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
		dev->features |= 1ULL << VIRTIO_MAP_F_ACCESS_PLATFORM;
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
	status |= VMQ_STATUS_FEATURES_OK;
	vmt_set_status(dev->t, status);

	ret = virtio_map_send_mem_table(dev, false);
	if (ret == -E2BIG || ret == -ENOMEM)
		goto err_disconnect;
	if (ret < 0)
		goto err_transient;

	/* virtqueue order on the device: rx0, tx0, rx1, tx1... */
	for (i = 0; i < VIRTIO_MAP_MAX_QUEUE_PAIRS; i++) {
		if (dev->rxq[i] != NULL)
			qs[nq++] = dev->rxq[i];
		if (dev->txq[i] != NULL)
			qs[nq++] = dev->txq[i];
	}
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
		ret = virtio_map_iommu_populate(dev, false);
		if (ret < 0)
			goto err_transient;
	}
	for (i = 0; i < nq; i++) {
		ret = vmt_enable_vring(dev->t, qs[i]->vq_index, true);
		if (ret < 0)
			goto err_transient;
	}
	status |= VMQ_STATUS_DRIVER_OK;
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

static void
virtio_map_arm(struct virtio_map_dev *dev)
{
	if (dev->alarm_set)
		return;
	if (rte_eal_alarm_set(VIRTIO_MAP_CONNECT_RETRY_US, virtio_map_alarm,
			      dev) == 0)
		dev->alarm_set = true;
	else
		VM_LOG(ERR, "%s: cannot arm the connect timer; the link stays down",
		       dev->name);
}

/* Try to bring the device up; arm a retry if the backend is not there. */
static void
virtio_map_try_up(struct virtio_map_dev *dev)
{
	int ret;

	if (!dev->started || dev->ready)
		return;
	ret = virtio_map_bring_up(dev);
	if (ret == -EAGAIN)
		virtio_map_arm(dev);
	else if (ret < 0)
		VM_LOG(ERR, "%s: link stays down; fix the cause and restart the port",
		       dev->name);
}

static void
virtio_map_alarm(void *arg)
{
	struct virtio_map_dev *dev = arg;

	pthread_mutex_lock(&dev->lock);
	dev->alarm_set = false;
	virtio_map_try_up(dev);
	pthread_mutex_unlock(&dev->lock);
}

/* EAL memory changed: the device must see the new table. */
static void
virtio_map_mem_event(enum rte_mem_event type, const void *addr, size_t len,
		     void *arg)
{
	struct virtio_map_dev *dev = arg;
	int ret;

	/* called with EAL's memory lock held: walk with locked=true */
	pthread_mutex_lock(&dev->lock);
	if (dev->ready) {
		ret = virtio_map_send_mem_table(dev, true);
		/* a new table empties the device's IOTLB: fill it again; the
		 * pages being freed are still listed, so drop them last */
		if (ret == 0 && dev->iotlb)
			ret = virtio_map_iommu_populate(dev, true);
		if (ret == 0 && dev->iotlb && type == RTE_MEM_EVENT_FREE)
			virtio_map_iommu_invalidate(dev, addr, len);
		if (ret < 0)
			VM_LOG(ERR, "%s: cannot update the device's memory table after a memory %s event",
			       dev->name,
			       type == RTE_MEM_EVENT_ALLOC ? "alloc" : "free");
	}
	pthread_mutex_unlock(&dev->lock);
}

/* Take the rings back from the device, then free what they hold. */
static void
virtio_map_bring_down(struct virtio_map_dev *dev)
{
	struct vmq *qs[2] = { dev->rxq[0], dev->txq[0] };
	unsigned int i;
	uint16_t base;

	for (i = 0; i < RTE_DIM(qs); i++)
		if (qs[i] != NULL)
			vmq_enable(qs[i], false);
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
	}
	dev->ready = false;
	virtio_map_set_link(dev, false);
	for (i = 0; i < RTE_DIM(qs); i++) {
		if (qs[i] == NULL)
			continue;
		vmq_drain(qs[i]);
		/* every mapping was given back: anything live is a leak */
		if (vmap_queue_live(&qs[i]->mq) > 0)
			VM_LOG(ERR, "%s: vq %u: map=%s reports mappings still live after stop",
			       dev->name, qs[i]->vq_index, dev->cfg.map);
	}
}

/* ---- eth_dev_ops ---- */

static int
virtio_map_dev_configure(struct rte_eth_dev *eth)
{
	struct virtio_map_dev *dev = vm_dev(eth);
	struct rte_eth_conf *conf = &eth->data->dev_conf;

	if (conf->rxmode.mq_mode != RTE_ETH_MQ_RX_NONE ||
	    conf->txmode.mq_mode != RTE_ETH_MQ_TX_NONE) {
		VM_LOG(ERR, "%s: multi-queue modes are not supported (one queue pair)",
		       dev->name);
		return -ENOTSUP;
	}
	dev->mtu = eth->data->mtu;
	return 0;
}

static int
virtio_map_dev_infos_get(struct rte_eth_dev *eth,
			 struct rte_eth_dev_info *info)
{
	struct virtio_map_dev *dev = vm_dev(eth);
	uint16_t qs = dev->cfg.queue_size;

	info->max_mac_addrs = 1;
	info->max_rx_queues = dev->cfg.queues;
	info->max_tx_queues = dev->cfg.queues;
	info->min_rx_bufsize = RTE_ETHER_MIN_LEN;
	info->max_rx_pktlen = VMQ_MAX_FRAME;
	info->min_mtu = RTE_ETHER_MIN_MTU;
	info->max_mtu = VMQ_MAX_FRAME - RTE_ETHER_HDR_LEN - RTE_VLAN_HLEN;
	/* with mergeable buffers a frame may span mbufs */
	info->rx_offload_capa = dev->cfg.mrg_rxbuf ?
				RTE_ETH_RX_OFFLOAD_SCATTER : 0;
	info->tx_offload_capa = RTE_ETH_TX_OFFLOAD_MULTI_SEGS;
	/* the ring size is the queue_size devarg */
	info->rx_desc_lim.nb_max = qs;
	info->rx_desc_lim.nb_min = qs;
	info->rx_desc_lim.nb_align = 1;
	info->tx_desc_lim.nb_max = qs;
	info->tx_desc_lim.nb_min = qs;
	info->tx_desc_lim.nb_align = 1;
	info->tx_desc_lim.nb_seg_max = VMQ_TX_MAX_SEGS;
	info->tx_desc_lim.nb_mtu_seg_max = VMQ_TX_MAX_SEGS;
	info->default_rxportconf.ring_size = qs;
	info->default_txportconf.ring_size = qs;
	info->default_rxportconf.burst_size = 32;
	info->default_txportconf.burst_size = 32;
	info->default_rxportconf.nb_queues = 1;
	info->default_txportconf.nb_queues = 1;
	info->speed_capa = RTE_ETH_LINK_SPEED_10G;
	return 0;
}

static int
virtio_map_check_rx_room(struct virtio_map_dev *dev, struct rte_mempool *mp,
			 uint16_t mtu)
{
	if (RTE_PKTMBUF_HEADROOM < sizeof(struct vmq_net_hdr) ||
	    virtio_map_rx_room(mp) < virtio_map_frame_len(mtu)) {
		VM_LOG(ERR, "%s: Rx mbufs of pool %s hold %u bytes but MTU %u needs %u (frame with VLAN tag); without mergeable Rx buffers a frame must fit one mbuf: use mrg_rxbuf=1, a larger data room or a smaller MTU",
		       dev->name, mp->name, virtio_map_rx_room(mp), mtu,
		       virtio_map_frame_len(mtu));
		return -EINVAL;
	}
	return 0;
}

static int
virtio_map_rx_queue_setup(struct rte_eth_dev *eth, uint16_t qid,
			  uint16_t nb_desc __rte_unused, unsigned int socket,
			  const struct rte_eth_rxconf *conf __rte_unused,
			  struct rte_mempool *mp)
{
	struct virtio_map_dev *dev = vm_dev(eth);
	struct vmq_conf qc = {
		.is_tx = false,
		.size = dev->cfg.queue_size,
		.vq_index = 2 * qid,
		.port_id = dev->port_id,
		.socket_id = socket,
		.map = &dev->map,
		.mp = mp,
	};
	struct vmq *q;
	int ret;

	/* mergeable buffers chain mbufs: any room will do */
	if (!dev->cfg.mrg_rxbuf) {
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
	vmq_free(dev->rxq[qid]);
	dev->rxq[qid] = q;
	eth->data->rx_queues[qid] = q;
	return 0;
}

static int
virtio_map_tx_queue_setup(struct rte_eth_dev *eth, uint16_t qid,
			  uint16_t nb_desc __rte_unused, unsigned int socket,
			  const struct rte_eth_txconf *conf __rte_unused)
{
	struct virtio_map_dev *dev = vm_dev(eth);
	struct vmq_conf qc = {
		.is_tx = true,
		.size = dev->cfg.queue_size,
		.vq_index = 2 * qid + 1,
		.port_id = dev->port_id,
		.socket_id = socket,
		.map = &dev->map,
		.max_frame = virtio_map_frame_len(eth->data->mtu),
		.opts_possible = dev->cfg.indirect ? VMQ_OPT_INDIRECT : 0,
	};
	struct vmq *q;

	q = vmq_create(&qc);
	if (q == NULL) {
		VM_LOG(ERR, "%s: cannot create Tx queue %u: %s", dev->name,
		       qid, rte_strerror(rte_errno));
		return -rte_errno;
	}
	vmq_free(dev->txq[qid]);
	dev->txq[qid] = q;
	eth->data->tx_queues[qid] = q;
	return 0;
}

static void
virtio_map_rx_queue_release(struct rte_eth_dev *eth, uint16_t qid)
{
	struct virtio_map_dev *dev = vm_dev(eth);

	vmq_free(dev->rxq[qid]);
	dev->rxq[qid] = NULL;
	if (eth->data->rx_queues != NULL)
		eth->data->rx_queues[qid] = NULL;
}

static void
virtio_map_tx_queue_release(struct rte_eth_dev *eth, uint16_t qid)
{
	struct virtio_map_dev *dev = vm_dev(eth);

	vmq_free(dev->txq[qid]);
	dev->txq[qid] = NULL;
	if (eth->data->tx_queues != NULL)
		eth->data->tx_queues[qid] = NULL;
}

static int
virtio_map_dev_start(struct rte_eth_dev *eth)
{
	struct virtio_map_dev *dev = vm_dev(eth);
	struct vmq *rxq = dev->rxq[0];
	int ret;

	if (rxq == NULL || dev->txq[0] == NULL) {
		VM_LOG(ERR, "%s: set up Rx and Tx queue 0 before starting",
		       dev->name);
		return -EINVAL;
	}
	if (!dev->cfg.mrg_rxbuf) {
		ret = virtio_map_check_rx_room(dev, rxq->mp, eth->data->mtu);
		if (ret < 0)
			return ret;
	}
	if (rte_mempool_avail_count(rxq->mp) == 0) {
		VM_LOG(ERR, "%s: mempool %s is empty: no Rx buffers to post",
		       dev->name, rxq->mp->name);
		return -ENOMEM;
	}

	pthread_mutex_lock(&dev->lock);
	/* bursts wait until the device has the rings (virtio_map_bring_up) */
	vmq_enable(rxq, false);
	vmq_enable(dev->txq[0], false);
	eth->rx_pkt_burst = vmq_rx_burst_fn(dev->map.kind);
	eth->tx_pkt_burst = vmq_tx_burst_fn(dev->map.kind);
	eth->data->rx_queue_state[0] = RTE_ETH_QUEUE_STATE_STARTED;
	eth->data->tx_queue_state[0] = RTE_ETH_QUEUE_STATE_STARTED;
	dev->started = true;
	virtio_map_try_up(dev);
	pthread_mutex_unlock(&dev->lock);
	return 0;
}

static int
virtio_map_dev_stop(struct rte_eth_dev *eth)
{
	struct virtio_map_dev *dev = vm_dev(eth);

	pthread_mutex_lock(&dev->lock);
	dev->started = false;	/* the alarm will not re-arm itself */
	pthread_mutex_unlock(&dev->lock);
	/* outside the lock: cancel waits for a running alarm callback */
	rte_eal_alarm_cancel(virtio_map_alarm, dev);

	pthread_mutex_lock(&dev->lock);
	dev->alarm_set = false;
	virtio_map_bring_down(dev);
	eth->data->rx_queue_state[0] = RTE_ETH_QUEUE_STATE_STOPPED;
	eth->data->tx_queue_state[0] = RTE_ETH_QUEUE_STATE_STOPPED;
	pthread_mutex_unlock(&dev->lock);
	return 0;
}

static int
virtio_map_dev_close(struct rte_eth_dev *eth)
{
	struct virtio_map_dev *dev = vm_dev(eth);

	if (rte_eal_process_type() != RTE_PROC_PRIMARY || dev->closed)
		return 0;
	if (dev->started)
		virtio_map_dev_stop(eth);
	if (dev->mem_cb)
		rte_mem_event_callback_unregister(dev->name, dev);
	dev->mem_cb = false;
	virtio_map_rx_queue_release(eth, 0);
	virtio_map_tx_queue_release(eth, 0);
	vmt_destroy(dev->t);
	dev->t = NULL;
	vmap_dev_detach(&dev->map);
	pthread_mutex_destroy(&dev->lock);
	dev->closed = true;
	return 0;
}

static int
virtio_map_link_update(struct rte_eth_dev *eth,
		       int wait_to_complete __rte_unused)
{
	struct virtio_map_dev *dev = vm_dev(eth);
	bool up;

	pthread_mutex_lock(&dev->lock);
	up = dev->ready && vmt_connected(dev->t);
	if (dev->ready && !up)
		VM_LOG(WARNING, "%s: backend gone; link down until the port restarts",
		       dev->name);
	dev->ready = up;
	pthread_mutex_unlock(&dev->lock);
	virtio_map_set_link(dev, up);
	return 0;
}

static int
virtio_map_mtu_set(struct rte_eth_dev *eth, uint16_t mtu)
{
	struct virtio_map_dev *dev = vm_dev(eth);

	if (dev->rxq[0] != NULL && !dev->cfg.mrg_rxbuf &&
	    virtio_map_check_rx_room(dev, dev->rxq[0]->mp, mtu) < 0)
		return -EINVAL;
	if (dev->txq[0] != NULL && dev->txq[0]->mq.max_seg != 0 &&
	    virtio_map_frame_len(mtu) + dev->txq[0]->hdr_size >
	    dev->txq[0]->mq.max_seg) {
		VM_LOG(ERR, "%s: MTU %u needs %u-byte Tx buffers but map=%s set Tx queue 0 up for %u; set the MTU before setting up the queues",
		       dev->name, mtu, virtio_map_frame_len(mtu),
		       dev->cfg.map,
		       dev->txq[0]->mq.max_seg - dev->txq[0]->hdr_size);
		return -EINVAL;
	}
	if (dev->txq[0] != NULL)
		dev->txq[0]->max_frame = virtio_map_frame_len(mtu);
	dev->mtu = mtu;
	return 0;
}

/* The device delivers every frame; there is no filter to change. */
static int
virtio_map_promisc_noop(struct rte_eth_dev *eth __rte_unused)
{
	return 0;
}

static int
virtio_map_mac_addr_set(struct rte_eth_dev *eth,
			struct rte_ether_addr *mac)
{
	struct virtio_map_dev *dev = vm_dev(eth);

	dev->mac = *mac;
	return 0;
}

static uint16_t
virtio_map_tx_prepare(void *txq, struct rte_mbuf **pkts, uint16_t n)
{
	uint16_t i;
	int ret;

	for (i = 0; i < n; i++) {
		ret = vmq_tx_check(txq, pkts[i]);
		if (ret < 0) {
			rte_errno = -ret;
			break;
		}
	}
	return i;
}

static const struct eth_dev_ops virtio_map_ops = {
	.dev_configure = virtio_map_dev_configure,
	.dev_infos_get = virtio_map_dev_infos_get,
	.dev_start = virtio_map_dev_start,
	.dev_stop = virtio_map_dev_stop,
	.dev_close = virtio_map_dev_close,
	.link_update = virtio_map_link_update,
	.mtu_set = virtio_map_mtu_set,
	.promiscuous_enable = virtio_map_promisc_noop,
	.promiscuous_disable = virtio_map_promisc_noop,
	.allmulticast_enable = virtio_map_promisc_noop,
	.allmulticast_disable = virtio_map_promisc_noop,
	.mac_addr_set = virtio_map_mac_addr_set,
	.rx_queue_setup = virtio_map_rx_queue_setup,
	.tx_queue_setup = virtio_map_tx_queue_setup,
	.rx_queue_release = virtio_map_rx_queue_release,
	.tx_queue_release = virtio_map_tx_queue_release,
	.stats_get = virtio_map_stats_get,
	.stats_reset = virtio_map_stats_reset,
	.xstats_get = virtio_map_xstats_get,
	.xstats_get_names = virtio_map_xstats_get_names,
};

static uint16_t
virtio_map_burst_stopped(void *q __rte_unused,
			 struct rte_mbuf **pkts __rte_unused,
			 uint16_t n __rte_unused)
{
	return 0;
}

/* ---- vdev driver ---- */

static int
virtio_map_probe(struct rte_vdev_device *vdev)
{
	const char *name = rte_vdev_device_name(vdev);
	struct virtio_map_dev *dev;
	struct virtio_map_cfg cfg;
	const struct vmap_ops *ops;
	struct rte_eth_dev *eth;
	int ret;

	if (rte_eal_process_type() != RTE_PROC_PRIMARY) {
		VM_INIT_LOG(ERR, "%s: secondary processes are not supported",
			    name);
		return -ENOTSUP;
	}
	ret = virtio_map_parse_devargs(name, rte_vdev_device_args(vdev), &cfg);
	if (ret < 0)
		return ret;
	ops = vmap_find(cfg.map);
	if (ops == NULL) {
		VM_INIT_LOG(ERR, "%s: map=%s: map kind no longer registered",
			    name, cfg.map);
		return -EINVAL;
	}

	eth = rte_eth_vdev_allocate(vdev, sizeof(*dev));
	if (eth == NULL) {
		VM_INIT_LOG(ERR, "%s: cannot allocate an ethdev port", name);
		return -ENOMEM;
	}
	dev = eth->data->dev_private;
	snprintf(dev->name, sizeof(dev->name), "%s", name);
	dev->port_id = eth->data->port_id;
	dev->cfg = cfg;
	pthread_mutex_init(&dev->lock, NULL);

	ret = vmap_dev_attach(&dev->map, ops, name, rte_socket_id(),
			      &(struct vmap_params){
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
	/* the device may then report IOTLB misses; answered off the data
	 * path */
	if (cfg.iommu != VIRTIO_MAP_IOMMU_OFF)
		vmt_set_iotlb_resolver(dev->t, virtio_map_iotlb_resolve, dev);
	eth->data->mac_addrs = rte_zmalloc("virtio_map_mac",
					   sizeof(struct rte_ether_addr), 0);
	if (eth->data->mac_addrs == NULL) {
		ret = -ENOMEM;
		goto err_destroy_transport;
	}
	if (cfg.mac_set)
		dev->mac = cfg.mac;
	else
		rte_eth_random_addr(dev->mac.addr_bytes);
	*eth->data->mac_addrs = dev->mac;

	ret = rte_mem_event_callback_register(name, virtio_map_mem_event, dev);
	if (ret < 0 && rte_errno != ENOTSUP) {
		VM_INIT_LOG(ERR, "%s: cannot watch EAL memory events: %s",
			    name, rte_strerror(rte_errno));
		ret = -rte_errno;
		goto err_destroy_transport;
	}
	dev->mem_cb = ret == 0;

	eth->dev_ops = &virtio_map_ops;
	eth->rx_pkt_burst = virtio_map_burst_stopped;
	eth->tx_pkt_burst = virtio_map_burst_stopped;
	eth->tx_pkt_prepare = virtio_map_tx_prepare;
	eth->data->dev_flags |= RTE_ETH_DEV_AUTOFILL_QUEUE_XSTATS;
	rte_eth_dev_probing_finish(eth);
	VM_INIT_LOG(INFO, "%s: port %u, path=%s%s, map=%s%s, queue_size=%u",
		    name, dev->port_id, cfg.path, cfg.server ? " (server)" : "",
		    cfg.map, cfg.map_debug ? " (debug)" : "", cfg.queue_size);
	return 0;

err_destroy_transport:
	vmt_destroy(dev->t);
err_detach_map:
	vmap_dev_detach(&dev->map);
err_release_port:
	pthread_mutex_destroy(&dev->lock);
	rte_eth_dev_release_port(eth);
	return ret;
}

static int
virtio_map_remove(struct rte_vdev_device *vdev)
{
	struct rte_eth_dev *eth;

	eth = rte_eth_dev_allocated(rte_vdev_device_name(vdev));
	if (eth == NULL)
		return 0;	/* already closed and released */
	virtio_map_dev_close(eth);
	return rte_eth_dev_release_port(eth);
}

static struct rte_vdev_driver virtio_map_vdev = {
	.probe = virtio_map_probe,
	.remove = virtio_map_remove,
};

RTE_PMD_REGISTER_VDEV(net_virtio_map, virtio_map_vdev);
RTE_PMD_REGISTER_PARAM_STRING(net_virtio_map, VIRTIO_MAP_PARAMS);
