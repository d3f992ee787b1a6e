#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 The virtio_map authors
#
# testpmd suite, "testpmd restart": what DPDK's test suite (DTS) does to a
# port, CYCLES times in a row in one dpdk-testpmd (--no-huge, net_vhost0 as
# port 0, the driver as port 1):
#
#   stop; port stop 1; port start 1; start tx_first 1
#
# testpmd waits for the links after "port start", so the burst sent right
# after it is the promise a link up makes: it must get through. After the
# cycles forwarding runs SECONDS and must carry at least MIN_MPPS on both
# ports (testpmd's Rx-pps); then every port stops and the mbufs in use
# (dump_mempool) must equal those before the cycles: no mbuf leaked.
# Prints the Mpps and the leak count. DRIVER: map (net_virtio_map0 on the
# command line, the default), map_attach (attached with "port attach"), or
# virtio_user (DPDK's net_virtio_user attached the same way, for a side by
# side figure; not a test of this driver). Exit 0 pass, 77 skip, else fail.
#
#   usage: test_testpmd_restart.sh PATH/librte_net_virtio_map.so [CYCLES] [SECONDS] [DRIVER]

set -u

cycles=${2:-100}
seconds=${3:-3}
driver=${4:-map}
name="testpmd restart $driver"
min_mpps=${VT_RESTART_MIN_MPPS:-0.2}
here=$(dirname "$0")
. "$here/testpmd_common.sh"

case $driver in
map | map_attach | virtio_user) ;;
*) fail "DRIVER $driver: allowed: map, map_attach, virtio_user" ;;
esac
[[ "$cycles" =~ ^[0-9]+$ ]] && [ "$cycles" -ge 1 ] || fail "CYCLES $cycles: expected a positive number"

tp_init "${1:-}"
vdevs=(--vdev "net_vhost0,iface=$sock")
[ "$driver" = map ] && vdevs+=(--vdev "net_virtio_map0,path=$sock")
tp_timeout=$((cycles * 3 + 120))
tp_launch -l 0,1 --no-pci --no-huge -m 1024 "${vdevs[@]}" \
	-- -i --forward-mode=io --nb-cores=1 --total-num-mbufs=16384

if [ "$driver" != map ]; then
	# net_vhost makes its socket when configured: attach after that
	vdev=net_virtio_map0,path=$sock
	[ "$driver" = virtio_user ] && vdev=net_virtio_user0,path=$sock
	cmd "port attach $vdev" 30
	printf '%s\n' "$out" | grep -q 'Port 1 is attached' ||
		fail "port attach $vdev: $(printf '%s\n' "$out" | tail -n 3)"
	cmd "port start 1" 30
fi
wait_links 2

# in_use: mbufs of testpmd's pool not in the pool (size - caches - common)
in_use() {
	local size cache common
	cmd "dump_mempool" 10
	size=$(printf '%s\n' "$out" | awk -F= '/^  size=/ { print $2; exit }')
	cache=$(printf '%s\n' "$out" | awk -F= '/total_cache_count=/ { print $2; exit }')
	common=$(printf '%s\n' "$out" | awk -F= '/common_pool_count=/ { print $2; exit }')
	[[ "$size$cache$common" =~ ^[0-9]+$ ]] ||
		fail "could not read dump_mempool (size '$size' cache '$cache' common '$common')"
	echo $((size - cache - common)) >"$tmp/in_use"
}

# the baseline: forward, stop every port, count, start again
cmd "start tx_first" 20
sleep 0.5
for c in "stop" "port stop all"; do cmd "$c" 30; done
in_use
base=$(cat "$tmp/in_use")
cmd "port start all" 30
wait_links 2
cmd "start tx_first 1" 20

# prompts in the log after byte $1
prompts() { tail -c +$(($1 + 1)) "$log" | grep -o 'testpmd> ' | wc -l; }

# port $2's "RX-packets" in the forward statistics "stop" printed ($1)
fwd_rx() {
	printf '%s\n' "$1" | awk -v port="$2" '
		/Forward statistics for port/ { p = $(NF - 1) + 0 }
		p == port && $1 == "RX-packets:" { print $2; exit }'
}

# each cycle's commands go in one write, as a script sends them: nothing
# waits between "port start 1" and the burst but testpmd itself. The next
# cycle's "stop" prints what each port received since that burst: a cycle
# whose first burst was lost forwards nothing until the next restart.
stalled=0
t0=$SECONDS
for i in $(seq 1 "$cycles"); do
	off=$(log_size)
	printf 'stop\nport stop 1\nport start 1\nstart tx_first 1\n' >&3
	deadline=$((SECONDS + 30))
	while [ "$(prompts "$off")" -lt 4 ]; do
		kill -0 "$pid" 2>/dev/null || fail "cycle $i: testpmd exited"
		[ $SECONDS -le $deadline ] || fail "cycle $i: testpmd did not finish the cycle's commands within 30 s"
		sleep 0.02
	done
	out=$(tail -c +$((off + 1)) "$log")
	printf '%s\n' "$out" | grep -v VHOST_CONFIG | grep -qiE 'invalid|fail|bad arguments' &&
		fail "cycle $i: $(printf '%s\n' "$out" | grep -v VHOST_CONFIG | grep -iE 'invalid|fail|bad arguments' | head -n 3)"
	if [ "$i" -gt 1 ]; then
		rx=$(fwd_rx "$out" 1)
		[[ "$rx" =~ ^[0-9]+$ ]] || fail "cycle $i: no forward statistics for port 1 in the output of stop"
		# two bursts of 32 each way are what tx_first put in
		[ "$rx" -gt 128 ] || { stalled=$((stalled + 1)); say "cycle $((i - 1)): port 1 received $rx packets in ${gap}s of forwarding: traffic stopped after the restart"; }
	fi
	gap=0.2
	sleep $gap
done
say "$cycles cycles of stop; port stop 1; port start 1; start tx_first 1 in $((SECONDS - t0)) s; $stalled stalled"
[ "$stalled" -eq 0 ] || fail "$stalled of $((cycles - 1)) restarts left port 1 without traffic"

# forwarding after the cycles: testpmd's rate since the last show
cmd "show port stats all" 10
t1=$(date +%s.%N)
sleep "$seconds"
cmd "show port stats all" 10
stats=$out
for p in 0 1; do
	rxpps=$(stat_of "$stats" $p Rx-pps)
	[[ "$rxpps" =~ ^[0-9]+$ ]] || fail "could not read port $p Rx-pps ('$rxpps')"
	mpps=$(awk -v v="$rxpps" 'BEGIN { printf "%.2f", v / 1e6 }')
	say "port $p Rx after $cycles restarts: $mpps Mpps"
	awk -v v="$mpps" -v m="$min_mpps" 'BEGIN { exit !(v >= m) }' ||
		fail "port $p forwards $mpps Mpps after $cycles restarts, expected at least $min_mpps (traffic stopped after a restart?)"
	eval "mpps$p=$mpps"
done

for c in "stop" "port stop all"; do cmd "$c" 30; done
in_use
after=$(cat "$tmp/in_use")
say "mbufs in use with every port stopped: $base before the cycles, $after after: $((after - base)) leaked"
[ "$after" -eq "$base" ] || fail "$((after - base)) mbufs leaked over $cycles restarts"
say "result: driver=$driver cycles=$cycles stalled=$stalled mpps_port0=$mpps0 mpps_port1=$mpps1 leaked=$((after - base))"
# the driver's port first: DPDK's net_virtio_user dies of SIGPIPE when
# it closes after its backend (a known fault of it, not tested here)
cmd "port close 1" 30
quit_testpmd
finish 0
