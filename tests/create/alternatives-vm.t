#!/bin/bash
# New code with alternatives, paravirt sites and static locals: the update
# of console_emit_next_record() (kernel/printk/printk.c; its code carries
# .altinstructions and .parainstructions entries for the irq save/restore,
# a static local and a pr_warn_once() flag) is created, applied in the VM,
# run by every message printed on the console, and undone, without an Oops.
. "$KSPLICE_TOP/tests/lib/tap.sh"
. "$KSPLICE_TOP/tests/apply/lib/vmtest.sh"
tap_plan 10
vm_setup
make -C "$KSPLICE_TOP/packager" >/dev/null
out=$vm_out
vm_create altvm001 create-alt.log "" -q --patch="$KSPLICE_TOP/tests/create/patches/alternatives.patch"
mkdir -p "$out/alt-x" && tar -xzf "$out/ksplice-altvm001.tar.gz" -C "$out/alt-x" 2>/dev/null
secs=$(readelf -SW "$out"/alt-x/ksplice-altvm001/ksplice_altvm001_vmlinux_new.ko 2>/dev/null)
tap_ok "$(echo "$secs" | grep -q " \.altinstructions " && echo "$secs" | grep -q " \.parainstructions " &&
	echo "$secs" | grep -qE " \.altinstr_replacement +PROGBITS +[0-9a-f]+ [0-9a-f]+ 0000(0[1-9a-f]|1[0-9a-f]) " && echo 1)" \
	"the new code keeps its alternatives (only the replacement bytes it uses) and paravirt sites"
rm -rf "$out/alt-x"
{
	vm_prelude
	cat <<'S'
status_is 0 "ksplice-apply applies the update" ksplice-apply /ksplice/ksplice-altvm001.tar.gz
for i in 1 2 3; do echo h >/proc/sysrq-trigger; done
check "console unlocks run the new code: the kernel still prints" \
	sh -c 'dmesg | tail -3 | grep -q .'
check "sysfs: applied" grep -qx applied /sys/kernel/ksplice/altvm001/stage
check "the static locals were resolved" sh -c 'grep -q "^panic_console_dropped\.[0-9]*%kernel/printk/printk.c 0x" /sys/kernel/ksplice/altvm001/symbols &&
	grep -q "^__already_done\.[0-9]*%kernel/printk/printk.c 0x" /sys/kernel/ksplice/altvm001/symbols'
status_is 0 "ksplice-undo reverses it" ksplice-undo altvm001
echo h >/proc/sysrq-trigger
check "the update modules are gone" sh -c '! grep -q ksplice_altvm001 /proc/modules'
S
} >"$out/alt-vm.sh"
vm_run alternatives "$out/alt-vm.sh" --file "$out/ksplice-altvm001.tar.gz:/ksplice/ksplice-altvm001.tar.gz"
vm_results 6
tap_finish
