/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The virtio_map authors
 */

/*
 * Bringing a port's device up, in named steps (features, memory table,
 * rings, IOTLB, start), and down again: feature negotiation against what
 * the port was configured with, the memory table, handing the rings over
 * with the agreed layout and options, and taking them back. When to do it
 * (start, the control thread, hang-ups, memory events) is
 * virtio_map_link.c's job.
 */

#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include <ethdev_driver.h>
#include <rte_memory.h>

#include "virtio_map_bringup.h"
#include "vmap_umem.h"
#include "virtio_map_frame.h"
#include "virtio_map_iommu.h"
#include "virtio_map_log.h"

/* Feature bits the devargs and the enabled offloads make the driver
 * offer. */
static uint64_t
virtio_map_offer(const struct virtio_map_dev *dev)
{
	const struct virtio_map_cfg *cfg = &dev->sh->cfg;
	/* the port's MTU goes to the device (NET_SET_MTU) */
	uint64_t f = (1ULL << VMT_F_VERSION_1) | (1ULL << VMT_F_NET_MTU);

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
	/* MQ comes with the control queue (virtio 1.2, 5.1.3.1); over
	 * vhost-user the driver acts on the commands itself: the pairs in
	 * use are the rings it enables */
	if (cfg->queues > 1)
		f |= (1ULL << VMT_F_NET_MQ) | (1ULL << VMT_F_NET_CTRL_VQ);
	/* offloads only when the application enabled them */
	if (dev->sh->tx_offloads & (VIRTIO_MAP_TX_L4_CSUM | VIRTIO_MAP_TX_TSO))
		f |= 1ULL << VMT_F_NET_CSUM;
	if (dev->sh->tx_offloads & VIRTIO_MAP_TX_TSO)
		f |= (1ULL << VMT_F_NET_HOST_TSO4) |
		     (1ULL << VMT_F_NET_HOST_TSO6);
	if (dev->sh->rx_offloads & (VIRTIO_MAP_RX_CSUM | VIRTIO_MAP_RX_LRO))
		f |= 1ULL << VMT_F_NET_GUEST_CSUM;
	/* LRO frames need mergeable buffers, or 64 KB ones (5.1.6.3.1) */
	if ((dev->sh->rx_offloads & VIRTIO_MAP_RX_LRO) && cfg->mrg_rxbuf)
		f |= (1ULL << VMT_F_NET_GUEST_TSO4) |
		     (1ULL << VMT_F_NET_GUEST_TSO6);
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

int
virtio_map_send_mem_table(struct virtio_map_dev *dev)
{
	unsigned int max = vmt_max_regions(dev->t);
	struct rte_vmap_region r[64];
	struct vmap_umem *um;
	unsigned int k;
	int n;

	if (dev->sh->run.iotlb)
		return virtio_map_iommu_mem_table(dev);
	/*
	 * Memory the application registered (map=vduse) first: a backend
	 * such as DPDK's looks regions up in table order for every buffer,
	 * and with registered memory most buffers lie there (after it, 23
	 * more instructions per packet in DPDK 22.11's vhost, callgrind).
	 */
	um = vmap_dev_umem(&dev->sh->map);
	k = um != NULL ? vmap_umem_regions(um, r, RTE_MIN(max, RTE_DIM(r))) : 0;
	n = k < RTE_MIN(max, RTE_DIM(r)) ?
	    vmap_regions(&dev->sh->map, &r[k], RTE_MIN(max, RTE_DIM(r)) - k,
			 false) : 0;
	if (n < 0) {
		VM_LOG(ERR, "%s: cannot describe memory for map=%s: %s",
		       dev->name, dev->sh->cfg.map, strerror(-n));
		return n;
	}
	n += k;
	if (n == 0) {
		VM_LOG(ERR, "%s: no shareable memory for map=%s (EAL memory without files cannot be shared over vhost-user)",
		       dev->name, dev->sh->cfg.map);
		return -ENOMEM;
	}
	if ((unsigned int)n > max) {
		VM_LOG(ERR, "%s: map=%s needs %d memory regions but a vhost-user memory table (SET_MEM_TABLE) holds %u; %s",
		       dev->name, dev->sh->cfg.map, n, max,
		       dev->sh->map.kind == RTE_VMAP_KIND_PA ?
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
	v->use_iova = dev->sh->run.iotlb;
	vmq_ring_iovas(q, &v->desc_iova, &v->avail_iova, &v->used_iova);
	v->index = q->vq_index;
	v->num = q->size;
	v->kick_fd = q->kick_fd;
	v->call_fd = q->call_fd;
	vmq_ring_addrs(q, &v->desc, &v->avail, &v->used, &v->base);
}

/* Write a status byte; transports without one (-ENOTSUP) skip it. */
static int
virtio_map_status(struct virtio_map_dev *dev, uint8_t status)
{
	int ret = vmt_set_status(dev->t, status);

	return ret == -ENOTSUP ? 0 : ret;
}

/* Queue pairs the port has set up (a pair may lack its Rx or Tx half). */
static unsigned int
virtio_map_pairs(const struct virtio_map_dev *dev)
{
	unsigned int i, n = 0;

	for (i = 0; i < VIRTIO_MAP_MAX_QUEUE_PAIRS; i++)
		if (dev->sh->rxq[i] != NULL || dev->sh->txq[i] != NULL)
			n = i + 1;
	return n;
}

/* The refusal of a backend that cannot serve the port: logged once for
 * the same offer (a server-mode backend knocks again and again). */
#define VM_REFUSE(dev, offered, fmt, ...) do { \
	if ((dev)->refused_offer != (offered)) \
		VM_LOG(ERR, "%s: " fmt "; link stays down until another backend comes", \
		       (dev)->name, __VA_ARGS__); \
	(dev)->refused_offer = (offered); \
} while (0)

/*
 * Is what the backend offers enough for what the port was configured
 * with? Sets dev->sh->run. Errors are permanent; *fail says for whom.
 */
static int
virtio_map_check_offer(struct virtio_map_dev *dev, uint64_t offered,
		       enum virtio_map_up_fail *fail)
{
	unsigned int i, pairs;
	struct vmq *rxq;
	bool iotlb;
	int ret;

	*fail = VIRTIO_MAP_UP_BACKEND;
	if (!(offered & (1ULL << VMT_F_VERSION_1))) {
		VM_REFUSE(dev, offered, "the backend does not offer VIRTIO_F_VERSION_1 (features 0x%" PRIx64 "); legacy virtio devices are not supported",
			  offered);
		return -ENOTSUP;
	}
	ret = virtio_map_iommu_decide(dev, offered, &iotlb);
	if (ret == -ENOTSUP) {
		VM_REFUSE(dev, offered, "iommu=on but the backend does not offer VIRTIO_F_ACCESS_PLATFORM (IOTLB); start DPDK's net_vhost with iommu-support=1, or use iommu=auto|off%s",
			  "");
		return ret;
	}
	if (ret < 0) {
		*fail = VIRTIO_MAP_UP_CONFIG;
		return ret;
	}
	if ((dev->sh->tx_offloads & VIRTIO_MAP_TX_L4_CSUM) &&
	    !(offered & (1ULL << VMT_F_NET_CSUM))) {
		VM_REFUSE(dev, offered, "the backend does not offer VIRTIO_NET_F_CSUM, which the port's Tx UDP/TCP checksum offloads need%s",
			  "");
		return -ENOTSUP;
	}
	if ((dev->sh->tx_offloads & VIRTIO_MAP_TX_TSO) &&
	    (~offered & ((1ULL << VMT_F_NET_CSUM) |
			 (1ULL << VMT_F_NET_HOST_TSO4) |
			 (1ULL << VMT_F_NET_HOST_TSO6)))) {
		VM_REFUSE(dev, offered, "the backend does not offer VIRTIO_NET_F_HOST_TSO4, HOST_TSO6 and CSUM, which the port's Tx TCP TSO offload needs (DPDK's net_vhost offers them with tso=1)%s",
			  "");
		return -ENOTSUP;
	}
	dev->sh->run.features = offered & virtio_map_offer(dev);
	/* a GSO frame without mergeable buffers would need 64 KB buffers,
	 * and GUEST_TSO needs GUEST_CSUM: no LRO then (the device may not
	 * send GSO frames at all; nothing else changes) */
	if (!(dev->sh->run.features & (1ULL << VMT_F_NET_MRG_RXBUF)) ||
	    !(dev->sh->run.features & (1ULL << VMT_F_NET_GUEST_CSUM)))
		dev->sh->run.features &= ~((1ULL << VMT_F_NET_GUEST_TSO4) |
				       (1ULL << VMT_F_NET_GUEST_TSO6));
	dev->sh->run.iotlb = iotlb;
	if (iotlb)
		dev->sh->run.features |= 1ULL << VMT_F_ACCESS_PLATFORM;
	dev->sh->run.opts = virtio_map_ring_opts(dev->sh->run.features);

	/* without mergeable buffers every frame must fit one Rx buffer of
	 * every queue; the port started only if that holds with them */
	for (i = 0; i < VIRTIO_MAP_MAX_QUEUE_PAIRS &&
	     !(dev->sh->run.opts & VMQ_OPT_MRG_RXBUF); i++) {
		rxq = dev->sh->rxq[i];
		if (rxq == NULL || virtio_map_rx_fits(rxq->mp, dev->sh->mtu))
			continue;
		VM_REFUSE(dev, offered, "the backend does not offer VIRTIO_NET_F_MRG_RXBUF, which MTU %u needs with Rx mbufs of %u bytes (pool %s)",
			  dev->sh->mtu, virtio_map_rx_room(rxq->mp), rxq->mp->name);
		return -ENOTSUP;
	}
	/* more than one pair: the device must take as many */
	pairs = virtio_map_pairs(dev);
	if (pairs > 1 && !(offered & (1ULL << VMT_F_NET_MQ))) {
		VM_REFUSE(dev, offered, "the backend does not offer VIRTIO_NET_F_MQ, which %u queue pairs need",
			  pairs);
		return -ENOTSUP;
	}
	if (pairs > vmt_max_queue_pairs(dev->t)) {
		VM_REFUSE(dev, offered, "the backend takes %u queue pair(s), the port has %u (queues devarg %u)",
			  vmt_max_queue_pairs(dev->t), pairs, dev->sh->cfg.queues);
		return -ENOTSUP;
	}
	/* translations sent on demand need a channel for the misses */
	if (iotlb && !virtio_map_iommu_prefills(dev) &&
	    !vmt_reports_misses(dev->t)) {
		VM_REFUSE(dev, offered, "iotlb_prefill=0 but the backend has no request channel (protocol feature SLAVE_REQ) to report IOTLB misses on: the device could translate no address; use iotlb_prefill=auto or 1%s",
			  "");
		return -ENOTSUP;
	}
	return 0;
}

int
virtio_map_send_mtu(struct virtio_map_dev *dev)
{
	int ret;

	if (!(dev->sh->run.features & (1ULL << VMT_F_NET_MTU)))
		return 0;
	ret = vmt_set_mtu(dev->t, dev->sh->mtu);
	return ret == -ENOTSUP ? 0 : ret;
}

/* Step: agree on features (virtio 1.2, 3.1.1 steps 2 to 6). */
static int
virtio_map_up_features(struct virtio_map_dev *dev,
		       enum virtio_map_up_fail *fail)
{
	uint8_t status = VMT_STATUS_ACKNOWLEDGE | VMT_STATUS_DRIVER;
	uint64_t offered;
	int ret;

	ret = virtio_map_status(dev, status);
	if (ret == 0)
		ret = vmt_get_features(dev->t, &offered);
	if (ret < 0)
		return ret;
	ret = virtio_map_check_offer(dev, offered, fail);
	if (ret < 0)
		return ret;
	*fail = VIRTIO_MAP_UP_AGAIN;
	dev->refused_offer = 0;
	ret = vmt_set_features(dev->t, dev->sh->run.features);
	if (ret == 0)
		ret = virtio_map_status(dev, status | VMT_STATUS_FEATURES_OK);
	if (ret == 0)
		ret = virtio_map_send_mtu(dev);
	return ret;
}

/* Step: the memory table, and what the IOTLB will answer misses from. */
static int
virtio_map_up_memory(struct virtio_map_dev *dev,
		     enum virtio_map_up_fail *fail)
{
	int ret;

	/* what a memory event asks from now on is sent again afterwards */
	__atomic_store_n(&dev->mem_dirty, false, __ATOMIC_RELEASE);
	/* the device may miss as soon as it has the table: answer from the
	 * translations of this memory */
	if (dev->sh->run.iotlb) {
		ret = virtio_map_iommu_plan(dev);
		if (ret < 0) {
			*fail = VIRTIO_MAP_UP_CONFIG;
			return ret;
		}
	}
	ret = virtio_map_send_mem_table(dev);
	if (ret == -E2BIG || ret == -ENOMEM)
		*fail = VIRTIO_MAP_UP_CONFIG;
	return ret;
}

/* Step: lay the rings out as agreed, post Rx buffers, hand them over. */
static int
virtio_map_up_rings(struct virtio_map_dev *dev,
		    enum virtio_map_up_fail *fail)
{
	struct vmq *qs[2 * VIRTIO_MAP_MAX_QUEUE_PAIRS];
	unsigned int i, nq = virtio_map_queues(dev->sh, qs);
	struct vmt_vring v;
	uint64_t refused;
	int ret;

	for (i = 0; i < nq; i++) {
		ret = vmq_set_opts(qs[i], dev->sh->run.opts);
		if (ret < 0) {
			VM_LOG(ERR, "%s: vq %u cannot run with the agreed ring options 0x%x",
			       dev->name, qs[i]->vq_index, dev->sh->run.opts);
			*fail = VIRTIO_MAP_UP_CONFIG;
			return ret;
		}
		if (qs[i]->is_tx)
			continue;
		refused = qs[i]->stats.map_refused;
		if (vmq_rx_refill(qs[i]) > 0)
			continue;
		if (qs[i]->stats.map_refused != refused) {
			VM_LOG(ERR, "%s: vq %u: map=%s mapped none of the Rx buffers (xstat rx_q%u_map_refused)",
			       dev->name, qs[i]->vq_index, dev->sh->cfg.map,
			       qs[i]->vq_index / 2);
			*fail = VIRTIO_MAP_UP_CONFIG;
			return -ENOMEM;
		}
		/* a short pool is "not now": mbufs come back to it */
		if (!dev->rx_short_logged)
			VM_LOG(WARNING, "%s: vq %u: mempool %s has no mbuf for this thread (%u free, in lcore caches or none); no Rx buffers to post yet, trying again",
			       dev->name, qs[i]->vq_index, qs[i]->mp->name,
			       rte_mempool_avail_count(qs[i]->mp));
		dev->rx_short_logged = true;
		return -ENOBUFS;
	}
	dev->rings_handed = true;
	for (i = 0; i < nq; i++) {
		virtio_map_vring(dev, qs[i], &v);
		ret = vmt_setup_vring(dev->t, &v);
		if (ret < 0)
			return ret;
	}
	return 0;
}

/* Step: fill the IOTLB (the backend keeps one per ring: after them). */
static int
virtio_map_up_iotlb(struct virtio_map_dev *dev,
		    enum virtio_map_up_fail *fail __rte_unused)
{
	return dev->sh->run.iotlb ? virtio_map_iommu_send(dev) : 0;
}

/* Step: enable the rings, DRIVER_OK, let the bursts in. */
static int
virtio_map_up_start(struct virtio_map_dev *dev,
		    enum virtio_map_up_fail *fail __rte_unused)
{
	struct vmq *qs[2 * VIRTIO_MAP_MAX_QUEUE_PAIRS];
	unsigned int i, nq = virtio_map_queues(dev->sh, qs);
	int ret;

	for (i = 0; i < nq; i++) {
		ret = vmt_enable_vring(dev->t, qs[i]->vq_index, true);
		if (ret < 0)
			return ret;
	}
	ret = virtio_map_status(dev, VMT_STATUS_ACKNOWLEDGE |
				VMT_STATUS_DRIVER | VMT_STATUS_FEATURES_OK |
				VMT_STATUS_DRIVER_OK);
	/* link up promises that the next packet gets through: only once
	 * the device has acted on all of the above (vmt_ops.confirm) */
	if (ret == 0)
		ret = vmt_confirm(dev->t);
	if (ret < 0)
		return ret;
	for (i = 0; i < nq; i++)
		vmq_enable(qs[i], true);
	return 0;
}

/* The steps of a bring-up, in order; each names itself when it fails. */
static const struct {
	const char *name;
	int (*run)(struct virtio_map_dev *dev, enum virtio_map_up_fail *fail);
} virtio_map_up_steps[] = {
	{ "feature negotiation", virtio_map_up_features },
	{ "memory table", virtio_map_up_memory },
	{ "ring setup", virtio_map_up_rings },
	{ "IOTLB fill", virtio_map_up_iotlb },
	{ "ring start", virtio_map_up_start },
};

int
virtio_map_bring_up(struct virtio_map_dev *dev, enum virtio_map_up_fail *fail)
{
	struct vmq *qs[2 * VIRTIO_MAP_MAX_QUEUE_PAIRS];
	unsigned int i, nq;
	int ret;

	*fail = VIRTIO_MAP_UP_AGAIN;
	dev->rings_handed = false;
	/* one deadline for all the replies of this attempt: a backend that
	 * drips them holds the interrupt thread this long at most */
	vmt_set_deadline(dev->t, VIRTIO_MAP_UP_TIMEOUT_MS);
	ret = vmt_connect(dev->t);
	if (ret < 0) {
		vmt_set_deadline(dev->t, 0);
		*fail = ret == -EAGAIN ? VIRTIO_MAP_UP_ABSENT :
					 VIRTIO_MAP_UP_CONFIG;
		return ret;
	}
	for (i = 0; i < RTE_DIM(virtio_map_up_steps); i++) {
		*fail = VIRTIO_MAP_UP_AGAIN;
		ret = virtio_map_up_steps[i].run(dev, fail);
		if (ret < 0)
			break;
	}
	vmt_set_deadline(dev->t, 0);
	if (ret == 0) {
		dev->sh->ready = true;
		dev->rx_short_logged = false;
		VM_LOG(INFO, "%s: link up: %s ring%s%s%s%s, map=%s%s, queue_size=%u, features 0x%" PRIx64,
		       dev->name,
		       dev->sh->run.opts & VMQ_OPT_PACKED ? "packed" : "split",
		       dev->sh->run.opts & VMQ_OPT_IN_ORDER ? ", in_order" : "",
		       dev->sh->run.opts & VMQ_OPT_MRG_RXBUF ? ", mrg_rxbuf" : "",
		       dev->sh->run.opts & VMQ_OPT_INDIRECT ? ", indirect" : "",
		       dev->sh->run.opts & VMQ_OPT_EVENT_IDX ? ", event_idx" : "",
		       dev->sh->cfg.map, dev->sh->run.iotlb ? " via IOTLB" : "",
		       dev->sh->cfg.queue_size, dev->sh->run.features);
		return 0;
	}

	if (*fail == VIRTIO_MAP_UP_AGAIN)
		VM_LOG(WARNING, "%s: bring-up step '%s' failed: %s; trying again in %u ms",
		       dev->name, virtio_map_up_steps[i].name, strerror(-ret),
		       virtio_map_backoff_next(dev->backoff_ms));
	else if (*fail == VIRTIO_MAP_UP_CONFIG)
		VM_LOG(ERR, "%s: bring-up step '%s' failed: %s",
		       dev->name, virtio_map_up_steps[i].name, strerror(-ret));
	/* a backend turned down is not called again (client mode) */
	if (*fail == VIRTIO_MAP_UP_BACKEND)
		vmt_reject(dev->t);
	else
		vmt_disconnect(dev->t);
	/*
	 * Rx buffers go back to their pool if the device never had the
	 * rings. Once it had them, a live backend may still write into
	 * them: they stay posted until the rings are laid out again (a new
	 * connection) or the port stops.
	 */
	if (!dev->rings_handed) {
		nq = virtio_map_queues(dev->sh, qs);
		for (i = 0; i < nq; i++)
			vmq_drain(qs[i]);
	}
	/* the channel's own errors only mean: not now */
	if (*fail == VIRTIO_MAP_UP_AGAIN)
		return -EAGAIN;
	return ret == -EAGAIN ? -EIO : ret;
}

/* Take the rings back from the device, then free what they hold. */
int
virtio_map_bring_down(struct virtio_map_dev *dev)
{
	struct vmq *qs[2 * VIRTIO_MAP_MAX_QUEUE_PAIRS];
	unsigned int i, freed, nq = virtio_map_queues(dev->sh, qs);
	int tx_lost = 0;
	uint16_t base;

	/* the application may still call the bursts: wait for them to leave */
	for (i = 0; i < nq; i++)
		if (qs[i] != NULL && vmq_enable(qs[i], false) < 0) {
			VM_LOG(WARNING, "%s: vq %u: a burst did not leave the queue within %u ms; trying again",
			       dev->name, qs[i]->vq_index,
			       VMQ_QUIESCE_TIMEOUT_MS);
			return -ETIMEDOUT;
		}
	if (dev->sh->ready && vmt_connected(dev->t)) {
		/* one deadline for every reply of the bring-down: a backend
		 * that answers each just in time cannot hold the port (and
		 * the interrupt thread) for one reply time per ring */
		vmt_set_deadline(dev->t, VIRTIO_MAP_DOWN_TIMEOUT_MS);
		for (i = 0; i < nq; i++)
			if (qs[i] != NULL)
				vmt_enable_vring(dev->t, qs[i]->vq_index,
						 false);
		/* GET_VRING_BASE returns once the device left the ring; a
		 * device that does not say so loses the channel, which stops
		 * DPDK's vhost from touching the rings */
		for (i = 0; i < nq; i++)
			if (qs[i] != NULL &&
			    vmt_stop_vring(dev->t, qs[i]->vq_index, &base) < 0) {
				VM_LOG(WARNING, "%s: vq %u: the backend did not give the ring back in time; disconnecting",
				       dev->name, qs[i]->vq_index);
				vmt_disconnect(dev->t);
				break;
			}
		vmt_set_deadline(dev->t, 0);
	} else if (dev->sh->ready) {
		/* gone: close what is left of the channel (request fd) */
		vmt_disconnect(dev->t);
	}
	dev->sh->ready = false;
	for (i = 0; i < nq; i++) {
		if (qs[i] == NULL)
			continue;
		freed = vmq_drain(qs[i]);
		if (qs[i]->is_tx)
			tx_lost += freed;
		/* every mapping was given back: anything live is a leak */
		if (vmap_queue_live(&qs[i]->mq) > 0)
			VM_LOG(ERR, "%s: vq %u: map=%s reports mappings still live after stop",
			       dev->name, qs[i]->vq_index, dev->sh->cfg.map);
	}
	return tx_lost;
}
