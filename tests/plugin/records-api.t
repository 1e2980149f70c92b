#!/bin/bash
# The records library (gcc-plugin/records.c) through its C API: parse errors,
# keys, escapes, placement, every kind of diff entry. Built here with the
# project's warning flags, under AddressSanitizer when available.
. "$KSPLICE_TOP/tests/lib/tap.sh"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
san=-fsanitize=address,undefined
echo 'int main(void){return 0;}' >"$tmp/x.c"
gcc-12 $san "$tmp/x.c" -o "$tmp/x" 2>/dev/null && "$tmp/x" || san=
if ! out=$(gcc-12 -O1 -g -Wall -Wextra -Werror $san -I"$KSPLICE_TOP/tests/lib" \
	-I"$KSPLICE_TOP/gcc-plugin" "$KSPLICE_TOP/tests/plugin/records_test.c" \
	"$KSPLICE_TOP"/gcc-plugin/records*.c -lelf -o "$tmp/records_test" 2>&1); then
	echo "Bail out! records_test.c does not build"
	printf '%s\n' "$out" | sed 's/^/# /'
	exit 1
fi
exec "$tmp/records_test"
