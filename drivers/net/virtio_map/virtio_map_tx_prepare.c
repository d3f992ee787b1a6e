/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The virtio_map authors
 */

/*
 * tx_pkt_prepare: what rte_eth_tx_prepare() does for the port. A packet
 * is checked against what its queue can send (vmq_tx_check()), and a
 * packet with L4 checksum offload gets the pseudo-header sum in its
 * checksum field, which the device completes from csum_start (virtio
 * 1.2, 5.1.6.2). For TSO the sum covers the whole L4 length, as Linux's
 * stack seeds it and its segmentation expects (DPDK's own
 * rte_net_intel_cksum_prepare() leaves the length out for TSO, as Intel
 * NICs want).
 */

#include <errno.h>

#include <rte_byteorder.h>
#include <rte_errno.h>
#include <rte_ip.h>
#include <rte_mbuf.h>
#include <rte_net.h>
#include <rte_tcp.h>

#include "virtio_map_compat.h"
#include "virtio_map_tx_prepare.h"
#include "virtio_map_state.h"

/* IPv4 pseudo-header (RFC 793). */
struct virtio_map_phdr4 {
	rte_be32_t src;
	rte_be32_t dst;
	uint8_t zero;
	uint8_t proto;
	rte_be16_t len;
} __rte_packed;

/* IPv6 pseudo-header (RFC 8200, 8.1). */
struct virtio_map_phdr6 {
	uint8_t src[16];
	uint8_t dst[16];
	rte_be32_t len;
	rte_be32_t proto;
} __rte_packed;

/* The TCP pseudo-header sum of TSO packet m, with its whole L4 length. */
static int
virtio_map_tso_prepare(struct rte_mbuf *m)
{
	uint32_t l4_len = m->pkt_len - m->l2_len - m->l3_len;
	struct rte_tcp_hdr *th;

	th = rte_pktmbuf_mtod_offset(m, struct rte_tcp_hdr *,
				     m->l2_len + m->l3_len);
	if (m->ol_flags & RTE_MBUF_F_TX_IPV4) {
		const struct rte_ipv4_hdr *ip =
			rte_pktmbuf_mtod_offset(m, struct rte_ipv4_hdr *,
						m->l2_len);
		struct virtio_map_phdr4 ph = {
			.src = ip->src_addr,
			.dst = ip->dst_addr,
			.proto = IPPROTO_TCP,
			.len = rte_cpu_to_be_16((uint16_t)l4_len),
		};

		/* an IPv4 packet, header included, holds 64 KB at most */
		if (l4_len + m->l3_len > UINT16_MAX)
			return -EINVAL;
		th->cksum = rte_raw_cksum(&ph, sizeof(ph));
	} else {
		const struct rte_ipv6_hdr *ip =
			rte_pktmbuf_mtod_offset(m, struct rte_ipv6_hdr *,
						m->l2_len);
		struct virtio_map_phdr6 ph = {
			.len = rte_cpu_to_be_32(l4_len),
			.proto = rte_cpu_to_be_32(IPPROTO_TCP),
		};

		if (l4_len > UINT16_MAX)
			return -EINVAL;	/* no jumbograms */
		memcpy(ph.src, VM_IPV6_ADDR_BYTES(ip->src_addr), sizeof(ph.src));
		memcpy(ph.dst, VM_IPV6_ADDR_BYTES(ip->dst_addr), sizeof(ph.dst));
		th->cksum = rte_raw_cksum(&ph, sizeof(ph));
	}
	return 0;
}

uint16_t
virtio_map_tx_prepare(void *txq, struct rte_mbuf **pkts, uint16_t n)
{
	struct vmq *q = txq;
	struct rte_mbuf *m;
	uint64_t l4;
	uint16_t i;
	int ret;

	for (i = 0; i < n; i++) {
		m = pkts[i];
		l4 = m->ol_flags & RTE_MBUF_F_TX_L4_MASK;
		ret = vmq_tx_check(q, m);
		if (ret == 0 && q->tx_tso &&
		    (m->ol_flags & RTE_MBUF_F_TX_TCP_SEG))
			ret = virtio_map_tso_prepare(m);
		else if (ret == 0 && l4 == RTE_MBUF_F_TX_SCTP_CKSUM)
			ret = -ENOTSUP;	/* a CRC, not a checksum to finish */
		else if (ret == 0 && l4 != 0)
			ret = rte_net_intel_cksum_prepare(m);
		if (ret < 0) {
			rte_errno = -ret;
			break;
		}
	}
	return i;
}
