/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The virtio_map authors
 */

/*
 * The driver's multi-process messages (EAL's rte_mp): a secondary process
 * asks the primary for the kick eventfds of a port's queues, which the
 * primary sends as file descriptors (SCM_RIGHTS, VM_MP_FDS per
 * reply). At attach the secondary takes them all, waiting; a queue set up
 * again later (new generation) is asked for from the burst that finds it,
 * without waiting (vmq_proc.h), at most every VM_MP_RETRY_MS per port.
 * A map kind whose memory is in files of its own (vduse's domain) gets
 * them at attach too: the regions and their fds, which it maps at the
 * primary's addresses.
 */

#include <errno.h>
#include <pthread.h>
#include <stddef.h>
#include <string.h>
#include <unistd.h>

#include <ethdev_driver.h>
#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_errno.h>

#include "virtio_map_mp.h"
#include "virtio_map_state.h"
#include "virtio_map_log.h"
#include "vmq_proc.h"

#define VM_MP_KICK_FDS	"vm_kick_fds"
#define VM_MP_REGIONS	"vm_map_regions"
/** Wait for the primary's answer at attach. */
#define VM_MP_TIMEOUT_S	5
/** A missing kick eventfd is asked for again after this. */
#define VM_MP_RETRY_MS	100
/** Eventfds per reply: DPDK 22.11 passes 8 per message (24.11: 253). */
#define VM_MP_FDS	8

struct vm_mp_req {
	char name[RTE_ETH_NAME_MAX_LEN];	/**< the port's vdev name */
	uint16_t first_vq;			/**< from this virtqueue */
	uint16_t one;				/**< only first_vq */
};

struct vm_mp_rep {
	int32_t ret;				/**< 0 or a negative errno */
	uint16_t n;				/**< queues in this reply */
	uint16_t next_vq;			/**< ask from here (256: done) */
	uint16_t vq[VM_MP_FDS];			/**< virtqueue of fds[i] */
	uint32_t gen[VM_MP_FDS];		/**< its vmq.gen */
};

/** A map kind's memory regions, for a kind that maps them in secondaries. */
struct vm_mp_region {
	uint64_t dev_addr;
	uint64_t addr;				/**< in the primary */
	uint64_t size;
	uint64_t fd_offset;
};

struct vm_mp_regions_rep {
	int32_t ret;				/**< 0 or a negative errno */
	uint16_t n;				/**< regions, each with its fd */
	struct vm_mp_region r[VMAP_SECONDARY_REGIONS_MAX];
};

static_assert(VM_MP_FDS <= RTE_MP_MAX_FD_NUM, "more fds than rte_mp takes");
static_assert(VMAP_SECONDARY_REGIONS_MAX <= RTE_MP_MAX_FD_NUM,
	      "more region fds than rte_mp takes");
static_assert(sizeof(struct vm_mp_regions_rep) <= RTE_MP_MAX_PARAM_LEN,
	      "regions reply too long for rte_mp");
static_assert(offsetof(struct vm_mp_rep, ret) == 0 &&
	      offsetof(struct vm_mp_regions_rep, ret) == 0,
	      "a reply starts with its status");
static_assert(sizeof(struct vm_mp_req) <= RTE_MP_MAX_PARAM_LEN,
	      "request too long for rte_mp");
static_assert(sizeof(struct vm_mp_rep) <= RTE_MP_MAX_PARAM_LEN,
	      "reply too long for rte_mp");

/* The queue of virtqueue vq (rx0, tx0, rx1...), or NULL. */
static struct vmq *
vm_mp_queue(const struct virtio_map_shared *sh, unsigned int vq)
{
	if (vq >= 2 * VIRTIO_MAP_MAX_QUEUE_PAIRS)
		return NULL;
	return vq % 2 == 0 ? sh->rxq[vq / 2] : sh->txq[vq / 2];
}

static void vm_mp_request(struct rte_mp_msg *msg, const char *name,
			  uint16_t first_vq, bool one);

/*
 * Held by an answer from finding the port to sending the reply, and by
 * probe and close where they change whether a port is served or free its
 * primary part: an answer never uses a port that close tears down. It
 * is taken before queues_lock, and never with a port's lock held by the
 * answer.
 */
static pthread_mutex_t vm_mp_lock = PTHREAD_MUTEX_INITIALIZER;

void
virtio_map_mp_serve(struct rte_eth_dev *eth, bool on)
{
	pthread_mutex_lock(&vm_mp_lock);
	vm_dev(eth)->mp_served = on;
	pthread_mutex_unlock(&vm_mp_lock);
}

void
virtio_map_mp_forget(struct rte_eth_dev *eth)
{
	pthread_mutex_lock(&vm_mp_lock);
	eth->process_private = NULL;
	pthread_mutex_unlock(&vm_mp_lock);
}

/*
 * Primary, vm_mp_lock held: start the answer r to msg (a struct
 * vm_mp_req) with a reply of rep_len bytes, whose first member is its
 * int32_t status, and find the port asked for, served: NULL with the
 * status set when there is none (then send r as it is).
 */
static struct rte_eth_dev *
vm_mp_answer_port(const struct rte_mp_msg *msg, struct rte_mp_msg *r,
		  size_t rep_len)
{
	const struct vm_mp_req *req = (const void *)msg->param;
	struct rte_eth_dev *eth;
	char name[RTE_ETH_NAME_MAX_LEN];
	int32_t ret = 0;

	memset(r, 0, sizeof(*r));
	snprintf(r->name, sizeof(r->name), "%s", msg->name);
	r->len_param = rep_len;
	if (msg->len_param != sizeof(*req)) {
		ret = -EINVAL;
		eth = NULL;
	} else {
		snprintf(name, sizeof(name), "%.*s",
			 (int)sizeof(req->name) - 1, req->name);
		eth = rte_eth_dev_allocated(name);
		if (eth == NULL || vm_dev(eth) == NULL ||
		    !vm_dev(eth)->mp_served) {
			ret = -ENODEV;
			eth = NULL;
		}
	}
	memcpy(r->param, &ret, sizeof(ret));
	return eth;
}

/* Primary, on EAL's multi-process thread: send the kick eventfds. */
static int
vm_mp_answer(const struct rte_mp_msg *msg, const void *peer)
{
	const struct vm_mp_req *req = (const void *)msg->param;
	struct vm_mp_rep *rep;
	struct rte_mp_msg r;
	struct rte_eth_dev *eth;
	struct vmq *q;
	unsigned int vq;
	int ret;

	pthread_mutex_lock(&vm_mp_lock);
	eth = vm_mp_answer_port(msg, &r, sizeof(*rep));
	rep = (struct vm_mp_rep *)r.param;
	rep->next_vq = 2 * VIRTIO_MAP_MAX_QUEUE_PAIRS;
	if (eth == NULL) {
		ret = rte_mp_reply(&r, peer);
		pthread_mutex_unlock(&vm_mp_lock);
		return ret;
	}
	/* queue setup and release swap queues under this lock */
	rte_spinlock_lock(&vm_dev(eth)->queues_lock);
	for (vq = req->first_vq; vq < 2 * VIRTIO_MAP_MAX_QUEUE_PAIRS; vq++) {
		if (rep->n == VM_MP_FDS) {
			rep->next_vq = vq;
			break;
		}
		q = vm_mp_queue(vm_shared(eth), vq);
		if (q != NULL && q->kick_fd >= 0) {
			rep->vq[rep->n] = vq;
			rep->gen[rep->n] = q->gen;
			r.fds[rep->n++] = q->kick_fd;
		}
		if (req->one)
			break;
	}
	r.num_fds = rep->n;
	/* sent (the fds duplicated) before a queue can close them */
	ret = rte_mp_reply(&r, peer);
	rte_spinlock_unlock(&vm_dev(eth)->queues_lock);
	pthread_mutex_unlock(&vm_mp_lock);
	return ret;
}

/*
 * Primary, on EAL's multi-process thread: send the map kind's regions
 * and their fds (a kind whose memory a secondary maps itself: vduse).
 */
static int
vm_mp_answer_regions(const struct rte_mp_msg *msg, const void *peer)
{
	struct rte_vmap_region reg[VMAP_SECONDARY_REGIONS_MAX];
	struct vm_mp_regions_rep *rep;
	struct rte_mp_msg r;
	struct rte_eth_dev *eth;
	int i, n, ret;

	pthread_mutex_lock(&vm_mp_lock);
	eth = vm_mp_answer_port(msg, &r, sizeof(*rep));
	rep = (struct vm_mp_regions_rep *)r.param;
	/* only a kind that maps its own files in secondaries asks; the
	 * others' regions are EAL's memory (and a walk of it here could
	 * wait on a primary that waits on this thread) */
	if (eth != NULL && !vmap_dev_secondary_maps(&vm_shared(eth)->map)) {
		rep->ret = -ENOTSUP;
		eth = NULL;
	}
	n = eth == NULL ? 0 :
	    vmap_regions(&vm_shared(eth)->map, reg, RTE_DIM(reg), false);
	if (n < 0 || n > (int)RTE_DIM(reg)) {
		rep->ret = n < 0 ? n : -E2BIG;
		n = 0;
	}
	for (i = 0; i < n; i++)
		if (reg[i].fd < 0) {
			rep->ret = -EBADF;
			n = 0;
		}
	for (i = 0; i < n; i++) {
		rep->r[i].dev_addr = reg[i].dev_addr;
		rep->r[i].addr = (uintptr_t)reg[i].addr;
		rep->r[i].size = reg[i].size;
		rep->r[i].fd_offset = reg[i].fd_offset;
		r.fds[i] = reg[i].fd;
	}
	rep->n = n;
	r.num_fds = n;
	/* sent (the fds duplicated) before close can close them */
	ret = rte_mp_reply(&r, peer);
	pthread_mutex_unlock(&vm_mp_lock);
	return ret;
}

/* Close the fds a message brought (a reply not used). */
static void
vm_mp_close_fds(const struct rte_mp_msg *m)
{
	int i;

	for (i = 0; i < m->num_fds && i < RTE_MP_MAX_FD_NUM; i++)
		close(m->fds[i]);
}

/* Register one action; EEXIST is another port's doing. */
static int
vm_mp_register(const char *name, rte_mp_t action)
{
	int ret = rte_mp_action_register(name, action);

	if (ret < 0 && rte_errno != EEXIST) {
		/* no multi-process channel (--in-memory, --no-shconf): no
		 * secondary can attach either */
		if (rte_errno == ENOTSUP)
			return 0;
		VM_INIT_LOG(ERR, "cannot register the multi-process action %s: %s",
			    name, rte_strerror(rte_errno));
		return -rte_errno;
	}
	return 0;
}

int
virtio_map_mp_primary_init(void)
{
	int ret = vm_mp_register(VM_MP_KICK_FDS, vm_mp_answer);

	/* one action each for every port of the process */
	if (ret == 0)
		ret = vm_mp_register(VM_MP_REGIONS, vm_mp_answer_regions);
	return ret;
}

int
virtio_map_mp_fetch_regions(struct rte_vmap_dev *d __rte_unused,
			    struct rte_vmap_region *r, unsigned int max,
			    void *arg)
{
	const struct rte_eth_dev *eth = arg;
	struct timespec ts = { .tv_sec = VM_MP_TIMEOUT_S };
	const struct vm_mp_regions_rep *rep;
	struct rte_mp_reply reply;
	struct rte_mp_msg msg;
	const struct rte_mp_msg *m;
	unsigned int i;
	int k, ret;

	vm_mp_request(&msg, eth->data->name, 0, false);
	snprintf(msg.name, sizeof(msg.name), VM_MP_REGIONS);
	rte_errno = 0;	/* no reply is not an error of EAL's */
	if (rte_mp_request_sync(&msg, &reply, &ts) < 0 ||
	    reply.nb_received != 1) {
		ret = rte_errno != 0 ? -rte_errno : -ETIMEDOUT;
		if (reply.nb_received > 0) {
			for (k = 0; k < reply.nb_received; k++)
				vm_mp_close_fds(&reply.msgs[k]);
			free(reply.msgs);
		}
		return ret;
	}
	m = &reply.msgs[0];
	rep = (const void *)m->param;
	if (m->len_param != sizeof(*rep) || rep->n > max ||
	    m->num_fds != rep->n)
		ret = -EPROTO;
	else
		ret = rep->ret < 0 ? rep->ret : rep->n;
	for (i = 0; ret > 0 && i < rep->n; i++) {
		r[i].dev_addr = rep->r[i].dev_addr;
		r[i].addr = (void *)(uintptr_t)rep->r[i].addr;
		r[i].size = rep->r[i].size;
		r[i].fd_offset = rep->r[i].fd_offset;
		r[i].fd = m->fds[i];
	}
	if (ret <= 0)
		vm_mp_close_fds(m);
	free(reply.msgs);
	return ret;
}

/* Keep the eventfds of one reply (this process now owns them). */
static int
vm_mp_keep(uint16_t port_id, const struct rte_mp_msg *m)
{
	const struct vm_mp_rep *rep = (const void *)m->param;
	unsigned int i;
	int ret = 0;

	if (m->len_param != sizeof(*rep) || rep->n > VM_MP_FDS ||
	    m->num_fds != rep->n) {
		for (i = 0; i < (unsigned int)m->num_fds; i++)
			close(m->fds[i]);
		return -EPROTO;
	}
	for (i = 0; i < rep->n; i++)
		if (vmq_proc_set_kick_fd(port_id, rep->vq[i], rep->gen[i],
					 m->fds[i]) < 0) {
			close(m->fds[i]);
			ret = -ENOMEM;
		}
	return ret < 0 ? ret : rep->ret;
}

static void
vm_mp_request(struct rte_mp_msg *msg, const char *name, uint16_t first_vq,
	      bool one)
{
	struct vm_mp_req *req = (struct vm_mp_req *)msg->param;

	memset(msg, 0, sizeof(*msg));
	snprintf(msg->name, sizeof(msg->name), VM_MP_KICK_FDS);
	msg->len_param = sizeof(*req);
	snprintf(req->name, sizeof(req->name), "%s", name);
	req->first_vq = first_vq;
	req->one = one;
}

int
virtio_map_mp_fetch_all(struct rte_eth_dev *eth)
{
	struct timespec ts = { .tv_sec = VM_MP_TIMEOUT_S };
	unsigned int vq = 0;
	struct rte_mp_msg msg;
	struct rte_mp_reply reply;
	const struct vm_mp_rep *rep;
	int i, ret = 0;

	while (vq < 2 * VIRTIO_MAP_MAX_QUEUE_PAIRS && ret == 0) {
		vm_mp_request(&msg, eth->data->name, vq, false);
		rte_errno = 0;	/* no reply is not an error of EAL's */
		if (rte_mp_request_sync(&msg, &reply, &ts) < 0 ||
		    reply.nb_received != 1) {
			ret = rte_errno != 0 ? -rte_errno : -ETIMEDOUT;
			for (i = 0; i < reply.nb_received; i++)
				vm_mp_close_fds(&reply.msgs[i]);
			if (reply.nb_received > 0)
				free(reply.msgs);
			break;
		}
		rep = (const void *)reply.msgs[0].param;
		vq = reply.msgs[0].len_param == sizeof(*rep) ?
		     rep->next_vq : 2 * VIRTIO_MAP_MAX_QUEUE_PAIRS;
		ret = vm_mp_keep(eth->data->port_id, &reply.msgs[0]);
		free(reply.msgs);
	}
	if (ret < 0)
		VM_INIT_LOG(WARNING, "%s: the primary did not send the queues' kick eventfds (%s); bursts here ask again and kick nothing until it does",
			    eth->data->name, strerror(-ret));
	return ret;
}

/* The asynchronous answer: keep what came. */
static int
vm_mp_fetched(const struct rte_mp_msg *req, const struct rte_mp_reply *reply)
{
	const struct vm_mp_req *r = (const void *)req->param;
	struct rte_eth_dev *eth;
	char name[RTE_ETH_NAME_MAX_LEN];

	if (reply->nb_received != 1)
		return 0;
	snprintf(name, sizeof(name), "%.*s", (int)sizeof(r->name) - 1,
		 r->name);
	eth = rte_eth_dev_allocated(name);
	if (eth != NULL)
		vm_mp_keep(eth->data->port_id, &reply->msgs[0]);
	else
		vm_mp_keep(RTE_MAX_ETHPORTS, &reply->msgs[0]); /* closes */
	return 0;
}

/* vmq_proc_fetch_t: ask for one queue's kick eventfd, paced per port. */
static void
vm_mp_fetch_one(uint16_t port_id, uint16_t vq_index)
{
	static uint64_t asked_ms[RTE_MAX_ETHPORTS];
	struct timespec ts = { .tv_sec = VM_MP_TIMEOUT_S };
	uint64_t now = rte_get_timer_cycles() / (rte_get_timer_hz() / 1000);
	uint64_t last;
	struct rte_mp_msg msg;

	if (port_id >= RTE_MAX_ETHPORTS)
		return;
	last = __atomic_load_n(&asked_ms[port_id], __ATOMIC_RELAXED);
	if (last != 0 && now - last < VM_MP_RETRY_MS)
		return;
	if (!__atomic_compare_exchange_n(&asked_ms[port_id], &last, now,
					 false, __ATOMIC_RELAXED,
					 __ATOMIC_RELAXED))
		return;	/* another lcore asks */
	/* this queue and the next ones: queues set up anew come together */
	vm_mp_request(&msg, rte_eth_devices[port_id].data->name, vq_index,
		      false);
	rte_mp_request_async(&msg, &ts, vm_mp_fetched);
}

void
virtio_map_mp_secondary_init(void)
{
	vmq_proc_secondary_init(vm_mp_fetch_one);
}
