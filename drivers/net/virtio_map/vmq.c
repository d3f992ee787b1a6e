/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The virtio_map authors
 */

/*
 * Virtqueue life cycle, both ring layouts: creation (ring memory from the
 * map ops' coherent allocator, eventfds, private per-id state), reset,
 * options, drain from the private state, and where the ring lies. The
 * bursts are in vmq_burst.c.
 */

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <linux/membarrier.h>
#include <sys/eventfd.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <rte_cycles.h>
#include <rte_errno.h>
#include <rte_pause.h>
#include <rte_malloc.h>

#include "virtio_map_log.h"
#include "vmq_dp.h"
#include "vmq_packed.h"

/*
 * The burst gate (vmq_enable() and vmq_enter()) needs a full fence on
 * both sides. With Linux's membarrier the control path pays for both:
 * one call makes every thread of the process pass a full barrier, so a
 * burst needs only a compiler barrier between its store of busy and its
 * load of enabled (the asymmetric fence of liburcu and folly). Without
 * it, each burst fences itself.
 */
static bool
vmq_gate_asym(void)
{
	static int state;	/* 0 unknown, 1 yes, -1 no */
	int s = __atomic_load_n(&state, __ATOMIC_ACQUIRE);

	if (s == 0) {
		s = syscall(__NR_membarrier,
			    MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED, 0, 0) == 0 ?
		    1 : -1;
		__atomic_store_n(&state, s, __ATOMIC_RELEASE);
	}
	return s > 0;
}

/*
 * The control side's full fence: on every thread, or on ours. Should
 * membarrier fail after it was registered, the bursts fence themselves
 * from then on (gate_asym cleared); a burst that entered before it saw
 * that is waited for like any other (busy), after a pause long enough for
 * its store to be seen.
 */
static void
vmq_gate_fence(struct vmq *q)
{
	if (__atomic_load_n(&q->gate_asym, __ATOMIC_RELAXED)) {
		if (syscall(__NR_membarrier, MEMBARRIER_CMD_PRIVATE_EXPEDITED,
			    0, 0) == 0)
			return;
		VM_LOG(WARNING, "port %u vq %u: membarrier failed (%s); the bursts fence themselves from now on",
		       q->port_id, q->vq_index, strerror(errno));
		__atomic_store_n(&q->gate_asym, false, __ATOMIC_SEQ_CST);
		rte_delay_us_sleep(1000);
	}
	/* not registered: the bursts fence themselves */
	rte_atomic_thread_fence(__ATOMIC_SEQ_CST);
}

/* Generations of queues (vmq.gen); only the primary creates queues. */
static uint32_t vmq_gen_next;

/*
 * Private per-id state, from DPDK's heap on the queue's socket: memory
 * every process maps, for bursts in secondary processes. DPDK's heap is
 * not instrumented, so under AddressSanitizer each array gets poisoned
 * red zones on both sides, and an index out of bounds is reported.
 */
#ifdef __SANITIZE_ADDRESS__
#include <sanitizer/asan_interface.h>
#define VMQ_REDZONE	RTE_CACHE_LINE_SIZE
#endif

static void *
vmq_priv_alloc(const char *name, size_t len, int socket)
{
#ifdef __SANITIZE_ADDRESS__
	size_t body = RTE_ALIGN_CEIL(len, 8);
	uint8_t *p = rte_zmalloc_socket(name, body + 2 * VMQ_REDZONE,
					RTE_CACHE_LINE_SIZE, socket);

	if (p == NULL)
		return NULL;
	*(size_t *)p = body;	/* for vmq_priv_free() */
	ASAN_POISON_MEMORY_REGION(p, VMQ_REDZONE);
	ASAN_POISON_MEMORY_REGION(p + VMQ_REDZONE + body, VMQ_REDZONE);
	return p + VMQ_REDZONE;
#else
	return rte_zmalloc_socket(name, len, RTE_CACHE_LINE_SIZE, socket);
#endif
}

static void
vmq_priv_free(void *p)
{
#ifdef __SANITIZE_ADDRESS__
	uint8_t *base;

	if (p == NULL)
		return;
	base = (uint8_t *)p - VMQ_REDZONE;
	ASAN_UNPOISON_MEMORY_REGION(base, VMQ_REDZONE);
	ASAN_UNPOISON_MEMORY_REGION(base + VMQ_REDZONE + *(size_t *)base,
				    VMQ_REDZONE);
	rte_free(base);
#else
	rte_free(p);
#endif
}

/* Split ring sizes (virtio 1.2, 2.7): each area on its own cache line. */
static size_t
vmq_split_ring_len(uint16_t size, size_t *avail_off, size_t *used_off)
{
	size_t len = sizeof(struct vmq_desc) * size;

	*avail_off = len;
	len = RTE_ALIGN_CEIL(len + sizeof(struct vmq_avail) +
			     sizeof(uint16_t) * (size + 1),
			     RTE_CACHE_LINE_SIZE);
	*used_off = len;
	len += sizeof(struct vmq_used) + sizeof(struct vmq_used_elem) * size +
	       sizeof(uint16_t);
	return RTE_ALIGN_CEIL(len, RTE_CACHE_LINE_SIZE);
}

struct vmq *
vmq_create(const struct vmq_conf *conf)
{
	size_t avail_off, used_off;
	uint32_t buf_len;
	struct vmq *q;
	rte_iova_t iova;
	int err;

	vmq_layout_check();
	if (conf->size < VMQ_SIZE_MIN || conf->size > VMQ_SIZE_MAX ||
	    !rte_is_power_of_2(conf->size) ||
	    (!conf->is_tx && conf->mp == NULL) ||
	    conf->max_segs > VMQ_TSO_MAX_SEGS) {
		rte_errno = EINVAL;
		return NULL;
	}

	q = rte_zmalloc_socket("vmq", sizeof(*q), RTE_CACHE_LINE_SIZE,
			       conf->socket_id);
	if (q == NULL) {
		rte_errno = ENOMEM;
		return NULL;
	}
	q->size = conf->size;
	q->mask = conf->size - 1;
	q->hdr_size = sizeof(struct vmq_net_hdr);
	q->map = conf->map;
	q->kind = conf->map->kind;
	q->mp = conf->mp;
	q->port_id = conf->port_id;
	q->vq_index = conf->vq_index;
	q->is_tx = conf->is_tx;
	q->max_frame = RTE_MIN(conf->max_frame != 0 ? conf->max_frame :
			       VMQ_MAX_FRAME, (uint32_t)VMQ_MAX_FRAME);
	q->max_segs = conf->max_segs != 0 ? conf->max_segs : VMQ_TX_MAX_SEGS;
	q->map_one = conf->map_one;
	q->kick_fd = -1;
	q->call_fd = -1;
	q->gate_asym = vmq_gate_asym();
	q->gen = __atomic_add_fetch(&vmq_gen_next, 1, __ATOMIC_RELAXED);

	/* longest buffer: a Tx frame (a TSO queue maps mbuf segments, one
	 * at a time), or what an Rx buffer offers */
	if (q->is_tx)
		buf_len = (q->max_segs > VMQ_TX_MAX_SEGS ?
			   RTE_MAX(q->max_frame, (uint32_t)VMQ_TSO_SEG_ROOM) :
			   q->max_frame) + q->hdr_size;
	else
		buf_len = rte_pktmbuf_data_room_size(q->mp) -
			  RTE_PKTMBUF_HEADROOM + q->hdr_size;
	q->rx_room = q->is_tx ? 0 : buf_len;
	err = vmap_queue_setup(q->map, &q->mq, q->vq_index,
			       q->is_tx ? RTE_VMAP_TO_DEVICE : RTE_VMAP_FROM_DEVICE,
			       q->size, buf_len);
	/* vmq_tx_ok() lets up to VMQ_TX_MAX_SEGS segments through unchecked:
	 * a Tx queue must be able to map that many at once */
	if (err == 0 && q->is_tx && q->mq.max_live != 0 &&
	    q->mq.max_live < VMQ_TX_MAX_SEGS) {
		vmap_queue_release(&q->mq);
		err = -ENOSPC;
	}
	if (err < 0) {
		rte_free(q);
		rte_errno = -err;
		return NULL;
	}
	vmq_set_max_frame(q, q->max_frame);
	if (q->map_one || vmap_queue_umem(&q->mq, &q->umem, &q->umem_live) < 0) {
		q->umem = NULL;
		q->umem_live = NULL;
	}

	/* private state: what completion and drain rely on */
	q->free_ids = vmq_priv_alloc("vmq_ids", sizeof(uint16_t) * q->size,
				     conf->socket_id);
	q->extra = vmq_priv_alloc("vmq_extra",
				  sizeof(struct vmq_extra) * q->size,
				  conf->socket_id);
	if (q->free_ids == NULL || q->extra == NULL)
		goto err_nomem;
	if (q->kind == RTE_VMAP_KIND_OPS) {
		q->segs = vmq_priv_alloc("vmq_segs", sizeof(struct vmq_seg) *
					 q->size *
					 (q->is_tx ? q->max_segs : 1),
					 conf->socket_id);
		if (q->segs == NULL)
			goto err_nomem;
	}
	if (q->is_tx) {
		q->hdrs_len = sizeof(struct vmq_net_hdr) * q->size;
		q->hdrs = vmap_alloc_coherent(q->map, q->hdrs_len,
					      RTE_CACHE_LINE_SIZE,
					      &q->hdrs_iova);
		if (q->hdrs == NULL)
			goto err_nomem;
	}
	/* indirect tables live where the device can read them: coherent */
	if (q->is_tx && (conf->opts_possible & VMQ_OPT_INDIRECT)) {
		q->indir_len = sizeof(struct vmq_desc) * (1u + q->max_segs) *
			       q->size;
		q->indir = vmap_alloc_coherent(q->map, q->indir_len,
					       RTE_CACHE_LINE_SIZE,
					       &q->indir_iova);
		if (q->indir == NULL)
			goto err_nomem;
	}

	/* the split layout is the larger one: it holds a packed ring too */
	q->ring_len = vmq_split_ring_len(q->size, &avail_off, &used_off);
	q->ring_mem = vmap_alloc_coherent(q->map, q->ring_len, 4096, &iova);
	if (q->ring_mem == NULL)
		goto err_nomem;
	q->ring_iova = iova;
	q->drv_off = avail_off;
	q->dev_off = used_off;
	q->enabled = true;

	q->kick_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	q->own_call_fd = !conf->use_call_fd;
	q->call_fd = q->own_call_fd ?
		     eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC) : conf->call_fd;
	if (q->kick_fd < 0 || q->call_fd < 0) {
		err = errno;
		vmq_free(q);
		rte_errno = err;
		return NULL;
	}
	vmq_reset(q);
	return q;

err_nomem:
	vmq_free(q);
	rte_errno = ENOMEM;
	return NULL;
}

void
vmq_free(struct vmq *q)
{
	if (q == NULL)
		return;
	if (q->ring_mem != NULL)
		vmq_drain(q);
	if (q->kick_fd >= 0)
		close(q->kick_fd);
	if (q->call_fd >= 0 && q->own_call_fd)
		close(q->call_fd);
	vmap_free_coherent(q->map, q->ring_mem, q->ring_len);
	vmap_free_coherent(q->map, q->hdrs, q->hdrs_len);
	vmap_free_coherent(q->map, q->indir, q->indir_len);
	vmap_queue_release(&q->mq);
	vmq_priv_free(q->segs);
	vmq_priv_free(q->extra);
	vmq_priv_free(q->free_ids);
	rte_free(q);
}

void
vmq_reset(struct vmq *q)
{
	uint16_t i;

	memset(q->ring_mem, 0, q->ring_len);
	memset(q->extra, 0, sizeof(*q->extra) * q->size);
	if (q->hdrs != NULL)
		memset(q->hdrs, 0, q->hdrs_len);
	/* highest ids on top, so the first buffers use descriptors 0, 1... */
	for (i = 0; i < q->size; i++)
		q->free_ids[i] = q->size - 1 - i;
	q->nb_free = q->size;
	q->avail_idx = 0;
	q->used_cons = 0;
	q->kick_old = 0;
	q->mrg_left = 0;
	q->mrg_drop = false;
	q->broken = false;
	if (q->is_packed) {
		q->packed.desc = q->ring_mem;
		q->packed.driver_event = RTE_PTR_ADD(q->ring_mem, q->drv_off);
		q->packed.device_event = RTE_PTR_ADD(q->ring_mem, q->dev_off);
		/* a fresh ring: both wrap counters start at 1 (2.8.1) */
		q->packed.avail_wrap = true;
		q->packed.used_wrap = true;
		q->packed.nb_free_ids = q->size;
		q->kick_old = 1u << VMQ_PACKED_WRAP_SHIFT;
		q->packed.driver_event->off_wrap = 0;
		vmq_intr_flags(q);
		return;
	}
	q->split.desc = q->ring_mem;
	q->split.avail = RTE_PTR_ADD(q->ring_mem, q->drv_off);
	q->split.used = RTE_PTR_ADD(q->ring_mem, q->dev_off);
	q->split.next_id = 0;
	vmq_intr_flags(q);
}

int
vmq_set_opts(struct vmq *q, uint32_t opts)
{
	if ((opts & VMQ_OPT_INDIRECT) && q->is_tx && q->indir == NULL)
		return -ENOTSUP;
	vmq_drain(q);
	q->opts = opts;
	q->is_packed = (opts & VMQ_OPT_PACKED) != 0;
	vmq_reset(q);
	return 0;
}

int
vmq_enable(struct vmq *q, bool on)
{
	/* a disabled queue keeps its interrupt wish only in intr_on
	 * (vmq_intr()): the ring gets it now, before the bursts come in */
	if (on)
		vmq_intr_flags(q);
	__atomic_store_n(&q->enabled, on, __ATOMIC_RELEASE);
	if (on)
		return 0;
	/*
	 * A burst sets busy, then reads enabled; we cleared enabled, then
	 * read busy. With a full fence between on both sides one of us sees
	 * the other's store: either the burst returns at once, or we wait.
	 */
	return vmq_quiesce(q);
}

int
vmq_quiesce(struct vmq *q)
{
	uint64_t deadline;

	vmq_gate_fence(q);
	deadline = rte_get_timer_cycles() +
		   rte_get_timer_hz() * VMQ_QUIESCE_TIMEOUT_MS / 1000;
	/* one sight of busy clear is enough: a burst that entered later
	 * sees what the caller stored before */
	while (__atomic_load_n(&q->busy, __ATOMIC_ACQUIRE)) {
		if (rte_get_timer_cycles() > deadline)
			return -ETIMEDOUT;
		rte_pause();
	}
	return 0;
}

void
vmq_ring_addrs(const struct vmq *q, void **desc, void **driver,
	       void **device, uint16_t *base)
{
	*desc = q->ring_mem;
	*driver = RTE_PTR_ADD(q->ring_mem, q->drv_off);
	*device = RTE_PTR_ADD(q->ring_mem, q->dev_off);
	/* a fresh packed ring starts with both wrap counters at 1 (2.8.1) */
	*base = q->is_packed ?
		(uint16_t)(q->used_cons |
			   (q->packed.used_wrap << VMQ_PACKED_WRAP_SHIFT)) :
		q->used_cons;
}

void
vmq_ring_iovas(const struct vmq *q, uint64_t *desc, uint64_t *driver,
	       uint64_t *device)
{
	*desc = q->ring_iova;
	*driver = q->ring_iova + q->drv_off;
	*device = q->ring_iova + q->dev_off;
}

void
vmq_set_max_frame(struct vmq *q, uint32_t max_frame)
{
	/* Rx may take LRO frames (mergeable buffers, checked per buffer) */
	max_frame = RTE_MIN(max_frame, q->is_tx ? (uint32_t)VMQ_MAX_FRAME :
					   (uint32_t)VMQ_GSO_MAX_FRAME);
	/* never a Tx buffer the kind cannot map in one piece */
	if (q->is_tx && q->mq.max_seg != 0)
		max_frame = RTE_MIN(max_frame, q->mq.max_seg - q->hdr_size);
	q->max_frame = max_frame;
}

unsigned int
vmq_areas(const struct vmq *q, struct vmq_area *a)
{
	unsigned int n = 0;

	/* descriptors: the packed device writes used ones back (2.8.1) */
	a[n++] = (struct vmq_area){ q->ring_iova, q->ring_mem, q->drv_off,
				    q->is_packed, true };
	a[n++] = (struct vmq_area){ q->ring_iova + q->drv_off,
				    RTE_PTR_ADD(q->ring_mem, q->drv_off),
				    q->dev_off - q->drv_off, false, true };
	a[n++] = (struct vmq_area){ q->ring_iova + q->dev_off,
				    RTE_PTR_ADD(q->ring_mem, q->dev_off),
				    q->ring_len - q->dev_off, true, true };
	if (q->hdrs != NULL)
		a[n++] = (struct vmq_area){ q->hdrs_iova, q->hdrs,
					    q->hdrs_len, false, false };
	if (q->indir != NULL)
		a[n++] = (struct vmq_area){ q->indir_iova, q->indir,
					    q->indir_len, false, false };
	return n;
}

unsigned int
vmq_drain(struct vmq *q)
{
	struct vmq_used_buf b;
	unsigned int freed = 0;
	uint16_t id;

	if (q->mrg_head != NULL) {
		rte_pktmbuf_free(q->mrg_head);
		q->mrg_head = NULL;
		q->mrg_tail = NULL;
		freed++;
	}
	/* only what we posted, as we wrote it down: no ring memory read */
	for (id = 0; id < q->size; id++) {
		b.m = q->extra[id].m;
		if (b.m == NULL)
			continue;
		b.id = id;
		b.len = 0;	/* nothing the device wrote is wanted */
		if (q->kind == RTE_VMAP_KIND_OPS && q->is_tx)
			vmq_unmap_tx(q, &id, 1, RTE_VMAP_KIND_OPS);
		else if (q->kind == RTE_VMAP_KIND_OPS)
			vmq_unmap_rx(q, &b, 1, RTE_VMAP_KIND_OPS);
		q->extra[id].m = NULL;
		rte_pktmbuf_free(b.m);
		freed++;
	}
	vmq_reset(q);
	return freed;
}
