#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 The virtio_map authors
"""
Print the folder an installed DPDK's EAL loads plugins from without -d
(its build option drivers_install_subdir, compiled into librte_eal as
"DPDK_PLUGIN_PATH=..."), for meson's -Dpmd_install_dir=auto.

    dpdk-plugin-dir.py LIBDIR
"""

import glob
import re
import sys


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: dpdk-plugin-dir.py LIBDIR")
    libs = sorted(glob.glob(sys.argv[1] + "/librte_eal.so*"))
    if not libs:
        sys.exit("dpdk-plugin-dir.py: no librte_eal.so in " + sys.argv[1])
    data = open(libs[0], "rb").read()
    m = re.search(rb"DPDK_PLUGIN_PATH=([^\0]+)\0", data)
    if m is None:
        sys.exit("dpdk-plugin-dir.py: %s names no plugin folder (a static "
                 "DPDK build?): give -Dpmd_install_dir=DIR" % libs[0])
    print(m.group(1).decode())


if __name__ == "__main__":
    main()
