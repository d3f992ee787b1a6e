/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The virtio_map authors
 */

/*
 * Device and queue information (virtio_map_qinfo.c), an ethdev ops file
 * (floor 4) that both processes' tables use.
 */

#ifndef _VIRTIO_MAP_QINFO_H_
#define _VIRTIO_MAP_QINFO_H_

#include <stdint.h>

#include <ethdev_driver.h>

/** eth_dev_ops.dev_infos_get, for both processes' tables. */
int virtio_map_dev_infos_get(struct rte_eth_dev *eth,
			     struct rte_eth_dev_info *info);
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

#endif /* _VIRTIO_MAP_QINFO_H_ */
