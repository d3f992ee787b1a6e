/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The virtio_map authors
 */

/*
 * The port's Rx filter ops: promiscuous and allmulticast modes, unicast
 * addresses (mac_addr_add/remove/set), the multicast list and the VLAN
 * filter. DPDK's vhost delivers every frame, so the driver filters in its
 * Rx burst (vmq_filter.c), and only while a filter is set.
 */

#include <errno.h>
#include <string.h>

#include <ethdev_driver.h>

#include "virtio_map_filter.h"
#include "virtio_map_log.h"

void
virtio_map_filter_update(struct virtio_map_shared *dev)
{
	const struct vmq_filter *f =
		vmq_filter_active(&dev->filter) ? &dev->filter : NULL;
	unsigned int i;

	for (i = 0; i < VIRTIO_MAP_MAX_QUEUE_PAIRS; i++)
		if (dev->rxq[i] != NULL)
			__atomic_store_n(&dev->rxq[i]->filter, f,
					 __ATOMIC_RELEASE);
}

static int
virtio_map_promisc(struct rte_eth_dev *eth, bool on)
{
	struct virtio_map_shared *dev = vm_shared(eth);

	dev->filter.promisc = on;
	virtio_map_filter_update(dev);
	return 0;
}

int
virtio_map_promisc_enable(struct rte_eth_dev *eth)
{
	return virtio_map_promisc(eth, true);
}

int
virtio_map_promisc_disable(struct rte_eth_dev *eth)
{
	return virtio_map_promisc(eth, false);
}

int
virtio_map_allmulti_enable(struct rte_eth_dev *eth)
{
	vm_shared(eth)->filter.allmulti = true;
	return 0;
}

int
virtio_map_allmulti_disable(struct rte_eth_dev *eth)
{
	vm_shared(eth)->filter.allmulti = false;
	return 0;
}

/* Unicast slot i holds a (zero: empty); the count covers it. */
static void
virtio_map_uc_set(struct vmq_filter *f, uint32_t i,
		  const struct rte_ether_addr *a)
{
	f->uc[i] = *a;
	if (i >= f->n_uc)
		__atomic_store_n(&f->n_uc, i + 1, __ATOMIC_RELEASE);
}

int
virtio_map_mac_addr_set(struct rte_eth_dev *eth, struct rte_ether_addr *mac)
{
	struct virtio_map_shared *dev = vm_shared(eth);

	dev->mac = *mac;
	virtio_map_uc_set(&dev->filter, 0, mac);
	return 0;
}

int
virtio_map_mac_addr_add(struct rte_eth_dev *eth, struct rte_ether_addr *mac,
			uint32_t index, uint32_t vmdq __rte_unused)
{
	struct virtio_map_shared *dev = vm_shared(eth);

	/* ethdev keeps index below max_mac_addrs */
	if (index >= VMQ_FILTER_MAX_UC || rte_is_multicast_ether_addr(mac)) {
		VM_LOG(ERR, "%s: mac_addr_add: slot %u of %u, %s address: unicast addresses only, at most %u",
		       dev->name, index, VMQ_FILTER_MAX_UC,
		       rte_is_multicast_ether_addr(mac) ? "multicast" :
							  "unicast",
		       VMQ_FILTER_MAX_UC);
		return -EINVAL;
	}
	virtio_map_uc_set(&dev->filter, index, mac);
	return 0;
}

void
virtio_map_mac_addr_remove(struct rte_eth_dev *eth, uint32_t index)
{
	/* broadcast: handled before the unicast list, so matches nothing */
	static const struct rte_ether_addr none = {
		.addr_bytes = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff } };
	struct virtio_map_shared *dev = vm_shared(eth);

	if (index > 0 && index < VMQ_FILTER_MAX_UC)
		dev->filter.uc[index] = none;
}

int
virtio_map_set_mc_addr_list(struct rte_eth_dev *eth,
			    struct rte_ether_addr *list, uint32_t n)
{
	struct virtio_map_shared *dev = vm_shared(eth);
	struct vmq_filter *f = &dev->filter;

	if (n > VMQ_FILTER_MAX_MC) {
		VM_LOG(ERR, "%s: set_mc_addr_list: %u addresses, at most %u",
		       dev->name, n, VMQ_FILTER_MAX_MC);
		return -ENOSPC;
	}
	/* bursts see no list, then the new one */
	__atomic_store_n(&f->n_mc, 0, __ATOMIC_RELEASE);
	if (n > 0)
		memcpy(f->mc, list, n * sizeof(*list));
	__atomic_store_n(&f->n_mc, n, __ATOMIC_RELEASE);
	return 0;
}

int
virtio_map_vlan_filter_set(struct rte_eth_dev *eth, uint16_t vid, int on)
{
	struct vmq_filter *f = &vm_shared(eth)->filter;
	uint64_t bit = 1ULL << (vid % 64);

	if (vid > RTE_ETHER_MAX_VLAN_ID)
		return -EINVAL;
	if (on)
		__atomic_fetch_or(&f->vlans[vid / 64], bit, __ATOMIC_RELEASE);
	else
		__atomic_fetch_and(&f->vlans[vid / 64], ~bit,
				   __ATOMIC_RELEASE);
	return 0;
}

int
virtio_map_vlan_offload_set(struct rte_eth_dev *eth, int mask)
{
	struct virtio_map_shared *dev = vm_shared(eth);

	uint64_t rx = eth->data->dev_conf.rxmode.offloads;
	uint16_t i;

	if (mask & RTE_ETH_VLAN_FILTER_MASK) {
		dev->filter.vlan_on = (rx & RTE_ETH_RX_OFFLOAD_VLAN_FILTER) != 0;
		virtio_map_filter_update(dev);
	}
	if (mask & RTE_ETH_VLAN_STRIP_MASK) {
		/* running bursts see the flag at their next call */
		dev->rx_offloads = rx;
		for (i = 0; i < VIRTIO_MAP_MAX_QUEUE_PAIRS; i++)
			if (dev->rxq[i] != NULL)
				__atomic_store_n(&dev->rxq[i]->rx_vlan_strip,
					(rx & RTE_ETH_RX_OFFLOAD_VLAN_STRIP) != 0,
					__ATOMIC_RELAXED);
	}
	return 0;
}
