# The `make ksplice` tests patch a kernel tree's top Makefile (the in-tree
# target): keep a copy, and put it back when the test exits, Ctrl-C included.
# Source it after tap.sh.
#
#	guard_tree_makefile "$tree" "$tmp"   # $tmp: the test's scratch directory,
#	                                     # removed on exit too

guard_tree_makefile() {
	guarded_tree=$1 guarded_tmp=$2
	cp -p "$guarded_tree/Makefile" "$guarded_tmp/Makefile.orig"
	trap restore_tree_makefile EXIT
	trap 'exit 130' INT TERM
}

restore_tree_makefile() {
	cmp -s "$guarded_tmp/Makefile.orig" "$guarded_tree/Makefile" ||
		cp -p "$guarded_tmp/Makefile.orig" "$guarded_tree/Makefile"
	rm -rf "$guarded_tmp"
}
