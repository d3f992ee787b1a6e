/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The virtio_map authors
 */

/*
 * Test "iommu_errors": the iommu devarg's failures are clear: the port
 * start fails with the error (twice alike, nothing leaked), the link stays
 * down.
 *   on_unsupported  (integration, --no-huge) iommu=on against net_vhost
 *                   without iommu-support: the log names iommu and the
 *                   remedy (iommu-support=1), the link stays down.
 *   on_debug        (integration, --no-huge) map=va,map_debug=1,iommu=on:
 *                   the debug layer maps through no per-queue window the
 *                   IOTLB could describe; the log names iommu=on and
 *                   map_debug=1, the link stays down.
 *   off_runs        (hugepages, root) map=pa,iommu=off with more IOVA runs
 *                   than memory-table regions: the existing "needs N
 *                   memory regions" error, the link stays down, even
 *                   though net_vhost offers an IOTLB.
 */

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_eal.h>
#include <rte_ethdev.h>

#include "vmap.h"
#include "vt.h"

#define HP_PAGES 32		/* -m 64 */

static char hp_dir[PATH_MAX];

static bool
is_off_runs(int argc, char **argv)
{
	return argc == 1 && strcmp(argv[0], "off_runs") == 0;
}

static int
setup(int argc, char **argv)
{
	if (!is_off_runs(argc, argv))
		return VT_PASS;
	return vt_hugepages_setup(HP_PAGES + 8, hp_dir, sizeof(hp_dir));
}

static void
teardown(void)
{
	vt_hugepages_teardown();
}

/*
 * Bring the pair up by hand and expect the driver's port start to fail
 * with err and a log line holding every needle; twice (nothing was left
 * half done by the first), then the link is down and nothing leaked.
 */
static int
expect_refused(struct vt_pair_opts *po, const char *const *needles, int err)
{
	struct rte_eth_link link;
	struct vt_pair p;
	unsigned int i, k;
	char *log;
	int ret, rc = VT_PASS;

	VT_CHECK(vt_pair_init(&p, po));
	VT_CHECK(vt_pair_vhost_create(&p));
	VT_CHECK(vt_pair_drv_create(&p));
	VT_CHECK(vt_port_setup(p.vhost_port, p.queue_size, p.vhost_pool,
			       p.max_frame));
	VT_CHECK(vt_port_setup(p.drv_port, p.queue_size, p.drv_pool,
			       p.max_frame));
	VT_CHECK(vt_port_start(p.vhost_port));
	for (k = 0; k < 2 && rc == VT_PASS; k++) {
		vt_phase("start %u: expect %s and the error naming '%s'",
			 k + 1, strerror(err), needles[0]);
		VT_CHECK(vt_log_capture_start());
		ret = rte_eth_dev_start(p.drv_port);
		log = vt_log_capture_stop();
		for (i = 0; needles[i] != NULL && rc == VT_PASS; i++)
			if (strstr(log, needles[i]) == NULL) {
				vt_fail(__FILE__, __LINE__, "log lacks '%s'",
					needles[i]);
				rc = VT_FAIL;
			}
		free(log);
		VT_ASSERT_EQ(-err, ret, "rte_eth_dev_start() of the driver");
		VT_ASSERT_IN_USE(p.drv_pool, 0);
	}
	VT_ASSERT_OK(rte_eth_link_get_nowait(p.drv_port, &link),
		     "link of the driver");
	VT_ASSERT_EQ(RTE_ETH_LINK_DOWN, link.link_status, "driver link");
	VT_CHECK(vt_pair_down(&p, true));
	VT_CHECK(vt_pair_free_pools(&p));
	return rc;
}

static int
on_unsupported(void)
{
	static const char *const needles[] = {
		"iommu=on", "VIRTIO_F_ACCESS_PLATFORM", "iommu-support=1",
		NULL
	};
	struct vt_eal_opts eo = { .hugepages = false };
	struct vt_pair_opts po = {
		.map = "va",
		.drv_extra = "iommu=on",
	};

	VT_CHECK(vt_eal_init(&eo));
	return expect_refused(&po, needles, ENOTSUP);
}

static int
on_debug(void)
{
	static const char *const needles[] = {
		"iommu=on needs", "map_debug=1", "iommu=off", NULL
	};
	struct vt_eal_opts eo = { .hugepages = false };
	struct vt_pair_opts po = {
		.map = "va",
		.drv_extra = "map_debug=1,iommu=on",
		.vhost_extra = "iommu-support=1",
	};

	VT_CHECK(vt_eal_init(&eo));
	return expect_refused(&po, needles, EINVAL);
}

static int
off_runs(void)
{
	static const char *const extra[] = { "--socket-limit=64", NULL };
	static const char *const needles[] = {
		"memory regions", "map=pa", NULL
	};
	struct vt_eal_opts eo = {
		.hugepages = true,
		.mem_mb = 2 * HP_PAGES,
		.iova_pa = true,
		.single_file_segments = true,
		.huge_dir = hp_dir,
		.extra = extra,
	};
	struct vt_pair_opts po = {
		.map = "pa",
		.queue_size = 64,
		.window = 128,
		.drv_extra = "iommu=off",
		.vhost_extra = "iommu-support=1",
	};
	int runs;

	VT_CHECK(vt_eal_init(&eo));
	runs = vmap_eal_runs(NULL, 0, true, false);
	vt_info("%d IOVA run(s) for %d MB", runs, 2 * HP_PAGES);
	/* how many depends on where the kernel found the pages */
	if (runs <= 8) {
		vt_skip("the %d IOVA run(s) fit the 8 regions of the table: nothing to refuse on this machine",
			runs);
		return VT_SKIP;
	}
	return expect_refused(&po, needles, E2BIG);
}

static int
run(int argc, char **argv)
{
	if (argc == 1 && strcmp(argv[0], "on_unsupported") == 0)
		return on_unsupported();
	if (argc == 1 && strcmp(argv[0], "on_debug") == 0)
		return on_debug();
	if (is_off_runs(argc, argv))
		return off_runs();
	vt_fail(__FILE__, __LINE__,
		"expected on_unsupported|on_debug|off_runs");
	return VT_FAIL;
}

static const struct vt_test test = {
	.name = "iommu_errors",
	.usage = "on_unsupported|on_debug|off_runs (off_runs as root)",
	.timeout_s = 120,
	.setup = setup,
	.teardown = teardown,
	.run = run,
};

int
main(int argc, char **argv)
{
	return vt_main(&test, argc, argv);
}
