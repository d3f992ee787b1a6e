#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 The virtio_map authors
#
# The main job: one-core loopback forwarding between DPDK's net_vhost and
# net_virtio_map, then net_virtio_user on the same backend settings, with
# 64-byte frames for a few seconds each; prints one line per driver and
# the "ratio" line. Needs no hugepages (--no-huge -m 1024).
#
#   devtools/loopback.sh [loopback options...]   e.g. --size 1518 --rounds 3
#
# --map va,vduse measures each map kind on its own pair in the same run,
# with one line and one ratio line per kind.
# Options after the defaults win (see virtio_map_loopback --help).
# Environment: BUILDDIR (default <repo>/build), LCORE (the one core, 0),
# EAL_ARGS (extra EAL arguments), LOOPBACK_TIMEOUT (seconds before the
# run is stopped, 600).
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
builddir=${BUILDDIR:-$top/build}
bin=$builddir/app/loopback/virtio_map_loopback
prefix=vmap_loopback

die() { printf 'loopback: error: %s\n' "$*" >&2; exit 1; }

[ -x "$bin" ] || die "$bin not found: run devtools/setup.sh first"

# EAL keeps a small runtime folder per --file-prefix; drop ours afterwards.
if [ "$(id -u)" -eq 0 ]; then
	rundir=/var/run/dpdk/$prefix
else
	rundir=${XDG_RUNTIME_DIR:-/tmp}/dpdk/$prefix
fi

rc=0
# shellcheck disable=SC2086 # EAL_ARGS is a list of words
timeout --foreground --signal=INT --kill-after=15 "${LOOPBACK_TIMEOUT:-600}" \
	"$bin" --no-huge -m 1024 --no-pci -l "${LCORE:-0}" --file-prefix "$prefix" \
	--log-level=lib.vhost.config:warning ${EAL_ARGS:-} -- \
	--target both --size 64 --seconds 3 "$@" || rc=$?
rm -rf "$rundir"
[ $rc -ne 124 ] || die "timed out after ${LOOPBACK_TIMEOUT:-600} s"
exit $rc
