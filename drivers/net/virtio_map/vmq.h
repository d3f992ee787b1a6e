/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The virtio_map authors
 */

/*
 * Virtqueues: one struct vmq per Rx or Tx queue, the split ring it drives,
 * and the burst functions. A queue knows its map-ops token, its mempool and
 * its eventfds; it knows nothing of ethdev or of the transport (the ethdev
 * glue reads the ring addresses and hands them to the transport).
 */

#ifndef _VMQ_H_
#define _VMQ_H_

#include <stdbool.h>
#include <stdint.h>

#include <rte_mbuf.h>
#include <rte_mempool.h>

#include "vmap.h"
#include "vmq_layout.h"

/** Smallest and largest ring sizes the driver accepts. */
#define VMQ_SIZE_MIN		64
#define VMQ_SIZE_MAX		32768
/** Longest frame (without virtio-net header) one Rx buffer may carry. */
#define VMQ_MAX_FRAME		9018
/** Most mbuf segments of one Tx packet. */
#define VMQ_TX_MAX_SEGS		16
/** Descriptors or buffers handled per internal step of a burst. */
#define VMQ_STEP		64

/*
 * Ring options agreed with the device (vmq_set_opts()). The layout and the
 * options can change only while the queue is disabled.
 */
#define VMQ_OPT_PACKED		(1u << 0)	/**< packed layout (2.8) */
#define VMQ_OPT_IN_ORDER	(1u << 1)	/**< VIRTIO_F_IN_ORDER */
#define VMQ_OPT_MRG_RXBUF	(1u << 2)	/**< VIRTIO_NET_F_MRG_RXBUF */
#define VMQ_OPT_INDIRECT	(1u << 3)	/**< VIRTIO_RING_F_INDIRECT_DESC */
#define VMQ_OPT_EVENT_IDX	(1u << 4)	/**< VIRTIO_RING_F_EVENT_IDX */

/** Entries in one indirect table: header plus the most Tx segments. */
#define VMQ_INDIRECT_MAX	(1 + VMQ_TX_MAX_SEGS)

/** Per-queue counters, read by the stats code. */
struct vmq_stats {
	uint64_t packets;	/**< packets received or sent */
	uint64_t bytes;		/**< their bytes, without virtio-net header */
	uint64_t errors;	/**< device errors: ring rules broken */
	uint64_t length_errors;	/**< Rx: frames dropped, empty or longer
				 * than the largest frame */
	uint64_t nombuf;	/**< Rx: refills that found the mempool empty */
	uint64_t dropped;	/**< Tx: packets the driver cannot send */
	uint64_t full;		/**< Tx: bursts cut short by a full ring */
	uint64_t kicks;		/**< notifications written to the device */
	uint64_t map_refused;	/**< buffers handed back: map ops refused */
};

/** Queue configuration, given to vmq_create(). */
struct vmq_conf {
	bool is_tx;			/**< Tx (device reads) or Rx */
	uint16_t size;			/**< ring size, a power of two */
	uint16_t vq_index;		/**< virtqueue index on the device */
	uint16_t port_id;		/**< written into received mbufs */
	int socket_id;			/**< NUMA socket of the ring memory */
	struct vmap_dev *map;		/**< map ops token */
	struct rte_mempool *mp;		/**< Rx buffers (Rx only) */
	/** Longest frame (without virtio-net header): Tx accepts, Rx
	 * delivers; 0 means VMQ_MAX_FRAME. */
	uint32_t max_frame;
	/** Options the queue must be able to run with (memory for indirect
	 * tables is allocated when VMQ_OPT_INDIRECT is here). */
	uint32_t opts_possible;
};

/** One virtqueue. Rx and Tx calls on a queue must be serialised by the
 * caller; control calls (reset, drain, free) only while no burst runs. */
struct vmq {
	/* hot: ring pointers and indexes */
	struct vmq_desc *desc;		/**< split: descriptor table */
	struct vmq_avail *avail;	/**< split: driver area */
	struct vmq_used *used;		/**< split: device area */
	uint16_t size;			/**< ring size */
	uint16_t mask;			/**< size - 1 */
	uint16_t avail_idx;		/**< next avail index (private copy);
					 * packed: next descriptor to fill */
	uint16_t used_cons;		/**< split: used entries consumed;
					 * packed: next descriptor to check */
	uint16_t nb_free;		/**< free descriptors (split: entries
					 * on free_ids) */
	uint16_t hdr_size;		/**< virtio-net header bytes */
	bool broken;			/**< device misbehaved: queue stopped */
	bool enabled;			/**< bursts may run: the device has the
					 * ring (or it is a standalone test) */
	bool packed;			/**< opts & VMQ_OPT_PACKED */
	uint32_t opts;			/**< VMQ_OPT_* in effect */
	uint16_t kick_old;		/**< event idx: avail index at the last
					 * notification decision */
	/* packed ring state (2.8) */
	struct vmq_pdesc *pdesc;	/**< packed: descriptor ring */
	struct vmq_pevent *driver_event;	/**< packed: driver area */
	struct vmq_pevent *device_event;	/**< packed: device area */
	bool avail_wrap;		/**< packed: driver ring wrap counter */
	bool used_wrap;			/**< packed: device ring wrap counter */
	uint16_t next_id;		/**< split in-order: next head to
					 * complete; packed without in-order:
					 * ids on free_ids (a chain uses
					 * several descriptors, one id) */
	/* mergeable Rx: a packet whose buffers have not all arrived */
	struct rte_mbuf *mrg_head;	/**< its first mbuf, or NULL */
	struct rte_mbuf *mrg_tail;	/**< its last mbuf */
	uint16_t mrg_left;		/**< buffers still to come */
	enum vmap_kind kind;		/**< how addresses are computed */
	uint16_t *free_ids;		/**< stack of free descriptor ids */
	struct rte_mbuf **cookie;	/**< mbuf per head descriptor */
	uint16_t *chain;		/**< descriptors per head (buffer id) */
	struct vmq_net_hdr *hdrs;	/**< Tx: header slot per descriptor */
	rte_iova_t hdrs_iova;		/**< device address of hdrs */
	void *indir;			/**< indirect tables, VMQ_INDIRECT_MAX
					 * entries per head (buffer id) */
	rte_iova_t indir_iova;		/**< device address of indir */
	/* packed ring, ops kinds: the device overwrites descriptors */
	rte_iova_t *iovas;		/**< packed, ops kinds: mapped device
					 * addresses per buffer id, since the
					 * device overwrites ring descriptors:
					 * Rx one, Tx VMQ_INDIRECT_MAX (entry
					 * 0 is the count) */
	struct vmap_dev *map;		/**< map ops device token */
	struct vmap_queue mq;		/**< map ops queue token */
	struct rte_mempool *mp;		/**< Rx buffers */
	int kick_fd;			/**< eventfd the device waits on */
	int call_fd;			/**< eventfd the device signals */
	uint16_t port_id;		/**< for received mbufs */
	uint16_t vq_index;		/**< virtqueue index */
	bool is_tx;			/**< direction */
	uint32_t max_frame;		/**< Tx: longest frame accepted */
	struct vmq_stats stats;		/**< counters */

	/* cold: memory to free */
	void *ring_mem;			/**< desc + avail + used */
	rte_iova_t ring_iova;		/**< device address of ring_mem */
	size_t ring_len;		/**< bytes of ring_mem */
	size_t hdrs_len;		/**< bytes of hdrs */
	size_t indir_len;		/**< bytes of indir */
	size_t desc_area;		/**< bytes of the descriptor table */
	size_t drv_off;			/**< offset of the driver area */
	size_t dev_off;			/**< offset of the device area */
};

/**
 * Create a queue: the map ops' queue token (sized for the longest buffer
 * the queue maps: an Rx mbuf's room, or a Tx frame, plus the virtio-net
 * header), ring memory from the map ops' coherent allocator, eventfds,
 * bookkeeping arrays. The ring starts empty (see vmq_reset()).
 *
 * @return the queue, or NULL with rte_errno set (EINVAL for a bad size,
 *   ENOMEM, ENOSPC when the map kind has no room for the queue, or the
 *   eventfd errno)
 */
struct vmq *vmq_create(const struct vmq_conf *conf);

/** Drain and free a queue. NULL is ignored. */
void vmq_free(struct vmq *q);

/**
 * Put the ring back to its initial state for its layout: every descriptor
 * free, indexes zero (packed: wrap counters 1), counters kept. Must be
 * drained first.
 */
void vmq_reset(struct vmq *q);

/**
 * Choose layout and options (VMQ_OPT_*) for the next time the device gets
 * the ring: drains and resets it. Only while the queue is disabled.
 *
 * @return 0, or -ENOTSUP for an option the queue was not created for
 *   (VMQ_OPT_INDIRECT without it in vmq_conf.opts_possible)
 */
int vmq_set_opts(struct vmq *q, uint32_t opts);

/**
 * Let bursts run (after the device got the ring) or stop them (before it
 * is taken back). A disabled queue's bursts return 0.
 */
void vmq_enable(struct vmq *q, bool on);

/**
 * Where the device finds the ring, as the transport describes it: split
 * descriptor table, driver area and device area, or their packed
 * counterparts; and the index it starts from (packed: with the wrap
 * counter in bit 15).
 */
void vmq_ring_addrs(const struct vmq *q, void **desc, void **driver,
		    void **device, uint16_t *base);

/**
 * Device addresses (the map kind's) of the three ring areas, for a
 * device that reads ring addresses through an IOTLB.
 */
void vmq_ring_iovas(const struct vmq *q, uint64_t *desc, uint64_t *driver,
		    uint64_t *device);

/**
 * Return every buffer the ring still holds (Rx buffers posted, Tx packets
 * in flight) to its mempool, unmapping them. Call only when the device no
 * longer touches the ring.
 *
 * @return the number of mbufs freed
 */
unsigned int vmq_drain(struct vmq *q);

/**
 * Post Rx buffers until the ring is full or the mempool is empty, and
 * notify the device if it asks for it.
 *
 * @return the number of buffers posted
 */
uint16_t vmq_rx_refill(struct vmq *q);

/**
 * Bursts for ethdev, one per map kind: they check that the queue is
 * enabled and dispatch to the layout.
 */
uint16_t vmq_rx_va(void *q, struct rte_mbuf **pkts, uint16_t n);
uint16_t vmq_rx_pa(void *q, struct rte_mbuf **pkts, uint16_t n);
uint16_t vmq_rx_ops(void *q, struct rte_mbuf **pkts, uint16_t n);
uint16_t vmq_tx_va(void *q, struct rte_mbuf **pkts, uint16_t n);
uint16_t vmq_tx_pa(void *q, struct rte_mbuf **pkts, uint16_t n);
uint16_t vmq_tx_ops(void *q, struct rte_mbuf **pkts, uint16_t n);

/** Split ring bursts, one per map kind (see vmq_split.c). */
uint16_t vmq_split_rx_va(void *q, struct rte_mbuf **pkts, uint16_t n);
uint16_t vmq_split_rx_pa(void *q, struct rte_mbuf **pkts, uint16_t n);
uint16_t vmq_split_rx_ops(void *q, struct rte_mbuf **pkts, uint16_t n);
uint16_t vmq_split_tx_va(void *q, struct rte_mbuf **pkts, uint16_t n);
uint16_t vmq_split_tx_pa(void *q, struct rte_mbuf **pkts, uint16_t n);
uint16_t vmq_split_tx_ops(void *q, struct rte_mbuf **pkts, uint16_t n);

/** Packed ring bursts and helpers, one per map kind (see vmq_packed.c). */
uint16_t vmq_packed_rx_va(void *q, struct rte_mbuf **pkts, uint16_t n);
uint16_t vmq_packed_rx_pa(void *q, struct rte_mbuf **pkts, uint16_t n);
uint16_t vmq_packed_rx_ops(void *q, struct rte_mbuf **pkts, uint16_t n);
uint16_t vmq_packed_tx_va(void *q, struct rte_mbuf **pkts, uint16_t n);
uint16_t vmq_packed_tx_pa(void *q, struct rte_mbuf **pkts, uint16_t n);
uint16_t vmq_packed_tx_ops(void *q, struct rte_mbuf **pkts, uint16_t n);
/** Packed: post Rx buffers (see vmq_rx_refill()). */
uint16_t vmq_packed_refill(struct vmq *q);
/** Packed: initial state (see vmq_reset()); called by vmq_reset(). */
void vmq_packed_reset(struct vmq *q);
/** Packed: unmap the buffers of buffer id that the device never
 * completed (see vmq_drain()); called by vmq_drain() per busy id. */
void vmq_packed_unmap_id(struct vmq *q, uint16_t id);
/** Split: post Rx buffers (see vmq_rx_refill()). */
uint16_t vmq_split_refill(struct vmq *q);

/** Burst function type (matches eth_rx_burst_t / eth_tx_burst_t). */
typedef uint16_t (*vmq_burst_t)(void *q, struct rte_mbuf **pkts, uint16_t n);

/** The Rx burst function for a map kind. */
vmq_burst_t vmq_rx_burst_fn(enum vmap_kind kind);
/** The Tx burst function for a map kind. */
vmq_burst_t vmq_tx_burst_fn(enum vmap_kind kind);

/**
 * Check a Tx packet against what the queue can send.
 *
 * @return 0, -EINVAL (too long or empty), -ENOTSUP (too many segments)
 */
int vmq_tx_check(const struct vmq *q, const struct rte_mbuf *m);

#endif /* _VMQ_H_ */
