/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The virtio_map authors
 */

/*
 * EAL for a test body: the argument list (file prefix, lcore, memory), log
 * capture into memory so a test can check what a failure said, and packet
 * mempools. Ports and packets are in vt_port.c and vt_pkt.c.
 */

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_log.h>
#include <rte_ether.h>
#include <rte_mbuf.h>

#include "vt.h"
#include "vt_internal.h"

#define VT_EAL_ARGS_MAX 64

static bool vt_eal_ready;

/*
 * Log capture. The driver logs from its own threads too (a port's control
 * thread): a stream another thread may still be writing to must never be
 * closed, so one stream, made once, lives as long as the process; its
 * writes go to the buffer while capturing, to stderr otherwise, under one
 * mutex.
 */
static pthread_mutex_t vt_log_mu = PTHREAD_MUTEX_INITIALIZER;
static FILE *vt_log_stream;	/* the process's capture stream */
static bool vt_log_on;		/* capturing (under vt_log_mu) */
static char *vt_log_buf;	/* what was captured, NUL-terminated */
static size_t vt_log_len, vt_log_cap;

static ssize_t
vt_log_write(void *cookie, const char *b, size_t n)
{
	char *nb;

	RTE_SET_USED(cookie);
	pthread_mutex_lock(&vt_log_mu);
	if (!vt_log_on) {
		pthread_mutex_unlock(&vt_log_mu);
		return fwrite(b, 1, n, stderr);
	}
	if (vt_log_len + n + 1 > vt_log_cap) {
		size_t cap = RTE_MAX(2 * vt_log_cap, vt_log_len + n + 1);

		nb = realloc(vt_log_buf, cap);
		if (nb == NULL) {
			pthread_mutex_unlock(&vt_log_mu);
			return n;	/* dropped, not an error to the writer */
		}
		vt_log_buf = nb;
		vt_log_cap = cap;
	}
	memcpy(vt_log_buf + vt_log_len, b, n);
	vt_log_len += n;
	vt_log_buf[vt_log_len] = '\0';
	pthread_mutex_unlock(&vt_log_mu);
	return n;
}

/* "0@(0,1)": lcore 0 may run on every CPU this process may use, so that
 * tests meson runs side by side are not all pinned to CPU 0.
 */
static void
vt_lcores_arg(char *buf, size_t len)
{
	cpu_set_t set;
	size_t off;
	bool first = true;
	int cpu;

	if (sched_getaffinity(0, sizeof(set), &set) != 0) {
		snprintf(buf, len, "0@(0)");
		return;
	}
	off = snprintf(buf, len, "0@(");
	for (cpu = 0; cpu < CPU_SETSIZE && off < len; cpu++) {
		if (!CPU_ISSET(cpu, &set))
			continue;
		off += snprintf(buf + off, len - off, "%s%d", first ? "" : ",",
				cpu);
		first = false;
	}
	if (off < len)
		snprintf(buf + off, len - off, ")");
}

int
vt_eal_init(const struct vt_eal_opts *opts)
{
	static char words[1024];
	static char lcores[512];
	static char mem[16];
	static char prefix[128];
	static char huge_dir[256];
	static char prog[64];
	struct vt_eal_opts def = { 0 };
	char *argv[VT_EAL_ARGS_MAX + 1];
	int argc = 0, ret, i;
	const char *env;

	if (opts == NULL)
		opts = &def;
	vt_lcores_arg(lcores, sizeof(lcores));
	snprintf(mem, sizeof(mem), "%u", opts->mem_mb != 0 ? opts->mem_mb : 512);
	snprintf(prefix, sizeof(prefix), "%s", vt_ctx.prefix);
	snprintf(prog, sizeof(prog), "vt_test");

	argv[argc++] = prog;
	argv[argc++] = (char *)"--file-prefix";
	argv[argc++] = prefix;
	argv[argc++] = (char *)"--lcores";
	argv[argc++] = lcores;
	argv[argc++] = (char *)"--no-pci";
	argv[argc++] = (char *)"-m";
	argv[argc++] = mem;
	if (!opts->hugepages) {
		argv[argc++] = (char *)"--no-huge";
	} else if (opts->huge_dir != NULL) {
		snprintf(huge_dir, sizeof(huge_dir), "%s", opts->huge_dir);
		argv[argc++] = (char *)"--huge-dir";
		argv[argc++] = huge_dir;
	}
	if (opts->iova_pa)
		argv[argc++] = (char *)"--iova-mode=pa";
	else if (opts->hugepages)
		argv[argc++] = (char *)"--iova-mode=va";
	if (opts->single_file_segments)
		argv[argc++] = (char *)"--single-file-segments";
	for (i = 0; opts->extra != NULL && opts->extra[i] != NULL &&
	     argc < VT_EAL_ARGS_MAX; i++)
		argv[argc++] = (char *)opts->extra[i];

	env = getenv("VT_EAL_ARGS");
	if (env != NULL) {
		char *save = NULL, *w;

		snprintf(words, sizeof(words), "%s", env);
		for (w = strtok_r(words, " \t", &save);
		     w != NULL && argc < VT_EAL_ARGS_MAX;
		     w = strtok_r(NULL, " \t", &save))
			argv[argc++] = w;
	}
	argv[argc] = NULL;

	printf("[%s] EAL:", vt_ctx.name);
	for (i = 1; i < argc; i++)
		printf(" %s", argv[i]);
	printf("\n");
	fflush(stdout);

	vt_phase("rte_eal_init");
	ret = rte_eal_init(argc, argv);
	if (ret < 0) {
		vt_fail(__FILE__, __LINE__, "rte_eal_init: expected >= 0, actual %d (%s)",
			ret, rte_strerror(rte_errno));
		return VT_FAIL;
	}
	vt_eal_ready = true;
	return VT_PASS;
}

int
vt_eal_finish(void)
{
	int ret;

	if (vt_log_on)
		free(vt_log_capture_stop());
	if (!vt_eal_ready)
		return VT_PASS;
	vt_eal_ready = false;
	vt_phase("rte_eal_cleanup");
	ret = rte_eal_cleanup();
	if (ret != 0) {
		vt_fail(__FILE__, __LINE__, "rte_eal_cleanup: expected 0, actual %d",
			ret);
		return VT_FAIL;
	}
	return VT_PASS;
}

int
vt_log_capture_start(void)
{
	if (vt_log_on) {
		vt_fail(__FILE__, __LINE__, "log capture already started");
		return VT_FAIL;
	}
	if (vt_log_stream == NULL) {
		vt_log_stream = fopencookie(NULL, "w",
			(cookie_io_functions_t){ .write = vt_log_write });
		if (vt_log_stream == NULL) {
			vt_fail(__FILE__, __LINE__, "fopencookie: %s",
				strerror(errno));
			return VT_FAIL;
		}
		/* every write reaches vt_log_write() at once */
		setvbuf(vt_log_stream, NULL, _IONBF, 0);
	}
	pthread_mutex_lock(&vt_log_mu);
	vt_log_len = 0;
	if (vt_log_buf != NULL)
		vt_log_buf[0] = '\0';
	vt_log_on = true;
	pthread_mutex_unlock(&vt_log_mu);
	rte_openlog_stream(vt_log_stream);
	return VT_PASS;
}

bool
vt_log_contains(const char *needle)
{
	bool found;

	pthread_mutex_lock(&vt_log_mu);
	found = vt_log_on && vt_log_buf != NULL &&
		strstr(vt_log_buf, needle) != NULL;
	pthread_mutex_unlock(&vt_log_mu);
	return found;
}

char *
vt_log_capture_stop(void)
{
	char *text, *line, *save = NULL;
	char *copy;

	rte_openlog_stream(NULL);
	pthread_mutex_lock(&vt_log_mu);
	/* a writer that still holds the stream goes to stderr from now */
	vt_log_on = false;
	text = strdup(vt_log_buf != NULL ? vt_log_buf : "");
	vt_log_len = 0;
	pthread_mutex_unlock(&vt_log_mu);
	if (text == NULL)
		return NULL;

	/* keep what was logged in the test's output */
	copy = strdup(text);
	if (copy != NULL) {
		for (line = strtok_r(copy, "\n", &save); line != NULL;
		     line = strtok_r(NULL, "\n", &save))
			printf("    log| %s\n", line);
		free(copy);
	}
	fflush(stdout);
	return text;
}

struct rte_mempool *
vt_pool_create(const char *name, unsigned int n, uint32_t max_frame)
{
	struct rte_mempool *mp;
	/* the driver counts a VLAN tag into the frame an MTU allows */
	uint32_t room = max_frame + RTE_VLAN_HLEN + RTE_PKTMBUF_HEADROOM;

	if (room < RTE_MBUF_DEFAULT_BUF_SIZE)
		room = RTE_MBUF_DEFAULT_BUF_SIZE;
	if (room > UINT16_MAX) {
		vt_fail(__FILE__, __LINE__, "pool %s: frames of %u bytes do not fit an mbuf",
			name, max_frame);
		return NULL;
	}
	mp = rte_pktmbuf_pool_create(name, n, n >= 512 ? 64 : 0, 0, room,
				     SOCKET_ID_ANY);
	if (mp == NULL)
		vt_fail(__FILE__, __LINE__,
			"rte_pktmbuf_pool_create(%s, %u mbufs, %u bytes): %s",
			name, n, room, rte_strerror(rte_errno));
	return mp;
}
