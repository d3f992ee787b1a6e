# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 The virtio_map authors
#
# Sourced by the testpmd suite's scripts: a PMD path EAL accepts for -d,
# Debian's dpdk-testpmd started interactively behind a FIFO with its output
# in a log, waits on that log with deadlines, statistics read from it, and
# one cleanup for every exit. Set name (for messages) before sourcing.

tmp=""
private=""
pid=""
prefix="vt_testpmd_$$"
log=""

say() { printf '[%s] %s\n' "$name" "$*"; }
fail() { printf 'FAIL %s: %s\n' "$name" "$*"; finish 1; }
skip() { printf 'SKIP %s: %s\n' "$name" "$*"; finish 77; }

finish() {
	local rc=$1

	exec 3>&-
	if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
		# interrupted (meson's timeout sends SIGKILL 0.5 s after
		# SIGTERM): no time to let testpmd close its ports
		[ -n "$interrupted" ] || kill -TERM "$pid" 2>/dev/null
		for _ in 1 2 3 4 5 6 7 8 9 10; do
			[ -z "$interrupted" ] || break
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
	# the primary may take a moment to let go of its pages
	if [ -n "$hp_mount" ]; then
		for _ in 1 2 3 4 5 6 7 8 9 10; do
			umount "$hp_mount" 2>/dev/null && break
			[ -z "$interrupted" ] || break
			sleep 0.5
		done
		mountpoint -q "$hp_mount" && umount -l "$hp_mount"
	fi
	[ -n "$hp_orig" ] && echo "$hp_orig" >"$hp_sysfs/nr_hugepages" 2>/dev/null
	[ -n "$tmp" ] && rm -rf "$tmp"
	[ -n "$private" ] && rm -rf "$private"
	rm -rf "/var/run/dpdk/$prefix" "${XDG_RUNTIME_DIR:-/tmp}/dpdk/$prefix"
	say "$([ "$rc" -eq 0 ] && echo PASS || { [ "$rc" -eq 77 ] && echo SKIP || echo FAIL; })"
	exit "$rc"
}
interrupted=""
trap 'interrupted=1; fail "interrupted (a timeout?)"' INT TERM HUP

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

# tp_init SO: find testpmd, make SO loadable (sets so), make tmp, sock, log
tp_init() {
	so=$1
	[ -n "$so" ] || fail "usage: $0 PATH/librte_net_virtio_map.so ..."
	[ -f "$so" ] || fail "PMD $so not built (run ninja -C build)"
	testpmd=${VT_TESTPMD:-$(command -v dpdk-testpmd 2>/dev/null)}
	[ -n "$testpmd" ] || [ ! -x /usr/bin/dpdk-testpmd ] || testpmd=/usr/bin/dpdk-testpmd
	[ -n "$testpmd" ] || skip "dpdk-testpmd not found: install Debian's dpdk-dev package (or set VT_TESTPMD), then: meson test -C build --suite testpmd"
	command -v stdbuf >/dev/null || skip "stdbuf (coreutils) not found"

	local bad bad2 home
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
}

# tp_launch EAL-AND-TESTPMD-ARGS...: testpmd -d $so, interactive, in the
# background (bounded by timeout), commands through fd 3; waits for the
# prompt
tp_launch() {
	say "$testpmd with -d $so"
	timeout -k 5 "${tp_timeout:-150}" stdbuf -oL -eL "$testpmd" \
		--file-prefix "$prefix" -d "$so" "$@" \
		<"$tmp/cmd" >"$log" 2>&1 &
	pid=$!
	exec 3>"$tmp/cmd"
	wait_output 'testpmd> ' 60 || fail "no testpmd prompt within 60 s"
}

# tp_hugepages PAGES: at least PAGES free 2 MB hugepages (raised as root
# and put back at the end) and a private hugetlbfs mount, in $hp_mount;
# skips without root or hugepage support
hp_sysfs=/sys/kernel/mm/hugepages/hugepages-2048kB
hp_orig=""
hp_mount=""
tp_hugepages() {
	local pages=$1 free
	[ "$(id -u)" -eq 0 ] || skip "needs root for 2 MB hugepages: run as root"
	[ -r "$hp_sysfs/nr_hugepages" ] || skip "no 2 MB hugepage support ($hp_sysfs)"
	free=$(cat "$hp_sysfs/free_hugepages")
	if [ "$free" -lt "$pages" ]; then
		hp_orig=$(cat "$hp_sysfs/nr_hugepages")
		echo $((hp_orig + pages - free)) >"$hp_sysfs/nr_hugepages"
		[ "$(cat "$hp_sysfs/free_hugepages")" -ge "$pages" ] ||
			skip "cannot reserve $pages free 2 MB hugepages"
	fi
	mkdir "$tmp/huge" && mount -t hugetlbfs -o pagesize=2M nodev "$tmp/huge" ||
		skip "cannot mount hugetlbfs on $tmp/huge"
	hp_mount=$tmp/huge
}

# tp_mempool_preload: the mempool drivers dpdk-testpmd links directly, for
# LD_PRELOAD into a secondary process. A mempool names its ops by an index
# into a per-process table filled as libraries register; Debian's testpmd
# links librte_mempool_dpaa (and so registers it first) while the capture
# tools load every mempool driver from EAL's plugin folder. Without the
# same order, the pool dpdk-pdump or dpdk-dumpcap creates is, in testpmd,
# a dpaa pool: every copy fails ("fslmc: No software portal resource
# left") and nothing is captured, whatever the port's driver.
tp_mempool_preload() {
	ldd "$testpmd" | awk '$3 ~ /\/pmds-[^/]*\/librte_mempool_/ { print $3 }' |
		tr '\n' ' '
}

# wait_output PATTERN SECONDS [FROM_BYTE]: wait until the log has PATTERN
wait_output() {
	local deadline=$((SECONDS + $2)) from=${3:-0}

	while [ $SECONDS -le $deadline ]; do
		tail -c +$((from + 1)) "$log" | grep -q -- "$1" && return 0
		kill -0 "$pid" 2>/dev/null || return 1
		sleep 0.05
	done
	return 1
}
log_size() { stat -c %s "$log"; }
send() { printf '%s\n' "$*" >&3; }

# cmd COMMAND [SECONDS]: send it and wait for the next prompt; the output
# is in $out
cmd() {
	local off
	off=$(log_size)
	send "$1"
	wait_output 'testpmd> ' "${2:-20}" "$off" ||
		fail "testpmd did not answer '$1' within ${2:-20} s"
	out=$(tail -c +$((off + 1)) "$log")
}

# wait_links N: N ports report link up, polled with a deadline
wait_links() {
	local deadline=$((SECONDS + 20)) want=$1
	up=0
	while [ $SECONDS -le $deadline ]; do
		cmd "show port info all" 5
		up=$(printf '%s\n' "$out" | grep -c 'Link status: up')
		[ "$up" -ge "$want" ] && break
		sleep 0.3
	done
	[ "$up" -ge "$want" ] || fail "links up on $up of $want ports after 20 s"
	say "links up on $up port(s)"
}

# stat_of TEXT PORT KEY: the number after "KEY:" in PORT's block of
# testpmd's "show port stats" output TEXT
stat_of() {
	printf '%s\n' "$1" | awk -v port="$2" -v key="$3" '
		/NIC statistics for port/ { p = $(NF - 1) + 0 }
		p == port && $1 == key ":" { print $2; exit }'
}

# quit_testpmd: quit closes every port; it must exit in time and say Bye
quit_testpmd() {
	local deadline rc
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
}
