#!/bin/bash
# A module-target update end to end: ksplice-create patches _fat_msg()
# (fs/fat/misc.c, built into fat.ko) to prefix FAT messages with "ksplice: ";
# in the VM, with vfat and loop loaded (not nls_cp437), a vfat mount prints the
# patched error after ksplice-apply and the original after ksplice-undo.
# Then an update whose fat part calls a function its vmlinux part adds
# (cross-target.patch: like sr.c calling cdrom.c's new function): vmlinux's
# new module is loaded first and _fat_msg's new code calls into it.
# First, an update applied while fat is not loaded (module-fat-deferred.patch:
# _fat_msg also prints the address of fat_clusters_flush, a symbol of fat
# itself, with %ps): ksplice-apply says fat will be patched when it loads;
# modprobe vfat patches it as it loads (its label site rewritten: the message
# names fat_clusters_flush [fat]); rmmod and modprobe again patch it again; undo
# restores the stock message. Before that, module-fat-init.patch changes
# fat's __init function: the update is made for fat loads only (fresh): it
# applies while fat is not loaded, fat's init runs the new code as it loads,
# and undo waits until fat is unloaded (status 23 before).
. "$KSPLICE_TOP/tests/lib/tap.sh"
. "$KSPLICE_TOP/tests/apply/lib/vmtest.sh"
tap_plan 33
vm_setup
make -C "$KSPLICE_TOP/packager" >/dev/null
out=$vm_out
vm_create fatvm001 create-fat.log "" -q --patch="$KSPLICE_TOP/tests/create/patches/module-fat.patch"
vm_create fatdef01 create-fatdef.log "deferred: " -q \
	--patch="$KSPLICE_TOP/tests/create/patches/module-fat-deferred.patch"
vm_create fatini01 create-fatini.log "init: " --patch="$KSPLICE_TOP/tests/create/patches/module-fat-init.patch"
tap_ok "$(grep -q "module init code: init_fat_fs (runs when fat loads; in fs/fat/inode.c)" "$out/create-fatini.log" &&
	grep -q "the update applies only while fat is not loaded" "$out/create-fatini.log" && echo 1)" \
	"init: ksplice-create makes the update for fat loads only"
vm_create xtgvm001 create-xtg.log "cross-target: " --patch="$KSPLICE_TOP/tests/create/patches/cross-target.patch"
tap_ok "$(grep -q "fat: calls ksplice_test_prefix, new in vmlinux" "$out/create-xtg.log" &&
	[ "$(tar -xzOf "$out/ksplice-xtgvm001.tar.gz" ksplice-xtgvm001/contents 2>/dev/null | cut -d' ' -f1 | tr '\n' ' ')" = "vmlinux fat " ] &&
	echo 1)" "cross-target: the providing target (vmlinux) comes first"

{
	vm_prelude
	cat <<'S'
modprobe loop
dd if=/dev/zero of=/tmp/fat.img bs=1024 count=4096 2>/dev/null
mkdosfs /tmp/fat.img >/dev/null
mkdir -p /mnt
# nls_cp437 is not in the VM: the mount fails with an error that fat prints
# through _fat_msg().
badmount() {
	mount -t vfat -o loop /tmp/fat.img /mnt 2>/dev/null && umount /mnt
	dmesg | grep "codepage cp437 not found" | tail -1
}
I=/ksplice/ksplice-fatini01.tar.gz
status_is 0 "init: applied while fat is not loaded" ksplice-apply $I
modprobe vfat
check "init: fat's init ran the new code as it loaded" \
	sh -c 'dmesg | grep -q "ksplice-init: fat loads with the new init code" && dmesg | grep -q "Update fatini01: module fat patched as it loaded"'
status_is 23 "init: undo refused while fat is loaded (target_loaded)" ksplice-undo fatini01
rmmod vfat; rmmod fat
status_is 0 "init: undone once fat is unloaded" ksplice-undo fatini01
check "init: nothing of it stays; fat loads with the stock init" \
	sh -c '! grep -q ksplice_fatini01 /proc/modules && modprobe vfat && [ $(dmesg | grep -c "ksplice-init: fat loads") = 1 ] && rmmod vfat && rmmod fat'
D=/ksplice/ksplice-fatdef01.tar.gz
ksplice-apply $D >/tmp/def.out 2>&1
echo "KS-DIAG deferred apply: status $?" >>$KS_RESULTS
cat /tmp/def.out
check "deferred: applied while fat is not loaded, saying it will be patched when it loads" \
	sh -c '! grep -q "^fat " /proc/modules && grep -qx "Module fat is not loaded: it will be patched when it loads." /tmp/def.out &&
		grep -q "Done! Ksplice update fatdef01 applied." /tmp/def.out'
check "deferred: the target is pending; its pre module stays loaded" \
	sh -c 'grep -qx "fat ksplice_fatdef01_fat_new pending" /sys/kernel/ksplice/fatdef01/targets && grep -q "^ksplice_fatdef01_fat_pre " /proc/modules'
modprobe vfat
check "deferred: modprobe vfat patches fat as it loads" \
	sh -c 'dmesg | grep -q "Update fatdef01: module fat patched as it loaded" && grep -qx "fat ksplice_fatdef01_fat_new patched-at-load" /sys/kernel/ksplice/fatdef01/targets'
def=$(badmount)
echo "deferred: $def"
check "deferred: the new code runs, and its reference to fat_clusters_flush was rewritten" \
	sh -c "echo '$def' | grep -q 'FAT-fs (loop[0-9]*): ksplice-deferred fat_clusters_flush \\[fat\\]: codepage cp437 not found'"
check "deferred: fat can be unloaded while patched, and is pending again" \
	sh -c 'rmmod vfat && rmmod fat && dmesg | grep -q "Update fatdef01: module fat unloaded: it will be patched again when it loads" && grep -qx "fat ksplice_fatdef01_fat_new pending" /sys/kernel/ksplice/fatdef01/targets'
modprobe vfat
def=$(badmount)
check "deferred: loaded again, patched again" \
	sh -c "[ \$(dmesg | grep -c 'Update fatdef01: module fat patched as it loaded') = 2 ] && echo '$def' | grep -q 'ksplice-deferred fat_clusters_flush \\[fat\\]: codepage'"
status_is 0 "deferred: ksplice-undo reverses it" ksplice-undo fatdef01
def=$(badmount)
check "deferred: after undo, the stock message; no module of the update stays" \
	sh -c "echo '$def' | grep -q 'FAT-fs (loop[0-9]*): codepage cp437 not found' && ! echo '$def' | grep -q ksplice && ! grep -q ksplice_fatdef01 /proc/modules"
before=$(badmount)
echo "before: $before"
check "before: the stock message" sh -c "echo '$before' | grep -q 'FAT-fs (loop[0-9]*): codepage cp437 not found'"
status_is 0 "ksplice-apply applies the fat update" ksplice-apply /ksplice/ksplice-fatvm001.tar.gz
after=$(badmount)
echo "after: $after"
check "after apply: FAT-fs (loop0): ksplice: codepage cp437 not found" \
	sh -c "echo '$after' | grep -q 'FAT-fs (loop[0-9]*): ksplice: codepage cp437 not found'"
check "ksplice-view lists it as applied" \
	sh -c 'ksplice-view | grep -qx "Ksplice id fatvm001 is present in the kernel and is applied."'
status_is 0 "ksplice-undo reverses it" ksplice-undo fatvm001
undone=$(badmount)
echo "undone: $undone"
check "after undo: the stock message again" \
	sh -c "echo '$undone' | grep -q 'FAT-fs (loop[0-9]*): codepage cp437 not found' && ! echo '$undone' | grep -q ksplice:"
check "the update modules are gone, fat stays" \
	sh -c '! grep -q ksplice_fatvm001 /proc/modules && grep -q "^fat " /proc/modules'
status_is 0 "cross-target: ksplice-apply applies it" ksplice-apply -v /ksplice/ksplice-xtgvm001.tar.gz
check "cross-target: fat's new module has the vmlinux one's function bound" \
	grep -q "^ksplice_test_prefix 0xffffffff" /sys/kernel/ksplice/xtgvm001/symbols
after=$(badmount)
echo "cross-target after: $after"
check "cross-target: _fat_msg's new code calls vmlinux's new function (ksplice-x:)" \
	sh -c "echo '$after' | grep -q 'FAT-fs (loop[0-9]*): ksplice-x: codepage cp437 not found'"
status_is 0 "cross-target: ksplice-undo reverses it" ksplice-undo xtgvm001
undone=$(badmount)
check "cross-target: after undo, the stock message and no update module" \
	sh -c "echo '$undone' | grep -q 'FAT-fs (loop[0-9]*): codepage cp437 not found' && ! echo '$undone' | grep -q ksplice && ! grep -q ksplice_xtgvm001 /proc/modules"
S
} >"$out/fat-vm.sh"
vm_run fat "$out/fat-vm.sh" --module vfat --module loop \
	--file "$out/ksplice-fatvm001.tar.gz:/ksplice/ksplice-fatvm001.tar.gz" \
	--file "$out/ksplice-xtgvm001.tar.gz:/ksplice/ksplice-xtgvm001.tar.gz" \
	--file "$out/ksplice-fatdef01.tar.gz:/ksplice/ksplice-fatdef01.tar.gz" \
	--file "$out/ksplice-fatini01.tar.gz:/ksplice/ksplice-fatini01.tar.gz"
vm_results 25
tap_finish
