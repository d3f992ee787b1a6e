/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The virtio_map authors
 */

/*
 * Integration test "vduse_isolation": with map=vduse the device is given
 * the driver's private IOVA domain and nothing else. After traffic both
 * ways with every byte checked, the test reads the memory table DPDK's
 * net_vhost actually holds (rte_vhost_get_mem_table()): exactly two
 * regions, at guest addresses 0 (bounce, bounce_size=16M) and 16M
 * (coherent, VMAP_DOMAIN_COHERENT_SIZE), whose sizes add up to the domain;
 * no region's mapping, in the backend or as the driver described it,
 * touches EAL memory where the application's mbufs live, and no region is
 * backed by one of EAL's files. The rings the backend uses lie in the
 * coherent region, and every address in every descriptor lies in the
 * domain. It prints the bytes the backend was given against the domain's
 * size and against what map=va would have shared.
 */

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <rte_eal.h>
#include <rte_eth_vhost.h>
#include <rte_ethdev.h>
#include <rte_memory.h>
#include <rte_vhost.h>

#include "vmap.h"
#include "vmap_domain.h"
#include "vt.h"

#define BOUNCE_SIZE ((uint64_t)16 << 20)
#define PACKETS 100000
#define MAX_FILES 4096

/* Address ranges and files of the application's memory. */
struct app_mem {
	struct { uintptr_t lo, hi; } r[256];
	unsigned int n;
	struct { dev_t dev; ino_t ino; } f[MAX_FILES];
	unsigned int nf;
	uint64_t bytes;
};

static int
add_msl(const struct rte_memseg_list *msl, void *arg)
{
	struct app_mem *a = arg;

	if (a->n < RTE_DIM(a->r) && msl->base_va != NULL) {
		a->r[a->n].lo = (uintptr_t)msl->base_va;
		a->r[a->n].hi = (uintptr_t)msl->base_va + msl->len;
		a->n++;
	}
	return 0;
}

static int
add_seg(const struct rte_memseg_list *msl, const struct rte_memseg *ms,
	void *arg)
{
	struct app_mem *a = arg;
	struct stat st;
	unsigned int i;
	int fd;

	RTE_SET_USED(msl);
	a->bytes += ms->len;
	fd = rte_memseg_get_fd_thread_unsafe(ms);
	if (fd < 0 || fstat(fd, &st) != 0)
		return 0;
	for (i = 0; i < a->nf; i++)
		if (a->f[i].dev == st.st_dev && a->f[i].ino == st.st_ino)
			return 0;
	if (a->nf < MAX_FILES) {
		a->f[a->nf].dev = st.st_dev;
		a->f[a->nf].ino = st.st_ino;
		a->nf++;
	}
	return 0;
}

static void
add_chunk(struct rte_mempool *mp, void *arg, struct rte_mempool_memhdr *mh,
	  unsigned int idx)
{
	struct app_mem *a = arg;

	RTE_SET_USED(mp);
	RTE_SET_USED(idx);
	if (a->n < RTE_DIM(a->r)) {
		a->r[a->n].lo = (uintptr_t)mh->addr;
		a->r[a->n].hi = (uintptr_t)mh->addr + mh->len;
		a->n++;
	}
}

static bool
overlaps(const struct app_mem *a, uint64_t lo, uint64_t len,
	 unsigned int *which)
{
	unsigned int i;

	for (i = 0; i < a->n; i++)
		if (lo < a->r[i].hi && a->r[i].lo < lo + len) {
			*which = i;
			return true;
		}
	return false;
}

/* What map=va would have given the backend: EAL's shareable memory. */
static uint64_t
va_share(int *nregions)
{
	struct rte_vmap_region r[256];
	struct rte_vmap_dev d;
	uint64_t sum = 0;
	int n, i;

	*nregions = -1;
	if (vmap_dev_attach(&d, &vmap_va_ops, "vt_va_share", SOCKET_ID_ANY,
			    NULL) != 0)
		return 0;
	n = vmap_regions(&d, r, RTE_DIM(r), false);
	for (i = 0; i < n && i < (int)RTE_DIM(r); i++)
		sum += r[i].size;
	vmap_dev_detach(&d);
	*nregions = n;
	return sum;
}

static int
check_ring_addr(const struct rte_vhost_memory *mem, const void *p,
		size_t len, const char *what)
{
	const struct rte_vhost_mem_region *c = &mem->regions[1];
	uint64_t a = (uintptr_t)p;

	VT_ASSERT(a >= c->host_user_addr &&
		  a + len <= c->host_user_addr + c->size,
		  "%s at %p is not in the coherent region [0x%" PRIx64 ", 0x%" PRIx64 ")",
		  what, p, c->host_user_addr, c->host_user_addr + c->size);
	return VT_PASS;
}

static int
check_rings(int vid, const struct rte_vhost_memory *mem, uint64_t domain)
{
	struct rte_vhost_vring vr;
	uint16_t q, i, size;
	unsigned int used_addrs = 0;

	for (q = 0; q < 2; q++) {
		memset(&vr, 0, sizeof(vr));
		VT_ASSERT_OK(rte_vhost_get_vhost_vring(vid, q, &vr),
			     "rte_vhost_get_vhost_vring");
		size = vr.size;
		VT_ASSERT(size > 0, "vring %u size", q);
		VT_CHECK(check_ring_addr(mem, vr.desc, size * sizeof(vr.desc[0]),
					 q == 0 ? "Rx descriptor table" :
					 "Tx descriptor table"));
		VT_CHECK(check_ring_addr(mem, vr.avail,
					 sizeof(*vr.avail) + size * 2,
					 "driver area"));
		VT_CHECK(check_ring_addr(mem, vr.used,
					 sizeof(*vr.used) +
					 size * sizeof(vr.used->ring[0]),
					 "device area"));
		for (i = 0; i < size; i++) {
			uint64_t a = vr.desc[i].addr;
			uint32_t l = vr.desc[i].len;

			if (a == 0 && l == 0)
				continue;	/* never used */
			used_addrs++;
			VT_ASSERT(a + l <= domain,
				  "vring %u descriptor %u: address 0x%" PRIx64 " + %u outside the %" PRIu64 "-byte domain",
				  q, i, a, l, domain);
		}
	}
	vt_info("%u descriptor addresses checked: all inside the domain",
		used_addrs);
	VT_ASSERT(used_addrs > 0, "descriptors used");
	return VT_PASS;
}

static int
check_mem_table(const struct vt_pair *p)
{
	static struct app_mem app;
	struct rte_vhost_memory *mem = NULL;
	const struct rte_vhost_mem_region *r;
	uint64_t given = 0, domain = BOUNCE_SIZE + VMAP_DOMAIN_COHERENT_SIZE;
	uint64_t va_bytes;
	unsigned int i, j, which;
	struct stat st;
	int vid, va_n, rc = VT_PASS;

	memset(&app, 0, sizeof(app));
	rte_memseg_list_walk(add_msl, &app);
	rte_memseg_walk(add_seg, &app);
	rte_mempool_mem_iter(p->drv_pool, add_chunk, &app);
	rte_mempool_mem_iter(p->gen_pool, add_chunk, &app);
	rte_mempool_mem_iter(p->vhost_pool, add_chunk, &app);
	vt_info("application memory: %u address ranges, %u EAL files, %" PRIu64 " bytes of EAL segments",
		app.n, app.nf, app.bytes);

	vid = rte_eth_vhost_get_vid_from_port_id(p->vhost_port);
	VT_ASSERT(vid >= 0, "vhost vid of port %u: %d", p->vhost_port, vid);
	VT_ASSERT_OK(rte_vhost_get_mem_table(vid, &mem), "rte_vhost_get_mem_table");
	VT_ASSERT(mem != NULL, "memory table");
	for (i = 0; i < mem->nregions; i++) {
		r = &mem->regions[i];
		printf("     region %u: guest 0x%" PRIx64 " size 0x%" PRIx64 " (%" PRIu64 " MiB) driver VA 0x%" PRIx64 " backend VA 0x%" PRIx64 " fd %d\n",
		       i, r->guest_phys_addr, r->size, r->size >> 20,
		       r->guest_user_addr, r->host_user_addr, r->fd);
		given += r->size;
	}
	va_bytes = va_share(&va_n);
	vt_info("FIGURES: the backend was given %" PRIu64 " bytes (%" PRIu64 " MiB) in %u regions; the domain is %" PRIu64 " bytes (bounce %" PRIu64 " MiB + coherent %u MiB); map=va would share %" PRIu64 " bytes (%" PRIu64 " MiB) in %d regions",
		given, given >> 20, mem->nregions, domain, BOUNCE_SIZE >> 20,
		VMAP_DOMAIN_COHERENT_SIZE >> 20, va_bytes, va_bytes >> 20,
		va_n);

	if (mem->nregions != 2) {
		vt_fail(__FILE__, __LINE__, "memory-table regions: expected 2 (bounce, coherent), actual %u",
			mem->nregions);
		rc = VT_FAIL;
		goto out;
	}
	/* sorted by guest address: bounce first */
	if (mem->regions[0].guest_phys_addr > mem->regions[1].guest_phys_addr) {
		struct rte_vhost_mem_region t = mem->regions[0];

		mem->regions[0] = mem->regions[1];
		mem->regions[1] = t;
	}
	if (mem->regions[0].guest_phys_addr != 0 ||
	    mem->regions[0].size != BOUNCE_SIZE ||
	    mem->regions[1].guest_phys_addr != BOUNCE_SIZE ||
	    mem->regions[1].size != VMAP_DOMAIN_COHERENT_SIZE ||
	    given != domain) {
		vt_fail(__FILE__, __LINE__, "regions: expected bounce at 0 of 0x%" PRIx64 " and coherent at 0x%" PRIx64 " of 0x%x (%" PRIu64 " bytes), actual 0x%" PRIx64 "+0x%" PRIx64 " and 0x%" PRIx64 "+0x%" PRIx64 " (%" PRIu64 " bytes)",
			BOUNCE_SIZE, BOUNCE_SIZE, VMAP_DOMAIN_COHERENT_SIZE,
			domain, mem->regions[0].guest_phys_addr,
			mem->regions[0].size, mem->regions[1].guest_phys_addr,
			mem->regions[1].size, given);
		rc = VT_FAIL;
		goto out;
	}
	for (i = 0; i < 2; i++) {
		r = &mem->regions[i];
		if (overlaps(&app, r->host_user_addr, r->size, &which) ||
		    overlaps(&app, r->guest_user_addr, r->size, &which)) {
			vt_fail(__FILE__, __LINE__, "region %u (backend VA 0x%" PRIx64 ", driver VA 0x%" PRIx64 ", 0x%" PRIx64 " bytes) overlaps application memory [0x%" PRIxPTR ", 0x%" PRIxPTR ")",
				i, r->host_user_addr, r->guest_user_addr,
				r->size, app.r[which].lo, app.r[which].hi);
			rc = VT_FAIL;
			goto out;
		}
		if (r->fd >= 0 && fstat(r->fd, &st) == 0) {
			for (j = 0; j < app.nf; j++)
				if (app.f[j].dev == st.st_dev &&
				    app.f[j].ino == st.st_ino) {
					vt_fail(__FILE__, __LINE__, "region %u is backed by a file of EAL memory",
						i);
					rc = VT_FAIL;
					goto out;
				}
		}
	}
	vt_info("no region touches application memory (%u ranges, %u files checked)",
		app.n, app.nf);
	rc = check_rings(vid, mem, domain);
out:
	free(mem);
	return rc;
}

static int
run(int argc, char **argv)
{
	struct vt_pair_opts o = {
		.map = "vduse",
		.drv_extra = "bounce_size=16M",
	};
	struct vt_pair p;

	RTE_SET_USED(argv);
	if (argc != 0) {
		vt_fail(__FILE__, __LINE__, "expected no argument, got %d", argc);
		return VT_FAIL;
	}
	VT_CHECK(vt_eal_init(NULL));
	VT_CHECK(vt_pair_up(&p, &o));
	VT_CHECK(vt_pair_traffic(&p, PACKETS, 60, 1514));
	vt_phase("the backend's memory table");
	VT_CHECK(check_mem_table(&p));
	VT_CHECK(vt_pair_down(&p, true));
	vt_phase("leak check");
	VT_CHECK(vt_pair_free_pools(&p));
	return VT_PASS;
}

static const struct vt_test test = {
	.name = "vduse_isolation",
	.usage = "(no arguments)",
	.timeout_s = 170,
	.run = run,
};

int
main(int argc, char **argv)
{
	return vt_main(&test, argc, argv);
}
