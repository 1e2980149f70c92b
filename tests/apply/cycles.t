#!/bin/bash
# Many apply/undo cycles of /proc/cmdline's show function while a reader on
# each CPU calls it in a loop: every apply and undo succeeds, the right code
# runs after each, the readers never stop, no Oops/WARNING.
# KSPLICE_APPLY_CYCLES (default 100) sets the number of cycles.
. "$KSPLICE_TOP/tests/lib/tap.sh"
. "$KSPLICE_TOP/tests/apply/lib/vmtest.sh"
cycles=${KSPLICE_APPLY_CYCLES:-100}
checks=6
tap_plan $((checks + 3))
vm_setup
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

tarball=$(vm_update cmdline cmdline1)
tap_ok "$([ -f "$tarball" ] && echo 1)" "update tarball built"

{
	vm_prelude
	echo "CYCLES=$cycles"
	cat <<'S'
orig=$(cat /proc/cmdline)
cat >/tmp/reader.sh <<'R'
i=0
while :; do
	read -r line </proc/cmdline
	i=$((i + 1))
	echo $i >/tmp/count$1
done
R
pin=
command -v taskset >/dev/null && pin=1
for c in 0 1; do
	echo 0 >/tmp/count$c
	${pin:+taskset -c $c} sh /tmp/reader.sh $c &
done
echo "KS-DIAG readers pinned to CPUs: ${pin:-no (no taskset)}" >>$KS_RESULTS
# a reader may be rewriting its count: read until it is a number
cnt() { v=; while [ -z "$v" ]; do v=$(cat /tmp/count$1); done; echo $v; }
sleep 1
fail_apply=0 fail_undo=0 fail_new=0 fail_old=0 stalled=0
start=$(date +%s)
n=0
while [ $n -lt $CYCLES ]; do
	n=$((n + 1))
	a0=$(cnt 0) b0=$(cnt 1)
	ksplice-apply /ksplice/ksplice-cmdline1.tar.gz >/tmp/out 2>&1 ||
		{ fail_apply=$((fail_apply + 1)); sed 's/^/KS-DIAG /' /tmp/out >>$KS_RESULTS; }
	grep -q "^ksplice-patched" /proc/cmdline || fail_new=$((fail_new + 1))
	ksplice-undo cmdline1 >/tmp/out 2>&1 ||
		{ fail_undo=$((fail_undo + 1)); sed 's/^/KS-DIAG /' /tmp/out >>$KS_RESULTS; }
	[ "$(cat /proc/cmdline)" = "$orig" ] || fail_old=$((fail_old + 1))
	a1=$(cnt 0) b1=$(cnt 1)
	[ "$a1" -gt "$a0" ] && [ "$b1" -gt "$b0" ] || stalled=$((stalled + 1))
done
end=$(date +%s)
echo "KS-DIAG $CYCLES cycles in $((end - start)) s; reader calls: $(cnt 0) and $(cnt 1)" >>$KS_RESULTS
status_is 0 "$CYCLES applies succeeded ($fail_apply failed)" [ $fail_apply = 0 ]
status_is 0 "$CYCLES undos succeeded ($fail_undo failed)" [ $fail_undo = 0 ]
status_is 0 "the new code ran after every apply ($fail_new misses)" [ $fail_new = 0 ]
status_is 0 "the original code ran after every undo ($fail_old misses)" [ $fail_old = 0 ]
status_is 0 "both readers made progress in every cycle ($stalled stalls)" [ $stalled = 0 ]
check "success lines: $CYCLES applied and $CYCLES reversed" \
	sh -c "[ \$(dmesg | grep -c 'ksplice: Update cmdline1 applied successfully') = $CYCLES ] &&
	       [ \$(dmesg | grep -c 'ksplice: Update cmdline1 reversed successfully') = $CYCLES ]"
exit 0
S
} >"$tmp/vm.sh"
vm_run cycles "$tmp/vm.sh" --file "$tarball" --timeout 900
vm_results $checks
tap_finish
