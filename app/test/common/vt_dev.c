/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The virtio_map authors
 */

/* The test device model of the ring-level unit tests (see vt_dev.h). */

#include <stdlib.h>
#include <string.h>

#include <rte_common.h>
#include <rte_mbuf.h>

#include "vt.h"

#include "vt_dev.h"

/* The AVAIL and USED bits of a packed descriptor. */
#define F_AU (VMQ_DESC_F_AVAIL | VMQ_DESC_F_USED)

struct vt_dev_reach vt_dev_reach;

static struct rte_mempool *dev_pool;	/* frames the device builds */
static struct rte_mbuf *scratch;	/* a frame being built */
static uint32_t rnd_state = 2463534242u;

enum vmq_simd vt_simd = VMQ_SIMD_SCALAR;

int
vt_dev_setup(struct rte_mempool *mp)
{
	static const char *const names[] = {
		[VMQ_SIMD_SCALAR] = "scalar",
		[VMQ_SIMD_AVX2] = "avx2",
		[VMQ_SIMD_AVX512] = "avx512",
	};
	const char *want = getenv("VT_SIMD");
	unsigned int i;

	if (want != NULL) {
		for (i = 0; i < RTE_DIM(names); i++)
			if (strcmp(want, names[i]) == 0)
				break;
		VT_ASSERT(i < RTE_DIM(names), "VT_SIMD=%s: expected scalar, avx2 or avx512",
			  want);
		if (!vmq_simd_runs(i)) {
			vt_skip("the %s burst functions do not run here (not built, or the CPU lacks them)",
				vmq_simd_name(i));
			return VT_SKIP;
		}
		vt_simd = i;
	}
	vt_info("burst functions: %s", vmq_simd_name(vt_simd));
	dev_pool = mp;
	scratch = rte_pktmbuf_alloc(mp);
	VT_ASSERT(scratch != NULL, "device scratch mbuf");
	return VT_PASS;
}

void
vt_dev_teardown(void)
{
	rte_pktmbuf_free(scratch);
	scratch = NULL;
}

void
vt_dev_reach_set(uint64_t offset, const struct rte_vmap_region *regions,
		 int nregions)
{
	memset(&vt_dev_reach, 0, sizeof(vt_dev_reach));
	vt_dev_reach.offset = offset;
	vt_dev_reach.nregions = RTE_MIN(nregions,
					(int)RTE_DIM(vt_dev_reach.regions));
	if (vt_dev_reach.nregions > 0)
		memcpy(vt_dev_reach.regions, regions,
		       vt_dev_reach.nregions * sizeof(regions[0]));
}

void *
vt_dev_ptr(uint64_t addr, uint32_t len)
{
	const struct rte_vmap_region *r = vt_dev_reach.regions;
	int i;

	if (vt_dev_reach.nregions == 0)
		return (void *)(uintptr_t)(addr - vt_dev_reach.offset);
	for (i = 0; i < vt_dev_reach.nregions; i++)
		if (addr >= r[i].dev_addr &&
		    addr + len <= r[i].dev_addr + r[i].size)
			return (uint8_t *)r[i].addr + (addr - r[i].dev_addr);
	return NULL;
}

void
vt_dev_attach(struct vt_dev *d, struct vmq *q)
{
	void *desc, *driver, *device;
	uint16_t base;

	vmq_ring_addrs(q, &desc, &driver, &device, &base);
	memset(d, 0, offsetof(struct vt_dev, held));
	d->q = q;
	d->tx = q->is_tx;
	d->packed = q->is_packed;
	d->size = q->size;
	d->desc = desc;
	d->pdesc = desc;
	d->avail = driver;
	d->used = device;
	if (d->packed) {
		/* position and wrap counter (bit 15), 2.8.1 */
		d->avail_wrap = base >> 15;
		d->used_wrap = base >> 15;
		base &= 0x7fff;
	}
	d->avail_pos = base;
	d->used_pos = base;
}

/* Move a packed position n descriptors on, flipping its wrap counter. */
static void
adv(uint16_t *pos, bool *wrap, uint16_t n, uint16_t size)
{
	*pos += n;
	if (*pos >= size) {
		*pos -= size;
		*wrap = !*wrap;
	}
}

/* Packed: is the descriptor at pos available in the lap of wrap (2.8.1)? */
static bool
pdesc_avail(const struct vt_dev *d, uint16_t pos, bool wrap)
{
	uint16_t f = __atomic_load_n(&d->pdesc[pos].flags, __ATOMIC_ACQUIRE);

	return !!(f & VMQ_DESC_F_AVAIL) == wrap &&
	       !!(f & VMQ_DESC_F_USED) != wrap;
}

bool
vt_dev_avail(const struct vt_dev *d)
{
	if (!d->packed)
		return __atomic_load_n(&d->avail->idx, __ATOMIC_ACQUIRE) !=
		       d->avail_pos;
	return pdesc_avail(d, d->avail_pos, d->avail_wrap);
}

unsigned int
vt_dev_avail_count(const struct vt_dev *d)
{
	uint16_t pos = d->avail_pos, f;
	bool wrap = d->avail_wrap;
	unsigned int n = 0;

	if (!d->packed)
		return (uint16_t)(__atomic_load_n(&d->avail->idx,
						  __ATOMIC_ACQUIRE) -
				  d->avail_pos);
	while (n < d->size && pdesc_avail(d, pos, wrap)) {
		do {
			f = d->pdesc[pos].flags;
			adv(&pos, &wrap, 1, d->size);
		} while (f & VMQ_DESC_F_NEXT);
		n++;
	}
	return n;
}

/* Record a segment of b: direction and reach checked. */
static int
dev_seg(const struct vt_dev *d, struct vt_dbuf *b, uint64_t addr, uint32_t len,
	uint16_t flags)
{
	VT_ASSERT(b->nseg < VMQ_INDIRECT_MAX, "buffer %u: more than %u segments",
		  b->id, VMQ_INDIRECT_MAX);
	VT_ASSERT(!(flags & VMQ_DESC_F_WRITE) == d->tx,
		  "buffer %u: descriptor flags 0x%x in a %s queue", b->id, flags,
		  d->tx ? "Tx" : "Rx");
	VT_ASSERT(vt_dev_ptr(addr, len) != NULL,
		  "buffer %u: 0x%" PRIx64 " + %u out of the device's reach",
		  b->id, addr, len);
	b->seg[b->nseg].addr = addr;
	b->seg[b->nseg].len = len;
	b->seg[b->nseg++].flags = flags;
	return VT_PASS;
}

/* Record the indirect table at addr: every entry, in chain order. */
static int
dev_table(const struct vt_dev *d, struct vt_dbuf *b, uint64_t addr,
	  uint32_t len)
{
	const struct vmq_pdesc *pt;
	const struct vmq_desc *t;
	uint16_t n = len / sizeof(*t), i = 0, k;

	VT_ASSERT(len % sizeof(*t) == 0 && n >= 2 && n <= VMQ_INDIRECT_MAX,
		  "buffer %u: indirect table of %u bytes", b->id, len);
	b->table = vt_dev_ptr(addr, len);
	VT_ASSERT(b->table != NULL, "buffer %u: indirect table 0x%" PRIx64 " out of the device's reach",
		  b->id, addr);
	b->tlen = n;
	if (d->packed) {
		pt = b->table;
		for (i = 0; i < n; i++)
			VT_CHECK(dev_seg(d, b, pt[i].addr, pt[i].len, pt[i].flags));
		return VT_PASS;
	}
	t = b->table;
	for (k = 0;; k++) {
		VT_ASSERT(i < n && k < n, "buffer %u: indirect entry %u of %u (loop or outside)",
			  b->id, i, n);
		VT_CHECK(dev_seg(d, b, t[i].addr, t[i].len, t[i].flags));
		if (!(t[i].flags & VMQ_DESC_F_NEXT))
			break;
		i = t[i].next;
	}
	VT_ASSERT_EQ(n, b->nseg, "indirect table entries in the chain");
	return VT_PASS;
}

/* Split: the chain whose head is at the device's avail position. */
static int
take_split(struct vt_dev *d, struct vt_dbuf *b)
{
	const struct vmq_desc *x;
	uint16_t id;

	id = d->avail->ring[d->avail_pos++ & (d->size - 1)];
	b->id = id;
	for (;;) {
		VT_ASSERT(id < d->size, "descriptor id %u posted (ring of %u)",
			  id, d->size);
		VT_ASSERT(b->count < VMQ_INDIRECT_MAX,
			  "chain at %u: more than %u descriptors (loop?)",
			  b->id, VMQ_INDIRECT_MAX);
		x = &d->desc[id];
		b->slot[b->count++] = id;
		if (x->flags & VMQ_DESC_F_INDIRECT) {
			VT_ASSERT(b->count == 1 && !(x->flags & VMQ_DESC_F_NEXT),
				  "indirect descriptor %u not alone in its chain", id);
			VT_CHECK(dev_table(d, b, x->addr, x->len));
		} else {
			VT_CHECK(dev_seg(d, b, x->addr, x->len, x->flags));
		}
		if (!(x->flags & VMQ_DESC_F_NEXT))
			return VT_PASS;
		id = x->next;
	}
}

/* Packed: the chain that starts at the device's avail position. */
static int
take_packed(struct vt_dev *d, struct vt_dbuf *b)
{
	const struct vmq_pdesc *p;
	uint16_t f;

	b->id = d->pdesc[d->avail_pos].id;
	VT_ASSERT(b->id < d->size, "buffer id %u posted (ring of %u)", b->id,
		  d->size);
	for (;;) {
		p = &d->pdesc[d->avail_pos];
		f = p->flags;
		VT_ASSERT(!!(f & VMQ_DESC_F_AVAIL) == d->avail_wrap &&
			  !!(f & VMQ_DESC_F_USED) != d->avail_wrap,
			  "chain descriptor %u not available (flags 0x%x)",
			  d->avail_pos, f);
		VT_ASSERT_EQ(b->id, p->id, "buffer id on every descriptor of a chain");
		VT_ASSERT(b->count < VMQ_INDIRECT_MAX, "chain of id %u: more than %u descriptors",
			  b->id, VMQ_INDIRECT_MAX);
		b->slot[b->count++] = d->avail_pos;
		if (f & VMQ_DESC_F_INDIRECT) {
			VT_ASSERT(b->count == 1 && !(f & VMQ_DESC_F_NEXT),
				  "indirect descriptor of id %u not alone", b->id);
			VT_CHECK(dev_table(d, b, p->addr, p->len));
		} else {
			VT_CHECK(dev_seg(d, b, p->addr, p->len, f & ~F_AU));
		}
		adv(&d->avail_pos, &d->avail_wrap, 1, d->size);
		if (!(f & VMQ_DESC_F_NEXT))
			return VT_PASS;
	}
}

int
vt_dev_take(struct vt_dev *d, struct vt_dbuf *b)
{
	memset(b, 0, sizeof(*b));
	VT_ASSERT(vt_dev_avail(d), "no buffer available at %u", d->avail_pos);
	VT_CHECK(d->packed ? take_packed(d, b) : take_split(d, b));
	d->taken_descs += b->count;
	return VT_PASS;
}

int
vt_dev_hold(struct vt_dev *d, struct vt_dbuf **out)
{
	VT_ASSERT(d->nheld < VT_DEV_MAX, "the device holds %u buffers already",
		  d->nheld);
	VT_CHECK(vt_dev_take(d, &d->held[d->nheld]));
	if (out != NULL)
		*out = &d->held[d->nheld];
	d->nheld++;
	return VT_PASS;
}

int
vt_dev_take_all(struct vt_dev *d)
{
	unsigned int n = 0;

	while (vt_dev_avail(d)) {
		VT_ASSERT(n++ < d->size,
			  "more buffers available than the ring holds");
		VT_CHECK(vt_dev_hold(d, NULL));
	}
	return VT_PASS;
}

struct vt_dbuf
vt_dev_unhold(struct vt_dev *d, unsigned int i)
{
	struct vt_dbuf b = d->held[i];

	memmove(&d->held[i], &d->held[i + 1],
		(d->nheld - i - 1) * sizeof(d->held[0]));
	d->nheld--;
	return b;
}

uint16_t
vt_dev_free_id(const struct vt_dev *d)
{
	unsigned int j;
	uint16_t id;

	for (id = 0; id < d->size; id++) {
		for (j = 0; j < d->nheld && d->held[j].id != id; j++)
			;
		if (j == d->nheld)
			break;
	}
	return id;
}

void
vt_dev_put(struct vt_dev *d, uint32_t id, uint32_t len, uint16_t count)
{
	struct vmq_used_elem *e;
	struct vmq_pdesc *u;
	uint16_t f;

	d->used_written++;
	if (!d->packed) {
		e = &d->used->ring[d->used_pos++ & (d->size - 1)];
		e->id = id;
		e->len = len;
		return;
	}
	u = &d->pdesc[d->used_pos];
	f = d->used_wrap ? F_AU : 0;
	u->id = (uint16_t)id;
	u->len = len;
	if (!d->tx)
		f |= VMQ_DESC_F_WRITE;
	__atomic_store_n(&u->flags, f, __ATOMIC_RELEASE);
	adv(&d->used_pos, &d->used_wrap, count, d->size);
}

void
vt_dev_publish(struct vt_dev *d)
{
	if (!d->packed)
		__atomic_store_n(&d->used->idx, d->used_pos, __ATOMIC_RELEASE);
}

void
vt_dev_tx_complete(struct vt_dev *d, unsigned int n, bool in_order)
{
	const struct vt_dbuf *b;
	uint16_t c = 0;
	unsigned int i;

	if (in_order && n >= 3) {
		for (i = 0; i + 1 < n; i++)
			c += d->held[i].count;
		vt_dev_put(d, d->held[n - 2].id, 0, c);
		vt_dev_put(d, d->held[n - 1].id, 0, d->held[n - 1].count);
	} else {
		for (i = 0; i < n; i++) {
			b = &d->held[in_order ? i : n - 1 - i];
			vt_dev_put(d, b->id, 0, b->count);
		}
	}
	vt_dev_publish(d);
	memmove(&d->held[0], &d->held[n], (d->nheld - n) * sizeof(d->held[0]));
	d->nheld -= n;
}

int
vt_dev_tx_read(const struct vt_dbuf *b, struct rte_mbuf **out)
{
	static uint8_t buf[VMQ_MAX_FRAME + VT_DEV_HDR + 64];
	uint32_t total = 0, i;
	const void *src;
	struct rte_mbuf *m;
	char *p;

	for (i = 0; i < b->nseg; i++) {
		VT_ASSERT(total + b->seg[i].len <= sizeof(buf),
			  "Tx buffer %u longer than %zu bytes", b->id, sizeof(buf));
		src = vt_dev_ptr(b->seg[i].addr, b->seg[i].len);
		VT_ASSERT(src != NULL, "Tx buffer %u: 0x%" PRIx64 " + %u out of the device's reach",
			  b->id, b->seg[i].addr, b->seg[i].len);
		memcpy(buf + total, src, b->seg[i].len);
		total += b->seg[i].len;
	}
	VT_ASSERT(total > VT_DEV_HDR, "Tx buffer %u of %u bytes", b->id, total);
	for (i = 0; i < VT_DEV_HDR; i++)
		VT_ASSERT_EQ(0, buf[i], "virtio-net header byte (no offloads)");
	m = rte_pktmbuf_alloc(dev_pool);
	VT_ASSERT(m != NULL, "device pool");
	p = rte_pktmbuf_append(m, total - VT_DEV_HDR);
	if (p == NULL)
		rte_pktmbuf_free(m);
	VT_ASSERT(p != NULL, "device mbuf room for %u", total - VT_DEV_HDR);
	memcpy(p, buf + VT_DEV_HDR, total - VT_DEV_HDR);
	*out = m;
	return VT_PASS;
}

int
vt_dev_tx_verify(const struct vt_dbuf *b, const struct vt_stream *s,
		 uint64_t seq)
{
	struct rte_mbuf *m;
	int rc;

	VT_CHECK(vt_dev_tx_read(b, &m));
	rc = vt_pkt_verify(s, m, seq);
	rte_pktmbuf_free(m);
	return rc;
}

int
vt_dev_write(const struct vt_dbuf *b, uint32_t off, const void *src,
	     uint32_t len)
{
	uint8_t *dst;

	VT_ASSERT(b->nseg == 1 && off + len <= b->seg[0].len,
		  "Rx buffer %u: %u segments, %u bytes for %u at %u", b->id,
		  b->nseg, b->seg[0].len, len, off);
	dst = vt_dev_ptr(b->seg[0].addr, b->seg[0].len);
	VT_ASSERT(dst != NULL, "Rx buffer %u: 0x%" PRIx64 " + %u out of the device's reach",
		  b->id, b->seg[0].addr, b->seg[0].len);
	memcpy(dst + off, src, len);
	return VT_PASS;
}

int
vt_dev_frame_build(const struct vt_stream *s, uint64_t seq, uint16_t nb,
		   uint8_t *buf, uint32_t *len)
{
	struct vmq_net_hdr h = { .num_buffers = nb };

	RTE_BUILD_BUG_ON(sizeof(h) != VT_DEV_HDR);
	VT_ASSERT(scratch != NULL, "vt_dev_setup() not called");
	rte_pktmbuf_reset(scratch);
	VT_CHECK(vt_pkt_fill(s, scratch, seq));
	memcpy(buf, &h, VT_DEV_HDR);
	memcpy(buf + VT_DEV_HDR, rte_pktmbuf_mtod(scratch, void *),
	       scratch->pkt_len);
	*len = VT_DEV_HDR + scratch->pkt_len;
	return VT_PASS;
}

int
vt_dev_rx_write(const struct vt_dbuf *b, const struct vt_stream *s,
		uint64_t seq, uint32_t *len)
{
	static uint8_t buf[VMQ_MAX_FRAME + VT_DEV_HDR];

	VT_CHECK(vt_dev_frame_build(s, seq, 1, buf, len));
	return vt_dev_write(b, 0, buf, *len);
}

int
vt_dev_rx_put(struct vt_dev *d, const struct vt_dbuf *b,
	      const struct vt_stream *s, uint64_t seq)
{
	uint32_t len;

	VT_CHECK(vt_dev_rx_write(b, s, seq, &len));
	vt_dev_put(d, b->id, len, 1);
	return VT_PASS;
}

int
vt_drv_pkt_split(struct rte_mbuf *m, unsigned int nseg)
{
	struct rte_mbuf *t, *last;
	uint16_t cut;

	while (m->nb_segs < nseg) {
		last = rte_pktmbuf_lastseg(m);
		cut = last->data_len / 2;
		VT_ASSERT(cut > 0, "segment of %u bytes: too short to split", cut);
		t = rte_pktmbuf_alloc(m->pool);
		VT_ASSERT(t != NULL, "alloc");
		memcpy(rte_pktmbuf_append(t, cut),
		       rte_pktmbuf_mtod_offset(last, char *, last->data_len - cut),
		       cut);
		last->data_len -= cut;
		m->pkt_len -= cut;
		VT_ASSERT_OK(rte_pktmbuf_chain(m, t), "chain");
	}
	return VT_PASS;
}

uint16_t
vt_drv_rx(struct vmq *q, struct rte_mbuf **pkts, uint16_t n)
{
	return vmq_rx_burst_fn(q->kind, vt_simd)(q, pkts, n);
}

uint16_t
vt_drv_tx(struct vmq *q, struct rte_mbuf **pkts, uint16_t n)
{
	return vmq_tx_burst_fn(q->kind, vt_simd)(q, pkts, n);
}

uint32_t
vt_rnd(uint32_t lo, uint32_t hi)
{
	rnd_state ^= rnd_state << 13;
	rnd_state ^= rnd_state >> 17;
	rnd_state ^= rnd_state << 5;
	return lo + rnd_state % (hi - lo + 1);
}
