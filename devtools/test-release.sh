#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 The virtio_map authors
#
# Run README.md's two commands (devtools/setup.sh --run, then
# devtools/test.sh) on another Debian release, inside a root made from
# Debian's archive with debootstrap: e.g. `trixie` (Debian 13, DPDK 24.11)
# from a Debian 12 machine. The root is kept between runs (only what
# changed is installed and rebuilt); a machine without one makes it from
# scratch. Run as root.
#
#   devtools/test-release.sh RELEASE [--fresh] [--shell | -- COMMAND...]
#
#   --fresh      make the root again from scratch first
#   --shell      an interactive shell in the root instead of the commands
#   -- COMMAND   run COMMAND in the project's copy in the root instead
#                (e.g. -- devtools/test.sh --suite unit)
#
# The project's tracked and untracked (not ignored) files are copied to
# /root/virtio_map-<id> in the root, one copy per checkout (the id is a hash
# of its path); the build folders of that copy are kept, so a second run
# from the same checkout rebuilds only what changed, and a new checkout
# (a fresh clone) builds from scratch. Copies of checkouts that no longer
# exist are removed. Inside,
# /proc, /sys, /dev, a /dev/shm of its own and a hugetlbfs are mounted in a
# private mount namespace, so that nothing stays mounted after the run.
#
# Environment:
#   VM_ROOTS            where roots live (default /var/tmp/virtio_map-roots)
#   VM_MIRROR           Debian mirror for debootstrap (default: the first
#                       deb.debian.org-style URI of this machine's apt
#                       sources, else http://deb.debian.org/debian)
#   VIRTIO_MAP_DPDK_SDK a folder on this machine with DPDK's driver SDK
#                       headers, for when the release's dpdk source package
#                       cannot be fetched (see devtools/dpdk-sdk.sh); it is
#                       mounted read-only in the root and passed on
#   Everything test.sh reads (VM_SANITIZE, ...) is passed on too.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
log() { printf 'test-release: %s\n' "$*"; }
die() { printf 'test-release: error: %s\n' "$*" >&2; exit 1; }

[ $# -ge 1 ] || die "usage: test-release.sh RELEASE [--fresh] [--shell | -- COMMAND...]"
release=$1
shift
case $release in
[a-z]*) ;;
*) die "RELEASE '$release': give a Debian suite name, e.g. trixie" ;;
esac
fresh=0
mode=readme
cmd=()
while [ $# -gt 0 ]; do
	case $1 in
	--fresh) fresh=1 ;;
	--shell) mode=shell ;;
	--) shift; mode=cmd; cmd=("$@"); break ;;
	*) die "unknown argument '$1'" ;;
	esac
	shift
done

[ "$(id -u)" -eq 0 ] || die "needs root (debootstrap, chroot, mounts)"
for t in unshare chroot mount; do
	command -v $t >/dev/null || die "'$t' not found"
done

roots=${VM_ROOTS:-/var/tmp/virtio_map-roots}
root=$roots/$release
if [ -z "${VM_MIRROR:-}" ]; then
	VM_MIRROR=$(sed -n 's#^URIs: *\(https\?://[^ ]*/debian\)/*$#\1#p' \
		/etc/apt/sources.list.d/debian.sources 2>/dev/null | head -1)
	[ -n "$VM_MIRROR" ] || VM_MIRROR=$(sed -n \
		's#^deb \(\[[^]]*\] \)\?\(https\?://[^ ]*/debian\)/* .*#\2#p' \
		/etc/apt/sources.list 2>/dev/null | head -1)
	VM_MIRROR=${VM_MIRROR:-http://deb.debian.org/debian}
fi

sdk_host=${VIRTIO_MAP_DPDK_SDK:-}
if [ -n "$sdk_host" ]; then
	[ -d "$sdk_host" ] || die "VIRTIO_MAP_DPDK_SDK=$sdk_host: no such folder"
	sdk_host=$(cd "$sdk_host" && pwd)
fi

t0=$(date +%s)
elapsed() { echo $(($(date +%s) - t0)); }

# 1. The root: debootstrap once, marked ready only when complete.
if [ $fresh -eq 1 ] && [ -d "$root" ]; then
	log "removing $root (--fresh)"
	rm -rf --one-file-system "$root"
fi
if [ ! -f "$root/.virtio_map-root" ]; then
	if ! command -v debootstrap >/dev/null; then
		log "installing debootstrap"
		apt-get update -q
		DEBIAN_FRONTEND=noninteractive apt-get install -y -q debootstrap
	fi
	log "making a Debian $release root in $root from $VM_MIRROR"
	rm -rf --one-file-system "$root.tmp"
	mkdir -p "$roots"
	debootstrap --variant=minbase "$release" "$root.tmp" "$VM_MIRROR" >"$roots/$release.debootstrap.log" 2>&1 ||
		die "debootstrap $release failed: see $roots/$release.debootstrap.log"
	rm -rf --one-file-system "$root"
	mv "$root.tmp" "$root"
	echo "$release $VM_MIRROR" > "$root/.virtio_map-root"
	log "root made in $(elapsed) s"
fi
cp /etc/resolv.conf "$root/etc/resolv.conf" 2>/dev/null || true

# 2. The project: what git tracks, plus untracked files it does not ignore,
# over an emptied copy whose build folders (ignored) are kept.
id=$(printf '%s' "$top" | sha1sum | cut -c1-8)
for d in "$root"/root/virtio_map-*; do
	[ -f "$d/.virtio_map-source" ] || continue
	[ -d "$(cat "$d/.virtio_map-source")" ] || rm -rf --one-file-system "$d"
done
wd=/root/virtio_map-$id
dst=$root$wd
mkdir -p "$dst"
find "$dst" -mindepth 1 -maxdepth 1 ! -name 'build*' -exec rm -rf {} +
printf '%s\n' "$top" > "$dst/.virtio_map-source"
(cd "$top" && git ls-files -z -c -o --exclude-standard |
	tar --null -T - -cf - --ignore-failed-read 2>/dev/null) | tar -xf - -C "$dst"

# 3. Run in a private mount namespace, so the mounts end with it.
case $mode in
readme) inner='devtools/setup.sh --run && devtools/test.sh' ;;
shell) inner='exec bash -i' ;;
cmd) inner=$(printf '%q ' "${cmd[@]}") ;;
esac
envs=(HOME=/root TERM="${TERM:-dumb}" LANG=C.UTF-8
	PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin)
for v in $(compgen -e); do
	case $v in
	VM_SANITIZE | VT_* | MESON_TESTTHREADS) envs+=("$v=${!v}") ;;
	esac
done
# mounted under its own name, which names its DPDK series (e.g. 24.11)
sdk_root=/opt/virtio_map-dpdk-sdk/$(basename "${sdk_host:-none}")
[ -z "$sdk_host" ] || envs+=(VIRTIO_MAP_DPDK_SDK="$sdk_root")

log "running in $release, in $wd: $inner"
export root sdk_host sdk_root
set +e
unshare --mount --propagation private -- bash -euc '
	mount -t proc proc "$root/proc"
	mount --rbind /sys "$root/sys"
	mount --make-rslave "$root/sys"
	mount --rbind /dev "$root/dev"
	mount --make-rslave "$root/dev"
	mount -t tmpfs -o mode=1777 shm "$root/dev/shm"
	mkdir -p "$root/dev/hugepages"
	mount -t hugetlbfs -o pagesize=2M nodev "$root/dev/hugepages" || true
	mount -t tmpfs -o mode=1777 tmp "$root/tmp"
	if [ -n "$sdk_host" ]; then
		mkdir -p "$root$sdk_root"
		mount --bind "$sdk_host" "$root$sdk_root"
		mount -o remount,bind,ro "$root$sdk_root"
	fi
	shift
	exec chroot "$root" /usr/bin/env -i "$@"
' _ "${envs[@]}" bash -c "cd $wd && $inner"
rc=$?
set -e
log "$release: exit status $rc after $(elapsed) s"
exit $rc
