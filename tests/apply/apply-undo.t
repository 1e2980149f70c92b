#!/bin/bash
# Apply and undo one vmlinux function (/proc/cmdline's show function) on the
# running stock kernel, and the refusals: double apply, undo of an unknown id,
# a corrupt tarball, another kernel's tarball, pre code that does not match
# (no_match: kernel unchanged). Also: ftrace keeps tracing a patched function.
. "$KSPLICE_TOP/tests/lib/tap.sh"
. "$KSPLICE_TOP/tests/apply/lib/vmtest.sh"
checks=32
tap_plan $((checks + 4))
vm_setup
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

good=$(vm_update cmdline cmdline1 --description="cmdline test update") &&
	bad=$(vm_update cmdline cmdline2 --corrupt=cmdline_proc_show:0x0e)
tap_ok "$([ -f "$good" ] && [ -f "$bad" ] && echo 1)" "update tarballs built from the fixture"

# Another kernel's tarball: the same update, relabelled for another release.
mkdir -p "$tmp/other"
tar -xzf "$good" -C "$tmp/other"
echo 6.1.0-99-amd64 >"$tmp/other/ksplice-cmdline1/utsname"
sed -i 's/^6.1.0-47-amd64/6.1.0-99-amd64/' "$tmp/other/ksplice-cmdline1/vermagic"
tar -czf "$tmp/other.tar.gz" -C "$tmp/other" ksplice-cmdline1
head -c 3000 /dev/urandom >"$tmp/garbage.tar.gz"
tap_ok "$([ -s "$tmp/other.tar.gz" ] && echo 1)" "bad tarballs made"

{
	vm_prelude
	cat <<'S'
orig=$(cat /proc/cmdline)
status_is 0 "ksplice-apply applies the update" ksplice-apply /ksplice/ksplice-cmdline1.tar.gz
check "/proc/cmdline runs the new code" grep -q "^ksplice-patched $orig" /proc/cmdline
check "kernel log: ksplice: Update cmdline1 applied successfully" \
	sh -c 'dmesg | grep -q "ksplice: Update cmdline1 applied successfully$"'
check "ksplice-view: present and applied" \
	sh -c 'ksplice-view | grep -qx "Ksplice id cmdline1 is present in the kernel and is applied."'
check "ksplice-view --id shows the description" \
	sh -c 'ksplice-view --id=cmdline1 | grep -q "cmdline test update"'
check "ksplice-view --json" \
	sh -c 'ksplice-view --json | tr -d "\n" | grep -q "\"id\": \"cmdline1\", \"stage\": \"applied\""'
check "sysfs files: stage, abort_cause ok, symbols (root only)" \
	sh -c 'grep -qx applied /sys/kernel/ksplice/cmdline1/stage &&
	       grep -qx ok /sys/kernel/ksplice/cmdline1/abort_cause &&
	       grep -q "^saved_command_line 0x" /sys/kernel/ksplice/cmdline1/symbols &&
	       ls -l /sys/kernel/ksplice/cmdline1/symbols | grep -q "^-r--------"'
check "the pre module is unloaded, the new one stays" \
	sh -c '! grep -q ksplice_cmdline1_vmlinux_pre /proc/modules && grep -q ksplice_cmdline1_vmlinux_new /proc/modules'
check "the new module cannot be removed while applied" \
	sh -c '! rmmod ksplice_cmdline1_vmlinux_new'
status_is 5 "a second ksplice-apply of the same update is refused (already applied)" \
	ksplice-apply /ksplice/ksplice-cmdline1.tar.gz
check "... and the update is still applied once" \
	sh -c '[ $(ksplice-view | wc -l) = 1 ] && grep -q "^ksplice-patched" /proc/cmdline'
# ftrace on the patched function: its nop is ftrace's, the trampoline follows
T=/sys/kernel/tracing
echo cmdline_proc_show >$T/set_ftrace_filter
echo function >$T/current_tracer
echo >$T/trace
cat /proc/cmdline >/dev/null
check "ftrace traces the patched function and the new code still runs" \
	sh -c "grep -q cmdline_proc_show $T/trace && grep -q '^ksplice-patched' /proc/cmdline"
status_is 0 "ksplice-undo reverses it while it is traced" ksplice-undo cmdline1
echo nop >$T/current_tracer
echo >$T/set_ftrace_filter
check "/proc/cmdline runs the original code again" sh -c "[ \"\$(cat /proc/cmdline)\" = \"$orig\" ]"
check "kernel log: ksplice: Update cmdline1 reversed successfully" \
	sh -c 'dmesg | grep -q "ksplice: Update cmdline1 reversed successfully$"'
check "the new module is unloaded and the update is gone" \
	sh -c '! grep -q ksplice_cmdline1 /proc/modules && [ ! -e /sys/kernel/ksplice/cmdline1 ]'
# kprobes: one on the entry (ftrace-based) coexists; one in the body is refused
echo 'p:kpentry cmdline_proc_show' >>$T/kprobe_events
echo 1 >$T/events/kprobes/kpentry/enable
status_is 0 "apply with a kprobe on the function's entry (ftrace-based)" ksplice-apply /ksplice/ksplice-cmdline1.tar.gz
cat /proc/cmdline >/dev/null
check "... the kprobe still fires and the new code runs" \
	sh -c "grep -q '^ksplice-patched' /proc/cmdline && awk '/kpentry/ { exit !(\$2 > 0) }' $T/kprobe_profile"
status_is 0 "... and the update reverses under it" ksplice-undo cmdline1
echo 0 >$T/events/kprobes/kpentry/enable
echo 'p:kpbody cmdline_proc_show+13' >>$T/kprobe_events
echo 1 >$T/events/kprobes/kpbody/enable
status_is 10 "a kprobe inside the function's body: apply refused (no_match)" ksplice-apply /ksplice/ksplice-cmdline1.tar.gz
check "... the kernel log names the kprobe" \
	sh -c 'dmesg | grep -q "cmdline_proc_show%fs/proc/cmdline.c has a kprobe at offset 0xd; remove it and try again"'
echo 0 >$T/events/kprobes/kpbody/enable
echo >$T/kprobe_events
status_is 6 "ksplice-undo of an unknown id is refused" ksplice-undo nosuch1
check "... with a message" sh -c 'ksplice-undo nosuch1 2>&1 | grep -q "Ksplice id nosuch1 is not present in the kernel"'
status_is 3 "a corrupt tarball is refused" ksplice-apply /ksplice/garbage.tar.gz
status_is 4 "another kernel's tarball is refused" ksplice-apply /ksplice/other.tar.gz
check "... naming both kernels, with nothing loaded" \
	sh -c 'ksplice-apply /ksplice/other.tar.gz 2>&1 | grep -q "for kernel 6.1.0-99-amd64, but the running kernel is 6.1.0-47-amd64" &&
	       ! grep -q ksplice_cmdline1 /proc/modules'
status_is 10 "pre code that does not match is refused with no_match" ksplice-apply /ksplice/ksplice-cmdline2.tar.gz
check "... explained" sh -c 'ksplice-apply /ksplice/ksplice-cmdline2.tar.gz 2>&1 | grep -q "aborted (no_match)"'
check "... kernel log names the function and the first differing offset" \
	sh -c 'dmesg | grep -q "no_match: cmdline_proc_show%fs/proc/cmdline.c (cmdline_proc_show+0x0/0x[0-9a-f]*) differs from the pre code at offset 0xe"'
check "... kernel unchanged, nothing left loaded" \
	sh -c "[ \"\$(cat /proc/cmdline)\" = \"$orig\" ] && ! grep -q ksplice_cmdline2 /proc/modules && [ ! -e /sys/kernel/ksplice/cmdline2 ]"
status_is 0 "the update applies again after all that" ksplice-apply /ksplice/ksplice-cmdline1.tar.gz
check "... and reverses again" sh -c "grep -q '^ksplice-patched' /proc/cmdline && ksplice-undo cmdline1 && [ \"\$(cat /proc/cmdline)\" = \"$orig\" ]"
exit 0
S
} >"$tmp/vm.sh"
vm_run apply-undo "$tmp/vm.sh" --file "$good" --file "$bad" --file "$tmp/other.tar.gz" \
	--file "$tmp/garbage.tar.gz"
vm_results $checks
tap_finish
