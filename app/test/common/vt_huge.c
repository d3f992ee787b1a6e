/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The virtio_map authors
 */

/*
 * Hugepages for the tests that need them, done in the runner before the
 * body starts: check for root, find (or mount) a hugetlbfs of 2 MB pages,
 * raise nr_hugepages until enough are free, and afterwards put both back.
 * The runner removes the page files with the test's file prefix itself.
 */

#include <errno.h>
#include <mntent.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "vt.h"

#define VT_HP_SYSFS "/sys/kernel/mm/hugepages/hugepages-2048kB"
#define VT_HP_MOUNT "/dev/hugepages"

static long vt_hp_orig_nr = -1;
static bool vt_hp_mounted;

static long
vt_read_long(const char *path)
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
vt_write_long(const char *path, long v)
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
vt_find_mount(char *dir, size_t len)
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

int
vt_hugepages_setup(unsigned int pages, char *dir, size_t len)
{
	long nr, free_pages;
	int ret;

	if (geteuid() != 0) {
		vt_skip("needs root to reserve %u 2 MB hugepages (running as uid %d); run as root: meson test -C build --suite hugepages",
			pages, (int)geteuid());
		return VT_SKIP;
	}
	nr = vt_read_long(VT_HP_SYSFS "/nr_hugepages");
	free_pages = vt_read_long(VT_HP_SYSFS "/free_hugepages");
	if (nr < 0 || free_pages < 0) {
		vt_skip("no 2 MB hugepage support here (%s unreadable)",
			VT_HP_SYSFS);
		return VT_SKIP;
	}

	if (!vt_find_mount(dir, len)) {
		mkdir(VT_HP_MOUNT, 0755);
		if (mount("nodev", VT_HP_MOUNT, "hugetlbfs", 0,
			  "pagesize=2M") != 0) {
			vt_skip("cannot mount hugetlbfs on %s: %s", VT_HP_MOUNT,
				strerror(errno));
			return VT_SKIP;
		}
		vt_hp_mounted = true;
		snprintf(dir, len, "%s", VT_HP_MOUNT);
		vt_info("mounted hugetlbfs (2 MB pages) on %s", VT_HP_MOUNT);
	}

	if (free_pages < (long)pages) {
		vt_hp_orig_nr = nr;
		ret = vt_write_long(VT_HP_SYSFS "/nr_hugepages",
				    nr + pages - free_pages);
		free_pages = vt_read_long(VT_HP_SYSFS "/free_hugepages");
		if (ret != 0 || free_pages < (long)pages) {
			vt_skip("cannot reserve %u free 2 MB hugepages (asked for %ld in all: %s; %ld free)",
				pages, nr + pages - free_pages,
				ret != 0 ? strerror(-ret) : "too few given",
				free_pages);
			return VT_SKIP;
		}
		vt_info("reserved hugepages: nr_hugepages %ld -> %ld",
			nr, vt_read_long(VT_HP_SYSFS "/nr_hugepages"));
	}
	return VT_PASS;
}

void
vt_hugepages_teardown(void)
{
	if (vt_hp_orig_nr >= 0) {
		if (vt_write_long(VT_HP_SYSFS "/nr_hugepages",
				  vt_hp_orig_nr) != 0)
			printf("WARNING: could not restore nr_hugepages to %ld\n",
			       vt_hp_orig_nr);
		else
			vt_info("restored nr_hugepages to %ld (now %ld)",
				vt_hp_orig_nr,
				vt_read_long(VT_HP_SYSFS "/nr_hugepages"));
		vt_hp_orig_nr = -1;
	}
	if (vt_hp_mounted) {
		if (umount(VT_HP_MOUNT) != 0)
			printf("WARNING: could not unmount %s: %s\n",
			       VT_HP_MOUNT, strerror(errno));
		vt_hp_mounted = false;
	}
}
