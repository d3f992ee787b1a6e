/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The virtio_map authors
 */

/*
 * Integration test "csum": checksum offloads against DPDK's net_vhost.
 * The driver's port enables Tx IPv4/UDP/TCP and Rx UDP/TCP checksum
 * offloads, so it negotiates VIRTIO_NET_F_CSUM and GUEST_CSUM.
 *   Tx: TCP and UDP over IPv4 and IPv6, 80 to 1400 bytes, checksum fields
 *       left wrong; rte_eth_tx_prepare() then the burst. The driver
 *       computes the IPv4 header checksum and hands the L4 one to the
 *       device (NEEDS_CSUM); net_vhost completes it (its Rx has no
 *       checksum offload). Each packet must arrive with both checksums
 *       right, checked in the test.
 *   Rx: net_vhost sends the same kinds with Tx checksum flags and the
 *       pseudo-header sum in the field (NEEDS_CSUM in the header). The
 *       driver must report RTE_MBUF_F_RX_L4_CKSUM_NONE, and completing
 *       the partial sum in the test must give the right checksum; frames
 *       sent without flags report no verdict (UNKNOWN).
 * Arguments: LAYOUT MAP (split|packed, va|vduse).
 */

#include <inttypes.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <rte_ethdev.h>
#include <rte_ip.h>
#include <rte_net.h>
#include <rte_tcp.h>
#include <rte_udp.h>

#include "virtio_map_compat.h"
#include "vt.h"

#define KINDS		4	/* TCP4, UDP4, TCP6, UDP6 */

static struct vt_pair p;

/* Frame of kind k (bit 0: UDP, bit 1: IPv6), len bytes, checksums 0. */
static struct rte_mbuf *
make(unsigned int k, uint32_t len, bool offload)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(p.gen_pool);
	bool udp = k & 1, v6 = k & 2;
	uint32_t l3 = v6 ? sizeof(struct rte_ipv6_hdr) :
			   sizeof(struct rte_ipv4_hdr);
	uint32_t l4 = udp ? sizeof(struct rte_udp_hdr) :
			    sizeof(struct rte_tcp_hdr);
	struct rte_ether_hdr *eh;
	uint8_t *d, *l4p;
	uint32_t i;

	if (m == NULL)
		return NULL;
	d = (uint8_t *)rte_pktmbuf_append(m, len);
	memset(d, 0, len);
	eh = (struct rte_ether_hdr *)d;
	rte_eth_macaddr_get(p.drv_port, &eh->dst_addr);
	rte_eth_macaddr_get(p.vhost_port, &eh->src_addr);
	eh->ether_type = rte_cpu_to_be_16(v6 ? RTE_ETHER_TYPE_IPV6 :
					      RTE_ETHER_TYPE_IPV4);
	if (v6) {
		struct rte_ipv6_hdr *ip = (void *)(eh + 1);

		ip->vtc_flow = rte_cpu_to_be_32(6u << 28);
		ip->payload_len = rte_cpu_to_be_16(len - sizeof(*eh) - l3);
		ip->proto = udp ? IPPROTO_UDP : IPPROTO_TCP;
		ip->hop_limits = 64;
		VM_IPV6_ADDR_BYTES(ip->src_addr)[15] = 1;
		VM_IPV6_ADDR_BYTES(ip->dst_addr)[15] = 2;
	} else {
		struct rte_ipv4_hdr *ip = (void *)(eh + 1);

		ip->version_ihl = RTE_IPV4_VHL_DEF;
		ip->total_length = rte_cpu_to_be_16(len - sizeof(*eh));
		ip->time_to_live = 64;
		ip->next_proto_id = udp ? IPPROTO_UDP : IPPROTO_TCP;
		ip->src_addr = rte_cpu_to_be_32(0xc6120001u);	/* 198.18.0.1 */
		ip->dst_addr = rte_cpu_to_be_32(0xc6120002u);	/* 198.18.0.2 */
	}
	l4p = d + sizeof(*eh) + l3;
	if (udp) {
		struct rte_udp_hdr *u = (void *)l4p;

		u->src_port = rte_cpu_to_be_16(1000 + len);
		u->dst_port = rte_cpu_to_be_16(2000);
		u->dgram_len = rte_cpu_to_be_16(len - sizeof(*eh) - l3);
	} else {
		struct rte_tcp_hdr *t = (void *)l4p;

		t->src_port = rte_cpu_to_be_16(1000 + len);
		t->dst_port = rte_cpu_to_be_16(2000);
		t->sent_seq = rte_cpu_to_be_32(len);
		t->data_off = (sizeof(*t) / 4) << 4;
		t->tcp_flags = RTE_TCP_ACK_FLAG;
	}
	for (i = sizeof(*eh) + l3 + l4; i < len; i++)
		d[i] = (uint8_t)(i * 7 + len);
	if (offload) {
		m->l2_len = sizeof(*eh);
		m->l3_len = l3;
		m->ol_flags = (v6 ? RTE_MBUF_F_TX_IPV6 :
			       RTE_MBUF_F_TX_IPV4 | RTE_MBUF_F_TX_IP_CKSUM) |
			      (udp ? RTE_MBUF_F_TX_UDP_CKSUM :
				     RTE_MBUF_F_TX_TCP_CKSUM);
	}
	return m;
}

/* Whether m's IPv4 header (if any) and L4 checksums are right. */
static bool
csum_ok(struct rte_mbuf *m, unsigned int k)
{
	uint8_t *d = rte_pktmbuf_mtod(m, uint8_t *);
	void *ip = d + sizeof(struct rte_ether_hdr);
	uint32_t l3 = (k & 2) ? sizeof(struct rte_ipv6_hdr) :
				sizeof(struct rte_ipv4_hdr);
	void *l4 = (uint8_t *)ip + l3;

	if (k & 2)
		return rte_ipv6_udptcp_cksum_verify(ip, l4) == 0;
	return rte_ipv4_cksum(ip) == 0 &&
	       rte_ipv4_udptcp_cksum_verify(ip, l4) == 0;
}

/* Finish a partial L4 checksum (pseudo-header sum in the field). */
static void
csum_finish(struct rte_mbuf *m, unsigned int k)
{
	uint32_t l3 = (k & 2) ? sizeof(struct rte_ipv6_hdr) :
				sizeof(struct rte_ipv4_hdr);
	uint32_t off = sizeof(struct rte_ether_hdr) + l3;
	uint16_t *field = rte_pktmbuf_mtod_offset(m, uint16_t *, off +
			((k & 1) ? offsetof(struct rte_udp_hdr, dgram_cksum) :
				   offsetof(struct rte_tcp_hdr, cksum)));
	uint16_t sum = 0;

	rte_raw_cksum_mbuf(m, off, m->pkt_len - off, &sum);
	sum = ~sum;
	if (sum == 0 && (k & 1))
		sum = 0xffff;
	*field = sum;
}

static int
run(int argc, char **argv)
{
	static const uint32_t lens[] = { 80, 81, 200, 1000, 1400 };
	static const char *const kind[KINDS] = {
		"TCP/IPv4", "UDP/IPv4", "TCP/IPv6", "UDP/IPv6" };
	struct vt_pair_opts o = { .window = 64 };
	unsigned int ring = 0, k, i, tx_ok = 0, rx_ok = 0;
	struct rte_eth_conf conf;
	struct rte_mbuf *m;
	uint64_t fl;

	if (argc != 2) {
		vt_fail(__FILE__, __LINE__, "arguments: split|packed va|vduse");
		return VT_FAIL;
	}
	VT_CHECK(vt_ring_parse(argv[0], "off", &ring));
	o.ring = ring;
	o.map = argv[1];
	VT_CHECK(vt_eal_init(NULL));
	memset(&conf, 0, sizeof(conf));
	conf.txmode.offloads = RTE_ETH_TX_OFFLOAD_IPV4_CKSUM |
			       RTE_ETH_TX_OFFLOAD_UDP_CKSUM |
			       RTE_ETH_TX_OFFLOAD_TCP_CKSUM;
	conf.rxmode.offloads = RTE_ETH_RX_OFFLOAD_UDP_CKSUM |
			       RTE_ETH_RX_OFFLOAD_TCP_CKSUM;
	VT_CHECK(vt_pair_up_conf(&p, &o, &conf));

	vt_phase("Tx: the device completes what the driver asked for");
	for (k = 0; k < KINDS; k++)
		for (i = 0; i < RTE_DIM(lens); i++) {
			m = make(k, lens[i], true);
			VT_ASSERT(m != NULL, "packet");
			m = vt_pass_one(p.drv_port, p.vhost_port, m, true);
			VT_ASSERT(m != NULL, "%s %u bytes: arrived", kind[k],
				  lens[i]);
			VT_ASSERT(csum_ok(m, k), "%s %u bytes: checksums at net_vhost",
				  kind[k], lens[i]);
			rte_pktmbuf_free(m);
			tx_ok++;
		}

	vt_phase("Rx: partial checksums reported, finished right by the test");
	for (k = 0; k < KINDS; k++)
		for (i = 0; i < RTE_DIM(lens); i++) {
			m = make(k, lens[i], true);
			VT_ASSERT(m != NULL, "packet");
			VT_ASSERT_OK(rte_net_intel_cksum_prepare(m),
				     "pseudo-header sum");
			m = vt_pass_one(p.vhost_port, p.drv_port, m, false);
			VT_ASSERT(m != NULL, "%s %u bytes: arrived", kind[k],
				  lens[i]);
			fl = m->ol_flags & RTE_MBUF_F_RX_L4_CKSUM_MASK;
			VT_ASSERT(fl == RTE_MBUF_F_RX_L4_CKSUM_NONE,
				  "%s %u bytes: L4 checksum flags 0x%" PRIx64 ", expected NONE (partial)",
				  kind[k], lens[i], fl);
			csum_finish(m, k);
			VT_ASSERT(csum_ok(m, k), "%s %u bytes: finished checksum",
				  kind[k], lens[i]);
			rte_pktmbuf_free(m);
			rx_ok++;
		}
	m = make(0, 200, false);
	VT_ASSERT(m != NULL, "packet");
	m = vt_pass_one(p.vhost_port, p.drv_port, m, false);
	VT_ASSERT(m != NULL, "plain packet arrived");
	VT_ASSERT_EQ(0, m->ol_flags & RTE_MBUF_F_RX_L4_CKSUM_MASK,
		     "no verdict without offload flags");
	rte_pktmbuf_free(m);
	vt_info("%u Tx and %u Rx packets with checksum offloads checked",
		tx_ok, rx_ok);
	VT_CHECK(vt_pair_down(&p, true));
	return vt_pair_free_pools(&p);
}

static const struct vt_test test = {
	.name = "csum",
	.usage = "split|packed va|vduse",
	.timeout_s = 60,
	.run = run,
};

int
main(int argc, char **argv)
{
	return vt_main(&test, argc, argv);
}
