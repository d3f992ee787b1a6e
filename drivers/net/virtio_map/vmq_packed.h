/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The virtio_map authors
 */

/*
 * Packed-ring helpers shared by its receive and transmit files (virtio
 * 1.2, 2.8): descriptor flags against the wrap counters, ring positions,
 * buffer ids and the notification decision. Private to vmq_packed.c and
 * vmq_packed_tx.c.
 *
 * Buffer ids. Without IN_ORDER they come from the free_ids stack, whose
 * depth is kept in next_id (nb_free counts descriptors, and a chain takes
 * several descriptors but one id). With IN_ORDER a buffer's id is the ring
 * position of its first descriptor: buffers complete in ring order, so the
 * next one to complete is always the one at used_cons.
 */

#ifndef _VMQ_PACKED_H_
#define _VMQ_PACKED_H_

#include "vmq_dp.h"

/* Wrap counter bit of a position word (off_wrap, kick_old) (2.8.14). */
#define VMQ_PACKED_WRAP_SHIFT	15
#define VMQ_PACKED_WRAP_BIT	(1u << VMQ_PACKED_WRAP_SHIFT)

/* Flags that make a descriptor available in the lap of wrap (2.8.1). */
static __rte_always_inline uint16_t
vmq_packed_avail_flags(bool wrap)
{
	return wrap ? VMQ_DESC_F_AVAIL : VMQ_DESC_F_USED;
}

/*
 * Has the device used descriptor d in the lap of wrap: AVAIL and USED
 * both equal to the used wrap counter (2.8.1)? Acquire: the id and length
 * are read after the flags (2.8.22). Other flag bits are ignored: NEXT is
 * reserved in used descriptors (2.8.6), and DPDK's vhost leaves the
 * available descriptor's flags in the used one it writes for an in-order
 * batch.
 */
static __rte_always_inline bool
vmq_packed_is_used(const struct vmq_pdesc *d, bool wrap)
{
	uint16_t f = __atomic_load_n(&d->flags, __ATOMIC_ACQUIRE);

	return !!(f & VMQ_DESC_F_AVAIL) == wrap &&
	       !!(f & VMQ_DESC_F_USED) == wrap;
}

/* Move a ring position n descriptors on (n <= size), flipping its wrap. */
static __rte_always_inline void
vmq_packed_adv(uint16_t *idx, bool *wrap, uint16_t n, uint16_t size)
{
	*idx += n;
	if (*idx >= size) {
		*idx -= size;
		*wrap = !*wrap;
	}
}

/*
 * Id for a buffer whose first descriptor goes at ring position slot. The
 * caller has checked that enough descriptors are free, and ids in use
 * never outnumber descriptors in use, so the stack is never empty.
 */
static __rte_always_inline uint16_t
vmq_packed_take_id(struct vmq *q, uint16_t slot, bool in_order)
{
	return in_order ? slot : q->free_ids[--q->next_id];
}

/* Return the id of a completed buffer. */
static __rte_always_inline void
vmq_packed_put_id(struct vmq *q, uint16_t id, bool in_order)
{
	if (!in_order)
		q->free_ids[q->next_id++] = id;
}

/*
 * Tx, ops kinds: the mapped segments of buffer id, kept beside the ring
 * because the device overwrites ring descriptors. Entry 0 is the count.
 */
static __rte_always_inline rte_iova_t *
vmq_packed_tx_iovas(struct vmq *q, uint16_t id)
{
	return &q->iovas[(size_t)id * VMQ_INDIRECT_MAX];
}

/**
 * Kick the device if it asks for it (2.8.10): never with DISABLE, always
 * with ENABLE, and with DESC (EVENT_IDX) only when what was made
 * available since the last decision passes the descriptor it named.
 * Call after publishing, once per burst.
 */
void vmq_packed_notify(struct vmq *q);

#endif /* _VMQ_PACKED_H_ */
