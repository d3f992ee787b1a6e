/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The virtio_map authors
 */

/*
 * The test harness shared by every test program in app/test: a runner that
 * forks the test body under a deadline and cleans up after it (temporary
 * directory, EAL runtime directory, hugepage files), assertions that print
 * file:line with expected and actual values, the EAL argument builder, log
 * capture, mempool leak checks, the net_vhost + net_virtio_map port pair and
 * numbered packet streams whose every byte is checked. It holds no test.
 */

#ifndef _VT_H_
#define _VT_H_

#include <inttypes.h>
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <rte_ether.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>

/** Exit status of a passed test. */
#define VT_PASS 0
/** Exit status of a failed test. */
#define VT_FAIL 1
/** Exit status of a skipped test (meson and DPDK's TEST_SKIPPED agree). */
#define VT_SKIP 77

/** Packets per rte_eth_rx_burst() / rte_eth_tx_burst() call. */
#define VT_BURST 32

/** Report a failure at file:line; the caller returns VT_FAIL. */
void vt_fail(const char *file, int line, const char *fmt, ...)
	__rte_format_printf(3, 4);

/**
 * While on, vt_fail() marks its reports as expected: for tests of the
 * harness itself, which provoke failures on purpose.
 */
void vt_fail_expected(bool on);

/** Print a skip reason; the caller returns VT_SKIP. */
void vt_skip(const char *fmt, ...) __rte_format_printf(1, 2);

/** Print an informational line, prefixed with the test name. */
void vt_info(const char *fmt, ...) __rte_format_printf(1, 2);

/**
 * Record what the test is doing now. The runner prints the last phase when
 * the test runs past its deadline, so a hang names where it happened.
 */
void vt_phase(const char *fmt, ...) __rte_format_printf(1, 2);

/** Fail unless cond holds. */
#define VT_ASSERT(cond, fmt, ...) do {					\
	if (!(cond)) {							\
		vt_fail(__FILE__, __LINE__, "'%s' is false: " fmt,	\
			#cond, ##__VA_ARGS__);				\
		return VT_FAIL;						\
	}								\
} while (0)

/** Fail unless two integers are equal; what names the quantity. */
#define VT_ASSERT_EQ(expected, actual, what) do {			\
	long long e_ = (long long)(expected);				\
	long long a_ = (long long)(actual);				\
	if (e_ != a_) {							\
		vt_fail(__FILE__, __LINE__,				\
			"%s: expected %lld (%s), actual %lld (%s)",	\
			(what), e_, #expected, a_, #actual);		\
		return VT_FAIL;						\
	}								\
} while (0)

/** Same as VT_ASSERT_EQ for 64-bit addresses, printed in hex. */
#define VT_ASSERT_EQ_X(expected, actual, what) do {			\
	uint64_t e_ = (uint64_t)(expected);				\
	uint64_t a_ = (uint64_t)(actual);				\
	if (e_ != a_) {							\
		vt_fail(__FILE__, __LINE__,				\
			"%s: expected 0x%" PRIx64 " (%s), actual 0x%" PRIx64 " (%s)", \
			(what), e_, #expected, a_, #actual);		\
		return VT_FAIL;						\
	}								\
} while (0)

/** Fail unless a call returned 0; prints the negative errno it gave. */
#define VT_ASSERT_OK(ret, what) do {					\
	int r_ = (ret);							\
	if (r_ != 0) {							\
		vt_fail(__FILE__, __LINE__,				\
			"%s: expected 0, actual %d (%s)", (what), r_,	\
			r_ < 0 ? strerror(-r_) : "positive");		\
		return VT_FAIL;						\
	}								\
} while (0)

/** Fail unless text contains needle. */
#define VT_ASSERT_CONTAINS(text, needle, what) do {			\
	const char *t_ = (text);					\
	const char *n_ = (needle);					\
	if (t_ == NULL || strstr(t_, n_) == NULL) {			\
		vt_fail(__FILE__, __LINE__,				\
			"%s: expected text containing \"%s\", actual \"%s\"", \
			(what), n_, t_ == NULL ? "(null)" : t_);	\
		return VT_FAIL;						\
	}								\
} while (0)

/** Propagate a non-passing status (failure or skip) to the caller. */
#define VT_CHECK(call) do {						\
	int s_ = (call);						\
	if (s_ != VT_PASS)						\
		return s_;						\
} while (0)

/** A test program. */
struct vt_test {
	/** Name, used in messages and in the EAL file prefix. */
	const char *name;
	/** Argument synopsis, printed with skips and usage errors. */
	const char *usage;
	/** Seconds the body may run before the runner kills it. */
	unsigned int timeout_s;
	/**
	 * Optional. Runs in the runner before the body is forked, for
	 * machine set-up the body must not undo itself (hugepages). Returns
	 * VT_PASS, VT_SKIP or VT_FAIL; anything but VT_PASS ends the test.
	 */
	int (*setup)(int argc, char **argv);
	/** Optional. Runs in the runner after the body, even if it failed. */
	void (*teardown)(void);
	/**
	 * Optional. 2 MB hugepages the runner reserves before setup (the
	 * test skips without them) and gives back after teardown, with
	 * vt_hugepages_setup(); the body finds their hugetlbfs in
	 * vt_ctx.huge_dir.
	 */
	unsigned int hugepages;
	/** The body, in its own process; argv[0] is the first test argument. */
	int (*run)(int argc, char **argv);
};

/** Where the current test keeps its files. */
struct vt_ctx {
	/** Full test name: program name and arguments, space separated. */
	char name[128];
	/** EAL --file-prefix, unique per run. */
	char prefix[96];
	/** Private temporary directory for sockets; removed by the runner.
	 * Short, so that socket paths in it fit in sun_path.
	 */
	char dir[96];
	/** The hugetlbfs of vt_test.hugepages ("" without). */
	char huge_dir[PATH_MAX];
};

/** The current test's context, set by vt_main(). */
extern struct vt_ctx vt_ctx;

/**
 * Run a test program: make the temporary directory, run setup, fork the
 * body, wait for it under the deadline, then clean up and run teardown.
 *
 * @return the exit status for main(): VT_PASS, VT_SKIP or VT_FAIL.
 */
int vt_main(const struct vt_test *t, int argc, char **argv);

/** Seconds on a monotonic clock. */
double vt_now(void);

/**
 * For a test's setup hook (in the runner, before the body): make sure
 * pages free 2 MB hugepages exist, as root, mounting hugetlbfs on
 * /dev/hugepages when none is mounted and raising nr_hugepages as needed.
 *
 * @param dir  out: the hugetlbfs mount, for vt_eal_opts.huge_dir
 * @return VT_PASS, or VT_SKIP after printing why (not root, no support,
 *   pages not given)
 */
int vt_hugepages_setup(unsigned int pages, char *dir, size_t len);

/** For the teardown hook: put nr_hugepages and the mount back. */
void vt_hugepages_teardown(void);

/** Options for vt_eal_init(). Zeroed means the defaults. */
struct vt_eal_opts {
	/** Use hugepages: no --no-huge. */
	bool hugepages;
	/** -m value in MB; 0 means 512. */
	unsigned int mem_mb;
	/** Pass --iova-mode=pa (else --iova-mode=va when hugepages). */
	bool iova_pa;
	/** Pass --single-file-segments. */
	bool single_file_segments;
	/** Hugetlbfs mount for --huge-dir, or NULL. */
	const char *huge_dir;
	/** More arguments, NULL terminated, or NULL. */
	const char *const *extra;
};

/**
 * Initialise EAL for this test: the test name as --file-prefix, one lcore
 * allowed on every CPU of the process, no PCI, --no-huge -m 512 unless
 * opts asks otherwise, plus the words of the environment variable
 * VT_EAL_ARGS (for example --log-level=pmd.net.virtio_map*:debug).
 *
 * @return VT_PASS or VT_FAIL.
 */
int vt_eal_init(const struct vt_eal_opts *opts);

/**
 * End a program made of counted checks: fail if mp still has mbufs out
 * (else free it), and print "N of M checks passed".
 *
 * @return VT_PASS if no check failed and nothing leaked, else VT_FAIL
 */
int vt_checks_done(struct rte_mempool *mp, unsigned int total,
		   unsigned int failed);

/** Start capturing everything DPDK logs into memory. */
int vt_log_capture_start(void);

/**
 * Stop capturing and return what was logged (also copied to stdout so it
 * stays in the test log). The caller frees the text.
 */
char *vt_log_capture_stop(void);

/**
 * Create a packet mempool of n mbufs whose data room holds frames of
 * max_frame bytes, a VLAN tag (net_virtio_map counts one into the frame an
 * MTU allows) and RTE_PKTMBUF_HEADROOM; at least the DPDK default size.
 *
 * @return the pool, or NULL after printing why.
 */
struct rte_mempool *vt_pool_create(const char *name, unsigned int n,
				   uint32_t max_frame);

/**
 * While capturing: whether what was logged so far contains needle (for
 * waiting on a message with a deadline).
 */
bool vt_log_contains(const char *needle);

/** Fail unless the pool has exactly expected mbufs out (leak check). */
#define VT_ASSERT_IN_USE(mp, expected) \
	VT_ASSERT_EQ((expected), rte_mempool_in_use_count(mp), \
		     "mbufs in use in pool")

/*
 * Ring options of the driver, one bit per devarg it sets to 1: the ring
 * layout (packed_vq) and the features the driver may offer. DPDK's
 * net_vhost offers all of them, so what is asked for is what runs.
 */
#define VT_RING_PACKED		(1u << 0)	/**< packed_vq=1 */
#define VT_RING_IN_ORDER	(1u << 1)	/**< in_order=1 */
#define VT_RING_MRG_RXBUF	(1u << 2)	/**< mrg_rxbuf=1 */
#define VT_RING_INDIRECT	(1u << 3)	/**< indirect=1 */
#define VT_RING_EVENT_IDX	(1u << 4)	/**< event_idx=1 */

/**
 * Ring options from a layout (split or packed) and a spec: "off" for none,
 * else option names joined by '+', e.g. "in_order+mrg_rxbuf".
 *
 * @return VT_PASS, or VT_FAIL after printing what is wrong.
 */
int vt_ring_parse(const char *layout, const char *spec, unsigned int *ring);

/**
 * The driver's devargs for ring options, every one named, those not in
 * ring as 0 ("packed_vq=1,in_order=1,mrg_rxbuf=0,..."), so that a test's
 * ring does not follow the driver's defaults. Returns buf.
 */
const char *vt_ring_devargs(unsigned int ring, char *buf, size_t len);

/**
 * Ring options as the driver's link-up line names them: "split ring",
 * "packed ring, in_order, mrg_rxbuf, indirect, event_idx". Returns buf.
 */
const char *vt_ring_str(unsigned int ring, char *buf, size_t len);

/**
 * Start capturing the log with the driver's messages at INFO level, so
 * that its link-up line, which names the negotiated ring, is kept.
 */
int vt_ring_log_start(void);

/**
 * After a link came up under vt_ring_log_start(): wait (with a deadline)
 * for the driver's "link up:" line, stop capturing, print the line and
 * fail unless it names exactly the ring and options asked for (net_vhost
 * offers all five, so nothing may be missing and nothing added).
 */
int vt_ring_log_check(unsigned int ring);

/** Options for vt_pair_create(). Zeroed means the defaults. */
struct vt_pair_opts {
	/** Driver queue_size devarg and descriptors; 0 means 256. */
	unsigned int queue_size;
	/** Driver map devarg, or NULL to leave it out. */
	const char *map;
	/** Driver listens (server=1) and net_vhost connects (client=1). */
	bool drv_server;
	/** Largest frame to carry, without CRC; 0 means 1514. */
	uint32_t max_frame;
	/** More driver devargs ("key=value,..."), or NULL. */
	const char *drv_extra;
	/** More net_vhost devargs ("key=value,..."), or NULL. */
	const char *vhost_extra;
	/** Ring options (VT_RING_*), passed to the driver as devargs. */
	unsigned int ring;
	/**
	 * Data room (headroom included, as rte_pktmbuf_pool_create() takes
	 * it) of the driver's Rx mbufs; 0 means room for max_frame. Smaller
	 * than a frame only with mergeable Rx buffers, which chain mbufs.
	 */
	uint16_t drv_rx_room;
	/**
	 * Which pair of the process: 0 names the ports net_vhost0 and
	 * net_virtio_map0, 1 net_vhost1 and net_virtio_map1, and so on (its
	 * socket and pools get their own names too).
	 */
	unsigned int index;
	/**
	 * Driver Tx packets as chains of segments of this many data bytes
	 * (the first one shorter by seq % 64, so that segment boundaries
	 * move), from a pool of that data room; 0 means one segment. A test
	 * may set p->opts.tx_seg_size to 0 between vt_pair_traffic() calls
	 * (one mbuf per packet again) and back to the size the pool was made
	 * for.
	 */
	uint32_t tx_seg_size;
	/** Queue pairs of both ports (queues= devarg of each); 0 means 1.
	 * The pools grow with it. */
	unsigned int queues;
	/** Configure the driver's port with LSC interrupts (intr_conf.lsc):
	 * it then raises RTE_ETH_EVENT_INTR_LSC on every link change. */
	bool drv_lsc;
	/** Configure net_vhost with Rx interrupts (intr_conf.rxq; frames up
	 * to 1514 bytes, vt_pair_up() only): once a test enables one
	 * (rte_eth_dev_rx_intr_enable()), the device asks the driver to
	 * kick that queue, and its eventfd wakes an epoll. */
	bool vhost_rxq_intr;
	/** Packets in flight per stream; 0 means twice the ring (the ring
	 * plus 1024 above 4096 descriptors). Pools are
	 * sized from it, so small memory wants it small; rings only fill up
	 * under backpressure when it is larger than the ring.
	 */
	unsigned int window;
	/** Rx offloads of the net_vhost port (vt_pair_up_conf()): with
	 * RTE_ETH_RX_OFFLOAD_TCP_CKSUM/UDP_CKSUM it leaves the partial
	 * checksums the driver asked the device for (NEEDS_CSUM) as they
	 * came, instead of completing them. */
	uint64_t vhost_rx_offloads;
};

/** net_vhost (the device) and net_virtio_map (the driver) in one process. */
struct vt_pair {
	struct vt_pair_opts opts;
	char sock[PATH_MAX];		/**< vhost-user socket path */
	char vhost_name[32];		/**< "net_vhost0" */
	char drv_name[32];		/**< "net_virtio_map0" */
	uint16_t vhost_port;
	uint16_t drv_port;
	bool vhost_created;
	bool drv_created;
	unsigned int queue_size;
	uint32_t max_frame;
	struct rte_mempool *drv_pool;	/**< driver Rx buffers */
	struct rte_mempool *vhost_pool;	/**< net_vhost Rx (dequeue) buffers */
	struct rte_mempool *gen_pool;	/**< packets the test sends */
	struct rte_mempool *seg_pool;	/**< driver Tx segments (tx_seg_size) */
	unsigned int window;		/**< packets in flight per stream */
	/**
	 * What vt_pair_traffic() received as chains: [0] at net_vhost
	 * (driver Tx), [1] at the driver (its Rx), counted across calls.
	 */
	uint64_t rx_chained[2];
	/** The most segments one received packet had, per direction. */
	uint16_t rx_segs_max[2];
};

/** Fill in names, socket path and pools; creates no port. */
int vt_pair_init(struct vt_pair *p, const struct vt_pair_opts *opts);

/** Probe net_vhost (rte_vdev_init) for the pair's socket. */
int vt_pair_vhost_create(struct vt_pair *p);

/** Probe net_virtio_map (rte_vdev_init) for the pair's socket. */
int vt_pair_drv_create(struct vt_pair *p);

/**
 * Configure a port with one Rx and one Tx queue of nb_desc descriptors,
 * the pool for Rx and an MTU for max_frame (no start).
 */
int vt_port_setup(uint16_t port, uint16_t nb_desc, struct rte_mempool *mp,
		  uint32_t max_frame);

/** vt_port_setup(), with LSC interrupts asked for when lsc is true. */
int vt_port_setup_lsc(uint16_t port, uint16_t nb_desc,
		      struct rte_mempool *mp, uint32_t max_frame, bool lsc);

struct rte_eth_conf;

/**
 * Configure a port with conf and nq Rx and Tx queues of nb_desc
 * descriptors (Rx all from mp); no start.
 */
int vt_port_setup_conf(uint16_t port, const struct rte_eth_conf *conf,
		       uint16_t nq, uint16_t nb_desc, struct rte_mempool *mp);

/** vt_port_setup_lsc() with nq Rx and nq Tx queues (Rx all from mp). */
int vt_port_setup_q(uint16_t port, uint16_t nq, uint16_t nb_desc,
		    struct rte_mempool *mp, uint32_t max_frame, bool lsc);

/** Start a port. */
int vt_port_start(uint16_t port);

/** Stop, close and remove the pair's net_vhost port (the backend goes). */
int vt_pair_vhost_remove(struct vt_pair *p);

/** Wait until a port's link is up (or down), polling, with a deadline. */
int vt_wait_link(uint16_t port, bool up, unsigned int timeout_ms);

/** Count the port's link-state-change events, up and down (one port). */
int vt_lsc_watch(uint16_t port);

/** Stop counting them. */
void vt_lsc_unwatch(uint16_t port);

/** LSC events seen so far with the link up (or down) in the callback. */
uint32_t vt_lsc_count(bool up);

/**
 * Poll the port's bursts (freeing what comes in), as a forwarding loop
 * would, until its link is up (or down) and vt_lsc_count(up) has passed
 * seen. With sock, *t_sock (0 on entry) gets the time sock first existed.
 *
 * @return the seconds it took, or -1 after timeout_s
 */
double vt_wait_link_lsc(uint16_t port, bool up, uint32_t seen,
			double timeout_s, const char *sock, double *t_sock);

/** Sort v[0..n) and give its median and largest value. */
void vt_median_max(double *v, unsigned int n, double *median, double *max);

/**
 * Everything in one call: init, create both ports (vhost first), configure
 * both, start both and wait for both links to come up.
 */
int vt_pair_up(struct vt_pair *p, const struct vt_pair_opts *opts);

/**
 * vt_pair_up(), the driver's port configured with drv_conf (offloads,
 * interrupts) and one queue pair.
 */
int vt_pair_up_conf(struct vt_pair *p, const struct vt_pair_opts *opts,
		    const struct rte_eth_conf *drv_conf);

/**
 * vt_pair_up() with the log captured, then vt_ring_log_check() for
 * opts->ring: the pair is up and runs the ring options asked for.
 */
int vt_pair_up_ring(struct vt_pair *p, const struct vt_pair_opts *opts);

/** Stop, close and remove both ports, driver first or vhost first. */
int vt_pair_down(struct vt_pair *p, bool driver_first);

/** Free the pair's pools after checking none of their mbufs leaked. */
int vt_pair_free_pools(struct vt_pair *p);

/** Port counters as the test sees them. */
struct vt_counts {
	uint64_t ipackets, opackets, ibytes, obytes, ierrors, oerrors;
	uint64_t q_ipackets, q_opackets, q_ibytes, q_obytes;
};

/** Read a port's basic and queue 0 counters. */
int vt_counts_get(uint16_t port, struct vt_counts *c);

/**
 * Read the extended statistic called name of a port.
 *
 * @return VT_PASS, or VT_FAIL (printed, with the names there are) if the
 *   port has no xstat of that name.
 */
int vt_xstat_get(uint16_t port, const char *name, uint64_t *value);

/** Mbufs out of the pair's pools, all of them together. */
unsigned int vt_pair_in_use(const struct vt_pair *p);

/** One direction of numbered packets from tx_port to rx_port. */
struct vt_stream {
	const char *name;		/**< "virtio_map->vhost", in messages */
	uint16_t tx_port;
	uint16_t rx_port;
	uint16_t tx_queue;		/**< 0 unless set after init */
	uint16_t rx_queue;		/**< 0 unless set after init */
	struct rte_mempool *pool;	/**< where sent packets come from */
	/**
	 * 0: each packet one mbuf. Else chains of segments of seg_size
	 * bytes (the first one seq % 64 shorter), all from pool.
	 */
	uint32_t seg_size;
	uint32_t id;			/**< stamped in every packet */
	uint64_t first_seq;		/**< sequence number of the first packet */
	uint64_t count;			/**< packets to send */
	uint32_t min_len;		/**< frame sizes cycle min_len..max_len */
	uint32_t max_len;
	unsigned int window;		/**< most packets sent but not received */
	/**
	 * Alternate between sending only (until tx_burst takes fewer than
	 * offered, or the window is full) and receiving only (until all
	 * sent arrived), so that rings fill up and drain in bursts.
	 */
	bool backpressure;
	struct rte_ether_addr dst;
	struct rte_ether_addr src;
	/* progress */
	uint64_t sent;
	uint64_t received;
	uint64_t tx_bytes;
	uint64_t rx_bytes;
	uint64_t tx_calls_short;	/**< tx_burst calls that took fewer */
	uint64_t rx_chained;		/**< received packets of 2+ segments */
	uint16_t rx_segs_max;		/**< most segments in one */
	uint64_t fills;			/**< backpressure: send phases */
	bool draining;			/**< backpressure: receiving only */
	struct rte_mbuf *pending[VT_BURST];
	uint16_t npending;
	uint16_t pending_pos;
	bool failed;
};

/** Set a stream up for count packets of min_len..max_len bytes. */
void vt_stream_init(struct vt_stream *s, const char *name, uint32_t id,
		    uint16_t tx_port, uint16_t rx_port,
		    struct rte_mempool *pool, uint64_t count,
		    uint32_t min_len, uint32_t max_len, unsigned int window);

/** Frame length of packet seq of a stream. */
uint32_t vt_stream_len(const struct vt_stream *s, uint64_t seq);

/**
 * Write packet seq of a stream into m: one segment, or a chain of segments
 * from the stream's pool when s->seg_size is set.
 */
int vt_pkt_fill(const struct vt_stream *s, struct rte_mbuf *m, uint64_t seq);

/**
 * Send m out of queue 0 of port tx (through rte_eth_tx_prepare() first
 * when prepare is set; tx_burst retried for up to 5 s) and return the one
 * packet queue 0 of port rx receives within 5 s.
 *
 * @return the packet received, or NULL (m freed if it was not sent)
 */
struct rte_mbuf *vt_pass_one(uint16_t tx, uint16_t rx, struct rte_mbuf *m,
			     bool prepare);

/**
 * Check that m is packet seq of stream s, every byte of it. Prints the first
 * difference (offset, expected, actual) and returns VT_FAIL on mismatch.
 */
int vt_pkt_verify(const struct vt_stream *s, const struct rte_mbuf *m,
		  uint64_t seq);

/**
 * Run streams at once from one thread until each has delivered all its
 * packets in order: allocate, fill, transmit, receive, verify, free.
 * Fails when a packet is wrong or out of order, or when no stream makes
 * progress for stall_ms.
 */
int vt_traffic(struct vt_stream *const *streams, unsigned int n,
	       unsigned int stall_ms);

/**
 * Run n packets each way over a pair (sizes min_len..max_len): the first
 * half flowing, the second with backpressure (rings filled until the port
 * refuses more, then drained), which must happen at least once each way.
 * Then check both ports' counters moved by exactly what was sent and
 * received.
 */
int vt_pair_traffic(struct vt_pair *p, uint64_t n, uint32_t min_len,
		    uint32_t max_len);

#endif /* _VT_H_ */
