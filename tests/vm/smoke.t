#!/bin/bash
# The VM harness is real: a module built against the prepared tree loads in
# the stock kernel and prints; a script that triggers a WARNING is reported as
# failed whatever it returns; a script's exit status comes back; a hung VM is
# killed at the timeout.
. "$KSPLICE_TOP/tests/lib/tap.sh"
. "$KSPLICE_TOP/tests/lib/kmodule.sh"
tap_plan 6
vm=$KSPLICE_TOP/tests/vm/run-vm
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

ko=$(build_module tests/vm/hello)
tap_ok "$ko" "hello module builds against the prepared tree"
tap_ok "$(modinfo -F vermagic "$ko" | grep -q '^6.1.0-47-amd64 SMP preempt mod_unload modversions' && echo 1)" \
	"its vermagic is the stock kernel's"

cat >"$tmp/load.sh" <<'S'
insmod /ksplice/ksplice_hello.ko || exit 1
dmesg | grep -q 'ksplice_hello: loaded' || exit 2
lsmod | grep -q ksplice_hello || exit 3
rmmod ksplice_hello || exit 4
dmesg | grep -q 'ksplice_hello: unloaded' || exit 5
exit 0
S
"$vm" --file "$ko" --log "$KSPLICE_TOP/build/vm-logs/smoke-load.log" "$tmp/load.sh"
rc=$?
tap_ok "$([ $rc = 0 ] && echo 1)" "insmod, dmesg, rmmod in the stock kernel (status $rc)"

cat >"$tmp/warn.sh" <<'S'
insmod /ksplice/ksplice_hello.ko warn=1
exit 0
S
"$vm" --file "$ko" --log "$KSPLICE_TOP/build/vm-logs/smoke-warn.log" "$tmp/warn.sh" 2>"$tmp/err"
rc=$?
tap_ok "$([ $rc = 125 ] && grep -q 'WARNING:' "$tmp/err" && echo 1)" \
	"a WARNING fails the run although the script exits 0 (status $rc)"

printf 'exit 7\n' >"$tmp/status.sh"
"$vm" --log "$KSPLICE_TOP/build/vm-logs/smoke-status.log" "$tmp/status.sh"
rc=$?
tap_ok "$([ $rc = 7 ] && echo 1)" "the script's exit status comes back (status $rc)"

printf 'sleep 600\n' >"$tmp/hang.sh"
"$vm" --timeout 25 --log "$KSPLICE_TOP/build/vm-logs/smoke-hang.log" "$tmp/hang.sh" 2>/dev/null
rc=$?
tap_ok "$([ $rc = 124 ] && ! pgrep -f "smoke-hang.log" >/dev/null && echo 1)" \
	"a hung VM is killed at the timeout (status $rc)"
tap_finish
