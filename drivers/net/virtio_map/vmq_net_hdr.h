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

#include <stddef.h>
#include <string.h>

#include <rte_ip.h>
#include <rte_mbuf.h>
#include <rte_tcp.h>
#include <rte_udp.h>

#include "vmq_layout.h"

/* Header flags (5.1.6). */
#define VMQ_NET_HDR_F_NEEDS_CSUM	1
#define VMQ_NET_HDR_F_DATA_VALID	2

/*
 * Tx checksum offloads the driver does itself, before the packet is
 * mapped (a bounce copy takes what is there then): the IPv4 header
 * checksum, which virtio cannot offload. Only with tx_csum on.
 */
static __rte_always_inline void
vmq_tx_csum_sw(struct rte_mbuf *m)
{
	struct rte_ipv4_hdr *ip;

	if (!(m->ol_flags & RTE_MBUF_F_TX_IP_CKSUM) ||
	    m->data_len < m->l2_len + sizeof(*ip))
		return;
	ip = rte_pktmbuf_mtod_offset(m, struct rte_ipv4_hdr *, m->l2_len);
	ip->hdr_checksum = 0;
	ip->hdr_checksum = rte_ipv4_cksum(ip);
}

/* Fill the header that goes out in front of Tx packet m (5.1.6.2). */
static __rte_always_inline void
vmq_net_hdr_tx(struct vmq_net_hdr *h, const struct rte_mbuf *m, bool csum)
{
	memset(h, 0, sizeof(*h));
	if (likely(!csum))
		return;
	/* the device completes the L4 checksum from csum_start, the field
	 * holding the pseudo-header sum (tx_prepare puts it there) */
	switch (m->ol_flags & RTE_MBUF_F_TX_L4_MASK) {
	case RTE_MBUF_F_TX_TCP_CKSUM:
		h->csum_offset = offsetof(struct rte_tcp_hdr, cksum);
		break;
	case RTE_MBUF_F_TX_UDP_CKSUM:
		h->csum_offset = offsetof(struct rte_udp_hdr, dgram_cksum);
		break;
	default:
		return;
	}
	h->flags = VMQ_NET_HDR_F_NEEDS_CSUM;
	h->csum_start = m->l2_len + m->l3_len;
}

/*
 * What a received header says of the L4 checksum (5.1.6.4.1):
 * DATA_VALID: checked; NEEDS_CSUM: not computed, the field holds the
 * pseudo-header sum (DPDK's L4_CKSUM_NONE); else unknown.
 * Device-written: only bits are read.
 */
static __rte_always_inline uint64_t
vmq_net_hdr_rx_csum(const struct vmq_net_hdr *h)
{
	uint8_t f = h->flags;

	if (f & VMQ_NET_HDR_F_DATA_VALID)
		return RTE_MBUF_F_RX_L4_CKSUM_GOOD;
	if (f & VMQ_NET_HDR_F_NEEDS_CSUM)
		return RTE_MBUF_F_RX_L4_CKSUM_NONE;
	return 0;
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
