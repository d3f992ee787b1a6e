/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The virtio_map authors
 */

/*
 * Integration test "lazy_connect": net_virtio_map is probed, configured and
 * started before its device exists (DPDK's net_vhost only creates its
 * socket when its port is configured). Probe and start must return at once
 * with the link down; once net_vhost appears the link must come up within a
 * deadline and packets flow. "client" is the default mode (the driver
 * connects); "server" has the driver listen and net_vhost connect later.
 */

#include <string.h>
#include <unistd.h>

#include <rte_ethdev.h>

#include "vt.h"

#define PACKETS 100000
#define LINK_TIMEOUT_MS 15000

static int
run(int argc, char **argv)
{
	struct vt_pair_opts o = { 0 };
	struct rte_eth_link link;
	struct vt_pair p;
	double t0;

	if (argc != 1 || (strcmp(argv[0], "client") != 0 &&
			  strcmp(argv[0], "server") != 0)) {
		vt_fail(__FILE__, __LINE__, "expected one argument, client or server");
		return VT_FAIL;
	}
	o.drv_server = strcmp(argv[0], "server") == 0;

	VT_CHECK(vt_eal_init(NULL));
	VT_CHECK(vt_pair_init(&p, &o));
	VT_ASSERT(access(p.sock, F_OK) != 0 || o.drv_server,
		  "socket %s must not exist yet", p.sock);

	/* the driver first, alone */
	VT_CHECK(vt_pair_drv_create(&p));
	memset(&link, 0, sizeof(link));
	VT_ASSERT_OK(rte_eth_link_get_nowait(p.drv_port, &link), "link get");
	VT_ASSERT_EQ(RTE_ETH_LINK_DOWN, link.link_status,
		     "link after probe without a device");
	VT_CHECK(vt_port_setup(p.drv_port, p.queue_size, p.drv_pool,
			       p.max_frame));
	t0 = vt_now();
	VT_CHECK(vt_port_start(p.drv_port));
	VT_ASSERT(vt_now() - t0 < 2.0, "start without a device took %.2f s",
		  vt_now() - t0);
	VT_ASSERT_OK(rte_eth_link_get_nowait(p.drv_port, &link), "link get");
	VT_ASSERT_EQ(RTE_ETH_LINK_DOWN, link.link_status,
		     "link after start without a device");
	if (!o.drv_server)
		VT_ASSERT(access(p.sock, F_OK) != 0,
			  "socket %s appeared without net_vhost", p.sock);

	/* a burst with no device: taken or not, nothing may break */
	{
		struct rte_mbuf *rx[VT_BURST];

		VT_ASSERT_EQ(0, rte_eth_rx_burst(p.drv_port, 0, rx, VT_BURST),
			     "packets received without a device");
	}

	/* now the device */
	VT_CHECK(vt_pair_vhost_create(&p));
	VT_CHECK(vt_port_setup(p.vhost_port, p.queue_size, p.vhost_pool,
			       p.max_frame));
	t0 = vt_now();
	VT_CHECK(vt_port_start(p.vhost_port));
	VT_CHECK(vt_wait_link(p.drv_port, true, LINK_TIMEOUT_MS));
	VT_CHECK(vt_wait_link(p.vhost_port, true, LINK_TIMEOUT_MS));
	vt_info("links up %.0f ms after net_vhost started",
		(vt_now() - t0) * 1000);

	VT_CHECK(vt_pair_traffic(&p, PACKETS, 60, 1514));
	VT_CHECK(vt_pair_down(&p, true));
	vt_phase("leak check");
	VT_CHECK(vt_pair_free_pools(&p));
	return VT_PASS;
}

static const struct vt_test test = {
	.name = "lazy_connect",
	.usage = "client|server",
	.timeout_s = 170,
	.run = run,
};

int
main(int argc, char **argv)
{
	return vt_main(&test, argc, argv);
}
