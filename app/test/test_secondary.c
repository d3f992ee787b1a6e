/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The virtio_map authors
 */

/*
 * Hugepages test "secondary MAP": DPDK's multi-process model on a
 * net_virtio_map port. The primary (this program) runs net_vhost0 and
 * net_virtio_map0 with two queue pairs on 2 MB hugepages and starts a
 * secondary process (this program again, --proc-type=secondary) that
 * polls queue pair 1 of the driver's port itself: 20000 packets out of
 * Tx queue 1, which the primary echoes from net_vhost's queue 1 back into
 * the driver's Rx queue 1, where the secondary checks every byte and the
 * order. Meanwhile the primary sends its own packets through queue pair
 * 0. The secondary's packets must show in the primary's per-queue xstats
 * (the counters are shared). While the secondary is attached, the primary
 * hot-plugs a second net_virtio_map port and removes it (rte_dev_probe()
 * and rte_dev_remove() reach every process), and a configuration call
 * from the secondary is refused with -E_RTE_SECONDARY.
 *
 * MAP is va; vduse (the secondary maps the primary's IOVA domain, sent
 * as memfds, at the same address, and bounces through the same pools);
 * or local: a kind both processes register that does not set
 * RTE_VMAP_F_MULTI_PROCESS, so the secondary attaches (stats work) but
 * its bursts move nothing, as the guide says.
 *
 * With "reconnect" the secondary bursts on queue pair 1 without end while
 * the primary takes net_vhost away and brings it back: the secondary
 * must not crash nor use a queue the primary reset, and its traffic must
 * resume (frames checked), then the primary's too.
 */

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <rte_bus_vdev.h>
#include <rte_cycles.h>
#include <rte_dev.h>
#include <rte_eal.h>
#include <rte_epoll.h>
#include <rte_ethdev.h>
#include <rte_interrupts.h>
#include <rte_mbuf.h>

#include "rte_pmd_virtio_map.h"
#include "vmap.h"
#include "vt.h"

#define HP_PAGES	128		/* -m 256 */
#define PACKETS		20000		/* the secondary's, each way */
#define SEC_TIMEOUT_S	60

extern char **environ;

/*
 * "local": the va kind under another name, without
 * RTE_VMAP_F_MULTI_PROCESS (a kind whose state would be in one process).
 */
static struct rte_vmap_ops local_ops;

static int
register_local(void)
{
	local_ops = vmap_va_ops;
	local_ops.name = "local";
	local_ops.kind = RTE_VMAP_KIND_OPS;
	local_ops.flags = 0;
	return rte_pmd_virtio_map_ops_register(&local_ops);
}

/* ---- the secondary process ---- */

/* This process's mappings of port name's vduse domain (its memfds). */
static int
domain_mappings(const char *name)
{
	char line[512], want[96];
	FILE *f = fopen("/proc/self/maps", "r");
	int n = 0;

	if (f == NULL)
		return -1;
	snprintf(want, sizeof(want), "vmap:%s:", name);
	while (fgets(line, sizeof(line), f) != NULL)
		n += strstr(line, want) != NULL;
	fclose(f);
	return n;
}

static int
secondary(const char *map, const char *prefix, bool reconnect)
{
	char *eal[] = { (char *)"vt_secondary", (char *)"--proc-type=secondary",
		(char *)"--file-prefix", (char *)prefix, (char *)"--lcores",
		(char *)"1@(0,1)", (char *)"--no-pci",
		(char *)"--log-level=pmd.net.virtio_map,info", NULL };
	struct rte_mempool *mp;
	struct vt_stream s;
	struct rte_mbuf *m;
	uint16_t port;
	char buf[64];
	int ret, rc = VT_FAIL;

	if (strcmp(map, "local") == 0 && register_local() != 0) {
		printf("secondary: cannot register the kind local\n");
		return VT_FAIL;
	}
	if (rte_eal_init(RTE_DIM(eal) - 1, eal) < 0) {
		printf("secondary: rte_eal_init failed: %s\n",
		       rte_strerror(rte_errno));
		return VT_FAIL;
	}
	if (rte_eth_dev_get_port_by_name("net_virtio_map0", &port) != 0) {
		printf("secondary: no port net_virtio_map0\n");
		goto out;
	}
	ret = rte_eth_dev_set_mtu(port, 1400);
	if (ret != -E_RTE_SECONDARY) {
		printf("secondary: set_mtu: expected -E_RTE_SECONDARY, actual %d\n",
		       ret);
		goto out;
	}
	printf("secondary: set_mtu refused with -E_RTE_SECONDARY\n");
	mp = rte_pktmbuf_pool_create("vt_sec_pool", 4096, 0, 0,
				     RTE_MBUF_DEFAULT_BUF_SIZE, rte_socket_id());
	if (mp == NULL) {
		printf("secondary: no mbuf pool: %s\n", rte_strerror(rte_errno));
		goto out;
	}
	if (reconnect) {
		/* burst on until told to stop, saying how much came back:
		 * the primary takes the backend away and back meanwhile */
		uint64_t rx = 0, tx = 0;
		double last = 0;
		struct rte_ether_addr mac;

		rte_eth_macaddr_get(port, &mac);
		fcntl(0, F_SETFL, O_NONBLOCK);
		for (;;) {
			struct rte_mbuf *b[32];
			uint16_t k, i, n = 0;

			if (rte_pktmbuf_alloc_bulk(mp, b, 32) == 0) {
				for (i = 0; i < 32; i++) {
					char *d = rte_pktmbuf_append(b[i], 64);

					memset(d, 0x5a, 64);
					rte_ether_addr_copy(&mac,
						(struct rte_ether_addr *)d);
				}
				n = rte_eth_tx_burst(port, 1, b, 32);
				tx += n;
				if (n < 32)
					rte_pktmbuf_free_bulk(&b[n], 32 - n);
			}
			k = rte_eth_rx_burst(port, 1, b, RTE_DIM(b));
			for (i = 0; i < k; i++) {
				const uint8_t *d = rte_pktmbuf_mtod(b[i],
							const uint8_t *);

				if (b[i]->pkt_len != 64 || d[20] != 0x5a) {
					printf("secondary: wrong frame back (len %u)\n",
					       b[i]->pkt_len);
					goto out;
				}
			}
			rx += k;
			if (k != 0)
				rte_pktmbuf_free_bulk(b, k);
			if (rte_get_timer_cycles() / (double)rte_get_timer_hz() -
			    last > 0.1) {
				last = rte_get_timer_cycles() /
				       (double)rte_get_timer_hz();
				printf("secondary: rx %" PRIu64 " tx %" PRIu64 "\n",
				       rx, tx);
				fflush(stdout);
			}
			if (read(0, buf, sizeof(buf)) == 0)
				break;	/* the primary is done */
		}
		printf("secondary: rx %" PRIu64 " tx %" PRIu64 " in all\n",
		       rx, tx);
		rc = VT_PASS;
		goto out;
	}
	if (strcmp(map, "local") == 0) {
		/* refused: bursts move nothing, say so once at attach */
		m = rte_pktmbuf_alloc(mp);
		if (m == NULL || vt_pkt_fill(&(struct vt_stream){ .min_len = 60,
					     .max_len = 60 }, m, 0) != VT_PASS)
			goto out;
		ret = rte_eth_tx_burst(port, 1, &m, 1);
		if (ret != 0) {
			printf("secondary: map=local Tx burst took %d packets, expected 0\n",
			       ret);
			goto out;
		}
		rte_pktmbuf_free(m);
		printf("secondary: map=local bursts refused\n");
	} else {
		vt_stream_init(&s, "secondary virtio_map q1", 7, port, port,
			       mp, PACKETS, 60, 1514, 256);
		double t0;

		s.tx_queue = 1;
		s.rx_queue = 1;
		t0 = vt_now();
		if (vt_traffic((struct vt_stream *[]){ &s }, 1, 10000) !=
		    VT_PASS)
			goto out;
		t0 = vt_now() - t0;
		/* the rate is the primary's echo loop's as much as ours */
		printf("secondary: %" PRIu64 " packets out of Tx queue 1 came back on Rx queue 1, every byte checked, in %.3f s (%.0f packets/s round trip)\n",
		       s.received, t0, s.received / t0);
	}
	/* attached until the primary is done with hot-plug; asked, it
	 * says how much of the hot-plugged port's vduse domain it maps */
	printf("secondary: ready\n");
	fflush(stdout);
	while (fgets(buf, sizeof(buf), stdin) != NULL) {
		buf[strcspn(buf, "\n")] = '\0';
		printf("secondary: %s: %d mappings of net_virtio_map9's domain\n",
		       buf, domain_mappings("net_virtio_map9"));
		fflush(stdout);
	}
	rc = VT_PASS;
out:
	fflush(stdout);
	rte_eal_cleanup();
	return rc;
}

/* ---- the primary ---- */

/* Echo what net_vhost's queue q receives back into it. */
static uint64_t
echo(uint16_t port, uint16_t q)
{
	struct rte_mbuf *pkts[32];
	uint16_t n, sent;

	n = rte_eth_rx_burst(port, q, pkts, RTE_DIM(pkts));
	sent = n == 0 ? 0 : rte_eth_tx_burst(port, q, pkts, n);
	if (sent < n)
		rte_pktmbuf_free_bulk(&pkts[sent], n - sent);
	return n;
}

/* Read what the secondary printed so far: its latest rx count. */
static uint64_t
sec_rx(FILE *f, uint64_t rx)
{
	char line[256];
	uint64_t v;

	while (fgets(line, sizeof(line), f) != NULL) {
		if (sscanf(line, "secondary: rx %" SCNu64, &v) == 1)
			rx = v;
		else
			printf("   | %s", line);
	}
	clearerr(f);
	return rx;
}

/*
 * Tell the secondary what happened (word) and check its answer: the
 * mappings of net_virtio_map9's domain it has now must be want.
 */
static int
ask_secondary(int to, FILE *f, const char *word, int want)
{
	char line[256], prefix[64];
	double t0 = vt_now();
	int n;

	snprintf(prefix, sizeof(prefix), "secondary: %s: %%d", word);
	VT_ASSERT(dprintf(to, "%s\n", word) > 0, "write to the secondary");
	for (;;) {
		while (fgets(line, sizeof(line), f) != NULL) {
			printf("   | %s", line);
			if (sscanf(line, prefix, &n) == 1) {
				VT_ASSERT(n == want, "mappings of net_virtio_map9's domain in the secondary, %s: expected %d, actual %d",
					  word, want, n);
				return VT_PASS;
			}
		}
		clearerr(f);
		VT_ASSERT(vt_now() - t0 < 10, "no answer from the secondary (%s)",
			  word);
		usleep(1000);
	}
}

/* Echo both of net_vhost's queues for a while, following the secondary. */
static uint64_t
echo_for(struct vt_pair *p, FILE *f, uint64_t rx, double s)
{
	double t0 = vt_now();

	while (vt_now() - t0 < s) {
		echo(p->vhost_port, 1);
		echo(p->vhost_port, 0);
		rx = sec_rx(f, rx);
	}
	return rx;
}

/*
 * The backend goes away and comes back while the secondary bursts on
 * queue pair 1: it must not crash nor use a queue stale (the burst gate
 * covers it), and its traffic must resume.
 */
static int
reconnect(struct vt_pair *p, FILE *f, pid_t pid)
{
	uint64_t rx = 0, before, mark;
	double t0 = vt_now();
	int status;

	vt_phase("the secondary bursts");
	while (rx < 2000) {
		rx = echo_for(p, f, rx, 0.05);
		VT_ASSERT(waitpid(pid, &status, WNOHANG) == 0,
			  "secondary exited (status 0x%x)", status);
		VT_ASSERT(vt_now() - t0 < SEC_TIMEOUT_S,
			  "secondary got %" PRIu64 " packets back in %d s", rx,
			  SEC_TIMEOUT_S);
	}
	vt_info("secondary: %" PRIu64 " packets back before the backend goes", rx);

	vt_phase("the backend goes away while the secondary bursts");
	VT_CHECK(vt_pair_vhost_remove(p));
	VT_CHECK(vt_wait_link(p->drv_port, false, 5000));
	before = sec_rx(f, rx);
	/* the secondary bursts on against a port that is down */
	rx = sec_rx(f, before);
	usleep(300 * 1000);
	rx = sec_rx(f, rx);
	VT_ASSERT(waitpid(pid, &status, WNOHANG) == 0,
		  "secondary died while the backend was away (status 0x%x)",
		  status);

	vt_phase("the backend comes back");
	VT_CHECK(vt_pair_vhost_create(p));
	VT_CHECK(vt_port_setup_q(p->vhost_port, 2, p->queue_size,
				 p->vhost_pool, p->max_frame, false));
	VT_CHECK(vt_port_start(p->vhost_port));
	VT_CHECK(vt_wait_link(p->drv_port, true, 10000));
	VT_CHECK(vt_wait_link(p->vhost_port, true, 5000));
	mark = rx = sec_rx(f, rx);
	vt_info("link up again; the secondary had %" PRIu64 " packets back", mark);
	t0 = vt_now();
	while (rx < mark + 2000) {
		rx = echo_for(p, f, rx, 0.05);
		VT_ASSERT(waitpid(pid, &status, WNOHANG) == 0,
			  "secondary exited (status 0x%x)", status);
		VT_ASSERT(vt_now() - t0 < SEC_TIMEOUT_S,
			  "secondary traffic did not resume: %" PRIu64 " packets back, %" PRIu64 " before the reconnect",
			  rx, mark);
	}
	vt_info("secondary traffic resumed: %" PRIu64 " packets back after the reconnect",
		rx - mark);
	return VT_PASS;
}

static int
run(int argc, char **argv)
{
	struct vt_eal_opts eo = {
		.hugepages = true,
		.mem_mb = 2 * HP_PAGES,
		.single_file_segments = true,
		.huge_dir = vt_ctx.huge_dir,
	};
	struct vt_pair_opts po = { .queue_size = 256, .queues = 2 };
	char devargs[PATH_MAX + 64], sock2[PATH_MAX], line[256];
	char *sargv[6];
	bool recon;
	struct vt_pair p;
	struct rte_mempool *own_pool;
	int to_sec[2], from_sec[2], status;
	uint64_t echoed = 0, own = 0, v;
	pid_t pid;
	double t0;
	FILE *f;
	bool ready = false;
	struct rte_epoll_event ev;
	uint64_t kicks = 0;

	if (argc < 1 || argc > 2 ||
	    (strcmp(argv[0], "va") && strcmp(argv[0], "vduse") &&
	     strcmp(argv[0], "local")) ||
	    (argc == 2 && strcmp(argv[1], "reconnect"))) {
		vt_fail(__FILE__, __LINE__, "expected va|vduse|local [reconnect]");
		return VT_FAIL;
	}
	recon = argc == 2;
	po.map = argv[0];
	po.vhost_rxq_intr = !recon;
	if (strcmp(po.map, "local") == 0)
		VT_ASSERT_OK(register_local(), "register the kind local");
	VT_CHECK(vt_eal_init(&eo));
	VT_CHECK(vt_pair_up(&p, &po));

	if (!recon) {
		/*
		 * net_vhost asks the driver to kick its Rx queue 1 (the
		 * driver's Tx queue 1, the secondary's) and its kick eventfd
		 * wakes this thread's epoll: the secondary's kicks, through
		 * its copies of the eventfds, must reach the device.
		 */
		VT_ASSERT_OK(rte_eth_dev_rx_intr_ctl_q(p.vhost_port, 1,
						       RTE_EPOLL_PER_THREAD,
						       RTE_INTR_EVENT_ADD, NULL),
			     "net_vhost Rx queue 1 interrupt into the epoll");
		VT_ASSERT_OK(rte_eth_dev_rx_intr_enable(p.vhost_port, 1),
			     "net_vhost Rx queue 1 interrupt enable");
	}
	own_pool = rte_pktmbuf_pool_create("vt_own_pool", 1024, 0, 0,
					   RTE_MBUF_DEFAULT_BUF_SIZE,
					   rte_socket_id());
	VT_ASSERT(own_pool != NULL, "the primary's packet pool");

	vt_phase("start the secondary process (map=%s)", po.map);
	VT_ASSERT(pipe(to_sec) == 0 && pipe(from_sec) == 0, "pipes");
	sargv[0] = (char *)"/proc/self/exe";
	sargv[1] = (char *)"--secondary";
	sargv[2] = (char *)po.map;
	sargv[3] = vt_ctx.prefix;
	sargv[4] = recon ? (char *)"reconnect" : NULL;
	sargv[5] = NULL;
	/*
	 * fork and exec rather than spawn: the child keeps no descriptor of
	 * ours (DPDK's vhost does not mark its sockets close-on-exec, and a
	 * copy in the child would keep the connection open when the
	 * backend goes away). Only async-signal-safe calls in the child.
	 */
	pid = fork();
	VT_ASSERT(pid >= 0, "fork the secondary");
	if (pid == 0) {
		if (dup2(to_sec[0], 0) < 0 || dup2(from_sec[1], 1) < 0)
			_exit(127);
		close_range(3, ~0U, 0);
		execve("/proc/self/exe", sargv, environ);
		_exit(127);
	}
	close(to_sec[0]);
	close(from_sec[1]);
	f = fdopen(from_sec[0], "r");
	VT_ASSERT(f != NULL, "fdopen");
	/* its output line by line, without blocking the echo */
	VT_ASSERT(fcntl(from_sec[0], F_SETFL, O_NONBLOCK) == 0, "nonblock");

	if (recon) {
		VT_CHECK(reconnect(&p, f, pid));
		close(to_sec[1]);
		VT_ASSERT(waitpid(pid, &status, 0) == pid, "waitpid");
		sec_rx(f, 0);
		fclose(f);
		VT_ASSERT(WIFEXITED(status) && WEXITSTATUS(status) == 0,
			  "secondary exit status 0x%x", status);
		/* pair 0 carries traffic both ways after it */
		VT_CHECK(vt_pair_traffic(&p, 10000, 60, 1514));
		VT_CHECK(vt_pair_down(&p, true));
		return VT_PASS;
	}
	t0 = vt_now();
	while (!ready) {
		struct rte_mbuf *m = NULL, *r[32];
		uint16_t k;

		echoed += echo(p.vhost_port, 1);
		echo(p.vhost_port, 0);
		if (rte_epoll_wait(RTE_EPOLL_PER_THREAD, &ev, 1, 0) > 0)
			kicks++;
		/* the primary's own packets around pair 0, meanwhile */
		if (rte_pktmbuf_alloc_bulk(own_pool, &m, 1) == 0) {
			char *d = rte_pktmbuf_append(m, 60);

			/* to the driver's port address: its filter lets it in */
			memset(d, 0xab, 60);
			rte_eth_macaddr_get(p.drv_port, (struct rte_ether_addr *)d);
			if (rte_eth_tx_burst(p.drv_port, 0, &m, 1) == 0)
				rte_pktmbuf_free(m);
		}
		k = rte_eth_rx_burst(p.drv_port, 0, r, RTE_DIM(r));
		own += k;
		if (k != 0)
			rte_pktmbuf_free_bulk(r, k);
		while (fgets(line, sizeof(line), f) != NULL) {
			printf("   | %s", line);
			if (strncmp(line, "secondary: ready", 16) == 0)
				ready = true;
		}
		clearerr(f);
		if (waitpid(pid, &status, WNOHANG) == pid) {
			vt_fail(__FILE__, __LINE__, "secondary exited before it was ready (status 0x%x)",
				status);
			return VT_FAIL;
		}
		VT_ASSERT(vt_now() - t0 < SEC_TIMEOUT_S,
			  "secondary not ready after %d s", SEC_TIMEOUT_S);
	}
	vt_info("primary: echoed %" PRIu64 " packets of the secondary, %" PRIu64 " of its own through pair 0",
		echoed, own);

	vt_phase("hot-plug a port with the secondary attached");
	snprintf(sock2, sizeof(sock2), "%s/hotplug.sock", vt_ctx.dir);
	/* of the same kind: a vduse port's domain is mapped in the
	 * secondary at probe and unmapped at remove */
	snprintf(devargs, sizeof(devargs), "path=%s,map=%s", sock2, po.map);
	VT_ASSERT_OK(rte_eal_hotplug_add("vdev", "net_virtio_map9", devargs),
		     "rte_eal_hotplug_add net_virtio_map9 with a secondary attached");
	/* vduse: both regions mapped in the secondary (the probe there ran
	 * before hotplug_add returned), none after the remove */
	VT_CHECK(ask_secondary(to_sec[1], f, "plugged",
			       strcmp(po.map, "vduse") == 0 ? 2 : 0));
	VT_ASSERT_OK(rte_eal_hotplug_remove("vdev", "net_virtio_map9"),
		     "rte_eal_hotplug_remove net_virtio_map9 with a secondary attached");
	VT_CHECK(ask_secondary(to_sec[1], f, "removed", 0));
	vt_info("net_virtio_map9 added and removed in both processes");

	vt_phase("let the secondary go");
	close(to_sec[1]);
	VT_ASSERT(waitpid(pid, &status, 0) == pid, "waitpid");
	while (fgets(line, sizeof(line), f) != NULL)
		printf("   | %s", line);
	fclose(f);
	VT_ASSERT(WIFEXITED(status) && WEXITSTATUS(status) == 0,
		  "secondary exit status 0x%x", status);

	if (strcmp(po.map, "local") != 0) {
		VT_CHECK(vt_xstat_get(p.drv_port, "tx_q1_good_packets", &v));
		VT_ASSERT_EQ(PACKETS, v, "tx_q1_good_packets in the primary");
		VT_CHECK(vt_xstat_get(p.drv_port, "rx_q1_good_packets", &v));
		VT_ASSERT_EQ(PACKETS, v, "rx_q1_good_packets in the primary");
		VT_ASSERT_EQ(PACKETS, echoed, "packets the primary echoed");
		VT_CHECK(vt_xstat_get(p.drv_port, "tx_q1_notifications", &v));
		vt_info("the secondary kicked Tx queue 1 %" PRIu64 " times through its copy of the eventfd; the device's epoll woke %" PRIu64 " times",
			v, kicks);
		VT_ASSERT(v > 0, "the secondary's kicks of Tx queue 1 (tx_q1_notifications)");
		VT_ASSERT(kicks > 0, "wake-ups of net_vhost's Rx queue 1 interrupt");
	} else {
		VT_ASSERT_EQ(0, echoed, "packets of the refused secondary");
	}
	VT_ASSERT(own > 0, "the primary's own packets through pair 0");
	/* what pair 0 still carries, out of the way of the check below */
	for (t0 = vt_now(); vt_now() - t0 < 0.2;) {
		struct rte_mbuf *r[32];
		uint16_t k = rte_eth_rx_burst(p.vhost_port, 0, r, RTE_DIM(r));

		k += rte_eth_rx_burst(p.drv_port, 0, r + k,
				      RTE_DIM(r) - k);
		if (k != 0) {
			rte_pktmbuf_free_bulk(r, k);
			t0 = vt_now();
		}
	}
	/* the pair still carries traffic both ways */
	VT_CHECK(vt_pair_traffic(&p, 10000, 60, 1514));
	VT_CHECK(vt_pair_down(&p, true));
	return VT_PASS;
}

int
main(int argc, char **argv)
{
	static const struct vt_test t = {
		.name = "secondary",
		.usage = "va|vduse|local [reconnect]",
		.timeout_s = 120,
		.hugepages = HP_PAGES,
		.run = run,
	};

	if (argc >= 4 && strcmp(argv[1], "--secondary") == 0)
		return secondary(argv[2], argv[3], argc == 5);
	return vt_main(&t, argc, argv);
}
