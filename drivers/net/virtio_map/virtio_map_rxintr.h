/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The virtio_map authors
 */

/*
 * Rx interrupts (virtio_map_rxintr.c), floor 4.
 */

#ifndef _VIRTIO_MAP_RXINTR_H_
#define _VIRTIO_MAP_RXINTR_H_

#include <stdint.h>

#include <ethdev_driver.h>

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

#endif /* _VIRTIO_MAP_RXINTR_H_ */
