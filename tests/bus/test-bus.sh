#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# damond's D-Bus API (docs/dbus-api.md) on a private system bus: a dbus-daemon with Debian's default
# system policy and our installed policy file (systemd/org.damond1.conf), and damond-fake on a fake
# kernel of generation GEN. Every property of both interfaces (type and value, checked against the fake
# kernel's files), introspection, Reload (applied / refused with file:line / refused by the kernel: a write
# failed through DAMOND_FAKE_INJECT), StopProfile/StartProfile (and a start the kernel refuses)
# and their PropertiesChanged, Validate, the errors, and a caller who is not root.
#
#   test-bus.sh DAMOND_FAKE POLICY_FILE GEN
#
# Needs root (to run busctl as another user); exits 77 (meson: skipped) otherwise, or without
# dbus-daemon/busctl/dbus-send/setpriv.
set -euo pipefail

damond=$(realpath "$1")
policy=$(realpath "$2")
gen=$3
here=$(dirname "$(realpath "$0")")

skip() { echo "SKIP: $*"; exit 77; }
[ "$(id -u)" = 0 ] || skip "needs root, to call damond as an unprivileged user too"
for t in dbus-daemon busctl dbus-send setpriv; do
        command -v "$t" >/dev/null 2>&1 || skip "$t is not installed"
done

tmp=$(mktemp -d "${TMPDIR:-/tmp}/damond-bus.XXXXXX")
chmod 0755 "$tmp"       # the unprivileged caller must reach the bus socket
dbus_pid= damond_pid= monitor_pid= events_pid=
cleanup() {
        for p in $events_pid $monitor_pid $damond_pid $dbus_pid; do
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
        exit 1
}

export DBUS_SYSTEM_BUS_ADDRESS="unix:path=$tmp/bus"
unset DBUS_SESSION_BUS_ADDRESS

busctl() { command busctl --system "$@"; }
get() { busctl get-property org.damond1 "$1" "$2" "$3"; }
mgr() { get /org/damond1 org.damond1.Manager "$1"; }
prof() { get "/org/damond1/profile/$1" org.damond1.Profile "$2"; }
call() { busctl call org.damond1 /org/damond1 org.damond1.Manager "$@"; }
as_nobody() { setpriv --reuid=nobody --regid=nogroup --clear-groups -- "$@"; }
# The D-Bus error name and message of a call (dbus-send prints them; busctl only the message).
dbus_error() { dbus-send --system --print-reply --dest=org.damond1 /org/damond1 "$@" 2>&1 || true; }

# expect WHAT ACTUAL EXPECTED: exact comparison
expect() {
        [ "$2" = "$3" ] || fail "$1: expected '$3', got '$2'"
}
# expect_match WHAT ACTUAL REGEX
expect_match() {
        [[ "$2" =~ $3 ]] || fail "$1: '$2' does not match '$3'"
}
wait_for() {    # wait_for WHAT COMMAND...: up to 10 s
        local what=$1
        shift
        for _ in $(seq 200); do
                "$@" >/dev/null 2>&1 && return 0
                sleep 0.05
        done
        fail "timed out waiting for $what"
}

# --- the bus: Debian's system bus default policy plus ours, as installed ---
write_bus_config() {    # write_bus_config [EXTRA_POLICY_XML]
        sed -e "s|@SOCKET@|$tmp/bus|" -e "s|@POLICY@|$policy|" -e "s|@EXTRA@|${1:-}|" \
                "$here/bus-config.xml.in" >"$tmp/bus.xml"
}
write_bus_config
dbus-daemon --config-file="$tmp/bus.xml" --nofork --nopidfile 2>"$tmp/dbus.log" &
dbus_pid=$!
wait_for "the bus socket" test -S "$tmp/bus"

# --- profiles ---
mkdir "$tmp/conf"
cat >"$tmp/conf/reclaim.conf" <<'EOF'
[Profile]
Description=Reclaim cold memory (bus test)
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

DAMOND_FAKE_INJECT="$tmp/inject" "$damond" --fake-kernel="$gen" --config-dir="$tmp/conf" 2>"$tmp/damond.log" &
damond_pid=$!
wait_for "damond on the bus" grep -q "Serving the D-Bus API as org.damond1" "$tmp/damond.log"
fake=$(sed -n "s/.*Running against a fake .* kernel in '\(.*\)'\./\1/p" "$tmp/damond.log")
[ -d "$fake" ] || fail "no fake kernel root in the log"
kd="$fake/sys/kernel/mm/damon/admin/kdamonds/0"
now_usec() { echo $(( $(date +%s) * 1000000 )); }

# --- org.damond1.Manager: every property, its type and value ---
expect Version "$(mgr Version)" "s \"$("$damond" --version | sed 's/^damond //')\""
expect KernelRelease "$(mgr KernelRelease)" "s \"$(uname -r)\""
# the version of the newest interface feature the kernel shows: 6.12 and 6.1 added none of their own
case $gen in
6.12) expect DamonVersion "$(mgr DamonVersion)" 's "6.11"' ;;
6.1) expect DamonVersion "$(mgr DamonVersion)" 's "6.0"' ;;
esac
features=$(mgr Features)
expect_match Features "$features" '^a\(sssb\) 23 "DAMON sysfs interface" "5\.18" "yes" true '
if [ "$gen" = 6.1 ]; then
        expect_match "Features on 6.1" "$features" '"quota goals" "6\.8" "no" false'
else
        expect_match "Features on $gen" "$features" '"quota goals" "6\.8" "yes" false'
fi
expect_match "Features: the disabled profile's LRU action is not in use" "$features" \
        '"LRU sorting actions" "6\.0" "yes" false'
expect Profiles "$(mgr Profiles)" \
        'a(so) 3 "broken" "/org/damond1/profile/broken" "reclaim" "/org/damond1/profile/reclaim" "web-cache" "/org/damond1/profile/web_2dcache"'
last=$(mgr LastReload)
expect_match LastReload "$last" '^\(tbs\) [0-9]+ false "3 profiles, 1 with errors \(broken\)"$'
t=$(echo "$last" | cut -d' ' -f2)
(( t > $(now_usec) - 120000000 && t <= $(now_usec) + 1000000 )) || fail "LastReload time $t is not now"
expect LastReloadErrors "$(mgr LastReloadErrors)" \
        "as 1 \"$tmp/conf/broken.conf:2: Enabled=maybe: invalid boolean: expected yes or no\""
# the fake kernel's proc/pressure/memory, in hundredths of a percent and µs
psi=$(cat "$fake/proc/pressure/memory")
some10=$(echo "$psi" | sed -n 's/^some avg10=\([0-9.]*\).*/\1/p' | tr -d .)
some60=$(echo "$psi" | sed -n 's/^some .*avg60=\([0-9.]*\).*/\1/p' | tr -d .)
full10=$(echo "$psi" | sed -n 's/^full avg10=\([0-9.]*\).*/\1/p' | tr -d .)
stotal=$(echo "$psi" | sed -n 's/^some .*total=\([0-9]*\).*/\1/p')
ftotal=$(echo "$psi" | sed -n 's/^full .*total=\([0-9]*\).*/\1/p')
expect SystemPressure "$(mgr SystemPressure)" \
        "(uuutt) $((10#$some10)) $((10#$some60)) $((10#$full10)) $stotal $ftotal"

# --- org.damond1.Profile: a running, a disabled and an invalid profile ---
expect Name "$(prof reclaim Name)" 's "reclaim"'
expect Description "$(prof reclaim Description)" 's "Reclaim cold memory (bus test)"'
expect Path "$(prof reclaim Path)" "s \"$tmp/conf/reclaim.conf\""
expect Files "$(prof reclaim Files)" "as 1 \"$tmp/conf/reclaim.conf\""
expect Enabled "$(prof reclaim Enabled)" 'b true'
expect State "$(prof reclaim State)" 's "running"'
expect StateReason "$(prof reclaim StateReason)" 's ""'
expect Operations "$(prof reclaim Operations)" 's "paddr"'
expect Targets "$(prof reclaim Targets)" 'as 1 "region 0x1000-0x40000000 (1023.9M)"'
expect Kdamond "$(prof reclaim Kdamond)" 'i 0'
expect "kdamond 0 runs" "$(cat "$kd/state")" on
pid=$(cat "$kd/pid")
expect KdamondPid "$(prof reclaim KdamondPid)" "i $pid"
since=$(prof reclaim RunningSince)
expect_match RunningSince "$since" '^t [0-9]+$'
(( ${since#t } > $(now_usec) - 120000000 && ${since#t } <= $(now_usec) + 1000000 )) ||
        fail "RunningSince ${since#t } is not now"
expect Restarts "$(prof reclaim Restarts)" 'u 0'
expect_match AppliedLastMinute "$(prof reclaim AppliedLastMinute)" '^t [0-9]+$'
schemes=$(prof reclaim Schemes)
expect_match Schemes "$schemes" '^a\(ssa\{st\}tttsa\(sbttst\)ts\) 1 "cold" "pageout" [0-9]+ .*67108864 '
expect_match Pressure "$(prof reclaim Pressure)" '^a\{sv\} [0-9]+ "Source" s "[^"]+"( "[A-Za-z0-9]+" [ut] [0-9]+)+$'

expect "State of a disabled profile" "$(prof web_2dcache State)" 's "disabled"'
expect "Enabled of a disabled profile" "$(prof web_2dcache Enabled)" 'b false'
expect "Kdamond of a disabled profile" "$(prof web_2dcache Kdamond)" 'i -1'
expect "KdamondPid of a disabled profile" "$(prof web_2dcache KdamondPid)" 'i -1'
expect "RunningSince of a disabled profile" "$(prof web_2dcache RunningSince)" 't 0'
expect_match "Schemes of a disabled profile" "$(prof web_2dcache Schemes)" '^a\(ssa\{st\}tttsa\(sbttst\)ts\) 1 "warm" "lru_prio" '
expect "State of an invalid profile" "$(prof broken State)" 's "failed"'
expect "StateReason of an invalid profile" "$(prof broken StateReason)" \
        "s \"its profile has errors: $tmp/conf/broken.conf:2: Enabled=maybe: invalid boolean: expected yes or no\""
expect "Schemes of an invalid profile" "$(prof broken Schemes)" 'a(ssa{st}tttsa(sbttst)ts) 0'

# --- introspection carries the argument names ---
xml=$(busctl introspect --xml-interface org.damond1 /org/damond1)
for arg in '<arg type="s" name="name" direction="in"/>' '<arg type="a(ss)" name="files" direction="in"/>' \
           '<arg type="b" name="valid" direction="out"/>' '<arg type="as" name="diagnostics" direction="out"/>'; do
        [[ "$xml" == *"$arg"* ]] || fail "introspection lacks $arg"
done
[[ "$(busctl introspect --xml-interface org.damond1 /org/damond1/profile/reclaim)" == *'<property name="Schemes" type="a(ssa{st}tttsa(sbttst)ts)" access="read">'* ]] ||
        fail "introspection of a profile lacks Schemes"
expect_match "busctl tree" "$(busctl tree --list org.damond1)" '/org/damond1/profile/web_2dcache'

# --- every member is documented (docs/dbus-api.md, rendered as org.damond1(5)) with its signature ---
busctl introspect --xml-interface org.damond1 /org/damond1 >"$tmp/manager.xml"
busctl introspect --xml-interface org.damond1 /org/damond1/profile/reclaim >"$tmp/profile.xml"
python3 "$here/check-api-doc.py" "$here/../../docs/dbus-api.md" /org/damond1="$tmp/manager.xml" \
        /org/damond1/profile/NAME="$tmp/profile.xml" >"$tmp/api-doc.txt" ||
        fail "the API and docs/dbus-api.md differ: $(cat "$tmp/api-doc.txt")"

# --- errors ---
expect_match NoSuchProfile "$(dbus_error org.damond1.Manager.StartProfile string:nope)" \
        "^Error org\.damond1\.Error\.NoSuchProfile: No profile 'nope'\."
expect_match "NoSuchProfile (stop)" "$(dbus_error org.damond1.Manager.StopProfile string:nope)" \
        "^Error org\.damond1\.Error\.NoSuchProfile"
expect_match ProfileInvalid "$(dbus_error org.damond1.Manager.StartProfile string:broken)" \
        "^Error org\.damond1\.Error\.ProfileInvalid: Profile 'broken' has errors: .*broken\.conf:2: Enabled=maybe"
expect_match "StartProfile of a disabled profile" "$(dbus_error org.damond1.Manager.StartProfile string:web-cache)" \
        "^Error org\.freedesktop\.DBus\.Error\.InvalidArgs: Profile 'web-cache' is disabled"

# --- StopProfile / StartProfile, and their PropertiesChanged; the Event signals of them all ---
command busctl --system monitor --match "type='signal',sender='org.damond1',interface='org.damond1.Manager',member='Event'" \
        >"$tmp/events" 2>&1 &
events_pid=$!
wait_for "busctl monitor of Event" grep -q "Monitoring bus message stream" "$tmp/events"
command busctl --system monitor --match "type='signal',sender='org.damond1',member='PropertiesChanged',path='/org/damond1/profile/reclaim'" \
        >"$tmp/monitor" 2>&1 &
monitor_pid=$!
wait_for "busctl monitor" grep -q "Monitoring bus message stream" "$tmp/monitor"
expect StopProfile "$(call StopProfile s reclaim)" ""
expect "State after StopProfile" "$(prof reclaim State)" 's "stopped"'
expect_match "StateReason after StopProfile" "$(prof reclaim StateReason)" 'stopped by the operator'
expect "KdamondPid after StopProfile" "$(prof reclaim KdamondPid)" 'i -1'
expect "kdamond 0 after StopProfile" "$(cat "$kd/state")" off
wait_for "PropertiesChanged State=stopped" grep -q 'STRING "stopped";' "$tmp/monitor"
grep -q 'STRING "KdamondPid";' "$tmp/monitor" || fail "no PropertiesChanged for KdamondPid"
expect_match "LastReload is not touched by StopProfile" "$(mgr LastReload)" '"3 profiles, 1 with errors \(broken\)"$'
expect "StopProfile twice" "$(call StopProfile s reclaim)" ""
# still stopped after a reload that does not change it
expect_match "Reload keeps it stopped" "$(call Reload)" '^bas false 1 '
expect "State after an unchanged reload" "$(prof reclaim State)" 's "stopped"'
expect StartProfile "$(call StartProfile s reclaim)" ""
expect "State after StartProfile" "$(prof reclaim State)" 's "running"'
expect "kdamond 0 after StartProfile" "$(cat "$kd/state")" on
pid=$(cat "$kd/pid")
expect "KdamondPid after StartProfile" "$(prof reclaim KdamondPid)" "i $pid"
wait_for "PropertiesChanged State=running" grep -q 'STRING "running";' "$tmp/monitor"
kill "$monitor_pid"
wait "$monitor_pid" 2>/dev/null || true
monitor_pid=
# the Event signals, in order: stopped (kdamond 0), the reload's error, started again
wait_for "Event profile-started" grep -q 'STRING "profile-started";' "$tmp/events"
kill "$events_pid"
wait "$events_pid" 2>/dev/null || true
events_pid=
events=$(grep -A4 'STRING "profile-\|STRING "config-error' "$tmp/events" | grep -oE '(STRING "[^"]*"|INT32 -?[0-9]+)' | tr '\n' ' ')
expect_match "Event signals of StopProfile, Reload and StartProfile" "$events" \
        '^STRING "profile-stopped" STRING "reclaim" INT32 0 STRING "Stopped profile .reclaim. \(kdamond 0\): stopped by the operator[^"]*" .*STRING "config-error" STRING "broken" INT32 -1 STRING "[^"]*broken[^"]*" .*STRING "profile-started" STRING "reclaim" INT32 0 '

# --- Reload: a stopped profile whose file changed starts again, with the change ---
command busctl --system monitor --match "type='signal',sender='org.damond1',member='PropertiesChanged',path='/org/damond1'" \
        >"$tmp/monitor" 2>&1 &
monitor_pid=$!
wait_for "busctl monitor" grep -q "Monitoring bus message stream" "$tmp/monitor"
expect "StopProfile before an edit" "$(call StopProfile s reclaim)" ""
rm "$tmp/conf/broken.conf"
sed -i 's/^QuotaSize=64M$/QuotaSize=32M/' "$tmp/conf/reclaim.conf"
expect "Reload with a valid edit" "$(call Reload)" 'bas true 0'
expect "State of a stopped profile after a reload that changed it" "$(prof reclaim State)" 's "running"'
expect "quotas/bytes after the reload" "$(cat "$kd/contexts/0/schemes/0/quotas/bytes")" 33554432
pid=$(cat "$kd/pid")
expect "KdamondPid after the reload" "$(prof reclaim KdamondPid)" "i $pid"
# the Manager announces that a profile went and what the reload found
wait_for "PropertiesChanged Profiles" grep -q 'STRING "Profiles";' "$tmp/monitor"
grep -q 'STRING "LastReload";' "$tmp/monitor" || fail "no PropertiesChanged for LastReload"
grep -q 'STRING "2 profiles, all valid";' "$tmp/monitor" || fail "PropertiesChanged without the new LastReload"
kill "$monitor_pid"
wait "$monitor_pid" 2>/dev/null || true
monitor_pid=
# an online reload: the same kdamond, only what differs written
sed -i 's/^QuotaSize=32M$/QuotaSize=48M/' "$tmp/conf/reclaim.conf"
expect "Reload with a second valid edit" "$(call Reload)" 'bas true 0'
expect "quotas/bytes after the online reload" "$(cat "$kd/contexts/0/schemes/0/quotas/bytes")" 50331648
expect "KdamondPid after an online reload" "$(prof reclaim KdamondPid)" "i $pid"
expect "Profiles after the reload" "$(mgr Profiles)" \
        'a(so) 2 "reclaim" "/org/damond1/profile/reclaim" "web-cache" "/org/damond1/profile/web_2dcache"'
expect_match "LastReload after a valid reload" "$(mgr LastReload)" ' true "2 profiles, all valid"$'
expect "LastReloadErrors after a valid reload" "$(mgr LastReloadErrors)" 'as 0'
expect_match "Schemes after the reload" "$(prof reclaim Schemes)" ' "cold" "pageout" [0-9]+ .*50331648 '

sed -i 's/^QuotaSize=48M$/QuotaSize=lots/' "$tmp/conf/reclaim.conf"
reply=$(call Reload)
# every diagnostic, file:line first; what is not an error says what it is
expect_match "Reload with a broken edit" "$reply" \
        "^bas false 2 \"warning: $tmp/conf/reclaim.conf:7: Action=pageout: [^\"]*\" \"$tmp/conf/reclaim.conf:8: QuotaSize=lots: "
expect "quotas/bytes after a refused reload" "$(cat "$kd/contexts/0/schemes/0/quotas/bytes")" 50331648
expect "State after a refused reload" "$(prof reclaim State)" 's "running"'
expect "KdamondPid after a refused reload" "$(prof reclaim KdamondPid)" "i $pid"
expect_match "LastReloadErrors after a refused reload" "$(mgr LastReloadErrors)" \
        "^as 2 \"warning: $tmp/conf/reclaim.conf:7: [^\"]*\" \"$tmp/conf/reclaim.conf:8: QuotaSize=lots: "
sed -i 's/^QuotaSize=lots$/QuotaSize=48M/' "$tmp/conf/reclaim.conf"

# --- the kernel refuses (DAMOND_FAKE_INJECT makes a kernel write fail): nothing half-applied ---
echo "quotas/bytes EIO 1" >"$tmp/inject"
sed -i 's/^QuotaSize=48M$/QuotaSize=40M/' "$tmp/conf/reclaim.conf"
expect_match "Reload that the kernel refuses" "$(call Reload)" \
        "^bas false 1 \"profile [^ ]*reclaim[^ ]*: the new version was not applied, the previous one keeps running: writing [^ ]*41943040[^ ]* to [^\"]*quotas/bytes failed: Input/output error\"$"
[ ! -e "$tmp/inject" ] || fail "the injection was not taken"
expect "quotas/bytes after a reload the kernel refused" "$(cat "$kd/contexts/0/schemes/0/quotas/bytes")" 50331648
expect "State after a reload the kernel refused" "$(prof reclaim State)" 's "running"'
expect "KdamondPid after a reload the kernel refused" "$(prof reclaim KdamondPid)" "i $pid"
expect_match "StateReason after a reload the kernel refused" "$(prof reclaim StateReason)" \
        'running its previous version: the new one was not applied: '
expect "the next Reload applies it" "$(call Reload)" 'bas true 0'
expect "quotas/bytes after the next reload" "$(cat "$kd/contexts/0/schemes/0/quotas/bytes")" 41943040
expect "StopProfile before a start the kernel refuses" "$(call StopProfile s reclaim)" ""
echo "state EIO 1" >"$tmp/inject"
expect_match "StartProfile that the kernel refuses" "$(dbus_error org.damond1.Manager.StartProfile string:reclaim)" \
        "^Error org\.freedesktop\.DBus\.Error\.Failed: Profile 'reclaim' did not start \(failed\): "
expect "kdamond 0 after a refused start" "$(cat "$kd/state")" off
expect "State after a refused start" "$(prof reclaim State)" 's "failed"'
expect StartProfile "$(call StartProfile s reclaim)" ""
expect "kdamond 0 after StartProfile" "$(cat "$kd/state")" on
pid=$(cat "$kd/pid")

# --- Validate ---
good=$'[Profile]\nOperations=paddr\n[Scheme cold]\nAction=pageout\nQuotaSize=16M\n'
bad=$'[Profile]\nOperations=paddr\n[Scheme cold]\nAction=sleep\n'
expect "Validate of a good file" "$(call Validate 'a(ss)' 1 good.conf "$good")" 'bas true 0'
expect_match "Validate of a bad file" "$(call Validate 'a(ss)' 2 good.conf "$good" bad.conf "$bad")" \
        '^bas false 1 "bad\.conf:4: Action=sleep: '
expect_match "Validate of an Include= of a path" \
        "$(call Validate 'a(ss)' 1 sneaky.conf $'[Profile]\nInclude=/etc/shadow\n')" \
        '^bas false 1 "sneaky\.conf:2: Include=/etc/shadow: Validate resolves includes by name only'
expect "Validate of the installed configuration" "$(call Validate 'a(ss)' 0)" 'bas true 0'
busctl call org.damond1 /org/damond1 org.damond1.Manager Validate 'a(ss)' 1 ../x.conf "$good" 2>"$tmp/err" &&
        fail "Validate accepted the file name ../x.conf"
expect_match "Validate of ../x.conf" "$(cat "$tmp/err")" "File name '\.\./x\.conf' is not a profile's file name"
busctl call org.damond1 /org/damond1 org.damond1.Manager Validate 'a(ss)' 1 ..conf "$good" 2>"$tmp/err" &&
        fail "Validate accepted the file name ..conf, which damond never loads"
expect_match "Validate of ..conf" "$(cat "$tmp/err")" "File name '\.\.conf' is not a profile's file name"
# Validate refuses what the daemon refuses: files without a setting, and the installed drop-ins count
for what in "" $'# nothing but a comment\n' $'[Profile]\n'; do
        expect_match "Validate of a file without settings ('$what')" "$(call Validate 'a(ss)' 1 empty.conf "$what")" \
                '^bas false 1 "empty\.conf: the profile has no settings'
done
mkdir "$tmp/conf/dropped.conf.d"
printf '[Scheme cold]\nQuotaSize=lots\n' >"$tmp/conf/dropped.conf.d/50-size.conf"
expect_match "Validate of a file with an installed drop-in" "$(call Validate 'a(ss)' 1 dropped.conf "$good")" \
        "^bas false 1 \"$tmp/conf/dropped\.conf\.d/50-size\.conf:2: QuotaSize=lots: "
rm -r "$tmp/conf/dropped.conf.d"

# --- a caller who is not root: reads, validates, is refused changes ---
expect "State read by nobody" "$(as_nobody busctl --system get-property org.damond1 /org/damond1/profile/reclaim org.damond1.Profile State)" \
        's "running"'
expect_match "GetAll by nobody" "$(as_nobody busctl --system introspect org.damond1 /org/damond1)" '\.Profiles +property +a\(so\) +2 '
expect "Validate by nobody" "$(as_nobody busctl --system call org.damond1 /org/damond1 org.damond1.Manager Validate 'a(ss)' 1 good.conf "$good")" \
        'bas true 0'
# a file the caller cannot read: Validate reads as the caller, so nothing of it comes back
printf '[Profile]\nEnabled=no\nOperations=paddr\n[Scheme cold]\nAction=pageout\nQuotaSize=TOPSECRET-4242\n' \
        >"$tmp/conf/zzsecret.conf"
chmod 0600 "$tmp/conf/zzsecret.conf"
incl=$'[Profile]\nInclude=zzsecret\n'
expect_match "Validate of an include of a root-only file by root" "$(call Validate 'a(ss)' 1 peek.conf "$incl")" \
        'QuotaSize=TOPSECRET-4242: invalid size'
reply=$(as_nobody busctl --system call org.damond1 /org/damond1 org.damond1.Manager Validate 'a(ss)' 1 peek.conf "$incl")
[[ "$reply" != *TOPSECRET* ]] || fail "Validate by nobody shows a root-only file: $reply"
expect_match "Validate by nobody of an include of a root-only file" "$reply" \
        "^bas false 1 \"peek\.conf:2: Include=zzsecret: cannot read $tmp/conf/zzsecret\.conf: Permission denied\""
reply=$(as_nobody busctl --system call org.damond1 /org/damond1 org.damond1.Manager Validate 'a(ss)' 0)
[[ "$reply" != *TOPSECRET* ]] || fail "Validate of the installed configuration by nobody shows a root-only file: $reply"
expect_match "Validate of the installed configuration by nobody" "$reply" \
        "\"$tmp/conf/zzsecret\.conf: cannot read the file: Permission denied\""
# ... nor through what everyone may read of the last reload: its errors, the profile's StateReason
call Reload >/dev/null
expect_match "LastReloadErrors read by root" "$(mgr LastReloadErrors)" \
        "\"$tmp/conf/zzsecret\.conf:6: QuotaSize=TOPSECRET-4242: invalid size"
reply=$(as_nobody busctl --system get-property org.damond1 /org/damond1 org.damond1.Manager LastReloadErrors)
[[ "$reply" != *TOPSECRET* ]] || fail "LastReloadErrors read by nobody shows a root-only file: $reply"
expect_match "LastReloadErrors read by nobody" "$reply" \
        "\"$tmp/conf/zzsecret\.conf: details hidden: the file is not readable by everyone \(root sees them\)\""
reply=$(as_nobody busctl --system get-property org.damond1 /org/damond1/profile/zzsecret org.damond1.Profile StateReason)
[[ "$reply" != *TOPSECRET* ]] || fail "StateReason read by nobody shows a root-only file: $reply"
expect_match "StateReason of the root-only profile read by root" \
        "$(prof zzsecret StateReason)" 'QuotaSize=TOPSECRET-4242'
rm "$tmp/conf/zzsecret.conf"
call Reload >/dev/null

# The bus policy lets the privileged methods through and damond decides: root, or whom polkit authorizes.
# This bus has no polkitd, so damond's question fails and it refuses (the VM's bus-status scenario has a
# real polkitd and a rule). dbus-send shows who refused; busctl prints "Access denied" for any.
nobody_call() { as_nobody dbus-send --system --print-reply --dest=org.damond1 /org/damond1 "$@" 2>&1 || true; }
for m in Reload StopProfile StartProfile; do
        arg=
        [ "$m" = Reload ] || arg=string:reclaim
        # shellcheck disable=SC2086
        expect_match "$m by nobody (damond's own check)" "$(nobody_call org.damond1.Manager.$m $arg)" \
                "^Error org\.freedesktop\.DBus\.Error\.AccessDenied: Only root may call $m, or a user polkit authorizes for org\.damond1\.manage, and polkit cannot be asked"
done
expect "State after nobody's calls" "$(prof reclaim State)" 's "running"'
# Validate is rate-limited per caller: of 12 calls at once by nobody, some are refused (more than 2 at
# once, or more than 30 in 10 s), and root's next call is not
for i in $(seq 12); do
        as_nobody busctl --system call org.damond1 /org/damond1 org.damond1.Manager Validate 'a(ss)' 1 \
                good.conf "$good" >"$tmp/burst.$i" 2>&1 &
done
wait_burst=$(jobs -p | grep -v -x -e "$dbus_pid" -e "$damond_pid" ${monitor_pid:+-e "$monitor_pid"} || true)
# shellcheck disable=SC2086
wait $wait_burst 2>/dev/null || true
limited=$(cat "$tmp"/burst.* | grep -c -E 'Too many Validate calls (at once|from uid [0-9]+ \(at most 30 in 10 s\))' || true)
(( limited > 0 )) || fail "a burst of 12 Validate calls by nobody was not limited: $(sort "$tmp"/burst.* | uniq -c)"
grep -q -x 'bas true 0' "$tmp"/burst.* || fail "no Validate of the burst went through"
expect "Validate by root after nobody's burst" "$(call Validate 'a(ss)' 1 good.conf "$good")" 'bas true 0'
expect "kdamond 0 after nobody's calls" "$(cat "$kd/state")" on

# --- whatever a file holds, every string leaves damond as valid UTF-8 without control characters ---
printf '[Profile]\nDescription=caf\xe9 \x1b]0;pwned\x07\nOperations=paddr\n[Target]\nRegion=4096-1073741824\n[Scheme x]\nAction=stat\n' \
        >"$tmp/conf/latin.conf"
printf '[Profile]\nOperations=paddr\n[Target]\nRegion=4096-1073741824\n[Scheme x]\nAction=stat\n' \
        >"$tmp/conf/esc"$'\x1b'"[2J.conf"
call Reload >/dev/null 2>&1 || true
desc=$(prof latin Description) || fail "Description of a Latin-1 profile cannot be read"
expect "Description of a Latin-1 profile" "$desc" 's "caf\\xe9 \\x1b]0;pwned\\x07"'
profiles=$(mgr Profiles) || fail "Profiles cannot be read with a Latin-1 profile and a file named with ESC"
expect_match "Profiles with a file named with ESC" "$profiles" 'esc\\\\x1b\[2J'
errors=$(mgr LastReloadErrors) || fail "LastReloadErrors cannot be read"
expect_match "the error about a file named with ESC" "$errors" 'not a valid profile name'
LC_ALL=C grep -q $'[\x01-\x1f\x7f\x80-\xff]' <<<"$desc$profiles$errors" && fail "a raw control or non-ASCII byte left damond"
rm "$tmp/conf/latin.conf" "$tmp/conf/esc"$'\x1b'"[2J.conf"
call Reload >/dev/null 2>&1 || true

# --- the bus restarts: damond keeps its profiles and comes back on the new bus within seconds ---
kill -TERM "$dbus_pid"
wait "$dbus_pid" 2>/dev/null || true
rm -f "$tmp/bus"
dbus-daemon --config-file="$tmp/bus.xml" --nofork --nopidfile 2>>"$tmp/dbus.log" &
dbus_pid=$!
wait_for "damond on the restarted bus" busctl get-property org.damond1 /org/damond1/profile/reclaim \
        org.damond1.Profile State
expect "State after the bus restarted" "$(prof reclaim State)" 's "running"'
grep -q "Lost the system bus; reconnecting" "$tmp/damond.log" || fail "damond did not say it lost the bus"
grep -q "Reconnected to the system bus" "$tmp/damond.log" || fail "damond did not say it reconnected"
kill -0 "$damond_pid" 2>/dev/null || fail "damond exited when the bus went away"
call Reload >/dev/null || fail "Reload on the restarted bus failed"

# --- damond stops cleanly and gives the name back ---
kill -TERM "$damond_pid"
rc=0
wait "$damond_pid" || rc=$?
damond_pid=
expect "damond's exit status" "$rc" 0
busctl status org.damond1 >/dev/null 2>&1 && fail "org.damond1 is still on the bus after damond exited"
# --- without a bus damond runs all the same ---
DBUS_SYSTEM_BUS_ADDRESS="unix:path=$tmp/no-bus" "$damond" --fake-kernel="$gen" --config-dir="$tmp/conf" \
        2>"$tmp/damond.log" &
damond_pid=$!
wait_for "damond without a bus" grep -q "Started profile 'reclaim'" "$tmp/damond.log"
# damond starts its profiles first and tries the bus after them: the warning may come a moment later
wait_for "the warning that the bus is missing" \
        grep -q "Cannot connect to the system bus, running without D-Bus" "$tmp/damond.log"
kill -TERM "$damond_pid"
rc=0
wait "$damond_pid" || rc=$?
damond_pid=
expect "damond's exit status without a bus" "$rc" 0

echo "bus@$gen: ok"
