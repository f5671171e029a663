# SPDX-License-Identifier: MIT
# ring-man.awk: writes the section 3 man pages of ring from the comments of
# include/ring.h, so that the pages and the header never disagree.
#
#   awk -v outdir=DIR -v version=1.0.0 -v date=2025-01-31 \
#       -f ring-man.awk include/ring.h
#
# Plain POSIX awk (mawk is enough): no Python or Perl at build time.
#
# What it reads in the header:
#   - Section banners: a line of dashes in a comment, then a title line.
#     A title that says "See ring_xxx(3)." puts what follows on that page;
#     one that says "Internal." hides what follows. Any other title is an
#     error, so nothing lands on a page by accident.
#   - A comment that ends on the line before a declaration documents it.
#     Declarations are the lines that start with RING_API or RING_INLINE,
#     and structs under a page banner. A comment whose first word is
#     "Internal" hides its declaration.
#   - The first comment of a section that stands alone (a blank line after
#     it) opens the page's description.
#   - `#define RING_NAME <number>` before the first banner: constants,
#     shown on every page whose text names them.
#   - In each comment, the sentence that starts with "Returns" (or the
#     clause after "; returns") is the return value; a function that
#     returns something without saying what is an error.
#
# Writes DIR/man3/<page>.3 for each page, DIR/man3/<function>.3 holding
# `.so man3/<page>.3` for each function, and, last, DIR/index.txt: one line
# per function declared, "name<TAB>page" or "name<TAB>internal". DIR/man3
# must exist.

BEGIN {
    npages = split("ring_setup ring_sharing ring_bytes ring_records " \
                   "ring_waiting", page_order, " ")
    summary["ring_setup"] = "create, attach to and close a shared-memory ring"
    summary["ring_sharing"] = \
        "pass a ring to another process over a UNIX socket"
    summary["ring_bytes"] = "write and read a byte stream through a ring"
    summary["ring_records"] = \
        "send and receive records (whole messages) through a ring"
    summary["ring_waiting"] = \
        "wait until a ring is readable or writable, or poll it from an " \
        "event loop"
    for (i = 1; i <= npages; i++)
        known_page[page_order[i]] = 1

    if (outdir == "" || version == "" || date == "")
        fatal("run with -v outdir=DIR -v version=V -v date=YYYY-MM-DD")
    section = ""          # "" before the first banner, "-" when internal
    expect_title = 0
    in_comment = 0
    in_decl = 0
    in_body = 0
    in_struct = 0
    comment_end = -10
    nitems = 0
    ngroups = 0
    index_lines = ""
}

function fatal(msg) {
    fatal_at(FNR, msg)
}

function fatal_at(line, msg) {
    printf "ring-man.awk: %s:%d: %s\n", header, line, msg > "/dev/stderr"
    failed = 1
    exit 1
}

function trim(s) {
    sub(/^[ \t]+/, "", s)
    sub(/[ \t]+$/, "", s)
    return s
}

# The text of a C comment: delimiters and leading stars gone, one line per
# line, a line "" between paragraphs.
function comment_text(raw,    n, lines, i, line, out) {
    n = split(raw, lines, "\n")
    out = ""
    for (i = 1; i <= n; i++) {
        line = lines[i]
        sub(/^[ \t]*\/\*/, "", line)
        sub(/\*\/[ \t]*$/, "", line)
        sub(/^[ \t]*\*( |$)/, "", line)
        line = trim(line)
        if (line == "" && (i == 1 || i == n))
            continue
        out = out line "\n"
    }
    return out
}

# Paragraphs of a comment's text, each one line, in para[1..n].
function paragraphs(text, para,    n, lines, i, count) {
    n = split(text, lines, "\n")
    count = 0
    para[1] = ""
    for (i = 1; i <= n; i++) {
        if (lines[i] == "") {
            if (para[count + 1] != "")
                count++
            para[count + 1] = ""
            continue
        }
        para[count + 1] = para[count + 1] \
            (para[count + 1] == "" ? "" : " ") lines[i]
    }
    if (para[count + 1] != "")
        count++
    return count
}

# Splits a paragraph into sentences, sent[1..n]: at ". " outside
# parentheses, before a capital, a digit, a minus or a quote.
function sentences(p, sent,    n, i, c, depth, start, next_c) {
    n = 0
    depth = 0
    start = 1
    for (i = 1; i <= length(p); i++) {
        c = substr(p, i, 1)
        if (c == "(")
            depth++
        else if (c == ")" && depth > 0)
            depth--
        else if (c == "." && depth == 0 && substr(p, i + 1, 1) == " ") {
            next_c = substr(p, i + 2, 1)
            if (next_c ~ /[A-Z0-9"-]/) {
                sent[++n] = trim(substr(p, start, i - start + 1))
                start = i + 2
            }
        }
    }
    if (trim(substr(p, start)) != "")
        sent[++n] = trim(substr(p, start))
    return n
}

# Text for roff: function names bold, constants and error names bold, the
# parameters of the call italic, minus signs as \-, backslashes escaped.
# A word that holds an identifier starts with \%, so that it is never
# hyphenated (\% anywhere else in a word would add a break point).
function roff_text(s, params,    out, word, protect, i, c, prev, id, rest) {
    gsub(/\\/, "\\e", s)
    out = ""
    word = ""
    protect = 0
    prev = " "
    i = 1
    while (i <= length(s)) {
        c = substr(s, i, 1)
        if (c ~ /[A-Za-z_]/) {
            rest = substr(s, i)
            match(rest, /^[A-Za-z_][A-Za-z0-9_]*/)
            id = substr(rest, 1, RLENGTH)
            if (id ~ /^ring_/ &&
                (substr(rest, RLENGTH + 1, 1) == "(" || id in public))
                word = word "\\fB" id "\\fP"
            else if (id ~ /^RING_[A-Z_]+$/)
                word = word "\\fB" id "\\fP"
            else if (id ~ /^E[A-Z0-9]+$/ && prev == "-")
                word = word "\\fB" id "\\fP"
            else if ((" " params " ") ~ (" " id " "))
                word = word "\\fI" id "\\fP"
            else
                word = word id
            if (id ~ /_/ || word ~ /\\f[BI]/)
                protect = 1
            i += RLENGTH
            prev = substr(id, RLENGTH, 1)
            continue
        }
        if (c == " ") {
            out = out (protect ? "\\%" : "") word " "
            word = ""
            protect = 0
        } else if (c == "-" && prev ~ /[ (,[]/ &&
                   substr(s, i + 1, 1) ~ /[A-Za-z0-9]/) {
            word = word "\\-"
        } else {
            word = word c
        }
        prev = c
        i++
    }
    out = out (protect ? "\\%" : "") word
    if (out ~ /^['.]/)
        out = "\\&" out
    return out
}

# Breaks a line of roff text at spaces to keep input lines short; a piece
# that would start with a control character is protected with \&.
function wrap(line,    out, cut, piece) {
    out = ""
    while (length(line) > 72) {
        cut = 0
        for (piece = 72; piece > 20; piece--)
            if (substr(line, piece, 1) == " ") {
                cut = piece
                break
            }
        if (cut == 0)
            break
        out = out substr(line, 1, cut - 1) "\n"
        line = substr(line, cut + 1)
        if (line ~ /^['.]/)
            line = "\\&" line
    }
    return out line
}

# A paragraph as roff: one sentence per line.
function roff_paragraph(p, params,    sent, n, i, out) {
    n = sentences(p, sent)
    out = ""
    for (i = 1; i <= n; i++)
        out = out wrap(roff_text(sent[i], params)) "\n"
    return out
}

# ".BI" line for a prototype: the names of the parameters in italics.
function synopsis_line(sig,    open, close_, head, plist, tail, n, parts, i,
                       p, name, out) {
    open = index(sig, "(")
    # The parameter list is the last parenthesis pair (RING_ATOMIC(...)
    # may come first, in the return type).
    for (i = length(sig); i > 0; i--)
        if (substr(sig, i, 1) == "(") {
            open = i
            break
        }
    close_ = length(sig)
    head = substr(sig, 1, open)
    plist = substr(sig, open + 1, close_ - open - 1)
    tail = ");"
    n = split(plist, parts, ", ")
    out = ".BI \"" head
    for (i = 1; i <= n; i++) {
        p = parts[i]
        match(p, /[A-Za-z_][A-Za-z0-9_]*$/)
        name = substr(p, RSTART)
        out = out (i > 1 ? ", " : "") substr(p, 1, RSTART - 1) "\" " \
              name " \""
    }
    return out tail "\""
}

# The names of a prototype's parameters, space-separated.
function param_names(sig,    open, i, plist, n, parts, out) {
    for (i = length(sig); i > 0; i--)
        if (substr(sig, i, 1) == "(") {
            open = i
            break
        }
    plist = substr(sig, open + 1, length(sig) - open - 1)
    n = split(plist, parts, ", ")
    out = ""
    for (i = 1; i <= n; i++) {
        match(parts[i], /[A-Za-z_][A-Za-z0-9_]*$/)
        out = out " " substr(parts[i], RSTART)
    }
    return out
}

function finish_decl(    sig, name, internal, first) {
    sig = decl
    gsub(/[ \t\n]+/, " ", sig)
    sub(/^RING_(API|INLINE) /, "", sig)
    sub(/ *;? *$/, "", sig)
    if (sig ~ /^extern /)
        return # a variable of the fast path: internal
    if (!match(sig, /ringi?_[a-z0-9_]+\(/))
        fatal("no ring_ function name in: " sig)
    name = substr(sig, RSTART, RLENGTH - 1)
    first = decl_comment
    sub(/^[ \t\n]+/, "", first)
    internal = section == "-" || first ~ /^Internal[.,]/
    if (section == "" && !internal)
        fatal(name " is declared before the first section banner")
    index_lines = index_lines name "\t" (internal ? "internal" : section) "\n"
    if (internal)
        return
    if (decl_comment == "")
        fatal(name " has no comment in the header: it is the reference")
    nitems++
    item_kind[nitems] = "function"
    item_name[nitems] = name
    item_sig[nitems] = sig
    item_text[nitems] = decl_comment
    item_page[nitems] = section
    item_line[nitems] = decl_line
    item_inline[nitems] = decl_inline
    item_void[nitems] = sig ~ /^void [a-z]/
}

function finish_struct(    name) {
    match(struct_text, /^struct [a-z_]+/)
    name = substr(struct_text, 1, RLENGTH)
    if (section == "" || section == "-")
        return
    if (struct_comment == "")
        fatal(name " has no comment in the header")
    nitems++
    item_kind[nitems] = "struct"
    item_name[nitems] = name
    item_sig[nitems] = struct_text
    item_text[nitems] = struct_comment
    item_page[nitems] = section
}

# ---------------------------------------------------------------------------
# Reading the header, line by line.

FNR == 1 {
    header = FILENAME
}

in_body {
    line = $0
    depth += gsub(/\{/, "{", line) - gsub(/\}/, "}", line)
    if (depth == 0)
        in_body = 0
    next
}

in_struct {
    struct_text = struct_text "\n" $0
    if ($0 ~ /^};/) {
        in_struct = 0
        finish_struct()
    }
    next
}

in_decl {
    if ($0 ~ /^\{/) {
        in_decl = 0
        finish_decl()
        in_body = 1
        depth = 1
        next
    }
    decl = decl "\n" $0
    if ($0 ~ /;/) {
        in_decl = 0
        finish_decl()
    }
    next
}

in_comment {
    comment_raw = comment_raw "\n" $0
    if ($0 ~ /\*\//) {
        in_comment = 0
        last_comment = comment_text(comment_raw)
        comment_end = FNR
    }
    next
}

/^\/\* -+ \*\/$/ {
    expect_title = 1
    next
}

expect_title {
    expect_title = 0
    title = $0
    sub(/^\/\* */, "", title)
    sub(/ *\*\/$/, "", title)
    if (match(title, /See ring_[a-z_]+\(3\)\./)) {
        section = substr(title, RSTART + 4, RLENGTH - 8)
        if (!(section in known_page))
            fatal("banner names " section "(3), a page this script does " \
                  "not know (add it to BEGIN)")
    } else if (title ~ /Internal\.$/) {
        section = "-"
    } else {
        fatal("section banner '" title "' names no page (\"See " \
              "ring_xxx(3).\") and does not say \"Internal.\"")
    }
    section_fresh = 1
    next
}

/^\/\*/ {
    comment_raw = $0
    if ($0 ~ /\*\//) {
        last_comment = comment_text(comment_raw)
        comment_end = FNR
    } else {
        in_comment = 1
    }
    next
}

/^[ \t]*$/ {
    # A comment that stands alone: the first one of a section opens the
    # page.
    if (comment_end == FNR - 1 && section_fresh && section != "" &&
        section != "-")
        intro[section] = intro[section] last_comment "\n"
    if (comment_end == FNR - 1)
        section_fresh = 0
    next
}

/^RING_(API|INLINE) / {
    decl = $0
    decl_line = FNR
    decl_comment = comment_end == FNR - 1 ? last_comment : ""
    decl_inline = $0 ~ /^RING_INLINE/
    section_fresh = 0
    if ($0 ~ /;/)
        finish_decl()
    else
        in_decl = 1
    next
}

/^struct [a-z_]+ \{$/ {
    struct_text = $0
    struct_comment = comment_end == FNR - 1 ? last_comment : ""
    section_fresh = 0
    in_struct = 1
    next
}

/^#define RING_[A-Z_]+ +[0-9]+u?( |$)/ {
    if (section != "")
        fatal("constants belong before the first section banner")
    # A comment right above starts a group; defines in a row share it.
    if (comment_end == FNR - 1 || last_define != FNR - 1) {
        ngroups++
        group_comment[ngroups] = comment_end == FNR - 1 ? last_comment : ""
        group_lines[ngroups] = ""
        group_names[ngroups] = ""
    }
    group_lines[ngroups] = group_lines[ngroups] $0 "\n"
    group_names[ngroups] = group_names[ngroups] " " $2
    last_define = FNR
    next
}

# ---------------------------------------------------------------------------
# Writing the pages.

function page_text(page,    i, all) {
    all = intro[page]
    for (i = 1; i <= nitems; i++)
        if (item_page[i] == page)
            all = all " " item_text[i]
    return all
}

function bold_list(names, sep_last,    n, parts, i, out) {
    n = split(names, parts, " ")
    out = ""
    for (i = 1; i <= n; i++)
        out = out (i == 1 ? "" : i == n ? sep_last : ", ") \
              "\\fB\\%" parts[i] "\\fP()"
    return out
}

function write_page(page,    file, i, j, n, para, np, all, names, g, words,
                    nw, sent, ns, ret, params, errs, nerr, err_names,
                    err_calls, tok, rest, voids, inlines, k, tmp, seen) {
    file = outdir "/man3/" page ".3"
    all = page_text(page)
    names = ""
    for (i = 1; i <= nitems; i++)
        if (item_page[i] == page && item_kind[i] == "function")
            names = names (names == "" ? "" : ", ") "\\%" item_name[i]
    if (names == "")
        fatal("page " page " has no function")

    print ".\\\" Generated from include/ring.h by man/ring-man.awk: edit the" > file
    print ".\\\" comments in the header, not this file." > file
    printf ".TH %s 3 %s \"ring %s\" \"ring Library Functions\"\n",
           toupper(page), date, version > file
    print ".SH NAME" > file
    print wrap(names " \\- " summary[page]) > file
    print ".SH LIBRARY" > file
    print "ring (libring, \\-lring; pkg-config: ring)" > file
    print ".SH SYNOPSIS" > file
    print ".nf" > file
    print ".B #include <ring.h>" > file
    for (g = 1; g <= ngroups; g++) {
        nw = split(group_names[g], words, " ")
        for (j = 1; j <= nw; j++)
            if (index(all, words[j])) {
                print ".PP" > file
                if (group_comment[g] != "") {
                    tmp = group_comment[g]
                    gsub(/\n+/, " ", tmp)
                    print "/* " trim(tmp) " */" > file
                }
                printf "%s", group_lines[g] > file
                used_group[g] = 1
                break
            }
    }
    for (i = 1; i <= nitems; i++) {
        if (item_page[i] != page)
            continue
        print ".PP" > file
        if (item_kind[i] == "struct")
            print item_sig[i] > file
        else
            print synopsis_line(item_sig[i]) > file
    }
    print ".fi" > file

    print ".SH DESCRIPTION" > file
    if (intro[page] != "") {
        np = paragraphs(intro[page], para)
        for (j = 1; j <= np; j++)
            printf "%s%s", (j > 1 ? ".PP\n" : ""),
                   roff_paragraph(para[j], "") > file
    }
    for (i = 1; i <= nitems; i++) {
        if (item_page[i] != page)
            continue
        if (item_kind[i] == "struct")
            print ".SS " item_name[i] > file
        else
            print ".SS " item_name[i] "()" > file
        params = item_kind[i] == "function" ? param_names(item_sig[i]) : ""
        np = paragraphs(item_text[i], para)
        for (j = 1; j <= np; j++)
            printf "%s%s", (j > 1 ? ".PP\n" : ""),
                   roff_paragraph(para[j], params) > file
    }

    print ".SH RETURN VALUE" > file
    voids = ""
    for (i = 1; i <= nitems; i++) {
        if (item_page[i] != page || item_kind[i] != "function")
            continue
        if (item_void[i]) {
            voids = voids " " item_name[i]
            continue
        }
        params = param_names(item_sig[i])
        ret = ""
        np = paragraphs(item_text[i], para)
        for (j = 1; j <= np; j++) {
            ns = sentences(para[j], sent)
            for (k = 1; k <= ns; k++) {
                if (sent[k] ~ /^Returns /)
                    ret = ret wrap(roff_text(sent[k], params)) "\n"
                else if (match(sent[k], /; returns /)) {
                    tmp = "Returns " substr(sent[k], RSTART + RLENGTH)
                    ret = ret wrap(roff_text(tmp, params)) "\n"
                }
            }
        }
        if (ret == "")
            fatal_at(item_line[i], item_name[i] " returns a value, but " \
                     "its comment has no sentence \"Returns ...\" (nor " \
                     "\"; returns ...\")")
        print ".TP" > file
        print ".BR \\%" item_name[i] " ()" > file
        printf "%s", ret > file
    }
    if (voids != "") {
        print ".PP" > file
        n = split(trim(voids), tmp_list, " ")
        print wrap(bold_list(trim(voids), " and ") \
              (n == 1 ? " returns" : " return") " no value.") > file
    }

    # Which calls can return which error, from the names in their text.
    nerr = 0
    for (i = 1; i <= nitems; i++) {
        if (item_page[i] != page || item_kind[i] != "function")
            continue
        rest = item_text[i]
        while (match(rest, /-E[A-Z0-9]+/)) {
            tok = substr(rest, RSTART + 1, RLENGTH - 1)
            rest = substr(rest, RSTART + RLENGTH)
            if (!((tok, item_name[i]) in seen)) {
                seen[tok, item_name[i]] = 1
                if (!(tok in err_calls))
                    err_names[++nerr] = tok
                err_calls[tok] = err_calls[tok] " " item_name[i]
            }
        }
    }
    if (nerr > 0) {
        # Insertion sort: there are a dozen at most.
        for (i = 2; i <= nerr; i++) {
            tmp = err_names[i]
            for (j = i - 1; j >= 1 && err_names[j] > tmp; j--)
                err_names[j + 1] = err_names[j]
            err_names[j + 1] = tmp
        }
        print ".SH ERRORS" > file
        print "Errors come back negated, as in \\-EINVAL;" > file
        print "RETURN VALUE says when each call returns which." > file
        for (i = 1; i <= nerr; i++) {
            print ".TP" > file
            print ".B " err_names[i] > file
            print wrap(bold_list(trim(err_calls[err_names[i]]), ", ")) > file
        }
    }

    inlines = ""
    for (i = 1; i <= nitems; i++)
        if (item_page[i] == page && item_kind[i] == "function" &&
            item_inline[i])
            inlines = inlines " " item_name[i]
    if (inlines != "") {
        print ".SH NOTES" > file
        n = split(trim(inlines), tmp_list, " ")
        print wrap(bold_list(trim(inlines), " and ")) > file
        print (n == 1 ? "is an inline function" : "are inline functions") \
              " in" > file
        print ".IR <ring.h> :" > file
        print "libring has no symbol for " (n == 1 ? "it" : "them") "." > file
    }

    print ".SH SEE ALSO" > file
    printf ".BR ring (7)" > file
    for (i = 1; i <= npages; i++)
        if (page_order[i] != page)
            printf ",\n.BR \\%%%s (3)", page_order[i] > file
    print "" > file
    close(file)
}

END {
    if (failed)
        exit 1
    if (in_comment || in_decl || in_body || in_struct)
        fatal("the header ends inside a comment, declaration or body")
    for (i = 1; i <= nitems; i++)
        if (item_kind[i] == "function")
            public[item_name[i]] = 1
    for (i = 1; i <= npages; i++)
        write_page(page_order[i])
    for (g = 1; g <= ngroups; g++)
        if (!used_group[g])
            fatal("no page names the constant(s)" group_names[g] \
                  ": name them in a comment")
    for (i = 1; i <= nitems; i++) {
        if (item_kind[i] != "function")
            continue
        file = outdir "/man3/" item_name[i] ".3"
        print ".so man3/" item_page[i] ".3" > file
        close(file)
    }
    # Last, once every page is written: the build's record of success.
    printf "%s", index_lines > (outdir "/index.txt")
    close(outdir "/index.txt")
}
