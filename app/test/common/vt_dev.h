/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The virtio_map authors
 */

/*
 * The test device model of the ring-level unit tests (test_vmq,
 * test_vmq_packed, test_vmq_hostile): the test plays the virtio device
 * against one of the driver's virtqueues (drivers/net/virtio_map/vmq.h),
 * without a port or a transport. It finds the rings with vmq_ring_addrs()
 * as a device would, takes the buffers the driver made available (split or
 * packed layout, chains and indirect tables), checks each descriptor as it
 * takes it (direction, reach, ids, chain shape), reads and writes the
 * buffers only through the device's reach (an address offset, or the vduse
 * kind's regions) and writes used entries (split) or used descriptors
 * (packed). It keeps what it took in order until the test completes it, so
 * a test decides when, in which order and with which id and length a
 * buffer comes back, and may break the rules on purpose.
 */

#ifndef _VT_DEV_H_
#define _VT_DEV_H_

#include <stdbool.h>
#include <stdint.h>

#include <rte_mbuf.h>
#include <rte_mempool.h>

#include "vmap.h"
#include "vmq.h"
#include "vt.h"

/** Bytes of the virtio-net header (VERSION_1: num_buffers included). */
#define VT_DEV_HDR 12

/** Buffers a device holds at once (taken, not completed). */
#define VT_DEV_MAX 1024

/** One segment of a buffer, as the device read it when it took it. */
struct vt_dseg {
	uint64_t addr;		/**< device address */
	uint32_t len;		/**< bytes */
	uint16_t flags;		/**< descriptor flags (packed: less the
				 * AVAIL and USED bits) */
};

/** One buffer the device took: where it lies and what it describes. */
struct vt_dbuf {
	uint16_t id;				/**< buffer id (split: head) */
	uint16_t count;				/**< ring descriptors */
	uint16_t slot[VMQ_INDIRECT_MAX];	/**< split: descriptor ids,
						 * packed: ring positions */
	void *table;				/**< indirect table, or NULL */
	uint16_t tlen;				/**< entries of table */
	uint16_t nseg;				/**< entries of seg[] */
	struct vt_dseg seg[VMQ_INDIRECT_MAX];	/**< as read when taken */
};

/** The device side of one virtqueue. */
struct vt_dev {
	struct vmq *q;			/**< the driver's queue */
	bool tx;			/**< a Tx queue: the device reads */
	bool packed;			/**< packed layout (2.8), else split */
	uint16_t size;			/**< ring size */
	struct vmq_desc *desc;		/**< split: descriptor table */
	struct vmq_avail *avail;	/**< split: driver area */
	struct vmq_used *used;		/**< split: device area */
	struct vmq_pdesc *pdesc;	/**< packed: descriptor ring */
	uint16_t avail_pos;		/**< split: next avail index (free
					 * running); packed: next descriptor */
	bool avail_wrap;		/**< packed: wrap counter of avail_pos */
	uint16_t used_pos;		/**< split: next used index (free
					 * running); packed: next descriptor */
	bool used_wrap;			/**< packed: wrap counter of used_pos */
	uint64_t taken_descs;		/**< ring descriptors taken, all laps */
	uint64_t used_written;		/**< used entries / descriptors written */
	unsigned int nheld;		/**< entries of held[] */
	struct vt_dbuf held[VT_DEV_MAX];	/**< taken, not completed, in
						 * the order taken */
};

/** What the device reaches: set once per program (vt_dev_reach_set()). */
struct vt_dev_reach {
	uint64_t offset;			/**< device address - VA, when
						 * nregions is 0 */
	struct rte_vmap_region regions[2];	/**< vduse: all it reaches */
	int nregions;				/**< entries of regions[] */
};

/** The reach of the device model (one process, one device). */
extern struct vt_dev_reach vt_dev_reach;

/**
 * The instruction set of the driver's bursts (vt_drv_rx(), vt_drv_tx()):
 * scalar, or what the environment's VT_SIMD (scalar, avx2, avx512) names.
 */
extern enum vmq_simd vt_simd;

/**
 * Set the pool the device builds frames in (the mbufs vt_dev_tx_read()
 * returns, and a scratch mbuf of its own kept until vt_dev_teardown()),
 * and the driver's burst functions from VT_SIMD.
 *
 * @param mp  a pool of mbufs with room for VMQ_MAX_FRAME bytes
 * @return VT_PASS, VT_SKIP if VT_SIMD names an instruction set that does
 *   not run here, or VT_FAIL if the scratch mbuf cannot be had or
 *   VT_SIMD names none
 */
int vt_dev_setup(struct rte_mempool *mp);

/** Give the scratch mbuf of vt_dev_setup() back to its pool. */
void vt_dev_teardown(void);

/**
 * Set what the device reaches.
 *
 * @param offset    device address - VA (va, pa as VA: 0; vt_count_ops:
 *                  VT_COUNT_OPS_OFFSET); used when nregions is 0
 * @param regions   the vduse kind's regions, or NULL
 * @param nregions  entries of regions (0 to 2)
 */
void vt_dev_reach_set(uint64_t offset, const struct rte_vmap_region *regions,
		      int nregions);

/**
 * Where the device finds [addr, addr + len) in this process.
 *
 * @return the address, or NULL if the range is out of the device's reach
 */
void *vt_dev_ptr(uint64_t addr, uint32_t len);

/**
 * Become the device of q: its ring areas, positions where the driver
 * stands now (a fresh or reset ring: 0, packed wrap counters 1), the
 * direction and layout of q; nothing held, counters zero.
 */
void vt_dev_attach(struct vt_dev *d, struct vmq *q);

/** Whether the driver made a buffer available at the device's position. */
bool vt_dev_avail(const struct vt_dev *d);

/**
 * Buffers available and not taken yet (split: from the avail index;
 * packed: counted by walking the chains). Takes none.
 */
unsigned int vt_dev_avail_count(const struct vt_dev *d);

/**
 * Take the next available buffer into b and check it as it is read: a
 * buffer is available, ids in range, chains that end and share one id
 * (packed), an indirect descriptor alone, indirect tables of 2 to
 * VMQ_INDIRECT_MAX entries, every descriptor device-readable (Tx) or
 * device-writable (Rx) and every segment within the device's reach.
 * Counts the ring descriptors in taken_descs.
 *
 * @return VT_PASS, or VT_FAIL after reporting what was wrong
 */
int vt_dev_take(struct vt_dev *d, struct vt_dbuf *b);

/**
 * Take the next available buffer (see vt_dev_take()) into held[].
 *
 * @param out  if not NULL, set to its entry in held[]
 * @return VT_PASS or VT_FAIL
 */
int vt_dev_hold(struct vt_dev *d, struct vt_dbuf **out);

/**
 * Take every available buffer into held[] (see vt_dev_take()); fails if
 * there are more than the ring or held[] can hold.
 *
 * @return VT_PASS or VT_FAIL
 */
int vt_dev_take_all(struct vt_dev *d);

/**
 * Remove held[i], keeping the order of the others.
 *
 * @return the buffer
 */
struct vt_dbuf vt_dev_unhold(struct vt_dev *d, unsigned int i);

/**
 * The lowest buffer id that no held buffer has (for a completion of a
 * buffer the device never took).
 *
 * @return the id, or the ring size if every id is held
 */
uint16_t vt_dev_free_id(const struct vt_dev *d);

/**
 * Complete buffer id with len bytes written: a used entry (split, visible
 * after vt_dev_publish()) or a used descriptor that covers count ring
 * descriptors (packed, visible at once; WRITE set on an Rx queue). Any id
 * and length may be written, to test a device that lies.
 */
void vt_dev_put(struct vt_dev *d, uint32_t id, uint32_t len, uint16_t count);

/** Split: make the used entries written so far visible; packed: nothing. */
void vt_dev_publish(struct vt_dev *d);

/**
 * Complete held[0..n) and forget them: in the order taken and, with
 * in_order, all but the last with one used entry for the batch (2.7.8,
 * 2.8.8), else newest first; then publish.
 */
void vt_dev_tx_complete(struct vt_dev *d, unsigned int n, bool in_order);

/**
 * Gather a Tx buffer (as described when taken) into a new mbuf of the
 * setup pool: the frame without its virtio-net header, which must be
 * VT_DEV_HDR zero bytes (no offloads).
 *
 * @param out  the frame; the caller frees it
 * @return VT_PASS or VT_FAIL
 */
int vt_dev_tx_read(const struct vt_dbuf *b, struct rte_mbuf **out);

/**
 * Gather a Tx buffer (vt_dev_tx_read()) and check it is packet seq of s.
 *
 * @return VT_PASS or VT_FAIL
 */
int vt_dev_tx_verify(const struct vt_dbuf *b, const struct vt_stream *s,
		     uint64_t seq);

/**
 * Write len bytes of src at off into a taken Rx buffer, which must be one
 * segment with room for them.
 *
 * @return VT_PASS or VT_FAIL
 */
int vt_dev_write(const struct vt_dbuf *b, uint32_t off, const void *src,
		 uint32_t len);

/**
 * Build a received frame: a virtio-net header with num_buffers nb (the
 * rest zero), then packet seq of s.
 *
 * @param buf  room for VT_DEV_HDR + VMQ_MAX_FRAME bytes
 * @param len  out: bytes of buf written
 * @return VT_PASS or VT_FAIL
 */
int vt_dev_frame_build(const struct vt_stream *s, uint64_t seq, uint16_t nb,
		       uint8_t *buf, uint32_t *len);

/**
 * Write packet seq of s into one Rx buffer (num_buffers 1).
 *
 * @param len  out: bytes written, the length for its used entry
 * @return VT_PASS or VT_FAIL
 */
int vt_dev_rx_write(const struct vt_dbuf *b, const struct vt_stream *s,
		    uint64_t seq, uint32_t *len);

/**
 * Write packet seq of s into one taken Rx buffer (vt_dev_rx_write()) and
 * complete it with the length written (vt_dev_put()); not published.
 *
 * @return VT_PASS or VT_FAIL
 */
int vt_dev_rx_put(struct vt_dev *d, const struct vt_dbuf *b,
		  const struct vt_stream *s, uint64_t seq);

/**
 * Make m a chain of nseg segments for the driver to send, the frame's
 * bytes unchanged: the second half of the last segment moves to a new
 * mbuf of m's pool until there are nseg.
 *
 * @return VT_PASS or VT_FAIL
 */
int vt_drv_pkt_split(struct rte_mbuf *m, unsigned int nseg);

/**
 * The driver's Rx burst on q, through the burst function of its map kind
 * and vt_simd.
 *
 * @return packets received into pkts
 */
uint16_t vt_drv_rx(struct vmq *q, struct rte_mbuf **pkts, uint16_t n);

/**
 * The driver's Tx burst on q, through the burst function of its map kind.
 *
 * @return packets the queue took from pkts
 */
uint16_t vt_drv_tx(struct vmq *q, struct rte_mbuf **pkts, uint16_t n);

/**
 * A pseudo-random number (xorshift32, the same sequence in every run).
 *
 * @return a number in [lo, hi]
 */
uint32_t vt_rnd(uint32_t lo, uint32_t hi);

#endif /* _VT_DEV_H_ */
