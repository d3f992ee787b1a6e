#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 The virtio_map authors
#
# hugepages suite, "capture": DPDK's capture tools on the driver's port.
# Debian's dpdk-testpmd (primary, 2 MB hugepages) forwards with the io
# engine between net_vhost0 (port 0) and net_virtio_map0 (port 1), started
# with tx_first (the capture tools' own ports, made in the primary's port
# table, would keep testpmd from starting afterwards), whose 32 frames
# differ from each other (--txonly-multi-flow). Then:
#   - dpdk-pdump (a secondary process) captures port 1's Rx and Tx and
#     port 0's Rx and Tx for about a second into four pcap files: each
#     holds at least 1000 frames, and every frame port 1 received (sent)
#     is byte for byte one of the frames port 0 sent (received): io
#     forwarding carries testpmd's tx_first frames round and round;
#   - dpdk-dumpcap captures port 1 (both directions) with -c 1000: 1000
#     frames (up to the end of that burst), every one of them one of those.
# The capture tools get testpmd's mempool drivers preloaded (see
# tp_mempool_preload in testpmd_common.sh: without that no tool captures
# anything from any port with Debian's testpmd) and the PMD (dpdk-dumpcap
# takes no -d). testpmd forwards on, then quits cleanly. Needs root
# (hugepages); exit 0 pass, 77 skip, else fail.
#
#   usage: test_capture.sh PATH/librte_net_virtio_map.so

set -u

name="capture"
here=$(dirname "$0")
. "$here/testpmd_common.sh"

min_frames=1000
tool_pid=""
stop_tool() {
	[ -n "$tool_pid" ] && kill -KILL "$tool_pid" 2>/dev/null
	tool_pid=""
}
trap 'stop_tool' EXIT

tp_init "${1:-}"
for t in dpdk-pdump dpdk-dumpcap; do
	command -v $t >/dev/null || skip "$t not found (Debian package dpdk)"
done
tp_hugepages 200
preload=$(tp_mempool_preload)
say "preloaded into the capture tools: ${preload:-nothing} $so"

tp_launch -l 0,1 --no-pci --huge-dir "$hp_mount" --single-file-segments -m 256 \
	--vdev "net_vhost0,iface=$sock" \
	--vdev "net_virtio_map0,path=$sock" \
	-- -i --forward-mode=io --nb-cores=1 --total-num-mbufs=8192 --txonly-multi-flow
wait_links 2

# pcap_set FILE OUT: OUT gets the distinct frames of the pcap FILE (hex,
# sorted, one per line); prints how many frames FILE holds
pcap_set() {
	python3 - "$1" "$2" <<'PY'
import struct, sys
d = open(sys.argv[1], 'rb').read()
if len(d) < 24:
    sys.exit('short pcap file')
magic = struct.unpack('<I', d[:4])[0]
end = '<' if magic in (0xa1b2c3d4, 0xa1b23c4d) else '>'
off, n, seen = 24, 0, set()
while off + 16 <= len(d):
    incl = struct.unpack(end + 'IIII', d[off:off + 16])[2]
    seen.add(d[off + 16:off + 16 + incl])
    off += 16 + incl
    n += 1
with open(sys.argv[2], 'w') as f:
    for fr in sorted(seen):
        f.write(fr.hex() + '\n')
print(n)
PY
}

# wait_tool NAME PATTERN: dpdk-NAME ($tool_pid, output in $tmp/NAME.log)
# says PATTERN within 30 s, else its output and fail
wait_tool() {
	local deadline=$((SECONDS + 30))
	until grep -q "$2" "$tmp/$1.log"; do
		kill -0 "$tool_pid" 2>/dev/null ||
			{ sed 's/^/    | /' "$tmp/$1.log" | tail -n 20
			  fail "dpdk-$1 exited before capturing"; }
		[ $SECONDS -le $deadline ] || fail "dpdk-$1 not capturing after 30 s"
		sleep 0.1
	done
}

# count_of FILE: lines
count_of() { grep -c . "$1"; }

cmd "start tx_first"

# ---- dpdk-pdump ----
cap=$tmp/cap
mkdir "$cap"
LD_PRELOAD="$preload" timeout -k 5 120 stdbuf -oL dpdk-pdump --file-prefix "$prefix" \
	-d "$so" -l 0 --no-pci -- \
	--pdump "port=1,queue=*,rx-dev=$cap/p1rx.pcap,tx-dev=$cap/p1tx.pcap" \
	--pdump "port=0,queue=*,rx-dev=$cap/p0rx.pcap,tx-dev=$cap/p0tx.pcap" \
	>"$tmp/pdump.log" 2>&1 &
tool_pid=$!
wait_tool pdump 'capture for'
say "dpdk-pdump capturing ports 1 and 0"
sleep 0.3
kill -INT "$tool_pid"
wait "$tool_pid"
rc=$?
tool_pid=""
[ $rc -eq 0 ] || { sed 's/^/    | /' "$tmp/pdump.log" | tail -n 20
		   fail "dpdk-pdump exit status $rc"; }
grep -E 'dequeued|transmitted' "$tmp/pdump.log" | sed 's/^/    | /'
for f in p1rx p1tx p0rx p0tx; do
	n=$(pcap_set "$cap/$f.pcap" "$cap/$f.set") || fail "cannot read $f.pcap"
	[ "$n" -ge $min_frames ] ||
		fail "dpdk-pdump $f.pcap: $n frames, expected at least $min_frames"
	eval "n_$f=$n"
done
# tx_first's 32 frames differ (--txonly-multi-flow: one source address
# each), so the comparison below has something to tell apart
for f in p1rx p1tx; do
	d=$(count_of "$cap/$f.set")
	[ "$d" -ge 32 ] ||
		fail "dpdk-pdump $f.pcap: $d distinct frames, expected tx_first's 32"
done
# what port 1 received, port 0 sent, and the other way round
for pair in "p1rx p0tx" "p1tx p0rx"; do
	set -- $pair
	extra=$(comm -23 "$cap/$1.set" "$cap/$2.set" | grep -c .)
	[ "$extra" -eq 0 ] ||
		fail "dpdk-pdump: $extra distinct frame(s) in $1 that $2 never had"
done
say "dpdk-pdump: port 1 Rx $n_p1rx and Tx $n_p1tx frames, port 0 Rx $n_p0rx and Tx $n_p0tx; each of port 1's one of port 0's ($(count_of "$cap/p1rx.set") + $(count_of "$cap/p1tx.set") distinct)"

# ---- dpdk-dumpcap ----
LD_PRELOAD="$preload $so" timeout -k 5 120 stdbuf -oL dpdk-dumpcap \
	--file-prefix="$prefix" -i net_virtio_map0 -P -c $min_frames \
	-w "$cap/dumpcap.pcap" >"$tmp/dumpcap.log" 2>&1 &
tool_pid=$!
wait_tool dumpcap 'Capturing on'
say "dpdk-dumpcap capturing net_virtio_map0"
deadline=$((SECONDS + 30))
while kill -0 "$tool_pid" 2>/dev/null; do
	[ $SECONDS -le $deadline ] ||
		{ sed 's/^/    | /' "$tmp/dumpcap.log" | tail -n 20
		  fail "dpdk-dumpcap did not stop after $min_frames packets within 30 s"; }
	sleep 0.1
done
wait "$tool_pid"
rc=$?
tool_pid=""
[ $rc -eq 0 ] || { sed 's/^/    | /' "$tmp/dumpcap.log" | tail -n 20
		   fail "dpdk-dumpcap exit status $rc"; }
n=$(pcap_set "$cap/dumpcap.pcap" "$cap/dumpcap.set") ||
	fail "cannot read dumpcap.pcap"
# it stops after the burst that reached the count
[ "$n" -ge $min_frames ] && [ "$n" -lt $((min_frames + 512)) ] ||
	fail "dpdk-dumpcap -c $min_frames: $n frames"
sort -u "$cap/p1rx.set" "$cap/p1tx.set" >"$cap/p1.set"
extra=$(comm -23 "$cap/dumpcap.set" "$cap/p1.set" | grep -c .)
[ "$extra" -eq 0 ] ||
	fail "dpdk-dumpcap: $extra distinct frame(s) port 1 never carried"
say "dpdk-dumpcap: $n frames of port 1, each one port 1 carried"

# the tools are gone: testpmd still forwards, then quits cleanly
cmd "show port stats 1"
rx=$(stat_of "$out" 1 RX-packets)
sleep 0.5
cmd "show port stats 1"
rx2=$(stat_of "$out" 1 RX-packets)
[ "$rx2" -gt "$rx" ] || fail "port 1 stopped forwarding after the capture tools ($rx, then $rx2)"
off=$(log_size)
send "stop"
wait_output 'Done.' 20 "$off" || fail "forwarding did not stop within 20 s"
quit_testpmd
finish 0
