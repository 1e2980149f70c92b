#!/bin/bash
# The plugin on real kernel code: kernel/printk/printk.c of the prepared
# reference tree, built through kbuild/kmake with and without the plugin
# (same flags): .text* bytes identical; every function symbol (nm) has a
# record and every record a symbol. Then the same compile command is replayed
# on copies of kernel/printk/: a new first line (every __LINE__ shifts) changes
# nothing; patches/printk.patch changes exactly _printk. The same line shift
# in net/core/dev.c (ASSERT_RTNL() passes __FILE__/__LINE__, fortify strings
# hold "dev.c:LINE") changes nothing either.
#
# The plugin flags go in CFLAGS_printk.o=..., not KCFLAGS=...: KCFLAGS also
# reaches the objects kbuild's prepare step compiles (scripts/mod/empty.o,
# kernel/bounds.s, arch/x86/kernel/asm-offsets.s), so those are rebuilt with
# and again without the plugin; CFLAGS_<stem>.o reaches only printk.o.
. "$KSPLICE_TOP/tests/lib/tap.sh"
. "$KSPLICE_TOP/tests/plugin/lib.sh"
. "$KSPLICE_TOP/kbuild/common.sh"
tap_plan 10
plugin_build
tree=$(ks_kernel_dir)/linux
if [ ! -f "$tree/ksplice/kernel.release" ]; then
	echo "Bail out! no prepared reference tree at $tree (run kbuild/fetch-kernel)"
	exit 1
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
unit=kernel/printk/printk.c
fs="-ffunction-sections -fdata-sections"
ks_lock_heavy

kbuild_printk() {	# OUT EXTRA-CFLAGS
	"$KSPLICE_TOP/kbuild/kmake" "$tree" "CFLAGS_printk.o=$fs $2" kernel/printk/printk.o \
		>"$tmp/kmake.log" 2>&1 && cp "$tree/kernel/printk/printk.o" "$1"
}
kbuild_printk "$tmp/without.o" ""
tap_ok "$([ -s "$tmp/without.o" ] && echo 1)" "kmake builds printk.o without the plugin"
kbuild_printk "$tmp/with.o" "-fplugin=$plugin_so -fplugin-arg-ksplice_plugin-unit=$unit" &&
	sed -n 's/^cmd_kernel\/printk\/printk.o := //p' "$tree/kernel/printk/.printk.o.cmd" >"$tmp/cmd"
tap_ok "$([ -s "$tmp/with.o" ] && grep -q ksplice_plugin "$tmp/cmd" && echo 1)" "kmake builds printk.o with the plugin"
[ -s "$tmp/with.o" ] || sed 's/^/# /' "$tmp/kmake.log" | tail -n 20

text_of "$tmp/with.o" >"$tmp/with.text"
text_of "$tmp/without.o" >"$tmp/without.text"
tap_ok "$([ -s "$tmp/with.text" ] && cmp -s "$tmp/with.text" "$tmp/without.text" && echo 1)" \
	".text* bytes and relocations identical with and without the plugin ($(grep -c '^Contents of section' "$tmp/with.text") sections)"

"$sums" "$tmp/with.o" >"$tmp/rec"
nm "$tmp/with.o" | awk '$2 ~ /^[TtWw]$/ { print $3 }' | sort -u >"$tmp/nm"
# What the records account for: functions, aliases, the .cold parts of
# functions with cold=, labels of top-level asm (static call trampolines).
awk '$1 == "func" || $1 == "alias" || $1 == "asmsym" { print $2 }
     $1 == "func" && / cold=/ { print $2 ".cold" }' "$tmp/rec" | sort -u >"$tmp/covered"
missing=$(comm -23 "$tmp/nm" "$tmp/covered" | tr '\n' ' ')
awk '$1 == "func" { print $2 }' "$tmp/rec" | sort -u >"$tmp/funcs"
phantom=$(comm -23 "$tmp/funcs" "$tmp/nm" | tr '\n' ' ')
tap_ok "$([ -s "$tmp/nm" ] && [ -z "$missing" ] && echo 1)" \
	"every function symbol of printk.o has a record ($(wc -l <"$tmp/nm") symbols, $(wc -l <"$tmp/funcs") func records)${missing:+; missing: $missing}"
tap_ok "$([ -s "$tmp/funcs" ] && [ -z "$phantom" ] && echo 1)" "every func record names a symbol of printk.o${phantom:+; not in nm: $phantom}"

# Replay the compile on copies: a (as is), b (a new first line), c (printk.patch).
for v in a b c; do
	mkdir -p "$tmp/$v/kernel/printk"
	cp "$tree"/kernel/printk/*.[ch] "$tmp/$v/kernel/printk/"
done
sed -i '1i /* a new first line: every __LINE__ below shifts */' "$tmp/b/$unit"
patch -s -d "$tmp/c" -p1 <"$KSPLICE_TOP/patches/printk.patch"
replay() {	# VARIANT [CMDFILE UNIT]
	local cmd cmdfile=${2:-$tmp/cmd} u=${3:-$unit}
	cmd=$(sed 's/ ; .*//; s/-Wp,-MMD,[^ ]* //' "$cmdfile")
	cmd=${cmd/-c -o ${u%.c}.o $u/-fmacro-prefix-map=$tmp\/$1\/= -c -o $tmp\/$1.o $tmp\/$1\/$u}
	(cd "$tree" && eval "$cmd") >"$tmp/$1.log" 2>&1
}
replay a && replay b && replay c
tap_ok "$([ -s "$tmp/c.o" ] && echo 1)" "the compile command replays on copies of kernel/printk/"

"$sums" --diff --json "$tmp/a.o" "$tmp/b.o" >"$tmp/ab.json"
rc=$?
tap_ok "$([ $rc = 0 ] && jq -e '[.changed_functions, .new_functions, .removed_functions, .changed_data, .new_data, .removed_data, .changed_layouts, .changed_toplevel_asm] | all(length == 0)' "$tmp/ab.json" >/dev/null && echo 1)" \
	"a line added at the top changes nothing (status $rc; line-only: $(jq -r '.line_only_functions | join(" ")' "$tmp/ab.json" 2>/dev/null))"
[ $rc = 0 ] || "$sums" --diff "$tmp/a.o" "$tmp/b.o" | head -n 20 | sed 's/^/# /'

"$sums" --diff --json "$tmp/a.o" "$tmp/c.o" >"$tmp/ac.json"
rc=$?
changed=$(jq -r '[.changed_functions[].name] | join(" ")' "$tmp/ac.json" 2>/dev/null)
tap_ok "$([ $rc = 1 ] && [ "$changed" = _printk ] && jq -e '[.new_functions, .removed_functions, .changed_data, .changed_layouts] | all(length == 0)' "$tmp/ac.json" >/dev/null && echo 1)" \
	"patches/printk.patch changes exactly: ${changed:-nothing} (status $rc)"
[ $rc = 1 ] || "$sums" --diff "$tmp/a.o" "$tmp/c.o" | head -n 20 | sed 's/^/# /'

# net/core/dev.c: the same line shift.
dunit=net/core/dev.c
"$KSPLICE_TOP/kbuild/kmake" "$tree" "CFLAGS_dev.o=$fs -fplugin=$plugin_so -fplugin-arg-ksplice_plugin-unit=$dunit" \
	net/core/dev.o >"$tmp/kmake-dev.log" 2>&1 &&
	sed -n 's/^cmd_net\/core\/dev.o := //p' "$tree/net/core/.dev.o.cmd" >"$tmp/cmd-dev"
for v in da db; do
	mkdir -p "$tmp/$v/net/core"
	cp "$tree"/net/core/*.[ch] "$tmp/$v/net/core/"
done
sed -i '1i /* a new first line: every __LINE__ below shifts */' "$tmp/db/$dunit"
grep -q ksplice_plugin "$tmp/cmd-dev" && replay da "$tmp/cmd-dev" $dunit && replay db "$tmp/cmd-dev" $dunit
tap_ok "$([ -s "$tmp/db.o" ] && echo 1)" "net/core/dev.c builds with the plugin and replays on copies"
"$sums" --diff --json "$tmp/da.o" "$tmp/db.o" >"$tmp/dd.json"
rc=$?
nline=$(jq '.line_only_functions | length' "$tmp/dd.json" 2>/dev/null)
tap_ok "$([ $rc = 0 ] && [ "${nline:-0}" -gt 20 ] && jq -e '[.changed_functions, .new_functions, .removed_functions, .changed_data, .new_data, .removed_data, .changed_layouts, .changed_toplevel_asm] | all(length == 0)' "$tmp/dd.json" >/dev/null && echo 1)" \
	"a line added at the top of net/core/dev.c changes nothing (status $rc, ${nline:-?} line-only functions)"
[ $rc = 0 ] || "$sums" --diff "$tmp/da.o" "$tmp/db.o" | grep -v '^line-only' | head -n 20 | sed 's/^/# /'
tap_finish
