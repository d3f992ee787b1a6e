#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 The virtio_map authors
#
# Run the whole test suite (meson test) on the build from devtools/setup.sh
# and end with one line "N passed, N failed, N skipped".
#
#   devtools/test.sh [meson test arguments...]   e.g. --suite unit
set -uo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
builddir=${BUILDDIR:-$top/build}

if [ ! -f "$builddir/build.ninja" ]; then
	echo "test: error: no build in $builddir: run devtools/setup.sh first" >&2
	exit 1
fi
ninja -C "$builddir" >/dev/null || { echo "test: error: build failed" >&2; exit 1; }

meson test -C "$builddir" --print-errorlogs "$@"
rc=$?

# Count from meson's JSON log: OK and EXPECTEDFAIL pass, SKIP skips,
# everything else (FAIL, TIMEOUT, ERROR, UNEXPECTEDPASS) fails.
python3 - "$builddir/meson-logs/testlog.json" <<'PY'
import json, sys
counts = {"passed": 0, "failed": 0, "skipped": 0}
try:
    with open(sys.argv[1]) as f:
        for line in f:
            r = json.loads(line).get("result", "")
            if r in ("OK", "EXPECTEDFAIL"):
                counts["passed"] += 1
            elif r == "SKIP":
                counts["skipped"] += 1
            else:
                counts["failed"] += 1
except OSError:
    counts["failed"] += 1
print("%d passed, %d failed, %d skipped" % (counts["passed"], counts["failed"], counts["skipped"]))
PY
exit $rc
