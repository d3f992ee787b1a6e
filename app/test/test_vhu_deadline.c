/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The virtio_map authors
 */

/*
 * Unit test "vhu_deadline": the vhost-user transport against a backend
 * that drips, the test playing the backend on a UNIX socket.
 *   drip:  the reply to GET_FEATURES comes one byte every 400 ms (8 s for
 *          the whole of it). The connect must give up with -ETIMEDOUT
 *          after the one overall reply deadline (5 s), not after 5 s per
 *          byte, reported as "not now" (-EAGAIN) with the channel
 *          closed; it must not knock on that backend again (the next
 *          connect returns at once), and must connect to a new backend
 *          (a new socket file at the path) that answers.
 *   never: the backend reads the request and never answers: the same.
 *   stop_drip, stop_never: a driver port (net_virtio_map) comes up against
 *          a backend that answers everything but GET_VRING_BASE, whose
 *          reply drips or never comes: rte_eth_dev_stop() returns within
 *          the one deadline (plus a second), every Rx mbuf back in its
 *          pool, and close is immediate.
 *   nowait: while a port's bring-up waits for a backend that never
 *          answers (holding the port for the reply deadline), another
 *          thread's rte_eth_link_get_nowait() returns at once, link down.
 *   backoff: a backend that answers the handshake and hangs up at the
 *          next message, again and again: the port's attempts must back
 *          off (100 ms doubling), not come every 100 ms; at most 10
 *          connections in 4 s.
 *   stop_slow: the same, but the backend answers each GET_VRING_BASE
 *          after 4 s, within each reply's own time: stop must still end
 *          within the one deadline of the whole bring-down (not 4 s per
 *          ring).
 */

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <rte_bus_vdev.h>
#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_mempool.h>

#include "vmt.h"
#include "vmt_vhost_user.h"
#include "vt.h"

#define DRIP_US		400000
#define SLOW_US		4000000
/* room for a loaded or instrumented run over what a step should take; a
 * wait per message instead of one deadline takes 5 s more, at least */
#define SLACK_S		1.5

struct backend {
	int listen_fd;
	int sock;
	bool drip;		/* else never answer */
	bool answer;		/* a good backend: answer at once */
	bool stuck_stop;	/* answer, except GET_VRING_BASE */
	bool slow_stop;		/* ... which comes after SLOW_US */
	uint32_t stop;
	uint32_t conns;		/* be_hangup: connections taken */
};

/* Read one message header and payload, or fail. */
static int
be_recv(int fd, struct vhu_msg *m)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };

	if (poll(&p, 1, 10000) != 1 ||
	    recv(fd, m, VHU_HDR_SIZE, MSG_WAITALL) != (ssize_t)VHU_HDR_SIZE ||
	    m->size > sizeof(m->payload) ||
	    (m->size > 0 &&
	     recv(fd, &m->payload, m->size, MSG_WAITALL) != (ssize_t)m->size))
		return -EPIPE;
	return 0;
}

static void *
be_run(void *arg)
{
	struct backend *b = arg;
	struct vhu_msg m, r;
	size_t i, len;

	b->sock = accept(b->listen_fd, NULL, NULL);
	if (b->sock < 0)
		return NULL;
	while (!__atomic_load_n(&b->stop, __ATOMIC_ACQUIRE) &&
	       be_recv(b->sock, &m) == 0) {
		if (m.request != VHU_GET_FEATURES &&
		    !(b->stuck_stop && m.request == VHU_GET_VRING_BASE))
			continue;
		memset(&r, 0, sizeof(r));
		r.request = m.request;
		r.flags = VHU_VERSION | VHU_FLAG_REPLY;
		r.size = sizeof(uint64_t);
		r.payload.u64 = 1ULL << 32;	/* VERSION_1, no protocol */
		if (m.request == VHU_GET_VRING_BASE)
			r.payload.state = m.payload.state;
		len = VHU_HDR_SIZE + r.size;
		if (b->answer ||
		    (b->stuck_stop && m.request == VHU_GET_FEATURES)) {
			if (send(b->sock, &r, len, MSG_NOSIGNAL) != (ssize_t)len)
				break;
			continue;
		}
		if (b->slow_stop) {
			usleep(SLOW_US);
			if (send(b->sock, &r, len, MSG_NOSIGNAL) != (ssize_t)len)
				break;
			continue;
		}
		if (!b->drip)
			continue;	/* never answer */
		for (i = 0; i < len &&
		     !__atomic_load_n(&b->stop, __ATOMIC_ACQUIRE); i++) {
			if (send(b->sock, (char *)&r + i, 1, MSG_NOSIGNAL) != 1)
				break;
			usleep(DRIP_US);
		}
	}
	return NULL;
}

/* A listening socket at path (a new file each time). */
static int
backend_listen(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd;

	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	unlink(path);
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	if (fd >= 0 && (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0 ||
			listen(fd, 1) != 0)) {
		close(fd);
		fd = -1;
	}
	return fd;
}

static int
one_case(const char *path, int listen_fd, bool drip)
{
	struct backend b = { .listen_fd = listen_fd, .sock = -1,
			     .drip = drip };
	struct vmt_dev *t;
	pthread_t th;
	double t0, took;
	int ret;

	vt_phase("%s: a backend that %s", drip ? "drip" : "never",
		 drip ? "sends its reply a byte at a time" :
			"never answers");
	t = vmt_vhost_user_create("vhu_deadline", path, false);
	VT_ASSERT(t != NULL, "transport");
	VT_ASSERT_EQ(0, pthread_create(&th, NULL, be_run, &b), "backend");
	t0 = vt_now();
	ret = vmt_connect(t);
	took = vt_now() - t0;
	vt_info("connect returned %d after %.2f s", ret, took);
	VT_ASSERT_EQ(-EAGAIN, ret, "connect to a stuck backend");
	VT_ASSERT(took >= VHU_REPLY_TIMEOUT_MS / 1000.0 - 0.1 &&
		  took < VHU_REPLY_TIMEOUT_MS / 1000.0 + SLACK_S,
		  "one overall deadline of %u ms, actual %.2f s",
		  VHU_REPLY_TIMEOUT_MS, took);
	VT_ASSERT(!vmt_connected(t), "channel closed after the timeout");
	t0 = vt_now();
	ret = vmt_connect(t);
	took = vt_now() - t0;
	VT_ASSERT_EQ(-EAGAIN, ret, "connect again while the stuck one is there");
	VT_ASSERT(took < SLACK_S, "no second handshake with it: %.2f s", took);
	__atomic_store_n(&b.stop, 1, __ATOMIC_RELEASE);
	shutdown(b.sock, SHUT_RDWR);
	pthread_join(th, NULL);
	close(b.sock);
	close(listen_fd);
	listen_fd = backend_listen(path);
	VT_ASSERT(listen_fd >= 0, "new backend socket");

	vt_phase("%s: then a backend that answers", drip ? "drip" : "never");
	memset(&b, 0, sizeof(b));
	b.listen_fd = listen_fd;
	b.answer = true;
	VT_ASSERT_EQ(0, pthread_create(&th, NULL, be_run, &b), "backend");
	ret = vmt_connect(t);
	VT_ASSERT_EQ(0, ret, "connect to a good backend afterwards");
	VT_ASSERT(vmt_connected(t), "connected");
	vmt_destroy(t);
	__atomic_store_n(&b.stop, 1, __ATOMIC_RELEASE);
	shutdown(b.sock, SHUT_RDWR);
	pthread_join(th, NULL);
	close(b.sock);
	close(listen_fd);
	return VT_PASS;
}

/* A port up against a backend whose GET_VRING_BASE reply is stuck. */
static int
stop_case(const char *path, int listen_fd, bool drip, bool slow)
{
	struct backend b = { .listen_fd = listen_fd, .sock = -1,
			     .drip = drip, .stuck_stop = true,
			     .slow_stop = slow };
	struct rte_mempool *mp;
	char args[160];
	uint16_t port;
	pthread_t th;
	double t0, took;

	vt_phase("stop_%s: GET_VRING_BASE's reply %s",
		 slow ? "slow" : drip ? "drip" : "never",
		 slow ? "comes after 4 s" : drip ? "drips" : "never comes");
	mp = vt_pool_create("vt_deadline_rx", 1024, 1514);
	VT_ASSERT(mp != NULL, "pool");
	VT_ASSERT_EQ(0, pthread_create(&th, NULL, be_run, &b), "backend");
	snprintf(args, sizeof(args), "path=%s", path);
	VT_ASSERT_OK(rte_vdev_init("net_virtio_map0", args), "probe");
	VT_ASSERT_OK(rte_eth_dev_get_port_by_name("net_virtio_map0", &port),
		     "port");
	VT_CHECK(vt_port_setup(port, 256, mp, 1514));
	VT_CHECK(vt_port_start(port));
	VT_CHECK(vt_wait_link(port, true, 5000));
	VT_ASSERT(rte_mempool_in_use_count(mp) > 0, "Rx buffers posted");

	t0 = vt_now();
	VT_ASSERT_OK(rte_eth_dev_stop(port), "stop");
	took = vt_now() - t0;
	vt_info("stop returned after %.2f s", took);
	VT_ASSERT(took < VHU_REPLY_TIMEOUT_MS / 1000.0 + SLACK_S,
		  "stop within one deadline of %u ms for the whole bring-down, actual %.2f s",
		  VHU_REPLY_TIMEOUT_MS, took);
	VT_ASSERT_IN_USE(mp, 0);
	t0 = vt_now();
	VT_ASSERT_OK(rte_eth_dev_close(port), "close");
	VT_ASSERT_OK(rte_vdev_uninit("net_virtio_map0"), "remove");
	took = vt_now() - t0;
	vt_info("close returned after %.3f s", took);
	VT_ASSERT(took < SLACK_S, "close at once, actual %.2f s", took);
	__atomic_store_n(&b.stop, 1, __ATOMIC_RELEASE);
	shutdown(b.sock, SHUT_RDWR);
	pthread_join(th, NULL);
	close(b.sock);
	close(listen_fd);
	rte_mempool_free(mp);
	return VT_PASS;
}

/* Answer the handshake's GET_FEATURES, hang up at the next message;
 * count the connections. */
static void *
be_hangup(void *arg)
{
	struct backend *b = arg;
	struct vhu_msg m, r;
	size_t len;
	int fd;

	while (!__atomic_load_n(&b->stop, __ATOMIC_ACQUIRE)) {
		struct pollfd p = { .fd = b->listen_fd, .events = POLLIN };

		if (poll(&p, 1, 50) != 1)
			continue;
		fd = accept(b->listen_fd, NULL, NULL);
		if (fd < 0)
			continue;
		__atomic_fetch_add(&b->conns, 1, __ATOMIC_RELAXED);
		if (be_recv(fd, &m) == 0 && m.request == VHU_SET_OWNER &&
		    be_recv(fd, &m) == 0 && m.request == VHU_GET_FEATURES) {
			memset(&r, 0, sizeof(r));
			r.request = m.request;
			r.flags = VHU_VERSION | VHU_FLAG_REPLY;
			r.size = sizeof(uint64_t);
			r.payload.u64 = 1ULL << 32;	/* VERSION_1 */
			len = VHU_HDR_SIZE + r.size;
			if (send(fd, &r, len, MSG_NOSIGNAL) == (ssize_t)len)
				be_recv(fd, &m);	/* the bring-up's first */
		}
		close(fd);
	}
	return NULL;
}

/* A backend that fails every bring-up at once: attempts back off. */
static int
backoff_case(const char *path, int listen_fd)
{
	struct backend b = { .listen_fd = listen_fd, .sock = -1 };
	struct rte_mempool *mp;
	uint32_t conns;
	char args[160];
	uint16_t port;
	pthread_t th;

	vt_phase("backoff: a backend that hangs up after the handshake");
	mp = vt_pool_create("vt_deadline_rx", 1024, 1514);
	VT_ASSERT(mp != NULL, "pool");
	VT_ASSERT_EQ(0, pthread_create(&th, NULL, be_hangup, &b), "backend");
	snprintf(args, sizeof(args), "path=%s", path);
	VT_ASSERT_OK(rte_vdev_init("net_virtio_map0", args), "probe");
	VT_ASSERT_OK(rte_eth_dev_get_port_by_name("net_virtio_map0", &port),
		     "port");
	VT_CHECK(vt_port_setup(port, 256, mp, 1514));
	/* the first attempt fails in start: "not now", the port starts */
	VT_ASSERT_OK(rte_eth_dev_start(port), "start");
	rte_delay_us_sleep(4000000);
	conns = __atomic_load_n(&b.conns, __ATOMIC_RELAXED);
	vt_info("%u connections in 4 s", conns);
	VT_ASSERT(conns >= 3 && conns <= 10,
		  "connections in 4 s: expected 3..10 (back-off 100 ms doubling), actual %u",
		  conns);
	VT_ASSERT_OK(rte_eth_dev_stop(port), "stop");
	VT_ASSERT_OK(rte_eth_dev_close(port), "close");
	VT_ASSERT_OK(rte_vdev_uninit("net_virtio_map0"), "remove");
	VT_ASSERT_IN_USE(mp, 0);
	__atomic_store_n(&b.stop, 1, __ATOMIC_RELEASE);
	pthread_join(th, NULL);
	close(listen_fd);
	rte_mempool_free(mp);
	return VT_PASS;
}

static void *
start_thread(void *arg)
{
	uint16_t port = *(uint16_t *)arg;

	rte_eth_dev_start(port);
	return NULL;
}

/* link_get_nowait while the port's bring-up waits for replies. */
static int
nowait_case(const char *path, int listen_fd)
{
	struct backend b = { .listen_fd = listen_fd, .sock = -1 };
	struct rte_eth_link link;
	struct rte_mempool *mp;
	pthread_t th, st;
	double t0, took;
	char args[160];
	uint16_t port;

	vt_phase("nowait: the link while a bring-up waits for a silent backend");
	mp = vt_pool_create("vt_deadline_rx", 1024, 1514);
	VT_ASSERT(mp != NULL, "pool");
	VT_ASSERT_EQ(0, pthread_create(&th, NULL, be_run, &b), "backend");
	snprintf(args, sizeof(args), "path=%s", path);
	VT_ASSERT_OK(rte_vdev_init("net_virtio_map0", args), "probe");
	VT_ASSERT_OK(rte_eth_dev_get_port_by_name("net_virtio_map0", &port),
		     "port");
	VT_CHECK(vt_port_setup(port, 256, mp, 1514));
	VT_ASSERT_EQ(0, pthread_create(&st, NULL, start_thread, &port),
		     "start thread");
	/* the backend took the connection: the bring-up waits for it */
	t0 = vt_now();
	while (__atomic_load_n(&b.sock, __ATOMIC_ACQUIRE) < 0 &&
	       vt_now() - t0 < 10.0)
		rte_delay_us_sleep(1000);
	VT_ASSERT(b.sock >= 0, "the driver connected within 10 s");
	rte_delay_us_sleep(200000);
	t0 = vt_now();
	VT_ASSERT_OK(rte_eth_link_get_nowait(port, &link), "link_get_nowait");
	took = vt_now() - t0;
	vt_info("link_get_nowait returned after %.4f s, link %s", took,
		link.link_status ? "up" : "down");
	VT_ASSERT(took < 0.5, "link_get_nowait at once, actual %.3f s", took);
	VT_ASSERT_EQ(RTE_ETH_LINK_DOWN, link.link_status, "link");
	pthread_join(st, NULL);
	VT_ASSERT_OK(rte_eth_dev_stop(port), "stop");
	VT_ASSERT_OK(rte_eth_dev_close(port), "close");
	VT_ASSERT_OK(rte_vdev_uninit("net_virtio_map0"), "remove");
	VT_ASSERT_IN_USE(mp, 0);
	__atomic_store_n(&b.stop, 1, __ATOMIC_RELEASE);
	shutdown(b.sock, SHUT_RDWR);
	pthread_join(th, NULL);
	close(b.sock);
	close(listen_fd);
	rte_mempool_free(mp);
	return VT_PASS;
}

static int
run(int argc, char **argv)
{
	char path[108];
	int listen_fd, rc;
	const char *c = argc == 1 ? argv[0] : "";
	bool stop = strncmp(c, "stop_", 5) == 0;

	if (stop)
		c += 5;
	if (argc != 1 || (strcmp(c, "drip") != 0 && strcmp(c, "never") != 0 &&
			  strcmp(c, "nowait") != 0 && strcmp(c, "backoff") != 0 &&
			  !(stop && strcmp(c, "slow") == 0))) {
		vt_fail(__FILE__, __LINE__,
			"expected one argument: drip, never, nowait, backoff, stop_drip, stop_never or stop_slow");
		return VT_FAIL;
	}
	VT_CHECK(vt_eal_init(NULL));
	snprintf(path, sizeof(path), "/tmp/vt_vhu_deadline_%d.sock",
		 (int)getpid());
	listen_fd = backend_listen(path);
	VT_ASSERT(listen_fd >= 0, "backend socket");
	if (strcmp(c, "nowait") == 0)
		rc = nowait_case(path, listen_fd);
	else if (strcmp(c, "backoff") == 0)
		rc = backoff_case(path, listen_fd);
	else
		rc = stop ? stop_case(path, listen_fd, strcmp(c, "drip") == 0,
			      strcmp(c, "slow") == 0) :
		    one_case(path, listen_fd, strcmp(c, "drip") == 0);
	unlink(path);
	return rc;
}

static const struct vt_test test = {
	.name = "vhu_deadline",
	.usage = "drip|never|nowait|backoff|stop_drip|stop_never|stop_slow",
	.timeout_s = 60,
	.run = run,
};

int
main(int argc, char **argv)
{
	return vt_main(&test, argc, argv);
}
