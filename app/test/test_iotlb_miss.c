/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The virtio_map authors
 */

/*
 * Unit test "iotlb_miss": the vhost-user transport's IOTLB, the test
 * playing the backend on a UNIX socket. The backend offers
 * VIRTIO_F_ACCESS_PLATFORM and the request channel; the transport must
 * negotiate SLAVE_REQ and hand over its end with SET_SLAVE_REQ_FD. Then,
 * starting from an empty IOTLB, the backend reports misses on the request
 * channel (asking for a reply): each must be answered from the EAL
 * interrupt thread with one IOTLB update on the main socket covering the
 * whole run the resolver returns, and acknowledged on the request channel;
 * a miss nothing resolves gets an ack but no update. Direct updates and
 * invalidations have the wire format of QEMU's vhost-user spec. Finally
 * the backend floods misses reading nothing (the interrupt thread keeps
 * its pulse; every miss is answered or counted dropped), cuts a request
 * short (the request channel closes within its deadline); after a new
 * connection the transport is destroyed while the interrupt thread is in
 * the middle of reading a request: at once, and nothing is used after it
 * is freed (the sanitizer build runs this).
 */

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <rte_alarm.h>
#include <rte_cycles.h>
#include <rte_eal.h>

#include "vmt.h"
#include "vmt_vhost_user.h"
#include "vt.h"

#define RUN_SIZE (2u << 20)
#define RUN_UADDR 0x7f0000000000ULL
#define KNOWN_IOVA 0x40000000ULL	/* resolvable: [1 GB, +4 MB) */
/* flood: [4 GB, +FLOOD_PAGES pages) resolves page by page, so no two
 * misses merge into one answer */
#define FLOOD_IOVA 0x100000000ULL
#define FLOOD_PAGES 20000u
#define TICK_US 10000		/* the interrupt thread's pulse */
#define LATE_MAX_US 1000000	/* a blocked thread shows 5 s here */

struct backend {
	int listen_fd;
	int sock;
	int req_fd;
	int rc;
};

static int
resolve(void *arg, uint64_t iova, uint64_t *start, uint64_t *size,
	uint64_t *uaddr, uint8_t *perm)
{
	RTE_SET_USED(arg);
	if (iova >= FLOOD_IOVA && iova < FLOOD_IOVA + FLOOD_PAGES * 4096ULL) {
		*start = iova & ~4095ULL;
		*size = 4096;
		*uaddr = RUN_UADDR + (*start - FLOOD_IOVA);
		*perm = VMT_IOTLB_RW;
		return 0;
	}
	if (iova < KNOWN_IOVA || iova >= KNOWN_IOVA + 2 * RUN_SIZE)
		return -ENOENT;
	*start = iova - (iova - KNOWN_IOVA) % RUN_SIZE;
	*size = RUN_SIZE;
	*uaddr = RUN_UADDR + (*start - KNOWN_IOVA);
	*perm = VMT_IOTLB_RW;
	return 0;
}

/* Read one message and the file descriptor it may carry. */
static int
be_recv(int fd, struct vhu_msg *m, int *passed, int timeout_ms)
{
	char control[CMSG_SPACE(sizeof(int) * VHU_MAX_REGIONS)];
	struct iovec iov = { .iov_base = m, .iov_len = VHU_HDR_SIZE };
	struct msghdr mh = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = control, .msg_controllen = sizeof(control),
	};
	struct pollfd p = { .fd = fd, .events = POLLIN };
	struct cmsghdr *cm;

	if (poll(&p, 1, timeout_ms) != 1)
		return -ETIMEDOUT;
	if (recvmsg(fd, &mh, MSG_WAITALL) != (ssize_t)VHU_HDR_SIZE)
		return -EPIPE;
	cm = CMSG_FIRSTHDR(&mh);
	if (passed != NULL && cm != NULL && cm->cmsg_type == SCM_RIGHTS)
		memcpy(passed, CMSG_DATA(cm), sizeof(int));
	if (m->size > sizeof(m->payload))
		return -EPROTO;
	if (m->size > 0 &&
	    recv(fd, &m->payload, m->size, MSG_WAITALL) != (ssize_t)m->size)
		return -EPIPE;
	return 0;
}

static int
be_reply_u64(int fd, uint32_t request, uint64_t v)
{
	struct vhu_msg m = {
		.request = request,
		.flags = VHU_VERSION | VHU_FLAG_REPLY,
		.size = sizeof(uint64_t),
		.payload.u64 = v,
	};

	return send(fd, &m, VHU_HDR_SIZE + m.size, 0) ==
	       (ssize_t)(VHU_HDR_SIZE + m.size) ? 0 : -EPIPE;
}

/* The backend's side of the handshake, up to SET_SLAVE_REQ_FD. */
static void *
be_handshake(void *arg)
{
	struct backend *b = arg;
	struct vhu_msg m;
	int fd = -1;

	b->rc = VT_FAIL;
	b->sock = accept(b->listen_fd, NULL, NULL);
	if (b->sock < 0)
		return NULL;
	while (be_recv(b->sock, &m, &fd, 5000) == 0) {
		if (m.request == VHU_GET_FEATURES)
			be_reply_u64(b->sock, m.request, (1ULL << 32) |
				     (1ULL << 33) |
				     (1ULL << VHU_F_PROTOCOL_FEATURES));
		else if (m.request == VHU_GET_PROTOCOL_FEATURES)
			be_reply_u64(b->sock, m.request,
				     (1ULL << VHU_PROTOCOL_F_SLAVE_REQ) |
				     (1ULL << VHU_PROTOCOL_F_REPLY_ACK));
		else if (m.request == VHU_SET_PROTOCOL_FEATURES &&
			 !(m.payload.u64 & (1ULL << VHU_PROTOCOL_F_SLAVE_REQ)))
			return NULL;
		else if (m.request == VHU_SET_SLAVE_REQ_FD) {
			b->req_fd = fd;
			b->rc = fd >= 0 ? VT_PASS : VT_FAIL;
			return NULL;
		}
	}
	return NULL;
}

/* The transport connects while the backend thread answers. */
static int
connect_both(struct backend *b, struct vmt_dev *t)
{
	pthread_t th;
	int ret;

	VT_ASSERT_EQ(0, pthread_create(&th, NULL, be_handshake, b),
		     "backend thread");
	ret = vmt_connect(t);
	pthread_join(th, NULL);
	VT_ASSERT_EQ(0, ret, "vmt_connect");
	VT_ASSERT_EQ(VT_PASS, b->rc, "backend got SET_SLAVE_REQ_FD with an fd");
	return VT_PASS;
}

static int
send_miss(struct backend *b, uint64_t iova)
{
	struct vhu_msg m = {
		.request = VHU_BACKEND_IOTLB_MSG,
		.flags = VHU_VERSION | VHU_FLAG_NEED_REPLY,
		.size = sizeof(struct vhu_iotlb),
		.payload.iotlb = {
			.iova = iova,
			.perm = VMT_IOTLB_RO,
			.type = VHU_IOTLB_MISS,
		},
	};

	VT_ASSERT(send(b->req_fd, &m, VHU_HDR_SIZE + m.size, 0) ==
		  (ssize_t)(VHU_HDR_SIZE + m.size), "send miss");
	return VT_PASS;
}

static int
expect_update(struct backend *b, uint8_t type, uint64_t iova, uint64_t size,
	      uint64_t uaddr, uint8_t perm)
{
	struct vhu_msg m;

	VT_ASSERT_EQ(0, be_recv(b->sock, &m, NULL, 2000),
		     "IOTLB message on the main socket");
	VT_ASSERT_EQ(VHU_IOTLB_MSG, m.request, "request");
	VT_ASSERT_EQ(sizeof(struct vhu_iotlb), m.size, "payload size");
	VT_ASSERT_EQ(type, m.payload.iotlb.type, "IOTLB type");
	VT_ASSERT_EQ_X(iova, m.payload.iotlb.iova, "IOTLB iova");
	VT_ASSERT_EQ_X(size, m.payload.iotlb.size, "IOTLB size");
	if (type == VHU_IOTLB_UPDATE) {
		VT_ASSERT_EQ_X(uaddr, m.payload.iotlb.uaddr, "IOTLB uaddr");
		VT_ASSERT_EQ(perm, m.payload.iotlb.perm, "IOTLB perm");
	}
	return VT_PASS;
}

static int
expect_ack(struct backend *b)
{
	struct vhu_msg m;

	VT_ASSERT_EQ(0, be_recv(b->req_fd, &m, NULL, 2000),
		     "ack on the request channel");
	VT_ASSERT_EQ(VHU_BACKEND_IOTLB_MSG, m.request, "ack request");
	VT_ASSERT(m.flags & VHU_FLAG_REPLY, "ack flags 0x%x", m.flags);
	VT_ASSERT_EQ(sizeof(uint64_t), m.size, "ack size");
	VT_ASSERT_EQ(0, m.payload.u64, "ack status");
	return VT_PASS;
}

/* An alarm every TICK_US on the interrupt thread: how late it comes. */
static volatile bool ticking;
static uint64_t tick_due_us, tick_late_max_us, ticks;

static uint64_t
now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static void
tick(void *arg)
{
	uint64_t now = now_us();

	RTE_SET_USED(arg);
	if (now > tick_due_us && now - tick_due_us > tick_late_max_us)
		tick_late_max_us = now - tick_due_us;
	ticks++;
	if (!ticking)
		return;
	tick_due_us = now + TICK_US;
	rte_eal_alarm_set(TICK_US, tick, NULL);
}

/* Send one message on a non-blocking socket, waiting while it is full. */
static int
be_send_all(int fd, const struct vhu_msg *m)
{
	size_t len = VHU_HDR_SIZE + m->size, off = 0;
	struct pollfd p = { .fd = fd, .events = POLLOUT };
	ssize_t n;

	while (off < len) {
		n = send(fd, (const char *)m + off, len - off, MSG_DONTWAIT);
		if (n > 0) {
			off += n;
			continue;
		}
		if (n < 0 && errno != EAGAIN)
			return -errno;
		if (poll(&p, 1, 5000) != 1)
			return -ETIMEDOUT;
	}
	return 0;
}

/* Read the IOTLB updates waiting on the main socket; how many. */
static unsigned int
be_drain_updates(struct backend *b)
{
	struct vhu_msg m;
	unsigned int n = 0;

	while (be_recv(b->sock, &m, NULL, 50) == 0)
		if (m.request == VHU_IOTLB_MSG &&
		    m.payload.iotlb.type == VHU_IOTLB_UPDATE)
			n++;
	return n;
}

/*
 * A backend that floods misses (each asking for a reply) and reads
 * neither its main socket nor the replies: the interrupt thread keeps its
 * pulse, answers that cannot go are dropped and counted, and once the
 * backend reads again every miss is accounted for, answered or dropped.
 */
static int
flood(struct backend *b, struct vmt_dev *t)
{
	struct vhu_msg m = {
		.request = VHU_BACKEND_IOTLB_MSG,
		.flags = VHU_VERSION | VHU_FLAG_NEED_REPLY,
		.size = sizeof(struct vhu_iotlb),
		.payload.iotlb = { .perm = VMT_IOTLB_RO,
				   .type = VHU_IOTLB_MISS },
	};
	uint64_t answered0 = t->cnt->iotlb_misses, answered, dropped;
	unsigned int i, got;
	double t0;

	vt_phase("flood: %u misses, the backend reads nothing", FLOOD_PAGES);
	ticking = true;
	tick_due_us = now_us() + TICK_US;
	VT_ASSERT_OK(rte_eal_alarm_set(TICK_US, tick, NULL), "tick alarm");
	t0 = vt_now();
	for (i = 0; i < FLOOD_PAGES; i++) {
		m.payload.iotlb.iova = FLOOD_IOVA + i * 4096ULL + 8;
		VT_ASSERT(be_send_all(b->req_fd, &m) == 0, "miss %u sent", i);
	}
	/* the interrupt thread reads the rest, 32 a wake-up */
	while (vt_now() - t0 < 10) {
		struct pollfd p = { .fd = b->req_fd, .events = POLLOUT };
		int queued = 0;

		if (ioctl(b->req_fd, TIOCOUTQ, &queued) == 0 && queued == 0)
			break;
		poll(&p, 0, 10);
	}
	rte_delay_us_sleep(50000);
	ticking = false;
	rte_delay_us_sleep(2 * TICK_US);
	vt_info("flood sent in %.3f s; %lu ticks, the latest %.1f ms late",
		vt_now() - t0, (unsigned long)ticks,
		tick_late_max_us / 1000.0);
	VT_ASSERT(tick_late_max_us < LATE_MAX_US,
		  "the interrupt thread stalled %.1f ms under the flood",
		  tick_late_max_us / 1000.0);
	dropped = __atomic_load_n(&t->cnt->iotlb_miss_dropped, __ATOMIC_RELAXED);
	VT_ASSERT(dropped > 0, "misses dropped while the backend read nothing");

	vt_phase("the backend reads again: every miss answered or dropped");
	got = be_drain_updates(b);
	vmt_service(t);
	got += be_drain_updates(b);
	answered = t->cnt->iotlb_misses - answered0;
	dropped = t->cnt->iotlb_miss_dropped;
	vt_info("%u misses: %lu answered (%u updates read), %lu dropped",
		FLOOD_PAGES, (unsigned long)answered, got,
		(unsigned long)dropped);
	VT_ASSERT_EQ(answered, got, "updates read");
	VT_ASSERT_EQ(FLOOD_PAGES, answered + dropped,
		     "misses answered plus dropped");
	VT_ASSERT(vmt_connected(t), "main channel still up");
	return VT_PASS;
}

/* A request that never finishes: the channel goes within its deadline. */
static int
stuck_request(struct backend *b, struct vmt_dev *t)
{
	static const char part[6] = { VHU_BACKEND_IOTLB_MSG };
	double t0;

	vt_phase("a request cut short: the request channel is closed");
	VT_ASSERT(vmt_reports_misses(t), "request channel open");
	VT_ASSERT_EQ((ssize_t)sizeof(part),
		     send(b->req_fd, part, sizeof(part), 0), "half a header");
	for (t0 = vt_now(); vt_now() - t0 < 5 && vmt_reports_misses(t);)
		rte_delay_us_sleep(10000);
	vt_info("request channel closed after %.0f ms",
		(vt_now() - t0) * 1000);
	VT_ASSERT(!vmt_reports_misses(t), "request channel closed");
	VT_ASSERT(vmt_connected(t), "main channel still up");
	return VT_PASS;
}

static int
run(int argc, char **argv)
{
	struct vt_eal_opts eo = { .hugepages = false };
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct backend b = { .listen_fd = -1, .sock = -1, .req_fd = -1 };
	struct vhu_msg m;
	struct vmt_dev *t;
	double t0;

	RTE_SET_USED(argc);
	RTE_SET_USED(argv);
	VT_CHECK(vt_eal_init(&eo));

	snprintf(sa.sun_path, sizeof(sa.sun_path), "/tmp/vt_iotlb_miss_%d.sock",
		 (int)getpid());
	unlink(sa.sun_path);
	b.listen_fd = socket(AF_UNIX, SOCK_STREAM, 0);
	VT_ASSERT(b.listen_fd >= 0 &&
		  bind(b.listen_fd, (struct sockaddr *)&sa, sizeof(sa)) == 0 &&
		  listen(b.listen_fd, 1) == 0, "backend socket");

	vt_phase("connect: SLAVE_REQ negotiated, request channel handed over");
	t = vmt_vhost_user_create("iotlb_miss", sa.sun_path, false);
	VT_ASSERT(t != NULL, "transport");
	vmt_set_iotlb_resolver(t, resolve, NULL);
	VT_CHECK(connect_both(&b, t));

	vt_phase("misses from an empty IOTLB: one update per run, acked");
	VT_CHECK(send_miss(&b, KNOWN_IOVA + 0x123456));
	VT_CHECK(expect_update(&b, VHU_IOTLB_UPDATE, KNOWN_IOVA, RUN_SIZE,
			       RUN_UADDR, VMT_IOTLB_RW));
	VT_CHECK(expect_ack(&b));
	VT_CHECK(send_miss(&b, KNOWN_IOVA + RUN_SIZE + 8));
	VT_CHECK(expect_update(&b, VHU_IOTLB_UPDATE, KNOWN_IOVA + RUN_SIZE,
			       RUN_SIZE, RUN_UADDR + RUN_SIZE, VMT_IOTLB_RW));
	VT_CHECK(expect_ack(&b));
	VT_ASSERT_EQ(2, t->cnt->iotlb_misses, "misses answered");

	vt_phase("a miss nothing resolves: acked, no update");
	VT_CHECK(send_miss(&b, 0x1000));
	VT_CHECK(expect_ack(&b));
	VT_ASSERT_EQ(-ETIMEDOUT, be_recv(b.sock, &m, NULL, 200),
		     "no update for an unknown IOVA");

	vt_phase("direct update and invalidate");
	VT_ASSERT_EQ(0, vmt_iotlb_update(t, 0x1000, 0x2000, 0x5000,
					 VMT_IOTLB_RO), "update");
	VT_CHECK(expect_update(&b, VHU_IOTLB_UPDATE, 0x1000, 0x2000, 0x5000,
			       VMT_IOTLB_RO));
	VT_ASSERT_EQ(0, vmt_iotlb_invalidate(t, 0x1000, 0x2000), "invalidate");
	VT_CHECK(expect_update(&b, VHU_IOTLB_INVALIDATE, 0x1000, 0x2000, 0, 0));

	VT_CHECK(flood(&b, t));
	VT_CHECK(stuck_request(&b, t));

	vt_phase("connect again: a new request channel");
	vmt_disconnect(t);
	close(b.sock);
	close(b.req_fd);
	b.sock = b.req_fd = -1;
	VT_CHECK(connect_both(&b, t));

	vt_phase("the transport goes while the interrupt thread reads a request");
	VT_ASSERT_EQ(1, send(b.req_fd, "\1", 1, 0), "one byte of a request");
	rte_delay_us_sleep(20000);	/* the callback is in its read */
	t0 = vt_now();
	vmt_destroy(t);
	vt_info("destroyed in %.1f ms", (vt_now() - t0) * 1000);
	/* about 0.1 s (the callback's read times out); waiting out the
	 * request's deadline instead would take 5 s */
	VT_ASSERT(vt_now() - t0 < 2.5, "destroy took %.3f s", vt_now() - t0);
	/* what the callback still had must not be touched after this */
	rte_delay_us_sleep(200000);
	close(b.req_fd);
	close(b.sock);
	close(b.listen_fd);
	unlink(sa.sun_path);
	return VT_PASS;
}

static const struct vt_test test = {
	.name = "iotlb_miss",
	.usage = "",
	.timeout_s = 60,
	.run = run,
};

int
main(int argc, char **argv)
{
	return vt_main(&test, argc, argv);
}
