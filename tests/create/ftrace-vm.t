#!/bin/bash
# A function whose bytes 5-9 the kernel rewrites, redirected through ftrace:
# kernel/printk/printk.c's __up_console_sem (every console_unlock calls it)
# has an alternatives site (the irq save's paravirt call) at offset 6, right
# where the jmp would go after its ftrace nop. The update (patches/up-console-sem.patch:
# every 16th call prints "ksplice-ftrace-test: __up_console_sem call N") is
# created, applied in the VM, runs, is traced by the function tracer while
# patched, undone while traced, applied and undone again, with a clean console.
# First, with ftrace off, the apply is refused and changes nothing.
. "$KSPLICE_TOP/tests/lib/tap.sh"
. "$KSPLICE_TOP/tests/apply/lib/vmtest.sh"
checks=23
tap_plan $((checks + 3))
vm_setup
make -C "$KSPLICE_TOP/packager" >/dev/null
out=$vm_out
tgz=$out/ksplice-ftrcvm01.tar.gz
vm_create ftrcvm01 create-ftrace.log "" -q --patch="$KSPLICE_TOP/tests/create/patches/up-console-sem.patch"

{
	vm_prelude
	cat <<'S'
T=/sys/kernel/tracing
F=__up_console_sem.constprop.0
# lines of the new code's message in the kernel log
calls() { dmesg | grep -c "ksplice-ftrace-test: __up_console_sem call"; }
# N console unlocks: each line written to /dev/kmsg is printed and unlocks
kmsg() { i=0; while [ $i -lt $1 ]; do echo "ftrace-vm line $i" >/dev/kmsg; i=$((i + 1)); done; }
check "the function is traceable (available_filter_functions)" \
	grep -q "^$F\$" $T/available_filter_functions
# refused: with ftrace off, ftrace takes no IP-modifying ops (-EBUSY)
echo 0 >/proc/sys/kernel/ftrace_enabled
status_is 22 "with ftrace off (kernel.ftrace_enabled=0) ksplice-apply refuses the update (unexpected)" \
	ksplice-apply /ksplice/ksplice-ftrcvm01.tar.gz
check "kernel log: the redirect cannot be registered, and why" \
	sh -c "dmesg | grep -q 'Update ftrcvm01: $F%kernel/printk/printk.c: cannot register its ftrace redirect (-16): .*ftrace is off'"
echo 1 >/proc/sys/kernel/ftrace_enabled
kmsg 40
check "... nothing changed: no update module, no ftrace ops on the function, the old code runs" \
	sh -c "! grep -q ksplice_ftrcvm01 /proc/modules && ! grep -q '^$F ' $T/enabled_functions && ! dmesg | grep -q 'ksplice-ftrace-test:'"
status_is 0 "ksplice-apply applies the update" ksplice-apply /ksplice/ksplice-ftrcvm01.tar.gz
check "kernel log: the function is redirected through ftrace, and why" \
	sh -c "dmesg | grep -q 'Update ftrcvm01: $F%kernel/printk/printk.c: trampoline bytes 5-9 overlap code the kernel rewrites (an alternatives site at 6): redirected through ftrace'"
check "kernel log: ksplice: Update ftrcvm01 applied successfully" \
	sh -c 'dmesg | grep -q "ksplice: Update ftrcvm01 applied successfully$"'
check "ftrace lists the function with an IP-modifying ops (enabled_functions: I)" \
	sh -c "grep '^$F ' $T/enabled_functions | grep -q ' I '"
kmsg 40
check "the new code runs: console unlocks print its message" sh -c '[ $(dmesg | grep -c "ksplice-ftrace-test: __up_console_sem call") -ge 2 ]'
n1=$(calls)
check "... its counter goes up (calls 16, 32, ...)" \
	sh -c 'dmesg | grep -o "ksplice-ftrace-test: __up_console_sem call [0-9]*" | awk "{ if (\$NF != 16 * NR) exit 1 }"'
# the function tracer on the patched function
echo "$F" >$T/set_ftrace_filter
echo function >$T/current_tracer
echo >$T/trace
kmsg 40
check "the function tracer traces the patched function" grep -q "$F <-" $T/trace
check "... and the new code still runs under it" sh -c "[ \$(dmesg | grep -c 'ksplice-ftrace-test: __up_console_sem call') -gt $n1 ]"
check "... two ops on the function: the tracer's and the redirect (I)" \
	sh -c "grep '^$F (2)' $T/enabled_functions | grep -q ' I '"
status_is 0 "ksplice-undo reverses it while it is traced" ksplice-undo ftrcvm01
echo >$T/trace
n2=$(calls)
kmsg 64
check "after undo the tracer still traces the original function" grep -q "$F <-" $T/trace
check "... with the redirect's ops gone (enabled_functions: 1 ops, no I)" \
	sh -c "grep -q '^$F (1) ' $T/enabled_functions && ! grep '^$F ' $T/enabled_functions | grep -q ' I '"
check "after undo the original code runs (64 console unlocks, no new message)" \
	sh -c "[ \$(dmesg | grep -c 'ksplice-ftrace-test: __up_console_sem call') = $n2 ]"
echo nop >$T/current_tracer
echo >$T/set_ftrace_filter
check "kernel log: ksplice: Update ftrcvm01 reversed successfully" \
	sh -c 'dmesg | grep -q "ksplice: Update ftrcvm01 reversed successfully$"'
check "the update modules are gone, ftrace has no op on the function" \
	sh -c "! grep -q ksplice_ftrcvm01 /proc/modules && ! grep -q '^$F ' $T/enabled_functions"
status_is 0 "the update applies again" ksplice-apply /ksplice/ksplice-ftrcvm01.tar.gz
n3=$(calls)
kmsg 40
check "... its code runs again" sh -c "[ \$(dmesg | grep -c 'ksplice-ftrace-test: __up_console_sem call') -gt $n3 ]"
status_is 0 "... and reverses again" ksplice-undo ftrcvm01
check "the kernel log is clean: no warning, bug or oops" sh -c '! dmesg | grep -qE "WARNING|BUG:|Oops"'
exit 0
S
} >"$out/ftrace-vm.sh"
vm_run ftrace "$out/ftrace-vm.sh" --file "$tgz:/ksplice/ksplice-ftrcvm01.tar.gz"
vm_results $checks
tap_finish
