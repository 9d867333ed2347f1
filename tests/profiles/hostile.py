#!/usr/bin/env python3
# The worst configuration inputs we know how to build, one of each kind, and what `damond --check-config`
# must do with each: finish within a time bound, stay within a memory bound, and refuse the input with an
# error that names the limit it exceeded.
#
# Usage: hostile.py generate DIR            write the inputs to DIR (for measuring by hand)
#        hostile.py check DAMOND [SECONDS] [MIB]   generate into a temporary directory, run DAMOND
#                                                  --check-config on each, print time and peak RSS
# Without bounds it checks 20 s and 1024 MiB per input: generous for sanitizer builds; the unfixed code
# took minutes and gigabytes on these (docs/benchmarks.md has the release-build numbers).
import os
import subprocess
import sys
import tempfile
import time

MIB = 1024 * 1024


def fill(unit, size=MIB - 4096, head=""):
    """@head, then @unit(i) for i = 0, 1, ... as long as the result stays under @size bytes."""
    out = [head]
    n = len(head)
    i = 0
    while True:
        s = unit(i)
        if n + len(s) > size:
            break
        out.append(s)
        n += len(s)
        i += 1
    return "".join(out)


def generate(d):
    """Writes every input below @d; returns [(name, main file, expected stderr substring)]."""
    cases = []

    def write(name, text):
        p = os.path.join(d, name)
        with open(p, "w", encoding="utf-8", newline="") as f:
            f.write(text)
        return p

    # Alternating section headers and keys: 35k sections; quadratic section lookup before.
    cases.append(("sections", write("sections.conf", fill(
        lambda i: f"[Scheme s{i}]\nAction=stat\n", head="[Monitor]\nSampleInterval=5ms\n")),
        "too many [Scheme] sections: at most 64 per profile"))
    # Goals, each naming its own scheme: duplicate-header checks and goal-to-scheme lookups.
    cases.append(("goals", write("goals.conf", fill(
        lambda i: f"[Goal g{i}]\nScheme=s{i % 50}\nMetric=some_mem_psi_us\nTarget=1ms\n",
        head="".join(f"[Scheme s{i}]\nAction=pageout\n" for i in range(50)))),
        "too many [Goal] sections: at most 128 per profile"))
    # The same header again and again: each one a duplicate.
    cases.append(("duplicates", write("duplicates.conf", fill(
        lambda i: f"[Scheme dup{i % 60}]\nAction=stat\n")),
        "duplicate section"))
    # One MiB of interleaved errors: bad lines, misspelt keys (each asks for a "did you mean"), bad values.
    cases.append(("errors", write("errors.conf", fill(
        lambda i: ["garbage line\n", "Actoin=stat\n", "MinSize=lots\n", "[Scheme e]\n"][i % 4],
        head="[Scheme e]\n")),
        "too many problems: only the first 1000 are listed"))
    # Misspelt keys only: the edit distance per key was the cost.
    cases.append(("unknown-keys", write("unknown-keys.conf", fill(
        lambda i: f"SampleIntervall{i % 10}=5ms\n", head="[Monitor]\n")),
        "more than 16384 settings and section headers"))
    # 10k schemes (issue 11, item 9).
    cases.append(("schemes", write("schemes.conf", "".join(
        f"[Scheme s{i}]\nAction=stat\n" for i in range(10000))),
        "too many [Scheme] sections: at most 64 per profile"))
    # 30k regions.
    cases.append(("regions", write("regions.conf", "[Profile]\nOperations=paddr\n[Target]\n" + "".join(
        f"Region=0x{(i * 2) << 20:x}-0x{(i * 2 + 1) << 20:x}\n" for i in range(30000)) +
        "[Scheme s]\nAction=stat\n"),
        "too many values: at most 256 Region= per section"))
    # 100k pids.
    cases.append(("pids", write("pids.conf", "[Profile]\nOperations=vaddr\n[Target]\n" + "".join(
        f"Pid={i + 1}\n" for i in range(100000)) + "[Scheme s]\nAction=stat\n"),
        "too many values: at most 256 Pid= per section"))
    # 40 hard links of one 1 MiB policy: distinct paths, so no include is read only once.
    big = write("big.conf", fill(lambda i: "Description=" + "x" * 180 + "\n", head="[Profile]\n"))
    for i in range(40):
        link = os.path.join(d, f"big{i}.conf")
        os.link(big, link)
    cases.append(("hardlinks", write("hardlinks.conf", "[Profile]\n" + "".join(
        f"Include={d}/big{i}.conf\n" for i in range(40))),
        "exceed 1048576 bytes in total"))
    # Thousands of includes of empty files: the cost per file read.
    os.mkdir(os.path.join(d, "empty"))
    empty = write("empty/e.conf", "")
    for i in range(1, 2000):
        os.link(empty, os.path.join(d, f"empty/e{i}.conf"))
    cases.append(("many-includes", write("many-includes.conf", "[Profile]\nInclude=empty/e.conf\n" + "".join(
        f"Include=empty/e{i}.conf\n" for i in range(1, 2000))),
        "more than 256 files read for this profile"))
    return cases


def run(damond, path):
    """Runs --check-config on @path; returns (exit status, stderr, seconds, peak RSS in MiB). GNU time
    measures: the rusage of a child forked from python would count python's own pages before the exec."""
    with tempfile.NamedTemporaryFile("r") as t:
        p = subprocess.run(["/usr/bin/time", "-o", t.name, "-f", "%e %M %x", damond, "--check-config",
                            "--kernel=6.18", path], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        seconds, kib, rc = t.read().split()[-3:]
    return int(rc), p.stderr.decode("utf-8", "replace"), float(seconds), int(kib) / 1024


def main():
    if len(sys.argv) >= 3 and sys.argv[1] == "generate":
        for name, path, _ in generate(sys.argv[2]):
            print(name, path)
        return 0
    if len(sys.argv) < 3 or sys.argv[1] != "check":
        print(__doc__ or "usage: hostile.py generate DIR | check DAMOND [SECONDS] [MIB]", file=sys.stderr)
        return 2
    damond = os.path.realpath(sys.argv[2])
    max_s = float(sys.argv[3]) if len(sys.argv) > 3 else 20.0
    max_mib = float(sys.argv[4]) if len(sys.argv) > 4 else 1024.0
    failed = 0
    with tempfile.TemporaryDirectory() as d:
        for name, path, expect in generate(d):
            rc, err, seconds, mib = run(damond, path)
            print(f"{name:14} {os.path.getsize(path):>8} bytes  {seconds:6.2f} s  {mib:7.1f} MiB  exit {rc}")
            problems = []
            if rc == 0:
                problems.append("accepted")
            if rc < 0 or rc > 1:
                problems.append(f"exit status {rc}")
            if expect not in err:
                problems.append(f"no '{expect}' on stderr; it began: {err[:300]!r}")
            if seconds > max_s:
                problems.append(f"took {seconds:.1f} s (bound {max_s} s)")
            if mib > max_mib:
                problems.append(f"peak RSS {mib:.0f} MiB (bound {max_mib} MiB)")
            for pr in problems:
                print(f"  FAIL {name}: {pr}")
            failed += bool(problems)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
