# Shared shell helpers for the project's scripts. Source it; do not run it.
#
#   KSPLICE_TOP     the project checkout
#   KSPLICE_CACHE   downloads and kernel trees (default ~/.cache/ksplice)
#   KSPLICE_REF_ABI, KSPLICE_REF_PKGVER   the reference kernel (reference-kernel.conf)

KSPLICE_TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
KSPLICE_CACHE=${KSPLICE_CACHE:-$HOME/.cache/ksplice}
# shellcheck source=reference-kernel.conf
. "$KSPLICE_TOP/kbuild/reference-kernel.conf"
KSPLICE_FLAVOUR=${KSPLICE_FLAVOUR:-amd64}

ks_prog=$(basename "$0")

ks_log() { [ -n "${KSPLICE_QUIET:-}" ] || printf '%s: %s\n' "$ks_prog" "$*" >&2; }
ks_die() { printf '%s: error: %s\n' "$ks_prog" "$*" >&2; exit 1; }

# The directory of one kernel version in the cache.
ks_kernel_dir() { printf '%s/kernels/%s\n' "$KSPLICE_CACHE" "${1:-$KSPLICE_REF_PKGVER}"; }

# Serialise heavy jobs (kernel builds, VM boots): the machine has two cores.
# Takes $KSPLICE_CACHE/heavy.lock for the rest of this process (and its
# children, which see KSPLICE_HEAVY_LOCKED and do not wait for it again).
ks_lock_heavy() {
	[ -z "${KSPLICE_HEAVY_LOCKED:-}" ] || return 0
	mkdir -p "$KSPLICE_CACHE"
	exec 9>"$KSPLICE_CACHE/heavy.lock"
	flock 9
	export KSPLICE_HEAVY_LOCKED=1
}

# Fail early, with a message, when the cache's file system is nearly full.
ks_need_space() {
	local need_mb=$1 avail_mb
	mkdir -p "$KSPLICE_CACHE"
	avail_mb=$(df -Pm "$KSPLICE_CACHE" | awk 'NR == 2 { print $4 }')
	[ "$avail_mb" -ge "$need_mb" ] ||
		ks_die "not enough disk space in $KSPLICE_CACHE: ${avail_mb} MB free, ${need_mb} MB needed"
}
