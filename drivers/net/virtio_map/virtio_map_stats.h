/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The virtio_map authors
 */

/*
 * Stats and xstats (virtio_map_stats.c), floor 4, for both processes'
 * tables.
 */

#ifndef _VIRTIO_MAP_STATS_H_
#define _VIRTIO_MAP_STATS_H_

#include <ethdev_driver.h>

struct rte_eth_stats;
struct rte_eth_xstat;
struct rte_eth_xstat_name;

/** eth_dev_ops.stats_get */
int virtio_map_stats_get(struct rte_eth_dev *eth, struct rte_eth_stats *st);
/** eth_dev_ops.stats_reset */
int virtio_map_stats_reset(struct rte_eth_dev *eth);
/** eth_dev_ops.xstats_get */
int virtio_map_xstats_get(struct rte_eth_dev *eth, struct rte_eth_xstat *xs,
			  unsigned int n);
/** eth_dev_ops.xstats_get_names */
int virtio_map_xstats_get_names(struct rte_eth_dev *eth,
				struct rte_eth_xstat_name *names,
				unsigned int n);

#endif /* _VIRTIO_MAP_STATS_H_ */
