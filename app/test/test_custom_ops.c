/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The virtio_map authors
 */

/*
 * Integration test "custom_ops": an application's own map operations,
 * registered through the PMD's public header (rte_pmd_virtio_map.h) under
 * the name "testmap" and selected with the devarg map=testmap. The table
 * translates like va and counts: every segment mapped and unmapped, per
 * device token and per queue token, and checks on every call that the
 * tokens are the ones its attach and queue_setup filled in; coherent
 * memory and regions are delegated to the built-in va kind. 10^5 packets
 * each way with every byte checked, then after stop every mapping must
 * have been unmapped. Registration refusals (a taken name, a table without
 * RTE_VMAP_KIND_OPS) and the error after unregistering (probe fails naming
 * the map devarg and the value) are checked too.
 */

#include <stdlib.h>
#include <string.h>

#include <rte_bus_vdev.h>
#include <rte_ethdev.h>

#include "rte_pmd_virtio_map.h"
#include "vmap.h"
#include "vt.h"

#define PACKETS 100000
#define MAX_QUEUES 4

/* Per queue token: what went through one queue. */
struct tm_queue {
	uint32_t magic;
	uint16_t qid;
	enum rte_vmap_dir dir;
	uint64_t maps, unmaps;
};

/* Per device token. */
static struct {
	uint32_t magic;
	unsigned int attach, detach, q_setup, q_release;
	uint64_t maps, unmaps, bad_tokens;
	struct tm_queue q[MAX_QUEUES];
	unsigned int nq;
} tm;

#define TM_MAGIC 0x746d6170u	/* "tmap" */

static bool
tm_tokens_ok(const struct rte_vmap_queue *q)
{
	const struct tm_queue *tq = q->priv;

	if (q->dev == NULL || q->dev->priv != &tm || tq == NULL ||
	    tq->magic != TM_MAGIC || tq->qid != q->qid) {
		tm.bad_tokens++;
		return false;
	}
	return true;
}

static int
tm_attach(struct rte_vmap_dev *d)
{
	tm.attach++;
	tm.magic = TM_MAGIC;
	d->priv = &tm;
	return 0;
}

static void
tm_detach(struct rte_vmap_dev *d)
{
	if (d->priv != &tm)
		tm.bad_tokens++;
	tm.detach++;
}

static int
tm_queue_setup(struct rte_vmap_queue *q, uint16_t nb_desc, uint32_t buf_len)
{
	struct tm_queue *tq;

	RTE_SET_USED(nb_desc);
	RTE_SET_USED(buf_len);
	if (q->dev->priv != &tm || tm.nq == MAX_QUEUES)
		return -EINVAL;
	tq = &tm.q[tm.nq++];
	memset(tq, 0, sizeof(*tq));
	tq->magic = TM_MAGIC;
	tq->qid = q->qid;
	tq->dir = q->dir;
	q->priv = tq;
	tm.q_setup++;
	return 0;
}

static void
tm_queue_release(struct rte_vmap_queue *q)
{
	struct tm_queue *tq = q->priv;

	if (tq != NULL)
		tq->magic = 0;
	tm.q_release++;
}

static uint16_t
tm_map(struct rte_vmap_queue *q, struct rte_vmap_seg *segs, uint16_t n,
       enum rte_vmap_dir dir)
{
	struct tm_queue *tq = q->priv;
	uint16_t i;

	RTE_SET_USED(dir);
	if (!tm_tokens_ok(q))
		return 0;
	for (i = 0; i < n; i++)
		segs[i].dev_addr = (rte_iova_t)(uintptr_t)segs[i].addr;
	tm.maps += n;
	tq->maps += n;
	return n;
}

static void
tm_unmap(struct rte_vmap_queue *q, const struct rte_vmap_seg *segs, uint16_t n,
	 enum rte_vmap_dir dir)
{
	struct tm_queue *tq = q->priv;

	RTE_SET_USED(segs);
	RTE_SET_USED(dir);
	if (!tm_tokens_ok(q))
		return;
	tm.unmaps += n;
	tq->unmaps += n;
}

static void *
tm_alloc_coherent(struct rte_vmap_dev *d, size_t size, size_t align,
		  rte_iova_t *dev_addr)
{
	return vmap_va_ops.alloc_coherent(d, size, align, dev_addr);
}

static void
tm_free_coherent(struct rte_vmap_dev *d, void *addr, size_t size)
{
	vmap_va_ops.free_coherent(d, addr, size);
}

static int
tm_regions(struct rte_vmap_dev *d, struct rte_vmap_region *r, unsigned int max,
	   bool locked)
{
	return vmap_va_ops.regions(d, r, max, locked);
}

static const struct rte_vmap_ops testmap_ops = {
	.name = "testmap",
	.kind = RTE_VMAP_KIND_OPS,
	.attach = tm_attach,
	.detach = tm_detach,
	.queue_setup = tm_queue_setup,
	.queue_release = tm_queue_release,
	.map = tm_map,
	.unmap = tm_unmap,
	.alloc_coherent = tm_alloc_coherent,
	.free_coherent = tm_free_coherent,
	.regions = tm_regions,
};

static int
registration(void)
{
	struct rte_vmap_ops bad = testmap_ops;

	VT_ASSERT_OK(rte_pmd_virtio_map_ops_register(&testmap_ops),
		     "register testmap");
	VT_ASSERT_EQ(-EEXIST, rte_pmd_virtio_map_ops_register(&testmap_ops),
		     "register testmap twice");
	bad.name = "vduse";
	VT_ASSERT_EQ(-EEXIST, rte_pmd_virtio_map_ops_register(&bad),
		     "register over built-in vduse");
	bad.name = "vt_inline";
	bad.kind = RTE_VMAP_KIND_VA;
	VT_ASSERT_EQ(-EINVAL, rte_pmd_virtio_map_ops_register(&bad),
		     "register a table with an inline kind");
	bad = testmap_ops;
	bad.name = "vt_nomap";
	bad.map = NULL;
	VT_ASSERT_EQ(-EINVAL, rte_pmd_virtio_map_ops_register(&bad),
		     "register a table without map");
	VT_ASSERT_EQ(-EINVAL, rte_pmd_virtio_map_ops_register(NULL),
		     "register NULL");
	VT_ASSERT(vmap_find("testmap") == &testmap_ops, "testmap registered");
	return VT_PASS;
}

/* After unregistering, map=testmap is an unknown kind. */
static int
unknown_after_unregister(const char *sock)
{
	char args[PATH_MAX + 64];
	uint16_t port;
	char *log;
	int ret;

	VT_ASSERT_OK(rte_pmd_virtio_map_ops_unregister("testmap"),
		     "unregister testmap");
	VT_ASSERT(vmap_find("testmap") == NULL, "testmap gone");
	VT_ASSERT_EQ(-ENOENT, rte_pmd_virtio_map_ops_unregister("testmap"),
		     "unregister testmap twice");
	VT_ASSERT(rte_pmd_virtio_map_ops_unregister("va") < 0,
		  "built-in va cannot be unregistered");
	VT_ASSERT(rte_pmd_virtio_map_ops_unregister("vduse") < 0,
		  "built-in vduse cannot be unregistered");

	snprintf(args, sizeof(args), "path=%s,map=testmap", sock);
	vt_phase("probe with map=testmap after unregistering");
	VT_CHECK(vt_log_capture_start());
	ret = rte_vdev_init("net_virtio_map0", args);
	log = vt_log_capture_stop();
	if (ret == 0) {
		if (rte_eth_dev_get_port_by_name("net_virtio_map0", &port) == 0)
			rte_eth_dev_close(port);
		rte_vdev_uninit("net_virtio_map0");
	}
	if (ret >= 0 || strstr(log, "map=testmap") == NULL ||
	    strstr(log, "net_virtio_map0") == NULL) {
		vt_fail(__FILE__, __LINE__, "probe with an unregistered map: expected failure naming net_virtio_map0 and map=testmap, actual %d, log \"%s\"",
			ret, log);
		free(log);
		return VT_FAIL;
	}
	free(log);
	return VT_PASS;
}

static int
run(int argc, char **argv)
{
	struct vt_pair_opts o = { .map = "testmap" };
	struct vt_pair p;
	unsigned int i;

	RTE_SET_USED(argv);
	if (argc != 0) {
		vt_fail(__FILE__, __LINE__, "expected no argument, got %d", argc);
		return VT_FAIL;
	}
	VT_CHECK(vt_eal_init(NULL));
	VT_CHECK(registration());

	VT_CHECK(vt_pair_up(&p, &o));
	VT_ASSERT_EQ(1, tm.attach, "testmap attached once");
	VT_ASSERT(tm.q_setup >= 2, "queue tokens set up: %u", tm.q_setup);
	VT_CHECK(vt_pair_traffic(&p, PACKETS, 60, 1514));

	vt_phase("stop: every mapping unmapped");
	VT_ASSERT_OK(rte_eth_dev_stop(p.drv_port), "stop");
	vt_info("testmap: %" PRIu64 " segments mapped, %" PRIu64 " unmapped, %u queue tokens, %" PRIu64 " bad tokens",
		tm.maps, tm.unmaps, tm.nq, tm.bad_tokens);
	for (i = 0; i < tm.nq; i++)
		vt_info("  queue %u (%s): %" PRIu64 " mapped, %" PRIu64 " unmapped",
			tm.q[i].qid, tm.q[i].dir == RTE_VMAP_TO_DEVICE ? "Tx" : "Rx",
			tm.q[i].maps, tm.q[i].unmaps);
	VT_ASSERT_EQ(0, tm.bad_tokens, "calls with tokens testmap did not fill in");
	VT_ASSERT(tm.maps >= 2 * PACKETS,
		  "segments mapped: expected at least %u (Tx and Rx), actual %" PRIu64,
		  2 * PACKETS, tm.maps);
	VT_ASSERT_EQ(tm.maps, tm.unmaps, "segments unmapped after stop (mapped)");
	for (i = 0; i < tm.nq; i++) {
		VT_ASSERT(tm.q[i].maps >= PACKETS,
			  "queue %u mapped %" PRIu64 " segments", tm.q[i].qid,
			  tm.q[i].maps);
		VT_ASSERT_EQ(tm.q[i].maps, tm.q[i].unmaps,
			     "per-queue unmaps after stop");
	}

	VT_CHECK(vt_pair_down(&p, true));
	VT_ASSERT_EQ(1, tm.detach, "testmap detached once at close");
	VT_ASSERT_EQ(tm.q_setup, tm.q_release, "queue tokens released");
	VT_CHECK(unknown_after_unregister(p.sock));
	vt_phase("leak check");
	VT_CHECK(vt_pair_free_pools(&p));
	return VT_PASS;
}

static const struct vt_test test = {
	.name = "custom_ops",
	.usage = "(no arguments)",
	.timeout_s = 170,
	.run = run,
};

int
main(int argc, char **argv)
{
	return vt_main(&test, argc, argv);
}
