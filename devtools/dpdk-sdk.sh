#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 The virtio_map authors
#
# DPDK's driver SDK headers (ethdev_driver.h and four more), which the
# driver needs and Debian's libdpdk-dev does not ship (neither Debian 12's
# 22.11 nor Debian 13's 24.11): taken from Debian's dpdk source package of
# exactly the installed version, into DIR (idempotent: nothing is fetched
# when DIR already has that version). Prints on stdout the folder to give
# meson as -Ddpdk_sdk_include (its messages go to stderr):
#   - nothing, when the installed DPDK has the headers (built with
#     -Denable_driver_sdk=true);
#   - DIR, filled from the source package;
#   - the folder named by VIRTIO_MAP_DPDK_SDK, used as it is (nothing is
#     copied), only when the source package cannot be fetched (an archive
#     without Debian's source packages) and that folder has all five.
# Used by setup.sh and debian/rules.
#
#   devtools/dpdk-sdk.sh DIR
set -euo pipefail

[ $# -eq 1 ] || { echo "usage: dpdk-sdk.sh DIR" >&2; exit 2; }
sdkdir=$1

log() { printf 'dpdk-sdk: %s\n' "$*" >&2; }
die() { printf 'dpdk-sdk: error: %s\n' "$*" >&2; exit 1; }

[ "$(id -u)" -eq 0 ] || SUDO=sudo
SUDO=${SUDO:-}

sdk_headers="ethdev_driver.h ethdev_vdev.h bus_vdev_driver.h bus_driver.h dev_driver.h"
incdir=$(pkg-config --variable=includedir libdpdk)
have_sdk=1
for h in $sdk_headers; do
	[ -f "$incdir/$h" ] || [ -f "$incdir/dpdk/$h" ] || have_sdk=0
done
# A folder with all five headers, or nothing.
sdk_complete() {
	local h
	for h in $sdk_headers; do
		[ -f "$1/$h" ] || return 1
	done
}

# Fetch Debian's dpdk source package of version $1 and extract the five
# headers into $sdkdir; fails (status 1) when the package cannot be fetched.
sdk_from_source() {
	local ver=$1 srcs=/etc/apt/sources.list.d/debian.sources work tarball f h patterns="" targets
	# A deb-src entry that mirrors the existing binary entries: the
	# deb822 file (Debian 12 and 13), or one-line "deb" entries.
	targets=$(apt-get indextargets --format '$(CREATED_BY)' 2>/dev/null) || targets=""
	if ! grep -q '^Sources$' <<<"$targets"; then
		if [ -f "$srcs" ]; then
			sed -e 's/^Types: deb$/Types: deb-src/' "$srcs" |
				$SUDO tee /etc/apt/sources.list.d/virtio-map-src.sources >/dev/null
		elif grep -qs '^deb ' /etc/apt/sources.list; then
			sed -n 's/^deb /deb-src /p' /etc/apt/sources.list |
				$SUDO tee /etc/apt/sources.list.d/virtio-map-src.list >/dev/null
		else
			log "no $srcs or 'deb' line in /etc/apt/sources.list to mirror as deb-src"
			return 1
		fi
		$SUDO apt-get update -q >&2 || log "apt-get update failed (a deb-src index missing?)"
	fi
	mkdir -p "$sdkdir"
	work=$(mktemp -d "$sdkdir.src.XXXXXX")
	if ! (cd "$work" && apt-get source -q --download-only "dpdk=$ver" 2>&1 |
		grep -v "^W: Download is performed unsandboxed" >&2; exit "${PIPESTATUS[0]}"); then
		rm -rf "$work"
		log "apt-get source dpdk=$ver failed"
		return 1
	fi
	tarball=$(ls "$work"/dpdk_*.orig.tar.* 2>/dev/null | head -1)
	[ -n "$tarball" ] || { rm -rf "$work"; die "no dpdk orig tarball from apt-get source dpdk=$ver"; }
	for h in $sdk_headers; do patterns="$patterns --wildcards */$h"; done
	tar -xf "$tarball" -C "$work" $patterns
	for h in $sdk_headers; do
		f=$(find "$work" -name "$h" -print -quit)
		[ -n "$f" ] || { rm -rf "$work"; die "$h not found in $tarball"; }
		cp "$f" "$sdkdir/$h"
	done
	echo "$ver" > "$sdkdir/.version"
	rm -rf "$work"
}

if [ $have_sdk -eq 1 ]; then
	log "installed DPDK has the driver SDK headers"
	exit 0
fi
ver=$(dpkg-query -W -f='${Version}' libdpdk-dev)
if [ -f "$sdkdir/.version" ] && [ "$(cat "$sdkdir/.version")" = "$ver" ] &&
	sdk_complete "$sdkdir"; then
	echo "$sdkdir"
	exit 0
fi
log "fetching driver SDK headers from Debian's dpdk $ver source package"
if sdk_from_source "$ver"; then
	echo "$sdkdir"
	exit 0
fi
# The source package could not be fetched: a folder given explicitly.
sdk=${VIRTIO_MAP_DPDK_SDK:-}
[ -n "$sdk" ] ||
	die "cannot fetch Debian's dpdk $ver source package for the driver SDK headers; give a folder with $sdk_headers for DPDK ${ver%%-*} in VIRTIO_MAP_DPDK_SDK"
sdk_complete "$sdk" ||
	die "VIRTIO_MAP_DPDK_SDK=$sdk: needs all of $sdk_headers"
series=$(pkg-config --modversion libdpdk | cut -d. -f1,2)
case $sdk in
*"$series"*) ;;
*) log "warning: VIRTIO_MAP_DPDK_SDK=$sdk does not name DPDK $series: its headers must be that series'" ;;
esac
log "taking the driver SDK headers for DPDK $series from VIRTIO_MAP_DPDK_SDK=$sdk"
rm -rf "$sdkdir"
cd "$sdk" && pwd
