/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The virtio_map authors
 */

/*
 * Devargs of net_virtio_map: one key table, one parser per key, strict
 * checks (no trailing junk, no out-of-range value, no unknown key), and an
 * error that names the port, the key, the value and what is allowed.
 */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_common.h>
#include <rte_kvargs.h>

#include "virtio_map_devargs.h"
#include "virtio_map_log.h"


/* Passed to each key's parser. */
struct parse_ctx {
	const char *name;
	struct virtio_map_cfg *cfg;
};

#define ARG_ERR(ctx, key, val, fmt, ...) \
	VM_INIT_LOG(ERR, "%s: %s=%s: " fmt, (ctx)->name, key, val, \
		    ##__VA_ARGS__)

/* Decimal unsigned in [min, max], whole string. */
static int
parse_uint(const struct parse_ctx *ctx, const char *key, const char *val,
	   unsigned long min, unsigned long max, unsigned long *out)
{
	unsigned long v;
	char *end;

	errno = 0;
	if (val == NULL || *val == '\0' || *val == '-' || *val == '+') {
		ARG_ERR(ctx, key, val ? val : "", "not a number; allowed: %lu..%lu",
			min, max);
		return -EINVAL;
	}
	v = strtoul(val, &end, 10);
	if (*end != '\0') {
		ARG_ERR(ctx, key, val, "not a number (junk at '%s'); allowed: %lu..%lu",
			end, min, max);
		return -EINVAL;
	}
	if (errno == ERANGE || v < min || v > max) {
		ARG_ERR(ctx, key, val, "out of range; allowed: %lu..%lu",
			min, max);
		return -EINVAL;
	}
	*out = v;
	return 0;
}

static int
parse_path(const char *key, const char *val, void *opaque)
{
	struct parse_ctx *ctx = opaque;

	if (val == NULL || val[0] == '\0') {
		ARG_ERR(ctx, key, "", "empty; give the vhost-user socket path");
		return -EINVAL;
	}
	/* sockaddr_un.sun_path holds 107 characters */
	if (strlen(val) > 107) {
		ARG_ERR(ctx, key, val, "too long (%zu characters, limit 107)",
			strlen(val));
		return -EINVAL;
	}
	snprintf(ctx->cfg->path, sizeof(ctx->cfg->path), "%s", val);
	return 0;
}

static int
parse_server(const char *key, const char *val, void *opaque)
{
	struct parse_ctx *ctx = opaque;
	unsigned long v;

	if (val == NULL || (strcmp(val, "0") != 0 && strcmp(val, "1") != 0)) {
		ARG_ERR(ctx, key, val ? val : "", "allowed: 0 (connect) or 1 (listen)");
		return -EINVAL;
	}
	v = val[0] == '1';
	ctx->cfg->server = v;
	return 0;
}

static int
parse_queue_size(const char *key, const char *val, void *opaque)
{
	struct parse_ctx *ctx = opaque;
	unsigned long v;

	if (parse_uint(ctx, key, val, VMQ_SIZE_MIN, VMQ_SIZE_MAX, &v) < 0)
		return -EINVAL;
	if (!rte_is_power_of_2(v)) {
		ARG_ERR(ctx, key, val, "must be a power of two in %u..%u",
			VMQ_SIZE_MIN, VMQ_SIZE_MAX);
		return -EINVAL;
	}
	ctx->cfg->queue_size = v;
	return 0;
}

static int
parse_queues(const char *key, const char *val, void *opaque)
{
	struct parse_ctx *ctx = opaque;
	unsigned long v;

	if (parse_uint(ctx, key, val, 1, 65535, &v) < 0)
		return -EINVAL;
	if (v > VIRTIO_MAP_MAX_QUEUE_PAIRS) {
		ARG_ERR(ctx, key, val, "at most %u queue pairs",
			VIRTIO_MAP_MAX_QUEUE_PAIRS);
		return -EINVAL;
	}
	ctx->cfg->queues = v;
	return 0;
}

static int
parse_mac(const char *key, const char *val, void *opaque)
{
	struct parse_ctx *ctx = opaque;
	struct rte_ether_addr mac;

	if (val == NULL || rte_ether_unformat_addr(val, &mac) < 0) {
		ARG_ERR(ctx, key, val ? val : "", "not a MAC address; use xx:xx:xx:xx:xx:xx");
		return -EINVAL;
	}
	if (!rte_is_valid_assigned_ether_addr(&mac)) {
		ARG_ERR(ctx, key, val, "multicast or zero address; use a unicast address");
		return -EINVAL;
	}
	ctx->cfg->mac = mac;
	ctx->cfg->mac_set = true;
	return 0;
}

static int
parse_map(const char *key, const char *val, void *opaque)
{
	struct parse_ctx *ctx = opaque;
	char names[256];

	if (val == NULL || val[0] == '\0') {
		ARG_ERR(ctx, key, "", "empty; allowed: auto|%s",
			vmap_names(names, sizeof(names)));
		return -EINVAL;
	}
	if (strcmp(val, "auto") != 0 && vmap_find(val) == NULL) {
		ARG_ERR(ctx, key, val, "unknown map kind; allowed: auto|%s",
			vmap_names(names, sizeof(names)));
		return -EINVAL;
	}
	snprintf(ctx->cfg->map, sizeof(ctx->cfg->map), "%s", val);
	return 0;
}

/* Bytes with an optional K, M or G suffix (powers of 1024), whole string. */
static int
parse_bounce_size(const char *key, const char *val, void *opaque)
{
	struct parse_ctx *ctx = opaque;
	unsigned long long v;
	char *end;
	int shift = 0;

	errno = 0;
	if (val == NULL || *val < '0' || *val > '9') {
		ARG_ERR(ctx, key, val ? val : "", "not a size; use 1M..1G (bytes, or K, M, G suffix)");
		return -EINVAL;
	}
	v = strtoull(val, &end, 10);
	if (*end == 'K' || *end == 'k')
		shift = 10;
	else if (*end == 'M' || *end == 'm')
		shift = 20;
	else if (*end == 'G' || *end == 'g')
		shift = 30;
	if (shift != 0)
		end++;
	if (*end != '\0') {
		ARG_ERR(ctx, key, val, "not a size (junk at '%s'); use 1M..1G (bytes, or K, M, G suffix)",
			end);
		return -EINVAL;
	}
	if (errno == ERANGE || v > (VMAP_BOUNCE_SIZE_MAX >> shift) ||
	    (v << shift) < VMAP_BOUNCE_SIZE_MIN) {
		ARG_ERR(ctx, key, val, "out of range; allowed: 1M..1G");
		return -EINVAL;
	}
	ctx->cfg->bounce_size = (size_t)(v << shift);
	return 0;
}

/* A 0|1 switch into *out. */
static int
parse_bool(const struct parse_ctx *ctx, const char *key, const char *val,
	   const char *what, bool *out)
{
	if (val == NULL || (strcmp(val, "0") != 0 && strcmp(val, "1") != 0)) {
		ARG_ERR(ctx, key, val ? val : "", "allowed: 0 (off) or 1 (%s)",
			what);
		return -EINVAL;
	}
	*out = val[0] == '1';
	return 0;
}

static int
parse_map_debug(const char *key, const char *val, void *opaque)
{
	struct parse_ctx *ctx = opaque;

	return parse_bool(ctx, key, val, "check every mapping",
			  &ctx->cfg->map_debug);
}

static int
parse_map_batch(const char *key, const char *val, void *opaque)
{
	struct parse_ctx *ctx = opaque;

	return parse_bool(ctx, key, val, "map whole bursts per call, the default",
			  &ctx->cfg->map_batch);
}

static int
parse_packed_vq(const char *key, const char *val, void *opaque)
{
	struct parse_ctx *ctx = opaque;

	return parse_bool(ctx, key, val, "offer packed virtqueues",
			  &ctx->cfg->packed_vq);
}

static int
parse_in_order(const char *key, const char *val, void *opaque)
{
	struct parse_ctx *ctx = opaque;

	return parse_bool(ctx, key, val, "offer in-order use",
			  &ctx->cfg->in_order);
}

static int
parse_mrg_rxbuf(const char *key, const char *val, void *opaque)
{
	struct parse_ctx *ctx = opaque;

	return parse_bool(ctx, key, val, "offer mergeable Rx buffers",
			  &ctx->cfg->mrg_rxbuf);
}

static int
parse_indirect(const char *key, const char *val, void *opaque)
{
	struct parse_ctx *ctx = opaque;

	return parse_bool(ctx, key, val, "offer indirect descriptors",
			  &ctx->cfg->indirect);
}

static int
parse_event_idx(const char *key, const char *val, void *opaque)
{
	struct parse_ctx *ctx = opaque;

	return parse_bool(ctx, key, val, "offer event-index notifications",
			  &ctx->cfg->event_idx);
}

static int
parse_iommu(const char *key, const char *val, void *opaque)
{
	struct parse_ctx *ctx = opaque;

	if (val != NULL && strcmp(val, "auto") == 0)
		ctx->cfg->iommu = VIRTIO_MAP_IOMMU_AUTO;
	else if (val != NULL && strcmp(val, "on") == 0)
		ctx->cfg->iommu = VIRTIO_MAP_IOMMU_ON;
	else if (val != NULL && strcmp(val, "off") == 0)
		ctx->cfg->iommu = VIRTIO_MAP_IOMMU_OFF;
	else {
		ARG_ERR(ctx, key, val ? val : "", "allowed: auto|on|off");
		return -EINVAL;
	}
	return 0;
}

static int
parse_iotlb_prefill(const char *key, const char *val, void *opaque)
{
	struct parse_ctx *ctx = opaque;

	if (val != NULL && strcmp(val, "auto") == 0)
		ctx->cfg->iotlb_prefill = -1;
	else if (val != NULL && strcmp(val, "0") == 0)
		ctx->cfg->iotlb_prefill = 0;
	else if (val != NULL && strcmp(val, "1") == 0)
		ctx->cfg->iotlb_prefill = 1;
	else {
		ARG_ERR(ctx, key, val ? val : "",
			"allowed: auto (send the IOTLB translations up front with packed rings only), 0 (answer the device's misses only) or 1 (always send them up front)");
		return -EINVAL;
	}
	return 0;
}

#define ARG_ENTRY(key, syntax) { #key, parse_##key },
static const struct {
	const char *key;
	arg_handler_t parse;
} virtio_map_args[] = {
	VIRTIO_MAP_DEVARGS(ARG_ENTRY)
};
#undef ARG_ENTRY

/* The key list for rte_kvargs. */
#define ARG_KEY(key, syntax) #key,
static const char *const virtio_map_keys[] = {
	VIRTIO_MAP_DEVARGS(ARG_KEY)
	NULL
};
#undef ARG_KEY

/* The known keys, comma separated, into buf. */
static const char *
known_keys(char *buf, size_t len)
{
	size_t off = 0;
	unsigned int i;

	buf[0] = '\0';
	for (i = 0; virtio_map_keys[i] != NULL && off < len; i++)
		off += snprintf(buf + off, len - off, "%s%s", i ? ", " : "",
				virtio_map_keys[i]);
	return buf;
}

/* Name the first key=value pair whose key we do not know. */
static void
report_unknown_key(const char *name, const char *args)
{
	char buf[256], keys[256], *tok, *save = NULL, *eq;
	unsigned int i;
	bool known;

	snprintf(buf, sizeof(buf), "%s", args);
	for (tok = strtok_r(buf, ",", &save); tok != NULL;
	     tok = strtok_r(NULL, ",", &save)) {
		eq = strchr(tok, '=');
		if (eq != NULL)
			*eq = '\0';
		known = false;
		for (i = 0; virtio_map_keys[i] != NULL; i++)
			if (strcmp(tok, virtio_map_keys[i]) == 0)
				known = true;
		if (!known) {
			VM_INIT_LOG(ERR, "%s: unknown devarg '%s'; known keys: %s",
				    name, tok, known_keys(keys, sizeof(keys)));
			return;
		}
	}
	VM_INIT_LOG(ERR, "%s: cannot parse devargs '%s'; use key=value pairs separated by ','",
		    name, args);
}

int
virtio_map_parse_devargs(const char *name, const char *args,
			 struct virtio_map_cfg *cfg)
{
	struct parse_ctx ctx = { .name = name, .cfg = cfg };
	struct rte_kvargs *kv;
	unsigned int i;
	int ret = 0;

	memset(cfg, 0, sizeof(*cfg));
	cfg->queue_size = VIRTIO_MAP_DEFAULT_QUEUE_SIZE;
	cfg->queues = 1;
	cfg->iotlb_prefill = -1;
	cfg->map_batch = true;
	/*
	 * In-order by default, as net_virtio_user: DPDK's vhost then writes
	 * one used descriptor per batch of a packed ring instead of four.
	 */
	cfg->in_order = true;
	snprintf(cfg->map, sizeof(cfg->map), "auto");

	if (args == NULL || args[0] == '\0') {
		VM_INIT_LOG(ERR, "%s: path is required: --vdev %s,path=<vhost-user socket>",
			    name, name);
		return -EINVAL;
	}
	kv = rte_kvargs_parse(args, virtio_map_keys);
	if (kv == NULL) {
		report_unknown_key(name, args);
		return -EINVAL;
	}
	for (i = 0; i < RTE_DIM(virtio_map_args) && ret == 0; i++) {
		unsigned int count = rte_kvargs_count(kv, virtio_map_args[i].key);

		if (count > 1) {
			VM_INIT_LOG(ERR, "%s: %s given %u times; give it once",
				    name, virtio_map_args[i].key, count);
			ret = -EINVAL;
		} else if (count == 1) {
			ret = rte_kvargs_process(kv, virtio_map_args[i].key,
						 virtio_map_args[i].parse,
						 &ctx) < 0 ? -EINVAL : 0;
		}
	}
	rte_kvargs_free(kv);
	if (ret == 0 && cfg->path[0] == '\0') {
		VM_INIT_LOG(ERR, "%s: path is required: --vdev %s,path=<vhost-user socket>",
			    name, name);
		ret = -EINVAL;
	}
	/* auto: what suits the transport; vhost-user shares VA mappings */
	if (ret == 0 && strcmp(cfg->map, "auto") == 0)
		snprintf(cfg->map, sizeof(cfg->map), "va");
	if (ret == 0 && cfg->bounce_size != 0 &&
	    (strcmp(cfg->map, "va") == 0 || strcmp(cfg->map, "pa") == 0))
		VM_INIT_LOG(WARNING, "%s: bounce_size is ignored: map=%s does not bounce (use map=vduse)",
			    name, cfg->map);
	return ret;
}
