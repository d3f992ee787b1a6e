#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Set up a Debian 12 (DPDK 22.11) or Debian 13 (DPDK 24.11) machine for
# virtio_map and build it into build/. Idempotent: re-running it only does
# what is missing.
#
#   devtools/setup.sh            install, fetch SDK headers, build
#   devtools/setup.sh --run      ... then run the loopback forwarding job
#
# Environment: BUILDDIR (default <repo>/build); VIRTIO_MAP_DPDK_SDK, a
# folder with the driver SDK headers for when Debian's dpdk source package
# cannot be fetched (devtools/dpdk-sdk.sh).
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
builddir=${BUILDDIR:-$top/build}
sdkdir=$builddir/dpdk-sdk/include
pkgs="dpdk dpdk-dev libdpdk-dev meson ninja-build libnuma-dev libpcap-dev pkg-config dpkg-dev gnuplot-nox valgrind python3-sphinx python3-pyelftools doxygen debhelper"

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

# 2. DPDK's driver SDK headers (devtools/dpdk-sdk.sh): the folder to use.
sdk=$("$top/devtools/dpdk-sdk.sh" "$sdkdir")

# 3. Configure (again, when the headers' folder changed) and build.
if [ ! -f "$builddir/build.ninja" ]; then
	rm -rf "$builddir/meson-private" "$builddir/meson-info" "$builddir/meson-logs"
	meson setup "$builddir" "$top" -Ddpdk_sdk_include="$sdk"
elif [ "$("$top/devtools/meson-option.py" "$builddir" dpdk_sdk_include)" != "$sdk" ]; then
	meson configure "$builddir" -Ddpdk_sdk_include="$sdk"
fi
ninja -C "$builddir"
log "built into $builddir"

if [ "${1:-}" = "--run" ]; then
	shift
	exec "$top/devtools/loopback.sh" "$@"
fi
