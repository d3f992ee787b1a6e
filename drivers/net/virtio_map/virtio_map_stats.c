/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The virtio_map authors
 */

/*
 * Basic stats and xstats of net_virtio_map, read from the per-queue
 * counters the data path keeps (struct vmq_stats).
 */

#include <stdio.h>
#include <string.h>

#include <ethdev_driver.h>

#include "virtio_map_stats.h"
#include "virtio_map_state.h"

/* One xstat: its name suffix and where it lives in struct vmq. */
struct virtio_map_xstat {
	const char *name;
	size_t off;
};

#define XSTAT(n, f) { n, offsetof(struct vmq, f) }

static const struct virtio_map_xstat rx_xstats[] = {
	XSTAT("good_packets", stats.packets),
	XSTAT("good_bytes", stats.bytes),
	XSTAT("device_errors", stats.errors),
	XSTAT("length_errors", stats.length_errors),
	XSTAT("mbuf_alloc_failed", stats.nombuf),
	XSTAT("notifications", stats.kicks),
	XSTAT("map_refused", stats.map_refused),
	XSTAT("filtered", stats.filtered),
	XSTAT("bounced_bytes", mq.stats.bounced_from_dev),
	XSTAT("slot_exhausted", mq.stats.exhausted),
	XSTAT("map_errors", mq.stats.map_errors),
};

static const struct virtio_map_xstat tx_xstats[] = {
	XSTAT("good_packets", stats.packets),
	XSTAT("good_bytes", stats.bytes),
	XSTAT("dropped_unsupported", stats.dropped),
	XSTAT("ring_full", stats.full),
	XSTAT("device_errors", stats.errors),
	XSTAT("notifications", stats.kicks),
	XSTAT("map_refused", stats.map_refused),
	XSTAT("bounced_bytes", mq.stats.bounced_to_dev),
	XSTAT("slot_exhausted", mq.stats.exhausted),
	XSTAT("map_errors", mq.stats.map_errors),
};

/* Device-wide: the IOTLB (0 without VIRTIO_F_ACCESS_PLATFORM), backends. */
static const char *const dev_xstats[] = {
	"iotlb_translations",	/* entries of the current plan */
	"iotlb_updates",	/* updates sent before the rings ran */
	"iotlb_misses",		/* misses answered with an update */
	"iotlb_refused",	/* misses outside the plan or its access */
	"iotlb_miss_dropped",	/* misses left unanswered (see vmt.h) */
	"backend_lost",		/* backends that went away while up */
	"backend_lost_packets",	/* Tx packets in flight they took */
};

/* Per configured queue, then the device's. */
static unsigned int
nb_xstats(const struct rte_eth_dev *eth)
{
	return eth->data->nb_rx_queues * RTE_DIM(rx_xstats) +
	       eth->data->nb_tx_queues * RTE_DIM(tx_xstats) +
	       RTE_DIM(dev_xstats);
}

int
virtio_map_stats_get(struct rte_eth_dev *eth, struct rte_eth_stats *st)
{
	struct virtio_map_shared *dev = vm_shared(eth);
	unsigned int i;

	for (i = 0; i < VIRTIO_MAP_MAX_QUEUE_PAIRS; i++) {
		const struct vmq *rq = dev->rxq[i];
		const struct vmq *tq = dev->txq[i];

		if (rq != NULL) {
			st->ipackets += rq->stats.packets;
			st->ibytes += rq->stats.bytes;
			st->ierrors += rq->stats.errors +
				       rq->stats.length_errors;
			st->rx_nombuf += rq->stats.nombuf;
			if (i < RTE_ETHDEV_QUEUE_STAT_CNTRS) {
				st->q_ipackets[i] = rq->stats.packets;
				st->q_ibytes[i] = rq->stats.bytes;
				st->q_errors[i] = rq->stats.errors +
						  rq->stats.length_errors;
			}
		}
		if (tq != NULL) {
			st->opackets += tq->stats.packets;
			st->obytes += tq->stats.bytes;
			st->oerrors += tq->stats.dropped + tq->stats.errors;
			if (i < RTE_ETHDEV_QUEUE_STAT_CNTRS) {
				st->q_opackets[i] = tq->stats.packets;
				st->q_obytes[i] = tq->stats.bytes;
			}
		}
	}
	return 0;
}

int
virtio_map_stats_reset(struct rte_eth_dev *eth)
{
	struct virtio_map_shared *dev = vm_shared(eth);
	unsigned int i;

	for (i = 0; i < VIRTIO_MAP_MAX_QUEUE_PAIRS; i++) {
		if (dev->rxq[i] != NULL) {
			memset(&dev->rxq[i]->stats, 0, sizeof(struct vmq_stats));
			memset(&dev->rxq[i]->mq.stats, 0,
			       sizeof(struct rte_vmap_qstats));
		}
		if (dev->txq[i] != NULL) {
			memset(&dev->txq[i]->stats, 0, sizeof(struct vmq_stats));
			memset(&dev->txq[i]->mq.stats, 0,
			       sizeof(struct rte_vmap_qstats));
		}
	}
	dev->iotlb_sent = 0;
	__atomic_store_n(&dev->tcnt.iotlb_misses, 0, __ATOMIC_RELAXED);
	__atomic_store_n(&dev->tcnt.iotlb_miss_dropped, 0, __ATOMIC_RELAXED);
	__atomic_store_n(&dev->iotlb_refused, 0, __ATOMIC_RELAXED);
	dev->backend_lost = 0;
	dev->lost_packets = 0;
	return 0;
}

int
virtio_map_xstats_get_names(struct rte_eth_dev *eth,
			    struct rte_eth_xstat_name *names, unsigned int n)
{
	unsigned int q, i, k = 0;

	if (names == NULL || n < nb_xstats(eth))
		return nb_xstats(eth);
	for (q = 0; q < eth->data->nb_rx_queues; q++)
		for (i = 0; i < RTE_DIM(rx_xstats); i++, k++)
			snprintf(names[k].name, sizeof(names[k].name),
				 "rx_q%u_%s", q, rx_xstats[i].name);
	for (q = 0; q < eth->data->nb_tx_queues; q++)
		for (i = 0; i < RTE_DIM(tx_xstats); i++, k++)
			snprintf(names[k].name, sizeof(names[k].name),
				 "tx_q%u_%s", q, tx_xstats[i].name);
	for (i = 0; i < RTE_DIM(dev_xstats); i++, k++)
		snprintf(names[k].name, sizeof(names[k].name), "%s",
			 dev_xstats[i]);
	return k;
}

static uint64_t
xstat_value(const struct vmq *q, const struct virtio_map_xstat *x)
{
	if (q == NULL)
		return 0;
	return *(const uint64_t *)((const char *)q + x->off);
}

int
virtio_map_xstats_get(struct rte_eth_dev *eth, struct rte_eth_xstat *xs,
		      unsigned int n)
{
	struct virtio_map_shared *dev = vm_shared(eth);
	unsigned int q, i, k = 0;

	if (xs == NULL || n < nb_xstats(eth))
		return nb_xstats(eth);
	for (q = 0; q < eth->data->nb_rx_queues; q++)
		for (i = 0; i < RTE_DIM(rx_xstats); i++, k++) {
			xs[k].id = k;
			xs[k].value = xstat_value(dev->rxq[q], &rx_xstats[i]);
		}
	for (q = 0; q < eth->data->nb_tx_queues; q++)
		for (i = 0; i < RTE_DIM(tx_xstats); i++, k++) {
			xs[k].id = k;
			xs[k].value = xstat_value(dev->txq[q], &tx_xstats[i]);
		}
	xs[k].id = k;
	xs[k++].value = dev->iotlb_plan_n;
	xs[k].id = k;
	xs[k++].value = dev->iotlb_sent;
	xs[k].id = k;
	xs[k++].value = __atomic_load_n(&dev->tcnt.iotlb_misses,
					__ATOMIC_RELAXED);
	xs[k].id = k;
	xs[k++].value = __atomic_load_n(&dev->iotlb_refused,
					__ATOMIC_RELAXED);
	xs[k].id = k;
	xs[k++].value = __atomic_load_n(&dev->tcnt.iotlb_miss_dropped,
					__ATOMIC_RELAXED);
	xs[k].id = k;
	xs[k++].value = dev->backend_lost;
	xs[k].id = k;
	xs[k++].value = dev->lost_packets;
	return k;
}
