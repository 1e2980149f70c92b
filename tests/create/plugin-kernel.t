#!/bin/bash
# The in-tree `make ksplice` route on a kernel built entirely with the plugin:
# kbuild/build-plugin-kernel's tiny kernel (tinyconfig + a few options, every
# C unit compiled with KCFLAGS=-fplugin=..., cached; built here when missing,
# ~5-6 min). Checks: every C object of the kernel has the plugin's records,
# vmlinux linked with no orphan section; then the in-tree kernel patch
# (patches/kernel/0001-*) applied to the tree's Makefile (restored afterwards,
# also on failure) and `make ksplice` run there with the build's KCFLAGS, as
# a maintainer of that tree would: the tarball is written, its vermagic is the
# tiny kernel's, the only unit of the tree that is compiled is
# kernel/printk/printk.c (pre and post; a logging gcc-12 first in PATH sees
# every compile), and no file of the tree is added, removed or touched (names,
# sizes, mtimes of all files; sha256 of every build output), nor by a
# ksplice-create stopped while it waits for the heavy-job lock. Last, the
# bzImage boots in QEMU, applies the update and undoes it.
. "$KSPLICE_TOP/tests/lib/tap.sh"
. "$KSPLICE_TOP/tests/lib/tree-makefile.sh"
. "$KSPLICE_TOP/kbuild/common.sh"
tap_plan 16
make -C "$KSPLICE_TOP/packager" >/dev/null
make -C "$KSPLICE_TOP/gcc-plugin" >/dev/null
make -C "$KSPLICE_TOP/tools" >/dev/null
tmp=$(mktemp -d)
t0=$(date +%s)
ks_lock_heavy
tap_diag "waited $(($(date +%s) - t0))s for the heavy-job lock"
tree=$("$KSPLICE_TOP/kbuild/build-plugin-kernel" 2>"$tmp/build.err" | tail -n 1)
if [ ! -e "$tree/.ksplice-built" ]; then
	tap_ok "" "the plugin-built tiny kernel is there (kbuild/build-plugin-kernel)"
	sed 's/^/# /' "$tmp/build.err"
	rm -rf "$tmp"
	exit 1
fi
tap_ok 1 "the plugin-built tiny kernel is there ($tree, built in $(cat "$tree/ksplice/build-seconds")s)"
kcflags=$(cat "$tree/ksplice/kcflags")
release=$(cat "$tree/ksplice/kernel.release")
plugin=${kcflags#-fplugin=}
sums=$KSPLICE_TOP/gcc-plugin/ksplice-sums

# a run killed before restoring the Makefile (SIGKILL) left the target in it
if grep -q '^ksplice:' "$tree/Makefile"; then
	tap_diag "the tree's Makefile still has the ksplice target: reverting the kernel patch"
	patch -R -s -p1 -d "$tree" <"$KSPLICE_TOP/patches/kernel/0001-kbuild-add-ksplice-target.patch"
fi
guard_tree_makefile "$tree" "$tmp"
cd "$tmp" || exit 1

# 1. Every object kbuild compiled from C for the kernel (its .cmd names a .c
# source and the command is a target compile, -nostdinc) has the records.
# classify: "with OBJ" / "without OBJ" (OBJ relative to the tree)
find "$tree" -name '.*.o.cmd' -type f -print0 | sort -z | xargs -0 awk -v p=" -fplugin=$plugin " '
	FNR == 1 { first = $0; obj = substr($0, 5, index($0, " := ") - 5) }
	/^source_.* := .*\.c$/ && first ~ / -nostdinc / {
		print (index(first, p) ? "with " : "without ") obj
	}' >classes
with=$(grep -c '^with ' classes) without=$(grep -c '^without ' classes)
norec=() funcs=0
while read -r _ rel; do
	if ! "$sums" "$tree/$rel" >sums.out 2>&1; then
		norec+=("$rel")
		continue
	fi
	funcs=$((funcs + $(grep -c '^func ' sums.out)))
done < <(grep '^with ' classes)
sed -n 's/^without //p' classes | sort >nofl
tap_ok "$([ "$with" -gt 500 ] && [ ${#norec[@]} = 0 ] && echo 1)" \
	"every C object compiled with the plugin has its records: $with objects, $funcs func records"
[ ${#norec[@]} = 0 ] || tap_diag "without records: ${norec[*]:0:20}"
# Those compiled without KCFLAGS (the 16-bit setup code, the decompressor,
# the real-mode trampoline: their Makefiles set their own flags) are not
# part of vmlinux.a.
ar t "$tree/vmlinux.a" | sed "s|^$tree/||" | sort >members
inside=$(comm -12 members nofl)
tap_ok "$([ -z "$inside" ] && echo 1)" \
	"no object of vmlinux.a was compiled without the plugin ($without C objects outside it were: $(sed 's|/[^/]*$||' nofl | sort | uniq -c | awk '{printf "%s%s %s", s, $2, $1; s=", "}'))"
[ -z "$inside" ] || tap_diag "in vmlinux.a without the plugin: $inside"
members_c=$(comm -23 members nofl | grep -c '\.o$')

# 2. vmlinux linked, every .text.<fn>/.data.<obj>/.bss.<obj> placed (the
# linker script patch), bzImage made.
orphans=$(grep -c 'orphan section' "$tree/ksplice/build.log")
split=$(readelf -SW "$tree/vmlinux" 2>/dev/null | grep -cE '\] \.(text|data|bss)\.[0-9a-zA-Z_]')
tap_ok "$(readelf -h "$tree/vmlinux" 2>/dev/null | grep -q 'EXEC (Executable' &&
	[ -s "$tree/arch/x86/boot/bzImage" ] && [ "$orphans" = 0 ] && [ "$split" = 0 ] && echo 1)" \
	"vmlinux linked ($members_c objects of vmlinux.a; $orphans orphan-section warnings, $split unplaced per-symbol sections), bzImage made"

# Build outputs: every file the build wrote (newer than ksplice/kernel.release,
# written just before it). kbuild rewrites .missing-syscalls.d on every run
# (the same content): its mtime is left out, its content is compared.
listing() {
	(cd "$tree" && find . -type f -printf '%P %s %T@\n' | sort |
		awk '$1 == ".missing-syscalls.d" { $3 = "-" } { print }')
}
outputs() {
	(cd "$tree" && find . -type f -newer ksplice/kernel.release -print0 | sort -z |
		xargs -0 sha256sum)
}
listing >before.list
outputs >before.sha
nout=$(wc -l <before.sha)

# 3. make ksplice in the tree, with the build's KCFLAGS.
cp "$KSPLICE_TOP/patches/printk.patch" fix.patch
patch -s -p1 -d "$tree" <"$KSPLICE_TOP/patches/kernel/0001-kbuild-add-ksplice-target.patch"
tap_ok "$([ $? = 0 ] && echo 1)" "the in-tree kernel patch applies to the tiny tree's Makefile"
real=$(command -v gcc-12)
mkdir bin
cat >bin/gcc-12 <<EOF
#!/bin/sh
# gcc-12 that logs every compile of a .c file (directory, then arguments).
for a in "\$@"; do
	case \$a in
	*.c) printf '%s\t%s\n' "\$PWD" "\$*" >>"$tmp/compiles"; break ;;
	esac
done
exec "$real" "\$@"
EOF
chmod +x bin/gcc-12
: >compiles
start=$(date +%s)
PATH=$tmp/bin:$PATH "$KSPLICE_TOP/kbuild/kmake" "$tree" -s ksplice KCFLAGS="$kcflags" \
	KSPLICE_TOOLS="$KSPLICE_TOP" KSPLICE_PATCH="$tmp/fix.patch" KSPLICE_ID=plugtiny \
	KSPLICE_OUTPUT="$tmp" KSPLICE_FLAGS=-v >make.log 2>&1
rc=$?
secs=$(($(date +%s) - start))
cp -p "$tmp/Makefile.orig" "$tree/Makefile"
tap_ok "$([ "$rc" = 0 ] && [ -f ksplice-plugtiny.tar.gz ] && echo 1)" \
	"make ksplice writes the tarball (${secs}s)"
[ "$rc" = 0 ] || grep -v '^ksplice-create: \$' make.log | tail -n 15 | sed 's/^/# /'
grep '^ksplice-create: \[' make.log | sed 's/^/# /'

tar -xzf ksplice-plugtiny.tar.gz 2>/dev/null
vermagic=$(cat ksplice-plugtiny/vermagic 2>/dev/null)
# the kernel's own vermagic (kernel/module/main.c) is a string of vmlinux
kernel_vermagic=$(strings -a "$tree/vmlinux" | grep "^$release " | sed 's/ *$//' | sort -u)
module_vermagic=$(modinfo -F vermagic ksplice-plugtiny/ksplice_plugtiny_vmlinux_new.ko 2>/dev/null |
	sed 's/ *$//')
tap_ok "$([ -n "$vermagic" ] && [ "$vermagic" = "$kernel_vermagic" ] &&
	[ "$module_vermagic" = "$vermagic" ] && echo 1)" \
	"the update's vermagic is the tiny kernel's: '$vermagic'"
[ "$vermagic" = "$kernel_vermagic" ] || tap_diag "vmlinux's vermagic: '$kernel_vermagic'"

# Compiles of the tree's sources (relative to the tree, or under it); the
# others are the update modules and the core module, in ksplice-create's
# work directory.
awk -F '\t' -v t="$tree" '{
	n = split($2, a, " "); src = ""
	for (i = 1; i <= n; i++) if (a[i] ~ /\.c$/) src = a[i]
	if (src !~ /^\// || index(src, t "/") == 1) print src
}' compiles >tree-compiles
ntotal=$(wc -l <compiles)
tap_ok "$([ "$(sort -u tree-compiles)" = "kernel/printk/printk.c" ] && [ "$(wc -l <tree-compiles)" = 2 ] &&
	echo 1)" "the only unit of the tree compiled is kernel/printk/printk.c, twice (pre, post): $(wc -l <tree-compiles) of $ntotal C compiles"
sort tree-compiles | uniq -c | sed 's/^/# tree: /'
grep -c '/ksplice-create-plugtiny-' compiles | sed 's/^/# compiles in the work directory (update and core modules): /'
grep "kernel/printk/printk.c" compiles | head -n 1 >printk-cmd
tap_ok "$([ "$(grep -oF -- "-fplugin=$plugin " printk-cmd | wc -l)" = 1 ] &&
	grep -q -- '-ffunction-sections -fdata-sections' printk-cmd && echo 1)" \
	"printk.c: the plugin once (from KCFLAGS; the wrapper adds no second one) and the section flags"
grep -E '^ksplice-create: \$ .*kmake .* kernel/printk/printk\.o$' make.log | head -n 2 | sed 's/^/# /'

listing >after.list
outputs >after.sha
changed=$(diff before.list after.list | grep '^[<>]' | head -n 20)
tap_ok "$([ -s before.list ] && [ -z "$changed" ] && echo 1)" \
	"no file of the tree added, removed or touched ($(wc -l <before.list) files: names, sizes, mtimes)"
[ -z "$changed" ] || tap_diag "$changed"
tap_ok "$([ "$nout" -gt 1000 ] && cmp -s before.sha after.sha && echo 1)" \
	"the $nout build outputs are byte-identical (sha256)"
diff before.sha after.sha | head -n 10 | sed 's/^/# /'

# 3b. ksplice-create stopped (SIGTERM) while it waits for the heavy-job lock
# (this test holds it) has backed nothing up: it must leave the tree's
# objects alone (it used to delete the units' objects it had not saved).
start=$(date +%s)
env -u KSPLICE_HEAVY_LOCKED KCFLAGS="$kcflags" "$KSPLICE_TOP/kbuild/ksplice-create" -q \
	--patch=fix.patch --id=plugterm --output-dir="$tmp" "$tree" >term.log 2>&1 &
kc=$!
waiting=
while kill -0 "$kc" 2>/dev/null && [ $(($(date +%s) - start)) -lt 60 ]; do
	if grep -q -- "-> FLOCK .* $kc " /proc/locks; then
		waiting=1
		break
	fi
	sleep 0.2
done
kill -TERM "$kc" 2>/dev/null
wait "$kc"
rc=$?
listing >term.list
changed=$(diff before.list term.list | grep '^[<>]' | head -n 10)
tap_ok "$([ -n "$waiting" ] && [ "$rc" = 130 ] && [ -z "$changed" ] && echo 1)" \
	"ksplice-create stopped while waiting for the heavy-job lock (status $rc) leaves every file of the tree as it was"
[ -n "$waiting" ] || tap_diag "ksplice-create was not seen waiting for the lock"
[ -z "$changed" ] || tap_diag "$changed"

# 4. The plugin-built kernel boots (8250 console, initramfs), applies the
# update made in its tree and undoes it. No ACPI to power off: the script
# reboots (-no-reboot ends QEMU).
mkdir vmbin
cp "$KSPLICE_TOP"/tools/ksplice-apply "$KSPLICE_TOP"/tools/ksplice-undo \
	"$KSPLICE_TOP"/tools/ksplice-view vmbin/
cat >vm.sh <<'EOF'
res() { if [ "$1" = 0 ]; then echo "plugin-tiny: ok $2"; else echo "plugin-tiny: not ok $2"; fi; }
echo "plugin-tiny: uname -r: $(uname -r)"
ksplice-apply /ksplice/ksplice-plugtiny.tar.gz >/tmp/apply.out 2>&1
st=$?
cat /tmp/apply.out
# the core's message is printed by the new _printk: "Quoth the kernel:" first
dmesg | grep -B1 "ksplice: Update plugtiny applied successfully" | head -n 1 | grep -q "Quoth the kernel:"
res $((st + $?)) apply
ksplice-view | grep -qx "Ksplice id plugtiny is present in the kernel and is applied."
res $? view
ksplice-undo plugtiny >/tmp/undo.out 2>&1
st=$?
cat /tmp/undo.out
line=$(dmesg | grep -B1 "ksplice: Update plugtiny reversed successfully" | head -n 1)
case $line in *"Quoth the kernel:"*) st=1 ;; *reversed*) st=$((st + 1)) ;; esac
res $st undo
echo "ksplice-vm: exit status 0"
sleep 1
reboot -f
EOF
start=$(date +%s)
"$KSPLICE_TOP/tests/vm/run-vm" --kernel "$tree/arch/x86/boot/bzImage" --timeout 90 \
	--file "$tmp/vmbin:/ksplice/bin" --file "$tmp/ksplice-plugtiny.tar.gz" \
	--log "$tmp/console.log" vm.sh >vm.out 2>&1
rc=$?
secs=$(($(date +%s) - start))
tap_ok "$([ "$rc" = 0 ] && grep -aq "plugin-tiny: uname -r: $release" console.log && echo 1)" \
	"the plugin-built bzImage boots in QEMU to the shell (${secs}s for the whole VM run)"
[ "$rc" = 0 ] || { sed 's/^/# /' vm.out; tail -n 15 console.log | sed 's/^/# /'; }
tap_ok "$(grep -aq '^plugin-tiny: ok apply' console.log && grep -aq '^plugin-tiny: ok view' console.log &&
	echo 1)" "it applies the update made in its tree (\"Quoth the kernel:\" before the core's message; ksplice-view)"
tap_ok "$(grep -aq '^plugin-tiny: ok undo' console.log && echo 1)" \
	"ksplice-undo reverses it (the core's message without \"Quoth the kernel:\")"
grep -aE '^plugin-tiny:|Quoth|ksplice: Update' console.log | sed 's/^/# /'
tap_ok "$(cmp -s "$tmp/Makefile.orig" "$tree/Makefile" && echo 1)" "the tree's Makefile is restored"
tap_finish
