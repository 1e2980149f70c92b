#!/bin/bash
# Two stacked updates of one function: B's pre code is A's new code, so B
# only matches (and patches A's new code) once A is applied; undoing A while B
# is applied is refused (module_busy, naming B); B then A reverse cleanly.
. "$KSPLICE_TOP/tests/lib/tap.sh"
. "$KSPLICE_TOP/tests/apply/lib/vmtest.sh"
checks=11
tap_plan $((checks + 3))
vm_setup
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

a=$(vm_update cmdline cmdline1) && b=$(vm_update cmdline-stacked stackb1)
tap_ok "$([ -f "$a" ] && [ -f "$b" ] && echo 1)" "updates A (cmdline1) and B (stackb1, on top of A) built"

{
	vm_prelude
	cat <<'S'
orig=$(cat /proc/cmdline)
A=/ksplice/ksplice-cmdline1.tar.gz B=/ksplice/ksplice-stackb1.tar.gz
status_is 10 "B alone does not match the running code (no_match)" ksplice-apply $B
status_is 0 "A applies" ksplice-apply $A
status_is 0 "B applies on top of A" ksplice-apply $B
check "B's code runs" grep -q "^ksplice-patched-twice " /proc/cmdline
status_is 15 "undoing A before B is refused (module_busy)" ksplice-undo cmdline1
check "... the kernel log says why" sh -c 'dmesg | grep -q "Update cmdline1: update stackb1 patches its new code; reverse stackb1 first"'
check "... and both stay applied, B's code running" \
	sh -c 'grep -qx applied /sys/kernel/ksplice/cmdline1/stage && grep -qx applied /sys/kernel/ksplice/stackb1/stage && grep -q "^ksplice-patched-twice " /proc/cmdline'
status_is 0 "B reverses" ksplice-undo stackb1
check "A's code runs again" sh -c 'grep -q "^ksplice-patched " /proc/cmdline'
status_is 0 "A reverses" ksplice-undo cmdline1
check "the original code runs, nothing left loaded" \
	sh -c "[ \"\$(cat /proc/cmdline)\" = \"$orig\" ] && ! grep -q 'ksplice_[a-z0-9]*_vmlinux' /proc/modules"
exit 0
S
} >"$tmp/vm.sh"
vm_run stacked "$tmp/vm.sh" --file "$a" --file "$b"
vm_results $checks
tap_finish
