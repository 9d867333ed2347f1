#!/usr/bin/env bash
# damond as a process, against an in-process fake kernel (damond-fake): it starts the profiles, reloads on
# SIGHUP (and keeps the running version when the kernel refuses a reload: DAMOND_FAKE_INJECT makes a kernel
# write fail), stops them on SIGTERM and exits 0; with no valid profile it exits 78 (EX_CONFIG) at once.
# Usage: damond-fake.sh DAMOND_FAKE
set -euo pipefail
damond=$(realpath "$1")
tmp=$(mktemp -d)
pid=
trap '[ -z "$pid" ] || kill -KILL "$pid" 2>/dev/null || true; rm -rf "$tmp"' EXIT
fail() { echo "damond-fake.sh: $*" >&2; [ ! -f "$tmp/log" ] || cat "$tmp/log" >&2; exit 1; }
wait_for() {
        for _ in $(seq 100); do
                grep -q "$1" "$tmp/log" && return 0
                sleep 0.05
        done
        fail "no '$1' in the log"
}

mkdir "$tmp/conf" "$tmp/bad"
printf '[Profile]\nOperations=paddr\n[Target]\nRegion=4096-1073741824\n[Scheme cold]\nAction=pageout\nQuotaSize=64M\n' \
        >"$tmp/conf/reclaim.conf"
printf '[Profile]\nEnabled=maybe\n' >"$tmp/bad/broken.conf"

"$damond" --version | grep -q '^damond ' || fail "--version"

# the test build never runs the daemon against this machine's kernel: no --fake-kernel, no daemon
rc=0
"$damond" --config-dir="$tmp/conf" 2>"$tmp/log" || rc=$?
[ "$rc" = 1 ] || fail "without --fake-kernel: exit $rc, expected 1"
grep -q "only against --fake-kernel" "$tmp/log" || fail "without --fake-kernel: no refusal in the log"

# no valid profile: 78, and the error with its file and line
rc=0
"$damond" --fake-kernel=6.18 --config-dir="$tmp/bad" 2>"$tmp/log" || rc=$?
[ "$rc" = 78 ] || fail "no valid profile: exit $rc, expected 78"
grep -q "$tmp/bad/broken.conf:2: Enabled=maybe" "$tmp/log" || fail "no file:line for the error"

# the daemon: start, reload, stop
DAMOND_FAKE_INJECT="$tmp/inject" "$damond" --fake-kernel=6.18 --config-dir="$tmp/conf" 2>"$tmp/log" &
pid=$!
wait_for "Started profile 'reclaim'"
printf '[Profile]\nOperations=paddr\n[Target]\nRegion=4096-1073741824\n[Scheme cold]\nAction=pageout\nQuotaSize=32M\n' \
        >"$tmp/conf/reclaim.conf"
kill -HUP "$pid"
wait_for "Reloaded profile 'reclaim' online on kdamond 0 (2 files written)"
# a reload the kernel refuses (DAMOND_FAKE_INJECT): the previous version keeps running, the next reload applies it
echo "quotas/bytes EIO 1" >"$tmp/inject"
printf '[Profile]\nOperations=paddr\n[Target]\nRegion=4096-1073741824\n[Scheme cold]\nAction=pageout\nQuotaSize=16M\n' \
        >"$tmp/conf/reclaim.conf"
kill -HUP "$pid"
wait_for "The kernel refused the new version of profile 'reclaim', keeping the running one: writing '16777216'"
[ ! -e "$tmp/inject" ] || fail "the injection was not taken"
kill -HUP "$pid"
for _ in $(seq 100); do
        [ "$(grep -c "Reloaded profile 'reclaim' online" "$tmp/log")" = 2 ] && break
        sleep 0.05
done
[ "$(grep -c "Reloaded profile 'reclaim' online" "$tmp/log")" = 2 ] || fail "the reload after the refusal did not apply"
kill -TERM "$pid"
rc=0
wait "$pid" || rc=$?
pid=
[ "$rc" = 0 ] || fail "exit $rc after SIGTERM, expected 0"
grep -q "Stopped profile 'reclaim'" "$tmp/log" || fail "the profile was not stopped"
