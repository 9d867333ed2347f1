#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# damonctl end to end: the private system bus of tests/bus (its bus-config.xml.in with the installed
# policy, systemd/org.damond1.conf) and damond-fake on a fake kernel of generation GEN. Before damond
# owns its name damonctl exits 3; then `status`, `status --json`, `list`, `list --json`, `show`,
# `show --json`, `features`, `metrics` (promtool), `validate` (files and the installed configuration), `stop`/`start` are
# compared with golden files in tests/damonctl/golden/bus@GEN/, after normalising what changes from run
# to run (the temporary directory, pids, times, the host's kernel release); an unprivileged caller reads
# the status and is refused reload, stop and start with exit status 4.
#
#   bus-damonctl.sh DAMOND_FAKE DAMONCTL SOURCE_ROOT GEN
#
# DAMONCTL_UPDATE_GOLDEN=1 rewrites the golden files instead of comparing them (review with git diff).
# Needs root (to run damonctl as nobody); exits 77 (meson: skipped) otherwise, or without dbus-daemon or
# setpriv, or before the bus harness (tests/bus) and the bus policy exist.
set -euo pipefail

damond=$(realpath "$1")
damonctl=$(realpath "$2")
root=$(realpath "$3")
gen=$4
golden="$root/tests/damonctl/golden/bus@$gen"
bus_config="$root/tests/bus/bus-config.xml.in"
policy="$root/systemd/org.damond1.conf"

skip() { echo "SKIP: $*"; exit 77; }
[ "$(id -u)" = 0 ] || skip "needs root, to run damonctl as an unprivileged user too"
for t in dbus-daemon setpriv; do
        command -v "$t" >/dev/null 2>&1 || skip "$t is not installed"
done
[ -f "$bus_config" ] || skip "no $bus_config"
[ -f "$policy" ] || skip "no $policy"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/damonctl-bus.XXXXXX")
chmod 0755 "$tmp"       # the unprivileged caller must reach the bus socket
dbus_pid= damond_pid=
cleanup() {
        for p in $damond_pid $dbus_pid; do
                kill -TERM "$p" 2>/dev/null || true
        done
        wait 2>/dev/null || true
        rm -rf "$tmp"
}
trap cleanup EXIT

failed=0
fail() {
        echo "FAIL ($gen): $*" >&2
        failed=1
}
die() {
        fail "$*"
        echo "--- damond's log:" >&2
        cat "$tmp/damond.log" >&2 || true
        exit 1
}
wait_for() {    # wait_for WHAT COMMAND...: up to 30 s (a loaded machine needs that much)
        local what=$1
        shift
        for _ in $(seq 600); do
                "$@" >/dev/null 2>&1 && return 0
                sleep 0.05
        done
        die "timed out waiting for $what"
}

export DBUS_SYSTEM_BUS_ADDRESS="unix:path=$tmp/bus"
unset DBUS_SESSION_BUS_ADDRESS
export TZ=UTC NO_COLOR=1 LC_ALL=C.UTF-8

as_nobody() { setpriv --reuid=nobody --regid=nogroup --clear-groups -- "$@"; }

# What changes from run to run becomes a placeholder: besides pids and times, the fake kernel's DAMOS
# counters (they grow while the test runs), what was applied in the last minute, the pressure damond
# samples and the tuner's decisions. Their exact rendering is what tests/unit/test-damonctl-format.c
# compares.
normalise() {
        sed -E \
                -e "s|$tmp|@TMP@|g" \
                -e "s|$(uname -r | sed 's/[.+]/\\&/g')|@KERNEL@|g" \
                -e 's/[A-Z][a-z]{2} [0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2} UTC/@TIME@/g' \
                -e 's/([0-9]+(ms|s|min|h|d) )*[0-9]+(ms|s|min|h|d) ago/@AGO@ ago/g' \
                -e 's/\(pid [0-9]+\)/(pid @PID@)/g' \
                -e 's/^KdamondPid=[0-9]+$/KdamondPid=@PID@/' \
                -e 's/"kdamond_pid": [0-9]+/"kdamond_pid": @PID@/' \
                -e 's/"(running_since_usec|time_usec|last_decision_usec)": [0-9]+/"\1": @TIME@/' \
                -e 's/applied [0-9.]+[BKMGTPE] \([0-9]+ regions\) of [0-9.]+[BKMGTPE] tried/applied @SIZE@ (@N@ regions) of @SIZE@ tried/' \
                -e 's/; quota reached [0-9]+ times//' \
                -e 's/^(    Pressure: [^:]+: some )[0-9.]+%, full [0-9.]+% \(avg10\)(; (no stall|stall [^ ]+) over the last [^ ,]+)?/\1@PCT@, full @PCT@ (avg10)/' \
                -e 's/^( +last decision @TIME@ \(@AGO@ ago\)): .*/\1: @DECISION@/' \
                -e 's/^(Scheme\.[^.]+\.Stats\.[a-z_]+)=[0-9]+$/\1=@N@/' \
                -e 's/^(Scheme\.[^.]+\.LastDecision)=.+$/\1=@DECISION@/' \
                -e 's/^(Pressure\.(SomeAvg10|FullAvg10|WindowStallUSec|WindowUSec))=[0-9]+$/\1=@N@/' \
                -e 's/"(nr_tried|sz_tried|nr_applied|sz_applied|qt_exceeds|sz_ops_filter_passed|nr_snapshots)": [0-9]+/"\1": @N@/' \
                -e 's/"(some_avg10|full_avg10|window_stall_usec|window_usec)": [0-9]+/"\1": @N@/' \
                -e 's/"last_decision": ".*"/"last_decision": @DECISION@/' \
                -e 's/^( {14})(active|waiting|starting|idle|backed off|paused): .*/\1@ACTIVITY@/' \
                -e 's/^(Scheme\.[^.]+\.Activity)=.+$/\1=@ACTIVITY@/' \
                -e 's/"activity": ".*"/"activity": @ACTIVITY@/' \
                -e 's/^( +Applied: ).*/\1@APPLIED@/' \
                -e 's/^( +Savings: since start) .*/\1 @SAVINGS@/' \
                -e '/^ {14}last hour \(/d' \
                -e 's/^( +Resident: ).*/\1@RESIDENT@/' \
                -e 's/"(duration_usec|pageout|cold|hot|migrate|hugepage|stat|stall_usec|resident_change_bytes|kdamond_cpu_usec|kdamond_cpu_permyriad|refault_bytes|swapin_bytes|swapout_bytes|resident_bytes|baseline_resident_bytes|swap_bytes|compressed_bytes)": -?[0-9]+/"\1": @N@/' \
                -e 's/^([a-z-]+ +[a-z]+ +[-0-9]+ +[a-z-]+ +)(-|[0-9.]+[BKMGTPE])$/\1@APPLIED@/' \
                -e 's/^AppliedLastMinute=.*/AppliedLastMinute=@APPLIED@/' \
                -e 's/"applied_last_minute_bytes": (null|[0-9]+)/"applied_last_minute_bytes": @APPLIED@/'
}

# run NAME EXPECTED_STATUS [as_nobody] damonctl ARGS...: stdout and stderr, normalised, against
# golden/NAME (stderr after a "--- stderr" line when there is any), and the exit status.
run() {
        local name=$1 want=$2 rc=0 out
        shift 2
        "$@" >"$tmp/out" 2>"$tmp/err" || rc=$?
        out=$(normalise <"$tmp/out")
        if [ -s "$tmp/err" ]; then
                out+=$'\n--- stderr\n'
                out+=$(normalise <"$tmp/err")
        fi
        [ "$rc" = "$want" ] || fail "$name: exit status $rc, expected $want: $(cat "$tmp/err")"
        if [[ $name == *.json ]] && command -v python3 >/dev/null 2>&1; then
                python3 -c 'import json, sys; json.load(sys.stdin)' <"$tmp/out" || fail "$name: not JSON"
        fi
        if [ "${DAMONCTL_UPDATE_GOLDEN:-}" = 1 ]; then
                mkdir -p "$golden"
                printf '%s\n' "$out" >"$golden/$name"
        elif ! diff -u "$golden/$name" <(printf '%s\n' "$out") >"$tmp/diff"; then
                fail "$name differs from $golden/$name:"
                cat "$tmp/diff" >&2
        fi
}

# --- the bus, as tests/bus/test-bus.sh starts it ---
sed -e "s|@SOCKET@|$tmp/bus|" -e "s|@POLICY@|$policy|" -e "s|@EXTRA@||" "$bus_config" >"$tmp/bus.xml"
dbus-daemon --config-file="$tmp/bus.xml" --nofork --nopidfile 2>"$tmp/dbus.log" &
dbus_pid=$!
wait_for "the bus socket" test -S "$tmp/bus"

# --- no damond: exit status 3 for readers and writers alike ---
run not-running 3 "$damonctl"
run not-running-reload 3 "$damonctl" reload
run not-running-json 3 "$damonctl" list --json
# usage errors are found before the bus is asked; --help and --version need no bus either
run usage 2 "$damonctl" frobnicate
run usage-start 2 "$damonctl" start
run usage-option 2 "$damonctl" --frobnicate
run usage-json-mode 2 "$damonctl" --json=yaml list
run help 0 "$damonctl" --help

# --- profiles: one running, one disabled, one invalid ---
mkdir "$tmp/conf"
cat >"$tmp/conf/reclaim.conf" <<'EOF'
[Profile]
Description=Reclaim cold memory (damonctl test)
Operations=paddr
[Target]
Region=4096-1073741824
[Scheme cold]
Action=pageout
QuotaSize=64M
EOF
printf '[Profile]\nEnabled=no\nOperations=paddr\n[Target]\nRegion=4096-1073741824\n[Scheme warm]\nAction=lru_prio\nQuotaSize=1M\n' \
        >"$tmp/conf/web-cache.conf"
printf '[Profile]\nEnabled=maybe\n' >"$tmp/conf/broken.conf"

"$damond" --fake-kernel="$gen" --config-dir="$tmp/conf" 2>"$tmp/damond.log" &
damond_pid=$!
wait_for "damond on the bus" grep -q "Serving the D-Bus API as org.damond1" "$tmp/damond.log"
# Wait for a settled status: a tuning window has passed (the pressure and the last decision are known),
# the effective quota is known (the kernel's on 6.9+, damond's own after its first windows on 6.1), and
# the first savings sample after the baseline was taken (one StatusInterval= after the start).
settled() {
        "$damonctl" show reclaim >"$tmp/settled"
        grep -q '^Scheme\.cold\.LastDecisionTime=.' "$tmp/settled" &&
                grep -q '^Scheme\.cold\.EffectiveQuota=[0-9]' "$tmp/settled" &&
                "$damonctl" status reclaim | grep -q '^ *Savings: since start'
}
wait_for "the first tuning decisions" settled

# --- the read verbs ---
run status 0 "$damonctl"
run status-reclaim 0 "$damonctl" status reclaim
run status-unknown 1 "$damonctl" status nope
run status.json 0 "$damonctl" status --json
run list 0 "$damonctl" list
run list-no-legend 0 "$damonctl" list --no-legend
run list.json 0 "$damonctl" list --json
# --json=short: the same document on one line
"$damonctl" list --json=short >"$tmp/short" || fail "list --json=short: exit status $?"
[ "$(wc -l <"$tmp/short")" = 1 ] || fail "list --json=short is not one line: $(cat "$tmp/short")"
"$damonctl" list --json >"$tmp/pretty" || fail "list --json: exit status $?"
python3 -c 'import json, sys
a, b = (json.load(open(f)) for f in sys.argv[1:])
key = lambda d: [(p["name"], p["state"], p["kdamond_pid"]) for p in d["profiles"]]
sys.exit(key(a) != key(b))' "$tmp/short" "$tmp/pretty" || fail "list --json=short and --json differ"
run list-json-off 0 "$damonctl" --json=pretty --json=off list
run show-reclaim 0 "$damonctl" show reclaim
run show-reclaim.json 0 "$damonctl" show reclaim --json
run show-web-cache 0 "$damonctl" show web-cache
run show-unknown 1 "$damonctl" show nope
run show-manager 0 "$damonctl" show
run show-manager.json 0 "$damonctl" show --json
run status-reclaim.json 0 "$damonctl" --json status reclaim
run features 0 "$damonctl" features
run features.json 0 "$damonctl" features --json

# --- metrics: the Prometheus text exposition, for anyone; promtool checks it where Debian's prometheus
# package installed it (tests/unit/test-metrics.c parses it strictly in any case) ---
as_nobody "$damonctl" metrics >"$tmp/metrics" || fail "metrics as nobody: exit status $?"
grep -q '^damond_profile_state{profile="reclaim",state="running"} 1$' "$tmp/metrics" ||
        fail "metrics: no running reclaim profile: $(head -n 20 "$tmp/metrics")"
grep -q '^damond_scheme_applied_bytes_total{profile="reclaim",' "$tmp/metrics" ||
        fail "metrics: no scheme counters of the reclaim profile"
if command -v promtool >/dev/null; then
        promtool check metrics <"$tmp/metrics" || fail "promtool check metrics failed"
fi

# --- report: the reclaim profile has no stat scheme, so no snapshots: each report says so, as text and
# JSON, for anyone (tests/unit/test-damonctl-report.c renders real ones); no profile to default to ---
for kind in wss heatmap footprint; do
        as_nobody "$damonctl" report $kind reclaim >"$tmp/report" || fail "report $kind: exit status $?"
        grep -qx "reclaim: no access snapshot yet" "$tmp/report" || fail "report $kind: $(cat "$tmp/report")"
        as_nobody "$damonctl" --json=short report $kind reclaim >"$tmp/report.json" ||
                fail "report $kind --json: exit status $?"
        python3 -c 'import json, sys; d = json.load(open(sys.argv[1])); assert d["profile"] == "reclaim"' \
                "$tmp/report.json" || fail "report $kind --json: not the profile's JSON: $(cat "$tmp/report.json")"
done
"$damonctl" report wss >/dev/null 2>"$tmp/err" && fail "report without a profile that has snapshots succeeded"
grep -q "no profile has access snapshots" "$tmp/err" || fail "report without snapshots: $(cat "$tmp/err")"
"$damonctl" report wss nope >/dev/null 2>&1 && fail "report of an unknown profile succeeded"
"$damonctl" report bogus >/dev/null 2>&1 || [ $? = 2 ] || fail "report bogus: not a usage error"
"$damonctl" report wss reclaim --output=x.png >/dev/null 2>&1 || [ $? = 2 ] ||
        fail "report wss --output: not a usage error"

# --- validate: damonctl reads the files, damond checks them ---
printf '[Profile]\nOperations=paddr\n[Scheme cold]\nAction=pageout\nQuotaSize=16M\n' >"$tmp/good.conf"
printf '[Profile]\nOperations=paddr\n[Scheme cold]\nAction=sleep\n' >"$tmp/bad.conf"
run validate-good 0 "$damonctl" validate "$tmp/good.conf"
printf '[Profile]\nOperations=paddr\nFrobnicate=1\n[Scheme cold]\nAction=pageout\nQuotaSize=16M\n' >"$tmp/warn.conf"
run validate-warning 0 "$damonctl" validate "$tmp/warn.conf"
run validate-warning-quiet 0 "$damonctl" -q validate "$tmp/warn.conf"
[ ! -s "$tmp/out" ] && [ ! -s "$tmp/err" ] || fail "validate -q printed something for a valid file"
run validate-bad 1 "$damonctl" validate "$tmp/good.conf" "$tmp/bad.conf"
run validate-bad.json 1 "$damonctl" validate --json "$tmp/bad.conf"
run validate-missing 1 "$damonctl" validate "$tmp/missing.conf"
mkdir "$tmp/other"
cp "$tmp/bad.conf" "$tmp/other/good.conf"
run validate-same-name 1 "$damonctl" validate "$tmp/good.conf" "$tmp/other/good.conf"
run validate-not-conf 1 "$damonctl" validate "$tmp/damond.log"
# the installed configuration has the broken profile
run validate-installed 1 "$damonctl" validate

# --- an unprivileged caller reads everything and changes nothing ---
run nobody-list 0 as_nobody "$damonctl" list
run nobody-validate 0 as_nobody "$damonctl" validate "$tmp/good.conf"
run nobody-reload 4 as_nobody "$damonctl" reload
run nobody-stop 4 as_nobody "$damonctl" stop reclaim
run nobody-start 4 as_nobody "$damonctl" start reclaim

# --- stop, start, and their errors ---
run stop 0 "$damonctl" stop reclaim
run list-stopped 0 "$damonctl" list
run start 0 "$damonctl" start reclaim
run start-unknown 1 "$damonctl" start nope
run start-invalid 1 "$damonctl" start broken

# --- reload: diagnostics and exit 1 while a profile has errors, 0 once fixed ---
run reload-invalid 1 "$damonctl" reload
# -q hides warnings, never errors
run reload-invalid-quiet 1 "$damonctl" --quiet reload
rm "$tmp/conf/broken.conf"
run reload 0 "$damonctl" reload
run list-after-reload 0 "$damonctl" list

# --- the pager: on a terminal, status, list, show and features are piped into $SYSTEMD_PAGER (here a
# sed that marks each line), unless --no-pager or PAGER=cat; `script` gives damonctl a terminal ---
paged() {       # paged PAGER_ENV DAMONCTL_ARGS...: damonctl's terminal output, CRs dropped
        local env=$1
        shift
        env "$env" script -qec "$damonctl $*" /dev/null </dev/null | tr -d '\r'
}
paged SYSTEMD_PAGER='sed s/^/paged:/' list >"$tmp/pty"
grep -q '^paged:reclaim ' "$tmp/pty" || fail "list on a terminal was not paged: $(cat "$tmp/pty")"
paged SYSTEMD_PAGER='sed s/^/paged:/' --no-pager list >"$tmp/pty"
grep -q '^reclaim ' "$tmp/pty" && ! grep -q paged: "$tmp/pty" || fail "--no-pager paged: $(cat "$tmp/pty")"
paged PAGER=cat list >"$tmp/pty"
grep -q '^reclaim ' "$tmp/pty" || fail "PAGER=cat: $(cat "$tmp/pty")"
paged SYSTEMD_PAGER='sed s/^/paged:/' reload >"$tmp/pty"
! grep -q paged: "$tmp/pty" || fail "reload was paged: $(cat "$tmp/pty")"
# no pager at all (PATH without less or more): the output is passed through, not lost
env -u PAGER -u SYSTEMD_PAGER PATH=/nonexistent "$(command -v script)" -qec "$damonctl list" /dev/null </dev/null | tr -d '\r' >"$tmp/pty"
grep -q '^reclaim ' "$tmp/pty" || fail "without a pager the output was lost: $(cat "$tmp/pty")"

# --- damond gone again ---
kill -TERM "$damond_pid"
wait "$damond_pid" || die "damond exited with status $?"
damond_pid=
run gone 3 "$damonctl" status

[ "$failed" = 0 ] || exit 1
echo "damonctl-bus@$gen: ok"
