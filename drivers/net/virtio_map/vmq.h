/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The virtio_map authors
 */

/*
 * Virtqueues as the ethdev glue sees them: one struct vmq per Rx or Tx
 * queue, its life cycle (create, options, enable, drain, free), where its
 * ring lies, and the burst functions to install. A queue knows its map-ops
 * tokens, its mempool and its eventfds; it knows nothing of ethdev or of
 * the transport (the glue reads the ring addresses and hands them over).
 *
 * The data path is elsewhere: vmq_burst.h holds the one burst skeleton
 * per direction, vmq_split.h and vmq_packed.h the two ring layouts,
 * vmq_map.h the address translation and vmq_net_hdr.h the virtio-net
 * header.
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
/** Longest frame (without virtio-net header) the driver handles. */
#define VMQ_MAX_FRAME		9018
/** Most mbuf segments of one Tx packet (queues without TSO). */
#define VMQ_TX_MAX_SEGS		16
/** Most mbuf segments of one Tx packet on a queue set up for TSO: a
 * 64 KB frame in 2 KB mbufs, with room to spare. */
#define VMQ_TSO_MAX_SEGS	64
/** Longest TSO (Tx) or LRO (Rx) frame, without virtio-net header: an
 * IPv6 header with 64 KB of payload behind an Ethernet header and two
 * VLAN tags (an IPv4 packet is shorter). */
#define VMQ_GSO_MAX_FRAME	(UINT16_MAX + 40 + 22)
/** Bounce slot of a TSO Tx queue (ops kinds): the data room of a default
 * mbuf; one TSO frame takes a slot per segment. */
#define VMQ_TSO_SEG_ROOM	2048
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

/** Entries in one indirect table: header plus the most Tx segments
 * (a queue uses 1 + vmq.max_segs of them). */
#define VMQ_INDIRECT_MAX	(1 + VMQ_TSO_MAX_SEGS)

/** Per-queue counters, read by the stats code. */
struct vmq_stats {
	uint64_t packets;	/**< packets received or sent */
	uint64_t bytes;		/**< their bytes, without virtio-net header */
	uint64_t errors;	/**< device errors: ring rules broken (each
				 * stops the queue until it is reset) */
	uint64_t length_errors;	/**< Rx: frames dropped, empty or longer
				 * than the largest frame */
	uint64_t nombuf;	/**< Rx: refills that found the mempool empty */
	uint64_t dropped;	/**< Tx: packets the driver cannot send */
	uint64_t full;		/**< Tx: bursts cut short by a full ring */
	uint64_t kicks;		/**< notifications written to the device */
	uint64_t map_refused;	/**< buffers handed back: map ops refused */
	uint64_t filtered;	/**< Rx: frames the port's filter freed (not
				 * in packets) */
};

/** Queue configuration, given to vmq_create(). */
struct vmq_conf {
	bool is_tx;			/**< Tx (device reads) or Rx */
	uint16_t size;			/**< ring size, a power of two */
	uint16_t vq_index;		/**< virtqueue index on the device */
	uint16_t port_id;		/**< written into received mbufs */
	int socket_id;			/**< NUMA socket of the ring memory */
	struct rte_vmap_dev *map;		/**< map ops token */
	struct rte_mempool *mp;		/**< Rx buffers (Rx only) */
	/** Longest frame (without virtio-net header): Tx accepts, Rx
	 * delivers; 0 means VMQ_MAX_FRAME. */
	uint32_t max_frame;
	/** Options the queue must be able to run with (memory for indirect
	 * tables is allocated when VMQ_OPT_INDIRECT is here). */
	uint32_t opts_possible;
	/** Tx: most segments of one packet (memory for per-segment state
	 * and indirect tables grows with it); 0 means VMQ_TX_MAX_SEGS, at
	 * most VMQ_TSO_MAX_SEGS, which also sizes bounce slots for mbuf
	 * segments (VMQ_TSO_SEG_ROOM) rather than for whole frames. */
	uint16_t max_segs;
	/** Map and unmap one buffer per call of the ops, as a per-page
	 * API would, instead of whole bursts (benchmark comparison, devarg
	 * map_batch=0; ops kinds only). */
	bool map_one;
	/** Eventfd the device signals, kept by the caller across queue
	 * re-creations (an application's epoll set holds it); any fd, 0
	 * included (a daemon with stdin closed), when use_call_fd is set. */
	int call_fd;
	/** call_fd is the caller's; false: the queue makes its own. */
	bool use_call_fd;
};

/**
 * Driver-private state of one buffer id, written when the buffer is
 * posted (Linux's desc_extra). Completion and drain read this, and from
 * device memory only the used entry's id and length: never a link, flag,
 * length or address read back from a descriptor. Split rings index it by
 * descriptor (a chain's head is its id); packed rings by buffer id.
 */
struct vmq_extra {
	struct rte_mbuf *m;	/**< packet or Rx buffer; NULL: not in flight */
	uint16_t ndesc;		/**< ring descriptors the buffer holds */
	uint16_t nseg;		/**< mapped segments kept in vmq.segs */
	uint16_t next;		/**< split, not in order: next descriptor of
				 * the chain (our copy of desc.next) */
};

/** A device address the driver handed out (ops kinds), kept to unmap. */
struct vmq_seg {
	rte_iova_t dev_addr;	/**< what went into the descriptor */
	uint32_t len;		/**< bytes mapped */
};

/** Split ring state (virtio 1.2, 2.7). */
struct vmq_split {
	struct vmq_desc *desc;		/**< descriptor table */
	struct vmq_avail *avail;	/**< driver area */
	struct vmq_used *used;		/**< device area */
	uint16_t next_id;		/**< in order: oldest descriptor in
					 * flight, the next to complete */
};

/** Packed ring state (virtio 1.2, 2.8). */
struct vmq_packed {
	struct vmq_pdesc *desc;			/**< descriptor ring */
	struct vmq_pevent *driver_event;	/**< driver area */
	struct vmq_pevent *device_event;	/**< device area */
	bool avail_wrap;		/**< driver ring wrap counter */
	bool used_wrap;			/**< device ring wrap counter */
	uint16_t nb_free_ids;		/**< not in order: ids on free_ids (a
					 * chain takes several descriptors
					 * and one id) */
};

/**
 * One virtqueue. Rx and Tx calls on a queue must be serialised by the
 * caller; control calls (reset, drain, free) only while no burst runs.
 */
struct vmq {
	/* hot, both layouts */
	uint16_t size;			/**< ring size */
	uint16_t mask;			/**< size - 1 */
	uint16_t avail_idx;		/**< split: next avail index (private
					 * copy); packed: next slot to fill */
	uint16_t used_cons;		/**< split: used entries consumed;
					 * packed: next slot to check */
	uint16_t nb_free;		/**< free descriptors */
	uint16_t hdr_size;		/**< virtio-net header bytes */
	uint16_t kick_old;		/**< avail index at the last
					 * notification decision */
	bool broken;			/**< device misbehaved: queue stopped */
	bool enabled;			/**< bursts may run */
	bool busy;			/**< a burst is running (see
					 * vmq_enable()) */
	bool gate_asym;			/**< the control path fences for the
					 * bursts (membarrier), see
					 * vmq_burst.c */
	bool is_packed;			/**< opts & VMQ_OPT_PACKED */
	bool tx_csum;			/**< Tx: checksum offloads enabled
					 * (IPv4 header in software, L4 by
					 * the device: NEEDS_CSUM) */
	bool rx_csum;			/**< Rx: report the device's checksum
					 * flags in ol_flags */
	bool tx_tso;			/**< Tx: TCP_SEG packets go out whole
					 * with GSO fields (needs tx_csum) */
	bool rx_lro;			/**< Rx: report GSO frames as LRO
					 * (needs rx_csum) */
	bool tx_vlan;			/**< Tx: insert the tag of TX_VLAN
					 * packets in software */
	bool rx_vlan_strip;		/**< Rx: strip VLAN tags in software
					 * (after the filter) */
	uint16_t max_segs;		/**< Tx: most segments of a packet */
	bool map_one;			/**< ops: one buffer per map call */
	bool intr_on;			/**< Rx: the application wants the
					 * device to signal call_fd (see
					 * vmq_intr()) */
	uint32_t opts;			/**< VMQ_OPT_* in effect */
	/** Rx: the port's filter while one is set, else NULL (see
	 * vmq_filter.h) */
	const struct vmq_filter *filter;
	enum rte_vmap_kind kind;		/**< how addresses are computed */
	struct vmq_extra *extra;	/**< per id, see struct vmq_extra */
	struct vmq_seg *segs;		/**< ops kinds: Tx max_segs, Rx 1
					 * per id, see vmq_seg_at() */
	uint16_t *free_ids;		/**< stack of free ids (split:
					 * descriptors), not in order */
	union {
		struct vmq_split split;	/**< when !is_packed */
		struct vmq_packed packed; /**< when is_packed */
	};
	/* mergeable Rx: a packet whose buffers have not all arrived */
	struct rte_mbuf *mrg_head;	/**< its first mbuf, or NULL */
	struct rte_mbuf *mrg_tail;	/**< its last mbuf */
	uint16_t mrg_left;		/**< buffers still to come */
	bool mrg_drop;			/**< too long: drop what is left */
	uint32_t rx_room;		/**< Rx: bytes the device may write
					 * into one buffer, header included */
	uint32_t max_frame;		/**< longest frame, no header */
	struct vmq_net_hdr *hdrs;	/**< Tx: header slot per id */
	rte_iova_t hdrs_iova;		/**< device address of hdrs */
	void *indir;			/**< Tx: indirect tables,
					 * 1 + max_segs entries per id */
	rte_iova_t indir_iova;		/**< device address of indir */
	struct rte_vmap_dev *map;		/**< map ops device token */
	struct rte_vmap_queue mq;		/**< map ops queue token */
	/** map=vduse (no debug layer, batched): the domain's registered
	 * memory, whose buffers vmq_map.h maps inline, and the counts of
	 * them in flight that it keeps for the kind; else NULL */
	const struct vmap_umem *umem;
	uint32_t *umem_live;
	struct rte_mempool *mp;		/**< Rx buffers */
	int kick_fd;			/**< eventfd the device waits on (the
					 * primary's; see vmq_proc.h) */
	uint32_t gen;			/**< which queue this is: a new number
					 * at every vmq_create() */
	bool kick_owed;			/**< a secondary skipped a kick (no
					 * eventfd yet): the next burst makes
					 * it (see vmq_proc.h) */
	int call_fd;			/**< eventfd the device signals */
	bool own_call_fd;		/**< call_fd is the queue's to close */
	uint16_t port_id;		/**< for received mbufs */
	uint16_t vq_index;		/**< virtqueue index */
	bool is_tx;			/**< direction */
	struct vmq_stats stats;		/**< counters */

	/* cold: memory to free */
	void *ring_mem;			/**< desc + driver + device areas */
	rte_iova_t ring_iova;		/**< device address of ring_mem */
	size_t ring_len;		/**< bytes of ring_mem */
	size_t hdrs_len;		/**< bytes of hdrs */
	size_t indir_len;		/**< bytes of indir */
	size_t drv_off;			/**< offset of the driver area */
	size_t dev_off;			/**< offset of the device area */
};

/**
 * Create a queue: the map ops' queue token (sized for the longest buffer
 * the queue maps: an Rx mbuf's room, or a Tx frame, plus the virtio-net
 * header), ring memory from the map ops' coherent allocator, eventfds,
 * private per-id state. The ring starts empty (see vmq_reset()).
 *
 * @param conf
 *   What the queue is; copied.
 * @return
 *   The queue, or NULL with rte_errno set: EINVAL for a bad size or an Rx
 *   queue without mempool, ENOMEM, ENOSPC when the map kind has no room
 *   for the queue (or for a Tx queue's VMQ_TX_MAX_SEGS mappings at once,
 *   mq.max_live), or the eventfd errno.
 */
struct vmq *vmq_create(const struct vmq_conf *conf);

/**
 * Drain and free a queue.
 *
 * @param q
 *   The queue; NULL is ignored.
 */
void vmq_free(struct vmq *q);

/**
 * Put the ring back to its initial state for its layout: every descriptor
 * free, indexes zero (packed: wrap counters 1), not broken, counters kept.
 * Must be drained first.
 *
 * @param q
 *   The queue, disabled.
 */
void vmq_reset(struct vmq *q);

/**
 * Choose layout and options (VMQ_OPT_*) for the next time the device gets
 * the ring: drains and resets it. Only while the queue is disabled.
 *
 * @param q
 *   The queue.
 * @param opts
 *   VMQ_OPT_* bits.
 * @return
 *   0, or -ENOTSUP for an option the queue was not created for
 *   (VMQ_OPT_INDIRECT without it in vmq_conf.opts_possible).
 */
int vmq_set_opts(struct vmq *q, uint32_t opts);

/** How long vmq_enable() waits for a running burst to leave the queue. */
#define VMQ_QUIESCE_TIMEOUT_MS	100

/**
 * Let bursts run (after the device got the ring) or stop them (before it
 * is taken back). A disabled queue's bursts return 0. Disabling waits
 * until a burst running on another thread has left the queue, so the
 * caller may then drain and reset it while the application keeps calling
 * the burst functions (a backend that went away); control path only.
 *
 * @param q
 *   The queue.
 * @param on
 *   True to enable.
 * @return
 *   0, or -ETIMEDOUT when a burst did not leave the queue within
 *   VMQ_QUIESCE_TIMEOUT_MS (it still runs: do not touch the queue).
 */
int vmq_enable(struct vmq *q, bool on);

/**
 * Wait until no burst that may have started before this call runs on q:
 * a burst entering after it sees every store the caller made before it
 * (the same gate as vmq_enable()). Control path only.
 *
 * @return 0, or -ETIMEDOUT when a burst did not leave the queue within
 *   VMQ_QUIESCE_TIMEOUT_MS
 */
int vmq_quiesce(struct vmq *q);

/**
 * Rx interrupts: ask the device to signal call_fd when it adds used
 * entries (on), or not (off, the default: the driver polls). When turned
 * on while entries are already waiting, the driver signals call_fd itself,
 * so a thread about to sleep on it wakes. Control path; the queue's bursts
 * keep the setting (with event index they move used_event to match).
 *
 * @param q   an Rx queue
 * @param on  true to be signalled
 */
void vmq_intr(struct vmq *q, bool on);

/**
 * Write the ring's interrupt suppression from q->intr_on: the device
 * must not signal us (we poll, 2.7.7, 2.7.10, 2.8.10) unless the
 * application asked for Rx interrupts. For vmq_reset() and vmq_intr().
 */
void vmq_intr_flags(struct vmq *q);

/**
 * Set the longest frame (without virtio-net header) the queue sends or
 * delivers, for an MTU change. Only while no burst runs.
 *
 * @param q
 *   The queue.
 * @param max_frame
 *   Bytes; clamped to VMQ_MAX_FRAME (Tx) or VMQ_GSO_MAX_FRAME (Rx, for
 *   LRO), and for Tx to what the queue's map kind maps in one piece.
 */
void vmq_set_max_frame(struct vmq *q, uint32_t max_frame);

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

/** One area of driver memory the device must reach. */
struct vmq_area {
	rte_iova_t iova;	/**< device address */
	void *addr;		/**< process virtual address */
	size_t len;		/**< bytes */
	bool dev_writes;	/**< the device writes it (else reads only) */
	bool ring;		/**< one of the three ring areas */
};

/** Most areas vmq_areas() reports. */
#define VMQ_AREAS_MAX	5

/**
 * The queue's own memory the device must reach, with the least access it
 * needs for the current layout (virtio 1.2, 2.7 and 2.8): split
 * descriptor table and driver area read-only, device area read-write;
 * packed descriptor ring and device area read-write, driver area
 * read-only; Tx header slots and indirect tables read-only.
 *
 * @param q
 *   The queue.
 * @param a
 *   Filled with up to VMQ_AREAS_MAX areas.
 * @return
 *   The number of areas written.
 */
unsigned int vmq_areas(const struct vmq *q, struct vmq_area *a);

/**
 * Return every buffer the ring still holds (Rx buffers posted, Tx packets
 * in flight, a mergeable packet half received) to its mempool, unmapping
 * them from the driver's private state, and reset the ring. Reads nothing
 * the device can write. Call only when the device no longer touches the
 * ring.
 *
 * @param q
 *   The queue.
 * @return
 *   The number of packets or buffers freed.
 */
unsigned int vmq_drain(struct vmq *q);

/**
 * Post Rx buffers until the ring is full or the mempool is empty, and
 * notify the device if it asks for it.
 *
 * @param q
 *   An Rx queue.
 * @return
 *   The number of buffers posted.
 */
uint16_t vmq_rx_refill(struct vmq *q);

/** Burst function type (matches eth_rx_burst_t / eth_tx_burst_t). */
typedef uint16_t (*vmq_burst_t)(void *q, struct rte_mbuf **pkts, uint16_t n);

/** Instruction sets of the burst functions (vmq_vec.h). */
enum vmq_simd {
	VMQ_SIMD_SCALAR,	/**< one descriptor at a time */
	VMQ_SIMD_AVX2,		/**< groups of four, AVX2 */
	VMQ_SIMD_AVX512,	/**< groups of four, AVX-512 F/BW/VL */
};

/**
 * The widest instruction set this build has, the CPU runs and EAL's
 * maximum SIMD width (rte_vect_get_max_simd_bitwidth(), set with
 * --force-max-simd-bitwidth) allows.
 */
enum vmq_simd vmq_simd_best(void);

/**
 * Can simd run here (built in, and the CPU has it)? EAL's SIMD width is
 * not consulted: tests ask for each path this way.
 */
bool vmq_simd_runs(enum vmq_simd simd);

/** "scalar", "AVX2" or "AVX-512". */
const char *vmq_simd_name(enum vmq_simd simd);

/**
 * The Rx burst function for a map kind and an instruction set that runs
 * here (vmq_simd_runs(); otherwise the scalar one): checks that the queue
 * is enabled and runs its layout's burst.
 */
vmq_burst_t vmq_rx_burst_fn(enum rte_vmap_kind kind, enum vmq_simd simd);
/** The Tx burst function for a map kind (see vmq_rx_burst_fn()). */
vmq_burst_t vmq_tx_burst_fn(enum rte_vmap_kind kind, enum vmq_simd simd);

/**
 * The instruction set of a burst function vmq_rx_burst_fn() or
 * vmq_tx_burst_fn() gave (burst_mode_get), VMQ_SIMD_SCALAR for any other.
 */
enum vmq_simd vmq_burst_simd(vmq_burst_t fn);
/**
 * A burst that moves nothing and returns 0: the port's Rx and Tx while it
 * is not started, and in a secondary process where its map kind cannot
 * run. Touches neither q nor pkts.
 */
uint16_t vmq_burst_none(void *q, struct rte_mbuf **pkts, uint16_t n);

/**
 * Check a Tx packet against what the queue can send: length (max_frame,
 * or VMQ_GSO_MAX_FRAME for a TCP_SEG packet on a TSO queue), segments
 * (max_segs, the ring, and the mappings the map kind can hold at once,
 * mq.max_live), and for TSO the header lengths, tso_segsz and IP version
 * flag, and that each segment fits one mapping.
 *
 * @return
 *   0, -EINVAL (too long, empty, or TSO fields missing), -ENOTSUP (too
 *   many segments for the queue or its map kind's slots, or a TSO segment
 *   larger than the map kind maps).
 */
int vmq_tx_check(const struct vmq *q, const struct rte_mbuf *m);

#endif /* _VMQ_H_ */
