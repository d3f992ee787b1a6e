/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The virtio_map authors
 */

/*
 * Per-process queue state (see vmq_proc.h): the kick eventfd copies of a
 * secondary process, a table per port indexed by virtqueue, each entry
 * the generation of the queue and the fd packed in one 64-bit word so
 * that a burst reads both at once while the answer to a fetch writes
 * them (from EAL's multi-process thread).
 */

#include <errno.h>
#include <stdlib.h>
#include <unistd.h>

#include <rte_common.h>
#include <rte_ethdev.h>

#include "vmq.h"
#include "vmq_proc.h"

/* Virtqueues a port may have: VIRTIO_MAP_MAX_QUEUE_PAIRS Rx and Tx. */
#define VMQ_PROC_VQS	256

bool vmq_proc_secondary;
static vmq_proc_fetch_t vmq_proc_fetch;
/* per port, per vq: gen << 32 | (fd + 1); 0: none */
static uint64_t *vmq_proc_kicks[RTE_MAX_ETHPORTS];

void
vmq_proc_secondary_init(vmq_proc_fetch_t fetch)
{
	vmq_proc_fetch = fetch;
	vmq_proc_secondary = true;
}

int
vmq_proc_set_kick_fd(uint16_t port_id, uint16_t vq_index, uint32_t gen,
		     int fd)
{
	uint64_t *tab, old, v = fd >= 0 ? (uint64_t)gen << 32 | (uint32_t)(fd + 1) : 0;

	if (port_id >= RTE_MAX_ETHPORTS || vq_index >= VMQ_PROC_VQS)
		return -EINVAL;
	tab = __atomic_load_n(&vmq_proc_kicks[port_id], __ATOMIC_ACQUIRE);
	if (tab == NULL) {
		uint64_t *mine = calloc(VMQ_PROC_VQS, sizeof(*mine));

		if (mine == NULL)
			return -ENOMEM;
		tab = NULL;
		if (!__atomic_compare_exchange_n(&vmq_proc_kicks[port_id],
						 &tab, mine, false,
						 __ATOMIC_ACQ_REL,
						 __ATOMIC_ACQUIRE))
			free(mine);	/* another thread made it: tab is it */
		else
			tab = mine;
	}
	old = __atomic_load_n(&tab[vq_index], __ATOMIC_ACQUIRE);
	if (old != 0 && v != 0 && old >> 32 == v >> 32) {
		/* a second copy of the same queue's eventfd: keep the one
		 * bursts may be using */
		close(fd);
		return 0;
	}
	old = __atomic_exchange_n(&tab[vq_index], v, __ATOMIC_ACQ_REL);
	/* the queue changed (set up anew while the port was stopped, when
	 * no burst uses it): its old copy goes */
	if (old != 0)
		close((int)(uint32_t)old - 1);
	return 0;
}

void
vmq_proc_forget_port(uint16_t port_id)
{
	uint64_t *tab;
	unsigned int i;

	if (port_id >= RTE_MAX_ETHPORTS)
		return;
	tab = __atomic_exchange_n(&vmq_proc_kicks[port_id], NULL,
				  __ATOMIC_ACQ_REL);
	if (tab == NULL)
		return;
	for (i = 0; i < VMQ_PROC_VQS; i++)
		if (tab[i] != 0)
			close((int)(uint32_t)tab[i] - 1);
	free(tab);
}

int
vmq_proc_kick_fd_slow(const struct vmq *q)
{
	const uint64_t *tab;
	uint64_t v = 0;

	if (q->port_id < RTE_MAX_ETHPORTS && q->vq_index < VMQ_PROC_VQS) {
		tab = __atomic_load_n(&vmq_proc_kicks[q->port_id],
				      __ATOMIC_ACQUIRE);
		if (tab != NULL)
			v = __atomic_load_n(&tab[q->vq_index],
					    __ATOMIC_ACQUIRE);
	}
	if (v != 0 && (uint32_t)(v >> 32) == q->gen)
		return (int)(uint32_t)v - 1;
	if (vmq_proc_fetch != NULL)
		vmq_proc_fetch(q->port_id, q->vq_index);
	return -1;
}
