#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# The package's maintainer scripts (argument 1: the debian/ directory) against a fake root through
# $DPKG_ROOT, never the machine's own: postrm purge turns off the kdamonds that damond's ownership record
# names with their recorded pid and no other, and removes the record; postinst configure says when the
# kernel has no DAMON.
set -eu
debian=$1
root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
# A root that is not a fresh temporary directory would let the scripts reach the machine's DAMON.
case $root in /tmp/*|"${TMPDIR:-/tmp}"/*) ;; *) echo "mktemp gave $root"; exit 1 ;; esac
export DPKG_ROOT=$root
fail() { echo "FAIL: $*"; exit 1; }

# Before running them: no absolute machine path outside $DPKG_ROOT (comments aside), so that a script that
# lost its root fails here instead of acting on this machine.
if grep -nE '(^|[^A-Za-z0-9_}])/(sys|run|etc|proc|var)/' "$debian/damond.postrm" "$debian/damond.postinst" |
        grep -vE '^[^:]+:[0-9]+:[[:space:]]*#'; then
        fail "a maintainer script names a machine path outside \$DPKG_ROOT (above)"
fi

kd=$root/sys/kernel/mm/damon/admin/kdamonds
for i in 0 1 2; do
        mkdir -p "$kd/$i"
        echo on >"$kd/$i/state"
done
echo 111 >"$kd/0/pid"   # damond's, as recorded
echo 999 >"$kd/1/pid"   # recorded as 222: the index was reused by someone else since
echo 333 >"$kd/2/pid"   # not in the record at all
mkdir -p "$root/run/damond" "$root/etc/damond"
printf 'kdamond 0 111 default\nkdamond 1 222 other\nkdamond 3 -1 stopped\n' >"$root/run/damond/kdamonds"

sh "$debian/damond.postrm" purge
[ "$(cat "$kd/0/state")" = off ] || fail "postrm purge left damond's kdamond 0 $(cat "$kd/0/state")"
[ "$(cat "$kd/1/state")" = on ] || fail "postrm purge turned off kdamond 1, whose pid is not the recorded one"
[ "$(cat "$kd/2/state")" = on ] || fail "postrm purge turned off kdamond 2, which damond's record does not name"
[ ! -e "$root/run/damond" ] || fail "postrm purge left $root/run/damond"
[ ! -e "$root/etc/damond" ] || fail "postrm purge left the empty $root/etc/damond"
echo "ok: postrm purge: damond's kdamond off, others untouched, record and empty /etc/damond gone"

# remove (not purge) touches nothing
mkdir -p "$root/run/damond"
printf 'kdamond 2 333 x\n' >"$root/run/damond/kdamonds"
sh "$debian/damond.postrm" remove
[ "$(cat "$kd/2/state")" = on ] || fail "postrm remove turned a kdamond off"
[ -e "$root/run/damond/kdamonds" ] || fail "postrm remove removed the record"
echo "ok: postrm remove leaves kdamonds and the record alone"

msg=$(sh "$debian/damond.postinst" configure 2>&1)
[ -z "$msg" ] || fail "postinst configure with DAMON present said: $msg"
rm -rf "$root/sys/kernel/mm/damon"
msg=$(sh "$debian/damond.postinst" configure 2>&1)
case $msg in *"has no DAMON"*) ;; *) fail "postinst configure without DAMON said: '$msg'" ;; esac
echo "ok: postinst configure says when the kernel has no DAMON"
