#!/bin/bash
# The tools on the host, without loading anything: usage, bad tarballs, a
# tarball for another kernel (refused before any module is loaded), unknown
# ids, and the library's ELF label binding (link-new.c).
. "$KSPLICE_TOP/tests/lib/tap.sh"
tap_plan 21
t=$KSPLICE_TOP/tools
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
make -C "$t" >"$tmp/make.log" 2>&1
tap_ok "$([ -x "$t/ksplice-apply" ] && [ -x "$t/ksplice-undo" ] && [ -x "$t/ksplice-view" ] && echo 1)" "tools build"

st() { "$@" >"$tmp/out" 2>&1; echo $?; }
tap_ok "$([ "$(st "$t/ksplice-apply")" = 2 ] && echo 1)" "ksplice-apply without a tarball: usage, status 2"
tap_ok "$([ "$(st "$t/ksplice-undo")" = 2 ] && echo 1)" "ksplice-undo without an id: usage, status 2"
tap_ok "$([ "$(st "$t/ksplice-view" --bogus)" = 2 ] && echo 1)" "ksplice-view with a bad option: usage, status 2"
tap_ok "$([ "$(st "$t/ksplice-undo" 'BAD!')" = 2 ] && grep -q "is not a Ksplice id" "$tmp/out" && echo 1)" "ksplice-undo of a malformed id: status 2"
tap_ok "$([ "$(st "$t/ksplice-apply" "$tmp/none.tar.gz")" = 3 ] && grep -q "no such file" "$tmp/out" && echo 1)" "a missing tarball: status 3"
head -c 2000 /dev/urandom >"$tmp/garbage.tar.gz"
tap_ok "$([ "$(st "$t/ksplice-apply" "$tmp/garbage.tar.gz")" = 3 ] && grep -q "cannot be unpacked" "$tmp/out" && echo 1)" "a corrupt tarball: status 3"

# A well-formed tarball for a kernel release no machine runs.
mk() {	# mk NAME: tree in $tmp/NAME/ksplice-abc123
	local d=$tmp/$1/ksplice-abc123
	mkdir -p "$d"
	echo "vmlinux ksplice_abc123_vmlinux_pre.ko ksplice_abc123_vmlinux_new.ko" >"$d/contents"
	: >"$d/ksplice_abc123_vmlinux_pre.ko"
	: >"$d/ksplice_abc123_vmlinux_new.ko"
	echo 0.0.0-ksplice-test >"$d/utsname"
	echo "0.0.0-ksplice-test SMP preempt mod_unload modversions" >"$d/vermagic"
	echo 3 >"$d/api-version"
	echo test >"$d/description"
}
pack() { tar -czf "$tmp/$1.tar.gz" -C "$tmp/$1" ksplice-abc123; }
mk other && pack other
tap_ok "$([ "$(st "$t/ksplice-apply" "$tmp/other.tar.gz")" = 4 ] && echo 1)" "another kernel's tarball: status 4"
tap_ok "$(grep -q "for kernel 0.0.0-ksplice-test, but the running kernel is $(uname -r)" "$tmp/out" && grep -q "Nothing was loaded" "$tmp/out" && echo 1)" "... naming both releases, nothing loaded"
tap_ok "$([ "$(st "$t/ksplice-view" --file="$tmp/other.tar.gz")" = 0 ] && grep -q "Ksplice id abc123, for kernel 0.0.0-ksplice-test" "$tmp/out" && grep -q "Target: vmlinux" "$tmp/out" && echo 1)" "ksplice-view --file describes a tarball"
mk noapi && rm "$tmp/noapi/ksplice-abc123/api-version" && pack noapi
tap_ok "$([ "$(st "$t/ksplice-apply" "$tmp/noapi.tar.gz")" = 3 ] && grep -q "no api-version" "$tmp/out" && echo 1)" "no api-version: status 3"
mk api4 && echo 4 >"$tmp/api4/ksplice-abc123/api-version" && pack api4
tap_ok "$([ "$(st "$t/ksplice-apply" "$tmp/api4.tar.gz")" = 3 ] && grep -q "api-version 4" "$tmp/out" && echo 1)" "api-version 4: status 3"
mk badc && echo "vmlinux only-one-field" >"$tmp/badc/ksplice-abc123/contents" && pack badc
tap_ok "$([ "$(st "$t/ksplice-apply" "$tmp/badc.tar.gz")" = 3 ] && grep -q "bad line in contents" "$tmp/out" && echo 1)" "a bad contents line: status 3"
mk miss && rm "$tmp/miss/ksplice-abc123/ksplice_abc123_vmlinux_new.ko" && pack miss
tap_ok "$([ "$(st "$t/ksplice-apply" "$tmp/miss.tar.gz")" = 3 ] && grep -q "missing" "$tmp/out" && echo 1)" "a module listed but missing: status 3"
mkdir -p "$tmp/twodirs/ksplice-a" "$tmp/twodirs/ksplice-b"
tar -czf "$tmp/twodirs.tar.gz" -C "$tmp/twodirs" ksplice-a ksplice-b
tap_ok "$([ "$(st "$t/ksplice-apply" "$tmp/twodirs.tar.gz")" = 3 ] && grep -q "one directory ksplice-<id>" "$tmp/out" && echo 1)" "two update directories: status 3"
if [ -e /sys/kernel/ksplice ]; then
	tap_skip "ksplice-undo of an unknown id: status 6" "the host runs ksplice"
	tap_skip "ksplice-view --id of an unknown id: status 6" "the host runs ksplice"
	tap_skip "ksplice-view with no updates" "the host runs ksplice"
else
	tap_ok "$([ "$(st "$t/ksplice-undo" nosuch1)" = 6 ] && grep -q "not present in the kernel" "$tmp/out" && echo 1)" "ksplice-undo of an unknown id: status 6"
	tap_ok "$([ "$(st "$t/ksplice-view" --id=nosuch1)" = 6 ] && echo 1)" "ksplice-view --id of an unknown id: status 6"
	tap_ok "$([ "$(st "$t/ksplice-view")" = 0 ] && grep -q "No Ksplice updates" "$tmp/out" && [ "$("$t/ksplice-view" --json)" = "[]" ] && echo 1)" "ksplice-view with no updates (text and --json)"
fi

# ELF label binding, on a real new module when the kernel tree is prepared
ko=$(ls "$KSPLICE_TOP"/build/apply/build-*/new/ksplice_*_vmlinux_new.ko 2>/dev/null | head -n 1)
if [ -z "$ko" ] && [ -d "$(. "$KSPLICE_TOP/kbuild/common.sh"; ks_kernel_dir)/linux" ]; then
	make -C "$KSPLICE_TOP/kmod" >/dev/null 2>&1
	"$KSPLICE_TOP/tests/apply/lib/make-update" "$KSPLICE_TOP/tests/apply/fixtures/cmdline" \
		cmdline1 "$KSPLICE_TOP/build/apply" >/dev/null 2>&1
	ko=$(ls "$KSPLICE_TOP"/build/apply/build-*/new/ksplice_*_vmlinux_new.ko 2>/dev/null | head -n 1)
fi
if gcc -Wall -Wextra -Werror -o "$tmp/link-new" "$KSPLICE_TOP/tests/tools/link-new.c" \
	"$t/elf.o" "$t/lib.o" "$t/abort.o" -lelf 2>"$tmp/cc.log" && [ -n "$ko" ]; then
	tap_ok 1 "link-new unit test builds (on $(basename "$ko"))"
	"$tmp/link-new" "$ko" "$tmp/linked.ko" >"$tmp/link.tap" 2>&1
	rc=$?
	sed 's/^/# /' "$tmp/link.tap"
	tap_ok "$([ $rc = 0 ] && grep -q "^ok 9" "$tmp/link.tap" && echo 1)" "ks_link_new binds labels to SHN_ABS addresses, and lists a deferred target's label sites (9 checks)"
	tap_ok "$(readelf -sW "$tmp/linked.ko" | grep -q ' ABS saved_command_line$' && echo 1)" "readelf agrees: saved_command_line is ABS"
else
	tap_ok 0 "link-new unit test builds"
	sed 's/^/# /' "$tmp/cc.log"
	tap_skip "ks_link_new" "no module"
	tap_skip "readelf" "no module"
fi
tap_finish
