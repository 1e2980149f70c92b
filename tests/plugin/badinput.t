#!/bin/bash
# Bad input gives a clear message, a non-zero exit and no output: plugin
# options, an unwritable dump or object, a plugin built for another gcc,
# -flto; ksplice-sums on missing, non-ELF, plugin-less, truncated and
# wrong-version records.
. "$KSPLICE_TOP/tests/lib/tap.sh"
. "$KSPLICE_TOP/tests/plugin/lib.sh"
export LC_ALL=C
tap_plan 16
plugin_build
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
src=$KSPLICE_TOP/tests/plugin/cases/body.pre.c

# expect_fail DESC PATTERN CMD...: CMD fails, its stderr matches PATTERN,
# and $tmp/out.o was not created.
expect_fail() {
	local desc=$1 pat=$2 err rc
	shift 2
	rm -f "$tmp/out.o"
	err=$("$@" 2>&1 >/dev/null)
	rc=$?
	if [ $rc != 0 ] && printf '%s\n' "$err" | grep -qE -- "$pat" && [ ! -e "$tmp/out.o" ]; then
		tap_ok 1 "$desc (status $rc: $(printf '%s\n' "$err" | grep -E -- "$pat" | head -n 1))"
	else
		tap_ok "" "$desc"
		tap_diag "status $rc, want non-zero and a message matching /$pat/:"
		printf '%s\n' "$err" | head -n 10 | sed 's/^/# /'
	fi
}

expect_fail "unknown plugin option" "ksplice_plugin: unknown option 'bogus'" \
	plugin_cc x.c "$src" "$tmp/out.o" -fplugin-arg-ksplice_plugin-bogus=1
expect_fail "option without its value" "ksplice_plugin: option 'unit' needs a value" \
	gcc-12 -O2 -fplugin="$plugin_so" -fplugin-arg-ksplice_plugin-unit -c "$src" -o "$tmp/out.o"
expect_fail "unwritable dump file" "ksplice_plugin: cannot open dump file '/nonexistent/dir/dump'" \
	plugin_cc x.c "$src" "$tmp/out.o" -fplugin-arg-ksplice_plugin-dump=/nonexistent/dir/dump
: >"$tmp/file"
rm -f "$tmp/file/x.o"
out=$(plugin_cc x.c "$src" "$tmp/file/x.o" 2>&1)
rc=$?
tap_ok "$([ $rc != 0 ] && [ ! -e "$tmp/file/x.o" ] && printf '%s' "$out" | grep -q 'x.o' && echo 1)" \
	"unwritable object file: compile error (status $rc: $(printf '%s\n' "$out" | grep x.o | head -n 1))"
make -s -C "$plugin_dir" ksplice_plugin-wrongver.so >/dev/null 2>&1
expect_fail "plugin built for another gcc version" \
	"ksplice_plugin: built for gcc 11.4.0, but loaded into gcc 12.2.0" \
	gcc-12 -O2 -fplugin="$plugin_dir/ksplice_plugin-wrongver.so" -c "$src" -o "$tmp/out.o"
expect_fail "-flto" "ksplice_plugin: '-flto' is not supported" \
	plugin_cc x.c "$src" "$tmp/out.o" -flto

# A good object to derive the broken ones from.
plugin_cc x.c "$src" "$tmp/good.o"
plain_cc "$src" "$tmp/plain.o"
objcopy --dump-section .discard.ksplice.records="$tmp/rec" "$tmp/good.o" "$tmp/junk.o"
head -n 4 "$tmp/rec" >"$tmp/rec.trunc"
objcopy --update-section .discard.ksplice.records="$tmp/rec.trunc" "$tmp/good.o" "$tmp/trunc.o"
sed '1s/ 1$/ 99/' "$tmp/rec" >"$tmp/rec.v99"
objcopy --update-section .discard.ksplice.records="$tmp/rec.v99" "$tmp/good.o" "$tmp/v99.o"
sed 's/^func \([^ ]*\) \([^ ]*\) \([^ ]*\) .*/func \1 \2 \3 xyz/' "$tmp/rec" >"$tmp/rec.bad"
objcopy --update-section .discard.ksplice.records="$tmp/rec.bad" "$tmp/good.o" "$tmp/badsum.o"

status_is() { [ "$1" = "$2" ] && echo 1; }
expect_sums() {
	local desc=$1 pat=$2 err rc
	shift 2
	err=$("$sums" "$@" 2>&1 >/dev/null)
	rc=$?
	tap_ok "$([ $rc = 2 ] && printf '%s\n' "$err" | grep -qE -- "$pat" && echo 1)" "ksplice-sums: $desc (status $rc: $(printf '%s\n' "$err" | head -n 1))"
}
expect_sums "missing file" "nonexistent.o: No such file" "$tmp/nonexistent.o"
expect_sums "not an ELF object" "not an ELF object" "$src"
expect_sums "object compiled without the plugin" "no .discard.ksplice.records section" "$tmp/plain.o"
expect_sums "truncated records" "truncated" "$tmp/trunc.o"
expect_sums "unknown records version" "unsupported records version '99'" "$tmp/v99.o"
expect_sums "malformed func record" "bad func record" "$tmp/badsum.o"
expect_sums "--diff against an object without records" "no .discard.ksplice.records section" --diff "$tmp/good.o" "$tmp/plain.o"
expect_sums "--diff with one file" "usage" --diff "$tmp/good.o"
expect_sums "unknown option" "unknown option '--frobnicate'" --frobnicate "$tmp/good.o"
"$sums" "$tmp/good.o" >/dev/null
tap_ok "$(status_is $? 0)" "ksplice-sums: the good object reads (status 0)"
tap_finish
