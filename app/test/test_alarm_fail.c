/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The virtio_map authors
 */

/*
 * Integration test "alarm_fail": the port's alarm chain when EAL cannot
 * set an alarm (rte_eal_alarm_set() fails: no memory). The test defines
 * rte_eal_alarm_set() itself, so that the driver linked into it calls
 * this one, which fails while the test says so and otherwise calls EAL's.
 * With the driver's port up, every alarm set fails while DPDK's
 * net_vhost goes away (link down) and comes back at the same path: the
 * driver must bring the new backend up within 5 s and carry traffic. A
 * port that followed its backend with a chain of EAL alarms lost it here
 * until the application restarted the port; the port's control thread
 * needs no alarm.
 * Arguments: none.
 */

#include <dlfcn.h>
#include <errno.h>

#include <rte_alarm.h>
#include <rte_errno.h>
#include <rte_ethdev.h>

#include "vt.h"

static uint32_t fail_alarms;
static uint64_t alarms_failed;

/* The driver's calls land here (it is linked into this program). */
int
rte_eal_alarm_set(uint64_t us, rte_eal_alarm_callback cb, void *arg)
{
	static int (*real)(uint64_t, rte_eal_alarm_callback, void *);

	if (__atomic_load_n(&fail_alarms, __ATOMIC_ACQUIRE)) {
		__atomic_fetch_add(&alarms_failed, 1, __ATOMIC_RELAXED);
		rte_errno = ENOMEM;
		return -ENOMEM;
	}
	if (real == NULL)
		real = (int (*)(uint64_t, rte_eal_alarm_callback, void *))
			dlsym(RTLD_NEXT, "rte_eal_alarm_set");
	return real != NULL ? real(us, cb, arg) : -ENOSYS;
}

static int
run(int argc, char **argv)
{
	struct vt_pair_opts o = { .window = 64 };
	struct vt_pair p;

	RTE_SET_USED(argv);
	if (argc != 0) {
		vt_fail(__FILE__, __LINE__, "expected no argument, got %d", argc);
		return VT_FAIL;
	}
	VT_CHECK(vt_eal_init(NULL));
	VT_CHECK(vt_pair_up(&p, &o));
	VT_CHECK(vt_pair_traffic(&p, 1000, 60, 1514));

	vt_phase("every alarm set fails; the backend goes away and comes back");
	__atomic_store_n(&fail_alarms, 1, __ATOMIC_RELEASE);
	rte_delay_us_sleep(300000);
	VT_CHECK(vt_pair_vhost_remove(&p));
	VT_CHECK(vt_wait_link(p.drv_port, false, 5000));
	VT_CHECK(vt_pair_vhost_create(&p));
	VT_CHECK(vt_port_setup(p.vhost_port, p.queue_size, p.vhost_pool,
			       p.max_frame));
	VT_CHECK(vt_port_start(p.vhost_port));
	VT_CHECK(vt_wait_link(p.drv_port, true, 5000));
	VT_CHECK(vt_wait_link(p.vhost_port, true, 5000));
	VT_CHECK(vt_pair_traffic(&p, 1000, 60, 1514));
	__atomic_store_n(&fail_alarms, 0, __ATOMIC_RELEASE);
	vt_info("%" PRIu64 " alarm set(s) failed meanwhile",
		__atomic_load_n(&alarms_failed, __ATOMIC_RELAXED));
	VT_CHECK(vt_pair_down(&p, true));
	return vt_pair_free_pools(&p);
}

static const struct vt_test test = {
	.name = "alarm_fail",
	.usage = "(no arguments)",
	.timeout_s = 60,
	.run = run,
};

int
main(int argc, char **argv)
{
	return vt_main(&test, argc, argv);
}
