/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The virtio_map authors
 */

/*
 * The state of one net_virtio_map port, the bottom floor of the control
 * path: what the user asked for (struct virtio_map_cfg, from devargs),
 * what the device agreed to, and the port itself in two parts, what every
 * process shares (struct virtio_map_shared, the ethdev's dev_private) and
 * what only the primary holds (struct virtio_map_dev, its
 * process_private).
 */

#ifndef _VIRTIO_MAP_STATE_H_
#define _VIRTIO_MAP_STATE_H_

#include <limits.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include <ethdev_driver.h>
#include <rte_ether.h>
#include <rte_spinlock.h>

#include "virtio_map_compat.h"
#include "vmap.h"
#include "vmq.h"
#include "vmq_filter.h"
#include "vmt.h"

/** Queue pairs a port may have (DPDK's vhost: 128 as well). */
#define VIRTIO_MAP_MAX_QUEUE_PAIRS	128

/** When to offer VIRTIO_F_ACCESS_PLATFORM (the iommu devarg). */
enum virtio_map_iommu {
	/** When the memory table cannot describe the map kind's layout. */
	VIRTIO_MAP_IOMMU_AUTO = 0,
	VIRTIO_MAP_IOMMU_ON,	/**< always; fail if the device lacks it */
	VIRTIO_MAP_IOMMU_OFF,	/**< never */
};

/** What the user asked for (devargs), validated. */
struct virtio_map_cfg {
	char path[PATH_MAX];		/**< vhost-user socket */
	bool server;			/**< listen instead of connect */
	uint16_t queue_size;		/**< ring size */
	uint16_t queues;		/**< queue pairs */
	bool mac_set;			/**< mac given */
	struct rte_ether_addr mac;	/**< mac */
	char map[RTE_VMAP_NAME_MAX];	/**< map kind, "auto" resolved */
	size_t bounce_size;		/**< bounce region, 0: default */
	bool map_debug;			/**< debug layer around the kind */
	bool map_batch;			/**< map whole bursts per call (else
					 * one buffer per call: a benchmark
					 * comparison) */
	bool packed_vq;			/**< offer VIRTIO_F_RING_PACKED */
	bool in_order;			/**< offer VIRTIO_F_IN_ORDER */
	bool mrg_rxbuf;			/**< offer VIRTIO_NET_F_MRG_RXBUF */
	bool indirect;			/**< offer VIRTIO_RING_F_INDIRECT_DESC */
	bool event_idx;			/**< offer VIRTIO_RING_F_EVENT_IDX */
	enum virtio_map_iommu iommu;	/**< offer VIRTIO_F_ACCESS_PLATFORM */
	/** Send the translations before the rings run: -1 auto (packed
	 * rings only), 0 never (answer misses), 1 always. */
	int iotlb_prefill;
};

/** What the device agreed to at the last bring-up (cfg: what was asked). */
struct virtio_map_run {
	uint64_t features;	/**< negotiated feature bits (VMT_F_*) */
	uint32_t opts;		/**< ring options (VMQ_OPT_*) that follow */
	bool iotlb;		/**< VIRTIO_F_ACCESS_PLATFORM negotiated */
};

/** How a failed bring-up leaves the port (virtio_map_bring_up()). */
enum virtio_map_up_fail {
	VIRTIO_MAP_UP_ABSENT,	/**< no backend to talk to yet (the
				 * transport paces its own attempts) */
	VIRTIO_MAP_UP_AGAIN,	/**< the channel failed: try again, after
				 * the port's back-off */
	VIRTIO_MAP_UP_BACKEND,	/**< this backend cannot serve the port:
				 * wait for another */
	VIRTIO_MAP_UP_CONFIG,	/**< the port's configuration cannot work:
				 * stop trying until it restarts */
};

/** One translation the driver gives the device through its IOTLB. */
struct virtio_map_xlat {
	uint64_t iova;			/**< first device address */
	uint64_t size;			/**< bytes */
	uint64_t uaddr;			/**< process address of iova */
	uint8_t perm;			/**< VMT_IOTLB_RO, _WO or _RW */
};

/**
 * What every process of the port sees: the ethdev's dev_private, in
 * memory EAL shares with secondary processes. Only values and pointers
 * into that shared memory (queues, rings, the filter): no file
 * descriptor, function pointer or process-local address. Written by the
 * primary; secondaries read it (stats, queue information, the link in
 * rte_eth_dev_data) and run bursts on its queues.
 */
struct virtio_map_shared {
	char name[64];			/**< vdev name */
	uint16_t port_id;		/**< ethdev port */
	struct virtio_map_cfg cfg;	/**< requested */
	struct rte_vmap_dev map;		/**< map-ops token */
	struct virtio_map_run run;	/**< agreed with the device */
	uint64_t tx_offloads;		/**< enabled at configure */
	uint64_t rx_offloads;		/**< enabled at configure */
	struct vmq *rxq[VIRTIO_MAP_MAX_QUEUE_PAIRS];	/**< Rx queues */
	struct vmq *txq[VIRTIO_MAP_MAX_QUEUE_PAIRS];	/**< Tx queues */
	struct rte_ether_addr mac;	/**< port address */
	/** Rx filter (virtio_map_filter.c); queues point at it while it
	 * filters anything */
	struct vmq_filter filter;
	uint16_t mtu;			/**< configured MTU */
	bool started;			/**< between dev_start and dev_stop */
	bool ready;			/**< rings handed to the device */
	/* counters (xstats) */
	uint64_t backend_lost;		/**< backends that went away while up */
	uint64_t lost_packets;		/**< Tx packets in flight they took */
	uint64_t iotlb_sent;		/**< IOTLB updates sent, all bring-ups */
	uint32_t iotlb_entries;		/**< updates of the last full send */
	unsigned int iotlb_plan_n;	/**< entries of the primary's plan */
	uint64_t iotlb_refused;		/**< misses outside the plan */
	struct vmt_counters tcnt;	/**< the transport's (vmt_set_counters) */
};

/**
 * What only the primary process holds: the transport (sockets, eventfds),
 * the control thread, locks, the IOTLB plan (process memory) and the
 * state of the link machine. The ethdev's process_private in the primary;
 * secondaries have none.
 */
struct virtio_map_dev {
	char name[64];			/**< vdev name (as sh->name) */
	uint16_t port_id;		/**< ethdev port */
	struct virtio_map_shared *sh;	/**< the shared part */
	struct vmt_dev *t;		/**< transport */
	/** Features of the last backend turned down (theirs, as offered):
	 * the same refusal again is not logged again. */
	uint64_t refused_offer;
	/** Call eventfd per virtqueue index, for the port's life: an Rx
	 * queue set up again keeps its interrupt vector (-1: none yet) */
	int call_fds[2 * VIRTIO_MAP_MAX_QUEUE_PAIRS];
	bool rings_handed;		/**< this bring-up gave the device the
					 * rings (keep Rx buffers if it fails) */
	bool failed;			/**< bring-up failed for good: no more
					 * attempts until the port restarts */
	uint32_t backoff_ms;		/**< wait after the last failure on an
					 * open channel (0: none) */
	uint64_t retry_at_ms;		/**< no bring-up before (vmt_now_ms) */
	bool lsc_pending;		/**< link changed: raise the LSC event
					 * once the lock is released */
	/** The port's control thread (virtio_map_link.c), dev_start to
	 * dev_stop: bring-up, reconnect, memory-table resends. */
	vm_thread_t ctl_thread;
	bool ctl_running;		/**< ctl_thread exists */
	bool ctl_stop;			/**< ctl_thread: end (under lock) */
	bool ctl_kick;			/**< ctl_thread: look now */
	pthread_cond_t ctl_cond;	/**< wakes ctl_thread (with lock) */
	bool mem_cb;			/**< memory event callback registered */
	bool closed;			/**< dev_close ran */
	/** Secondaries' requests are answered (probe done, close not
	 * begun); under the multi-process lock (virtio_map_mp.h) */
	bool mp_served;
	/** What the device may reach (virtio_map_iotlb_plan.c), sorted by
	 * IOVA; misses are answered from it. Guarded by iotlb_plan_lock,
	 * which the interrupt thread takes without the device lock (its
	 * length is sh->iotlb_plan_n). */
	struct virtio_map_xlat *iotlb_plan;
	rte_spinlock_t iotlb_plan_lock;	/**< guards the plan and its length */
	/** A memory event changed EAL memory: the memory table goes to the
	 * device again (virtio_map_mem_resend(), from the control thread or
	 * whoever holds the port lock). */
	bool mem_dirty;
	bool mem_failed;	/**< the last resend failed (logged once) */
	/** A bring-up found an Rx pool empty for its thread (logged once
	 * until the link comes up). */
	bool rx_short_logged;
	/** Guards sh->rxq[] and sh->txq[] (and the queues' kick eventfds)
	 * against EAL's multi-process thread, which sends secondaries the
	 * kick eventfds (virtio_map_mp.c): queue setup and release swap and
	 * free queues under it. A leaf: nothing is taken while holding it. */
	rte_spinlock_t queues_lock;
	/** dev_close ran on the control thread itself (an LSC callback):
	 * the thread frees the port when the callback returns. */
	bool free_on_exit;
	/**
	 * Serialises start/stop/close, link queries and the control thread.
	 * The order the code takes locks in: this lock, then EAL's memory
	 * read lock (a bring-up or a resend walks EAL memory), then the
	 * transport's lock, then iotlb_plan_lock. The memory-event callback,
	 * called with EAL's write lock held, takes no driver lock (it marks
	 * mem_dirty and wakes the control thread); on EAL's interrupt thread
	 * the socket watch only tries this lock. So no thread holding EAL's
	 * write lock waits for this one, and the interrupt thread waits for
	 * none of the driver's. queues_lock is a leaf beside all of them.
	 */
	pthread_mutex_t lock;
};


/** The part of a port every process shares. */
static inline struct virtio_map_shared *
vm_shared(const struct rte_eth_dev *eth)
{
	return eth->data->dev_private;
}

/** The port port_id if it is a net_virtio_map port, else NULL. */
static inline struct rte_eth_dev *
vm_port(uint16_t port_id)
{
	struct rte_eth_dev *eth;

	if (!rte_eth_dev_is_valid_port(port_id))
		return NULL;
	eth = &rte_eth_devices[port_id];
	if (eth->device == NULL || eth->device->driver == NULL ||
	    strcmp(eth->device->driver->name, "net_virtio_map") != 0)
		return NULL;
	return eth;
}

/** The primary's part of a port (NULL in a secondary process). */
static inline struct virtio_map_dev *
vm_dev(const struct rte_eth_dev *eth)
{
	return eth->process_private;
}

/**
 * The queues set up, in the device's virtqueue order (rx0, tx0, rx1,
 * tx1...), into qs (room for 2 * VIRTIO_MAP_MAX_QUEUE_PAIRS).
 *
 * @return how many
 */
static inline unsigned int
virtio_map_queues(const struct virtio_map_shared *sh, struct vmq **qs)
{
	unsigned int i, nq = 0;

	for (i = 0; i < VIRTIO_MAP_MAX_QUEUE_PAIRS; i++) {
		if (sh->rxq[i] != NULL)
			qs[nq++] = sh->rxq[i];
		if (sh->txq[i] != NULL)
			qs[nq++] = sh->txq[i];
	}
	return nq;
}

#endif /* _VIRTIO_MAP_STATE_H_ */
