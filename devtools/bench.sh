#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 The virtio_map authors
#
# Throughput comparison of net_virtio_map against DPDK's net_virtio_user in
# the one-core loopback (virtio_map_loopback), per ring path, frame size and
# map kind, several rounds each; prints a table of the median Mpps per
# direction, the driver's cycles per packet and the virtio_map/virtio_user
# ratios, writes the same as JSON (with the TSC cycles per packet inside
# the device's calls beside the driver's, "device_cycles"), and plots
# Mpps against frame size (one line per path and kind, virtio_user's
# beside them) when gnuplot is there.
# Each path and frame size is one run that measures every map kind and
# net_virtio_user side by side (--map KIND,KIND...), so all rows of one
# path and size come from one process.
#
#   devtools/bench.sh [-r ROUNDS] [-t SECONDS] [-s "SIZES"] [-p "PATHS"] [-o DIR] [-i] [-H] [MAP...] [-- OPTS]
#
#   -r ROUNDS   rounds per run, median reported (default 3)
#   -t SECONDS  measured seconds per driver and round (default 2)
#   -s SIZES    frame sizes, quoted list (default "64 256 512 1024 1518")
#   -p PATHS    ring paths, quoted list of split, packed, split-vec,
#               packed-vec (default "split packed"); the -vec paths put
#               net_virtio_user on its vectorized path (packed-vec with
#               AVX-512 allowed) and the driver on the same ring options
#   -o DIR      write bench.json and bench.png there (default build/bench)
#   -i          also count instructions per packet at 64 B, per path, in
#               the driver and in the device (DPDK's vhost library), for
#               each map kind and net_virtio_user (devtools/callgrind.sh;
#               about 40 s per driver and path); a second table and
#               "instructions" in the JSON
#   -H          run on 2 MB hugepages (1 GB of them must be free, e.g.
#               echo 512 > /sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages)
#               instead of --no-huge: what DPDK applications run on; with
#               4 KB pages both drivers pay TLB misses, and not alike
#   MAP...      map kinds for net_virtio_map, e.g. va vduse (default va)
#   OPTS        more virtio_map_loopback options, e.g. --queue-size 1024
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
sizes="64 256 512 1024 1518"
paths="split packed"
outdir=$builddir/bench
instr=0
huge=0
while getopts 'r:t:s:p:o:iHh' opt; do
	case $opt in
	r) rounds=$OPTARG ;;
	t) seconds=$OPTARG ;;
	s) sizes=$OPTARG ;;
	p) paths=$OPTARG ;;
	o) outdir=$OPTARG ;;
	i) instr=1 ;;
	H) huge=1 ;;
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

# path -> driver devargs | virtio_user devargs | EAL arguments
path_args() {
	case $1 in
	split) echo "||" ;;
	packed) echo "packed_vq=1|packed_vq=1|" ;;
	split-vec) echo "in_order=1|in_order=1,mrg_rxbuf=0,vectorized=1|" ;;
	packed-vec) echo "packed_vq=1,in_order=1|packed_vq=1,in_order=1,mrg_rxbuf=0,vectorized=1|--force-max-simd-bitwidth=512" ;;
	*) die "unknown path '$1' (split, packed, split-vec, packed-vec)" 2 ;;
	esac
}
for p in $paths; do path_args "$p" >/dev/null; done

[ -x "$bin" ] || die "$bin not found: run devtools/setup.sh first"
# EAL memory: 1 GB, in 4 KB pages or in hugepages (one file per memseg
# list, so that the vhost-user memory tables stay small)
if [ "$huge" = 1 ]; then
	hp=/sys/kernel/mm/hugepages/hugepages-2048kB/free_hugepages
	free_hp=$(cat "$hp" 2>/dev/null || echo 0)
	[ "$free_hp" -ge 512 ] ||
		die "-H needs 512 free 2 MB hugepages, $hp says $free_hp (echo 512 > /sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages)" 2
	mem_args=(-m 1024 --in-memory --single-file-segments)
	memory=hugepages
else
	mem_args=(--no-huge -m 1024)
	memory=no-huge
fi
mkdir -p "$outdir" || die "cannot make $outdir"

if [ "$(id -u)" -eq 0 ]; then
	runbase=/var/run/dpdk
else
	runbase=${XDG_RUNTIME_DIR:-/tmp}/dpdk
fi
out=$(mktemp)
err=$(mktemp)
rows=$(mktemp)
irows=$(mktemp)
trap 'rm -f "$out" "$err" "$rows" "$irows"' EXIT

# One run: every map kind and virtio_user, alternating, same backend settings.
run() {
	local size=$1 vm=$2 vu=$3 eal=$4 prefix rc=0 a=()
	shift 4
	prefix=vmap_bench_$size
	[ -z "$vm" ] || a+=(--vm-args "$vm")
	[ -z "$vu" ] || a+=(--vu-args "$vu")
	# shellcheck disable=SC2086 # EAL_ARGS and eal are lists of words
	timeout --foreground --signal=INT --kill-after=15 600 \
		"$bin" "${mem_args[@]}" --no-pci -l "${LCORE:-0}" --file-prefix "$prefix" \
		--log-level=lib.vhost.config:warning $eal ${EAL_ARGS:-} -- \
		--target both --size "$size" --map "$maplist" --rounds "$rounds" \
		--seconds "$seconds" "${a[@]}" "$@" >"$out" 2>"$err" || rc=$?
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

# "LABEL size=N dev->drv X Mpps  drv->dev Y Mpps  driver Z cycles/pkt
#  device D cycles/pkt"
figures() {
	awk -v t="$1" '$1 == t { print $4, $7, $10, $13 }' "$out"
}

# "ratio LABEL/virtio_user: dev->drv X drv->dev Y cycles Z"
ratios() {
	awk -v t="$1/virtio_user:" \
		'$1 == "ratio" && $2 == t { print $4, $6, $8 }' "$out"
}

printf '# %s rounds x %s s per driver, median of rounds; Mpps per direction; memory: %s\n' \
	"$rounds" "$seconds" "$memory"
printf '# one run per path and size: map=%s and virtio_user side by side\n' \
	"$maplist"
printf '# %s, %s\n' "$(uname -m)" \
	"$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)"
fmt='%-10s %-12s %5s | %7s %7s %6s | %7s %7s %6s | %7s %7s %6s\n'
printf '%-10s %-12s %5s | %-22s | %-22s | %s\n' "" "" "" "virtio_map" \
	"virtio_user" "ratio map/user"
# shellcheck disable=SC2059 # the format is ours
printf "$fmt" path map size dev-drv drv-dev cyc/pk dev-drv drv-dev cyc/pk \
	dev-drv drv-dev cyc/pk
for path in $paths; do
	IFS='|' read -r vm vu eal <<<"$(path_args "$path")"
	for size in $sizes; do
		run "$size" "$vm" "$vu" "$eal" "$@"
		read -r vu_dd vu_rd vu_cy vu_dc <<<"$(figures virtio_user)"
		[ -n "${vu_cy:-}" ] || die "size=$size: no virtio_user line"
		for map in "${maps[@]}"; do
			lb=$(label "$map")
			read -r vm_dd vm_rd vm_cy vm_dc <<<"$(figures "$lb")"
			read -r r_dd r_rd r_cy <<<"$(ratios "$lb")"
			[ -n "${r_cy:-}" ] ||
				die "map=$map size=$size: no ratio line"
			# shellcheck disable=SC2059 # the format is ours
			printf "$fmt" "$path" "$map" "$size" "$vm_dd" "$vm_rd" \
				"$vm_cy" "$vu_dd" "$vu_rd" "$vu_cy" "$r_dd" \
				"$r_rd" "$r_cy"
			echo "$path $map $size $vm_dd $vm_rd $vm_cy $vu_dd $vu_rd $vu_cy $r_dd $r_rd $r_cy ${vm_dc:-0} ${vu_dc:-0}" >>"$rows"
		done
	done
done

# Instructions per packet (-i): one callgrind.sh run per path, 64 B
if [ "$instr" = 1 ]; then
	printf '# instructions per packet at 64 B (valgrind callgrind): driver = inside its burst calls, device = inside DPDK vhost enqueue/dequeue\n'
	ifmt='%-10s %-12s | %8s %8s | %8s %8s | %6s %6s\n'
	printf '%-10s %-12s | %-17s | %-17s | ratio map/user\n' "" "" \
		"virtio_map" "virtio_user"
	# shellcheck disable=SC2059 # the format is ours
	printf "$ifmt" path map driver device driver device driver device
	for path in $paths; do
		IFS='|' read -r vm vu eal <<<"$(path_args "$path")"
		a=()
		[ -z "$vm" ] || a+=(--vm-args "$vm")
		[ -z "$vu" ] || a+=(--vu-args "$vu")
		cg=$(EAL_ARGS="$eal ${EAL_ARGS:-}" "$top/devtools/callgrind.sh" \
			-s 64 "${maps[@]}" -- "${a[@]}" "$@") ||
			die "path=$path: callgrind.sh failed"
		read -r u_ir u_dev <<<"$(awk '$1 == "virtio_user" { print $2, $5 }' <<<"$cg")"
		for map in "${maps[@]}"; do
			read -r m_ir m_dev <<<"$(awk -v l="virtio_map($map)" \
				'$1 == l { print $2, $5 }' <<<"$cg")"
			if [ -z "${m_dev:-}" ] || [ -z "${u_dev:-}" ]; then
				die "path=$path map=$map: no callgrind figures"
			fi
			# shellcheck disable=SC2059 # the format is ours
			printf "$ifmt" "$path" "$map" "$m_ir" "$m_dev" "$u_ir" \
				"$u_dev" "$(awk -v a="$m_ir" -v b="$u_ir" 'BEGIN { printf "%.2f", a / b }')" \
				"$(awk -v a="$m_dev" -v b="$u_dev" 'BEGIN { printf "%.2f", a / b }')"
			echo "$path $map $m_ir $m_dev $u_ir $u_dev" >>"$irows"
		done
	done
fi

# JSON: one object per row, the settings beside them
awk -v rounds="$rounds" -v seconds="$seconds" -v memory="$memory" -v cpu="$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)" -v irows="$irows" '
BEGIN { printf "{\n  \"rounds\": %d, \"seconds\": %s, \"memory\": \"%s\", \"cpu\": \"%s\",\n  \"rows\": [", rounds, seconds, memory, cpu; sep = "" }
{
	printf "%s\n    {\"path\": \"%s\", \"map\": \"%s\", \"size\": %d, " \
		"\"virtio_map\": {\"dev_drv_mpps\": %s, \"drv_dev_mpps\": %s, \"cycles\": %s, \"device_cycles\": %s}, " \
		"\"virtio_user\": {\"dev_drv_mpps\": %s, \"drv_dev_mpps\": %s, \"cycles\": %s, \"device_cycles\": %s}, " \
		"\"ratio\": {\"dev_drv\": %s, \"drv_dev\": %s, \"cycles\": %s}}", \
		sep, $1, $2, $3, $4, $5, $6, $13, $7, $8, $9, $14, $10, $11, $12
	sep = ","
}
END {
	printf "\n  ]"
	sep = ""
	n = 0
	while ((getline line < irows) > 0) {
		split(line, f, " ")
		if (n++ == 0)
			printf ",\n  \"instructions\": ["
		printf "%s\n    {\"path\": \"%s\", \"map\": \"%s\", \"size\": 64, " \
			"\"virtio_map\": {\"driver\": %s, \"device\": %s}, " \
			"\"virtio_user\": {\"driver\": %s, \"device\": %s}}", \
			sep, f[1], f[2], f[3], f[4], f[5], f[6]
		sep = ","
	}
	if (n > 0)
		printf "\n  ]"
	printf "\n}\n"
}' "$rows" >"$outdir/bench.json"
printf '# JSON: %s\n' "$outdir/bench.json"

# The plot: device->driver Mpps against frame size
if ! command -v gnuplot >/dev/null; then
	printf '# no plot: gnuplot not found (apt-get install gnuplot-nox)\n'
	exit 0
fi
plot=""
for path in $paths; do
	for map in "${maps[@]}"; do
		f=$outdir/bench.$path.$map.dat
		awk -v p="$path" -v m="$map" '$1 == p && $2 == m { print $3, $4, $7 }' \
			"$rows" >"$f"
		plot="$plot${plot:+, }'$f' using 1:2 with linespoints lw 2 title 'virtio_map $path $map'"
	done
	plot="$plot, '$f' using 1:3 with linespoints dt 2 lw 2 title 'virtio_user $path'"
done
gnuplot <<EOF || die "gnuplot failed"
set terminal pngcairo size 960,600 noenhanced
set output '$outdir/bench.png'
set title 'one-core loopback, DPDK vhost backend, $memory: device-to-driver Mpps'
set xlabel 'frame size (bytes)'
set ylabel 'Mpps'
set key outside right top
set grid
plot $plot
EOF
rm -f "$outdir"/bench.*.dat
printf '# plot: %s\n' "$outdir/bench.png"
