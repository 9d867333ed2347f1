#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Compares damond's introspection with its documentation (docs/dbus-api.md, which org.damond1(5) is
rendered from): every property, method and signal of an org.damond1.* interface must be documented
under its object path and interface with the same type or signature, and everything documented must
exist. Prints each difference and exits 1 if there is one.

  check-api-doc.py DBUS_API_MD PATH=INTROSPECTION_XML...
    PATH: /org/damond1 or /org/damond1/profile/NAME (as the document's headings name it)
"""
import re
import sys
import xml.etree.ElementTree as ET


def doc_members(md_path):
    members = {}    # (path, interface) -> {(kind, name): signature}
    section = None
    sub = ""
    with open(md_path, encoding="utf-8") as f:
        lines = f.read().splitlines()
    i = 0
    while i < len(lines):
        ln = lines[i]
        m = re.match(r"^## (/\S*): (org\.damond1\.\w+)$", ln)
        if m:
            section = (m.group(1), m.group(2))
            members.setdefault(section, {})
            sub = ""
        elif ln.startswith("## "):
            section = None
        elif ln.startswith("### "):
            sub = ln[4:].strip().lower()
        elif ln.startswith("|") and section:
            i += 2      # the header and the separator row
            while i < len(lines) and lines[i].startswith("|"):
                c = [x.strip() for x in lines[i].strip().strip("|").split("|")]
                name = c[0].strip("`")
                if len(c) == 3 and sub != "signals":
                    members[section][("property", name)] = c[1].strip("`")
                elif len(c) == 3:
                    members[section][("signal", name)] = types(c[1])
                elif len(c) == 4:
                    members[section][("method", name)] = types(c[1]) + " -> " + types(c[2])
                i += 1
            continue
        i += 1
    return members


def types(cell):
    """`b valid`, `as diagnostics` -> "bas" """
    return "".join(span.split()[0] for span in re.findall(r"`([^`]+)`", cell))


def xml_members(path, xml_file):
    members = {}
    for iface in ET.parse(xml_file).getroot().iter("interface"):
        name = iface.get("name")
        if not name.startswith("org.damond1."):
            continue
        got = members.setdefault((path, name), {})
        for p in iface.iter("property"):
            got[("property", p.get("name"))] = p.get("type")
        for mth in iface.iter("method"):
            ins = "".join(a.get("type") for a in mth.iter("arg") if a.get("direction", "in") == "in")
            outs = "".join(a.get("type") for a in mth.iter("arg") if a.get("direction") == "out")
            got[("method", mth.get("name"))] = ins + " -> " + outs
        for s in iface.iter("signal"):
            got[("signal", s.get("name"))] = "".join(a.get("type") for a in s.iter("arg"))
    return members


def main():
    documented = doc_members(sys.argv[1])
    seen = {}
    for arg in sys.argv[2:]:
        path, xml_file = arg.split("=", 1)
        seen.update(xml_members(path, xml_file))
    problems = []
    for key in sorted(set(seen) | set(documented)):
        path, iface = key
        if key not in documented:
            problems.append(f"{path} {iface}: the interface is not documented")
            continue
        if key not in seen:
            problems.append(f"{path} {iface}: documented, but damond does not have it")
            continue
        d, s = documented[key], seen[key]
        for member in sorted(set(d) | set(s)):
            kind, name = member
            if member not in d:
                problems.append(f"{path} {iface}: {kind} {name} ({s[member]}) is not documented")
            elif member not in s:
                problems.append(f"{path} {iface}: {kind} {name} is documented but does not exist")
            elif d[member] != s[member]:
                problems.append(f"{path} {iface}: {kind} {name}: documented as '{d[member]}', "
                                f"introspection says '{s[member]}'")
    for p in problems:
        print(p)
    n = sum(len(v) for v in seen.values())
    print(f"{n} members in {len(seen)} interfaces checked, {len(problems)} differences")
    sys.exit(1 if problems else 0)


if __name__ == "__main__":
    main()
