/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The virtio_map authors
 */

/*
 * Test "backend_kill": the backend is another process, Debian's
 * dpdk-testpmd with DPDK's net_vhost forwarding every packet back (io,
 * port topology loop), and it is killed with SIGKILL and started again,
 * cycle after cycle, while the driver's port in this process stays
 * started. Each cycle: traffic both ways with every byte checked, SIGKILL,
 * link down with an LSC event within 2 s, a new backend, link up with an
 * LSC event and traffic again. The driver is the vhost-user client (the
 * stale socket file of a killed server is removed, as an operator's
 * script would) or the server (testpmd connects with client=1). A new
 * backend becomes reachable once it forwards (see backend_start()).
 * Reports the time from the backend being reachable to the link up and to
 * traffic verified, median and worst. Skipped when dpdk-testpmd is not
 * installed.
 * Arguments: client|server CYCLES.
 */

#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <rte_ethdev.h>

#include "vt.h"

#define TESTPMD		"/usr/bin/dpdk-testpmd"
#define UP_TIMEOUT_S	20.0	/* testpmd starts in a second or two */
#define DOWN_TIMEOUT_S	2.0
#define PACKETS		256	/* per cycle, through the other process */

static char prefix[64];

/*
 * Start testpmd with net_vhost on a path of its own (iface), then make it
 * reachable at the driver's path once testpmd forwards. DPDK 22.11's
 * net_vhost races with itself when its device becomes ready while its
 * port starts: new_device() on the vhost thread and eth_dev_start() on
 * the main thread each rewrite every queue's allow_queuing from a
 * different snapshot, which can leave its Rx on and its Tx off for good
 * (seen here: testpmd received the driver's 32 frames and sent none, with
 * TX-errors 0). A net_vhost client connects, and a server listens, as soon
 * as its port is configured, before the port starts; a backend a real
 * deployment restarts is reachable once it runs. So: testpmd as the
 * client connects through a symbolic link made then (its vhost library
 * retries every second), testpmd as the server has its socket renamed to
 * the driver's path then.
 */
static pid_t
backend_start(const char *dir, const char *sock, bool client, unsigned int n,
	      const char **log_path)
{
	static char iface[PATH_MAX], log[PATH_MAX];
	char vdev[PATH_MAX + 64];
	pid_t pid;
	int fd;

	snprintf(prefix, sizeof(prefix), "vt_backend_%d_%u", (int)getpid(),
		 n);
	snprintf(iface, sizeof(iface), "%s/backend%u.sock", dir, n);
	snprintf(log, sizeof(log), "%s/backend%u.log", dir, n);
	*log_path = log;
	snprintf(vdev, sizeof(vdev), "net_vhost0,iface=%s%s", iface,
		 client ? ",client=1" : "");
	pid = fork();
	if (pid != 0)
		return pid;
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	fd = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (fd >= 0) {
		dup2(fd, 1);
		dup2(fd, 2);
	}
	fd = open("/dev/null", O_RDONLY);
	if (fd >= 0)
		dup2(fd, 0);
	/* line-buffered, so that the log says when it forwards */
	execlp("stdbuf", "stdbuf", "-oL", TESTPMD, "-l", "0,1", "--no-pci",
	       "--no-huge", "-m", "512", "--file-prefix", prefix, "--vdev",
	       vdev, "--", "--forward-mode=io", "--port-topology=loop",
	       "--total-num-mbufs=8192", "--disable-link-check",
	       "--stats-period=1", (char *)NULL);
	_exit(127);
}

/* Once testpmd forwards, make it reachable at the driver's path. */
static int
backend_reach(const char *log, const char *dir, const char *sock,
	      bool client, unsigned int n)
{
	char iface[PATH_MAX], line[512];
	double t0 = vt_now();
	bool fwd = false;
	FILE *f;

	snprintf(iface, sizeof(iface), "%s/backend%u.sock", dir, n);
	while (!fwd) {
		if (vt_now() - t0 > UP_TIMEOUT_S) {
			vt_fail(__FILE__, __LINE__, "backend %u: expected testpmd to forward within %.0f s (see %s), actual not yet",
				n, UP_TIMEOUT_S, log);
			return VT_FAIL;
		}
		f = fopen(log, "r");
		while (f != NULL && !fwd && fgets(line, sizeof(line), f))
			fwd = strstr(line, "packet forwarding - ports=") != NULL;
		if (f != NULL)
			fclose(f);
		if (!fwd)
			rte_delay_us_sleep(10000);
	}
	if (client)
		VT_ASSERT(symlink(sock, iface) == 0, "symlink %s -> %s", iface,
			  sock);
	else
		VT_ASSERT(rename(iface, sock) == 0, "rename %s to %s", iface,
			  sock);
	return VT_PASS;
}

/* What a killed DPDK process leaves: its runtime folder. */
static void
backend_clean(void)
{
	char cmd[PATH_MAX];

	snprintf(cmd, sizeof(cmd), "rm -rf /var/run/dpdk/%s", prefix);
	if (system(cmd) != 0)
		vt_info("%s failed", cmd);
}

static int
run(int argc, char **argv)
{
	struct vt_pair_opts o = { .drv_lsc = true, .window = 64 };
	double *t_up, *t_flow, *t_down, t_back, up_med, up_max;
	double flow_med, flow_max, down_med, down_max;
	struct vt_stream s, *sp = &s;
	unsigned int cycles, i;
	uint64_t lost = 0;
	struct vt_pair p;
	const char *blog;
	uint32_t seen;
	bool client;
	char *end;
	pid_t pid;
	int st;

	if (argc != 2 || (strcmp(argv[0], "client") != 0 &&
			  strcmp(argv[0], "server") != 0)) {
		vt_fail(__FILE__, __LINE__, "arguments: client|server CYCLES");
		return VT_FAIL;
	}
	if (access(TESTPMD, X_OK) != 0) {
		vt_skip("%s not found: install Debian's dpdk-dev package",
			TESTPMD);
		return VT_SKIP;
	}
	client = strcmp(argv[0], "client") == 0;
	o.drv_server = !client;
	cycles = strtoul(argv[1], &end, 10);
	VT_ASSERT(*end == '\0' && cycles > 0, "cycles: %s", argv[1]);
	t_up = calloc(cycles, sizeof(*t_up));
	t_flow = calloc(cycles, sizeof(*t_flow));
	t_down = calloc(cycles, sizeof(*t_down));
	VT_ASSERT(t_up != NULL && t_flow != NULL && t_down != NULL, "calloc");

	VT_CHECK(vt_eal_init(NULL));
	VT_CHECK(vt_pair_init(&p, &o));
	VT_CHECK(vt_pair_drv_create(&p));
	VT_CHECK(vt_port_setup_lsc(p.drv_port, p.queue_size, p.drv_pool,
				   p.max_frame, true));
	VT_CHECK(vt_lsc_watch(p.drv_port));
	VT_CHECK(vt_port_start(p.drv_port));

	for (i = 0; i < cycles; i++) {
		vt_phase("cycle %u of %u: start the backend", i + 1, cycles);
		seen = vt_lsc_count(true);
		pid = backend_start(vt_ctx.dir, p.sock, !client, i, &blog);
		VT_ASSERT(pid > 0, "fork");
		VT_CHECK(backend_reach(blog, vt_ctx.dir, p.sock, !client, i));
		t_back = vt_now();
		VT_ASSERT(vt_wait_link_lsc(p.drv_port, true, seen, UP_TIMEOUT_S,
					   NULL, NULL) >= 0,
			  "cycle %u: link up with an LSC event within %.0f s of the backend being reachable",
			  i + 1, UP_TIMEOUT_S);
		t_up[i] = vt_now() - t_back;
		vt_stream_init(&s, "virtio_map->testpmd->virtio_map", 77,
			       p.drv_port, p.drv_port, p.gen_pool, PACKETS, 60,
			       p.max_frame, 32);
		VT_CHECK(vt_traffic(&sp, 1, 5000));
		t_flow[i] = vt_now() - t_back;

		vt_phase("cycle %u of %u: SIGKILL the backend", i + 1, cycles);
		seen = vt_lsc_count(false);
		kill(pid, SIGKILL);
		VT_ASSERT_EQ(pid, waitpid(pid, &st, 0), "waitpid");
		/* the process is gone, its sockets closed: from here on the
		 * driver's socket watch should take the link down at once */
		t_down[i] = vt_wait_link_lsc(p.drv_port, false, seen,
					     DOWN_TIMEOUT_S, NULL, NULL);
		VT_ASSERT(t_down[i] >= 0,
			  "cycle %u: link down with an LSC event within %.0f s of the SIGKILL",
			  i + 1, DOWN_TIMEOUT_S);
		backend_clean();
		/* a killed server leaves its socket file behind; a client
		 * came through a link */
		if (client) {
			unlink(p.sock);
		} else {
			char link[PATH_MAX];

			snprintf(link, sizeof(link), "%s/backend%u.sock",
				 vt_ctx.dir, i);
			unlink(link);
		}
	}

	VT_CHECK(vt_xstat_get(p.drv_port, "backend_lost", &lost));
	VT_ASSERT_EQ(cycles, lost, "xstat backend_lost");
	vt_median_max(t_up, cycles, &up_med, &up_max);
	vt_median_max(t_flow, cycles, &flow_med, &flow_max);
	vt_median_max(t_down, cycles, &down_med, &down_max);
	vt_info("%s: %u SIGKILLed backends; backend gone to link down: median %.4f s, worst %.4f s; backend back to link up: median %.3f s, worst %.3f s; to %u packets through it checked: median %.3f s, worst %.3f s; LSC events %u down, %u up",
		argv[0], cycles, down_med, down_max, up_med, up_max, PACKETS,
		flow_med, flow_max, vt_lsc_count(false), vt_lsc_count(true));
	free(t_up);
	free(t_flow);
	free(t_down);
	vt_lsc_unwatch(p.drv_port);
	VT_CHECK(vt_pair_down(&p, true));
	return vt_pair_free_pools(&p);
}

static const struct vt_test test = {
	.name = "backend_kill",
	.usage = "client|server CYCLES",
	.timeout_s = 600,
	.run = run,
};

int
main(int argc, char **argv)
{
	return vt_main(&test, argc, argv);
}
