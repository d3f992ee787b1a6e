/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The virtio_map authors
 */

/*
 * Command line of virtio_map_loopback: the program options that follow
 * EAL's, each parsed strictly (no trailing junk, ranges quoted in the
 * message), and the checks that involve several of them. Nothing here
 * touches EAL or a port, so bad options are rejected before EAL starts.
 */

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_common.h>

#include "loopback.h"

void
lb_usage(FILE *f)
{
	fprintf(f,
		"usage: " LB_PROG " [EAL args] -- [options]\n"
		"  --target T      virtio_map, virtio_user or both (both)\n"
		"  --size B        frame length without FCS, %u..%u (64)\n"
		"  --seconds S     measured time per target and round (5)\n"
		"  --queue-size N  ring size, power of 2, %u..%u (256)\n"
		"  --map LIST      net_virtio_map map=KIND; a comma-separated\n"
		"                  list, e.g. va,vduse, measures each kind on\n"
		"                  its own pair, up to %u (va); KIND+k=v[+k=v]\n"
		"                  gives that pair its own devargs, e.g.\n"
		"                  pa,pa+iotlb_prefill=0; lb_counted is a\n"
		"                  kind this program registers (identity\n"
		"                  mapping through the ops table);\n"
		"                  vduse+devmem gives the pair a pool whose\n"
		"                  data lies in the port's device memory\n"
		"                  (no bounce copy)\n"
		"  --burst N       Rx/Tx burst, 1..%u (32)\n"
		"  --rounds R      alternate the targets R times and print\n"
		"                  the median of each figure (1)\n"
		"  --inject N      bursts injected each way (auto: up to %u,\n"
		"                  keeping in-flight packets within a ring)\n"
		"  --vm-args STR   devargs appended to every net_virtio_map's\n"
		"  --vu-args STR   devargs appended to net_virtio_user's\n"
		"  --vh-args STR   devargs appended to every net_vhost's\n"
		"                  (e.g. iommu-support=1)\n"
		"  --queues N      queue pairs per port, 1..%u (1); the one core\n"
		"                  forwards on every pair in turn\n"
		"  --no-promisc    leave promiscuous mode off: net_virtio_map\n"
		"                  then filters by MAC (frames go to\n"
		"                  02:00:00:00:00:02: give --vm-args mac=...)\n"
		"  --tso MSS       a TCP flow with TSO and LRO: TCP/IPv4 frames\n"
		"                  of --size bytes (up to %u) cut by the\n"
		"                  device into MSS-byte segments, 64..9000;\n"
		"                  prints payload Gbit/s\n"
		"  --help          this text\n",
		LB_MIN_SIZE, LB_MAX_SIZE, LB_MIN_QSIZE, LB_MAX_QSIZE,
		LB_MAX_MAPS, LB_MAX_BURST, LB_MAX_INJECT, LB_MAX_QUEUES,
		LB_MAX_TSO_SIZE);
}

static int
lb_parse_uint(const char *opt, const char *s, unsigned long min,
	unsigned long max, unsigned int *out)
{
	unsigned long v;
	char *end;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || s[0] == '-' ||
			v < min || v > max) {
		lb_err("--%s %s: expected an integer in %lu..%lu",
			opt, s, min, max);
		return -EINVAL;
	}
	*out = v;
	return 0;
}

static int
lb_parse_seconds(const char *s, double *out)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (errno != 0 || end == s || *end != '\0' || !(v >= 0.1) ||
			v > 3600) {
		lb_err("--seconds %s: expected a number in 0.1..3600", s);
		return -EINVAL;
	}
	*out = v;
	return 0;
}

static int
lb_parse_target(const char *s, struct lb_opts *o)
{
	bool both = strcmp(s, "both") == 0;

	o->target[LB_TARGET_MAP] = both || strcmp(s, "virtio_map") == 0;
	o->target[LB_TARGET_USER] = both || strcmp(s, "virtio_user") == 0;
	if (o->target[LB_TARGET_MAP] || o->target[LB_TARGET_USER])
		return 0;
	lb_err("--target %s: expected virtio_map, virtio_user or both", s);
	return -EINVAL;
}

/*
 * Splits o->map, "KIND[,KIND...]", into o->maps; a KIND may carry its own
 * devargs after '+' ("pa+iotlb_prefill=0", '+' between several), so one
 * run can compare settings of a kind. Whether a kind exists is the PMD's
 * to say when the port is probed.
 */
static int
lb_parse_maps(struct lb_opts *o)
{
	const char *s = o->map, *end;
	unsigned int n = 0, i;
	size_t len;

	for (;;) {
		end = strchr(s, ',');
		len = end != NULL ? (size_t)(end - s) : strlen(s);
		if (len == 0) {
			lb_err("--map '%s': item %u is empty; expected "
				"KIND[,KIND...]", o->map, n + 1);
			return -EINVAL;
		}
		if (n == LB_MAX_MAPS) {
			lb_err("--map '%s': more than %u kinds", o->map,
				LB_MAX_MAPS);
			return -EINVAL;
		}
		if (len >= LB_MAP_NAME_LEN) {
			lb_err("--map '%s': item '%.*s' is longer than %u "
				"characters", o->map, (int)len, s,
				LB_MAP_NAME_LEN - 1);
			return -EINVAL;
		}
		memcpy(o->maps[n], s, len);
		o->maps[n][len] = '\0';
		for (i = 0; i < n; i++) {
			if (strcmp(o->maps[i], o->maps[n]) == 0) {
				lb_err("--map '%s': item '%s' given twice",
					o->map, o->maps[n]);
				return -EINVAL;
			}
		}
		n++;
		if (end == NULL)
			break;
		s = end + 1;
	}
	o->nb_maps = n;
	return 0;
}

/* Checks that need more than one option. */
int
lb_check_opts(struct lb_opts *o)
{
	unsigned int cap = o->queue_size / (2 * o->burst);

	if (o->size > LB_MAX_SIZE && o->tso == 0) {
		lb_err("--size %u: above %u only with --tso", o->size,
			LB_MAX_SIZE);
		return -EINVAL;
	}
	if (o->tso != 0 && o->size <= LB_TSO_HDRS) {
		lb_err("--size %u: a TSO frame needs more than %u bytes of "
			"headers", o->size, LB_TSO_HDRS);
		return -EINVAL;
	}
	if (cap == 0) {
		lb_err("--burst %u: two bursts exceed --queue-size %u",
			o->burst, o->queue_size);
		return -EINVAL;
	}
	if (o->inject == 0) {
		o->inject = RTE_MIN(cap, (unsigned int)LB_MAX_INJECT);
	} else if (o->inject > cap) {
		lb_err("--inject %u: %u packets in flight exceed "
			"--queue-size %u", o->inject,
			2 * o->inject * o->burst, o->queue_size);
		return -EINVAL;
	}
	return lb_parse_maps(o);
}

/* Parses the program options; 1 means --help was given. */
int
lb_parse_opts(int argc, char **argv, struct lb_opts *o)
{
	static const struct option longopts[] = {
		{ "target", required_argument, NULL, 't' },
		{ "size", required_argument, NULL, 's' },
		{ "seconds", required_argument, NULL, 'S' },
		{ "queue-size", required_argument, NULL, 'q' },
		{ "map", required_argument, NULL, 'm' },
		{ "burst", required_argument, NULL, 'b' },
		{ "rounds", required_argument, NULL, 'r' },
		{ "inject", required_argument, NULL, 'i' },
		{ "vm-args", required_argument, NULL, 'M' },
		{ "vu-args", required_argument, NULL, 'U' },
		{ "vh-args", required_argument, NULL, 'H' },
		{ "no-promisc", no_argument, NULL, 'P' },
		{ "queues", required_argument, NULL, 'Q' },
		{ "tso", required_argument, NULL, 'T' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c, ret = 0;

	optind = 1;
	opterr = 0;
	while (ret == 0 &&
			(c = getopt_long(argc, argv, ":", longopts,
				NULL)) != -1) {
		switch (c) {
		case 't':
			ret = lb_parse_target(optarg, o);
			break;
		case 's':
			ret = lb_parse_uint("size", optarg, LB_MIN_SIZE,
				LB_MAX_TSO_SIZE, &o->size);
			break;
		case 'S':
			ret = lb_parse_seconds(optarg, &o->seconds);
			break;
		case 'q':
			ret = lb_parse_uint("queue-size", optarg, LB_MIN_QSIZE,
				LB_MAX_QSIZE, &o->queue_size);
			if (ret == 0 && !rte_is_power_of_2(o->queue_size)) {
				lb_err("--queue-size %s: not a power of 2",
					optarg);
				ret = -EINVAL;
			}
			break;
		case 'm':
			o->map = optarg;
			break;
		case 'b':
			ret = lb_parse_uint("burst", optarg, 1, LB_MAX_BURST,
				&o->burst);
			break;
		case 'r':
			ret = lb_parse_uint("rounds", optarg, 1, LB_MAX_ROUNDS,
				&o->rounds);
			break;
		case 'i':
			ret = lb_parse_uint("inject", optarg, 1, LB_MAX_BURST,
				&o->inject);
			break;
		case 'M':
			o->vm_args = optarg;
			break;
		case 'U':
			o->vu_args = optarg;
			break;
		case 'H':
			o->vh_args = optarg;
			break;
		case 'P':
			o->no_promisc = true;
			break;
		case 'Q':
			ret = lb_parse_uint("queues", optarg, 1, LB_MAX_QUEUES,
				&o->queues);
			break;
		case 'T':
			ret = lb_parse_uint("tso", optarg, 64, 9000, &o->tso);
			break;
		case 'h':
			return 1;
		case ':':
			lb_err("%s: missing argument", argv[optind - 1]);
			ret = -EINVAL;
			break;
		default:
			lb_err("%s: unknown option", argv[optind - 1]);
			ret = -EINVAL;
			break;
		}
	}
	if (ret == 0 && optind < argc) {
		lb_err("%s: unexpected argument", argv[optind]);
		ret = -EINVAL;
	}
	if (ret == 0)
		ret = lb_check_opts(o);
	optind = 1;
	return ret;
}

