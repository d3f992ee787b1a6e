#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 The virtio_map authors
#
# hugepages suite, "proc_info": Debian's dpdk-testpmd (primary) forwards
# between net_vhost0 and net_virtio_map0 on 2 MB hugepages (a private
# hugetlbfs mount, --single-file-segments); dpdk-proc-info attaches as a
# secondary process with the same PMD and reads port 1 (the driver's):
# --stats and --xstats must equal what testpmd shows once forwarding
# stopped (every name and value), --show-port must name the driver, the
# link and the burst mode. Then testpmd forwards on and quits cleanly.
# Needs root (hugepages); exit 0 pass, 77 skip, else fail.
#
#   usage: test_proc_info.sh PATH/librte_net_virtio_map.so

set -u

name="proc_info"
here=$(dirname "$0")
. "$here/testpmd_common.sh"

tp_init "${1:-}"
command -v dpdk-proc-info >/dev/null ||
	skip "dpdk-proc-info not found (Debian package dpdk)"
tp_hugepages 200

tp_launch -l 0,1 --no-pci --huge-dir "$hp_mount" --single-file-segments -m 256 \
	--vdev "net_vhost0,iface=$sock" \
	--vdev "net_virtio_map0,path=$sock" \
	-- -i --forward-mode=io --nb-cores=1 --total-num-mbufs=8192
wait_links 2

# forward until port 1 has carried 10000 packets (deadline), then stop:
# the counters hold still for the comparison
send "start tx_first"
deadline=$((SECONDS + 30))
while :; do
	cmd "show port stats 1" 5
	rx=$(stat_of "$out" 1 RX-packets)
	[[ "$rx" =~ ^[0-9]+$ ]] && [ "$rx" -ge 10000 ] && break
	[ $SECONDS -le $deadline ] || fail "port 1 received '$rx' packets in 30 s"
	sleep 0.2
done
off=$(log_size)
send "stop"
wait_output 'Done.' 20 "$off" || fail "forwarding did not stop within 20 s"
cmd "show port stats 1"
tp_stats=$out
rx=$(stat_of "$tp_stats" 1 RX-packets)
cmd "show port xstats 1"
tp_xstats=$(printf '%s\n' "$out" | grep -E '^ *[a-z][a-z0-9_]*: [0-9]+$' |
	sed 's/^ *//')

# proc_info ARGS...: dpdk-proc-info as a secondary process, port 1 only
proc_info() {
	timeout -k 5 60 dpdk-proc-info --file-prefix "$prefix" -d "$so" \
		--no-pci --log-level=pmd.net.virtio_map,info -- -p 2 "$@" \
		>"$tmp/pi.log" 2>&1 ||
		{ sed 's/^/    | /' "$tmp/pi.log" | tail -n 30
		  fail "dpdk-proc-info $* exited with status $?"; }
	grep -v '^VHOST_CONFIG' "$tmp/pi.log"
}

pi=$(proc_info --stats)
# (bytes: in the xstats below)
for k in RX-packets TX-packets; do
	a=$(stat_of "$tp_stats" 1 "$k")
	b=$(printf '%s\n' "$pi" | awk -v k="$k:" '
		/NIC statistics for port/ { p = 1 }
		p { for (i = 1; i < NF; i++) if ($i == k) { print $(i + 1); exit } }')
	[[ "$a" =~ ^[0-9]+$ ]] || fail "testpmd's $k for port 1: '$a'"
	[ "$a" = "$b" ] || fail "port 1 $k: testpmd $a, dpdk-proc-info '$b'"
	say "port 1 $k: $a in both processes"
done

pi=$(proc_info --xstats)
pi_xstats=$(printf '%s\n' "$pi" | grep -E '^ *[a-z][a-z0-9_]*: [0-9]+$' |
	sed 's/^ *//')
n=$(printf '%s\n' "$tp_xstats" | grep -c .)
[ "$n" -ge 30 ] || fail "testpmd showed only $n xstats for port 1"
if [ "$tp_xstats" != "$pi_xstats" ]; then
	diff <(printf '%s\n' "$tp_xstats") <(printf '%s\n' "$pi_xstats") |
		sed 's/^/    | /' | head -n 20
	fail "xstats of port 1 differ between testpmd and dpdk-proc-info"
fi
for k in rx_q0_good_packets tx_q0_good_packets iotlb_misses backend_lost; do
	printf '%s\n' "$pi_xstats" | grep -q "^$k: " ||
		fail "dpdk-proc-info lacks xstat $k"
done
say "xstats: all $n names and values equal in both processes"

pi=$(proc_info --show-port)
for w in 'driver net_virtio_map' 'Link up' 'burst mode : split ring, in_order, map=va'; do
	printf '%s\n' "$pi" | grep -q -- "$w" ||
		{ printf '%s\n' "$pi" | sed 's/^/    | /' | head -n 30
		  fail "dpdk-proc-info --show-port did not say: $w"; }
done
say "--show-port: driver, link up, burst mode"

# the secondaries are gone: the primary forwards on, then quits cleanly
# (start flushes the Rx queues: new packets, as at the first start)
cmd "start tx_first"
deadline=$((SECONDS + 30))
while :; do
	cmd "show port stats 1" 5
	rx2=$(stat_of "$out" 1 RX-packets)
	[[ "$rx2" =~ ^[0-9]+$ ]] && [ "$rx2" -ge $((rx + 10000)) ] && break
	[ $SECONDS -le $deadline ] ||
		fail "port 1 stopped forwarding after the secondaries ($rx2 packets)"
	sleep 0.2
done
say "forwarding on after the secondaries: port 1 RX-packets $rx -> $rx2"
off=$(log_size)
send "stop"
wait_output 'Done.' 20 "$off" || fail "forwarding did not stop within 20 s"
quit_testpmd
finish 0
