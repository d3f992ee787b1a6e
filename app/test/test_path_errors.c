/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The virtio_map authors
 */

/*
 * Integration test "path_errors": what the driver does with a path that
 * is not a vhost-user socket it may use.
 *   file: client mode, path is a regular file. The port starts, the link
 *         stays down, and the driver says once, at warning level, what is
 *         at the path and that it keeps waiting; when the file is replaced
 *         by net_vhost's socket the link comes up and traffic passes.
 *   live: server=1 on a path where another process (here: the test)
 *         listens. The driver must not take that socket: probe fails with
 *         -EADDRINUSE and an error naming the path and the remedy, no
 *         port is left behind, and the other listener still accepts
 *         connections.
 */

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <rte_bus_vdev.h>
#include <rte_cycles.h>
#include <rte_ethdev.h>

#include "vt.h"

#define FIRST_S 10.0	/* the first warning, by then */
#define WAIT_S 1.0	/* then ten more retries of the alarm */
#define NOT_SOCK "is a regular file, not a vhost-user socket; still waiting"

/* How many times needle is in s. */
static unsigned int
count(const char *s, const char *needle)
{
	unsigned int n = 0;

	while ((s = strstr(s, needle)) != NULL) {
		n++;
		s++;
	}
	return n;
}

static int
case_file(void)
{
	struct vt_pair_opts o = { 0 };
	struct rte_eth_link link;
	struct vt_pair p;
	unsigned int n;
	char *log;
	double t0;
	int fd;

	VT_CHECK(vt_pair_init(&p, &o));
	fd = open(p.sock, O_CREAT | O_WRONLY, 0600);
	VT_ASSERT(fd >= 0, "create %s", p.sock);
	close(fd);
	VT_CHECK(vt_log_capture_start());
	VT_CHECK(vt_pair_drv_create(&p));
	VT_CHECK(vt_port_setup(p.drv_port, p.queue_size, p.drv_pool,
			       p.max_frame));
	VT_CHECK(vt_port_start(p.drv_port));
	for (t0 = vt_now(); vt_now() - t0 < FIRST_S &&
	     !vt_log_contains(NOT_SOCK);)
		rte_delay_us_sleep(10000);
	usleep(WAIT_S * 1e6);
	log = vt_log_capture_stop();
	VT_ASSERT(log != NULL, "log");
	n = count(log, NOT_SOCK);
	VT_ASSERT(n == 1, "warnings about the file in %.1f s: expected 1, actual %u",
		  vt_now() - t0, n);
	free(log);
	VT_ASSERT_OK(rte_eth_link_get_nowait(p.drv_port, &link), "link");
	VT_ASSERT_EQ(RTE_ETH_LINK_DOWN, link.link_status, "driver link");

	vt_phase("replace the file by net_vhost's socket");
	VT_ASSERT_EQ(0, unlink(p.sock), "unlink");
	VT_CHECK(vt_pair_vhost_create(&p));
	VT_CHECK(vt_port_setup(p.vhost_port, p.queue_size, p.vhost_pool,
			       p.max_frame));
	VT_CHECK(vt_port_start(p.vhost_port));
	VT_CHECK(vt_wait_link(p.drv_port, true, 5000));
	VT_CHECK(vt_wait_link(p.vhost_port, true, 5000));
	VT_CHECK(vt_pair_traffic(&p, 1000, 60, p.max_frame));
	VT_CHECK(vt_pair_down(&p, true));
	return vt_pair_free_pools(&p);
}

static int
case_live(void)
{
	struct vt_pair_opts o = { .drv_server = true };
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	char args[PATH_MAX + 32];
	int lfd, cfd, afd, ret;
	struct vt_pair p;
	char *log;

	VT_CHECK(vt_pair_init(&p, &o));
	VT_ASSERT(strlen(p.sock) < sizeof(sa.sun_path), "socket path");
	memcpy(sa.sun_path, p.sock, strlen(p.sock) + 1);
	lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	VT_ASSERT(lfd >= 0, "socket");
	VT_ASSERT(bind(lfd, (struct sockaddr *)&sa, sizeof(sa)) == 0,
		  "bind %s", p.sock);
	VT_ASSERT_EQ(0, listen(lfd, 4), "listen");

	/* a server listens from probe on: probe fails, naming the cause */
	snprintf(args, sizeof(args), "path=%s,server=1", p.sock);
	VT_CHECK(vt_log_capture_start());
	ret = rte_vdev_init(p.drv_name, args);
	log = vt_log_capture_stop();
	VT_ASSERT_EQ(-EADDRINUSE, ret, "rte_vdev_init on a live socket");
	VT_ASSERT(log != NULL && strstr(log, "another process is listening on path=") != NULL &&
		  strstr(log, "stop it or choose another path") != NULL,
		  "the error names the live listener and the remedy");
	free(log);
	VT_ASSERT_EQ(0, rte_eth_dev_count_avail(), "ports left behind");

	/* the other listener's socket is still there and still answers */
	cfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	VT_ASSERT(cfd >= 0, "socket");
	VT_ASSERT_EQ(0, connect(cfd, (struct sockaddr *)&sa, sizeof(sa)),
		     "connect to the other listener");
	afd = accept(lfd, NULL, NULL);
	VT_ASSERT(afd >= 0, "the other listener accepts");
	close(afd);
	close(cfd);
	close(lfd);
	unlink(p.sock);
	return vt_pair_free_pools(&p);
}

static int
run(int argc, char **argv)
{
	if (argc != 1 || (strcmp(argv[0], "file") != 0 &&
			  strcmp(argv[0], "live") != 0)) {
		vt_fail(__FILE__, __LINE__, "expected one argument, file or live");
		return VT_FAIL;
	}
	VT_CHECK(vt_eal_init(NULL));
	return strcmp(argv[0], "file") == 0 ? case_file() : case_live();
}

static const struct vt_test test = {
	.name = "path_errors",
	.usage = "file|live",
	.timeout_s = 120,
	.run = run,
};

int
main(int argc, char **argv)
{
	return vt_main(&test, argc, argv);
}
