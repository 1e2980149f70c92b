#!/bin/bash
# Custom code end to end, on the kshook test module (tests/custom/kshook/) and
# the patches of patches/examples/: the module is copied into the reference
# tree as ksplice-kshook/ (removed at the end) so that ksplice-create can build
# updates for it; then the stock kernel in QEMU loads it and applies them.
#  - the seeds' example: a fix in an __init function; without a hook the
#    update is made for loads of kshook only (it applies while kshook is not
#    loaded: its init then runs the new code; no template); with
#    ksplice_apply/ksplice_reverse hooks the update applies, the flag is set,
#    ksplice-view lists the hooks, and undo's reverse hook clears it;
#  - a shadow field per task: apply, use, undo, every shadow freed;
#  - a vetoing check_apply hook: call_failed, nothing patched, fail hook ran.
. "$KSPLICE_TOP/tests/lib/tap.sh"
. "$KSPLICE_TOP/tests/apply/lib/vmtest.sh"
checks=21
tap_plan $((checks + 10))
vm_setup
tree=$(ks_kernel_dir)/linux
ex=$KSPLICE_TOP/patches/examples
out=$vm_out/custom
dir=$tree/ksplice-kshook
rm -rf "$out"
mkdir -p "$out"
if [ -e "$dir" ]; then
	tap_ok 0 "$dir does not exist (an earlier run left it? remove it)"
	exit 1
fi
trap 'rm -rf "$dir"' EXIT
cp -r "$KSPLICE_TOP/tests/custom/kshook" "$dir"
make -C "$KSPLICE_TOP/packager" >/dev/null 2>&1
( ks_lock_heavy && "$KSPLICE_TOP/kbuild/kmake" "$tree" M="$dir" modules ) >"$out/kshook.log" 2>&1
cp "$dir/kshook.ko" "$out/" 2>/dev/null
tap_ok "$([ -f "$out/kshook.ko" ] && echo 1)" "the kshook target module builds" || sed 's/^/# /' "$out/kshook.log"

create() {	# create PATCH ID: status in $rc, output in $out/ID.log
	( cd "$out" && "$KSPLICE_TOP/kbuild/ksplice-create" --patch="$ex/$1" --id="$2" "$tree" ) \
		>"$out/$2.log" 2>&1
	rc=$?
}

create kshook-flag.patch ksflag00
tap_ok "$([ $rc = 0 ] && echo 1)" "no hook: ksplice-create makes the init-flag fix for loads of kshook only (status $rc)"
tap_ok "$(grep -q 'module init code: kshook_init (runs when kshook loads; in ksplice-kshook/kshook.c)' "$out/ksflag00.log" &&
	grep -q 'the update applies only while kshook is not loaded' "$out/ksflag00.log" && echo 1)" \
	"... saying its init runs the new code, and only while kshook is not loaded" || sed 's/^/# /' "$out/ksflag00.log"
tap_ok "$([ ! -e "$out/ksplice-ksflag00-hooks.c" ] && [ -f "$out/ksplice-ksflag00.tar.gz" ] && echo 1)" "... a tarball, no hook template"
create kshook-flaghook.patch ksflag01
tap_ok "$([ $rc = 0 ] && [ -f "$out/ksplice-ksflag01.tar.gz" ] && grep -q 'covered by the patch' "$out/ksflag01.log" && echo 1)" \
	"with ksplice_apply/ksplice_reverse hooks it is created (status $rc)" || sed 's/^/# /' "$out/ksflag01.log" | tail -20
tap_ok "$(tar -xzOf "$out/ksplice-ksflag01.tar.gz" ksplice-ksflag01/manifest.json 2>/dev/null |
	jq -e '.custom_code.verdict == "needs custom code" and (.custom_code.hooks | index("apply")) != null' >/dev/null && echo 1)" \
	"its manifest records the verdict and the hooks"
create kshook-shadow.patch kshdw001
tap_ok "$([ $rc = 0 ] && grep -q 'analysis: safe as is' "$out/kshdw001.log" && echo 1)" \
	"the shadow-field patch is safe as is and created (status $rc)" || sed 's/^/# /' "$out/kshdw001.log" | tail -20
create kshook-checkfail.patch kschk001
tap_ok "$([ $rc = 0 ] && echo 1)" "the vetoing-check patch is created (status $rc)" || sed 's/^/# /' "$out/kschk001.log" | tail -20
{
	vm_prelude
	cat <<'S'
SC=/sys/module/ksplice/parameters/shadow_count
insmod /ksplice/kshook.ko
check "kshook starts with ready 0 value 1" grep -qx "ready 0 value 1" /proc/kshook
status_is 0 "the init-flag update with its hooks applies" ksplice-apply /ksplice/ksplice-ksflag01.tar.gz
check "the ksplice_apply hook set the flag" grep -qx "ready 1 value 1" /proc/kshook
check "... the module parameter says 1 too" grep -qx 1 /sys/module/kshook/parameters/kshook_ready
ksplice-view --id=ksflag01 >/tmp/view.out
check "ksplice-view --id lists the update's hooks" sh -c 'grep -qx "kshook apply kshook_apply_ready" /tmp/view.out && grep -qx "kshook reverse kshook_reverse_ready" /tmp/view.out'
check "ksplice-view --json has them" sh -c 'ksplice-view --json | grep -q "kshook apply kshook_apply_ready"'
status_is 0 "undo the init-flag update" ksplice-undo ksflag01
check "undo's ksplice_reverse hook cleared the flag" grep -qx "ready 0 value 1" /proc/kshook
status_is 0 "the shadow-field update applies" ksplice-apply /ksplice/ksplice-kshdw001.tar.gz
check "one task's shadow field counts 1, 2" sh -c 'read a b c v </proc/kshook; read a b c w </proc/kshook; [ "$v $w" = "101 201" ]'
check "another task has its own field" grep -qx "ready 0 value 101" /proc/kshook
n=$(cat $SC)
check "shadows are live while applied (shadow_count $n >= 2)" [ "$n" -ge 2 ]
status_is 0 "undo the shadow-field update" ksplice-undo kshdw001
check "after undo no shadow is left (shadow_count 0)" grep -qx 0 $SC
check "kernel log: the update's shadows were freed" sh -c 'dmesg | grep -q "ksplice_kshdw001_kshook_new: freed [0-9]* shadows"'
check "kshook_value is the old one again" grep -qx "ready 0 value 1" /proc/kshook
status_is 19 "a vetoing check_apply hook aborts the apply with call_failed (exit 19)" ksplice-apply /ksplice/ksplice-kschk001.tar.gz
check "nothing was patched and the fail_apply hook ran" grep -qx "ready 7 value 1" /proc/kshook
check "nothing of the update stays loaded" sh -c '! grep -q ksplice_kschk001 /proc/modules && [ ! -e /sys/kernel/ksplice/kschk001 ]'
check "kernel log names the vetoing hook" sh -c 'dmesg | grep -q "Update kschk001: check_apply hook kshook_check failed (-16)"'
check "the target module unloads" rmmod kshook
exit 0
S
} >"$out/vm.sh"
files=(--file "$out/kshook.ko")
for id in ksflag01 kshdw001 kschk001; do
	[ -f "$out/ksplice-$id.tar.gz" ] && files+=(--file "$out/ksplice-$id.tar.gz")
done
vm_run custom-kshook "$out/vm.sh" "${files[@]}" --timeout 240
vm_results $checks
tap_finish
