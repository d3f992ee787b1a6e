/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The virtio_map authors
 */

/*
 * The burst skeletons, one per direction, written once for both ring
 * layouts and every map kind; both are compile-time constants, so each
 * instance in vmq_burst.c compiles to straight code for its pair.
 *
 *   Rx: collect (layout) -> unmap (vmq_map.h) -> build packets -> refill
 *   refill: allocate -> map (vmq_map.h) -> post (layout) -> publish
 *   Tx: reclaim -> stage -> map (vmq_map.h) -> post (layout) -> publish
 *   reclaim: collect (layout) -> unmap (vmq_map.h) -> free
 *
 * Policy for what the device returns (the same on both layouts): an id
 * not in flight, a used index running ahead, an Rx length beyond the
 * buffer, a mergeable packet without a valid buffer count stop the queue
 * (vmq_broken(): logged once, stats.errors, bursts return 0 until the
 * queue is drained and reset). A frame that is empty or longer than
 * max_frame is dropped and counted in stats.length_errors; the queue
 * goes on. Private to the vmq_* data-path files.
 */

#ifndef _VMQ_BURST_H_
#define _VMQ_BURST_H_

#include "vmq_filter.h"
#include "vmq_inline.h"
#include "vmq_packed.h"
#include "vmq_split.h"

/* ---- Rx ---- */

/*
 * n Rx buffers straight from the pool, all or none: what
 * rte_pktmbuf_reset() sets that a received packet shows, on the mbuf's
 * first cache line only. A raw mbuf from its pool already has reference
 * count 1, one segment and no next; the second line (next, tx_offload)
 * is left alone, as DPDK's vector PMDs leave it, so refilling does not
 * dirty it. data_len, pkt_len and port are set when the buffer returns.
 */
static __vmq_always_inline int
vmq_rx_alloc(struct vmq *q, struct rte_mbuf **m, uint16_t n)
{
	uint16_t i;

	if (rte_mempool_get_bulk(q->mp, (void **)m, n) != 0)
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		m[i]->data_off = RTE_MIN((uint16_t)RTE_PKTMBUF_HEADROOM,
					 m[i]->buf_len);
		/* a pinned external buffer stays one */
		m[i]->ol_flags &= RTE_MBUF_F_EXTERNAL;
		m[i]->packet_type = 0;
		m[i]->vlan_tci = 0;
		m[i]->vlan_tci_outer = 0;
	}
	return 0;
}

static __vmq_always_inline uint16_t
vmq_refill_k(struct vmq *q, enum vmq_layout lay, enum rte_vmap_kind kind)
{
	struct rte_mbuf *mbufs[VMQ_STEP];
	struct rte_vmap_seg segs[VMQ_STEP];
	uint16_t total = 0, n, i;
	struct vmq_post p;

	if (lay == VMQ_SPLIT)
		vmq_split_post_begin(q, &p);
	else
		vmq_packed_post_begin(q, &p);
	while (q->nb_free > 0) {
		n = RTE_MIN(q->nb_free, VMQ_STEP);
		/* all or nothing per call: a pool short of n (a thread with
		 * no mempool cache sees only its common ring) may still
		 * give fewer */
		while (unlikely(vmq_rx_alloc(q, mbufs, n) != 0)) {
			q->stats.nombuf += n;
			n /= 2;
			if (n == 0)
				break;
		}
		if (unlikely(n == 0))
			break;
		i = vmq_map_rx(q, mbufs, segs, n, kind);
		if (unlikely(i < n)) {
			rte_pktmbuf_free_bulk(&mbufs[i], n - i);
			n = i;
		}
		for (i = 0; i < n; i++) {
			/* SIMD builds: whole cache lines of descriptors */
			if (lay == VMQ_SPLIT && vmq_split_group_at(q, &p, n - i)) {
				vmq_split_post_rx4(q, &p, &mbufs[i], &segs[i],
						   kind);
				i += VMQ_VEC_GROUP - 1;
			} else if (lay == VMQ_PACKED &&
				   vmq_packed_group_at(q, p.idx, n - i)) {
				vmq_packed_post_rx4(q, &p, &mbufs[i], &segs[i],
						    kind);
				i += VMQ_VEC_GROUP - 1;
			} else if (lay == VMQ_SPLIT) {
				vmq_split_post_rx(q, &p, mbufs[i], &segs[i],
						  kind);
			} else {
				vmq_packed_post_rx(q, &p, mbufs[i], &segs[i],
						   kind);
			}
		}
		total += n;
		if (n < VMQ_STEP)
			break;
	}
	if (lay == VMQ_SPLIT)
		vmq_split_publish(q, &p);
	else
		vmq_packed_publish(q, &p);
	return total;
}

/*
 * Mergeable Rx (5.1.6.4): add one buffer (len bytes written) to the packet
 * being assembled. Returns the packet when its last buffer came, else
 * NULL; buffers not kept go to bad[].
 */
static __vmq_always_inline struct rte_mbuf *
vmq_rx_mrg(struct vmq *q, struct rte_mbuf *m, uint32_t len,
	   struct rte_mbuf **bad, uint16_t *nb_bad)
{
	const uint16_t hdr = q->hdr_size;
	const struct vmq_net_hdr *h;
	struct rte_mbuf *head;
	uint16_t nb;

	if (q->mrg_left == 0) {
		/* the first buffer: the header says how many follow */
		if (unlikely(len < hdr)) {
			/* no header, no buffer count: an empty frame */
			q->stats.length_errors++;
			bad[(*nb_bad)++] = m;
			return NULL;
		}
		h = RTE_PTR_ADD(m->buf_addr, m->data_off - hdr);
		nb = vmq_net_hdr_rx_buffers(h);
		if (q->rx_csum)
			vmq_net_hdr_rx(h, m, q->rx_lro);
		if (unlikely(nb == 0 || nb > q->size)) {
			bad[(*nb_bad)++] = m;
			vmq_broken(q, "num_buffers", nb);
			return NULL;
		}
		m->data_len = len - hdr;
		m->pkt_len = len - hdr;
		m->port = q->port_id;
		q->mrg_head = m;
		q->mrg_tail = m;
		q->mrg_left = nb;
	} else if (unlikely(q->mrg_drop)) {
		bad[(*nb_bad)++] = m;
	} else {
		/* continuation: no header, data from the buffer's start */
		m->data_off -= hdr;
		m->data_len = len;
		q->mrg_tail->next = m;
		q->mrg_tail = m;
		q->mrg_head->nb_segs++;
		q->mrg_head->pkt_len += len;
	}
	if (unlikely(!q->mrg_drop && q->mrg_head->pkt_len > q->max_frame)) {
		/* too long: drop it now, and its buffers still to come */
		rte_pktmbuf_free(q->mrg_head);
		q->mrg_head = NULL;
		q->mrg_drop = true;
	}
	if (--q->mrg_left > 0)
		return NULL;
	head = q->mrg_head;
	q->mrg_head = NULL;
	if (unlikely(q->mrg_drop || head->pkt_len == 0)) {
		q->mrg_drop = false;
		q->stats.length_errors++;
		if (head != NULL)
			bad[(*nb_bad)++] = head;
		return NULL;
	}
	return head;
}

/*
 * Turn one buffer the device filled into a packet, or part of one.
 * Returns the packet when complete; buffers not kept go to bad[].
 */
static __vmq_always_inline struct rte_mbuf *
vmq_rx_frame(struct vmq *q, struct rte_mbuf *m, uint32_t len, bool mrg,
	     struct rte_mbuf **bad, uint16_t *nb_bad)
{
	const uint16_t hdr = q->hdr_size;

	if (mrg)
		return vmq_rx_mrg(q, m, len, bad, nb_bad);
	if (unlikely(len <= hdr || len - hdr > q->max_frame)) {
		q->stats.length_errors++;
		bad[(*nb_bad)++] = m;
		return NULL;
	}
	m->data_len = len - hdr;
	m->pkt_len = len - hdr;
	m->port = q->port_id;
	if (q->rx_csum)
		vmq_net_hdr_rx(RTE_PTR_ADD(m->buf_addr, m->data_off - hdr), m,
			       q->rx_lro);
	return m;
}

/* Rx VLAN strip (RTE_ETH_RX_OFFLOAD_VLAN_STRIP): tag into vlan_tci. */
static __vmq_always_inline void
vmq_rx_vlan_strip(struct rte_mbuf **pkts, uint16_t n)
{
	uint16_t i;

	for (i = 0; i < n; i++)
		if (pkts[i]->data_len >= RTE_ETHER_HDR_LEN + RTE_VLAN_HLEN)
			rte_vlan_strip(pkts[i]);
}

static __vmq_always_inline uint16_t
vmq_rx_k(struct vmq *q, struct rte_mbuf **pkts, uint16_t nb_pkts,
	 enum vmq_layout lay, enum rte_vmap_kind kind)
{
	struct rte_mbuf *bad[VMQ_STEP], *m;
	struct vmq_used_buf b[VMQ_STEP];
	const bool mrg = q->opts & VMQ_OPT_MRG_RXBUF;
	uint16_t n, i, nb_rx = 0, nb_bad = 0;
	const struct vmq_filter *f;
	uint64_t bytes = 0;
	bool was_broken;

	if (unlikely(q->broken))
		return 0;
	n = RTE_MIN(nb_pkts, VMQ_STEP);
	/*
	 * Packed: when more than a group is asked for, end the burst on a
	 * ring slot that is a multiple of VMQ_PACKED_BATCH (the rest waits
	 * for the next call). What an application forwards (testpmd io,
	 * the loopback) then comes in whole groups, and the device's ring
	 * index stays where its batch paths start: bursts of 30 cost the
	 * device 6 % fewer instructions per packet, of 7 about 20 %.
	 */
	if (lay == VMQ_PACKED && n > VMQ_PACKED_BATCH)
		n -= (q->used_cons + n) & (VMQ_PACKED_BATCH - 1);
	if (lay == VMQ_SPLIT)
		n = vmq_split_rx_collect(q, b, n);
	else
		n = vmq_packed_rx_collect(q, b, n);
	/* the ops kinds make the device's bytes visible: one call */
	vmq_unmap_rx(q, b, n, kind);

	was_broken = q->broken;
	for (i = 0; i < n; i++) {
		/* a bad buffer count spoils what follows it */
		if (mrg && unlikely(q->broken != was_broken)) {
			bad[nb_bad++] = b[i].m;
			continue;
		}
		m = vmq_rx_frame(q, b[i].m, b[i].len, mrg, bad, &nb_bad);
		if (m != NULL) {
			bytes += m->pkt_len;
			pkts[nb_rx++] = m;
		}
	}
	if (unlikely(nb_bad > 0))
		rte_pktmbuf_free_bulk(bad, nb_bad);
	/* the port's filter, while one is set, before anything is counted */
	f = __atomic_load_n(&q->filter, __ATOMIC_ACQUIRE);
	if (unlikely(f != NULL) && nb_rx != 0) {
		uint64_t dropped, dropped_bytes;

		nb_rx = vmq_filter_apply(f, pkts, nb_rx, &dropped,
					 &dropped_bytes);
		q->stats.filtered += dropped;
		bytes -= dropped_bytes;
	}
	/* software VLAN strip, after the filter has seen the tags */
	if (unlikely(__atomic_load_n(&q->rx_vlan_strip, __ATOMIC_RELAXED)))
		vmq_rx_vlan_strip(pkts, nb_rx);
	q->stats.packets += nb_rx;
	q->stats.bytes += bytes;
	if (q->nb_free >= VMQ_RX_REFILL_MIN && !q->broken)
		vmq_refill_k(q, lay, kind);
	return nb_rx;
}

/* ---- Tx ---- */

static __vmq_always_inline void
vmq_tx_reclaim_k(struct vmq *q, enum vmq_layout lay, enum rte_vmap_kind kind)
{
	struct vmq_reclaim r;

	r.n = 0;
	if (lay == VMQ_SPLIT)
		vmq_split_reclaim(q, &r, kind);
	else
		vmq_packed_reclaim(q, &r, kind);
	vmq_reclaim_flush(q, &r, kind);
}

/*
 * What vmq_tx_check() says, inline for what every packet passes: one
 * segment or a few, within the frame limit, no TSO; the rest is checked
 * out of line.
 */
static __vmq_always_inline int
vmq_tx_ok(const struct vmq *q, const struct rte_mbuf *m)
{
	if (unlikely(m->pkt_len == 0 || m->pkt_len > q->max_frame ||
		     m->nb_segs > VMQ_TX_MAX_SEGS ||
		     (q->tx_tso && (m->ol_flags & RTE_MBUF_F_TX_TCP_SEG))))
		return vmq_tx_check(q, m);
	if (unlikely(m->nb_segs + 1u > q->size))
		return -ENOTSUP;
	return 0;
}

/*
 * Stage packets from pkts[*nb_tx] on into c: validate (what the queue
 * cannot send is dropped, freed and counted, never truncated), fill the
 * header of those that carry it in their headroom, and count descriptors,
 * reclaiming once when they run short. Returns false when the ring is
 * full or broken: post c, then stop.
 */
static __vmq_always_inline bool
vmq_tx_stage(struct vmq *q, struct rte_mbuf **pkts, uint16_t nb_pkts,
	     uint16_t *nb_tx, struct vmq_tx_chunk *c, enum vmq_layout lay,
	     enum rte_vmap_kind kind)
{
	const bool indirect = q->opts & VMQ_OPT_INDIRECT;
	const uint16_t hdr = q->hdr_size;
	uint16_t need = 0, descs, segs;
	struct rte_mbuf *m;
	bool push;

	c->np = 0;
	c->ns = 0;
	while (*nb_tx + c->np < nb_pkts && c->np < VMQ_STEP &&
	       c->ns < VMQ_STEP) {
		m = pkts[*nb_tx + c->np];
		/* software VLAN insert: the frame grows by the tag first */
		if (unlikely(q->tx_vlan) &&
		    (m->ol_flags & RTE_MBUF_F_TX_VLAN) &&
		    unlikely(rte_vlan_insert(&m) != 0)) {
			if (c->np > 0)
				break;	/* send what is staged first */
			VM_DP_LOG(DEBUG, "port %u: dropping Tx packet: no VLAN tag insert into a shared or short mbuf",
				  q->port_id);
			q->stats.dropped++;
			rte_pktmbuf_free(m);
			(*nb_tx)++;
			continue;
		}
		if (unlikely(vmq_tx_ok(q, m) != 0)) {
			if (c->np > 0)
				break;	/* send what is staged first */
			VM_DP_LOG(DEBUG, "port %u: dropping Tx packet: %u bytes, %u segments",
				  q->port_id, m->pkt_len, m->nb_segs);
			q->stats.dropped++;
			rte_pktmbuf_free(m);
			(*nb_tx)++;
			continue;
		}
		if (unlikely(q->tx_csum))
			vmq_tx_csum_sw(m);
		push = vmq_can_push(m, hdr);
		segs = push ? 1 : m->nb_segs;
		descs = push || indirect ? 1 : segs + 1;
		if (need + descs > q->nb_free) {
			vmq_tx_reclaim_k(q, lay, kind);
			if (q->broken || need + descs > q->nb_free)
				return false;
		}
		if (push)
			vmq_net_hdr_tx(rte_pktmbuf_mtod_offset(m, void *,
							       -(int)hdr), m,
				       q->tx_csum);
		need += descs;
		c->pkts[c->np] = m;
		c->pkt_push[c->np] = push;
		c->pkt_segs[c->np] = segs;
		c->ns += segs;
		c->np++;
	}
	return true;
}

/* Are the four packets of c from i on each one pushed descriptor? */
static __vmq_always_inline bool
vmq_tx_group_pushed(const struct vmq_tx_chunk *c, uint16_t i)
{
	return c->pkt_push[i] && c->pkt_push[i + 1] && c->pkt_push[i + 2] &&
	       c->pkt_push[i + 3];
}

/* Bytes of the four packets of c from i on. */
static __vmq_always_inline uint64_t
vmq_tx_group_bytes(const struct vmq_tx_chunk *c, uint16_t i)
{
	return (uint64_t)c->pkts[i]->pkt_len + c->pkts[i + 1]->pkt_len +
	       c->pkts[i + 2]->pkt_len + c->pkts[i + 3]->pkt_len;
}

/*
 * The Tx fast path of the SIMD builds, va and pa, on a queue without
 * software Tx offloads: a plain packet is one segment in a buffer of its
 * own (direct, reference count 1), with room for the header before its
 * data at an even offset and a length the queue sends. Four of them in a
 * row go as one group of descriptors straight from the mbufs, without
 * staging: what vmq_tx_stage(), vmq_map_tx() and the posts would do for
 * them, in one pass. Anything else takes the general path. These are the
 * tests of vmq_can_push() (ol_bad holds EXTERNAL and INDIRECT), branch
 * free for the check of four: calling it instead, short-circuit, costs 3-4
 * instructions per packet more (callgrind, 64 B, split and packed va).
 */
static __vmq_always_inline bool
vmq_tx_plain(const struct vmq *q, const struct rte_mbuf *m, uint64_t ol_bad)
{
	return (m->nb_segs == 1) & (rte_mbuf_refcnt_read(m) == 1) &
	       !(m->ol_flags & ol_bad) & (m->data_off >= q->hdr_size) &
	       !((m->data_off - q->hdr_size) & 1) &
	       (m->pkt_len - 1u < q->max_frame);
}

/* Is the fast path open to q's packets at all; which flags close it. */
static __vmq_always_inline bool
vmq_tx_plain_queue(const struct vmq *q, enum rte_vmap_kind kind,
		   uint64_t *ol_bad)
{
	*ol_bad = RTE_MBUF_F_INDIRECT | RTE_MBUF_F_EXTERNAL |
		  (q->tx_vlan ? RTE_MBUF_F_TX_VLAN : 0);
	return VMQ_VEC && kind != RTE_VMAP_KIND_OPS && !q->tx_csum &&
	       !q->tx_tso;
}

/*
 * Post plain packets from pkts[*nb_tx] on, four at a time, while they
 * are plain, a group fits where the ring is, and descriptors are free
 * (reclaiming once when they are not). Returns their bytes.
 */
static __vmq_always_inline uint64_t
vmq_tx_plain_groups(struct vmq *q, struct vmq_post *p, struct rte_mbuf **pkts,
		    uint16_t nb_pkts, uint16_t *nb_tx, uint64_t ol_bad,
		    enum vmq_layout lay, enum rte_vmap_kind kind)
{
	const uint16_t hdr = q->hdr_size;
	uint64_t addr[VMQ_VEC_GROUP], bytes = 0;
	uint32_t len[VMQ_VEC_GROUP], off;
	struct rte_mbuf **m;
	uint16_t i;

	while (nb_pkts - *nb_tx >= VMQ_VEC_GROUP) {
		if (lay == VMQ_SPLIT ?
		    !vmq_split_group_at(q, p, nb_pkts - *nb_tx) :
		    !vmq_packed_group_at(q, p->idx, nb_pkts - *nb_tx))
			break;
		m = &pkts[*nb_tx];
		if (!(vmq_tx_plain(q, m[0], ol_bad) &
		      vmq_tx_plain(q, m[1], ol_bad) &
		      vmq_tx_plain(q, m[2], ol_bad) &
		      vmq_tx_plain(q, m[3], ol_bad)))
			break;
		if (unlikely(q->nb_free < VMQ_VEC_GROUP)) {
			vmq_tx_reclaim_k(q, lay, kind);
			if (q->broken || q->nb_free < VMQ_VEC_GROUP)
				break;
		}
		for (i = 0; i < VMQ_VEC_GROUP; i++) {
			off = m[i]->data_off - hdr;
			vmq_net_hdr_tx(RTE_PTR_ADD(m[i]->buf_addr, off), m[i],
				       false);
			addr[i] = vmq_map_inline(m[i], off, kind);
			len[i] = m[i]->data_len + hdr;
			bytes += m[i]->pkt_len;
		}
		if (lay == VMQ_SPLIT)
			vmq_split_post_tx4(q, p, addr, len, m);
		else
			vmq_packed_store_group(q, p, addr, len, m, p->flags);
		*nb_tx += VMQ_VEC_GROUP;
	}
	return bytes;
}

static __vmq_always_inline uint16_t
vmq_tx_k(struct vmq *q, struct rte_mbuf **pkts, uint16_t nb_pkts,
	 enum vmq_layout lay, enum rte_vmap_kind kind)
{
	uint16_t nb_tx = 0, nb_sent = 0, i, s, staged, plain;
	uint64_t ol_bad;
	const bool fast = vmq_tx_plain_queue(q, kind, &ol_bad);
	struct vmq_tx_chunk c;
	struct vmq_post p;
	uint64_t bytes = 0;
	bool stop = false;

	if (unlikely(q->broken))
		return 0;
	/* kinds with slot pools get their slots back as soon as possible */
	if (kind == RTE_VMAP_KIND_OPS || q->size - q->nb_free >= VMQ_TX_RECLAIM_MIN)
		vmq_tx_reclaim_k(q, lay, kind);
	if (unlikely(q->broken))
		return 0;

	if (lay == VMQ_SPLIT)
		vmq_split_post_begin(q, &p);
	else
		vmq_packed_post_begin(q, &p);
	while (nb_tx < nb_pkts && !stop) {
		if (fast) {
			plain = nb_tx;
			bytes += vmq_tx_plain_groups(q, &p, pkts, nb_pkts,
						     &nb_tx, ol_bad, lay, kind);
			nb_sent += nb_tx - plain;
			if (nb_tx == nb_pkts || unlikely(q->broken))
				break;
		}
		stop = !vmq_tx_stage(q, pkts, nb_pkts, &nb_tx, &c, lay, kind);
		/* nothing staged, or the device broke the ring meanwhile */
		if (c.np == 0 || unlikely(q->broken))
			break;
		staged = c.np;
		if (vmq_map_tx(q, &c, kind) < staged) {
			stop = true;
			if (c.np == 0)
				break;
		}
		for (i = 0, s = 0; i < c.np; s += c.pkt_segs[i], i++) {
			/* SIMD builds: four one-descriptor packets, one store */
			if (lay == VMQ_PACKED &&
			    vmq_packed_group_at(q, p.idx, c.np - i) &&
			    vmq_tx_group_pushed(&c, i)) {
				vmq_packed_post_tx4(q, &p, &c.pkts[i],
						    &c.segs[s], kind);
				bytes += vmq_tx_group_bytes(&c, i);
				i += VMQ_VEC_GROUP - 1;
				s += VMQ_VEC_GROUP - 1;
				continue;
			}
			if (lay == VMQ_SPLIT)
				vmq_split_post_tx(q, &p, c.pkts[i], &c.segs[s],
						  c.pkt_segs[i], c.pkt_push[i],
						  kind);
			else
				vmq_packed_post_tx(q, &p, c.pkts[i],
						   &c.segs[s], c.pkt_segs[i],
						   c.pkt_push[i], kind);
			bytes += c.pkts[i]->pkt_len;
		}
		nb_tx += c.np;
		nb_sent += c.np;
	}
	if (lay == VMQ_SPLIT)
		vmq_split_publish(q, &p);
	else
		vmq_packed_publish(q, &p);
	if (unlikely(nb_tx < nb_pkts))
		q->stats.full++;
	q->stats.packets += nb_sent;
	q->stats.bytes += bytes;
	return nb_tx;
}

#endif /* _VMQ_BURST_H_ */
