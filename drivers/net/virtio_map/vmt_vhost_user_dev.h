/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The virtio_map authors
 */

/*
 * State of one vhost-user transport, shared by the connection code
 * (vmt_vhost_user.c) and what the EAL interrupt thread serves for it
 * (vmt_vhost_user_events.c): the backend request channel, the IOTLB
 * answers owed to the backend, and the hang-up watch.
 *
 * Threads: the control path calls the ops with the transport lock held.
 * The interrupt thread's callbacks never wait: they only try the
 * transport lock, and what they cannot send waits in the owed list.
 */

#ifndef _VMT_VHOST_USER_DEV_H_
#define _VMT_VHOST_USER_DEV_H_

#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <time.h>
#include <sys/un.h>

#include <rte_interrupts.h>
#include <rte_spinlock.h>

#include "vmt.h"
#include "vmt_vhost_user.h"

/*
 * IOTLB answers that may wait for the channel at once. Answers are whole
 * translations of the driver's plan and equal ones are merged, so this
 * only fills when the backend misses on many translations and stops
 * reading its socket; further misses are then dropped and counted.
 */
#define VHU_OWED_MAX		64

/* Messages read from the request channel per wake-up, at most. */
#define VHU_REQ_BATCH		32

struct vhu_dev {
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	bool server;
	int sock;		/* connected channel, -1 when none */
	int listen_fd;		/* server mode: listening socket */
	bool use_protocol;	/* VHU_F_PROTOCOL_FEATURES negotiated */
	uint64_t protocol_features;
	uint64_t features;	/* device features acked (SET_FEATURES) */
	uint8_t status;		/* last SET_STATUS sent */
	uint16_t max_pairs;	/* GET_QUEUE_NUM; 0: not asked (no MQ) */
	bool warned_not_sock;	/* client: said once that path is no socket */
	/* client mode: the socket file that last refused us, and when to
	 * knock again (a new file, a new backend: at once) */
	ino_t refused_ino;
	uint64_t retry_at_ms;
	uint32_t retry_ms;
	/* client mode: a backend the driver turned down (vmt_reject()):
	 * its socket file is not tried again, a new one is */
	ino_t rejected_ino;
	struct timespec rejected_ctime;
	ino_t conn_ino;		/* client: socket file of the connection */
	struct timespec conn_ctime;

	/* references: the owner, and each callback EAL still has to
	 * finish after it was asked to stop (vhu_put() frees at zero) */
	uint32_t refs;

	/* backend request channel: our end, served by the EAL interrupt
	 * thread; req_intr NULL when none */
	struct rte_intr_handle *req_intr;
	int req_fd;

	/* IOTLB answers not sent yet (see VHU_OWED_MAX) */
	rte_spinlock_t owed_lock;
	unsigned int owed_n;
	struct vhu_iotlb owed[VHU_OWED_MAX];
	bool owed_alarm;	/* an alarm will try to send them */
	/* memory tables sent: an answer worked out before the latest one
	 * may name memory it no longer has, and is dropped */
	uint32_t table_gen;

	/* hang-up watch: an epoll set holding sock (EPOLLRDHUP, one
	 * shot), itself watched by the EAL interrupt thread */
	int watch_ep;
	struct rte_intr_handle *watch_intr;
	uint64_t conn_gen;	/* number of the connection on sock */
	uint64_t hup_gen;	/* connection the watch saw hang up */
};

static inline struct vhu_dev *
vhu(struct vmt_dev *t)
{
	return t->priv;
}

/** Take a reference on t (see vhu_dev.refs). */
void vhu_get(struct vmt_dev *t);
/** Drop a reference on t; the last one frees it. */
void vhu_put(struct vmt_dev *t);

/**
 * Open the backend request channel and serve it from the interrupt
 * thread. Transport lock held.
 */
int vhu_req_open(struct vmt_dev *t);
/** Stop serving the request channel. Any thread, the callback's own too. */
void vhu_req_close(struct vmt_dev *t);

/**
 * Send the owed IOTLB answers the channel takes without waiting.
 * Transport lock held.
 */
void vhu_owed_flush(struct vmt_dev *t);
/** Forget the owed answers (the channel closed), counting them dropped. */
void vhu_owed_drop(struct vmt_dev *t);
/**
 * A new memory table goes to the backend: answers worked out before are
 * dropped, now and when they arrive late. Transport lock held.
 */
void vhu_owed_new_table(struct vmt_dev *t);

/**
 * Create the hang-up watch and register it with the interrupt thread.
 * At creation; 0 or a negative errno.
 */
int vhu_watch_create(struct vmt_dev *t);
/** Watch the freshly connected sock. Transport lock held. */
void vhu_watch_add(struct vmt_dev *t);
/** Stop watching sock (before it is closed). Transport lock held. */
void vhu_watch_del(struct vmt_dev *t);
/** Whether the watch saw the current connection hang up. */
bool vhu_watch_hung_up(struct vmt_dev *t);
/**
 * At destroy, after disconnecting: cancel the owed answers' alarm,
 * unregister and close the watch. Any thread.
 */
void vhu_events_destroy(struct vmt_dev *t);

#endif /* _VMT_VHOST_USER_DEV_H_ */
