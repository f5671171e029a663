#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Checks the built man pages against the headers, the version scripts and
the tools.

  check_pages.py --header include/ring.h [--header ...] --cc cc [-I DIR ...]
                 --map src/libring.map [--map ...] --pending man/pending.txt
                 --pages BUILD/man [--tool ringcat=PATH ...]

What it checks:
  - every call of the API has a page or a link that `man NAME` follows: the
    names the version scripts export, and every function the public headers
    declare with the public prefix ring_ (internal ones are ringi_);
  - every page's SYNOPSIS includes the header that declares each call and
    states the call exactly as it does (return type, parameter types and
    names), its structures and #defines too, and names no call the headers
    do not have; the headers are read through the C preprocessor, so their
    comments and macros cannot fool the parser;
  - each section 3 page has the sections of mdoc(7) in its order, every
    .Fn and .Xr naming a ring call or page leads to one that exists,
    ring(7) lists every page, and every example compiles against the
    headers with -Wall -Wextra -Werror;
  - mandoc -T lint, groff -ww and man print nothing about any page, but for
    the messages ACCEPTED below;
  - the tools' pages name every option of their --help, and no other.

pending.txt lists the calls that differ between the pages and main's
headers while other branches land: "new" calls the pages document before
the headers have them, "old" names the headers still have but the pages no
longer document. An entry that no longer applies is an error, so the list
only ever shrinks.
"""
import argparse
import os
import re
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor

# mandoc messages that are not defects here, and why.
ACCEPTED = [
    # The base-system convention of the BSDs is an empty .Os; a library
    # outside a base system names itself and its version in the footer.
    (re.compile(r"STYLE: operating system explicitly specified"), "Os"),
    # Whether a referenced page is installed is the machine's business
    # (unix(7) needs manpages, memfd_create(2) manpages-dev), and so the
    # answer would depend on the machine; check_references() below checks
    # the references to ring's own pages.
    (re.compile(r"STYLE: referenced manual not found"), "Xr"),
    # Said on standard error about the machine's own manual database, when
    # a referenced page is installed but not indexed: not about the page.
    (re.compile(r"outdated mandoc\.db lacks"), "mandoc.db"),
]

# The sections of a section 3 page, in mdoc(7)'s order.
SECTIONS = ["NAME", "LIBRARY", "SYNOPSIS", "DESCRIPTION", "RETURN VALUES",
            "EXAMPLES", "ERRORS", "SEE ALSO"]

TOKEN = re.compile(r'"(?:\\.|[^"\\])*"|\'(?:\\.|[^\'\\])*\'|[A-Za-z_]\w*'
                   r'|\d\w*|\.\.\.|\S')

problems = []


def fail(message):
    problems.append(message)
    print("FAIL: " + message, file=sys.stderr)


def tokens(text):
    return TOKEN.findall(text)


def show(toks):
    """A token list as C text: "struct ring *r"."""
    text = " ".join(toks)
    return re.sub(r"\* (?=\w|\*)", "*", text).replace(" ,", ",")


def declaration(name, ret, params):
    """A prototype as C text: "void *ring_reserve(struct ring *r, ...)"."""
    return (show(ret + [name]) + "("
            + (", ".join(show(p) for p in params) or "void") + ")")


# ---------------------------------------------------------------------------
# The header, through the preprocessor.

def read_header(header, cc, include_dirs):
    """The preprocessed header, from the header itself (not from what it
    includes), with comments gone and macros expanded; and {name: value} of
    the object-like macros it defines."""
    command = [cc, "-E", "-dD", "-x", "c", "-std=c11"]
    command += ["-I" + d for d in include_dirs] + [header]
    out = subprocess.run(command, check=True, capture_output=True,
                         text=True).stdout
    code, macros, keep = [], {}, False
    want = os.path.realpath(header)
    for line in out.splitlines():
        marker = re.match(r'# \d+ "(.*)"', line)
        define = re.match(r"#define (\w+) (.*)", line)
        if marker:
            keep = os.path.realpath(marker.group(1)) == want
        elif keep and define:
            macros[define.group(1)] = define.group(2).strip()
        elif keep and not line.startswith("#"):
            code.append(line)
    return "\n".join(code), macros


def strip_attributes(toks):
    """Drops __attribute__((...)) and the storage words of a declaration."""
    out, i = [], 0
    while i < len(toks):
        if toks[i] == "__attribute__":
            i += 1
            depth = 0
            while i < len(toks):
                depth += {"(": 1, ")": -1}.get(toks[i], 0)
                i += 1
                if depth == 0:
                    break
            continue
        if toks[i] not in ("static", "inline", "extern", "__inline",
                           "__inline__"):
            out.append(toks[i])
        i += 1
    return out


def split_params(toks):
    """The parameters between a prototype's parentheses, split at the
    top-level commas; "(void)" is no parameter."""
    params, current, depth = [], [], 0
    for t in toks:
        if t == "," and depth == 0:
            params.append(current)
            current = []
            continue
        depth += {"(": 1, ")": -1}.get(t, 0)
        current.append(t)
    if current:
        params.append(current)
    return [] if params == [["void"]] else params


def prototype(stmt):
    """(name, return type, parameters) of a function declaration or
    definition, or None for any other declaration."""
    toks = strip_attributes(stmt)
    if len(toks) < 3 or toks[-1] != ")":
        return None
    depth = 0
    for open_at in range(len(toks) - 1, -1, -1):
        depth += {")": 1, "(": -1}.get(toks[open_at], 0)
        if depth == 0:
            break
    name_at = open_at - 1
    if name_at < 1 or not re.fullmatch(r"[A-Za-z_]\w*", toks[name_at]):
        return None
    if "(" in toks[:name_at] or "=" in toks:
        return None  # a function pointer or an initialised object
    return (toks[name_at], toks[:name_at],
            split_params(toks[open_at + 1:-1]))


def struct_bodies(toks):
    """{name: tokens of the body} for every "struct NAME { ... }" in toks."""
    bodies = {}
    for i in range(len(toks) - 2):
        if toks[i] == "struct" and toks[i + 2] == "{":
            depth, j = 0, i + 2
            while j < len(toks):
                depth += {"{": 1, "}": -1}.get(toks[j], 0)
                j += 1
                if depth == 0:
                    break
            bodies[toks[i + 1]] = toks[i + 3:j - 1]
    return bodies


def header_functions(text, name_of_header):
    """{name: (return type, parameters, header)} for every function the
    header declares or defines at file scope."""
    toks = tokens(text)
    functions, stmt, i = {}, [], 0
    while i < len(toks):
        t = toks[i]
        if t == ";":
            proto = prototype(stmt)
            if proto:
                functions[proto[0]] = (proto[1], proto[2], name_of_header)
            stmt, i = [], i + 1
        elif t == "{":
            depth, j = 0, i
            while j < len(toks):
                depth += {"{": 1, "}": -1}.get(toks[j], 0)
                j += 1
                if depth == 0:
                    break
            proto = prototype(stmt)
            if proto:
                functions[proto[0]] = (proto[1], proto[2], name_of_header)
                stmt = []
            else:
                stmt.append("{}")  # a struct's body; its ';' follows
            i = j
        else:
            stmt.append(t)
            i += 1
    return functions


def exported(maps):
    """The names the version scripts make global."""
    names = set()
    for path in maps:
        text = re.sub(r"/\*.*?\*/", "", open(path).read(), flags=re.S)
        for block in re.findall(r"global:(.*?)(?:local:|\})", text, re.S):
            names.update(re.findall(r"([A-Za-z_]\w*)\s*;", block))
    return names


def read_pending(path):
    """{name: (kind, owner)} from pending.txt."""
    pending = {}
    for number, line in enumerate(open(path), 1):
        line = line.split("#", 1)[0].split()
        if not line:
            continue
        if len(line) < 3 or line[1] not in ("new", "old"):
            fail(f"{path}:{number}: want 'NAME new|old OWNER'")
            continue
        pending[line[0]] = (line[1], line[2])
    return pending


# ---------------------------------------------------------------------------
# The pages.

def mdoc_args(line):
    """The arguments of an mdoc macro line, with mdoc's quoting."""
    args, current, quoted, i = [], "", False, 0
    started = False
    while i < len(line):
        c = line[i]
        if quoted:
            if c == '"' and line[i + 1:i + 2] == '"':
                current += '"'
                i += 1
            elif c == '"':
                quoted = False
            else:
                current += c
        elif c == '"':
            quoted = started = True
        elif c in " \t":
            if started:
                args.append(current)
            current, started = "", False
        else:
            current += c
            started = True
        i += 1
    if started:
        args.append(current)
    return args


def unescape(text):
    """Roff escapes as they render in a literal display."""
    return (text.replace("\\&", "").replace("\\-", "-").replace("\\e", "\\")
            .replace("\\(aq", "'").replace("\\(dq", '"'))


class Page:
    def __init__(self, path):
        self.path = path
        self.lines = open(path).read().splitlines()
        self.link = None
        self.mdoc = any(l.startswith(".Dd") for l in self.lines)
        body = [l for l in self.lines if not l.startswith('.\\"')]
        if body and body[0].startswith(".so "):
            self.link = body[0].split()[1]
            return
        self.title = None
        self.names = []        # .Nm of the NAME section
        self.sections = []     # .Sh in order
        self.synopsis = []     # (name, return type, parameters, line, .In)
        self.examples = []     # the literal displays of EXAMPLES
        self.structs = []      # (line, text) of the SYNOPSIS displays
        self.defines = []      # (name, value, line) of .Fd #define
        self.references = []   # (macro, arguments, line number)
        section, ftype, fo, display, include = None, None, None, None, None
        for number, line in enumerate(self.lines, 1):
            macro = line.split()[0] if line.startswith(".") else None
            args = mdoc_args(line)[1:] if macro else []
            if display is not None:
                if macro == ".Ed":
                    into = (self.examples if section == "EXAMPLES"
                            else self.structs)
                    into.append((display[0], "\n".join(display[1])))
                    display = None
                else:
                    display[1].append(unescape(line))
                continue
            if macro == ".Dt" and args:
                self.title = args[0]
            elif macro == ".Sh":
                section = " ".join(args)
                self.sections.append(section)
            elif macro == ".Nm" and section == "NAME" and args:
                self.names.append(args[0].rstrip(","))
            elif section == "SYNOPSIS" and macro == ".Fd" and \
                    args[:1] == ["#define"] and len(args) > 2:
                self.defines.append((args[1], " ".join(args[2:]), number))
            elif section == "SYNOPSIS" and macro == ".In" and args:
                include = args[0]
            elif section == "SYNOPSIS" and macro == ".Ft":
                ftype = tokens(" ".join(args))
            elif section == "SYNOPSIS" and macro == ".Fn" and args:
                params = [tokens(a) for a in args[1:]]
                self.synopsis.append((args[0], ftype or [],
                                      [] if params == [["void"]] else params,
                                      number, include))
                ftype = None
            elif section == "SYNOPSIS" and macro == ".Fo" and args:
                fo = (args[0], ftype or [], [], number, include)
            elif section == "SYNOPSIS" and macro == ".Fa" and fo:
                fo[2].extend(tokens(a) for a in args)
            elif section == "SYNOPSIS" and macro == ".Fc" and fo:
                self.synopsis.append(fo)
                fo, ftype = None, None
            if macro == ".Bd" and "-literal" in args:
                if section in ("EXAMPLES", "SYNOPSIS"):
                    display = (number, [])
            if macro and section != "SYNOPSIS":
                words = [macro[1:]] + args
                for i, word in enumerate(words):
                    if word in ("Fn", "Fo", "Xr"):
                        self.references.append((word, words[i + 1:i + 3],
                                                number))


def load_pages(mandir):
    pages = {}
    for sub in sorted(os.listdir(mandir)):
        if not re.fullmatch(r"man\d", sub):
            continue
        for name in sorted(os.listdir(os.path.join(mandir, sub))):
            pages[f"{sub}/{name}"] = Page(os.path.join(mandir, sub, name))
    return pages


def run(command, **kw):
    return subprocess.run(command, capture_output=True, text=True, **kw)


def compare(where, name, page_proto, header_proto):
    ret, params = page_proto
    hret, hparams, header = header_proto
    if ret != hret or params != hparams:
        fail(f"{where}: the SYNOPSIS says {declaration(name, ret, params)}, "
             f"{header} says {declaration(name, hret, hparams)}")


def check_structs(where, page, header_structs):
    """A structure the SYNOPSIS shows has the header's members, comments
    aside."""
    for line, text in page.structs:
        for name, body in struct_bodies(tokens(strip_comments(text))).items():
            if name not in header_structs:
                fail(f"{where}:{line}: struct {name}: in no header")
            elif body != header_structs[name]:
                fail(f"{where}:{line}: struct {name} differs from the header:"
                     f" {show(body)} against {show(header_structs[name])}")


def check_defines(where, page, macros):
    """A macro the SYNOPSIS defines has the header's value."""
    for name, value, line in page.defines:
        if name not in macros:
            fail(f"{where}:{line}: #define {name}: in no header")
        elif tokens(value) != tokens(macros[name]):
            fail(f"{where}:{line}: #define {name} {value}, the header says "
                 f"{macros[name]}")


def strip_comments(text):
    return re.sub(r"/\*.*?\*/|//[^\n]*", " ", text, flags=re.S)


def python_problems(where, code, calls):
    """A Python example (libring-ffi through ctypes) compiles, and calls
    only calls that exist."""
    try:
        compile(code, where, "exec")
    except SyntaxError as e:
        return [f"{where}: the Python example does not compile: {e}"]
    return [f"{where}: the Python example calls {name}, which is no call"
            for name in sorted(set(re.findall(r"\b(ring_\w+)\b", code)))
            if name not in calls]


def example_problems(where, page, args, proposed, calls):
    """Each C example compiles against the headers with -Wall -Wextra -Werror.
    Calls the headers do not have yet are declared as the pages state them
    (in a header of that name, where none exists yet), so that the example
    is checked against those all the same."""
    if not page.examples:
        return [f"{where}: EXAMPLES holds no literal display (.Bd -literal)"]
    found = []
    with tempfile.TemporaryDirectory() as tmp:
        for line, code in page.examples:
            if code.lstrip().startswith(("import ", "from ")):
                found += python_problems(f"{where}:{line}", code, calls)
                continue
            source = os.path.join(tmp, "example.c")
            with open(source, "w") as f:
                f.write(code + "\n")
            command = [args.cc, "-std=gnu11", "-Wall", "-Wextra", "-Werror",
                       "-fsyntax-only", "-I" + tmp]
            command += ["-I" + d for d in args.include]
            shims = {}
            for name, (ret, params, include) in proposed.items():
                if re.search(rf"\b{name}\b", code):
                    exists = any(os.path.exists(os.path.join(d, include))
                                 for d in args.include)
                    shims.setdefault("proposed.h" if exists else include,
                                     []).append(declaration(name, ret, params))
            for shim, lines in shims.items():
                with open(os.path.join(tmp, shim), "w") as f:
                    f.write("#include <ring.h>\n" + ";\n".join(lines) + ";\n")
            if "proposed.h" in shims:
                command += ["-include", os.path.join(tmp, "proposed.h")]
            out = run(command + [source])
            if out.returncode != 0:
                found.append(f"{where}:{line}: the example does not compile:"
                             "\n" + out.stderr.strip())
    return found


def check_sections(where, page):
    present = [s for s in page.sections if s in SECTIONS]
    missing = [s for s in SECTIONS if s not in page.sections]
    if missing:
        fail(f"{where}: no section {', '.join(missing)}")
    if present != [s for s in SECTIONS if s in present]:
        fail(f"{where}: sections out of order: {', '.join(page.sections)}")


def check_references(where, page, pages, calls):
    """Every .Fn of a public name is a call, and every .Xr of a library
    page (sections 3 and 7) is a page; the tools' pages (section 1) are
    built only with the tools."""
    for macro, refs, line in page.references:
        if not refs:
            continue
        name = refs[0]
        if macro in ("Fn", "Fo") and name.startswith("ring_"):
            if name not in calls:
                fail(f"{where}:{line}: {macro} {name}: no such call")
        elif macro == "Xr" and len(refs) > 1 and refs[1] in ("3", "7") and \
                (name == "ring" or name.startswith("ring_")):
            if f"man{refs[1]}/{name}.{refs[1]}" not in pages:
                fail(f"{where}:{line}: Xr {name} {refs[1]}: no such page")


MAN_ENV = dict(os.environ, MANWIDTH="80", MANPAGER="cat", PAGER="cat")


def lint_problems(where, path, empty):
    """What mandoc -T lint, groff -ww and man say about a page."""
    found = []
    out = run(["mandoc", "-T", "lint", "-W", "all", path],
              env=dict(os.environ, MANPATH=empty))
    for message in (out.stdout + out.stderr).splitlines():
        if message.strip() and not any(r.search(message) for r, _ in ACCEPTED):
            found.append(f"mandoc: {message}")
    macros = "-mdoc" if Page(path).mdoc else "-man"
    out = run(["groff", macros, "-Tutf8", "-ww", "-z", path])
    if out.stdout.strip() or out.stderr.strip():
        found.append(f"groff on {where}: {(out.stdout + out.stderr).strip()}")
    out = run(["man", "-l", path], env=MAN_ENV)
    if out.stderr.strip():
        found.append(f"man -l {where}: {out.stderr.strip()}")
    if out.stdout.count("\n") < 20:
        found.append(f"{where} renders almost nothing")
    return found


def man_problems(name, title, mandir):
    """`man NAME` shows the page TITLE(3)."""
    out = run(["man", "-M", mandir, name], env=MAN_ENV)
    first = out.stdout.lstrip().split("\n", 1)[0]
    if first.startswith(f"{title}(3)"):
        return []
    return [f"man {name} does not show {title}(3): "
            f"{(first or out.stderr).strip()}"]


def in_parallel(jobs):
    """Runs the jobs (function, arguments...), each returning a list of
    problems, on every CPU; reports the problems in the order of the jobs."""
    with ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as pool:
        futures = [pool.submit(job[0], *job[1:]) for job in jobs]
        for future in futures:
            for message in future.result():
                fail(message)


def check_tool(tool, page):
    """The tool's page and its --help name the same long options."""
    out = run([tool, "--help"])
    if out.returncode != 0:
        fail(f"{tool} --help failed")
        return
    text = run(["man", "-l", page], env=MAN_ENV).stdout
    options = lambda s: set(re.findall(r"--[a-z][a-z-]*", s))
    name = os.path.basename(page)
    for opt in sorted(options(out.stdout + out.stderr) - options(text)):
        fail(f"{name} does not mention {opt}")
    for opt in sorted(options(text) - options(out.stdout + out.stderr)):
        fail(f"{name} names {opt}, which {os.path.basename(tool)} "
             "does not know")


def public_calls(header, exports, pending):
    """The calls that need a page: what the headers declare and the version
    scripts export with the public prefix (ringi_ is internal, exported or
    not), as pending.txt corrects them while other branches land."""
    public = {n for n in set(header) | exports if n.startswith("ring_")}
    for name in sorted(exports - set(header)):
        # An internal variable of the fast path (ringi_epoch) is exported
        # and declared, but is no call.
        if not name.startswith("ringi_"):
            fail(f"{name}: exported by a version script, declared in no "
                 "header")
    for name, (kind, owner) in sorted(pending.items()):
        if kind == "new" and name in public:
            fail(f"pending.txt: {name} is in the headers now ({owner} landed "
                 "it): delete its line")
        if kind == "old" and name not in public:
            fail(f"pending.txt: the headers no longer have {name} ({owner} "
                 "landed it): delete its line")
    old = {n for n, (k, _) in pending.items() if k == "old"}
    new = {n for n, (k, _) in pending.items() if k == "new"}
    return (public - old) | new


def check_call_page(where, page, header, pending, documented, proposed):
    """A section 3 page: its names, sections and SYNOPSIS. Fills
    documented (call -> page) and proposed (call -> prototype, for the
    calls the header does not have yet)."""
    stem = os.path.basename(where)[:-2]
    if page.title != stem.upper():
        fail(f"{where}: .Dt {page.title}, not {stem.upper()}")
    if not page.names or page.names[0] != stem:
        fail(f"{where}: the first name in NAME must be {stem}")
    check_sections(where, page)
    stated = {s[0] for s in page.synopsis}
    for name in page.names:
        if name not in stated:
            fail(f"{where}: {name} is in NAME, not in SYNOPSIS")
    for name, ret, params, line, include in page.synopsis:
        if name not in page.names:
            fail(f"{where}:{line}: {name} is in SYNOPSIS, not in NAME")
        if name in documented:
            fail(f"{where}: {name} is stated in {documented[name]} too")
        documented[name] = where
        kind = pending.get(name, ("",))[0]
        if name in header and kind != "old":
            compare(f"{where}:{line}", name, (ret, params), header[name])
            if include != header[name][2]:
                fail(f"{where}:{line}: {name} is declared in "
                     f"{header[name][2]}, the SYNOPSIS includes {include}")
        elif kind == "new":
            proposed[name] = (ret, params, include)
        elif kind == "old":
            fail(f"{where}: documents {name}, which pending.txt says is on "
                 "its way out")
        else:
            fail(f"{where}:{line}: {name}: no header declares such a call")


def check_coverage(calls, pages, documented, mandir):
    """Every call has a page or a link to the page that states it, `man
    NAME` shows that page, and no page or link names anything else."""
    shown = []
    for name in sorted(calls):
        where = f"man3/{name}.3"
        if name not in documented:
            fail(f"{name}: no page states it")
        elif where not in pages:
            fail(f"{name}: no {where}")
        elif pages[where].link and pages[where].link != documented[name]:
            fail(f"{where} leads to {pages[where].link}, not "
                 f"{documented[name]}")
        else:
            title = os.path.basename(documented[name])[:-2].upper()
            shown.append((man_problems, name, title, mandir))
    in_parallel(shown)
    for where, page in sorted(pages.items()):
        if page.link and page.link not in pages:
            fail(f"{where} leads to {page.link}, which does not exist")
        stem = os.path.basename(where).rsplit(".", 1)[0]
        if where.startswith("man3/") and stem not in calls:
            fail(f"{where}: {stem} is no call of the headers")
    overview = pages.get("man7/ring.7")
    if overview is None or overview.link:
        fail("no man7/ring.7")
        return
    listed = {refs[0] for macro, refs, _ in overview.references
              if macro == "Xr" and refs[1:] == ["3"]}
    for where, page in sorted(pages.items()):
        stem = os.path.basename(where)[:-2]
        if where.startswith("man3/") and not page.link and stem not in listed:
            fail(f"ring(7) does not list {stem}(3)")


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--header", action="append", required=True,
                   help="a public header; give each one")
    p.add_argument("--cc", required=True)
    p.add_argument("-I", dest="include", action="append", default=[])
    p.add_argument("--map", action="append", default=[])
    p.add_argument("--pending", required=True)
    p.add_argument("--pages", required=True)
    p.add_argument("--tool", action="append", default=[])
    args = p.parse_args()
    args.include = [d for arg in args.include for d in arg.split(";") if d]

    header, header_structs, macros = {}, {}, {}
    for path in args.header:
        text, defines = read_header(path, args.cc, args.include)
        header.update(header_functions(text, os.path.basename(path)))
        header_structs.update(struct_bodies(tokens(text)))
        macros.update(defines)
    if len(header) < 10:
        fail(f"found only {len(header)} functions in {', '.join(args.header)}")
    pending = read_pending(args.pending)
    calls = public_calls(header, exported(args.map), pending)

    mandir = args.pages
    pages = load_pages(mandir)
    documented, proposed = {}, {}
    for where, page in sorted(pages.items()):
        if where.startswith("man3/") and not page.link:
            check_call_page(where, page, header, pending, documented,
                            proposed)
        if page.mdoc and not page.link:
            check_references(where, page, pages, calls)
            check_structs(where, page, header_structs)
            check_defines(where, page, macros)
    with tempfile.TemporaryDirectory() as empty:
        in_parallel([(lint_problems, where, os.path.join(mandir, where), empty)
                     for where, page in sorted(pages.items())
                     if not page.link])
    in_parallel([(example_problems, where, page, args, proposed, calls)
                 for where, page in sorted(pages.items())
                 if page.mdoc and not page.link])
    check_coverage(calls, pages, documented, mandir)

    for spec in args.tool:
        name, _, path = spec.partition("=")
        page = os.path.join(mandir, "man1", name + ".1")
        if os.path.exists(page):
            check_tool(path, page)
        else:
            fail(f"no man1/{name}.1")

    if problems:
        print(f"check_pages: {len(problems)} problems", file=sys.stderr)
        return 1
    links = sum(1 for p in pages.values() if p.link)
    print(f"check_pages: {len(calls)} calls, {len(pages) - links} pages, "
          f"{links} links: ok")
    return 0


if __name__ == "__main__":
    sys.exit(main())
