/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The virtio_map authors
 */

/*
 * Hugepage test "mem_race": EAL memory events against the driver's
 * bring-up. A thread keeps growing and shrinking EAL memory (rte_malloc
 * of more than EAL holds, then rte_free: memory alloc and free events,
 * each called with EAL's memory write lock held) while the main thread
 * stops and starts the driver's port again and again (each start walks
 * EAL memory, under EAL's read lock, with the port lock held). A driver
 * whose event callback waited for the port lock would deadlock here; the
 * test's deadline would then fail it. Afterwards traffic passes both ways
 * with every byte checked, so the memory table the device ended with is
 * right. Needs root and 2 MB hugepages (it reserves them and puts them
 * back); skipped with the reason otherwise.
 */

#include <inttypes.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <rte_ethdev.h>
#include <rte_malloc.h>
#include <rte_memory.h>

#include "vt.h"

#define PAGES		96	/* reserved: EAL starts with 32 MB */
#define RESTARTS	100	/* driver port stop/start cycles, at least */
#define OVERLAPS	(RESTARTS / 2)	/* restarts a memory event hit, at least */
#define RACE_S		60	/* deadline for both */
#define GROW		(64u << 20)	/* bytes each allocation adds */
#define LINK_MS		5000

static char hp_dir[PATH_MAX];
static uint32_t stop_worker;
static uint64_t mem_events;

static int
setup(int argc __rte_unused, char **argv __rte_unused)
{
	return vt_hugepages_setup(PAGES, hp_dir, sizeof(hp_dir));
}

static void
teardown(void)
{
	vt_hugepages_teardown();
}

static void
count_event(enum rte_mem_event type __rte_unused,
	    const void *addr __rte_unused, size_t len __rte_unused,
	    void *arg __rte_unused)
{
	__atomic_fetch_add(&mem_events, 1, __ATOMIC_RELAXED);
}

/* Grow EAL memory past what it holds and give it back, until told. */
static void *
churn(void *arg __rte_unused)
{
	void *p;

	while (!__atomic_load_n(&stop_worker, __ATOMIC_ACQUIRE)) {
		p = rte_malloc("mem_race", GROW, 0);
		if (p != NULL) {
			memset(p, 0x5a, 64);
			rte_free(p);
		}
		/*
		 * EAL's heap lock is an unfair spinlock, held here for each
		 * 64 MB allocation and free (which clears the memory): back
		 * to back, this thread could keep DPDK's vhost thread (which
		 * allocates for every new memory table) from it for seconds,
		 * and the backend would answer the driver's bring-up late.
		 */
		rte_delay_us_sleep(1000);
	}
	return NULL;
}

static int
run(int argc, char **argv __rte_unused)
{
	static const char *const extra[] = { "--socket-limit=160", NULL };
	struct vt_eal_opts eo = {
		.hugepages = true,
		.mem_mb = 32,
		.single_file_segments = true,
		.huge_dir = hp_dir,
		.extra = extra,
	};
	struct vt_pair_opts po = { .map = "va", .window = 256 };
	uint64_t events0, events, before;
	unsigned int i, overlaps = 0;
	struct vt_pair p;
	pthread_t th;
	double t0;

	VT_ASSERT_EQ(0, argc, "no arguments");
	VT_CHECK(vt_eal_init(&eo));
	VT_ASSERT_OK(rte_mem_event_callback_register("vt_mem_race",
						     count_event, NULL),
		     "memory event callback");
	VT_CHECK(vt_pair_up(&p, &po));
	VT_CHECK(vt_pair_traffic(&p, 2000, 60, p.max_frame));

	events0 = __atomic_load_n(&mem_events, __ATOMIC_RELAXED);
	VT_ASSERT_EQ(0, pthread_create(&th, NULL, churn, NULL),
		     "churn thread");
	/*
	 * How often the two threads meet depends on the machine's speed, so
	 * the loop runs until enough restarts have had a memory event land
	 * during them (not for a fixed count), within one deadline.
	 */
	t0 = vt_now();
	for (i = 0; i < RESTARTS || overlaps < OVERLAPS; i++) {
		if (vt_now() - t0 > RACE_S)
			break;
		before = __atomic_load_n(&mem_events, __ATOMIC_RELAXED);
		VT_ASSERT_OK(rte_eth_dev_stop(p.drv_port), "stop");
		VT_ASSERT_OK(rte_eth_dev_start(p.drv_port), "start");
		VT_CHECK(vt_wait_link(p.drv_port, true, LINK_MS));
		if (__atomic_load_n(&mem_events, __ATOMIC_RELAXED) != before)
			overlaps++;
	}
	__atomic_store_n(&stop_worker, 1, __ATOMIC_RELEASE);
	pthread_join(th, NULL);
	events = __atomic_load_n(&mem_events, __ATOMIC_RELAXED) - events0;
	vt_info("%u driver restarts in %.1f s, %u of them during EAL memory events (%" PRIu64 " in all)",
		i, vt_now() - t0, overlaps, events);
	VT_ASSERT(overlaps >= OVERLAPS,
		  "restarts during memory events: %u of %u in %d s (the race needs at least %d)",
		  overlaps, i, RACE_S, OVERLAPS);

	VT_CHECK(vt_wait_link(p.vhost_port, true, LINK_MS));
	VT_CHECK(vt_pair_traffic(&p, 2000, 60, p.max_frame));
	VT_CHECK(vt_pair_down(&p, true));
	rte_mem_event_callback_unregister("vt_mem_race", NULL);
	return vt_pair_free_pools(&p);
}

static const struct vt_test test = {
	.name = "mem_race",
	.usage = "",
	.timeout_s = 240,
	.setup = setup,
	.teardown = teardown,
	.run = run,
};

int
main(int argc, char **argv)
{
	return vt_main(&test, argc, argv);
}
