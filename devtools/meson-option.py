#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 The virtio_map authors
"""
Print the value of one option of a configured meson build folder (from
its meson-info), e.g. the driver SDK include folder it was set up with:

    meson-option.py BUILDDIR dpdk_sdk_include
"""

import json
import os
import sys


def main():
    if len(sys.argv) != 3:
        sys.exit("usage: meson-option.py BUILDDIR NAME")
    builddir, name = sys.argv[1:]
    path = os.path.join(builddir, "meson-info", "intro-buildoptions.json")
    try:
        with open(path) as f:
            options = json.load(f)
    except (OSError, ValueError) as e:
        sys.exit("meson-option.py: cannot read the options of %s: %s" % (builddir, e))
    for o in options:
        if o["name"] == name:
            print(o["value"])
            return
    sys.exit("meson-option.py: %s has no option %s" % (builddir, name))


if __name__ == "__main__":
    main()
