# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 The virtio_map authors
#
# Sphinx configuration of the guides: sphinx-build -W -b html doc/guides OUT
# (the test "docs" runs it, warnings as errors).

from pathlib import Path

project = "virtio_map"
copyright = "2026, The virtio_map authors"
author = "The virtio_map authors"
release = (Path(__file__).resolve().parents[2] / "VERSION").read_text().strip()
version = release

root_doc = "index"
exclude_patterns = ["_build"]
# the feature matrix is data for the test, not a page
source_suffix = {".rst": "restructuredtext"}

html_theme = "alabaster"
html_title = "net_virtio_map " + release
html_show_sourcelink = False
