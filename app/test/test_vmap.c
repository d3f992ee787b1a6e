/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The virtio_map authors
 */

/*
 * Unit test of the map-ops library (lib/vmap.h) without ethdev: the
 * registry, device and queue tokens and the wrappers around optional
 * members, burst translation for va and pa, coherent memory and the regions
 * a transport would put in its memory table. EAL runs with --no-huge, so
 * IOVA is VA: attaching pa must fail with -ENOTSUP, and pa's translation
 * is exercised on a token set up by hand (pa_hugepages tests it attached,
 * in PA mode). The vduse kind and its domain are in test_domain.c, the
 * debug layer in test_vmap_debug.c.
 */

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_mbuf.h>
#include <rte_memzone.h>

#include "vmap.h"
#include "vt.h"

#define NB_MBUF 512
#define BURST 64

/* A registered kind that records what its optional members were given. */
static struct {
	unsigned int attach, detach, map, unmap, sync_cpu, sync_dev;
	unsigned int q_setup, q_release, q_live;
	const struct rte_vmap_seg *segs;
	const struct rte_vmap_queue *q;
	uint16_t n;
	uint16_t nb_desc;
	uint32_t buf_len;
	enum rte_vmap_dir dir;
	int attach_ret;
	int q_setup_ret;
	struct rte_vmap_params params;
} rec;

static int
rec_attach(struct rte_vmap_dev *d)
{
	rec.attach++;
	rec.params = d->params;
	if (rec.attach_ret == 0)
		d->priv = &rec;
	return rec.attach_ret;
}

static void
rec_detach(struct rte_vmap_dev *d)
{
	RTE_SET_USED(d);
	rec.detach++;
}

static int
rec_queue_setup(struct rte_vmap_queue *q, uint16_t nb_desc, uint32_t buf_len)
{
	rec.q_setup++;
	rec.q = q;
	rec.nb_desc = nb_desc;
	rec.buf_len = buf_len;
	if (rec.q_setup_ret == 0)
		q->priv = &rec.q_setup;
	return rec.q_setup_ret;
}

static void
rec_queue_release(struct rte_vmap_queue *q)
{
	rec.q_release++;
	rec.q = q;
}

static unsigned int
rec_queue_live(struct rte_vmap_queue *q)
{
	rec.q_live++;
	rec.q = q;
	return 7;
}

static uint16_t
rec_map(struct rte_vmap_queue *q, struct rte_vmap_seg *segs, uint16_t n,
	enum rte_vmap_dir dir)
{
	uint16_t i;

	rec.q = q;
	rec.map++;
	rec.dir = dir;
	for (i = 0; i < n; i++)
		segs[i].dev_addr = 0x100000 + i * 0x1000;
	return n;
}

static void
rec_unmap(struct rte_vmap_queue *q, const struct rte_vmap_seg *segs, uint16_t n,
	  enum rte_vmap_dir dir)
{
	rec.q = q;
	rec.unmap++;
	rec.segs = segs;
	rec.n = n;
	rec.dir = dir;
}

static void
rec_sync_cpu(struct rte_vmap_queue *q, const struct rte_vmap_seg *segs, uint16_t n,
	     enum rte_vmap_dir dir)
{
	rec.q = q;
	rec.sync_cpu++;
	rec.segs = segs;
	rec.n = n;
	rec.dir = dir;
}

static void
rec_sync_dev(struct rte_vmap_queue *q, const struct rte_vmap_seg *segs, uint16_t n,
	     enum rte_vmap_dir dir)
{
	rec.q = q;
	rec.sync_dev++;
	rec.segs = segs;
	rec.n = n;
	rec.dir = dir;
}

static bool
rec_need_sync(struct rte_vmap_dev *d)
{
	RTE_SET_USED(d);
	return true;
}

static size_t
rec_max_mapping(struct rte_vmap_dev *d)
{
	RTE_SET_USED(d);
	return 65536;
}

static void *
rec_alloc(struct rte_vmap_dev *d, size_t size, size_t align, rte_iova_t *dev_addr)
{
	RTE_SET_USED(d);
	RTE_SET_USED(size);
	RTE_SET_USED(align);
	RTE_SET_USED(dev_addr);
	rte_errno = ENOMEM;
	return NULL;
}

static void
rec_free(struct rte_vmap_dev *d, void *addr, size_t size)
{
	RTE_SET_USED(d);
	RTE_SET_USED(addr);
	RTE_SET_USED(size);
}

static int
rec_regions(struct rte_vmap_dev *d, struct rte_vmap_region *r, unsigned int max,
	    bool locked)
{
	RTE_SET_USED(d);
	RTE_SET_USED(r);
	RTE_SET_USED(max);
	RTE_SET_USED(locked);
	return 0;
}

static const struct rte_vmap_ops rec_ops = {
	.name = "vt_rec",
	.kind = RTE_VMAP_KIND_OPS,
	.attach = rec_attach,
	.detach = rec_detach,
	.queue_setup = rec_queue_setup,
	.queue_release = rec_queue_release,
	.queue_live = rec_queue_live,
	.map = rec_map,
	.unmap = rec_unmap,
	.sync_for_cpu = rec_sync_cpu,
	.sync_for_device = rec_sync_dev,
	.need_sync = rec_need_sync,
	.alloc_coherent = rec_alloc,
	.free_coherent = rec_free,
	.regions = rec_regions,
	.max_mapping_size = rec_max_mapping,
};

static int
test_find(void)
{
	VT_ASSERT(vmap_find("va") == &vmap_va_ops, "va is built in");
	VT_ASSERT(vmap_find("pa") == &vmap_pa_ops, "pa is built in");
	VT_ASSERT(vmap_find("vduse") == &vmap_vduse_ops, "vduse is built in");
	VT_ASSERT_EQ(RTE_VMAP_KIND_VA, vmap_va_ops.kind, "va kind");
	VT_ASSERT_EQ(RTE_VMAP_KIND_PA, vmap_pa_ops.kind, "pa kind");
	VT_ASSERT_EQ(RTE_VMAP_KIND_OPS, vmap_vduse_ops.kind,
		     "vduse kind (bounces: through the table)");
	VT_ASSERT(vmap_find("nope") == NULL, "unknown name");
	VT_ASSERT(vmap_find("") == NULL, "empty name");
	VT_ASSERT(vmap_find(NULL) == NULL, "NULL name");
	VT_ASSERT(vmap_find("VA") == NULL, "names are case sensitive");
	return VT_PASS;
}

static int
test_names(void)
{
	char buf[256], small[4];

	memset(buf, 'x', sizeof(buf));
	vmap_names(buf, sizeof(buf));
	VT_ASSERT(strcmp(buf, "va|pa|vduse") == 0,
		  "names: expected \"va|pa|vduse\", actual \"%s\"", buf);
	memset(small, 'x', sizeof(small));
	vmap_names(small, sizeof(small));
	VT_ASSERT(memchr(small, '\0', sizeof(small)) != NULL,
		  "names in a 4-byte buffer are terminated");
	VT_ASSERT(strncmp("va|pa|vduse", small, strlen(small)) == 0,
		  "truncated names: expected a prefix of \"va|pa|vduse\", actual \"%.4s\"",
		  small);
	/* len 0 must not write */
	small[0] = 'x';
	vmap_names(small, 0);
	VT_ASSERT_EQ('x', small[0], "vmap_names with len 0 wrote");
	return VT_PASS;
}

static int
test_register(void)
{
	struct rte_vmap_ops bad;
	char buf[256], longname[RTE_VMAP_NAME_MAX + 1];

	VT_ASSERT_EQ(0, vmap_register(&rec_ops), "register vt_rec");
	VT_ASSERT(vmap_find("vt_rec") == &rec_ops, "find registered kind");
	vmap_names(buf, sizeof(buf));
	VT_ASSERT(strcmp(buf, "va|pa|vduse|vt_rec") == 0,
		  "names: expected \"va|pa|vduse|vt_rec\", actual \"%s\"", buf);
	VT_ASSERT_EQ(-EEXIST, vmap_register(&rec_ops), "register twice");

	bad = rec_ops;
	bad.name = "va";
	VT_ASSERT_EQ(-EEXIST, vmap_register(&bad), "register over va");
	bad.name = "pa";
	VT_ASSERT_EQ(-EEXIST, vmap_register(&bad), "register over pa");
	bad.name = "vduse";
	VT_ASSERT_EQ(-EEXIST, vmap_register(&bad), "register over vduse");

	VT_ASSERT_EQ(-EINVAL, vmap_register(NULL), "register NULL");
	bad = rec_ops;
	bad.name = "vt_bad";
	bad.map = NULL;
	VT_ASSERT_EQ(-EINVAL, vmap_register(&bad), "register without map");
	bad = rec_ops;
	bad.name = "vt_bad";
	bad.alloc_coherent = NULL;
	VT_ASSERT_EQ(-EINVAL, vmap_register(&bad),
		     "register without alloc_coherent");
	bad = rec_ops;
	bad.name = "vt_bad";
	bad.free_coherent = NULL;
	VT_ASSERT_EQ(-EINVAL, vmap_register(&bad),
		     "register without free_coherent");
	bad = rec_ops;
	bad.name = "vt_bad";
	bad.regions = NULL;
	VT_ASSERT_EQ(-EINVAL, vmap_register(&bad), "register without regions");
	/* secondary-process ops: both, and with the flag */
	bad = rec_ops;
	bad.name = "vt_bad";
	bad.flags = RTE_VMAP_F_MULTI_PROCESS;
	bad.attach_secondary = vmap_vduse_ops.attach_secondary;
	VT_ASSERT_EQ(-EINVAL, vmap_register(&bad),
		     "register attach_secondary without detach_secondary");
	bad.attach_secondary = NULL;
	bad.detach_secondary = vmap_vduse_ops.detach_secondary;
	VT_ASSERT_EQ(-EINVAL, vmap_register(&bad),
		     "register detach_secondary without attach_secondary");
	bad.attach_secondary = vmap_vduse_ops.attach_secondary;
	bad.flags = 0;
	VT_ASSERT_EQ(-EINVAL, vmap_register(&bad),
		     "register attach_secondary without RTE_VMAP_F_MULTI_PROCESS");
	bad = rec_ops;
	bad.name = NULL;
	VT_ASSERT_EQ(-EINVAL, vmap_register(&bad), "register without name");
	bad.name = "";
	VT_ASSERT_EQ(-EINVAL, vmap_register(&bad), "register empty name");
	memset(longname, 'n', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';	/* RTE_VMAP_NAME_MAX chars */
	bad.name = longname;
	VT_ASSERT_EQ(-EINVAL, vmap_register(&bad), "register 32-char name");
	longname[RTE_VMAP_NAME_MAX - 1] = '\0';	/* 31 chars fit */
	VT_ASSERT_EQ(0, vmap_register(&bad), "register 31-char name");
	VT_ASSERT_EQ(0, vmap_unregister(longname), "unregister 31-char name");
	bad.name = "a,b";
	VT_ASSERT_EQ(-EINVAL, vmap_register(&bad), "register name with ','");
	bad.name = "a=b";
	VT_ASSERT_EQ(-EINVAL, vmap_register(&bad), "register name with '='");
	VT_ASSERT(vmap_find("vt_bad") == NULL, "refused kind not registered");

	/* optional members may be NULL */
	bad = rec_ops;
	bad.name = "vt_min";
	bad.attach = NULL;
	bad.detach = NULL;
	bad.unmap = NULL;
	bad.sync_for_cpu = NULL;
	bad.sync_for_device = NULL;
	bad.need_sync = NULL;
	bad.max_mapping_size = NULL;
	bad.queue_setup = NULL;
	bad.queue_release = NULL;
	bad.queue_live = NULL;
	VT_ASSERT_EQ(0, vmap_register(&bad), "register minimal kind");
	VT_ASSERT_EQ(0, vmap_unregister("vt_min"), "unregister minimal kind");

	VT_ASSERT_EQ(0, vmap_unregister("vt_rec"), "unregister vt_rec");
	VT_ASSERT(vmap_find("vt_rec") == NULL, "find after unregister");
	VT_ASSERT_EQ(-ENOENT, vmap_unregister("vt_rec"), "unregister twice");
	VT_ASSERT_EQ(-ENOENT, vmap_unregister(NULL), "unregister NULL");
	VT_ASSERT(vmap_unregister("va") < 0, "built-in va cannot be removed");
	VT_ASSERT(vmap_find("va") == &vmap_va_ops, "va stays");
	VT_ASSERT(vmap_unregister("pa") < 0, "built-in pa cannot be removed");
	VT_ASSERT(vmap_find("pa") == &vmap_pa_ops, "pa stays");
	VT_ASSERT(vmap_unregister("vduse") < 0,
		  "built-in vduse cannot be removed");
	VT_ASSERT(vmap_find("vduse") == &vmap_vduse_ops, "vduse stays");
	vmap_names(buf, sizeof(buf));
	VT_ASSERT(strcmp(buf, "va|pa|vduse") == 0,
		  "names after unregister: expected \"va|pa|vduse\", actual \"%s\"",
		  buf);
	return VT_PASS;
}

static int
test_registry_full(void)
{
	static char names[64][16];
	static struct rte_vmap_ops ops[64];
	unsigned int i, n = 0;
	int ret = 0;

	for (i = 0; i < RTE_DIM(ops); i++) {
		snprintf(names[i], sizeof(names[i]), "vt_full%u", i);
		ops[i] = rec_ops;
		ops[i].name = names[i];
		ret = vmap_register(&ops[i]);
		if (ret != 0)
			break;
		n++;
	}
	VT_ASSERT_EQ(-ENOSPC, ret, "register past the registry size");
	VT_ASSERT(n >= 1, "room for at least one registered kind, got %u", n);
	vt_info("registry holds %u kinds besides va, pa and vduse", n);
	for (i = 0; i < n; i++)
		VT_ASSERT_EQ(0, vmap_unregister(names[i]), "unregister");
	/* the freed slots can be used again */
	VT_ASSERT_EQ(0, vmap_register(&ops[0]), "register after freeing");
	VT_ASSERT_EQ(0, vmap_unregister(names[0]), "unregister");
	return VT_PASS;
}

static int
test_attach_and_wrappers(void)
{
	struct rte_vmap_params params = { .bounce_size = 3u << 20 };
	struct rte_vmap_seg segs[4];
	struct rte_vmap_queue q, q2;
	struct rte_vmap_dev d;
	uint16_t n;

	memset(&rec, 0, sizeof(rec));
	VT_ASSERT_EQ(0, vmap_dev_attach(&d, &rec_ops, "vt_dev0", SOCKET_ID_ANY,
					&params), "attach vt_rec");
	VT_ASSERT_EQ(1, rec.attach, "attach member calls");
	VT_ASSERT(vmap_dev_ops(&d) == &rec_ops, "token ops");
	VT_ASSERT_EQ(RTE_VMAP_KIND_OPS, d.kind, "token kind cached");
	VT_ASSERT(d.priv == &rec, "attach set priv");
	VT_ASSERT(strcmp(d.name, "vt_dev0") == 0, "token name \"%s\"", d.name);
	VT_ASSERT_EQ(SOCKET_ID_ANY, d.socket_id, "token socket");
	VT_ASSERT_EQ(3u << 20, rec.params.bounce_size,
		     "params reach the kind's attach");
	VT_ASSERT_EQ(3u << 20, d.params.bounce_size, "params kept in the token");
	VT_ASSERT(!d.params.debug, "debug off");
	VT_ASSERT_EQ(0, vmap_debug_errors(&d), "debug errors with debug off");

	/* queue token: the kind's queue_setup gets the sizes and the token */
	memset(&q, 0x5a, sizeof(q));
	VT_ASSERT_EQ(0, vmap_queue_setup(&d, &q, 5, RTE_VMAP_FROM_DEVICE, 128, 2048),
		     "vmap_queue_setup");
	VT_ASSERT_EQ(1, rec.q_setup, "queue_setup member calls");
	VT_ASSERT(rec.q == &q, "queue_setup got the token");
	VT_ASSERT_EQ(128, rec.nb_desc, "queue_setup nb_desc");
	VT_ASSERT_EQ(2048, rec.buf_len, "queue_setup buf_len");
	VT_ASSERT(q.dev == &d, "queue token device");
	VT_ASSERT_EQ(5, q.qid, "queue token qid");
	VT_ASSERT_EQ(RTE_VMAP_FROM_DEVICE, q.dir, "queue token direction");
	VT_ASSERT(q.priv == &rec.q_setup, "queue_setup set priv");
	VT_ASSERT_EQ(0, q.stats.bounced_to_dev + q.stats.bounced_from_dev +
		     q.stats.exhausted + q.stats.map_errors,
		     "queue counters start at zero");

	memset(segs, 0, sizeof(segs));
	n = vmap_map(&q, segs, 4, RTE_VMAP_FROM_DEVICE);
	VT_ASSERT_EQ(4, n, "mapped");
	VT_ASSERT(rec.q == &q, "map got the queue token");
	VT_ASSERT_EQ_X(0x103000, segs[3].dev_addr,
		       "dev_addr from the kind's map");
	VT_ASSERT_EQ_X(0, segs[3].iova, "map leaves the EAL IOVA alone");
	VT_ASSERT_EQ(RTE_VMAP_FROM_DEVICE, rec.dir, "direction passed to map");

	vmap_unmap(&q, segs, 3, RTE_VMAP_FROM_DEVICE);
	VT_ASSERT_EQ(1, rec.unmap, "unmap calls");
	VT_ASSERT(rec.segs == segs && rec.n == 3 && rec.q == &q,
		  "unmap arguments");
	vmap_sync_for_cpu(&q, segs, 2, RTE_VMAP_BIDIRECTIONAL);
	VT_ASSERT_EQ(1, rec.sync_cpu, "sync_for_cpu calls");
	VT_ASSERT(rec.n == 2 && rec.dir == RTE_VMAP_BIDIRECTIONAL && rec.q == &q,
		  "sync_for_cpu arguments");
	vmap_sync_for_device(&q, segs, 1, RTE_VMAP_TO_DEVICE);
	VT_ASSERT_EQ(1, rec.sync_dev, "sync_for_device calls");
	VT_ASSERT(rec.n == 1 && rec.dir == RTE_VMAP_TO_DEVICE && rec.q == &q,
		  "sync_for_device arguments");
	VT_ASSERT_EQ(7, vmap_queue_live(&q), "queue_live from the kind");
	VT_ASSERT_EQ(1, rec.q_live, "queue_live member calls");
	VT_ASSERT(vmap_need_sync(&d), "need_sync from the kind");
	VT_ASSERT_EQ(65536, vmap_max_mapping_size(&d), "max mapping size");
	VT_ASSERT(vmap_alloc_coherent(&d, 64, 64, NULL) == NULL,
		  "the kind's alloc_coherent failure passes through");
	VT_ASSERT_EQ(ENOMEM, rte_errno, "rte_errno from alloc_coherent");
	VT_ASSERT_EQ(0, vmap_regions(&d, NULL, 0, false), "regions");

	vmap_queue_release(&q);
	VT_ASSERT_EQ(1, rec.q_release, "queue_release member calls");
	VT_ASSERT(rec.q == &q, "queue_release got the token");
	vmap_queue_release(&q);
	VT_ASSERT_EQ(1, rec.q_release, "queue release is idempotent");
	VT_ASSERT_EQ(0, vmap_queue_live(&q), "live mappings of a released queue");
	VT_ASSERT_EQ(1, rec.q_live, "no queue_live on a released queue");

	/* a failing queue_setup passes its error and needs no release */
	rec.q_setup_ret = -ENOSPC;
	VT_ASSERT_EQ(-ENOSPC, vmap_queue_setup(&d, &q2, 1, RTE_VMAP_TO_DEVICE, 64,
					       100), "queue_setup failure");
	vmap_queue_release(&q2);
	VT_ASSERT_EQ(1, rec.q_release, "no queue_release after a failed setup");
	rec.q_setup_ret = 0;

	vmap_dev_detach(&d);
	VT_ASSERT_EQ(1, rec.detach, "detach member calls");
	VT_ASSERT(d.slot == 0, "detached token has no ops");
	vmap_dev_detach(&d);
	VT_ASSERT_EQ(1, rec.detach, "detach is idempotent");

	/* a failing attach leaves the token detached */
	rec.attach_ret = -EPERM;
	VT_ASSERT_EQ(-EPERM, vmap_dev_attach(&d, &rec_ops, "vt_dev1", 0, NULL),
		     "attach failure passes through");
	VT_ASSERT(d.slot == 0, "failed attach leaves no ops");
	vmap_dev_detach(&d);
	VT_ASSERT_EQ(1, rec.detach, "no detach after a failed attach");
	rec.attach_ret = 0;

	/* NULL params: defaults */
	VT_ASSERT_EQ(0, vmap_dev_attach(&d, &rec_ops, "vt_dev2", 0, NULL),
		     "attach with default params");
	VT_ASSERT_EQ(0, rec.params.bounce_size, "default bounce_size (0: the kind's default)");
	VT_ASSERT(!rec.params.debug, "default debug off");
	vmap_dev_detach(&d);

	/* va has no optional members: the wrappers are no-ops */
	VT_ASSERT_EQ(0, vmap_dev_attach(&d, &vmap_va_ops, "vt_va", SOCKET_ID_ANY,
					NULL), "attach va");
	VT_ASSERT_EQ(RTE_VMAP_KIND_VA, d.kind, "va token kind");
	VT_ASSERT(!vmap_need_sync(&d), "va needs no sync");
	VT_ASSERT(vmap_max_mapping_size(&d) == SIZE_MAX, "va has no mapping limit");
	VT_ASSERT_EQ(0, vmap_queue_setup(&d, &q, 0, RTE_VMAP_TO_DEVICE, 256, 9000),
		     "va queue setup (no member)");
	VT_ASSERT(q.dev == &d && q.qid == 0 && q.dir == RTE_VMAP_TO_DEVICE,
		  "va queue token");
	vmap_unmap(&q, segs, 4, RTE_VMAP_TO_DEVICE);
	vmap_sync_for_cpu(&q, segs, 4, RTE_VMAP_FROM_DEVICE);
	vmap_sync_for_device(&q, segs, 4, RTE_VMAP_TO_DEVICE);
	VT_ASSERT_EQ(0, vmap_queue_live(&q), "va tracks no mappings");
	VT_ASSERT_EQ(0, vmap_debug_errors(&d), "va debug errors");
	vmap_queue_release(&q);
	vmap_queue_release(&q);
	vmap_dev_detach(&d);
	vmap_dev_detach(&d);
	return VT_PASS;
}

static int
get_burst(struct rte_mempool *mp, struct rte_mbuf **m, struct rte_vmap_seg *segs,
	  unsigned int n)
{
	unsigned int i;

	VT_ASSERT_EQ(0, rte_pktmbuf_alloc_bulk(mp, m, n), "alloc mbufs");
	for (i = 0; i < n; i++) {
		/* vary the offsets a little, as headers and data would */
		rte_pktmbuf_prepend(m[i], i % 8);
		segs[i].addr = rte_pktmbuf_mtod(m[i], void *);
		segs[i].iova = rte_pktmbuf_iova(m[i]);
		segs[i].len = rte_pktmbuf_tailroom(m[i]);
	}
	return VT_PASS;
}

static int
test_va_map(struct rte_mempool *mp)
{
	struct rte_mbuf *m[BURST];
	struct rte_vmap_seg segs[BURST];
	struct rte_vmap_queue q;
	struct rte_vmap_dev d;
	unsigned int i;

	VT_ASSERT_EQ(0, vmap_dev_attach(&d, vmap_find("va"), "vt_va",
					SOCKET_ID_ANY, NULL), "attach va");
	VT_ASSERT_OK(vmap_queue_setup(&d, &q, 1, RTE_VMAP_TO_DEVICE, 64, 2048),
		     "queue setup");
	VT_CHECK(get_burst(mp, m, segs, BURST));
	VT_ASSERT_EQ(BURST, vmap_map(&q, segs, BURST, RTE_VMAP_TO_DEVICE),
		     "va maps the whole burst");
	for (i = 0; i < BURST; i++) {
		VT_ASSERT_EQ_X((uintptr_t)segs[i].addr, segs[i].dev_addr,
			       "va: device address is the virtual address");
		VT_ASSERT_EQ_X(rte_pktmbuf_iova(m[i]), segs[i].iova,
			       "va: map leaves the EAL IOVA alone");
	}
	VT_ASSERT_EQ(0, vmap_map(&q, segs, 0, RTE_VMAP_TO_DEVICE), "empty burst");
	VT_ASSERT_EQ(1, vmap_map(&q, segs, 1, RTE_VMAP_FROM_DEVICE), "burst of one");
	/* RTE_BAD_IOVA means nothing to va: the address is what counts */
	segs[3].iova = RTE_BAD_IOVA;
	VT_ASSERT_EQ(BURST, vmap_map(&q, segs, BURST, RTE_VMAP_FROM_DEVICE),
		     "va ignores the EAL IOVA");
	VT_ASSERT_EQ_X((uintptr_t)segs[3].addr, segs[3].dev_addr, "va address");
	rte_pktmbuf_free_bulk(m, BURST);
	vmap_queue_release(&q);
	vmap_dev_detach(&d);
	return VT_PASS;
}

static int
test_pa_map(struct rte_mempool *mp)
{
	struct rte_mbuf *m[BURST];
	struct rte_vmap_seg segs[BURST];
	rte_iova_t want[BURST];
	struct rte_vmap_queue q;
	struct rte_vmap_dev d;
	unsigned int i;

	/* attach refuses pa here (IOVA as VA); test the translation alone */
	memset(&d, 0, sizeof(d));
	vmap_dev_bind(&d, &vmap_pa_ops);
	d.kind = RTE_VMAP_KIND_PA;
	d.socket_id = SOCKET_ID_ANY;
	snprintf(d.name, sizeof(d.name), "vt_pa_by_hand");
	VT_ASSERT_OK(vmap_queue_setup(&d, &q, 0, RTE_VMAP_TO_DEVICE, 64, 2048),
		     "queue setup");

	VT_CHECK(get_burst(mp, m, segs, BURST));
	for (i = 0; i < BURST; i++)
		want[i] = segs[i].iova;
	VT_ASSERT_EQ(BURST, vmap_map(&q, segs, BURST, RTE_VMAP_TO_DEVICE),
		     "pa maps the whole burst");
	for (i = 0; i < BURST; i++) {
		VT_ASSERT_EQ_X(want[i], segs[i].dev_addr,
			       "pa: device address is the EAL IOVA");
		VT_ASSERT_EQ_X(rte_mem_virt2iova(segs[i].addr), segs[i].dev_addr,
			       "pa: EAL's translation of the address");
	}

	for (i = 0; i < BURST; i++)
		segs[i].dev_addr = 0;
	segs[5].iova = RTE_BAD_IOVA;
	VT_ASSERT_EQ(5, vmap_map(&q, segs, BURST, RTE_VMAP_TO_DEVICE),
		     "pa stops the burst at RTE_BAD_IOVA");
	for (i = 0; i < 5; i++)
		VT_ASSERT_EQ_X(want[i], segs[i].dev_addr,
			       "pa: mapped before the stop");
	VT_ASSERT_EQ_X(0, segs[5].dev_addr,
		       "pa: no device address for RTE_BAD_IOVA");
	segs[0].iova = RTE_BAD_IOVA;
	VT_ASSERT_EQ(0, vmap_map(&q, segs, BURST, RTE_VMAP_TO_DEVICE),
		     "pa: RTE_BAD_IOVA first maps nothing");
	VT_ASSERT_EQ(0, vmap_map(&q, segs, 0, RTE_VMAP_TO_DEVICE), "empty burst");
	rte_pktmbuf_free_bulk(m, BURST);
	vmap_queue_release(&q);
	return VT_PASS;
}

static int
test_pa_attach_va_mode(void)
{
	struct rte_vmap_dev d;
	char *log;
	int ret;

	VT_ASSERT_EQ(RTE_IOVA_VA, rte_eal_iova_mode(), "EAL IOVA mode");
	VT_CHECK(vt_log_capture_start());
	ret = vmap_dev_attach(&d, vmap_find("pa"), "vt_pa_dev", SOCKET_ID_ANY,
			      NULL);
	log = vt_log_capture_stop();
	VT_ASSERT_EQ(-ENOTSUP, ret, "attach pa with IOVA as VA");
	VT_ASSERT(d.slot == 0, "failed attach leaves no ops");
	VT_ASSERT_CONTAINS(log, "vt_pa_dev", "pa refusal names the device");
	VT_ASSERT_CONTAINS(log, "map=pa", "pa refusal names the setting");
	free(log);
	return VT_PASS;
}

static void
count_mz(const struct rte_memzone *mz, void *arg)
{
	RTE_SET_USED(mz);
	(*(unsigned int *)arg)++;
}

static unsigned int
memzones(void)
{
	unsigned int n = 0;

	rte_memzone_walk(count_mz, &n);
	return n;
}

static int
test_coherent_one(struct rte_vmap_dev *d, size_t size, size_t align, bool pa)
{
	rte_iova_t dev_addr = RTE_BAD_IOVA;
	unsigned char *p;
	size_t i;

	p = vmap_alloc_coherent(d, size, align, &dev_addr);
	VT_ASSERT(p != NULL, "alloc_coherent(%zu, %zu): %s", size, align,
		  rte_strerror(rte_errno));
	VT_ASSERT_EQ(0, (uintptr_t)p & (align - 1), "alignment of coherent memory");
	if (pa)
		VT_ASSERT_EQ_X(rte_mem_virt2iova(p), dev_addr,
			       "pa coherent device address is the IOVA");
	else
		VT_ASSERT_EQ_X((uintptr_t)p, dev_addr,
			       "va coherent device address is the address");
	for (i = 0; i < size; i++)
		if (p[i] != 0)
			break;
	VT_ASSERT_EQ(size, i, "coherent memory is zeroed up to");
	memset(p, 0xa5, size);
	vmap_free_coherent(d, p, size);
	return VT_PASS;
}

static int
test_coherent(void)
{
	static const size_t sizes[][2] = {
		{ 1, 1 }, { 100, 64 }, { 4096, 4096 }, { 16384, 4096 },
		{ 65536 + 12, 128 }, { 300000, 2 * 1024 * 1024 },
	};
	void *many[16];
	struct rte_vmap_dev d, dpa;
	unsigned int mz0, i;

	mz0 = memzones();
	VT_ASSERT_EQ(0, vmap_dev_attach(&d, &vmap_va_ops, "vt_coh", SOCKET_ID_ANY,
					NULL), "attach va");
	for (i = 0; i < RTE_DIM(sizes); i++)
		VT_CHECK(test_coherent_one(&d, sizes[i][0], sizes[i][1], false));
	VT_ASSERT_EQ(mz0, memzones(), "memzones after alloc/free pairs");

	memset(&dpa, 0, sizeof(dpa));	/* pa by hand, as in test_pa_map */
	vmap_dev_bind(&dpa, &vmap_pa_ops);
	dpa.kind = RTE_VMAP_KIND_PA;
	dpa.socket_id = SOCKET_ID_ANY;
	snprintf(dpa.name, sizeof(dpa.name), "vt_coh_pa");
	for (i = 0; i < RTE_DIM(sizes); i++)
		VT_CHECK(test_coherent_one(&dpa, sizes[i][0], sizes[i][1], true));
	VT_ASSERT_EQ(mz0, memzones(), "memzones after pa alloc/free pairs");

	for (i = 0; i < RTE_DIM(many); i++) {
		many[i] = vmap_alloc_coherent(&d, 1000 + i, 64, NULL);
		VT_ASSERT(many[i] != NULL, "alloc %u without dev_addr", i);
	}
	for (i = 0; i < RTE_DIM(many); i++)
		VT_ASSERT(i == 0 || many[i] != many[i - 1], "distinct blocks");
	for (i = 0; i < RTE_DIM(many); i++)
		vmap_free_coherent(&d, many[RTE_DIM(many) - 1 - i], 1000);
	VT_ASSERT_EQ(mz0, memzones(), "memzones after freeing in reverse");

	rte_errno = 0;
	VT_ASSERT(vmap_alloc_coherent(&d, 0, 64, NULL) == NULL, "size 0");
	VT_ASSERT_EQ(EINVAL, rte_errno, "rte_errno for size 0");
	rte_errno = 0;
	VT_ASSERT(vmap_alloc_coherent(&d, 64, 0, NULL) == NULL, "align 0");
	VT_ASSERT_EQ(EINVAL, rte_errno, "rte_errno for align 0");
	rte_errno = 0;
	VT_ASSERT(vmap_alloc_coherent(&d, 64, 48, NULL) == NULL, "align 48");
	VT_ASSERT_EQ(EINVAL, rte_errno, "rte_errno for align 48");
	vmap_free_coherent(&d, NULL, 64);
	VT_ASSERT_EQ(mz0, memzones(), "memzones after refused requests");
	vmap_dev_detach(&d);
	return VT_PASS;
}

struct region_check {
	const struct rte_vmap_region *r;
	int n;
	unsigned int objs, outside;
	uintptr_t first_bad;
};

static int
region_index(const struct rte_vmap_region *r, int n, const void *p, size_t len)
{
	uintptr_t a = (uintptr_t)p;
	int i;

	for (i = 0; i < n; i++)
		if (a >= (uintptr_t)r[i].addr &&
		    a + len <= (uintptr_t)r[i].addr + r[i].size)
			return i;
	return -1;
}

static void
check_mbuf(struct rte_mempool *mp, void *arg, void *obj, unsigned int idx)
{
	struct region_check *c = arg;
	struct rte_mbuf *m = obj;

	RTE_SET_USED(mp);
	RTE_SET_USED(idx);
	c->objs++;
	if (region_index(c->r, c->n, m->buf_addr, m->buf_len) < 0) {
		if (c->outside++ == 0)
			c->first_bad = (uintptr_t)m->buf_addr;
	}
}

static int
check_regions(struct rte_vmap_dev *d, struct rte_mempool *mp, bool by_iova)
{
	struct rte_vmap_region r[64], guard[2];
	struct region_check c;
	rte_iova_t coh_dev;
	void *coh;
	int n, i, j;

	memset(r, 0, sizeof(r));
	n = vmap_regions(d, r, RTE_DIM(r), false);
	VT_ASSERT(n >= 1 && n <= (int)RTE_DIM(r), "%s regions: %d", d->name, n);
	vt_info("%s: %d region(s)", d->name, n);
	for (i = 0; i < n; i++) {
		printf("     region %d: dev 0x%" PRIx64 " va %p size 0x%" PRIx64 " fd %d off 0x%" PRIx64 "\n",
		       i, r[i].dev_addr, r[i].addr, r[i].size, r[i].fd,
		       r[i].fd_offset);
		VT_ASSERT(r[i].size > 0, "region %d size", i);
		VT_ASSERT(r[i].fd >= 0, "region %d has a file to share", i);
		if (by_iova)
			VT_ASSERT_EQ_X(rte_mem_virt2iova(r[i].addr),
				       r[i].dev_addr,
				       "pa region device address is the IOVA");
		else
			VT_ASSERT_EQ_X((uintptr_t)r[i].addr, r[i].dev_addr,
				       "va region device address is the address");
		for (j = 0; j < i; j++) {
			uintptr_t a0 = (uintptr_t)r[i].addr;
			uintptr_t b0 = (uintptr_t)r[j].addr;

			VT_ASSERT(a0 + r[i].size <= b0 || b0 + r[j].size <= a0,
				  "regions %d and %d overlap", j, i);
		}
	}

	memset(&c, 0, sizeof(c));
	c.r = r;
	c.n = n;
	rte_mempool_obj_iter(mp, check_mbuf, &c);
	VT_ASSERT_EQ(NB_MBUF, c.objs, "mbufs walked");
	VT_ASSERT(c.outside == 0,
		  "%u of %u mbuf buffers outside every region (first at 0x%" PRIxPTR ")",
		  c.outside, c.objs, c.first_bad);

	coh = vmap_alloc_coherent(d, 8192, 4096, &coh_dev);
	VT_ASSERT(coh != NULL, "coherent alloc");
	i = region_index(r, n, coh, 8192);
	VT_ASSERT(i >= 0, "coherent memory at %p lies in a region", coh);
	VT_ASSERT_EQ_X(r[i].dev_addr + ((uintptr_t)coh - (uintptr_t)r[i].addr),
		       coh_dev, "coherent device address inside its region");
	vmap_free_coherent(d, coh, 8192);

	/* a short array gets max entries and the full count */
	memset(guard, 0x5a, sizeof(guard));
	VT_ASSERT_EQ(n, vmap_regions(d, guard, 0, false), "count with max 0");
	VT_ASSERT_EQ(0x5a5a5a5a5a5a5a5aull, guard[0].size, "max 0 writes nothing");
	if (n > 1) {
		VT_ASSERT_EQ(n, vmap_regions(d, guard, 1, false),
			     "count with max 1");
		VT_ASSERT_EQ_X(r[0].dev_addr, guard[0].dev_addr, "first region");
		VT_ASSERT_EQ(0x5a5a5a5a5a5a5a5aull, guard[1].size,
			     "max 1 writes one region");
	}
	return VT_PASS;
}

static int
test_regions(struct rte_mempool *mp)
{
	struct rte_vmap_dev d;

	VT_ASSERT_EQ(0, vmap_dev_attach(&d, &vmap_va_ops, "vt_regions_va",
					SOCKET_ID_ANY, NULL), "attach va");
	VT_CHECK(check_regions(&d, mp, false));
	vmap_dev_detach(&d);

	memset(&d, 0, sizeof(d));	/* pa by hand: IOVA = VA here */
	vmap_dev_bind(&d, &vmap_pa_ops);
	d.kind = RTE_VMAP_KIND_PA;
	d.socket_id = SOCKET_ID_ANY;
	snprintf(d.name, sizeof(d.name), "vt_regions_pa");
	VT_CHECK(check_regions(&d, mp, true));
	return VT_PASS;
}

static int
run(int argc, char **argv)
{
	static const struct {
		const char *name;
		int (*fn)(void);
	} plain[] = {
		{ "find", test_find },
		{ "names", test_names },
		{ "register", test_register },
		{ "registry_full", test_registry_full },
		{ "attach_and_wrappers", test_attach_and_wrappers },
		{ "pa_attach_va_mode", test_pa_attach_va_mode },
		{ "coherent", test_coherent },
	};
	static const struct {
		const char *name;
		int (*fn)(struct rte_mempool *mp);
	} with_pool[] = {
		{ "va_map", test_va_map },
		{ "pa_map", test_pa_map },
		{ "regions", test_regions },
	};
	struct rte_mempool *mp;
	unsigned int i, failed = 0, total = 0;
	int rc;

	RTE_SET_USED(argv);
	if (argc != 0) {
		vt_fail(__FILE__, __LINE__, "expected no argument, got %d", argc);
		return VT_FAIL;
	}
	VT_CHECK(vt_eal_init(&(struct vt_eal_opts){ .mem_mb = 128 }));
	mp = vt_pool_create("vt_unit", NB_MBUF, 1514);
	if (mp == NULL)
		return VT_FAIL;

	for (i = 0; i < RTE_DIM(plain); i++, total++) {
		vt_phase("%s", plain[i].name);
		rc = plain[i].fn();
		vt_info("%s: %s", plain[i].name, rc == VT_PASS ? "ok" : "FAILED");
		failed += rc != VT_PASS;
	}
	for (i = 0; i < RTE_DIM(with_pool); i++, total++) {
		vt_phase("%s", with_pool[i].name);
		rc = with_pool[i].fn(mp);
		vt_info("%s: %s", with_pool[i].name,
			rc == VT_PASS ? "ok" : "FAILED");
		failed += rc != VT_PASS;
	}
	return vt_checks_done(mp, total, failed);
}

static const struct vt_test test = {
	.name = "vmap",
	.usage = "(no arguments)",
	.timeout_s = 60,
	.run = run,
};

int
main(int argc, char **argv)
{
	return vt_main(&test, argc, argv);
}
