#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 The virtio_map authors
"""File-level call graph of the driver's C files, and its cycles.

A file uses another when it calls or names (an ops table entry) a
function the other defines, outside comments and strings, or when it
includes the other's header (name.h of name.c). Prints each file with the
files it uses, then every strongly connected component of more than one
file (a cycle). With --check, exits 1 when a cycle takes in a file of
the control path (virtio_map_*.c), which is laid out in floors that call
only down (doc/guides/virtio_map.rst, "Source layout"); the data path
(vmq*) and the transport (vmt*) are modules of several files around one
internal header, and their cycles are reported only.

  usage: callgraph.py [--check] [DIR]   (default drivers/net/virtio_map)
"""

import os
import re
import sys

DEF = re.compile(r'^([a-z_][a-z0-9_]*)\(', re.M)
WORD = re.compile(r'\b([a-z_][a-z0-9_]*)\b')
INCLUDE = re.compile(r'^#include "([a-z0-9_]+)\.h"', re.M)


def strip(text):
    """Remove comments and string literals."""
    text = re.sub(r'/\*.*?\*/', ' ', text, flags=re.S)
    text = re.sub(r'//[^\n]*', ' ', text)
    return re.sub(r'"(\\.|[^"\\])*"', '""', text)


def graph(folder):
    files = sorted(f for f in os.listdir(folder) if f.endswith('.c'))
    raw = {f: open(os.path.join(folder, f)).read() for f in files}
    text = {f: strip(raw[f]) for f in files}
    owner = {}
    for f in files:
        for name in DEF.findall(text[f]):
            # a static function is the file's own business
            if re.search(r'^static[^;{}\n]*\n' + name + r'\(', text[f], re.M):
                continue
            owner.setdefault(name, f)
    edges = {f: set() for f in files}
    for f in files:
        for name in WORD.findall(text[f]):
            g = owner.get(name)
            if g is not None and g != f:
                edges[f].add(g)
        for h in INCLUDE.findall(raw[f]):
            if h + '.c' in edges and h + '.c' != f:
                edges[f].add(h + '.c')
    return edges


def cycles(edges):
    """Tarjan's strongly connected components of more than one node."""
    index, low, stack, on, out = {}, {}, [], set(), []

    def visit(v):
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in sorted(edges[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    for v in sorted(edges):
        if v not in index:
            visit(v)
    return out


def main():
    args = sys.argv[1:]
    check = '--check' in args
    args = [a for a in args if a != '--check']
    folder = args[0] if args else 'drivers/net/virtio_map'
    edges = graph(folder)
    for f in sorted(edges):
        print('%s -> %s' % (f, ', '.join(sorted(edges[f])) or '-'))
    found = cycles(edges)
    for c in found:
        print('cycle: ' + ' <-> '.join(c))
    if not found:
        print('no cycles among %d files' % len(edges))
    bad = [c for c in found
           if any(f.startswith('virtio_map_') for f in c)]
    return 1 if check and bad else 0


if __name__ == '__main__':
    sys.exit(main())
