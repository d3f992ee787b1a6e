/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The virtio_map authors
 */

/*
 * The Rx filter's ethdev ops (virtio_map_filter.c), floor 4, and the
 * update that points the queues at it.
 */

#ifndef _VIRTIO_MAP_FILTER_H_
#define _VIRTIO_MAP_FILTER_H_

#include <stdint.h>

#include <ethdev_driver.h>

#include "virtio_map_state.h"

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

#endif /* _VIRTIO_MAP_FILTER_H_ */
