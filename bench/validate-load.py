#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
# What the worst configuration inputs (tests/profiles/hostile.py) cost when an unprivileged caller sends
# them to the D-Bus Validate, and whether damond's event loop stalls meanwhile. Prints figures, never
# passes or fails on a time.
#
# Usage: validate-load.py BUILD_DIR     (a release build; needs root, dbus-daemon, busctl, setpriv)
#
# damond-fake (fake 6.12 kernel) runs on a private system bus with the hostile files as its configuration
# directory. For each input, `damonctl validate FILE` runs as nobody while bench/bus-latency reads a
# property in a loop over one bus connection, timing each call; the figures are the Validate's wall time,
# its child's CPU time and peak RSS (damond's debug log), and the slowest property read during it against
# the slowest before: how long damond's event loop could not answer. On a loaded machine that read also
# waits for a CPU, so the script counts too the CPU time damond's main thread (its event loop) spent during
# the call (/proc/PID/task/PID/schedstat), less what it spent answering the reads: no single block of the
# loop can be longer than that, whatever the load.
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

here = os.path.dirname(os.path.realpath(__file__))
sys.path.insert(0, os.path.join(here, "..", "tests", "profiles"))
import hostile  # noqa: E402


BUS_LATENCY = None
LOOP_PID = None


def loop_cpu_ns():
    with open(f"/proc/{LOOP_PID}/task/{LOOP_PID}/schedstat") as f:
        return int(f.read().split()[0])


def reads_during(f):
    """f()'s result, the read times (s) and the loop's CPU time (s) while f ran, reads included."""
    p = subprocess.Popen([BUS_LATENCY], stdout=subprocess.PIPE, text=True)
    try:
        c0 = loop_cpu_ns()
        r = f()
        c1 = loop_cpu_ns()
    finally:
        p.terminate()
        out, _ = p.communicate()
    return r, [int(line) / 1e6 for line in out.split()], (c1 - c0) / 1e9


def main():
    global BUS_LATENCY
    build = os.path.realpath(sys.argv[1])
    BUS_LATENCY = os.path.join(build, "bench/bus-latency")
    src = os.path.join(here, "..")
    fake = os.path.join(build, "tests/unit/damond-fake")
    damonctl = os.path.join(build, "daemon/damonctl")
    tmp = tempfile.mkdtemp(prefix="damond-validate-load.")
    os.chmod(tmp, 0o755)
    procs = []
    try:
        conf = os.path.join(tmp, "conf")
        os.mkdir(conf)
        cases = hostile.generate(conf)
        with open(os.path.join(conf, "damond.conf"), "w") as f:
            f.write("[Damond]\nLogLevel=debug\n")
        for root, dirs, files in os.walk(tmp):
            for n in dirs + files:
                os.chmod(os.path.join(root, n), 0o755 if n in dirs else 0o644)
        bus = os.path.join(tmp, "bus")
        with open(os.path.join(src, "tests/bus/bus-config.xml.in")) as f:
            xml = f.read().replace("@SOCKET@", bus).replace(
                "@POLICY@", os.path.join(src, "systemd/org.damond1.conf")).replace("@EXTRA@", "")
        with open(os.path.join(tmp, "bus.xml"), "w") as f:
            f.write(xml)
        os.environ["DBUS_SYSTEM_BUS_ADDRESS"] = "unix:path=" + bus
        procs.append(subprocess.Popen(["dbus-daemon", "--config-file=" + os.path.join(tmp, "bus.xml"),
                                       "--nofork", "--nopidfile"]))
        while not os.path.exists(bus):
            time.sleep(0.05)
        log = open(os.path.join(tmp, "damond.log"), "w+")
        t0 = time.monotonic()
        procs.append(subprocess.Popen([fake, "--fake-kernel=6.12", "--config-dir=" + conf], stderr=log))
        global LOOP_PID
        LOOP_PID = procs[-1].pid
        while "Serving the D-Bus API" not in open(log.name).read():
            time.sleep(0.05)
        print(f"damond-fake start-up with the hostile files installed: {time.monotonic() - t0:.2f} s")

        _, base, base_cpu = reads_during(lambda: time.sleep(3))
        per_read = base_cpu / max(len(base), 1)
        print(f"property read, idle: median {statistics.median(base) * 1000:.1f} ms, "
              f"max {max(base) * 1000:.1f} ms ({len(base)} reads; the loop's CPU per read "
              f"{per_read * 1e6:.0f} us)")
        print(f"{'input':16} {'Validate wall':>13} {'child CPU':>10} {'child RSS':>10} "
              f"{'reads':>6} {'read max':>9} {'loop CPU':>9}")

        def validate(args):
            t = time.monotonic()
            p = subprocess.run(["setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups", "--",
                                damonctl, "validate"] + args, stdout=subprocess.DEVNULL,
                               stderr=subprocess.PIPE)
            return time.monotonic() - t, p.returncode, p.stderr.decode("utf-8", "replace")

        inputs = [(name, [path]) for name, path, _ in cases]
        errors = os.path.join(conf, "errors.conf")
        many = os.path.join(tmp, "many")
        os.mkdir(many)
        os.chmod(many, 0o755)
        for i in range(24):
            shutil.copy(errors, os.path.join(many, f"e{i}.conf"))
        inputs.append(("24x1MiB-errors", [os.path.join(many, f"e{i}.conf") for i in range(24)]))
        inputs.append(("installed-set", []))
        for name, args in inputs:
            log.seek(0, os.SEEK_END)
            (wall, rc, err), lat, cpu_loop = reads_during(lambda: validate(args))
            time.sleep(0.2)
            log.seek(0)
            m = re.findall(r"Validate for uid \d+ took (\d+) ms, (\d+) ms of CPU, peak RSS (\d+) KiB", log.read())
            cpu, rss = (f"{int(m[-1][1])} ms", f"{int(m[-1][2]) / 1024:.1f} MiB") if m else ("?", "?")
            print(f"{name:16} {wall:12.2f}s {cpu:>10} {rss:>10} {len(lat):6} "
                  f"{(max(lat) * 1000 if lat else 0):7.1f}ms "
                  f"{max(cpu_loop - per_read * len(lat), 0) * 1000:7.1f}ms  (exit {rc})")
    finally:
        for p in reversed(procs):
            p.terminate()
            p.wait()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
