#!/bin/bash
# ksplice-create on bad input: each case gives a clear message and a non-zero
# exit (66 for a patch that changes no code, 67 for changed data without
# custom code), writes no tarball, and leaves the
# tree byte-identical (contents and names of the files around the patch,
# objects included), also when interrupted with Ctrl-C while compiling.
. "$KSPLICE_TOP/tests/lib/tap.sh"
. "$KSPLICE_TOP/kbuild/common.sh"
tap_plan 46
tree=$(ks_kernel_dir)/linux
create=$KSPLICE_TOP/kbuild/ksplice-create
P=$KSPLICE_TOP/tests/create/patches
make -C "$KSPLICE_TOP/packager" >/dev/null
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$tmp" || exit 1

# Hold the heavy-job lock for the whole test (ksplice-create then does not
# take it again), so that no other job compiles in these directories meanwhile.
ks_lock_heavy
files() {
	(cd "$tree" && find kernel/printk fs/fat include/linux/fb.h include/net/bluetooth/bluetooth.h lib/string.c arch/x86/lib/memset_64.S \
		\( -type f -o -type l \) -print0 | sort -z | xargs -0 sha256sum)
}
state() { files | sha256sum; }
files >files.before
before=$(state)

# expect NAME STATUS REGEX ARGS...: exit status, message, no tarball, tree unchanged
expect() {
	local name=$1 want=$2 re=$3 out rc
	shift 3
	out=$("$create" -q --id=badin001 "$@" 2>&1)
	rc=$?
	tap_ok "$([ "$rc" = "$want" ] && echo 1)" "$name: exit status $want"
	[ "$rc" = "$want" ] || tap_diag "got $rc" "$(printf '%s\n' "$out" | tail -5)"
	if printf '%s\n' "$out" | grep -qE -- "$re"; then
		tap_ok 1 "$name: message /$re/"
	else
		tap_ok 0 "$name: message /$re/"
		printf '%s\n' "$out" | tail -8 | sed 's/^/# /'
	fi
	tap_ok "$([ ! -e ksplice-badin001.tar.gz ] && [ "$(state)" = "$before" ] && echo 1)" \
		"$name: no tarball, tree unchanged"
	[ "$(state)" = "$before" ] || files | diff files.before - | sed 's/^/# /' | head
	rm -f ksplice-badin001.tar.gz
}

expect "bad --id" 2 "bad --id 'BAD': it must be 8 characters" --id=BAD --patch="$P/comment-only.patch" "$tree"
expect "missing patch file" 1 "no-such.patch: no such file" --patch="$tmp/no-such.patch" "$tree"
mkdir -p notprepared && echo 'all:' >notprepared/Makefile
expect "tree not prepared" 1 "tree not prepared: .*ksplice/.config is missing" --patch="$P/comment-only.patch" "$tmp/notprepared"

printf -- '--- /dev/null\n+++ b/fs/fat/new_unit.c\n@@ -0,0 +1 @@\n+int fat_new_unit;\n' >newc.patch
expect "new .c file" 1 "the patch creates or deletes a file \(b/fs/fat/new_unit.c\): not supported" \
	--patch=newc.patch "$tree"

sed 's/^-\(.*\)%pV/-\1%pW/' "$P/module-fat.patch" >stale.patch
expect "patch does not apply" 1 "the patch does not apply to the tree" --patch=stale.patch "$tree"

mkdir -p fakebin
printf '#!/bin/sh\necho "gcc-12 (Debian 12.2.0-99) 12.2.0"\n' >fakebin/gcc-12
chmod +x fakebin/gcc-12
PATH=$tmp/fakebin:$PATH expect "compiler mismatch" 1 \
	"built with 'gcc-12 \(Debian 12.2.0-14\+deb12u1\) 12.2.0', this is 'gcc-12 \(Debian 12.2.0-99\) 12.2.0'" \
	--patch="$KSPLICE_TOP/patches/printk.patch" "$tree"

expect "assembly change" 1 "assembly changes are not supported: arch/x86/lib/memset_64.S" --patch="$P/asm-change.patch" "$tree"
expect "lib-y change" 1 "lib/string.c is a lib-y object" --patch="$P/lib-change.patch" "$tree"
# --max-preprocess=300: with the default (800) fb.h's 614 includers would be
# preprocessed, some 6 minutes
expect "header included too widely" 1 \
	"included by 61[0-9] built units: more than 300 to preprocess, not supported" \
	--max-preprocess=300 --patch="$P/header-too-wide-undef.patch" "$tree"
expect "struct changed in a header included too widely (needs custom code)" 67 \
	"\\[layout\\] include/linux/fb.h: changes the definition of struct fb_info \\(.*more than 300 to preprocess" \
	--max-preprocess=300 --patch="$P/header-too-wide.patch" "$tree"
# bt_sock gains a field (6.1.176's accept_q_lock): some 70 units include
# bluetooth.h, only those using struct bt_sock are compiled (the others
# differ in definitions they do not use), and their changed layout of bt_sock
# needs custom code
expect "struct changed in a header included by 70 units (needs custom code)" 67 \
	"\\[layout\\] net/bluetooth/sco.c: changed layout of struct bt_sock" \
	--patch="$P/header-layout-many-units.patch" "$tree"
expect "comment-only change" 66 "^No changes detected\.$" --patch="$P/comment-only.patch" "$tree"
expect "patch that breaks the build" 1 \
	"Aborting: Applying the patch appears to break the kernel build" --patch="$P/breaks-build.patch" "$tree"
out=$("$create" -q --id=badin001 --patch="$P/breaks-build.patch" "$tree" 2>&1)
tap_ok "$(printf '%s\n' "$out" | grep -q "error: .no_such_variable. undeclared" && echo 1)" \
	"... the compiler's error is shown"
expect "changed data (needs custom code)" 67 "\\[data\\] kernel/printk/printk.c: .*console_printk" --patch="$P/data-change.patch" "$tree"

# Ctrl-C while the post objects compile (the patch is applied then).
setsid "$create" --id=badin001 --patch="$KSPLICE_TOP/patches/printk.patch" "$tree" >int.log 2>&1 &
pid=$!
for _ in $(seq 600); do
	grep -q "compiling the post objects" int.log && break
	kill -0 "$pid" 2>/dev/null || break
	sleep 0.2
done
sleep 1
kill -INT -- -"$pid" 2>/dev/null
wait "$pid"
rc=$?
tap_ok "$([ "$rc" = 130 ] && echo 1)" "Ctrl-C while compiling: exit status 130 (got $rc)"
tap_ok "$(grep -q "interrupted; the tree was restored" int.log && echo 1)" "Ctrl-C: message"
tap_ok "$([ ! -e ksplice-badin001.tar.gz ] && [ "$(state)" = "$before" ] && echo 1)" \
	"Ctrl-C: no tarball, tree unchanged"
[ "$rc" = 130 ] || sed 's/^/# /' int.log | tail -5
[ "$(state)" = "$before" ] || files | diff files.before - | sed 's/^/# /' | head
tap_finish
