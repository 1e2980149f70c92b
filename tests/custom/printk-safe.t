#!/bin/bash
# The analyzer's false-positive guard on the real kernel: patches/printk.patch
# (a plain code change of _printk) is "safe as is", ksplice-create builds it
# and records the verdict in the manifest; with the --force flag on a safe
# update nothing is forced.
. "$KSPLICE_TOP/tests/lib/tap.sh"
. "$KSPLICE_TOP/kbuild/common.sh"
tap_plan 3
tree=$(ks_kernel_dir)/linux
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
make -C "$KSPLICE_TOP/packager" >/dev/null 2>&1
make -C "$KSPLICE_TOP/gcc-plugin" >/dev/null 2>&1
( cd "$tmp" && "$KSPLICE_TOP/kbuild/ksplice-create" --force --patch="$KSPLICE_TOP/patches/printk.patch" \
	--id=prksafe1 "$tree" ) >"$tmp/log" 2>&1
rc=$?
tap_ok "$([ $rc = 0 ] && [ -f "$tmp/ksplice-prksafe1.tar.gz" ] && echo 1)" "ksplice-create builds the printk update (status $rc)" ||
	tail -20 "$tmp/log" | sed 's/^/# /'
tap_ok "$(grep -q 'analysis: safe as is$' "$tmp/log" && ! grep -q '^  \[' "$tmp/log" && ! grep -q WARNING "$tmp/log" && echo 1)" \
	"the analyzer says: safe as is, no reason, no warning" || grep analy "$tmp/log" | sed 's/^/# /'
tap_ok "$(tar -xzOf "$tmp/ksplice-prksafe1.tar.gz" ksplice-prksafe1/manifest.json 2>/dev/null |
	jq -e '.custom_code.verdict == "safe as is" and .custom_code.reasons == [] and (.custom_code.forced | not)' >/dev/null && echo 1)" \
	"the manifest records the verdict"
tap_finish
