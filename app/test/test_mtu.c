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
 */

#include <rte_eth_vhost.h>
#include <rte_ethdev.h>
#include <rte_vhost.h>

#include "vt.h"

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

static int
run(int argc, char **argv)
{
	struct vt_pair_opts o = { .max_frame = 9000, .window = 64,
				  .ring = VT_RING_MRG_RXBUF };
	struct rte_eth_dev_info info;
	struct vt_pair p;

	RTE_SET_USED(argc);
	RTE_SET_USED(argv);
	VT_CHECK(vt_eal_init(NULL));
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
	.usage = "",
	.timeout_s = 60,
	.run = run,
};

int
main(int argc, char **argv)
{
	return vt_main(&test, argc, argv);
}
