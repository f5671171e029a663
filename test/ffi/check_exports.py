#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""check_exports.py RING_H LIBRING LIBRING_FFI NM

libring-ffi must export an out-of-line copy of every public inline call of
ring.h, under the same name, and nothing else of the header's inline code:
so a call added to the header without its copy fails here. Also: it
exports all that libring exports, at libring's symbol version.

The public inline calls are read from the header itself: every
RING_INLINE function, less the internal ones (a ringi_ name, a comment
that starts with "Internal", or a section whose banner says "Internal.").
"""
import re
import subprocess
import sys

FFI_EXTRAS = {"ring_new", "ring_free"}  # ring_ffi.h


def inline_calls(header):
    """{name: public?} for every RING_INLINE function of the header."""
    calls = {}
    comment, in_comment, banner, internal_section = "", False, False, False
    for line in open(header):
        stripped = line.strip()
        if in_comment:
            comment += " " + stripped
            in_comment = "*/" not in stripped
            continue
        if re.fullmatch(r"/\* -+ \*/", stripped):
            banner = True
            continue
        if banner:
            internal_section = stripped.rstrip("*/ ").endswith("Internal.")
            banner = False
            continue
        if stripped.startswith("/*"):
            comment = stripped
            in_comment = "*/" not in stripped
            continue
        m = re.match(r"RING_INLINE\b.*?\b(ring\w*)\s*\(", stripped)
        if m:
            name = m.group(1)
            text = re.sub(r"^/\*[\s*]*", "", comment)
            internal = (internal_section or name.startswith("ringi_")
                        or text.startswith("Internal"))
            calls[name] = not internal
        if stripped:
            comment = ""
    return calls


def exports(nm, library):
    """{name: version} of the functions a shared library exports."""
    out = subprocess.run([nm, "-D", "--defined-only", library], check=True,
                         capture_output=True, text=True).stdout
    found = {}
    for line in out.splitlines():
        fields = line.split()
        if len(fields) == 3 and fields[1] in "TW" and "@" in fields[2]:
            name, _, version = fields[2].partition("@")
            found[name] = version.lstrip("@")
    return found


def main():
    header, libring, libring_ffi, nm = sys.argv[1:5]
    calls = inline_calls(header)
    public = {name for name, is_public in calls.items() if is_public}
    internal = set(calls) - public
    if len(public) < 10:
        sys.exit(f"check_exports: found only {sorted(public)} in {header}")

    ring = exports(nm, libring)
    ffi = exports(nm, libring_ffi)
    ffi_own = {name for name, version in ffi.items()
               if version.startswith("LIBRING_FFI_")}
    problems = []
    for name in sorted(public - ffi_own):
        problems.append(f"{name} is a public inline call of ring.h, but "
                        f"libring-ffi exports no copy of it (add it to "
                        f"src/libring-ffi.map)")
    for name in sorted(ffi_own - public - FFI_EXTRAS):
        why = "internal" if name in internal else "not an inline call"
        problems.append(f"libring-ffi exports {name}, which is {why} in "
                        f"ring.h (remove it from src/libring-ffi.map)")
    for name in sorted(FFI_EXTRAS - ffi_own):
        problems.append(f"libring-ffi does not export {name}")
    for name, version in sorted(ring.items()):
        if ffi.get(name) != version:
            problems.append(f"libring exports {name}@{version}, libring-ffi "
                            f"{'@' + ffi[name] if name in ffi else 'nothing'}")
    for p in problems:
        print(f"check_exports: {p}", file=sys.stderr)
    if problems:
        sys.exit(1)
    print(f"check_exports: libring-ffi exports all {len(public)} public "
          f"inline calls of ring.h, {len(FFI_EXTRAS)} calls of its own and "
          f"the {len(ring)} of libring")


if __name__ == "__main__":
    main()
