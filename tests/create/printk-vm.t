#!/bin/bash
# The create side end to end: ksplice-create builds the printk update
# (patches/printk.patch) from the prepared reference tree; the stock kernel in
# the VM applies it with ksplice-apply, prints "Quoth the kernel:" before its
# messages, and undoes it.
. "$KSPLICE_TOP/tests/lib/tap.sh"
. "$KSPLICE_TOP/tests/apply/lib/vmtest.sh"
tap_plan 12
vm_setup
make -C "$KSPLICE_TOP/packager" >/dev/null
out=$vm_out
vm_create prkvm001 create-printk.log "" -q --patch="$KSPLICE_TOP/patches/printk.patch"

{
	vm_prelude
	cat <<'S'
status_is 0 "ksplice-apply applies the printk update" ksplice-apply /ksplice/ksplice-prkvm001.tar.gz
check "the core's own message comes right after Quoth the kernel: (new _printk ran)" \
	sh -c 'dmesg | grep -A1 "Quoth the kernel:" | grep -q "ksplice: Update prkvm001 applied successfully"'
n=$(dmesg | grep -c "Quoth the kernel:")
echo h >/proc/sysrq-trigger
check "a printk from a sysrq prints Quoth the kernel: again" \
	sh -c "[ \$(dmesg | grep -c 'Quoth the kernel:') -gt $n ]"
check "kernel log: ksplice: Update prkvm001 applied successfully" \
	sh -c 'dmesg | grep -q "ksplice: Update prkvm001 applied successfully$"'
check "ksplice-view lists it as applied" \
	sh -c 'ksplice-view | grep -qx "Ksplice id prkvm001 is present in the kernel and is applied."'
check "the new module is loaded" grep -q ksplice_prkvm001_vmlinux_new /proc/modules
status_is 0 "ksplice-undo reverses it" ksplice-undo prkvm001
n=$(dmesg | grep -c "Quoth the kernel:")
echo h >/proc/sysrq-trigger
check "after undo printk no longer prints Quoth the kernel:" \
	sh -c "[ \$(dmesg | grep -c 'Quoth the kernel:') = $n ]"
check "the update modules are gone" sh -c '! grep -q ksplice_prkvm001 /proc/modules'
S
} >"$out/printk-vm.sh"
vm_run printk "$out/printk-vm.sh" --file "$out/ksplice-prkvm001.tar.gz:/ksplice/ksplice-prkvm001.tar.gz"
vm_results 9
tap_finish
