/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The virtio_map authors
 */

/*
 * Hugepages test "pa_hugepages": map=pa with EAL in IOVA-as-PA mode on 2 MB
 * hugepages. The runner reserves eight pages (and mounts hugetlbfs on
 * /dev/hugepages when nothing is mounted) before the body starts, and puts
 * both back afterwards; the runner also removes the page files with this
 * test's file prefix. EAL gets -m 16 with --single-file-segments and a
 * 16 MB socket limit: 2 MB pages come out in descending physical order
 * here, so every page is its own memory-table region, and DPDK's vhost
 * accepts eight. The body checks pa attaches and describes memory by IOVA,
 * then carries traffic both ways with every byte checked. Needs root;
 * skips, saying why, otherwise.
 */

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>
#include <mntent.h>

#include <rte_eal.h>
#include <rte_ethdev.h>

#include "vmap.h"
#include "vt.h"

#define HP_SYSFS "/sys/kernel/mm/hugepages/hugepages-2048kB"
#define HP_PAGES 8		/* -m 16 */
#define HP_MOUNT "/dev/hugepages"
#define PACKETS 100000

static long hp_orig_nr = -1;
static bool hp_mounted;
static char hp_dir[PATH_MAX];

static long
read_long(const char *path)
{
	FILE *f = fopen(path, "r");
	long v = -1;

	if (f == NULL)
		return -1;
	if (fscanf(f, "%ld", &v) != 1)
		v = -1;
	fclose(f);
	return v;
}

static int
write_long(const char *path, long v)
{
	FILE *f = fopen(path, "w");
	int ret;

	if (f == NULL)
		return -errno;
	ret = fprintf(f, "%ld\n", v) < 0 ? -EIO : 0;
	if (fclose(f) != 0 && ret == 0)
		ret = -errno;
	return ret;
}

/* A hugetlbfs mount of 2 MB pages (explicitly, or by default). */
static bool
find_mount(char *dir, size_t len)
{
	struct mntent *ent;
	bool found = false;
	FILE *m;

	m = setmntent("/proc/mounts", "r");
	if (m == NULL)
		return false;
	while ((ent = getmntent(m)) != NULL) {
		const char *ps;

		if (strcmp(ent->mnt_type, "hugetlbfs") != 0)
			continue;
		ps = hasmntopt(ent, "pagesize");
		if (ps != NULL && strncmp(ps, "pagesize=2M", 11) != 0)
			continue;
		/* without the option the page size is the default: 2 MB on
		 * x86_64, checked by the sysfs directory we use
		 */
		snprintf(dir, len, "%s", ent->mnt_dir);
		found = true;
		break;
	}
	endmntent(m);
	return found;
}

static int
setup(int argc, char **argv)
{
	long nr, free_pages;
	int ret;

	RTE_SET_USED(argc);
	RTE_SET_USED(argv);
	if (geteuid() != 0) {
		vt_skip("needs root to reserve 2 MB hugepages and run EAL with IOVA as PA (running as uid %d); run as root: meson test -C build --suite hugepages",
			(int)geteuid());
		return VT_SKIP;
	}
	nr = read_long(HP_SYSFS "/nr_hugepages");
	free_pages = read_long(HP_SYSFS "/free_hugepages");
	if (nr < 0 || free_pages < 0) {
		vt_skip("no 2 MB hugepage support here (%s unreadable)",
			HP_SYSFS);
		return VT_SKIP;
	}

	if (!find_mount(hp_dir, sizeof(hp_dir))) {
		mkdir(HP_MOUNT, 0755);
		if (mount("nodev", HP_MOUNT, "hugetlbfs", 0,
			  "pagesize=2M") != 0) {
			vt_skip("cannot mount hugetlbfs on %s: %s", HP_MOUNT,
				strerror(errno));
			return VT_SKIP;
		}
		hp_mounted = true;
		snprintf(hp_dir, sizeof(hp_dir), "%s", HP_MOUNT);
		vt_info("mounted hugetlbfs (2 MB pages) on %s", HP_MOUNT);
	}

	if (free_pages < HP_PAGES) {
		hp_orig_nr = nr;
		ret = write_long(HP_SYSFS "/nr_hugepages",
				 nr + HP_PAGES - free_pages);
		free_pages = read_long(HP_SYSFS "/free_hugepages");
		if (ret != 0 || free_pages < HP_PAGES) {
			vt_skip("cannot reserve %d free 2 MB hugepages (asked for %ld in all: %s; %ld free)",
				HP_PAGES, nr + HP_PAGES - free_pages,
				ret != 0 ? strerror(-ret) : "too few given",
				free_pages);
			return VT_SKIP;
		}
		vt_info("reserved hugepages: nr_hugepages %ld -> %ld",
			nr, read_long(HP_SYSFS "/nr_hugepages"));
	}
	return VT_PASS;
}

static void
teardown(void)
{
	if (hp_orig_nr >= 0) {
		if (write_long(HP_SYSFS "/nr_hugepages", hp_orig_nr) != 0)
			printf("WARNING: could not restore nr_hugepages to %ld\n",
			       hp_orig_nr);
		else
			vt_info("restored nr_hugepages to %ld (now %ld)",
				hp_orig_nr,
				read_long(HP_SYSFS "/nr_hugepages"));
		hp_orig_nr = -1;
	}
	if (hp_mounted) {
		if (umount(HP_MOUNT) != 0)
			printf("WARNING: could not unmount %s: %s\n", HP_MOUNT,
			       strerror(errno));
		hp_mounted = false;
	}
}

static int
pa_regions(void)
{
	struct vmap_region r[16];
	struct vmap_dev d;
	int n, i;

	vt_phase("attach pa, describe memory by IOVA");
	VT_ASSERT_EQ(0, vmap_dev_attach(&d, vmap_find("pa"), "vt_pa",
					SOCKET_ID_ANY), "attach pa in PA mode");
	n = vmap_regions(&d, r, RTE_DIM(r), false);
	VT_ASSERT(n >= 1, "pa regions: %d", n);
	vt_info("pa: %d region(s) for %d MB", n, 2 * HP_PAGES);
	for (i = 0; i < n && i < (int)RTE_DIM(r); i++) {
		printf("     region %d: iova 0x%" PRIx64 " va %p size 0x%" PRIx64 " fd %d off 0x%" PRIx64 "\n",
		       i, r[i].dev_addr, r[i].addr, r[i].size, r[i].fd,
		       r[i].fd_offset);
		VT_ASSERT_EQ_X(rte_mem_virt2iova(r[i].addr), r[i].dev_addr,
			       "region device address is the IOVA");
		VT_ASSERT(r[i].dev_addr != (uint64_t)(uintptr_t)r[i].addr,
			  "IOVA equals VA in PA mode");
		VT_ASSERT(r[i].fd >= 0, "region has a file");
	}
	VT_ASSERT(n <= 8, "%d regions exceed DPDK vhost's 8", n);
	vmap_dev_detach(&d);
	return VT_PASS;
}

static int
run(int argc, char **argv)
{
	static const char *const extra[] = { "--socket-limit=16", NULL };
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
		.window = 128,	/* pools must fit in 16 MB */
	};
	struct vt_pair p;

	if (argc != 1 || strcmp(argv[0], "split") != 0) {
		vt_fail(__FILE__, __LINE__, "expected one argument: split");
		return VT_FAIL;
	}
	VT_CHECK(vt_eal_init(&eo));
	VT_ASSERT_EQ(RTE_IOVA_PA, rte_eal_iova_mode(), "EAL IOVA mode");
	VT_CHECK(pa_regions());

	VT_CHECK(vt_pair_up(&p, &po));
	VT_CHECK(vt_pair_traffic(&p, PACKETS, 60, 1514));
	VT_CHECK(vt_pair_down(&p, true));
	vt_phase("leak check");
	VT_CHECK(vt_pair_free_pools(&p));
	return VT_PASS;
}

static const struct vt_test test = {
	.name = "pa_hugepages",
	.usage = "split (as root)",
	.timeout_s = 280,
	.setup = setup,
	.teardown = teardown,
	.run = run,
};

int
main(int argc, char **argv)
{
	return vt_main(&test, argc, argv);
}
