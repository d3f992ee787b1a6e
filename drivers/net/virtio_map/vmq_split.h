/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The virtio_map authors
 */

/*
 * Split-ring helpers shared by its receive and transmit files: taking and
 * returning descriptors (free stack, or ring order with IN_ORDER), the
 * used-index check, notification (flags or event index) and interrupt
 * suppression. Private to vmq_split_rx.c and vmq_split_tx.c.
 */

#ifndef _VMQ_SPLIT_H_
#define _VMQ_SPLIT_H_

#include "vmq_dp.h"

/*
 * Take a free descriptor. In order (IN_ORDER), descriptors are used in
 * ring order: the next one follows the oldest in flight.
 */
static __rte_always_inline uint16_t
vmq_split_take_desc(struct vmq *q, bool in_order)
{
	uint16_t id;

	if (in_order)
		id = (q->next_id + q->size - q->nb_free) & q->mask;
	else
		id = q->free_ids[q->nb_free - 1];
	q->nb_free--;
	return id;
}

/* Return a descriptor; in order, next_id moves past it. */
static __rte_always_inline void
vmq_split_put_desc(struct vmq *q, uint16_t id, bool in_order)
{
	if (in_order)
		q->next_id = (id + 1) & q->mask;
	else
		q->free_ids[q->nb_free] = id;
	q->nb_free++;
}

/* Used entries the device published that we have not consumed yet. */
static __rte_always_inline uint16_t
vmq_split_used_pending(struct vmq *q)
{
	uint16_t used_idx = __atomic_load_n(&q->used->idx, __ATOMIC_ACQUIRE);
	uint16_t n = used_idx - q->used_cons;

	if (unlikely(n > q->size - q->nb_free))
		return vmq_broken(q, "used index ran ahead by", n);
	return n;
}

/*
 * Notify the device if it asks for it. The avail index store must be
 * visible before we read the device's flags or event index (2.7.13.3,
 * 2.9.1): full fence. With EVENT_IDX the device names the avail index it
 * wants to hear about (avail_event, after the used ring, 2.7.10).
 */
static __rte_always_inline void
vmq_split_notify(struct vmq *q)
{
	uint16_t event;

	rte_atomic_thread_fence(__ATOMIC_SEQ_CST);
	if (q->opts & VMQ_OPT_EVENT_IDX) {
		event = __atomic_load_n((uint16_t *)&q->used->ring[q->size],
					__ATOMIC_RELAXED);
		if (vmq_need_event(event, q->avail_idx, q->kick_old))
			vmq_kick(q);
		q->kick_old = q->avail_idx;
		return;
	}
	if (!(__atomic_load_n(&q->used->flags, __ATOMIC_RELAXED) &
	      VMQ_USED_F_NO_NOTIFY))
		vmq_kick(q);
}

/*
 * We poll and never want interrupts. With EVENT_IDX the device ignores
 * VMQ_AVAIL_F_NO_INTERRUPT and signals when the used index passes
 * used_event (after the avail ring, 2.7.10): keep it just behind what we
 * consumed, so the index it would have to pass is a whole lap away.
 */
static __rte_always_inline void
vmq_split_hold_interrupts(struct vmq *q)
{
	if (q->opts & VMQ_OPT_EVENT_IDX)
		__atomic_store_n(&q->avail->ring[q->size],
				 (uint16_t)(q->used_cons - 1),
				 __ATOMIC_RELAXED);
}

#endif /* _VMQ_SPLIT_H_ */
