/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The virtio_map authors
 */

/*
 * net_virtio_map in a secondary process: the port the primary made,
 * attached (rte_eth_dev_attach_secondary()), with an ops table that reads
 * what every process shares (device information, stats and xstats, queue
 * information, burst modes, the link the primary published) and refuses
 * every configuration op with -E_RTE_SECONDARY: the transport, the
 * control thread and the IOTLB answers stay in the primary.
 */

#include <errno.h>

#include <bus_vdev_driver.h>
#include <ethdev_driver.h>
#include <rte_errno.h>

#include "virtio_map_ethdev_secondary.h"
#include "virtio_map_mp.h"
#include "virtio_map_qinfo.h"
#include "virtio_map_state.h"
#include "virtio_map_stats.h"
#include "virtio_map_tx_prepare.h"
#include "virtio_map_log.h"
#include "vmq_proc.h"

/* A configuration op from a secondary: say which, and refuse it. */
static int
vm_sec_refuse(const struct rte_eth_dev *eth, const char *op)
{
	VM_LOG(ERR, "%s: %s from a secondary process refused: only the primary process configures the port",
	       vm_shared(eth)->name, op);
	return -E_RTE_SECONDARY;
}

static int
vm_sec_configure(struct rte_eth_dev *eth)
{
	return vm_sec_refuse(eth, "configure");
}

static int
vm_sec_start(struct rte_eth_dev *eth)
{
	return vm_sec_refuse(eth, "start");
}

static int
vm_sec_stop(struct rte_eth_dev *eth)
{
	return vm_sec_refuse(eth, "stop");
}

/* Only this process's copies of the kick eventfds and mappings are the
 * secondary's to free; ethdev detaches the port. */
static int
vm_sec_close(struct rte_eth_dev *eth)
{
	vmq_proc_forget_port(eth->data->port_id);
	/* and the map kind's own memory mapped here (vduse's domain) */
	vmap_dev_detach_secondary(&vm_shared(eth)->map);
	return 0;
}

/* The link is the primary's to follow; what it published stands. */
static int
vm_sec_link_update(struct rte_eth_dev *eth __rte_unused,
		   int wait_to_complete __rte_unused)
{
	return 0;
}

static int
vm_sec_mtu_set(struct rte_eth_dev *eth, uint16_t mtu __rte_unused)
{
	return vm_sec_refuse(eth, "MTU set");
}

static int
vm_sec_promisc_enable(struct rte_eth_dev *eth)
{
	return vm_sec_refuse(eth, "promiscuous enable");
}

static int
vm_sec_promisc_disable(struct rte_eth_dev *eth)
{
	return vm_sec_refuse(eth, "promiscuous disable");
}

static int
vm_sec_allmulti_enable(struct rte_eth_dev *eth)
{
	return vm_sec_refuse(eth, "all-multicast enable");
}

static int
vm_sec_allmulti_disable(struct rte_eth_dev *eth)
{
	return vm_sec_refuse(eth, "all-multicast disable");
}

static int
vm_sec_mac_addr_set(struct rte_eth_dev *eth,
		    struct rte_ether_addr *mac __rte_unused)
{
	return vm_sec_refuse(eth, "MAC address set");
}

static int
vm_sec_mac_addr_add(struct rte_eth_dev *eth,
		    struct rte_ether_addr *mac __rte_unused,
		    uint32_t index __rte_unused, uint32_t vmdq __rte_unused)
{
	return vm_sec_refuse(eth, "MAC address add");
}

static int
vm_sec_set_mc_addr_list(struct rte_eth_dev *eth,
			struct rte_ether_addr *list __rte_unused,
			uint32_t n __rte_unused)
{
	return vm_sec_refuse(eth, "multicast list set");
}

static int
vm_sec_vlan_filter_set(struct rte_eth_dev *eth, uint16_t vid __rte_unused,
		       int on __rte_unused)
{
	return vm_sec_refuse(eth, "VLAN filter set");
}

static int
vm_sec_vlan_offload_set(struct rte_eth_dev *eth, int mask __rte_unused)
{
	return vm_sec_refuse(eth, "VLAN offload set");
}

static int
vm_sec_rx_queue_setup(struct rte_eth_dev *eth, uint16_t qid __rte_unused,
		      uint16_t nb_desc __rte_unused,
		      unsigned int socket __rte_unused,
		      const struct rte_eth_rxconf *conf __rte_unused,
		      struct rte_mempool *mp __rte_unused)
{
	return vm_sec_refuse(eth, "Rx queue setup");
}

static int
vm_sec_tx_queue_setup(struct rte_eth_dev *eth, uint16_t qid __rte_unused,
		      uint16_t nb_desc __rte_unused,
		      unsigned int socket __rte_unused,
		      const struct rte_eth_txconf *conf __rte_unused)
{
	return vm_sec_refuse(eth, "Tx queue setup");
}

/* The call eventfds and the interrupt handle are the primary's. */
static int
vm_sec_rx_intr_enable(struct rte_eth_dev *eth, uint16_t qid __rte_unused)
{
	return vm_sec_refuse(eth, "Rx interrupt enable");
}

static int
vm_sec_rx_intr_disable(struct rte_eth_dev *eth, uint16_t qid __rte_unused)
{
	return vm_sec_refuse(eth, "Rx interrupt disable");
}

static const struct eth_dev_ops virtio_map_secondary_ops = {
	.dev_configure = vm_sec_configure,
	.dev_infos_get = virtio_map_dev_infos_get,
	.dev_start = vm_sec_start,
	.dev_stop = vm_sec_stop,
	.dev_close = vm_sec_close,
	.link_update = vm_sec_link_update,
	.mtu_set = vm_sec_mtu_set,
	.promiscuous_enable = vm_sec_promisc_enable,
	.promiscuous_disable = vm_sec_promisc_disable,
	.allmulticast_enable = vm_sec_allmulti_enable,
	.allmulticast_disable = vm_sec_allmulti_disable,
	.mac_addr_set = vm_sec_mac_addr_set,
	.mac_addr_add = vm_sec_mac_addr_add,
	.set_mc_addr_list = vm_sec_set_mc_addr_list,
	.vlan_filter_set = vm_sec_vlan_filter_set,
	.vlan_offload_set = vm_sec_vlan_offload_set,
	.rx_queue_setup = vm_sec_rx_queue_setup,
	.tx_queue_setup = vm_sec_tx_queue_setup,
	.rx_queue_intr_enable = vm_sec_rx_intr_enable,
	.rx_queue_intr_disable = vm_sec_rx_intr_disable,
	.rxq_info_get = virtio_map_rxq_info_get,
	.txq_info_get = virtio_map_txq_info_get,
	.rx_burst_mode_get = virtio_map_rx_burst_mode_get,
	.tx_burst_mode_get = virtio_map_tx_burst_mode_get,
	.stats_get = virtio_map_stats_get,
	.stats_reset = virtio_map_stats_reset,
	.xstats_get = virtio_map_xstats_get,
	.xstats_get_names = virtio_map_xstats_get_names,
};

/*
 * Bursts in this process: the map kind found again by name (its ops are
 * this process's), the kick eventfds from the primary. A kind that cannot
 * work in secondaries leaves the port readable but its bursts move
 * nothing (said once, at attach).
 */
static int
virtio_map_secondary_bursts(struct rte_eth_dev *eth)
{
	struct virtio_map_shared *sh = vm_shared(eth);

	if (vmap_dev_attach_secondary(&sh->map, virtio_map_mp_fetch_regions,
				      eth) < 0) {
		VM_INIT_LOG(ERR, "%s: map=%s: Rx and Tx bursts in this secondary process return 0; stats, xstats and queue information work",
			    sh->name, sh->cfg.map);
		eth->rx_pkt_burst = vmq_burst_none;
		eth->tx_pkt_burst = vmq_burst_none;
		return 0;
	}
	virtio_map_mp_secondary_init();
	/* a failure is logged; the bursts ask again */
	virtio_map_mp_fetch_all(eth);
	eth->rx_pkt_burst = vmq_rx_burst_fn(sh->map.kind, vmq_simd_best());
	eth->tx_pkt_burst = vmq_tx_burst_fn(sh->map.kind, vmq_simd_best());
	return 0;
}

int
virtio_map_probe_secondary(struct rte_vdev_device *vdev)
{
	const char *name = rte_vdev_device_name(vdev);
	struct rte_eth_dev *eth;
	int ret;

	eth = rte_eth_dev_attach_secondary(name);
	if (eth == NULL) {
		VM_INIT_LOG(ERR, "%s: secondary process: the primary has no such port",
			    name);
		return -ENODEV;
	}
	eth->device = &vdev->device;
	ret = virtio_map_secondary_bursts(eth);
	if (ret < 0) {
		rte_eth_dev_release_port(eth);
		return ret;
	}
	eth->dev_ops = &virtio_map_secondary_ops;
	eth->tx_pkt_prepare = virtio_map_tx_prepare;
	rte_eth_dev_probing_finish(eth);
	VM_INIT_LOG(INFO, "%s: port %u attached in a secondary process",
		    name, eth->data->port_id);
	return 0;
}

int
virtio_map_remove_secondary(struct rte_eth_dev *eth)
{
	/* this process's copies of the kick eventfds */
	vmq_proc_forget_port(eth->data->port_id);
	/* what this process mapped for the port's kind (idempotent) */
	vmap_dev_detach_secondary(&vm_shared(eth)->map);
	return rte_eth_dev_release_port(eth);
}
