/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The virtio_map authors
 */

/*
 * vhost-user frontend transport: connects (client) or accepts (server)
 * without ever blocking, then speaks the vhost-user protocol for features,
 * the memory table, vrings and status. Replies are awaited with a timeout
 * so a stuck backend cannot hang the control path. Message framing lives in
 * vmt_vhost_user_msg.c.
 */

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <rte_errno.h>
#include <rte_malloc.h>

#include "virtio_map_log.h"
#include "vmt.h"
#include "vmt_vhost_user_dev.h"

/* Client mode: back-off between knocks on a socket that refused us. */
#define VHU_RETRY_MIN_MS	100
#define VHU_RETRY_MAX_MS	1000u

/* Each step of a send may wait this long (SO_SNDTIMEO). */
#define VHU_SEND_TIMEOUT_S	5

/* Protocol features this frontend can use. */
#define VHU_PROTOCOL_FEATURES	((1ULL << VHU_PROTOCOL_F_STATUS) | \
				 (1ULL << VHU_PROTOCOL_F_MQ) | \
				 (1ULL << VHU_PROTOCOL_F_NET_MTU))
/* ... and those it adds when it answers IOTLB misses. */
#define VHU_PROTOCOL_IOTLB	(1ULL << VHU_PROTOCOL_F_SLAVE_REQ)

static int
vhu_set_timeout(int sock)
{
	struct timeval tv = { .tv_sec = VHU_SEND_TIMEOUT_S };

	if (setsockopt(sock, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) < 0 ||
	    setsockopt(sock, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)) < 0)
		return -errno;
	return 0;
}

static int
vhu_simple(struct vmt_dev *t, uint32_t request, uint64_t u64, bool has_u64)
{
	struct vhu_msg msg = { .request = request };

	if (has_u64) {
		msg.size = sizeof(msg.payload.u64);
		msg.payload.u64 = u64;
	}
	return vhu_send(vhu(t)->sock, &msg, NULL, 0);
}

static int
vhu_get_u64(struct vmt_dev *t, uint32_t request, uint64_t *val)
{
	struct vhu_msg msg = { .request = request };
	int ret;

	ret = vhu_send(vhu(t)->sock, &msg, NULL, 0);
	if (ret == 0)
		ret = vhu_recv_reply(vhu(t)->sock, &msg, request,
				     sizeof(msg.payload.u64), t->deadline_ms);
	if (ret == 0)
		*val = msg.payload.u64;
	return ret;
}

static int
vhu_state(struct vmt_dev *t, uint32_t request, uint32_t index, uint32_t num)
{
	struct vhu_msg msg = {
		.request = request,
		.size = sizeof(struct vhu_state),
		.payload.state = { .index = index, .num = num },
	};

	return vhu_send(vhu(t)->sock, &msg, NULL, 0);
}

static int
vhu_vring_fd(struct vmt_dev *t, uint32_t request, uint32_t index, int fd)
{
	struct vhu_msg msg = {
		.request = request,
		.size = sizeof(msg.payload.u64),
		.payload.u64 = index | (fd < 0 ? VHU_VRING_NOFD : 0),
	};

	return vhu_send(vhu(t)->sock, &msg, &fd, fd < 0 ? 0 : 1);
}

/* After the socket opens: claim the backend and agree protocol features. */
static int
vhu_handshake(struct vmt_dev *t)
{
	struct vhu_dev *v = vhu(t);
	uint64_t features = 0, pf = 0;
	int ret;

	ret = vhu_set_timeout(v->sock);
	if (ret == 0)
		ret = vhu_simple(t, VHU_SET_OWNER, 0, false);
	if (ret == 0)
		ret = vhu_get_u64(t, VHU_GET_FEATURES, &features);
	if (ret < 0)
		return ret;
	v->use_protocol = features & (1ULL << VHU_F_PROTOCOL_FEATURES);
	v->protocol_features = 0;
	v->max_pairs = 0;	/* this backend's, not the last one's */
	if (!v->use_protocol)
		return 0;
	ret = vhu_get_u64(t, VHU_GET_PROTOCOL_FEATURES, &pf);
	if (ret < 0)
		return ret;
	v->protocol_features = pf & VHU_PROTOCOL_FEATURES;
	/* IOTLB misses need the request channel; only worth it when the
	 * device can use an IOTLB at all */
	if (t->iotlb_resolve != NULL &&
	    (features & (1ULL << VMT_F_ACCESS_PLATFORM)))
		v->protocol_features |= pf & VHU_PROTOCOL_IOTLB;
	ret = vhu_simple(t, VHU_SET_PROTOCOL_FEATURES, v->protocol_features,
			 true);
	v->max_pairs = 0;
	if (ret == 0 &&
	    (v->protocol_features & (1ULL << VHU_PROTOCOL_F_MQ))) {
		uint64_t n = 0;

		ret = vhu_get_u64(t, VHU_GET_QUEUE_NUM, &n);
		v->max_pairs = RTE_MIN(n, (uint64_t)UINT16_MAX);
	}
	if (ret == 0 &&
	    (v->protocol_features & (1ULL << VHU_PROTOCOL_F_SLAVE_REQ))) {
		ret = vhu_req_open(t);
		if (ret < 0)
			VM_LOG(ERR, "%s: cannot open the backend request channel: %s",
			       t->name, strerror(-ret));
	}
	return ret;
}

/* What a file that is not a socket is, for messages. */
static const char *
vhu_file_kind(mode_t mode)
{
	if (S_ISREG(mode))
		return "a regular file";
	if (S_ISDIR(mode))
		return "a directory";
	if (S_ISCHR(mode) || S_ISBLK(mode))
		return "a device";
	if (S_ISFIFO(mode))
		return "a FIFO";
	return "not a socket";
}

/* Does a process listen on the socket at path? (A stale file refuses.) */
static bool
vhu_socket_live(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	bool live;
	int fd;

	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return true;	/* cannot tell: do not take it */
	strcpy(sa.sun_path, path);
	live = connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0 ||
	       errno == EAGAIN || errno == EINPROGRESS;
	close(fd);
	return live;
}

static int
vhu_listen(struct vhu_dev *v, const char *name)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct stat st;
	int fd;

	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	strcpy(sa.sun_path, v->path);
	if (stat(v->path, &st) == 0) {
		if (!S_ISSOCK(st.st_mode)) {
			VM_LOG(ERR, "%s: server=1: path=%s exists and is %s, not a socket; remove it or choose another path",
			       name, v->path, vhu_file_kind(st.st_mode));
			close(fd);
			return -EEXIST;
		}
		/* someone listening there is alive: never take its socket */
		if (vhu_socket_live(v->path)) {
			VM_LOG(ERR, "%s: server=1: another process is listening on path=%s; stop it or choose another path",
			       name, v->path);
			close(fd);
			return -EADDRINUSE;
		}
		/* a socket file left by a process that is gone */
		unlink(v->path);
	}
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    listen(fd, 1) < 0) {
		int err = errno;

		VM_LOG(ERR, "%s: cannot listen on path=%s: %s", name, v->path,
		       strerror(err));
		close(fd);
		return -err;
	}
	v->listen_fd = fd;
	return 0;
}

static int
vhu_connect(struct vmt_dev *t)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct vhu_dev *v = vhu(t);
	int fd, ret, flags;
	struct stat st;

	if (v->server) {
		if (v->listen_fd < 0) {
			ret = vhu_listen(v, t->name);
			if (ret < 0)
				return ret;
		}
		fd = accept4(v->listen_fd, NULL, NULL, SOCK_CLOEXEC);
		if (fd < 0)
			return errno == EAGAIN || errno == EWOULDBLOCK ||
			       errno == EINTR ? -EAGAIN : -errno;
	} else {
		/*
		 * Cheap while nothing is there: no socket file, or the one
		 * that refused us before its back-off ran out (100 ms
		 * doubling to 1 s). A new file means a new backend: knock
		 * at once.
		 */
		if (stat(v->path, &st) != 0)
			return -EAGAIN;
		if (!S_ISSOCK(st.st_mode)) {
			if (!v->warned_not_sock)
				VM_LOG(WARNING, "%s: path=%s is %s, not a vhost-user socket; still waiting for a socket there",
				       t->name, v->path,
				       vhu_file_kind(st.st_mode));
			v->warned_not_sock = true;
			return -EAGAIN;
		}
		v->warned_not_sock = false;
		/* the backend we turned down is still there: wait for a
		 * new one (a new socket file) */
		if (st.st_ino == v->rejected_ino &&
		    st.st_ctim.tv_sec == v->rejected_ctime.tv_sec &&
		    st.st_ctim.tv_nsec == v->rejected_ctime.tv_nsec)
			return -EAGAIN;
		if (st.st_ino == v->refused_ino &&
		    vmt_now_ms() < v->retry_at_ms)
			return -EAGAIN;
		fd = socket(AF_UNIX,
			    SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
		if (fd < 0)
			return -errno;
		strcpy(sa.sun_path, v->path);
		if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
			ret = errno;
			close(fd);
			/* no socket yet, nobody listening, or backlog full */
			if (ret == ENOENT || ret == ECONNREFUSED ||
			    ret == EAGAIN || ret == EINPROGRESS) {
				v->retry_ms = st.st_ino == v->refused_ino ?
					RTE_MIN(v->retry_ms * 2,
						VHU_RETRY_MAX_MS) :
					VHU_RETRY_MIN_MS;
				v->refused_ino = st.st_ino;
				v->retry_at_ms = vmt_now_ms() + v->retry_ms;
				return -EAGAIN;
			}
			VM_LOG(ERR, "%s: cannot connect to path=%s: %s",
			       t->name, v->path, strerror(ret));
			return -ret;
		}
		/* messages are synchronous: block, with a timeout */
		flags = fcntl(fd, F_GETFL);
		if (flags < 0 || fcntl(fd, F_SETFL, flags & ~O_NONBLOCK) < 0) {
			ret = -errno;
			close(fd);
			return ret;
		}
	}
	v->sock = fd;
	v->refused_ino = 0;
	if (!v->server) {
		/* which backend this is, for vmt_reject() */
		v->conn_ino = st.st_ino;
		v->conn_ctime = st.st_ctim;
	}
	ret = vhu_handshake(t);
	if (ret < 0) {
		/* this backend, not the port: a client waits for a new
		 * socket file, a server for the next connection */
		VM_LOG(ERR, "%s: vhost-user handshake on %s failed: %s; waiting for %s",
		       t->name, v->path, strerror(-ret),
		       v->server ? "the next connection" :
				   "a new backend socket there");
		vhu_req_close(t);
		close(v->sock);
		v->sock = -1;
		if (!v->server) {
			v->rejected_ino = v->conn_ino;
			v->rejected_ctime = v->conn_ctime;
		}
		return -EAGAIN;
	}
	vhu_watch_add(t);
	VM_LOG(INFO, "%s: connected to vhost-user backend at %s%s", t->name,
	       v->path, v->server ? " (server mode)" : "");
	return 0;
}

static bool
vhu_connected(struct vmt_dev *t)
{
	struct vhu_dev *v = vhu(t);
	struct pollfd p;

	if (v->sock < 0)
		return false;
	/* the watch tells at once; polling covers a watch that failed */
	p.fd = v->sock;
	p.events = POLLRDHUP;
	p.revents = 0;
	if (vhu_watch_hung_up(t) ||
	    (poll(&p, 1, 0) > 0 &&
	     (p.revents & (POLLRDHUP | POLLHUP | POLLERR | POLLNVAL)))) {
		VM_LOG(WARNING, "%s: vhost-user backend at %s hung up",
		       t->name, v->path);
		vhu_req_close(t);
		vhu_owed_drop(t);
		vhu_watch_del(t);
		close(v->sock);
		v->sock = -1;
		return false;
	}
	return true;
}

static int
vhu_get_features(struct vmt_dev *t, uint64_t *features)
{
	int ret = vhu_get_u64(t, VHU_GET_FEATURES, features);

	/* a transport bit, not a device feature */
	*features &= ~(1ULL << VHU_F_PROTOCOL_FEATURES);
	return ret;
}

static int
vhu_set_features(struct vmt_dev *t, uint64_t features)
{
	/*
	 * Acking the protocol-features bit keeps rings disabled until
	 * SET_VRING_ENABLE, so the backend never sees a half-set-up ring.
	 */
	vhu(t)->features = features;
	if (vhu(t)->use_protocol)
		features |= 1ULL << VHU_F_PROTOCOL_FEATURES;
	return vhu_simple(t, VHU_SET_FEATURES, features, true);
}

static unsigned int
vhu_max_regions(struct vmt_dev *t __rte_unused)
{
	return VHU_MAX_REGIONS;
}

static unsigned int
vhu_max_queue_pairs(struct vmt_dev *t)
{
	/* without the MQ protocol feature: one pair */
	return vhu(t)->max_pairs != 0 ? vhu(t)->max_pairs : 1;
}

static void vhu_disconnect(struct vmt_dev *t);

/*
 * The backend answers requests in order: once it answered GET_FEATURES it
 * has processed everything sent before. A reply that did not come in
 * time may still come: the channel is closed then, so that it is never
 * taken for the answer to a later request (the control thread sees the
 * backend gone and brings it up again).
 */
static int
vhu_sync(struct vmt_dev *t)
{
	uint64_t features;
	int ret = vhu_get_u64(t, VHU_GET_FEATURES, &features);

	if (ret < 0)
		vhu_disconnect(t);
	return ret;
}

static int
vhu_set_mem_table(struct vmt_dev *t, const struct rte_vmap_region *r,
		  unsigned int n)
{
	struct vhu_msg msg = { .request = VHU_SET_MEM_TABLE };
	int fds[VHU_MAX_REGIONS];
	unsigned int i;
	int ret;

	if (n == 0 || n > VHU_MAX_REGIONS)
		return -E2BIG;
	msg.payload.mem.nregions = n;
	for (i = 0; i < n; i++) {
		msg.payload.mem.regions[i] = (struct vhu_region){
			.guest_addr = r[i].dev_addr,
			.size = r[i].size,
			.user_addr = (uint64_t)(uintptr_t)r[i].addr,
			.mmap_offset = r[i].fd_offset,
		};
		fds[i] = r[i].fd;
	}
	msg.size = offsetof(struct vhu_mem, regions) +
		   sizeof(struct vhu_region) * n;
	vhu_owed_new_table(t);
	ret = vhu_send(vhu(t)->sock, &msg, fds, n);
	if (ret < 0)
		return ret;
	/* memory the application got for its buffers is used only once
	 * the backend has the table (without REPLY_ACK, SET_MEM_TABLE has
	 * no answer of its own) */
	return vhu_sync(t);
}

static int
vhu_setup_vring(struct vmt_dev *t, const struct vmt_vring *r)
{
	struct vhu_msg msg = {
		.request = VHU_SET_VRING_ADDR,
		.size = sizeof(struct vhu_addr),
		.payload.addr = {
			.index = r->index,
			.desc = (uint64_t)(uintptr_t)r->desc,
			.used = (uint64_t)(uintptr_t)r->used,
			.avail = (uint64_t)(uintptr_t)r->avail,
		},
	};
	int ret;

	if (r->use_iova) {
		msg.payload.addr.desc = r->desc_iova;
		msg.payload.addr.avail = r->avail_iova;
		msg.payload.addr.used = r->used_iova;
	}

	/* call first: DPDK's backend checks readiness at each step */
	ret = vhu_vring_fd(t, VHU_SET_VRING_CALL, r->index, r->call_fd);
	if (ret == 0)
		ret = vhu_state(t, VHU_SET_VRING_NUM, r->index, r->num);
	if (ret == 0)
		ret = vhu_state(t, VHU_SET_VRING_BASE, r->index, r->base);
	if (ret == 0)
		ret = vhu_send(vhu(t)->sock, &msg, NULL, 0);
	if (ret == 0)
		ret = vhu_vring_fd(t, VHU_SET_VRING_KICK, r->index,
				   r->kick_fd);
	return ret;
}

static int
vhu_enable_vring(struct vmt_dev *t, uint16_t index, bool enable)
{
	/* without protocol features a ring is enabled by its kick fd */
	if (!vhu(t)->use_protocol)
		return 0;
	return vhu_state(t, VHU_SET_VRING_ENABLE, index, enable);
}

static int
vhu_stop_vring(struct vmt_dev *t, uint16_t index, uint16_t *base)
{
	struct vhu_msg msg = {
		.request = VHU_GET_VRING_BASE,
		.size = sizeof(struct vhu_state),
		.payload.state = { .index = index },
	};
	int ret;

	ret = vhu_send(vhu(t)->sock, &msg, NULL, 0);
	if (ret == 0)
		ret = vhu_recv_reply(vhu(t)->sock, &msg, VHU_GET_VRING_BASE,
				     sizeof(struct vhu_state), t->deadline_ms);
	if (ret == 0 && base != NULL)
		*base = msg.payload.state.num;
	return ret;
}

static int
vhu_set_mtu(struct vmt_dev *t, uint16_t mtu)
{
	struct vhu_dev *v = vhu(t);

	/* vhost-user.rst: only with VIRTIO_NET_F_MTU and NET_MTU */
	if (!(v->features & (1ULL << VMT_F_NET_MTU)) ||
	    !(v->protocol_features & (1ULL << VHU_PROTOCOL_F_NET_MTU)))
		return -ENOTSUP;
	return vhu_simple(t, VHU_NET_SET_MTU, mtu, true);
}

static int
vhu_set_status(struct vmt_dev *t, uint8_t status)
{
	if (!(vhu(t)->protocol_features & (1ULL << VHU_PROTOCOL_F_STATUS)))
		return -ENOTSUP;
	vhu(t)->status = status;
	return vhu_simple(t, VHU_SET_STATUS, status, true);
}

/*
 * DPDK's vhost handles one message at a time and, after the one that
 * makes the device ready, starts it (its new_device callback, which lets
 * the application's bursts in) before it reads the next message; a
 * reply-ack would come before that. So a request it answers, sent after
 * everything else, returns only once the device can carry traffic.
 */
static int
vhu_confirm(struct vmt_dev *t)
{
	struct vhu_dev *v = vhu(t);
	uint64_t val;
	int ret;

	if (!(v->protocol_features & (1ULL << VHU_PROTOCOL_F_STATUS)))
		return vhu_get_u64(t, VHU_GET_FEATURES, &val);
	ret = vhu_get_u64(t, VHU_GET_STATUS, &val);
	if (ret < 0)
		return ret;
	if ((val & (VMT_STATUS_FAILED | VMT_STATUS_NEEDS_RESET)) ||
	    (val & v->status) != v->status) {
		VM_LOG(ERR, "%s: vhost-user backend at %s reports device status 0x%" PRIx64 " after the driver set 0x%x",
		       t->name, v->path, val, v->status);
		return -EIO;
	}
	return 0;
}

static int
vhu_iotlb(struct vmt_dev *t, uint8_t type, uint64_t iova, uint64_t size,
	  uint64_t uaddr, uint8_t perm)
{
	struct vhu_msg msg = {
		.request = VHU_IOTLB_MSG,
		.size = sizeof(struct vhu_iotlb),
		.payload.iotlb = {
			.iova = iova,
			.size = size,
			.uaddr = uaddr,
			.perm = perm,
			.type = type,
		},
	};

	return vhu_send(vhu(t)->sock, &msg, NULL, 0);
}

static int
vhu_iotlb_update(struct vmt_dev *t, uint64_t iova, uint64_t size,
		 uint64_t uaddr, uint8_t perm)
{
	return vhu_iotlb(t, VHU_IOTLB_UPDATE, iova, size, uaddr, perm);
}

static int
vhu_iotlb_invalidate(struct vmt_dev *t, uint64_t iova, uint64_t size)
{
	return vhu_iotlb(t, VHU_IOTLB_INVALIDATE, iova, size, 0, 0);
}

static void
vhu_disconnect(struct vmt_dev *t)
{
	struct vhu_dev *v = vhu(t);

	vhu_req_close(t);
	/* a new connection starts with an empty IOTLB */
	vhu_owed_drop(t);
	v->rejected_ino = 0;	/* vmt_reject() lasts until this */
	if (v->sock >= 0) {
		vhu_watch_del(t);
		close(v->sock);
		v->sock = -1;
	}
}

static void
vhu_reject(struct vmt_dev *t)
{
	struct vhu_dev *v = vhu(t);
	bool client = !v->server && v->sock >= 0;

	vhu_disconnect(t);
	/* client: not this socket file again, only a new one */
	if (client) {
		v->rejected_ino = v->conn_ino;
		v->rejected_ctime = v->conn_ctime;
	}
}

static void
vhu_destroy(struct vmt_dev *t)
{
	struct vhu_dev *v = vhu(t);

	vhu_events_destroy(t);
	if (v->listen_fd >= 0) {
		close(v->listen_fd);
		unlink(v->path);
	}
	/* freed now, or once EAL has finished a callback it still runs */
	vhu_put(t);
}

static const struct vmt_ops vhu_ops = {
	.name = "vhost-user",
	.connect = vhu_connect,
	.connected = vhu_connected,
	.get_features = vhu_get_features,
	.set_features = vhu_set_features,
	.max_regions = vhu_max_regions,
	.max_queue_pairs = vhu_max_queue_pairs,
	.set_mem_table = vhu_set_mem_table,
	.setup_vring = vhu_setup_vring,
	.enable_vring = vhu_enable_vring,
	.stop_vring = vhu_stop_vring,
	.set_mtu = vhu_set_mtu,
	.set_status = vhu_set_status,
	.confirm = vhu_confirm,
	.iotlb_update = vhu_iotlb_update,
	.iotlb_invalidate = vhu_iotlb_invalidate,
	.service = vhu_owed_flush,
	.reject = vhu_reject,
	.disconnect = vhu_disconnect,
	.sync = vhu_sync,
	.destroy = vhu_destroy,
};

struct vmt_dev *
vmt_vhost_user_create(const char *name, const char *path, bool server)
{
	struct vmt_dev *t;
	struct vhu_dev *v;
	int ret;

	if (strlen(path) >= sizeof(v->path)) {
		rte_errno = ENAMETOOLONG;
		return NULL;
	}
	t = rte_zmalloc("vmt", sizeof(*t), 0);
	v = rte_zmalloc("vmt_vhu", sizeof(*v), 0);
	if (t == NULL || v == NULL) {
		rte_free(t);
		rte_free(v);
		rte_errno = ENOMEM;
		return NULL;
	}
	strcpy(v->path, path);
	v->server = server;
	v->sock = -1;
	v->listen_fd = -1;
	v->req_fd = -1;
	v->watch_ep = -1;
	v->refs = 1;
	rte_spinlock_init(&v->owed_lock);
	t->ops = &vhu_ops;
	t->priv = v;
	t->cnt = &t->own_cnt;
	snprintf(t->name, sizeof(t->name), "%s", name);
	pthread_mutex_init(&t->lock, NULL);
	/* listen now so the backend can connect before start */
	ret = server ? vhu_listen(v, name) : 0;
	if (ret == 0) {
		ret = vhu_watch_create(t);
		if (ret < 0)
			VM_LOG(ERR, "%s: cannot watch the vhost-user socket from the interrupt thread: %s",
			       name, strerror(-ret));
	}
	if (ret < 0) {
		if (v->listen_fd >= 0) {
			close(v->listen_fd);
			unlink(v->path);
		}
		vhu_put(t);
		rte_errno = -ret;
		return NULL;
	}
	return t;
}
