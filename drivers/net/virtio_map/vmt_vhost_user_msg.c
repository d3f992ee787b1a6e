/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The virtio_map authors
 */

/*
 * vhost-user message framing: sending a message with file descriptors
 * (SCM_RIGHTS), reading a reply and checking it, request names for logs.
 * No protocol decisions here; vmt_vhost_user.c makes them.
 */

#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "virtio_map_log.h"
#include "vmt.h"
#include "vmt_vhost_user.h"

static const char *const vhu_names[VHU_REQUEST_MAX] = {
	[VHU_GET_FEATURES] = "GET_FEATURES",
	[VHU_SET_FEATURES] = "SET_FEATURES",
	[VHU_SET_OWNER] = "SET_OWNER",
	[VHU_SET_MEM_TABLE] = "SET_MEM_TABLE",
	[VHU_SET_VRING_NUM] = "SET_VRING_NUM",
	[VHU_SET_VRING_ADDR] = "SET_VRING_ADDR",
	[VHU_SET_VRING_BASE] = "SET_VRING_BASE",
	[VHU_GET_VRING_BASE] = "GET_VRING_BASE",
	[VHU_SET_VRING_KICK] = "SET_VRING_KICK",
	[VHU_SET_VRING_CALL] = "SET_VRING_CALL",
	[VHU_GET_PROTOCOL_FEATURES] = "GET_PROTOCOL_FEATURES",
	[VHU_SET_PROTOCOL_FEATURES] = "SET_PROTOCOL_FEATURES",
	[VHU_GET_QUEUE_NUM] = "GET_QUEUE_NUM",
	[VHU_SET_VRING_ENABLE] = "SET_VRING_ENABLE",
	[VHU_NET_SET_MTU] = "NET_SET_MTU",
	[VHU_SET_SLAVE_REQ_FD] = "SET_SLAVE_REQ_FD",
	[VHU_IOTLB_MSG] = "IOTLB_MSG",
	[VHU_SET_STATUS] = "SET_STATUS",
	[VHU_GET_STATUS] = "GET_STATUS",
};

const char *
vhu_request_name(uint32_t request)
{
	if (request < VHU_REQUEST_MAX && vhu_names[request] != NULL)
		return vhu_names[request];
	return "UNKNOWN";
}

static int
vhu_sendmsg(int sock, struct vhu_msg *msg, const int *fds,
	    unsigned int nfds, int flags)
{
	char control[CMSG_SPACE(sizeof(int) * VHU_MAX_REGIONS)];
	struct iovec iov = {
		.iov_base = msg,
		.iov_len = VHU_HDR_SIZE + msg->size,
	};
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
	struct cmsghdr *cm;
	ssize_t ret;

	RTE_BUILD_BUG_ON(sizeof(struct vhu_iotlb) != 32);
	if (nfds > VHU_MAX_REGIONS)
		return -EINVAL;
	/* callers may ask for a reply (NEED_REPLY) or send one (REPLY) */
	msg->flags = VHU_VERSION |
		     (msg->flags & (VHU_FLAG_REPLY | VHU_FLAG_NEED_REPLY));
	if (nfds > 0) {
		memset(control, 0, sizeof(control));
		mh.msg_control = control;
		mh.msg_controllen = CMSG_SPACE(sizeof(int) * nfds);
		cm = CMSG_FIRSTHDR(&mh);
		cm->cmsg_level = SOL_SOCKET;
		cm->cmsg_type = SCM_RIGHTS;
		cm->cmsg_len = CMSG_LEN(sizeof(int) * nfds);
		memcpy(CMSG_DATA(cm), fds, sizeof(int) * nfds);
	}
	do {
		ret = sendmsg(sock, &mh, MSG_NOSIGNAL | flags);
	} while (ret < 0 && errno == EINTR);
	if (ret < 0 && (flags & MSG_DONTWAIT) &&
	    (errno == EAGAIN || errno == EWOULDBLOCK))
		return -EAGAIN;
	if (ret < 0) {
		ret = -errno;
		VM_LOG(ERR, "vhost-user %s: send failed: %s",
		       vhu_request_name(msg->request), strerror(errno));
		return ret == -ECONNRESET ? -EPIPE : (int)ret;
	}
	if ((size_t)ret != iov.iov_len) {
		/* the rest would start mid-message: this channel is done */
		shutdown(sock, SHUT_RDWR);
		return -EPIPE;
	}
	return 0;
}

int
vhu_send(int sock, struct vhu_msg *msg, const int *fds, unsigned int nfds)
{
	return vhu_sendmsg(sock, msg, fds, nfds, 0);
}

int
vhu_try_send(int sock, struct vhu_msg *msg)
{
	return vhu_sendmsg(sock, msg, NULL, 0, MSG_DONTWAIT);
}

/* Read exactly len bytes before deadline_ms, waiting only in poll(). */
static int
vhu_read_full(int sock, void *buf, size_t len, uint64_t deadline_ms)
{
	struct pollfd p = { .fd = sock, .events = POLLIN };
	size_t got = 0;
	uint64_t now;
	ssize_t ret;
	int n;

	while (got < len) {
		now = vmt_now_ms();
		if (now >= deadline_ms)
			return -ETIMEDOUT;
		n = poll(&p, 1, (int)(deadline_ms - now));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			return -ETIMEDOUT;
		ret = recv(sock, (char *)buf + got, len - got, MSG_DONTWAIT);
		if (ret == 0)
			return -EPIPE;
		if (ret < 0) {
			if (errno == EINTR || errno == EAGAIN ||
			    errno == EWOULDBLOCK)
				continue;
			return -errno;
		}
		got += ret;
	}
	return 0;
}

int
vhu_recv_msg(int sock, struct vhu_msg *msg, unsigned int timeout_ms)
{
	uint64_t deadline = vmt_now_ms() + timeout_ms;
	int ret;

	ret = vhu_read_full(sock, msg, VHU_HDR_SIZE, deadline);
	if (ret == 0 && msg->size > sizeof(msg->payload))
		ret = -EPROTO;
	if (ret == 0)
		ret = vhu_read_full(sock, &msg->payload, msg->size, deadline);
	return ret;
}

int
vhu_recv_reply(int sock, struct vhu_msg *msg, uint32_t request, uint32_t size,
	       uint64_t deadline_ms)
{
	uint64_t now = vmt_now_ms();
	unsigned int timeout = VHU_REPLY_TIMEOUT_MS;
	int ret;

	if (deadline_ms != 0)
		timeout = deadline_ms <= now ? 0 :
			  RTE_MIN(timeout, (unsigned int)(deadline_ms - now));
	ret = vhu_recv_msg(sock, msg, timeout);
	if (ret < 0) {
		VM_LOG(ERR, "vhost-user %s: no reply from the backend: %s",
		       vhu_request_name(request), strerror(-ret));
		return ret;
	}
	if (msg->request != request || !(msg->flags & VHU_FLAG_REPLY) ||
	    msg->size != size) {
		VM_LOG(ERR, "vhost-user %s: bad reply (request %u, flags 0x%x, size %u)",
		       vhu_request_name(request), msg->request, msg->flags,
		       msg->size);
		return -EPROTO;
	}
	return 0;
}
