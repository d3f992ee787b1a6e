/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The virtio_map authors
 */

/*
 * Unit test "vmap_debug": the checking layer that vmap_dev_attach() puts
 * around a kind when params.debug is set, without ethdev. For va, vduse
 * and a registered counting kind: the device's hot-path kind becomes
 * RTE_VMAP_KIND_OPS, correct use raises nothing and still moves the bytes,
 * and each misuse it promises to catch (double unmap, unmap of an IOVA it
 * never handed out, sync of an unmapped IOVA, unmap or sync with a len
 * other than the mapping's or a sync_len past it, mappings left live when
 * the queue goes idle) raises vmap_debug_errors() by one per buffer and
 * logs a message naming the queue and the IOVA in hex; misused buffers are
 * not passed on to the wrapped kind. With the layer off the count stays 0
 * and va keeps its inline kind.
 */

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_mbuf.h>

#include "vmap.h"
#include "vt.h"

#define NB_MBUF 128
#define BURST 8
#define QID_TX 13
#define QID_RX 12
#define UNKNOWN_IOVA 0xabc000ull
#define MB (1u << 20)
#define LIVE_MANY (64 * 16)	/* 64 descriptors, 16 segments each */

/* A registered kind that counts what reaches it (VA translation). */
static struct {
	uint64_t map, unmap, sync_cpu, sync_dev;
} cnt;

static uint16_t
count_map(struct rte_vmap_queue *q, struct rte_vmap_seg *segs, uint16_t n,
	  enum rte_vmap_dir dir)
{
	uint16_t i;

	RTE_SET_USED(q);
	RTE_SET_USED(dir);
	for (i = 0; i < n; i++)
		segs[i].dev_addr = (uintptr_t)segs[i].addr;
	cnt.map += n;
	return n;
}

static void
count_unmap(struct rte_vmap_queue *q, const struct rte_vmap_seg *segs, uint16_t n,
	    enum rte_vmap_dir dir)
{
	RTE_SET_USED(q);
	RTE_SET_USED(segs);
	RTE_SET_USED(dir);
	cnt.unmap += n;
}

static void
count_sync_cpu(struct rte_vmap_queue *q, const struct rte_vmap_seg *segs, uint16_t n,
	       enum rte_vmap_dir dir)
{
	RTE_SET_USED(q);
	RTE_SET_USED(segs);
	RTE_SET_USED(dir);
	cnt.sync_cpu += n;
}

static void
count_sync_dev(struct rte_vmap_queue *q, const struct rte_vmap_seg *segs, uint16_t n,
	       enum rte_vmap_dir dir)
{
	RTE_SET_USED(q);
	RTE_SET_USED(segs);
	RTE_SET_USED(dir);
	cnt.sync_dev += n;
}

static void *
count_alloc(struct rte_vmap_dev *d, size_t size, size_t align, rte_iova_t *iova)
{
	return vmap_va_ops.alloc_coherent(d, size, align, iova);
}

static void
count_free(struct rte_vmap_dev *d, void *addr, size_t size)
{
	vmap_va_ops.free_coherent(d, addr, size);
}

static int
count_regions(struct rte_vmap_dev *d, struct rte_vmap_region *r, unsigned int max,
	      bool locked)
{
	return vmap_va_ops.regions(d, r, max, locked);
}

static const struct rte_vmap_ops count_ops = {
	.name = "vt_count",
	.kind = RTE_VMAP_KIND_OPS,
	.map = count_map,
	.unmap = count_unmap,
	.sync_for_cpu = count_sync_cpu,
	.sync_for_device = count_sync_dev,
	.alloc_coherent = count_alloc,
	.free_coherent = count_free,
	.regions = count_regions,
};

static struct rte_mempool *pool;

/* The log names the queue (q13 or "queue 13") and the IOVA in hex. */
static int
check_report(const char *log, unsigned int qid, rte_iova_t iova,
	     const char *what)
{
	char q1[32], q2[32], hex[32];

	snprintf(q1, sizeof(q1), "q%u", qid);
	snprintf(q2, sizeof(q2), "queue %u", qid);
	snprintf(hex, sizeof(hex), "0x%" PRIx64, iova);
	VT_ASSERT(log != NULL && (strstr(log, q1) != NULL ||
				  strstr(log, q2) != NULL),
		  "%s: expected a message naming queue %u (\"%s\"), actual \"%s\"",
		  what, qid, q1, log == NULL ? "(null)" : log);
	VT_ASSERT_CONTAINS(log, hex, what);
	return VT_PASS;
}

/* Run op on one seg under log capture; the error count must rise by rise. */
#define MISUSE(d, rise, qid, iova, what, call) do {			\
	uint64_t e0_ = vmap_debug_errors(d);				\
	char *log_;							\
	int rc_;							\
									\
	VT_CHECK(vt_log_capture_start());				\
	call;								\
	log_ = vt_log_capture_stop();					\
	rc_ = check_report(log_, (qid), (iova), (what));		\
	free(log_);							\
	if (rc_ != VT_PASS)						\
		return rc_;						\
	VT_ASSERT_EQ(e0_ + (rise), vmap_debug_errors(d), what);		\
} while (0)

static int
get_burst(struct rte_mbuf **m, struct rte_vmap_seg *segs, unsigned int n,
	  uint32_t len, uint8_t seed)
{
	unsigned int i;

	VT_ASSERT_EQ(0, rte_pktmbuf_alloc_bulk(pool, m, n), "alloc mbufs");
	for (i = 0; i < n; i++) {
		uint8_t *p = (uint8_t *)rte_pktmbuf_append(m[i], len);

		VT_ASSERT(p != NULL, "append");
		memset(p, seed + i, len);
		segs[i].addr = p;
		segs[i].iova = rte_pktmbuf_iova(m[i]);
		segs[i].len = len;
		segs[i].sync_len = 0;
	}
	return VT_PASS;
}

/* The device's view of an IOVA: through the kind's regions. */
static void *
dev_va(struct rte_vmap_dev *d, rte_iova_t iova, size_t len)
{
	struct rte_vmap_region r[64];
	int n, i;

	n = vmap_regions(d, r, RTE_DIM(r), false);
	for (i = 0; i < n && i < (int)RTE_DIM(r); i++)
		if (iova >= r[i].dev_addr &&
		    iova + len <= r[i].dev_addr + r[i].size)
			return (uint8_t *)r[i].addr + (iova - r[i].dev_addr);
	return NULL;
}

static int
debug_kind(const struct rte_vmap_ops *ops, bool bounces, bool counts)
{
	struct rte_vmap_params params = { .bounce_size = 4 * MB, .debug = true };
	struct rte_mbuf *m[BURST];
	struct rte_vmap_seg segs[BURST], again, unknown;
	struct rte_vmap_queue q, rq;
	struct rte_vmap_dev d;
	uint64_t e, unmaps;
	rte_iova_t coh_iova;
	void *coh;
	unsigned int i;
	uint8_t *dv;
	char *log;

	vt_info("kind %s with the debug layer", ops->name);
	memset(&cnt, 0, sizeof(cnt));
	VT_ASSERT_OK(vmap_dev_attach(&d, ops, "vt_dbg", SOCKET_ID_ANY, &params),
		     "attach with params.debug");
	VT_ASSERT_EQ(RTE_VMAP_KIND_OPS, d.kind,
		     "hot-path kind with the debug layer");
	VT_ASSERT(d.params.debug, "params.debug kept in the token");
	VT_ASSERT_EQ(0, vmap_debug_errors(&d), "debug errors after attach");
	VT_ASSERT(vmap_regions(&d, NULL, 0, false) > 0,
		  "regions pass through the layer");
	coh = vmap_alloc_coherent(&d, 4096, 64, &coh_iova);
	VT_ASSERT(coh != NULL, "coherent memory through the layer");
	VT_ASSERT(dev_va(&d, coh_iova, 4096) == coh,
		  "coherent IOVA in the wrapped kind's regions");
	vmap_free_coherent(&d, coh, 4096);
	VT_ASSERT_EQ(bounces, vmap_need_sync(&d), "need_sync of the wrapped kind");

	VT_ASSERT_OK(vmap_queue_setup(&d, &q, QID_TX, RTE_VMAP_TO_DEVICE, 64, 2048),
		     "Tx queue setup");
	VT_ASSERT_EQ(QID_TX, q.qid, "queue id");
	VT_ASSERT_OK(vmap_queue_setup(&d, &rq, QID_RX, RTE_VMAP_FROM_DEVICE, 64,
				      2048), "Rx queue setup");

	/* correct use: nothing raised, bytes moved as without the layer */
	VT_CHECK(get_burst(m, segs, BURST, 1000, 0x40));
	VT_ASSERT_EQ(BURST, vmap_map(&q, segs, BURST, RTE_VMAP_TO_DEVICE), "map");
	for (i = 0; i < BURST; i++) {
		dv = dev_va(&d, segs[i].dev_addr, segs[i].len);
		VT_ASSERT(dv != NULL, "mapped IOVA 0x%" PRIx64 " in no region",
			  segs[i].dev_addr);
		VT_ASSERT(bounces || dv == segs[i].addr, "va IOVA is the address");
		VT_ASSERT(!bounces || dv != segs[i].addr, "vduse bounces");
		VT_ASSERT_EQ(0x40 + i, dv[999], "the device reads the data");
	}
	if (bounces)
		VT_ASSERT_EQ(BURST * 1000, q.stats.bounced_to_dev,
			     "queue counters seen through the layer");
	vmap_sync_for_device(&q, segs, BURST, RTE_VMAP_TO_DEVICE);
	vmap_sync_for_cpu(&q, segs, BURST, RTE_VMAP_TO_DEVICE);
	vmap_unmap(&q, segs, BURST, RTE_VMAP_TO_DEVICE);
	VT_ASSERT_EQ(0, vmap_queue_live(&q), "live mappings after unmap");
	VT_ASSERT_EQ(BURST, vmap_map(&q, segs, BURST, RTE_VMAP_TO_DEVICE),
		     "map the same buffers again");
	VT_ASSERT_EQ(0, vmap_debug_errors(&d), "debug errors after correct use");
	if (counts)
		VT_ASSERT(cnt.map == 2 * BURST && cnt.unmap == BURST &&
			  cnt.sync_cpu == BURST && cnt.sync_dev == BURST,
			  "calls passed on: map %" PRIu64 " unmap %" PRIu64 " sync %" PRIu64 "/%" PRIu64,
			  cnt.map, cnt.unmap, cnt.sync_cpu, cnt.sync_dev);
	vmap_unmap(&q, segs, BURST, RTE_VMAP_TO_DEVICE);

	/* Rx through the layer: the sync_len bytes of the device come back */
	rte_pktmbuf_free_bulk(m, BURST);
	VT_CHECK(get_burst(m, segs, BURST, 1000, 0x40));
	VT_ASSERT_EQ(BURST, vmap_map(&q, segs, BURST, RTE_VMAP_TO_DEVICE),
		     "map a new burst");
	{
		struct rte_mbuf *r1;
		struct rte_vmap_seg rs;

		r1 = rte_pktmbuf_alloc(pool);
		VT_ASSERT(r1 != NULL, "alloc");
		rs.addr = rte_pktmbuf_mtod(r1, void *);
		rs.iova = rte_pktmbuf_iova(r1);
		rs.len = 2048;
		rs.sync_len = 0;
		memset(rs.addr, 0, 2048);
		VT_ASSERT_EQ(1, vmap_map(&rq, &rs, 1, RTE_VMAP_FROM_DEVICE),
			     "Rx map");
		dv = dev_va(&d, rs.dev_addr, 2048);
		VT_ASSERT(dv != NULL, "Rx IOVA in no region");
		/* a bouncing kind's device may scribble past what it reports */
		memset(dv, 0x77, bounces ? 2048 : 1500);
		rs.sync_len = 1500;
		vmap_unmap(&rq, &rs, 1, RTE_VMAP_FROM_DEVICE);
		VT_ASSERT_EQ(0x77, ((uint8_t *)rs.addr)[1499],
			     "Rx bytes through the layer");
		VT_ASSERT_EQ(0, ((uint8_t *)rs.addr)[1500],
			     "Rx byte past sync_len");
		rte_pktmbuf_free(r1);
		VT_ASSERT_EQ(0, vmap_debug_errors(&d), "debug errors after Rx");
	}

	/* a double unmap */
	unmaps = cnt.unmap;
	vmap_unmap(&q, &segs[0], 1, RTE_VMAP_TO_DEVICE);
	VT_ASSERT_EQ(0, vmap_debug_errors(&d), "first unmap is fine");
	MISUSE(&d, 1, QID_TX, segs[0].dev_addr, "double unmap",
	       vmap_unmap(&q, &segs[0], 1, RTE_VMAP_TO_DEVICE));
	if (counts)
		VT_ASSERT_EQ(unmaps + 1, cnt.unmap,
			     "unmaps passed on (the double one held back)");

	/* an IOVA the layer never handed out */
	unknown = segs[1];
	unknown.dev_addr = UNKNOWN_IOVA;
	MISUSE(&d, 1, QID_TX, UNKNOWN_IOVA, "unmap of an unknown IOVA",
	       vmap_unmap(&q, &unknown, 1, RTE_VMAP_TO_DEVICE));
	if (counts)
		VT_ASSERT_EQ(unmaps + 1, cnt.unmap,
			     "unmaps passed on (the unknown one held back)");

	/* syncs of an unmapped IOVA */
	MISUSE(&d, 1, QID_TX, segs[0].dev_addr, "sync_for_cpu of an unmapped IOVA",
	       vmap_sync_for_cpu(&q, &segs[0], 1, RTE_VMAP_TO_DEVICE));
	MISUSE(&d, 1, QID_TX, segs[0].dev_addr,
	       "sync_for_device of an unmapped IOVA",
	       vmap_sync_for_device(&q, &segs[0], 1, RTE_VMAP_TO_DEVICE));
	if (counts)
		VT_ASSERT(cnt.sync_cpu == BURST && cnt.sync_dev == BURST,
			  "syncs of unmapped IOVAs were passed on");

	/* in a burst, only the bad buffer is held back and counted */
	e = vmap_debug_errors(&d);
	again = segs[1];
	{
		struct rte_vmap_seg mix[3] = { segs[1], unknown, segs[2] };

		VT_CHECK(vt_log_capture_start());
		vmap_unmap(&q, mix, 3, RTE_VMAP_TO_DEVICE);
		log = vt_log_capture_stop();
		free(log);
	}
	VT_ASSERT_EQ(e + 1, vmap_debug_errors(&d),
		     "one bad buffer in a burst of three");
	if (counts)
		VT_ASSERT_EQ(unmaps + 3, cnt.unmap,
			     "the two good buffers of the burst passed on");

	/* mappings left live when the queue goes idle: one error each */
	vmap_unmap(&q, &segs[3], 3, RTE_VMAP_TO_DEVICE);	/* 3, 4, 5 */
	e = vmap_debug_errors(&d);
	VT_CHECK(vt_log_capture_start());
	i = vmap_queue_live(&q);			/* 6, 7 */
	log = vt_log_capture_stop();
	VT_ASSERT_EQ(2, i, "live mappings at idle");
	VT_ASSERT_EQ(e + 2, vmap_debug_errors(&d), "leaks at idle, one each");
	if (check_report(log, QID_TX, segs[6].dev_addr, "leak report") != VT_PASS ||
	    check_report(log, QID_TX, segs[7].dev_addr, "leak report") != VT_PASS) {
		free(log);
		return VT_FAIL;
	}
	free(log);
	vmap_unmap(&q, &segs[6], 2, RTE_VMAP_TO_DEVICE);
	e = vmap_debug_errors(&d);
	VT_ASSERT_EQ(0, vmap_queue_live(&q), "live mappings after the last unmap");
	VT_ASSERT_EQ(e, vmap_debug_errors(&d), "an idle queue with nothing live");

	/* va hands out the address: mapping a live buffer again is caught */
	if (!bounces) {
		VT_ASSERT_EQ(1, vmap_map(&q, &again, 1, RTE_VMAP_TO_DEVICE), "map");
		VT_ASSERT_EQ(e, vmap_debug_errors(&d), "map after unmap");
		MISUSE(&d, 1, QID_TX, again.dev_addr, "the same IOVA mapped twice",
		       vmap_map(&q, &again, 1, RTE_VMAP_TO_DEVICE));
		vmap_unmap(&q, &again, 1, RTE_VMAP_TO_DEVICE);
		e = vmap_debug_errors(&d);
	}

	/* correct use raises nothing, many times over (table reuse) */
	for (i = 0; i < 200; i++) {
		VT_ASSERT_EQ(BURST, vmap_map(&q, segs, BURST, RTE_VMAP_TO_DEVICE),
			     "map");
		vmap_unmap(&q, segs, BURST, RTE_VMAP_TO_DEVICE);
	}
	VT_ASSERT_EQ(e, vmap_debug_errors(&d), "debug errors after 200 good bursts");
	VT_ASSERT_EQ(0, vmap_queue_live(&q), "live at the end");
	rte_pktmbuf_free_bulk(m, BURST);

	vmap_queue_release(&q);
	vmap_queue_release(&q);
	vmap_queue_release(&rq);
	vmap_dev_detach(&d);
	vmap_dev_detach(&d);
	return VT_PASS;
}

/*
 * len and sync_len checked against the mapping: an unmap or sync whose len
 * is not the one mapped (0 was what Tx unmaps used to pass), or a sync_len
 * past len, is reported and held back, and the mapping stays live so that
 * the right unmap still works. The right Rx unmap brings back exactly
 * sync_len bytes, not len.
 */
static int
debug_len(const struct rte_vmap_ops *ops, bool bounces, bool counts)
{
	struct rte_vmap_params params = { .bounce_size = 4 * MB, .debug = true };
	struct rte_vmap_seg segs[1], bad;
	struct rte_vmap_queue q, rq;
	struct rte_mbuf *m[1];
	struct rte_vmap_dev d;
	uint64_t e0;
	uint8_t *dv, *p;

	vt_info("kind %s: len and sync_len through the debug layer", ops->name);
	memset(&cnt, 0, sizeof(cnt));
	VT_ASSERT_OK(vmap_dev_attach(&d, ops, "vt_dbg_len", SOCKET_ID_ANY,
				     &params), "attach with params.debug");
	VT_ASSERT_OK(vmap_queue_setup(&d, &q, QID_TX, RTE_VMAP_TO_DEVICE, 64, 2048),
		     "Tx queue setup");
	VT_ASSERT_OK(vmap_queue_setup(&d, &rq, QID_RX, RTE_VMAP_FROM_DEVICE, 64,
				      2048), "Rx queue setup");
	e0 = vmap_debug_errors(&d);

	/* Tx: unmap and sync_for_device with a len other than the mapping's */
	VT_CHECK(get_burst(m, segs, 1, 1000, 0x20));
	VT_ASSERT_EQ(1, vmap_map(&q, segs, 1, RTE_VMAP_TO_DEVICE), "Tx map");
	bad = segs[0];
	bad.len = 0;
	MISUSE(&d, 1, QID_TX, bad.dev_addr, "Tx unmap with len 0, mapped 1000",
	       vmap_unmap(&q, &bad, 1, RTE_VMAP_TO_DEVICE));
	VT_ASSERT_OK(vmap_mapping_error(&q, bad.dev_addr),
		     "the mapping is live after the refused unmap");
	bad.len = 1001;
	MISUSE(&d, 1, QID_TX, bad.dev_addr,
	       "sync_for_device with len 1001, mapped 1000",
	       vmap_sync_for_device(&q, &bad, 1, RTE_VMAP_TO_DEVICE));
	if (counts)
		VT_ASSERT(cnt.unmap == 0 && cnt.sync_dev == 0,
			  "buffers with the wrong len passed on: unmap %" PRIu64 " sync %" PRIu64,
			  cnt.unmap, cnt.sync_dev);
	vmap_unmap(&q, segs, 1, RTE_VMAP_TO_DEVICE);
	VT_ASSERT(vmap_mapping_error(&q, segs[0].dev_addr) < 0,
		  "the right unmap ends the mapping");
	VT_ASSERT_EQ(e0 + 2, vmap_debug_errors(&d),
		     "the right unmap raises nothing");
	if (counts)
		VT_ASSERT_EQ(1, cnt.unmap, "the right unmap passed on");
	VT_ASSERT_EQ(0, q.stats.map_errors, "Tx map errors of the kind");
	rte_pktmbuf_free(m[0]);

	/* Rx: the device writes; sync_len past len, len other than mapped */
	VT_CHECK(get_burst(m, segs, 1, 1000, 0));
	p = segs[0].addr;
	memset(p, 0, 1000);
	VT_ASSERT_EQ(1, vmap_map(&rq, segs, 1, RTE_VMAP_FROM_DEVICE), "Rx map");
	dv = dev_va(&d, segs[0].dev_addr, 1000);
	VT_ASSERT(dv != NULL, "Rx IOVA in no region");
	/* a bouncing kind's device writes the whole slot, reports 600 */
	memset(dv, 0x55, bounces ? 1000 : 600);
	bad = segs[0];
	bad.sync_len = 1001;
	MISUSE(&d, 1, QID_RX, bad.dev_addr, "Rx unmap with sync_len past len",
	       vmap_unmap(&rq, &bad, 1, RTE_VMAP_FROM_DEVICE));
	bad.len = 2048;
	bad.sync_len = 600;
	MISUSE(&d, 1, QID_RX, bad.dev_addr,
	       "sync_for_cpu with len 2048, mapped 1000",
	       vmap_sync_for_cpu(&rq, &bad, 1, RTE_VMAP_FROM_DEVICE));
	VT_ASSERT(!bounces || p[0] == 0,
		  "refused unmap and sync copied bytes back");
	if (counts)
		VT_ASSERT(cnt.unmap == 1 && cnt.sync_cpu == 0,
			  "Rx buffers with a wrong length passed on");
	VT_ASSERT_OK(vmap_mapping_error(&rq, segs[0].dev_addr),
		     "the Rx mapping is live after the refused unmap");
	segs[0].sync_len = 600;
	vmap_unmap(&rq, segs, 1, RTE_VMAP_FROM_DEVICE);
	VT_ASSERT_EQ(0x55, p[599], "Rx bytes up to sync_len");
	VT_ASSERT_EQ(0, p[600], "Rx byte past sync_len (len is 1000)");
	if (bounces)
		VT_ASSERT_EQ(600, rq.stats.bounced_from_dev,
			     "bytes bounced back: sync_len, not len");
	VT_ASSERT_EQ(e0 + 4, vmap_debug_errors(&d),
		     "one error per refused buffer, none for the right unmap");
	VT_ASSERT_EQ(0, rq.stats.map_errors, "Rx map errors of the kind");
	rte_pktmbuf_free(m[0]);

	VT_ASSERT_EQ(0, vmap_queue_live(&q), "Tx live at the end");
	VT_ASSERT_EQ(0, vmap_queue_live(&rq), "Rx live at the end");
	VT_ASSERT_EQ(e0 + 4, vmap_debug_errors(&d), "no leak at the end");
	vmap_queue_release(&q);
	vmap_queue_release(&rq);
	vmap_dev_detach(&d);
	return VT_PASS;
}

/* Without the layer: no count, va keeps its inline kind. */
static int
debug_off(void)
{
	struct rte_vmap_params off = { .bounce_size = 2 * MB, .debug = false };
	struct rte_mbuf *m[BURST];
	struct rte_vmap_seg segs[BURST];
	struct rte_vmap_queue q;
	struct rte_vmap_dev d;

	VT_ASSERT_OK(vmap_dev_attach(&d, &vmap_va_ops, "vt_nodbg", SOCKET_ID_ANY,
				     &off), "attach va, debug off");
	VT_ASSERT_EQ(RTE_VMAP_KIND_VA, d.kind, "va kind with debug off");
	VT_ASSERT(vmap_dev_ops(&d) == &vmap_va_ops, "va ops with debug off");
	VT_ASSERT_OK(vmap_queue_setup(&d, &q, 1, RTE_VMAP_TO_DEVICE, 64, 2048),
		     "queue");
	VT_CHECK(get_burst(m, segs, BURST, 100, 1));
	VT_ASSERT_EQ(BURST, vmap_map(&q, segs, BURST, RTE_VMAP_TO_DEVICE), "map");
	vmap_unmap(&q, segs, BURST, RTE_VMAP_TO_DEVICE);
	vmap_unmap(&q, segs, BURST, RTE_VMAP_TO_DEVICE);
	VT_ASSERT_EQ(0, vmap_queue_live(&q), "va tracks nothing");
	VT_ASSERT_EQ(0, vmap_debug_errors(&d), "debug errors with debug off");
	vmap_queue_release(&q);
	vmap_dev_detach(&d);
	VT_ASSERT_OK(vmap_dev_attach(&d, &vmap_va_ops, "vt_nodbg", SOCKET_ID_ANY,
				     NULL), "attach va, default params");
	VT_ASSERT_EQ(RTE_VMAP_KIND_VA, d.kind, "va kind by default");
	VT_ASSERT_EQ(0, vmap_debug_errors(&d), "debug errors by default");
	vmap_dev_detach(&d);

	/* vduse without the layer: the kind counts, the layer does not */
	VT_ASSERT_OK(vmap_dev_attach(&d, vmap_find("vduse"), "vt_nodbg",
				     SOCKET_ID_ANY, &off), "attach vduse");
	VT_ASSERT(vmap_dev_ops(&d) == &vmap_vduse_ops, "vduse ops with debug off");
	VT_ASSERT_OK(vmap_queue_setup(&d, &q, 1, RTE_VMAP_TO_DEVICE, 64, 2048),
		     "queue");
	VT_ASSERT_EQ(BURST, vmap_map(&q, segs, BURST, RTE_VMAP_TO_DEVICE), "map");
	vmap_unmap(&q, segs, BURST, RTE_VMAP_TO_DEVICE);
	vmap_unmap(&q, segs, 1, RTE_VMAP_TO_DEVICE);
	VT_ASSERT_EQ(1, q.stats.map_errors, "vduse counts the double return");
	VT_ASSERT_EQ(0, vmap_debug_errors(&d), "debug errors with debug off");
	vmap_queue_release(&q);
	vmap_dev_detach(&d);
	rte_pktmbuf_free_bulk(m, BURST);
	return VT_PASS;
}

/*
 * More live mappings than the queue has descriptors (Tx packets behind
 * indirect descriptors map every segment): the layer tracks them all,
 * growing its table, and every one comes back without an error.
 */
static int
debug_many(void)
{
	struct rte_vmap_params params = { .debug = true };
	static struct rte_vmap_seg segs[LIVE_MANY];
	static uint8_t buf[LIVE_MANY][64];
	struct rte_vmap_queue q;
	struct rte_vmap_dev d;
	unsigned int i;

	VT_ASSERT_OK(vmap_dev_attach(&d, &vmap_va_ops, "vt_dbg_many",
				     SOCKET_ID_ANY, &params), "attach");
	VT_ASSERT_OK(vmap_queue_setup(&d, &q, QID_TX, RTE_VMAP_TO_DEVICE, 64,
				      64), "Tx queue of 64 descriptors");
	for (i = 0; i < LIVE_MANY; i++) {
		segs[i].addr = buf[i];
		segs[i].iova = rte_mem_virt2iova(buf[i]);
		segs[i].len = sizeof(buf[i]);
		segs[i].sync_len = 0;
	}
	for (i = 0; i < LIVE_MANY; i += BURST)
		VT_ASSERT_EQ(BURST, vmap_map(&q, &segs[i], BURST,
					     RTE_VMAP_TO_DEVICE),
			     "map a burst beyond the ring's 64 descriptors");
	VT_ASSERT_EQ(0, vmap_debug_errors(&d), "no errors while mapped");
	for (i = 0; i < LIVE_MANY; i += BURST)
		vmap_unmap(&q, &segs[i], BURST, RTE_VMAP_TO_DEVICE);
	/* an unmap the layer had not tracked would have counted an error */
	VT_ASSERT_EQ(0, vmap_debug_errors(&d), "no errors after unmap");
	VT_ASSERT_EQ(0, vmap_queue_live(&q), "all returned");
	vmap_queue_release(&q);
	vmap_dev_detach(&d);
	return VT_PASS;
}

static int
run(int argc, char **argv)
{
	unsigned int failed = 0, total = 0;
	int rc;

	RTE_SET_USED(argv);
	if (argc != 0) {
		vt_fail(__FILE__, __LINE__, "expected no argument, got %d", argc);
		return VT_FAIL;
	}
	VT_CHECK(vt_eal_init(&(struct vt_eal_opts){ .mem_mb = 128 }));
	pool = vt_pool_create("vt_dbg", NB_MBUF, 1514);
	if (pool == NULL)
		return VT_FAIL;
	VT_ASSERT_OK(vmap_register(&count_ops), "register vt_count");

#define SUB(call) do {							\
	vt_phase("%s", #call);						\
	rc = (call);							\
	vt_info("%s: %s", #call, rc == VT_PASS ? "ok" : "FAILED");	\
	failed += rc != VT_PASS;					\
	total++;							\
} while (0)
	SUB(debug_kind(&vmap_va_ops, false, false));
	SUB(debug_kind(vmap_find("vduse"), true, false));
	SUB(debug_kind(&count_ops, false, true));
	SUB(debug_len(&vmap_va_ops, false, false));
	SUB(debug_len(vmap_find("vduse"), true, false));
	SUB(debug_len(&count_ops, false, true));
	SUB(debug_off());
	SUB(debug_many());
#undef SUB

	vmap_unregister("vt_count");
	return vt_checks_done(pool, total, failed);
}

static const struct vt_test test = {
	.name = "vmap_debug",
	.usage = "(no arguments)",
	.timeout_s = 60,
	.run = run,
};

int
main(int argc, char **argv)
{
	return vt_main(&test, argc, argv);
}
