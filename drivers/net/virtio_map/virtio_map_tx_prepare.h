/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The virtio_map authors
 */

/*
 * tx_pkt_prepare (virtio_map_tx_prepare.c), floor 4.
 */

#ifndef _VIRTIO_MAP_TX_PREPARE_H_
#define _VIRTIO_MAP_TX_PREPARE_H_

#include <stdint.h>

#include <rte_mbuf.h>

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

#endif /* _VIRTIO_MAP_TX_PREPARE_H_ */
