/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The virtio_map authors
 */

/*
 * The transport: how the driver reaches the virtio device's control plane.
 * One ops table per transport (vhost-user today), one struct vmt_dev per
 * port. Transports get ring addresses in struct vmt_vring and never see the
 * driver's queue structures. Control path only: nothing here is called from
 * Rx/Tx.
 */

#ifndef _VMT_H_
#define _VMT_H_

#include <limits.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "vmap.h"

/* Feature bits the driver knows (virtio 1.2, sections 5.1.3 and 6). */
#define VMT_F_NET_CSUM		0
#define VMT_F_NET_GUEST_CSUM	1
#define VMT_F_NET_MTU		3
#define VMT_F_NET_GUEST_TSO4	7
#define VMT_F_NET_GUEST_TSO6	8
#define VMT_F_NET_HOST_TSO4	11
#define VMT_F_NET_HOST_TSO6	12
#define VMT_F_NET_MRG_RXBUF	15
#define VMT_F_NET_CTRL_VQ	17
#define VMT_F_NET_MQ		22
#define VMT_F_RING_INDIRECT	28
#define VMT_F_RING_EVENT_IDX	29
#define VMT_F_VERSION_1		32
#define VMT_F_ACCESS_PLATFORM	33
#define VMT_F_RING_PACKED	34
#define VMT_F_IN_ORDER		35

/* Device status bits (virtio 1.2, section 2.1). */
#define VMT_STATUS_ACKNOWLEDGE	0x01
#define VMT_STATUS_DRIVER	0x02
#define VMT_STATUS_DRIVER_OK	0x04
#define VMT_STATUS_FEATURES_OK	0x08
#define VMT_STATUS_NEEDS_RESET	0x40
#define VMT_STATUS_FAILED	0x80

/** What a transport needs to hand one virtqueue to the device. */
struct vmt_vring {
	uint16_t index;		/**< virtqueue index (0 = rx0, 1 = tx0) */
	uint16_t num;		/**< ring size */
	uint16_t base;		/**< first avail index the device reads */
	void *desc;		/**< descriptor table (process VA) */
	void *avail;		/**< driver area (process VA) */
	void *used;		/**< device area (process VA) */
	int kick_fd;		/**< eventfd the device waits on */
	int call_fd;		/**< eventfd the device signals */
	/**
	 * With VIRTIO_F_ACCESS_PLATFORM the device reads ring addresses as
	 * IOVAs: when true, the *_iova members are sent instead of the
	 * process addresses above.
	 */
	bool use_iova;
	uint64_t desc_iova;	/**< descriptor table (IOVA) */
	uint64_t avail_iova;	/**< driver area (IOVA) */
	uint64_t used_iova;	/**< device area (IOVA) */
};

/** IOTLB permissions (struct vhost_iotlb_msg perm). */
#define VMT_IOTLB_RO	1	/**< device reads */
#define VMT_IOTLB_WO	2	/**< device writes */
#define VMT_IOTLB_RW	3	/**< both */

/**
 * Find the translation covering iova, for an IOTLB miss of the device.
 * Called from the control path (EAL interrupt thread) without any driver
 * lock held; must not take locks a memory event holds.
 *
 * @param arg    what vmt_set_iotlb_resolver() was given
 * @param iova   address the device missed
 * @param start  out: first IOVA of the containing run
 * @param size   out: bytes of the run
 * @param uaddr  out: process virtual address of start
 * @param perm   in: the access the device asked for; out: VMT_IOTLB_* the
 *               translation grants
 * @return 0; -ENOENT when the device may not reach that IOVA; -EACCES
 *   when it may, but not with the access it asked for
 */
typedef int (*vmt_iotlb_resolve_t)(void *arg, uint64_t iova,
				   uint64_t *start, uint64_t *size,
				   uint64_t *uaddr, uint8_t *perm);

/**
 * Something happened to the channel that the port should look at now
 * (the backend hung up). Called on the EAL interrupt thread without any
 * driver lock held; must not wait for one.
 */
typedef void (*vmt_event_t)(void *arg);

struct vmt_dev;

/** Transport operations. Control path only: never called from Rx/Tx. */
struct vmt_ops {
	/** Transport name, for messages. */
	const char *name;
	/**
	 * Open the channel without blocking. 0 when connected; -EAGAIN when
	 * the peer is not there yet (try again later); another negative
	 * errno when it never will be.
	 */
	int (*connect)(struct vmt_dev *t);
	/** True while the channel is open and the peer has not hung up. */
	bool (*connected)(struct vmt_dev *t);
	/** Read the device's feature bits. */
	int (*get_features)(struct vmt_dev *t, uint64_t *features);
	/** Acknowledge the feature bits the driver will use. */
	int (*set_features)(struct vmt_dev *t, uint64_t features);
	/** Largest number of memory regions the device accepts. */
	unsigned int (*max_regions)(struct vmt_dev *t);
	/**
	 * Optional: return once the device has processed every request sent
	 * before (one it answers in order). On failure the channel is
	 * closed, so that no late answer is taken for another's.
	 */
	int (*sync)(struct vmt_dev *t);
	/** Most queue pairs the connected device takes. */
	unsigned int (*max_queue_pairs)(struct vmt_dev *t);
	/** Tell the device which memory it can reach. */
	int (*set_mem_table)(struct vmt_dev *t, const struct rte_vmap_region *r,
			     unsigned int n);
	/** Hand one virtqueue (size, base, addresses, eventfds) over. */
	int (*setup_vring)(struct vmt_dev *t, const struct vmt_vring *v);
	/** Start or pause the device's processing of one virtqueue. */
	int (*enable_vring)(struct vmt_dev *t, uint16_t index, bool enable);
	/**
	 * Stop one virtqueue and read where the device stopped. Returns once
	 * the device no longer touches the ring.
	 */
	int (*stop_vring)(struct vmt_dev *t, uint16_t index, uint16_t *base);
	/**
	 * Optional. Tell the device the MTU (after set_features agreed
	 * VIRTIO_NET_F_MTU); -ENOTSUP when the transport cannot.
	 */
	int (*set_mtu)(struct vmt_dev *t, uint16_t mtu);
	/** Optional. Write the virtio device status byte. */
	int (*set_status)(struct vmt_dev *t, uint8_t status);
	/**
	 * A round trip: returns once the device has acted on every message
	 * sent before (a request it answers only after those). -EIO when
	 * the device reports that it failed or does not hold the status
	 * last written.
	 */
	int (*confirm)(struct vmt_dev *t);
	/**
	 * Optional. Add one IOVA to process VA translation to the device's
	 * IOTLB (after set_mem_table; uaddr lies in a table region).
	 */
	int (*iotlb_update)(struct vmt_dev *t, uint64_t iova, uint64_t size,
			    uint64_t uaddr, uint8_t perm);
	/** Optional. Drop the device's translations of [iova, iova+size). */
	int (*iotlb_invalidate)(struct vmt_dev *t, uint64_t iova,
				uint64_t size);
	/**
	 * Optional. Send what the transport owes the device and could not
	 * send without waiting (IOTLB answers), without waiting.
	 */
	void (*service)(struct vmt_dev *t);
	/**
	 * Optional. Close the channel and do not open it again to the same
	 * backend instance, only to a new one (the driver turned it down),
	 * until the next disconnect.
	 */
	void (*reject)(struct vmt_dev *t);
	/** Close the channel. Idempotent; works when the peer is gone. */
	void (*disconnect)(struct vmt_dev *t);
	/**
	 * Free the transport (after disconnect). Callbacks it runs on the
	 * interrupt thread are stopped first (from that thread itself, the
	 * memory goes once the running one returns).
	 */
	void (*destroy)(struct vmt_dev *t);
};

/** What a transport counts; read by the stats code (relaxed atomics). */
struct vmt_counters {
	uint64_t iotlb_misses;		/**< misses answered with an update */
	/** Misses that could not be answered: too many owed to a backend
	 * that did not read, or the channel closed first. */
	uint64_t iotlb_miss_dropped;
};

/** One port's transport. */
struct vmt_dev {
	const struct vmt_ops *ops;	/**< the transport */
	char name[64];			/**< port name, for messages */
	/**
	 * Serialises messages: the control path and EAL memory events both
	 * send on the channel.
	 */
	pthread_mutex_t lock;
	void *priv;			/**< the transport's own state */
	/**
	 * Set before connecting: the transport then opens a channel for the
	 * device's IOTLB misses (when the device can use one) and answers
	 * them through this, from the control path.
	 */
	vmt_iotlb_resolve_t iotlb_resolve;
	void *iotlb_arg;		/**< argument of iotlb_resolve */
	/** Where the transport counts (vmt_set_counters(); own_cnt until
	 * then). */
	struct vmt_counters *cnt;
	struct vmt_counters own_cnt;	/**< counters nobody else keeps */
	/** The device can report IOTLB misses on this connection (set by
	 * connect when the transport opened a channel for them). */
	bool misses;
	/** Replies give up at this vmt_now_ms() time too (0: only their
	 * own deadline): vmt_set_deadline(). */
	uint64_t deadline_ms;
	vmt_event_t event_cb;		/**< see vmt_set_event_cb() */
	void *event_arg;		/**< argument of event_cb */
};

/**
 * Count what the transport counts here from now on: the port keeps them
 * in memory every process sees, so that a secondary process reads them.
 * NULL: the transport's own counters again.
 */
void vmt_set_counters(struct vmt_dev *t, struct vmt_counters *c);

/**
 * Create a vhost-user transport (frontend side).
 *
 * @param name    port name, for messages
 * @param path    UNIX socket path
 * @param server  true: listen on path and accept the backend; false:
 *                connect to a backend listening there
 * @return the transport, or NULL with rte_errno set
 */
struct vmt_dev *vmt_vhost_user_create(const char *name, const char *path,
				      bool server);

/* Locked wrappers: each returns the op's result, -ENOTCONN if the channel
 * is closed, or -ENOTSUP for a missing optional op. */

/** Try to open the channel (see vmt_ops.connect). */
int vmt_connect(struct vmt_dev *t);
/** True while connected. */
bool vmt_connected(struct vmt_dev *t);
/** See vmt_ops.get_features. */
int vmt_get_features(struct vmt_dev *t, uint64_t *features);
/** See vmt_ops.set_features. */
int vmt_set_features(struct vmt_dev *t, uint64_t features);
/** See vmt_ops.sync (0 for a transport without it). */
int vmt_sync(struct vmt_dev *t);

/** See vmt_ops.max_regions. */
unsigned int vmt_max_regions(struct vmt_dev *t);
/** See vmt_ops.max_queue_pairs; 0 while not connected. */
unsigned int vmt_max_queue_pairs(struct vmt_dev *t);
/** See vmt_ops.set_mem_table. */
int vmt_set_mem_table(struct vmt_dev *t, const struct rte_vmap_region *r,
		      unsigned int n);
/** See vmt_ops.setup_vring. */
int vmt_setup_vring(struct vmt_dev *t, const struct vmt_vring *v);
/** See vmt_ops.enable_vring. */
int vmt_enable_vring(struct vmt_dev *t, uint16_t index, bool enable);
/** See vmt_ops.stop_vring. */
int vmt_stop_vring(struct vmt_dev *t, uint16_t index, uint16_t *base);
/** See vmt_ops.set_mtu; -ENOTSUP when the transport has none. */
int vmt_set_mtu(struct vmt_dev *t, uint16_t mtu);
/** See vmt_ops.set_status; -ENOTSUP when the transport has none. */
int vmt_set_status(struct vmt_dev *t, uint8_t status);
/** See vmt_ops.confirm. */
int vmt_confirm(struct vmt_dev *t);
/**
 * Ask for the device's IOTLB misses to be answered through fn (see
 * vmt_iotlb_resolve_t). Call before vmt_connect().
 */
void vmt_set_iotlb_resolver(struct vmt_dev *t, vmt_iotlb_resolve_t fn,
			    void *arg);
/** Whether the device can report IOTLB misses (see vmt_dev.misses). */
bool vmt_reports_misses(struct vmt_dev *t);
/** See vmt_ops.iotlb_update; -ENOTSUP when the transport has none. */
int vmt_iotlb_update(struct vmt_dev *t, uint64_t iova, uint64_t size,
		     uint64_t uaddr, uint8_t perm);
/** See vmt_ops.iotlb_invalidate; -ENOTSUP when the transport has none. */
int vmt_iotlb_invalidate(struct vmt_dev *t, uint64_t iova, uint64_t size);
/**
 * Be told on the EAL interrupt thread when the channel needs the port's
 * attention (see vmt_event_t). Call before vmt_connect().
 */
void vmt_set_event_cb(struct vmt_dev *t, vmt_event_t fn, void *arg);
/** Monotonic time in milliseconds: the clock of every deadline. */
uint64_t vmt_now_ms(void);

/**
 * Give every reply from now on one shared deadline, ms from now (0:
 * none), so that a series of requests (a bring-up) ends in time however
 * the device drips its replies.
 */
void vmt_set_deadline(struct vmt_dev *t, unsigned int ms);
/** Send what the transport owes the device (see vmt_ops.service). */
void vmt_service(struct vmt_dev *t);
/**
 * Close the channel and wait for another backend than this one (see
 * vmt_ops.reject; a plain disconnect where the transport lacks it).
 */
void vmt_reject(struct vmt_dev *t);
/** Close the channel. Idempotent. */
void vmt_disconnect(struct vmt_dev *t);
/** Disconnect and free. NULL is ignored. */
void vmt_destroy(struct vmt_dev *t);

#endif /* _VMT_H_ */
