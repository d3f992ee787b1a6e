/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The virtio_map authors
 */

/*
 * Ring options of the driver as tests name them: parsed from a test
 * argument ("in_order+mrg_rxbuf"), turned into devargs, and checked
 * against the driver's link-up log line, which names the ring layout and
 * the options negotiated with the device.
 */

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_log.h>

#include "vt.h"

/* How long the link-up line may trail the link itself (alarm thread). */
#define VT_RING_LOG_TIMEOUT_S 5.0

static const struct {
	const char *name;	/* devarg and word of the link-up line */
	unsigned int bit;
} vt_ring_opts[] = {
	{ "in_order", VT_RING_IN_ORDER },
	{ "mrg_rxbuf", VT_RING_MRG_RXBUF },
	{ "indirect", VT_RING_INDIRECT },
	{ "event_idx", VT_RING_EVENT_IDX },
};

int
vt_ring_parse(const char *layout, const char *spec, unsigned int *ring)
{
	char buf[128], *w, *save = NULL;
	unsigned int i;

	*ring = 0;
	if (strcmp(layout, "packed") == 0) {
		*ring |= VT_RING_PACKED;
	} else if (strcmp(layout, "split") != 0) {
		vt_fail(__FILE__, __LINE__, "ring layout: expected split or packed, actual %s",
			layout);
		return VT_FAIL;
	}
	if (spec == NULL || strcmp(spec, "off") == 0)
		return VT_PASS;
	snprintf(buf, sizeof(buf), "%s", spec);
	for (w = strtok_r(buf, "+", &save); w != NULL;
	     w = strtok_r(NULL, "+", &save)) {
		for (i = 0; i < RTE_DIM(vt_ring_opts); i++)
			if (strcmp(w, vt_ring_opts[i].name) == 0)
				break;
		if (i == RTE_DIM(vt_ring_opts)) {
			vt_fail(__FILE__, __LINE__, "ring options %s: unknown option %s (off, or in_order, mrg_rxbuf, indirect, event_idx joined by +)",
				spec, w);
			return VT_FAIL;
		}
		*ring |= vt_ring_opts[i].bit;
	}
	return VT_PASS;
}

const char *
vt_ring_devargs(unsigned int ring, char *buf, size_t len)
{
	size_t off;
	unsigned int i;

	/* every option named, whatever the driver's defaults */
	off = snprintf(buf, len, "packed_vq=%d", !!(ring & VT_RING_PACKED));
	for (i = 0; i < RTE_DIM(vt_ring_opts) && off < len; i++)
		off += snprintf(buf + off, len - off, ",%s=%d",
				vt_ring_opts[i].name,
				!!(ring & vt_ring_opts[i].bit));
	return buf;
}

const char *
vt_ring_str(unsigned int ring, char *buf, size_t len)
{
	size_t off;
	unsigned int i;

	off = snprintf(buf, len, "%s ring",
		       ring & VT_RING_PACKED ? "packed" : "split");
	for (i = 0; i < RTE_DIM(vt_ring_opts) && off < len; i++)
		if (ring & vt_ring_opts[i].bit)
			off += snprintf(buf + off, len - off, ", %s",
					vt_ring_opts[i].name);
	return buf;
}

int
vt_ring_log_start(void)
{
	/* the link-up line is at INFO; the driver's default is NOTICE */
	rte_log_set_level_pattern("pmd.net.virtio_map*", RTE_LOG_INFO);
	return vt_log_capture_start();
}

int
vt_ring_log_check(unsigned int ring)
{
	char want[160], line[512];
	const char *l, *e;
	double deadline = vt_now() + VT_RING_LOG_TIMEOUT_S;
	char *log;
	size_t n;

	vt_phase("wait for the driver's link-up line");
	while (!vt_log_contains("link up: ") && vt_now() < deadline)
		usleep(1000);
	log = vt_log_capture_stop();
	rte_log_set_level_pattern("pmd.net.virtio_map*", RTE_LOG_NOTICE);
	/* the last one: a restarted port logs one per start */
	l = NULL;
	for (e = log; (e = strstr(e, "link up: ")) != NULL; e++)
		l = e;
	if (l == NULL) {
		free(log);
		vt_fail(__FILE__, __LINE__, "expected a \"link up: \" line from the driver within %.0f s, actual none",
			VT_RING_LOG_TIMEOUT_S);
		return VT_FAIL;
	}
	e = strchr(l, '\n');
	n = e != NULL ? (size_t)(e - l) : strlen(l);
	snprintf(line, sizeof(line), "%.*s", (int)n, l);
	free(log);
	vt_info("negotiated: %s", line);

	/* the options end where the map kind begins */
	snprintf(want, sizeof(want), "link up: ");
	vt_ring_str(ring, want + strlen(want), sizeof(want) - strlen(want));
	strncat(want, ", map=", sizeof(want) - strlen(want) - 1);
	VT_ASSERT_CONTAINS(line, want, "ring the driver runs, against the options asked for");
	return VT_PASS;
}
