/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The virtio_map authors
 */

/*
 * Shared declarations of the virtio_map_loopback benchmark: its options,
 * the port pairs it measures, and the functions loopback_opts.c (command
 * line) and loopback_port.c (attaching, configuring and detaching ports)
 * give to loopback.c (traffic, measurement and output).
 */

#ifndef _LOOPBACK_H_
#define _LOOPBACK_H_

#include <limits.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <rte_common.h>
#include <rte_dev.h>
#include <rte_mempool.h>

#define LB_PROG			"virtio_map_loopback"
#define LB_MAX_BURST		512
#define LB_MAX_ROUNDS		100
#define LB_MIN_SIZE		60
#define LB_MAX_SIZE		9000
#define LB_MIN_QSIZE		32
#define LB_MAX_QSIZE		32768
#define LB_MAX_INJECT		4

enum lb_target {
	LB_TARGET_MAP,
	LB_TARGET_USER,
	LB_TARGET_NUM,
};

/** Target names as printed: "virtio_map", "virtio_user". */
extern const char * const lb_target_name[LB_TARGET_NUM];

/** Set by SIGINT or SIGTERM: loops stop and the run is torn down. */
extern volatile sig_atomic_t lb_quit;

/** What the user asked for on the command line. */
struct lb_opts {
	bool target[LB_TARGET_NUM];
	/** Frame length without FCS. */
	unsigned int size;
	/** Measured time per target and round. */
	double seconds;
	unsigned int queue_size;
	const char *map;
	unsigned int burst;
	unsigned int rounds;
	/** Bursts injected each way; 0: automatic. */
	unsigned int inject;
	const char *vm_args;
	const char *vu_args;
};

/** One measurement of one target. */
struct lb_result {
	double dev_drv_mpps;
	double drv_dev_mpps;
	/** TSC cycles per packet inside the driver's burst calls. */
	double cycles;
	uint64_t drops;
};

/** A net_vhost port and the driver port attached to it. */
struct lb_pair {
	enum lb_target target;
	char vh_name[RTE_DEV_NAME_MAX_LEN];
	char drv_name[RTE_DEV_NAME_MAX_LEN];
	char sock[108];		/**< fits sockaddr_un.sun_path */
	uint16_t vh_port;
	uint16_t drv_port;
	bool vh_attached;
	bool drv_attached;
	struct lb_result res[LB_MAX_ROUNDS];
};

/** Prints "virtio_map_loopback: error: <message>" to stderr. */
void lb_err(const char *fmt, ...) __rte_format_printf(1, 2);

/** Prints the option summary to f. */
void lb_usage(FILE *f);

/**
 * Parses the program options (those after "--") into o, then checks them
 * with lb_check_opts().
 *
 * @param argc, argv
 *   The options, argv[0] being the program name.
 * @return
 *   0 on success, 1 if --help was given, -EINVAL with a message printed if
 *   an option is bad.
 */
int lb_parse_opts(int argc, char **argv, struct lb_opts *o);

/**
 * Checks what needs more than one option and fills in automatic values.
 *
 * @return
 *   0, or -EINVAL with a message printed.
 */
int lb_check_opts(struct lb_opts *o);

/**
 * Creates the one mbuf pool, sized for the rings and in-flight packets of
 * npairs pairs, each mbuf holding a whole frame of o->size bytes.
 *
 * @return
 *   The pool, or NULL with a message printed.
 */
struct rte_mempool *lb_pool_create(const struct lb_opts *o,
	unsigned int npairs);

/** Names pair p for target t (ports net_vhost<idx>, net_<t><idx>). */
void lb_pair_init(struct lb_pair *p, enum lb_target t, unsigned int idx,
	const char *sockdir);

/**
 * Attaches, configures and starts the net_vhost port, then the driver
 * port, and waits for both links to come up.
 *
 * @return
 *   0, or a negative errno with a message printed; lb_pair_detach() undoes
 *   whatever was done.
 */
int lb_pair_attach(struct lb_pair *p, const struct lb_opts *o,
	struct rte_mempool *mp);

/**
 * Stops, closes and detaches the driver port, then the net_vhost port,
 * and removes the socket. Idempotent.
 */
void lb_pair_detach(struct lb_pair *p);

#endif /* _LOOPBACK_H_ */
