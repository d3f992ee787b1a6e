/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The virtio_map authors
 */

/*
 * Integration test "features": the feature matrix in DPDK's format
 * (doc/guides/features/virtio_map.ini) says what the port does. Each
 * feature the ethdev API can show is probed on ports of four ring
 * configurations (split or packed, mrg_rxbuf 0 or 1): supported fully in
 * every one is "Y", in some or in part (one direction only, say) is "P",
 * in none means the ini must not list it. Entries the API cannot show
 * (platforms, docs, per-queue counters which the multiqueue test checks
 * with traffic) are accepted from a fixed list; any other entry fails, so
 * the ini cannot claim what nobody checks. No device is needed.
 *
 *   test_features INI
 */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_bus_vdev.h>
#include <rte_ethdev.h>

#include "vt.h"

#define DRV "net_virtio_map0"
#define MAX_ENTRIES 96

/* How much of a feature one port shows. */
enum level { NONE = 0, PART = 1, FULL = 2 };

static enum level
both(bool a, bool b)
{
	return a && b ? FULL : a || b ? PART : NONE;
}

/* What one probe is given. */
struct probe_ctx {
	uint16_t port;
	struct rte_eth_dev_info info;
};

typedef enum level (*probe_fn)(const struct probe_ctx *c);

static enum level
p_speed(const struct probe_ctx *c)
{
	return c->info.speed_capa != 0 ? FULL : NONE;
}

static enum level
p_link(const struct probe_ctx *c)
{
	struct rte_eth_link l;

	return rte_eth_link_get_nowait(c->port, &l) == 0 ? FULL : NONE;
}

static enum level
p_lsc(const struct probe_ctx *c)
{
	return c->info.dev_flags != NULL &&
	       (*c->info.dev_flags & RTE_ETH_DEV_INTR_LSC) ? FULL : NONE;
}

static enum level
p_rx_intr(const struct probe_ctx *c)
{
	return rte_eth_dev_rx_intr_enable(c->port, 0) != -ENOTSUP ? FULL : NONE;
}

static enum level
p_queue_start_stop(const struct probe_ctx *c)
{
	return rte_eth_dev_rx_queue_stop(c->port, 0) != -ENOTSUP ? FULL : NONE;
}

static enum level
p_mtu(const struct probe_ctx *c)
{
	return rte_eth_dev_set_mtu(c->port, RTE_ETHER_MTU) != -ENOTSUP ?
	       FULL : NONE;
}

static enum level
p_scatter(const struct probe_ctx *c)
{
	return c->info.rx_offload_capa & RTE_ETH_RX_OFFLOAD_SCATTER ?
	       FULL : NONE;
}

static enum level
p_lro(const struct probe_ctx *c)
{
	return c->info.rx_offload_capa & RTE_ETH_RX_OFFLOAD_TCP_LRO ?
	       FULL : NONE;
}

static enum level
p_tso(const struct probe_ctx *c)
{
	return c->info.tx_offload_capa & RTE_ETH_TX_OFFLOAD_TCP_TSO ?
	       FULL : NONE;
}

static enum level
p_promisc(const struct probe_ctx *c)
{
	return rte_eth_promiscuous_enable(c->port) == 0 ? FULL : NONE;
}

static enum level
p_allmulti(const struct probe_ctx *c)
{
	return rte_eth_allmulticast_enable(c->port) == 0 ? FULL : NONE;
}

static enum level
p_uc_filter(const struct probe_ctx *c)
{
	struct rte_ether_addr a = {{ 0x02, 0, 0, 0, 0x5a, 0x01 }};

	if (rte_eth_dev_mac_addr_add(c->port, &a, 0) != 0)
		return NONE;
	rte_eth_dev_mac_addr_remove(c->port, &a);
	return FULL;
}

static enum level
p_mc_filter(const struct probe_ctx *c)
{
	struct rte_ether_addr a = {{ 0x01, 0x00, 0x5e, 0, 0, 0x01 }};

	if (rte_eth_dev_set_mc_addr_list(c->port, &a, 1) != 0)
		return NONE;
	rte_eth_dev_set_mc_addr_list(c->port, NULL, 0);
	return FULL;
}

static enum level
p_rss_hash(const struct probe_ctx *c)
{
	return c->info.flow_type_rss_offloads != 0 ||
	       (c->info.rx_offload_capa & RTE_ETH_RX_OFFLOAD_RSS_HASH) ?
	       FULL : NONE;
}

static enum level
p_rss_key(const struct probe_ctx *c)
{
	struct rte_eth_rss_conf rc = { .rss_hf = 0 };

	return rte_eth_dev_rss_hash_update(c->port, &rc) != -ENOTSUP ?
	       FULL : NONE;
}

static enum level
p_rss_reta(const struct probe_ctx *c)
{
	return c->info.reta_size != 0 ? FULL : NONE;
}

static enum level
p_vlan_filter(const struct probe_ctx *c)
{
	return c->info.rx_offload_capa & RTE_ETH_RX_OFFLOAD_VLAN_FILTER ?
	       FULL : NONE;
}

static enum level
p_vlan_offload(const struct probe_ctx *c)
{
	return both(c->info.rx_offload_capa & RTE_ETH_RX_OFFLOAD_VLAN_STRIP,
		    c->info.tx_offload_capa & RTE_ETH_TX_OFFLOAD_VLAN_INSERT);
}

static enum level
p_l3_csum(const struct probe_ctx *c)
{
	return both(c->info.rx_offload_capa & RTE_ETH_RX_OFFLOAD_IPV4_CKSUM,
		    c->info.tx_offload_capa & RTE_ETH_TX_OFFLOAD_IPV4_CKSUM);
}

static enum level
p_l4_csum(const struct probe_ctx *c)
{
	const uint64_t rx = RTE_ETH_RX_OFFLOAD_UDP_CKSUM |
			    RTE_ETH_RX_OFFLOAD_TCP_CKSUM;
	const uint64_t tx = RTE_ETH_TX_OFFLOAD_UDP_CKSUM |
			    RTE_ETH_TX_OFFLOAD_TCP_CKSUM;
	enum level l = both((c->info.rx_offload_capa & rx) == rx,
			    (c->info.tx_offload_capa & tx) == tx);

	if (l == NONE && ((c->info.rx_offload_capa & rx) ||
			  (c->info.tx_offload_capa & tx)))
		l = PART;
	return l;
}

static enum level
p_stats(const struct probe_ctx *c)
{
	struct rte_eth_stats st;

	return rte_eth_stats_get(c->port, &st) == 0 ? FULL : NONE;
}

static enum level
p_xstats(const struct probe_ctx *c)
{
	return rte_eth_xstats_get_names(c->port, NULL, 0) > 0 ? FULL : NONE;
}

static enum level
p_burst_mode(const struct probe_ctx *c)
{
	struct rte_eth_burst_mode bm;

	return rte_eth_rx_burst_mode_get(c->port, 0, &bm) == 0 ? FULL : NONE;
}

static enum level
p_ptypes(const struct probe_ctx *c)
{
	return rte_eth_dev_get_supported_ptypes(c->port, RTE_PTYPE_ALL_MASK,
						NULL, 0) > 0 ? FULL : NONE;
}

static enum level
p_rx_desc_status(const struct probe_ctx *c)
{
	return rte_eth_rx_descriptor_status(c->port, 0, 0) != -ENOTSUP ?
	       FULL : NONE;
}

static enum level
p_tx_desc_status(const struct probe_ctx *c)
{
	return rte_eth_tx_descriptor_status(c->port, 0, 0) != -ENOTSUP ?
	       FULL : NONE;
}

static enum level
p_fast_free(const struct probe_ctx *c)
{
	return c->info.tx_offload_capa & RTE_ETH_TX_OFFLOAD_MBUF_FAST_FREE ?
	       FULL : NONE;
}

static enum level
p_fw_version(const struct probe_ctx *c)
{
	char v[64];

	return rte_eth_dev_fw_version_get(c->port, v, sizeof(v)) != -ENOTSUP ?
	       FULL : NONE;
}

static enum level
p_runtime_rxq(const struct probe_ctx *c)
{
	return c->info.dev_capa & RTE_ETH_DEV_CAPA_RUNTIME_RX_QUEUE_SETUP ?
	       FULL : NONE;
}

static enum level
p_runtime_txq(const struct probe_ctx *c)
{
	return c->info.dev_capa & RTE_ETH_DEV_CAPA_RUNTIME_TX_QUEUE_SETUP ?
	       FULL : NONE;
}

/* Features the API shows, by their name in DPDK's default.ini. */
static const struct {
	const char *name;
	probe_fn probe;
} probes[] = {
	{ "Speed capabilities", p_speed },
	{ "Link status", p_link },
	{ "Link status event", p_lsc },
	{ "Rx interrupt", p_rx_intr },
	{ "Queue start/stop", p_queue_start_stop },
	{ "Runtime Rx queue setup", p_runtime_rxq },
	{ "Runtime Tx queue setup", p_runtime_txq },
	{ "Burst mode info", p_burst_mode },
	{ "MTU update", p_mtu },
	{ "Scattered Rx", p_scatter },
	{ "LRO", p_lro },
	{ "TSO", p_tso },
	{ "Fast mbuf free", p_fast_free },
	{ "Promiscuous mode", p_promisc },
	{ "Allmulticast mode", p_allmulti },
	{ "Unicast MAC filter", p_uc_filter },
	{ "Multicast MAC filter", p_mc_filter },
	{ "RSS hash", p_rss_hash },
	{ "RSS key update", p_rss_key },
	{ "RSS reta update", p_rss_reta },
	{ "VLAN filter", p_vlan_filter },
	{ "VLAN offload", p_vlan_offload },
	{ "L3 checksum offload", p_l3_csum },
	{ "L4 checksum offload", p_l4_csum },
	{ "Packet type parsing", p_ptypes },
	{ "Rx descriptor status", p_rx_desc_status },
	{ "Tx descriptor status", p_tx_desc_status },
	{ "Basic stats", p_stats },
	{ "Extended stats", p_xstats },
	{ "FW version", p_fw_version },
};

/* Entries the API cannot show, and where they are checked instead. */
static const char *const unprobed[] = {
	"Stats per queue",	/* test multiqueue: q_ipackets, q_opackets */
	/* hugepages tests secondary, proc_info and capture (P: map=vduse
	 * bursts run in the primary only) */
	"Multiprocess aware",
	"Linux",
	"x86-64",
	"Usage doc",
};

struct entry {
	char name[64];
	char value[8];
	bool seen;
};

static char *
trim(char *s)
{
	char *e;

	while (*s == ' ' || *s == '\t')
		s++;
	e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\n' ||
			 e[-1] == '\r'))
		*--e = '\0';
	return s;
}

/* The [Features] section of the ini: name = value lines. */
static int
read_ini(const char *path, struct entry *e, unsigned int *n)
{
	char line[256], *eq, *name, *val;
	bool in_features = false;
	FILE *f = fopen(path, "r");

	VT_ASSERT(f != NULL, "cannot open %s: %s", path, strerror(errno));
	*n = 0;
	while (fgets(line, sizeof(line), f) != NULL) {
		name = trim(line);
		if (*name == ';' || *name == '\0')
			continue;
		if (*name == '[') {
			in_features = strcmp(name, "[Features]") == 0;
			continue;
		}
		if (!in_features)
			continue;
		eq = strchr(name, '=');
		if (eq == NULL || *n == MAX_ENTRIES) {
			fclose(f);
			vt_fail(__FILE__, __LINE__, "%s: bad line '%s'", path,
				name);
			return VT_FAIL;
		}
		*eq = '\0';
		val = trim(eq + 1);
		name = trim(name);
		if (*val == '\0')
			continue;	/* "Name =": not supported */
		snprintf(e[*n].name, sizeof(e[*n].name), "%s", name);
		snprintf(e[*n].value, sizeof(e[*n].value), "%s", val);
		e[*n].seen = false;
		(*n)++;
	}
	fclose(f);
	return VT_PASS;
}

/* Probe every feature on one configured port. */
static int
probe_config(const char *sock, const char *ring_args, struct rte_mempool *mp,
	     enum level *lv)
{
	struct probe_ctx c;
	struct rte_eth_conf conf;
	char args[PATH_MAX + 128];
	unsigned int i;

	snprintf(args, sizeof(args), "path=%s,%s", sock, ring_args);
	vt_phase("probing %s", ring_args);
	VT_ASSERT_EQ(0, rte_vdev_init(DRV, args), "rte_vdev_init");
	VT_ASSERT_OK(rte_eth_dev_get_port_by_name(DRV, &c.port), "port");
	memset(&conf, 0, sizeof(conf));
	conf.intr_conf.rxq = 1;
	VT_ASSERT_OK(rte_eth_dev_configure(c.port, 1, 1, &conf), "configure");
	VT_ASSERT_OK(rte_eth_rx_queue_setup(c.port, 0, 0, SOCKET_ID_ANY, NULL,
					    mp), "Rx queue");
	VT_ASSERT_OK(rte_eth_tx_queue_setup(c.port, 0, 0, SOCKET_ID_ANY, NULL),
		     "Tx queue");
	VT_ASSERT_OK(rte_eth_dev_info_get(c.port, &c.info), "dev_info");
	for (i = 0; i < RTE_DIM(probes); i++) {
		lv[i] = probes[i].probe(&c);
		vt_info("  %-24s %s", probes[i].name,
			lv[i] == FULL ? "yes" : lv[i] == PART ? "part" : "no");
	}
	VT_ASSERT_OK(rte_eth_dev_close(c.port), "close");
	VT_ASSERT_EQ(0, rte_vdev_uninit(DRV), "rte_vdev_uninit");
	return VT_PASS;
}

static int
run(int argc, char **argv)
{
	static const char *const configs[] = {
		"packed_vq=0,mrg_rxbuf=0", "packed_vq=0,mrg_rxbuf=1",
		"packed_vq=1,mrg_rxbuf=0", "packed_vq=1,mrg_rxbuf=1",
	};
	enum level lv[RTE_DIM(configs)][RTE_DIM(probes)];
	struct entry e[MAX_ENTRIES];
	unsigned int i, j, k, n, full, any, errors = 0;
	struct rte_mempool *mp;
	const char *want, *got;
	char sock[PATH_MAX];

	if (argc != 1) {
		vt_fail(__FILE__, __LINE__, "expected the ini path, got %d arguments",
			argc);
		return VT_FAIL;
	}
	VT_CHECK(read_ini(argv[0], e, &n));
	VT_ASSERT(n > 10, "only %u features in %s", n, argv[0]);
	VT_CHECK(vt_eal_init(NULL));
	snprintf(sock, sizeof(sock), "%s/absent.sock", vt_ctx.dir);
	mp = vt_pool_create("vt_features", 1024, RTE_MBUF_DEFAULT_DATAROOM);
	VT_ASSERT(mp != NULL, "pool");
	for (i = 0; i < RTE_DIM(configs); i++)
		VT_CHECK(probe_config(sock, configs[i], mp, lv[i]));

	for (j = 0; j < RTE_DIM(probes); j++) {
		for (i = 0, full = 0, any = 0; i < RTE_DIM(configs); i++) {
			full += lv[i][j] == FULL;
			any += lv[i][j] != NONE;
		}
		want = full == RTE_DIM(configs) ? "Y" : any > 0 ? "P" : NULL;
		got = NULL;
		for (k = 0; k < n; k++)
			if (strcmp(e[k].name, probes[j].name) == 0) {
				got = e[k].value;
				e[k].seen = true;
			}
		if ((want == NULL) != (got == NULL) ||
		    (want != NULL && strcmp(want, got) != 0)) {
			vt_fail(__FILE__, __LINE__, "'%s': the ini says %s, the port shows %s",
				probes[j].name, got ? got : "nothing",
				want ? want : "nothing");
			errors++;
		} else {
			vt_info("%-24s %s", probes[j].name, want ? want : "-");
		}
	}
	for (k = 0; k < n; k++) {
		for (i = 0; i < RTE_DIM(unprobed) && !e[k].seen; i++)
			e[k].seen = strcmp(e[k].name, unprobed[i]) == 0;
		if (!e[k].seen) {
			vt_fail(__FILE__, __LINE__, "'%s = %s' in the ini: no probe checks it",
				e[k].name, e[k].value);
			errors++;
		}
	}
	VT_ASSERT_IN_USE(mp, 0);
	rte_mempool_free(mp);
	VT_ASSERT_EQ(0, errors, "feature matrix mismatches");
	vt_info("%u ini entries checked against %zu probes on %zu configurations",
		n, RTE_DIM(probes), RTE_DIM(configs));
	return VT_PASS;
}

static const struct vt_test test = {
	.name = "features",
	.usage = "INI",
	.timeout_s = 60,
	.run = run,
};

int
main(int argc, char **argv)
{
	return vt_main(&test, argc, argv);
}
