/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The virtio_map authors
 */

/*
 * On-wire layouts the driver shares with the device: the split virtqueue
 * (virtio 1.2, section 2.7), the virtio-net header (5.1.6) and the feature
 * and status bits the driver uses. Sizes are checked at build time.
 * Written from the specification; no ring logic here.
 */

#ifndef _VMQ_LAYOUT_H_
#define _VMQ_LAYOUT_H_

#include <stdint.h>

#include <rte_common.h>

/* Feature bits (virtio 1.2, sections 5.1.3 and 6). */
#define VMQ_F_NET_MAC		5
#define VMQ_F_NET_STATUS	16
#define VMQ_F_RING_INDIRECT	28
#define VMQ_F_RING_EVENT_IDX	29
#define VMQ_F_VERSION_1		32
#define VMQ_F_ACCESS_PLATFORM	33
#define VMQ_F_RING_PACKED	34
#define VMQ_F_IN_ORDER		35

/* Device status bits (virtio 1.2, section 2.1). */
#define VMQ_STATUS_ACKNOWLEDGE	0x01
#define VMQ_STATUS_DRIVER	0x02
#define VMQ_STATUS_DRIVER_OK	0x04
#define VMQ_STATUS_FEATURES_OK	0x08

/* Split ring descriptor flags (2.7.5). */
#define VMQ_DESC_F_NEXT		1
#define VMQ_DESC_F_WRITE	2

/* Driver area flag (2.7.7): do not interrupt us. */
#define VMQ_AVAIL_F_NO_INTERRUPT 1
/* Device area flag (2.7.10): do not kick the device. */
#define VMQ_USED_F_NO_NOTIFY	1

/** Split ring descriptor (2.7.5). */
struct vmq_desc {
	uint64_t addr;
	uint32_t len;
	uint16_t flags;
	uint16_t next;
};

/** Split ring driver area (2.7.6); ring[] has one entry per descriptor. */
struct vmq_avail {
	uint16_t flags;
	uint16_t idx;
	uint16_t ring[];
};

/** One used ring element (2.7.8). */
struct vmq_used_elem {
	uint32_t id;
	uint32_t len;
};

/** Split ring device area (2.7.8). */
struct vmq_used {
	uint16_t flags;
	uint16_t idx;
	struct vmq_used_elem ring[];
};

/**
 * virtio-net header with VIRTIO_F_VERSION_1 (5.1.6): num_buffers is always
 * present, so the header is 12 bytes whether or not buffers are merged.
 */
struct vmq_net_hdr {
	uint8_t flags;
	uint8_t gso_type;
	uint16_t hdr_len;
	uint16_t gso_size;
	uint16_t csum_start;
	uint16_t csum_offset;
	uint16_t num_buffers;
};

static inline void
vmq_layout_check(void)
{
	RTE_BUILD_BUG_ON(sizeof(struct vmq_desc) != 16);
	RTE_BUILD_BUG_ON(sizeof(struct vmq_avail) != 4);
	RTE_BUILD_BUG_ON(sizeof(struct vmq_used_elem) != 8);
	RTE_BUILD_BUG_ON(sizeof(struct vmq_used) != 4);
	RTE_BUILD_BUG_ON(sizeof(struct vmq_net_hdr) != 12);
}

#endif /* _VMQ_LAYOUT_H_ */
