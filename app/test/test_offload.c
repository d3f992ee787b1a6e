/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The virtio_map authors
 */

/*
 * Integration test "offload": TSO, LRO, VLAN insert and strip with the
 * checksum offloads, against DPDK's net_vhost with tso=1. The driver's
 * port enables all of them; net_vhost's port enables Rx checksum offload,
 * so what the driver asked of the device (NEEDS_CSUM, GSO fields) reaches
 * the test as it was sent instead of being completed by net_vhost.
 *   Tx: TCP and UDP over IPv4 and IPv6; untagged, tagged in the frame,
 *       and tagged by VLAN insert; 60 to 1514 bytes with checksum offload,
 *       3000 to 65000 bytes with TSO (chains of 2000-byte segments).
 *       Checksum frames: the partial checksum, finished in the test, must
 *       verify. TSO frames must arrive whole, with RX_LRO and tso_segsz,
 *       and the checksum field must hold the pseudo-header sum over the
 *       whole L4 length; the test then cuts the frame as a device does
 *       (each segment's checksum completed from that field, adjusted for
 *       the segment's length) and every segment must verify, its payload
 *       byte for byte what was sent.
 *   Rx: net_vhost sends the same shapes (untagged or tagged) with Tx
 *       checksum and TSO flags. The driver must strip the tag into
 *       vlan_tci, report L4_CKSUM_NONE with a partial checksum that
 *       verifies once finished, and deliver TSO frames as one LRO frame
 *       (RX_LRO, tso_segsz) with the payload sent.
 *   Bad input: TSO without a segment size, longer than 64 KB, or with
 *       more segments than the queue takes fails tx_prepare with EINVAL /
 *       ENOTSUP, and the burst drops and counts it; no mbuf is lost.
 *   A backend without HOST_TSO4/6 (net_vhost without tso=1) is refused
 *       with a line naming the feature; the link stays down.
 * Arguments: LAYOUT RING MAP [iommu|tiny_bounce] (split|packed,
 * mrg_rxbuf[+...], va|pa|vduse; iommu: iommu=on, net_vhost with
 * iommu-support=1). map=pa runs on 2 MB hugepages in IOVA-as-PA mode
 * (root), over the IOTLB. tiny_bounce (map=vduse): bounce_size=1M and MTU
 * 8986, so the Tx queue gets fewer bounce slots than a TSO packet may have
 * segments; instead of the matrix, a TSO packet of one segment more than
 * the slots must fail tx_prepare with ENOTSUP and be dropped and counted
 * by the burst (not handed back forever), and packets after it on the
 * queue, one with as many segments as slots, must arrive whole.
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

#define TCI		0x0123		/* VLAN id 291, priority 0 */
#define SEG_DATA	2000		/* data bytes per built mbuf */
#define FLAT_MAX	70000		/* longest frame flattened */
#define SEQ0		100000u		/* first TCP sequence number */
#define IP_ID0		0x100		/* IPv4 id of the first segment */

enum vlan_mode { VL_NONE, VL_FRAME, VL_INSERT };
static const char *const vl_name[] = { "untagged", "tagged", "VLAN insert" };
static const char *const kind_name[] = {
	"TCP/IPv4", "UDP/IPv4", "TCP/IPv6", "UDP/IPv6" };

/* One packet shape: k bit 0 UDP, bit 1 IPv6; segsz 0: checksum only. */
struct shape {
	unsigned int k;
	enum vlan_mode vl;
	uint32_t len;		/* frame as built, before any insert */
	uint16_t segsz;		/* TSO / LRO segment size */
	uint32_t mseg;		/* data bytes per built mbuf; 0: SEG_DATA */
};

#define HP_PAGES	64		/* map=pa: 2 MB hugepages, -m 128 */

static struct vt_pair p;
static uint8_t flat[FLAT_MAX];
static char hp_dir[PATH_MAX];

/* map=pa needs physical addresses: hugepages (root), IOVA as PA. */
static int
setup(int argc, char **argv)
{
	if (argc < 3 || strcmp(argv[2], "pa") != 0)
		return VT_PASS;
	return vt_hugepages_setup(HP_PAGES, hp_dir, sizeof(hp_dir));
}

static void
teardown(void)
{
	if (hp_dir[0] != '\0')
		vt_hugepages_teardown();
}

static uint32_t l2_of(enum vlan_mode vl) { return vl == VL_FRAME ? 18 : 14; }
static uint32_t l3_of(unsigned int k) { return (k & 2) ? 40 : 20; }
static uint32_t l4_of(unsigned int k) { return (k & 1) ? 8 : 20; }

/* Payload byte at offset off of the L4 payload. */
static uint8_t
pay(uint32_t off)
{
	return (uint8_t)(off * 7 + (off >> 9) + 3);
}

/* Headers of shape s into h (l2 + l3 + l4 bytes), checksums 0. */
static void
headers(const struct shape *s, uint8_t *h)
{
	uint32_t l2 = l2_of(s->vl), l3 = l3_of(s->k), l4 = l4_of(s->k);
	struct rte_ether_hdr *eh = (void *)h;
	uint16_t type = (s->k & 2) ? RTE_ETHER_TYPE_IPV6 :
				     RTE_ETHER_TYPE_IPV4;
	uint8_t proto = (s->k & 1) ? IPPROTO_UDP : IPPROTO_TCP;

	memset(h, 0, l2 + l3 + l4);
	rte_eth_macaddr_get(p.drv_port, &eh->dst_addr);
	rte_eth_macaddr_get(p.vhost_port, &eh->src_addr);
	if (s->vl == VL_FRAME) {
		struct rte_vlan_hdr *vh = (void *)(eh + 1);

		eh->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_VLAN);
		vh->vlan_tci = rte_cpu_to_be_16(TCI);
		vh->eth_proto = rte_cpu_to_be_16(type);
	} else {
		eh->ether_type = rte_cpu_to_be_16(type);
	}
	if (s->k & 2) {
		struct rte_ipv6_hdr *ip = (void *)(h + l2);

		ip->vtc_flow = rte_cpu_to_be_32(6u << 28);
		ip->payload_len = rte_cpu_to_be_16(s->len - l2 - l3);
		ip->proto = proto;
		ip->hop_limits = 64;
		VM_IPV6_ADDR_BYTES(ip->src_addr)[0] = 0xfd;
		VM_IPV6_ADDR_BYTES(ip->src_addr)[15] = 1;
		VM_IPV6_ADDR_BYTES(ip->dst_addr)[0] = 0xfd;
		VM_IPV6_ADDR_BYTES(ip->dst_addr)[15] = 2;
	} else {
		struct rte_ipv4_hdr *ip = (void *)(h + l2);

		ip->version_ihl = RTE_IPV4_VHL_DEF;
		ip->total_length = rte_cpu_to_be_16(s->len - l2);
		ip->packet_id = rte_cpu_to_be_16(IP_ID0);
		ip->time_to_live = 64;
		ip->next_proto_id = proto;
		ip->src_addr = rte_cpu_to_be_32(0xc6120001u);	/* 198.18.0.1 */
		ip->dst_addr = rte_cpu_to_be_32(0xc6120002u);	/* 198.18.0.2 */
	}
	if (s->k & 1) {
		struct rte_udp_hdr *u = (void *)(h + l2 + l3);

		u->src_port = rte_cpu_to_be_16(1000);
		u->dst_port = rte_cpu_to_be_16(2000);
		u->dgram_len = rte_cpu_to_be_16(s->len - l2 - l3);
	} else {
		struct rte_tcp_hdr *t = (void *)(h + l2 + l3);

		t->src_port = rte_cpu_to_be_16(1000);
		t->dst_port = rte_cpu_to_be_16(2000);
		t->sent_seq = rte_cpu_to_be_32(SEQ0);
		t->data_off = (sizeof(*t) / 4) << 4;
		t->tcp_flags = RTE_TCP_ACK_FLAG;
		t->rx_win = rte_cpu_to_be_16(0x8000);
	}
}

/*
 * Shape s as a chain of mbufs of at most seg bytes, with the Tx offload
 * flags and lengths set.
 */
static struct rte_mbuf *
build(const struct shape *s, uint32_t seg)
{
	uint32_t l2 = l2_of(s->vl), hl = l2 + l3_of(s->k) + l4_of(s->k);
	struct rte_mbuf *head = NULL, *m;
	uint32_t off = 0, n, i;
	uint8_t h[128], *d;

	headers(s, h);
	while (off < s->len) {
		m = rte_pktmbuf_alloc(p.gen_pool);
		n = RTE_MIN(seg, s->len - off);
		if (m == NULL || (d = (uint8_t *)rte_pktmbuf_append(m, n)) ==
				 NULL) {
			rte_pktmbuf_free(m);
			rte_pktmbuf_free(head);
			return NULL;
		}
		for (i = 0; i < n; i++, off++)
			d[i] = off < hl ? h[off] : pay(off - hl);
		if (head == NULL)
			head = m;
		else if (rte_pktmbuf_chain(head, m) != 0) {
			rte_pktmbuf_free(m);
			rte_pktmbuf_free(head);
			return NULL;
		}
	}
	head->l2_len = l2;
	head->l3_len = l3_of(s->k);
	head->l4_len = l4_of(s->k);
	head->ol_flags = (s->k & 2) ? RTE_MBUF_F_TX_IPV6 :
				      RTE_MBUF_F_TX_IPV4 |
				      RTE_MBUF_F_TX_IP_CKSUM;
	if (s->segsz != 0) {
		head->ol_flags |= RTE_MBUF_F_TX_TCP_SEG;
		head->tso_segsz = s->segsz;
	} else {
		head->ol_flags |= (s->k & 1) ? RTE_MBUF_F_TX_UDP_CKSUM :
					       RTE_MBUF_F_TX_TCP_CKSUM;
	}
	if (s->vl == VL_INSERT) {
		head->ol_flags |= RTE_MBUF_F_TX_VLAN;
		head->vlan_tci = TCI;
	}
	return head;
}

/* Copy m's bytes into flat[]; false if it does not fit. */
static bool
flatten(const struct rte_mbuf *m)
{
	uint32_t off = 0;

	if (m->pkt_len > sizeof(flat))
		return false;
	for (; m != NULL; m = m->next) {
		memcpy(flat + off, rte_pktmbuf_mtod(m, void *), m->data_len);
		off += m->data_len;
	}
	return true;
}

/* One's complement sum of a and b, folded. */
static uint16_t
add16(uint32_t a, uint32_t b)
{
	uint32_t s = a + b;

	s = (s & 0xffff) + (s >> 16);
	return (uint16_t)((s & 0xffff) + (s >> 16));
}

/* Finish the partial checksum of the L4 packet at l4 (len bytes). */
static void
finish(uint8_t *l4, uint32_t len, bool udp)
{
	uint16_t *field = (uint16_t *)(l4 + (udp ?
			offsetof(struct rte_udp_hdr, dgram_cksum) :
			offsetof(struct rte_tcp_hdr, cksum)));
	uint16_t sum = ~rte_raw_cksum(l4, len);

	if (sum == 0 && udp)
		sum = 0xffff;
	*field = sum;
}

/* Whether the IPv4 (if any) and L4 checksums of the frame at f verify. */
static bool
verify(const uint8_t *f, uint32_t l2, unsigned int k)
{
	const void *ip = f + l2, *l4 = f + l2 + l3_of(k);

	if (k & 2)
		return rte_ipv6_udptcp_cksum_verify(ip, l4) == 0;
	return rte_ipv4_cksum(ip) == 0 &&
	       rte_ipv4_udptcp_cksum_verify(ip, l4) == 0;
}

/* Whether the L4 payload of the frame at f (hl header bytes) is the one
 * sent, from payload offset off, n bytes. */
static bool
payload_ok(const uint8_t *f, uint32_t hl, uint32_t off, uint32_t n)
{
	uint32_t i;

	for (i = 0; i < n; i++)
		if (f[hl + i] != pay(off + i))
			return false;
	return true;
}

/*
 * Cut the TSO frame in flat[] (len bytes, l2 header bytes) as a device
 * does and check every segment: headers, checksum completed from the
 * partial one the driver left, payload.
 */
static int
check_segments(const struct shape *s, uint32_t len, uint32_t l2,
	       unsigned int *nseg)
{
	uint32_t l3 = l3_of(s->k), hl = l2 + l3 + 20, total = len - hl;
	uint16_t partial, full_l4 = (uint16_t)(len - l2 - l3);
	static uint8_t seg[128 + 65536];
	struct rte_tcp_hdr *t;
	uint32_t off, n, i;

	t = (struct rte_tcp_hdr *)(flat + l2 + l3);
	partial = t->cksum;
	for (off = 0, i = 0; off < total; off += n, i++) {
		n = RTE_MIN((uint32_t)s->segsz, total - off);
		memcpy(seg, flat, hl);
		memcpy(seg + hl, flat + hl + off, n);
		if (s->k & 2) {
			struct rte_ipv6_hdr *ip = (void *)(seg + l2);

			ip->payload_len = rte_cpu_to_be_16(20 + n);
		} else {
			struct rte_ipv4_hdr *ip = (void *)(seg + l2);

			ip->total_length = rte_cpu_to_be_16(l3 + 20 + n);
			ip->packet_id = rte_cpu_to_be_16(IP_ID0 + i);
			ip->hdr_checksum = 0;
			ip->hdr_checksum = rte_ipv4_cksum(ip);
		}
		t = (struct rte_tcp_hdr *)(seg + l2 + l3);
		t->sent_seq = rte_cpu_to_be_32(SEQ0 + off);
		/* the pseudo-header sum for this segment's length: take the
		 * whole length out of the partial sum, put this one in */
		t->cksum = rte_cpu_to_be_16(add16(add16(
				rte_be_to_cpu_16(partial),
				(uint16_t)~full_l4), 20 + n));
		finish((uint8_t *)t, 20 + n, false);
		VT_ASSERT(verify(seg, l2, s->k), "%s %s %u bytes: segment %u (payload %u at %u) checksums",
			  kind_name[s->k], vl_name[s->vl], s->len, i, n, off);
		VT_ASSERT(payload_ok(seg, hl, off, n), "%s %s %u bytes: segment %u payload",
			  kind_name[s->k], vl_name[s->vl], s->len, i);
	}
	VT_ASSERT_EQ((total + s->segsz - 1) / s->segsz, i, "segments cut");
	*nseg += i;
	return VT_PASS;
}

/* The expected pseudo-header sum (whole L4 length) of the frame at f. */
static uint16_t
phdr_sum(const uint8_t *f, uint32_t l2, unsigned int k)
{
	if (k & 2)
		return rte_ipv6_phdr_cksum((const void *)(f + l2), 0);
	return rte_ipv4_phdr_cksum((const void *)(f + l2), 0);
}

/* Driver Tx of shape s: what net_vhost gets must check out. */
static int
tx_one(const struct shape *s, unsigned int *nseg)
{
	uint32_t l2 = s->vl == VL_NONE ? 14 : 18;
	uint32_t len = s->len + (s->vl == VL_INSERT ? 4 : 0);
	uint32_t l4off = l2 + l3_of(s->k);
	struct rte_mbuf *m = build(s, s->mseg != 0 ? s->mseg : SEG_DATA);
	const struct rte_vlan_hdr *vh;
	uint64_t fl;
	int rc = VT_FAIL;

	VT_ASSERT(m != NULL, "packet");
	m = vt_pass_one(p.drv_port, p.vhost_port, m, true);
	VT_ASSERT(m != NULL, "%s %s %u bytes%s: arrived at net_vhost",
		  kind_name[s->k], vl_name[s->vl], s->len,
		  s->segsz ? " TSO" : "");
	if (m->pkt_len != len || !flatten(m)) {
		vt_fail(__FILE__, __LINE__, "%s %s %u bytes: %u bytes arrived, expected %u",
			kind_name[s->k], vl_name[s->vl], s->len, m->pkt_len,
			len);
		goto out;
	}
	fl = m->ol_flags;
	if (s->vl != VL_NONE) {
		vh = (const void *)(flat + 14);
		if (((const struct rte_ether_hdr *)flat)->ether_type !=
		    rte_cpu_to_be_16(RTE_ETHER_TYPE_VLAN) ||
		    rte_be_to_cpu_16(vh->vlan_tci) != TCI) {
			vt_fail(__FILE__, __LINE__, "%s %s %u bytes: no VLAN tag %#x",
				kind_name[s->k], vl_name[s->vl], s->len, TCI);
			goto out;
		}
	}
	if (!(s->k & 2) && rte_ipv4_cksum((const void *)(flat + l2)) != 0) {
		vt_fail(__FILE__, __LINE__, "%s %s %u bytes: IPv4 header checksum",
			kind_name[s->k], vl_name[s->vl], s->len);
		goto out;
	}
	if (s->segsz == 0) {
		if ((fl & RTE_MBUF_F_RX_L4_CKSUM_MASK) !=
		    RTE_MBUF_F_RX_L4_CKSUM_NONE) {
			vt_fail(__FILE__, __LINE__, "%s %s %u bytes: net_vhost flags %#" PRIx64 ", expected L4_CKSUM_NONE (NEEDS_CSUM)",
				kind_name[s->k], vl_name[s->vl], s->len, fl);
			goto out;
		}
		finish(flat + l4off, len - l4off, s->k & 1);
		if (!verify(flat, l2, s->k) ||
		    !payload_ok(flat, l4off + l4_of(s->k), 0,
				len - l4off - l4_of(s->k))) {
			vt_fail(__FILE__, __LINE__, "%s %s %u bytes: finished checksum or payload wrong",
				kind_name[s->k], vl_name[s->vl], s->len);
			goto out;
		}
		rc = VT_PASS;
		goto out;
	}
	if (!(fl & RTE_MBUF_F_RX_LRO) || m->tso_segsz != s->segsz) {
		vt_fail(__FILE__, __LINE__, "%s %s %u bytes TSO: net_vhost flags %#" PRIx64 " tso_segsz %u, expected RX_LRO and %u",
			kind_name[s->k], vl_name[s->vl], s->len, fl,
			m->tso_segsz, s->segsz);
		goto out;
	}
	if (((struct rte_tcp_hdr *)(flat + l4off))->cksum !=
	    phdr_sum(flat, l2, s->k)) {
		vt_fail(__FILE__, __LINE__, "%s %s %u bytes TSO: checksum field %#x, expected the pseudo-header sum over the whole L4 length %#x",
			kind_name[s->k], vl_name[s->vl], s->len,
			((struct rte_tcp_hdr *)(flat + l4off))->cksum,
			phdr_sum(flat, l2, s->k));
		goto out;
	}
	rc = check_segments(s, len, l2, nseg);
out:
	rte_pktmbuf_free(m);
	return rc;
}

/* net_vhost sends shape s: the driver must deliver it right. */
static int
rx_one(const struct shape *s)
{
	uint32_t l2 = 14, len = s->len - (s->vl == VL_FRAME ? 4 : 0);
	uint32_t l4off = l2 + l3_of(s->k), hl = l4off + l4_of(s->k);
	struct rte_mbuf *m = build(s, SEG_DATA);
	uint64_t fl;
	int rc = VT_FAIL;

	VT_ASSERT(m != NULL, "packet");
	m = vt_pass_one(p.vhost_port, p.drv_port, m, false);
	VT_ASSERT(m != NULL, "%s %s %u bytes%s: arrived at the driver",
		  kind_name[s->k], vl_name[s->vl], s->len,
		  s->segsz ? " TSO" : "");
	fl = m->ol_flags;
	if (s->vl == VL_FRAME &&
	    (!(fl & RTE_MBUF_F_RX_VLAN_STRIPPED) || m->vlan_tci != TCI)) {
		vt_fail(__FILE__, __LINE__, "%s tagged %u bytes: flags %#" PRIx64 " vlan_tci %#x, expected VLAN_STRIPPED and %#x",
			kind_name[s->k], s->len, fl, m->vlan_tci, TCI);
		goto out;
	}
	if (s->vl == VL_NONE && (fl & RTE_MBUF_F_RX_VLAN_STRIPPED)) {
		vt_fail(__FILE__, __LINE__, "untagged frame reported stripped");
		goto out;
	}
	if (m->pkt_len != len || !flatten(m)) {
		vt_fail(__FILE__, __LINE__, "%s %s %u bytes: %u bytes delivered, expected %u",
			kind_name[s->k], vl_name[s->vl], s->len, m->pkt_len,
			len);
		goto out;
	}
	if (!payload_ok(flat, hl, 0, len - hl)) {
		vt_fail(__FILE__, __LINE__, "%s %s %u bytes: payload",
			kind_name[s->k], vl_name[s->vl], s->len);
		goto out;
	}
	if (s->segsz != 0) {
		if (!(fl & RTE_MBUF_F_RX_LRO) || m->tso_segsz != s->segsz ||
		    (fl & RTE_MBUF_F_RX_L4_CKSUM_MASK) !=
		    RTE_MBUF_F_RX_L4_CKSUM_NONE) {
			vt_fail(__FILE__, __LINE__, "%s %s %u bytes LRO: flags %#" PRIx64 " tso_segsz %u, expected RX_LRO, L4_CKSUM_NONE and %u",
				kind_name[s->k], vl_name[s->vl], s->len, fl,
				m->tso_segsz, s->segsz);
			goto out;
		}
		rc = VT_PASS;
		goto out;
	}
	if ((fl & RTE_MBUF_F_RX_L4_CKSUM_MASK) !=
	    RTE_MBUF_F_RX_L4_CKSUM_NONE || (fl & RTE_MBUF_F_RX_LRO)) {
		vt_fail(__FILE__, __LINE__, "%s %s %u bytes: flags %#" PRIx64 ", expected L4_CKSUM_NONE, no LRO",
			kind_name[s->k], vl_name[s->vl], s->len, fl);
		goto out;
	}
	finish(flat + l4off, len - l4off, s->k & 1);
	if (!verify(flat, l2, s->k)) {
		vt_fail(__FILE__, __LINE__, "%s %s %u bytes: finished checksum",
			kind_name[s->k], vl_name[s->vl], s->len);
		goto out;
	}
	rc = VT_PASS;
out:
	rte_pktmbuf_free(m);
	return rc;
}

/* Bad TSO packets: refused by tx_prepare, dropped and counted by the
 * burst, no mbuf lost. */
static int
bad_input(void)
{
	struct shape s = { .k = 0, .vl = VL_NONE, .segsz = 1400 };
	uint64_t before, after;
	struct rte_mbuf *m[3];
	unsigned int i;
	int err[3];

	VT_CHECK(vt_xstat_get(p.drv_port, "tx_q0_dropped_unsupported",
			      &before));
	s.len = 9000;
	m[0] = build(&s, SEG_DATA);
	VT_ASSERT(m[0] != NULL, "packet");
	m[0]->tso_segsz = 0;			/* no segment size */
	s.len = 70000;
	m[1] = build(&s, SEG_DATA);		/* beyond 64 KB */
	VT_ASSERT(m[1] != NULL, "packet");
	s.len = 6600;
	m[2] = build(&s, 100);			/* 66 segments */
	VT_ASSERT(m[2] != NULL, "packet");
	for (i = 0; i < 3; i++) {
		rte_errno = 0;
		VT_ASSERT_EQ(0, rte_eth_tx_prepare(p.drv_port, 0, &m[i], 1),
			     "tx_prepare of a bad TSO packet");
		err[i] = rte_errno;
	}
	VT_ASSERT_EQ(EINVAL, err[0], "rte_errno for tso_segsz 0");
	VT_ASSERT_EQ(EINVAL, err[1], "rte_errno for 70000 bytes");
	VT_ASSERT_EQ(ENOTSUP, err[2], "rte_errno for 66 segments");
	/* sent anyway: dropped, freed, counted */
	VT_ASSERT_EQ(3, rte_eth_tx_burst(p.drv_port, 0, m, 3),
		     "bad packets taken (and dropped)");
	VT_CHECK(vt_xstat_get(p.drv_port, "tx_q0_dropped_unsupported",
			      &after));
	VT_ASSERT_EQ(3, after - before, "tx_q0_dropped_unsupported");
	/* no mbuf lost: vt_pair_free_pools() checks after the close */
	vt_info("3 bad TSO packets refused by tx_prepare (EINVAL, EINVAL, ENOTSUP), dropped and counted by the burst");
	return VT_PASS;
}

/* The Tx bounce slots of queue 0 (virtqueue 1) as the vduse kind logged
 * them when it had to shrink the pool; 0 if it did not say. */
static unsigned int
tx_slots(const char *log)
{
	const char *l = log != NULL ? strstr(log, ": queue 1: ") : NULL;
	unsigned int n = 0;

	if (l == NULL || sscanf(l, ": queue 1: %u bounce slots", &n) != 1)
		return 0;
	return n;
}

/*
 * tiny_bounce: a TSO packet of more segments than the Tx queue has bounce
 * slots can never be sent. tx_prepare refuses it (ENOTSUP), the burst
 * drops and counts it instead of handing it back, and what comes after
 * it on the queue goes out, up to as many segments as there are slots.
 */
static int
slot_limit(unsigned int slots)
{
	struct shape s = { .k = 0, .vl = VL_NONE, .len = (slots + 1) * 1000,
			   .segsz = 1400, .mseg = 1000 };
	unsigned int i, nseg = 0;
	uint64_t before, after;
	struct rte_mbuf *m;
	uint16_t n = 0;
	int err;

	VT_ASSERT(slots > 0 && slots < 64, "Tx bounce slots (%u) fewer than the 64 segments a TSO packet may have: bounce_size=1M, MTU 8986",
		  slots);
	VT_CHECK(vt_xstat_get(p.drv_port, "tx_q0_dropped_unsupported",
			      &before));
	m = build(&s, s.mseg);
	VT_ASSERT(m != NULL, "packet");
	VT_ASSERT_EQ(slots + 1, m->nb_segs, "segments of the packet");
	rte_errno = 0;
	n = rte_eth_tx_prepare(p.drv_port, 0, &m, 1);
	err = rte_errno;
	if (n != 0 || err != ENOTSUP) {
		rte_pktmbuf_free(m);
		VT_ASSERT(n == 0 && err == ENOTSUP, "tx_prepare of a TSO packet of %u segments, %u Tx bounce slots: expected 0 with ENOTSUP, actual %u with %s",
			  slots + 1, slots, n, rte_strerror(err));
	}
	/* sent anyway: taken at once (dropped), not handed back */
	for (i = 0; i < 100 && n == 0; i++) {
		n = rte_eth_tx_burst(p.drv_port, 0, &m, 1);
		if (n == 0)
			rte_delay_us_sleep(1000);
	}
	if (n == 0) {
		rte_pktmbuf_free(m);
		VT_ASSERT(n == 1, "tx_burst of a TSO packet of %u segments, %u Tx bounce slots: handed back %u times",
			  slots + 1, slots, i);
	}
	VT_CHECK(vt_xstat_get(p.drv_port, "tx_q0_dropped_unsupported",
			      &after));
	VT_ASSERT_EQ(1, after - before, "tx_q0_dropped_unsupported");
	vt_info("TSO packet of %u segments, %u Tx bounce slots: tx_prepare ENOTSUP, burst dropped and counted it",
		slots + 1, slots);

	/* the queue goes on: a checksum frame, a TSO frame of 2000-byte
	 * mbufs and one with as many segments as there are slots */
	s = (struct shape){ 0, VL_NONE, 1514, 0, 0 };
	VT_CHECK(tx_one(&s, &nseg));
	s = (struct shape){ 0, VL_NONE, 9000, 1400, 0 };
	VT_CHECK(tx_one(&s, &nseg));
	s = (struct shape){ 2, VL_NONE, slots * 1000, 1400, 1000 };
	VT_CHECK(tx_one(&s, &nseg));
	vt_info("then 3 frames on the same queue (the last of %u segments) arrived whole, TSO cut into %u segments, all verified",
		slots, nseg);
	return VT_PASS;
}

/* A backend without HOST_TSO4/6: refused, named, link down. */
static int
refused(const struct vt_pair_opts *o, const struct rte_eth_conf *conf)
{
	struct vt_pair_opts o2 = *o;
	struct rte_eth_link link;
	struct vt_pair q;
	bool named = false;
	double t0;

	vt_phase("a backend without TSO (net_vhost tso=0) is refused");
	o2.index = 1;
	o2.vhost_extra = NULL;
	o2.drv_extra = NULL;
	o2.vhost_rx_offloads = 0;
	VT_CHECK(vt_log_capture_start());
	VT_CHECK(vt_pair_init(&q, &o2));
	VT_CHECK(vt_pair_vhost_create(&q));
	VT_CHECK(vt_pair_drv_create(&q));
	VT_CHECK(vt_port_setup(q.vhost_port, q.queue_size, q.vhost_pool,
			       q.max_frame));
	VT_CHECK(vt_port_setup_conf(q.drv_port, conf, 1, q.queue_size,
				    q.drv_pool));
	VT_CHECK(vt_port_start(q.vhost_port));
	/* the start may fail at once or the link stay down: both honest */
	(void)rte_eth_dev_start(q.drv_port);
	for (t0 = vt_now(); vt_now() - t0 < 10 &&
	     !(named = vt_log_contains("VIRTIO_NET_F_HOST_TSO4"));)
		rte_delay_us_sleep(10000);
	free(vt_log_capture_stop());
	VT_ASSERT(named, "a line naming HOST_TSO4");
	memset(&link, 0, sizeof(link));
	VT_ASSERT_OK(rte_eth_link_get_nowait(q.drv_port, &link), "link");
	VT_ASSERT_EQ(RTE_ETH_LINK_DOWN, link.link_status, "link of the refused port");
	VT_CHECK(vt_pair_down(&q, true));
	return vt_pair_free_pools(&q);
}

static int
run(int argc, char **argv)
{
	static const uint32_t csum_lens[] = { 60, 200, 1514 };
	static const uint32_t tso_lens[] = { 3000, 9000, 30000, 65000 };
	struct vt_pair_opts o = { .window = 64, .vhost_extra = "tso=1" };
	unsigned int ring = 0, k, v, i, tx = 0, rx = 0, nseg = 0;
	struct rte_eth_dev_info info;
	struct rte_eth_conf conf;
	bool tiny = false;
	struct shape s;
	char *log;
	int rc;

	if (argc == 4 && strcmp(argv[3], "tiny_bounce") == 0 &&
	    strcmp(argv[2], "vduse") == 0) {
		tiny = true;
		argc = 3;
		/* the smallest region; jumbo Tx slots: 32 of them */
		o.drv_extra = "bounce_size=1M";
		o.max_frame = 9000;
	}
	if (argc != 3 && !(argc == 4 && strcmp(argv[3], "iommu") == 0)) {
		vt_fail(__FILE__, __LINE__, "arguments: split|packed RING va|pa|vduse [iommu], or split|packed RING vduse tiny_bounce");
		return VT_FAIL;
	}
	if (argc == 4) {
		/* every address through the device's IOTLB */
		o.drv_extra = "iommu=on";
		o.vhost_extra = "tso=1,iommu-support=1";
	}
	VT_CHECK(vt_ring_parse(argv[0], argv[1], &ring));
	o.ring = ring;
	o.map = argv[2];
	o.vhost_rx_offloads = RTE_ETH_RX_OFFLOAD_TCP_CKSUM |
			      RTE_ETH_RX_OFFLOAD_UDP_CKSUM;
	if (strcmp(o.map, "pa") == 0) {
		VT_CHECK(vt_eal_init(&(struct vt_eal_opts){
			.hugepages = true, .mem_mb = 2 * HP_PAGES,
			.iova_pa = true, .single_file_segments = true,
			.huge_dir = hp_dir }));
		VT_ASSERT_EQ(RTE_IOVA_PA, rte_eal_iova_mode(), "EAL IOVA mode");
		/* more page runs than vhost's 8 regions: iommu=auto takes
		 * the IOTLB */
		o.vhost_extra = "tso=1,iommu-support=1";
	} else {
		VT_CHECK(vt_eal_init(NULL));
	}
	memset(&conf, 0, sizeof(conf));
	conf.txmode.offloads = RTE_ETH_TX_OFFLOAD_IPV4_CKSUM |
			       RTE_ETH_TX_OFFLOAD_UDP_CKSUM |
			       RTE_ETH_TX_OFFLOAD_TCP_CKSUM |
			       RTE_ETH_TX_OFFLOAD_TCP_TSO |
			       RTE_ETH_TX_OFFLOAD_VLAN_INSERT |
			       RTE_ETH_TX_OFFLOAD_MULTI_SEGS;
	conf.rxmode.offloads = RTE_ETH_RX_OFFLOAD_UDP_CKSUM |
			       RTE_ETH_RX_OFFLOAD_TCP_CKSUM |
			       RTE_ETH_RX_OFFLOAD_TCP_LRO |
			       RTE_ETH_RX_OFFLOAD_VLAN_STRIP;
	/* every frame the test sends; the driver accepts up to its max */
	conf.rxmode.max_lro_pkt_size = UINT16_MAX;
	if (tiny) {
		conf.rxmode.mtu = o.max_frame - RTE_ETHER_HDR_LEN;
		VT_CHECK(vt_log_capture_start());
		rc = vt_pair_up_conf(&p, &o, &conf);
		log = vt_log_capture_stop();
		k = tx_slots(log);
		free(log);
		VT_CHECK(rc);
		VT_CHECK(slot_limit(k));
		VT_CHECK(vt_pair_down(&p, true));
		return vt_pair_free_pools(&p);
	}
	VT_CHECK(vt_pair_up_conf(&p, &o, &conf));
	VT_ASSERT_OK(rte_eth_dev_info_get(p.drv_port, &info), "dev_info");
	VT_ASSERT(info.max_lro_pkt_size >= UINT16_MAX &&
		  (info.tx_offload_capa & RTE_ETH_TX_OFFLOAD_TCP_TSO) &&
		  (info.rx_offload_capa & RTE_ETH_RX_OFFLOAD_TCP_LRO),
		  "dev_info: TSO, LRO, max_lro_pkt_size %u",
		  info.max_lro_pkt_size);

	vt_phase("Tx: checksum offload, 60 to 1514 bytes");
	for (k = 0; k < 4; k++)
		for (v = 0; v < 3; v++)
			for (i = 0; i < RTE_DIM(csum_lens); i++) {
				s = (struct shape){ k, v, RTE_MAX(csum_lens[i],
					l2_of(v) + l3_of(k) + l4_of(k) + 6), 0 };
				VT_CHECK(tx_one(&s, &nseg));
				tx++;
			}
	vt_phase("Tx: TSO, 3000 to 65000 bytes");
	for (k = 0; k < 4; k += 2)
		for (v = 0; v < 3; v++)
			for (i = 0; i < RTE_DIM(tso_lens); i++) {
				s = (struct shape){ k, v, tso_lens[i],
						    i == 1 ? 536 : 1400 };
				VT_CHECK(tx_one(&s, &nseg));
				tx++;
			}
	vt_info("%u Tx frames checked at net_vhost, TSO frames cut into %u segments, all verified",
		tx, nseg);

	vt_phase("Rx: checksum offload and VLAN strip, 60 to 1514 bytes");
	for (k = 0; k < 4; k++)
		for (v = 0; v < 2; v++)
			for (i = 0; i < RTE_DIM(csum_lens); i++) {
				s = (struct shape){ k, v, RTE_MAX(csum_lens[i],
					l2_of(v) + l3_of(k) + l4_of(k) + 6), 0 };
				VT_CHECK(rx_one(&s));
				rx++;
			}
	vt_phase("Rx: LRO frames, 3000 to 65000 bytes");
	for (k = 0; k < 4; k += 2)
		for (v = 0; v < 2; v++)
			for (i = 0; i < RTE_DIM(tso_lens); i++) {
				s = (struct shape){ k, v, tso_lens[i],
						    i == 1 ? 536 : 1400 };
				VT_CHECK(rx_one(&s));
				rx++;
			}
	vt_info("%u Rx frames checked at the driver", rx);

	VT_CHECK(bad_input());
	VT_CHECK(vt_pair_down(&p, true));
	VT_CHECK(vt_pair_free_pools(&p));
	return refused(&o, &conf);
}

static const struct vt_test test = {
	.name = "offload",
	.usage = "split|packed RING va|pa|vduse [iommu|tiny_bounce]",
	.timeout_s = 120,
	.setup = setup,
	.teardown = teardown,
	.run = run,
};

int
main(int argc, char **argv)
{
	return vt_main(&test, argc, argv);
}
