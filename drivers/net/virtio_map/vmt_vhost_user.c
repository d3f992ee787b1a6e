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

#include <rte_cycles.h>
#include <rte_errno.h>
#include <rte_interrupts.h>
#include <rte_malloc.h>

#include "virtio_map_log.h"
#include "vmt.h"
#include "vmt_vhost_user.h"

/* Client mode: back-off between knocks on a socket that refused us. */
#define VHU_RETRY_MIN_MS	100
#define VHU_RETRY_MAX_MS	1000u

/* Each step of a send may wait this long (SO_SNDTIMEO). */
#define VHU_SEND_TIMEOUT_S	5
/*
 * A request from the backend, all of it, read on the EAL interrupt
 * thread: a backend that takes longer than this loses the channel.
 */
#define VHU_REQ_TIMEOUT_MS	100

/* Protocol features this frontend can use. */
#define VHU_PROTOCOL_FEATURES	(1ULL << VHU_PROTOCOL_F_STATUS)
/* ... and those it adds when it answers IOTLB misses. */
#define VHU_PROTOCOL_IOTLB	(1ULL << VHU_PROTOCOL_F_SLAVE_REQ)

struct vhu_dev {
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	bool server;
	int sock;		/* connected channel, -1 when none */
	int listen_fd;		/* server mode: listening socket */
	bool use_protocol;	/* VHU_F_PROTOCOL_FEATURES negotiated */
	uint64_t protocol_features;
	/* backend request channel: our end, served by the EAL interrupt
	 * thread; NULL when none */
	struct rte_intr_handle *req_intr;
	/* an unregistration was deferred to after a running callback */
	bool req_pending;
	bool warned_not_sock;	/* client: said once that path is no socket */
	/* client mode: the socket file that last refused us, and when to
	 * knock again (a new file, a new backend: at once) */
	ino_t refused_ino;
	uint64_t retry_at_ms;
	uint32_t retry_ms;
};

static struct vhu_dev *
vhu(struct vmt_dev *t)
{
	return t->priv;
}

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
				     sizeof(msg.payload.u64));
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

static void vhu_req_cb(void *arg);

/*
 * Runs once a deferred unregistration is done: close our end. h is EAL's
 * copy of the handle, which EAL frees itself.
 */
static void
vhu_req_free(struct rte_intr_handle *h, void *arg)
{
	struct vmt_dev *t = arg;

	close(rte_intr_fd_get(h));
	__atomic_store_n(&vhu(t)->req_pending, false, __ATOMIC_RELEASE);
}

/*
 * Stop serving the request channel. Works from any thread, the interrupt
 * thread's own callback included (the unregistration is then deferred).
 */
static void
vhu_req_close(struct vmt_dev *t)
{
	struct vhu_dev *v = vhu(t);
	struct rte_intr_handle *h = v->req_intr;
	int ret;

	if (h == NULL)
		return;
	v->req_intr = NULL;
	for (;;) {
		ret = rte_intr_callback_unregister(h, vhu_req_cb, t);
		if (ret != -EAGAIN) {
			close(rte_intr_fd_get(h));
			rte_intr_instance_free(h);
			return;
		}
		/* the callback is running: let it finish, then free */
		__atomic_store_n(&v->req_pending, true, __ATOMIC_RELEASE);
		if (rte_intr_callback_unregister_pending(h, vhu_req_cb, t,
							 vhu_req_free) >= 0) {
			/* EAL registered a copy: ours can go now */
			rte_intr_instance_free(h);
			return;
		}
		__atomic_store_n(&v->req_pending, false, __ATOMIC_RELEASE);
	}
}

/* Answer one IOTLB miss: one update for the whole translation holding
 * the IOVA; the resolver logs the ones it refuses. */
static void
vhu_req_miss(struct vmt_dev *t, const struct vhu_iotlb *m)
{
	uint64_t start, size, uaddr;
	uint8_t perm = m->perm;
	int ret;

	ret = t->iotlb_resolve(t->iotlb_arg, m->iova, &start, &size, &uaddr,
			       &perm);
	if (ret < 0) {
		VM_LOG(DEBUG, "%s: IOTLB miss at IOVA 0x%" PRIx64 " (perm %u): no translation: %s",
		       t->name, m->iova, m->perm, strerror(-ret));
		return;
	}
	pthread_mutex_lock(&t->lock);
	ret = t->ops->connected(t) ?
	      t->ops->iotlb_update(t, start, size, uaddr, perm) : -ENOTCONN;
	if (ret == 0)
		t->iotlb_misses++;
	pthread_mutex_unlock(&t->lock);
	VM_LOG(DEBUG, "%s: IOTLB miss at IOVA 0x%" PRIx64 " (perm %u): update 0x%" PRIx64 "+0x%" PRIx64 ": %s",
	       t->name, m->iova, m->perm, start, size,
	       ret == 0 ? "sent" : strerror(-ret));
}

/* EAL interrupt thread: the backend wrote on the request channel. */
static void
vhu_req_cb(void *arg)
{
	struct vmt_dev *t = arg;
	struct vhu_dev *v = vhu(t);
	struct vhu_msg msg;
	int fd, ret;

	if (v->req_intr == NULL)
		return;
	fd = rte_intr_fd_get(v->req_intr);
	ret = vhu_recv_msg(fd, &msg, VHU_REQ_TIMEOUT_MS);
	if (ret < 0) {
		/* the backend closed its end: stop polling it */
		pthread_mutex_lock(&t->lock);
		vhu_req_close(t);
		pthread_mutex_unlock(&t->lock);
		return;
	}
	if (msg.request == VHU_BACKEND_IOTLB_MSG &&
	    msg.size >= sizeof(struct vhu_iotlb) &&
	    msg.payload.iotlb.type == VHU_IOTLB_MISS) {
		struct vhu_iotlb miss = msg.payload.iotlb;

		vhu_req_miss(t, &miss);
	} else {
		VM_LOG(DEBUG, "%s: backend request %u ignored", t->name,
		       msg.request);
	}
	if (msg.flags & VHU_FLAG_NEED_REPLY) {
		uint32_t request = msg.request;

		memset(&msg, 0, sizeof(msg));
		msg.request = request;
		msg.flags = VHU_FLAG_REPLY;
		msg.size = sizeof(msg.payload.u64);
		vhu_send(fd, &msg, NULL, 0);
	}
}

/*
 * Open the backend request channel (IOTLB misses arrive there): a socket
 * pair, one end to the backend, the other polled by the EAL interrupt
 * thread, never by a forwarding core.
 */
static int
vhu_req_open(struct vmt_dev *t)
{
	struct vhu_msg msg = { .request = VHU_SET_SLAVE_REQ_FD };
	struct vhu_dev *v = vhu(t);
	struct rte_intr_handle *h;
	/* the interrupt thread never waits long on this channel */
	struct timeval tv = { .tv_usec = VHU_REQ_TIMEOUT_MS * 1000 };
	int sv[2], ret;

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
		return -errno;
	/* the callback runs when a message is there; a stall times out */
	setsockopt(sv[0], SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(sv[0], SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	ret = vhu_send(v->sock, &msg, &sv[1], 1);
	close(sv[1]);
	if (ret < 0)
		goto err_close;
	h = rte_intr_instance_alloc(RTE_INTR_INSTANCE_F_PRIVATE);
	if (h == NULL) {
		ret = -ENOMEM;
		goto err_close;
	}
	if (rte_intr_fd_set(h, sv[0]) < 0 ||
	    rte_intr_type_set(h, RTE_INTR_HANDLE_EXT) < 0) {
		ret = -rte_errno;
		goto err_free;
	}
	v->req_intr = h;
	ret = rte_intr_callback_register(h, vhu_req_cb, t);
	if (ret < 0) {
		v->req_intr = NULL;
		goto err_free;
	}
	VM_LOG(INFO, "%s: backend request channel open: IOTLB misses are answered from the interrupt thread",
	       t->name);
	return 0;

err_free:
	rte_intr_instance_free(h);
err_close:
	close(sv[0]);
	return ret;
}

/* After the socket opens: claim the backend and agree protocol features. */
static int
vhu_handshake(struct vmt_dev *t)
{
	struct vhu_dev *v = vhu(t);
	uint64_t features, pf;
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
		if (st.st_ino == v->refused_ino &&
		    vhu_now_ms() < v->retry_at_ms)
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
				v->retry_at_ms = vhu_now_ms() + v->retry_ms;
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
	ret = vhu_handshake(t);
	if (ret < 0) {
		VM_LOG(ERR, "%s: vhost-user handshake on %s failed: %s",
		       t->name, v->path, strerror(-ret));
		close(v->sock);
		v->sock = -1;
		return ret;
	}
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
	p.fd = v->sock;
	p.events = POLLRDHUP;
	p.revents = 0;
	if (poll(&p, 1, 0) > 0 &&
	    (p.revents & (POLLRDHUP | POLLHUP | POLLERR | POLLNVAL))) {
		VM_LOG(WARNING, "%s: vhost-user backend at %s hung up",
		       t->name, v->path);
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
	if (vhu(t)->use_protocol)
		features |= 1ULL << VHU_F_PROTOCOL_FEATURES;
	return vhu_simple(t, VHU_SET_FEATURES, features, true);
}

static unsigned int
vhu_max_regions(struct vmt_dev *t __rte_unused)
{
	return VHU_MAX_REGIONS;
}

static int
vhu_set_mem_table(struct vmt_dev *t, const struct vmap_region *r,
		  unsigned int n)
{
	struct vhu_msg msg = { .request = VHU_SET_MEM_TABLE };
	int fds[VHU_MAX_REGIONS];
	unsigned int i;

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
	return vhu_send(vhu(t)->sock, &msg, fds, n);
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
				     sizeof(struct vhu_state));
	if (ret == 0 && base != NULL)
		*base = msg.payload.state.num;
	return ret;
}

static int
vhu_set_status(struct vmt_dev *t, uint8_t status)
{
	if (!(vhu(t)->protocol_features & (1ULL << VHU_PROTOCOL_F_STATUS)))
		return -ENOTSUP;
	return vhu_simple(t, VHU_SET_STATUS, status, true);
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
	if (v->sock >= 0) {
		close(v->sock);
		v->sock = -1;
	}
}

static void
vhu_destroy(struct vmt_dev *t)
{
	struct vhu_dev *v = vhu(t);
	unsigned int ms;

	/* a deferred unregistration must be done before t goes away */
	for (ms = 0; __atomic_load_n(&v->req_pending, __ATOMIC_ACQUIRE) &&
	     ms < 1000; ms++)
		rte_delay_us_sleep(1000);
	if (v->listen_fd >= 0) {
		close(v->listen_fd);
		unlink(v->path);
	}
	rte_free(v);
	rte_free(t);
}

static const struct vmt_ops vhu_ops = {
	.name = "vhost-user",
	.connect = vhu_connect,
	.connected = vhu_connected,
	.get_features = vhu_get_features,
	.set_features = vhu_set_features,
	.max_regions = vhu_max_regions,
	.set_mem_table = vhu_set_mem_table,
	.setup_vring = vhu_setup_vring,
	.enable_vring = vhu_enable_vring,
	.stop_vring = vhu_stop_vring,
	.set_status = vhu_set_status,
	.iotlb_update = vhu_iotlb_update,
	.iotlb_invalidate = vhu_iotlb_invalidate,
	.disconnect = vhu_disconnect,
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
	t->ops = &vhu_ops;
	t->priv = v;
	snprintf(t->name, sizeof(t->name), "%s", name);
	pthread_mutex_init(&t->lock, NULL);
	if (server) {
		/* listen now so the backend can connect before start */
		ret = vhu_listen(v, name);
		if (ret < 0) {
			pthread_mutex_destroy(&t->lock);
			rte_free(v);
			rte_free(t);
			rte_errno = -ret;
			return NULL;
		}
	}
	return t;
}
