#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 The virtio_map authors
#
# Throughput comparison of net_virtio_map against DPDK's net_virtio_user in
# the one-core loopback (virtio_map_loopback), for frame sizes 64 and 1518
# and each map kind given, several rounds each; prints a table of the
# median Mpps per direction, the driver's cycles per packet, and the
# virtio_map/virtio_user ratios. Each frame size is one run that measures
# every map kind and net_virtio_user side by side (--map KIND,KIND...), so
# all rows of one size come from one process.
#
#   devtools/bench.sh [-r ROUNDS] [-t SECONDS] [-s "SIZES"] [MAP...] [-- OPTS]
#
#   -r ROUNDS   rounds per run, median reported (default 3)
#   -t SECONDS  measured seconds per driver and round (default 2)
#   -s SIZES    frame sizes, quoted list (default "64 1518")
#   MAP...      map kinds for net_virtio_map, e.g. va vduse (default va)
#   OPTS        more virtio_map_loopback options, e.g. --vu-args in_order=0
#
# Environment: BUILDDIR (default <repo>/build), LCORE (the one core, 0),
# EAL_ARGS (extra EAL arguments), BENCH_VERBOSE=1 (also print each run's
# own lines).
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
builddir=${BUILDDIR:-$top/build}
bin=$builddir/app/loopback/virtio_map_loopback

die() { printf 'bench: error: %s\n' "$1" >&2; exit "${2:-1}"; }
usage() { sed -n 's/^#   \{0,1\}//p' "$0" | sed -n '/^devtools/,/^OPTS/p'; }

rounds=3
seconds=2
sizes="64 1518"
while getopts 'r:t:s:h' opt; do
	case $opt in
	r) rounds=$OPTARG ;;
	t) seconds=$OPTARG ;;
	s) sizes=$OPTARG ;;
	h) usage; exit 0 ;;
	*) usage >&2; exit 2 ;;
	esac
done
shift $((OPTIND - 1))
maps=()
while [ $# -gt 0 ] && [ "$1" != "--" ]; do
	maps+=("$1")
	shift
done
[ $# -eq 0 ] || shift
[ ${#maps[@]} -gt 0 ] || maps=(va)
# One --map list; the program rejects empty items and kinds given twice,
# so once a run passed, splitting it again ("va,vduse" = "va vduse") is safe.
maplist=$(IFS=,; printf '%s' "${maps[*]}")
IFS=, read -r -a maps <<<"$maplist"

[ -x "$bin" ] || die "$bin not found: run devtools/setup.sh first"

if [ "$(id -u)" -eq 0 ]; then
	runbase=/var/run/dpdk
else
	runbase=${XDG_RUNTIME_DIR:-/tmp}/dpdk
fi
out=$(mktemp)
err=$(mktemp)
trap 'rm -f "$out" "$err"' EXIT

# One run: every map kind and virtio_user, alternating, same backend settings.
run() {
	local size=$1 prefix rc=0
	shift
	prefix=vmap_bench_$size
	# shellcheck disable=SC2086 # EAL_ARGS is a list of words
	timeout --foreground --signal=INT --kill-after=15 600 \
		"$bin" --no-huge -m 1024 --no-pci -l "${LCORE:-0}" --file-prefix "$prefix" \
		--log-level=lib.vhost.config:warning ${EAL_ARGS:-} -- \
		--target both --size "$size" --map "$maplist" --rounds "$rounds" \
		--seconds "$seconds" "$@" >"$out" 2>"$err" || rc=$?
	rm -rf "${runbase:?}/$prefix"
	if [ $rc -ne 0 ]; then
		tail -n 20 "$err" >&2
		die "map=$maplist size=$size: loopback exited with $rc" $rc
	fi
	[ "${BENCH_VERBOSE:-0}" = 0 ] || cat "$out" >&2
}

# The label of a map kind's lines: bare with one kind, tagged with several.
label() {
	if [ ${#maps[@]} -eq 1 ]; then
		printf 'virtio_map'
	else
		printf 'virtio_map(%s)' "$1"
	fi
}

# "LABEL size=N dev->drv X Mpps  drv->dev Y Mpps  driver Z cycles/pkt"
figures() {
	awk -v t="$1" '$1 == t { print $4, $7, $10 }' "$out"
}

# "ratio LABEL/virtio_user: dev->drv X drv->dev Y cycles Z"
ratios() {
	awk -v t="$1/virtio_user:" \
		'$1 == "ratio" && $2 == t { print $4, $6, $8 }' "$out"
}

printf '# %s rounds x %s s per driver, median of rounds; Mpps per direction\n' \
	"$rounds" "$seconds"
printf '# one run per size: map=%s and virtio_user side by side\n' \
	"$maplist"
fmt='%-8s %5s | %7s %7s %6s | %7s %7s %6s | %7s %7s %6s\n'
printf '%-8s %5s | %-22s | %-22s | %s\n' "" "" "virtio_map" "virtio_user" \
	"ratio map/user"
# shellcheck disable=SC2059 # the format is ours
printf "$fmt" map size dev-drv drv-dev cyc/pk dev-drv drv-dev cyc/pk \
	dev-drv drv-dev cyc/pk
for size in $sizes; do
	run "$size" "$@"
	read -r vu_dd vu_rd vu_cy <<<"$(figures virtio_user)"
	[ -n "${vu_cy:-}" ] || die "size=$size: no virtio_user line"
	for map in "${maps[@]}"; do
		lb=$(label "$map")
		read -r vm_dd vm_rd vm_cy <<<"$(figures "$lb")"
		read -r r_dd r_rd r_cy <<<"$(ratios "$lb")"
		[ -n "${r_cy:-}" ] || die "map=$map size=$size: no ratio line"
		# shellcheck disable=SC2059 # the format is ours
		printf "$fmt" "$map" "$size" "$vm_dd" "$vm_rd" "$vm_cy" \
			"$vu_dd" "$vu_rd" "$vu_cy" "$r_dd" "$r_rd" "$r_cy"
	done
done
