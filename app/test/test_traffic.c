/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The virtio_map authors
 */

/*
 * Integration test "traffic": packets both ways between net_virtio_map and
 * DPDK's net_vhost in one process, every byte checked, order kept, and both
 * ports' counters matching what was sent and received. The arguments pick
 * the ring layout, the map kind and the case: qN (10^6 packets each way of
 * 60..1514 bytes over rings of N descriptors, half of them with rings
 * filled to the brim), jumbo (9000-byte frames, then
 * sizes cycling 60..9000), mseg (10^6 packets each way of 60..9000 bytes,
 * the driver sending each as a chain of 2 KB mbufs whose boundaries move
 * from packet to packet) or server (the driver listens, net_vhost
 * connects).
 */

#include <stdlib.h>
#include <string.h>

#include <rte_ethdev.h>

#include "vt.h"

#define PACKETS 1000000
#define JUMBO_PACKETS 100000
#define SERVER_PACKETS 100000
#define JUMBO_FRAME 9000
#define MSEG_PACKETS 1000000
#define MSEG_SEG_SIZE 2048

static int
run(int argc, char **argv)
{
	struct vt_pair_opts o = { 0 };
	struct vt_pair p;
	char *end;

	if (argc != 3) {
		vt_fail(__FILE__, __LINE__, "expected 3 arguments (layout map case), got %d",
			argc);
		return VT_FAIL;
	}
	if (strcmp(argv[0], "split") != 0) {
		vt_skip("ring layout %s is not implemented in this version (split only)",
			argv[0]);
		return VT_SKIP;
	}
	if (strcmp(argv[1], "auto") != 0)
		o.map = argv[1];

	if (argv[2][0] == 'q') {
		unsigned long q = strtoul(argv[2] + 1, &end, 10);

		if (*end != '\0' || q == 0) {
			vt_fail(__FILE__, __LINE__, "bad case %s", argv[2]);
			return VT_FAIL;
		}
		o.queue_size = q;
	} else if (strcmp(argv[2], "jumbo") == 0) {
		o.max_frame = JUMBO_FRAME;
	} else if (strcmp(argv[2], "mseg") == 0) {
		o.max_frame = JUMBO_FRAME;
		o.tx_seg_size = MSEG_SEG_SIZE;
	} else if (strcmp(argv[2], "server") == 0) {
		o.drv_server = true;
	} else {
		vt_fail(__FILE__, __LINE__, "unknown case %s (qN, jumbo, mseg, server)",
			argv[2]);
		return VT_FAIL;
	}

	/* pools for rings above 4096 descriptors outgrow 512 MB */
	VT_CHECK(vt_eal_init(&(struct vt_eal_opts){
		.mem_mb = o.queue_size > 4096 ? 1024 : 512 }));
	VT_CHECK(vt_pair_up(&p, &o));

	if (o.tx_seg_size != 0) {
		VT_CHECK(vt_pair_traffic(&p, MSEG_PACKETS, 60, JUMBO_FRAME));
	} else if (o.max_frame == JUMBO_FRAME) {
		VT_CHECK(vt_pair_traffic(&p, JUMBO_PACKETS, JUMBO_FRAME,
					 JUMBO_FRAME));
		VT_CHECK(vt_pair_traffic(&p, JUMBO_PACKETS, 60, JUMBO_FRAME));
	} else if (o.drv_server) {
		VT_CHECK(vt_pair_traffic(&p, SERVER_PACKETS, 60, 1514));
	} else {
		VT_CHECK(vt_pair_traffic(&p, PACKETS, 60, 1514));
	}

	VT_CHECK(vt_pair_down(&p, true));
	vt_phase("leak check");
	VT_CHECK(vt_pair_free_pools(&p));
	return VT_PASS;
}

static const struct vt_test test = {
	.name = "traffic",
	.usage = "split va|vduse|auto|<registered> qN|jumbo|mseg|server",
	.timeout_s = 280,
	.run = run,
};

int
main(int argc, char **argv)
{
	return vt_main(&test, argc, argv);
}
