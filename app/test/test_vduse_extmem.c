/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The virtio_map authors
 */

/*
 * Integration test "vduse_extmem": mbufs in memory DPDK cannot share with
 * a vhost-user backend (an external heap over anonymous memory: no file
 * behind it) still travel with map=vduse, because the backend only ever
 * sees the domain's bounce and coherent regions. The driver's Rx buffers
 * and every packet the test sends come from that heap; every byte is
 * checked, and no mbuf leaks.
 */

#include <string.h>
#include <sys/mman.h>

#include <rte_ethdev.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_memory.h>

#include "vt.h"

#define HEAP		"vt_extmem"
#define HEAP_PAGES	8192		/* 32 MiB of 4 KiB pages */
#define PAGE		4096u
#define PACKETS		200000

static void *ext_mem;
static rte_iova_t ext_iova[HEAP_PAGES];

/* An external heap over anonymous memory, IOVA = VA as EAL uses here. */
static int
ext_heap_create(void)
{
	unsigned int i;

	ext_mem = mmap(NULL, (size_t)HEAP_PAGES * PAGE, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	VT_ASSERT(ext_mem != MAP_FAILED, "mmap of %u pages", HEAP_PAGES);
	for (i = 0; i < HEAP_PAGES; i++)
		ext_iova[i] = (rte_iova_t)(uintptr_t)ext_mem +
			      (rte_iova_t)i * PAGE;
	VT_ASSERT_OK(rte_malloc_heap_create(HEAP), "rte_malloc_heap_create");
	VT_ASSERT_OK(rte_malloc_heap_memory_add(HEAP, ext_mem,
						(size_t)HEAP_PAGES * PAGE,
						ext_iova, HEAP_PAGES, PAGE),
		     "rte_malloc_heap_memory_add");
	return VT_PASS;
}

static struct rte_mempool *
ext_pool(const char *name, unsigned int n, uint32_t max_frame)
{
	int socket = rte_malloc_heap_get_socket(HEAP);

	return rte_pktmbuf_pool_create(name, n, 64, 0,
				       RTE_PKTMBUF_HEADROOM + max_frame + 64,
				       socket);
}

static int
run(int argc __rte_unused, char **argv __rte_unused)
{
	struct vt_pair_opts o = { .map = "vduse", .window = 256 };
	struct rte_mbuf *m;
	struct vt_pair p;
	size_t off;
	int fd;

	VT_CHECK(vt_eal_init(NULL));
	VT_CHECK(ext_heap_create());

	VT_CHECK(vt_pair_init(&p, &o));
	/* the driver's Rx buffers and all test packets live on the heap */
	rte_mempool_free(p.drv_pool);
	rte_mempool_free(p.gen_pool);
	p.drv_pool = ext_pool("vt_ext_rx", 1024, p.max_frame);
	p.gen_pool = ext_pool("vt_ext_gen", 2048, p.max_frame);
	VT_ASSERT(p.drv_pool != NULL && p.gen_pool != NULL,
		  "pools on the external heap: %s", rte_strerror(rte_errno));

	/* that memory has no file: no vhost-user memory table can carry it */
	m = rte_pktmbuf_alloc(p.gen_pool);
	VT_ASSERT(m != NULL, "mbuf from the external heap");
	VT_ASSERT((char *)m->buf_addr >= (char *)ext_mem &&
		  (char *)m->buf_addr < (char *)ext_mem +
					(size_t)HEAP_PAGES * PAGE,
		  "mbuf outside the external heap");
	fd = rte_memseg_get_fd(rte_mem_virt2memseg(m->buf_addr, NULL));
	VT_ASSERT(fd < 0, "external memory has a file (fd %d)", fd);
	VT_ASSERT(rte_memseg_get_fd_offset(rte_mem_virt2memseg(m->buf_addr,
							       NULL),
					   &off) < 0,
		  "external memory has a file offset");
	rte_pktmbuf_free(m);
	vt_info("mbufs on an external heap of %u pages without a file",
		HEAP_PAGES);

	VT_CHECK(vt_pair_vhost_create(&p));
	VT_CHECK(vt_pair_drv_create(&p));
	VT_CHECK(vt_port_setup(p.vhost_port, p.queue_size, p.vhost_pool,
			       p.max_frame));
	VT_CHECK(vt_port_setup(p.drv_port, p.queue_size, p.drv_pool,
			       p.max_frame));
	VT_CHECK(vt_port_start(p.vhost_port));
	VT_CHECK(vt_port_start(p.drv_port));
	VT_CHECK(vt_wait_link(p.drv_port, true, 15000));
	VT_CHECK(vt_wait_link(p.vhost_port, true, 15000));

	VT_CHECK(vt_pair_traffic(&p, PACKETS, 60, 1514));
	VT_CHECK(vt_pair_down(&p, true));
	VT_CHECK(vt_pair_free_pools(&p));
	return VT_PASS;
}

static const struct vt_test test = {
	.name = "vduse_extmem",
	.usage = "",
	.timeout_s = 120,
	.run = run,
};

int
main(int argc, char **argv)
{
	return vt_main(&test, argc, argv);
}
