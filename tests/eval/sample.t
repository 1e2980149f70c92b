#!/bin/bash
# A 7-patch sample of the security-fix corpus (eval/, issue 7) end to end:
# the corpus is made from Debian's packages, each fix becomes an update with
# ksplice-create, and the stock kernel in the VM applies and undoes each one,
# console clean. The seven: an ocfs2 (module) fix whose local data once made
# the packager write a garbage relocation offset (a crash in the module
# loader), an rxrpc (module) fix whose module needs request_module() at load,
# an icmp (vmlinux) fix linked to two CVEs, amd.c's fix, whose WARN_ONCE
# flags sit side by side (labelled by a "cmpb $0" displacement's exact bias),
# acpi scan.c's, whose dynamic-debug descriptor is pinned by run-pre
# matching after references to merged strings that kallsyms does not know,
# and scsi sr.c's, created with cdrom.c's: sr_mod's new code calls a function
# new in cdrom's new module (a cross-target call, bound at apply), and
# iwlwifi's queue/tx.c (CVE-2024-36922), whose new code calls __iwl_err,
# exported by its own module into namespace IWLWIFI: the update module
# must import it (modpost refused it before).
. "$KSPLICE_TOP/tests/lib/tap.sh"
tap_plan 10
state=$(mktemp -d)
trap 'rm -rf "$state"' EXIT
out=$KSPLICE_TOP/build/eval-sample
rm -rf "$out"
files=fs/ocfs2/resize.c,net/ipv4/icmp.c,net/rxrpc/conn_event.c,arch/x86/kernel/cpu/amd.c,drivers/acpi/scan.c,drivers/scsi/sr.c,\
drivers/net/wireless/intel/iwlwifi/queue/tx.c
"$KSPLICE_TOP/eval/run-eval" --only "$files" --state "$state" --results "$out" \
	>"$state/run.log" 2>&1
rc=$?
sed 's/^/# /' "$state/run.log" | tail -n 12
tap_ok "$([ $rc = 0 ] && echo 1)" "run-eval finishes (status $rc)"
json=$out/6.1.170-3..6.1.176-1-sample.json
for f in ${files//,/ }; do
	got=$(jq -r ".patches[] | select(.file == \"$f\") | \"\(.outcome) / \(.vm) / \(.crash // \"no crash\")\"" \
		"$json" 2>/dev/null)
	tap_ok "$([ "$got" = "update created / applied and undone / no crash" ] && echo 1)" \
		"$f: $got"
done
tap_ok "$(jq -e '.patches[] | select(.file == "net/ipv4/icmp.c") | .cves | index("CVE-2026-43099")' "$json" \
	>/dev/null 2>&1 && echo 1)" "the icmp fix is linked to CVE-2026-43099"
tap_ok "$(jq -e '.patches[] | select(.file == "drivers/scsi/sr.c") | .targets == ["cdrom", "sr_mod"]' "$json" \
	>/dev/null 2>&1 && echo 1)" "sr.c's update has cdrom's new module first"
tap_finish
