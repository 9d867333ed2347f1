#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The bash completion of damonctl (shell-completion/bash/damonctl): verbs, options, profile names after
# the verbs that take one (from `damonctl list --no-legend`, here a stub on PATH), nothing after reload;
# both completions know every verb and option of --help, and zsh parses its completion.
# Usage: completion.sh SOURCE_ROOT
set -euo pipefail

root=${1:?usage: completion.sh SOURCE_ROOT}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

cat >"$tmp/damonctl" <<'STUB'
#!/bin/sh
[ "$*" = "list --no-legend" ] || exit 2
printf 'batch     stopped - vaddr -\ndefault   running 0 paddr 512.0M\nweb-cache failed  - vaddr -\n'
STUB
chmod +x "$tmp/damonctl"

fail=0
# expect "EXPECTED" WORD...: the last word is the one being completed.
expect() {
        local want=$1 got
        shift
        got=$(PATH="$tmp:$PATH" bash -c '
                root=$1; shift
                source "$root/shell-completion/bash/damonctl"
                COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1))
                _damonctl
                echo "${COMPREPLY[*]}"' bash "$root" "$@")
        if [ "$got" != "$want" ]; then
                echo "FAIL: '$*': got '$got', want '$want'"
                fail=1
        else
                echo "ok: '$*' -> '$got'"
        fi
}

expect "status list show features validate reload start stop metrics report" damonctl ""
expect "status show start stop" damonctl s
expect "list" damonctl --json l
expect "--help --version --json --json=pretty --json=short --json=off --no-pager --no-legend --quiet --output=" damonctl --
expect "wss heatmap footprint" damonctl report ""
expect "batch default web-cache" damonctl show ""
expect "web-cache" damonctl start w
expect "default" damonctl --json status d
expect "" damonctl reload ""

# Both completions (bash and zsh) know every option and verb of `damonctl --help`.
help=$(sed -n 's/^ *printf("\(.*\)\\n"$/\1/p; s/^ *"\(.*\)\\n"$/\1/p' "$root/daemon/damonctl.c")
opts=$(printf '%s\n' "$help" | grep -oE '(^| )--?[a-z][a-z-]*' | tr -d ' ' | sort -u)
verbs=$(printf '%s\n' "$help" | sed -n 's/^  \([a-z]\+\) .*/\1/p' | sort -u)
[ -n "$opts" ] && [ -n "$verbs" ] || { echo "FAIL: no options or verbs found in damonctl.c's help"; exit 1; }
for f in bash/damonctl zsh/_damonctl; do
        for w in $opts $verbs; do
                grep -qe "$w" "$root/shell-completion/$f" || { echo "FAIL: $f does not complete $w"; fail=1; }
        done
done
# the zsh completion parses (zsh -n); without zsh (tools/install-deps installs it) that is a skip
if command -v zsh >/dev/null; then
        zsh -n "$root/shell-completion/zsh/_damonctl" || { echo "FAIL: zsh cannot parse _damonctl"; fail=1; }
else
        echo "SKIP: zsh is not installed: the zsh completion is not parsed"
        [ "$fail" = 1 ] || exit 77
fi
echo "completions: $(echo $opts $verbs | wc -w) options and verbs of --help in bash and zsh"
exit $fail
