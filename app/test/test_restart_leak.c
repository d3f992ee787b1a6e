/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The virtio_map authors
 */

/*
 * Integration test "restart_leak": the driver port is stopped and started
 * several times with traffic in between (once also reconfigured, which
 * releases and sets up its queues again, and once with net_vhost's port
 * stopped and started instead), then both ports are closed in the order the
 * argument names. After every stop and after the close, the mbufs out of
 * every pool must be back where they were before the first start. With
 * vhost_first the device goes away under a started driver: its link must go
 * down and a transmit must not hang; then the device comes back, the
 * restarted port carries traffic again, and at the end net_vhost is closed
 * first again before the driver. An optional second argument names the map
 * kind, and a third, debug, turns on the map debug layer (map_debug=1),
 * whose error count must stay 0 through every stop, start and close.
 *
 * With x100 as the first argument, then a ring layout, a map kind and ring
 * options ("off" or e.g. in_order+mrg_rxbuf+indirect+event_idx), the
 * driver port is stopped and started 100 times (every 25th time also
 * reconfigured) with traffic in between: frames of 60..9000 bytes, sent
 * by the driver as chains of 2 KB mbufs and, with mrg_rxbuf, received into
 * 2 KB mbufs. Every other stop finds packets in flight both ways (in the
 * driver's Tx ring, not taken, and in its Rx ring, not received). Traffic
 * must resume after every start with none of them showing up, and the
 * mbufs out must be back at their start value after every stop and at the
 * end.
 */

#include <string.h>

#include <rte_bus_vdev.h>
#include <rte_ethdev.h>

#include "rte_pmd_virtio_map.h"
#include "vt.h"

#define CYCLES 5
#define PACKETS 20000
#define X100_CYCLES 100
#define X100_PACKETS 2000
#define X100_FRAME 9000
#define X100_SEG_SIZE 2048
#define X100_RX_ROOM 2048

static bool map_debug;

static unsigned int
in_use(const struct vt_pair *p)
{
	return vt_pair_in_use(p);
}

/* With map_debug=1 the layer must have found nothing wrong. */
static int
check_debug(const struct vt_pair *p, const char *when)
{
	uint64_t errors = UINT64_MAX;

	if (!map_debug)
		return VT_PASS;
	VT_ASSERT_OK(rte_pmd_virtio_map_debug_errors(p->drv_port, &errors),
		     "rte_pmd_virtio_map_debug_errors");
	vt_info("map debug errors %s: %" PRIu64, when, errors);
	VT_ASSERT_EQ(0, errors, "map debug errors");
	return VT_PASS;
}

static int
cycle(struct vt_pair *p, unsigned int i, const unsigned int *base)
{
	unsigned int used;

	vt_phase("cycle %u: stop driver port", i);
	VT_ASSERT_OK(rte_eth_dev_stop(p->drv_port), "rte_eth_dev_stop");
	VT_CHECK(vt_wait_link(p->drv_port, false, 5000));
	used = in_use(p);
	vt_info("cycle %u: %u mbufs out after stop (driver pool %u, sent-packet pool %u)",
		i, used, rte_mempool_in_use_count(p->drv_pool),
		rte_mempool_in_use_count(p->gen_pool));
	/* a stopped port holds no buffer: back where the pools began */
	VT_ASSERT_EQ(*base, used, "mbufs out after a stop, against before the first start");
	VT_CHECK(check_debug(p, "after a stop"));

	if (i == 2) {
		/* releases both queues and sets them up again */
		VT_CHECK(vt_port_setup(p->drv_port, p->queue_size, p->drv_pool,
				       p->max_frame));
	}
	VT_CHECK(vt_port_start(p->drv_port));
	VT_CHECK(vt_wait_link(p->drv_port, true, 15000));
	VT_CHECK(vt_wait_link(p->vhost_port, true, 15000));
	VT_CHECK(vt_pair_traffic(p, PACKETS, 60, 1514));
	VT_CHECK(check_debug(p, "after traffic"));
	return VT_PASS;
}

static int
vhost_goes_first(struct vt_pair *p)
{
	struct rte_mbuf *m[VT_BURST];
	struct vt_stream s;
	uint16_t sent, i;
	double t0;

	vt_phase("close net_vhost under a started driver");
	VT_ASSERT_OK(rte_eth_dev_stop(p->vhost_port), "stop net_vhost");
	VT_ASSERT_OK(rte_eth_dev_close(p->vhost_port), "close net_vhost");
	VT_ASSERT_EQ(0, rte_vdev_uninit(p->vhost_name), "remove net_vhost");
	p->vhost_created = false;
	VT_CHECK(vt_wait_link(p->drv_port, false, 5000));

	/* the device is gone: a burst may be taken or not, but must return */
	vt_phase("transmit with the device gone");
	vt_stream_init(&s, "virtio_map->nowhere", 3, p->drv_port, p->drv_port,
		       p->gen_pool, VT_BURST, 60, 60, VT_BURST);
	VT_ASSERT_EQ(0, rte_pktmbuf_alloc_bulk(p->gen_pool, m, VT_BURST),
		     "alloc");
	for (i = 0; i < VT_BURST; i++)
		VT_CHECK(vt_pkt_fill(&s, m[i], i));
	t0 = vt_now();
	sent = rte_eth_tx_burst(p->drv_port, 0, m, VT_BURST);
	VT_ASSERT(vt_now() - t0 < 1.0, "tx_burst took %.2f s", vt_now() - t0);
	vt_info("tx_burst with the device gone took %u of %u", sent, VT_BURST);
	if (sent < VT_BURST)
		rte_pktmbuf_free_bulk(&m[sent], VT_BURST - sent);
	VT_ASSERT_EQ(0, rte_eth_rx_burst(p->drv_port, 0, m, VT_BURST),
		     "packets received with the device gone");

	/* the device comes back: a restarted port carries traffic again */
	vt_phase("net_vhost back, driver port restarted");
	VT_CHECK(vt_pair_vhost_create(p));
	VT_CHECK(vt_port_setup(p->vhost_port, p->queue_size, p->vhost_pool,
			       p->max_frame));
	VT_CHECK(vt_port_start(p->vhost_port));
	VT_ASSERT_OK(rte_eth_dev_stop(p->drv_port), "stop");
	VT_CHECK(vt_port_start(p->drv_port));
	VT_CHECK(vt_wait_link(p->drv_port, true, 15000));
	VT_CHECK(vt_wait_link(p->vhost_port, true, 15000));
	VT_CHECK(vt_pair_traffic(p, PACKETS, 60, 1514));
	VT_CHECK(check_debug(p, "after the device came back"));
	return VT_PASS;
}

/*
 * Leave packets in flight for the stop to deal with: a burst in the
 * driver's Tx ring that net_vhost never takes, and one that net_vhost
 * puts in the driver's Rx ring that the driver never receives. The stop
 * must free both, and neither may show up after the next start (their
 * stream ids differ from the traffic's, which checks every packet).
 */
static int
leave_in_flight(struct vt_pair *p, unsigned int cycle)
{
	struct rte_mbuf *m[VT_BURST];
	struct vt_stream s;
	uint16_t sent[2], i;
	unsigned int dir;

	vt_phase("cycle %u: leave packets in flight", cycle);
	for (dir = 0; dir < 2; dir++) {
		uint16_t tx = dir == 0 ? p->drv_port : p->vhost_port;
		uint16_t rx = dir == 0 ? p->vhost_port : p->drv_port;

		vt_stream_init(&s, dir == 0 ? "virtio_map->vhost (left)" :
			       "vhost->virtio_map (left)", 4 + dir, tx, rx,
			       p->gen_pool, VT_BURST, 60, 1514, VT_BURST);
		VT_ASSERT_EQ(0, rte_pktmbuf_alloc_bulk(p->gen_pool, m,
						       VT_BURST), "alloc");
		for (i = 0; i < VT_BURST; i++)
			VT_CHECK(vt_pkt_fill(&s, m[i], cycle * VT_BURST + i));
		sent[dir] = rte_eth_tx_burst(tx, 0, m, VT_BURST);
		if (sent[dir] < VT_BURST)
			rte_pktmbuf_free_bulk(&m[sent[dir]],
					      VT_BURST - sent[dir]);
	}
	VT_ASSERT(sent[0] > 0 && sent[1] > 0,
		  "cycle %u: packets left in flight: driver Tx %u, driver Rx %u",
		  cycle, sent[0], sent[1]);
	return VT_PASS;
}

/* 100 stops and starts of the driver port with traffic in between. */
static int
run_x100(int argc, char **argv)
{
	struct vt_pair_opts o = {
		.max_frame = X100_FRAME,
		.tx_seg_size = X100_SEG_SIZE,
	};
	struct vt_pair p;
	unsigned int i, base, used;
	double t0;

	if (argc != 4) {
		vt_fail(__FILE__, __LINE__, "expected x100 layout map ring-options");
		return VT_FAIL;
	}
	VT_CHECK(vt_ring_parse(argv[1], argv[3], &o.ring));
	o.map = argv[2];
	if (o.ring & VT_RING_MRG_RXBUF)
		o.drv_rx_room = X100_RX_ROOM;

	VT_CHECK(vt_eal_init(NULL));
	VT_CHECK(vt_pair_init(&p, &o));
	base = in_use(&p);
	VT_CHECK(vt_pair_vhost_create(&p));
	VT_CHECK(vt_pair_drv_create(&p));
	VT_CHECK(vt_port_setup(p.vhost_port, p.queue_size, p.vhost_pool,
			       p.max_frame));
	VT_CHECK(vt_port_setup(p.drv_port, p.queue_size, p.drv_pool,
			       p.max_frame));
	VT_CHECK(vt_ring_log_start());
	VT_CHECK(vt_port_start(p.vhost_port));
	VT_CHECK(vt_port_start(p.drv_port));
	VT_CHECK(vt_wait_link(p.drv_port, true, 15000));
	VT_CHECK(vt_wait_link(p.vhost_port, true, 15000));
	VT_CHECK(vt_ring_log_check(o.ring));
	VT_CHECK(vt_pair_traffic(&p, X100_PACKETS, 60, X100_FRAME));

	t0 = vt_now();
	for (i = 0; i < X100_CYCLES; i++) {
		if (i % 2 == 1)
			VT_CHECK(leave_in_flight(&p, i));
		vt_phase("cycle %u: stop driver port", i);
		VT_ASSERT_OK(rte_eth_dev_stop(p.drv_port), "rte_eth_dev_stop");
		VT_CHECK(vt_wait_link(p.drv_port, false, 5000));
		used = in_use(&p);
		VT_ASSERT(used == base,
			  "cycle %u: %u mbufs out after a stop, %u before the first start (driver Rx pool %u, sent-packet pool %u, segment pool %u)",
			  i, used, base, rte_mempool_in_use_count(p.drv_pool),
			  rte_mempool_in_use_count(p.gen_pool),
			  rte_mempool_in_use_count(p.seg_pool));
		if (i % 25 == 24)
			VT_CHECK(vt_port_setup(p.drv_port, p.queue_size,
					       p.drv_pool, p.max_frame));
		VT_CHECK(vt_port_start(p.drv_port));
		VT_CHECK(vt_wait_link(p.drv_port, true, 15000));
		VT_CHECK(vt_wait_link(p.vhost_port, true, 15000));
		/* traffic resumes: every packet both ways, every byte */
		VT_CHECK(vt_pair_traffic(&p, X100_PACKETS, 60, X100_FRAME));
	}
	vt_info("%u stops and starts with %u packets each way after each in %.1f s; chained at the driver %" PRIu64 ", at net_vhost %" PRIu64,
		X100_CYCLES, X100_PACKETS, vt_now() - t0, p.rx_chained[1],
		p.rx_chained[0]);
	if (o.ring & VT_RING_MRG_RXBUF)
		VT_ASSERT(p.rx_chained[1] > 0,
			  "mrg_rxbuf with 2 KB Rx mbufs: no frame arrived chained");

	vt_phase("last stop");
	VT_ASSERT_OK(rte_eth_dev_stop(p.drv_port), "rte_eth_dev_stop");
	VT_ASSERT_EQ(base, in_use(&p), "mbufs out after the last stop, against before the first start");
	VT_CHECK(vt_pair_down(&p, true));
	vt_phase("leak check after close");
	VT_CHECK(vt_pair_free_pools(&p));
	return VT_PASS;
}

static int
run(int argc, char **argv)
{
	struct vt_pair_opts o = { 0 };
	struct vt_pair p;
	unsigned int i, base = 0;
	bool driver_first;

	if (argc >= 1 && strcmp(argv[0], "x100") == 0)
		return run_x100(argc, argv);
	if (argc < 1 || argc > 3 || (strcmp(argv[0], "driver_first") != 0 &&
				     strcmp(argv[0], "vhost_first") != 0) ||
	    (argc == 3 && strcmp(argv[2], "debug") != 0)) {
		vt_fail(__FILE__, __LINE__, "expected driver_first|vhost_first [map [debug]]");
		return VT_FAIL;
	}
	driver_first = strcmp(argv[0], "driver_first") == 0;
	if (argc >= 2)
		o.map = argv[1];
	map_debug = argc == 3;
	if (map_debug)
		o.drv_extra = "map_debug=1";

	VT_CHECK(vt_eal_init(NULL));
	VT_CHECK(vt_pair_init(&p, &o));
	base = in_use(&p);
	VT_CHECK(vt_pair_vhost_create(&p));
	VT_CHECK(vt_pair_drv_create(&p));
	VT_CHECK(vt_port_setup(p.vhost_port, p.queue_size, p.vhost_pool,
			       p.max_frame));
	VT_CHECK(vt_port_setup(p.drv_port, p.queue_size, p.drv_pool,
			       p.max_frame));
	VT_CHECK(vt_port_start(p.vhost_port));
	VT_CHECK(vt_port_start(p.drv_port));
	VT_CHECK(vt_wait_link(p.drv_port, true, 15000));
	VT_CHECK(vt_wait_link(p.vhost_port, true, 15000));
	VT_CHECK(vt_pair_traffic(&p, PACKETS, 60, 1514));
	for (i = 0; i < CYCLES; i++)
		VT_CHECK(cycle(&p, i, &base));

	/* the device side stops and starts; the driver stays up */
	vt_phase("stop and start net_vhost");
	VT_ASSERT_OK(rte_eth_dev_stop(p.vhost_port), "stop net_vhost");
	VT_CHECK(vt_port_start(p.vhost_port));
	VT_CHECK(vt_wait_link(p.drv_port, true, 15000));
	VT_CHECK(vt_wait_link(p.vhost_port, true, 15000));
	VT_CHECK(vt_pair_traffic(&p, PACKETS, 60, 1514));
	VT_CHECK(check_debug(&p, "after net_vhost restarted"));

	if (!driver_first)
		VT_CHECK(vhost_goes_first(&p));
	if (map_debug) {
		/* the last look before close: stop, count, close */
		VT_ASSERT_OK(rte_eth_dev_stop(p.drv_port), "stop before close");
		VT_CHECK(check_debug(&p, "after the last stop"));
	}
	VT_CHECK(vt_pair_down(&p, driver_first));
	vt_info("closed, %s first", driver_first ? "driver" : "net_vhost");
	vt_phase("leak check after close");
	VT_CHECK(vt_pair_free_pools(&p));
	return VT_PASS;
}

static const struct vt_test test = {
	.name = "restart_leak",
	.usage = "driver_first|vhost_first [va|vduse|... [debug]] | x100 split|packed va|vduse|... off|in_order+mrg_rxbuf+indirect+event_idx",
	.timeout_s = 170,
	.run = run,
};

int
main(int argc, char **argv)
{
	return vt_main(&test, argc, argv);
}
