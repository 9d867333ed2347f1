#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
# What the worst configuration inputs (tests/profiles/hostile.py) cost when an unprivileged caller sends
# them to the D-Bus Validate, and whether damond's event loop stalls meanwhile. Prints figures, never
# passes or fails on a time.
#
# Usage: validate-load.py BUILD_DIR     (a release build; needs root, dbus-daemon, busctl, setpriv)
#
# damond-fake (fake 6.12 kernel) runs on a private system bus with the hostile files as its configuration
# directory. For each input, `damonctl validate FILE` runs as nobody while a second process reads a
# property in a loop, timing each call; the figures are the Validate's wall time, its child's CPU time and
# peak RSS (damond's debug log), and the slowest property read during it against the slowest before.
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time

here = os.path.dirname(os.path.realpath(__file__))
sys.path.insert(0, os.path.join(here, "..", "tests", "profiles"))
import hostile  # noqa: E402


def read_loop(stop, out):
    while not stop.is_set():
        t = time.monotonic()
        subprocess.run(["busctl", "--system", "get-property", "org.damond1", "/org/damond1",
                        "org.damond1.Manager", "Version"], stdout=subprocess.DEVNULL, check=True)
        out.append(time.monotonic() - t)


def reads_during(f):
    stop, lat = threading.Event(), []
    th = threading.Thread(target=read_loop, args=(stop, lat))
    th.start()
    try:
        r = f()
    finally:
        stop.set()
        th.join()
    return r, lat


def main():
    build = os.path.realpath(sys.argv[1])
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
        while "Serving the D-Bus API" not in open(log.name).read():
            time.sleep(0.05)
        print(f"damond-fake start-up with the hostile files installed: {time.monotonic() - t0:.2f} s")

        _, base = reads_during(lambda: time.sleep(3))
        print(f"property read, idle: median {statistics.median(base) * 1000:.1f} ms, "
              f"max {max(base) * 1000:.1f} ms ({len(base)} reads)")
        print(f"{'input':16} {'Validate wall':>13} {'child CPU':>10} {'child RSS':>10} "
              f"{'reads':>6} {'read max':>9}")

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
            (wall, rc, err), lat = reads_during(lambda: validate(args))
            time.sleep(0.2)
            log.seek(0)
            m = re.findall(r"Validate for uid \d+ took (\d+) ms, (\d+) ms of CPU, peak RSS (\d+) KiB", log.read())
            cpu, rss = (f"{int(m[-1][1])} ms", f"{int(m[-1][2]) / 1024:.1f} MiB") if m else ("?", "?")
            print(f"{name:16} {wall:12.2f}s {cpu:>10} {rss:>10} {len(lat):6} "
                  f"{(max(lat) * 1000 if lat else 0):7.1f}ms  (exit {rc})")
    finally:
        for p in reversed(procs):
            p.terminate()
            p.wait()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
