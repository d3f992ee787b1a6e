/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The virtio_map authors
 */

/*
 * Integration test "rx_intr": Rx interrupts, l3fwd-power style, against
 * DPDK's net_vhost. The driver's port is configured with intr_conf.rxq,
 * its Rx queue 0 added to this thread's epoll set
 * (rte_eth_dev_rx_intr_ctl_q); then, round after round: interrupts on,
 * an idle wait that must not wake, a burst from net_vhost, a wait that
 * must wake, interrupts off, the burst drained. Then the race an
 * application cannot close itself: packets arrive before it turns the
 * interrupt on; the driver must wake it anyway. Finally with interrupts
 * off a burst must not wake the thread, and after the queue is set up
 * again (stop, 512 descriptors, start) the same epoll registration still
 * wakes it. Counts the wake-ups. Arguments:
 * LAYOUT SPEC [stdin_closed] (split|packed, off or ring options such as
 * event_idx; stdin_closed: fd 0 is closed first, as in a daemon, so the
 * queue's call eventfd is fd 0).
 */

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_epoll.h>
#include <rte_ethdev.h>
#include <rte_interrupts.h>

#include "vt.h"

#define ROUNDS		20
#define BURST		8
#define IDLE_MS		50	/* a wait that must not wake */
#define WAKE_MS		2000	/* a wait that must wake */

static struct vt_pair p;

/* net_vhost sends n packets to the driver; all must be taken. */
static int
send_burst(unsigned int n, uint32_t round)
{
	struct rte_mbuf *m[BURST];
	struct vt_stream s;
	unsigned int i, sent = 0;
	double t0;

	vt_stream_init(&s, "vhost->virtio_map", 5, p.vhost_port, p.drv_port,
		       p.gen_pool, n, 60, 60, 0);
	s.first_seq = (uint64_t)round * BURST;
	VT_ASSERT_OK(rte_pktmbuf_alloc_bulk(p.gen_pool, m, n), "alloc");
	for (i = 0; i < n; i++)
		VT_CHECK(vt_pkt_fill(&s, m[i], s.first_seq + i));
	for (t0 = vt_now(); sent < n && vt_now() - t0 < 5;)
		sent += rte_eth_tx_burst(p.vhost_port, 0, &m[sent], n - sent);
	VT_ASSERT_EQ(n, sent, "packets net_vhost sent");
	return VT_PASS;
}

/* Take n packets from the driver's Rx queue 0. */
static int
drain(unsigned int n)
{
	struct rte_mbuf *m[32];
	unsigned int got = 0, nb;
	double t0;

	for (t0 = vt_now(); got < n && vt_now() - t0 < 5;) {
		nb = rte_eth_rx_burst(p.drv_port, 0, m, RTE_DIM(m));
		rte_pktmbuf_free_bulk(m, nb);
		got += nb;
	}
	VT_ASSERT_EQ(n, got, "packets received");
	return VT_PASS;
}

/* Wait on this thread's epoll set: 1 woken, 0 not. */
static int
wait_intr(int timeout_ms)
{
	struct rte_epoll_event ev[4];
	int n;

	n = rte_epoll_wait(RTE_EPOLL_PER_THREAD, ev, RTE_DIM(ev), timeout_ms);
	return n > 0 ? 1 : 0;
}

static int
run(int argc, char **argv)
{
	struct vt_pair_opts o = { .window = 64 };
	unsigned int ring = 0, r, wakes = 0, idle_wakes = 0;
	struct rte_eth_conf conf;

	if (argc < 2 || argc > 3 ||
	    (argc == 3 && strcmp(argv[2], "stdin_closed") != 0)) {
		vt_fail(__FILE__, __LINE__, "arguments: split|packed SPEC [stdin_closed]");
		return VT_FAIL;
	}
	VT_CHECK(vt_ring_parse(argv[0], argv[1], &ring));
	o.ring = ring;
	VT_CHECK(vt_eal_init(NULL));
	memset(&conf, 0, sizeof(conf));
	conf.intr_conf.rxq = 1;
	VT_CHECK(vt_pair_init(&p, &o));
	VT_CHECK(vt_pair_vhost_create(&p));
	VT_CHECK(vt_pair_drv_create(&p));
	VT_CHECK(vt_port_setup(p.vhost_port, p.queue_size, p.vhost_pool,
			       p.max_frame));
	if (argc == 3)
		close(0);	/* the lowest free fd: the next eventfd */
	VT_CHECK(vt_port_setup_conf(p.drv_port, &conf, 1, p.queue_size,
				    p.drv_pool));
	VT_CHECK(vt_port_start(p.vhost_port));
	VT_CHECK(vt_port_start(p.drv_port));
	VT_CHECK(vt_wait_link(p.drv_port, true, 15000));
	VT_CHECK(vt_wait_link(p.vhost_port, true, 15000));
	if (argc == 3) {
		char target[64] = "";

		VT_ASSERT(readlink("/proc/self/fd/0", target,
				   sizeof(target) - 1) > 0 &&
			  strstr(target, "eventfd") != NULL,
			  "fd 0 is an eventfd (%s)", target);
	}
	VT_ASSERT_OK(rte_eth_dev_rx_intr_ctl_q(p.drv_port, 0,
					       RTE_EPOLL_PER_THREAD,
					       RTE_INTR_EVENT_ADD, NULL),
		     "rx_intr_ctl_q ADD");

	vt_phase("%u rounds: on, idle, a burst wakes, off, drain", ROUNDS);
	for (r = 0; r < ROUNDS; r++) {
		VT_ASSERT_OK(rte_eth_dev_rx_intr_enable(p.drv_port, 0),
			     "intr enable");
		idle_wakes += wait_intr(IDLE_MS);
		VT_CHECK(send_burst(BURST, r));
		wakes += wait_intr(WAKE_MS);
		VT_ASSERT_OK(rte_eth_dev_rx_intr_disable(p.drv_port, 0),
			     "intr disable");
		VT_CHECK(drain(BURST));
	}
	vt_info("%u rounds: %u wake-ups for bursts, %u while idle", ROUNDS,
		wakes, idle_wakes);
	VT_ASSERT_EQ(ROUNDS, wakes, "wake-ups for bursts");
	VT_ASSERT_EQ(0, idle_wakes, "wake-ups while idle");

	vt_phase("packets before the interrupt is on: still woken");
	VT_CHECK(send_burst(BURST, r++));
	rte_delay_us_sleep(20000);	/* net_vhost has written them */
	VT_ASSERT_OK(rte_eth_dev_rx_intr_enable(p.drv_port, 0), "enable");
	VT_ASSERT_EQ(1, wait_intr(WAKE_MS), "woken for waiting packets");
	VT_ASSERT_OK(rte_eth_dev_rx_intr_disable(p.drv_port, 0), "disable");
	VT_CHECK(drain(BURST));
	while (wait_intr(0) != 0)
		;	/* a signal the device may have sent meanwhile */

	vt_phase("interrupts off: a burst does not wake");
	VT_CHECK(send_burst(BURST, r++));
	VT_ASSERT_EQ(0, wait_intr(IDLE_MS * 4), "woken with interrupts off");
	VT_CHECK(drain(BURST));

	vt_phase("Rx queue set up again (512 descriptors): the same vector");
	VT_ASSERT_OK(rte_eth_dev_stop(p.drv_port), "stop");
	VT_ASSERT_OK(rte_eth_rx_queue_setup(p.drv_port, 0, 512, SOCKET_ID_ANY,
					    NULL, p.drv_pool), "Rx queue 512");
	VT_CHECK(vt_port_start(p.drv_port));
	VT_CHECK(vt_wait_link(p.drv_port, true, 15000));
	VT_CHECK(vt_wait_link(p.vhost_port, true, 15000));
	while (wait_intr(0) != 0)
		;
	VT_ASSERT_OK(rte_eth_dev_rx_intr_enable(p.drv_port, 0), "enable");
	VT_CHECK(send_burst(BURST, r++));
	VT_ASSERT_EQ(1, wait_intr(WAKE_MS), "woken after the queue was set up again");
	VT_ASSERT_OK(rte_eth_dev_rx_intr_disable(p.drv_port, 0), "disable");
	VT_CHECK(drain(BURST));

	VT_ASSERT_OK(rte_eth_dev_rx_intr_ctl_q(p.drv_port, 0,
					       RTE_EPOLL_PER_THREAD,
					       RTE_INTR_EVENT_DEL, NULL),
		     "rx_intr_ctl_q DEL");
	VT_CHECK(vt_pair_down(&p, true));
	return vt_pair_free_pools(&p);
}

static const struct vt_test test = {
	.name = "rx_intr",
	.usage = "split|packed SPEC",
	.timeout_s = 60,
	.run = run,
};

int
main(int argc, char **argv)
{
	return vt_main(&test, argc, argv);
}
