#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 The virtio_map authors
#
# What a DPDK user gets from `meson install`, staged in a temporary
# folder (meson install --destdir) so nothing outside it changes:
#   - the PMD, its pkg-config file and its headers under include/virtio_map
#     (no bare vmap.h);
#   - the .so exports exactly the functions the installed headers declare,
#     each in the EXPERIMENTAL version node;
#   - examples/counting_kind builds with make and pkg-config alone against
#     the staged files, registers its own map kind and forwards traffic
#     through it against net_vhost.
#
#   test_install.sh BUILDDIR SRCDIR
set -uo pipefail

builddir=$1
srcdir=$2
stage=$(mktemp -d /tmp/vmap_install.XXXXXX)
trap 'rm -rf "$stage"' EXIT

fail() { echo "FAIL: $*"; exit 1; }

meson install -C "$builddir" --no-rebuild --quiet --destdir "$stage" >"$stage/install.log" 2>&1 ||
	{ cat "$stage/install.log"; fail "meson install --destdir"; }

pc=$(find "$stage" -name libdpdk-virtio_map.pc | head -1)
[ -n "$pc" ] || fail "no libdpdk-virtio_map.pc installed"
so=$(find "$stage" -name 'librte_net_virtio_map.so.*.*' -type f | head -1)
[ -n "$so" ] || fail "no librte_net_virtio_map.so.X.Y.Z installed"
inc=$(find "$stage" -type d -path '*/include/virtio_map' | head -1)
[ -n "$inc" ] || fail "no include/virtio_map folder installed"
for h in rte_pmd_virtio_map.h virtio_map_kind.h; do
	[ -f "$inc/$h" ] || fail "$h not installed in $inc"
done
stray=$(find "$stage" -name vmap.h)
[ -z "$stray" ] || fail "internal header installed: $stray"
echo "installed: ${so#"$stage"}, ${pc#"$stage"}, ${inc#"$stage"}/{$(ls "$inc" | paste -sd,)}"

# pkg-config, with the prefix moved into the stage (as a packager
# relocating the files would); libdpdk stays the system's
prefix=$(sed -n 's/^prefix=//p' "$pc")
sed -i "s#^prefix=.*#prefix=$stage$prefix#" "$pc"
export PKG_CONFIG_PATH=$(dirname "$pc")
pcflags=$(pkg-config --cflags --libs libdpdk-virtio_map) ||
	fail "pkg-config --cflags --libs libdpdk-virtio_map"
echo "pkg-config --cflags --libs libdpdk-virtio_map: $pcflags"
case " $pcflags " in
*" -lrte_net_virtio_map "*) ;;
*) fail "pkg-config --libs lacks -lrte_net_virtio_map" ;;
esac
case " $pcflags " in
*" -I$inc "*) ;;
*) fail "pkg-config --cflags lacks -I$inc" ;;
esac

# exported functions = declared functions, all EXPERIMENTAL
declared=$(cat "$inc"/*.h | tr -s ' \t\n' ' ' |
	grep -o 'rte_pmd_virtio_map_[a-z_]* *(' | tr -d ' (' | sort -u)
exported=$(nm -D --defined-only "$so" | awk '$2 ~ /^[TDBR]$/ { print $3 }' |
	sed 's/@.*//' | grep -v '^EXPERIMENTAL$\|^DPDK_' | sort -u)
[ -n "$declared" ] || fail "no rte_pmd_virtio_map_* declared in the headers"
[ "$declared" = "$exported" ] ||
	fail "exports differ from the headers: declared [$(echo $declared)] exported [$(echo $exported)]"
dynsyms=$(objdump -T "$so") || fail "objdump -T $so"
for s in $declared; do
	grep -q "EXPERIMENTAL.* $s\$" <<<"$dynsyms" ||
		fail "$s is not in the EXPERIMENTAL version node"
done
echo "exported (EXPERIMENTAL): $(echo $declared)"

# the out-of-tree example, from the staged files only
make -s -C "$srcdir/examples/counting_kind" O="$stage/example" \
	>"$stage/make.log" 2>&1 ||
	{ cat "$stage/make.log"; fail "examples/counting_kind does not build"; }
libdir=$(dirname "$so")
ldd_out=$(LD_LIBRARY_PATH=$libdir ldd "$stage/example/counting_kind")
echo "$ldd_out" | grep -q "librte_net_virtio_map.so.* => $libdir/" ||
	fail "counting_kind does not load the staged PMD: $ldd_out"
sock=$stage/ck.sock
LD_LIBRARY_PATH=$libdir timeout 120 "$stage/example/counting_kind" \
	--no-pci --no-huge -m 256 -l 0 --file-prefix "vmap_ck_$$" \
	--log-level=pmd.net.virtio_map,info \
	--vdev "net_vhost0,iface=$sock" \
	--vdev "net_virtio_map0,path=$sock,map=counting" \
	-- --packets 20000 >"$stage/run.log" 2>&1
rc=$?
grep -v '^VHOST_CONFIG' "$stage/run.log" | tail -15
[ $rc -eq 0 ] || fail "counting_kind exited with $rc"
grep -q "20000 of 20000 frames forwarded through map kind 'counting'" "$stage/run.log" ||
	fail "counting_kind did not report all frames"
echo "ok"
