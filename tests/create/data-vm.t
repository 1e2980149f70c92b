#!/bin/bash
# Data rewritten in place (packager/inplace.h, kmod/data.c), end to end on the
# stock kernel: data-inplace.patch gives /proc/consoles' read-only
# seq_operations (consoles_op, whose address boot code registered) a new
# .show, and the writable sysctl table printk_sysctls a new handler for
# printk_delay. ksplice-create says both are rewritten in place; in the VM,
# after ksplice-apply /proc/consoles lines start with "ksplice-data" and a
# read of printk_delay logs through the new handler; after ksplice-undo both
# are the stock ones again, and the new module stays loaded (the kernel may
# have copied a pointer to its functions while applied). The same patch as a second update, applied on
# top of the first, is refused (no_match, status 10: the fields no longer
# hold the pre build's values) and changes nothing. idtable-grow.patch grows
# i6300esb's PCI id table by QEMU's pci-testdev (1b36:0005) and makes the
# probe log and refuse that entry: the update carries the grown table and
# rewrites esb_driver.id_table to it; QEMU's pci-testdev cannot be bound to
# i6300esb before apply, goes through the new entry and probe after it, and
# cannot again after undo. A writable value (a registration's .family) is
# refused as custom code: analyzer.t and pack.t.
. "$KSPLICE_TOP/tests/lib/tap.sh"
. "$KSPLICE_TOP/tests/apply/lib/vmtest.sh"
tap_plan 25
vm_setup
make -C "$KSPLICE_TOP/packager" >/dev/null
out=$vm_out
vm_create datavm01 create-data.log "" --patch="$KSPLICE_TOP/tests/create/patches/data-inplace.patch"
vm_create datavm02 create-data2.log "the same patch as a second update: " -q \
	--patch="$KSPLICE_TOP/tests/create/patches/data-inplace.patch"
vm_create datavm03 create-idtable.log "a grown id table: " \
	--patch="$KSPLICE_TOP/tests/create/patches/idtable-grow.patch"
tap_ok "$(grep -q "data rewritten in place at apply (and restored at undo): drivers/watchdog/i6300esb.c: esb_pci_tbl (replaced by the update's copy; esb_driver points at it)" \
	"$out/create-idtable.log" && echo 1)" "ksplice-create replaces the grown table through esb_driver's pointer"
tap_ok "$(grep -q "data rewritten in place at apply (and restored at undo): fs/proc/consoles.c: consoles_op (1 field: +24 pointer)" "$out/create-data.log" &&
	grep -q "data rewritten in place at apply (and restored at undo): kernel/printk/sysctl.c: printk_sysctls (1 field: +224 pointer)" "$out/create-data.log" &&
	echo 1)" "ksplice-create names both objects and their changed field"

{
	vm_prelude
	cat <<'S'
delay_reads() { dmesg | grep -c "ksplice-data: printk_delay read"; }
check "before: /proc/consoles is the stock one" sh -c '! grep -q ksplice-data /proc/consoles && grep -q "^ttyS0" /proc/consoles'
status_is 0 "ksplice-apply applies the update" ksplice-apply /ksplice/ksplice-datavm01.tar.gz
check "the core matched both objects" sh -c '[ "$(dmesg | grep -c "field(s) to rewrite in place")" = 2 ]'
cat /proc/consoles
check "after apply: /proc/consoles goes through the new .show" sh -c 'grep -q "^ksplice-data ttyS0" /proc/consoles'
cat /proc/sys/kernel/printk_delay >/dev/null
check "after apply: printk_delay is read through the new handler" sh -c '[ "$(dmesg | grep -c "ksplice-data: printk_delay read")" -ge 1 ]'
check "... which still reads the value" sh -c '[ "$(cat /proc/sys/kernel/printk_delay)" = 0 ]'
status_is 10 "the same change again on top: no_match (status 10)" ksplice-apply /ksplice/ksplice-datavm02.tar.gz
check "... the kernel log names the field that no longer holds the pre value, /proc/consoles unchanged" \
	sh -c 'dmesg | grep -q "Update datavm02: no_match: data .*: the running value at offset 0x" && grep -q "^ksplice-data ttyS0" /proc/consoles && ! grep -q "^ksplice-data ksplice-data" /proc/consoles'
status_is 0 "ksplice-undo reverses it" ksplice-undo datavm01
check "after undo: /proc/consoles is the stock one" sh -c '! grep -q ksplice-data /proc/consoles && grep -q "^ttyS0" /proc/consoles'
n=$(delay_reads)
cat /proc/sys/kernel/printk_delay >/dev/null
check "after undo: printk_delay's stock handler" sh -c "[ \"\$(dmesg | grep -c 'ksplice-data: printk_delay read')\" = $n ]"
check "the pre module is gone; the new one stays, since pointers into it may have been copied" \
	sh -c '! grep -q ksplice_datavm01_vmlinux_pre /proc/modules && grep -q "^ksplice_datavm01_vmlinux_new " /proc/modules &&
		dmesg | grep -q "Update datavm01: the new module of vmlinux stays loaded: .* pointed into it while applied"'
modprobe i6300esb
dev=$(for d in /sys/bus/pci/devices/*; do [ "$(cat "$d/vendor")" = 0x1b36 ] && [ "$(cat "$d/device")" = 0x0005 ] && basename "$d"; done)
echo "pci-testdev: $dev"
drv="/sys/bus/pci/drivers/i6300ESB timer"	# esb_driver.name
bind_testdev() { echo "$dev" >"$drv/bind"; }
matched() { dmesg | grep -c "ksplice-idtable: matched by the new id table entry"; }
check "before: the stock i6300esb does not take QEMU's pci-testdev" sh -c "[ -n '$dev' ] && [ -e '$drv/bind' ] && ! echo '$dev' >'$drv/bind' && [ \$(dmesg | grep -c ksplice-idtable) = 0 ]"
status_is 0 "ksplice-apply applies the grown id table" ksplice-apply /ksplice/ksplice-datavm03.tar.gz
bind_testdev
check "after apply: pci-testdev matches the new entry and runs the new probe" sh -c '[ "$(dmesg | grep -c "ksplice-idtable: matched by the new id table entry")" = 1 ]'
status_is 0 "ksplice-undo reverses it" ksplice-undo datavm03
n=$(matched)
bind_testdev
check "after undo: the stock table again (no match, no probe)" sh -c "[ \$(dmesg | grep -c 'ksplice-idtable: matched') = $n ]"
check "the new module stays loaded (esb_driver pointed into it)" sh -c 'grep -q "^ksplice_datavm03_i6300esb_new " /proc/modules'
S
} >"$out/data-vm.sh"
vm_run data "$out/data-vm.sh" --file "$out/ksplice-datavm01.tar.gz:/ksplice/ksplice-datavm01.tar.gz" \
	--file "$out/ksplice-datavm02.tar.gz:/ksplice/ksplice-datavm02.tar.gz" \
	--file "$out/ksplice-datavm03.tar.gz:/ksplice/ksplice-datavm03.tar.gz" \
	--module i6300esb --device pci-testdev
vm_results 17
tap_finish
