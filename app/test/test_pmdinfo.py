#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 The virtio_map authors
"""
What DPDK's dpdk-pmdinfo.py says about the built plugin: the driver's name
and one parameter per devarg of the driver's table (VIRTIO_MAP_DEVARGS in
virtio_map_devargs.h), in the table's order, each with its syntax.

    test_pmdinfo.py PLUGIN.so HEADER
"""

import json
import re
import shutil
import subprocess
import sys


def fail(msg):
    print("FAIL: " + msg)
    sys.exit(1)


def devargs_table(header):
    """(key, syntax) pairs of the X-macro table, in order."""
    text = open(header, encoding="utf-8").read()
    m = re.search(r"#define VIRTIO_MAP_DEVARGS\(X\)(.*?)\n\n", text, re.S)
    if m is None:
        fail("no VIRTIO_MAP_DEVARGS table in " + header)
    return re.findall(r'X\((\w+), "([^"]*)"\)', m.group(1))


def main():
    if len(sys.argv) != 3:
        fail("usage: test_pmdinfo.py PLUGIN.so HEADER")
    so, header = sys.argv[1:]
    tool = shutil.which("dpdk-pmdinfo.py")
    if tool is None:
        print("SKIP: dpdk-pmdinfo.py not installed (Debian package dpdk-dev)")
        sys.exit(77)
    out = subprocess.run([tool, so], capture_output=True, text=True,
                         check=False)
    if out.returncode != 0:
        fail("dpdk-pmdinfo.py %s: exit %d: %s" % (so, out.returncode,
                                                  out.stderr.strip()))
    info = json.loads(out.stdout)
    print(json.dumps(info, indent=2))
    drivers = [d for d in info if d.get("name") == "net_virtio_map"]
    if len(drivers) != 1:
        fail("expected one net_virtio_map entry, got %d" % len(drivers))
    params = drivers[0].get("params", "")
    table = devargs_table(header)
    if len(table) < 10:
        fail("only %d devargs parsed from %s" % (len(table), header))
    want = " ".join("%s=%s" % kv for kv in table)
    if params.strip() != want:
        fail("params differ from the devargs table:\n  got  %r\n  want %r"
             % (params.strip(), want))
    print("ok: net_virtio_map with %d parameters" % len(table))


if __name__ == "__main__":
    main()
