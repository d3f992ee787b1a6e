/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The virtio_map authors
 */

/*
 * Output of virtio_map_loopback: the settings line, one result line per
 * pair and round, the medians over the rounds and the ratio of each
 * virtio_map pair to the virtio_user pair of the same run. Scripts parse
 * these lines, so their format only grows: with one map kind the labels
 * are the bare target names, as before lists of kinds existed. No EAL and
 * no ports here.
 */

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include <rte_common.h>
#include <rte_ethdev.h>

#include "loopback.h"

void
lb_print_header(const struct lb_opts *o)
{
	printf("# " LB_PROG ": size=%u burst=%u queue_size=%u queues=%u "
		"map=%s seconds=%g rounds=%u inject=%ux%u each way per queue; "
		"%s%s\n", o->size, o->burst, o->queue_size, o->queues, o->map,
		o->seconds, o->rounds, o->inject, o->burst, o->rounds > 1 ?
		"figures are the median of the rounds" : "one round",
		o->tso != 0 ? "; TCP/IPv4 with TSO and LRO" : "");
	if (o->tso != 0)
		printf("# tso: mss=%u, %u bytes of TCP payload per frame\n",
			o->tso, o->size - LB_TSO_HDRS);
	fflush(stdout);
}

/* An xstat of port by name, or 0 when it has none. */
static uint64_t
lb_xstat(uint16_t port, const char *name)
{
	uint64_t id, v;

	if (rte_eth_xstats_get_id_by_name(port, name, &id) != 0 ||
	    rte_eth_xstats_get_by_id(port, &id, &v, 1) != 1)
		return 0;
	return v;
}

void
lb_print_xstats(uint16_t port)
{
	struct rte_eth_xstat_name *names = NULL;
	struct rte_eth_xstat *xs = NULL;
	int n, i;

	n = rte_eth_xstats_get(port, NULL, 0);
	if (n > 0) {
		names = calloc(n, sizeof(*names));
		xs = calloc(n, sizeof(*xs));
	}
	if (names != NULL && xs != NULL &&
	    rte_eth_xstats_get_names(port, names, n) == n &&
	    rte_eth_xstats_get(port, xs, n) == n)
		for (i = 0; i < n; i++)
			if (xs[i].value != 0)
				fprintf(stderr, "  port %u %s: %" PRIu64 "\n",
					port, names[i].name, xs[i].value);
	free(names);
	free(xs);
}

void
lb_print_result(const char *prefix, const struct lb_pair *p,
	const struct lb_opts *o, const struct lb_result *r)
{
	uint64_t xlat = 0;

	printf("%s%-11s size=%u dev->drv %.2f Mpps  drv->dev %.2f Mpps  "
		"driver %.1f cycles/pkt  device %.1f cycles/pkt", prefix,
		p->label, o->size, r->dev_drv_mpps, r->drv_dev_mpps, r->cycles,
		r->dev_cycles);
	/* TCP payload carried, each way */
	if (o->tso != 0)
		printf("  payload dev->drv %.2f drv->dev %.2f Gbit/s",
			r->dev_drv_mpps * (o->size - LB_TSO_HDRS) * 8 / 1e3,
			r->drv_dev_mpps * (o->size - LB_TSO_HDRS) * 8 / 1e3);
	/* with the device's IOTLB: what it was given, up front and on miss */
	if (p->target == LB_TARGET_MAP)
		xlat = lb_xstat(p->drv_port, "iotlb_translations");
	if (xlat > 0)
		printf("  iotlb %" PRIu64 " translations, %" PRIu64
			" sent first, %" PRIu64 " misses answered", xlat,
			lb_xstat(p->drv_port, "iotlb_updates"),
			lb_xstat(p->drv_port, "iotlb_misses"));
	printf("\n");
	fflush(stdout);
}

static int
lb_cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static double
lb_median(double *v, unsigned int n)
{
	qsort(v, n, sizeof(*v), lb_cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* Median of each figure on its own over the rounds. */
static void
lb_summarize(const struct lb_pair *p, unsigned int rounds,
	struct lb_result *m)
{
	double v[4][LB_MAX_ROUNDS];
	unsigned int i;

	for (i = 0; i < rounds; i++) {
		v[0][i] = p->res[i].dev_drv_mpps;
		v[1][i] = p->res[i].drv_dev_mpps;
		v[2][i] = p->res[i].cycles;
		v[3][i] = p->res[i].dev_cycles;
	}
	m->dev_drv_mpps = lb_median(v[0], rounds);
	m->drv_dev_mpps = lb_median(v[1], rounds);
	m->cycles = lb_median(v[2], rounds);
	m->dev_cycles = lb_median(v[3], rounds);
}

static void
lb_print_ratio(const struct lb_pair *map, const struct lb_pair *user)
{
	const struct lb_result *a = &map->med, *b = &user->med;

	printf("ratio %s/%s: dev->drv %.2f drv->dev %.2f cycles %.2f\n",
		map->label, user->label, a->dev_drv_mpps / b->dev_drv_mpps,
		a->drv_dev_mpps / b->drv_dev_mpps, a->cycles / b->cycles);
}

void
lb_report(struct lb_pair *pairs, unsigned int npairs,
	const struct lb_opts *o)
{
	const struct lb_pair *user = NULL;
	unsigned int i;

	for (i = 0; i < npairs; i++) {
		lb_summarize(&pairs[i], o->rounds, &pairs[i].med);
		lb_print_result("", &pairs[i], o, &pairs[i].med);
		if (pairs[i].target == LB_TARGET_USER)
			user = &pairs[i];
	}
	/* for a profile of the driver's calls: what they moved in all */
	for (i = 0; i < npairs; i++)
		printf("# moved %s %" PRIu64 " packets through the driver's "
			"burst calls, warm-ups included\n", pairs[i].label,
			pairs[i].drv_moved_all);
	if (user == NULL)
		return;
	for (i = 0; i < npairs; i++)
		if (pairs[i].target == LB_TARGET_MAP)
			lb_print_ratio(&pairs[i], user);
	fflush(stdout);
}
