/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The virtio_map authors
 */

/*
 * virtio_map_loopback: one-core throughput benchmark for virtio-net drivers
 * over vhost-user. For each target driver (net_virtio_map once per map
 * kind asked for, and DPDK's net_virtio_user for comparison) it attaches a
 * pair of ports in this one process: DPDK's net_vhost as the device and
 * the target as the driver, joined by a vhost-user socket in a private
 * temporary directory. All pairs are up before the first measurement. The
 * main lcore then forwards packets both ways between the two ports of one
 * pair, testpmd io-style, after injecting a few bursts each way, and
 * measures packets per second received on each side plus the TSC cycles
 * per packet spent inside the target's own Rx and Tx burst calls. It
 * alternates the pairs round by round on identical backends, and
 * loopback_report.c prints the medians and the ratios to virtio_user. It
 * holds no driver code and includes only public DPDK headers, and the
 * map-ops header for the map kind it registers (loopback_kind.c).
 */

#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_common.h>
#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_ether.h>
#include <rte_ethdev.h>
#include <rte_ip.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>
#include <rte_tcp.h>
#include <rte_udp.h>

#include "loopback.h"

#define LB_WARMUP_S		0.25
#define LB_WARMUP_TRIES		4
#define LB_DRAIN_IDLE_POLLS	10000
#define LB_DRAIN_TIMEOUT_MS	2000

/* Counters kept by the forwarding loop. */
struct lb_count {
	uint64_t drv_rx;	/* device -> driver */
	uint64_t vh_rx;		/* driver -> device */
	uint64_t drv_cycles;
	uint64_t dev_cycles;	/* inside the device's (net_vhost's) calls */
	uint64_t drv_moved;
	uint64_t drops;
	uint64_t drops_to_drv;	/* of them, refused by the device's Tx */
};

const char * const lb_target_name[LB_TARGET_NUM] = {
	[LB_TARGET_MAP] = "virtio_map",
	[LB_TARGET_USER] = "virtio_user",
};

volatile sig_atomic_t lb_quit;

void
lb_err(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, LB_PROG ": error: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static void
lb_signal(int sig)
{
	RTE_SET_USED(sig);
	lb_quit = 1;
}

/* An Ethernet/IPv4/UDP frame of the given length. */
static void
lb_fill_frame(uint8_t *buf, unsigned int size)
{
	struct rte_ether_hdr *eth = (struct rte_ether_hdr *)buf;
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(eth + 1);
	struct rte_udp_hdr *udp = (struct rte_udp_hdr *)(ip + 1);
	uint16_t ip_len = size - sizeof(*eth);
	unsigned int i;

	memset(buf, 0, size);
	rte_ether_unformat_addr("02:00:00:00:00:02", &eth->dst_addr);
	rte_ether_unformat_addr("02:00:00:00:00:01", &eth->src_addr);
	eth->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4);
	ip->version_ihl = RTE_IPV4_VHL_DEF;
	ip->total_length = rte_cpu_to_be_16(ip_len);
	ip->time_to_live = 64;
	ip->next_proto_id = IPPROTO_UDP;
	ip->src_addr = rte_cpu_to_be_32(0xc6120001u);	/* 198.18.0.1 */
	ip->dst_addr = rte_cpu_to_be_32(0xc6120002u);	/* 198.18.0.2 */
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	udp->src_port = rte_cpu_to_be_16(9);
	udp->dst_port = rte_cpu_to_be_16(9);
	udp->dgram_len = rte_cpu_to_be_16(ip_len - sizeof(*ip));
	for (i = sizeof(*eth) + sizeof(*ip) + sizeof(*udp); i < size; i++)
		buf[i] = i;
}

/* A TCP/IPv4 frame of the given length (--tso). */
static void
lb_fill_tcp_frame(uint8_t *buf, unsigned int size)
{
	struct rte_ipv4_hdr *ip;
	struct rte_tcp_hdr *tcp;

	lb_fill_frame(buf, size);
	ip = (struct rte_ipv4_hdr *)(buf + sizeof(struct rte_ether_hdr));
	tcp = (struct rte_tcp_hdr *)(ip + 1);
	ip->next_proto_id = IPPROTO_TCP;
	ip->hdr_checksum = 0;
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	memset(tcp, 0, sizeof(*tcp));
	tcp->src_port = rte_cpu_to_be_16(9);
	tcp->dst_port = rte_cpu_to_be_16(9);
	tcp->data_off = (sizeof(*tcp) / 4) << 4;
	tcp->tcp_flags = RTE_TCP_ACK_FLAG;
	tcp->rx_win = rte_cpu_to_be_16(0xffff);
}

/*
 * --tso: what an application sets to send packets with TSO (on both
 * ports: net_vhost then hands the driver LRO frames).
 */
static inline void
lb_tso_mark(struct rte_mbuf **pkts, uint16_t n, uint16_t mss)
{
	struct rte_mbuf *m;
	uint16_t i;

	for (i = 0; i < n; i++) {
		m = pkts[i];
		m->ol_flags = (m->ol_flags & RTE_MBUF_F_EXTERNAL) |
			RTE_MBUF_F_TX_IPV4 | RTE_MBUF_F_TX_TCP_SEG;
		m->l2_len = sizeof(struct rte_ether_hdr);
		m->l3_len = sizeof(struct rte_ipv4_hdr);
		m->l4_len = sizeof(struct rte_tcp_hdr);
		m->tso_segsz = mss;
	}
}

/*
 * Sends n packets out of port in bursts; returns the packets it took. A
 * port may take a burst only after a while (a device that first has to
 * learn translations through its IOTLB misses): retry for up to a second.
 */
static int
lb_inject_n(uint16_t port, uint16_t q, struct rte_mempool *mp,
	const uint8_t *frame, const struct lb_opts *o, unsigned int n)
{
	uint64_t end = rte_get_timer_cycles() + rte_get_timer_hz();
	struct rte_mbuf *pkts[LB_MAX_BURST];
	unsigned int i, sent = 0, b;
	uint16_t k;

	while (sent < n) {
		b = RTE_MIN(n - sent, o->burst);
		if (rte_pktmbuf_alloc_bulk(mp, pkts, b) != 0) {
			lb_err("pool exhausted while injecting packets");
			return -ENOMEM;
		}
		for (i = 0; i < b; i++)
			memcpy(rte_pktmbuf_append(pkts[i], o->size),
				frame, o->size);
		if (o->tso != 0) {
			lb_tso_mark(pkts, b, o->tso);
			if (rte_eth_tx_prepare(port, q, pkts, b) != b) {
				lb_err("port %u: tx_prepare refused a TSO "
					"frame: %s", port,
					rte_strerror(rte_errno));
				rte_pktmbuf_free_bulk(pkts, b);
				return -EINVAL;
			}
		}
		k = rte_eth_tx_burst(port, q, pkts, b);
		while (k < b && !lb_quit && rte_get_timer_cycles() < end) {
			rte_delay_us_sleep(1000);
			k += rte_eth_tx_burst(port, q, pkts + k, b - k);
		}
		if (k < b) {
			rte_pktmbuf_free_bulk(&pkts[k], b - k);
			return sent + k;
		}
		sent += k;
	}
	return sent;
}

/* Sends o->inject bursts out of every queue of port. */
static int
lb_inject(uint16_t port, struct rte_mempool *mp, const uint8_t *frame,
	const struct lb_opts *o)
{
	unsigned int q;
	int ret = 0;

	for (q = 0; q < o->queues && ret >= 0; q++)
		ret = lb_inject_n(port, q, mp, frame, o,
			o->inject * o->burst);
	return ret;
}

/*
 * The driver's burst calls, out of line so that a profiler can count
 * what they cost for any driver, its own functions named or not
 * (devtools/callgrind.sh: valgrind --toggle-collect=lb_drv_*).
 */
static __rte_noinline uint16_t
lb_drv_rx(uint16_t port, uint16_t q, struct rte_mbuf **pkts, uint16_t n)
{
	return rte_eth_rx_burst(port, q, pkts, n);
}

/* With offloads (--tso), preparing is the driver's work too. */
static __rte_noinline uint16_t
lb_drv_tx(uint16_t port, uint16_t q, struct rte_mbuf **pkts, uint16_t n,
	bool prepare)
{
	if (prepare)
		n = rte_eth_tx_prepare(port, q, pkts, n);
	return rte_eth_tx_burst(port, q, pkts, n);
}

/* TSC cycles since *t, which moves on to now. */
static inline uint64_t
lb_since(uint64_t *t)
{
	uint64_t now = rte_rdtsc(), d = now - *t;

	*t = now;
	return d;
}

/*
 * The measured loop: device Rx -> driver Tx, driver Rx -> device Tx.
 * The driver's calls and the device's (net_vhost's) are timed apart;
 * what Tx refuses is freed and counted.
 */
static void
lb_forward(struct lb_pair *p, const struct lb_opts *o,
	uint64_t tsc_end, struct lb_count *c)
{
	struct rte_mbuf *pkts[LB_MAX_BURST];
	uint16_t vh = p->vh_port, drv = p->drv_port, q = 0, nq = o->queues;
	unsigned int burst = o->burst;
	uint64_t t = rte_rdtsc();
	struct lb_count l = { 0 };
	uint16_t n, sent;

	while (t < tsc_end && !lb_quit) {
		/* the queue pairs in turn, one round each */
		if (++q == nq)
			q = 0;
		n = rte_eth_rx_burst(vh, q, pkts, burst);
		l.dev_cycles += lb_since(&t);
		if (n > 0) {
			l.vh_rx += n;
			if (o->tso != 0) {
				lb_tso_mark(pkts, n, o->tso);
				lb_since(&t);
			}
			sent = lb_drv_tx(drv, q, pkts, n, o->tso != 0);
			l.drv_cycles += lb_since(&t);
			l.drv_moved += sent;
			if (unlikely(sent < n)) {
				l.drops += n - sent;
				rte_pktmbuf_free_bulk(&pkts[sent], n - sent);
				lb_since(&t);
			}
		}
		n = lb_drv_rx(drv, q, pkts, burst);
		l.drv_cycles += lb_since(&t);
		if (n > 0) {
			l.drv_rx += n;
			l.drv_moved += n;
			if (o->tso != 0) {
				lb_tso_mark(pkts, n, o->tso);
				lb_since(&t);
			}
			sent = rte_eth_tx_burst(vh, q, pkts, n);
			l.dev_cycles += lb_since(&t);
			if (unlikely(sent < n)) {
				l.drops += n - sent;
				l.drops_to_drv += n - sent;
				rte_pktmbuf_free_bulk(&pkts[sent], n - sent);
				lb_since(&t);
			}
		}
	}
	p->drv_moved_all += l.drv_moved;
	*c = l;
}

/* Frees whatever is still in flight, until both sides stay quiet. */
static void
lb_drain(const struct lb_pair *p, unsigned int nq)
{
	struct rte_mbuf *pkts[LB_MAX_BURST];
	uint64_t end = rte_get_timer_cycles() +
		rte_get_timer_hz() * LB_DRAIN_TIMEOUT_MS / 1000;
	unsigned int idle = 0, q = 0;
	uint16_t n;

	while (idle < LB_DRAIN_IDLE_POLLS * nq &&
			rte_get_timer_cycles() < end) {
		q = (q + 1) % nq;
		n = rte_eth_rx_burst(p->vh_port, q, pkts, RTE_DIM(pkts));
		rte_pktmbuf_free_bulk(pkts, n);
		idle = n > 0 ? 0 : idle + 1;
		n = rte_eth_rx_burst(p->drv_port, q, pkts, RTE_DIM(pkts));
		rte_pktmbuf_free_bulk(pkts, n);
		if (n > 0)
			idle = 0;
	}
}

static int
lb_measure(struct lb_pair *p, const struct lb_opts *o,
	struct rte_mempool *mp, const uint8_t *frame, struct lb_result *r)
{
	uint64_t hz = rte_get_tsc_hz(), start, secs_tsc;
	struct lb_count c;
	unsigned int i;
	double secs;
	int ret;

	ret = lb_inject(p->vh_port, mp, frame, o);
	if (ret >= 0)
		ret = lb_inject(p->drv_port, mp, frame, o);
	if (ret < 0)
		return ret;

	/*
	 * Warm up caches and ring state; these counts are dropped. A device
	 * that learns translations by missing refuses bursts while it does,
	 * which empties the loops: put back what was dropped, until a
	 * warm-up drops nothing (or a few tries).
	 */
	for (i = 0; i < LB_WARMUP_TRIES; i++) {
		lb_forward(p, o, rte_rdtsc() + (uint64_t)(hz * LB_WARMUP_S),
			&c);
		if (c.drops == 0)
			break;
		ret = lb_inject_n(p->vh_port, 0, mp, frame, o,
			c.drops_to_drv);
		if (ret >= 0)
			ret = lb_inject_n(p->drv_port, 0, mp, frame, o,
				c.drops - c.drops_to_drv);
		if (ret < 0)
			return ret;
	}
	secs_tsc = (uint64_t)(hz * o->seconds);
	start = rte_rdtsc();
	lb_forward(p, o, start + secs_tsc, &c);
	secs = (double)(rte_rdtsc() - start) / hz;
	lb_drain(p, o->queues);
	if (lb_quit) {
		lb_err("interrupted");
		return -EINTR;
	}

	r->dev_drv_mpps = c.drv_rx / secs / 1e6;
	r->drv_dev_mpps = c.vh_rx / secs / 1e6;
	r->cycles = c.drv_moved > 0 ? (double)c.drv_cycles / c.drv_moved : 0;
	r->dev_cycles = c.drv_moved > 0 ?
		(double)c.dev_cycles / c.drv_moved : 0;
	r->drops = c.drops;
	if (c.drops > 0)
		fprintf(stderr, LB_PROG ": warning: %s: %" PRIu64
			" packets refused by Tx and dropped\n",
			p->label, c.drops);
	if (c.drv_rx == 0 || c.vh_rx == 0) {
		lb_err("%s: no packets moved (device->driver %" PRIu64
			", driver->device %" PRIu64 ")",
			p->label, c.drv_rx, c.vh_rx);
		lb_print_xstats(p->drv_port);
		return -EIO;
	}
	return 0;
}

/* Attaches every pair, then alternates them round by round. */
static int
lb_run(struct lb_pair *pairs, unsigned int npairs, const struct lb_opts *o,
	struct rte_mempool *mp)
{
	static uint8_t frame[LB_MAX_TSO_SIZE];
	char prefix[32];
	unsigned int r, i;
	int ret;

	if (o->tso != 0)
		lb_fill_tcp_frame(frame, o->size);
	else
		lb_fill_frame(frame, o->size);
	for (i = 0; i < npairs; i++) {
		ret = lb_pair_attach(&pairs[i], o, mp);
		if (ret < 0)
			return ret;
	}
	lb_print_header(o);
	for (r = 0; r < o->rounds; r++) {
		for (i = 0; i < npairs; i++) {
			ret = lb_measure(&pairs[i], o,
				pairs[i].mp != NULL ? pairs[i].mp : mp, frame,
				&pairs[i].res[r]);
			if (ret < 0)
				return ret;
			if (o->rounds > 1) {
				snprintf(prefix, sizeof(prefix),
					"round %u/%u ", r + 1, o->rounds);
				lb_print_result(prefix, &pairs[i], o,
					&pairs[i].res[r]);
			}
		}
	}
	lb_report(pairs, npairs, o);
	return 0;
}

/* Index of the "--" that ends the EAL arguments, or argc. */
static int
lb_split_args(int argc, char **argv)
{
	int i;

	for (i = 1; i < argc; i++)
		if (strcmp(argv[i], "--") == 0)
			return i;
	return argc;
}

int
main(int argc, char **argv)
{
	struct lb_opts o = {
		.target = { true, true },
		.size = 64,
		.seconds = 5,
		.queue_size = 256,
		.map = "va",
		.burst = 32,
		.rounds = 1,
		.queues = 1,
	};
	struct lb_pair pairs[LB_MAX_PAIRS];
	struct rte_mempool *mp = NULL;
	char tmpdir[] = "/tmp/vmap_lb.XXXXXX";
	unsigned int npairs = 0, i;
	int sep, ret;

	/* Program options are checked before EAL starts: exit 2 if bad. */
	sep = lb_split_args(argc, argv);
	if (sep < argc) {
		argv[sep] = argv[0];
		ret = lb_parse_opts(argc - sep, argv + sep, &o);
		if (ret != 0) {
			lb_usage(ret > 0 ? stdout : stderr);
			return ret > 0 ? 0 : 2;
		}
	} else if (lb_check_opts(&o) != 0) {
		return 2;
	}

	ret = rte_eal_init(sep, argv);
	if (ret < 0) {
		lb_err("EAL init failed: %s", rte_strerror(rte_errno));
		return rte_errno == EINVAL ? 2 : 1;
	}
	signal(SIGINT, lb_signal);
	signal(SIGTERM, lb_signal);
	/* before any port: --map lb_counted names it */
	ret = lb_kind_register();
	if (ret < 0) {
		lb_err("cannot register map kind %s: %s", LB_KIND_NAME,
			strerror(-ret));
		goto out_eal;
	}

	if (mkdtemp(tmpdir) == NULL) {
		ret = -errno;
		lb_err("mkdtemp %s: %s", tmpdir, strerror(errno));
		goto out_eal;
	}
	/* Map kinds in --map order, then virtio_user: the order of rounds. */
	for (i = 0; o.target[LB_TARGET_MAP] && i < o.nb_maps; i++)
		lb_pair_init(&pairs[npairs++], &o, LB_TARGET_MAP, i, tmpdir);
	if (o.target[LB_TARGET_USER])
		lb_pair_init(&pairs[npairs++], &o, LB_TARGET_USER, o.nb_maps,
			tmpdir);
	mp = lb_pool_create(&o, npairs);
	if (mp == NULL) {
		ret = -ENOMEM;
		goto out_tmpdir;
	}

	ret = lb_run(pairs, npairs, &o, mp);

	for (i = 0; i < npairs; i++)
		lb_pair_detach(&pairs[i]);
	rte_mempool_free(mp);
out_tmpdir:
	if (rmdir(tmpdir) < 0)
		lb_err("cannot remove %s: %s", tmpdir, strerror(errno));
	lb_kind_unregister();
out_eal:
	rte_eal_cleanup();
	return ret < 0 ? 1 : 0;
}
