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
 * the backend closes the request channel and the transport copes.
 */

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <rte_eal.h>

#include "vmt.h"
#include "vmt_vhost_user.h"
#include "vt.h"

#define RUN_SIZE (2u << 20)
#define RUN_UADDR 0x7f0000000000ULL
#define KNOWN_IOVA 0x40000000ULL	/* resolvable: [1 GB, +4 MB) */

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

static int
run(int argc, char **argv)
{
	struct vt_eal_opts eo = { .hugepages = false };
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct backend b = { .listen_fd = -1, .sock = -1, .req_fd = -1 };
	struct vhu_msg m;
	struct vmt_dev *t;
	pthread_t th;
	int ret;

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
	VT_ASSERT_EQ(0, pthread_create(&th, NULL, be_handshake, &b),
		     "backend thread");
	ret = vmt_connect(t);
	pthread_join(th, NULL);
	VT_ASSERT_EQ(0, ret, "vmt_connect");
	VT_ASSERT_EQ(VT_PASS, b.rc, "backend got SET_SLAVE_REQ_FD with an fd");

	vt_phase("misses from an empty IOTLB: one update per run, acked");
	VT_CHECK(send_miss(&b, KNOWN_IOVA + 0x123456));
	VT_CHECK(expect_update(&b, VHU_IOTLB_UPDATE, KNOWN_IOVA, RUN_SIZE,
			       RUN_UADDR, VMT_IOTLB_RW));
	VT_CHECK(expect_ack(&b));
	VT_CHECK(send_miss(&b, KNOWN_IOVA + RUN_SIZE + 8));
	VT_CHECK(expect_update(&b, VHU_IOTLB_UPDATE, KNOWN_IOVA + RUN_SIZE,
			       RUN_SIZE, RUN_UADDR + RUN_SIZE, VMT_IOTLB_RW));
	VT_CHECK(expect_ack(&b));
	VT_ASSERT_EQ(2, t->iotlb_misses, "misses answered");

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

	vt_phase("backend closes the request channel, then the transport goes");
	close(b.req_fd);
	usleep(100000);
	VT_ASSERT(vmt_connected(t), "main channel still up");
	vmt_destroy(t);
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
