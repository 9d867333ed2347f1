#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Every MESSAGE_ID of daemon/message-ids.h has exactly one entry in damond.catalog, with a Subject,
# and the catalog names no other id; then journalctl compiles it (as --update-catalog does on
# install) and prints each entry back. Without journalctl only the first part runs.
#
#   test-catalog.sh MESSAGE_IDS_H CATALOG
set -eu

header=$1 catalog=$2
tmp=$(mktemp -d "${TMPDIR:-/tmp}/damond-catalog.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
fail=0

sed -n 's/^#define DAMOND_MESSAGE_[A-Z_]* *"\([0-9a-f]\{32\}\)".*/\1/p' "$header" | sort >"$tmp/ids"
sed -n 's/^-- \([0-9a-f]\{32\}\)$/\1/p' "$catalog" | sort >"$tmp/entries"
[ -s "$tmp/ids" ] || { echo "FAIL: no MESSAGE_ID found in $header"; exit 1; }

for id in $(comm -23 "$tmp/ids" "$tmp/entries"); do
        echo "FAIL: $id ($(grep -o "DAMOND_MESSAGE_[A-Z_]* *\"$id" "$header" | cut -d' ' -f1)) has no entry in $catalog"
        fail=1
done
for id in $(comm -13 "$tmp/ids" "$tmp/entries"); do
        echo "FAIL: $catalog has an entry for $id, which $header does not define"
        fail=1
done
for id in $(uniq -d "$tmp/entries"); do
        echo "FAIL: $id has more than one entry in $catalog"
        fail=1
done
# Each entry: the id line, then a Subject: before the next entry.
awk '/^-- [0-9a-f]+$/ { if (id != "" && !subj) { print "FAIL: " id " has no Subject:"; bad = 1 }
                          id = $2; subj = 0; next }
     /^Subject: ./ { subj = 1 }
     END { if (id != "" && !subj) { print "FAIL: " id " has no Subject:"; bad = 1 }; exit bad }' \
        "$catalog" || fail=1
[ "$fail" = 0 ] || exit 1
echo "$(wc -l <"$tmp/ids") MESSAGE_IDs, each with one catalog entry"

if ! command -v journalctl >/dev/null 2>&1; then
        echo "journalctl not installed: the catalog's syntax was not checked by it"
        exit 0
fi
mkdir -p "$tmp/root/usr/lib/systemd/catalog"
cp "$catalog" "$tmp/root/usr/lib/systemd/catalog/damond.catalog"
journalctl --root="$tmp/root" --update-catalog
journalctl --root="$tmp/root" --list-catalog >"$tmp/listed"
for id in $(cat "$tmp/ids"); do
        grep -q "^$id " "$tmp/listed" || { echo "FAIL: journalctl did not compile the entry of $id"; fail=1; }
done
[ "$fail" = 0 ] || exit 1
echo "journalctl --update-catalog: every entry compiled"
