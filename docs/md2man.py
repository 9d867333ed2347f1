#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Renders docs/dbus-api.md as the man page org.damond1(5), so that the API has one text, read on the
web as Markdown and with man(1) on the machine. Only the Markdown that dbus-api.md uses is understood:
headings, paragraphs, "- " and "1. " lists (one level of nesting), tables, `code`, **bold** and
<!-- comments -->, which are left out.

  md2man.py INPUT.md OUTPUT.5 VERSION
"""
import re
import sys

TITLE = "org.damond1"
NAME_LINE = r"org.damond1 \- the D\-Bus interface of damond, the DAMON policy daemon"


def inline(text):
    out = []
    # code spans first, so that nothing inside them is read as emphasis
    for i, part in enumerate(re.split(r"(`[^`]*`)", text)):
        if i % 2:
            # a code span is copied into shells and busctl: its hyphens are minus signs, and it is not hyphenated
            out.append(r"\fB\%" + escape(part[1:-1]).replace("-", r"\-") + r"\fR")
        else:
            part = escape(part)
            part = re.sub(r"\*\*(.+?)\*\*", r"\\fB\1\\fR", part)
            out.append(part)
    return "".join(out)


def escape(text):
    return text.replace("\\", r"\e")


def line_safe(s):
    # a line starting with . or ' is a request to roff
    return r"\&" + s if s[:1] in (".", "'") else s


def cells(row):
    row = row.strip()
    if row.startswith("|"):
        row = row[1:]
    if row.endswith("|"):
        row = row[:-1]
    return [c.strip() for c in row.split("|")]


def render_table(header, rows, out):
    n = len(header)
    for r in rows:
        r = (r + [""] * n)[:n]
        name = inline(r[0])
        if n == 3 and r[1].count("`") > 2:     # a signal: its arguments
            tag = f"{name}({inline(r[1])})"
        elif n == 3:
            tag = f"{name} \\fI{escape(r[1].strip('`'))}\\fR"
        elif n == 4:
            ins = inline(r[1]) if r[1] else ""
            outs = inline(r[2]) if r[2] else ""
            tag = f"{name}({ins})" + (f" \\(-> {outs}" if outs else "")
        else:
            tag = " ".join(inline(c) for c in r[:-1])
        out.append(".TP")
        out.append(line_safe(tag))
        out.append(line_safe(inline(r[-1])))


def convert(lines, version):
    out = [
        ".\\\" SPDX-License-Identifier: GPL-2.0-or-later",
        ".\\\" Generated from docs/dbus-api.md by docs/md2man.py: edit that file, not this one.",
        f'.TH "{TITLE.upper()}" 5 "" "damond {version}" "{TITLE}"',
        ".SH NAME",
        NAME_LINE,
    ]
    i = 0
    in_list = None          # None, or the indent of the current list's items
    nested = False
    para_open = False
    described = False

    def close_nested():
        nonlocal nested
        if nested:
            out.append(".RE")
            nested = False

    while i < len(lines):
        ln = lines[i].rstrip("\n")
        if ln.startswith("# "):
            i += 1
            continue
        if ln.startswith("<!--"):
            while i < len(lines) and "-->" not in lines[i]:
                i += 1
            i += 1
            continue
        if not described and ln.strip():
            out.append(".SH DESCRIPTION")
            described = True
        m = re.match(r"^(#{2,3}) (.*)$", ln)
        if m:
            close_nested()
            in_list = None
            para_open = False
            title = m.group(2)
            if len(m.group(1)) == 2:
                # an object path or interface name keeps its case
                if "/" not in title and "." not in title:
                    title = title.upper()
                out.append(f'.SH "{inline(title)}"')
            else:
                out.append(f'.SS "{inline(title)}"')
            i += 1
            continue
        if ln.startswith("|"):
            close_nested()
            in_list = None
            para_open = False
            header = cells(ln)
            i += 2      # the separator row
            rows = []
            while i < len(lines) and lines[i].startswith("|"):
                rows.append(cells(lines[i]))
                i += 1
            render_table(header, rows, out)
            continue
        if not ln.strip():
            close_nested()
            in_list = None
            para_open = False
            i += 1
            continue
        m = re.match(r"^( *)(- |\d+\. )(.*)$", ln)
        if m:
            indent, marker, text = len(m.group(1)), m.group(2), m.group(3)
            if in_list is not None and indent > in_list:
                if not nested:
                    out.append(".RS 4")
                    nested = True
            else:
                close_nested()
                in_list = indent
            bullet = r"\(bu 2" if marker == "- " else marker.strip() + " 4"
            out.append(f".IP {bullet}")
            out.append(line_safe(inline(text)))
            para_open = True
            i += 1
            continue
        # a paragraph, or the continuation of a list item
        if not para_open:
            out.append(".PP")
            para_open = True
        out.append(line_safe(inline(ln.strip())))
        i += 1
    out.append(".SH \"SEE ALSO\"")
    out.append(r"\fBdamond\fR(8), \fBdamonctl\fR(1), \fBdamond.conf\fR(5), \fBbusctl\fR(1)")
    return "\n".join(out) + "\n"


def main():
    src, dst, version = sys.argv[1:4]
    with open(src, encoding="utf-8") as f:
        text = convert(f.readlines(), version)
    with open(dst, "w", encoding="utf-8") as f:
        f.write(text)


if __name__ == "__main__":
    main()
