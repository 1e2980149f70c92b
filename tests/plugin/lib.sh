# shellcheck shell=bash disable=SC2034
# Helpers for the plugin tests. Source it after tests/lib/tap.sh.
#
#   plugin_build            make -C gcc-plugin (exits the test when it fails)
#   plugin_cc UNIT SRC OUT [GCC ARGS...]   compile SRC with the plugin
#   plain_cc SRC OUT [GCC ARGS...]         the same flags, without the plugin
#   text_of OBJ             the bytes and relocations of every .text* section
plugin_dir=$KSPLICE_TOP/gcc-plugin
plugin_so=$plugin_dir/ksplice_plugin.so
sums=$plugin_dir/ksplice-sums
# The flags of the table, plus -fno-pie as in the kernel (the WARN-like
# asm of cases/warnline needs absolute "i" addresses).
case_cflags="-O2 -fno-pie -ffunction-sections -fdata-sections"

plugin_build() {
	local out
	if ! out=$(make -C "$plugin_dir" all 2>&1); then
		echo "Bail out! make -C gcc-plugin failed"
		printf '%s\n' "$out" | tail -n 20 | sed 's/^/# /'
		exit 1
	fi
}

plugin_cc() {
	local unit=$1 src=$2 out=$3
	shift 3
	# shellcheck disable=SC2086
	gcc-12 $case_cflags -fplugin="$plugin_so" \
		-fplugin-arg-ksplice_plugin-unit="$unit" "$@" -c "$src" -o "$out"
}

plain_cc() {
	local src=$1 out=$2
	shift 2
	# shellcheck disable=SC2086
	gcc-12 $case_cflags "$@" -c "$src" -o "$out"
}

text_of() {
	local secs
	secs=$(readelf -SW "$1" | sed -n 's/^ *\[ *[0-9]*\] \(\.text[^ ]*\) .*/\1/p' | sort)
	[ -n "$secs" ] || return 1
	# shellcheck disable=SC2046
	objdump -s -r $(printf -- '-j %s ' $secs) "$1" | tail -n +3
}
