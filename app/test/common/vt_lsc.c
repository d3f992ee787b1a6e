/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The virtio_map authors
 */

/*
 * Link-state-change events as the backend tests see them: a callback that
 * counts them per direction, a wait that keeps polling the driver's
 * bursts (as a forwarding loop would) until the link and an event agree,
 * and the median and worst of a series of times.
 */

#include <stdlib.h>
#include <unistd.h>

#include <rte_cycles.h>
#include <rte_ethdev.h>

#include "vt.h"

static uint32_t vt_lsc_up, vt_lsc_down;

static int
vt_lsc_cb(uint16_t port, enum rte_eth_event_type type,
	  void *arg __rte_unused, void *ret_param __rte_unused)
{
	struct rte_eth_link link;

	if (type != RTE_ETH_EVENT_INTR_LSC ||
	    rte_eth_link_get_nowait(port, &link) != 0)
		return 0;
	__atomic_fetch_add(link.link_status == RTE_ETH_LINK_UP ? &vt_lsc_up :
			   &vt_lsc_down, 1, __ATOMIC_RELAXED);
	return 0;
}

int
vt_lsc_watch(uint16_t port)
{
	VT_ASSERT_OK(rte_eth_dev_callback_register(port,
						   RTE_ETH_EVENT_INTR_LSC,
						   vt_lsc_cb, NULL),
		     "LSC callback");
	return VT_PASS;
}

void
vt_lsc_unwatch(uint16_t port)
{
	rte_eth_dev_callback_unregister(port, RTE_ETH_EVENT_INTR_LSC,
					vt_lsc_cb, NULL);
}

uint32_t
vt_lsc_count(bool up)
{
	return __atomic_load_n(up ? &vt_lsc_up : &vt_lsc_down,
			       __ATOMIC_RELAXED);
}

double
vt_wait_link_lsc(uint16_t port, bool up, uint32_t seen, double timeout_s,
		 const char *sock, double *t_sock)
{
	struct rte_eth_link link;
	struct rte_mbuf *m[32];
	double t0 = vt_now();
	uint16_t n;

	for (;;) {
		n = rte_eth_rx_burst(port, 0, m, RTE_DIM(m));
		rte_pktmbuf_free_bulk(m, n);
		rte_eth_tx_burst(port, 0, m, 0);
		if (sock != NULL && *t_sock == 0 && access(sock, F_OK) == 0)
			*t_sock = vt_now();
		if (rte_eth_link_get_nowait(port, &link) == 0 &&
		    (link.link_status == RTE_ETH_LINK_UP) == up &&
		    vt_lsc_count(up) > seen)
			return vt_now() - t0;
		if (vt_now() - t0 > timeout_s)
			return -1;
		rte_delay_us_sleep(1000);
	}
}

static int
vt_cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

void
vt_median_max(double *v, unsigned int n, double *median, double *max)
{
	qsort(v, n, sizeof(*v), vt_cmp_double);
	*median = v[n / 2];
	*max = v[n - 1];
}
