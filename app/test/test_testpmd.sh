#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 The virtio_map authors
#
# testpmd suite, "testpmd io": Debian's dpdk-testpmd loads the PMD with -d
# (from a directory EAL accepts: no world-writable ancestor, else a private
# 0700 copy under $HOME), runs net_vhost0 and net_virtio_map0 in one process
# with io forwarding started by tx_first, and checks that both ports received
# and sent packets and that each port's Rx matches the other's Tx within what
# the rings can hold. Quitting closes both ports, so it must also exit in
# time. With QUEUES > 1 both ports get that many queue pairs (queues= on
# each, --rxq/--txq on testpmd) and every Rx queue of the driver must
# have received packets (xstats rx_qN_good_packets). Exit 0 pass, 77 skip
# (with the reason), anything else fail.
#
# With MODE csum, net_vhost runs with tso=1 and the driver's port gets
# Rx UDP/TCP checksum offloads, "csum set ip|udp|tcp hw" and
# "tso set 1400" (then a restart, which sets
# its queues up again) and testpmd's csum engine forwards: both ways, no
# "not supported" answer, and every Bad-ipcsum / Bad-l4csum count 0.
#
#   usage: test_testpmd.sh PATH/librte_net_virtio_map.so [SECONDS] [QUEUES] [io|csum]

set -u

so=${1:-}
seconds=${2:-3}
queues=${3:-1}
mode=${4:-io}
name="testpmd $mode"
[ "$queues" -gt 1 ] && name="testpmd $mode $queues queues"
vhost_extra=""
testpmd_extra=()
if [ "$mode" = csum ]; then
	vhost_extra=",tso=1"
fi
# packets left in rings when forwarding stops: two rings per direction, at
# most 4096 descriptors each in any configuration testpmd picks here
slack=8192
min_packets=10000

say() { printf '[%s] %s\n' "$name" "$*"; }
fail() { printf 'FAIL %s: %s\n' "$name" "$*"; finish 1; }
skip() { printf 'SKIP %s: %s\n' "$name" "$*"; finish 77; }

tmp=""
private=""
pid=""
prefix="vt_testpmd_$$"

finish() {
	local rc=$1

	exec 3>&-
	if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
		kill -TERM "$pid" 2>/dev/null
		for _ in 1 2 3 4 5 6 7 8 9 10; do
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.5
		done
		kill -KILL "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
	fi
	if [ "$rc" -ne 0 ] && [ -n "$tmp" ] && [ -f "$tmp/log" ]; then
		say "testpmd output (last 60 lines):"
		tail -n 60 "$tmp/log" | sed 's/^/    | /'
	fi
	[ -n "$tmp" ] && rm -rf "$tmp"
	[ -n "$private" ] && rm -rf "$private"
	rm -rf "/var/run/dpdk/$prefix" "${XDG_RUNTIME_DIR:-/tmp}/dpdk/$prefix"
	say "$([ "$rc" -eq 0 ] && echo PASS || { [ "$rc" -eq 77 ] && echo SKIP || echo FAIL; })"
	exit "$rc"
}
trap 'fail "interrupted"' INT TERM HUP

[ -n "$so" ] || fail "usage: $0 PATH/librte_net_virtio_map.so [SECONDS]"
[ -f "$so" ] || fail "PMD $so not built (run ninja -C build)"

testpmd=${VT_TESTPMD:-$(command -v dpdk-testpmd 2>/dev/null)}
[ -n "$testpmd" ] || [ ! -x /usr/bin/dpdk-testpmd ] || testpmd=/usr/bin/dpdk-testpmd
[ -n "$testpmd" ] || skip "dpdk-testpmd not found: install Debian's dpdk-dev package (or set VT_TESTPMD), then: meson test -C build --suite testpmd"
command -v stdbuf >/dev/null || skip "stdbuf (coreutils) not found"

# EAL refuses -d for a library below a world-writable directory; it checks
# the real path of the file, every directory from its parent up to /.
unsafe_dir() {
	local d
	d=$(dirname "$(realpath "$1")")
	while :; do
		if [ $((8#$(stat -L -c %a "$d") & 2)) -ne 0 ]; then
			echo "$d"
			return 0
		fi
		[ "$d" = / ] && return 1
		d=$(dirname "$d")
	done
}

bad=$(unsafe_dir "$so")
if [ -n "$bad" ]; then
	home=${HOME:-/root}
	private=$(mktemp -d "$home/.vt_testpmd.XXXXXX") ||
		skip "$so is under world-writable $bad and no private directory could be made in $home"
	chmod 0700 "$private"
	cp "$(realpath "$so")" "$private/librte_net_virtio_map.so"
	so=$private/librte_net_virtio_map.so
	bad2=$(unsafe_dir "$so")
	[ -z "$bad2" ] || skip "$bad is world-writable and so is $bad2: no safe place to load the PMD from; build outside such a directory"
	say "PMD copied from under world-writable $bad to $so"
fi

tmp=$(mktemp -d /tmp/vt_testpmd.XXXXXX) || fail "mktemp"
sock=$tmp/x.sock
log=$tmp/log
mkfifo "$tmp/cmd" || fail "mkfifo"

# Bounded twice: timeout for the process, the waits below for each step.
say "$testpmd with -d $so"
timeout -k 5 150 stdbuf -oL -eL "$testpmd" -l 0,1 --no-pci --no-huge -m 1024 \
	--file-prefix "$prefix" -d "$so" \
	--vdev "net_vhost0,iface=$sock,queues=$queues$vhost_extra" \
	--vdev "net_virtio_map0,path=$sock,queues=$queues" \
	-- -i --forward-mode=io --nb-cores=1 --total-num-mbufs=16384 \
	--rxq="$queues" --txq="$queues" "${testpmd_extra[@]}" \
	<"$tmp/cmd" >"$log" 2>&1 &
pid=$!
exec 3>"$tmp/cmd"

# wait_output PATTERN SECONDS [FROM_BYTE]: wait until the log has PATTERN
wait_output() {
	local deadline=$((SECONDS + $2)) from=${3:-0}

	while [ $SECONDS -le $deadline ]; do
		tail -c +$((from + 1)) "$log" | grep -q -- "$1" && return 0
		kill -0 "$pid" 2>/dev/null || return 1
		sleep 0.2
	done
	return 1
}
log_size() { stat -c %s "$log"; }
send() { printf '%s\n' "$*" >&3; }

wait_output 'testpmd> ' 60 || fail "no testpmd prompt within 60 s"

# both links up, polled with a deadline
wait_links() {
	up=0
	deadline=$((SECONDS + 20))
	while [ $SECONDS -le $deadline ]; do
		off=$(log_size)
		send "show port info all"
		wait_output 'testpmd> ' 5 "$off" || fail "testpmd stopped answering"
		sleep 0.2
		up=$(tail -c +$((off + 1)) "$log" | grep -c 'Link status: up')
		[ "$up" -ge 2 ] && break
		sleep 0.3
	done
	[ "$up" -ge 2 ] || fail "links up on $up of 2 ports after 20 s"
	say "both links up"
}
wait_links

if [ "$mode" = csum ]; then
	off=$(log_size)
	for c in "port stop 1" "port config 1 rx_offload udp_cksum on" \
		 "port config 1 rx_offload tcp_cksum on" \
		 "csum set ip hw 1" "csum set udp hw 1" \
		 "csum set tcp hw 1" "tso set 1400 1" "port start 1" \
		 "set fwd csum"; do
		send "$c"
	done
	wait_output 'Set csum packet forwarding mode' 30 "$off" ||
		fail "testpmd did not take the csum settings within 30 s"
	sleep 0.3
	out=$(tail -c +$((off + 1)) "$log")
	printf '%s\n' "$out" | grep -iE 'not supported|Please stop|invalid' |
		sed 's/^/    | /'
	printf '%s\n' "$out" | grep -qiE 'not supported|Please stop|invalid' &&
		fail "testpmd refused a csum/tso setting on port 1"
	for w in 'IP checksum offload is hw' 'UDP checksum offload is hw' \
		 'TCP checksum offload is hw' \
		 'TSO segment size for non-tunneled packets is 1400'; do
		printf '%s\n' "$out" | grep -q "$w" || fail "testpmd did not say: $w"
	done
	say "port 1: IP, UDP and TCP checksum offload in hw, TSO 1400"
	wait_links
fi

send "start tx_first"
sleep "$seconds"
off=$(log_size)
send "stop"
wait_output 'Done.' 20 "$off" || fail "forwarding did not stop within 20 s"
if [ "$mode" = csum ]; then
	fwd=$(tail -c +$((off + 1)) "$log")
	printf '%s\n' "$fwd" | grep -E 'Bad-' | sed 's/^/    | /'
	bad=$(printf '%s\n' "$fwd" | grep -oE 'Bad-(ipcsum|l4csum): *[0-9]+' |
		awk '{ s += $2 } END { print s + 0 }')
	nbad=$(printf '%s\n' "$fwd" | grep -cE 'Bad-l4csum')
	[ "$nbad" -ge 1 ] || fail "no Bad-l4csum counts in the csum engine's statistics"
	[ "$bad" -eq 0 ] || fail "csum engine counted $bad packets with bad checksums"
	say "csum engine: Bad-ipcsum and Bad-l4csum all 0"
fi

off=$(log_size)
send "show port stats all"
wait_output 'NIC statistics for port 1' 10 "$off" || fail "no port statistics"
sleep 0.5
stats=$(tail -c +$((off + 1)) "$log")
printf '%s\n' "$stats" | grep -E 'NIC statistics|RX-packets|TX-packets' | sed 's/^/    | /'

# port N: RX-packets and TX-packets
count() {
	printf '%s\n' "$stats" | awk -v port="$1" -v key="$2" '
		/NIC statistics for port/ { p = $(NF - 1) + 0 }
		p == port && $1 == key ":" { print $2; exit }'
}
rx0=$(count 0 RX-packets)
tx0=$(count 0 TX-packets)
rx1=$(count 1 RX-packets)
tx1=$(count 1 TX-packets)
for v in "$rx0" "$tx0" "$rx1" "$tx1"; do
	[[ "$v" =~ ^[0-9]+$ ]] || fail "could not read port statistics (got '$rx0' '$tx0' '$rx1' '$tx1')"
done
say "port 0: rx $rx0 tx $tx0; port 1: rx $rx1 tx $tx1"

for p in "0 RX $rx0" "0 TX $tx0" "1 RX $rx1" "1 TX $tx1"; do
	set -- $p
	[ "$3" -ge $min_packets ] || fail "port $1 $2-packets: expected at least $min_packets, actual $3"
done
# what one port sends the other receives (the ports are each other's peer)
check_pair() { # sent_port sent received_port received
	[ "$4" -le "$2" ] || fail "port $3 RX-packets $4 exceeds port $1 TX-packets $2"
	[ $(($2 - $4)) -le $slack ] || fail "port $1 sent $2 but port $3 received $4: $(($2 - $4)) lost"
}
check_pair 0 "$tx0" 1 "$rx1"
check_pair 1 "$tx1" 0 "$rx0"

# every Rx queue of the driver carried traffic
if [ "$queues" -gt 1 ]; then
	off=$(log_size)
	send "show port xstats 1"
	wait_output "rx_q$((queues - 1))_good_packets" 10 "$off" ||
		fail "no xstats rx_q$((queues - 1))_good_packets on port 1"
	sleep 0.3
	xs=$(tail -c +$((off + 1)) "$log")
	for q in $(seq 0 $((queues - 1))); do
		n=$(printf '%s\n' "$xs" | awk -v k="rx_q${q}_good_packets:" '$1 == k { print $2; exit }')
		[[ "$n" =~ ^[0-9]+$ ]] && [ "$n" -gt 0 ] ||
			fail "port 1 Rx queue $q: rx_q${q}_good_packets '$n', expected > 0"
		say "port 1 Rx queue $q: $n packets"
	done
fi

# quitting stops and closes both ports: it must not hang
send "quit"
exec 3>&-
deadline=$((SECONDS + 30))
while kill -0 "$pid" 2>/dev/null && [ $SECONDS -le $deadline ]; do
	sleep 0.2
done
kill -0 "$pid" 2>/dev/null && fail "testpmd did not exit within 30 s of quit (port close hang?)"
wait "$pid"
rc=$?
pid=""
[ $rc -eq 0 ] || fail "testpmd exit status $rc"
grep -q 'Bye' "$log" || fail "testpmd did not say Bye"
finish 0
