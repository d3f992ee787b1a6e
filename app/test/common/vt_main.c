/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The virtio_map authors
 */

/*
 * The test runner: names the test, makes its private temporary directory,
 * forks the body so that a hang or a crash is caught by a deadline in a
 * process that owns no DPDK state, and afterwards removes what the body
 * leaves behind (sockets, EAL's runtime directory, hugepage files with the
 * test's file prefix). Also the message helpers. No EAL call is made here
 * except through the body.
 */

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <dirent.h>
#include <errno.h>
#include <ftw.h>
#include <mntent.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#ifdef __SANITIZE_ADDRESS__
#include <sanitizer/lsan_interface.h>
#endif

#include "vt.h"
#include "vt_internal.h"

struct vt_ctx vt_ctx;

/* What the body is doing, shared with the runner through a MAP_SHARED page. */
struct vt_shared {
	char phase[256];
};
static struct vt_shared *vt_shared;
static volatile sig_atomic_t vt_stop_signal;

double
vt_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static bool vt_failures_expected;

void
vt_fail_expected(bool on)
{
	vt_failures_expected = on;
}

void
vt_fail(const char *file, int line, const char *fmt, ...)
{
	va_list ap;

	printf("%s %s:%d: ", vt_failures_expected ? "(expected failure)" :
	       "FAIL", file, line);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	if (vt_shared != NULL && vt_shared->phase[0] != '\0')
		printf("     while: %s\n", vt_shared->phase);
	fflush(stdout);
}

void
vt_skip(const char *fmt, ...)
{
	va_list ap;

	printf("SKIP %s: ", vt_ctx.name);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
}

void
vt_info(const char *fmt, ...)
{
	va_list ap;

	printf("[%s] ", vt_ctx.name);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
}

void
vt_phase(const char *fmt, ...)
{
	char buf[sizeof(vt_shared->phase)];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (vt_shared != NULL)
		memcpy(vt_shared->phase, buf, sizeof(buf));
	printf("[%s] %s\n", vt_ctx.name, buf);
	fflush(stdout);
}

/* Letters, digits and '_' only: the name becomes a file prefix. */
static void
vt_sanitize(char *dst, size_t len, const char *src)
{
	size_t i;

	for (i = 0; src[i] != '\0' && i + 1 < len; i++)
		dst[i] = (src[i] >= 'a' && src[i] <= 'z') ||
			 (src[i] >= 'A' && src[i] <= 'Z') ||
			 (src[i] >= '0' && src[i] <= '9') ? src[i] : '_';
	dst[i] = '\0';
}

static int
vt_rm_entry(const char *path, const struct stat *sb, int type,
	    struct FTW *ftw)
{
	RTE_SET_USED(sb);
	RTE_SET_USED(ftw);
	if (type == FTW_DP)
		rmdir(path);
	else
		unlink(path);
	return 0;
}

static void
vt_rm_tree(const char *path)
{
	struct stat st;

	if (path[0] == '\0' || lstat(path, &st) != 0)
		return;
	nftw(path, vt_rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

/* EAL's runtime directory for a prefix, as eal_create_runtime_dir() makes it. */
static void
vt_runtime_dir(char *buf, size_t len, const char *prefix)
{
	const char *base = "/var/run";

	if (getuid() != 0) {
		base = getenv("XDG_RUNTIME_DIR");
		if (base == NULL)
			base = "/tmp";
	}
	snprintf(buf, len, "%s/dpdk/%s", base, prefix);
}

int
vt_remove_hugepage_files(const char *prefix)
{
	struct mntent *ent;
	FILE *mounts;
	int removed = 0;

	mounts = setmntent("/proc/mounts", "r");
	if (mounts == NULL)
		return 0;
	while ((ent = getmntent(mounts)) != NULL) {
		struct dirent *de;
		DIR *d;

		if (strcmp(ent->mnt_type, "hugetlbfs") != 0)
			continue;
		d = opendir(ent->mnt_dir);
		if (d == NULL)
			continue;
		while ((de = readdir(d)) != NULL) {
			char path[PATH_MAX];

			if (strncmp(de->d_name, prefix, strlen(prefix)) != 0)
				continue;
			snprintf(path, sizeof(path), "%s/%s", ent->mnt_dir,
				 de->d_name);
			if (unlink(path) == 0)
				removed++;
		}
		closedir(d);
	}
	endmntent(mounts);
	return removed;
}

/* What EAL leaves behind: its runtime directory and hugepage files. */
static void
vt_cleanup_eal_files(void)
{
	char path[PATH_MAX];
	int n;

	vt_runtime_dir(path, sizeof(path), vt_ctx.prefix);
	vt_rm_tree(path);
	n = vt_remove_hugepage_files(vt_ctx.prefix);
	if (n > 0)
		vt_info("removed %d hugepage file(s) with prefix %s", n,
			vt_ctx.prefix);
}

static void
vt_on_signal(int sig)
{
	vt_stop_signal = sig;
}

static void
vt_init_ctx(const struct vt_test *t, int argc, char **argv)
{
	char clean[48];
	const char *tmp;
	size_t off;
	int i;

	off = snprintf(vt_ctx.name, sizeof(vt_ctx.name), "%s", t->name);
	for (i = 1; i < argc && off < sizeof(vt_ctx.name); i++)
		off += snprintf(vt_ctx.name + off, sizeof(vt_ctx.name) - off,
				" %s", argv[i]);
	vt_sanitize(clean, sizeof(clean), vt_ctx.name);
	snprintf(vt_ctx.prefix, sizeof(vt_ctx.prefix), "vt_%s_%d", clean,
		 (int)getpid());

	/* a socket path must fit in sun_path (108 bytes) */
	tmp = getenv("TMPDIR");
	if (tmp == NULL || tmp[0] == '\0' || strlen(tmp) > 40)
		tmp = "/tmp";
	snprintf(vt_ctx.dir, sizeof(vt_ctx.dir), "%s/vt_%.32s.XXXXXX", tmp,
		 clean);
}

static void
vt_usage(const struct vt_test *t, const char *prog)
{
	printf("usage: %s %s\n", prog, t->usage != NULL ? t->usage : "");
}

/*
 * The test's own time limit, scaled like meson's: the sanitizer setup
 * sets VT_TIMEOUT_SCALE to its timeout_multiplier, since an instrumented
 * build runs the same steps several times slower.
 */
static unsigned int
vt_time_limit(const struct vt_test *t)
{
	const char *env = getenv("VT_TIMEOUT_SCALE");
	unsigned long scale = 1;
	char *end;

	if (env != NULL && *env != '\0') {
		errno = 0;
		scale = strtoul(env, &end, 10);
		if (errno != 0 || *end != '\0' || scale == 0 || scale > 100)
			scale = 1;
	}
	return t->timeout_s * (unsigned int)scale;
}

static int
vt_wait_child(const struct vt_test *t, pid_t pid, double deadline)
{
	int status, rc;

	for (;;) {
		pid_t r = waitpid(pid, &status, WNOHANG);

		if (r == pid)
			break;
		if (r < 0 && errno != EINTR) {
			printf("FAIL %s: waitpid: %s\n", vt_ctx.name,
			       strerror(errno));
			return VT_FAIL;
		}
		if (vt_stop_signal != 0 || vt_now() > deadline) {
			if (vt_stop_signal != 0)
				printf("FAIL %s: stopped by signal %d",
				       vt_ctx.name, (int)vt_stop_signal);
			else
				printf("FAIL %s: still running after %u s (hang?)",
				       vt_ctx.name, vt_time_limit(t));
			printf("; last phase: %s\n", vt_shared->phase);
			fflush(stdout);
			kill(pid, SIGKILL);
			waitpid(pid, &status, 0);
			return VT_FAIL;
		}
		usleep(10000);
	}

	if (WIFSIGNALED(status)) {
		printf("FAIL %s: killed by signal %d (%s); last phase: %s\n",
		       vt_ctx.name, WTERMSIG(status),
		       strsignal(WTERMSIG(status)), vt_shared->phase);
		return VT_FAIL;
	}
	rc = WEXITSTATUS(status);
	if (rc != VT_PASS && rc != VT_SKIP) {
		if (rc != VT_FAIL)
			printf("FAIL %s: exit status %d\n", vt_ctx.name, rc);
		rc = VT_FAIL;
	}
	return rc;
}

int
vt_main(const struct vt_test *t, int argc, char **argv)
{
	struct sigaction sa;
	pid_t parent, pid;
	double start;
	int rc;

	setvbuf(stdout, NULL, _IOLBF, 0);
	vt_init_ctx(t, argc, argv);
	if (argc > 1 && (strcmp(argv[1], "-h") == 0 ||
			 strcmp(argv[1], "--help") == 0)) {
		vt_usage(t, argv[0]);
		return VT_PASS;
	}

	vt_shared = mmap(NULL, sizeof(*vt_shared), PROT_READ | PROT_WRITE,
			 MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (vt_shared == MAP_FAILED) {
		printf("FAIL %s: mmap: %s\n", vt_ctx.name, strerror(errno));
		return VT_FAIL;
	}
	if (mkdtemp(vt_ctx.dir) == NULL) {
		printf("FAIL %s: mkdtemp %s: %s\n", vt_ctx.name, vt_ctx.dir,
		       strerror(errno));
		return VT_FAIL;
	}
	chmod(vt_ctx.dir, 0700);

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = vt_on_signal;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);

	start = vt_now();
	printf("[%s] start (file prefix %s, directory %s)\n", vt_ctx.name,
	       vt_ctx.prefix, vt_ctx.dir);
	rc = VT_PASS;
	if (t->hugepages > 0)
		rc = vt_hugepages_setup(t->hugepages, vt_ctx.huge_dir,
					sizeof(vt_ctx.huge_dir));
	if (rc == VT_PASS && t->setup != NULL)
		rc = t->setup(argc - 1, argv + 1);
	if (rc != VT_PASS)
		goto out;

	parent = getpid();
	fflush(stdout);
	pid = fork();
	if (pid < 0) {
		printf("FAIL %s: fork: %s\n", vt_ctx.name, strerror(errno));
		rc = VT_FAIL;
		goto out;
	}
	if (pid == 0) {
		/* the body never outlives the runner */
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (getppid() != parent)
			_exit(VT_FAIL);
		sa.sa_handler = SIG_DFL;
		sigaction(SIGTERM, &sa, NULL);
		sigaction(SIGINT, &sa, NULL);
		sigaction(SIGHUP, &sa, NULL);
		rc = t->run(argc - 1, argv + 1);
		if (vt_eal_finish() != VT_PASS && rc == VT_PASS)
			rc = VT_FAIL;
#ifdef __SANITIZE_ADDRESS__
		/* _exit() skips LeakSanitizer: check the body here */
		if (__lsan_do_recoverable_leak_check() != 0 && rc == VT_PASS) {
			printf("FAIL %s: LeakSanitizer found leaks (above)\n",
			       vt_ctx.name);
			rc = VT_FAIL;
		}
#endif
		fflush(stdout);
		_exit(rc);
	}
	rc = vt_wait_child(t, pid, start + vt_time_limit(t));

out:
	/* teardown undoes whatever part of setup happened (it may unmount
	 * something in the directory), then the directory goes
	 */
	vt_cleanup_eal_files();
	if (t->teardown != NULL)
		t->teardown();
	if (t->hugepages > 0)
		vt_hugepages_teardown();
	vt_rm_tree(vt_ctx.dir);
	printf("[%s] %s after %.1f s\n", vt_ctx.name,
	       rc == VT_PASS ? "PASS" : rc == VT_SKIP ? "SKIP" : "FAIL",
	       vt_now() - start);
	if (rc == VT_SKIP)
		printf("[%s] to run it: %s %s\n", vt_ctx.name, argv[0],
		       t->usage != NULL ? t->usage : "");
	fflush(stdout);
	return rc;
}

int
vt_checks_done(struct rte_mempool *mp, unsigned int total,
	       unsigned int failed)
{
	vt_phase("leak check");
	if (rte_mempool_in_use_count(mp) != 0) {
		vt_fail(__FILE__, __LINE__, "mbufs in use: expected 0, actual %u",
			rte_mempool_in_use_count(mp));
		failed++;
	} else {
		rte_mempool_free(mp);
	}
	vt_info("%u of %u checks passed", total - failed, total);
	return failed == 0 ? VT_PASS : VT_FAIL;
}
