/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The virtio_map authors
 */

/*
 * Private state of one net_virtio_map port: what the user asked for
 * (struct virtio_map_cfg, from devargs), what the device agreed to, the
 * transport, the map-ops token and the queues.
 */

#ifndef _VIRTIO_MAP_ETHDEV_H_
#define _VIRTIO_MAP_ETHDEV_H_

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>

#include <rte_ether.h>
#include <rte_kvargs.h>
#include <rte_mbuf.h>
#include <rte_memory.h>
#include <rte_spinlock.h>

#include "virtio_map_state.h"

/** Default ring size. */
#define VIRTIO_MAP_DEFAULT_QUEUE_SIZE	256
/** How often a port that is not up tries to bring the device up. */
#define VIRTIO_MAP_CONNECT_RETRY_US	100000
/** How often a port that is up looks for a backend that hung up (the
 * socket watch tells at once; this covers a watch that failed). */
#define VIRTIO_MAP_WATCH_US		100000
/** One bring-up attempt, all its replies together, ends within this. */
#define VIRTIO_MAP_UP_TIMEOUT_MS	5000
/** One bring-down, all its replies together (GET_VRING_BASE for every
 * ring), ends within this; then the channel is closed. */
#define VIRTIO_MAP_DOWN_TIMEOUT_MS	5000
/** Back-off after a bring-up that failed on an open channel: first
 * wait, doubled after each such failure up to the cap. */
#define VIRTIO_MAP_BACKOFF_MIN_MS	100
#define VIRTIO_MAP_BACKOFF_MAX_MS	10000

/**
 * Parse and validate a port's devargs.
 *
 * @param name  vdev name, for messages
 * @param args  devargs string (may be NULL or empty)
 * @param cfg   filled on success
 * @return 0, or -EINVAL with an ERR log naming the key, value and limit
 */
int virtio_map_parse_devargs(const char *name, const char *args,
			     struct virtio_map_cfg *cfg);

/**
 * The devargs, each once: X(key, value syntax). The parser of key is
 * parse_<key>() in virtio_map_devargs.c; the list also makes the
 * rte_kvargs key list, the "known keys" message and the PMD's parameter
 * string, in this order.
 */
#define VIRTIO_MAP_DEVARGS(X) \
	X(path, "<socket path>") \
	X(server, "<0|1>") \
	X(queue_size, "<64..32768, power of two>") \
	X(queues, "<1..128>") \
	X(mac, "<xx:xx:xx:xx:xx:xx>") \
	X(map, "<auto|va|pa|vduse|registered name>") \
	X(bounce_size, "<1M..1G, K/M/G suffix>") \
	X(map_debug, "<0|1>") \
	X(map_batch, "<0|1>") \
	X(packed_vq, "<0|1>") \
	X(in_order, "<0|1>") \
	X(mrg_rxbuf, "<0|1>") \
	X(indirect, "<0|1>") \
	X(event_idx, "<0|1>") \
	X(iommu, "<auto|on|off>") \
	X(iotlb_prefill, "<auto|0|1>")

/** One "key=<syntax> " item of the parameter string. */
#define VIRTIO_MAP_PARAM_ITEM(key, syntax) #key "=" syntax " "
/** Devargs help string for RTE_PMD_REGISTER_PARAM_STRING. */
#define VIRTIO_MAP_PARAMS VIRTIO_MAP_DEVARGS(VIRTIO_MAP_PARAM_ITEM)

/** Tx offloads that need VIRTIO_NET_F_CSUM from the device. */
#define VIRTIO_MAP_TX_L4_CSUM	(RTE_ETH_TX_OFFLOAD_UDP_CKSUM | \
				 RTE_ETH_TX_OFFLOAD_TCP_CKSUM)
/** Tx checksum offloads: the IPv4 header in software, L4 by the device. */
#define VIRTIO_MAP_TX_CSUM	(VIRTIO_MAP_TX_L4_CSUM | \
				 RTE_ETH_TX_OFFLOAD_IPV4_CKSUM)
/** Rx checksum offloads (VIRTIO_NET_F_GUEST_CSUM). */
#define VIRTIO_MAP_RX_CSUM	(RTE_ETH_RX_OFFLOAD_UDP_CKSUM | \
				 RTE_ETH_RX_OFFLOAD_TCP_CKSUM)
/** Tx TSO (VIRTIO_NET_F_HOST_TSO4/6, with CSUM). */
#define VIRTIO_MAP_TX_TSO	RTE_ETH_TX_OFFLOAD_TCP_TSO
/** Rx LRO (VIRTIO_NET_F_GUEST_TSO4/6, with GUEST_CSUM and MRG_RXBUF). */
#define VIRTIO_MAP_RX_LRO	RTE_ETH_RX_OFFLOAD_TCP_LRO

/**
 * Longest frame Rx queues deliver: the MTU's frame, or with LRO on the
 * configured max_lro_pkt_size if larger.
 */
static inline uint32_t
virtio_map_rx_frame_len(bool lro, uint32_t max_lro, uint16_t mtu)
{
	uint32_t len = mtu + RTE_ETHER_HDR_LEN + RTE_VLAN_HLEN;

	return lro ? RTE_MAX(len, max_lro) : len;
}

/** Longest frame for an MTU: Ethernet header and one VLAN tag. */
static inline uint32_t
virtio_map_frame_len(uint16_t mtu)
{
	return mtu + RTE_ETHER_HDR_LEN + RTE_VLAN_HLEN;
}

/** Largest frame an Rx buffer of mp can take without scatter. */
static inline uint32_t
virtio_map_rx_room(struct rte_mempool *mp)
{
	return rte_pktmbuf_data_room_size(mp) - RTE_PKTMBUF_HEADROOM;
}

/** Whether one Rx buffer of mp holds the MTU's frame (and the header). */
static inline bool
virtio_map_rx_fits(struct rte_mempool *mp, uint16_t mtu)
{
	return RTE_PKTMBUF_HEADROOM >= sizeof(struct vmq_net_hdr) &&
	       virtio_map_rx_room(mp) >= virtio_map_frame_len(mtu);
}

/**
 * Check that Rx buffers of mp hold the MTU's frame (needed without
 * mergeable buffers).
 *
 * @return 0, or -EINVAL with an ERR log naming the sizes and remedies
 */
int virtio_map_check_rx_room(struct virtio_map_dev *dev,
			     struct rte_mempool *mp, uint16_t mtu);

/* Device bring-up and take-down (virtio_map_bringup.c). */

/**
 * Connect if needed, then negotiate and hand the rings over, step by
 * step. A failed step is logged with its name, the channel closed (a
 * backend that cannot serve the port is turned down: vmt_reject()) and
 * the Rx buffers posted so far freed. Called with dev->lock held.
 *
 * @param fail  out: on failure, whether to try again, wait for another
 *   backend, or give up until the port restarts
 * @return 0 when up; -EAGAIN while no backend is there or when the
 *   channel failed (*fail VIRTIO_MAP_UP_AGAIN); else the permanent error
 */
int virtio_map_bring_up(struct virtio_map_dev *dev,
			enum virtio_map_up_fail *fail);

/** The back-off after one more failure on an open channel. */
static inline uint32_t
virtio_map_backoff_next(uint32_t ms)
{
	return ms == 0 ? VIRTIO_MAP_BACKOFF_MIN_MS :
	       RTE_MIN(2 * ms, (uint32_t)VIRTIO_MAP_BACKOFF_MAX_MS);
}

/**
 * Tell the device the port's MTU when VIRTIO_NET_F_MTU was agreed and the
 * transport can (vhost-user: protocol feature NET_MTU). Called with
 * dev->lock held.
 *
 * @return 0 (also when there is no way to tell), or a transport error
 */
int virtio_map_send_mtu(struct virtio_map_dev *dev);

/**
 * Send the memory table the map kind describes (through the IOTLB's
 * table when ACCESS_PLATFORM was agreed), walking EAL memory as it is now
 * (EAL's read lock). Called with dev->lock held, never from a memory
 * event callback.
 *
 * @return 0; -E2BIG or -ENOMEM (logged, naming the remedy) when the
 *   memory cannot be described; a transport error
 */
int virtio_map_send_mem_table(struct virtio_map_dev *dev);

/* The link over time (virtio_map_link.c). */

/**
 * Publish the port's link state; a change is remembered for
 * virtio_map_lsc_raise(). Called with dev->lock held.
 */
void virtio_map_set_link(struct virtio_map_dev *dev, bool up);

/**
 * Raise RTE_ETH_EVENT_INTR_LSC if the link changed since the last call
 * and the application asked for LSC interrupts. Called without dev->lock
 * (the application's callback may read the link).
 */
void virtio_map_lsc_raise(struct virtio_map_dev *dev);

/**
 * Bring the device up if the port is started and not up yet; after a
 * configuration error (VIRTIO_MAP_UP_CONFIG) stop trying until the port
 * restarts. Called with dev->lock held.
 *
 * @return 0 when up, -EAGAIN while waiting for a backend (or one that
 *   failed and may come back), or the permanent error of this attempt
 */
int virtio_map_try_up(struct virtio_map_dev *dev);

/**
 * Start the port's control thread (at dev_start): every 100 ms, and when
 * woken (virtio_map_kick()), it brings the device up if the port is not
 * up, notices a backend that went away and brings the next one up, sends
 * a memory table a memory event made dirty, and raises LSC events. It
 * runs on EAL's control-thread CPUs, not on the interrupt thread, so a
 * bring-up waiting for a slow backend delays no other port. Called
 * without dev->lock.
 *
 * @return 0, or a negative errno (logged) when no thread can be made
 */
int virtio_map_ctl_start(struct virtio_map_dev *dev);

/**
 * End the port's control thread (at dev_stop): waits for its current
 * round, at most one bring-up deadline. From the thread itself (an LSC
 * callback that stops the port) it lets the thread end once the callback
 * returns. Called without dev->lock; idempotent.
 */
void virtio_map_ctl_stop(struct virtio_map_dev *dev);

/**
 * Wake the control thread now. Any thread, no lock needed (the memory
 * event callback calls it with EAL's write lock held).
 */
void virtio_map_kick(struct virtio_map_dev *dev);

/**
 * If the backend hung up while the port was up: take the rings back
 * without talking to it, return what they held (Tx packets in flight are
 * counted as lost), link down; the control thread brings the next backend
 * up.
 * Called with dev->lock held.
 */
void virtio_map_backend_check(struct virtio_map_dev *dev);

/**
 * vmt_event_t of the port's transport (EAL interrupt thread): the backend
 * hung up; take the link down now unless the port is busy, and wake the
 * control thread. Never waits for the port lock.
 */
void virtio_map_backend_event(void *arg);

/**
 * Send the memory table again (and the IOTLB) if a memory event marked it
 * dirty; on failure it stays dirty and the control thread tries again.
 * Called with dev->lock held, not from the memory event callback.
 */
void virtio_map_mem_resend(struct virtio_map_dev *dev);

/**
 * EAL memory event callback: mark the memory table dirty and wake the
 * control thread; never sends nor waits.
 */
void virtio_map_mem_event(enum rte_mem_event type, const void *addr,
			  size_t len, void *arg);

/**
 * Take the rings back from the device (GET_VRING_BASE) and free what they
 * hold; works when the backend is gone. Called with dev->lock held.
 *
 * @return the Tx packets that were in flight, or -ETIMEDOUT when a burst
 *   running on another thread did not leave a queue in time (the queues
 *   stay disabled and nothing was freed: call again)
 */
int virtio_map_bring_down(struct virtio_map_dev *dev);

/* The device's IOTLB (virtio_map_iommu.c). */

/**
 * Decide from the iommu devarg, the map kind's layout and the device's
 * offer whether to negotiate VIRTIO_F_ACCESS_PLATFORM.
 *
 * @return 0 with *use set; -ENOTSUP when iommu=on and the device does
 *   not offer it (the caller logs); -EINVAL (logged, naming the remedy)
 *   when the map kind cannot go through an IOTLB
 */
int virtio_map_iommu_decide(struct virtio_map_dev *dev, uint64_t offered,
			    bool *use);
/**
 * Send the memory table an IOTLB device needs: by virtual address (guest
 * address = VA), file-backed EAL memory for va and pa, the kind's own
 * regions otherwise. -E2BIG when it does not fit.
 */
int virtio_map_iommu_mem_table(struct virtio_map_dev *dev);
/**
 * Work out the translations the device may have (virtio_map_iotlb_plan())
 * and keep them for its misses. Before the rings go to the device: it may
 * miss on their addresses as soon as it learns them. Called with dev->lock
 * held.
 */
int virtio_map_iommu_plan(struct virtio_map_dev *dev);
/**
 * Whether the translations go to the device before the rings run
 * (iotlb_prefill=1; auto: packed rings, or no channel for misses) rather
 * than as it misses. After dev->run is set.
 */
bool virtio_map_iommu_prefills(const struct virtio_map_dev *dev);
/**
 * Unless iotlb_prefill=0, send the kept translations, one update each.
 * After the rings were set up: the backend keeps its IOTLB per virtqueue.
 * Called with dev->lock held.
 */
int virtio_map_iommu_send(struct virtio_map_dev *dev);
/** Free the translations kept for misses (at close). */
void virtio_map_iommu_release(struct virtio_map_dev *dev);
/**
 * vmt_iotlb_resolve_t: the kept translation holding iova, if it grants the
 * access asked for (*perm); refusals are logged and counted.
 */
int virtio_map_iotlb_resolve(void *arg, uint64_t iova, uint64_t *start,
			     uint64_t *size, uint64_t *uaddr, uint8_t *perm);

/* The device's view through the IOTLB (virtio_map_iotlb_plan.c). */

/**
 * Build the translations the device may have: rings read-write, what the
 * device only reads read-only, Rx buffer memory read-write, Tx buffer
 * memory read-only, nothing else (see the file's comment).
 *
 * @param out       out: malloc'd array sorted by IOVA (free())
 * @param n         out: its entries
 * @return 0; a negative errno from the map kind (-ENOTSUP: no per-queue
 *   window) or -ENOMEM
 */
int virtio_map_iotlb_plan(struct virtio_map_dev *dev,
			  struct virtio_map_xlat **out, unsigned int *n);

/** The translation of a plan (sorted by IOVA) that holds iova, or NULL. */
const struct virtio_map_xlat *
virtio_map_iotlb_find(const struct virtio_map_xlat *x, unsigned int n,
		      uint64_t iova);

/* Secondary processes (virtio_map_ethdev_secondary.c, virtio_map_mp.c). */
struct rte_vdev_device;

/** eth_dev_ops.dev_infos_get, for both processes' tables. */
int virtio_map_dev_infos_get(struct rte_eth_dev *eth,
			     struct rte_eth_dev_info *info);
/**
 * Probe in a secondary process: attach the primary's port, with the
 * secondary ops table (reads served, configuration refused with
 * -E_RTE_SECONDARY) and bursts when the map kind works here.
 *
 * @return 0, or -ENODEV when the primary has no such port
 */
int virtio_map_probe_secondary(struct rte_vdev_device *vdev);
/** Remove in a secondary process: forget its copies, detach the port. */
int virtio_map_remove_secondary(struct rte_eth_dev *eth);
/**
 * In the primary: answer secondaries' requests for kick eventfds (once
 * per process, at the first probe).
 *
 * @return 0 (also without a multi-process channel), or a negative errno
 */
int virtio_map_mp_primary_init(void);
/** In a secondary: kick eventfds missing at burst time are asked for. */
void virtio_map_mp_secondary_init(void);
/**
 * In a secondary: take the kick eventfds of every queue of the port from
 * the primary, waiting at most 5 s per reply.
 *
 * @return 0, or a negative errno (logged as a warning)
 */
int virtio_map_mp_fetch_all(struct rte_eth_dev *eth);

/* Queue information (virtio_map_qinfo.c). */
struct rte_eth_dev;
struct rte_eth_rxq_info;
struct rte_eth_txq_info;
struct rte_eth_burst_mode;

/** eth_dev_ops.rxq_info_get: pool, ring size, scatter. */
void virtio_map_rxq_info_get(struct rte_eth_dev *eth, uint16_t qid,
			     struct rte_eth_rxq_info *qinfo);
/** eth_dev_ops.txq_info_get: ring size, offloads. */
void virtio_map_txq_info_get(struct rte_eth_dev *eth, uint16_t qid,
			     struct rte_eth_txq_info *qinfo);
/** eth_dev_ops.rx_burst_mode_get: ring layout, options and map kind. */
int virtio_map_rx_burst_mode_get(struct rte_eth_dev *eth, uint16_t qid,
				 struct rte_eth_burst_mode *mode);
/** eth_dev_ops.tx_burst_mode_get: as for Rx. */
int virtio_map_tx_burst_mode_get(struct rte_eth_dev *eth, uint16_t qid,
				 struct rte_eth_burst_mode *mode);

/* Rx filter ops (virtio_map_filter.c). */

/** Point every Rx queue at the port's filter, or at none when it lets
 * everything through. */
void virtio_map_filter_update(struct virtio_map_shared *dev);
/** eth_dev_ops.promiscuous_enable */
int virtio_map_promisc_enable(struct rte_eth_dev *eth);
/** eth_dev_ops.promiscuous_disable: the port MAC, added ones, broadcast,
 * and multicast per allmulti and the list. */
int virtio_map_promisc_disable(struct rte_eth_dev *eth);
/** eth_dev_ops.allmulticast_enable */
int virtio_map_allmulti_enable(struct rte_eth_dev *eth);
/** eth_dev_ops.allmulticast_disable */
int virtio_map_allmulti_disable(struct rte_eth_dev *eth);
/** eth_dev_ops.mac_addr_set: the port address (filter slot 0). */
int virtio_map_mac_addr_set(struct rte_eth_dev *eth,
			    struct rte_ether_addr *mac);
/** eth_dev_ops.mac_addr_add: unicast, VMQ_FILTER_MAX_UC slots. */
int virtio_map_mac_addr_add(struct rte_eth_dev *eth,
			    struct rte_ether_addr *mac, uint32_t index,
			    uint32_t vmdq);
/** eth_dev_ops.mac_addr_remove */
void virtio_map_mac_addr_remove(struct rte_eth_dev *eth, uint32_t index);
/** eth_dev_ops.set_mc_addr_list: at most VMQ_FILTER_MAX_MC, -ENOSPC. */
int virtio_map_set_mc_addr_list(struct rte_eth_dev *eth,
				struct rte_ether_addr *list, uint32_t n);
/** eth_dev_ops.vlan_filter_set */
int virtio_map_vlan_filter_set(struct rte_eth_dev *eth, uint16_t vid,
			       int on);
/** eth_dev_ops.vlan_offload_set: RTE_ETH_RX_OFFLOAD_VLAN_FILTER and
 * VLAN_STRIP on/off, at any time. */
int virtio_map_vlan_offload_set(struct rte_eth_dev *eth, int mask);

/**
 * tx_pkt_prepare (virtio_map_tx_prepare.c): check each packet against
 * its queue; for L4 checksum offload put the pseudo-header sum into the
 * checksum field (for TSO over the whole L4 length).
 *
 * @param txq
 *   The Tx queue (struct vmq).
 * @param pkts
 *   Packets to prepare.
 * @param n
 *   How many.
 * @return
 *   Packets prepared; at the first that cannot be sent, rte_errno says
 *   why: EINVAL (length, or TSO fields missing), ENOTSUP (segments:
 *   more than the queue takes or than its map kind can hold mapped at
 *   once, e.g. map=vduse's Tx bounce slots; a segment larger than a
 *   slot; SCTP checksum). The Tx burst drops and counts such packets.
 */
uint16_t virtio_map_tx_prepare(void *txq, struct rte_mbuf **pkts,
			       uint16_t n);

/* Rx interrupts (virtio_map_rxintr.c). */

/**
 * With intr_conf.rxq: make each Rx queue's call eventfd an interrupt
 * vector of the port's interrupt handle. At dev_start.
 *
 * @return 0 or a negative errno
 */
int virtio_map_rxintr_setup(struct rte_eth_dev *eth);
/** Free the port's interrupt handle (at close). */
void virtio_map_rxintr_release(struct rte_eth_dev *eth);
/** eth_dev_ops.rx_queue_intr_enable: the device signals the queue. */
int virtio_map_rx_intr_enable(struct rte_eth_dev *eth, uint16_t qid);
/** eth_dev_ops.rx_queue_intr_disable: the driver polls. */
int virtio_map_rx_intr_disable(struct rte_eth_dev *eth, uint16_t qid);

/* Stats (virtio_map_stats.c). */
struct rte_eth_stats;
struct rte_eth_xstat;
struct rte_eth_xstat_name;

/** eth_dev_ops.stats_get */
int virtio_map_stats_get(struct rte_eth_dev *eth, struct rte_eth_stats *st);
/** eth_dev_ops.stats_reset */
int virtio_map_stats_reset(struct rte_eth_dev *eth);
/** eth_dev_ops.xstats_get */
int virtio_map_xstats_get(struct rte_eth_dev *eth, struct rte_eth_xstat *xs,
			  unsigned int n);
/** eth_dev_ops.xstats_get_names */
int virtio_map_xstats_get_names(struct rte_eth_dev *eth,
				struct rte_eth_xstat_name *names,
				unsigned int n);

#endif /* _VIRTIO_MAP_ETHDEV_H_ */
