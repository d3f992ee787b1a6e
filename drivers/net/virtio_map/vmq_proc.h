/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The virtio_map authors
 */

/*
 * What a queue needs that differs from one process to another. A struct
 * vmq lies in memory every process shares, so it holds the primary's
 * eventfd numbers only as the primary's; a secondary process that runs
 * bursts on the queue kicks the device through its own copy of the kick
 * eventfd, which the primary passed it (virtio_map_mp.c), found here by
 * port and virtqueue and checked against the queue's generation (a queue
 * set up again has a new eventfd). Secondary bursts also fence the burst
 * gate themselves: the primary's membarrier reaches its own threads only.
 */

#ifndef _VMQ_PROC_H_
#define _VMQ_PROC_H_

#include <stdbool.h>
#include <stdint.h>

#include <rte_branch_prediction.h>

struct vmq;

/** This process runs bursts on queues another process set up: it
 * fences the burst gate itself and kicks through vmq_proc_kick_fd(). */
extern bool vmq_proc_secondary;

/**
 * Asks the primary for the kick eventfd of (port, vq), without waiting:
 * the answer arrives through vmq_proc_set_kick_fd(). Set by the driver.
 */
typedef void (*vmq_proc_fetch_t)(uint16_t port_id, uint16_t vq_index);

/** Enter secondary mode; fetch is how missing kick eventfds are asked
 * for. */
void vmq_proc_secondary_init(vmq_proc_fetch_t fetch);

/**
 * Keep fd (this process's copy) as the kick eventfd of (port, vq) for the
 * queue of generation gen; an older copy is closed. fd < 0 forgets.
 *
 * @return 0, or -ENOMEM / -EINVAL (port or vq out of range)
 */
int vmq_proc_set_kick_fd(uint16_t port_id, uint16_t vq_index, uint32_t gen,
			 int fd);

/** Close and forget every kick eventfd copy of a port (its detach). */
void vmq_proc_forget_port(uint16_t port_id);

/**
 * The kick eventfd of q in this secondary, or -1 while its copy is
 * missing or stale (then asked for without waiting; the caller marks the
 * kick as owed, vmq.kick_owed, and the queue's next burst makes it).
 */
int vmq_proc_kick_fd_slow(const struct vmq *q);

#endif /* _VMQ_PROC_H_ */
