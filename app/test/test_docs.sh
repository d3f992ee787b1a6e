#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 The virtio_map authors
#
# The documentation builds without a single warning:
#   - the guides with Sphinx (sphinx-build -W, doc/guides/conf.py);
#   - the public headers with Doxygen (doc/api/doxy-api.conf), where every
#     function, parameter, return value, type and member must be
#     documented.
# Prints each tool's warning count. Both tools come with devtools/setup.sh
# (python3-sphinx, doxygen).
#
#   test_docs.sh SRCDIR
set -uo pipefail

src=$1
out=$(mktemp -d /tmp/vmap_docs.XXXXXX)
trap 'rm -rf "$out"' EXIT
rc=0

for tool in sphinx-build doxygen; do
	command -v $tool >/dev/null ||
		{ echo "FAIL: $tool not installed: run devtools/setup.sh"; exit 1; }
done

sphinx-build -q -W --keep-going -b html "$src/doc/guides" "$out/html" \
	>"$out/sphinx.log" 2>&1
src_rc=$?
n=$(grep -c 'WARNING\|ERROR' "$out/sphinx.log")
echo "sphinx-build -W: exit $src_rc, $n warnings"
cat "$out/sphinx.log"
[ "$src_rc" -eq 0 ] && [ "$n" -eq 0 ] || rc=1
[ -f "$out/html/index.html" ] || { echo "FAIL: no index.html"; rc=1; }

mkdir -p "$out/api"
(cd "$src" && DOXY_OUT="$out/api" doxygen doc/api/doxy-api.conf) \
	>"$out/doxygen.log" 2>&1
dox_rc=$?
n=$(grep -c ': \(warning\|error\):' "$out/doxygen.log")
echo "doxygen: exit $dox_rc, $n warnings"
cat "$out/doxygen.log"
[ "$dox_rc" -eq 0 ] && [ "$n" -eq 0 ] || rc=1
[ -f "$out/api/html/rte__pmd__virtio__map_8h.html" ] ||
	{ echo "FAIL: no page for rte_pmd_virtio_map.h"; rc=1; }

[ $rc -eq 0 ] && echo ok
exit $rc
