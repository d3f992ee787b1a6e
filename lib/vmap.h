/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The virtio_map authors
 */

/**
 * @file
 * Map operations: how the virtio_map driver turns its buffers into the
 * addresses a device sees.
 *
 * Modeled on Linux's struct virtio_map_ops, but every streaming call works
 * on a whole burst (arrays in, arrays out). A device owns one struct vmap_dev,
 * the token every op receives. The library has no ethdev dependency: it knows
 * EAL memory and mbufs, nothing about ports or rings.
 *
 * Built-in kinds: "va" (device address = process virtual address) and "pa"
 * (device address = EAL IOVA, EAL in IOVA-as-PA mode). For the built-in kinds
 * the driver's hot path computes addresses inline (see vmap_kind); the ops
 * table is called per burst for registered kinds.
 */

#ifndef _VMAP_H_
#define _VMAP_H_

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <rte_common.h>
#include <rte_memory.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Longest map kind name, including the terminating NUL. */
#define VMAP_NAME_MAX 32

/** Direction of a streaming mapping, as seen from the device. */
enum vmap_dir {
	VMAP_TO_DEVICE = 0,	/**< device reads (Tx) */
	VMAP_FROM_DEVICE,	/**< device writes (Rx) */
	VMAP_BIDIRECTIONAL,	/**< both */
};

/** How the hot path computes device addresses for a device. */
enum vmap_kind {
	VMAP_KIND_VA = 0,	/**< inline: address = virtual address */
	VMAP_KIND_PA,		/**< inline: address = EAL IOVA */
	VMAP_KIND_OPS,		/**< through the ops table, per burst */
};

/**
 * One buffer of a burst. Each field has one meaning in every op: map reads
 * addr, iova and len and writes dev_addr; unmap and the syncs read addr,
 * dev_addr and len as they were at map time, plus sync_len where the
 * device wrote.
 */
struct vmap_seg {
	/** Process virtual address of the buffer. */
	void *addr;
	/** EAL IOVA of addr; read by map only. */
	rte_iova_t iova;
	/** Device address: written by map, read by unmap and the syncs. */
	rte_iova_t dev_addr;
	/** Bytes of the buffer as mapped (the same in map, unmap and syncs). */
	uint32_t len;
	/**
	 * Unmap and sync_for_cpu of a buffer the device wrote
	 * (VMAP_FROM_DEVICE, VMAP_BIDIRECTIONAL): bytes it wrote from the
	 * start, at most len, made visible at addr. Ignored otherwise.
	 */
	uint32_t sync_len;
};

/**
 * One memory region the device must be able to reach, as a transport
 * describes it to the device (a vhost-user memory-table entry).
 */
struct vmap_region {
	uint64_t dev_addr;	/**< first device address of the region */
	void *addr;		/**< process virtual address of dev_addr */
	uint64_t size;		/**< bytes */
	int fd;			/**< file that backs the region (not owned) */
	uint64_t fd_offset;	/**< offset of addr in fd */
};

struct vmap_dev;

/** Per-queue counters a map kind keeps (shown as xstats). */
struct vmap_qstats {
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
struct vmap_queue {
	struct vmap_dev *dev;		/**< the device */
	uint16_t qid;			/**< virtqueue index */
	enum vmap_dir dir;		/**< direction of the queue's buffers */
	/** Longest single mapping the kind can make for this queue; 0 when
	 * unlimited. Set by queue_setup. */
	uint32_t max_seg;
	void *priv;			/**< the kind's per-queue state */
	struct vmap_qstats stats;	/**< counters */
};

/** Per-device parameters of a kind (from devargs). */
struct vmap_params {
	size_t bounce_size;		/**< bounce region bytes; 0: default */
	bool debug;			/**< wrap the kind in the checking layer */
};

/** Default bounce region of kinds that bounce: 64 MiB. */
#define VMAP_BOUNCE_SIZE_DEFAULT	(64u << 20)
/** Smallest bounce region: 1 MiB. */
#define VMAP_BOUNCE_SIZE_MIN		(1u << 20)
/** Largest bounce region: 1 GiB. */
#define VMAP_BOUNCE_SIZE_MAX		(1u << 30)

/**
 * A map kind. Members marked optional may be NULL; the vmap_*() wrappers
 * handle that. Streaming members (map, unmap, sync_*) are called from the
 * data path of one queue at a time and must not block, allocate or take
 * locks. The others are control path.
 */
struct vmap_ops {
	/** Kind name, used in devargs (map=NAME). */
	const char *name;
	/** Hot-path kind; registered tables use VMAP_KIND_OPS. */
	enum vmap_kind kind;
	/**
	 * Optional. Attach the kind to a device: check that it can work in
	 * this process and set d->priv. 0, or a negative errno with the reason
	 * logged (for example -ENOTSUP when EAL's IOVA mode does not fit).
	 */
	int (*attach)(struct vmap_dev *d);
	/** Optional. Undo attach. */
	void (*detach)(struct vmap_dev *d);
	/**
	 * Optional. Set up per-queue state for up to nb_desc live mappings
	 * of at most buf_len bytes each; set q->priv. 0 or a negative errno
	 * (-ENOSPC when the kind's space cannot hold the queue), logged.
	 */
	int (*queue_setup)(struct vmap_queue *q, uint16_t nb_desc,
			   uint32_t buf_len);
	/** Optional. Free per-queue state. */
	void (*queue_release)(struct vmap_queue *q);
	/**
	 * Optional. Mappings of the queue still live; called when the queue
	 * is idle (after the driver unmapped everything), so any is a leak.
	 */
	unsigned int (*queue_live)(struct vmap_queue *q);
	/**
	 * Map a burst: for i in [0, n), read segs[i].addr, .iova (EAL IOVA)
	 * and .len, and write segs[i].dev_addr. sync_len is not read.
	 * Returns how many leading segments were mapped; the rest stay
	 * unmapped and the caller hands them back to its own caller.
	 */
	uint16_t (*map)(struct vmap_queue *q, struct vmap_seg *segs,
			uint16_t n, enum vmap_dir dir);
	/**
	 * Optional. Unmap a burst the device is done with. Each segment
	 * names a mapping by dev_addr, with addr and len as passed to map
	 * (iova is not read). For VMAP_FROM_DEVICE and VMAP_BIDIRECTIONAL,
	 * the first segs[i].sync_len bytes (at most len) are made visible at
	 * segs[i].addr first; for VMAP_TO_DEVICE sync_len is ignored.
	 */
	void (*unmap)(struct vmap_queue *q, const struct vmap_seg *segs,
		      uint16_t n, enum vmap_dir dir);
	/**
	 * Optional. Make device writes visible to the CPU: for
	 * VMAP_FROM_DEVICE and VMAP_BIDIRECTIONAL the first segs[i].sync_len
	 * bytes (at most len) of the live mapping at segs[i].dev_addr, at
	 * segs[i].addr. The mapping stays live.
	 */
	void (*sync_for_cpu)(struct vmap_queue *q, const struct vmap_seg *segs,
			     uint16_t n, enum vmap_dir dir);
	/**
	 * Optional. Make CPU writes visible to the device: for
	 * VMAP_TO_DEVICE and VMAP_BIDIRECTIONAL the segs[i].len bytes at
	 * segs[i].addr, to the live mapping at segs[i].dev_addr. sync_len is
	 * ignored.
	 */
	void (*sync_for_device)(struct vmap_queue *q,
				const struct vmap_seg *segs, uint16_t n,
				enum vmap_dir dir);
	/**
	 * Optional. Check one device address the kind handed out (Linux's
	 * mapping_error): 0 if dev_addr is a live mapping of queue q, else a
	 * negative errno (-EFAULT). Bursts report failures through map's
	 * short count; this answers for a single address. NULL means every
	 * address is valid.
	 */
	int (*mapping_error)(struct vmap_queue *q, rte_iova_t dev_addr);
	/** Optional. True if sync calls do anything. NULL means false. */
	bool (*need_sync)(struct vmap_dev *d);
	/**
	 * Allocate size bytes of memory that CPU and device share without
	 * syncs (rings, headers), aligned to align, and its device address.
	 * NULL with rte_errno set on failure.
	 */
	void *(*alloc_coherent)(struct vmap_dev *d, size_t size, size_t align,
				rte_iova_t *dev_addr);
	/** Free what alloc_coherent returned. */
	void (*free_coherent)(struct vmap_dev *d, void *addr, size_t size);
	/**
	 * Describe the memory the device must reach, in at most max regions.
	 * Returns the region count (may exceed max: then only max were
	 * written and the caller reports the shortfall), or a negative errno.
	 * Called with EAL's memory lock held (from a memory event) when
	 * locked is true.
	 */
	int (*regions)(struct vmap_dev *d, struct vmap_region *r,
		       unsigned int max, bool locked);
	/** Optional. Largest single mapping in bytes. NULL means no limit. */
	size_t (*max_mapping_size)(struct vmap_dev *d);
	/**
	 * Optional. The one device-address window every streaming mapping
	 * of queue q falls in (kinds with per-queue bounce pools), as a
	 * region: dev_addr, addr and size (fd unused). Lets a transport with
	 * an IOTLB grant the device that window alone, with the queue's
	 * direction. NULL: mappings can fall anywhere in the kind's regions.
	 */
	int (*queue_window)(struct vmap_queue *q, struct vmap_region *w);
};

/** Per-device token: what every op receives. */
struct vmap_dev {
	const struct vmap_ops *ops;	/**< the kind */
	enum vmap_kind kind;		/**< ops->kind, cached for the hot path */
	int socket_id;			/**< NUMA socket for allocations */
	char name[64];			/**< device name, for messages */
	struct vmap_params params;	/**< what the user asked for */
	void *priv;			/**< the kind's own state */
};

/**
 * Register a map kind under ops->name.
 *
 * @param ops
 *   Table that stays valid until unregistered. Needs name, map,
 *   alloc_coherent, free_coherent and regions.
 * @return
 *   0; -EINVAL if a required member is missing or the name is empty or too
 *   long; -EEXIST if the name is taken; -ENOSPC if the registry is full.
 */
int vmap_register(const struct vmap_ops *ops);

/**
 * Remove a kind registered with vmap_register().
 *
 * @return 0, or -ENOENT if no kind has that name.
 */
int vmap_unregister(const char *name);

/**
 * Find a kind by name (built-in or registered).
 *
 * @return the table, or NULL if none has that name.
 */
const struct vmap_ops *vmap_find(const char *name);

/**
 * Write the registered kind names, separated by '|', into buf.
 *
 * @return buf.
 */
const char *vmap_names(char *buf, size_t len);

/**
 * Attach a kind to a device token.
 *
 * @param d
 *   Token to fill.
 * @param ops
 *   The kind.
 * @param name
 *   Device name, used in messages.
 * @param socket_id
 *   NUMA socket for coherent allocations.
 * @param params
 *   Parameters (bounce size, debug layer); NULL means defaults. With
 *   params->debug the kind is wrapped in the checking layer, and the
 *   device's hot-path kind becomes VMAP_KIND_OPS.
 * @return
 *   0, or the negative errno of ops->attach (or -ENOMEM).
 */
int vmap_dev_attach(struct vmap_dev *d, const struct vmap_ops *ops,
		    const char *name, int socket_id,
		    const struct vmap_params *params);

/** Detach a kind from a device token. Idempotent. */
void vmap_dev_detach(struct vmap_dev *d);

/** The built-in "va" kind. */
extern const struct vmap_ops vmap_va_ops;
/** The built-in "pa" kind. */
extern const struct vmap_ops vmap_pa_ops;
/** The built-in "vduse" kind: a private IOVA domain with bounce buffers. */
extern const struct vmap_ops vmap_vduse_ops;

/**
 * Set up a queue token of device d (calls ops->queue_setup if any).
 *
 * @param d        device
 * @param q        token to fill
 * @param qid      virtqueue index
 * @param dir      VMAP_TO_DEVICE (Tx) or VMAP_FROM_DEVICE (Rx)
 * @param nb_desc  most mappings live at once
 * @param buf_len  longest single buffer
 * @return 0 or the kind's negative errno
 */
int vmap_queue_setup(struct vmap_dev *d, struct vmap_queue *q, uint16_t qid,
		     enum vmap_dir dir, uint16_t nb_desc, uint32_t buf_len);

/** Release a queue token. Idempotent. */
void vmap_queue_release(struct vmap_queue *q);

/**
 * Count (and, with the debug layer, report) mappings of an idle queue
 * that were never unmapped.
 *
 * @return live mappings; 0 for kinds that do not track them
 */
unsigned int vmap_queue_live(struct vmap_queue *q);

/**
 * Misuses the debug layer saw on d (double unmap, unknown IOVA, sync of
 * an unmapped IOVA, unmap or sync with a len other than the mapping's or
 * a sync_len past it, leaks at stop).
 *
 * @return the count; 0 when the debug layer is off
 */
uint64_t vmap_debug_errors(const struct vmap_dev *d);

/**
 * Map a burst through the queue's kind (see vmap_ops.map): reads addr,
 * iova and len of each segment, writes dev_addr.
 *
 * @return the count of leading segments mapped.
 */
static inline uint16_t
vmap_map(struct vmap_queue *q, struct vmap_seg *segs, uint16_t n,
	 enum vmap_dir dir)
{
	return q->dev->ops->map(q, segs, n, dir);
}

/**
 * Unmap a burst by dev_addr and len, making sync_len bytes visible for
 * buffers the device wrote (see vmap_ops.unmap); no-op for kinds without
 * unmap.
 */
static inline void
vmap_unmap(struct vmap_queue *q, const struct vmap_seg *segs, uint16_t n,
	   enum vmap_dir dir)
{
	if (q->dev->ops->unmap != NULL)
		q->dev->ops->unmap(q, segs, n, dir);
}

/**
 * Sync sync_len bytes of each segment for the CPU (see
 * vmap_ops.sync_for_cpu); no-op for kinds that need none.
 */
static inline void
vmap_sync_for_cpu(struct vmap_queue *q, const struct vmap_seg *segs,
		  uint16_t n, enum vmap_dir dir)
{
	if (q->dev->ops->sync_for_cpu != NULL)
		q->dev->ops->sync_for_cpu(q, segs, n, dir);
}

/**
 * Sync len bytes of each segment for the device (see
 * vmap_ops.sync_for_device); no-op for kinds that need none.
 */
static inline void
vmap_sync_for_device(struct vmap_queue *q, const struct vmap_seg *segs,
		     uint16_t n, enum vmap_dir dir)
{
	if (q->dev->ops->sync_for_device != NULL)
		q->dev->ops->sync_for_device(q, segs, n, dir);
}

/** 0 if dev_addr is a live mapping of q, else a negative errno. */
static inline int
vmap_mapping_error(struct vmap_queue *q, rte_iova_t dev_addr)
{
	if (q->dev->ops->mapping_error == NULL)
		return 0;
	return q->dev->ops->mapping_error(q, dev_addr);
}

/** True if d's kind needs sync calls. */
static inline bool
vmap_need_sync(struct vmap_dev *d)
{
	return d->ops->need_sync != NULL && d->ops->need_sync(d);
}

/** Largest single mapping, SIZE_MAX when the kind has no limit. */
static inline size_t
vmap_max_mapping_size(struct vmap_dev *d)
{
	return d->ops->max_mapping_size != NULL ?
		d->ops->max_mapping_size(d) : SIZE_MAX;
}

/**
 * The device-address window of queue q's streaming mappings (see
 * vmap_ops.queue_window).
 *
 * @return 0 with *w filled; -ENOTSUP when the kind has no such window;
 *   -EINVAL when the queue is not set up
 */
int vmap_queue_window(struct vmap_queue *q, struct vmap_region *w);

/**
 * Allocate coherent memory (see vmap_ops.alloc_coherent).
 *
 * @return the address, or NULL with rte_errno set.
 */
void *vmap_alloc_coherent(struct vmap_dev *d, size_t size, size_t align,
			  rte_iova_t *dev_addr);

/** Free coherent memory; NULL is ignored. */
void vmap_free_coherent(struct vmap_dev *d, void *addr, size_t size);

/**
 * Describe the memory the device must reach (see vmap_ops.regions).
 *
 * @return the region count (possibly above max), or a negative errno.
 */
int vmap_regions(struct vmap_dev *d, struct vmap_region *r, unsigned int max,
		 bool locked);

/**
 * Describe file-backed EAL memory as runs contiguous in one file and in
 * virtual address space and, with by_iova, in EAL IOVA too (dev_addr is
 * the IOVA); without by_iova dev_addr is the virtual address. Kind
 * independent: what a transport needs when the device reaches memory
 * through an IOTLB (the table by VA, translations per IOVA run).
 *
 * @param r        filled with up to max runs
 * @param max      size of r (0 to count only)
 * @param by_iova  split runs where IOVAs are not contiguous
 * @param locked   EAL's memory lock is held (called from a memory event)
 * @return the run count (possibly above max), or a negative errno.
 */
int vmap_eal_runs(struct vmap_region *r, unsigned int max, bool by_iova,
		  bool locked);

#ifdef __cplusplus
}
#endif

#endif /* _VMAP_H_ */
