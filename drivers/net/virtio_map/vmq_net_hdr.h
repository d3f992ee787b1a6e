/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The virtio_map authors
 */

/*
 * The virtio-net header (virtio 1.2, 5.1.6): filled for each Tx packet and
 * parsed from each received one, here and nowhere else. Without offloads
 * the Tx header is all zero and the Rx header tells only how many buffers
 * a mergeable packet spans. Private to the vmq_* data-path files.
 */

#ifndef _VMQ_NET_HDR_H_
#define _VMQ_NET_HDR_H_

#include <string.h>

#include <rte_mbuf.h>

#include "vmq_layout.h"

/* Fill the header that goes out in front of Tx packet m (5.1.6.2). */
static __rte_always_inline void
vmq_net_hdr_tx(struct vmq_net_hdr *h, const struct rte_mbuf *m __rte_unused)
{
	memset(h, 0, sizeof(*h));
}

/*
 * Buffers the received packet spans (5.1.6.4: num_buffers, with
 * VIRTIO_NET_F_MRG_RXBUF). Device-written: the caller range-checks it.
 */
static __rte_always_inline uint16_t
vmq_net_hdr_rx_buffers(const struct vmq_net_hdr *h)
{
	return h->num_buffers;
}

#endif /* _VMQ_NET_HDR_H_ */
