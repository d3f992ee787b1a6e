#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 The virtio_map authors
#
# The Debian package, built and installed:
#   - dpkg-buildpackage -us -uc on a copy of the source tree builds
#     librte-net-virtio-map0 and librte-net-virtio-map-dev;
#   - dpkg -i installs them: pkg-config --cflags --libs libdpdk-virtio_map
#     answers from /usr, the PMD is linked in DPDK's plugin folder, where
#     dpdk-pmdinfo.py finds it, and Debian's dpdk-testpmd probes a
#     net_virtio_map port without -d;
#   - dpkg -r removes them again (also when a check fails).
# Needs root (dpkg -i); skips without it, and when the packages are
# installed already (they are left alone).
#
#   test_package.sh SRCDIR BUILDDIR
set -uo pipefail

src=$1
builddir=$2
pkgs="librte-net-virtio-map-dev librte-net-virtio-map0"
work=""
installed=0

finish() {
	local rc=$1

	if [ $installed -eq 1 ]; then
		dpkg -r $pkgs >"$work/remove.log" 2>&1 ||
			{ cat "$work/remove.log"; echo "FAIL: dpkg -r $pkgs"; rc=1; }
	fi
	[ -n "$work" ] && rm -rf "$work"
	exit "$rc"
}
fail() { echo "FAIL: $*"; finish 1; }
skip() { echo "SKIP: $*"; finish 77; }

[ "$(id -u)" -eq 0 ] || skip "dpkg -i needs root"
for p in $pkgs; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' &&
		skip "$p is installed on this machine already: not touching it"
done
command -v dpkg-buildpackage >/dev/null && command -v dh >/dev/null ||
	fail "dpkg-buildpackage or debhelper missing: run devtools/setup.sh"

work=$(mktemp -d /tmp/vmap_package.XXXXXX)
trap 'finish 1' INT TERM
mkdir "$work/src"
if git -C "$src" rev-parse --git-dir >/dev/null 2>&1; then
	(cd "$src" && git ls-files -co --exclude-standard -z |
		xargs -0 cp --parents -t "$work/src") || fail "copying the source tree"
else
	(cd "$src" && tar --exclude='./build*' -cf - .) | tar -xf - -C "$work/src" ||
		fail "copying the source tree"
fi

# 1. build
# the driver SDK headers' folder this build was configured with
sdk=$("$src/devtools/meson-option.py" "$builddir" dpdk_sdk_include) ||
	fail "cannot read the options of $builddir"
start=$(date +%s)
(cd "$work/src" && VMAP_SDK_INCLUDE="$sdk" dpkg-buildpackage -us -uc) \
	>"$work/build.log" 2>&1 || { tail -40 "$work/build.log"; fail "dpkg-buildpackage -us -uc"; }
echo "dpkg-buildpackage -us -uc: $(( $(date +%s) - start )) s"
debs=()
for p in $pkgs; do
	f=$(ls "$work"/${p}_*.deb 2>/dev/null | head -1)
	[ -n "$f" ] || fail "no ${p}_*.deb built"
	debs+=("$f")
	echo "built $(basename "$f"):"
	dpkg-deb -c "$f" | awk '{ print "  " $6 $7 $8 }' | grep -v '/$'
done

# the PMD's package depends on this release's DPDK libraries (say
# librte-ethdev23 on Debian 12, librte-ethdev25 on Debian 13)
eth=$(readlink -f "$(pkg-config --variable=libdir libdpdk)/librte_ethdev.so")
ethpkg=$(dpkg -S "$eth" 2>/dev/null | head -1 | cut -d: -f1)
[ -n "$ethpkg" ] || fail "no package owns $eth"
for f in "${debs[@]}"; do
	case $(basename "$f") in
	librte-net-virtio-map0_*) deps=$(dpkg-deb -f "$f" Depends) ;;
	esac
done
echo "librte-net-virtio-map0 Depends: $deps"
printf '%s\n' "$deps" | tr ',' '\n' | grep -qE "^ *$ethpkg( |\$)" ||
	fail "librte-net-virtio-map0 does not depend on $ethpkg, which holds the installed $eth"

# 2. install
dpkg -i "${debs[@]}" >"$work/install.log" 2>&1 || { cat "$work/install.log"; fail "dpkg -i"; }
installed=1
echo "dpkg -i: installed $pkgs"

flags=$(pkg-config --cflags --libs libdpdk-virtio_map) || fail "pkg-config libdpdk-virtio_map"
echo "pkg-config --cflags --libs libdpdk-virtio_map: $flags"
case " $flags " in
*" -I/usr/include/virtio_map "*) ;;
*) fail "pkg-config --cflags lacks -I/usr/include/virtio_map" ;;
esac
case " $flags " in
*" -lrte_net_virtio_map "*) ;;
*) fail "pkg-config --libs lacks -lrte_net_virtio_map" ;;
esac

plugdir=$(python3 "$src/devtools/dpdk-plugin-dir.py" "$(pkg-config --variable=libdir libdpdk)") ||
	fail "DPDK's plugin folder"
plugin=$plugdir/librte_net_virtio_map.so
[ -e "$plugin" ] || fail "no $plugin"
echo "$plugin -> $(readlink "$plugin")"
info=$(dpdk-pmdinfo.py "$plugin") || fail "dpdk-pmdinfo.py $plugin"
echo "$info" | grep -q '"name": "net_virtio_map"' || fail "dpdk-pmdinfo.py does not list net_virtio_map: $info"
# Read the whole listing before matching: with pipefail, grep -q leaving
# early makes dpdk-pmdinfo.py die of a broken pipe on a long listing.
plugins=$(dpdk-pmdinfo.py -p "$(command -v dpdk-testpmd)") ||
	fail "dpdk-pmdinfo.py -p dpdk-testpmd"
grep -q '"name": "net_virtio_map"' <<<"$plugins" ||
	fail "dpdk-pmdinfo.py -p dpdk-testpmd does not find net_virtio_map among its plugins"
echo "dpdk-pmdinfo.py -p dpdk-testpmd: net_virtio_map among the plugins EAL loads"

# Debian's testpmd, no -d: the port must probe (nobody behind the socket:
# the driver connects lazily, testpmd quits at once)
echo quit | timeout 60 dpdk-testpmd --no-pci --no-huge -m 512 -l 0,1 \
	--file-prefix "vmap_pkg_$$" --log-level=pmd.net.virtio_map,info \
	--vdev "net_virtio_map0,path=$work/absent.sock" \
	-- -i --total-num-mbufs=2048 >"$work/testpmd.log" 2>&1
rc=$?
grep -v '^VHOST_CONFIG' "$work/testpmd.log" | grep -i 'virtio_map\|port 0' | head -8
[ $rc -eq 0 ] || { tail -20 "$work/testpmd.log"; fail "dpdk-testpmd exited with $rc"; }
grep -q 'net_virtio_map0: port 0' "$work/testpmd.log" ||
	fail "dpdk-testpmd did not probe net_virtio_map0 without -d"

# 3. remove
dpkg -r $pkgs >"$work/remove.log" 2>&1 || { cat "$work/remove.log"; fail "dpkg -r"; }
installed=0
[ ! -e "$plugin" ] || fail "$plugin left behind by dpkg -r"
! pkg-config --exists libdpdk-virtio_map 2>/dev/null ||
	[ -n "$(pkg-config --variable=prefix libdpdk-virtio_map | grep -v '^/usr$')" ] ||
	fail "libdpdk-virtio_map.pc left behind in /usr by dpkg -r"
echo "dpkg -r: removed, plugin link gone"
echo ok
finish 0
