#!/bin/bash
# The table of pre/post pairs (tests/plugin/cases/NAME.{pre,post}.c): each
# pair is compiled with the plugin (gcc-12 -O2 -ffunction-sections
# -fdata-sections), both as the same file name like a real pre/post build,
# and `ksplice-sums --diff` must print exactly NAME.expect; its exit status
# is 0 for an empty diff, 1 otherwise; the JSON diff names the same changed
# functions as the text one.
. "$KSPLICE_TOP/tests/lib/tap.sh"
. "$KSPLICE_TOP/tests/plugin/lib.sh"
cases=$KSPLICE_TOP/tests/plugin/cases
mapfile -t names < <(cd "$cases" && ls ./*.pre.c | sed 's|^\./||; s|\.pre\.c$||')
tap_plan $((${#names[@]} * 3))
plugin_build
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

for n in "${names[@]}"; do
	ok=1
	for v in pre post; do
		mkdir -p "$tmp/$n"
		cp "$cases/$n.$v.c" "$tmp/$n/$n.c"
		if ! out=$(plugin_cc "$n.c" "$tmp/$n/$n.c" "$tmp/$n/$v.o" 2>&1); then
			ok=
			printf '%s\n' "$out" | sed 's/^/# /'
		fi
	done
	if [ -z "$ok" ]; then
		tap_ok "" "$n: compiles"
		tap_ok "" "$n: diff"
		tap_ok "" "$n: json"
		continue
	fi
	"$sums" --diff "$tmp/$n/pre.o" "$tmp/$n/post.o" >"$tmp/$n/diff" 2>&1
	rc=$?
	want_rc=1
	grep -qv '^line-only ' "$cases/$n.expect" || want_rc=0
	tap_ok "$([ $rc = $want_rc ] && echo 1)" "$n: exit status $rc (want $want_rc)"
	if cmp -s "$tmp/$n/diff" "$cases/$n.expect"; then
		desc=$(tr '\n' ';' <"$cases/$n.expect" | sed 's/;$//')
		tap_ok 1 "$n: ${desc:-no change}"
	else
		tap_ok "" "$n: diff as expected"
		diff -u "$cases/$n.expect" "$tmp/$n/diff" | sed 's/^/# /'
	fi
	"$sums" --diff --json "$tmp/$n/pre.o" "$tmp/$n/post.o" >"$tmp/$n/json"
	got=$(jq -r '.changed_functions[] | "changed function \(.name) (\(.reasons | join(",")))"' "$tmp/$n/json" 2>&1)
	want=$(grep '^changed function' "$tmp/$n/diff")
	tap_ok "$([ "$got" = "$want" ] && jq -e 'keys == (["changed_data","changed_functions","changed_layouts","changed_toplevel_asm","line_only_functions","new_data","new_functions","removed_data","removed_functions"])' "$tmp/$n/json" >/dev/null && echo 1)" \
		"$n: JSON diff has every key and the same changed functions"
done
tap_finish
