/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The virtio_map authors
 */

/*
 * The port pair every integration test runs on: DPDK's real net_vhost as
 * the device and net_virtio_map as the driver, in one process, joined by a
 * vhost-user socket in the test's private directory. Creation, set-up,
 * link waits with deadlines, counters and teardown in either order. The
 * packets themselves are in vt_pkt.c.
 */

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_bus_vdev.h>
#include <rte_cycles.h>
#include <rte_errno.h>
#include <rte_ethdev.h>

#include "vt.h"

/* How long a link may take to come up once both sides are started. */
#define VT_LINK_TIMEOUT_MS 15000

/* Pool names: "vt_gen" for pair 0, "vt_gen1" for pair 1. */
static const char *
vt_pool_name(char *buf, unsigned int index, const char *base)
{
	if (index == 0)
		snprintf(buf, RTE_MEMPOOL_NAMESIZE, "%s", base);
	else
		snprintf(buf, RTE_MEMPOOL_NAMESIZE, "%s%u", base, index);
	return buf;
}

int
vt_pair_init(struct vt_pair *p, const struct vt_pair_opts *opts)
{
	static const struct vt_pair_opts def;
	unsigned int q, win, extra, segs;
	char name[RTE_MEMPOOL_NAMESIZE];

	if (opts == NULL)
		opts = &def;
	memset(p, 0, sizeof(*p));
	p->opts = *opts;
	if (opts->index == 0)
		snprintf(p->sock, sizeof(p->sock), "%s/vhost.sock", vt_ctx.dir);
	else
		snprintf(p->sock, sizeof(p->sock), "%s/vhost%u.sock",
			 vt_ctx.dir, opts->index);
	snprintf(p->vhost_name, sizeof(p->vhost_name), "net_vhost%u",
		 opts->index);
	snprintf(p->drv_name, sizeof(p->drv_name), "net_virtio_map%u",
		 opts->index);
	p->vhost_port = RTE_MAX_ETHPORTS;
	p->drv_port = RTE_MAX_ETHPORTS;
	q = opts->queue_size != 0 ? opts->queue_size : 256;
	p->queue_size = q;
	/* Rx rings of every pair draw from the pools: q per pair */
	if (opts->queues > 1)
		q *= opts->queues;
	p->max_frame = opts->max_frame != 0 ? opts->max_frame : 1514;

	/*
	 * More packets in flight than the ring holds, so that a full ring
	 * (tx_burst taking fewer, enqueue finding no buffer) happens.
	 */
	if (opts->window != 0)
		win = opts->window;
	else if (q <= 4096)
		win = 2 * q;
	else
		win = q + 1024;	/* still more than the ring, in less memory */
	p->window = win;
	/* bulk refills, bursts and per-lcore caches on top */
	extra = 8 * VT_BURST + 2 * 64;
	p->gen_pool = vt_pool_create(vt_pool_name(name, opts->index,
						  "vt_gen"),
				     2 * win + q + extra, p->max_frame);
	if (opts->drv_rx_room != 0) {
		/* mergeable Rx buffers: frames span several of these */
		vt_pool_name(name, opts->index, "vt_drv_rx");
		p->drv_pool = rte_pktmbuf_pool_create(name, q + win + extra,
						      64, 0, opts->drv_rx_room,
						      SOCKET_ID_ANY);
		if (p->drv_pool == NULL)
			vt_fail(__FILE__, __LINE__,
				"rte_pktmbuf_pool_create(%s, %u mbufs, %u bytes): %s",
				name, q + win + extra, opts->drv_rx_room,
				rte_strerror(rte_errno));
	} else {
		p->drv_pool = vt_pool_create(vt_pool_name(name, opts->index,
							  "vt_drv_rx"),
					     q + win + extra, p->max_frame);
	}
	p->vhost_pool = vt_pool_create(vt_pool_name(name, opts->index,
						    "vt_vhost_rx"),
				       win + q + extra, p->max_frame);
	if (p->gen_pool == NULL || p->drv_pool == NULL ||
	    p->vhost_pool == NULL)
		return VT_FAIL;
	if (opts->tx_seg_size != 0) {
		/* the first segment is up to 63 bytes short: one more */
		segs = (p->max_frame + opts->tx_seg_size - 1) /
		       opts->tx_seg_size + 1;
		p->seg_pool = vt_pool_create(vt_pool_name(name, opts->index,
							  "vt_seg"),
					     segs * (win + q + extra),
					     opts->tx_seg_size);
		if (p->seg_pool == NULL)
			return VT_FAIL;
	}
	return VT_PASS;
}

int
vt_pair_vhost_create(struct vt_pair *p)
{
	char args[PATH_MAX + 64];
	int ret;

	snprintf(args, sizeof(args), "iface=%s,queues=%u%s%s%s", p->sock,
		 p->opts.queues != 0 ? p->opts.queues : 1,
		 p->opts.drv_server ? ",client=1" : "",
		 p->opts.vhost_extra != NULL ? "," : "",
		 p->opts.vhost_extra != NULL ? p->opts.vhost_extra : "");
	vt_phase("probe %s,%s", p->vhost_name, args);
	ret = rte_vdev_init(p->vhost_name, args);
	VT_ASSERT_EQ(0, ret, "rte_vdev_init(net_vhost)");
	p->vhost_created = true;
	ret = rte_eth_dev_get_port_by_name(p->vhost_name, &p->vhost_port);
	VT_ASSERT_OK(ret, "port of net_vhost");
	return VT_PASS;
}

int
vt_pair_drv_create(struct vt_pair *p)
{
	char args[PATH_MAX + 256];
	char ring[128];
	size_t off;
	double t0;
	int ret;

	off = snprintf(args, sizeof(args), "path=%s", p->sock);
	off += snprintf(args + off, sizeof(args) - off, ",%s",
			vt_ring_devargs(p->opts.ring, ring, sizeof(ring)));
	if (p->opts.queue_size != 0)
		off += snprintf(args + off, sizeof(args) - off,
				",queue_size=%u", p->opts.queue_size);
	if (p->opts.map != NULL)
		off += snprintf(args + off, sizeof(args) - off, ",map=%s",
				p->opts.map);
	if (p->opts.drv_server)
		off += snprintf(args + off, sizeof(args) - off, ",server=1");
	if (p->opts.queues > 1)
		off += snprintf(args + off, sizeof(args) - off, ",queues=%u",
				p->opts.queues);
	if (p->opts.drv_extra != NULL)
		snprintf(args + off, sizeof(args) - off, ",%s",
			 p->opts.drv_extra);

	vt_phase("probe %s,%s", p->drv_name, args);
	t0 = vt_now();
	ret = rte_vdev_init(p->drv_name, args);
	VT_ASSERT_EQ(0, ret, "rte_vdev_init(net_virtio_map)");
	p->drv_created = true;
	/* probe must never wait for the device */
	VT_ASSERT(vt_now() - t0 < 2.0, "probe took %.2f s", vt_now() - t0);
	ret = rte_eth_dev_get_port_by_name(p->drv_name, &p->drv_port);
	VT_ASSERT_OK(ret, "port of net_virtio_map");
	return VT_PASS;
}

int
vt_port_setup(uint16_t port, uint16_t nb_desc, struct rte_mempool *mp,
	      uint32_t max_frame)
{
	return vt_port_setup_lsc(port, nb_desc, mp, max_frame, false);
}

int
vt_port_setup_lsc(uint16_t port, uint16_t nb_desc, struct rte_mempool *mp,
		  uint32_t max_frame, bool lsc)
{
	return vt_port_setup_q(port, 1, nb_desc, mp, max_frame, lsc);
}

int
vt_port_setup_q(uint16_t port, uint16_t nq, uint16_t nb_desc,
		struct rte_mempool *mp, uint32_t max_frame, bool lsc)
{
	struct rte_eth_dev_info info;
	struct rte_eth_conf conf;
	int ret;

	vt_phase("configure port %u (%u queue pair(s) of %u descriptors, frames up to %u bytes)",
		 port, nq, nb_desc, max_frame);
	ret = rte_eth_dev_info_get(port, &info);
	VT_ASSERT_OK(ret, "rte_eth_dev_info_get");
	memset(&conf, 0, sizeof(conf));
	conf.intr_conf.lsc = lsc;
	if (max_frame > RTE_ETHER_MAX_LEN - RTE_ETHER_CRC_LEN) {
		conf.rxmode.mtu = max_frame - RTE_ETHER_HDR_LEN;
		VT_ASSERT(info.max_mtu >= conf.rxmode.mtu,
			  "port %u (%s): max_mtu %u < %u needed for %u-byte frames",
			  port, info.driver_name, info.max_mtu,
			  conf.rxmode.mtu, max_frame);
	}
	return vt_port_setup_conf(port, &conf, nq, nb_desc, mp);
}

int
vt_port_setup_conf(uint16_t port, const struct rte_eth_conf *conf,
		   uint16_t nq, uint16_t nb_desc, struct rte_mempool *mp)
{
	int socket, ret;
	uint16_t q;

	ret = rte_eth_dev_configure(port, nq, nq, conf);
	VT_ASSERT_OK(ret, "rte_eth_dev_configure");

	socket = rte_eth_dev_socket_id(port);
	if (socket < 0)
		socket = SOCKET_ID_ANY;
	for (q = 0; q < nq; q++) {
		ret = rte_eth_rx_queue_setup(port, q, nb_desc, socket, NULL,
					     mp);
		VT_ASSERT_OK(ret, "rte_eth_rx_queue_setup");
		ret = rte_eth_tx_queue_setup(port, q, nb_desc, socket, NULL);
		VT_ASSERT_OK(ret, "rte_eth_tx_queue_setup");
	}
	return VT_PASS;
}

int
vt_port_start(uint16_t port)
{
	int ret;

	vt_phase("start port %u", port);
	ret = rte_eth_dev_start(port);
	VT_ASSERT_OK(ret, "rte_eth_dev_start");
	return VT_PASS;
}

int
vt_wait_link(uint16_t port, bool up, unsigned int timeout_ms)
{
	struct rte_eth_link link;
	double t0 = vt_now(), deadline = t0 + timeout_ms / 1000.0;
	int ret;

	vt_phase("wait for link %s on port %u", up ? "up" : "down", port);
	for (;;) {
		memset(&link, 0, sizeof(link));
		ret = rte_eth_link_get_nowait(port, &link);
		VT_ASSERT_OK(ret, "rte_eth_link_get_nowait");
		if ((link.link_status == RTE_ETH_LINK_UP) == up)
			break;
		if (vt_now() > deadline) {
			vt_fail(__FILE__, __LINE__,
				"link of port %u: expected %s, actual %s after %u ms",
				port, up ? "up" : "down",
				up ? "down" : "up", timeout_ms);
			return VT_FAIL;
		}
		rte_delay_us_sleep(1000);
	}
	vt_info("port %u link %s after %.0f ms", port, up ? "up" : "down",
		(vt_now() - t0) * 1000);
	return VT_PASS;
}

/* Start both configured ports (device first) and wait for both links. */
static int
vt_pair_start(struct vt_pair *p)
{
	VT_CHECK(vt_port_start(p->vhost_port));
	VT_CHECK(vt_port_start(p->drv_port));
	VT_CHECK(vt_wait_link(p->drv_port, true, VT_LINK_TIMEOUT_MS));
	VT_CHECK(vt_wait_link(p->vhost_port, true, VT_LINK_TIMEOUT_MS));
	return VT_PASS;
}

int
vt_pair_up(struct vt_pair *p, const struct vt_pair_opts *opts)
{
	uint16_t nq;

	VT_CHECK(vt_pair_init(p, opts));
	VT_CHECK(vt_pair_vhost_create(p));
	VT_CHECK(vt_pair_drv_create(p));
	nq = p->opts.queues > 1 ? p->opts.queues : 1;

	if (p->opts.vhost_rxq_intr) {
		struct rte_eth_conf vconf = { .intr_conf.rxq = 1 };

		VT_ASSERT(p->max_frame <= RTE_ETHER_MAX_LEN - RTE_ETHER_CRC_LEN,
			  "vhost_rxq_intr with frames of %u bytes", p->max_frame);
		vt_phase("configure port %u with Rx interrupts", p->vhost_port);
		VT_CHECK(vt_port_setup_conf(p->vhost_port, &vconf, nq,
					    p->queue_size, p->vhost_pool));
	} else {
		VT_CHECK(vt_port_setup_q(p->vhost_port, nq, p->queue_size,
					 p->vhost_pool, p->max_frame, false));
	}
	VT_CHECK(vt_port_setup_q(p->drv_port, nq, p->queue_size, p->drv_pool,
				 p->max_frame, p->opts.drv_lsc));
	return vt_pair_start(p);
}

int
vt_pair_up_conf(struct vt_pair *p, const struct vt_pair_opts *opts,
		const struct rte_eth_conf *drv_conf)
{
	struct rte_eth_conf vconf;

	VT_CHECK(vt_pair_init(p, opts));
	VT_CHECK(vt_pair_vhost_create(p));
	VT_CHECK(vt_pair_drv_create(p));
	if (opts->vhost_rx_offloads != 0) {
		memset(&vconf, 0, sizeof(vconf));
		vconf.rxmode.offloads = opts->vhost_rx_offloads;
		VT_CHECK(vt_port_setup_conf(p->vhost_port, &vconf, 1,
					    p->queue_size, p->vhost_pool));
	} else {
		VT_CHECK(vt_port_setup(p->vhost_port, p->queue_size,
				       p->vhost_pool, p->max_frame));
	}
	vt_phase("configure port %u with the test's own configuration",
		 p->drv_port);
	VT_CHECK(vt_port_setup_conf(p->drv_port, drv_conf, 1, p->queue_size,
				    p->drv_pool));
	return vt_pair_start(p);
}

int
vt_pair_up_ring(struct vt_pair *p, const struct vt_pair_opts *opts)
{
	int rc;

	VT_CHECK(vt_ring_log_start());
	rc = vt_pair_up(p, opts);
	if (rc != VT_PASS) {
		free(vt_log_capture_stop());
		return rc;
	}
	return vt_ring_log_check(p->opts.ring);
}

static int
vt_port_remove(const char *name, uint16_t port, bool *created)
{
	int ret;

	if (!*created)
		return VT_PASS;
	vt_phase("stop %s (port %u)", name, port);
	ret = rte_eth_dev_stop(port);
	VT_ASSERT_OK(ret, "rte_eth_dev_stop");
	vt_phase("close %s (port %u)", name, port);
	ret = rte_eth_dev_close(port);
	VT_ASSERT_OK(ret, "rte_eth_dev_close");
	VT_ASSERT(!rte_eth_dev_is_valid_port(port),
		  "port %u of %s still valid after close", port, name);
	vt_phase("remove %s", name);
	ret = rte_vdev_uninit(name);
	VT_ASSERT_EQ(0, ret, "rte_vdev_uninit");
	*created = false;
	return VT_PASS;
}

int
vt_pair_vhost_remove(struct vt_pair *p)
{
	return vt_port_remove(p->vhost_name, p->vhost_port, &p->vhost_created);
}

int
vt_pair_down(struct vt_pair *p, bool driver_first)
{
	if (driver_first) {
		VT_CHECK(vt_port_remove(p->drv_name, p->drv_port,
					&p->drv_created));
		VT_CHECK(vt_port_remove(p->vhost_name, p->vhost_port,
					&p->vhost_created));
	} else {
		VT_CHECK(vt_port_remove(p->vhost_name, p->vhost_port,
					&p->vhost_created));
		VT_CHECK(vt_port_remove(p->drv_name, p->drv_port,
					&p->drv_created));
	}
	return VT_PASS;
}

int
vt_pair_free_pools(struct vt_pair *p)
{
	struct rte_mempool **pools[] = {
		&p->gen_pool, &p->drv_pool, &p->vhost_pool, &p->seg_pool,
	};
	int rc = VT_PASS;
	unsigned int i;

	for (i = 0; i < RTE_DIM(pools); i++) {
		struct rte_mempool *mp = *pools[i];
		unsigned int used;

		if (mp == NULL)
			continue;
		used = rte_mempool_in_use_count(mp);
		if (used != 0) {
			vt_fail(__FILE__, __LINE__,
				"pool %s: expected 0 mbufs in use after close, actual %u (leak)",
				mp->name, used);
			rc = VT_FAIL;
			continue;	/* freeing it would free live mbufs */
		}
		rte_mempool_free(mp);
		*pools[i] = NULL;
	}
	return rc;
}

int
vt_counts_get(uint16_t port, struct vt_counts *c)
{
	struct rte_eth_stats st;
	int ret;

	memset(&st, 0, sizeof(st));
	ret = rte_eth_stats_get(port, &st);
	VT_ASSERT_OK(ret, "rte_eth_stats_get");
	c->ipackets = st.ipackets;
	c->opackets = st.opackets;
	c->ibytes = st.ibytes;
	c->obytes = st.obytes;
	c->ierrors = st.ierrors;
	c->oerrors = st.oerrors;
	c->q_ipackets = st.q_ipackets[0];
	c->q_opackets = st.q_opackets[0];
	c->q_ibytes = st.q_ibytes[0];
	c->q_obytes = st.q_obytes[0];
	return VT_PASS;
}

int
vt_xstat_get(uint16_t port, const char *name, uint64_t *value)
{
	struct rte_eth_xstat_name *names;
	struct rte_eth_xstat *xs;
	int n, i, found = -1;

	n = rte_eth_xstats_get_names(port, NULL, 0);
	VT_ASSERT(n > 0, "port %u: rte_eth_xstats_get_names: %d", port, n);
	names = calloc(n, sizeof(*names));
	xs = calloc(n, sizeof(*xs));
	if (names == NULL || xs == NULL ||
	    rte_eth_xstats_get_names(port, names, n) != n ||
	    rte_eth_xstats_get(port, xs, n) != n) {
		free(names);
		free(xs);
		vt_fail(__FILE__, __LINE__, "port %u: cannot read %d xstats",
			port, n);
		return VT_FAIL;
	}
	for (i = 0; i < n; i++)
		if (strcmp(names[xs[i].id].name, name) == 0)
			found = i;
	if (found < 0) {
		printf("     port %u xstats:", port);
		for (i = 0; i < n; i++)
			printf(" %s", names[i].name);
		printf("\n");
		free(names);
		free(xs);
		vt_fail(__FILE__, __LINE__, "port %u: expected an xstat named %s, actual none",
			port, name);
		return VT_FAIL;
	}
	*value = xs[found].value;
	free(names);
	free(xs);
	return VT_PASS;
}

unsigned int
vt_pair_in_use(const struct vt_pair *p)
{
	const struct rte_mempool *pools[] = {
		p->gen_pool, p->drv_pool, p->vhost_pool, p->seg_pool,
	};
	unsigned int i, n = 0;

	for (i = 0; i < RTE_DIM(pools); i++)
		if (pools[i] != NULL)
			n += rte_mempool_in_use_count(pools[i]);
	return n;
}
