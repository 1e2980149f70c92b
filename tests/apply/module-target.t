#!/bin/bash
# A module target (the kstest fixture module): applied while the module is not
# loaded, it is patched as it loads (kmod/coming.c) and undone while loaded;
# code_busy while a task sleeps inside a function to replace, naming
# the task, then applied once it has left; the target cannot be unloaded while
# patched; undo is code_busy while a task sleeps in the new code, then works.
# The same update flagged as a layout change (KSPLICE_TARGET_FRESH): refused
# while kstest is loaded (target_loaded, 23), applied once it is unloaded and
# patched as it loads; undo refused while it is loaded, done once unloaded.
. "$KSPLICE_TOP/tests/lib/tap.sh"
. "$KSPLICE_TOP/tests/apply/lib/vmtest.sh"
checks=26
tap_plan $((checks + 3))
vm_setup
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

tarball=$(vm_update kstest kstest1 --description="kstest value 2")
fresh=$(vm_update kstest kstest2 --description="kstest value 2, fresh" --fresh)
tap_ok "$([ -f "$tarball" ] && [ -f "$fresh" ] && [ -f "$vm_out/kstest.ko" ] && echo 1)" "kstest module and its updates built"

{
	vm_prelude
	cat <<'S'
U=/ksplice/ksplice-kstest1.tar.gz
status_is 0 "applied while the target module is not loaded" ksplice-apply $U
insmod /ksplice/kstest.ko
check "kstest says value 2 as soon as it loads" sh -c 'grep -qx "value 2" /proc/kstest && dmesg | grep -q "Update kstest1: module kstest patched as it loaded"'
status_is 0 "undone while it is loaded" ksplice-undo kstest1
check "kstest says value 1; nothing of the update stays loaded" \
	sh -c 'grep -qx "value 1" /proc/kstest && ! grep -q ksplice_kstest1 /proc/modules && [ ! -e /sys/kernel/ksplice/kstest1 ]'
echo 12 >/proc/kstest &
sleeper=$!
sleep 2
ksplice-apply $U >/tmp/busy.out 2>&1
echo "KS-DIAG apply while busy: status $?" >>$KS_RESULTS
status_is 0 "the sleeper is still inside kstest_sleep" kill -0 $sleeper
check "apply while a task sleeps in kstest_sleep is code_busy" grep -q "aborted (code_busy)" /tmp/busy.out
check "... naming the task and function" grep -q "^sh $sleeper kstest_sleep%kstest.c" /tmp/busy.out
check "... and nothing changed" sh -c 'grep -qx "value 1" /proc/kstest && ! grep -q ksplice_kstest1 /proc/modules'
wait $sleeper
status_is 0 "applied once the task has left" ksplice-apply $U
check "kstest now says value 2" grep -qx "value 2" /proc/kstest
check "the patched target module cannot be unloaded" sh -c '! rmmod kstest && grep -q "^kstest " /proc/modules'
echo 12 >/proc/kstest &
sleeper=$!
sleep 2
ksplice-undo kstest1 >/tmp/busy.out 2>&1
echo "KS-DIAG undo while busy: status $?" >>$KS_RESULTS
check "undo while a task sleeps in the new kstest_sleep is code_busy" grep -q "aborted (code_busy)" /tmp/busy.out
check "... naming the task" grep -q "^sh $sleeper kstest_sleep%kstest.c" /tmp/busy.out
check "... and it stays applied" sh -c 'grep -qx applied /sys/kernel/ksplice/kstest1/stage && grep -qx "value 2" /proc/kstest'
wait $sleeper
status_is 0 "undo works once the task has left" ksplice-undo kstest1
check "kstest says value 1 again" grep -qx "value 1" /proc/kstest
check "the target module unloads" rmmod kstest
check "kernel log has both success lines" sh -c 'dmesg | grep -q "ksplice: Update kstest1 applied successfully" && dmesg | grep -q "ksplice: Update kstest1 reversed successfully"'
F=/ksplice/ksplice-kstest2.tar.gz
insmod /ksplice/kstest.ko
status_is 23 "fresh: refused while kstest is loaded (target_loaded)" ksplice-apply $F
check "... naming the module, and nothing stays loaded" \
	sh -c 'dmesg | grep -q "Update kstest2: module kstest is loaded, and the update changes the layout" && ! grep -q ksplice_kstest2 /proc/modules && grep -qx "value 1" /proc/kstest'
rmmod kstest
status_is 0 "fresh: applied once kstest is unloaded" ksplice-apply $F
insmod /ksplice/kstest.ko
check "fresh: kstest is patched as it loads (value 2)" grep -qx "value 2" /proc/kstest
status_is 23 "fresh: undo refused while kstest is loaded" ksplice-undo kstest2
check "... it stays applied" sh -c 'grep -qx applied /sys/kernel/ksplice/kstest2/stage && grep -qx "value 2" /proc/kstest'
rmmod kstest
status_is 0 "fresh: undone once kstest is unloaded" ksplice-undo kstest2
insmod /ksplice/kstest.ko
check "fresh: kstest loads unpatched (value 1), no module of the update stays" \
	sh -c 'grep -qx "value 1" /proc/kstest && ! grep -q ksplice_kstest2 /proc/modules'
exit 0
S
} >"$tmp/vm.sh"
vm_run module-target "$tmp/vm.sh" --file "$tarball" --file "$fresh" --file "$vm_out/kstest.ko" --timeout 240
vm_results $checks
tap_finish
