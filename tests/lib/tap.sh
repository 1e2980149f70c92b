# TAP helpers for the project's shell tests (*.t). Source it.
#
#	. "$KSPLICE_TOP/tests/lib/tap.sh"
#	tap_plan 2
#	tap_ok "$([ 1 = 1 ] && echo 1)" "one is one"   # or:
#	tap_run "module loads" insmod foo.ko           # ok when the command succeeds
#	tap_finish
#
# A test program is one process, so the counters are plain shell variables.

tap_n=0
tap_failed=0
tap_planned=

tap_plan() { tap_planned=$1; echo "TAP version 13"; echo "1..$1"; }
tap_diag() { printf '# %s\n' "$@"; }

# tap_ok COND DESCRIPTION: COND is a shell word; empty, 0 or "false" fails.
tap_ok() {
	tap_n=$((tap_n + 1))
	case $1 in
	"" | 0 | false) tap_failed=$((tap_failed + 1)); echo "not ok $tap_n - $2" ;;
	*) echo "ok $tap_n - $2" ;;
	esac
}

# tap_run DESCRIPTION COMMAND...: ok when COMMAND exits 0; its output becomes
# diagnostics when it fails.
tap_run() {
	local desc=$1 out
	shift
	if out=$("$@" 2>&1); then
		tap_ok 1 "$desc"
	else
		tap_ok 0 "$desc"
		printf '%s\n' "$out" | tail -n 30 | sed 's/^/# /'
	fi
}

tap_skip() { tap_n=$((tap_n + 1)); echo "ok $tap_n - $1 # SKIP ${2:-}"; }

tap_finish() {
	if [ -n "$tap_planned" ] && [ "$tap_n" != "$tap_planned" ]; then
		tap_diag "planned $tap_planned tests but ran $tap_n"
		return 1
	fi
	[ "$tap_failed" = 0 ]
}
