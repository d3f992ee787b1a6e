/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The virtio_map authors
 */

/*
 * Device bring-up and take-down (virtio_map_bringup.c), floor 2: the
 * steps over the transport, each reporting what happened; the link
 * machine above decides the link.
 */

#ifndef _VIRTIO_MAP_BRINGUP_H_
#define _VIRTIO_MAP_BRINGUP_H_

#include <stdint.h>

#include <rte_common.h>

#include "virtio_map_state.h"

/** One bring-up attempt, all its replies together, ends within this. */
#define VIRTIO_MAP_UP_TIMEOUT_MS	5000
/** One bring-down, all its replies together (GET_VRING_BASE for every
 * ring), ends within this; then the channel is closed. */
#define VIRTIO_MAP_DOWN_TIMEOUT_MS	5000
/** Back-off after a bring-up that failed on an open channel: first
 * wait, doubled after each such failure up to the cap. */
#define VIRTIO_MAP_BACKOFF_MIN_MS	100
#define VIRTIO_MAP_BACKOFF_MAX_MS	10000

/**
 * Connect if needed, then negotiate and hand the rings over, step by
 * step. A failed step is logged with its name, the channel closed (a
 * backend that cannot serve the port is turned down: vmt_reject()) and
 * the Rx buffers posted so far freed. Called with dev->lock held.
 *
 * @param fail  out: on failure, whether to try again, wait for another
 *   backend, or give up until the port restarts
 * @return 0 when up (the caller publishes the link); -EAGAIN while no
 *   backend is there or when the channel failed (*fail
 *   VIRTIO_MAP_UP_AGAIN); else the permanent error
 */
int virtio_map_bring_up(struct virtio_map_dev *dev,
			enum virtio_map_up_fail *fail);

/** The back-off after one more failure on an open channel. */
static inline uint32_t
virtio_map_backoff_next(uint32_t ms)
{
	return ms == 0 ? VIRTIO_MAP_BACKOFF_MIN_MS :
	       RTE_MIN(2 * ms, (uint32_t)VIRTIO_MAP_BACKOFF_MAX_MS);
}

/**
 * Tell the device the port's MTU when VIRTIO_NET_F_MTU was agreed and the
 * transport can (vhost-user: protocol feature NET_MTU). Called with
 * dev->lock held.
 *
 * @return 0 (also when there is no way to tell), or a transport error
 */
int virtio_map_send_mtu(struct virtio_map_dev *dev);

/**
 * Send the memory table the map kind describes (through the IOTLB's
 * table when ACCESS_PLATFORM was agreed), walking EAL memory as it is now
 * (EAL's read lock). Called with dev->lock held, never from a memory
 * event callback.
 *
 * @return 0; -E2BIG or -ENOMEM (logged, naming the remedy) when the
 *   memory cannot be described; a transport error
 */
int virtio_map_send_mem_table(struct virtio_map_dev *dev);

/**
 * Take the rings back from the device (GET_VRING_BASE) and free what they
 * hold; works when the backend is gone. The caller takes the link down
 * (the link machine decides it). Called with dev->lock held.
 *
 * @return the Tx packets that were in flight, or -ETIMEDOUT when a burst
 *   running on another thread did not leave a queue in time (the queues
 *   stay disabled and nothing was freed: call again)
 */
int virtio_map_bring_down(struct virtio_map_dev *dev);

#endif /* _VIRTIO_MAP_BRINGUP_H_ */
