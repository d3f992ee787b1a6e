/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The virtio_map authors
 */

/*
 * Virtqueue life cycle shared by the ring layouts: creation (ring memory
 * from the map ops' coherent allocator, eventfds, bookkeeping), reset,
 * drain and free, and the choice of burst function per map kind.
 */

#include <errno.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <rte_errno.h>
#include <rte_malloc.h>

#include "virtio_map_log.h"
#include "vmq_dp.h"

uint16_t
vmq_broken(struct vmq *q, const char *what, uint32_t val)
{
	if (!q->broken)
		VM_LOG(ERR, "port %u vq %u: device error: %s %u; queue stopped until the port restarts",
		       q->port_id, q->vq_index, what, val);
	q->broken = true;
	q->stats.errors++;
	return 0;
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
	    (!conf->is_tx && conf->mp == NULL)) {
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
	q->max_frame = conf->max_frame != 0 ? conf->max_frame : VMQ_MAX_FRAME;
	q->kick_fd = -1;
	q->call_fd = -1;

	/* longest buffer: a Tx frame, or what an Rx buffer offers */
	if (q->is_tx)
		buf_len = q->max_frame + q->hdr_size;
	else
		buf_len = rte_pktmbuf_data_room_size(q->mp) -
			  RTE_PKTMBUF_HEADROOM + q->hdr_size;
	err = vmap_queue_setup(q->map, &q->mq, q->vq_index,
			       q->is_tx ? VMAP_TO_DEVICE : VMAP_FROM_DEVICE,
			       q->size, buf_len);
	if (err < 0) {
		rte_free(q);
		rte_errno = -err;
		return NULL;
	}
	/* never stage a Tx buffer the kind cannot map in one piece */
	if (q->is_tx && q->mq.max_seg != 0 &&
	    q->mq.max_seg - q->hdr_size < q->max_frame)
		q->max_frame = q->mq.max_seg - q->hdr_size;

	q->free_ids = rte_malloc_socket("vmq_ids", sizeof(uint16_t) * q->size,
					0, conf->socket_id);
	q->cookie = rte_zmalloc_socket("vmq_cookie",
				       sizeof(struct rte_mbuf *) * q->size,
				       RTE_CACHE_LINE_SIZE, conf->socket_id);
	if (q->free_ids == NULL || q->cookie == NULL)
		goto err_nomem;
	q->chain = rte_zmalloc_socket("vmq_chain", sizeof(uint16_t) * q->size,
				      0, conf->socket_id);
	if (q->chain == NULL)
		goto err_nomem;
	/* packed ring: where ops kinds keep the addresses they mapped */
	if (q->kind == VMAP_KIND_OPS) {
		q->iovas = rte_malloc_socket("vmq_iovas", sizeof(rte_iova_t) *
					     q->size *
					     (q->is_tx ? VMQ_INDIRECT_MAX : 1),
					     0, conf->socket_id);
		if (q->iovas == NULL)
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
		q->indir_len = sizeof(struct vmq_desc) * VMQ_INDIRECT_MAX *
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
	q->desc_area = sizeof(struct vmq_desc) * q->size;
	q->drv_off = avail_off;
	q->dev_off = used_off;
	q->desc = q->ring_mem;
	q->avail = RTE_PTR_ADD(q->ring_mem, avail_off);
	q->used = RTE_PTR_ADD(q->ring_mem, used_off);
	q->pdesc = q->ring_mem;
	q->driver_event = RTE_PTR_ADD(q->ring_mem, avail_off);
	q->device_event = RTE_PTR_ADD(q->ring_mem, used_off);
	q->enabled = true;

	q->kick_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	q->call_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
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
	if (q->call_fd >= 0)
		close(q->call_fd);
	vmap_free_coherent(q->map, q->ring_mem, q->ring_len);
	vmap_free_coherent(q->map, q->hdrs, q->hdrs_len);
	vmap_free_coherent(q->map, q->indir, q->indir_len);
	vmap_queue_release(&q->mq);
	rte_free(q->iovas);
	rte_free(q->chain);
	rte_free(q->cookie);
	rte_free(q->free_ids);
	rte_free(q);
}

void
vmq_reset(struct vmq *q)
{
	uint16_t i;

	memset(q->ring_mem, 0, q->ring_len);
	if (q->hdrs != NULL)
		memset(q->hdrs, 0, q->hdrs_len);
	/* highest ids on top, so the first buffers use descriptors 0, 1... */
	for (i = 0; i < q->size; i++)
		q->free_ids[i] = q->size - 1 - i;
	q->nb_free = q->size;
	q->avail_idx = 0;
	q->used_cons = 0;
	q->kick_old = 0;
	q->next_id = 0;
	q->broken = false;
	if (q->packed) {
		vmq_packed_reset(q);
		return;
	}
	/* We poll: ask the device not to signal us (2.7.7). */
	q->avail->flags = VMQ_AVAIL_F_NO_INTERRUPT;
}

int
vmq_set_opts(struct vmq *q, uint32_t opts)
{
	if ((opts & VMQ_OPT_INDIRECT) && q->is_tx && q->indir == NULL)
		return -ENOTSUP;
	vmq_drain(q);
	q->opts = opts;
	q->packed = (opts & VMQ_OPT_PACKED) != 0;
	vmq_reset(q);
	return 0;
}

void
vmq_enable(struct vmq *q, bool on)
{
	__atomic_store_n(&q->enabled, on, __ATOMIC_RELEASE);
}

void
vmq_ring_addrs(const struct vmq *q, void **desc, void **driver,
	       void **device, uint16_t *base)
{
	*desc = q->ring_mem;
	*driver = RTE_PTR_ADD(q->ring_mem, q->drv_off);
	*device = RTE_PTR_ADD(q->ring_mem, q->dev_off);
	/* a fresh packed ring starts with both wrap counters at 1 (2.8.1) */
	*base = q->packed ? (uint16_t)(q->used_cons | (q->used_wrap << 15)) :
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

uint16_t
vmq_rx_refill(struct vmq *q)
{
	return q->packed ? vmq_packed_refill(q) : vmq_split_refill(q);
}

/* Unmap the buffers of one chain the device never completed. */
static void
vmq_unmap_chain(struct vmq *q, uint16_t head)
{
	enum vmap_dir dir = q->is_tx ? VMAP_TO_DEVICE : VMAP_FROM_DEVICE;
	uint16_t c = q->chain[head], i, n;
	uint16_t id = head;
	struct vmap_seg seg = { .addr = NULL, .len = 0 };
	const struct vmq_desc *t;

	if (q->desc[head].flags & VMQ_DESC_F_INDIRECT) {
		/* entry 0 of the table is the coherent header slot */
		t = (const struct vmq_desc *)q->indir +
		    (size_t)head * VMQ_INDIRECT_MAX;
		n = q->desc[head].len / sizeof(*t);
		for (i = 1; i < n; i++) {
			seg.iova = t[i].addr;
			vmap_unmap(&q->mq, &seg, 1, dir);
		}
		return;
	}

	/* a Tx chain longer than one starts with a coherent header slot */
	if (c > 1) {
		id = q->desc[id].next;
		c--;
	}
	while (c-- > 0) {
		seg.iova = q->desc[id].addr;	/* len 0: nothing copied back */
		vmap_unmap(&q->mq, &seg, 1, dir);
		id = q->desc[id].next;
	}
}

unsigned int
vmq_drain(struct vmq *q)
{
	unsigned int freed = 0;
	struct rte_mbuf *m;
	uint16_t id;

	if (q->mrg_head != NULL) {
		rte_pktmbuf_free(q->mrg_head);
		q->mrg_head = NULL;
		q->mrg_tail = NULL;
		q->mrg_left = 0;
		freed++;
	}

	for (id = 0; id < q->size; id++) {
		m = q->cookie[id];
		if (m == NULL)
			continue;
		q->cookie[id] = NULL;
		if (q->kind == VMAP_KIND_OPS && q->packed)
			vmq_packed_unmap_id(q, id);
		else if (q->kind == VMAP_KIND_OPS)
			vmq_unmap_chain(q, id);
		rte_pktmbuf_free(m);
		freed++;
	}
	vmq_reset(q);
	return freed;
}

/* Ethdev entry points: enabled check, then the layout (one branch). */
#define VMQ_ENTRY_CHECK(q) \
	(likely(__atomic_load_n(&((struct vmq *)(q))->enabled, \
				__ATOMIC_ACQUIRE)))

uint16_t
vmq_rx_va(void *q, struct rte_mbuf **pkts, uint16_t n)
{
	if (!VMQ_ENTRY_CHECK(q))
		return 0;
	return ((struct vmq *)q)->packed ? vmq_packed_rx_va(q, pkts, n) :
					   vmq_split_rx_va(q, pkts, n);
}

uint16_t
vmq_rx_pa(void *q, struct rte_mbuf **pkts, uint16_t n)
{
	if (!VMQ_ENTRY_CHECK(q))
		return 0;
	return ((struct vmq *)q)->packed ? vmq_packed_rx_pa(q, pkts, n) :
					   vmq_split_rx_pa(q, pkts, n);
}

uint16_t
vmq_rx_ops(void *q, struct rte_mbuf **pkts, uint16_t n)
{
	if (!VMQ_ENTRY_CHECK(q))
		return 0;
	return ((struct vmq *)q)->packed ? vmq_packed_rx_ops(q, pkts, n) :
					   vmq_split_rx_ops(q, pkts, n);
}

uint16_t
vmq_tx_va(void *q, struct rte_mbuf **pkts, uint16_t n)
{
	if (!VMQ_ENTRY_CHECK(q))
		return 0;
	return ((struct vmq *)q)->packed ? vmq_packed_tx_va(q, pkts, n) :
					   vmq_split_tx_va(q, pkts, n);
}

uint16_t
vmq_tx_pa(void *q, struct rte_mbuf **pkts, uint16_t n)
{
	if (!VMQ_ENTRY_CHECK(q))
		return 0;
	return ((struct vmq *)q)->packed ? vmq_packed_tx_pa(q, pkts, n) :
					   vmq_split_tx_pa(q, pkts, n);
}

uint16_t
vmq_tx_ops(void *q, struct rte_mbuf **pkts, uint16_t n)
{
	if (!VMQ_ENTRY_CHECK(q))
		return 0;
	return ((struct vmq *)q)->packed ? vmq_packed_tx_ops(q, pkts, n) :
					   vmq_split_tx_ops(q, pkts, n);
}

vmq_burst_t
vmq_rx_burst_fn(enum vmap_kind kind)
{
	switch (kind) {
	case VMAP_KIND_VA:
		return vmq_rx_va;
	case VMAP_KIND_PA:
		return vmq_rx_pa;
	default:
		return vmq_rx_ops;
	}
}

vmq_burst_t
vmq_tx_burst_fn(enum vmap_kind kind)
{
	switch (kind) {
	case VMAP_KIND_VA:
		return vmq_tx_va;
	case VMAP_KIND_PA:
		return vmq_tx_pa;
	default:
		return vmq_tx_ops;
	}
}

int
vmq_tx_check(const struct vmq *q, const struct rte_mbuf *m)
{
	if (m->pkt_len == 0 || m->pkt_len > q->max_frame)
		return -EINVAL;
	if (m->nb_segs > VMQ_TX_MAX_SEGS || m->nb_segs + 1u > q->size)
		return -ENOTSUP;
	return 0;
}
