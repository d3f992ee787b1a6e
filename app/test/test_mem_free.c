/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The virtio_map authors
 */

/*
 * Hugepages test "mem_free": memory EAL frees leaves the device's memory
 * table. EAL runs on 2 MB hugepages with one file per page (no
 * --single-file-segments), so map=va gives the device one region per
 * page, and a page EAL frees and later allocates again at the same
 * address is a new file: a device that kept the old region would read
 * and write a dead page. After traffic the body fills the heap and
 * allocates past it (EAL adds a page: ALLOC event), waits until the
 * memory table of DPDK's net_vhost (read in this process with
 * rte_vhost_get_mem_table()) covers the new page, frees it (FREE event)
 * and waits until the table no longer covers it; then allocates again at
 * that address, which the table must cover again, and carries traffic
 * with every byte checked. Each wait has a 2 s deadline. Needs root; the
 * runner reserves the pages and removes them afterwards.
 */

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <rte_eth_vhost.h>
#include <rte_ethdev.h>
#include <rte_malloc.h>
#include <rte_memory.h>
#include <rte_vhost.h>

#include "vt.h"

#define PAGES		16	/* reserved */
#define MEM_MB		10	/* EAL starts with 5 pages: 5 regions */
#define WAIT_S		2.0

/* Whether net_vhost's memory table covers [va, va + len): 1, 0, -1. */
static int
table_covers(uint16_t vhost_port, const void *va, size_t len)
{
	struct rte_vhost_memory *mem = NULL;
	uint64_t a = (uintptr_t)va;
	int vid, covered = 0;
	uint32_t i;

	vid = rte_eth_vhost_get_vid_from_port_id(vhost_port);
	if (vid < 0 || rte_vhost_get_mem_table(vid, &mem) != 0)
		return -1;
	for (i = 0; i < mem->nregions; i++) {
		const struct rte_vhost_mem_region *r = &mem->regions[i];

		if (a >= r->guest_user_addr &&
		    a + len <= r->guest_user_addr + r->size)
			covered = 1;
	}
	free(mem);
	return covered;
}

static int
wait_covers(uint16_t vhost_port, const void *va, size_t len, int want,
	    const char *what)
{
	double t0 = vt_now();
	int c;

	while ((c = table_covers(vhost_port, va, len)) != want) {
		if (vt_now() - t0 > WAIT_S) {
			vt_fail(__FILE__, __LINE__, "device memory table after %s: expected %s %p (+%zu), actual %s after %.0f s",
				what, want ? "to cover" : "not to cover", va,
				len, c < 0 ? "unreadable" :
				c ? "covers it" : "does not", WAIT_S);
			return VT_FAIL;
		}
		rte_delay_us_sleep(10000);
	}
	vt_info("device memory table after %s: %s %p after %.3f s", what,
		want ? "covers" : "no longer covers", va, vt_now() - t0);
	return VT_PASS;
}

static int
run(int argc, char **argv __rte_unused)
{
	struct vt_eal_opts eo = {
		.hugepages = true,
		.mem_mb = MEM_MB,
		.huge_dir = vt_ctx.huge_dir,
	};
	struct vt_pair_opts po = { .queue_size = 256, .window = 64 };
	struct rte_malloc_socket_stats st;
	const size_t len = 1u << 20;
	void *fill, *mem, *again;
	uintptr_t freed;
	struct vt_pair p;

	if (argc != 0) {
		vt_fail(__FILE__, __LINE__, "expected no argument, got %d", argc);
		return VT_FAIL;
	}
	VT_CHECK(vt_eal_init(&eo));
	VT_CHECK(vt_pair_up(&p, &po));
	VT_CHECK(vt_pair_traffic(&p, 10000, 60, 1514));

	vt_phase("fill the heap, then allocate past it: EAL adds a page");
	VT_ASSERT_OK(rte_malloc_get_socket_stats(rte_socket_id(), &st),
		     "heap stats");
	fill = st.greatest_free_size > 8192 ?
	       rte_malloc("mem_free_fill", st.greatest_free_size - 4096, 0) :
	       NULL;
	mem = rte_malloc("mem_free", len, 0);
	VT_ASSERT(mem != NULL, "rte_malloc(%zu) with EAL adding a page", len);
	memset(mem, 0x5a, len);
	VT_CHECK(wait_covers(p.vhost_port, mem, len, 1, "the ALLOC event"));
	VT_CHECK(vt_pair_traffic(&p, 10000, 60, 1514));

	vt_phase("free it: EAL frees the page");
	/* only the address is used from here on, never the memory */
	freed = (uintptr_t)mem;
	rte_free(mem);
	mem = NULL;
	VT_CHECK(wait_covers(p.vhost_port, (const void *)freed, len, 0,
			     "the FREE event"));
	VT_CHECK(vt_pair_traffic(&p, 10000, 60, 1514));

	vt_phase("allocate again: a new page");
	again = rte_malloc("mem_free", len, 0);
	VT_ASSERT(again != NULL, "rte_malloc(%zu) again", len);
	vt_info("allocated again at %p (freed %p)", again, (void *)freed);
	VT_CHECK(wait_covers(p.vhost_port, again, len, 1,
			     "the second ALLOC event"));
	VT_CHECK(vt_pair_traffic(&p, 10000, 60, 1514));
	rte_free(again);
	rte_free(fill);
	VT_CHECK(vt_pair_down(&p, true));
	return vt_pair_free_pools(&p);
}

static const struct vt_test test = {
	.name = "mem_free",
	.usage = "(no arguments)",
	.timeout_s = 120,
	.hugepages = PAGES,
	.run = run,
};

int
main(int argc, char **argv)
{
	return vt_main(&test, argc, argv);
}
