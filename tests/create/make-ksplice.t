#!/bin/bash
# The two `make ksplice` routes on the prepared reference tree:
#  - out of tree: make -f kbuild/Makefile.ksplice -C TREE ksplice KSPLICE_PATCH=...
#    (relative paths are relative to where make started);
#  - in tree: patches/kernel/0001-kbuild-add-ksplice-target.patch applied to the
#    tree's top Makefile for the test (restored afterwards), then
#    make ksplice KSPLICE_TOOLS=... KSPLICE_PATCH=...
# Each writes the printk update, and no build output of the tree is added or
# changed (nothing but the touched unit is compiled, and its object is put back).
. "$KSPLICE_TOP/tests/lib/tap.sh"
. "$KSPLICE_TOP/tests/lib/tree-makefile.sh"
. "$KSPLICE_TOP/kbuild/common.sh"
tap_plan 9
tree=$(ks_kernel_dir)/linux
make -C "$KSPLICE_TOP/packager" >/dev/null
tmp=$(mktemp -d)
ks_lock_heavy
guard_tree_makefile "$tree" "$tmp"
cd "$tmp" || exit 1
cp "$KSPLICE_TOP/patches/printk.patch" fix.patch
# Build outputs written since the marker (kbuild's prepare step rewrites
# .missing-syscalls.d on every build; sources are not outputs).
files() {
	(cd "$tree" && find . -path ./ksplice -prune -o -newer "$tmp/marker" -type f \
		\( -name '*.o' -o -name '*.s' -o -name '*.a' -o -name '*.ko' -o -name '*.mod' -o \
		-name '*.order' -o -name '*.lds' -o -name '*.so' -o -name '*.h' -o -name '*.cmd' -o \
		-name '*.symvers' -o -name modpost \) -print | sort)
}

# out of tree
touch marker
sleep 1
make -s -f "$KSPLICE_TOP/kbuild/Makefile.ksplice" -C "$tree" ksplice KSPLICE_PATCH=fix.patch \
	KSPLICE_ID=mkout001 KSPLICE_FLAGS=-q >out.log 2>&1
rc=$?
tap_ok "$([ "$rc" = 0 ] && [ -f ksplice-mkout001.tar.gz ] && echo 1)" \
	"out of tree: the tarball is written where make started"
[ "$rc" = 0 ] || sed 's/^/# /' out.log | tail -10
tap_ok "$(grep -q "Ksplice update tarball written to" out.log && echo 1)" "out of tree: ksplice-create's last line"
changed=$(files)
tap_ok "$([ -z "$changed" ] && echo 1)" "out of tree: no build output of the tree added or changed"
[ -z "$changed" ] || tap_diag "$changed"
make -s -f "$KSPLICE_TOP/kbuild/Makefile.ksplice" -C "$tree" ksplice >usage.log 2>&1
rc=$?
tap_ok "$([ "$rc" != 0 ] && grep -q "usage: .*KSPLICE_PATCH=FILE" usage.log && echo 1)" \
	"out of tree: without KSPLICE_PATCH, a usage message and failure"

# in tree
patch -s -p1 -d "$tree" <"$KSPLICE_TOP/patches/kernel/0001-kbuild-add-ksplice-target.patch"
tap_ok "$([ $? = 0 ] && echo 1)" "in tree: the kernel patch applies to the 6.1 Makefile"
touch marker
sleep 1
"$KSPLICE_TOP/kbuild/kmake" "$tree" -s ksplice KSPLICE_TOOLS="$KSPLICE_TOP" \
	KSPLICE_PATCH="$tmp/fix.patch" KSPLICE_ID=mkin0001 KSPLICE_OUTPUT="$tmp" KSPLICE_FLAGS=-q \
	>in.log 2>&1
rc=$?
tap_ok "$([ "$rc" = 0 ] && [ -f ksplice-mkin0001.tar.gz ] && echo 1)" "in tree: make ksplice writes the tarball"
[ "$rc" = 0 ] || sed 's/^/# /' in.log | tail -10
changed=$(files | grep -vx "./Makefile")
tap_ok "$([ -z "$changed" ] && echo 1)" "in tree: no build output of the tree added or changed"
[ -z "$changed" ] || tap_diag "$changed"
"$KSPLICE_TOP/kbuild/kmake" "$tree" -s ksplice KSPLICE_PATCH=fix.patch >in-usage.log 2>&1
tap_ok "$([ $? != 0 ] && grep -q "set KSPLICE_TOOLS to the ksplice checkout" in-usage.log && echo 1)" \
	"in tree: without KSPLICE_TOOLS, a clear error"
cp -p "$tmp/Makefile.orig" "$tree/Makefile"
tap_ok "$(cmp -s "$tmp/Makefile.orig" "$tree/Makefile" && echo 1)" "the tree's Makefile is restored"
tap_finish
