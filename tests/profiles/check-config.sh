#!/usr/bin/env bash
# damond --check-config as a user runs it: exit status, the error lines on stderr, the compiled
# result on stdout. Usage: check-config.sh DAMOND SOURCE_ROOT
set -euo pipefail
damond=$(realpath "$1")
src=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "check-config.sh: $*" >&2; exit 1; }

# A valid profile: exit 0, nothing on stderr, the compiled spec on stdout.
"$damond" --check-config --kernel=6.18 "$src/conf/examples/process-hugepages.conf" >"$tmp/out" 2>"$tmp/err" ||
        fail "a valid profile was refused: $(cat "$tmp/err")"
[ ! -s "$tmp/err" ] || fail "a valid profile printed: $(cat "$tmp/err")"
grep -qx '# profile process-hugepages' "$tmp/out" || fail "no profile header in the output"
grep -qx 'contexts/0/schemes/0/action hugepage' "$tmp/out" || fail "no compiled scheme in the output"

# An invalid profile: exit non-zero, exactly the corpus's expected lines on stderr.
cd "$src/tests/profiles/invalid"
for name in unknown-action duplicate-scheme kernel-5.18-lru-actions; do
        kernel=6.18
        if head -n1 "$name.conf" | grep -q '^# kernel: '; then
                kernel=$(head -n1 "$name.conf" | sed 's/^# kernel: //')
        fi
        if "$damond" --check-config --kernel="$kernel" "$name.conf" >"$tmp/out" 2>"$tmp/err"; then
                fail "$name.conf was accepted"
        fi
        diff -u "$name.expected" "$tmp/err" || fail "$name.conf: unexpected messages"
        grep -q ': invalid$' "$tmp/out" || fail "$name.conf: not marked invalid on stdout"
done

# The running kernel is probed read-only below --root: a root without DAMON refuses every profile.
mkdir -p "$tmp/root"
if "$damond" --check-config --root="$tmp/root" "$src/conf/examples/process-hugepages.conf" >"$tmp/out" 2>"$tmp/err"; then
        fail "a kernel without DAMON accepted a profile"
fi
grep -q 'no DAMON sysfs interface' "$tmp/err" || fail "no word about the missing DAMON: $(cat "$tmp/err")"

# --config-dir=DIR replaces the installed directories, as it does for the daemon.
mkdir -p "$tmp/confdir"
printf '[Profile]\nEnabled=maybe\n' >"$tmp/confdir/broken.conf"
if "$damond" --check-config --kernel=6.18 --config-dir="$tmp/confdir" >"$tmp/out" 2>"$tmp/err"; then
        fail "--config-dir with a broken profile was accepted"
fi
grep -q "^$tmp/confdir/broken.conf:2: Enabled=maybe: invalid boolean" "$tmp/err" ||
        fail "--config-dir: no error for the broken profile: $(cat "$tmp/err")"
grep -qx '# profile broken: invalid' "$tmp/out" || fail "--config-dir: the broken profile is not marked invalid"

# Usage errors.
if "$damond" --check-config --kernel=4.19 2>/dev/null; then fail "--kernel=4.19 was accepted"; fi
"$damond" --help | grep -q -- '--check-config' || fail "--help does not mention --check-config"
echo "check-config.sh: ok"
