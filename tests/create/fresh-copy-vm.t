#!/bin/bash
# A writable static of a module whose size changes, in an update made for the
# module's loads (fresh-copy.patch: xt_mac's mac_mt_reg becomes an array of
# two matches, the upstream fix's shape, the second named "ksplicemac" for
# IPv6 so that it shows): the new code carries a fresh copy of it, and every
# function that uses it, __init and __exit too, is replaced
# (packager/diff.c fresh_instance()). In the VM: applied while xt_mac is not
# loaded; modprobe xt_mac runs the new init, which registers the copy
# ("ksplicemac" in /proc/net/ip6_tables_matches), and its THIS_MODULE is
# xt_mac (what the copy's .me pins), not the update's module; undo is refused while
# xt_mac is loaded (status 23); unloaded (the copy unregistered by the new
# exit code), undone; loaded again, stock.
. "$KSPLICE_TOP/tests/lib/tap.sh"
. "$KSPLICE_TOP/tests/apply/lib/vmtest.sh"
tap_plan 11
vm_setup
make -C "$KSPLICE_TOP/packager" >/dev/null
out=$vm_out
vm_create frcopy01 create-frcopy.log "" --patch="$KSPLICE_TOP/tests/create/patches/fresh-copy.patch"
tap_ok "$(grep -q "data set as the module loads: net/netfilter/xt_mac.c: mac_mt_reg (a fresh copy in the update" "$out/create-frcopy.log" &&
	grep -q "the update applies only while xt_mac is not loaded" "$out/create-frcopy.log" && echo 1)" \
	"ksplice-create: mac_mt_reg is a fresh copy; the update is made for xt_mac's loads"
{
	vm_prelude
	cat <<'S'
M=/proc/net/ip6_tables_matches
modprobe ip6_tables
status_is 0 "applied while xt_mac is not loaded" ksplice-apply /ksplice/ksplice-frcopy01.tar.gz
modprobe xt_mac
check "xt_mac's init ran the new code: the copy's second match is registered" \
	sh -c "dmesg | grep -q 'Update frcopy01: module xt_mac patched as it loaded' && grep -qx ksplicemac $M"
check "THIS_MODULE in the new code is xt_mac, not the update's module (what the copy's .me pins)" \
	sh -c "dmesg | grep -q 'ksplicemac: registered by xt_mac\$'"
status_is 23 "undo refused while xt_mac is loaded (target_loaded)" ksplice-undo frcopy01
check "rmmod xt_mac: the new exit code unregisters the copy" \
	sh -c "rmmod xt_mac && ! grep -q ksplicemac $M"
status_is 0 "undone once xt_mac is unloaded" ksplice-undo frcopy01
check "xt_mac loads stock again: no ksplicemac, no module of the update" \
	sh -c "modprobe xt_mac && grep -q '^mac$' $M && ! grep -q ksplicemac $M && ! grep -q ksplice_frcopy01 /proc/modules"
S
} >"$out/frcopy-vm.sh"
vm_run frcopy "$out/frcopy-vm.sh" --module xt_mac --module ip6_tables \
	--file "$out/ksplice-frcopy01.tar.gz:/ksplice/ksplice-frcopy01.tar.gz"
vm_results 7
tap_finish
