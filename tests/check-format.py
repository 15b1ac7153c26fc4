#!/usr/bin/env python3
# check-format.py — the C lines a branch changes follow .clang-format. Whole files are
# not checked: today's tree predates .clang-format, and a reformat would touch every
# file that other branches are editing. What is checked:
#   - by default, the lines of *.c/*.h that differ between the work tree and the merge
#     base of HEAD with main (committed, staged or not), plus untracked C files whole;
#   - with file arguments or $NETLAB_FORMAT_FILES (space-separated, relative to the top
#     source directory), those files whole.
# The space *between* tokens is not compared (runs of blanks inside a line count as one),
# so aligning trailing comments and table columns by hand stays the author's choice;
# indentation, line breaks, braces and the single spaces the style asks for are checked.
# Environment: top_srcdir, NETLAB_FORMAT_BASE (a commit instead of the merge base),
# NETLAB_FORMAT_FILES, CLANG_FORMAT (default clang-format; .clang-format is tuned for 14).
# Exit status: 0 clean, 1 misformatted lines (shown as a diff), 77 skipped (not a git
# checkout, e.g. the release tarball), 99 error.

import difflib
import os
import re
import shutil
import subprocess
import sys

C_FILE = re.compile(r'\.[ch]$')
EXCLUDE = ('tests/data/',)          # fixtures may be odd on purpose
HUNK = re.compile(r'^@@ -\d+(?:,\d+)? \+(\d+)(?:,(\d+))? @@', re.M)
BLANKS = re.compile(r'(?<=\S)[ \t]+')


def die(msg, status=99):
    print(f"check-format: {msg}", file=sys.stderr if status == 99 else sys.stdout)
    sys.exit(status)


def git(root, *args):
    return subprocess.run(['git', '-C', root, *args], capture_output=True, text=True)


def wanted(path):
    return C_FILE.search(path) and not path.startswith(EXCLUDE)


def changed_ranges(root):
    """{path: [(first, last), ...] or None for the whole file}, from git."""
    top = git(root, 'rev-parse', '--show-toplevel')
    if top.returncode != 0 or os.path.realpath(top.stdout.strip()) != os.path.realpath(root):
        die(f"SKIP: '{root}' is not the top of a git checkout (a release tarball?): "
            "no base to compare with; set NETLAB_FORMAT_FILES to check files", 77)

    base = os.environ.get('NETLAB_FORMAT_BASE')
    if not base:
        for ref in ('main', 'origin/main'):
            r = git(root, 'merge-base', 'HEAD', ref)
            if r.returncode == 0:
                base = r.stdout.strip()
                break
        else:
            die("SKIP: no branch main or origin/main to compare with; "
                "set NETLAB_FORMAT_BASE to a commit", 77)

    names = git(root, 'diff', '--name-only', '--diff-filter=AMR', base, '--')
    if names.returncode != 0:
        die(f"git diff {base} failed: {names.stderr.strip()}")
    out = {}
    for path in names.stdout.split():
        if not wanted(path):
            continue
        d = git(root, 'diff', '-U0', '--no-color', base, '--', path)
        ranges = []
        for m in HUNK.finditer(d.stdout):
            first, count = int(m.group(1)), int(m.group(2) if m.group(2) is not None else 1)
            if count > 0:
                ranges.append((first, first + count - 1))
        if ranges:
            out[path] = ranges
    untracked = git(root, 'ls-files', '--others', '--exclude-standard', '--')
    for path in untracked.stdout.split():
        if wanted(path):
            out[path] = None
    return out, base


def normalize(line):
    return BLANKS.sub(' ', line.rstrip())


def check_file(clang_format, root, path, ranges):
    """Returns the report lines for @path, empty if it is clean."""
    full = os.path.join(root, path)
    with open(full, encoding='utf-8', errors='surrogateescape') as f:
        orig = f.read().split('\n')
    cmd = [clang_format, '--style=file', '--fallback-style=none']
    if ranges is not None:
        cmd += [f'--lines={a}:{b}' for a, b in ranges]
    cmd.append(full)
    r = subprocess.run(cmd, capture_output=True, text=True, errors='surrogateescape')
    if r.returncode != 0:
        die(f"{' '.join(cmd)} failed: {r.stderr.strip()}")
    fmt = r.stdout.split('\n')

    report = []
    sm = difflib.SequenceMatcher(None, [normalize(x) for x in orig],
                                 [normalize(x) for x in fmt], autojunk=False)
    for tag, i1, i2, j1, j2 in sm.get_opcodes():
        if tag == 'equal':
            continue
        report.append(f"@@ {path}:{i1 + 1} @@")
        report += ['-' + x for x in orig[i1:i2]]
        report += ['+' + x for x in fmt[j1:j2]]
    return report


def main():
    root = os.path.realpath(os.environ.get('top_srcdir')
                            or os.path.join(os.path.dirname(os.path.abspath(__file__)), '..'))
    listed = sys.argv[1:] or os.environ.get('NETLAB_FORMAT_FILES', '').split()
    if listed:
        targets, what = {p: None for p in listed}, "the listed files"
    else:
        targets, base = changed_ranges(root)
        what = f"lines changed since {base[:12]}"

    clang_format = os.environ.get('CLANG_FORMAT', 'clang-format')
    if not shutil.which(clang_format):
        die(f"'{clang_format}' not found: apt-get install clang-format (or set CLANG_FORMAT)")

    bad = 0
    for path in sorted(targets):
        if not os.path.isfile(os.path.join(root, path)):
            die(f"'{path}' does not exist below '{root}'")
        report = check_file(clang_format, root, path, targets[path])
        if report:
            bad += 1
            print('\n'.join(report))

    if bad:
        print(f"FAIL: {bad} file(s) differ from .clang-format in {what}; "
              "fix by hand or with `git clang-format main` (see .clang-format)")
        return 1
    print(f"OK: {len(targets)} C file(s) checked, {what}")
    return 0


if __name__ == '__main__':
    sys.exit(main())
