#!/bin/bash
# New code that calls a module's own tracepoint, applied before the module
# loads (module-trace-deferred.patch: mac80211's drv_start, which calls
# trace_drv_start(), also logs "ksplice-trace: drv_start of phyN"). The
# tracepoint, its static call key and its trampoline are mac80211's, so the
# update's new module cannot have them yet: the core binds them to disabled
# stand-ins of its own (kmod/coming.c), and the new code's events never fire.
# In the VM: applied while mac80211 is not loaded; modprobe mac80211_hwsim
# patches it as it loads; bringing wlan0 up runs the new drv_start; with the
# mac80211 events on, the unpatched code's events are traced, the new code's
# drv_start is not; unloaded, undone, nothing of the update stays. First,
# new code that uses one of the module's other static keys
# (module-static-key.patch: ieee80211_txq_airtime_check tests aql_disable)
# is refused while mac80211 is not loaded (status 17, naming the key and
# __jump_table), and nothing changes.
. "$KSPLICE_TOP/tests/lib/tap.sh"
. "$KSPLICE_TOP/tests/apply/lib/vmtest.sh"
tap_plan 15
vm_setup
make -C "$KSPLICE_TOP/packager" >/dev/null
out=$vm_out
vm_create trcdef01 create-trace.log "" -q \
	--patch="$KSPLICE_TOP/tests/create/patches/module-trace-deferred.patch"
vm_create skeydef1 create-skey.log "static key: " -q \
	--patch="$KSPLICE_TOP/tests/create/patches/module-static-key.patch"
{
	vm_prelude
	cat <<'S'
T=/sys/kernel/tracing
mount -t tracefs nodev $T 2>/dev/null
ksplice-apply /ksplice/ksplice-skeydef1.tar.gz >/tmp/skey.out 2>&1
st=$?
cat /tmp/skey.out
check "static key: refused while mac80211 is not loaded (status $st, target_not_loaded), naming aql_disable in __jump_table" \
	sh -c "[ $st = 17 ] && grep -q 'mac80211: its new code refers to aql_disable from __jump_table, which the module loader acts on' /tmp/skey.out"
check "static key: nothing of it stays" \
	sh -c '[ ! -e /sys/kernel/ksplice/skeydef1 ] && ! grep -q ksplice_skeydef1 /proc/modules && ! grep -q "^mac80211 " /proc/modules'
ksplice-apply /ksplice/ksplice-trcdef01.tar.gz >/tmp/apply.out 2>&1
echo "KS-DIAG apply: status $?" >>$KS_RESULTS
cat /tmp/apply.out
check "applied while mac80211 is not loaded, saying it will be patched when it loads" \
	sh -c '! grep -q "^mac80211 " /proc/modules && grep -qx "Module mac80211 is not loaded: it will be patched when it loads." /tmp/apply.out'
off=$(grep " ksplice_off_tracepoint" /proc/kallsyms | cut -d" " -f1)
check "mac80211's tracepoint is bound to the core's disabled stand-in ($off)" \
	sh -c "[ -n '$off' ] && grep -q '^__tracepoint_drv_start 0x0*${off#0*} deferred' /sys/kernel/ksplice/trcdef01/symbols"
modprobe mac80211_hwsim radios=1
check "modprobe mac80211_hwsim patches mac80211 as it loads" \
	sh -c 'dmesg | grep -q "Update trcdef01: module mac80211 patched as it loaded"'
echo 1 >$T/events/mac80211/enable
ip link set wlan0 up
check "the new drv_start runs" sh -c 'dmesg | grep -q "ksplice-trace: drv_start of phy"'
check "the events of the unpatched code are traced; the new code's drv_start is not" \
	sh -c "grep -q ' drv_add_interface:' $T/trace && ! grep -q ' drv_start:' $T/trace"
ip link set wlan0 down
echo 0 >$T/events/mac80211/enable
check "mac80211 unloads while patched, and is pending again" \
	sh -c 'rmmod mac80211_hwsim && rmmod mac80211 && grep -qx "mac80211 ksplice_trcdef01_mac80211_new pending" /sys/kernel/ksplice/trcdef01/targets'
status_is 0 "ksplice-undo reverses it" ksplice-undo trcdef01
check "no module of the update stays" sh -c '! grep -q ksplice_trcdef01 /proc/modules'
modprobe mac80211_hwsim radios=1
ip link set wlan0 up
check "after undo, mac80211 loads with the stock drv_start" \
	sh -c '[ $(dmesg | grep -c "ksplice-trace: drv_start") = 1 ]'
S
} >"$out/trace-vm.sh"
vm_run trace "$out/trace-vm.sh" --module mac80211_hwsim \
	--file "$out/ksplice-trcdef01.tar.gz:/ksplice/ksplice-trcdef01.tar.gz" \
	--file "$out/ksplice-skeydef1.tar.gz:/ksplice/ksplice-skeydef1.tar.gz"
vm_results 11
tap_finish
