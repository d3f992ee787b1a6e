/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The virtio_map authors
 */

/*
 * vhost-user wire format (QEMU docs/interop/vhost-user.rst) as the frontend
 * uses it, and the message framing helpers of vmt_vhost_user_msg.c. Only the
 * requests this driver sends are listed.
 */

#ifndef _VMT_VHOST_USER_H_
#define _VMT_VHOST_USER_H_

#include <stdint.h>

#include <rte_common.h>

/**
 * Memory regions one SET_MEM_TABLE message holds: the protocol's limit
 * without CONFIGURE_MEM_SLOTS (which this driver does not negotiate), and
 * DPDK 22.11 vhost's VHOST_MEMORY_MAX_NREGIONS.
 */
#define VHU_MAX_REGIONS		8

/** Front-end requests. */
enum vhu_request {
	VHU_GET_FEATURES = 1,
	VHU_SET_FEATURES = 2,
	VHU_SET_OWNER = 3,
	VHU_SET_MEM_TABLE = 5,
	VHU_SET_VRING_NUM = 8,
	VHU_SET_VRING_ADDR = 9,
	VHU_SET_VRING_BASE = 10,
	VHU_GET_VRING_BASE = 11,
	VHU_SET_VRING_KICK = 12,
	VHU_SET_VRING_CALL = 13,
	VHU_GET_PROTOCOL_FEATURES = 15,
	VHU_GET_QUEUE_NUM = 17,
	VHU_SET_PROTOCOL_FEATURES = 16,
	VHU_SET_VRING_ENABLE = 18,
	VHU_NET_SET_MTU = 20,
	VHU_SET_SLAVE_REQ_FD = 21,
	VHU_IOTLB_MSG = 22,
	VHU_SET_STATUS = 39,
	VHU_GET_STATUS = 40,
	VHU_REQUEST_MAX = 41,
};

/** Feature bit that says protocol features may be negotiated. */
#define VHU_F_PROTOCOL_FEATURES	30
/** Protocol feature: MQ (GET_QUEUE_NUM tells the most queue pairs). */
#define VHU_PROTOCOL_F_MQ	0
/** Protocol feature: REPLY_ACK (the NEED_REPLY flag is honoured). */
#define VHU_PROTOCOL_F_REPLY_ACK	3
/** Protocol feature: NET_SET_MTU. */
#define VHU_PROTOCOL_F_NET_MTU	4
/** Protocol feature: the backend request channel (SET_SLAVE_REQ_FD). */
#define VHU_PROTOCOL_F_SLAVE_REQ	5
/** Protocol feature: SET_STATUS / GET_STATUS. */
#define VHU_PROTOCOL_F_STATUS	16

/* Header flags. */
#define VHU_VERSION		0x1
#define VHU_FLAG_REPLY		0x4
#define VHU_FLAG_NEED_REPLY	0x8

/** Backend requests (on the request channel). */
#define VHU_BACKEND_IOTLB_MSG	1

/** IOTLB message types. */
#define VHU_IOTLB_MISS		1
#define VHU_IOTLB_UPDATE	2
#define VHU_IOTLB_INVALIDATE	3
#define VHU_IOTLB_ACCESS_FAIL	4

/** IOTLB payload (Linux struct vhost_iotlb_msg). */
struct vhu_iotlb {
	uint64_t iova;
	uint64_t size;
	uint64_t uaddr;
	uint8_t perm;		/* VMT_IOTLB_* */
	uint8_t type;		/* VHU_IOTLB_* */
	uint8_t padding[6];
};

/* Vring file payload: no file descriptor sent. */
#define VHU_VRING_NOFD		0x100

/** Vring state payload. */
struct vhu_state {
	uint32_t index;
	uint32_t num;
};

/** Vring address payload. */
struct vhu_addr {
	uint32_t index;
	uint32_t flags;
	uint64_t desc;
	uint64_t used;
	uint64_t avail;
	uint64_t log;
};

/** One memory-table region. */
struct vhu_region {
	uint64_t guest_addr;
	uint64_t size;
	uint64_t user_addr;
	uint64_t mmap_offset;
};

/** Memory-table payload. */
struct vhu_mem {
	uint32_t nregions;
	uint32_t padding;
	struct vhu_region regions[VHU_MAX_REGIONS];
};

/** A message: 12-byte header, then size bytes of payload. */
struct vhu_msg {
	uint32_t request;
	uint32_t flags;
	uint32_t size;
	union {
		uint64_t u64;
		struct vhu_state state;
		struct vhu_addr addr;
		struct vhu_mem mem;
		struct vhu_iotlb iotlb;
	} payload;
} __rte_packed;

#define VHU_HDR_SIZE	offsetof(struct vhu_msg, payload)

/** Name of a request, for messages. */
const char *vhu_request_name(uint32_t request);

/**
 * Send one message with up to VHU_MAX_REGIONS file descriptors.
 *
 * @return 0, or a negative errno (-EPIPE when the backend is gone)
 */
int vhu_send(int sock, struct vhu_msg *msg, const int *fds, unsigned int nfds);

/**
 * Send one message without file descriptors if the socket takes all of
 * it now (from the interrupt thread). A message cut short would corrupt
 * the stream: the socket is then shut down.
 *
 * @return 0, -EAGAIN when it would wait, or another negative errno
 */
int vhu_try_send(int sock, struct vhu_msg *msg);

/** How long a reply may take, all of it, before the backend is stuck. */
#define VHU_REPLY_TIMEOUT_MS	5000

/**
 * Receive one whole message (header, then its payload) within one overall
 * deadline: a backend that sends a byte now and then cannot stretch it.
 *
 * @param sock        the socket
 * @param msg         filled
 * @param timeout_ms  the deadline for the whole message, from now
 * @return 0, or a negative errno (-ETIMEDOUT, -EPIPE, -EPROTO)
 */
int vhu_recv_msg(int sock, struct vhu_msg *msg, unsigned int timeout_ms);

/**
 * Receive the reply to request into msg, checking request, flags and
 * size, within VHU_REPLY_TIMEOUT_MS in all, and before deadline_ms
 * (vmt_now_ms() time; 0: none).
 *
 * @return 0, or a negative errno (-ETIMEDOUT, -EPIPE, -EPROTO)
 */
int vhu_recv_reply(int sock, struct vhu_msg *msg, uint32_t request,
		   uint32_t size, uint64_t deadline_ms);

#endif /* _VMT_VHOST_USER_H_ */
