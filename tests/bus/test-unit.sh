#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Unit= targets (damond.conf(5)) against a stand-in for systemd (fake-systemd) on a private system bus,
# with damond-fake: the unit's cgroup is asked of systemd (LoadUnit, then ControlGroup) without
# blocking, its processes become the profile's targets, and the profile follows the unit as it stops
# (no cgroup: the profile waits) and starts again (told by PropertiesChanged, then by JobRemoved alone).
#
# Usage: test-unit.sh DAMOND_FAKE FAKE_SYSTEMD POLICY_FILE GEN. Needs dbus-daemon and busctl.
set -eu
damond=$1 fake_systemd=$2 policy=$3 gen=$4
here=$(cd "$(dirname "$0")" && pwd)

skip() { echo "SKIP: $*"; exit 77; }
[ "$(id -u)" = 0 ] || skip "needs root, to own org.damond1 on the private bus as installed"
for t in dbus-daemon busctl; do
        command -v "$t" >/dev/null 2>&1 || skip "$t is not installed"
done

tmp=$(mktemp -d "${TMPDIR:-/tmp}/damond-unit.XXXXXX")
dbus_pid= damond_pid= systemd_pid=
cleanup() {
        exec 3>&- 2>/dev/null || true
        for p in $damond_pid $systemd_pid $dbus_pid; do
                kill -TERM "$p" 2>/dev/null || true
        done
        wait 2>/dev/null || true
        rm -rf "$tmp"
}
trap cleanup EXIT

fail() {
        echo "FAIL ($gen): $*" >&2
        echo "--- damond's log:" >&2
        cat "$tmp/damond.log" >&2 || true
        echo "--- fake-systemd:" >&2
        cat "$tmp/systemd.out" "$tmp/systemd.log" >&2 || true
        exit 1
}
expect() { [ "$2" = "$3" ] || fail "$1: expected '$3', got '$2'"; }
wait_for() {    # wait_for WHAT COMMAND...: up to 20 s
        local what=$1
        shift
        for _ in $(seq 400); do
                "$@" >/dev/null 2>&1 && return 0
                sleep 0.05
        done
        fail "timed out waiting for $what"
}

export DBUS_SYSTEM_BUS_ADDRESS="unix:path=$tmp/bus"
unset DBUS_SESSION_BUS_ADDRESS
busctl() { command busctl --system "$@"; }
prof() { busctl get-property org.damond1 /org/damond1/profile/db org.damond1.Profile "$1"; }

extra='<policy context="default"><allow own="org.freedesktop.systemd1"/><allow send_destination="org.freedesktop.systemd1"/></policy>'
sed -e "s|@SOCKET@|$tmp/bus|" -e "s|@POLICY@|$policy|" -e "s|@EXTRA@|$extra|" \
        "$here/bus-config.xml.in" >"$tmp/bus.xml"
dbus-daemon --config-file="$tmp/bus.xml" --nofork --nopidfile 2>"$tmp/dbus.log" &
dbus_pid=$!
wait_for "the bus socket" test -S "$tmp/bus"

mkfifo "$tmp/systemd.in"
"$fake_systemd" <"$tmp/systemd.in" >"$tmp/systemd.out" 2>"$tmp/systemd.log" &
systemd_pid=$!
exec 3>"$tmp/systemd.in"
wait_for "fake-systemd on the bus" grep -q ready "$tmp/systemd.out"
systemd() { echo "$*" >&3; }

mkdir "$tmp/conf"
cat >"$tmp/conf/db.conf" <<'EOF2'
[Profile]
Description=The processes of a unit (bus test)
Operations=vaddr
[Target]
Unit=db.service
[Scheme s]
Action=pageout
QuotaSize=1M
[Goal usage]
Scheme=s
Metric=cgroup_mem_usage
Unit=db.service
Target=1G
EOF2

"$damond" --fake-kernel="$gen" --config-dir="$tmp/conf" 2>"$tmp/damond.log" &
damond_pid=$!
wait_for "damond on the bus" grep -q "Serving the D-Bus API as org.damond1" "$tmp/damond.log"
fake=$(sed -n "s/.*Running against a fake .* kernel in '\(.*\)'\./\1/p" "$tmp/damond.log")
[ -d "$fake" ] || fail "no fake kernel root in the log"

# two processes of the unit, one in a child cgroup, in the fake root
proc() { mkdir -p "$fake/proc/$1"; echo "$2" >"$fake/proc/$1/comm"; printf '%s\0' "$2" >"$fake/proc/$1/cmdline"; }
proc 4242 postgres
proc 4243 postgres
proc 4343 postgres
cg=$fake/sys/fs/cgroup/system.slice/db.service
mkdir -p "$cg/worker"
echo 4242 >"$cg/cgroup.procs"
echo 4243 >"$cg/worker/cgroup.procs"
echo 104857600 >"$cg/memory.current"
echo max >"$cg/memory.high"
echo max >"$cg/memory.max"

# --- not running: no cgroup, the profile waits ---
wait_for "the profile waiting" sh -c "busctl get-property org.damond1 /org/damond1/profile/db org.damond1.Profile State | grep -q waiting"
expect "Targets without a cgroup" "$(prof Targets)" 'as 1 "processes of unit db.service (no cgroup now)"'

# the pids of the running kdamond's targets, space-separated
targets() {
        local kd t out=
        for kd in "$fake"/sys/kernel/mm/damon/admin/kdamonds/[0-9]*; do
                [ "$(cat "$kd/state")" = on ] || continue
                for t in "$kd"/contexts/0/targets/[0-9]*; do
                        [ -f "$t/pid_target" ] && out="$out $(cat "$t/pid_target")"
                done
        done
        echo "${out# }"
}
targets_are() { [ "$(targets)" = "$1" ]; }

# --- the unit starts: PropertiesChanged, its processes (the child cgroup's too) are the targets ---
systemd set db.service /system.slice/db.service
wait_for "the unit's processes monitored" targets_are "4242 4243"
expect State "$(prof State)" 's "running"'
expect "Targets with a cgroup" "$(prof Targets)" \
        'as 3 "pid 4242 (postgres)" "pid 4243 (postgres)" "processes of unit db.service (cgroup /system.slice/db.service)"'
grep -q "Unit db.service is in cgroup /system.slice/db.service" "$tmp/damond.log" || fail "no journal line for the cgroup"
echo "  ok: started unit followed"
# the goal (Unit= in [Goal]) is measured on the unit's cgroup: 100M of memory.current against 1G
goal_measured() {
        busctl get-property org.damond1 /org/damond1/profile/db org.damond1.Profile Schemes |
                grep -q '"cgroup_mem_usage" true 1073741824 104857600 "/system.slice/db.service"'
}
wait_for "the unit's memory usage measured for its goal" goal_measured
echo "  ok: the goal reads the unit's cgroup"

# --- the unit stops: no cgroup. Its processes would exit and their kdamond stop by itself (the health
# check then has the profile wait); here the fake's processes stay, and so do their targets ---
systemd set db.service -
wait_for "the stopped unit without a cgroup" grep -q "Unit db.service has no cgroup now" "$tmp/damond.log"
expect "Targets after the stop" "$(prof Targets)" \
        'as 3 "pid 4242 (postgres)" "pid 4243 (postgres)" "processes of unit db.service (no cgroup now)"'
echo "  ok: stopped unit seen"

# --- it restarts with a new process, said only by JobRemoved (no PropertiesChanged) ---
echo 4343 >"$cg/cgroup.procs"
: >"$cg/worker/cgroup.procs"
systemd quiet db.service /system.slice/db.service
systemd job db.service
wait_for "the restarted unit's process monitored" targets_are 4343
echo "  ok: restarted unit followed (JobRemoved)"

# --- a slice moves: the same unit in another cgroup ---
mkdir -p "$fake/sys/fs/cgroup/other.slice/db.service"
echo 4242 >"$fake/sys/fs/cgroup/other.slice/db.service/cgroup.procs"
systemd set db.service /other.slice/db.service
wait_for "the moved unit's process monitored" targets_are 4242

# damond asked with LoadUnit once and subscribed, and never blocked: status answered all along
systemd calls
wait_for "fake-systemd's counters" grep -q "^load" "$tmp/systemd.out"
calls=$(grep "^load" "$tmp/systemd.out" | tail -n 1)
[[ "$calls" =~ ^load\ [1-9][0-9]*\ subscribe\ 1$ ]] || fail "LoadUnit/Subscribe calls: $calls"
# SIGTERM: damond stops cleanly, its Unit= state torn down with the bus (a freed UnitCgroups was once
# unhooked again by the bus's teardown: a crash at every stop)
kill -TERM "$damond_pid"
rc=0
wait "$damond_pid" || rc=$?
damond_pid=
[ "$rc" = 0 ] || fail "damond exited with status $rc on SIGTERM"
echo "unit@$gen: ok"
