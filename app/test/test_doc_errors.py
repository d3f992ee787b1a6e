#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 The virtio_map authors
"""
Every log message the documentation quotes still exists in the code.

    test_doc_errors.py SRCDIR [-v]

The convention (doc/guides/virtio_map.rst, "How to debug"): a message of
the driver or of its map-ops library is quoted whole, one message per line,
exactly as it is printed, log prefix included, in a literal block of the
guides (doc/guides/*.rst: after "::" or in a code-block) or in a fenced
code block of README.md, e.g.

    virtio_map: net_virtio_map0: queues=200: at most 128 queue pairs
    virtio_map: virtio_map_bring_up(): net_virtio_map0: link up: ...

A line of such a block is a quoted message when it starts with the fixed
text a log macro prints first ("virtio_map: ", "vmap: ", ...: read from the
macros themselves). A line that starts with a device name instead
("net_virtio_map0: ...") is reported as a message quoted without its
prefix.

The formats come from the sources (drivers/ and lib/, *.c and *.h): every
macro that ends in rte_log()/RTE_LOG()/RTE_LOG_DP() (VM_LOG, VM_INIT_LOG,
VMAP_LOG, ARG_ERR, VM_REFUSE...), found by following its "fmt" parameter,
and every call of those with a format made of string literals (adjacent
literals joined, PRIx64 and friends as printf has them). A format becomes
a regular expression: the text as is, each conversion a wildcard of its
kind (%s anything, %u digits, %x hex digits...), and the "%s" a macro fills
with __func__ the name of the function around the call. A quoted message
passes when one of them matches it whole.

Exit 0 when every quoted message matches (and there is at least one),
1 otherwise; prints what did not match and the count checked.
"""

import difflib
import re
import sys
from pathlib import Path

SINKS = {
    # name: (index of the format argument, fixed text before it)
    "rte_log": (2, None),
    "RTE_LOG": (2, "type"),
    "RTE_LOG_DP": (2, "type"),
}

PRI_RE = re.compile(r"^(?:PRI|SCN)([diouxX])(8|16|32|64|MAX|PTR|LEAST\d+|FAST\d+)$")
CONV_RE = re.compile(
    r"%(?P<flags>[-+ #0']*)(?P<width>\*|\d+)?(?:\.(?P<prec>\*|\d+))?"
    r"(?P<len>hh|h|ll|l|j|z|t|L|q)?(?P<conv>[diouxXeEfFgGaAcspn%])")


# ---- C source: comments out, strings kept ----

def literal_end(text, i):
    """End (one past the closing quote) of the C literal opening at i."""
    j, n = i + 1, len(text)
    while j < n and text[j] != text[i]:
        j += 2 if text[j] == "\\" else 1
    return j + 1


def strip_comments(text):
    """Replace comments by spaces (newlines kept), leave literals alone."""
    out = []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if c in "\"'":
            j = literal_end(text, i)
            out.append(text[i:j])
            i = j
        elif text.startswith("/*", i):
            j = text.find("*/", i + 2)
            j = n if j < 0 else j + 2
            out.append(re.sub(r"[^\n]", " ", text[i:j]))
            i = j
        elif text.startswith("//", i):
            j = text.find("\n", i)
            j = n if j < 0 else j
            out.append(" " * (j - i))
            i = j
        else:
            out.append(c)
            i += 1
    return "".join(out)


def c_unescape(body):
    """The bytes of a C string literal's body, as text."""
    simple = {"n": "\n", "t": "\t", "r": "\r", "\\": "\\", "'": "'",
              '"': '"', "?": "?", "a": "\a", "b": "\b", "f": "\f",
              "v": "\v", "0": "\0"}
    out, i = [], 0
    while i < len(body):
        if body[i] == "\\" and i + 1 < len(body):
            e = body[i + 1]
            if e == "x":
                m = re.match(r"[0-9a-fA-F]+", body[i + 2:])
                out.append(chr(int(m.group(0), 16)))
                i += 2 + len(m.group(0))
                continue
            if e in "01234567":
                m = re.match(r"[0-7]{1,3}", body[i + 1:])
                out.append(chr(int(m.group(0), 8)))
                i += 1 + len(m.group(0))
                continue
            out.append(simple.get(e, e))
            i += 2
        else:
            out.append(body[i])
            i += 1
    return "".join(out)


def split_args(text, start):
    """Arguments of the call whose '(' is at text[start]: ([args], end)."""
    depth, i, cur, args = 0, start, [], []
    n = len(text)
    while i < n:
        c = text[i]
        if c in "\"'":
            j = literal_end(text, i)
            cur.append(text[i:j])
            i = j
            continue
        if c in "([{":
            depth += 1
            if depth == 1:
                i += 1
                continue
        elif c in ")]}":
            depth -= 1
            if depth == 0:
                args.append("".join(cur).strip())
                return args, i + 1
        elif c == "," and depth == 1:
            args.append("".join(cur).strip())
            cur = []
            i += 1
            continue
        cur.append(c)
        i += 1
    return None, n


TOKEN_RE = re.compile(r'\s*(?:"((?:[^"\\]|\\.)*)"|(#?#?[A-Za-z_]\w*)|(\S))', re.S)


def fmt_tokens(expr):
    """A format expression as ('lit', text) and ('id', name) items, or
    None when it holds anything else (a variable, a ternary...)."""
    items, pos = [], 0
    expr = expr.strip()
    while pos < len(expr):
        m = TOKEN_RE.match(expr, pos)
        if m is None:
            break
        pos = m.end()
        if m.group(1) is not None:
            items.append(("lit", c_unescape(m.group(1))))
        elif m.group(2) is not None:
            name = m.group(2).lstrip("#")
            pri = PRI_RE.match(name)
            if pri:
                size = pri.group(2)
                items.append(("lit", ("l" if size in ("64", "MAX", "PTR")
                                      else "") + pri.group(1)))
            else:
                items.append(("id", name))
        else:
            return None
    return items


def conversions(text):
    return [m for m in CONV_RE.finditer(text) if m.group("conv") != "%"]


# ---- the log macros ----

class Template:
    """A macro's output: parts ('lit', text) and ('fmt',), and which
    conversions (by index over the whole output) print __func__."""

    def __init__(self, parts, func_convs):
        self.parts = parts
        self.func_convs = func_convs

    def prefix_convs(self):
        n = 0
        for p in self.parts:
            if p[0] == "fmt":
                return n
            n += len(conversions(p[1]))
        return n

    def lead(self):
        """The fixed text every message of this template starts with."""
        first = self.parts[0] if self.parts else ("fmt",)
        if first[0] != "lit":
            return ""
        m = CONV_RE.search(first[1])
        return first[1][:m.start()] if m else first[1]


def expand(tmpl, expr_items, fmt_param, args_after):
    """Put expression expr_items (which may name fmt_param) into tmpl's
    fmt slot; args_after are the call's arguments after the format."""
    parts, func = [], set(tmpl.func_convs)
    base = tmpl.prefix_convs()
    k = 0			# conversions of expr_items before fmt_param
    seen_fmt = False
    new_parts = []
    for kind, val in expr_items:
        if kind == "lit":
            if not seen_fmt:
                for _ in conversions(val):
                    if k < len(args_after) and args_after[k] == "__func__":
                        func.add(base + k)
                    k += 1
            new_parts.append(("lit", val))
        elif fmt_param is not None and val == fmt_param:
            new_parts.append(("fmt",))
            seen_fmt = True
        else:
            return None		# an identifier that is not the format
    for p in tmpl.parts:
        if p[0] == "fmt":
            parts.extend(new_parts)
        else:
            parts.append(p)
    return Template(merge(parts), func)


def merge(parts):
    out = []
    for p in parts:
        if p[0] == "lit" and out and out[-1][0] == "lit":
            out[-1] = ("lit", out[-1][1] + p[1])
        else:
            out.append(p)
    return out


def sink_template(name, args):
    idx, pre = SINKS[name]
    parts = [("fmt",)]
    if pre == "type":
        parts = [("lit", args[1].strip() + ": "), ("fmt",)]
    return Template(parts, set())


DEFINE_RE = re.compile(r"^[ \t]*#[ \t]*define[ \t]+(\w+)\(([^)]*)\)(.*)$", re.M)


def read_sources(root):
    files = []
    for sub in ("drivers", "lib"):
        for p in sorted((root / sub).rglob("*")):
            if p.suffix in (".c", ".h") and p.is_file():
                files.append(p)
    return files


def collect_defines(texts):
    """{macro name: (params, body)} of function-like macros."""
    defs = {}
    for text in texts.values():
        joined = re.sub(r"\\\n", " ", text)
        for m in DEFINE_RE.finditer(joined):
            params = [x.strip() for x in m.group(2).split(",")]
            defs[m.group(1)] = (params, m.group(3))
    return defs


def blank_defines(text):
    """text with every #define (and its continuation lines) blanked, line
    numbers kept."""
    out, cont = [], False
    for line in text.split("\n"):
        if cont or re.match(r"^[ \t]*#[ \t]*define\b", line):
            cont = line.rstrip().endswith("\\")
            out.append(" " * len(line))
        else:
            out.append(line)
    return "\n".join(out)


def call_sites(text, names):
    """(name, offset of '(') of each call of a name in names."""
    pat = re.compile(r"\b(" + "|".join(map(re.escape, sorted(names))) +
                     r")\s*\(")
    for m in pat.finditer(text):
        yield m.group(1), m.end() - 1


def build_macros(defs):
    """Templates of the log macros: {name: (Template, fmt index)}."""
    macros = {}
    changed = True
    while changed:
        changed = False
        for name, (params, body) in defs.items():
            if name in macros or name in SINKS:
                continue
            known = dict((k, v) for k, v in macros.items())
            for s in SINKS:
                known[s] = None
            for callee, start in call_sites(body, known.keys()):
                if callee == name:
                    continue
                args, _ = split_args(body, start)
                if args is None:
                    continue
                fidx = SINKS[callee][0] if callee in SINKS else known[callee][1]
                if fidx >= len(args):
                    continue
                items = fmt_tokens(args[fidx])
                if items is None:
                    continue
                fmt_param = next((v for k, v in items
                                  if k == "id" and v in params), None)
                if fmt_param is None:
                    continue
                base = (sink_template(callee, args) if callee in SINKS
                        else known[callee][0])
                rest = [a.lstrip("#").strip() for a in args[fidx + 1:]]
                t = expand(base, items, fmt_param, rest)
                if t is None:
                    continue
                macros[name] = (t, params.index(fmt_param))
                changed = True
                break
    return macros


FUNC_DEF_RE = re.compile(r"^([A-Za-z_]\w*)\([^;{}]*\)\s*\{", re.M)


def enclosing_function(text, pos):
    name = None
    for m in FUNC_DEF_RE.finditer(text, 0, pos):
        name = m.group(1)
    return name


CONV_REGEX = {
    "d": r"-?\d+", "i": r"-?\d+", "u": r"\d+", "o": r"[0-7]+",
    "x": r"[0-9a-f]+", "X": r"[0-9A-F]+", "c": r".", "s": r".*",
    "p": r"(?:0x[0-9a-f]+|\(nil\))", "n": r"",
}


def to_regex(text, func_convs, func):
    out, pos, k = [], 0, 0
    for m in CONV_RE.finditer(text):
        out.append(re.escape(text[pos:m.start()]))
        conv = m.group("conv")
        if conv == "%":
            out.append("%")
        elif k in func_convs:
            out.append(re.escape(func) if func else r"\w+")
            k += 1
        else:
            out.append(CONV_REGEX.get(conv, r"[-+0-9.eEinfaINFA]+"))
            k += 1
        pos = m.end()
    out.append(re.escape(text[pos:]))
    return "".join(out)


def code_formats(root):
    """[(regex, format text, where)] of every log call with a literal
    format, and the leads (fixed first text) of the log macros."""
    texts = {p: strip_comments(p.read_text(errors="replace"))
             for p in read_sources(root)}
    defs = collect_defines(texts)
    macros = build_macros(defs)
    leads = set()
    for t, _ in macros.values():
        lead = t.lead()
        if len(lead) >= 4 and lead.endswith(": "):
            leads.add(lead)
    formats = []
    for path, text in texts.items():
        # call sites only: definitions blanked (their bodies were read)
        code = blank_defines(text)
        for name, start in call_sites(code, set(macros) | set(SINKS)):
            args, _ = split_args(code, start)
            if args is None:
                continue
            if name in SINKS:
                tmpl, fidx = sink_template(name, args), SINKS[name][0]
            else:
                tmpl, fidx = macros[name]
            if fidx >= len(args):
                continue
            items = fmt_tokens(args[fidx])
            if items is None or any(k != "lit" for k, _ in items):
                continue
            rest = [a.lstrip("#").strip() for a in args[fidx + 1:]]
            full = expand(tmpl, items, None, rest)
            if full is None:
                continue
            if name in SINKS and full.lead():
                lead = full.lead()
                if len(lead) >= 4 and lead.endswith(": "):
                    leads.add(lead)
            text_fmt = "".join(p[1] for p in full.parts if p[0] == "lit")
            text_fmt = text_fmt.rstrip("\n")
            func = enclosing_function(code, start)
            line = code.count("\n", 0, start) + 1
            where = "%s:%d" % (path.relative_to(root), line)
            formats.append((re.compile(to_regex(text_fmt, full.func_convs,
                                                 func), re.S),
                            text_fmt, where))
    return formats, leads


# ---- the documentation ----

def rst_literal_lines(path):
    """(line number, text) of the lines of path's literal blocks."""
    lines = path.read_text().splitlines()
    out = []
    i = 0
    while i < len(lines):
        line = lines[i]
        s = line.rstrip()
        opens = (s.endswith("::") and not s.lstrip().startswith(".. ")) or \
            re.match(r"^\s*\.\. (code-block|code|sourcecode)::", s)
        if not opens:
            i += 1
            continue
        indent = len(line) - len(line.lstrip())
        j = i + 1
        # directive options of a code-block
        while j < len(lines) and re.match(r"^\s+:\w[\w-]*:", lines[j]):
            j += 1
        block = []
        while j < len(lines):
            t = lines[j]
            if t.strip() == "":
                block.append((j + 1, ""))
                j += 1
                continue
            if len(t) - len(t.lstrip()) <= indent:
                break
            block.append((j + 1, t))
            j += 1
        body = [(n, t) for n, t in block if t]
        if body:
            cut = min(len(t) - len(t.lstrip()) for _, t in body)
            out.extend((n, t[cut:].rstrip()) for n, t in body)
        i = j
    return out


def md_fenced_lines(path):
    out, fence = [], None
    for n, line in enumerate(path.read_text().splitlines(), 1):
        m = re.match(r"^\s*(`{3,}|~{3,})", line)
        if m and fence is None:
            fence = m.group(1)
        elif m and line.strip().startswith(fence[0] * len(fence)) and \
                line.strip().strip(fence[0]) == "":
            fence = None
        elif fence is not None:
            out.append((n, line.rstrip()))
    return out


BARE_DEV_RE = re.compile(r"^net_virtio_map\d+: ")


def doc_messages(root, leads):
    """[(where, message)] quoted, and [(where, text)] quoted bare."""
    msgs, bare = [], []
    docs = [(p, rst_literal_lines) for p in
            sorted((root / "doc" / "guides").glob("*.rst"))]
    if (root / "README.md").is_file():
        docs.append((root / "README.md", md_fenced_lines))
    for path, reader in docs:
        rel = path.relative_to(root)
        for n, text in reader(path):
            body = text.strip()
            if any(body.startswith(lead) for lead in leads):
                msgs.append(("%s:%d" % (rel, n), body))
            elif BARE_DEV_RE.match(body):
                bare.append(("%s:%d" % (rel, n), body))
    return msgs, bare


def main(argv):
    if len(argv) < 2:
        print("usage: test_doc_errors.py SRCDIR [-v]", file=sys.stderr)
        return 1
    root = Path(argv[1]).resolve()
    verbose = "-v" in argv[2:]
    formats, leads = code_formats(root)
    if not formats or not leads:
        print("FAIL: no log formats found under %s/drivers and %s/lib"
              % (root, root))
        return 1
    msgs, bare = doc_messages(root, leads)
    if verbose:
        print("%d log formats in the code; message prefixes: %s"
              % (len(formats), ", ".join(repr(x) for x in sorted(leads))))
    failed = 0
    for where, text in bare:
        failed += 1
        print("FAIL %s: quoted without the log prefix (%s): %s"
              % (where, " or ".join(repr(x) for x in sorted(leads)), text))
    for where, text in msgs:
        hit = next((f for f in formats if f[0].fullmatch(text)), None)
        if hit is None:
            failed += 1
            print("FAIL %s: no format in the code prints: %s" % (where, text))
            # the most similar format, to show what changed
            near = max(formats, key=lambda f: difflib.SequenceMatcher(
                None, CONV_RE.sub("", f[1]), text, autojunk=False).ratio())
            print("     nearest (%s): %s" % (near[2], near[1]))
        elif verbose:
            print("ok   %s: %s  [%s]" % (where, text, hit[2]))
    print("checked %d documented messages against %d log formats: %d failed"
          % (len(msgs), len(formats), failed))
    if not msgs:
        print("FAIL: no documented messages found (literal blocks of "
              "doc/guides/*.rst and fenced blocks of README.md whose lines "
              "start with %s)" % " or ".join(repr(x) for x in sorted(leads)))
        return 1
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
