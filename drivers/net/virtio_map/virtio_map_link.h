/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The virtio_map authors
 */

/*
 * The link over time (virtio_map_link.c), floor 3: the port's control
 * thread, reconnects, memory-table resends and link-state events.
 */

#ifndef _VIRTIO_MAP_LINK_H_
#define _VIRTIO_MAP_LINK_H_

#include <stdbool.h>

#include <rte_memory.h>

#include "virtio_map_state.h"

/** How often a port that is not up tries to bring the device up. */
#define VIRTIO_MAP_CONNECT_RETRY_US	100000
/** How often a port that is up looks for a backend that hung up (the
 * socket watch tells at once; this covers a watch that failed). */
#define VIRTIO_MAP_WATCH_US		100000
/**
 * Publish the port's link state; a change is remembered for
 * virtio_map_lsc_raise(). Called with dev->lock held.
 */
void virtio_map_set_link(struct virtio_map_dev *dev, bool up);

/**
 * Raise RTE_ETH_EVENT_INTR_LSC if the link changed since the last call
 * and the application asked for LSC interrupts. Called without dev->lock
 * (the application's callback may read the link).
 */
void virtio_map_lsc_raise(struct virtio_map_dev *dev);

/**
 * Bring the device up if the port is started and not up yet; after a
 * configuration error (VIRTIO_MAP_UP_CONFIG) stop trying until the port
 * restarts. Called with dev->lock held.
 *
 * @return 0 when up, -EAGAIN while waiting for a backend (or one that
 *   failed and may come back), or the permanent error of this attempt
 */
int virtio_map_try_up(struct virtio_map_dev *dev);

/**
 * Start the port's control thread (at dev_start): every 100 ms, and when
 * woken (virtio_map_kick()), it brings the device up if the port is not
 * up, notices a backend that went away and brings the next one up, sends
 * a memory table a memory event made dirty, and raises LSC events. It
 * runs on EAL's control-thread CPUs, not on the interrupt thread, so a
 * bring-up waiting for a slow backend delays no other port. Called
 * without dev->lock.
 *
 * @return 0, or a negative errno (logged) when no thread can be made
 */
int virtio_map_ctl_start(struct virtio_map_dev *dev);

/**
 * End the port's control thread (at dev_stop): waits for its current
 * round, at most one bring-up deadline. From the thread itself (an LSC
 * callback that stops the port) it lets the thread end once the callback
 * returns. Called without dev->lock; idempotent.
 */
void virtio_map_ctl_stop(struct virtio_map_dev *dev);

/**
 * Wake the control thread now. Any thread, no lock needed (the memory
 * event callback calls it with EAL's write lock held).
 */
void virtio_map_kick(struct virtio_map_dev *dev);

/**
 * If the backend hung up while the port was up: take the rings back
 * without talking to it, return what they held (Tx packets in flight are
 * counted as lost), link down; the control thread brings the next backend
 * up.
 * Called with dev->lock held.
 */
void virtio_map_backend_check(struct virtio_map_dev *dev);

/**
 * vmt_event_t of the port's transport (EAL interrupt thread): the backend
 * hung up; take the link down now unless the port is busy, and wake the
 * control thread. Never waits for the port lock.
 */
void virtio_map_backend_event(void *arg);

/**
 * Send the memory table again (and the IOTLB) if a memory event marked it
 * dirty; on failure it stays dirty and the control thread tries again.
 * Called with dev->lock held, not from the memory event callback.
 *
 * @return 0 (sent, or nothing to send: not dirty, or no device up), or
 *   the send's negative errno
 */
int virtio_map_mem_resend(struct virtio_map_dev *dev);

/**
 * EAL memory event callback: mark the memory table dirty and wake the
 * control thread; never sends nor waits.
 */
void virtio_map_mem_event(enum rte_mem_event type, const void *addr,
			  size_t len, void *arg);

#endif /* _VIRTIO_MAP_LINK_H_ */
