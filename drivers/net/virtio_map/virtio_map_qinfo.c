/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The virtio_map authors
 */

/*
 * What a port tells about its queues: rxq_info_get, txq_info_get and the
 * burst mode (which ring layout, options and map kind the bursts run).
 */

#include <stdio.h>
#include <string.h>

#include <ethdev_driver.h>

#include "virtio_map_qinfo.h"
#include "virtio_map_frame.h"
#include "virtio_map_state.h"

int
virtio_map_dev_infos_get(struct rte_eth_dev *eth,
			 struct rte_eth_dev_info *info)
{
	const struct virtio_map_shared *sh = vm_shared(eth);
	uint16_t qs = sh->cfg.queue_size;

	info->max_mac_addrs = VMQ_FILTER_MAX_UC;
	info->max_rx_queues = sh->cfg.queues;
	info->max_tx_queues = sh->cfg.queues;
	info->min_rx_bufsize = RTE_ETHER_MIN_LEN;
	info->max_rx_pktlen = VMQ_MAX_FRAME;
	info->min_mtu = RTE_ETHER_MIN_MTU;
	info->max_mtu = VMQ_MAX_FRAME - RTE_ETHER_HDR_LEN - RTE_VLAN_HLEN;
	/* with mergeable buffers a frame may span mbufs, LRO frames too */
	info->rx_offload_capa = (sh->cfg.mrg_rxbuf ?
				 RTE_ETH_RX_OFFLOAD_SCATTER |
				 VIRTIO_MAP_RX_LRO : 0) |
				RTE_ETH_RX_OFFLOAD_VLAN_FILTER |
				RTE_ETH_RX_OFFLOAD_VLAN_STRIP |
				VIRTIO_MAP_RX_CSUM;
	info->max_lro_pkt_size = sh->cfg.mrg_rxbuf ? VMQ_GSO_MAX_FRAME : 0;
	info->tx_offload_capa = RTE_ETH_TX_OFFLOAD_MULTI_SEGS |
				RTE_ETH_TX_OFFLOAD_VLAN_INSERT |
				VIRTIO_MAP_TX_CSUM | VIRTIO_MAP_TX_TSO;
	/* any power of two in range (checked at queue setup); 0 takes the
	 * queue_size devarg */
	info->rx_desc_lim.nb_max = VMQ_SIZE_MAX;
	info->rx_desc_lim.nb_min = VMQ_SIZE_MIN;
	info->rx_desc_lim.nb_align = 1;
	info->tx_desc_lim.nb_max = VMQ_SIZE_MAX;
	info->tx_desc_lim.nb_min = VMQ_SIZE_MIN;
	info->tx_desc_lim.nb_align = 1;
	/* TSO packets: Tx queues set up with TSO enabled take more */
	info->tx_desc_lim.nb_seg_max = VMQ_TSO_MAX_SEGS;
	info->tx_desc_lim.nb_mtu_seg_max = VMQ_TX_MAX_SEGS;
	info->default_rxportconf.ring_size = qs;
	info->default_txportconf.ring_size = qs;
	info->default_rxportconf.burst_size = 32;
	info->default_txportconf.burst_size = 32;
	info->default_rxportconf.nb_queues = 1;
	/* the device, not the driver, spreads packets over the Rx queues */
	info->flow_type_rss_offloads = 0;
	info->default_txportconf.nb_queues = 1;
	info->speed_capa = RTE_ETH_LINK_SPEED_10G;
	return 0;
}

void
virtio_map_rxq_info_get(struct rte_eth_dev *eth, uint16_t qid,
			struct rte_eth_rxq_info *qinfo)
{
	struct virtio_map_shared *dev = vm_shared(eth);
	struct vmq *q = dev->rxq[qid];

	memset(qinfo, 0, sizeof(*qinfo));
	if (q == NULL)
		return;
	qinfo->mp = q->mp;
	qinfo->nb_desc = q->size;
	qinfo->scattered_rx = (dev->run.opts & VMQ_OPT_MRG_RXBUF) != 0;
	qinfo->rx_buf_size = virtio_map_rx_room(q->mp);
}

void
virtio_map_txq_info_get(struct rte_eth_dev *eth, uint16_t qid,
			struct rte_eth_txq_info *qinfo)
{
	struct virtio_map_shared *dev = vm_shared(eth);
	struct vmq *q = dev->txq[qid];

	memset(qinfo, 0, sizeof(*qinfo));
	if (q == NULL)
		return;
	qinfo->nb_desc = q->size;
	qinfo->conf.offloads = eth->data->dev_conf.txmode.offloads;
}

/* "split ring, in_order, mrg_rxbuf, map=va via IOTLB, AVX2" from what
 * runs (what was asked until the device agreed), and the instruction set
 * of this process's burst function fn (not started: the one start
 * installs). */
static int
virtio_map_burst_mode(struct rte_eth_dev *eth, struct rte_eth_burst_mode *m,
		      vmq_burst_t fn)
{
	struct virtio_map_shared *dev = vm_shared(eth);
	uint32_t o = dev->ready ? dev->run.opts : 0;

	memset(m, 0, sizeof(*m));
	snprintf(m->info, sizeof(m->info), "%s%s ring%s%s%s%s, map=%s%s, %s",
		 dev->ready ? "" : "(not up) ",
		 o & VMQ_OPT_PACKED ? "packed" : "split",
		 o & VMQ_OPT_IN_ORDER ? ", in_order" : "",
		 o & VMQ_OPT_MRG_RXBUF ? ", mrg_rxbuf" : "",
		 o & VMQ_OPT_INDIRECT ? ", indirect" : "",
		 o & VMQ_OPT_EVENT_IDX ? ", event_idx" : "",
		 dev->cfg.map, dev->ready && dev->run.iotlb ? " via IOTLB" : "",
		 vmq_simd_name(fn == vmq_burst_none ? vmq_simd_best() :
			       vmq_burst_simd(fn)));
	return 0;
}

int
virtio_map_rx_burst_mode_get(struct rte_eth_dev *eth,
			     uint16_t qid __rte_unused,
			     struct rte_eth_burst_mode *mode)
{
	return virtio_map_burst_mode(eth, mode, eth->rx_pkt_burst);
}

int
virtio_map_tx_burst_mode_get(struct rte_eth_dev *eth,
			     uint16_t qid __rte_unused,
			     struct rte_eth_burst_mode *mode)
{
	return virtio_map_burst_mode(eth, mode, eth->tx_pkt_burst);
}
