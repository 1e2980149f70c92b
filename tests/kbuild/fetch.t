#!/bin/bash
# kbuild/fetch-kernel: a prepared reference tree, a damaged download detected
# and redone, bad input (unknown version, full disk, unknown option) refused
# with a clear message and the cache left consistent.
. "$KSPLICE_TOP/tests/lib/tap.sh"
. "$KSPLICE_TOP/kbuild/common.sh"
tap_plan 8
fetch=$KSPLICE_TOP/kbuild/fetch-kernel
dir=$(ks_kernel_dir)
tmp=$(mktemp -d)
cleanup() { umount "$tmp/small" 2>/dev/null; rm -rf "$tmp"; }
trap cleanup EXIT

tap_ok "$([ -e "$dir/linux/.ksplice-prepared" ] && echo 1)" "the reference tree is prepared"
tap_ok "$(grep -q '"6.1.0-47-amd64"' "$dir/linux/include/generated/utsrelease.h" && echo 1)" \
	"its UTS_RELEASE is the image's release"
tap_ok "$(cmp -s <(grep -v -e MODULE_SIG -e GCC_PLUGINS "$dir/linux/.config") \
	<(grep -v -e MODULE_SIG -e GCC_PLUGINS "$dir/headers/usr/src/linux-headers-$KSPLICE_REF_ABI-amd64/.config") &&
	echo 1)" "its config is Debian's but for the signing keys"

# A damaged .deb in a copy of the cache is detected and downloaded again.
copy=$tmp/cache
mkdir -p "$copy/kernels/$KSPLICE_REF_PKGVER/debs"
cp "$dir"/debs/*.deb "$copy/kernels/$KSPLICE_REF_PKGVER/debs/"
hdr=$(ls "$copy/kernels/$KSPLICE_REF_PKGVER/debs/linux-headers-$KSPLICE_REF_ABI-amd64_"*.deb)
truncate -s 100000 "$hdr"
out=$(KSPLICE_CACHE=$copy "$fetch" --no-prepare 2>&1)
tap_ok "$(echo "$out" | grep -q 'damaged: downloading it again' &&
	cmp -s "$hdr" "$dir/debs/$(basename "$hdr")" && echo 1)" "a damaged download is detected and redone"
tap_ok "$([ -e "$copy/kernels/$KSPLICE_REF_PKGVER/headers/.complete" ] && echo 1)" \
	"the copy's headers are unpacked completely"

out=$(KSPLICE_CACHE=$copy "$fetch" --pkgver 6.1.0-nosuch 2>&1)
rc=$?
tap_ok "$([ $rc != 0 ] && echo "$out" | grep -q "archive has no linux-source-6.1=6.1.0-nosuch" && echo 1)" \
	"an unknown version is refused by name (status $rc)"

mkdir -p "$tmp/small"
mount -t tmpfs -o size=20m tmpfs "$tmp/small"
out=$(KSPLICE_CACHE=$tmp/small "$fetch" 2>&1)
rc=$?
tap_ok "$([ $rc != 0 ] && echo "$out" | grep -q 'not enough disk space' &&
	[ -z "$(ls "$tmp/small/kernels/$KSPLICE_REF_PKGVER/debs" 2>/dev/null)" ] && echo 1)" \
	"a full disk is refused before downloading (status $rc)"

out=$("$fetch" --bogus 2>&1)
rc=$?
tap_ok "$([ $rc != 0 ] && echo "$out" | grep -q "unknown option '--bogus'" && echo 1)" \
	"an unknown option is refused (status $rc)"
tap_finish
