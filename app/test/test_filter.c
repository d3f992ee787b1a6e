/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The virtio_map authors
 */

/*
 * Integration test "filter": the driver's Rx filter against DPDK's
 * net_vhost, which delivers every frame. net_vhost sends frames to chosen
 * destination MACs, some VLAN-tagged, then a marker frame to the port's
 * own MAC; the frames arrive in order on one queue, so once the marker is
 * in, every frame before it was let through or filtered. Each case says
 * exactly which frames must arrive:
 *   - after start (ethdev turns promiscuous mode off): the port's MAC and
 *     broadcast only;
 *   - mac_addr_add: that unicast too; set_mc_addr_list: that multicast
 *     too, not another; allmulticast: every multicast;
 *   - promiscuous on: everything;
 *   - VLAN filter on with VLAN 100: tagged 100 and untagged frames, not
 *     tagged 200.
 * Filtered frames are freed (mbufs back in the pool) and counted in the
 * xstat rx_q0_filtered, and not in ipackets. Arguments: LAYOUT MAP
 * (split|packed, va|vduse).
 */

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <rte_ethdev.h>

#include "vt.h"

#define MAX_FRAMES	16
#define FRAME_LEN	64

/* One frame of a case: where to, which VLAN (0: untagged), must pass. */
struct frame {
	struct rte_ether_addr dst;
	uint16_t vlan;
	bool pass;
};

static struct vt_pair p;
static uint64_t filtered_total, through_total;

static const struct rte_ether_addr other_uc = {{ 0x02, 0, 0, 0, 0x11, 0x11 }};
static const struct rte_ether_addr bcast = {{ 0xff, 0xff, 0xff, 0xff, 0xff,
					      0xff }};
static const struct rte_ether_addr mc1 = {{ 0x01, 0x00, 0x5e, 0, 0, 1 }};
static const struct rte_ether_addr mc2 = {{ 0x01, 0x00, 0x5e, 0, 0, 2 }};

/* A 64-byte frame to dst, tagged with vlan unless 0, carrying id. */
static struct rte_mbuf *
frame_make(const struct rte_ether_addr *dst, uint16_t vlan, uint8_t id)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(p.gen_pool);
	struct rte_ether_hdr *eh;
	struct rte_vlan_hdr *vh;
	uint8_t *d;

	if (m == NULL)
		return NULL;
	d = (uint8_t *)rte_pktmbuf_append(m, FRAME_LEN);
	memset(d, 0, FRAME_LEN);
	eh = (struct rte_ether_hdr *)d;
	eh->dst_addr = *dst;
	rte_eth_macaddr_get(p.vhost_port, &eh->src_addr);
	if (vlan != 0) {
		eh->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_VLAN);
		vh = (struct rte_vlan_hdr *)(eh + 1);
		vh->vlan_tci = rte_cpu_to_be_16(vlan);
		vh->eth_proto = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4);
	} else {
		eh->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4);
	}
	d[FRAME_LEN - 1] = id;
	return m;
}

/* Send the frames and a marker, check exactly the passing ones arrive. */
static int
run_case(const char *what, const struct frame *f, unsigned int n)
{
	struct rte_mbuf *tx[MAX_FRAMES + 1], *rx[32];
	struct rte_ether_addr own;
	unsigned int i, sent = 0, nb, got = 0, want = 0;
	bool seen[MAX_FRAMES + 1] = { false }, marker = false;
	uint64_t filtered;
	double t0;
	uint8_t id;

	vt_phase("%s", what);
	rte_eth_macaddr_get(p.drv_port, &own);
	for (i = 0; i < n; i++) {
		tx[i] = frame_make(&f[i].dst, f[i].vlan, i);
		VT_ASSERT(tx[i] != NULL, "frame");
		want += f[i].pass;
	}
	tx[n] = frame_make(&own, 0, MAX_FRAMES);
	VT_ASSERT(tx[n] != NULL, "marker");
	for (t0 = vt_now(); sent < n + 1 && vt_now() - t0 < 5;)
		sent += rte_eth_tx_burst(p.vhost_port, 0, &tx[sent],
					 n + 1 - sent);
	VT_ASSERT_EQ(n + 1, sent, "frames sent by net_vhost");
	for (t0 = vt_now(); !marker && vt_now() - t0 < 5;) {
		nb = rte_eth_rx_burst(p.drv_port, 0, rx, RTE_DIM(rx));
		for (i = 0; i < nb; i++) {
			id = rte_pktmbuf_mtod(rx[i], uint8_t *)[FRAME_LEN - 1];
			if (id == MAX_FRAMES) {
				marker = true;
			} else if (id < n) {
				VT_ASSERT(f[id].pass, "%s: frame %u (VLAN %u) let through",
					  what, id, f[id].vlan);
				VT_ASSERT(!seen[id], "frame %u twice", id);
				seen[id] = true;
				got++;
			}
		}
		rte_pktmbuf_free_bulk(rx, nb);
	}
	VT_ASSERT(marker, "%s: the marker frame arrived", what);
	for (i = 0; i < n; i++)
		VT_ASSERT(seen[i] || !f[i].pass, "%s: frame %u filtered", what,
			  i);
	VT_ASSERT_EQ(want, got, "frames let through");
	filtered_total += n - want;
	through_total += want + 1;	/* and the marker */
	VT_CHECK(vt_xstat_get(p.drv_port, "rx_q0_filtered", &filtered));
	VT_ASSERT_EQ(filtered_total, filtered, "xstat rx_q0_filtered");
	vt_info("%s: %u of %u frames through, %u filtered", what, got, n,
		n - want);
	return VT_PASS;
}

static int
run(int argc, char **argv)
{
	struct vt_pair_opts o = { .window = 64 };
	struct rte_ether_addr own;
	struct rte_eth_stats st;
	unsigned int ring = 0;

	if (argc != 2) {
		vt_fail(__FILE__, __LINE__, "arguments: split|packed va|vduse");
		return VT_FAIL;
	}
	VT_CHECK(vt_ring_parse(argv[0], "off", &ring));
	o.ring = ring;
	o.map = argv[1];
	VT_CHECK(vt_eal_init(NULL));
	VT_CHECK(vt_pair_up(&p, &o));
	rte_eth_macaddr_get(p.drv_port, &own);
	VT_ASSERT_EQ(0, rte_eth_promiscuous_get(p.drv_port),
		     "promiscuous after start");
	VT_ASSERT_OK(rte_eth_stats_reset(p.drv_port), "stats reset");

	{
		const struct frame f[] = {
			{ own, 0, true }, { other_uc, 0, false },
			{ bcast, 0, true }, { mc1, 0, false },
		};
		VT_CHECK(run_case("promiscuous off", f, RTE_DIM(f)));
	}
	VT_ASSERT_OK(rte_eth_dev_mac_addr_add(p.drv_port,
				(struct rte_ether_addr *)&other_uc, 0),
		     "mac_addr_add");
	VT_ASSERT_OK(rte_eth_dev_set_mc_addr_list(p.drv_port,
				(struct rte_ether_addr *)&mc1, 1),
		     "set_mc_addr_list");
	{
		const struct frame f[] = {
			{ other_uc, 0, true }, { mc1, 0, true },
			{ mc2, 0, false }, { own, 0, true },
		};
		VT_CHECK(run_case("an added unicast and a multicast list", f,
				  RTE_DIM(f)));
	}
	VT_ASSERT_OK(rte_eth_allmulticast_enable(p.drv_port), "allmulti");
	VT_ASSERT_OK(rte_eth_dev_mac_addr_remove(p.drv_port,
				(struct rte_ether_addr *)&other_uc),
		     "mac_addr_remove");
	{
		const struct frame f[] = {
			{ mc1, 0, true }, { mc2, 0, true },
			{ other_uc, 0, false },
		};
		VT_CHECK(run_case("allmulticast, unicast removed", f,
				  RTE_DIM(f)));
	}
	VT_ASSERT_OK(rte_eth_promiscuous_enable(p.drv_port), "promisc on");
	{
		const struct frame f[] = {
			{ other_uc, 0, true }, { mc2, 0, true },
			{ own, 200, true },
		};
		VT_CHECK(run_case("promiscuous on", f, RTE_DIM(f)));
	}
	VT_ASSERT_OK(rte_eth_dev_set_vlan_offload(p.drv_port,
						  RTE_ETH_VLAN_FILTER_OFFLOAD),
		     "VLAN filter offload");
	VT_ASSERT_OK(rte_eth_dev_vlan_filter(p.drv_port, 100, 1),
		     "vlan 100");
	{
		const struct frame f[] = {
			{ own, 100, true }, { own, 200, false },
			{ own, 0, true }, { other_uc, 100, true },
		};
		VT_CHECK(run_case("VLAN filter 100 (promiscuous)", f,
				  RTE_DIM(f)));
	}
	VT_ASSERT_OK(rte_eth_stats_get(p.drv_port, &st), "stats");
	vt_info("ipackets %" PRIu64 ", filtered %" PRIu64, st.ipackets,
		filtered_total);
	VT_ASSERT_EQ(through_total, st.ipackets, "ipackets: frames let through");
	VT_CHECK(vt_pair_down(&p, true));
	return vt_pair_free_pools(&p);
}

static const struct vt_test test = {
	.name = "filter",
	.usage = "split|packed va|vduse",
	.timeout_s = 60,
	.run = run,
};

int
main(int argc, char **argv)
{
	return vt_main(&test, argc, argv);
}
