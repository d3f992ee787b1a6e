/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The virtio_map authors
 */

/*
 * Integration test "feature_change": the backend is replaced, while the
 * driver's port stays started, by one that offers less than the port was
 * started with, then by a full one again. The driver must keep its link
 * down while the short backend is there, say once (however often that
 * backend knocks) which feature it lacks, and come up with traffic once a
 * full backend is back.
 *   iommu_server  the driver listens with iommu=on; net_vhost connects,
 *                 first with iommu-support=1, then without (it knocks
 *                 again every second after being turned down): the line
 *                 names VIRTIO_F_ACCESS_PLATFORM.
 *   mrg_client    the driver connects with mrg_rxbuf=1 and an MTU of 8986
 *                 on 2 KB Rx mbufs; the short backend is DPDK's vhost
 *                 library with VIRTIO_NET_F_MRG_RXBUF disabled: the line
 *                 names it and the MTU.
 *   nochan_client the driver connects with iommu=on,iotlb_prefill=0; the
 *                 short backend is DPDK's vhost library with an IOTLB but
 *                 without the request channel (protocol feature
 *                 SLAVE_REQ) the device would report misses on: the line
 *                 names the channel.
 */

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_ethdev.h>
#include <rte_vhost.h>

#include "virtio_map_compat.h"
#include "vt.h"

#define UP_TIMEOUT_S	5.0
#define DOWN_TIMEOUT_S	3.5	/* DPDK's vhost lets go within about 1 s */
#define WATCH_S		2.5	/* the short backend knocks twice or more */
#define PACKETS		2000

static int
raw_new_device(int vid __rte_unused)
{
	return 0;
}

static void
raw_destroy_device(int vid __rte_unused)
{
}

/* Connections the short backend saw: the driver, as a client, must not
 * knock again on a backend it turned down. */
static uint32_t raw_connections;

static int
raw_new_connection(int vid __rte_unused)
{
	__atomic_fetch_add(&raw_connections, 1, __ATOMIC_RELAXED);
	return 0;
}

static const struct rte_vhost_device_ops raw_ops = {
	.new_device = raw_new_device,
	.destroy_device = raw_destroy_device,
	.new_connection = raw_new_connection,
};

/*
 * DPDK's vhost library at path: without mergeable Rx buffers, or (nochan)
 * with an IOTLB but without the request channel.
 */
static int
raw_backend_start(const char *path, bool nochan)
{
	uint64_t pf;

	VT_ASSERT_OK(rte_vhost_driver_register(path, nochan ?
			RTE_VHOST_USER_IOMMU_SUPPORT : 0), "vhost register");
	if (nochan) {
		VT_ASSERT_OK(rte_vhost_driver_get_protocol_features(path, &pf),
			     "protocol features");
		VT_ASSERT_OK(rte_vhost_driver_set_protocol_features(path,
				pf & ~(1ULL << VM_VHOST_PROTOCOL_F_BACKEND_REQ)),
			     "leave out SLAVE_REQ");
	} else {
		VT_ASSERT_OK(rte_vhost_driver_disable_features(path,
				1ULL << VIRTIO_NET_F_MRG_RXBUF),
			     "disable MRG_RXBUF");
	}
	VT_ASSERT_OK(rte_vhost_driver_callback_register(path, &raw_ops),
		     "vhost callbacks");
	VT_ASSERT_OK(rte_vhost_driver_start(path), "vhost start");
	return VT_PASS;
}

/* How often needle occurs in text. */
static unsigned int
count(const char *text, const char *needle)
{
	unsigned int n = 0;

	for (; (text = strstr(text, needle)) != NULL; text++)
		n++;
	return n;
}

/* A full net_vhost (again): link up with an event, traffic both ways. */
static int
full_backend(struct vt_pair *p, const char *extra)
{
	uint32_t seen = vt_lsc_count(true);

	p->opts.vhost_extra = extra;
	VT_CHECK(vt_pair_vhost_create(p));
	VT_CHECK(vt_port_setup(p->vhost_port, p->queue_size, p->vhost_pool,
			       p->max_frame));
	VT_CHECK(vt_port_start(p->vhost_port));
	VT_ASSERT(vt_wait_link_lsc(p->drv_port, true, seen, UP_TIMEOUT_S,
				   NULL, NULL) >= 0,
		  "link up with an LSC event within %.0f s", UP_TIMEOUT_S);
	VT_CHECK(vt_wait_link(p->vhost_port, true, 5000));
	return vt_pair_traffic(p, PACKETS, 60, p->max_frame);
}

static int
run(int argc, char **argv)
{
	struct vt_pair_opts o = { .drv_lsc = true, .window = 64 };
	const char *full_extra = NULL, *short_extra = NULL, *needle;
	struct rte_eth_link link;
	uint32_t seen, ups;
	struct vt_pair p;
	bool mrg, nochan;
	char *log;
	double t0;

	if (argc != 1 || (strcmp(argv[0], "iommu_server") != 0 &&
			  strcmp(argv[0], "mrg_client") != 0 &&
			  strcmp(argv[0], "nochan_client") != 0)) {
		vt_fail(__FILE__, __LINE__,
			"argument: iommu_server|mrg_client|nochan_client");
		return VT_FAIL;
	}
	mrg = strcmp(argv[0], "mrg_client") == 0;
	nochan = strcmp(argv[0], "nochan_client") == 0;
	if (nochan) {
		o.drv_extra = "iommu=on,iotlb_prefill=0";
		full_extra = "iommu-support=1";
		needle = "no request channel";
	} else if (mrg) {
		o.ring = VT_RING_MRG_RXBUF;
		o.max_frame = 9000;
		o.drv_rx_room = 2048 + RTE_PKTMBUF_HEADROOM;
		needle = "does not offer VIRTIO_NET_F_MRG_RXBUF, which MTU";
	} else {
		o.drv_server = true;
		o.drv_extra = "iommu=on";
		full_extra = "iommu-support=1";
		needle = "does not offer VIRTIO_F_ACCESS_PLATFORM";
	}
	VT_CHECK(vt_eal_init(NULL));
	o.vhost_extra = full_extra;
	VT_CHECK(vt_pair_up(&p, &o));
	VT_CHECK(vt_lsc_watch(p.drv_port));
	VT_CHECK(vt_pair_traffic(&p, PACKETS, 60, p.max_frame));

	vt_phase("the backend goes away");
	seen = vt_lsc_count(false);
	VT_CHECK(vt_pair_vhost_remove(&p));
	VT_ASSERT(vt_wait_link_lsc(p.drv_port, false, seen, DOWN_TIMEOUT_S,
				   NULL, NULL) >= 0, "link down with an event");

	vt_phase("a backend short of a feature comes");
	ups = vt_lsc_count(true);
	VT_CHECK(vt_log_capture_start());
	if (mrg || nochan) {
		VT_CHECK(raw_backend_start(p.sock, nochan));
	} else {
		p.opts.vhost_extra = short_extra;
		VT_CHECK(vt_pair_vhost_create(&p));
		VT_CHECK(vt_port_setup(p.vhost_port, p.queue_size,
				       p.vhost_pool, p.max_frame));
		VT_CHECK(vt_port_start(p.vhost_port));
	}
	for (t0 = vt_now(); vt_now() - t0 < UP_TIMEOUT_S &&
	     !vt_log_contains(needle);)
		rte_delay_us_sleep(10000);
	/* proving a repeat absent takes time: the backend may knock again */
	rte_delay_us_sleep(WATCH_S * 1e6);
	log = vt_log_capture_stop();
	vt_info("'%s' logged %u time(s) in %.1f s", needle,
		count(log, needle), vt_now() - t0);
	VT_ASSERT_EQ(1, count(log, needle), "refusals logged");
	VT_ASSERT(strstr(log, "link stays down until another backend") != NULL,
		  "the line says the link stays down");
	if (mrg)
		VT_ASSERT(strstr(log, "MTU 8986 needs") != NULL,
			  "the line names the MTU");
	free(log);
	VT_ASSERT_OK(rte_eth_link_get_nowait(p.drv_port, &link), "link");
	VT_ASSERT_EQ(RTE_ETH_LINK_DOWN, link.link_status, "driver link");
	VT_ASSERT_EQ(ups, vt_lsc_count(true), "LSC up events meanwhile");
	if (mrg || nochan)
		VT_ASSERT_EQ(1, __atomic_load_n(&raw_connections,
						__ATOMIC_RELAXED),
			     "connections to the backend turned down");

	vt_phase("the short backend goes, a full one comes");
	if (mrg || nochan)
		VT_ASSERT_OK(rte_vhost_driver_unregister(p.sock),
			     "vhost unregister");
	else
		VT_CHECK(vt_pair_vhost_remove(&p));
	VT_CHECK(full_backend(&p, full_extra));

	vt_lsc_unwatch(p.drv_port);
	VT_CHECK(vt_pair_down(&p, true));
	return vt_pair_free_pools(&p);
}

static const struct vt_test test = {
	.name = "feature_change",
	.usage = "iommu_server|mrg_client|nochan_client",
	.run = run,
	.timeout_s = 120,
};

int
main(int argc, char **argv)
{
	return vt_main(&test, argc, argv);
}
