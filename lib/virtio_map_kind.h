/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The virtio_map authors
 */

/**
 * @file
 * Map kinds of the net_virtio_map PMD: the types a map kind is made of.
 *
 * @warning
 * @b EXPERIMENTAL: this API may change without prior notice.
 *
 * A map kind decides which address the device sees for each buffer the
 * driver puts in a descriptor, after Linux's struct virtio_map_ops: every
 * streaming call takes a whole burst (arrays in, arrays out). A kind is a
 * struct rte_vmap_ops, registered under a name with
 * rte_pmd_virtio_map_ops_register() (rte_pmd_virtio_map.h) and chosen
 * per port with the devarg map=NAME. Built-in kinds: "va" (device address
 * = process virtual address), "pa" (= EAL IOVA) and "vduse" (a private
 * IOVA domain with bounce buffers).
 *
 * Tokens. Each port has one struct rte_vmap_dev, each virtqueue one
 * struct rte_vmap_queue; the driver owns them and passes them to every
 * op. Their priv members belong to the kind.
 *
 * Lifetime. A registered table must stay valid, unchanged, until every
 * port that uses it is closed, even after
 * rte_pmd_virtio_map_ops_unregister() (which only stops new ports from
 * finding it). The driver keeps a pointer to the table, never a copy.
 *
 * Order of calls, and the thread each comes from:
 * - attach: when the port is probed (rte_eal_init() for --vdev ports,
 *   rte_vdev_init() otherwise), on that caller's thread.
 * - queue_setup, then alloc_coherent (rings, header slots, indirect
 *   tables): in rte_eth_rx/tx_queue_setup(), on the caller's thread.
 * - regions, queue_window: each time the link is brought up: in
 *   rte_eth_dev_start() (the caller's thread) or, on a reconnect, from
 *   EAL's interrupt thread or an EAL alarm; and on EAL memory events with
 *   locked = true (the thread that allocates memory, which holds EAL's
 *   memory lock: use the _thread_unsafe memseg walks then). queue_window
 *   has no locked argument: it must never call EAL memory functions.
 *   Neither may block. For a kind with attach_secondary, regions is also
 *   called on EAL's multi-process thread (locked = false) when a
 *   secondary process attaches the port, concurrently with the calls
 *   above.
 * - attach_secondary, detach_secondary: in a secondary process, when it
 *   attaches the port (rte_eal_init(), or a hot-plug in the primary) and
 *   when the port is closed or removed there.
 * - map, unmap: in rte_eth_rx_burst()/rte_eth_tx_burst() of the queue, on
 *   the lcore that polls it; and, while the queue's data path is held
 *   off, on whichever thread brings the link up or down: the Rx refill
 *   and ring drain in rte_eth_dev_start()/rte_eth_dev_stop(), on the
 *   interrupt thread or an alarm when the backend goes or comes back, or
 *   in an rte_eth_link_get() that notices a lost backend. One thread at a
 *   time per queue, but not always the polling lcore: keep per-queue
 *   state in rte_vmap_queue.priv, not per lcore.
 * - queue_live: each time the rings are drained (stop, backend lost),
 *   after every buffer was unmapped.
 * - free_coherent, queue_release: in queue release or rte_eth_dev_close().
 * - detach: in rte_eth_dev_close() or when the vdev is removed.
 *
 * Ops this driver never calls: sync_for_cpu, sync_for_device,
 * mapping_error, need_sync and max_mapping_size. Unmap makes device writes
 * visible (sync_len), map makes CPU writes visible, and a kind refuses a
 * buffer by mapping fewer than asked; the limit per buffer is
 * rte_vmap_queue.max_seg, set by queue_setup. They are part of the table
 * for kinds that wrap other kinds, and may be NULL.
 */

#ifndef _VIRTIO_MAP_KIND_H_
#define _VIRTIO_MAP_KIND_H_

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <rte_common.h>
#include <rte_memory.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Longest map kind name, including the terminating NUL. */
#define RTE_VMAP_NAME_MAX 32

/** Direction of a streaming mapping, as seen from the device. */
enum rte_vmap_dir {
	RTE_VMAP_TO_DEVICE = 0,	/**< device reads (Tx) */
	RTE_VMAP_FROM_DEVICE,	/**< device writes (Rx) */
	RTE_VMAP_BIDIRECTIONAL,	/**< both */
};

/** How the driver's hot path computes device addresses for a device. */
enum rte_vmap_kind {
	RTE_VMAP_KIND_VA = 0,	/**< inline: address = virtual address */
	RTE_VMAP_KIND_PA,	/**< inline: address = EAL IOVA */
	RTE_VMAP_KIND_OPS,	/**< through the ops table, per burst */
};

/**
 * One buffer of a burst. Each field has one meaning in every op: map reads
 * addr, iova and len and writes dev_addr; unmap reads dev_addr and len as
 * they were at map time, and, for buffers the device wrote, addr and
 * sync_len.
 */
struct rte_vmap_seg {
	/**
	 * Process virtual address of the buffer. NULL in unmap of
	 * RTE_VMAP_TO_DEVICE buffers: the driver does not keep it for Tx.
	 */
	void *addr;
	/** EAL IOVA of addr; read by map only. */
	rte_iova_t iova;
	/** Device address: written by map, read by unmap and the syncs. */
	rte_iova_t dev_addr;
	/** Bytes of the buffer as mapped (the same in map, unmap and syncs). */
	uint32_t len;
	/**
	 * Unmap and sync_for_cpu of a buffer the device wrote
	 * (RTE_VMAP_FROM_DEVICE, RTE_VMAP_BIDIRECTIONAL): bytes it wrote
	 * from the start, at most len, to make visible at addr. Ignored
	 * otherwise.
	 */
	uint32_t sync_len;
};

/**
 * One memory region the device must be able to reach, as a transport
 * describes it to the device (a vhost-user memory-table entry).
 */
struct rte_vmap_region {
	uint64_t dev_addr;	/**< first device address of the region */
	void *addr;		/**< process virtual address of dev_addr */
	uint64_t size;		/**< bytes */
	int fd;			/**< file that backs the region (not owned) */
	uint64_t fd_offset;	/**< offset of addr in fd */
};

struct rte_vmap_dev;

/** Per-queue counters a map kind keeps (shown as the port's xstats). */
struct rte_vmap_qstats {
	uint64_t bounced_to_dev;	/**< bytes copied for the device */
	uint64_t bounced_from_dev;	/**< bytes copied back from it */
	uint64_t exhausted;		/**< bursts cut short: no slot left */
	uint64_t map_errors;		/**< buffers the kind refused */
};

/**
 * Per-queue token: streaming ops get it, so a kind can keep per-queue
 * state (slot pools) that needs no lock. One queue is used by one thread
 * at a time.
 */
struct rte_vmap_queue {
	struct rte_vmap_dev *dev;	/**< the device */
	uint16_t qid;			/**< virtqueue index */
	enum rte_vmap_dir dir;		/**< direction of the queue's buffers */
	/**
	 * Longest single mapping the kind can make for this queue; 0 when
	 * unlimited. Set by queue_setup; the driver refuses an MTU whose
	 * frames would not fit.
	 */
	uint32_t max_seg;
	/**
	 * Most mappings the kind can hold live at once for this queue (the
	 * slots of a bounce pool); 0 when unlimited. Set by queue_setup; the
	 * driver refuses a Tx packet of more segments (tx_prepare ENOTSUP,
	 * the burst drops and counts it), and a Tx queue with fewer than 16.
	 */
	uint32_t max_live;
	void *priv;			/**< the kind's per-queue state */
	struct rte_vmap_qstats stats;	/**< counters */
};

/** Per-device parameters of a kind (from devargs). */
struct rte_vmap_params {
	size_t bounce_size;	/**< devarg bounce_size; 0: the kind's default */
	bool debug;		/**< devarg map_debug: the checking layer */
};

/**
 * rte_vmap_ops.flags: the kind works in secondary processes. Its state
 * (d->priv, q->priv and what they point to) lies in memory every process
 * maps at the same address (rte_malloc(), memzones, or files of its own
 * that attach_secondary maps at the primary's addresses) and holds no
 * file descriptor or function pointer of one process; its streaming ops
 * may then run in a secondary process on queues the primary set up.
 * Each process registers the kind under the same name before it probes
 * the port. Without the flag the port refuses bursts in secondaries.
 */
#define RTE_VMAP_F_MULTI_PROCESS	(1u << 0)

/**
 * A map kind. Members marked optional may be NULL. Streaming members
 * (map, unmap, sync_*) run in the data path of one queue at a time and
 * must not block, allocate or take locks; the others are control path.
 * See the file comment for when each is called, and from which thread.
 */
struct rte_vmap_ops {
	/** Kind name, used in devargs (map=NAME); no ',' or '='. */
	const char *name;
	/** Hot-path kind; registered tables use RTE_VMAP_KIND_OPS. */
	enum rte_vmap_kind kind;
	/** RTE_VMAP_F_* */
	uint32_t flags;
	/**
	 * Optional. Attach the kind to a device: check that it can work in
	 * this process and set d->priv. 0, or a negative errno with the
	 * reason logged (for example -ENOTSUP when EAL's IOVA mode does not
	 * fit); the port then fails to probe.
	 */
	int (*attach)(struct rte_vmap_dev *d);
	/** Optional. Undo attach. */
	void (*detach)(struct rte_vmap_dev *d);
	/**
	 * Optional. Set up per-queue state: nb_desc is the ring's descriptor
	 * count and buf_len the longest buffer the queue maps as configured
	 * (Rx: the mbuf room; Tx: the longest frame or TSO segment, with
	 * header). Set q->priv and, if the kind cannot map any length,
	 * q->max_seg: the driver then keeps every Tx buffer within it and
	 * refuses an MTU whose frames would not fit. Without max_seg, Tx
	 * buffers may be longer than buf_len (a TSO frame of up to 64 KB in
	 * one mbuf, an MTU raised later). Live mappings may outnumber
	 * nb_desc: a Tx packet behind one indirect descriptor maps each of
	 * its segments (up to 16, 64 with TSO). A kind out of space maps
	 * fewer than asked (see map); a kind that can never hold more than
	 * a fixed number live sets q->max_live, so that a packet of more
	 * segments is refused instead of handed back forever. 0 or a
	 * negative errno (-ENOSPC when the kind's space cannot hold the
	 * queue), logged.
	 */
	int (*queue_setup)(struct rte_vmap_queue *q, uint16_t nb_desc,
			   uint32_t buf_len);
	/** Optional. Free per-queue state. */
	void (*queue_release)(struct rte_vmap_queue *q);
	/**
	 * Optional. Mappings of the queue still live; called when the queue
	 * is idle (after the driver unmapped everything), so any is a leak.
	 */
	unsigned int (*queue_live)(struct rte_vmap_queue *q);
	/**
	 * Map a burst: for i in [0, n), read segs[i].addr, .iova (EAL IOVA)
	 * and .len, and write segs[i].dev_addr. sync_len is not read.
	 * Returns how many leading segments were mapped. The driver then
	 * sends the Tx packets whose segments all mapped and hands the rest
	 * back to the application, or posts fewer Rx buffers; both are
	 * counted in the xstat rx/tx_qN_map_refused.
	 */
	uint16_t (*map)(struct rte_vmap_queue *q, struct rte_vmap_seg *segs,
			uint16_t n, enum rte_vmap_dir dir);
	/**
	 * Optional. Unmap a burst the device is done with. Each segment
	 * names a mapping by dev_addr, with len as passed to map (iova is
	 * not read). For RTE_VMAP_FROM_DEVICE and RTE_VMAP_BIDIRECTIONAL,
	 * the first segs[i].sync_len bytes (at most len) are made visible at
	 * segs[i].addr (as passed to map) first; for RTE_VMAP_TO_DEVICE addr
	 * is NULL and sync_len is 0.
	 */
	void (*unmap)(struct rte_vmap_queue *q, const struct rte_vmap_seg *segs,
		      uint16_t n, enum rte_vmap_dir dir);
	/**
	 * Optional; not called by this driver. Make device writes visible to
	 * the CPU: for RTE_VMAP_FROM_DEVICE and RTE_VMAP_BIDIRECTIONAL the
	 * first segs[i].sync_len bytes (at most len) of the live mapping at
	 * segs[i].dev_addr, at segs[i].addr. The mapping stays live.
	 */
	void (*sync_for_cpu)(struct rte_vmap_queue *q,
			     const struct rte_vmap_seg *segs, uint16_t n,
			     enum rte_vmap_dir dir);
	/**
	 * Optional; not called by this driver. Make CPU writes visible to
	 * the device: for RTE_VMAP_TO_DEVICE and RTE_VMAP_BIDIRECTIONAL the
	 * segs[i].len bytes at segs[i].addr, to the live mapping at
	 * segs[i].dev_addr. sync_len is ignored.
	 */
	void (*sync_for_device)(struct rte_vmap_queue *q,
				const struct rte_vmap_seg *segs, uint16_t n,
				enum rte_vmap_dir dir);
	/**
	 * Optional; not called by this driver. Check one device address the
	 * kind handed out (Linux's mapping_error): 0 if dev_addr is a live
	 * mapping of queue q, else a negative errno (-EFAULT).
	 */
	int (*mapping_error)(struct rte_vmap_queue *q, rte_iova_t dev_addr);
	/** Optional; not called by this driver. True if syncs do anything. */
	bool (*need_sync)(struct rte_vmap_dev *d);
	/**
	 * Allocate size bytes of memory that CPU and device share without
	 * syncs (rings, headers), aligned to align (a power of two), and
	 * write its device address. NULL with rte_errno set on failure.
	 */
	void *(*alloc_coherent)(struct rte_vmap_dev *d, size_t size,
				size_t align, rte_iova_t *dev_addr);
	/** Free what alloc_coherent returned. */
	void (*free_coherent)(struct rte_vmap_dev *d, void *addr, size_t size);
	/**
	 * Describe the memory the device must reach, in at most max regions.
	 * Returns the region count (may exceed max: then only max were
	 * written and the driver reports the shortfall), or a negative errno.
	 * locked is true when called with EAL's memory lock held (from a
	 * memory event): do not call EAL memory functions that take it.
	 */
	int (*regions)(struct rte_vmap_dev *d, struct rte_vmap_region *r,
		       unsigned int max, bool locked);
	/**
	 * Optional; not called by this driver (see rte_vmap_queue.max_seg).
	 * Largest single mapping in bytes.
	 */
	size_t (*max_mapping_size)(struct rte_vmap_dev *d);
	/**
	 * Optional. The one device-address window every streaming mapping
	 * of queue q falls in (kinds with per-queue bounce pools), as a
	 * region: dev_addr, addr and size (fd unused). Lets a transport with
	 * an IOTLB grant the device that window alone, with the queue's
	 * direction. NULL: mappings can fall anywhere in the kind's regions.
	 * 0 or a negative errno.
	 */
	int (*queue_window)(struct rte_vmap_queue *q, struct rte_vmap_region *w);
	/**
	 * Optional; only for kinds with RTE_VMAP_F_MULTI_PROCESS whose
	 * memory is not EAL's (a private domain in files of its own). Called
	 * in a secondary process when it attaches the port, with the regions
	 * the primary's regions op gives (fd: this process's copy of each
	 * file, sent by the primary): map them at the same addresses
	 * (r[i].addr) so that what the primary's state points to is valid
	 * here. The driver closes the fds after the call: keep mappings, not
	 * fds. 0, or a negative errno (logged): the port's bursts are then
	 * refused in this process.
	 */
	int (*attach_secondary)(struct rte_vmap_dev *d,
				const struct rte_vmap_region *r, unsigned int n);
	/**
	 * Optional. Undo attach_secondary in this secondary process (the
	 * port is removed here); the primary's state stays as it is.
	 */
	void (*detach_secondary)(struct rte_vmap_dev *d);
};

/**
 * Per-device token: what every op receives. It lies in memory every
 * process of the application shares (the port's dev_private), so it
 * holds no pointer into one process: the kind is named, and each process
 * finds its own ops table through the token's slot (vmap_dev_ops()).
 */
struct rte_vmap_dev {
	/** The kind's entry in each process's table of kinds (0: none) */
	uint16_t slot;
	enum rte_vmap_kind kind;	/**< ops->kind, for the hot path */
	char kind_name[RTE_VMAP_NAME_MAX];	/**< ops->name */
	int socket_id;			/**< NUMA socket for allocations */
	char name[64];			/**< device name, for messages */
	struct rte_vmap_params params;	/**< what the user asked for */
	void *priv;			/**< the kind's own state */
};

#ifdef __cplusplus
}
#endif

#endif /* _VIRTIO_MAP_KIND_H_ */
