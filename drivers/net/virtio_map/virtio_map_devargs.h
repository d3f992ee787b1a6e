/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The virtio_map authors
 */

/*
 * The devargs, floor 0: their table and their parser
 * (virtio_map_devargs.c).
 */

#ifndef _VIRTIO_MAP_DEVARGS_H_
#define _VIRTIO_MAP_DEVARGS_H_

#include "virtio_map_state.h"

/** Default ring size. */
#define VIRTIO_MAP_DEFAULT_QUEUE_SIZE	256
/**
 * Parse and validate a port's devargs.
 *
 * @param name  vdev name, for messages
 * @param args  devargs string (may be NULL or empty)
 * @param cfg   filled on success
 * @return 0, or -EINVAL with an ERR log naming the key, value and limit
 */
int virtio_map_parse_devargs(const char *name, const char *args,
			     struct virtio_map_cfg *cfg);

/**
 * The devargs, each once: X(key, value syntax). The parser of key is
 * parse_<key>() in virtio_map_devargs.c; the list also makes the
 * rte_kvargs key list, the "known keys" message and the PMD's parameter
 * string, in this order.
 */
#define VIRTIO_MAP_DEVARGS(X) \
	X(path, "<socket path>") \
	X(server, "<0|1>") \
	X(queue_size, "<64..32768, power of two>") \
	X(queues, "<1..128>") \
	X(mac, "<xx:xx:xx:xx:xx:xx>") \
	X(map, "<auto|va|pa|vduse|registered name>") \
	X(bounce_size, "<1M..1G, K/M/G suffix>") \
	X(map_debug, "<0|1>") \
	X(map_batch, "<0|1>") \
	X(packed_vq, "<0|1>") \
	X(in_order, "<0|1>") \
	X(mrg_rxbuf, "<0|1>") \
	X(indirect, "<0|1>") \
	X(event_idx, "<0|1>") \
	X(iommu, "<auto|on|off>") \
	X(iotlb_prefill, "<auto|0|1>")

/** One "key=<syntax> " item of the parameter string. */
#define VIRTIO_MAP_PARAM_ITEM(key, syntax) #key "=" syntax " "
/** Devargs help string for RTE_PMD_REGISTER_PARAM_STRING. */
#define VIRTIO_MAP_PARAMS VIRTIO_MAP_DEVARGS(VIRTIO_MAP_PARAM_ITEM)

#endif /* _VIRTIO_MAP_DEVARGS_H_ */
