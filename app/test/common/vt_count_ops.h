/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The virtio_map authors
 */

/*
 * A registered map kind for ring-level tests where the test plays the
 * device: device address = VA + VT_COUNT_OPS_OFFSET (so a ring that wrote
 * a VA where a device address belongs is caught), coherent memory from the
 * va kind, and a count of what was mapped and unmapped; it can be told to
 * refuse mappings after a number of them.
 */

#ifndef _VT_COUNT_OPS_H_
#define _VT_COUNT_OPS_H_

#include <stdbool.h>
#include <stdint.h>

#include "vmap.h"

/** Device address minus VA for buffers and coherent memory. */
#define VT_COUNT_OPS_OFFSET 0x100000000000ull

/** What vt_count_ops did, and how it is told to refuse. */
struct vt_count_rec {
	uint64_t mapped;	/**< segments mapped */
	uint64_t unmapped;	/**< segments unmapped */
	bool limited;		/**< refuse once refuse_after reaches 0 */
	uint64_t refuse_after;	/**< mappings still allowed when limited */
};

/** The counters of vt_count_ops (one process, one test). */
extern struct vt_count_rec vt_count_rec;

/** The kind, registered under the name "vt_count_ops". */
extern const struct rte_vmap_ops vt_count_ops;

/**
 * Attach map to the kind a ring-level test names: "va", "pa" (set up by
 * hand, as EAL runs IOVA as VA and attach refuses pa; device addresses are
 * then EAL IOVAs, equal to VAs), "vduse" (its two regions, which are all
 * the device may reach, go to regions) or "ops" (vt_count_ops, registered
 * here).
 *
 * @param nregions  out: regions filled (2 for vduse, else 0)
 * @return VT_PASS, or VT_FAIL after printing why
 */
int vt_count_attach(struct rte_vmap_dev *map, const char *kind, const char *name,
		    struct rte_vmap_region regions[2], int *nregions);

#endif /* _VT_COUNT_OPS_H_ */
