/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The virtio_map authors
 */

/*
 * Integration test "dev_info": what net_virtio_map reports and accepts
 * follows its ring devargs, for both layouts. With mrg_rxbuf=1 the port
 * reports RTE_ETH_RX_OFFLOAD_SCATTER, accepts it in rte_eth_dev_configure()
 * and accepts an Rx pool of 2 KB mbufs under an MTU for 9000-byte frames
 * (frames span several mbufs); with mrg_rxbuf=0 it reports no scatter,
 * ethdev refuses the offload, and the driver refuses that pool with a
 * message pointing at mrg_rxbuf. Every combination reports multi-segment
 * Tx of up to 16 segments and frames up to 9018 bytes. Ring sizes: any
 * power of two from 64 to 32768 per queue (0: the queue_size devarg);
 * 1000 is refused with a message naming the rule and the devarg;
 * rxq_info_get and txq_info_get report the ring sizes, the burst mode
 * names the layout and the map kind. RSS is accepted as mq_mode, with no
 * hash types reported. No device is needed: the socket has nobody behind
 * it.
 */

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <rte_bus_vdev.h>
#include <rte_cpuflags.h>
#include <rte_ethdev.h>
#include <rte_vect.h>

#include "vt.h"

#define DRV "net_virtio_map0"
#define JUMBO_FRAME 9000
#define TX_SEGS 16		/* per packet; TSO packets up to TSO_SEGS */
#define TSO_SEGS 64
#define MAX_FRAME 9018		/* 9000-byte MTU + Ethernet header + VLAN */
#define SMALL_ROOM 2048		/* mbuf data room, headroom included */

/* Ring sizes per queue, queue info, burst mode, RSS accepted. */

/*
 * The instruction set the bursts should use, from the CPU's flags and
 * EAL's SIMD width (--force-max-simd-bitwidth in VT_EAL_ARGS): the
 * widest of AVX-512 (F, BW, VL), AVX2 and scalar that both allow.
 */
static const char *
expected_simd(void)
{
	uint16_t w = rte_vect_get_max_simd_bitwidth();

#ifdef RTE_ARCH_X86
	if (w >= RTE_VECT_SIMD_512 &&
	    rte_cpu_get_flag_enabled(RTE_CPUFLAG_AVX512F) > 0 &&
	    rte_cpu_get_flag_enabled(RTE_CPUFLAG_AVX512BW) > 0 &&
	    rte_cpu_get_flag_enabled(RTE_CPUFLAG_AVX512VL) > 0)
		return ", AVX-512";
	if (w >= RTE_VECT_SIMD_256 &&
	    rte_cpu_get_flag_enabled(RTE_CPUFLAG_AVX2) > 0)
		return ", AVX2";
#else
	RTE_SET_USED(w);
#endif
	return ", scalar";
}

static int
check_rings(uint16_t port, struct rte_mempool *mp, bool mrg)
{
	struct rte_eth_burst_mode bm;
	struct rte_eth_dev_info info;
	struct rte_eth_rxq_info rxi;
	struct rte_eth_txq_info txi;
	struct rte_eth_conf conf;
	char *log;
	int ret;

	memset(&conf, 0, sizeof(conf));
	conf.rxmode.mq_mode = RTE_ETH_MQ_RX_RSS;
	if (!mrg)
		conf.rxmode.mtu = RTE_ETHER_MTU;
	VT_ASSERT_OK(rte_eth_dev_configure(port, 1, 1, &conf),
		     "configure with mq_mode RSS");
	VT_ASSERT_OK(rte_eth_dev_info_get(port, &info), "dev_info");
	VT_ASSERT_EQ(0, info.flow_type_rss_offloads, "flow_type_rss_offloads");
	VT_ASSERT_EQ(64, info.rx_desc_lim.nb_min, "rx nb_min");
	VT_ASSERT_EQ(32768, info.rx_desc_lim.nb_max, "rx nb_max");
	VT_ASSERT_EQ(256, info.default_rxportconf.ring_size,
		     "default ring size (queue_size)");

	VT_CHECK(vt_log_capture_start());
	ret = rte_eth_tx_queue_setup(port, 0, 1000, SOCKET_ID_ANY, NULL);
	log = vt_log_capture_stop();
	ret = ret == -EINVAL && strstr(log, "power of two") != NULL &&
	      strstr(log, "queue_size") != NULL ? 0 : ret == 0 ? -1 : ret;
	free(log);
	VT_ASSERT_OK(ret, "1000 Tx descriptors refused, naming the rule and queue_size");
	VT_ASSERT_OK(rte_eth_tx_queue_setup(port, 0, 1024, SOCKET_ID_ANY,
					    NULL), "1024 Tx descriptors");
	VT_ASSERT_OK(rte_eth_rx_queue_setup(port, 0, 0, SOCKET_ID_ANY, NULL,
					    mp), "Rx descriptors 0: default");
	VT_ASSERT_OK(rte_eth_rx_queue_info_get(port, 0, &rxi), "rxq info");
	VT_ASSERT_OK(rte_eth_tx_queue_info_get(port, 0, &txi), "txq info");
	VT_ASSERT_EQ(256, rxi.nb_desc, "Rx ring size");
	VT_ASSERT(rxi.mp == mp, "Rx pool");
	VT_ASSERT_EQ(1024, txi.nb_desc, "Tx ring size");
	VT_ASSERT_OK(rte_eth_rx_burst_mode_get(port, 0, &bm), "burst mode");
	vt_info("burst mode: %s", bm.info);
	VT_ASSERT(strstr(bm.info, "ring") != NULL &&
		  strstr(bm.info, "map=va") != NULL, "burst mode: %s", bm.info);
	VT_ASSERT(strstr(bm.info, expected_simd()) != NULL,
		  "burst mode: %s (expected %s: EAL's SIMD width %u)", bm.info,
		  expected_simd(), rte_vect_get_max_simd_bitwidth());
	VT_ASSERT_OK(rte_eth_tx_burst_mode_get(port, 0, &bm), "Tx burst mode");
	VT_ASSERT(strstr(bm.info, expected_simd()) != NULL,
		  "Tx burst mode: %s (expected %s)", bm.info, expected_simd());
	return VT_PASS;
}

static int
check(struct rte_mempool *small, const char *sock, unsigned int ring)
{
	struct rte_eth_dev_info info;
	struct rte_eth_conf conf;
	const bool mrg = ring & VT_RING_MRG_RXBUF;
	char args[PATH_MAX + 128], rs[128];
	uint16_t port;
	char *log;
	int ret;

	snprintf(args, sizeof(args), "path=%s,packed_vq=%u,mrg_rxbuf=%u",
		 sock, ring & VT_RING_PACKED ? 1 : 0, mrg ? 1 : 0);
	vt_phase("%s: %s", vt_ring_str(ring, rs, sizeof(rs)), args);
	VT_ASSERT_EQ(0, rte_vdev_init(DRV, args), "rte_vdev_init");
	VT_ASSERT_OK(rte_eth_dev_get_port_by_name(DRV, &port), "port by name");

	memset(&info, 0, sizeof(info));
	VT_ASSERT_OK(rte_eth_dev_info_get(port, &info), "rte_eth_dev_info_get");
	vt_info("%s, mrg_rxbuf=%d: rx_offload_capa 0x%" PRIx64 ", tx_offload_capa 0x%" PRIx64 ", max_rx_pktlen %u, max_mtu %u, nb_seg_max %u, nb_mtu_seg_max %u",
		ring & VT_RING_PACKED ? "packed" : "split", mrg,
		info.rx_offload_capa, info.tx_offload_capa, info.max_rx_pktlen,
		info.max_mtu, info.tx_desc_lim.nb_seg_max,
		info.tx_desc_lim.nb_mtu_seg_max);
	VT_ASSERT_EQ(mrg ? RTE_ETH_RX_OFFLOAD_SCATTER : 0,
		     info.rx_offload_capa & RTE_ETH_RX_OFFLOAD_SCATTER,
		     "RTE_ETH_RX_OFFLOAD_SCATTER in rx_offload_capa");
	VT_ASSERT(info.tx_offload_capa & RTE_ETH_TX_OFFLOAD_MULTI_SEGS,
		  "tx_offload_capa 0x%" PRIx64 " lacks MULTI_SEGS",
		  info.tx_offload_capa);
	VT_ASSERT_EQ(TSO_SEGS, info.tx_desc_lim.nb_seg_max,
		     "nb_seg_max (TSO packets)");
	VT_ASSERT_EQ(TX_SEGS, info.tx_desc_lim.nb_mtu_seg_max,
		     "nb_mtu_seg_max");
	/* exactly the offloads the offload and csum tests exercise */
	VT_ASSERT_EQ(RTE_ETH_TX_OFFLOAD_MULTI_SEGS |
		     RTE_ETH_TX_OFFLOAD_IPV4_CKSUM |
		     RTE_ETH_TX_OFFLOAD_UDP_CKSUM |
		     RTE_ETH_TX_OFFLOAD_TCP_CKSUM |
		     RTE_ETH_TX_OFFLOAD_TCP_TSO |
		     RTE_ETH_TX_OFFLOAD_VLAN_INSERT, info.tx_offload_capa,
		     "tx_offload_capa");
	VT_ASSERT_EQ((mrg ? RTE_ETH_RX_OFFLOAD_SCATTER |
			    RTE_ETH_RX_OFFLOAD_TCP_LRO : 0) |
		     RTE_ETH_RX_OFFLOAD_UDP_CKSUM |
		     RTE_ETH_RX_OFFLOAD_TCP_CKSUM |
		     RTE_ETH_RX_OFFLOAD_VLAN_FILTER |
		     RTE_ETH_RX_OFFLOAD_VLAN_STRIP, info.rx_offload_capa,
		     "rx_offload_capa");
	VT_ASSERT_EQ(mrg ? 65597u : 0u, info.max_lro_pkt_size,
		     "max_lro_pkt_size (LRO needs mergeable buffers)");
	VT_ASSERT(info.max_rx_pktlen >= MAX_FRAME,
		  "max_rx_pktlen %u below %u", info.max_rx_pktlen, MAX_FRAME);
	VT_ASSERT(info.max_mtu >= JUMBO_FRAME - RTE_ETHER_HDR_LEN,
		  "max_mtu %u below %u", info.max_mtu,
		  JUMBO_FRAME - RTE_ETHER_HDR_LEN);

	/* ethdev takes the scatter offload only where it is reported */
	memset(&conf, 0, sizeof(conf));
	conf.rxmode.mtu = JUMBO_FRAME - RTE_ETHER_HDR_LEN;
	conf.rxmode.offloads = RTE_ETH_RX_OFFLOAD_SCATTER;
	ret = rte_eth_dev_configure(port, 1, 1, &conf);
	if (mrg)
		VT_ASSERT_OK(ret, "configure with the scatter offload, mrg_rxbuf=1");
	else
		VT_ASSERT(ret < 0, "configure with the scatter offload, mrg_rxbuf=0: expected < 0, actual %d",
			  ret);
	conf.rxmode.offloads = 0;
	VT_ASSERT_OK(rte_eth_dev_configure(port, 1, 1, &conf),
		     "configure for 9000-byte frames");

	/* 2 KB mbufs under a 9000-byte MTU: only with mergeable buffers */
	VT_CHECK(vt_log_capture_start());
	ret = rte_eth_rx_queue_setup(port, 0, 0, SOCKET_ID_ANY, NULL, small);
	log = vt_log_capture_stop();
	if (mrg) {
		free(log);
		VT_ASSERT_OK(ret, "Rx queue of 2 KB mbufs under MTU 8986, mrg_rxbuf=1");
	} else {
		int rc = VT_PASS;

		if (ret >= 0) {
			vt_fail(__FILE__, __LINE__, "Rx queue of 2 KB mbufs under MTU 8986, mrg_rxbuf=0: expected < 0, actual %d",
				ret);
			rc = VT_FAIL;
		} else if (strstr(log, "mrg_rxbuf") == NULL) {
			vt_fail(__FILE__, __LINE__, "refusal: expected a message naming mrg_rxbuf, actual \"%s\"",
				log);
			rc = VT_FAIL;
		}
		free(log);
		if (rc != VT_PASS)
			return rc;
	}
	VT_CHECK(check_rings(port, small, mrg));
	VT_ASSERT_OK(rte_eth_dev_close(port), "close");
	VT_ASSERT_EQ(0, rte_vdev_uninit(DRV), "rte_vdev_uninit");
	return VT_PASS;
}

static int
run(int argc, char **argv)
{
	static const unsigned int rings[] = {
		0, VT_RING_MRG_RXBUF,
		VT_RING_PACKED, VT_RING_PACKED | VT_RING_MRG_RXBUF,
	};
	struct rte_mempool *small;
	char sock[PATH_MAX];
	unsigned int i;

	RTE_SET_USED(argv);
	if (argc != 0) {
		vt_fail(__FILE__, __LINE__, "expected no argument, got %d", argc);
		return VT_FAIL;
	}
	VT_CHECK(vt_eal_init(NULL));
	snprintf(sock, sizeof(sock), "%s/absent.sock", vt_ctx.dir);
	small = rte_pktmbuf_pool_create("vt_small", 512, 0, 0, SMALL_ROOM,
					SOCKET_ID_ANY);
	VT_ASSERT(small != NULL, "pool of 2 KB mbufs");
	for (i = 0; i < RTE_DIM(rings); i++)
		VT_CHECK(check(small, sock, rings[i]));
	VT_ASSERT_IN_USE(small, 0);
	rte_mempool_free(small);
	return VT_PASS;
}

static const struct vt_test test = {
	.name = "dev_info",
	.usage = "(no arguments)",
	.timeout_s = 60,
	.run = run,
};

int
main(int argc, char **argv)
{
	return vt_main(&test, argc, argv);
}
