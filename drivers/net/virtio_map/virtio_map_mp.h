/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The virtio_map authors
 */

/*
 * The driver's multi-process messages (virtio_map_mp.c), floor 1: kick
 * eventfds and a map kind's memory regions from the primary to
 * secondaries.
 */

#ifndef _VIRTIO_MAP_MP_H_
#define _VIRTIO_MAP_MP_H_

#include <ethdev_driver.h>

#include "vmap.h"

/**
 * In the primary: answer secondaries' requests for kick eventfds and for
 * a map kind's regions (once per process, at the first probe).
 *
 * @return 0 (also without a multi-process channel), or a negative errno
 */
int virtio_map_mp_primary_init(void);
/**
 * In the primary: answer secondaries' requests for the port from now on
 * (on, at the end of a probe), or no longer (off, as close begins). Takes
 * the multi-process lock, which the answers hold while they use the
 * port: once this returns off, none is using it.
 */
void virtio_map_mp_serve(struct rte_eth_dev *eth, bool on);
/**
 * In the primary: set eth->process_private to NULL under the
 * multi-process lock, before the port's primary part is freed (an answer
 * that found it has finished with it).
 */
void virtio_map_mp_forget(struct rte_eth_dev *eth);
/** In a secondary: kick eventfds missing at burst time are asked for. */
void virtio_map_mp_secondary_init(void);
/**
 * In a secondary: take the kick eventfds of every queue of the port from
 * the primary, waiting at most 5 s per reply.
 *
 * @return 0, or a negative errno (logged as a warning)
 */
int virtio_map_mp_fetch_all(struct rte_eth_dev *eth);
/**
 * In a secondary, a vmap_fetch_regions_t (arg: the struct rte_eth_dev):
 * the regions of the port's map kind in the primary, with this process's
 * copies of their fds (the caller closes them), waiting at most 5 s.
 *
 * @return the count written to r, or a negative errno
 */
int virtio_map_mp_fetch_regions(struct rte_vmap_dev *d, struct rte_vmap_region *r,
				unsigned int max, void *arg);

#endif /* _VIRTIO_MAP_MP_H_ */
