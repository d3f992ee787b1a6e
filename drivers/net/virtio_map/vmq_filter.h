/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The virtio_map authors
 */

/*
 * The Rx filter a port applies in its own data path when the device
 * cannot (DPDK's vhost delivers every frame): destination MAC against the
 * port's unicast and multicast addresses, allmulti, and the VLAN filter.
 * A queue points at its port's filter only while one is set, so a
 * promiscuous port without a VLAN filter pays one branch per burst.
 */

#ifndef _VMQ_FILTER_H_
#define _VMQ_FILTER_H_

#include <stdbool.h>
#include <stdint.h>

#include <rte_ether.h>
#include <rte_mbuf.h>

/** Unicast addresses a port can filter on (the port's own one included). */
#define VMQ_FILTER_MAX_UC	16
/** Multicast addresses of set_mc_addr_list. */
#define VMQ_FILTER_MAX_MC	64

/**
 * What a port lets through. Written by the control path while bursts may
 * read it: an entry is written before the count that covers it grows, so
 * a burst sees the old or the new list, at worst filtering a frame or two
 * by the old rules during a change.
 */
struct vmq_filter {
	bool promisc;		/**< every destination MAC */
	bool allmulti;		/**< every multicast MAC */
	bool vlan_on;		/**< tagged frames need their VLAN set */
	uint16_t n_uc;		/**< entries of uc in use (an empty slot
				 * holds the broadcast address, which the
				 * unicast check never looks for) */
	uint16_t n_mc;		/**< entries of mc */
	struct rte_ether_addr uc[VMQ_FILTER_MAX_UC];	/**< [0]: port MAC */
	struct rte_ether_addr mc[VMQ_FILTER_MAX_MC];
	uint64_t vlans[4096 / 64];	/**< VLAN ids let through */
};

/** Whether f filters anything (else queues do not look at it). */
static inline bool
vmq_filter_active(const struct vmq_filter *f)
{
	return !f->promisc || f->vlan_on;
}

/**
 * Keep the frames of pkts[0..n) that f lets through, in order, free the
 * others.
 *
 * @return frames kept (at the front of pkts)
 * @param dropped  out: frames freed
 * @param dropped_bytes  out: their bytes
 */
uint16_t vmq_filter_apply(const struct vmq_filter *f, struct rte_mbuf **pkts,
			  uint16_t n, uint64_t *dropped,
			  uint64_t *dropped_bytes);

#endif /* _VMQ_FILTER_H_ */
