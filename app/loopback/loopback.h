/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The virtio_map authors
 */

/*
 * Shared declarations of the virtio_map_loopback benchmark: its options,
 * the port pairs it measures, and the functions loopback_opts.c (command
 * line), loopback_port.c (attaching, configuring and detaching ports) and
 * loopback_report.c (medians, result and ratio lines) give to loopback.c
 * (traffic and measurement).
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
/** Longest frame with --tso: one TSO/LRO frame of about 64 KB. */
#define LB_MAX_TSO_SIZE		65000
/** Ethernet, IPv4 and TCP headers of a --tso frame. */
#define LB_TSO_HDRS		54
#define LB_MIN_QSIZE		32
#define LB_MAX_QSIZE		32768
#define LB_MAX_INJECT		4
/** Most queue pairs per port (--queues). */
#define LB_MAX_QUEUES		8
/** Map kinds one run can measure, each on its own pair. */
#define LB_MAX_MAPS		8
/** A map kind name with its NUL, as the PMD's map= devarg takes it. */
#define LB_MAP_NAME_LEN		64
/** Pairs one run can hold: every map kind, then net_virtio_user. */
#define LB_MAX_PAIRS		(LB_MAX_MAPS + 1)
/** Longest label, "virtio_map(<kind>)", with its NUL. */
#define LB_LABEL_LEN		(LB_MAP_NAME_LEN + 16)

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
	/** --map as given: one kind or a comma-separated list. */
	const char *map;
	/** The kinds in o->map, in order, each measured on its own pair. */
	char maps[LB_MAX_MAPS][LB_MAP_NAME_LEN];
	unsigned int nb_maps;
	unsigned int burst;
	unsigned int rounds;
	/** Bursts injected each way; 0: automatic. */
	unsigned int inject;
	/** Devargs appended to every net_virtio_map port's. */
	const char *vm_args;
	const char *vu_args;
	/** Devargs appended to every net_vhost port, or NULL. */
	const char *vh_args;
	/** Leave promiscuous mode off (ethdev's default at start). */
	bool no_promisc;
	/** Queue pairs per port; the core forwards on all of them. */
	unsigned int queues;
	/**
	 * TCP segment size with --tso, else 0: frames are TCP/IPv4 sent
	 * with TSO both ways (driver Tx, and net_vhost Tx so that the
	 * driver receives LRO frames), the driver ports with TCP_TSO,
	 * TCP_LRO and checksum offloads, net_vhost with tso=1.
	 */
	unsigned int tso;
};

/** One measurement of one target. */
struct lb_result {
	double dev_drv_mpps;
	double drv_dev_mpps;
	/** TSC cycles per packet inside the driver's burst calls. */
	double cycles;
	/**
	 * TSC cycles per packet inside the device's calls (net_vhost's
	 * Rx and Tx bursts), for the same packets: what the driver's
	 * rings cost the device.
	 */
	double dev_cycles;
	uint64_t drops;
};

/** A net_vhost port and the driver port attached to it. */
struct lb_pair {
	enum lb_target target;
	/** The map kind of a virtio_map pair; NULL for virtio_user. */
	const char *map;
	/**
	 * Name in the output: the target name, or "virtio_map(<kind>)" when
	 * the run measures several map kinds.
	 */
	char label[LB_LABEL_LEN];
	char vh_name[RTE_DEV_NAME_MAX_LEN];
	char drv_name[RTE_DEV_NAME_MAX_LEN];
	char sock[108];		/**< fits sockaddr_un.sun_path */
	uint16_t vh_port;
	uint16_t drv_port;
	bool vh_attached;
	bool drv_attached;
	struct lb_result res[LB_MAX_ROUNDS];
	/** Median of each figure over the rounds, set by lb_report(). */
	struct lb_result med;
	/** Packets through the driver's burst calls, warm-ups included
	 * (what a profiler of those calls divides by). */
	uint64_t drv_moved_all;
	/** "+devmem" in the map item: this pair's mbufs have their data in
	 * the driver's device memory (map=vduse, no bounce copy) */
	bool devmem;
	/** That pair's own pool (pinned external buffers), else NULL */
	struct rte_mempool *mp;
};

/** The map kind the loopback registers (loopback_kind.c). */
#define LB_KIND_NAME		"lb_counted"

/**
 * Registers LB_KIND_NAME, an application-registered map kind: identity
 * mapping (IOVA as VA) through the ops table, counting what it maps.
 *
 * @return 0, or vmap_register()'s negative errno.
 */
int lb_kind_register(void);

/** Unregisters it and prints what it mapped, if it was used. */
void lb_kind_unregister(void);

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
 * Checks what needs more than one option and fills in automatic values:
 * the inject count, and o->maps from the list in o->map (no empty item,
 * no kind twice, at most LB_MAX_MAPS; the PMD's probe judges the names).
 *
 * @return
 *   0, or -EINVAL with a message printed.
 */
int lb_check_opts(struct lb_opts *o);

/** Mbufs a pool needs for npairs pairs. */
unsigned int lb_pool_size(const struct lb_opts *o, unsigned int npairs);

/**
 * Creates the one mbuf pool, sized for the rings and in-flight packets of
 * npairs pairs, each mbuf holding a whole frame of o->size bytes.
 *
 * @return
 *   The pool, or NULL with a message printed.
 */
struct rte_mempool *lb_pool_create(const struct lb_opts *o,
	unsigned int npairs);

/**
 * Names pair p for target t: ports net_vhost<idx> and net_<t><idx>, socket
 * <sockdir>/net_<t><idx>.sock.
 *
 * @param idx
 *   Unique in the run; for LB_TARGET_MAP it also picks the kind
 *   o->maps[idx], which must stay valid while p is used.
 */
void lb_pair_init(struct lb_pair *p, const struct lb_opts *o,
	enum lb_target t, unsigned int idx, const char *sockdir);

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

/** Prints the "# virtio_map_loopback: ..." line naming the settings. */
void lb_print_header(const struct lb_opts *o);

/**
 * Prints one result line: "<prefix><label> size=N dev->drv X Mpps
 * drv->dev Y Mpps  driver Z cycles/pkt".
 */
void lb_print_result(const char *prefix, const struct lb_pair *p,
	const struct lb_opts *o, const struct lb_result *r);

/** Prints the port's non-zero xstats to stderr (to explain a failure). */
void lb_print_xstats(uint16_t port);

/**
 * Takes the median of each figure over o->rounds rounds into each pair's
 * med, prints one result line per pair, then, when a virtio_user pair is
 * among them, one "ratio <label>/virtio_user: ..." line per virtio_map
 * pair.
 */
void lb_report(struct lb_pair *pairs, unsigned int npairs,
	const struct lb_opts *o);

#endif /* _LOOPBACK_H_ */
