#!/bin/bash
# Stacked updates of a function redirected through ftrace: A (upcs1) replaces
# __up_console_sem(), whose bytes 5-9 hold an alternatives site, through
# ftrace; B (upcsb1) replaces A's new code, which has the same site, so it is
# redirected through ftrace in turn (a second ftrace_ops, on A's new code).
# Another update of the original function is refused while A is applied
# (no_match: the running code is A's); undoing A before B is refused.
. "$KSPLICE_TOP/tests/lib/tap.sh"
. "$KSPLICE_TOP/tests/apply/lib/vmtest.sh"
checks=17
tap_plan $((checks + 3))
vm_setup
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

a=$(vm_update upcs upcs1) && b=$(vm_update upcs-stacked upcsb1) && a2=$(vm_update upcs upcs2)
tap_ok "$([ -f "$a" ] && [ -f "$b" ] && [ -f "$a2" ] && echo 1)" \
	"updates A (upcs1), B (upcsb1, on top of A) and A2 (upcs2, like A) built"

{
	vm_prelude
	cat <<'S'
T=/sys/kernel/tracing
F=__up_console_sem.constprop.0
A=/ksplice/ksplice-upcs1.tar.gz B=/ksplice/ksplice-upcsb1.tar.gz A2=/ksplice/ksplice-upcs2.tar.gz
# how many times the new code of update $1 said so; N console unlocks
says() { dmesg | grep -c "ksplice-upcs: $1 call"; }
kmsg() { i=0; while [ $i -lt $1 ]; do echo "ftrace-stacked line $i" >/dev/kmsg; i=$((i + 1)); done; }
status_is 10 "B alone does not match the running code (no_match)" ksplice-apply $B
status_is 0 "A applies" ksplice-apply $A
check "... redirected through ftrace (kernel log)" \
	sh -c "dmesg | grep -q 'Update upcs1: $F%kernel/printk/printk.c: .*: redirected through ftrace'"
kmsg 40
check "A's code runs" sh -c '[ $(dmesg | grep -c "ksplice-upcs: upcs1 call") -ge 2 ]'
status_is 10 "A2, another update of the original function, is refused while A is applied (no_match)" \
	ksplice-apply $A2
check "... nothing of A2 stays loaded, A still applied" \
	sh -c '! grep -q ksplice_upcs2 /proc/modules && [ ! -e /sys/kernel/ksplice/upcs2 ] && grep -qx applied /sys/kernel/ksplice/upcs1/stage'
status_is 0 "B applies on top of A" ksplice-apply $B
check "... A's new code redirected through ftrace too (kernel log)" \
	sh -c "dmesg | grep -q 'Update upcsb1: $F%kernel/printk/printk.c: .*: redirected through ftrace'"
check "... two IP-modifying ops: on the original function and on A's new code" \
	sh -c "grep '^$F ' $T/enabled_functions | grep -q ' I ' && grep '^new_up_console_sem' $T/enabled_functions | grep -q ' I '"
na=$(says upcs1)
kmsg 40
check "B's code runs, A's no longer" \
	sh -c "[ \$(dmesg | grep -c 'ksplice-upcs: upcsb1 call') -ge 2 ] && [ \$(dmesg | grep -c 'ksplice-upcs: upcs1 call') = $na ]"
status_is 15 "undoing A before B is refused (module_busy)" ksplice-undo upcs1
check "... both stay applied" \
	sh -c 'grep -qx applied /sys/kernel/ksplice/upcs1/stage && grep -qx applied /sys/kernel/ksplice/upcsb1/stage'
status_is 0 "B reverses" ksplice-undo upcsb1
na=$(says upcs1) nb=$(says upcsb1)
kmsg 40
check "A's code runs again, B's no longer, A's new code has no ops left" \
	sh -c "[ \$(dmesg | grep -c 'ksplice-upcs: upcs1 call') -gt $na ] && [ \$(dmesg | grep -c 'ksplice-upcs: upcsb1 call') = $nb ] && ! grep -q '^new_up_console_sem' $T/enabled_functions"
status_is 0 "A reverses" ksplice-undo upcs1
na=$(says upcs1)
kmsg 40
check "the original code runs, nothing left loaded, no ops on the function" \
	sh -c "[ \$(dmesg | grep -c 'ksplice-upcs: upcs1 call') = $na ] && ! grep -q 'ksplice_upcs' /proc/modules && ! grep -q '^$F ' $T/enabled_functions"
check "the kernel log is clean: no warning, bug or oops" sh -c '! dmesg | grep -qE "WARNING|BUG:|Oops"'
exit 0
S
} >"$tmp/vm.sh"
vm_run ftrace-stacked "$tmp/vm.sh" --file "$a" --file "$b" --file "$a2"
vm_results $checks
tap_finish
