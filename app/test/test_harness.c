/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The virtio_map authors
 */

/*
 * Unit test "harness": the packet checker every traffic test relies on
 * must catch what it claims to. A frame it wrote passes; one flipped byte
 * anywhere, a short or long frame, another sequence number or stream, and
 * a frame split over two segments with a wrong byte in the second all
 * fail. Frames built as chains of 2 KB segments (the harness's
 * multi-segment Tx mode) are laid out as promised and checked the same
 * way. No port is involved.
 */

#include <string.h>

#include <rte_mbuf.h>

#include "vt.h"

static int
expect_verdict(const struct vt_stream *s, struct rte_mbuf *m, uint64_t seq,
	       int want, const char *what)
{
	int got;

	printf("     expecting %s: %s\n", want == VT_PASS ? "pass" : "a failure",
	       what);
	vt_fail_expected(want != VT_PASS);
	got = vt_pkt_verify(s, m, seq);
	vt_fail_expected(false);
	VT_ASSERT_EQ(want, got, what);
	return VT_PASS;
}

static int
run(int argc, char **argv)
{
	struct rte_mempool *mp;
	struct rte_mbuf *m, *tail;
	struct vt_stream s, other;
	uint32_t len, i;
	uint8_t *d;
	int got;

	RTE_SET_USED(argv);
	VT_ASSERT_EQ(0, argc, "arguments");
	VT_CHECK(vt_eal_init(&(struct vt_eal_opts){ .mem_mb = 64 }));
	mp = vt_pool_create("vt_harness", 64, 9000);
	VT_ASSERT(mp != NULL, "pool");

	/* ports 0 and 1 do not exist: the MACs stay zero */
	vt_stream_init(&s, "self", 7, 0, 1, mp, 100, 60, 9000, 16);
	vt_stream_init(&other, "other", 8, 0, 1, mp, 100, 60, 9000, 16);
	VT_ASSERT_EQ(60, vt_stream_len(&s, 0), "first length");
	VT_ASSERT_EQ(9000, vt_stream_len(&s, 8940), "last length");
	VT_ASSERT_EQ(60, vt_stream_len(&s, 8941), "lengths cycle");

	vt_phase("checker on good and bad frames");
	m = rte_pktmbuf_alloc(mp);
	VT_ASSERT(m != NULL, "alloc");
	VT_CHECK(vt_pkt_fill(&s, m, 1000));
	len = vt_stream_len(&s, 1000);
	VT_ASSERT_EQ(len, m->pkt_len, "filled length");
	VT_CHECK(expect_verdict(&s, m, 1000, VT_PASS, "the frame as written"));
	VT_CHECK(expect_verdict(&s, m, 1001, VT_FAIL, "the next sequence number"));
	VT_CHECK(expect_verdict(&other, m, 1000, VT_FAIL, "another stream"));

	d = rte_pktmbuf_mtod(m, uint8_t *);
	for (i = 0; i < len; i += (i < 64 ? 1 : 97)) {
		d[i] ^= 0x01;
		vt_fail_expected(true);
		got = vt_pkt_verify(&s, m, 1000);
		vt_fail_expected(false);
		if (got != VT_FAIL) {
			vt_fail(__FILE__, __LINE__, "flipped byte %u: expected a failure, actual pass",
				i);
			return VT_FAIL;
		}
		d[i] ^= 0x01;
	}
	d[len - 1] ^= 0x80;
	VT_CHECK(expect_verdict(&s, m, 1000, VT_FAIL, "last byte flipped"));
	d[len - 1] ^= 0x80;
	VT_CHECK(expect_verdict(&s, m, 1000, VT_PASS, "restored"));

	rte_pktmbuf_trim(m, 1);
	VT_CHECK(expect_verdict(&s, m, 1000, VT_FAIL, "one byte short"));
	VT_ASSERT(rte_pktmbuf_append(m, 2) != NULL, "append");
	VT_CHECK(expect_verdict(&s, m, 1000, VT_FAIL, "one byte long"));
	rte_pktmbuf_free(m);

	/* a stale buffer: the previous packet's bytes with this one's header */
	m = rte_pktmbuf_alloc(mp);
	tail = rte_pktmbuf_alloc(mp);
	VT_ASSERT(m != NULL && tail != NULL, "alloc");
	VT_CHECK(vt_pkt_fill(&s, m, 9000));
	VT_CHECK(vt_pkt_fill(&s, tail, 9000 + 8941));	/* same length */
	VT_ASSERT_EQ(m->pkt_len, tail->pkt_len, "same length");
	memcpy(rte_pktmbuf_mtod(tail, uint8_t *), rte_pktmbuf_mtod(m, uint8_t *),
	       28);
	VT_CHECK(expect_verdict(&s, tail, 9000, VT_FAIL,
				"right header, payload of another packet"));
	rte_pktmbuf_free(tail);

	/* two segments: the checker reads across them */
	len = m->pkt_len;
	tail = rte_pktmbuf_alloc(mp);
	VT_ASSERT(tail != NULL, "alloc");
	d = (uint8_t *)rte_pktmbuf_append(tail, 100);
	VT_ASSERT(d != NULL, "append");
	memcpy(d, rte_pktmbuf_mtod_offset(m, uint8_t *, len - 100), 100);
	rte_pktmbuf_trim(m, 100);
	VT_ASSERT_OK(rte_pktmbuf_chain(m, tail), "chain");
	VT_CHECK(expect_verdict(&s, m, 9000, VT_PASS, "split over two segments"));
	d[50] ^= 0xff;
	VT_CHECK(expect_verdict(&s, m, 9000, VT_FAIL,
				"bad byte in the second segment"));
	rte_pktmbuf_free(m);

	/* chained fill: 2 KB segments, the first one seq % 64 shorter */
	vt_phase("chained fill");
	s.seg_size = 2048;
	for (i = 0; i < 3; i++) {
		uint64_t seq = 8940 + 8941 * i;	/* 9000 bytes each */
		uint32_t first = 2048 - (uint32_t)(seq % 64);

		m = rte_pktmbuf_alloc(mp);
		VT_ASSERT(m != NULL, "alloc");
		VT_CHECK(vt_pkt_fill(&s, m, seq));
		len = vt_stream_len(&s, seq);
		VT_ASSERT_EQ(len, m->pkt_len, "chained frame length");
		VT_ASSERT_EQ(first, m->data_len, "first segment length");
		VT_ASSERT_EQ(1 + (len - first + 2047) / 2048, m->nb_segs,
			     "segments of a chained frame");
		VT_CHECK(expect_verdict(&s, m, seq, VT_PASS, "chained frame"));
		tail = rte_pktmbuf_lastseg(m);
		rte_pktmbuf_mtod(tail, uint8_t *)[tail->data_len - 1] ^= 1;
		VT_CHECK(expect_verdict(&s, m, seq, VT_FAIL,
					"last byte of a chain flipped"));
		rte_pktmbuf_free(m);
	}
	m = rte_pktmbuf_alloc(mp);
	VT_ASSERT(m != NULL, "alloc");
	VT_CHECK(vt_pkt_fill(&s, m, 0));	/* 60 bytes: one segment */
	VT_ASSERT_EQ(1, m->nb_segs, "a short frame stays in one segment");
	VT_CHECK(expect_verdict(&s, m, 0, VT_PASS, "short chained-mode frame"));
	rte_pktmbuf_free(m);
	s.seg_size = 0;

	VT_ASSERT_IN_USE(mp, 0);
	rte_mempool_free(mp);
	return VT_PASS;
}

static const struct vt_test test = {
	.name = "harness",
	.usage = "(no arguments)",
	.timeout_s = 60,
	.run = run,
};

int
main(int argc, char **argv)
{
	return vt_main(&test, argc, argv);
}
