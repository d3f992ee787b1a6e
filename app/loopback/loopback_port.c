/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The virtio_map authors
 */

/*
 * Ports of virtio_map_loopback: the mbuf pool, and for each pair the
 * net_vhost device port and the driver port under test, hotplugged as
 * vdevs in the order vhost-user needs, configured with one queue each,
 * waited on until their links are up, and torn down driver first. Only
 * public ethdev and EAL calls; no traffic.
 */

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <rte_common.h>
#include <rte_cycles.h>
#include <rte_dev.h>
#include <rte_devargs.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_ether.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>

#include "loopback.h"
#include "rte_pmd_virtio_map.h"

#define LB_LINK_TIMEOUT_MS	10000
#define LB_POOL_CACHE		256
#define LB_DEVARGS_LEN		1024
#define LB_FRAME_SLACK		64

/*
 * Room for one frame in one mbuf, never less than DPDK's default. Drivers
 * size their Rx buffers for the MTU plus a VLAN tag and a virtio-net
 * header, hence the slack.
 */
static uint16_t
lb_data_room(const struct lb_opts *o)
{
	return RTE_PKTMBUF_HEADROOM +
		RTE_MAX((unsigned int)RTE_MBUF_DEFAULT_DATAROOM,
			RTE_ALIGN_CEIL(o->size + LB_FRAME_SLACK, 64));
}

/*
 * Per pair: the driver's Rx ring is kept full and its Tx ring holds sent
 * mbufs until reclaimed; the rest is in-flight packets, the bursts in the
 * loop's hands and the per-lcore cache.
 */
unsigned int
lb_pool_size(const struct lb_opts *o, unsigned int npairs)
{
	unsigned int per_pair = o->queues * (4 * o->queue_size +
		2 * o->inject * o->burst + 4 * o->burst);

	return npairs * per_pair + 2 * LB_POOL_CACHE * rte_lcore_count() +
		1024;
}

struct rte_mempool *
lb_pool_create(const struct lb_opts *o, unsigned int npairs)
{
	unsigned int n;
	struct rte_mempool *mp;

	n = lb_pool_size(o, npairs);
	mp = rte_pktmbuf_pool_create("lb_pool", n, LB_POOL_CACHE, 0,
		lb_data_room(o), rte_socket_id());
	if (mp == NULL)
		lb_err("cannot create a pool of %u mbufs of %u bytes: %s"
			" (raise EAL -m)", n, lb_data_room(o),
			rte_strerror(rte_errno));
	return mp;
}

/*
 * --tso: the driver port sends TSO frames and takes LRO ones, with the
 * checksum offloads they need; net_vhost takes Rx checksum offload, so
 * it does not finish every 64 KB checksum in software (neither port of
 * a pair checks payload: the figure is the drivers' and the copy's).
 */
static int
lb_tso_conf(uint16_t port, const char *name, bool driver,
	struct rte_eth_conf *conf)
{
	/* no IPv4 checksum: virtio cannot offload it (the frame has one) */
	const uint64_t tx = RTE_ETH_TX_OFFLOAD_TCP_TSO |
		RTE_ETH_TX_OFFLOAD_TCP_CKSUM | RTE_ETH_TX_OFFLOAD_MULTI_SEGS;
	const uint64_t rx = RTE_ETH_RX_OFFLOAD_TCP_LRO |
		RTE_ETH_RX_OFFLOAD_TCP_CKSUM;
	struct rte_eth_dev_info info;
	int ret;

	ret = rte_eth_dev_info_get(port, &info);
	if (ret < 0) {
		lb_err("%s: dev_info: %s", name, strerror(-ret));
		return ret;
	}
	if (!driver) {
		conf->rxmode.offloads = info.rx_offload_capa &
			RTE_ETH_RX_OFFLOAD_TCP_CKSUM;
		return 0;
	}
	if ((info.tx_offload_capa & tx) != tx ||
	    (info.rx_offload_capa & rx) != rx) {
		lb_err("%s: --tso needs Tx offloads 0x%" PRIx64 " and Rx 0x%"
			PRIx64 "; the port offers 0x%" PRIx64 " and 0x%" PRIx64
			" (mergeable Rx buffers on?)", name, tx, rx,
			info.tx_offload_capa, info.rx_offload_capa);
		return -ENOTSUP;
	}
	conf->txmode.offloads = tx;
	conf->rxmode.offloads = rx;
	conf->rxmode.max_lro_pkt_size = info.max_lro_pkt_size;
	return 0;
}

/*
 * Which burst functions the driver's port runs (its burst_mode_get), so
 * that a figure can be told apart by path: "# burst NAME: rx ..., tx ...".
 */
static void
lb_print_burst_mode(uint16_t port, const char *name)
{
	struct rte_eth_burst_mode rx, tx;

	if (rte_eth_rx_burst_mode_get(port, 0, &rx) != 0)
		snprintf(rx.info, sizeof(rx.info), "unknown");
	if (rte_eth_tx_burst_mode_get(port, 0, &tx) != 0)
		snprintf(tx.info, sizeof(tx.info), "unknown");
	printf("# burst %s: rx %s; tx %s\n", name, rx.info, tx.info);
	fflush(stdout);
}

static int
lb_port_setup(uint16_t port, const char *name, struct rte_mempool *mp,
	const struct lb_opts *o, bool driver)
{
	struct rte_eth_conf conf;
	uint16_t q;
	int ret;

	memset(&conf, 0, sizeof(conf));
	if (o->tso != 0) {
		ret = lb_tso_conf(port, name, driver, &conf);
		if (ret < 0)
			return ret;
	} else if (o->size > RTE_ETHER_MAX_LEN - RTE_ETHER_CRC_LEN) {
		conf.rxmode.mtu = o->size - RTE_ETHER_HDR_LEN;
	}
	ret = rte_eth_dev_configure(port, o->queues, o->queues, &conf);
	if (ret < 0) {
		lb_err("%s: configure failed: %s", name, strerror(-ret));
		return ret;
	}
	for (q = 0; q < o->queues; q++) {
		ret = rte_eth_rx_queue_setup(port, q, o->queue_size,
			rte_eth_dev_socket_id(port), NULL, mp);
		if (ret < 0) {
			lb_err("%s: Rx queue %u setup failed: %s", name, q,
				strerror(-ret));
			return ret;
		}
		ret = rte_eth_tx_queue_setup(port, q, o->queue_size,
			rte_eth_dev_socket_id(port), NULL);
		if (ret < 0) {
			lb_err("%s: Tx queue %u setup failed: %s", name, q,
				strerror(-ret));
			return ret;
		}
	}
	/* as testpmd does: every frame, on both drivers alike */
	ret = o->no_promisc ? 0 : rte_eth_promiscuous_enable(port);
	if (ret < 0 && ret != -ENOTSUP) {
		lb_err("%s: promiscuous mode: %s", name, strerror(-ret));
		return ret;
	}
	ret = rte_eth_dev_start(port);
	if (ret < 0)
		lb_err("%s: start failed: %s", name, strerror(-ret));
	else if (driver)
		lb_print_burst_mode(port, name);
	return ret;
}

/* Whether a driver registered in this process claims the vdev name. */
static bool
lb_driver_present(const char *name)
{
	struct rte_devargs da;

	if (rte_devargs_parse(&da, name) != 0)
		return false;
	rte_devargs_reset(&da);
	return true;
}

/*
 * Hotplugs vdev name; *attached tells the teardown whether there is
 * something to detach, even when the port lookup after it fails.
 */
static int
lb_attach(const char *name, const char *args, const char *missing,
	bool *attached, uint16_t *port)
{
	int ret;

	if (!lb_driver_present(name)) {
		lb_err("%s: no driver for it in this process: %s", name,
			missing);
		return -ENOENT;
	}
	ret = rte_eal_hotplug_add("vdev", name, args);
	if (ret < 0) {
		lb_err("cannot attach %s,%s: %s", name, args, strerror(-ret));
		return ret;
	}
	*attached = true;
	ret = rte_eth_dev_get_port_by_name(name, port);
	if (ret < 0)
		lb_err("%s: attached but no ethdev port", name);
	return ret;
}

/* Closing a vdev port releases it; the device itself goes on unplug. */
static void
lb_detach(const char *name)
{
	uint16_t port;
	int ret;

	if (rte_eth_dev_get_port_by_name(name, &port) == 0) {
		ret = rte_eth_dev_stop(port);
		if (ret < 0)
			lb_err("%s: stop failed: %s", name, strerror(-ret));
		ret = rte_eth_dev_close(port);
		if (ret < 0)
			lb_err("%s: close failed: %s", name, strerror(-ret));
	}
	ret = rte_eal_hotplug_remove("vdev", name);
	if (ret < 0)
		lb_err("%s: detach failed: %s", name, strerror(-ret));
}

void
lb_pair_init(struct lb_pair *p, const struct lb_opts *o, enum lb_target t,
	unsigned int idx, const char *sockdir)
{
	memset(p, 0, sizeof(*p));
	p->target = t;
	snprintf(p->vh_name, sizeof(p->vh_name), "net_vhost%u", idx);
	snprintf(p->drv_name, sizeof(p->drv_name), "net_%s%u",
		lb_target_name[t], idx);
	snprintf(p->sock, sizeof(p->sock), "%s/%s.sock", sockdir,
		p->drv_name);
	if (t == LB_TARGET_MAP)
		p->map = o->maps[idx];
	p->devmem = p->map != NULL && strstr(p->map, "+devmem") != NULL;
	/* One kind keeps the bare name that scripts know. */
	if (t == LB_TARGET_MAP && o->nb_maps > 1)
		snprintf(p->label, sizeof(p->label), "%s(%s)",
			lb_target_name[t], p->map);
	else
		snprintf(p->label, sizeof(p->label), "%s", lb_target_name[t]);
}

static bool
lb_link_up(uint16_t port)
{
	struct rte_eth_link link;

	return rte_eth_link_get_nowait(port, &link) == 0 &&
		link.link_status == RTE_ETH_LINK_UP;
}

static int
lb_wait_link(const struct lb_pair *p)
{
	uint64_t end = rte_get_timer_cycles() +
		rte_get_timer_hz() * LB_LINK_TIMEOUT_MS / 1000;

	while (!lb_quit && rte_get_timer_cycles() < end) {
		if (lb_link_up(p->vh_port) && lb_link_up(p->drv_port))
			return 0;
		rte_delay_us_sleep(10 * 1000);
	}
	lb_err("%s <-> %s: link %s after %u ms (%s %s, %s %s)", p->drv_name,
		p->vh_name, lb_quit ? "interrupted" : "not up",
		LB_LINK_TIMEOUT_MS, p->drv_name,
		lb_link_up(p->drv_port) ? "up" : "down", p->vh_name,
		lb_link_up(p->vh_port) ? "up" : "down");
	return -ETIMEDOUT;
}

static int
lb_driver_args(const struct lb_pair *p, const struct lb_opts *o,
	char *buf, size_t len)
{
	char map[LB_MAP_NAME_LEN], *c;
	const char *extra;
	int n;

	if (p->target == LB_TARGET_MAP) {
		/* "KIND+key=val+key=val": the kind's own devargs */
		snprintf(map, sizeof(map), "%s", p->map);
		/* "devmem" is the loopback's, not a devarg */
		c = strstr(map, "+devmem");
		if (c != NULL)
			memmove(c, c + 7, strlen(c + 7) + 1);
		for (c = map; *c != '\0'; c++)
			if (*c == '+')
				*c = ',';
		extra = o->vm_args;
		n = snprintf(buf, len, "path=%s,map=%s,queue_size=%u,queues=%u%s",
			p->sock, map, o->queue_size, o->queues,
			o->tso != 0 ? ",mrg_rxbuf=1" : "");
	} else {
		extra = o->vu_args;
		n = snprintf(buf, len, "path=%s,queues=%u,queue_size=%u",
			p->sock, o->queues, o->queue_size);
	}
	if (n > 0 && extra != NULL && extra[0] != '\0')
		n += snprintf(buf + n, len - RTE_MIN((size_t)n, len), ",%s",
			extra);
	if (n < 0 || (size_t)n >= len) {
		lb_err("%s: devargs too long", p->drv_name);
		return -E2BIG;
	}
	return 0;
}

/*
 * "+devmem": a pool of pinned external buffers whose data lies in the
 * driver port's device memory (rte_pmd_virtio_map_mem_alloc()), as big
 * as the shared pool's share of one pair; both ports of the pair take
 * their Rx buffers from it, so what the loop forwards never bounces.
 */
static int
lb_devmem_pool(struct lb_pair *p, const struct lb_opts *o)
{
	struct rte_pktmbuf_extmem ext;
	unsigned int n = lb_pool_size(o, 1);
	char name[RTE_MEMPOOL_NAMESIZE];

	ext.elt_size = RTE_ALIGN_CEIL(lb_data_room(o), RTE_CACHE_LINE_SIZE);
	ext.buf_len = (size_t)n * ext.elt_size;
	ext.buf_ptr = rte_pmd_virtio_map_mem_alloc(p->drv_port, ext.buf_len);
	if (ext.buf_ptr == NULL) {
		lb_err("%s: no device memory of %zu bytes: %s", p->drv_name,
			ext.buf_len, rte_strerror(rte_errno));
		return -rte_errno;
	}
	ext.buf_iova = (uintptr_t)ext.buf_ptr;
	snprintf(name, sizeof(name), "lb_devmem%u", p->drv_port);
	p->mp = rte_pktmbuf_pool_create_extbuf(name, n, LB_POOL_CACHE, 0,
		ext.elt_size, rte_socket_id(), &ext, 1);
	if (p->mp == NULL) {
		lb_err("%s: cannot create a pool in device memory: %s",
			p->drv_name, rte_strerror(rte_errno));
		return -rte_errno;
	}
	return 0;
}

/*
 * net_vhost creates its socket when configured and net_virtio_user
 * connects in its probe, so the device side is started first (the
 * driver connects when started: with "+devmem" it is probed first, for
 * its device memory).
 */
int
lb_pair_attach(struct lb_pair *p, const struct lb_opts *o,
	struct rte_mempool *mp)
{
	char args[LB_DEVARGS_LEN];
	int ret;

	snprintf(args, sizeof(args), "iface=%s,queues=%u,client=0%s%s%s",
		 p->sock, o->queues, o->tso != 0 ? ",tso=1" : "",
		 o->vh_args != NULL ? "," : "",
		 o->vh_args != NULL ? o->vh_args : "");
	ret = lb_attach(p->vh_name, args,
		"DPDK's net_vhost PMD is missing; EAL loads it from "
		RTE_EAL_PMD_PATH " (Debian package dpdk), or pass -d",
		&p->vh_attached, &p->vh_port);
	if (ret < 0)
		return ret;
	if (!p->devmem) {
		ret = lb_port_setup(p->vh_port, p->vh_name, mp, o, false);
		if (ret < 0)
			return ret;
	}

	ret = lb_driver_args(p, o, args, sizeof(args));
	if (ret < 0)
		return ret;
	ret = lb_attach(p->drv_name, args, p->target == LB_TARGET_MAP ?
		"the net_virtio_map PMD is not linked in; pass -d with the path"
		" of librte_net_virtio_map.so (not under /tmp)" :
		"DPDK's net_virtio PMD is missing; EAL loads it from "
		RTE_EAL_PMD_PATH " (Debian package dpdk), or pass -d",
		&p->drv_attached, &p->drv_port);
	if (ret < 0)
		return ret;
	if (p->devmem) {
		ret = lb_devmem_pool(p, o);
		if (ret == 0)
			ret = lb_port_setup(p->vh_port, p->vh_name, p->mp, o,
					    false);
		if (ret < 0)
			return ret;
		mp = p->mp;
	}
	ret = lb_port_setup(p->drv_port, p->drv_name, mp, o, true);
	if (ret < 0)
		return ret;
	return lb_wait_link(p);
}

/* The driver goes first: closing net_vhost under a live driver can hang. */
void
lb_pair_detach(struct lb_pair *p)
{
	if (p->drv_attached)
		lb_detach(p->drv_name);
	p->drv_attached = false;
	if (p->vh_attached)
		lb_detach(p->vh_name);
	p->vh_attached = false;
	/* its data went with the driver's port; the mbufs are all back */
	rte_mempool_free(p->mp);
	p->mp = NULL;
	if (p->sock[0] != '\0' && unlink(p->sock) < 0 && errno != ENOENT)
		lb_err("cannot remove %s: %s", p->sock, strerror(errno));
}

