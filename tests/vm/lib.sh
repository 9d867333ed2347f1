# Shared by the vm harness scripts (sourced, not run). Bash.

# The kernels the harness knows. Each is prepared by prepare-kernels into its own cache directory.
#   6.12       Debian's 6.12 for Debian 12: DAMON with quota goals, filters, tried regions
#   6.1-damon  6.1 built from Debian's linux-source-6.1 with kernel-6.1-damon.config: quotas, no goals
#   6.1-stock  Debian 12's own 6.1: no DAMON at all
#   6.17       Debian's 6.17 from trixie-backports: refresh_ms, dests, core/ops filters, node goals,
#              interval auto-tuning, and DAMON_STAT's kdamond running from boot
#   7.2        Debian's 7.2 from sid: addr_unit, pause, probes, the quota's fail charge, and after
vm_kernels=(6.12 6.1-damon 6.1-stock 6.17 7.2)

vm_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

vm_log() {
        echo "${0##*/}: $*" >&2
}

vm_die() {
        vm_log "$@"
        exit 1
}

# A test that cannot run here says why and exits 77, which meson counts as skipped.
vm_skip() {
        echo "SKIP: $*"
        exit 77
}

# The cache lives outside the clone: an explicit directory, else $DAMOND_VM_CACHE, else the XDG default.
vm_cache_dir() {
        local dir=${1:-${DAMOND_VM_CACHE:-}}
        [ -n "$dir" ] || dir=${XDG_CACHE_HOME:-/var/cache}/damond-vm
        echo "$dir"
}

# Prints a script's header comment (after the #! line) as its help.
vm_usage() {
        awk 'NR > 1 && !/^#/ {exit} NR > 1 {sub(/^# ?/, ""); print}' "$1"
}

vm_known_kernel() {
        local k
        for k in "${vm_kernels[@]}"; do
                [ "$k" = "$1" ] && return 0
        done
        return 1
}
