#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Set up a Debian 12 machine for virtio_map and build it into build/.
# Idempotent: re-running it only does what is missing.
#
#   devtools/setup.sh            install, fetch SDK headers, build
#   devtools/setup.sh --run      ... then run the loopback forwarding job
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
builddir=${BUILDDIR:-$top/build}
sdkdir=$builddir/dpdk-sdk/include
pkgs="dpdk dpdk-dev libdpdk-dev meson ninja-build libnuma-dev libpcap-dev pkg-config dpkg-dev gnuplot-nox valgrind"

log() { printf 'setup: %s\n' "$*"; }
die() { printf 'setup: error: %s\n' "$*" >&2; exit 1; }

[ "$(id -u)" -eq 0 ] || SUDO=sudo
SUDO=${SUDO:-}

# 1. Debian packages.
missing=""
for p in $pkgs; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
		missing="$missing $p"
done
if [ -n "$missing" ]; then
	log "installing:$missing"
	$SUDO apt-get update -q
	DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q $missing
fi

# 2. DPDK's driver SDK headers. An installed DPDK built with
#    -Denable_driver_sdk=true already has them; Debian's does not, so we take
#    them from Debian's source package of exactly the installed version.
sdk_headers="ethdev_driver.h ethdev_vdev.h bus_vdev_driver.h bus_driver.h dev_driver.h"
incdir=$(pkg-config --variable=includedir libdpdk)
have_sdk=1
for h in $sdk_headers; do
	[ -f "$incdir/$h" ] || [ -f "$incdir/dpdk/$h" ] || have_sdk=0
done
if [ $have_sdk -eq 1 ]; then
	log "installed DPDK has the driver SDK headers"
else
	ver=$(dpkg-query -W -f='${Version}' libdpdk-dev)
	stamp=$sdkdir/.version
	if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$ver" ]; then
		log "fetching driver SDK headers from Debian's dpdk $ver source package"
		# A deb-src entry that mirrors the existing binary entries.
		srcs=/etc/apt/sources.list.d/debian.sources
		if ! apt-get indextargets --format '$(CREATED_BY)' 2>/dev/null | grep -q '^Sources$'; then
			[ -f "$srcs" ] || die "no $srcs to mirror: add a deb-src line for dpdk by hand"
			sed -e 's/^Types: deb$/Types: deb-src/' "$srcs" |
				$SUDO tee /etc/apt/sources.list.d/virtio-map-src.sources >/dev/null
			$SUDO apt-get update -q
		fi
		work=$(mktemp -d "$builddir.src.XXXXXX" 2>/dev/null || { mkdir -p "$(dirname "$builddir")"; mktemp -d "$builddir.src.XXXXXX"; })
		trap 'rm -rf "$work"' EXIT
		(cd "$work" && apt-get source -q --download-only "dpdk=$ver" 2>&1 | grep -v "^W: Download is performed unsandboxed") ||
			die "apt-get source dpdk=$ver failed"
		tarball=$(ls "$work"/dpdk_*.orig.tar.* | head -1)
		[ -n "$tarball" ] || die "no dpdk orig tarball in $work"
		mkdir -p "$sdkdir"
		patterns=""
		for h in $sdk_headers; do patterns="$patterns --wildcards */$h"; done
		tar -xf "$tarball" -C "$work" $patterns
		for h in $sdk_headers; do
			f=$(find "$work" -name "$h" | head -1)
			[ -n "$f" ] || die "$h not found in $tarball"
			cp "$f" "$sdkdir/$h"
		done
		echo "$ver" > "$stamp"
		rm -rf "$work"
		trap - EXIT
	fi
fi

# 3. Configure and build.
if [ ! -f "$builddir/build.ninja" ]; then
	rm -rf "$builddir/meson-private" "$builddir/meson-info" "$builddir/meson-logs"
	meson setup "$builddir" "$top" -Ddpdk_sdk_include="$sdkdir"
fi
ninja -C "$builddir"
log "built into $builddir"

if [ "${1:-}" = "--run" ]; then
	shift
	exec "$top/devtools/loopback.sh" "$@"
fi
