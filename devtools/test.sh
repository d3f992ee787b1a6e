#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 The virtio_map authors
#
# Run the whole test suite (meson test) on the build from devtools/setup.sh,
# then the unit and integration suites again in a second build with
# AddressSanitizer and UBSan (build-asan/ next to build/, configured and
# built here), and end with one line "N passed, N failed, N skipped"
# counting both runs.
#
#   devtools/test.sh [--no-sanitize] [meson test arguments...]   e.g. --suite unit
#
# Meson test arguments go to both runs; the sanitizer run leaves out the
# hugepages and testpmd suites (see the test setup in meson.build), takes
# its smaller matrix (below) of what they select and is skipped when they
# select nothing else.
# Environment:
#   BUILDDIR          the main build (default <repo>/build)
#   SANITIZE_BUILDDIR the sanitizer build (default $BUILDDIR-asan)
#   VM_SANITIZE       1 (default): the sanitizer run covers every unit and
#                     integration test program and every value each of its
#                     arguments takes (a smaller matrix: about half the
#                     tests, and about half the time of all of them);
#                     full: every unit and integration test; 0: no
#                     sanitizer run (same as --no-sanitize)
set -uo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
builddir=${BUILDDIR:-$top/build}
sanbuilddir=${SANITIZE_BUILDDIR:-$builddir-asan}
sanitize=${VM_SANITIZE:-1}

args=()
for a in "$@"; do
	if [ "$a" = "--no-sanitize" ]; then
		sanitize=0
	else
		args+=("$a")
	fi
done
case $sanitize in
0 | 1 | full) ;;
*) echo "test: error: VM_SANITIZE=$sanitize: allowed: 0, 1, full" >&2; exit 1 ;;
esac

if [ ! -f "$builddir/build.ninja" ]; then
	echo "test: error: no build in $builddir: run devtools/setup.sh first" >&2
	exit 1
fi
ninja -C "$builddir" >/dev/null || { echo "test: error: build failed" >&2; exit 1; }

# A log that is not written (meson failed early) counts as a failure rather
# than an old log counting again.
logs=("$builddir/meson-logs/testlog.json")
rm -f "${logs[0]}"
meson test -C "$builddir" --print-errorlogs "${args[@]}"
rc=$?

# The sanitizer build: configured like setup.sh configures build/, with the
# same driver SDK include folder as build/ (read from its options).
if [ "$sanitize" != 0 ]; then
	if [ ! -f "$sanbuilddir/build.ninja" ]; then
		sdk=$("$top/devtools/meson-option.py" "$builddir" dpdk_sdk_include) ||
			{ echo "test: error: cannot read the options of $builddir" >&2; exit 1; }
		rm -rf "$sanbuilddir/meson-private" "$sanbuilddir/meson-info" "$sanbuilddir/meson-logs"
		# -O2 -g and frame pointers for readable reports; every UBSan
		# check fatal, not only printed
		meson setup "$sanbuilddir" "$top" -Ddpdk_sdk_include="$sdk" \
			-Db_sanitize=address,undefined -Dbuildtype=debugoptimized \
			-Dc_args="-fno-omit-frame-pointer -fno-sanitize-recover=all" \
			>/dev/null || { echo "test: error: meson setup $sanbuilddir failed" >&2; exit 1; }
	fi
	echo "test: building the sanitizer build (address,undefined) in $sanbuilddir"
	ninja -C "$sanbuilddir" >/dev/null || { echo "test: error: build of $sanbuilddir failed" >&2; exit 1; }

	# What the arguments select there, hugepages and testpmd always left
	# out, and install, docs and package (a --suite given would otherwise override the test
	# setup).
	san_args=(--no-suite hugepages --no-suite testpmd --no-suite install --no-suite docs --no-suite package "${args[@]}")
	mapfile -t listed < <(meson test -C "$sanbuilddir" --no-rebuild --list \
		"${san_args[@]}" 2>/dev/null | sed -n 's#^[^ ]* / ##p')
	sel=("${san_args[@]}")
	if [ ${#listed[@]} -gt 0 ] && [ "$sanitize" = 1 ]; then
		# The smaller matrix: of the selected tests, greedily pick
		# until every program and every (position, value) of its
		# arguments ran once. Tests named on the command line still
		# all run: the names add up.
		mapfile -d '' names < <(meson introspect --tests "$sanbuilddir" |
			python3 -c '
import json, os, sys
sep = sys.argv.index("--")
listed = set(sys.argv[1:sep])
named = {a.split(":", 1)[-1] for a in sys.argv[sep + 1:]}
tests = [t for t in json.load(sys.stdin) if t["name"] in listed]
def points(t):
    prog = os.path.basename(t["cmd"][0])
    return {(prog,)} | {(prog, i, a) for i, a in enumerate(t["cmd"][1:])}
need = set().union(set(), *(points(t) for t in tests))
# named tests run anyway (meson would run a test named twice twice)
for t in [t for t in tests if t["name"] in named]:
    tests.remove(t)
    need -= points(t)
while need:
    best = max(tests, key=lambda t: len(points(t) & need))
    tests.remove(best)
    need -= points(best)
    # meson 1.0 matches test names exactly; ":name" is any project
    sys.stdout.write(":" + best["name"] + "\0")
' "${listed[@]}" -- "${args[@]}")
		sel+=("${names[@]}")
	fi
	n=0
	[ ${#listed[@]} -eq 0 ] ||
		n=$(meson test -C "$sanbuilddir" --no-rebuild --list "${sel[@]}" 2>/dev/null | grep -c ' / ')
	if [ "$n" -eq 0 ]; then
		echo "test: sanitizer run: nothing selected in $sanbuilddir (it runs the unit and integration suites only)"
	else
		echo "test: sanitizer run of $n of ${#listed[@]} selected tests in $sanbuilddir, its lines prefixed with 'asan|'"
		logs+=("$sanbuilddir/meson-logs/testlog.json")
		rm -f "${logs[1]}"
		meson test -C "$sanbuilddir" --print-errorlogs "${sel[@]}" 2>&1 |
			sed -u 's/^/asan| /'
		src=${PIPESTATUS[0]}
		[ "$src" -eq 0 ] || rc=$src
	fi
fi

# Count from meson's JSON logs: OK and EXPECTEDFAIL pass, SKIP skips,
# everything else (FAIL, TIMEOUT, ERROR, UNEXPECTEDPASS) fails.
python3 - "${logs[@]}" <<'PY'
import json, sys
counts = {"passed": 0, "failed": 0, "skipped": 0}
failed = []
for log in sys.argv[1:]:
    try:
        with open(log) as f:
            for line in f:
                r = json.loads(line).get("result", "")
                if r in ("OK", "EXPECTEDFAIL"):
                    counts["passed"] += 1
                elif r == "SKIP":
                    counts["skipped"] += 1
                else:
                    counts["failed"] += 1
                    failed.append(json.loads(line))
    except OSError:
        counts["failed"] += 1
        print("test: FAILED: no log %s (the run stopped early)" % log)
# Name each failure with the end of its output last, where a CI summary
# that keeps only the tail of the run still shows it.
for t in failed:
    print("test: FAILED %s: %s" % (t.get("result", "?"), t.get("name", "?")))
    out = (t.get("stdout") or "").splitlines()
    for l in out[-25:]:
        print("test: | " + l[:300])
print("%d passed, %d failed, %d skipped" % (counts["passed"], counts["failed"], counts["skipped"]))
PY
exit "$rc"
