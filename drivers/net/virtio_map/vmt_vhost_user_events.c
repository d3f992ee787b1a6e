/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The virtio_map authors
 */

/*
 * What the EAL interrupt thread serves for a vhost-user transport: the
 * backend request channel (IOTLB misses), the answers owed to the
 * backend, and the hang-up watch. That thread runs every port's alarms
 * and interrupts, so nothing here waits: reads stop after VHU_REQ_BATCH
 * messages per wake-up and VHU_REQ_TIMEOUT_MS for one message, the
 * transport lock is only tried, and answers go out with non-blocking
 * sends; what cannot go now waits in the owed list (bounded, merged,
 * overflow counted) for the next chance: the next wake-up, a 1 ms alarm
 * while the control path holds the lock, or the port's alarm.
 */

#include <errno.h>
#include <inttypes.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <rte_alarm.h>
#include <rte_errno.h>
#include <rte_malloc.h>

#include "virtio_map_log.h"
#include "vmt_vhost_user_dev.h"

/* A whole request from the backend may take this long to arrive; a
 * backend that takes longer loses the channel. */
#define VHU_REQ_TIMEOUT_MS	100
/* Owed answers met a busy transport lock: try again this soon. */
#define VHU_OWED_RETRY_US	1000

void
vhu_get(struct vmt_dev *t)
{
	__atomic_add_fetch(&vhu(t)->refs, 1, __ATOMIC_RELAXED);
}

void
vhu_put(struct vmt_dev *t)
{
	if (__atomic_sub_fetch(&vhu(t)->refs, 1, __ATOMIC_ACQ_REL) != 0)
		return;
	pthread_mutex_destroy(&t->lock);
	rte_free(t->priv);
	rte_free(t);
}

/* EAL finished a callback it was asked to stop: close the fd. */
static void
vhu_intr_done(struct rte_intr_handle *h, void *arg)
{
	close(rte_intr_fd_get(h));
	vhu_put(arg);
}

/*
 * Stop EAL calling cb for h, then close h's fd and free h. From another
 * thread this waits for a running cb to return (the callbacks here never
 * wait, so that is quick); from cb itself (directly or through the
 * application's event callback) EAL finishes it once cb returns, holding
 * a reference on t until then.
 */
static void
vhu_intr_stop(struct vmt_dev *t, struct rte_intr_handle *h,
	      rte_intr_callback_fn cb)
{
	int ret;

	if (!rte_thread_is_intr()) {
		rte_intr_callback_unregister_sync(h, cb, t);
	} else {
		ret = rte_intr_callback_unregister(h, cb, t);
		if (ret == -EAGAIN) {
			vhu_get(t);
			ret = rte_intr_callback_unregister_pending(h, cb, t,
							vhu_intr_done);
			if (ret > 0) {
				/* EAL keeps its own copy of h */
				rte_intr_instance_free(h);
				return;
			}
			vhu_put(t);
		}
	}
	close(rte_intr_fd_get(h));
	rte_intr_instance_free(h);
}

/* Register fd with the interrupt thread; the handle, or NULL. */
static struct rte_intr_handle *
vhu_intr_start(struct vmt_dev *t, int fd, rte_intr_callback_fn cb,
	       int *err)
{
	struct rte_intr_handle *h;

	h = rte_intr_instance_alloc(RTE_INTR_INSTANCE_F_PRIVATE);
	if (h == NULL) {
		*err = -ENOMEM;
		return NULL;
	}
	if (rte_intr_fd_set(h, fd) < 0 ||
	    rte_intr_type_set(h, RTE_INTR_HANDLE_EXT) < 0) {
		*err = -rte_errno;
		rte_intr_instance_free(h);
		return NULL;
	}
	*err = rte_intr_callback_register(h, cb, t);
	if (*err < 0) {
		rte_intr_instance_free(h);
		return NULL;
	}
	return h;
}

/* Owed answers (transport lock held by the caller). */

void
vhu_owed_drop(struct vmt_dev *t)
{
	struct vhu_dev *v = vhu(t);

	rte_spinlock_lock(&v->owed_lock);
	__atomic_fetch_add(&t->cnt->iotlb_miss_dropped, v->owed_n,
			   __ATOMIC_RELAXED);
	v->owed_n = 0;
	rte_spinlock_unlock(&v->owed_lock);
}

void
vhu_owed_flush(struct vmt_dev *t)
{
	struct vhu_dev *v = vhu(t);
	struct vhu_msg msg;
	int ret;

	for (;;) {
		rte_spinlock_lock(&v->owed_lock);
		if (v->owed_n == 0) {
			rte_spinlock_unlock(&v->owed_lock);
			return;
		}
		memset(&msg, 0, sizeof(msg));
		msg.request = VHU_IOTLB_MSG;
		msg.size = sizeof(struct vhu_iotlb);
		msg.payload.iotlb = v->owed[0];
		rte_spinlock_unlock(&v->owed_lock);

		if (v->sock < 0) {
			vhu_owed_drop(t);
			return;
		}
		ret = vhu_try_send(v->sock, &msg);
		if (ret == -EAGAIN)
			return;	/* the backend is not reading: later */
		if (ret < 0) {
			/* the channel is broken: the hang-up follows */
			vhu_owed_drop(t);
			return;
		}
		/* only a flusher removes, under the transport lock: owed[0]
		 * is still the entry just sent */
		rte_spinlock_lock(&v->owed_lock);
		v->owed_n--;
		memmove(&v->owed[0], &v->owed[1],
			v->owed_n * sizeof(v->owed[0]));
		rte_spinlock_unlock(&v->owed_lock);
		__atomic_fetch_add(&t->cnt->iotlb_misses, 1, __ATOMIC_RELAXED);
	}
}

void
vhu_owed_new_table(struct vmt_dev *t)
{
	__atomic_add_fetch(&vhu(t)->table_gen, 1, __ATOMIC_ACQ_REL);
	vhu_owed_drop(t);
}

static void vhu_owed_alarm(void *arg);

/* Send owed answers if the transport lock is free, else soon. */
static void
vhu_owed_kick(struct vmt_dev *t)
{
	struct vhu_dev *v = vhu(t);

	if (pthread_mutex_trylock(&t->lock) == 0) {
		vhu_owed_flush(t);
		pthread_mutex_unlock(&t->lock);
		return;
	}
	/* the control path holds it; it flushes too before it lets go,
	 * but may have passed that point already */
	if (__atomic_exchange_n(&v->owed_alarm, true, __ATOMIC_ACQ_REL))
		return;
	/* the alarm holds t: it may outlive the transport's owner */
	vhu_get(t);
	if (rte_eal_alarm_set(VHU_OWED_RETRY_US, vhu_owed_alarm, t) != 0) {
		__atomic_store_n(&v->owed_alarm, false, __ATOMIC_RELEASE);
		vhu_put(t);
	}
}

static void
vhu_owed_alarm(void *arg)
{
	struct vmt_dev *t = arg;

	__atomic_store_n(&vhu(t)->owed_alarm, false, __ATOMIC_RELEASE);
	vhu_owed_kick(t);
	vhu_put(t);
}

/*
 * Owe the backend one update, worked out while table gen was the latest;
 * merged with an equal one already owed.
 */
static void
vhu_owe(struct vmt_dev *t, const struct vhu_iotlb *u, uint32_t gen)
{
	struct vhu_dev *v = vhu(t);
	unsigned int i;

	rte_spinlock_lock(&v->owed_lock);
	if (gen != __atomic_load_n(&v->table_gen, __ATOMIC_ACQUIRE)) {
		/* a new table came meanwhile: the device misses again */
		__atomic_fetch_add(&t->cnt->iotlb_miss_dropped, 1,
				   __ATOMIC_RELAXED);
		rte_spinlock_unlock(&v->owed_lock);
		return;
	}
	for (i = 0; i < v->owed_n; i++)
		if (memcmp(&v->owed[i], u, sizeof(*u)) == 0)
			break;
	if (i == v->owed_n) {
		if (v->owed_n < VHU_OWED_MAX)
			v->owed[v->owed_n++] = *u;
		else
			__atomic_fetch_add(&t->cnt->iotlb_miss_dropped, 1,
					   __ATOMIC_RELAXED);
	}
	rte_spinlock_unlock(&v->owed_lock);
}

/* One IOTLB miss: owe the whole translation holding the IOVA; the
 * resolver logs and counts the ones it refuses. */
static void
vhu_req_miss(struct vmt_dev *t, const struct vhu_iotlb *m)
{
	struct vhu_iotlb u = { .type = VHU_IOTLB_UPDATE, .perm = m->perm };
	/* the driver swaps its translations before it sends a table */
	uint32_t gen = __atomic_load_n(&vhu(t)->table_gen, __ATOMIC_ACQUIRE);
	int ret;

	ret = t->iotlb_resolve(t->iotlb_arg, m->iova, &u.iova, &u.size,
			       &u.uaddr, &u.perm);
	VM_LOG(DEBUG, "%s: IOTLB miss at IOVA 0x%" PRIx64 " (perm %u): %s 0x%" PRIx64 "+0x%" PRIx64,
	       t->name, m->iova, m->perm,
	       ret == 0 ? "update" : "refused", u.iova, u.size);
	if (ret == 0)
		vhu_owe(t, &u, gen);
}

/* One message from the backend. */
static void
vhu_req_handle(struct vmt_dev *t, struct vhu_msg *msg)
{
	struct vhu_dev *v = vhu(t);
	uint32_t request = msg->request;

	if (request == VHU_BACKEND_IOTLB_MSG &&
	    msg->size >= sizeof(struct vhu_iotlb) &&
	    msg->payload.iotlb.type == VHU_IOTLB_MISS) {
		struct vhu_iotlb miss = msg->payload.iotlb;

		vhu_req_miss(t, &miss);
	} else {
		VM_LOG(DEBUG, "%s: backend request %u ignored", t->name,
		       request);
	}
	if (!(msg->flags & VHU_FLAG_NEED_REPLY))
		return;
	/* the answer first, if it can go now: the ack then follows it */
	vhu_owed_kick(t);
	memset(msg, 0, sizeof(*msg));
	msg->request = request;
	msg->flags = VHU_FLAG_REPLY;
	msg->size = sizeof(msg->payload.u64);
	/* a backend that does not read its replies goes without */
	if (vhu_try_send(v->req_fd, msg) < 0)
		VM_LOG(DEBUG, "%s: reply to backend request %u not sent",
		       t->name, request);
}

/* A whole message waits on fd: reading it cannot wait. */
static bool
vhu_msg_queued(int fd)
{
	struct vhu_msg hdr;
	int queued = 0;

	if (recv(fd, &hdr, VHU_HDR_SIZE, MSG_PEEK | MSG_DONTWAIT) !=
	    (ssize_t)VHU_HDR_SIZE || ioctl(fd, FIONREAD, &queued) < 0)
		return false;
	return (size_t)queued >= VHU_HDR_SIZE + RTE_MIN(hdr.size,
					(uint32_t)sizeof(hdr.payload));
}

/* Interrupt thread: the backend wrote on the request channel. */
static void
vhu_req_cb(void *arg)
{
	struct vmt_dev *t = arg;
	struct vhu_dev *v = vhu(t);
	struct vhu_msg msg;
	unsigned int i;
	int ret;

	/*
	 * The first message may take VHU_REQ_TIMEOUT_MS to arrive whole;
	 * after it only what is already there is read, and the rest waits
	 * for the next wake-up: other sources get a turn.
	 */
	for (i = 0; i < VHU_REQ_BATCH; i++) {
		if (i > 0 && !vhu_msg_queued(v->req_fd))
			break;
		ret = vhu_recv_msg(v->req_fd, &msg, VHU_REQ_TIMEOUT_MS);
		if (ret < 0) {
			/* closed: the backend went; the watch says so */
			if (ret == -EPIPE)
				VM_LOG(DEBUG, "%s: backend request channel closed by the backend",
				       t->name);
			else
				VM_LOG(WARNING, "%s: backend request channel %s; IOTLB misses are no longer answered on it",
				       t->name, ret == -ETIMEDOUT ?
				       "stalled mid-message" : "broken");
			vhu_req_close(t);
			break;
		}
		vhu_req_handle(t, &msg);
	}
	vhu_owed_kick(t);
}

int
vhu_req_open(struct vmt_dev *t)
{
	struct vhu_msg msg = { .request = VHU_SET_SLAVE_REQ_FD };
	struct vhu_dev *v = vhu(t);
	struct rte_intr_handle *h;
	int sv[2], ret;

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
		return -errno;
	ret = vhu_send(v->sock, &msg, &sv[1], 1);
	close(sv[1]);
	if (ret < 0) {
		close(sv[0]);
		return ret;
	}
	v->req_fd = sv[0];
	h = vhu_intr_start(t, sv[0], vhu_req_cb, &ret);
	if (h == NULL) {
		close(sv[0]);
		return ret;
	}
	__atomic_store_n(&v->req_intr, h, __ATOMIC_RELEASE);
	__atomic_store_n(&t->misses, true, __ATOMIC_RELEASE);
	VM_LOG(INFO, "%s: backend request channel open: IOTLB misses are answered from the interrupt thread",
	       t->name);
	return 0;
}

void
vhu_req_close(struct vmt_dev *t)
{
	struct rte_intr_handle *h;

	/* the control path and the callback may both get here: one wins */
	__atomic_store_n(&t->misses, false, __ATOMIC_RELEASE);
	h = __atomic_exchange_n(&vhu(t)->req_intr, NULL, __ATOMIC_ACQ_REL);
	if (h != NULL)
		vhu_intr_stop(t, h, vhu_req_cb);
}

/* Hang-up watch. */

/* Interrupt thread: the watched socket hung up. */
static void
vhu_watch_cb(void *arg)
{
	struct vmt_dev *t = arg;
	struct vhu_dev *v = vhu(t);
	struct epoll_event ev;

	/* one shot: once read, the set is quiet until the next connection */
	if (epoll_wait(v->watch_ep, &ev, 1, 0) != 1)
		return;
	__atomic_store_n(&v->hup_gen, ev.data.u64, __ATOMIC_RELEASE);
	VM_LOG(DEBUG, "%s: the socket watch saw the backend hang up",
	       t->name);
	/* last: the callback may close the port */
	if (t->event_cb != NULL)
		t->event_cb(t->event_arg);
}

int
vhu_watch_create(struct vmt_dev *t)
{
	struct vhu_dev *v = vhu(t);
	int ret;

	v->watch_ep = epoll_create1(EPOLL_CLOEXEC);
	if (v->watch_ep < 0)
		return -errno;
	v->watch_intr = vhu_intr_start(t, v->watch_ep, vhu_watch_cb, &ret);
	if (v->watch_intr == NULL) {
		close(v->watch_ep);
		v->watch_ep = -1;
		return ret;
	}
	return 0;
}

void
vhu_watch_add(struct vmt_dev *t)
{
	struct vhu_dev *v = vhu(t);
	struct epoll_event ev = { .events = EPOLLRDHUP | EPOLLONESHOT };

	ev.data.u64 = ++v->conn_gen;
	/* without the watch, the port's alarm still polls the socket */
	if (v->watch_ep >= 0 &&
	    epoll_ctl(v->watch_ep, EPOLL_CTL_ADD, v->sock, &ev) < 0)
		VM_LOG(WARNING, "%s: cannot watch the vhost-user socket: %s; hang-ups are noticed by polling",
		       t->name, strerror(errno));
}

void
vhu_watch_del(struct vmt_dev *t)
{
	struct vhu_dev *v = vhu(t);

	if (v->watch_ep >= 0 && v->sock >= 0)
		epoll_ctl(v->watch_ep, EPOLL_CTL_DEL, v->sock, NULL);
}

bool
vhu_watch_hung_up(struct vmt_dev *t)
{
	struct vhu_dev *v = vhu(t);

	return __atomic_load_n(&v->hup_gen, __ATOMIC_ACQUIRE) == v->conn_gen;
}

void
vhu_events_destroy(struct vmt_dev *t)
{
	struct vhu_dev *v = vhu(t);

	/* from another thread this waits for a running alarm to return;
	 * a cancelled one gives its reference back */
	if (rte_eal_alarm_cancel(vhu_owed_alarm, t) > 0)
		vhu_put(t);
	if (v->watch_intr != NULL)
		vhu_intr_stop(t, v->watch_intr, vhu_watch_cb);
	else if (v->watch_ep >= 0)
		close(v->watch_ep);
	v->watch_intr = NULL;
	v->watch_ep = -1;
}
