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
 */

#include <errno.h>
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

static_assert(VM_MP_FDS <= RTE_MP_MAX_FD_NUM, "more fds than rte_mp takes");
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
	char name[RTE_ETH_NAME_MAX_LEN];
	int ret;

	memset(&r, 0, sizeof(r));
	snprintf(r.name, sizeof(r.name), "%s", msg->name);
	r.len_param = sizeof(*rep);
	rep = (struct vm_mp_rep *)r.param;
	rep->next_vq = 2 * VIRTIO_MAP_MAX_QUEUE_PAIRS;
	if (msg->len_param != sizeof(*req)) {
		rep->ret = -EINVAL;
		return rte_mp_reply(&r, peer);
	}
	snprintf(name, sizeof(name), "%.*s", (int)sizeof(req->name) - 1,
		 req->name);
	eth = rte_eth_dev_allocated(name);
	if (eth == NULL || vm_dev(eth) == NULL) {
		rep->ret = -ENODEV;
		return rte_mp_reply(&r, peer);
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
	return ret;
}

int
virtio_map_mp_primary_init(void)
{
	int ret = rte_mp_action_register(VM_MP_KICK_FDS, vm_mp_answer);

	/* one action for every port of the process */
	if (ret < 0 && rte_errno != EEXIST) {
		/* no multi-process channel (--in-memory, --no-shconf): no
		 * secondary can attach either */
		if (rte_errno == ENOTSUP)
			return 0;
		VM_INIT_LOG(ERR, "cannot register the multi-process action %s: %s",
			    VM_MP_KICK_FDS, rte_strerror(rte_errno));
		return -rte_errno;
	}
	return 0;
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
	int ret = 0;

	while (vq < 2 * VIRTIO_MAP_MAX_QUEUE_PAIRS && ret == 0) {
		vm_mp_request(&msg, eth->data->name, vq, false);
		if (rte_mp_request_sync(&msg, &reply, &ts) < 0 ||
		    reply.nb_received != 1) {
			ret = -rte_errno != 0 ? -rte_errno : -ETIMEDOUT;
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
