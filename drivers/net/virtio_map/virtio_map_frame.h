/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The virtio_map authors
 */

/*
 * Frames and offloads, floor 0 of the control path: the offload sets
 * the port offers, frame lengths for an MTU, and what an Rx mbuf holds.
 */

#ifndef _VIRTIO_MAP_FRAME_H_
#define _VIRTIO_MAP_FRAME_H_

#include <stdbool.h>
#include <stdint.h>

#include <rte_ethdev.h>
#include <rte_mbuf.h>

#include "vmq_net_hdr.h"

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

#endif /* _VIRTIO_MAP_FRAME_H_ */
