/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The virtio_map authors
 */

/*
 * On-wire layouts the driver shares with the device: the split (virtio
 * 1.2, section 2.7) and packed (2.8) virtqueues and the virtio-net header
 * (5.1.6). Sizes are checked at build time. Written from the
 * specification; no ring logic here. Feature and status bits are the
 * device model's, in vmt.h.
 */

#ifndef _VMQ_LAYOUT_H_
#define _VMQ_LAYOUT_H_

#include <stdint.h>

#include <rte_common.h>

/* Descriptor flags, both layouts (2.7.5, 2.8.1). */
#define VMQ_DESC_F_NEXT		1
#define VMQ_DESC_F_WRITE	2
#define VMQ_DESC_F_INDIRECT	4
/* Packed ring only (2.8.1): availability and use, against wrap counters. */
#define VMQ_DESC_F_AVAIL	(1 << 7)
#define VMQ_DESC_F_USED		(1 << 15)

/* Packed ring event suppression flags (2.8.10). */
#define VMQ_EVENT_F_ENABLE	0
#define VMQ_EVENT_F_DISABLE	1
#define VMQ_EVENT_F_DESC	2

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

/**
 * Split ring driver area (2.7.6); ring[] has one entry per descriptor,
 * then used_event (2.7.10) when VIRTIO_RING_F_EVENT_IDX is negotiated.
 */
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

/**
 * Split ring device area (2.7.8); ring[] has one element per descriptor,
 * then avail_event (2.7.10) when VIRTIO_RING_F_EVENT_IDX is negotiated.
 */
struct vmq_used {
	uint16_t flags;
	uint16_t idx;
	struct vmq_used_elem ring[];
};

/** Packed ring descriptor (2.8.13); also the indirect table entry. */
struct vmq_pdesc {
	uint64_t addr;
	uint32_t len;
	uint16_t id;
	uint16_t flags;
};

/** Packed ring event suppression structure (2.8.10). */
struct vmq_pevent {
	uint16_t off_wrap;	/* descriptor offset, wrap counter in bit 15 */
	uint16_t flags;		/* VMQ_EVENT_F_* */
};

/*
 * Should the other side be notified? event is the index it asked to hear
 * about, new_idx the index now, old_idx the index at the last decision
 * (virtio 1.2, 2.7.10: notify if event lies in [old_idx, new_idx)).
 */
static inline int
vmq_need_event(uint16_t event, uint16_t new_idx, uint16_t old_idx)
{
	return (uint16_t)(new_idx - event - 1) < (uint16_t)(new_idx - old_idx);
}

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
	RTE_BUILD_BUG_ON(sizeof(struct vmq_pdesc) != 16);
	RTE_BUILD_BUG_ON(sizeof(struct vmq_pevent) != 4);
}

#endif /* _VMQ_LAYOUT_H_ */
