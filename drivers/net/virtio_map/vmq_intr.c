/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The virtio_map authors
 */

/*
 * Rx interrupts: whether the device signals a queue's call eventfd when it
 * adds used entries (virtio 1.2, 2.7.7, 2.7.10 and 2.8.10). The driver
 * polls by default; an application that sleeps (rte_epoll_wait on the
 * eventfd, l3fwd-power style) turns them on before it sleeps and off when
 * it polls again.
 */

#include <sys/eventfd.h>

#include <rte_atomic.h>

#include "vmq.h"
#include "vmq_packed.h"

/* Used entries the driver has not consumed yet (no range checks, no
 * side effects: only a hint whether to wake the sleeper). */
static bool
vmq_intr_pending(const struct vmq *q)
{
	if (q->is_packed)
		return vmq_packed_is_used(&q->packed.desc[q->used_cons],
					  q->packed.used_wrap);
	return __atomic_load_n(&q->split.used->idx, __ATOMIC_ACQUIRE) !=
	       q->used_cons;
}

void
vmq_intr_flags(struct vmq *q)
{
	const bool on = __atomic_load_n(&q->intr_on, __ATOMIC_RELAXED);

	if (q->is_packed) {
		__atomic_store_n(&q->packed.driver_event->flags,
				 on ? VMQ_EVENT_F_ENABLE : VMQ_EVENT_F_DISABLE,
				 __ATOMIC_RELEASE);
		return;
	}
	__atomic_store_n(&q->split.avail->flags,
			 on ? 0 : VMQ_AVAIL_F_NO_INTERRUPT, __ATOMIC_RELEASE);
	/* with event index: at the next used entry, or a lap away (the
	 * Rx burst keeps it so, vmq_split_hold_interrupts()) */
	if (q->opts & VMQ_OPT_EVENT_IDX)
		__atomic_store_n(&q->split.avail->ring[q->size],
				 (uint16_t)(q->used_cons - 1 + on),
				 __ATOMIC_RELEASE);
}

void
vmq_intr(struct vmq *q, bool on)
{
	__atomic_store_n(&q->intr_on, on, __ATOMIC_RELAXED);
	/*
	 * Through the burst gate, as a burst would (the application calls
	 * this from the lcore that polls the queue): while the control path
	 * has the queue disabled it may be laying the ring out again, and
	 * vmq_enable() writes the flags from intr_on before the queue runs.
	 */
	__atomic_store_n(&q->busy, true, __ATOMIC_RELAXED);
	rte_atomic_thread_fence(__ATOMIC_SEQ_CST);
	if (__atomic_load_n(&q->enabled, __ATOMIC_ACQUIRE)) {
		vmq_intr_flags(q);
		/* the device reads our flags after it writes its entries
		 * (2.7.7.2, 2.8.21): entries already there may have been
		 * added before it could see the change, so wake the sleeper
		 * ourselves */
		rte_atomic_thread_fence(__ATOMIC_SEQ_CST);
		if (on && vmq_intr_pending(q))
			eventfd_write(q->call_fd, 1);
	}
	__atomic_store_n(&q->busy, false, __ATOMIC_RELEASE);
}
