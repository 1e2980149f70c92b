# Build an out-of-tree module of the project against the prepared reference
# tree. Source it after tap.sh.
#
#	ko=$(build_module tests/vm/hello) || exit 1   # prints the .ko's path
#
# The sources are copied to build/modules/NAME so the checkout stays clean.

. "$KSPLICE_TOP/kbuild/common.sh"

build_module() {
	local src=$KSPLICE_TOP/$1 out tree
	out=$KSPLICE_TOP/build/modules/$(basename "$1")
	tree=$(ks_kernel_dir)/linux
	[ -e "$tree/.ksplice-prepared" ] || { echo "kernel tree not prepared: $tree" >&2; return 1; }
	rm -rf "$out"
	mkdir -p "$out"
	cp -a "$src"/. "$out"/
	( ks_lock_heavy && "$KSPLICE_TOP/kbuild/kmake" "$tree" M="$out" modules ) >"$out/build.log" 2>&1 ||
		{ cat "$out/build.log" >&2; return 1; }
	ls "$out"/*.ko
}
