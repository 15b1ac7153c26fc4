#!/usr/bin/env python3
# check-include-cycles.py — proves that the modules under src/ include each other
# without a cycle. A module is a name.c/name.h pair in one directory; an edge a -> b
# means a.c or a.h has `#include "b.h"`. Quoted names resolve the way the compiler
# does with our AM_CPPFLAGS: the including file's own directory first, then each -I
# directory in order. Every elementary cycle is listed with the #include lines that
# make it up. Exit status: 0 no cycle, 1 cycles found, 99 usage or I/O error (so
# that automake reports a broken checker as ERROR even while the test is XFAIL).
#
# Usage: check-include-cycles.py [--root DIR] [-I DIR]... [--quiet]
#   --root  the tree holding src/ (default: this script's ../)
#   -I      a search directory relative to --root; repeatable; by default the
#           -I$(top_srcdir)/... entries of DIR/Makefile.am, in their order

import argparse
import os
import re
import sys

INCLUDE_RE = re.compile(r'^\s*#\s*include\s*"([^"]+)"')
MAKEFILE_I_RE = re.compile(r'-I\$\((?:top_srcdir|srcdir)\)/(\S+)')
SOURCE_EXTS = ('.c', '.h')


def fail(msg):
    print(f"check-include-cycles: {msg}", file=sys.stderr)
    sys.exit(99)


def search_dirs_from_makefile(root):
    """The -I directories of AM_CPPFLAGS in Makefile.am, in order, without duplicates."""
    path = os.path.join(root, 'Makefile.am')
    try:
        with open(path, encoding='utf-8') as f:
            text = f.read()
    except OSError as e:
        fail(f"cannot read '{path}': {e.strerror}; pass -I")
    m = re.search(r'^AM_CPPFLAGS\s*\+?=((?:.*\\\n)*.*)$', text, re.M)
    if not m:
        fail(f"no AM_CPPFLAGS in '{path}'; pass -I")
    dirs = []
    for d in MAKEFILE_I_RE.findall(m.group(1)):
        if d not in dirs:
            dirs.append(d)
    if not dirs:
        fail(f"no -I$(top_srcdir)/... in AM_CPPFLAGS of '{path}'; pass -I")
    return dirs


def source_files(root):
    """Every .c and .h below root/src, as paths relative to root, sorted."""
    top = os.path.join(root, 'src')
    if not os.path.isdir(top):
        fail(f"'{top}' is not a directory")
    out = []
    for dirpath, dirnames, filenames in os.walk(top):
        dirnames.sort()
        for name in sorted(filenames):
            if name.endswith(SOURCE_EXTS):
                out.append(os.path.relpath(os.path.join(dirpath, name), root))
    return out


def module_of(relpath):
    """src/daemon/conf.c and src/daemon/conf.h are both module src/daemon/conf."""
    return os.path.splitext(relpath)[0]


def resolve(root, including, name, search_dirs):
    """The file a quoted #include names, relative to root, or None (e.g. config.h,
    which the build generates and force-includes)."""
    for d in [os.path.dirname(including)] + search_dirs:
        cand = os.path.normpath(os.path.join(d, name))
        if os.path.isfile(os.path.join(root, cand)):
            return cand
    return None


def build_graph(root, search_dirs):
    """Returns (modules, edges): edges[a][b] = list of "file:line" that include b."""
    modules = set()
    edges = {}
    for rel in source_files(root):
        a = module_of(rel)
        modules.add(a)
        edges.setdefault(a, {})
        with open(os.path.join(root, rel), encoding='utf-8', errors='replace') as f:
            for lineno, line in enumerate(f, 1):
                m = INCLUDE_RE.match(line)
                if not m:
                    continue
                target = resolve(root, rel, m.group(1), search_dirs)
                if target is None or not target.startswith('src' + os.sep):
                    continue
                b = module_of(target)
                if b == a:
                    continue            # conf.c including conf.h is the module itself
                edges[a].setdefault(b, []).append(f'{rel}:{lineno}')
    return modules, edges


def elementary_cycles(modules, edges):
    """Every elementary cycle, each exactly once, rotated to start at its smallest
    node. Enumerates from each start node s only through nodes > s, so a cycle is
    found only from its smallest member. Exponential in theory, instant on a tree of
    a few dozen modules; the caller caps the report."""
    order = sorted(modules)
    cycles = []
    for s in order:
        stack = [(s, iter(sorted(edges.get(s, {}))))]
        path = [s]
        on_path = {s}
        while stack:
            node, it = stack[-1]
            nxt = next(it, None)
            if nxt is None:
                stack.pop()
                on_path.discard(path.pop())
                continue
            if nxt == s:
                cycles.append(list(path))
            elif nxt > s and nxt not in on_path:
                path.append(nxt)
                on_path.add(nxt)
                stack.append((nxt, iter(sorted(edges.get(nxt, {})))))
    cycles.sort(key=lambda c: (len(c), c))
    return cycles


def display_names(modules):
    """Short names for the report: the file stem where it is unique in src/."""
    stems = {}
    for m in modules:
        stems.setdefault(os.path.basename(m), []).append(m)
    return {m: (os.path.basename(m) if len(stems[os.path.basename(m)]) == 1
                else m[len('src' + os.sep):] if m.startswith('src' + os.sep) else m)
            for m in modules}


def main():
    ap = argparse.ArgumentParser(description='Fail on include cycles between the modules of src/.')
    ap.add_argument('--root', default=os.path.join(os.path.dirname(os.path.abspath(__file__)), '..'))
    ap.add_argument('-I', dest='dirs', action='append', default=None)
    ap.add_argument('--quiet', action='store_true', help='print only the cycles')
    args = ap.parse_args()

    root = os.path.normpath(args.root)
    search_dirs = args.dirs if args.dirs is not None else search_dirs_from_makefile(root)
    for d in search_dirs:
        if not os.path.isdir(os.path.join(root, d)):
            fail(f"search directory '{d}' does not exist below '{root}'")

    modules, edges = build_graph(root, search_dirs)
    cycles = elementary_cycles(modules, edges)
    name = display_names(modules)

    if not cycles:
        if not args.quiet:
            n_edges = sum(len(v) for v in edges.values())
            print(f"OK: {len(modules)} modules, {n_edges} include edges, no cycle "
                  f"(search path: {' '.join(search_dirs)})")
        return 0

    print(f"FAIL: {len(cycles)} include cycle(s) between the modules of src/:")
    for c in cycles:
        ring = c + [c[0]]
        print('  ' + ' -> '.join(name[m] for m in ring))
        if not args.quiet:
            for a, b in zip(ring, ring[1:]):
                print(f"      {name[a]} -> {name[b]}: {', '.join(edges[a][b])}")
    return 1


if __name__ == '__main__':
    sys.exit(main())
