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

#include "vmq_inline.h"
#include "vmq_layout.h"

/* Header flags (5.1.6). */
#define VMQ_NET_HDR_F_NEEDS_CSUM	1
#define VMQ_NET_HDR_F_DATA_VALID	2

/* gso_type values (5.1.6); ECN is a bit on top of the TCP ones. */
#define VMQ_NET_HDR_GSO_NONE		0
#define VMQ_NET_HDR_GSO_TCPV4		1
#define VMQ_NET_HDR_GSO_TCPV6		4
#define VMQ_NET_HDR_GSO_ECN		0x80

/*
 * Tx checksum offloads the driver does itself, before the packet is
 * mapped (a bounce copy takes what is there then): the IPv4 header
 * checksum, which virtio cannot offload. Only with tx_csum on.
 */
static __vmq_always_inline void
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

/*
 * Fill the header that goes out in front of Tx packet m (5.1.6.2). With
 * offloads (csum: the queue's tx_csum, on for TSO too) the device
 * completes the L4 checksum from csum_start, the field holding the
 * pseudo-header sum (tx_prepare puts it there); a TCP_SEG packet also
 * gets the GSO fields and goes out whole, the device cutting it.
 */
static __vmq_always_inline void
vmq_net_hdr_tx(struct vmq_net_hdr *h, const struct rte_mbuf *m, bool csum)
{
	uint64_t ol = m->ol_flags;

	memset(h, 0, sizeof(*h));
	if (likely(!csum))
		return;
	if (ol & RTE_MBUF_F_TX_TCP_SEG) {
		h->gso_type = (ol & RTE_MBUF_F_TX_IPV6) ?
			      VMQ_NET_HDR_GSO_TCPV6 : VMQ_NET_HDR_GSO_TCPV4;
		h->gso_size = m->tso_segsz;
		h->hdr_len = m->l2_len + m->l3_len + m->l4_len;
		h->csum_offset = offsetof(struct rte_tcp_hdr, cksum);
	} else {
		switch (ol & RTE_MBUF_F_TX_L4_MASK) {
		case RTE_MBUF_F_TX_TCP_CKSUM:
			h->csum_offset = offsetof(struct rte_tcp_hdr, cksum);
			break;
		case RTE_MBUF_F_TX_UDP_CKSUM:
			h->csum_offset = offsetof(struct rte_udp_hdr,
						  dgram_cksum);
			break;
		default:
			return;
		}
	}
	h->flags = VMQ_NET_HDR_F_NEEDS_CSUM;
	h->csum_start = m->l2_len + m->l3_len;
}

/*
 * What a received header says (5.1.6.4), as ol_flags of m. L4 checksum:
 * DATA_VALID: checked; NEEDS_CSUM: not computed, the field holds the
 * pseudo-header sum (DPDK's L4_CKSUM_NONE); else unknown. With lro, a
 * TCP GSO frame (GUEST_TSO4/6) is an LRO frame of gso_size segments.
 * Device-written: only bits are read, gso_size is the device's word.
 */
static __vmq_always_inline void
vmq_net_hdr_rx(const struct vmq_net_hdr *h, struct rte_mbuf *m, bool lro)
{
	uint8_t f = h->flags, gso = h->gso_type;

	if (f & VMQ_NET_HDR_F_DATA_VALID)
		m->ol_flags |= RTE_MBUF_F_RX_L4_CKSUM_GOOD;
	else if (f & VMQ_NET_HDR_F_NEEDS_CSUM)
		m->ol_flags |= RTE_MBUF_F_RX_L4_CKSUM_NONE;
	if (lro && unlikely(gso != VMQ_NET_HDR_GSO_NONE)) {
		gso &= ~VMQ_NET_HDR_GSO_ECN;
		if (gso == VMQ_NET_HDR_GSO_TCPV4 ||
		    gso == VMQ_NET_HDR_GSO_TCPV6) {
			m->ol_flags |= RTE_MBUF_F_RX_LRO;
			m->tso_segsz = h->gso_size;
		}
	}
}

/*
 * Buffers the received packet spans (5.1.6.4: num_buffers, with
 * VIRTIO_NET_F_MRG_RXBUF). Device-written: the caller range-checks it.
 */
static __vmq_always_inline uint16_t
vmq_net_hdr_rx_buffers(const struct vmq_net_hdr *h)
{
	return h->num_buffers;
}

#endif /* _VMQ_NET_HDR_H_ */
