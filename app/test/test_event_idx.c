/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The virtio_map authors
 */

/*
 * Integration test "event_idx": notifications from the driver's Tx queue
 * to DPDK's net_vhost when the backend asks for them, with event_idx=0 and
 * then event_idx=1 on the ring layout the first argument names (split or
 * packed). A second argument adds ring options (in_order, mrg_rxbuf,
 * indirect joined by '+') and makes the driver send every frame as a chain
 * of 512-byte segments, so that packets take several descriptors (or an
 * indirect table). The traffic is the same each time: several driver Tx
 * bursts between two net_vhost Rx polls, 60..1514-byte frames, every byte
 * checked. Three phases:
 *
 *   poll   net_vhost polls and has not asked for notifications;
 *   armed  rte_eth_dev_rx_intr_enable() on net_vhost's Rx queue once
 *          (DPDK's vhost clears VRING_USED_F_NO_NOTIFY, or with event_idx
 *          sets the avail event index once; packed: the device event
 *          structure), left on;
 *   sleep  a backend in interrupt mode: each round it arms, the driver
 *          sends, it waits for the kick on the queue's kick eventfd (a
 *          missing kick fails the test), disarms and polls the ring empty;
 *          then again, fewer rounds, after the driver port restarted.
 *
 * The driver's xstat tx_q0_notifications counts its kicks; the kick
 * eventfd, read on the device side, counts them again and must agree.
 * With event_idx=0 a backend that asks gets notifications; with
 * event_idx=1 there must be clearly fewer (at most half) in the armed and
 * sleep phases, still at least one per sleeping round, and every packet
 * arrives. Both counts are printed. The other way, the driver polls and
 * must keep net_vhost from signalling it: the call eventfds of both its
 * vrings, read on the device side, must count no interrupt through all of
 * it and through traffic both ways (split with event_idx: at most the one
 * per vring and start that DPDK's vhost sends whatever the driver asks).
 */

#include <errno.h>
#include <poll.h>
#include <string.h>
#include <unistd.h>

#include <rte_ethdev.h>
#include <rte_vhost.h>

#include "vt.h"

#define QUEUE_SIZE 1024
#define ROUNDS 2000		/* net_vhost polls per phase */
#define RESTARTED_ROUNDS 200	/* after the driver port restarted */
#define BURSTS 4		/* driver Tx bursts between two polls */
#define KICK_WAIT_MS 2000
#define VID_MAX 1024		/* DPDK's vhost: RTE_MAX_VHOST_DEVICE */
#define SEG_SIZE 512		/* with ring options: driver Tx chains */

enum { PH_POLL, PH_ARMED, PH_SLEEP, PH_RESTARTED, PH_N };
static const char *const ph_name[PH_N] = {
	"poll", "armed", "sleep", "sleep after a restart",
};

struct counts {
	uint64_t drv[PH_N];	/* tx_q0_notifications */
	uint64_t dev[PH_N];	/* kicks read from the eventfd */
	uint64_t calls[2];	/* interrupts to the driver: Rx, Tx vring */
};

/* The vhost device id of the pair's socket (DPDK's vhost numbers them). */
static int
find_vid(const struct vt_pair *p, int *vid)
{
	char name[PATH_MAX];
	int v;

	for (v = 0; v < VID_MAX; v++) {
		if (rte_vhost_get_ifname(v, name, sizeof(name)) == 0 &&
		    strcmp(name, p->sock) == 0) {
			*vid = v;
			return VT_PASS;
		}
	}
	vt_fail(__FILE__, __LINE__, "no vhost device for socket %s", p->sock);
	return VT_FAIL;
}

/* Kicks written to the eventfd since the last read (0 if none). */
static int
read_kicks(int fd, int timeout_ms, uint64_t *kicks)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	uint64_t v;
	ssize_t n;
	int r;

	*kicks = 0;
	do {
		r = poll(&pfd, 1, timeout_ms);
	} while (r < 0 && errno == EINTR);
	VT_ASSERT(r >= 0, "poll on the kick eventfd: %s", strerror(errno));
	if (r == 0)
		return VT_PASS;
	n = read(fd, &v, sizeof(v));
	if (n < 0 && errno == EAGAIN)
		return VT_PASS;
	VT_ASSERT(n == sizeof(v), "read of the kick eventfd: %zd (%s)", n,
		  n < 0 ? strerror(errno) : "short");
	*kicks = v;
	return VT_PASS;
}

/* BURSTS bursts of VT_BURST packets, all of which the ring must take. */
static int
send_bursts(struct vt_pair *p, struct vt_stream *s)
{
	struct rte_mbuf *m[VT_BURST];
	unsigned int b;
	uint16_t i, nb;

	for (b = 0; b < BURSTS; b++) {
		VT_ASSERT_EQ(0, rte_pktmbuf_alloc_bulk(s->pool, m, VT_BURST),
			     "alloc");
		for (i = 0; i < VT_BURST; i++) {
			if (vt_pkt_fill(s, m[i], s->sent + i) != VT_PASS) {
				rte_pktmbuf_free_bulk(m, VT_BURST);
				return VT_FAIL;
			}
		}
		nb = rte_eth_tx_burst(p->drv_port, 0, m, VT_BURST);
		if (nb < VT_BURST)
			rte_pktmbuf_free_bulk(&m[nb], VT_BURST - nb);
		VT_ASSERT_EQ(VT_BURST, nb, "packets the Tx ring took of a burst");
		s->sent += nb;
	}
	return VT_PASS;
}

/* net_vhost polls until everything sent arrived, checking every byte. */
static int
receive_all(struct vt_pair *p, struct vt_stream *s)
{
	struct rte_mbuf *rx[VT_BURST];
	double deadline = vt_now() + 5.0;
	uint16_t nb, i;

	while (s->received < s->sent) {
		nb = rte_eth_rx_burst(p->vhost_port, 0, rx, VT_BURST);
		for (i = 0; i < nb; i++) {
			if (s->received >= s->sent ||
			    vt_pkt_verify(s, rx[i], s->received) != VT_PASS) {
				if (s->received >= s->sent)
					vt_fail(__FILE__, __LINE__, "expected %" PRIu64 " packets, actual more",
						s->sent);
				rte_pktmbuf_free_bulk(&rx[i], nb - i);
				return VT_FAIL;
			}
			s->received++;
			rte_pktmbuf_free(rx[i]);
		}
		VT_ASSERT(vt_now() < deadline,
			  "%" PRIu64 " of %" PRIu64 " packets arrived in 5 s",
			  s->received, s->sent);
	}
	return VT_PASS;
}

static int
phase(struct vt_pair *p, struct vt_stream *s, int kickfd, int ph,
      unsigned int rounds, struct counts *c)
{
	const bool sleep = ph == PH_SLEEP || ph == PH_RESTARTED;
	uint64_t x0, x1, k;
	unsigned int r;

	vt_phase("%s: %u rounds of %u driver Tx bursts, then a net_vhost poll",
		 ph_name[ph], rounds, BURSTS);
	VT_CHECK(read_kicks(kickfd, 0, &k));	/* start from an empty count */
	VT_CHECK(vt_xstat_get(p->drv_port, "tx_q0_notifications", &x0));
	c->dev[ph] = 0;
	if (ph == PH_ARMED)
		VT_ASSERT_OK(rte_eth_dev_rx_intr_enable(p->vhost_port, 0),
			     "rte_eth_dev_rx_intr_enable(net_vhost)");
	for (r = 0; r < rounds; r++) {
		if (sleep)
			VT_ASSERT_OK(rte_eth_dev_rx_intr_enable(p->vhost_port,
								0),
				     "rte_eth_dev_rx_intr_enable(net_vhost)");
		VT_CHECK(send_bursts(p, s));
		if (sleep) {
			/* asleep until the driver kicks */
			VT_CHECK(read_kicks(kickfd, KICK_WAIT_MS, &k));
			VT_ASSERT(k > 0,
				  "round %u: no notification within %u ms after %u bursts, although net_vhost asked for one",
				  r, KICK_WAIT_MS, BURSTS);
			c->dev[ph] += k;
			VT_ASSERT_OK(rte_eth_dev_rx_intr_disable(p->vhost_port,
								 0),
				     "rte_eth_dev_rx_intr_disable(net_vhost)");
		}
		VT_CHECK(receive_all(p, s));
	}
	if (ph == PH_ARMED)
		VT_ASSERT_OK(rte_eth_dev_rx_intr_disable(p->vhost_port, 0),
			     "rte_eth_dev_rx_intr_disable(net_vhost)");
	VT_CHECK(read_kicks(kickfd, 0, &k));
	c->dev[ph] += k;
	VT_CHECK(vt_xstat_get(p->drv_port, "tx_q0_notifications", &x1));
	c->drv[ph] = x1 - x0;
	vt_info("%s: %u packets in %u rounds: driver tx_q0_notifications %" PRIu64 ", kicks seen by net_vhost %" PRIu64,
		ph_name[ph], rounds * BURSTS * VT_BURST, rounds, c->drv[ph],
		c->dev[ph]);
	VT_ASSERT_EQ(c->drv[ph], c->dev[ph],
		     "kicks counted by the driver against kicks read from the eventfd");
	return VT_PASS;
}

static int
measure(unsigned int ring, bool chains, struct counts *c)
{
	struct vt_pair_opts o = {
		.queue_size = QUEUE_SIZE,
		.ring = ring,
		.tx_seg_size = chains ? SEG_SIZE : 0,
	};
	struct rte_vhost_vring vr[2];
	uint64_t k;
	struct vt_stream s;
	struct vt_pair p;
	int vid, ph, i;

	VT_CHECK(vt_pair_up_ring(&p, &o));
	VT_CHECK(find_vid(&p, &vid));
	/* vring 0 is the driver's Rx virtqueue, vring 1 its Tx */
	for (i = 0; i < 2; i++) {
		memset(&vr[i], 0, sizeof(vr[i]));
		VT_ASSERT_OK(rte_vhost_get_vhost_vring(vid, i, &vr[i]),
			     "rte_vhost_get_vhost_vring");
		VT_ASSERT(vr[i].kickfd >= 0 && vr[i].callfd >= 0,
			  "vring %d: kick eventfd %d, call eventfd %d", i,
			  vr[i].kickfd, vr[i].callfd);
		/* counted from here: the driver polls, wants none */
		VT_CHECK(read_kicks(vr[i].callfd, 0, &k));
	}

	vt_stream_init(&s, "virtio_map->vhost", 1, p.drv_port, p.vhost_port,
		       chains ? p.seg_pool : p.gen_pool,
		       (uint64_t)PH_N * ROUNDS * BURSTS * VT_BURST, 60, 1514,
		       BURSTS * VT_BURST);
	s.seg_size = o.tx_seg_size;
	for (ph = 0; ph < PH_RESTARTED; ph++)
		VT_CHECK(phase(&p, &s, vr[1].kickfd, ph, ROUNDS, c));

	for (i = 0; i < 2; i++) {
		VT_CHECK(read_kicks(vr[i].callfd, 0, &k));
		c->calls[i] = k;
	}
	/* the rings start over: what the driver knew of events must too */
	vt_phase("restart the driver port");
	VT_ASSERT_OK(rte_eth_dev_stop(p.drv_port), "rte_eth_dev_stop");
	VT_CHECK(vt_port_start(p.drv_port));
	VT_CHECK(vt_wait_link(p.drv_port, true, 15000));
	VT_CHECK(vt_wait_link(p.vhost_port, true, 15000));
	VT_CHECK(find_vid(&p, &vid));
	for (i = 0; i < 2; i++) {
		VT_ASSERT_OK(rte_vhost_get_vhost_vring(vid, i, &vr[i]),
			     "rte_vhost_get_vhost_vring");
		VT_CHECK(read_kicks(vr[i].callfd, 0, &k));
		c->calls[i] += k;
	}
	VT_CHECK(phase(&p, &s, vr[1].kickfd, PH_RESTARTED, RESTARTED_ROUNDS,
		       c));

	/* and the pair still carries ordinary traffic both ways */
	VT_CHECK(vt_pair_traffic(&p, 20000, 60, 1514));

	/* a polling driver suppresses the device's interrupts, both rings */
	for (i = 0; i < 2; i++) {
		VT_CHECK(read_kicks(vr[i].callfd, 0, &k));
		c->calls[i] += k;
	}
	vt_info("interrupts net_vhost signalled to the polling driver over two starts: Rx vring %" PRIu64 ", Tx vring %" PRIu64,
		c->calls[0], c->calls[1]);
	VT_CHECK(vt_pair_down(&p, true));
	VT_CHECK(vt_pair_free_pools(&p));
	return VT_PASS;
}

static int
run(int argc, char **argv)
{
	struct counts off, on;
	unsigned int ring;
	int ph;

	if (argc != 1 && argc != 2) {
		vt_fail(__FILE__, __LINE__, "expected split|packed [in_order+mrg_rxbuf+indirect]");
		return VT_FAIL;
	}
	VT_CHECK(vt_ring_parse(argv[0], argc == 2 ? argv[1] : NULL, &ring));
	VT_ASSERT(!(ring & VT_RING_EVENT_IDX),
		  "the test turns event_idx off and on itself");
	VT_CHECK(vt_eal_init(NULL));

	VT_CHECK(measure(ring, argc == 2, &off));
	VT_CHECK(measure(ring | VT_RING_EVENT_IDX, argc == 2, &on));

	for (ph = 0; ph < PH_N; ph++)
		vt_info("%s ring, %s phase: notifications event_idx=0 %" PRIu64 ", event_idx=1 %" PRIu64 " (%u rounds of %u bursts of %u packets)",
			argv[0], ph_name[ph], off.drv[ph], on.drv[ph],
			ph == PH_RESTARTED ? RESTARTED_ROUNDS : ROUNDS,
			BURSTS, VT_BURST);
	/* a backend that asks gets notified */
	VT_ASSERT(off.drv[PH_ARMED] >= ROUNDS,
		  "event_idx=0, armed: %" PRIu64 " notifications in %u rounds",
		  off.drv[PH_ARMED], ROUNDS);
	VT_ASSERT(off.drv[PH_SLEEP] >= ROUNDS,
		  "event_idx=0, sleep: %" PRIu64 " notifications in %u rounds",
		  off.drv[PH_SLEEP], ROUNDS);
	/* with event_idx clearly fewer, still one per sleeping round */
	VT_ASSERT(2 * on.drv[PH_ARMED] <= off.drv[PH_ARMED],
		  "armed: event_idx=1 gave %" PRIu64 " notifications, event_idx=0 %" PRIu64 " (expected at most half)",
		  on.drv[PH_ARMED], off.drv[PH_ARMED]);
	VT_ASSERT(2 * on.drv[PH_SLEEP] <= off.drv[PH_SLEEP],
		  "sleep: event_idx=1 gave %" PRIu64 " notifications, event_idx=0 %" PRIu64 " (expected at most half)",
		  on.drv[PH_SLEEP], off.drv[PH_SLEEP]);
	VT_ASSERT(on.drv[PH_SLEEP] >= ROUNDS,
		  "event_idx=1, sleep: %" PRIu64 " notifications in %u rounds",
		  on.drv[PH_SLEEP], ROUNDS);
	/*
	 * The polling driver is never interrupted, with one exception it
	 * cannot prevent: on a split ring with event_idx, DPDK's vhost
	 * signals the first used update after each vring set-up whatever
	 * used_event says (vhost_vring_call_split(), signalled_used_valid):
	 * at most one per vring per start, and there were two starts.
	 */
	VT_ASSERT_EQ(0, off.calls[0], "event_idx=0: interrupts on the driver's Rx vring");
	VT_ASSERT_EQ(0, off.calls[1], "event_idx=0: interrupts on the driver's Tx vring");
	if (ring & VT_RING_PACKED) {
		VT_ASSERT_EQ(0, on.calls[0], "event_idx=1: interrupts on the driver's Rx vring");
		VT_ASSERT_EQ(0, on.calls[1], "event_idx=1: interrupts on the driver's Tx vring");
	} else {
		VT_ASSERT(on.calls[0] <= 2 && on.calls[1] <= 2,
			  "event_idx=1: interrupts on the driver's vrings: Rx %" PRIu64 ", Tx %" PRIu64 " in two starts (at most one per vring and start)",
			  on.calls[0], on.calls[1]);
	}
	return VT_PASS;
}

static const struct vt_test test = {
	.name = "event_idx",
	.usage = "split|packed [in_order+mrg_rxbuf+indirect]",
	.timeout_s = 170,
	.run = run,
};

int
main(int argc, char **argv)
{
	return vt_main(&test, argc, argv);
}
