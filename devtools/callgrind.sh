#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 The virtio_map authors
#
# A stable figure beside the noisy Mpps: instructions per packet inside
# the driver's Rx and Tx burst calls, counted by valgrind's callgrind in
# the one-core loopback (virtio_map_loopback), for net_virtio_map (once
# per map kind) and DPDK's net_virtio_user on the same backend. The
# loopback calls each driver's bursts through two out-of-line functions,
# lb_drv_rx and lb_drv_tx; the count is what runs inside them (their
# inclusive cost, or with -c, callgrind's --toggle-collect of FUNCS),
# whatever the driver's own functions are called, divided by the packets
# those calls moved (the loopback's "# moved" line, warm-ups included). Instruction counts do not depend on
# the load of a shared machine, so two builds can be compared by them.
# Beside the driver's count, the device's: instructions inside DPDK's
# vhost library for the same packets (rte_vhost_enqueue_burst and
# rte_vhost_dequeue_burst, which net_vhost calls), from the same run:
# how cheap the driver's rings are for the device to serve. Both figures
# are counted only inside the forwarding loop (lb_forward, which moves
# the packets counted): the loopback's drain after the measured second
# polls the device 10000 times more, a fixed cost (a packed ring's idle
# dequeue alone is about 1300 instructions: it allocates and frees a
# whole burst) that, divided by the packets of a second under valgrind,
# made the device's figure depend on how fast the machine ran.
#
#   devtools/callgrind.sh [-t SECONDS] [-s SIZE] [-c FUNCS] [-n] [-S] [MAP...] [-- OPTS]
#
#   -t SECONDS  measured seconds per driver (default 1; valgrind runs the
#               program about 50 times slower, the count is per packet)
#   -s SIZE     frame size (default 64)
#   -c FUNCS    count inside these functions instead (comma-separated),
#               e.g. vmap_vduse_map,vmap_vduse_unmap for what mapping
#               costs per packet; implies -n, no device count
#   -n          net_virtio_map only, no net_virtio_user
#   -S          also simulate caches and branches (valgrind's model of
#               this CPU's L1 and a simple predictor, not the CPU's own)
#               and print, per packet inside the driver's calls, L1
#               instruction-cache misses, L1 data-cache misses (reads and
#               writes) and mispredicted branches: why fewer instructions
#               can still take more cycles
#   MAP...      map kinds for net_virtio_map (default va)
#   OPTS        more virtio_map_loopback options, e.g. --vm-args packed_vq=1
#
# Environment: BUILDDIR (default <repo>/build), KEEP=DIR (keep the
# callgrind output files there, for callgrind_annotate), EAL_ARGS (extra
# EAL arguments, e.g. --force-max-simd-bitwidth=512).
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
builddir=${BUILDDIR:-$top/build}
bin=$builddir/app/loopback/virtio_map_loopback

die() { printf 'callgrind: error: %s\n' "$1" >&2; exit "${2:-1}"; }
usage() { sed -n 's/^#   \{0,1\}//p' "$0" | sed -n '/^devtools/,/^OPTS/p'; }

seconds=1
size=64
funcs=lb_drv_rx,lb_drv_tx
# the device's side: net_vhost's calls into the vhost library
dev_funcs=rte_vhost_enqueue_burst,rte_vhost_dequeue_burst
user=1
sim=0
while getopts 't:s:c:nSh' opt; do
	case $opt in
	t) seconds=$OPTARG ;;
	s) size=$OPTARG ;;
	c) funcs=$OPTARG; dev_funcs=""; user=0 ;;
	n) user=0 ;;
	S) sim=1 ;;
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

command -v valgrind >/dev/null ||
	die "valgrind not found: apt-get install valgrind"
[ -x "$bin" ] || die "$bin not found: run devtools/setup.sh first"

work=$(mktemp -d /tmp/vmap_callgrind.XXXXXX)
trap 'rm -rf "$work"' EXIT

# inclusive FILE FUNCS [EVENTS]: instructions (or the sum of the
# comma-separated callgrind EVENTS) inside the comma-separated FUNCS (and
# what they call) in callgrind output FILE
inclusive() {
	local ev=${3:-Ir} e sum=0 v
	if [ "$ev" != "${ev#*,}" ]; then
		IFS=, read -r -a e <<<"$ev"
		for v in "${e[@]}"; do
			sum=$((sum + $(inclusive "$1" "$2" "$v")))
		done
		echo "$sum"
		return
	fi
	callgrind_annotate --inclusive=yes --threshold=100 --show="$ev" \
		--sort="$ev" "$1" 2>/dev/null |
		awk -v fl="$2" '
		BEGIN { n = split(fl, f, ","); for (i = 1; i <= n; i++) want[f[i]] = 1 }
		$1 ~ /^[0-9,]+$/ {
			ir = $1; gsub(",", "", ir)
			for (i = 2; i <= NF; i++) {
				k = split($i, p, ":"); fn = p[k]
				if (fn in want && !(fn in seen)) { seen[fn] = 1; s += ir }
			}
		}
		END { print s + 0 }'
}

# count LABEL -- loopback options: prints "LABEL instructions/packet",
# then the device's instructions/packet when dev_funcs is set
count() {
	local label=$1 out=$work/$1.out log=$work/$1.log ir moved f toggles=()
	local dev_ir simargs=() simline=""
	shift
	[ "$sim" = 0 ] || simargs=(--cache-sim=yes --branch-sim=yes)
	if [ -n "$dev_funcs" ]; then
		# the loop's calls only; split by function below
		toggles=(--toggle-collect=lb_forward)
	else
		IFS=, read -r -a f <<<"$funcs"
		for x in "${f[@]}"; do
			toggles+=("--toggle-collect=$x")
		done
	fi
	# shellcheck disable=SC2086 # EAL_ARGS is a list of words
	if ! valgrind --tool=callgrind --callgrind-out-file="$out" \
		"${simargs[@]}" "${toggles[@]}" "$bin" --no-huge -m 512 --no-pci -l "${LCORE:-0}" \
		--file-prefix "vmap_cg_$$" ${EAL_ARGS:-} -- --seconds "$seconds" \
		--size "$size" "$@" >"$log" 2>&1; then
		tail -n 20 "$log" >&2
		die "$label: the loopback failed under valgrind"
	fi
	ir=$(sed -n 's/^==[0-9]*== Collected : \([0-9]*\)$/\1/p' "$log")
	moved=$(awk '/^# moved / { s += $4 } END { print s + 0 }' "$log")
	dev_ir=0
	if [ -n "$dev_funcs" ]; then
		dev_ir=$(inclusive "$out" "$dev_funcs")
		[ "$dev_ir" -gt 0 ] ||
			die "$label: nothing counted in $dev_funcs (callgrind_annotate)"
		ir=$(inclusive "$out" "$funcs")
	fi
	if [ -z "$ir" ] || [ "$ir" -le 0 ] || [ "$moved" -le 0 ]; then
		die "$label: nothing counted in $funcs, or no packets"
	fi
	[ -z "${KEEP:-}" ] || cp "$out" "$KEEP/callgrind.$label.out"
	if [ "$sim" = 1 ]; then
		simline=$(awk -v i="$(inclusive "$out" "$funcs" I1mr)" \
			-v d="$(inclusive "$out" "$funcs" D1mr,D1mw)" \
			-v b="$(inclusive "$out" "$funcs" Bcm,Bim)" -v n="$moved" \
			'BEGIN { printf "  simulated per packet: I1 misses %.2f, D1 misses %.2f, mispredicts %.2f", i / n, d / n, b / n }')
	fi
	awk -v l="$label" -v ir="$ir" -v n="$moved" -v d="$dev_ir" \
		-v dev="$dev_funcs" 'BEGIN {
		printf "%-22s %8.1f instructions/packet", l, ir / n
		if (dev != "")
			printf "  device %8.1f", d / n
		printf "  (%d packets)", n }'
	printf '%s\n' "$simline"
}

printf '# callgrind: instructions per packet in %s (device: %s), size=%s, %s s each\n' \
	"$funcs" "${dev_funcs:-not counted}" "$size" "$seconds"
results=()
for m in "${maps[@]}"; do
	line=$(count "virtio_map($m)" --target virtio_map --map "$m" "$@")
	printf '%s\n' "$line"
	results+=("$line")
done
[ "$user" = 1 ] || exit 0
user=$(count virtio_user --target virtio_user "$@")
printf '%s\n' "$user"
u=$(printf '%s\n' "$user" | awk '{ print $2 }')
ud=$(printf '%s\n' "$user" | awk '$4 == "device" { print $5 }')
for r in "${results[@]}"; do
	printf '%s\n' "$r" | awk -v u="$u" -v ud="${ud:-0}" '{
		printf "ratio %s/virtio_user: instructions %.2f", $1, $2 / u
		if ($4 == "device" && ud > 0)
			printf ", device %.2f", $5 / ud
		printf "\n" }'
done
