/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The virtio_map authors
 */

/*
 * Integration test "mtu": the device learns the port's MTU. With
 * VIRTIO_NET_F_MTU agreed and the vhost-user protocol feature NET_MTU,
 * the driver sends its MTU at bring-up and on every change
 * (VHOST_USER_NET_SET_MTU); DPDK's vhost then reports it
 * (rte_vhost_get_mtu() on net_vhost's vid). Checked: 8986 at bring-up
 * (9000-byte frames), 1500 after rte_eth_dev_set_mtu() on the running
 * port, 1500 again for a new backend after a reconnect, and an MTU above
 * max_mtu refused by ethdev.
 * With the argument "negotiated": mrg_rxbuf=1, 2 KB Rx mbufs and a backend
 * that does not offer VIRTIO_NET_F_MRG_RXBUF (net_vhost's socket with the
 * feature disabled). While the link is up, MTU 9000 is refused with
 * -EINVAL and a message naming port, MTU, mbuf room and pool; the port's
 * MTU and the device's stay 1500 and traffic still flows. With the link
 * down (no backend) the devarg decides: MTU 9000 is taken.
 */

#include <stdlib.h>
#include <string.h>

#include <rte_eth_vhost.h>
#include <rte_ethdev.h>
#include <rte_vhost.h>

#include "vt.h"

#define NEG_ROOM	2048	/* data room of the Rx mbufs, no headroom */

/* The MTU net_vhost's device reports, waiting for it to be there. */
static int
vhost_mtu(struct vt_pair *p, uint16_t want)
{
	uint16_t mtu = 0;
	double t0;
	int vid, ret = -1;

	for (t0 = vt_now(); vt_now() - t0 < 5; rte_delay_us_sleep(10000)) {
		vid = rte_eth_vhost_get_vid_from_port_id(p->vhost_port);
		ret = vid < 0 ? vid : rte_vhost_get_mtu(vid, &mtu);
		if (ret == 0 && mtu == want)
			break;
	}
	vt_info("net_vhost reports MTU %u (rte_vhost_get_mtu: %d)", mtu, ret);
	VT_ASSERT_OK(ret, "rte_vhost_get_mtu");
	VT_ASSERT_EQ(want, mtu, "MTU the device learnt");
	return VT_PASS;
}

/*
 * mrg_rxbuf=1 asked for, not agreed: mtu_set must go by what the device
 * agreed to while the link is up, and by the devarg while it is down.
 */
static int
negotiated(void)
{
	struct vt_pair_opts o = { .window = 64, .ring = VT_RING_MRG_RXBUF,
				  .drv_rx_room = NEG_ROOM +
						 RTE_PKTMBUF_HEADROOM };
	struct rte_eth_rxq_info qi;
	char want[128];
	struct vt_pair p;
	uint16_t mtu;
	char *log;
	int ret;

	VT_CHECK(vt_pair_init(&p, &o));
	VT_CHECK(vt_pair_vhost_create(&p));
	/* net_vhost registers its socket at configure; the driver is not
	 * there yet, so its GET_FEATURES goes without MRG_RXBUF */
	VT_CHECK(vt_port_setup(p.vhost_port, p.queue_size, p.vhost_pool,
			       p.max_frame));
	VT_ASSERT_OK(rte_vhost_driver_disable_features(p.sock,
				1ULL << VIRTIO_NET_F_MRG_RXBUF),
		     "rte_vhost_driver_disable_features(MRG_RXBUF)");
	VT_CHECK(vt_pair_drv_create(&p));
	VT_CHECK(vt_port_setup(p.drv_port, p.queue_size, p.drv_pool,
			       p.max_frame));
	VT_CHECK(vt_port_start(p.vhost_port));
	VT_CHECK(vt_port_start(p.drv_port));
	VT_CHECK(vt_wait_link(p.drv_port, true, 5000));
	VT_CHECK(vt_wait_link(p.vhost_port, true, 5000));
	VT_CHECK(vhost_mtu(&p, RTE_ETHER_MTU));
	/* scattered Rx is what was agreed: no mergeable buffers */
	VT_ASSERT_OK(rte_eth_rx_queue_info_get(p.drv_port, 0, &qi),
		     "rxq_info");
	VT_ASSERT_EQ(0, qi.scattered_rx, "scattered_rx (MRG_RXBUF agreed)");
	VT_ASSERT_EQ(NEG_ROOM, rte_pktmbuf_data_room_size(p.drv_pool) -
		     RTE_PKTMBUF_HEADROOM, "Rx mbuf room");

	vt_phase("MTU 9000 with 2 KB mbufs, MRG_RXBUF not agreed: refused");
	VT_CHECK(vt_log_capture_start());
	ret = rte_eth_dev_set_mtu(p.drv_port, 9000);
	log = vt_log_capture_stop();
	if (ret != -EINVAL) {
		free(log);
		VT_ASSERT_EQ(-EINVAL, ret, "set_mtu(9000) while up");
	}
	snprintf(want, sizeof(want), "%s: MTU 9000", p.drv_name);
	ret = strstr(log, want) != NULL &&
	      strstr(log, p.drv_pool->name) != NULL &&
	      strstr(log, RTE_STR(NEG_ROOM) " bytes") != NULL &&
	      strstr(log, "not negotiated with this backend") != NULL;
	if (!ret)
		vt_fail(__FILE__, __LINE__, "refusal: expected a line naming \"%s\", pool %s, %u bytes and \"not negotiated with this backend\", actual \"%s\"",
			want, p.drv_pool->name, NEG_ROOM, log);
	free(log);
	if (!ret)
		return VT_FAIL;
	VT_ASSERT_OK(rte_eth_dev_get_mtu(p.drv_port, &mtu), "get_mtu");
	VT_ASSERT_EQ(RTE_ETHER_MTU, mtu, "port MTU after the refusal");
	VT_CHECK(vhost_mtu(&p, RTE_ETHER_MTU));
	VT_CHECK(vt_pair_traffic(&p, 500, 60, 1514));

	vt_phase("no backend: the devarg decides");
	VT_CHECK(vt_pair_vhost_remove(&p));
	VT_CHECK(vt_wait_link(p.drv_port, false, 5000));
	VT_ASSERT_OK(rte_eth_dev_set_mtu(p.drv_port, 9000),
		     "set_mtu(9000) with the link down, mrg_rxbuf=1");
	VT_ASSERT_OK(rte_eth_dev_set_mtu(p.drv_port, RTE_ETHER_MTU),
		     "set_mtu(1500) with the link down");
	vt_info("MTU 9000 refused while a backend without MRG_RXBUF was up, taken with the link down");
	VT_CHECK(vt_pair_down(&p, true));
	return vt_pair_free_pools(&p);
}

static int
run(int argc, char **argv)
{
	struct vt_pair_opts o = { .max_frame = 9000, .window = 64,
				  .ring = VT_RING_MRG_RXBUF };
	struct rte_eth_dev_info info;
	struct vt_pair p;

	if (argc > 1 || (argc == 1 && strcmp(argv[0], "negotiated") != 0)) {
		vt_fail(__FILE__, __LINE__, "arguments: [negotiated]");
		return VT_FAIL;
	}
	VT_CHECK(vt_eal_init(NULL));
	if (argc == 1)
		return negotiated();
	VT_CHECK(vt_pair_up(&p, &o));
	VT_CHECK(vhost_mtu(&p, 9000 - RTE_ETHER_HDR_LEN));

	vt_phase("MTU 1500 on the running port");
	VT_ASSERT_OK(rte_eth_dev_set_mtu(p.drv_port, RTE_ETHER_MTU), "set_mtu");
	VT_CHECK(vhost_mtu(&p, RTE_ETHER_MTU));
	VT_CHECK(vt_pair_traffic(&p, 2000, 60, 1514));

	vt_phase("a new backend learns it at bring-up");
	VT_CHECK(vt_pair_vhost_remove(&p));
	VT_CHECK(vt_pair_vhost_create(&p));
	VT_CHECK(vt_port_setup(p.vhost_port, p.queue_size, p.vhost_pool,
			       p.max_frame));
	VT_CHECK(vt_port_start(p.vhost_port));
	VT_CHECK(vt_wait_link(p.drv_port, true, 5000));
	VT_CHECK(vhost_mtu(&p, RTE_ETHER_MTU));

	VT_ASSERT_OK(rte_eth_dev_info_get(p.drv_port, &info), "dev_info");
	VT_ASSERT(rte_eth_dev_set_mtu(p.drv_port, info.max_mtu + 1) < 0,
		  "MTU %u above max_mtu refused", info.max_mtu + 1);
	VT_CHECK(vt_pair_down(&p, true));
	return vt_pair_free_pools(&p);
}

static const struct vt_test test = {
	.name = "mtu",
	.usage = "[negotiated]",
	.timeout_s = 60,
	.run = run,
};

int
main(int argc, char **argv)
{
	return vt_main(&test, argc, argv);
}
