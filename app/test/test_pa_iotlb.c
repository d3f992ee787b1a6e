/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The virtio_map authors
 */

/*
 * Hugepages test "pa_iotlb": map=pa beyond the memory table's eight
 * regions, through the vhost-user IOTLB. EAL runs with IOVA as PA on 128
 * 2 MB pages (-m 256 --single-file-segments); the pages usually come out
 * in descending physical order, so the memory has far more IOVA runs than
 * DPDK's vhost accepts as regions (when the kernel hands them out in
 * order, the driver is given iommu=on instead). net_vhost runs with
 * iommu-support=1 and the driver with map=pa and the default iommu=auto:
 * it must negotiate
 * VIRTIO_F_ACCESS_PLATFORM, send the memory table by virtual address and
 * one IOTLB update per IOVA run, then carry 10^6 packets each way with
 * every byte checked. The body prints the number of IOTLB updates sent and
 * the misses the driver answered (DPDK's vhost misses on the ring
 * addresses when it sees the kick before the updates). Needs root; the
 * runner reserves the pages and removes them afterwards; skips, saying
 * why, otherwise.
 *
 * With the argument "hotplug", EAL may grow by 16 pages: after the first
 * traffic the body allocates past the heap's free space (EAL adds pages:
 * a memory event, the driver sends the table and every run again), carries
 * traffic, frees it (the freed pages' translations are invalidated) and
 * carries traffic again.
 */

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_log.h>
#include <rte_malloc.h>
#include <rte_memory.h>

#include "vmap.h"
#include "vt.h"

#define HP_PAGES 128		/* -m 256 */
#define HP_RESERVE (HP_PAGES + 8)
#define PACKETS 1000000
#define HP_EXTRA 16		/* hotplug: pages EAL may add */

static char hp_dir[PATH_MAX];

static bool
is_hotplug(int argc, char **argv)
{
	return argc == 1 && strcmp(argv[0], "hotplug") == 0;
}

static int
setup(int argc, char **argv)
{
	return vt_hugepages_setup(HP_RESERVE +
				  (is_hotplug(argc, argv) ? HP_EXTRA : 0),
				  hp_dir, sizeof(hp_dir));
}

static void
teardown(void)
{
	vt_hugepages_teardown();
}

/* The number after needle in the captured log, or -1. */
static long
log_number_after(const char *log, const char *needle)
{
	const char *p = strstr(log, needle);

	return p == NULL ? -1 : strtol(p + strlen(needle), NULL, 10);
}

/* rte_memseg_walk(): add up the bytes of EAL memory. */
static int
add_len(const struct rte_memseg_list *msl __rte_unused,
	const struct rte_memseg *ms, void *arg)
{
	*(uint64_t *)arg += ms->len;
	return 0;
}

static uint64_t
eal_bytes(void)
{
	uint64_t n = 0;

	rte_memseg_walk(add_len, &n);
	return n;
}

/*
 * Grow EAL memory past what it holds, carry traffic, shrink it again.
 * Whether the new pages make new IOVA runs depends on where the kernel
 * finds them physically, so the growth is checked in bytes and the
 * driver's resend against the run count after the event, whatever it is.
 */
static int
hotplug(struct vt_pair *p, int runs)
{
	struct rte_malloc_socket_stats st;
	uint64_t before_bytes, after_bytes;
	size_t len = 8u << 20;
	void *fill, *mem;
	unsigned int ms;
	char *log;
	int after;

	vt_phase("hotplug: fill the heap, then allocate past it");
	VT_ASSERT_OK(rte_malloc_get_socket_stats(rte_socket_id(), &st),
		     "heap stats");
	fill = rte_malloc("pa_iotlb_fill", st.greatest_free_size - 4096, 0);
	VT_ASSERT(fill != NULL, "fill the heap (%zu bytes)",
		  st.greatest_free_size - 4096);
	before_bytes = eal_bytes();
	VT_CHECK(vt_log_capture_start());
	mem = rte_malloc("pa_iotlb_hotplug", len, 0);
	/* the port's alarm may hold the port: the resend then follows */
	for (ms = 0; ms < 5000 && !vt_log_contains("IOTLB: "); ms += 10)
		usleep(10000);
	log = vt_log_capture_stop();
	VT_ASSERT(mem != NULL, "rte_malloc(%zu) with EAL adding pages", len);
	after_bytes = eal_bytes();
	after = vmap_eal_runs(NULL, 0, true, false);
	vt_info("EAL memory %" PRIu64 " -> %" PRIu64 " MB, %d IOVA run(s) after the allocation (%d before)",
		before_bytes >> 20, after_bytes >> 20, after, runs);
	VT_ASSERT(after_bytes > before_bytes, "EAL added pages");
	VT_ASSERT(log_number_after(log, "IOTLB: ") >= after,
		  "the driver sent every run again after the memory event");
	free(log);
	VT_CHECK(vt_pair_traffic(p, PACKETS / 10, 60, 1514));

	vt_phase("hotplug: free it again");
	rte_free(mem);
	rte_free(fill);
	VT_CHECK(vt_pair_traffic(p, PACKETS / 10, 60, 1514));
	return VT_PASS;
}

static int
run(int argc, char **argv)
{
	static const char *const extra[] = { "--socket-limit=256", NULL };
	static const char *const extra_hp[] = { "--socket-limit=288", NULL };
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
		.queue_size = 256,
		.window = 512,
		.vhost_extra = "iommu-support=1",
	};
	struct vt_pair p;
	int runs, regions, rc;
	char *log;
	long sent;

	bool lazy = argc == 0;
	uint64_t updates, misses, refused;

	if (argc > 1 || (argc == 1 && !is_hotplug(argc, argv) &&
			 strcmp(argv[0], "prefill") != 0)) {
		vt_fail(__FILE__, __LINE__,
			"expected no argument, prefill or hotplug");
		return VT_FAIL;
	}
	if (!lazy)
		po.drv_extra = "iotlb_prefill=1";
	if (is_hotplug(argc, argv))
		eo.extra = extra_hp;
	VT_CHECK(vt_eal_init(&eo));
	VT_ASSERT_EQ(RTE_IOVA_PA, rte_eal_iova_mode(), "EAL IOVA mode");

	vt_phase("count IOVA runs and VA regions of EAL memory");
	runs = vmap_eal_runs(NULL, 0, true, false);
	regions = vmap_eal_runs(NULL, 0, false, false);
	vt_info("%d IOVA run(s), %d VA region(s) for %d MB", runs, regions,
		2 * HP_PAGES);
	/* the kernel may hand out pages physically in order: the runs then
	 * fit the table and iommu=auto would not use the IOTLB; ask for it */
	if (runs <= 8) {
		vt_info("the %d IOVA run(s) fit the 8 regions of the table: asking for iommu=on",
			runs);
		po.drv_extra = lazy ? "iommu=on" : "iommu=on,iotlb_prefill=1";
	}
	VT_ASSERT(regions >= 1 && regions <= 8, "VA regions: %d", regions);

	/* the driver's IOTLB lines are INFO */
	rte_log_set_level_pattern("pmd.net.virtio_map*", RTE_LOG_INFO);
	VT_CHECK(vt_log_capture_start());
	rc = vt_pair_up(&p, &po);
	/* the driver logs its IOTLB line before the link-up line */
	log = vt_log_capture_stop();
	if (rc != VT_PASS) {
		free(log);
		return rc;
	}
	VT_ASSERT(strstr(log, "via IOTLB") != NULL,
		  "the link-up line names the IOTLB");
	sent = log_number_after(log, "IOTLB: ");
	free(log);
	vt_info("IOTLB updates sent at bring-up: %ld (one per IOVA run: %d)",
		sent, runs);
	if (lazy)
		VT_ASSERT_EQ(0, sent, "IOTLB updates sent up front");
	else
		VT_ASSERT(sent >= runs,
			  "IOTLB updates sent (%ld) cover the %d runs", sent,
			  runs);

	VT_CHECK(vt_pair_traffic(&p, PACKETS, 60, 1514));
	VT_CHECK(vt_xstat_get(p.drv_port, "iotlb_updates", &updates));
	VT_CHECK(vt_xstat_get(p.drv_port, "iotlb_misses", &misses));
	VT_CHECK(vt_xstat_get(p.drv_port, "iotlb_refused", &refused));
	vt_info("xstats: iotlb_updates %lu, iotlb_misses %lu, iotlb_refused %lu",
		(unsigned long)updates, (unsigned long)misses,
		(unsigned long)refused);
	VT_ASSERT_EQ(0, refused, "misses refused");
	if (lazy)
		VT_ASSERT(misses >= 2, "misses answered: %lu",
			  (unsigned long)misses);
	if (is_hotplug(argc, argv))
		VT_CHECK(hotplug(&p, runs));
	VT_CHECK(vt_pair_down(&p, true));
	vt_phase("leak check");
	VT_CHECK(vt_pair_free_pools(&p));
	return VT_PASS;
}

static const struct vt_test test = {
	.name = "pa_iotlb",
	.usage = "[prefill|hotplug] (as root)",
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
