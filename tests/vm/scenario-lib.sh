# Helpers for scenarios (bash), staged into the guest as /vmtest/lib.sh: `. /vmtest/lib.sh`.
# A scenario runs as root inside the VM; this is the only place the real DAMON sysfs is written.

# Only ever inside the harness's VM, whose kernel command line run-scenario marks: sourced anywhere else
# (this machine, whose kernel may run a kdamond of its own), every script that uses this library stops here.
if ! grep -qw 'damond.vmtest=1' /proc/cmdline 2>/dev/null; then
        echo "$0: runs only inside the VM that tests/vm/run-scenario boots, never on this machine" >&2
        exit 2
fi

# The guest's sysfs: every DAMON path below is under it.
SYSFS=/sys
DAMON_ADMIN=$SYSFS/kernel/mm/damon/admin
DAMON_MODULES=$SYSFS/module
KDAMONDS=$DAMON_ADMIN/kdamonds
U64_MAX=18446744073709551615

fail() {
        echo "FAIL: $*"
        fail_context
        exit 1
}

# What the kernel side looked like when a check failed: each kdamond's state and thread, and the stack of
# every task blocked in the kernel (a sysfs write that waits on a kdamond shows there).
fail_context() {
        local k t
        echo "--- at the failure: kdamonds and blocked tasks"
        for k in "$KDAMONDS"/[0-9]*; do
                [ -d "$k" ] || continue
                echo "  kdamond ${k##*/}: state $(cat "$k/state" 2>&1) pid $(cat "$k/pid" 2>&1)"
        done
        for t in /proc/[0-9]*/task/[0-9]*; do
                grep -q '^State:.*D (disk sleep)' "$t/status" 2>/dev/null || continue
                echo "  blocked: ${t#/proc/} $(cat "$t/comm" 2>/dev/null)"
                sed 's/^/    /' "$t/stack" 2>/dev/null
        done
}

skip() {
        echo "SKIP: $*"
        exit 77
}

step() {
        echo "--- $*"
}

# Runs a command, shows its output, keeps it in $out and its exit status in $rc; never exits.
run() {
        echo "\$ $*"
        set +e
        out=$("$@" 2>&1)
        rc=$?
        set -e
        [ -z "$out" ] || echo "$out" | sed 's/^/  /'
        [ $rc = 0 ] || echo "  (exit status $rc)"
}

# Like run, but the command must succeed.
must() {
        run "$@"
        [ $rc = 0 ] || fail "'$*' failed with status $rc"
}

# The value of KEY in key=value words of TEXT (first line holding it): kv KEY "$out"
kv() {
        echo "$2" | tr ' ' '\n' | sed -n "s/^$1=//p" | head -n 1
}

# The value of KEY on the line of TEXT that starts with PREFIX: kv_line PREFIX KEY "$out"
kv_line() {
        kv "$2" "$(echo "$3" | grep -E "^$1" | head -n 1)"
}

expect_eq() {
        [ "$2" = "$3" ] || fail "$1: expected '$3', got '$2'"
        echo "  ok: $1 = $2"
}

expect_gt() {
        [ -n "$2" ] && [ "$2" -gt "$3" ] || fail "$1: expected more than $3, got '$2'"
        echo "  ok: $1 = $2 (> $3)"
}

# damon-tool is installed in LIBEXECDIR/damond, out of the users' PATH; scenarios call it by name.
PATH=$PATH:/usr/libexec/damond:/usr/local/libexec/damond

need_damon_tool() {
        command -v damon-tool >/dev/null ||
                fail "damon-tool is not installed in the guest (is the build directory's install complete?)"
}

# The probe's verdict on a feature (yes, no, inferred): probe_feature NAME "$probe_output"
probe_feature() {
        echo "$2" | awk -v f="$1" '$1 == "feature" && $2 == f {print $4}'
}

# Waits up to SEC seconds for a command to succeed: wait_for SEC CMD...
wait_for() {
        local t=$1
        shift
        for _ in $(seq "$(( t * 5 ))"); do
                "$@" >/dev/null 2>&1 && return 0
                sleep 0.2
        done
        return 1
}

# A DAMON sysfs file: a kdamond's state and pid (and nr_kdamonds) fail to read with EBUSY while any DAMON
# sysfs command is in flight (their show handlers only trylock DAMON's sysfs lock). From 6.14 a kdamond
# serves commands once per sampling interval, which the kernel's interval auto-tuning (6.15+, on in the
# shipped policies) may lengthen to MaxSampleInterval= (10 s), and an inactive one at its next watermark
# check (5 s): retried for 30 s.
sysfs_cat() {
        local i
        for i in $(seq 150); do
                cat "$1" 2>/dev/null && return 0
                sleep 0.2
        done
        cat "$1"
}

# The kernel files of kdamond K, read straight from the guest's sysfs (to check the driver's writes).
kd_file() {
        sysfs_cat "$KDAMONDS/$1/$2"
}
