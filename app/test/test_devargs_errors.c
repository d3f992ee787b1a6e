/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The virtio_map authors
 */

/*
 * Integration test "devargs_errors": every way the net_virtio_map devargs
 * can be wrong must make probe fail (rte_vdev_init() or rte_dev_probe()
 * below zero), quickly, without leaving a port behind, and with a logged
 * message that names the device and the key (and the value, where it is
 * distinctive). Valid combinations must probe, show the asked-for MAC and a
 * down link (no device yet), and remove cleanly; afterwards a real pair with
 * net_vhost still carries traffic, so the failures left nothing behind.
 */

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_bus_vdev.h>
#include <rte_dev.h>
#include <rte_eal.h>
#include <rte_ethdev.h>

#include "vt.h"

#define DRV "net_virtio_map0"

struct bad_case {
	const char *what;
	const char *args;	/* %s: the socket path */
	const char *key;	/* the message must name it */
	const char *value;	/* and this, when not NULL */
};

static const struct bad_case bad_cases[] = {
	{ "no path", "", "path", NULL },
	{ "no path among other keys", "queue_size=256,server=0", "path", NULL },
	{ "empty path", "path=", "path", NULL },
	{ "path too long for a UNIX socket",
	  "path=%s/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.sock",
	  "path", NULL },
	{ "unknown key", "path=%s,bogus=1", "bogus", NULL },
	{ "misspelt key", "path=%s,queuesize=256", "queuesize", NULL },
	{ "queue_size with junk", "path=%s,queue_size=12abc", "queue_size",
	  "12abc" },
	{ "queue_size empty", "path=%s,queue_size=", "queue_size", NULL },
	{ "queue_size negative", "path=%s,queue_size=-256", "queue_size",
	  "-256" },
	{ "queue_size not a power of two", "path=%s,queue_size=100",
	  "queue_size", "100" },
	{ "queue_size below 64", "path=%s,queue_size=32", "queue_size", NULL },
	{ "queue_size above 32768", "path=%s,queue_size=65536", "queue_size",
	  "65536" },
	{ "queue_size past 32 bits", "path=%s,queue_size=4294967552",
	  "queue_size", "4294967552" },
	{ "server=2", "path=%s,server=2", "server", NULL },
	{ "server=yes", "path=%s,server=yes", "server", "yes" },
	{ "mac with bad digits", "path=%s,mac=zz:00:00:00:00:01", "mac",
	  "zz:00:00:00:00:01" },
	{ "mac too short", "path=%s,mac=02:00:00:00:01", "mac",
	  "02:00:00:00:01" },
	{ "mac too long", "path=%s,mac=02:00:00:00:00:01:07", "mac",
	  "02:00:00:00:00:01:07" },
	{ "map unknown", "path=%s,map=bogus", "map", "bogus" },
	{ "iommu unknown", "path=%s,iommu=bogus", "iommu", "bogus" },
	{ "iommu empty", "path=%s,iommu=", "iommu", NULL },
	{ "iotlb_prefill unknown", "path=%s,iotlb_prefill=2", "iotlb_prefill",
	  "auto" },
	{ "map=pa with IOVA as VA", "path=%s,map=pa", "map", NULL },
	{ "queues=129", "path=%s,queues=129", "queues", "129" },
	{ "queues=0", "path=%s,queues=0", "queues", NULL },
	{ "queues with junk", "path=%s,queues=1x", "queues", "1x" },
	{ "bounce_size=0", "path=%s,map=vduse,bounce_size=0", "bounce_size",
	  NULL },
	{ "bounce_size below 1M", "path=%s,map=vduse,bounce_size=512K",
	  "bounce_size", "512K" },
	{ "bounce_size one byte below 1M",
	  "path=%s,map=vduse,bounce_size=1048575", "bounce_size", "1048575" },
	{ "bounce_size above 1G", "path=%s,map=vduse,bounce_size=2G",
	  "bounce_size", "2G" },
	{ "bounce_size one KB above 1G",
	  "path=%s,map=vduse,bounce_size=1048577K", "bounce_size",
	  "1048577K" },
	{ "bounce_size with junk", "path=%s,map=vduse,bounce_size=12abc",
	  "bounce_size", "12abc" },
	{ "bounce_size with an unknown suffix",
	  "path=%s,map=vduse,bounce_size=1X", "bounce_size", "1X" },
	{ "bounce_size with two suffixes",
	  "path=%s,map=vduse,bounce_size=64MM", "bounce_size", "64MM" },
	{ "bounce_size empty", "path=%s,map=vduse,bounce_size=",
	  "bounce_size", NULL },
	{ "bounce_size negative", "path=%s,map=vduse,bounce_size=-64M",
	  "bounce_size", "-64M" },
	{ "bounce_size past 64 bits",
	  "path=%s,map=vduse,bounce_size=18446744073709551617",
	  "bounce_size", "18446744073709551617" },
	{ "bounce_size wrapping with its suffix",
	  "path=%s,map=vduse,bounce_size=17179869185G", "bounce_size",
	  "17179869185G" },
	{ "map_debug=2", "path=%s,map=vduse,map_debug=2", "map_debug", NULL },
	{ "map_debug=yes", "path=%s,map_debug=yes", "map_debug", "yes" },
	{ "map_debug empty", "path=%s,map_debug=", "map_debug", NULL },
	/* the ring options: 0 or 1, nothing else */
#define RING_BAD(k)							\
	{ k "=2", "path=%s," k "=2", k, k "=2" },			\
	{ k "=-1", "path=%s," k "=-1", k, "-1" },			\
	{ k "=yes", "path=%s," k "=yes", k, "yes" },			\
	{ k " empty", "path=%s," k "=", k, NULL }
	RING_BAD("packed_vq"),
	RING_BAD("in_order"),
	RING_BAD("mrg_rxbuf"),
	RING_BAD("indirect"),
	RING_BAD("event_idx"),
#undef RING_BAD
	{ "packed_vq given twice", "path=%s,packed_vq=1,packed_vq=0",
	  "packed_vq", NULL },
	{ "map given twice", "path=%s,map=vduse,map=va", "map", NULL },
	{ "bounce_size given twice", "path=%s,map=vduse,bounce_size=1M,bounce_size=2M",
	  "bounce_size", NULL },
};

static char sock[PATH_MAX];

static int
check_refused(const char *what, int ret, double took, uint16_t count0,
	      const char *name, const char *log, const char *key,
	      const char *value)
{
	uint16_t port;

	VT_ASSERT(ret < 0, "%s: probe expected < 0, actual %d", what, ret);
	VT_ASSERT(took < 2.0, "%s: refusing took %.2f s", what, took);
	VT_ASSERT_EQ(count0, rte_eth_dev_count_avail(), "ports after a refused probe");
	VT_ASSERT(rte_eth_dev_get_port_by_name(name, &port) != 0,
		  "%s: port %u left behind", what, port);
	VT_ASSERT_CONTAINS(log, key, "message names the key");
	VT_ASSERT_CONTAINS(log, name, "message names the device");
	if (value != NULL)
		VT_ASSERT_CONTAINS(log, value, "message quotes the value");
	return VT_PASS;
}

static int
bad_case(const struct bad_case *c)
{
	char args[PATH_MAX + 256];
	uint16_t count0;
	double t0, took;
	char *log;
	int ret, rc;

	snprintf(args, sizeof(args), c->args, sock);
	vt_phase("refuse: %s: %s", c->what, args);
	count0 = rte_eth_dev_count_avail();
	VT_CHECK(vt_log_capture_start());
	t0 = vt_now();
	ret = rte_vdev_init(DRV, args);
	took = vt_now() - t0;
	log = vt_log_capture_stop();
	if (ret == 0) {
		/* do not leave it for the next case */
		uint16_t port;

		if (rte_eth_dev_get_port_by_name(DRV, &port) == 0)
			rte_eth_dev_close(port);
		rte_vdev_uninit(DRV);
	}
	rc = check_refused(c->what, ret, took, count0, DRV, log, c->key,
			   c->value);
	free(log);
	return rc;
}

/* The same refusal through the generic hotplug call, on its own name. */
static int
bad_dev_probe(void)
{
	char args[PATH_MAX + 256];
	uint16_t count0;
	double t0, took;
	char *log;
	int ret, rc;

	snprintf(args, sizeof(args), "net_virtio_map7,path=%s,queue_size=12abc",
		 sock);
	vt_phase("refuse through rte_dev_probe: %s", args);
	count0 = rte_eth_dev_count_avail();
	VT_CHECK(vt_log_capture_start());
	t0 = vt_now();
	ret = rte_dev_probe(args);
	took = vt_now() - t0;
	log = vt_log_capture_stop();
	rc = check_refused("rte_dev_probe", ret, took, count0,
			   "net_virtio_map7", log, "queue_size", "12abc");
	free(log);
	return rc;
}

static int
good_case(const char *args_fmt, const char *mac)
{
	char args[PATH_MAX + 256];
	struct rte_ether_addr got, want;
	struct rte_eth_link link;
	uint16_t count0, port;
	double t0;
	int ret;

	snprintf(args, sizeof(args), args_fmt, sock);
	vt_phase("accept: %s", args);
	count0 = rte_eth_dev_count_avail();
	t0 = vt_now();
	ret = rte_vdev_init(DRV, args);
	VT_ASSERT_EQ(0, ret, "rte_vdev_init with valid devargs");
	VT_ASSERT(vt_now() - t0 < 2.0, "probe took %.2f s", vt_now() - t0);
	VT_ASSERT_EQ(count0 + 1, rte_eth_dev_count_avail(), "ports after probe");
	VT_ASSERT_OK(rte_eth_dev_get_port_by_name(DRV, &port), "port by name");

	VT_ASSERT_OK(rte_eth_macaddr_get(port, &got), "rte_eth_macaddr_get");
	if (mac != NULL) {
		VT_ASSERT_OK(rte_ether_unformat_addr(mac, &want), "parse mac");
		VT_ASSERT(rte_is_same_ether_addr(&got, &want),
			  "mac: expected %s, actual " RTE_ETHER_ADDR_PRT_FMT,
			  mac, RTE_ETHER_ADDR_BYTES(&got));
	} else {
		VT_ASSERT(rte_is_unicast_ether_addr(&got) &&
			  rte_is_local_admin_ether_addr(&got),
			  "default mac: expected locally administered unicast, actual " RTE_ETHER_ADDR_PRT_FMT,
			  RTE_ETHER_ADDR_BYTES(&got));
	}
	memset(&link, 0, sizeof(link));
	VT_ASSERT_OK(rte_eth_link_get_nowait(port, &link), "link get");
	VT_ASSERT_EQ(RTE_ETH_LINK_DOWN, link.link_status,
		     "link with no device behind the socket");

	VT_ASSERT_OK(rte_eth_dev_close(port), "close");
	VT_ASSERT_EQ(0, rte_vdev_uninit(DRV), "rte_vdev_uninit");
	VT_ASSERT_EQ(count0, rte_eth_dev_count_avail(), "ports after removal");
	return VT_PASS;
}

static int
run(int argc, char **argv)
{
	static const struct {
		const char *args;
		const char *mac;
	} good[] = {
		{ "path=%s,server=0,queue_size=1024,mac=02:11:22:33:44:55,map=va,queues=1",
		  "02:11:22:33:44:55" },
		{ "path=%s,map=auto,queue_size=64", NULL },
		{ "path=%s,queue_size=32768,mac=0A:BB:CC:DD:EE:0F",
		  "0a:bb:cc:dd:ee:0f" },
		{ "path=%s,server=1", NULL },
		{ "path=%s", NULL },
		{ "path=%s,map=vduse", NULL },
		{ "path=%s,map=vduse,bounce_size=1M", NULL },
		{ "path=%s,map=vduse,bounce_size=1024K", NULL },
		{ "path=%s,map=vduse,bounce_size=1048576", NULL },
		{ "path=%s,map=vduse,bounce_size=64M", NULL },
		{ "path=%s,map=vduse,bounce_size=1G", NULL },
		{ "path=%s,map=vduse,bounce_size=16M,map_debug=1", NULL },
		{ "path=%s,map=va,bounce_size=1M", NULL },
		{ "path=%s,map=vduse,map_debug=0", NULL },
		{ "path=%s,map=va,map_debug=1", NULL },
		{ "path=%s,packed_vq=1,in_order=1,mrg_rxbuf=1,indirect=1,event_idx=1",
		  NULL },
		{ "path=%s,packed_vq=0,in_order=0,mrg_rxbuf=0,indirect=0,event_idx=0",
		  NULL },
		{ "path=%s,map=vduse,packed_vq=1,mrg_rxbuf=1", NULL },
	};
	struct vt_pair p;
	unsigned int i, failed = 0, total = 0;

	RTE_SET_USED(argv);
	if (argc != 0) {
		vt_fail(__FILE__, __LINE__, "expected no argument, got %d", argc);
		return VT_FAIL;
	}
	VT_CHECK(vt_eal_init(NULL));
	VT_ASSERT_EQ(RTE_IOVA_VA, rte_eal_iova_mode(),
		     "EAL IOVA mode (map=pa must be refused)");
	snprintf(sock, sizeof(sock), "%s/absent.sock", vt_ctx.dir);
	VT_ASSERT_EQ(0, rte_eth_dev_count_avail(), "ports at start");

	for (i = 0; i < RTE_DIM(bad_cases); i++, total++)
		if (bad_case(&bad_cases[i]) != VT_PASS) {
			vt_info("case \"%s\" FAILED", bad_cases[i].what);
			failed++;
		}
	total++;
	if (bad_dev_probe() != VT_PASS) {
		vt_info("case \"rte_dev_probe\" FAILED");
		failed++;
	}
	for (i = 0; i < RTE_DIM(good); i++, total++)
		if (good_case(good[i].args, good[i].mac) != VT_PASS) {
			vt_info("valid case \"%s\" FAILED", good[i].args);
			failed++;
		}
	vt_info("%u of %u devargs cases passed", total - failed, total);
	VT_ASSERT_EQ(0, failed, "failed devargs cases");

	/* nothing the refusals did gets in the way of a real pair */
	VT_CHECK(vt_pair_up(&p, NULL));
	VT_CHECK(vt_pair_traffic(&p, 10000, 60, 1514));
	VT_CHECK(vt_pair_down(&p, true));
	VT_CHECK(vt_pair_free_pools(&p));
	return VT_PASS;
}

static const struct vt_test test = {
	.name = "devargs_errors",
	.usage = "(no arguments)",
	.timeout_s = 170,
	.run = run,
};

int
main(int argc, char **argv)
{
	return vt_main(&test, argc, argv);
}
