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

/* Used entries the driver has not consumed yet (no range checks: only a
 * hint whether to wake the sleeper). */
static bool
vmq_intr_pending(const struct vmq *q)
{
	uint16_t f;

	if (!q->is_packed)
		return __atomic_load_n(&q->split.used->idx, __ATOMIC_ACQUIRE) !=
		       q->used_cons;
	f = __atomic_load_n(&q->packed.desc[q->used_cons].flags,
			    __ATOMIC_ACQUIRE);
	return !!(f & VMQ_DESC_F_AVAIL) == q->packed.used_wrap &&
	       !!(f & VMQ_DESC_F_USED) == q->packed.used_wrap;
}

void
vmq_intr(struct vmq *q, bool on)
{
	__atomic_store_n(&q->intr_on, on, __ATOMIC_RELAXED);
	if (q->ring_mem == NULL)
		return;		/* vmq_reset() writes it when the ring is set */
	if (q->is_packed) {
		__atomic_store_n(&q->packed.driver_event->flags,
				 on ? VMQ_EVENT_F_ENABLE : VMQ_EVENT_F_DISABLE,
				 __ATOMIC_RELAXED);
	} else {
		__atomic_store_n(&q->split.avail->flags,
				 on ? 0 : VMQ_AVAIL_F_NO_INTERRUPT,
				 __ATOMIC_RELAXED);
		if (q->opts & VMQ_OPT_EVENT_IDX)
			__atomic_store_n(&q->split.avail->ring[q->size],
					 (uint16_t)(q->used_cons - 1 + on),
					 __ATOMIC_RELAXED);
	}
	if (!on)
		return;
	/* the device reads our flags after it writes its entries (2.7.7.2,
	 * 2.8.21): entries already there may have been added before it could
	 * see the change, so wake the sleeper ourselves */
	rte_atomic_thread_fence(__ATOMIC_SEQ_CST);
	if (vmq_intr_pending(q))
		eventfd_write(q->call_fd, 1);
}
