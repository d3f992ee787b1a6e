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

#include "virtio_map_ethdev.h"

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

/* "split ring, in_order, mrg_rxbuf, map=va via IOTLB" from what runs
 * (what was asked until the device agreed). */
static int
virtio_map_burst_mode(struct rte_eth_dev *eth, struct rte_eth_burst_mode *m)
{
	struct virtio_map_shared *dev = vm_shared(eth);
	uint32_t o = dev->ready ? dev->run.opts : 0;

	memset(m, 0, sizeof(*m));
	snprintf(m->info, sizeof(m->info), "%s%s ring%s%s%s%s, map=%s%s",
		 dev->ready ? "" : "(not up) ",
		 o & VMQ_OPT_PACKED ? "packed" : "split",
		 o & VMQ_OPT_IN_ORDER ? ", in_order" : "",
		 o & VMQ_OPT_MRG_RXBUF ? ", mrg_rxbuf" : "",
		 o & VMQ_OPT_INDIRECT ? ", indirect" : "",
		 o & VMQ_OPT_EVENT_IDX ? ", event_idx" : "",
		 dev->cfg.map, dev->ready && dev->run.iotlb ? " via IOTLB" : "");
	return 0;
}

int
virtio_map_rx_burst_mode_get(struct rte_eth_dev *eth,
			     uint16_t qid __rte_unused,
			     struct rte_eth_burst_mode *mode)
{
	return virtio_map_burst_mode(eth, mode);
}

int
virtio_map_tx_burst_mode_get(struct rte_eth_dev *eth,
			     uint16_t qid __rte_unused,
			     struct rte_eth_burst_mode *mode)
{
	return virtio_map_burst_mode(eth, mode);
}
