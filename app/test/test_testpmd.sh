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

here=$(dirname "$0")
. "$here/testpmd_common.sh"

tp_init "$so"

tp_launch -l 0,1 --no-pci --no-huge -m 1024 \
	--vdev "net_vhost0,iface=$sock,queues=$queues$vhost_extra" \
	--vdev "net_virtio_map0,path=$sock,queues=$queues" \
	-- -i --forward-mode=io --nb-cores=1 --total-num-mbufs=16384 \
	--rxq="$queues" --txq="$queues" "${testpmd_extra[@]}"

wait_links 2

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
	# the TSO line starts "TSO segment size" in 22.11, otherwise in 24.11
	for w in 'IP checksum offload is hw' 'UDP checksum offload is hw' \
		 'TCP checksum offload is hw' \
		 'segment size for non-tunneled packets is 1400'; do
		printf '%s\n' "$out" | grep -q "$w" || fail "testpmd did not say: $w"
	done
	say "port 1: IP, UDP and TCP checksum offload in hw, TSO 1400"
	wait_links 2
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

count() { stat_of "$stats" "$1" "$2"; }
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
quit_testpmd
finish 0
