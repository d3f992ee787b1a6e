#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 The virtio_map authors
#
# DPDK's driver SDK headers (ethdev_driver.h and four more), which the
# driver needs and Debian's libdpdk-dev does not ship: taken from Debian's
# dpdk source package of exactly the installed version, into DIR
# (idempotent: nothing is fetched when DIR already has that version). An
# installed DPDK built with -Denable_driver_sdk=true has them already:
# then DIR stays empty. Used by setup.sh and debian/rules.
#
#   devtools/dpdk-sdk.sh DIR
set -euo pipefail

[ $# -eq 1 ] || { echo "usage: dpdk-sdk.sh DIR" >&2; exit 2; }
sdkdir=$1

log() { printf 'dpdk-sdk: %s\n' "$*"; }
die() { printf 'dpdk-sdk: error: %s\n' "$*" >&2; exit 1; }

[ "$(id -u)" -eq 0 ] || SUDO=sudo
SUDO=${SUDO:-}

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
		# A deb-src entry that mirrors the existing binary entries:
		# Debian 12's deb822 file, or one-line "deb" entries.
		srcs=/etc/apt/sources.list.d/debian.sources
		if ! apt-get indextargets --format '$(CREATED_BY)' 2>/dev/null | grep -q '^Sources$'; then
			if [ -f "$srcs" ]; then
				sed -e 's/^Types: deb$/Types: deb-src/' "$srcs" |
					$SUDO tee /etc/apt/sources.list.d/virtio-map-src.sources >/dev/null
			elif grep -qs '^deb ' /etc/apt/sources.list; then
				sed -n 's/^deb /deb-src /p' /etc/apt/sources.list |
					$SUDO tee /etc/apt/sources.list.d/virtio-map-src.list >/dev/null
			else
				die "no $srcs or 'deb' line in /etc/apt/sources.list to mirror: add a deb-src line for dpdk by hand"
			fi
			$SUDO apt-get update -q
		fi
		mkdir -p "$sdkdir"
		work=$(mktemp -d "$sdkdir.src.XXXXXX")
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

