/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The virtio_map authors
 */

/*
 * An application that brings its own map kind to net_virtio_map, built
 * against the installed driver with pkg-config alone (see the Makefile).
 *
 * The kind, "counting", gives the device the buffers' virtual addresses
 * (as the built-in "va" does) and counts every buffer it maps and unmaps,
 * logging each burst at debug level (--log-level=counting_kind:debug).
 * It is registered before rte_eal_init(), so that --vdev ports can name
 * it: map=counting.
 *
 * The program then forwards: DPDK's net_vhost port plays the device and
 * sends --packets frames into the net_virtio_map port's Rx queue; the
 * application sends each one back out of the net_virtio_map port; the
 * vhost port receives it. At the end every buffer mapped must have been
 * unmapped, and every frame must have come back.
 *
 *   counting_kind --no-pci --no-huge -m 256 -l 0 \
 *       --vdev net_vhost0,iface=/tmp/ck.sock \
 *       --vdev net_virtio_map0,path=/tmp/ck.sock,map=counting \
 *       -- [--packets N]
 */

#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_common.h>
#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_ether.h>
#include <rte_log.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>

#include <rte_pmd_virtio_map.h>

#define KIND_NAME	"counting"
#define BURST		32
#define NB_DESC		256
#define FRAME_LEN	64
#define DEADLINE_S	20	/* for the link and for the traffic */

/* ---- the map kind ---- */

/*
 * What the kind counts, over every queue of every port using it. Each
 * queue is mapped by one thread at a time, but not always the same one
 * (the polling lcore, or the thread that brings the link up or down),
 * and several queues share these totals: atomics. Per-queue state would
 * go in q->priv (set by a queue_setup op).
 */
static uint64_t mapped_total, unmapped_total;

/* The kind's log type: --log-level=counting_kind:debug shows each burst. */
static int counting_logtype;

/*
 * Streaming map of a burst: the device sees each buffer at its virtual
 * address. A real kind would program an IOMMU or copy into device memory
 * here; every buffer of the burst must get its dev_addr.
 */
static uint16_t
counting_map(struct rte_vmap_queue *q, struct rte_vmap_seg *segs, uint16_t n,
	     enum rte_vmap_dir dir)
{
	uint16_t i;

	for (i = 0; i < n; i++)
		segs[i].dev_addr = (rte_iova_t)(uintptr_t)segs[i].addr;
	__atomic_fetch_add(&mapped_total, n, __ATOMIC_RELAXED);
	rte_log(RTE_LOG_DEBUG, counting_logtype, "%s q%u: map %u buffers (%s)\n",
		q->dev->name, q->qid, n,
		dir == RTE_VMAP_TO_DEVICE ? "to device" : "from device");
	return n;
}

/* The device is done with a burst: nothing to undo here but the count. */
static void
counting_unmap(struct rte_vmap_queue *q, const struct rte_vmap_seg *segs,
	       uint16_t n, enum rte_vmap_dir dir)
{
	RTE_SET_USED(segs);
	RTE_SET_USED(dir);
	__atomic_fetch_add(&unmapped_total, n, __ATOMIC_RELAXED);
	rte_log(RTE_LOG_DEBUG, counting_logtype, "%s q%u: unmap %u buffers\n",
		q->dev->name, q->qid, n);
}

/*
 * Rings and header slots: DPDK memory, at its virtual address, which the
 * regions below cover. (A kind that gives EAL IOVAs instead would need
 * IOVA-contiguous memory: rte_malloc memory is not.)
 */
static void *
counting_alloc_coherent(struct rte_vmap_dev *d, size_t size, size_t align,
			rte_iova_t *dev_addr)
{
	void *p = rte_zmalloc_socket("counting_kind", size, align,
				     d->socket_id);

	if (p == NULL)
		p = rte_zmalloc("counting_kind", size, align);
	if (p == NULL) {
		rte_errno = ENOMEM;
		return NULL;
	}
	*dev_addr = (rte_iova_t)(uintptr_t)p;
	return p;
}

static void
counting_free_coherent(struct rte_vmap_dev *d, void *addr, size_t size)
{
	RTE_SET_USED(d);
	RTE_SET_USED(size);
	rte_free(addr);
}

/* The device must reach all of EAL's memory, by virtual address. */
static int
counting_regions(struct rte_vmap_dev *d, struct rte_vmap_region *r,
		 unsigned int max, bool locked)
{
	RTE_SET_USED(d);
	return rte_pmd_virtio_map_eal_regions(r, max, false, locked);
}

/* Valid from registration until the last port using it is closed. */
static const struct rte_vmap_ops counting_ops = {
	.name = KIND_NAME,
	.kind = RTE_VMAP_KIND_OPS,
	.map = counting_map,
	.unmap = counting_unmap,
	.alloc_coherent = counting_alloc_coherent,
	.free_coherent = counting_free_coherent,
	.regions = counting_regions,
};

/* ---- the application ---- */

static int
port_by_driver(const char *driver)
{
	struct rte_eth_dev_info info;
	uint16_t port;

	RTE_ETH_FOREACH_DEV(port)
		if (rte_eth_dev_info_get(port, &info) == 0 &&
		    strcmp(info.driver_name, driver) == 0)
			return port;
	return -1;
}

static int
port_start(uint16_t port, struct rte_mempool *mp)
{
	struct rte_eth_conf conf;
	int ret;

	memset(&conf, 0, sizeof(conf));
	ret = rte_eth_dev_configure(port, 1, 1, &conf);
	if (ret == 0)
		ret = rte_eth_rx_queue_setup(port, 0, NB_DESC,
					     rte_eth_dev_socket_id(port), NULL,
					     mp);
	if (ret == 0)
		ret = rte_eth_tx_queue_setup(port, 0, NB_DESC,
					     rte_eth_dev_socket_id(port), NULL);
	if (ret == 0)
		ret = rte_eth_dev_start(port);
	if (ret != 0)
		fprintf(stderr, "counting_kind: port %u: cannot start: %s\n",
			port, rte_strerror(-ret));
	return ret;
}

static bool
link_up_within(uint16_t port, uint64_t deadline)
{
	struct rte_eth_link link;

	while (rte_get_timer_cycles() < deadline) {
		if (rte_eth_link_get_nowait(port, &link) == 0 &&
		    link.link_status == RTE_ETH_LINK_UP)
			return true;
		rte_delay_ms(10);
	}
	return false;
}

/* A 64-byte Ethernet frame of type 0x88b5 (local experimental). */
static struct rte_mbuf *
make_frame(struct rte_mempool *mp, uint32_t seq)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(mp);
	struct rte_ether_hdr *eth;
	uint8_t *p;

	if (m == NULL)
		return NULL;
	p = (uint8_t *)rte_pktmbuf_append(m, FRAME_LEN);
	memset(p, 0, FRAME_LEN);
	eth = (struct rte_ether_hdr *)p;
	memset(&eth->dst_addr, 0xff, RTE_ETHER_ADDR_LEN);
	eth->src_addr.addr_bytes[0] = 0x02;
	eth->ether_type = rte_cpu_to_be_16(0x88b5);
	memcpy(p + sizeof(*eth), &seq, sizeof(seq));
	return m;
}

/*
 * Send n frames from the device side, forward each one that reaches the
 * driver port back out of it, and count what the device side receives.
 */
static uint64_t
forward(uint16_t dev_port, uint16_t drv_port, struct rte_mempool *mp,
	uint64_t n, uint64_t deadline)
{
	struct rte_mbuf *pkts[BURST];
	uint64_t sent = 0, back = 0;
	uint16_t i, k, nb, tx;

	while (back < n && rte_get_timer_cycles() < deadline) {
		/* the device sends what the rings have room for */
		for (k = 0; k < BURST && sent + k < n; k++) {
			pkts[k] = make_frame(mp, (uint32_t)(sent + k));
			if (pkts[k] == NULL)
				break;
		}
		tx = rte_eth_tx_burst(dev_port, 0, pkts, k);
		rte_pktmbuf_free_bulk(&pkts[tx], k - tx);
		sent += tx;
		/* the application forwards */
		nb = rte_eth_rx_burst(drv_port, 0, pkts, BURST);
		tx = rte_eth_tx_burst(drv_port, 0, pkts, nb);
		rte_pktmbuf_free_bulk(&pkts[tx], nb - tx);
		/* the device takes them back */
		nb = rte_eth_rx_burst(dev_port, 0, pkts, BURST);
		for (i = 0; i < nb; i++)
			if (pkts[i]->pkt_len == FRAME_LEN)
				back++;
		rte_pktmbuf_free_bulk(pkts, nb);
	}
	return back;
}

static int
parse_args(int argc, char **argv, uint64_t *packets)
{
	char *end;

	if (argc == 1)
		return 0;
	if (argc == 3 && strcmp(argv[1], "--packets") == 0) {
		errno = 0;
		*packets = strtoull(argv[2], &end, 0);
		if (errno == 0 && *end == '\0' && *packets > 0)
			return 0;
	}
	fprintf(stderr, "usage: counting_kind [EAL args] -- [--packets N]\n");
	return -EINVAL;
}

int
main(int argc, char **argv)
{
	uint64_t packets = 100000, back, mapped, unmapped;
	int ret, dev_port, drv_port;
	struct rte_mempool *mp;
	uint64_t deadline;

	/* before rte_eal_init(): the --vdev ports it probes may name it */
	counting_logtype = rte_log_register_type_and_pick_level("counting_kind",
								RTE_LOG_NOTICE);
	if (counting_logtype < 0)
		counting_logtype = RTE_LOGTYPE_USER1;
	ret = rte_pmd_virtio_map_ops_register(&counting_ops);
	if (ret != 0) {
		fprintf(stderr, "counting_kind: cannot register map kind '%s': %s\n",
			KIND_NAME, strerror(-ret));
		return 1;
	}
	ret = rte_eal_init(argc, argv);
	if (ret < 0) {
		fprintf(stderr, "counting_kind: EAL: %s\n",
			rte_strerror(rte_errno));
		return 1;
	}
	if (parse_args(argc - ret, argv + ret, &packets) != 0)
		goto fail;

	dev_port = port_by_driver("net_vhost");
	drv_port = port_by_driver("net_virtio_map");
	if (dev_port < 0 || drv_port < 0) {
		fprintf(stderr, "counting_kind: need --vdev net_vhost0,iface=SOCK and --vdev net_virtio_map0,path=SOCK,map=%s\n",
			KIND_NAME);
		goto fail;
	}
	mp = rte_pktmbuf_pool_create("counting_kind", 4095, 256, 0,
				     RTE_MBUF_DEFAULT_BUF_SIZE,
				     rte_socket_id());
	if (mp == NULL) {
		fprintf(stderr, "counting_kind: no mbuf pool: %s\n",
			rte_strerror(rte_errno));
		goto fail;
	}
	if (port_start(dev_port, mp) != 0 || port_start(drv_port, mp) != 0)
		goto fail;
	deadline = rte_get_timer_cycles() + DEADLINE_S * rte_get_timer_hz();
	if (!link_up_within(drv_port, deadline)) {
		fprintf(stderr, "counting_kind: port %d: link still down after %d s\n",
			drv_port, DEADLINE_S);
		goto fail;
	}
	deadline = rte_get_timer_cycles() + DEADLINE_S * rte_get_timer_hz();
	back = forward(dev_port, drv_port, mp, packets, deadline);

	/* stop unmaps every buffer still posted; close frees the rings */
	rte_eth_dev_stop(drv_port);
	rte_eth_dev_stop(dev_port);
	rte_eth_dev_close(drv_port);
	rte_eth_dev_close(dev_port);
	mapped = __atomic_load_n(&mapped_total, __ATOMIC_RELAXED);
	unmapped = __atomic_load_n(&unmapped_total, __ATOMIC_RELAXED);
	printf("counting_kind: %" PRIu64 " of %" PRIu64 " frames forwarded through map kind '%s': %" PRIu64 " buffers mapped, %" PRIu64 " unmapped\n",
	       back, packets, KIND_NAME, mapped, unmapped);
	rte_pmd_virtio_map_ops_unregister(KIND_NAME);
	rte_eal_cleanup();
	/* each frame was mapped twice: in an Rx buffer and as a Tx packet */
	if (back != packets || mapped != unmapped || mapped < 2 * packets) {
		fprintf(stderr, "counting_kind: FAILED\n");
		return 1;
	}
	return 0;
fail:
	rte_eal_cleanup();
	return 1;
}
