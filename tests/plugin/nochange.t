#!/bin/bash
# The plugin never changes generated code: with the same flags, the bytes and
# relocations of every .text* section are identical with and without it
# (every case source, at -O2, -O0 and -Os, and gcc-plugin/records.c); and the
# same source compiled twice gives byte-identical records.
. "$KSPLICE_TOP/tests/lib/tap.sh"
. "$KSPLICE_TOP/tests/plugin/lib.sh"
cases=$KSPLICE_TOP/tests/plugin/cases
mapfile -t srcs < <(ls "$cases"/*.c)
srcs+=("$KSPLICE_TOP/gcc-plugin/records.c")
tap_plan 9
plugin_build
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

records_of() { objcopy --dump-section .discard.ksplice.records="$2" "$1" "$tmp/junk.o"; }

for opt in -O2 -O0 -Os; do
	bad=
	for src in "${srcs[@]}"; do
		b=$tmp/$(basename "$src" .c)
		if ! plugin_cc x.c "$src" "$b.with.o" "$opt" 2>"$tmp/err" ||
			! plain_cc "$src" "$b.without.o" "$opt" 2>>"$tmp/err"; then
			bad="$bad $(basename "$src")(compile)"
			sed 's/^/# /' "$tmp/err"
			continue
		fi
		text_of "$b.with.o" >"$b.with.text" && text_of "$b.without.o" >"$b.without.text" &&
			cmp -s "$b.with.text" "$b.without.text" || bad="$bad $(basename "$src")"
	done
	tap_ok "$([ -z "$bad" ] && echo 1)" ".text* bytes and relocations identical with and without the plugin at $opt (${#srcs[@]} files)${bad:+: differ:$bad}"
done

bad=
for src in "${srcs[@]}"; do
	b=$tmp/$(basename "$src" .c)
	plugin_cc x.c "$src" "$b.1.o" && plugin_cc x.c "$src" "$b.2.o" &&
		records_of "$b.1.o" "$b.1.rec" && records_of "$b.2.o" "$b.2.rec" &&
		[ -s "$b.1.rec" ] && cmp -s "$b.1.rec" "$b.2.rec" || bad="$bad $(basename "$src")"
done
tap_ok "$([ -z "$bad" ] && echo 1)" "same source compiled twice: identical records${bad:+: differ:$bad}"

# Same source compiled twice, diffed: no difference, exit status 0.
out=$("$sums" --diff "$tmp/records.1.o" "$tmp/records.2.o")
tap_ok "$([ $? = 0 ] && [ -z "$out" ] && echo 1)" "ksplice-sums --diff of two compiles of records.c: empty, status 0"

# Records cover the functions: every function symbol of records.o has a record.
nm "$tmp/records.1.o" | awk '$2 ~ /^[TtWw]$/ { print $3 }' | sort >"$tmp/nm"
"$sums" "$tmp/records.1.o" | awk '$1 == "func" { print $2 }' | sort >"$tmp/rec"
missing=$(comm -23 "$tmp/nm" "$tmp/rec" | grep -v '\.cold$' | tr '\n' ' ')
tap_ok "$([ -s "$tmp/nm" ] && [ -z "$missing" ] && echo 1)" "every function of records.o has a record ($(wc -l <"$tmp/nm") symbols)${missing:+; missing: $missing}"
# Debug info changes no checksum (debug insns and locations are not hashed).
plugin_cc x.c "$KSPLICE_TOP/gcc-plugin/records.c" "$tmp/records.g.o" -g
out=$("$sums" --diff "$tmp/records.1.o" "$tmp/records.g.o")
tap_ok "$([ $? = 0 ] && [ -z "$out" ] && echo 1)" "records.c with and without -g: no difference"

# --json: valid JSON, the same functions as the text records.
"$sums" --json "$tmp/records.1.o" >"$tmp/json"
tap_ok "$(jq -r '.functions[].name' "$tmp/json" 2>/dev/null | sort | cmp -s - "$tmp/rec" && echo 1)" \
	"ksplice-sums --json: valid JSON with the same functions as the records"

# ld -r concatenates records: two units in one object, each keeps its own.
plugin_cc a.c "$KSPLICE_TOP/tests/plugin/cases/body.pre.c" "$tmp/ua.o" &&
	plugin_cc b.c "$KSPLICE_TOP/tests/plugin/cases/string.pre.c" "$tmp/ub.o" &&
	ld -r "$tmp/ua.o" "$tmp/ub.o" -o "$tmp/uab.o"
units=$("$sums" --json "$tmp/uab.o" | jq -r '[.units[].unit] | join(" ")')
funcs=$("$sums" --json "$tmp/uab.o" | jq -r '[.functions[] | "\(.unit):\(.name)"] | sort | join(" ")')
tap_ok "$([ "$units" = "a.c b.c" ] && [ "$funcs" = "a.c:f a.c:g b.c:hello b.c:other" ] && echo 1)" \
	"an ld -r object has both units' records (units: $units; functions: $funcs)"
tap_finish
