/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The virtio_map authors
 */

/*
 * Registered memory of map=vduse ports: the public functions are in
 * rte_pmd_virtio_map.h; this is what the ethdev ops call.
 */

#ifndef _VIRTIO_MAP_UMEM_H_
#define _VIRTIO_MAP_UMEM_H_

#include <ethdev_driver.h>

/**
 * At dev_start, before the port lock is taken: register the mempool the
 * umem_pool devarg names, once per port (it stays registered until close
 * or rte_pmd_virtio_map_mempool_unregister()).
 *
 * @return 0 (also without the devarg); -ENOENT (no mempool of that name)
 *   or the error of rte_pmd_virtio_map_mempool_register(), logged
 */
int virtio_map_umem_start(struct rte_eth_dev *eth);

#endif /* _VIRTIO_MAP_UMEM_H_ */
