/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The virtio_map authors
 */

/*
 * The software Rx filter (see vmq_filter.h): called from the Rx burst
 * only while a filter is set.
 */

#include <rte_byteorder.h>

#include "vmq_filter.h"

static bool
vmq_filter_mac(const struct rte_ether_addr *a,
	       const struct rte_ether_addr *list, uint16_t n)
{
	uint16_t i;

	for (i = 0; i < n; i++)
		if (rte_is_same_ether_addr(a, &list[i]))
			return true;
	return false;
}

static bool
vmq_filter_pass(const struct vmq_filter *f, const struct rte_mbuf *m)
{
	/* the headers, also when a first segment holds fewer bytes */
	uint8_t buf[RTE_ETHER_HDR_LEN + sizeof(struct rte_vlan_hdr)];
	uint32_t len = RTE_MIN(m->pkt_len, (uint32_t)sizeof(buf));
	const struct rte_ether_hdr *eh;
	const struct rte_vlan_hdr *vh;
	uint16_t vid;

	if (len < RTE_ETHER_HDR_LEN)
		return f->promisc && !f->vlan_on;
	eh = rte_pktmbuf_read(m, 0, len, buf);
	if (!f->promisc) {
		const struct rte_ether_addr *d = &eh->dst_addr;
		uint16_t n;

		if (rte_is_broadcast_ether_addr(d)) {
			/* always */
		} else if (rte_is_multicast_ether_addr(d)) {
			n = __atomic_load_n(&f->n_mc, __ATOMIC_ACQUIRE);
			if (!f->allmulti && !vmq_filter_mac(d, f->mc, n))
				return false;
		} else {
			n = __atomic_load_n(&f->n_uc, __ATOMIC_ACQUIRE);
			if (!vmq_filter_mac(d, f->uc, n))
				return false;
		}
	}
	/* untagged frames pass the VLAN filter */
	if (f->vlan_on &&
	    eh->ether_type == rte_cpu_to_be_16(RTE_ETHER_TYPE_VLAN)) {
		if (len < RTE_ETHER_HDR_LEN + sizeof(*vh))
			return false;
		vh = (const struct rte_vlan_hdr *)(eh + 1);
		vid = rte_be_to_cpu_16(vh->vlan_tci) & 0xfff;
		if (!(f->vlans[vid / 64] & (1ULL << (vid % 64))))
			return false;
	}
	return true;
}

uint16_t
vmq_filter_apply(const struct vmq_filter *f, struct rte_mbuf **pkts,
		 uint16_t n, uint64_t *dropped, uint64_t *dropped_bytes)
{
	uint16_t i, k = 0;

	*dropped = 0;
	*dropped_bytes = 0;
	for (i = 0; i < n; i++) {
		if (vmq_filter_pass(f, pkts[i])) {
			pkts[k++] = pkts[i];
			continue;
		}
		(*dropped)++;
		*dropped_bytes += pkts[i]->pkt_len;
		rte_pktmbuf_free(pkts[i]);
	}
	return k;
}
