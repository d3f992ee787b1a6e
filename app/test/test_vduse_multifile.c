/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The virtio_map authors
 */

/*
 * Hugepages test "vduse_multifile": the memory layout where map=va cannot
 * work and map=vduse must. EAL runs on 2 MB hugepages with one file per
 * page (no --single-file-segments) and -m 64, so its memory is 32 files
 * and sharing it with the device takes 32 memory-table regions, four times
 * what DPDK's vhost accepts (DPDK's own virtio_user fails here with "Too
 * many memory regions"). Two pairs in one process: first net_virtio_map0
 * with map=va against net_vhost0, whose start must fail (-E2BIG, no mbuf
 * kept) with the driver's error saying how many regions it needs and that
 * a vhost-user memory table holds 8; then net_virtio_map1 with map=vduse against net_vhost1, which
 * shares only its domain and carries 10^6 packets each way with every byte
 * checked. The runner reserves the pages as root and puts them back; the
 * test skips, saying why, otherwise.
 */

#include <stdlib.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_memory.h>

#include "vt.h"

#define HP_PAGES 40		/* -m 64 takes 32; pools may want more */
#define EAL_MB 64
#define PACKETS 1000000

static int
count_seg_fd(const struct rte_memseg_list *msl, const struct rte_memseg *ms,
	     void *arg)
{
	unsigned int *n = arg;

	RTE_SET_USED(msl);
	if (rte_memseg_get_fd_thread_unsafe(ms) >= 0)
		(*n)++;
	return 0;
}

/* map=va: the device cannot take the memory table; the port start fails. */
static int
va_refused(void)
{
	struct vt_pair_opts o = { .map = "va", .index = 0, .window = 256 };
	struct rte_eth_link link;
	struct vt_pair p;
	const char *at;
	char *log;
	double t0;
	int need = 0, ret, rc = VT_PASS;

	VT_CHECK(vt_pair_init(&p, &o));
	VT_CHECK(vt_pair_vhost_create(&p));
	VT_CHECK(vt_pair_drv_create(&p));
	VT_CHECK(vt_port_setup(p.vhost_port, p.queue_size, p.vhost_pool,
			       p.max_frame));
	VT_CHECK(vt_port_setup(p.drv_port, p.queue_size, p.drv_pool,
			       p.max_frame));
	VT_CHECK(vt_port_start(p.vhost_port));
	vt_phase("map=va: the driver's port start fails on the memory table");
	VT_CHECK(vt_log_capture_start());
	t0 = vt_now();
	ret = rte_eth_dev_start(p.drv_port);
	log = vt_log_capture_stop();
	VT_ASSERT_EQ(-E2BIG, ret, "rte_eth_dev_start() with map=va");
	VT_ASSERT_IN_USE(p.drv_pool, 0);
	memset(&link, 0, sizeof(link));
	VT_ASSERT_OK(rte_eth_link_get_nowait(p.drv_port, &link),
		     "rte_eth_link_get_nowait()");

	at = log != NULL ? strstr(log, "needs ") : NULL;
	if (at != NULL)
		need = atoi(at + strlen("needs "));
	if (link.link_status != RTE_ETH_LINK_DOWN) {
		vt_fail(__FILE__, __LINE__, "map=va link: expected down (memory in %d files), actual up",
			EAL_MB / 2);
		rc = VT_FAIL;
	} else if (log == NULL ||
		   strstr(log, "memory regions but a vhost-user memory table (SET_MEM_TABLE) holds 8") == NULL ||
		   strstr(log, "net_virtio_map0") == NULL || need <= 8) {
		vt_fail(__FILE__, __LINE__, "map=va: expected an error naming net_virtio_map0 that \"needs N memory regions but a vhost-user memory table (SET_MEM_TABLE) holds 8\" with N > 8, actual log \"%s\"",
			log == NULL ? "(null)" : log);
		rc = VT_FAIL;
	} else {
		vt_info("map=va refused as expected: needs %d regions, a memory table holds 8 (after %.0f ms)",
			need, (vt_now() - t0) * 1000);
	}
	free(log);
	VT_CHECK(vt_pair_down(&p, true));
	VT_CHECK(vt_pair_free_pools(&p));
	return rc;
}

static int
run(int argc, char **argv)
{
	struct vt_eal_opts eo = {
		.hugepages = true,
		.mem_mb = EAL_MB,
		.huge_dir = vt_ctx.huge_dir,
	};
	struct vt_pair_opts o = { .map = "vduse", .index = 1 };
	unsigned int files = 0;
	struct vt_pair p;

	if (argc != 1 || strcmp(argv[0], "split") != 0) {
		vt_fail(__FILE__, __LINE__, "expected one argument: split");
		return VT_FAIL;
	}
	VT_CHECK(vt_eal_init(&eo));
	rte_memseg_walk_thread_unsafe(count_seg_fd, &files);
	vt_info("EAL memory: %u hugepage segments with their own file", files);
	VT_ASSERT(files > 8, "hugepage files: expected more than 8 (one per page), actual %u",
		  files);

	VT_CHECK(va_refused());

	vt_phase("map=vduse on the same memory");
	VT_CHECK(vt_pair_up(&p, &o));
	VT_CHECK(vt_pair_traffic(&p, PACKETS, 60, 1514));
	VT_CHECK(vt_pair_down(&p, true));
	vt_phase("leak check");
	VT_CHECK(vt_pair_free_pools(&p));
	return VT_PASS;
}

static const struct vt_test test = {
	.name = "vduse_multifile",
	.usage = "split (as root)",
	.timeout_s = 280,
	.hugepages = HP_PAGES,
	.run = run,
};

int
main(int argc, char **argv)
{
	return vt_main(&test, argc, argv);
}
