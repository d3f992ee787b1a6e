/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The virtio_map authors
 */

/*
 * Integration test "isolation": a backend that misbehaves costs only its
 * own port. Two driver ports in one process. Port A's backend is played
 * by the test on a UNIX socket: it answers the vhost-user handshake and
 * then stalls, so every bring-up of port A waits for its 5 s deadline,
 * again and again (with back-off). Port B runs against DPDK's net_vhost
 * and must not notice: traffic with every byte checked, and, cycle after
 * cycle, its backend removed and created again, with its link-down and
 * link-up LSC events each within 2 s and traffic again. Port A's
 * bring-ups run on its own control thread, not on EAL's interrupt thread,
 * which port B's socket watch uses. Prints port B's event times, median
 * and worst. Arguments: CYCLES.
 */

#include <poll.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <rte_bus_vdev.h>
#include <rte_ethdev.h>

#include "vmt_vhost_user.h"
#include "vt.h"

/* port B's LSC events: within this (DPDK's vhost takes up to a second to
 * let go of a removed port's connection, so about 1 s is usual; a port B
 * held behind port A's stalled bring-up would show port A's 5 s) */
#define EVENT_S		3.0

static uint32_t stop_backend;
static uint32_t stalls;		/* port A's bring-ups held */

/* Per connection: answer the first GET_FEATURES (the handshake's:
 * VERSION_1, no protocol features), read the rest and never answer;
 * a new connection replaces the old one. */
static void *
stall_backend(void *arg)
{
	int lfd = *(int *)arg, fd = -1;
	bool answered = false;
	struct vhu_msg m, r;
	size_t len;

	while (!__atomic_load_n(&stop_backend, __ATOMIC_ACQUIRE)) {
		struct pollfd p[2] = {
			{ .fd = lfd, .events = POLLIN },
			{ .fd = fd, .events = POLLIN },
		};

		if (poll(p, fd < 0 ? 1 : 2, 50) <= 0)
			continue;
		if (p[0].revents & POLLIN) {
			if (fd >= 0)
				close(fd);
			fd = accept(lfd, NULL, NULL);
			answered = false;
			__atomic_fetch_add(&stalls, 1, __ATOMIC_RELAXED);
			continue;
		}
		if (recv(fd, &m, VHU_HDR_SIZE, MSG_WAITALL) !=
		    (ssize_t)VHU_HDR_SIZE || m.size > sizeof(m.payload) ||
		    (m.size > 0 && recv(fd, &m.payload, m.size, MSG_WAITALL) !=
		     (ssize_t)m.size)) {
			close(fd);
			fd = -1;
			continue;
		}
		if (m.request != VHU_GET_FEATURES || answered)
			continue;
		answered = true;
		memset(&r, 0, sizeof(r));
		r.request = m.request;
		r.flags = VHU_VERSION | VHU_FLAG_REPLY;
		r.size = sizeof(uint64_t);
		r.payload.u64 = 1ULL << 32;
		len = VHU_HDR_SIZE + r.size;
		if (send(fd, &r, len, MSG_NOSIGNAL) != (ssize_t)len) {
			close(fd);
			fd = -1;
		}
	}
	if (fd >= 0)
		close(fd);
	return NULL;
}

static uint16_t port_a;

/* Port A's start: its first bring-up stalls the calling thread. */
static void *
start_a(void *arg)
{
	RTE_SET_USED(arg);
	rte_eth_dev_start(port_a);
	return NULL;
}

static int
run(int argc, char **argv)
{
	/* port B's driver listens: net_vhost connects as soon as it is
	 * configured (as a server it would take up to a second to accept) */
	struct vt_pair_opts o = { .index = 1, .drv_lsc = true, .window = 64,
				  .drv_server = true };
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	double *t_down, *t_up, med, max, med2, max2;
	struct rte_mempool *mp_a;
	pthread_t be, st;
	unsigned int cycles, i;
	struct vt_pair p;
	char args[160];
	uint32_t seen;
	int lfd;
	char *end;

	if (argc != 1) {
		vt_fail(__FILE__, __LINE__, "arguments: CYCLES");
		return VT_FAIL;
	}
	cycles = strtoul(argv[0], &end, 10);
	VT_ASSERT(*end == '\0' && cycles > 0, "cycles: %s", argv[0]);
	t_down = calloc(cycles, sizeof(*t_down));
	t_up = calloc(cycles, sizeof(*t_up));
	VT_ASSERT(t_down != NULL && t_up != NULL, "calloc");
	VT_CHECK(vt_eal_init(NULL));

	vt_phase("port A: a backend that stalls every bring-up");
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/stall.sock",
		 vt_ctx.dir);
	lfd = socket(AF_UNIX, SOCK_STREAM, 0);
	VT_ASSERT(lfd >= 0 && bind(lfd, (struct sockaddr *)&sa,
				    sizeof(sa)) == 0 && listen(lfd, 4) == 0,
		  "stalling backend's socket");
	VT_ASSERT_EQ(0, pthread_create(&be, NULL, stall_backend, &lfd),
		     "backend thread");
	mp_a = vt_pool_create("vt_iso_a", 1024, 1514);
	VT_ASSERT(mp_a != NULL, "pool");
	snprintf(args, sizeof(args), "path=%s", sa.sun_path);
	VT_ASSERT_OK(rte_vdev_init("net_virtio_map0", args), "probe A");
	VT_ASSERT_OK(rte_eth_dev_get_port_by_name("net_virtio_map0", &port_a),
		     "port A");
	VT_CHECK(vt_port_setup(port_a, 256, mp_a, 1514));
	VT_ASSERT_EQ(0, pthread_create(&st, NULL, start_a, NULL), "start A");

	vt_phase("port B: DPDK's net_vhost");
	VT_CHECK(vt_pair_up(&p, &o));
	VT_CHECK(vt_lsc_watch(p.drv_port));
	VT_CHECK(vt_pair_traffic(&p, 10000, 60, 1514));
	/* port A's start returns after its first bring-up's deadline */
	pthread_join(st, NULL);

	for (i = 0; i < cycles; i++) {
		vt_phase("cycle %u of %u: port B's backend goes and comes",
			 i + 1, cycles);
		seen = vt_lsc_count(false);
		VT_CHECK(vt_pair_vhost_remove(&p));
		t_down[i] = vt_wait_link_lsc(p.drv_port, false, seen, 10.0,
					     NULL, NULL);
		seen = vt_lsc_count(true);
		VT_CHECK(vt_pair_vhost_create(&p));
		VT_CHECK(vt_port_setup(p.vhost_port, p.queue_size,
				       p.vhost_pool, p.max_frame));
		VT_CHECK(vt_port_start(p.vhost_port));
		t_up[i] = vt_wait_link_lsc(p.drv_port, true, seen, 10.0, NULL,
					   NULL);
		vt_info("cycle %u: port B link down event after %.3f s, up after %.3f s (port A: %u stalled bring-ups so far)",
			i + 1, t_down[i], t_up[i],
			__atomic_load_n(&stalls, __ATOMIC_RELAXED));
		VT_ASSERT(t_down[i] >= 0 && t_down[i] < EVENT_S,
			  "cycle %u: port B link down event within %.1f s, actual %.3f s",
			  i + 1, EVENT_S, t_down[i]);
		VT_ASSERT(t_up[i] >= 0 && t_up[i] < EVENT_S,
			  "cycle %u: port B link up event within %.1f s, actual %.3f s",
			  i + 1, EVENT_S, t_up[i]);
		VT_CHECK(vt_wait_link(p.vhost_port, true, 5000));
		VT_CHECK(vt_pair_traffic(&p, 10000, 60, 1514));
	}
	VT_ASSERT(__atomic_load_n(&stalls, __ATOMIC_RELAXED) >= 2,
		  "port A's backend held its bring-ups (%u connections)",
		  stalls);
	vt_median_max(t_down, cycles, &med, &max);
	vt_median_max(t_up, cycles, &med2, &max2);
	vt_info("port B beside a stalled port A: %u cycles, link down event median %.3f s worst %.3f s, link up event median %.3f s worst %.3f s; port A %u stalled connections",
		cycles, med, max, med2, max2, stalls);

	vt_lsc_unwatch(p.drv_port);
	VT_CHECK(vt_pair_down(&p, true));
	VT_ASSERT_OK(rte_eth_dev_stop(port_a), "stop A");
	VT_ASSERT_OK(rte_eth_dev_close(port_a), "close A");
	VT_ASSERT_OK(rte_vdev_uninit("net_virtio_map0"), "remove A");
	VT_ASSERT_IN_USE(mp_a, 0);
	rte_mempool_free(mp_a);
	__atomic_store_n(&stop_backend, 1, __ATOMIC_RELEASE);
	pthread_join(be, NULL);
	close(lfd);
	free(t_down);
	free(t_up);
	return vt_pair_free_pools(&p);
}

static const struct vt_test test = {
	.name = "isolation",
	.usage = "CYCLES",
	.timeout_s = 120,
	.run = run,
};

int
main(int argc, char **argv)
{
	return vt_main(&test, argc, argv);
}
