#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# systemd-analyze verify of the configured damond.service, with ExecStart= pointed at the damond just
# built (the installed path need not exist here). Exits 77 (meson: skipped) without systemd-analyze.
#
#   test-unit-file.sh UNIT DAMOND_BUILT INSTALLED_SBINDIR
set -eu

unit=$1 built=$(realpath "$2") sbindir=$3

command -v systemd-analyze >/dev/null 2>&1 || { echo "SKIP: systemd-analyze is not installed"; exit 77; }

tmp=$(mktemp -d "${TMPDIR:-/tmp}/damond-unit-file.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

grep -qx "ExecStart=$sbindir/damond" "$unit" || { echo "FAIL: $unit has no ExecStart=$sbindir/damond"; exit 1; }
sed "s|^ExecStart=$sbindir/damond|ExecStart=$built|" "$unit" >"$tmp/damond.service"

# --man=no: the man pages are installed with the project, not here. Any output is a finding: verify
# prints warnings (unknown keys, bad values) without failing.
out=$(systemd-analyze verify --man=no "$tmp/damond.service" 2>&1) || rc=$?
if [ -n "$out" ] || [ "${rc:-0}" != 0 ]; then
        echo "$out"
        echo "FAIL: systemd-analyze verify (exit status ${rc:-0})"
        exit 1
fi
echo "systemd-analyze verify: clean"

# A crash loop ends by the start limit: StartLimitBurst= restarts RestartSec= apart must fit in
# StartLimitIntervalSec= (with the default 10 s and 2 s they never did: only exit status 78 stopped it).
sec() { case $1 in *min) echo $(( ${1%min} * 60 )) ;; *s) echo "${1%s}" ;; *) echo "$1" ;; esac; }
burst=$(sed -n 's/^StartLimitBurst=//p' "$unit")
interval=$(sec "$(sed -n 's/^StartLimitIntervalSec=//p' "$unit")")
restart=$(sec "$(sed -n 's/^RestartSec=//p' "$unit")")
[ -n "$burst" ] && [ -n "$interval" ] && [ -n "$restart" ] ||
        { echo "FAIL: StartLimitBurst=, StartLimitIntervalSec= and RestartSec= must all be set"; exit 1; }
[ $(( burst * restart * 2 )) -le "$interval" ] ||
        { echo "FAIL: $burst restarts $restart s apart cannot happen within $interval s: the crash loop never ends"; exit 1; }
echo "start limit: $burst starts within $interval s, restarts $restart s apart"
