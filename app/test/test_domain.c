/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The virtio_map authors
 */

/*
 * Unit test "domain": the private IOVA domain of the vduse kind
 * (lib/vmap_domain.h) without ethdev. The layout (bounce region at IOVA 0,
 * coherent region right above it, each its own file, the bytes written
 * through this process's mapping being what a backend mapping the file
 * sees), size limits, the coherent allocator, the IOVA API (try_alloc,
 * link, sync, unlink, destroy) with its copy semantics per direction, and
 * the per-queue bounce slot pools: slot accounting under random bursts with
 * every byte checked both ways, exhaustion, every error path, pools that
 * do not fit. Last, the "vduse" kind put together through vmap.h, as the
 * driver uses it. The test plays the device by writing and reading the
 * domain's memory directly.
 */

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_memory.h>

#include "vmap.h"
#include "vmap_domain.h"
#include "vmap_umem.h"
#include "vt.h"

#define MB (1u << 20)
#define NB_MBUF 256
#define RANDOM_ROUNDS 3000

static size_t page_sz;
static uint64_t rnd_state = 0x2545f4914f6cdd1dull;

static uint32_t
rnd(uint32_t lo, uint32_t hi)
{
	rnd_state ^= rnd_state << 13;
	rnd_state ^= rnd_state >> 7;
	rnd_state ^= rnd_state << 17;
	return lo + (uint32_t)(rnd_state % ((uint64_t)hi - lo + 1));
}

/* Bytes that depend on a tag and the position, so no two fills agree. */
static void
fill(void *p, size_t len, uint32_t tag)
{
	uint8_t *b = p;
	size_t i;

	for (i = 0; i < len; i++)
		b[i] = (uint8_t)((tag * 2654435761u + i * 40503u) >> 7);
}

/* Offset of the first byte of p that differs from fill(tag), or len. */
static size_t
check_fill(const void *p, size_t len, uint32_t tag)
{
	const uint8_t *b = p;
	size_t i;

	for (i = 0; i < len; i++)
		if (b[i] != (uint8_t)((tag * 2654435761u + i * 40503u) >> 7))
			return i;
	return len;
}

/* Offset of the first byte of p that is not v, or len. */
static size_t
check_byte(const void *p, size_t len, uint8_t v)
{
	const uint8_t *b = p;
	size_t i;

	for (i = 0; i < len; i++)
		if (b[i] != v)
			return i;
	return len;
}

static struct vmap_domain *
domain(const char *name, size_t bounce, size_t coherent)
{
	struct vmap_domain *dom = vmap_domain_create(name, bounce, coherent);

	if (dom == NULL)
		vt_fail(__FILE__, __LINE__, "vmap_domain_create(%s, %zu, %zu): %s",
			name, bounce, coherent, rte_strerror(rte_errno));
	return dom;
}

/* ---- layout and limits ---- */

static int
test_sizes(void)
{
	static const size_t bad[] = {
		0, 1, MB - 1, (size_t)1 << 30 | 1, (size_t)2 << 30,
		SIZE_MAX,
	};
	struct vmap_domain *dom;
	unsigned int i;

	for (i = 0; i < RTE_DIM(bad); i++) {
		rte_errno = 0;
		dom = vmap_domain_create("vt_bad", bad[i], MB);
		VT_ASSERT(dom == NULL, "bounce size %zu accepted", bad[i]);
		VT_ASSERT_EQ(EINVAL, rte_errno, "rte_errno for a bounce size out of 1M..1G");
	}
	rte_errno = 0;
	VT_ASSERT(vmap_domain_create("vt_bad", MB, 0) == NULL,
		  "coherent size 0 accepted");
	VT_ASSERT_EQ(EINVAL, rte_errno, "rte_errno for coherent size 0");

	/* the limits themselves are fine; a 1 GB memfd costs nothing here */
	dom = domain("vt_min", VMAP_BOUNCE_SIZE_MIN, page_sz);
	VT_ASSERT(dom != NULL, "1M bounce region");
	VT_ASSERT_EQ(MB, vmap_domain_bounce_size(dom), "bounce size");
	VT_ASSERT_EQ(page_sz, vmap_domain_coherent_size(dom), "coherent size");
	vmap_domain_destroy(dom);
	dom = domain("vt_max", VMAP_BOUNCE_SIZE_MAX, VMAP_DOMAIN_COHERENT_SIZE);
	VT_ASSERT(dom != NULL, "1G bounce region");
	VT_ASSERT_EQ(VMAP_BOUNCE_SIZE_MAX, vmap_domain_bounce_size(dom),
		     "bounce size");
	vmap_domain_destroy(dom);

	/* sizes are rounded up to the page */
	dom = domain("vt_round", MB + 1, 100000);
	VT_ASSERT(dom != NULL, "unrounded sizes");
	VT_ASSERT_EQ(MB + page_sz, vmap_domain_bounce_size(dom),
		     "bounce size rounded up to the page");
	VT_ASSERT_EQ(RTE_ALIGN_CEIL(100000, page_sz),
		     vmap_domain_coherent_size(dom),
		     "coherent size rounded up to the page");
	vmap_domain_destroy(dom);
	vmap_domain_destroy(NULL);
	return VT_PASS;
}

/* What a backend would do: map the file itself and look. */
static int
check_region_file(const struct rte_vmap_region *r, unsigned int idx)
{
	uint8_t probe[64], back[64];
	struct stat st;
	uint8_t *mine = r->addr, *other;
	size_t off;

	VT_ASSERT(r->fd >= 0, "region %u has a file", idx);
	VT_ASSERT_OK(fstat(r->fd, &st) == 0 ? 0 : -errno, "fstat region file");
	VT_ASSERT(S_ISREG(st.st_mode), "region %u file mode 0%o", idx,
		  (unsigned int)st.st_mode);
	VT_ASSERT((uint64_t)st.st_size >= r->fd_offset + r->size,
		  "region %u file of %lld bytes holds offset 0x%" PRIx64 " + 0x%" PRIx64,
		  idx, (long long)st.st_size, r->fd_offset, r->size);
	VT_ASSERT(rte_mem_virt2memseg(r->addr, NULL) == NULL,
		  "region %u lies in EAL memory (application memory)", idx);

	/* bytes written here are in the file at fd_offset, and back */
	for (off = 0; off < r->size; off += r->size / 4 - 64) {
		size_t o = RTE_MIN(off, r->size - sizeof(probe));

		fill(probe, sizeof(probe), (uint32_t)(idx * 1000 + o));
		memcpy(mine + o, probe, sizeof(probe));
		VT_ASSERT_EQ(sizeof(back), pread(r->fd, back, sizeof(back),
						 r->fd_offset + o),
			     "pread of the region file");
		VT_ASSERT(memcmp(probe, back, sizeof(back)) == 0,
			  "region %u offset 0x%zx: the file does not hold what was written at addr",
			  idx, o);
	}
	fill(probe, sizeof(probe), 77 + idx);
	VT_ASSERT_EQ(sizeof(probe), pwrite(r->fd, probe, sizeof(probe),
					   r->fd_offset + 128),
		     "pwrite into the region file");
	VT_ASSERT(memcmp(mine + 128, probe, sizeof(probe)) == 0,
		  "region %u: a write into the file is not seen at addr", idx);

	/* a second mapping of the file, as the vhost backend makes */
	other = mmap(NULL, r->fd_offset + r->size, PROT_READ | PROT_WRITE,
		     MAP_SHARED, r->fd, 0);
	VT_ASSERT(other != MAP_FAILED, "mmap of region %u file: %s", idx,
		  strerror(errno));
	other += r->fd_offset;
	fill(other + r->size - 64, 64, 99 + idx);
	VT_ASSERT_EQ(64, check_fill(mine + r->size - 64, 64, 99 + idx),
		     "bytes the second mapping wrote, seen at addr");
	munmap(other - r->fd_offset, r->fd_offset + r->size);
	return VT_PASS;
}

static int
test_layout(void)
{
	struct rte_vmap_region r[4], g[3];
	struct vmap_domain *dom;
	struct stat s0, s1;
	size_t bsz, csz;
	uint8_t *b, *c;
	int n;

	dom = domain("vt_layout", 2 * MB + 1, 100000);
	VT_ASSERT(dom != NULL, "domain");
	bsz = vmap_domain_bounce_size(dom);
	csz = vmap_domain_coherent_size(dom);
	VT_ASSERT_EQ(2 * MB + page_sz, bsz, "bounce size");

	memset(r, 0, sizeof(r));
	n = vmap_domain_regions(dom, r, RTE_DIM(r));
	VT_ASSERT_EQ(2, n, "regions of a domain");
	printf("     bounce   iova 0x%" PRIx64 " size 0x%" PRIx64 " va %p fd %d off 0x%" PRIx64 "\n",
	       r[0].dev_addr, r[0].size, r[0].addr, r[0].fd, r[0].fd_offset);
	printf("     coherent iova 0x%" PRIx64 " size 0x%" PRIx64 " va %p fd %d off 0x%" PRIx64 "\n",
	       r[1].dev_addr, r[1].size, r[1].addr, r[1].fd, r[1].fd_offset);
	VT_ASSERT_EQ_X(0, r[0].dev_addr, "bounce region IOVA");
	VT_ASSERT_EQ(bsz, r[0].size, "bounce region size");
	VT_ASSERT_EQ_X(bsz, r[1].dev_addr, "coherent region IOVA (right after bounce)");
	VT_ASSERT_EQ(csz, r[1].size, "coherent region size");
	VT_ASSERT(r[0].fd != r[1].fd, "regions share fd %d", r[0].fd);
	VT_ASSERT_OK(fstat(r[0].fd, &s0) == 0 && fstat(r[1].fd, &s1) == 0 ?
		     0 : -errno, "fstat");
	VT_ASSERT(s0.st_ino != s1.st_ino || s0.st_dev != s1.st_dev,
		  "both regions are the same file");
	b = r[0].addr;
	c = r[1].addr;
	VT_ASSERT(b + bsz <= c || c + csz <= b, "region mappings overlap");
	VT_CHECK(check_region_file(&r[0], 0));
	VT_CHECK(check_region_file(&r[1], 1));

	/* a short array gets what fits and the full count */
	memset(g, 0x5a, sizeof(g));
	VT_ASSERT_EQ(2, vmap_domain_regions(dom, g, 0), "count with max 0");
	VT_ASSERT_EQ(0x5a5a5a5a5a5a5a5aull, g[0].size, "max 0 writes nothing");
	VT_ASSERT_EQ(2, vmap_domain_regions(dom, g, 1), "count with max 1");
	VT_ASSERT_EQ(bsz, g[0].size, "max 1 writes the bounce region");
	VT_ASSERT_EQ(0x5a5a5a5a5a5a5a5aull, g[1].size, "max 1 writes one region");

	/* IOVA to VA: inside one region only */
	VT_ASSERT(vmap_domain_iova_to_va(dom, 0, 1) == b, "IOVA 0");
	VT_ASSERT(vmap_domain_iova_to_va(dom, 0, bsz) == b, "whole bounce region");
	VT_ASSERT(vmap_domain_iova_to_va(dom, 4096, 100) == b + 4096, "IOVA 4096");
	VT_ASSERT(vmap_domain_iova_to_va(dom, bsz - 1, 1) == b + bsz - 1,
		  "last bounce byte");
	VT_ASSERT(vmap_domain_iova_to_va(dom, bsz - 1, 2) == NULL,
		  "a range across the two regions");
	VT_ASSERT(vmap_domain_iova_to_va(dom, 0, bsz + 1) == NULL,
		  "bounce region plus one byte");
	VT_ASSERT(vmap_domain_iova_to_va(dom, bsz, 1) == c, "first coherent byte");
	VT_ASSERT(vmap_domain_iova_to_va(dom, bsz, csz) == c,
		  "whole coherent region");
	VT_ASSERT(vmap_domain_iova_to_va(dom, bsz + csz - 8, 8) == c + csz - 8,
		  "last coherent bytes");
	VT_ASSERT(vmap_domain_iova_to_va(dom, bsz + csz - 8, 9) == NULL,
		  "past the coherent region");
	VT_ASSERT(vmap_domain_iova_to_va(dom, bsz + csz, 1) == NULL,
		  "IOVA past the domain");
	VT_ASSERT(vmap_domain_iova_to_va(dom, (rte_iova_t)1 << 40, 1) == NULL,
		  "IOVA far out");
	VT_ASSERT(vmap_domain_iova_to_va(dom, UINT64_MAX, 2) == NULL,
		  "IOVA + len wrapping around");
	VT_ASSERT(vmap_domain_iova_to_va(dom, 16, SIZE_MAX) == NULL,
		  "len wrapping around");
	vmap_domain_destroy(dom);
	return VT_PASS;
}

/* ---- coherent allocator ---- */

static int
coherent_one(struct vmap_domain *dom, size_t size, size_t align)
{
	size_t bsz = vmap_domain_bounce_size(dom);
	size_t csz = vmap_domain_coherent_size(dom);
	rte_iova_t iova = RTE_BAD_IOVA;
	uint8_t *p;
	size_t z;

	p = vmap_domain_alloc_coherent(dom, size, align, &iova);
	VT_ASSERT(p != NULL, "alloc_coherent(%zu, align %zu): %s", size, align,
		  rte_strerror(rte_errno));
	VT_ASSERT_EQ(0, (uintptr_t)p % align, "VA alignment of coherent memory");
	VT_ASSERT_EQ(0, iova % align, "IOVA alignment of coherent memory");
	VT_ASSERT(iova >= bsz && iova + size <= bsz + csz,
		  "IOVA 0x%" PRIx64 " + %zu outside the coherent region [0x%zx, 0x%zx)",
		  iova, size, bsz, bsz + csz);
	VT_ASSERT(vmap_domain_iova_to_va(dom, iova, size) == p,
		  "iova_to_va of a coherent block");
	z = check_byte(p, size, 0);
	VT_ASSERT_EQ(size, z, "coherent memory zeroed up to");
	memset(p, 0xa5, size);
	vmap_domain_free_coherent(dom, p, size);
	return VT_PASS;
}

static int
test_coherent(void)
{
	static const size_t cases[][2] = {
		{ 1, 1 }, { 100, 8 }, { 100, 64 }, { 4096, 4096 },
		{ 10000, 4096 }, { 65536 + 12, 128 }, { 300000, 65536 },
		{ 8192, 2 * MB },
	};
	struct vmap_domain *dom;
	void *blk[80], *a, *b, *c, *d, *all;
	rte_iova_t ia, ib, id, iall;
	size_t csz;
	unsigned int i, k;
	char *log;

	dom = domain("vt_coh", 2 * MB + 4096, 4 * MB);
	VT_ASSERT(dom != NULL, "domain");
	csz = vmap_domain_coherent_size(dom);
	for (i = 0; i < RTE_DIM(cases); i++)
		VT_CHECK(coherent_one(dom, cases[i][0], cases[i][1]));
	/* again: what was dirtied and freed comes back zeroed */
	for (i = 0; i < RTE_DIM(cases); i++)
		VT_CHECK(coherent_one(dom, cases[i][0], cases[i][1]));

	/* first fit: a freed hole is used again */
	a = vmap_domain_alloc_coherent(dom, 4096, 4096, &ia);
	b = vmap_domain_alloc_coherent(dom, 4096, 4096, &ib);
	c = vmap_domain_alloc_coherent(dom, 4096, 4096, NULL);
	VT_ASSERT(a != NULL && b != NULL && c != NULL, "three pages");
	VT_ASSERT(a != b && b != c && a != c, "distinct blocks");
	memset(b, 0xff, 4096);
	vmap_domain_free_coherent(dom, b, 4096);
	d = vmap_domain_alloc_coherent(dom, 4096, 4096, &id);
	VT_ASSERT(d == b, "first fit: freed block %p, got %p", b, d);
	VT_ASSERT_EQ_X(ib, id, "first fit: same IOVA again");
	VT_ASSERT_EQ(4096, check_byte(d, 4096, 0), "reused block zeroed up to");
	vmap_domain_free_coherent(dom, a, 4096);
	vmap_domain_free_coherent(dom, c, 4096);
	vmap_domain_free_coherent(dom, d, 4096);

	/* refusals */
	rte_errno = 0;
	VT_ASSERT(vmap_domain_alloc_coherent(dom, 64, 48, NULL) == NULL,
		  "align 48");
	VT_ASSERT_EQ(EINVAL, rte_errno, "rte_errno for align 48");
	rte_errno = 0;
	VT_ASSERT(vmap_domain_alloc_coherent(dom, 0, 64, NULL) == NULL,
		  "size 0");
	VT_ASSERT_EQ(EINVAL, rte_errno, "rte_errno for size 0");
	rte_errno = 0;
	VT_ASSERT(vmap_domain_alloc_coherent(dom, csz + 1, 64, NULL) == NULL,
		  "more than the region");
	VT_ASSERT_EQ(ENOMEM, rte_errno, "rte_errno for more than the region");
	rte_errno = 0;
	VT_ASSERT(vmap_domain_alloc_coherent(dom, SIZE_MAX - 100, 64, NULL) ==
		  NULL, "size near SIZE_MAX");

	/* exhaustion: 64 KB blocks until the region is full */
	for (k = 0; k < RTE_DIM(blk); k++) {
		blk[k] = vmap_domain_alloc_coherent(dom, 65536, 64, NULL);
		if (blk[k] == NULL)
			break;
	}
	VT_ASSERT(k < RTE_DIM(blk), "a 4 MB region held %u blocks of 64 KB", k);
	VT_ASSERT_EQ(ENOMEM, rte_errno, "rte_errno when the region is full");
	VT_ASSERT(k * 65536 <= csz && k >= csz / 65536 - 1,
		  "64 KB blocks in a region of %zu bytes: %u", csz, k);
	vt_info("coherent region of %zu bytes held %u blocks of 64 KB", csz, k);
	VT_ASSERT(vmap_domain_alloc_coherent(dom, 64, 64, NULL) == NULL ||
		  k < csz / 65536, "room left after exhaustion");
	for (i = 0; i < k; i += 2)
		vmap_domain_free_coherent(dom, blk[i], 65536);
	for (i = 1; i < k; i += 2)
		vmap_domain_free_coherent(dom, blk[i], 65536);

	/* everything freed, in any order: the whole region is one block */
	all = vmap_domain_alloc_coherent(dom, csz, 4096, &iall);
	VT_ASSERT(all != NULL, "the whole region after freeing all: %s",
		  rte_strerror(rte_errno));
	VT_ASSERT_EQ_X(vmap_domain_bounce_size(dom), iall,
		       "the whole region starts at the coherent base");
	rte_errno = 0;
	VT_ASSERT(vmap_domain_alloc_coherent(dom, 1, 1, NULL) == NULL,
		  "one byte more");
	VT_ASSERT_EQ(ENOMEM, rte_errno, "rte_errno, region full");

	/* addresses the domain did not hand out: logged, ignored */
	VT_CHECK(vt_log_capture_start());
	vmap_domain_free_coherent(dom, (uint8_t *)all + 64, 64);
	vmap_domain_free_coherent(dom, &k, sizeof(k));
	log = vt_log_capture_stop();
	VT_ASSERT(log[0] != '\0', "freeing unknown addresses logged nothing");
	free(log);
	VT_ASSERT(vmap_domain_alloc_coherent(dom, 64, 64, NULL) == NULL,
		  "a bad free released part of a live block");
	vmap_domain_free_coherent(dom, all, csz);
	all = vmap_domain_alloc_coherent(dom, csz, 64, NULL);
	VT_ASSERT(all != NULL, "whole region again");
	vmap_domain_free_coherent(dom, all, csz);

	/* 0 is not a power of two */
	rte_errno = 0;
	all = vmap_domain_alloc_coherent(dom, 64, 0, NULL);
	if (all != NULL)
		vmap_domain_free_coherent(dom, all, 64);
	vmap_domain_destroy(dom);
	VT_ASSERT(all == NULL, "align 0 accepted (not a power of two)");
	VT_ASSERT_EQ(EINVAL, rte_errno, "rte_errno for align 0");
	return VT_PASS;
}

/* ---- IOVA API ---- */

static int
test_iova_alloc(void)
{
	struct vmap_iova_state st[64], one;
	struct vmap_domain *dom;
	size_t bsz;
	unsigned int k, i, j;
	int ret = 0;

	dom = domain("vt_iova", 2 * MB, MB);
	VT_ASSERT(dom != NULL, "domain");
	bsz = vmap_domain_bounce_size(dom);

	VT_ASSERT_EQ(-EINVAL, vmap_iova_try_alloc(dom, &one, 0), "size 0");
	VT_ASSERT_EQ(-ENOSPC, vmap_iova_try_alloc(dom, &one, bsz + 1),
		     "more than the bounce region");
	/* no range that large: -ENOSPC per the header; -EINVAL tolerated */
	ret = vmap_iova_try_alloc(dom, &one, SIZE_MAX - 10);
	VT_ASSERT(ret == -ENOSPC || ret == -EINVAL,
		  "size near SIZE_MAX: expected -ENOSPC, actual %d", ret);
	if (ret != -ENOSPC)
		vt_info("note: try_alloc(SIZE_MAX - 10) gave %d, the header documents -ENOSPC",
			ret);

	/* 64 KB ranges until the space is gone */
	for (k = 0; k < RTE_DIM(st); k++) {
		ret = vmap_iova_try_alloc(dom, &st[k], 65536);
		if (ret != 0)
			break;
		VT_ASSERT_EQ(0, st[k].iova % page_sz, "range IOVA page aligned");
		VT_ASSERT(st[k].size >= 65536, "range size %zu", st[k].size);
		VT_ASSERT(st[k].iova + st[k].size <= bsz,
			  "range 0x%" PRIx64 "+%zu outside the bounce region",
			  st[k].iova, st[k].size);
		VT_ASSERT(vmap_domain_iova_to_va(dom, st[k].iova,
						 st[k].size) == st[k].va,
			  "range va is the domain's mapping of its IOVA");
		for (j = 0; j < k; j++)
			VT_ASSERT(st[k].iova + st[k].size <= st[j].iova ||
				  st[j].iova + st[j].size <= st[k].iova,
				  "ranges %u and %u overlap", j, k);
	}
	VT_ASSERT_EQ(-ENOSPC, ret, "try_alloc when the space is gone");
	VT_ASSERT_EQ(bsz / 65536, k, "64 KB ranges in the bounce region");

	/* destroy in a scattered order, twice: space comes back whole */
	for (i = 0; i < k; i += 3)
		vmap_iova_destroy(dom, &st[i]);
	for (i = 0; i < k; i++)
		vmap_iova_destroy(dom, &st[i]);
	for (i = 0; i < k; i++)
		VT_ASSERT_EQ(0, st[i].size, "a destroyed range has size 0");
	for (i = 0; i < k; i++)
		vmap_iova_destroy(dom, &st[i]);
	VT_ASSERT_EQ(0, vmap_iova_try_alloc(dom, &one, bsz),
		     "the whole bounce region after destroying every range");
	VT_ASSERT_EQ_X(0, one.iova, "whole range IOVA");
	VT_ASSERT_EQ(-ENOSPC, vmap_iova_try_alloc(dom, &st[0], page_sz),
		     "one page more");
	vmap_iova_destroy(dom, &one);

	/* sizes below a page still give page-aligned, distinct ranges */
	VT_ASSERT_EQ(0, vmap_iova_try_alloc(dom, &st[0], 100), "100 bytes");
	VT_ASSERT_EQ(0, vmap_iova_try_alloc(dom, &st[1], 100), "100 bytes");
	VT_ASSERT(st[0].size >= 100 && st[1].size >= 100, "sizes");
	VT_ASSERT(st[0].iova % page_sz == 0 && st[1].iova % page_sz == 0,
		  "small ranges page aligned");
	VT_ASSERT(st[0].iova != st[1].iova, "small ranges distinct");
	vmap_iova_destroy(dom, &st[0]);
	vmap_iova_destroy(dom, &st[1]);
	vmap_domain_destroy(dom);
	return VT_PASS;
}

static int
test_iova_link(void)
{
	static uint8_t src[8192], out[8192];
	struct vmap_iova_state st;
	struct vmap_domain *dom;
	uint8_t *va;
	size_t sz;

	dom = domain("vt_link", MB, MB);
	VT_ASSERT(dom != NULL, "domain");
	VT_ASSERT_EQ(0, vmap_iova_try_alloc(dom, &st, 16384), "16 KB range");
	sz = st.size;
	va = st.va;
	memset(va, 0x11, sz);
	fill(src, sizeof(src), 1);

	/* link copies in for TO_DEVICE and BIDIRECTIONAL only */
	VT_ASSERT_OK(vmap_iova_link(&st, 100, src, 1000, RTE_VMAP_TO_DEVICE),
		     "link TO_DEVICE");
	VT_ASSERT_EQ(1000, check_fill(va + 100, 1000, 1), "linked bytes");
	VT_ASSERT_EQ(0x11, va[99], "byte before the link");
	VT_ASSERT_EQ(0x11, va[1100], "byte after the link");
	VT_ASSERT_OK(vmap_iova_link(&st, 2000, src, 500, RTE_VMAP_FROM_DEVICE),
		     "link FROM_DEVICE");
	VT_ASSERT_EQ(500, check_byte(va + 2000, 500, 0x11),
		     "link FROM_DEVICE copies nothing; untouched up to");
	VT_ASSERT_OK(vmap_iova_link(&st, 3000, src, 500, RTE_VMAP_BIDIRECTIONAL),
		     "link BIDIRECTIONAL");
	VT_ASSERT_EQ(500, check_fill(va + 3000, 500, 1), "bidirectional link bytes");
	vmap_iova_sync(&st);

	/* unlink copies out for FROM_DEVICE and BIDIRECTIONAL, len bytes */
	fill(va + 5000, 300, 2);	/* the device writes */
	memset(out, 0xee, sizeof(out));
	VT_ASSERT_OK(vmap_iova_unlink(&st, 5000, out, 200, RTE_VMAP_FROM_DEVICE),
		     "unlink FROM_DEVICE");
	VT_ASSERT_EQ(200, check_fill(out, 200, 2), "unlinked bytes");
	VT_ASSERT_EQ(100, check_byte(out + 200, 100, 0xee),
		     "bytes past len untouched up to");
	memset(out, 0xee, sizeof(out));
	VT_ASSERT_OK(vmap_iova_unlink(&st, 5000, out, 200, RTE_VMAP_TO_DEVICE),
		     "unlink TO_DEVICE");
	VT_ASSERT_EQ(sizeof(out), check_byte(out, sizeof(out), 0xee),
		     "unlink TO_DEVICE copies nothing; untouched up to");
	VT_ASSERT_OK(vmap_iova_unlink(&st, 5000, out, 300, RTE_VMAP_BIDIRECTIONAL),
		     "unlink BIDIRECTIONAL");
	VT_ASSERT_EQ(300, check_fill(out, 300, 2), "bidirectional unlink bytes");

	/* bounds: the last byte is fine, one more is not, nothing copied */
	memset(va, 0x11, sz);
	VT_ASSERT_OK(vmap_iova_link(&st, sz - 10, src, 10, RTE_VMAP_TO_DEVICE),
		     "link of the range's last 10 bytes");
	memset(va + sz - 16, 0x11, 16);
	VT_ASSERT_EQ(-EINVAL, vmap_iova_link(&st, sz - 10, src, 11,
					     RTE_VMAP_TO_DEVICE), "link past the end");
	VT_ASSERT_EQ(-EINVAL, vmap_iova_link(&st, sz, src, 1, RTE_VMAP_TO_DEVICE),
		     "link at the end");
	VT_ASSERT_EQ(-EINVAL, vmap_iova_link(&st, SIZE_MAX - 4, src, 10,
					     RTE_VMAP_TO_DEVICE),
		     "link whose offset + len wraps");
	VT_ASSERT_EQ(-EINVAL, vmap_iova_link(&st, 0, src, SIZE_MAX,
					     RTE_VMAP_TO_DEVICE), "link of SIZE_MAX bytes");
	VT_ASSERT_EQ(16, check_byte(va + sz - 16, 16, 0x11),
		     "refused links wrote nothing; untouched up to");
	memset(out, 0xee, sizeof(out));
	VT_ASSERT_OK(vmap_iova_unlink(&st, sz - 10, out, 10, RTE_VMAP_FROM_DEVICE),
		     "unlink of the last 10 bytes");
	memset(out, 0xee, sizeof(out));
	VT_ASSERT_EQ(-EINVAL, vmap_iova_unlink(&st, sz - 10, out, 11,
					       RTE_VMAP_FROM_DEVICE),
		     "unlink past the end");
	VT_ASSERT_EQ(-EINVAL, vmap_iova_unlink(&st, SIZE_MAX - 4, out, 10,
					       RTE_VMAP_FROM_DEVICE),
		     "unlink whose offset + len wraps");
	VT_ASSERT_EQ(sizeof(out), check_byte(out, sizeof(out), 0xee),
		     "refused unlinks wrote nothing; untouched up to");

	/* a destroyed range takes nothing */
	vmap_iova_destroy(dom, &st);
	VT_ASSERT_EQ(-EINVAL, vmap_iova_link(&st, 0, src, 1, RTE_VMAP_TO_DEVICE),
		     "link into a destroyed range");
	VT_ASSERT_EQ(-EINVAL, vmap_iova_unlink(&st, 0, out, 1, RTE_VMAP_FROM_DEVICE),
		     "unlink from a destroyed range");
	vmap_domain_destroy(dom);
	return VT_PASS;
}

/* ---- bounce slot pools ---- */

#define POOL_SLOTS 256
#define SLOT_ASK 2000

/* A buffer the model handed out, as the driver would keep it. */
struct held {
	rte_iova_t dev_addr;
	uint32_t len;		/* as mapped */
};

struct model {
	struct vmap_bounce_pool *p;
	struct vmap_domain *dom;
	struct held held[POOL_SLOTS];
	uint8_t taken[POOL_SLOTS];
	unsigned int nheld;
	uint64_t to_dev, from_dev, exhausted;
	uint32_t tag;
};

static uint8_t src_buf[64][16384];
static uint8_t dst_buf[64][16384 + 64];

static int
slot_of(const struct model *m, rte_iova_t dev_addr, unsigned int *slot)
{
	const struct vmap_bounce_pool *p = m->p;
	uint64_t off = dev_addr - p->range.iova;

	VT_ASSERT(dev_addr >= p->range.iova &&
		  off < (uint64_t)p->nb_slots * p->slot_size,
		  "IOVA 0x%" PRIx64 " outside the pool's slots", dev_addr);
	VT_ASSERT_EQ(0, off % p->slot_size, "IOVA offset in a slot");
	*slot = off / p->slot_size;
	return VT_PASS;
}

static int
model_check(const struct model *m, const struct rte_vmap_qstats *st)
{
	VT_ASSERT_EQ(m->nheld, vmap_bounce_pool_busy(m->p),
		     "busy slots against handed out minus returned");
	VT_ASSERT_EQ(m->p->nb_slots - m->nheld, m->p->nb_free,
		     "free slots against handed out minus returned");
	VT_ASSERT_EQ(m->to_dev, st->bounced_to_dev, "bytes bounced to the device");
	VT_ASSERT_EQ(m->from_dev, st->bounced_from_dev,
		     "bytes bounced from the device");
	VT_ASSERT_EQ(m->exhausted, st->exhausted, "exhausted bursts");
	VT_ASSERT_EQ(0, st->map_errors, "map errors");
	return VT_PASS;
}

/* Map a burst of n with random lengths; check slots and bytes. */
static int
model_map(struct model *m, struct rte_vmap_qstats *st, uint16_t n,
	  enum rte_vmap_dir dir)
{
	struct rte_vmap_seg segs[64];
	unsigned int free0 = m->p->nb_slots - m->nheld, slot, i;
	uint16_t got, want = RTE_MIN((unsigned int)n, free0);
	uint32_t tag0 = m->tag;
	uint8_t *slot_va;

	for (i = 0; i < n; i++) {
		segs[i].addr = src_buf[i];
		segs[i].len = rnd(1, SLOT_ASK);
		segs[i].iova = 0xdead0000 + i;
		segs[i].dev_addr = RTE_BAD_IOVA;
		fill(src_buf[i], segs[i].len, m->tag++);
	}
	got = vmap_bounce_map(m->p, segs, n, dir, st);
	VT_ASSERT_EQ(want, got, "segments mapped (free slots before the burst)");
	if (got < n)
		m->exhausted++;
	for (i = 0; i < got; i++) {
		VT_ASSERT_EQ_X(0xdead0000 + i, segs[i].iova,
			       "map leaves the EAL IOVA alone");
		VT_CHECK(slot_of(m, segs[i].dev_addr, &slot));
		VT_ASSERT(!m->taken[slot], "slot %u handed out twice", slot);
		m->taken[slot] = 1;
		slot_va = vmap_domain_iova_to_va(m->dom, segs[i].dev_addr,
						 segs[i].len);
		VT_ASSERT(slot_va != NULL, "slot IOVA not in the domain");
		if (dir != RTE_VMAP_FROM_DEVICE) {
			VT_ASSERT_EQ(segs[i].len,
				     check_fill(slot_va, segs[i].len, tag0 + i),
				     "bytes bounced into the slot, equal up to");
			m->to_dev += segs[i].len;
		} else if (segs[i].len >= 16) {
			/* nothing copied in: the slot holds older bytes */
			VT_ASSERT(check_fill(slot_va, segs[i].len, tag0 + i) <
				  segs[i].len,
				  "FROM_DEVICE map copied the buffer into the slot");
		}
		m->held[m->nheld].dev_addr = segs[i].dev_addr;
		m->held[m->nheld].len = segs[i].len;
		m->nheld++;
	}
	return VT_PASS;
}

/*
 * Return k random held buffers, each with the length it was mapped with;
 * for FROM_DEVICE check that exactly sync_len bytes came back.
 */
static int
model_unmap(struct model *m, struct rte_vmap_qstats *st, uint16_t k,
	    enum rte_vmap_dir dir)
{
	struct rte_vmap_seg segs[64];
	uint32_t dev_len[64], tag0 = m->tag;
	unsigned int i, j, slot;
	uint8_t *slot_va;

	for (i = 0; i < k; i++) {
		j = rnd(0, m->nheld - 1);
		segs[i].dev_addr = m->held[j].dev_addr;
		segs[i].len = m->held[j].len;
		segs[i].iova = RTE_BAD_IOVA;	/* unmap does not read it */
		m->held[j] = m->held[--m->nheld];
		/*
		 * The device writes dev_len bytes of its slot (past len too)
		 * and reports sync_len of them, at most len.
		 */
		dev_len[i] = rnd(1, m->p->slot_size);
		slot_va = vmap_domain_iova_to_va(m->dom, segs[i].dev_addr,
						 dev_len[i]);
		VT_ASSERT(slot_va != NULL, "held IOVA not in the domain");
		fill(slot_va, dev_len[i], m->tag++);
		segs[i].sync_len = rnd(0, RTE_MIN(dev_len[i], segs[i].len));
		segs[i].addr = dst_buf[i];
		memset(dst_buf[i], 0xcd, sizeof(dst_buf[i]));
		VT_CHECK(slot_of(m, segs[i].dev_addr, &slot));
		m->taken[slot] = 0;
	}
	vmap_bounce_unmap(m->p, segs, k, dir, st);
	for (i = 0; i < k; i++) {
		if (dir == RTE_VMAP_TO_DEVICE) {
			VT_ASSERT_EQ(sizeof(dst_buf[i]),
				     check_byte(dst_buf[i], sizeof(dst_buf[i]),
						0xcd),
				     "TO_DEVICE unmap copied back; untouched up to");
			continue;
		}
		VT_ASSERT_EQ(segs[i].sync_len,
			     check_fill(dst_buf[i], segs[i].sync_len, tag0 + i),
			     "bytes copied back from the slot, equal up to");
		VT_ASSERT_EQ(sizeof(dst_buf[i]) - segs[i].sync_len,
			     check_byte(dst_buf[i] + segs[i].sync_len,
					sizeof(dst_buf[i]) - segs[i].sync_len,
					0xcd),
			     "only sync_len bytes copied back; bytes past it untouched up to");
		m->from_dev += segs[i].sync_len;
	}
	return VT_PASS;
}

static int
test_pool_random(void)
{
	static const enum rte_vmap_dir dirs[] = {
		RTE_VMAP_TO_DEVICE, RTE_VMAP_FROM_DEVICE, RTE_VMAP_BIDIRECTIONAL,
	};
	static struct model m;
	struct vmap_bounce_pool p;
	struct rte_vmap_qstats st;
	struct vmap_domain *dom;
	unsigned int r, maps = 0, unmaps = 0;

	dom = domain("vt_pool", 4 * MB, MB);
	VT_ASSERT(dom != NULL, "domain");
	memset(&p, 0, sizeof(p));
	VT_ASSERT_OK(vmap_bounce_pool_create(dom, &p, POOL_SLOTS, 1, SLOT_ASK),
		     "pool create");
	VT_ASSERT(p.slot_size >= SLOT_ASK && p.slot_size % 64 == 0,
		  "slot size %u for %u asked (64-aligned)", p.slot_size,
		  SLOT_ASK);
	VT_ASSERT_EQ(POOL_SLOTS, p.nb_slots, "slots");
	VT_ASSERT_EQ(POOL_SLOTS, p.nb_free, "free slots");
	VT_ASSERT_EQ(0, vmap_bounce_pool_busy(&p), "busy slots");
	VT_ASSERT(p.range.size >= (size_t)POOL_SLOTS * p.slot_size,
		  "range of %zu bytes for %u slots of %u", p.range.size,
		  POOL_SLOTS, p.slot_size);
	VT_ASSERT(p.range.iova + p.range.size <= vmap_domain_bounce_size(dom),
		  "pool range inside the bounce region");

	memset(&m, 0, sizeof(m));
	memset(&st, 0, sizeof(st));
	m.p = &p;
	m.dom = dom;
	for (r = 0; r < RANDOM_ROUNDS; r++) {
		/* lean towards mapping so that the pool runs dry now and then */
		if (m.nheld == 0 || rnd(0, 99) < 55) {
			VT_CHECK(model_map(&m, &st, rnd(1, 64),
					   dirs[rnd(0, 2)]));
			maps++;
		} else {
			VT_CHECK(model_unmap(&m, &st,
					     rnd(1, RTE_MIN(64u, m.nheld)),
					     dirs[rnd(0, 2)]));
			unmaps++;
		}
		VT_CHECK(model_check(&m, &st));
	}
	while (m.nheld > 0)
		VT_CHECK(model_unmap(&m, &st, RTE_MIN(64u, m.nheld),
				     RTE_VMAP_FROM_DEVICE));
	VT_CHECK(model_check(&m, &st));
	vt_info("%u map and %u unmap bursts; %" PRIu64 " bytes in, %" PRIu64 " out, %" PRIu64 " bursts cut short",
		maps, unmaps, st.bounced_to_dev, st.bounced_from_dev,
		st.exhausted);
	VT_ASSERT(st.exhausted > 0, "random bursts never ran the pool dry");
	VT_ASSERT_EQ(0, vmap_bounce_pool_busy(&p), "busy slots at the end");

	vmap_bounce_pool_destroy(dom, &p);
	vmap_bounce_pool_destroy(dom, &p);
	vmap_domain_destroy(dom);
	return VT_PASS;
}

static void
segs_for(struct rte_vmap_seg *segs, unsigned int n, uint32_t len)
{
	unsigned int i;

	for (i = 0; i < n; i++) {
		segs[i].addr = src_buf[i];
		segs[i].len = len;
		segs[i].sync_len = 0;
		segs[i].iova = RTE_BAD_IOVA;
		segs[i].dev_addr = RTE_BAD_IOVA;
		fill(src_buf[i], len, 500 + i);
	}
}

static int
test_pool_exhaustion(void)
{
	struct rte_vmap_seg segs[64], all[64];
	struct vmap_bounce_pool p;
	struct rte_vmap_qstats st;
	struct vmap_domain *dom;
	unsigned int i, j;

	dom = domain("vt_exh", MB, MB);
	VT_ASSERT(dom != NULL, "domain");
	memset(&st, 0, sizeof(st));
	VT_ASSERT_OK(vmap_bounce_pool_create(dom, &p, 40, 40, 1024), "pool");
	VT_ASSERT_EQ(40, p.nb_slots, "slots");

	segs_for(segs, 32, 100);
	VT_ASSERT_EQ(32, vmap_bounce_map(&p, segs, 32, RTE_VMAP_TO_DEVICE, &st),
		     "first burst");
	memcpy(all, segs, 32 * sizeof(segs[0]));
	VT_ASSERT_EQ(0, st.exhausted, "exhausted after a full burst");
	segs_for(segs, 32, 100);
	VT_ASSERT_EQ(8, vmap_bounce_map(&p, segs, 32, RTE_VMAP_TO_DEVICE, &st),
		     "second burst: the 8 slots left");
	memcpy(all + 32, segs, 8 * sizeof(segs[0]));
	VT_ASSERT_EQ(1, st.exhausted, "one burst cut short, counted once");
	VT_ASSERT_EQ(40, vmap_bounce_pool_busy(&p), "busy");
	VT_ASSERT_EQ(0, p.nb_free, "free");
	segs_for(segs, 32, 100);
	VT_ASSERT_EQ(0, vmap_bounce_map(&p, segs, 32, RTE_VMAP_TO_DEVICE, &st),
		     "burst on an empty pool");
	VT_ASSERT_EQ(2, st.exhausted, "an empty pool counts once per burst");
	VT_ASSERT_EQ(0, vmap_bounce_map(&p, segs, 0, RTE_VMAP_TO_DEVICE, &st),
		     "empty burst");
	VT_ASSERT_EQ(2, st.exhausted, "an empty burst is not cut short");
	VT_ASSERT_EQ(40 * 100, st.bounced_to_dev, "bytes bounced");
	VT_ASSERT_EQ(0, st.map_errors, "map errors");

	for (i = 0; i < 40; i++)
		for (j = 0; j < i; j++)
			VT_ASSERT(all[i].dev_addr != all[j].dev_addr,
				  "segments %u and %u share a slot", j, i);
	vmap_bounce_unmap(&p, all, 40, RTE_VMAP_TO_DEVICE, &st);
	VT_ASSERT_EQ(0, vmap_bounce_pool_busy(&p), "busy after returning all");
	VT_ASSERT_EQ(40, p.nb_free, "free after returning all");
	VT_ASSERT_EQ(0, st.map_errors, "map errors");
	segs_for(segs, 40, 1024);
	VT_ASSERT_EQ(40, vmap_bounce_map(&p, segs, 40, RTE_VMAP_TO_DEVICE, &st),
		     "all slots again, full size");
	VT_ASSERT_EQ(2, st.exhausted, "exhausted unchanged");
	vmap_bounce_unmap(&p, segs, 40, RTE_VMAP_TO_DEVICE, &st);
	VT_ASSERT_EQ(0, vmap_bounce_pool_busy(&p), "busy at the end");
	vmap_bounce_pool_destroy(dom, &p);
	vmap_domain_destroy(dom);
	return VT_PASS;
}

static int
test_pool_errors(void)
{
	struct vmap_bounce_pool p, p2;
	struct rte_vmap_qstats st, st2;
	struct rte_vmap_seg segs[64], bad[4], other;
	struct vmap_domain *dom;
	uint32_t ss;
	unsigned int i, j;

	dom = domain("vt_err", MB, MB);
	VT_ASSERT(dom != NULL, "domain");
	memset(&st, 0, sizeof(st));
	memset(&st2, 0, sizeof(st2));
	VT_ASSERT_OK(vmap_bounce_pool_create(dom, &p, 32, 32, 1000), "pool");
	VT_ASSERT_OK(vmap_bounce_pool_create(dom, &p2, 8, 8, 1000), "pool 2");
	ss = p.slot_size;

	/* a segment longer than a slot stops the burst, takes no slot */
	segs_for(segs, 8, 100);
	segs[3].len = ss + 1;
	VT_ASSERT_EQ(3, vmap_bounce_map(&p, segs, 8, RTE_VMAP_TO_DEVICE, &st),
		     "burst stops at the segment longer than a slot");
	VT_ASSERT_EQ(1, st.map_errors, "map errors for a long segment");
	VT_ASSERT_EQ(0, st.exhausted, "a long segment is not exhaustion");
	VT_ASSERT_EQ(3, vmap_bounce_pool_busy(&p), "no slot taken for it");
	segs[3].len = ss;
	VT_ASSERT_EQ(5, vmap_bounce_map(&p, &segs[3], 5, RTE_VMAP_TO_DEVICE, &st),
		     "a segment of exactly one slot");
	VT_ASSERT_EQ(8, vmap_bounce_pool_busy(&p), "busy");

	/* IOVAs that are not busy slots of this pool: counted, skipped */
	other.addr = src_buf[60];
	other.iova = RTE_BAD_IOVA;
	other.len = 10;
	other.sync_len = 10;
	VT_ASSERT_EQ(1, vmap_bounce_map(&p2, &other, 1, RTE_VMAP_FROM_DEVICE, &st2),
		     "map on pool 2");
	bad[0] = segs[0];
	bad[1] = segs[1];
	bad[1].dev_addr = p.range.iova + (uint64_t)p.nb_slots * ss; /* past the end */
	bad[2] = segs[1];
	bad[2].dev_addr = other.dev_addr;		/* pool 2's slot */
	bad[3] = segs[2];
	for (i = 0; i < 4; i++) {
		bad[i].sync_len = 10;	/* of the 100 bytes mapped */
		bad[i].addr = dst_buf[i];
		memset(dst_buf[i], 0xcd, 64);
	}
	fill(vmap_domain_iova_to_va(dom, segs[0].dev_addr, 10), 10, 900);
	fill(vmap_domain_iova_to_va(dom, segs[2].dev_addr, 10), 10, 902);
	fill(vmap_domain_iova_to_va(dom, other.dev_addr, 10), 10, 903);
	vmap_bounce_unmap(&p, bad, 4, RTE_VMAP_FROM_DEVICE, &st);
	VT_ASSERT_EQ(3, st.map_errors, "map errors: + IOVA past the pool, + another pool's IOVA");
	VT_ASSERT_EQ(6, vmap_bounce_pool_busy(&p), "the two good slots returned");
	VT_ASSERT_EQ(10, check_fill(dst_buf[0], 10, 900), "good segment 0 copied back");
	VT_ASSERT_EQ(10, check_fill(dst_buf[3], 10, 902), "good segment 3 copied back");
	VT_ASSERT_EQ(64, check_byte(dst_buf[1], 64, 0xcd),
		     "unknown IOVA copied nothing; untouched up to");
	VT_ASSERT_EQ(64, check_byte(dst_buf[2], 64, 0xcd),
		     "another pool's IOVA copied nothing; untouched up to");
	VT_ASSERT_EQ(1, vmap_bounce_pool_busy(&p2), "pool 2 slot still busy");
	bad[0] = segs[0];
	bad[0].dev_addr = p.range.iova - 1;		/* below the pool */
	vmap_bounce_unmap(&p, bad, 1, RTE_VMAP_TO_DEVICE, &st);
	VT_ASSERT_EQ(4, st.map_errors, "map errors: + IOVA below the pool");
	bad[0].dev_addr = RTE_BAD_IOVA;
	vmap_bounce_unmap(&p, bad, 1, RTE_VMAP_TO_DEVICE, &st);
	VT_ASSERT_EQ(5, st.map_errors, "map errors: + RTE_BAD_IOVA");

	/* an IOVA inside a busy slot, not at its start */
	bad[0] = segs[4];
	bad[0].dev_addr += 1;
	vmap_bounce_unmap(&p, bad, 1, RTE_VMAP_TO_DEVICE, &st);
	VT_ASSERT_EQ(6, st.map_errors, "map errors: + unaligned IOVA");
	VT_ASSERT_EQ(6, vmap_bounce_pool_busy(&p), "unaligned IOVA returned no slot");
	bad[0].dev_addr = segs[4].dev_addr + ss / 2;
	vmap_bounce_unmap(&p, bad, 1, RTE_VMAP_TO_DEVICE, &st);
	VT_ASSERT_EQ(7, st.map_errors, "map errors: + IOVA in the middle of a slot");

	/* double return */
	vmap_bounce_unmap(&p, &segs[4], 1, RTE_VMAP_TO_DEVICE, &st);
	VT_ASSERT_EQ(7, st.map_errors, "map errors for a good return");
	VT_ASSERT_EQ(5, vmap_bounce_pool_busy(&p), "busy after a good return");
	vmap_bounce_unmap(&p, &segs[4], 1, RTE_VMAP_TO_DEVICE, &st);
	VT_ASSERT_EQ(8, st.map_errors, "map errors: + double return");
	VT_ASSERT_EQ(5, vmap_bounce_pool_busy(&p), "busy after a double return");
	VT_ASSERT_EQ(p.nb_slots - 5, p.nb_free, "free after a double return");

	/*
	 * FROM_DEVICE with a sync_len past the 100 bytes mapped (though
	 * within the slot): nothing copied, the slot goes back
	 */
	bad[0] = segs[5];
	bad[0].sync_len = bad[0].len + 1;
	bad[0].addr = dst_buf[0];
	memset(dst_buf[0], 0xcd, sizeof(dst_buf[0]));
	vmap_bounce_unmap(&p, bad, 1, RTE_VMAP_FROM_DEVICE, &st);
	VT_ASSERT_EQ(9, st.map_errors, "map errors: + sync_len past len");
	VT_ASSERT_EQ(sizeof(dst_buf[0]), check_byte(dst_buf[0],
						    sizeof(dst_buf[0]), 0xcd),
		     "an overlong sync_len copied nothing; untouched up to");
	VT_ASSERT_EQ(4, vmap_bounce_pool_busy(&p),
		     "the slot of an overlong sync_len goes back all the same");

	/* a len no slot can have mapped: nothing copied, the slot goes back */
	bad[0] = segs[6];
	bad[0].len = ss + 1;
	bad[0].sync_len = 10;
	bad[0].addr = dst_buf[0];
	vmap_bounce_unmap(&p, bad, 1, RTE_VMAP_FROM_DEVICE, &st);
	VT_ASSERT_EQ(10, st.map_errors, "map errors: + len longer than the slot");
	VT_ASSERT_EQ(sizeof(dst_buf[0]), check_byte(dst_buf[0],
						    sizeof(dst_buf[0]), 0xcd),
		     "a len longer than the slot copied nothing; untouched up to");
	VT_ASSERT_EQ(3, vmap_bounce_pool_busy(&p),
		     "the slot of an overlong len goes back all the same");

	/* return the rest; nothing leaked, no slot twice on the free stack */
	vmap_bounce_unmap(&p, &segs[0], 1, RTE_VMAP_TO_DEVICE, &st);	/* double */
	VT_ASSERT_EQ(11, st.map_errors, "map errors: + double return");
	for (i = 1; i < 8; i++)
		if (i != 2 && i != 4 && i != 5 && i != 6)
			vmap_bounce_unmap(&p, &segs[i], 1, RTE_VMAP_TO_DEVICE, &st);
	VT_ASSERT_EQ(0, vmap_bounce_pool_busy(&p), "busy after returning all");
	VT_ASSERT_EQ(p.nb_slots, p.nb_free, "free after returning all");
	segs_for(segs, 32, 64);
	VT_ASSERT_EQ(32, vmap_bounce_map(&p, segs, 32, RTE_VMAP_TO_DEVICE, &st),
		     "every slot once more");
	for (i = 0; i < 32; i++)
		for (j = 0; j < i; j++)
			VT_ASSERT(segs[i].dev_addr != segs[j].dev_addr,
				  "slot 0x%" PRIx64 " handed out twice after double returns",
				  segs[i].dev_addr);
	vmap_bounce_unmap(&p, segs, 32, RTE_VMAP_TO_DEVICE, &st);
	vmap_bounce_unmap(&p2, &other, 1, RTE_VMAP_FROM_DEVICE, &st2);
	VT_ASSERT_EQ(0, st2.map_errors, "pool 2 map errors");
	VT_ASSERT_EQ(0, vmap_bounce_pool_busy(&p2), "pool 2 busy");
	vmap_bounce_pool_destroy(dom, &p);
	vmap_bounce_pool_destroy(dom, &p2);
	vmap_domain_destroy(dom);
	return VT_PASS;
}

/*
 * Unmap finds a slot from its IOVA by multiplying with the pool's
 * reciprocal, not dividing: for slot sizes that are not powers of two
 * and slots far into the range, every slot start must name its own slot
 * (a wrong index fails the start check and counts a map error), and an
 * aligned IOVA inside a slot must not.
 */
static int
test_pool_slot_index(void)
{
	static const uint32_t sizes[] = {
		64, 192, 2176, 9280, 64 * 4099, 3 * MB + 64,
	};
	struct vmap_bounce_pool p;
	struct rte_vmap_qstats st;
	struct rte_vmap_seg seg;
	struct vmap_domain *dom;
	unsigned int i, k, n;

	dom = domain("vt_idx", 64 * MB, MB);
	VT_ASSERT(dom != NULL, "domain");
	for (i = 0; i < RTE_DIM(sizes); i++) {
		n = RTE_MIN(4096u, 60 * MB / sizes[i]);
		VT_ASSERT(vmap_bounce_pool_create(dom, &p, n, n, sizes[i]) == 0,
			  "pool of %u slots of %u bytes", n, sizes[i]);
		VT_ASSERT_EQ(sizes[i], p.slot_size, "slot size");
		memset(&st, 0, sizeof(st));
		memset(&seg, 0, sizeof(seg));
		seg.len = 1;
		for (k = 0; k < n; k++) {
			VT_ASSERT(vmap_bounce_map(&p, &seg, 1, RTE_VMAP_FROM_DEVICE,
						  &st) == 1, "map slot %u", k);
			VT_ASSERT(seg.dev_addr == p.range.iova +
				  (uint64_t)k * sizes[i], "slot %u's IOVA", k);
		}
		/* aligned, inside the last slot: refused, nothing returned */
		seg.dev_addr = p.range.iova + (uint64_t)(n - 1) * sizes[i] + 64;
		if (sizes[i] > 64) {
			vmap_bounce_unmap(&p, &seg, 1, RTE_VMAP_TO_DEVICE, &st);
			VT_ASSERT(st.map_errors == 1,
				  "IOVA 64 bytes into a %u-byte slot refused",
				  sizes[i]);
		}
		/* every slot back by its IOVA, from the far end down */
		for (k = n; k-- > 0;) {
			seg.dev_addr = p.range.iova + (uint64_t)k * sizes[i];
			vmap_bounce_unmap(&p, &seg, 1, RTE_VMAP_TO_DEVICE, &st);
		}
		VT_ASSERT(st.map_errors == (sizes[i] > 64 ? 1u : 0u),
			  "%" PRIu64 " map errors returning %u slots of %u bytes",
			  st.map_errors, n, sizes[i]);
		VT_ASSERT_EQ(0, vmap_bounce_pool_busy(&p), "all slots back");
		vmap_bounce_pool_destroy(dom, &p);
	}
	vmap_domain_destroy(dom);
	return VT_PASS;
}

/*
 * A secondary process's view: vmap_domain_attach_secondary() maps the
 * regions at the primary's addresses. In the process that made the
 * domain they are taken (-EEXIST, nothing changed); regions that are not
 * the domain's are refused (-EPROTO); in a child that unmapped them (as a
 * secondary that never had them), they map at the same addresses and
 * share the bytes both ways.
 */
static int
test_secondary_map(void)
{
	struct rte_vmap_region r[2], bad[2];
	struct vmap_domain *dom;
	uint8_t *b, *c;
	void *mb;
	size_t ml;
	int status;
	pid_t pid;

	dom = domain("vt_sec", MB, MB);
	VT_ASSERT(dom != NULL, "domain");
	VT_ASSERT_EQ(2, vmap_domain_regions(dom, r, RTE_DIM(r)), "regions");
	b = r[0].addr;
	c = r[1].addr;
	memset(b, 0x11, 64);
	memset(c, 0x22, 64);

	VT_ASSERT_EQ(-EEXIST, vmap_domain_attach_secondary(dom, r, 2, &mb, &ml),
		     "attach where the regions are mapped already");
	VT_ASSERT(b[0] == 0x11 && c[63] == 0x22,
		  "the domain's bytes after a refused attach");
	VT_ASSERT_EQ(-EPROTO, vmap_domain_attach_secondary(dom, r, 1, &mb, &ml),
		     "attach without the coherent region");
	memcpy(bad, r, sizeof(bad));
	bad[1].size -= page_sz;
	VT_ASSERT_EQ(-EPROTO, vmap_domain_attach_secondary(dom, bad, 2, &mb, &ml),
		     "attach with a coherent region of the wrong size");
	memcpy(bad, r, sizeof(bad));
	bad[0].addr = (uint8_t *)bad[0].addr + page_sz;
	VT_ASSERT_EQ(-EPROTO, vmap_domain_attach_secondary(dom, bad, 2, &mb, &ml),
		     "attach with a bounce region at another address");

	pid = fork();
	VT_ASSERT(pid >= 0, "fork");
	if (pid == 0) {
		/* a secondary: the addresses free, the files by fd */
		munmap(b, r[0].size);
		munmap(c, r[1].size);
		if (vmap_domain_attach_secondary(dom, r, 2, &mb, &ml) != 0)
			_exit(2);
		if (b[0] != 0x11 || c[63] != 0x22)
			_exit(3);
		if (mb != (void *)b || ml != r[0].size + r[1].size)
			_exit(4);
		memset(b + 64, 0x33, 64);
		memset(c + 64, 0x44, 64);
		_exit(munmap(mb, ml) == 0 ? 0 : 5);
	}
	VT_ASSERT(waitpid(pid, &status, 0) == pid, "waitpid");
	VT_ASSERT(WIFEXITED(status) && WEXITSTATUS(status) == 0,
		  "the child's attach: exit status 0x%x (2: attach failed, 3: other bytes, 4: not the range it mapped, 5: munmap)",
		  status);
	VT_ASSERT(b[64] == 0x33 && c[127] == 0x44,
		  "the child's writes through its mapping");
	vmap_domain_destroy(dom);
	return VT_PASS;
}

static int
test_pool_create(void)
{
	struct vmap_bounce_pool p, p2;
	struct vmap_iova_state half;
	struct vmap_domain *dom;
	char *log;
	int ret;

	dom = domain("vt_fit", MB, MB);
	VT_ASSERT(dom != NULL, "domain");
	memset(&p, 0, sizeof(p));
	VT_ASSERT_EQ(-EINVAL, vmap_bounce_pool_create(dom, &p, 0, 0, 2048),
		     "no slots");
	VT_ASSERT_EQ(-EINVAL, vmap_bounce_pool_create(dom, &p, 16, 1, 0),
		     "slot size 0");

	/* not even min_slots fit: -ENOSPC naming the remedy */
	VT_CHECK(vt_log_capture_start());
	ret = vmap_bounce_pool_create(dom, &p, 100, 100, 65536);
	log = vt_log_capture_stop();
	VT_ASSERT_EQ(-ENOSPC, ret, "100 slots of 64 KB in 1 MB");
	VT_ASSERT_CONTAINS(log, "bounce_size", "the message names the devarg");
	free(log);

	/* a partial fit: fewer slots (at least min_slots), with a warning */
	VT_CHECK(vt_log_capture_start());
	ret = vmap_bounce_pool_create(dom, &p, 100, 4, 65536);
	log = vt_log_capture_stop();
	VT_ASSERT_EQ(0, ret, "100 slots of 64 KB, at least 4");
	VT_ASSERT(p.nb_slots >= 4 && p.nb_slots <= 16,
		  "slots of 64 KB in 1 MB: expected 4..16, actual %u",
		  p.nb_slots);
	VT_ASSERT_EQ(p.nb_slots, p.nb_free, "free slots");
	VT_ASSERT(p.range.size >= (size_t)p.nb_slots * p.slot_size,
		  "range for the slots");
	VT_ASSERT(log[0] != '\0', "a partial fit logs a warning");
	free(log);
	vt_info("partial fit: %u slots of 64 KB in a 1 MB region (16 would fit)",
		p.nb_slots);
	if (p.nb_slots == 16)
		VT_ASSERT_EQ(-ENOSPC, vmap_bounce_pool_create(dom, &p2, 10, 1,
							      4096),
			     "a second pool in a full region");
	vmap_bounce_pool_destroy(dom, &p);
	vmap_bounce_pool_destroy(dom, &p);

	/* the space is back; and a pool next to a reserved range */
	VT_ASSERT_OK(vmap_bounce_pool_create(dom, &p, 16, 16, 65536),
		     "16 slots of 64 KB after destroying the first pool");
	vmap_bounce_pool_destroy(dom, &p);
	VT_ASSERT_OK(vmap_iova_try_alloc(dom, &half, MB / 2), "half the region");
	VT_ASSERT_OK(vmap_bounce_pool_create(dom, &p, 100, 1, 65536),
		     "a pool in the other half");
	VT_ASSERT(p.nb_slots >= 1 && p.nb_slots <= 8,
		  "slots of 64 KB in half a MB: expected 1..8, actual %u",
		  p.nb_slots);
	VT_ASSERT(p.range.iova >= half.iova + half.size ||
		  p.range.iova + p.range.size <= half.iova,
		  "the pool overlaps the reserved range");
	vmap_bounce_pool_destroy(dom, &p);
	vmap_iova_destroy(dom, &half);
	vmap_domain_destroy(dom);
	return VT_PASS;
}

/* ---- the vduse kind, through vmap.h ---- */

static void *
dev_va(const struct rte_vmap_region *r, rte_iova_t iova, size_t len)
{
	unsigned int i;

	for (i = 0; i < 2; i++)
		if (iova >= r[i].dev_addr &&
		    iova + len <= r[i].dev_addr + r[i].size)
			return (uint8_t *)r[i].addr + (iova - r[i].dev_addr);
	return NULL;
}

static int
test_vduse_kind(struct rte_mempool *mp)
{
	struct rte_vmap_params params = { .bounce_size = 4 * MB };
	struct rte_mbuf *m[32];
	struct rte_vmap_seg segs[32];
	struct rte_vmap_region r[2];
	struct rte_vmap_queue tq, rq, sq;
	struct rte_vmap_dev d;
	const struct rte_vmap_ops *ops = vmap_find("vduse");
	uint64_t sum = 0;
	rte_iova_t ci;
	uint8_t *dv;
	void *coh;
	unsigned int i;
	int n;

	VT_ASSERT(ops != NULL, "vmap_find(\"vduse\")");
	VT_ASSERT_OK(vmap_dev_attach(&d, ops, "vt_vduse", SOCKET_ID_ANY, &params),
		     "attach vduse with bounce_size 4M");
	VT_ASSERT_EQ(RTE_VMAP_KIND_OPS, d.kind, "vduse hot-path kind");
	VT_ASSERT(vmap_need_sync(&d), "vduse needs syncs");
	VT_ASSERT(vmap_max_mapping_size(&d) > 0, "max mapping size");
	VT_ASSERT_EQ(0, vmap_debug_errors(&d), "debug errors with debug off");

	n = vmap_regions(&d, r, 2, false);
	VT_ASSERT_EQ(2, n, "vduse regions");
	VT_ASSERT_EQ_X(0, r[0].dev_addr, "bounce IOVA");
	VT_ASSERT_EQ(4 * MB, r[0].size, "bounce size from params");
	VT_ASSERT_EQ_X(4 * MB, r[1].dev_addr, "coherent IOVA");
	VT_ASSERT_EQ(VMAP_DOMAIN_COHERENT_SIZE, r[1].size, "coherent size");
	VT_ASSERT(r[0].fd >= 0 && r[1].fd >= 0 && r[0].fd != r[1].fd,
		  "two files: fds %d and %d", r[0].fd, r[1].fd);

	coh = vmap_alloc_coherent(&d, 8192, 4096, &ci);
	VT_ASSERT(coh != NULL, "coherent alloc");
	VT_ASSERT(dev_va(r, ci, 8192) == coh && ci >= 4 * MB,
		  "coherent IOVA 0x%" PRIx64 " is in the coherent region at %p",
		  ci, coh);

	VT_ASSERT_OK(vmap_queue_setup(&d, &tq, 1, RTE_VMAP_TO_DEVICE, 256, 9030),
		     "Tx queue setup");
	VT_ASSERT_OK(vmap_queue_setup(&d, &rq, 0, RTE_VMAP_FROM_DEVICE, 256, 2048),
		     "Rx queue setup");

	/* Tx: data bounced into slots the device reads */
	VT_ASSERT_EQ(0, rte_pktmbuf_alloc_bulk(mp, m, 32), "alloc");
	for (i = 0; i < 32; i++) {
		uint32_t len = 60 + i * 45;

		fill(rte_pktmbuf_append(m[i], len), len, 3000 + i);
		segs[i].addr = rte_pktmbuf_mtod(m[i], void *);
		segs[i].iova = rte_pktmbuf_iova(m[i]);
		segs[i].len = len;
		sum += len;
	}
	VT_ASSERT_EQ(32, vmap_map(&tq, segs, 32, RTE_VMAP_TO_DEVICE), "Tx map");
	for (i = 0; i < 32; i++) {
		dv = dev_va(r, segs[i].dev_addr, segs[i].len);
		VT_ASSERT(dv != NULL && segs[i].dev_addr + segs[i].len <= 4 * MB,
			  "Tx IOVA 0x%" PRIx64 " outside the bounce region",
			  segs[i].dev_addr);
		VT_ASSERT(dv != segs[i].addr, "Tx buffer not bounced");
		VT_ASSERT_EQ(segs[i].len, check_fill(dv, segs[i].len, 3000 + i),
			     "bytes the device reads, equal up to");
	}
	VT_ASSERT_EQ(sum, tq.stats.bounced_to_dev, "Tx bytes bounced");
	VT_ASSERT_EQ(32, vmap_queue_live(&tq), "Tx mappings live");
	vmap_unmap(&tq, segs, 32, RTE_VMAP_TO_DEVICE);
	VT_ASSERT_EQ(0, vmap_queue_live(&tq), "Tx mappings live after unmap");
	VT_ASSERT_EQ(0, tq.stats.bounced_from_dev, "Tx bytes bounced back");
	VT_ASSERT_EQ(0, tq.stats.map_errors, "Tx map errors");

	/*
	 * Rx: the device fills whole slots but reports fewer bytes; unmap,
	 * given len as mapped, copies exactly sync_len of them
	 */
	for (i = 0; i < 32; i++) {
		rte_pktmbuf_reset(m[i]);
		memset(rte_pktmbuf_mtod(m[i], void *), 0xcd,
		       rte_pktmbuf_tailroom(m[i]));
		segs[i].addr = rte_pktmbuf_mtod(m[i], void *);
		segs[i].iova = rte_pktmbuf_iova(m[i]);
		segs[i].len = 2048;	/* the queue's buffer length */
	}
	VT_ASSERT_EQ(32, vmap_map(&rq, segs, 32, RTE_VMAP_FROM_DEVICE), "Rx map");
	sum = 0;
	for (i = 0; i < 32; i++) {
		uint32_t len = 64 + i * 61;

		dv = dev_va(r, segs[i].dev_addr, segs[i].len);
		VT_ASSERT(dv != NULL && segs[i].dev_addr + segs[i].len <= 4 * MB,
			  "Rx IOVA outside the bounce region");
		fill(dv, segs[i].len, 4000 + i);
		segs[i].sync_len = len;
		sum += len;
	}
	vmap_unmap(&rq, segs, 32, RTE_VMAP_FROM_DEVICE);
	for (i = 0; i < 32; i++) {
		uint8_t *p = rte_pktmbuf_mtod(m[i], uint8_t *);
		uint32_t room = rte_pktmbuf_tailroom(m[i]);
		uint32_t sl = segs[i].sync_len;

		VT_ASSERT_EQ(2048, segs[i].len, "unmap kept len as mapped");
		VT_ASSERT_EQ(sl, check_fill(p, sl, 4000 + i),
			     "Rx bytes copied back, equal up to");
		VT_ASSERT_EQ(room - sl, check_byte(p + sl, room - sl, 0xcd),
			     "Rx bytes past sync_len (the device wrote len) untouched up to");
	}
	VT_ASSERT_EQ(sum, rq.stats.bounced_from_dev, "Rx bytes bounced back");
	VT_ASSERT_EQ(0, rq.stats.bounced_to_dev, "Rx bytes bounced in");
	VT_ASSERT_EQ(0, vmap_queue_live(&rq), "Rx mappings live after unmap");

	/*
	 * sync_for_cpu copies the sync_len bytes the device wrote so far;
	 * a sync_len past len is refused; unmap copies the rest
	 */
	segs[0].addr = rte_pktmbuf_mtod(m[0], void *);
	segs[0].len = 1000;
	VT_ASSERT_EQ(1, vmap_map(&rq, segs, 1, RTE_VMAP_FROM_DEVICE), "Rx map one");
	dv = dev_va(r, segs[0].dev_addr, 1000);
	memset(segs[0].addr, 0xcd, 1000);
	fill(dv, 1000, 5000);
	segs[0].sync_len = 600;
	vmap_sync_for_cpu(&rq, segs, 1, RTE_VMAP_FROM_DEVICE);
	VT_ASSERT_EQ(600, check_fill(segs[0].addr, 600, 5000),
		     "sync_for_cpu bytes, equal up to");
	VT_ASSERT_EQ(400, check_byte((uint8_t *)segs[0].addr + 600, 400, 0xcd),
		     "sync_for_cpu stops at sync_len; untouched up to");
	VT_ASSERT_EQ(0, rq.stats.map_errors, "map errors before a bad sync_len");
	segs[0].sync_len = 1001;
	vmap_sync_for_cpu(&rq, segs, 1, RTE_VMAP_FROM_DEVICE);
	VT_ASSERT_EQ(1, rq.stats.map_errors, "map errors: + sync_len past len");
	VT_ASSERT_EQ(400, check_byte((uint8_t *)segs[0].addr + 600, 400, 0xcd),
		     "a refused sync_for_cpu copies nothing; untouched up to");
	fill(dv, 1000, 5001);
	segs[0].sync_len = 1000;
	vmap_unmap(&rq, segs, 1, RTE_VMAP_FROM_DEVICE);
	VT_ASSERT_EQ(1000, check_fill(segs[0].addr, 1000, 5001),
		     "unmap after sync_for_cpu, equal up to");
	/* sync_for_device pushes CPU writes into a live Tx slot */
	VT_ASSERT_EQ(1, vmap_map(&tq, segs, 1, RTE_VMAP_TO_DEVICE), "Tx map one");
	fill(segs[0].addr, 1000, 5002);
	vmap_sync_for_device(&tq, segs, 1, RTE_VMAP_TO_DEVICE);
	VT_ASSERT_EQ(1000, check_fill(dev_va(r, segs[0].dev_addr, 1000), 1000, 5002),
		     "sync_for_device bytes, equal up to");
	vmap_unmap(&tq, segs, 1, RTE_VMAP_TO_DEVICE);
	VT_ASSERT_EQ(1, tq.stats.map_errors + rq.stats.map_errors,
		     "map errors (the refused sync_for_cpu alone)");
	rte_pktmbuf_free_bulk(m, 32);

	/* a queue of 64 slots runs dry in a burst of more */
	VT_ASSERT_OK(vmap_queue_setup(&d, &sq, 2, RTE_VMAP_TO_DEVICE, 64, 512),
		     "small queue");
	segs_for(segs, 32, 200);
	VT_ASSERT_EQ(32, vmap_map(&sq, segs, 32, RTE_VMAP_TO_DEVICE), "32 of 64");
	VT_ASSERT_EQ(32, vmap_map(&sq, segs, 32, RTE_VMAP_TO_DEVICE), "64 of 64");
	VT_ASSERT_EQ(0, vmap_map(&sq, segs, 32, RTE_VMAP_TO_DEVICE), "none left");
	VT_ASSERT_EQ(1, sq.stats.exhausted, "exhausted bursts");
	VT_ASSERT_EQ(64, vmap_queue_live(&sq), "live mappings (a leak at stop)");
	vmap_queue_release(&sq);
	vmap_queue_release(&sq);

	vmap_queue_release(&tq);
	vmap_queue_release(&rq);
	vmap_free_coherent(&d, coh, 8192);
	vmap_dev_detach(&d);
	vmap_dev_detach(&d);

	/* defaults: a 64 MB bounce region */
	VT_ASSERT_OK(vmap_dev_attach(&d, ops, "vt_vduse_def", SOCKET_ID_ANY,
				     NULL), "attach vduse with defaults");
	VT_ASSERT_EQ(2, vmap_regions(&d, r, 2, false), "regions");
	VT_ASSERT_EQ(VMAP_BOUNCE_SIZE_DEFAULT, r[0].size, "default bounce size");
	vmap_dev_detach(&d);

	/* a queue bigger than the bounce region takes what fits */
	params.bounce_size = MB;
	VT_ASSERT_OK(vmap_dev_attach(&d, ops, "vt_vduse_1m", SOCKET_ID_ANY,
				     &params), "attach vduse with 1M");
	VT_ASSERT_OK(vmap_queue_setup(&d, &rq, 0, RTE_VMAP_FROM_DEVICE, 4096, 2048),
		     "4096 descriptors of 2 KB in 1 MB: a partial fit");
	segs_for(segs, 32, 2048);
	VT_ASSERT_EQ(32, vmap_map(&rq, segs, 32, RTE_VMAP_FROM_DEVICE),
		     "a burst on the partial pool");
	vmap_unmap(&rq, segs, 32, RTE_VMAP_FROM_DEVICE);
	VT_ASSERT(vmap_queue_setup(&d, &tq, 1, RTE_VMAP_TO_DEVICE, 64, 2 * MB) < 0,
		  "buffers larger than the bounce region");
	vmap_queue_release(&rq);
	vmap_dev_detach(&d);

	/* bounce sizes out of range */
	params.bounce_size = 512 * 1024;
	VT_ASSERT(vmap_dev_attach(&d, ops, "vt_vduse_bad", SOCKET_ID_ANY,
				  &params) < 0, "bounce_size 512K accepted");
	VT_ASSERT(d.slot == 0, "failed attach leaves no ops");
	params.bounce_size = (size_t)2 << 30;
	VT_ASSERT(vmap_dev_attach(&d, ops, "vt_vduse_bad", SOCKET_ID_ANY,
				  &params) < 0, "bounce_size 2G accepted");
	return VT_PASS;
}

/*
 * Device memory (vmap_umem.h) in a pool's burst calls: an area is a file
 * of its own, exactly its size; a buffer wholly inside an active area
 * maps to the area's domain address with no slot and no copy; one across
 * its end, one outside, or any while the area is only listed, bounces.
 * The in-flight count follows, an unmap with nothing in flight is an
 * error, and the table refuses what it must.
 */
static int
test_umem(void)
{
	struct vmap_domain *dom = vmap_domain_create("vt_umem", MB, MB);
	struct vmap_bounce_pool pool;
	struct rte_vmap_qstats st = { 0 };
	struct rte_vmap_region r[VMAP_UMEM_MAX + 1];
	struct rte_vmap_seg segs[3];
	struct vmap_umem *um;
	uint8_t *area, *outside;
	unsigned int i, k;
	struct stat fst;

	VT_ASSERT(dom != NULL, "vmap_domain_create");
	um = vmap_domain_umem(dom);
	outside = rte_malloc("vt_umem", page_sz, page_sz);
	VT_ASSERT(outside != NULL, "rte_malloc");
	VT_ASSERT_OK(vmap_bounce_pool_create(dom, &pool, 64, 1, 2048),
		     "pool");

	VT_ASSERT(vmap_umem_alloc(um, "t", 0, &k) == NULL && rte_errno == EINVAL,
		  "0 bytes refused with EINVAL (%d)", rte_errno);
	area = vmap_umem_alloc(um, "t", 2 * page_sz + 100, &k);
	VT_ASSERT(area != NULL, "vmap_umem_alloc");
	VT_ASSERT_EQ(0, k, "first area's slot");
	VT_ASSERT_EQ(0, vmap_umem_find(um, area), "found by its address");
	VT_ASSERT_EQ(-ENOENT, vmap_umem_find(um, area + 1), "an inner address");
	VT_ASSERT_EQ(1, vmap_umem_regions(um, r, RTE_DIM(r)), "regions");
	VT_ASSERT_EQ_X(VMAP_UMEM_IOVA_BASE, r[0].dev_addr, "area 0's address");
	VT_ASSERT(r[0].addr == area && r[0].size == 3 * page_sz &&
		  r[0].fd_offset == 0 && fstat(r[0].fd, &fst) == 0 &&
		  (uint64_t)fst.st_size == r[0].size,
		  "area 0: %p+%" PRIu64 " at offset %" PRIu64 " of a file of %jd bytes, expected %p+%zu, the whole file",
		  r[0].addr, r[0].size, r[0].fd_offset, (intmax_t)fst.st_size,
		  area, 3 * page_sz);

	/* listed, not active: everything bounces */
	segs[0] = (struct rte_vmap_seg){ .addr = area + 64, .len = 256 };
	VT_ASSERT_EQ(1, vmap_bounce_map(&pool, segs, 1, RTE_VMAP_TO_DEVICE, &st),
		     "map while listed");
	VT_ASSERT(segs[0].dev_addr < VMAP_UMEM_IOVA_BASE, "bounced while listed");
	vmap_bounce_unmap(&pool, segs, 1, RTE_VMAP_TO_DEVICE, &st);

	/* from the device, so that the straddling one is never copied */
	vmap_umem_set(um, 0, VMAP_UMEM_ACTIVE);
	segs[0] = (struct rte_vmap_seg){ .addr = area + 64, .len = 256 };
	segs[1] = (struct rte_vmap_seg){ .addr = area + 3 * page_sz - 10,
					 .len = 100 };	/* across the end */
	segs[2] = (struct rte_vmap_seg){ .addr = outside, .len = 50 };
	st = (struct rte_vmap_qstats){ 0 };
	VT_ASSERT_EQ(3, vmap_bounce_map(&pool, segs, 3, RTE_VMAP_FROM_DEVICE, &st),
		     "mixed burst mapped");
	VT_ASSERT_EQ_X(VMAP_UMEM_IOVA_BASE + 64, segs[0].dev_addr,
		       "inside: the area's address, no slot");
	VT_ASSERT(segs[1].dev_addr < VMAP_UMEM_IOVA_BASE &&
		  segs[2].dev_addr < VMAP_UMEM_IOVA_BASE,
		  "across the end and outside: bounced");
	VT_ASSERT_EQ(2, vmap_bounce_pool_busy(&pool), "slots taken");
	VT_ASSERT_EQ(1, pool.umem_live[0], "area 0 in flight");
	segs[0].sync_len = 40;
	segs[1].sync_len = 0;
	segs[2].sync_len = 40;
	vmap_bounce_unmap(&pool, segs, 3, RTE_VMAP_FROM_DEVICE, &st);
	VT_ASSERT_EQ(0, pool.umem_live[0], "area 0 in flight after unmap");
	VT_ASSERT_EQ(0, vmap_bounce_pool_busy(&pool), "slots after unmap");
	VT_ASSERT_EQ(40, st.bounced_from_dev, "bytes copied back (the one outside)");
	VT_ASSERT_EQ(0, st.map_errors, "errors");
	vmap_bounce_unmap(&pool, segs, 1, RTE_VMAP_FROM_DEVICE, &st);
	VT_ASSERT_EQ(1, st.map_errors, "an area unmap with nothing in flight");

	/* the table holds VMAP_UMEM_MAX areas */
	for (i = 1; i < VMAP_UMEM_MAX; i++) {
		VT_ASSERT(vmap_umem_alloc(um, "t", page_sz, &k) != NULL,
			  "area %u", i);
		VT_ASSERT_EQ(i, k, "area slot");
	}
	VT_ASSERT(vmap_umem_alloc(um, "t", page_sz, &k) == NULL &&
		  rte_errno == ENOSPC, "one area too many refused with ENOSPC");
	VT_ASSERT_EQ(VMAP_UMEM_MAX, vmap_umem_regions(um, r, RTE_DIM(r)),
		     "regions with a full table");
	vmap_umem_release(um, VMAP_UMEM_MAX - 1);
	VT_ASSERT_EQ(VMAP_UMEM_MAX - 1, um->nb_slots, "slots after the last goes");
	vmap_bounce_pool_destroy(dom, &pool);
	/* the domain releases the rest */
	vmap_domain_destroy(dom);
	rte_free(outside);
	return VT_PASS;
}

static int
run(int argc, char **argv)
{
	static const struct {
		const char *name;
		int (*fn)(void);
	} plain[] = {
		{ "sizes", test_sizes },
		{ "layout", test_layout },
		{ "coherent", test_coherent },
		{ "iova_alloc", test_iova_alloc },
		{ "iova_link", test_iova_link },
		{ "pool_random", test_pool_random },
		{ "pool_exhaustion", test_pool_exhaustion },
		{ "pool_errors", test_pool_errors },
		{ "pool_slot_index", test_pool_slot_index },
		{ "pool_create", test_pool_create },
		{ "secondary_map", test_secondary_map },
		{ "umem", test_umem },
	};
	struct rte_mempool *mp;
	unsigned int i, failed = 0, total = 0;
	int rc;

	RTE_SET_USED(argv);
	if (argc != 0) {
		vt_fail(__FILE__, __LINE__, "expected no argument, got %d", argc);
		return VT_FAIL;
	}
	page_sz = sysconf(_SC_PAGESIZE);
	VT_CHECK(vt_eal_init(&(struct vt_eal_opts){ .mem_mb = 128 }));
	mp = vt_pool_create("vt_domain", NB_MBUF, 9000);
	if (mp == NULL)
		return VT_FAIL;

	for (i = 0; i < RTE_DIM(plain); i++, total++) {
		vt_phase("%s", plain[i].name);
		rc = plain[i].fn();
		vt_info("%s: %s", plain[i].name, rc == VT_PASS ? "ok" : "FAILED");
		failed += rc != VT_PASS;
	}
	vt_phase("vduse_kind");
	rc = test_vduse_kind(mp);
	vt_info("vduse_kind: %s", rc == VT_PASS ? "ok" : "FAILED");
	failed += rc != VT_PASS;
	total++;

	return vt_checks_done(mp, total, failed);
}

static const struct vt_test test = {
	.name = "domain",
	.usage = "(no arguments)",
	.timeout_s = 60,
	.run = run,
};

int
main(int argc, char **argv)
{
	return vt_main(&test, argc, argv);
}
