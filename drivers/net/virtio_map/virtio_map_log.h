/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The virtio_map authors
 */

/*
 * Log types of the PMD: pmd.net.virtio_map for the driver and
 * pmd.net.virtio_map.init for probe and devargs. The macros add the
 * function name and the newline; call sites never write "\n".
 */

#ifndef _VIRTIO_MAP_LOG_H_
#define _VIRTIO_MAP_LOG_H_

#include <rte_log.h>

extern int virtio_map_logtype;
extern int virtio_map_logtype_init;

#define VM_LOG(level, fmt, ...) \
	rte_log(RTE_LOG_ ## level, virtio_map_logtype, \
		"virtio_map: %s(): " fmt "\n", __func__, ##__VA_ARGS__)

#define VM_INIT_LOG(level, fmt, ...) \
	rte_log(RTE_LOG_ ## level, virtio_map_logtype_init, \
		"virtio_map: " fmt "\n", ##__VA_ARGS__)

/* Data path: compiled out below RTE_LOG_DP_LEVEL. */
#define VM_DP_LOG(level, fmt, ...) do { \
	if (RTE_LOG_ ## level <= RTE_LOG_DP_LEVEL) \
		VM_LOG(level, fmt, ##__VA_ARGS__); \
} while (0)

#endif /* _VIRTIO_MAP_LOG_H_ */
