#!/bin/bash
# packager/ksplice-pack on small fixtures (tests/packager/fixtures/*.c built
# with -ffunction-sections -fdata-sections, and with the gcc-plugin when it is
# built: same answer, and the plugin's records agree; the plugin's checksums decide,
# and a disagreement with the bytes is reported and resolved by including the
# function): which functions differ, how the
# new-code object references the pre build's static locals, strings and new
# statics, the generated pre/new sources, and the exit codes for no change,
# changed data and bad input; a renumbered BTF_ID symbol; --provided, --keep-new
# and --import-ns; an R_X86_64_NONE relocation; data rewritten in place, and a
# grown table replaced through its holder's pointer; a new data object of
# another unit; an unreferenced device id table; --fresh: a grown writable
# static is a fresh copy.
. "$KSPLICE_TOP/tests/lib/tap.sh"
tap_plan 47
make -C "$KSPLICE_TOP/packager" >/dev/null || { tap_plan 1; tap_ok 0 "packager builds"; exit 1; }
P=$KSPLICE_TOP/packager/ksplice-pack
F=$KSPLICE_TOP/tests/packager/fixtures
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$tmp" || exit 1
for f in pre post data; do
	gcc -O2 -fno-pic -mcmodel=kernel -ffunction-sections -fdata-sections -c "$F/$f.c" -o $f.o
done

tap_ok "$([ -z "$($P diff u.c pre.o pre.o)" ] && echo 1)" "an object compared with itself: no difference"
got=$($P diff u.c pre.o post.o | sort | tr '\n' ',')
tap_ok "$([ "$got" = "changed msg,changed other,new first,new last," ] && echo 1)" \
	"changed msg and other, new first and last; a new string and renumbered static locals change nothing else ($got)"
tap_ok "$($P diff --json u.c pre.o post.o | jq -e '.units[0].changed | map(.name) == ["msg", "other"]' >/dev/null && echo 1)" \
	"diff --json lists the changed functions"

mkdir out
$P build --id=fx000001 --target=vmlinux --description="fixture" --out=out u.c pre.o post.o
tap_ok "$([ $? = 0 ] && [ -f out/code_0.o ] && [ -f out/pre.c ] && [ -f out/new.c ] && [ -f out/manifest.json ] && echo 1)" \
	"build writes code_0.o, pre.c, new.c, manifest.json"
syms=$(readelf -sW out/code_0.o)
local_of_other() {
	objdump -dr "$1" | awk '/<other>:/ { f = 1 } f && /R_X86_64_PC32/ { print $3; exit }' | sed 's/^\.bss\.//; s/-0x4$//'
}
pre_count=$(local_of_other pre.o) post_count=$(local_of_other post.o)
tap_ok "$([ "$pre_count" != "$post_count" ] && echo "$syms" | grep -q " UND ${pre_count}%u.c$" &&
	! echo "$syms" | grep -q "${post_count}%" && echo 1)" \
	"other()'s static local ($post_count in post) is the pre build's instance, by label ${pre_count}%u.c"
tap_ok "$(echo "$syms" | grep -qE "GLOBAL DEFAULT +[0-9]+ __ksplice_new_0_0$" &&
	echo "$syms" | grep -qE "GLOBAL DEFAULT +[0-9]+ __ksplice_new_0_1$" && echo 1)" \
	"each replaced function has a global alias"
tap_ok "$(echo "$syms" | grep -qE "LOCAL +DEFAULT +[0-9]+ (msg|other)$" &&
	! echo "$syms" | grep -qE "GLOBAL +DEFAULT +[0-9]+ (msg|other)$" &&
	echo "$syms" | grep -qE "GLOBAL +DEFAULT +[0-9]+ first$" && echo 1)" \
	"replaced functions are local symbols; a new non-static one (first) is global"
# a trace event's print format that grows is no data change (rxrpc)
printf 'char print_fmt_demo[] = "\\"x=%%d\\"";\nint demo(int x) { return x + print_fmt_demo[0]; }\n' >t_pre.c
printf 'char print_fmt_demo[] = "\\"x=%%d y\\"";\nint demo(int x) { return x + 1 + print_fmt_demo[0]; }\n' >t_post.c
for v in t_pre t_post; do
	gcc -O2 -fno-pic -mcmodel=kernel -ffunction-sections -fdata-sections -c $v.c -o $v.o
done
mkdir out3
$P build --id=fx000003 --target=vmlinux --out=out3 t.c t_pre.o t_post.o >out3.log 2>&1
tap_ok "$([ $? = 0 ] && echo 1)" "a grown trace print format (print_fmt_*) is not refused as changed data"
# WARN_ONCE's one-byte flags sit side by side in .data.once, and the code
# reaches them by "cmpb $0x0,x(%rip)", whose displacement is measured 5 bytes
# on: the label is the flag at addend + 5, not its neighbour at addend + 4
# (amd.c's __already_done.14 was asked of the kernel under .13's name)
cat >o_pre.c <<'EOF2'
#define ONCE static char __attribute__((section(".data.once"))) done
int warn_a(int x) { ONCE; if (!done && x > 1) { done = 1; return 1; } return 0; }
int warn_b(int x) { ONCE; if (!done && x > 2) { done = 1; return 2; } return 0; }
int warn_c(int x) { ONCE; if (!done && x > 3) { done = 1; return 3; } return 0; }
EOF2
sed 's/x > 2/x > 5/' o_pre.c >o_post.c
for v in o_pre o_post; do
	gcc -O2 -fno-pic -mcmodel=kernel -ffunction-sections -fdata-sections -c $v.c -o $v.o
done
mkdir out4
$P build --id=fx000004 --target=vmlinux --out=out4 o.c o_pre.o o_post.o >/dev/null 2>&1
addend=$(readelf -rW o_pre.o | awk '/^Relocation section .\.rela\.text\.warn_b/ { f = 1; next }
	/^Relocation section/ { f = 0 } f && /data\.once/ { print $(NF - 1) "0x" $NF; exit }')
flag_off=$((${addend:-0} + 5))
flag=$(readelf -sW o_pre.o | while read -r _ value _ _ _ _ _ name; do
	[[ $name == done.* ]] && [ $((0x$value)) = "$flag_off" ] && echo "$name"; done)
tap_ok "$([ -n "$flag" ] && [ "$(grep -c "\"$flag%o.c\"" out4/pre.c)" = 3 ] &&
	[ "$(grep -c '"done\.' out4/pre.c)" = 3 ] && echo 1)" \
	"warn_b's WARN_ONCE flag is labelled $flag (offset $flag_off, after the cmpb's imm8), not a neighbour"
# a removed function's __func__, named only by a dynamic-debug descriptor
# (no code owner): the others keep theirs, not the next one's by rank
# (route.c's ip_route_output_tunnel: "__func__.8: size changed from 23 to 10")
cat >r_pre.c <<'EOF2'
struct desc { const char *fn; int line; };
void note(const struct desc *d);
#define DBG() do { static const struct desc __attribute__((used, section("__dyndbg"))) \
	d_ = { __func__, 1 }; note(&d_); } while (0)
int f_a(int x) { DBG(); return x + 1; }
#ifndef POST
int f_removed_here(int x) { DBG(); return x + 2; }
#endif
int f_cc(int x) { DBG(); return x + 3; }
EOF2
for v in pre post; do
	d=; [ $v = post ] && d=-DPOST
	gcc -O2 -fno-pic -mcmodel=kernel -ffunction-sections -fdata-sections $d -c r_pre.c -o r_$v.o
done
mkdir out5
$P build --id=fx000005 --target=vmlinux --out=out5 r.c r_pre.o r_post.o >out5.log 2>&1
tap_ok "$([ $? = 3 ] && ! grep -q __func__ out5.log && echo 1)" \
	"a removed function's __func__ does not pair with another's: no data change (exit 3: no function changed)"
grep __func__ out5.log | sed 's/^/# /'

# a second unit calls first(), new in u.c (tls_sw.c calling tls_strp.c's new
# __tls_strp_done): linked inside the new module, not asked of the kernel
# (w.c only adds the function: its unit still gets a new-code object)
helper='static int __attribute__((noinline)) helper(int x) { return x + 7; }
static int hits;
int v_count(void) { return hits++; }'
printf '%s\nint v_call(int x) { return helper(x); }\n' "$helper" >v_pre.c
printf '%s\nconst char *first(void);\nint v_call(int x) { return helper(x) + first()[0] + hits; }\n' \
	"$helper" >v_post.c
printf 'int w_old(void) { return 1; }\n' >w_pre.c
printf 'int w_old(void) { return 1; }\nconst char *first(void) { return "w"; }\n' >w_post.c
# w.c exports into a namespace (EXPORT_SYMBOL_NS's string): the new module imports it
printf 'asm(".section __ksymtab_strings,\\"aMS\\",%%progbits,1\\n__kstrtabns_first: .asciz \\"MYNS\\"\\n.previous");\n' >>w_post.c
for v in v_pre v_post w_pre w_post; do
	gcc -O2 -fno-pic -mcmodel=kernel -ffunction-sections -fdata-sections -c $v.c -o $v.o
done
mkdir out2
$P build --id=fx000002 --target=vmlinux --out=out2 v.c v_pre.o v_post.o w.c w_pre.o w_post.o >/dev/null
tap_ok "$(readelf -sW out2/code_0.o | grep -qE "UND first$" &&
	readelf -sW out2/code_1.o | grep -qE "FUNC +GLOBAL +DEFAULT +[0-9]+ first$" &&
	! sed -n '/ksplice_pre_symbols/,/^};/p' out2/pre.c | grep -q '"first"' && echo 1)" \
	"a call to a new function of another unit (one that only adds it) is linked in the module, not a label"
tap_ok "$(grep -A4 '\.label = "helper%v.c"' out2/pre.c | grep -q '\.flags = 0,' &&
	grep -A4 '\.label = "v_call"' out2/pre.c | grep -q 'KSPLICE_PRE_REPLACE' && echo 1)" \
	"pre.c carries the unchanged static helper() the new code calls, as a helper (flags 0) to match"
tap_ok "$(grep -A4 '\.label = "v_count"' out2/pre.c | grep -q '\.flags = 0,' && echo 1)" \
	"... and v_count(), which refers to the static hits the new code uses (to find it by its code)"
tap_ok "$(grep -q '^MODULE_IMPORT_NS(MYNS);$' out2/new.c && [ "$(grep -c MODULE_IMPORT_NS out2/new.c)" = 1 ] && echo 1)" \
	"new.c imports the namespace a unit exports into (nvme core's NVME_TARGET_PASSTHRU), once"
tap_ok "$(readelf -SW out/code_0.o | grep -q "\.bss\.count" && ! echo "$syms" | grep -q "UND first" && echo 1)" \
	"first()'s new static local is a fresh instance in the new module"
tap_ok "$(strings out/code_0.o | grep -qx "hello, world" && echo 1)" "the changed string is copied into the new code"
tap_ok "$(readelf -rW out/code_0.o | grep -q "R_X86_64_32S .*\.rodata\..*str" && echo 1)" \
	"references to strings are relocations against the copied section"
tap_ok "$(grep -q '\.label = "msg",' out/pre.c && grep -q '\.label = "other",' out/pre.c &&
	grep -q 'KSPLICE_PRE_REPLACE' out/pre.c && grep -q 'ksplice_register_pre(&ksplice_pre_update, THIS_MODULE)' out/pre.c && echo 1)" \
	"pre.c: both replaced functions, registered with the core"
tap_ok "$(grep -qE '\{ "'"${pre_count}"'%u.c", "'"${pre_count}"'" \}' out/pre.c && echo 1)" \
	"pre.c: the symbols table has the static local's label and kallsyms name"
tap_ok "$(grep -q '{ "msg", __ksplice_new_0_0, [0-9]* },' out/new.c && grep -q 'ksplice_register_new' out/new.c && echo 1)" \
	"new.c: the patch table points at the aliases"
tap_ok "$(jq -e '.units[0].changed[] | select(.name == "msg") | .pre_size > 0 and (.pre_fnv1a | length) == 16' out/manifest.json >/dev/null && echo 1)" \
	"manifest: sizes and pre-code checksums"

# The same fixtures built with the gcc-plugin (records in .discard.ksplice.records).
plugin=$KSPLICE_TOP/gcc-plugin/ksplice_plugin.so sums=$KSPLICE_TOP/gcc-plugin/ksplice-sums
if [ -f "$plugin" ] && [ -x "$sums" ] &&
	gcc -O2 -fno-pic -mcmodel=kernel -ffunction-sections -fdata-sections -fplugin="$plugin" \
		-fplugin-arg-ksplice_plugin-unit=u.c -c "$F/pre.c" -o pre-pl.o 2>/dev/null &&
	gcc -O2 -fno-pic -mcmodel=kernel -ffunction-sections -fdata-sections -fplugin="$plugin" \
		-fplugin-arg-ksplice_plugin-unit=u.c -c "$F/post.c" -o post-pl.o 2>/dev/null; then
	got=$($P diff u.c pre-pl.o post-pl.o | sort | tr '\n' ',')
	tap_ok "$([ "$got" = "changed msg,changed other,new first,new last," ] && echo 1)" \
		"plugin-built objects: the same changes ($got)"
	rec=$("$sums" --diff --json pre-pl.o post-pl.o | jq -r '[.changed_functions[].name, .new_functions[].name] | sort | join(",")')
	tap_ok "$([ "$rec" = "first,last,msg,other" ] && echo 1)" "the plugin's records agree ($rec)"
	# Objects whose records disagree with their code: pre's code with post's
	# records (the checksums say msg and other changed, the bytes do not), and
	# post's code with pre's records (the other way round).
	objcopy --dump-section .discard.ksplice.records=pre.rec pre-pl.o
	objcopy --dump-section .discard.ksplice.records=post.rec post-pl.o
	objcopy --update-section .discard.ksplice.records=post.rec pre-pl.o sums-changed.o
	objcopy --update-section .discard.ksplice.records=pre.rec post-pl.o sums-same.o
	got=$($P diff u.c pre-pl.o sums-changed.o 2>err1 | sort | tr '\n' ',')
	tap_ok "$([ "$got" = "changed msg,changed other," ] &&
		grep -q "checksums: msg changed (its bytes compare equal): replaced" err1 && echo 1)" \
		"the checksums decide: same bytes, changed checksums -> replaced, and said ($got)"
	got=$($P diff u.c pre-pl.o sums-same.o 2>err2 | sort | tr '\n' ',')
	tap_ok "$([ "$got" = "changed msg,changed other,new first,new last," ] &&
		grep -q "checksums: other has the same checksum but its bytes differ: replaced too" err2 &&
		echo 1)" "changed bytes under an unchanged checksum: replaced too, and said ($got)"
else
	tap_skip "plugin-built objects: the same changes" "gcc-plugin not built"
	tap_skip "the plugin's records agree" "gcc-plugin not built"
	tap_skip "the checksums decide" "gcc-plugin not built"
	tap_skip "changed bytes under an unchanged checksum" "gcc-plugin not built"
fi
# A changed read-only static: only code reads the quirk table (its reader is
# replaced and uses the update's copy); a structure holds the id table's
# address (the update carries the grown table, and the structure's pointer is
# rewritten in place to it).
tcc() { gcc -O2 -fno-pic -mcmodel=kernel -ffunction-sections -fdata-sections "$@"; }
tcc -c "$F/table.c" -o table-pre.o
tcc -DPOST -c "$F/table.c" -o table-quirk.o
tcc -DPOST -DPOST_IDS -c "$F/table.c" -o table-both.o
got=$($P diff u.c table-pre.o table-both.o 2>/dev/null | tr '\n' ',')
tap_ok "$([ "$got" = "changed quirk_flags,data drv: holds the address of ids (in place)," ] && echo 1)" \
	"a changed table only code reads: its reader is replaced; one whose address data holds: its holder's pointer, in place ($got)"
mkdir tbl tbl2
$P build --id=fx000002 --target=vmlinux --out=tbl u.c table-pre.o table-both.o 2>/dev/null
rc=$?
relas=$(readelf -rW tbl/code_0.o | awk '/^Relocation section .\.rela\.rodata\.ksplice_data\.drv/ { f = 1; next }
	/^Relocation section/ { f = 0 } f && /R_X86_64/ { print $1, $3, $5 }')
size=$(readelf -SW tbl/code_0.o | awk '{ for (i = 1; i < NF; i++) if ($i == ".rodata.ids") print $(i + 4) }')
tap_ok "$([ $rc = 0 ] && [ "$relas" = "0000000000000008 R_X86_64_64 .rodata.ids" ] && [ "$size" = 000010 ] &&
	grep -q '{ 8, 8, ksplice_data_0_0_0, "ids%u.c", 0 }' tbl/pre.c && echo 1)" \
	"build: the new module carries the grown id table (0x$size bytes), the holder's copy points at it, its pre value is the running table"
$P build --id=fx000003 --target=vmlinux --out=tbl2 u.c table-pre.o table-quirk.o 2>/dev/null
tap_ok "$([ $? = 0 ] && readelf -SW tbl2/code_0.o | grep -q "\.rodata\.quirks" &&
	! readelf -sW tbl2/code_0.o | grep -q "UND quirks" && echo 1)" \
	"the replaced reader uses the update's copy of the table, not the running one"
$P diff u.c pre.o post.o >/dev/null 2>err3
tap_ok "$(grep -q "u.c: no plugin records: changed functions from the byte comparison alone" err3 && echo 1)" \
	"objects without records: the byte comparison alone, and said"

mkdir same
$P build --id=fx000001 --target=vmlinux --out=same u.c pre.o pre.o 2>/dev/null
tap_ok "$([ $? = 3 ] && echo 1)" "no function changed: exit 3"
err=$($P build --id=fx000001 --target=vmlinux --out=same u.c pre.o data.o 2>&1)
tap_ok "$([ $? = 4 ] && echo "$err" | grep -q "u.c: data limit: initial value changed" && echo 1)" \
	"changed data: exit 4, listed"
# data rewritten in place: a read-only table's new callback and value, a
# writable one's new callback; not a writable value
tcc -c "$F/inplace.c" -o ip-pre.o
tcc -DPOST -c "$F/inplace.c" -o ip-post.o
tcc -DPOST -DPOST_VALUE -c "$F/inplace.c" -o ip-value.o
got=$($P diff ip.c ip-pre.o ip-post.o 2>/dev/null | tr '\n' ',')
tap_ok "$([ "$got" = "new cb_new,data ro_ops: initial value changed (in place),data rw_ops: initial pointer value changed (in place)," ] && echo 1)" \
	"a new callback in a read-only and a writable table, a read-only value: in place ($got)"
fields=$($P diff --json ip.c ip-pre.o ip-post.o 2>/dev/null | python3 -c '
import json, sys
for d in json.load(sys.stdin)["units"][0]["data"]:
    print(d["name"], " ".join("+%d/%d/%s" % (f["offset"], f["len"], f["kind"]) for f in d["fields"]))' | tr '\n' ',')
tap_ok "$([ "$fields" = "ro_ops +8/8/pointer +16/1/value,rw_ops +8/8/pointer," ] && echo 1)" \
	"the fields: the callback pointer and the value ($fields)"
mkdir ip
$P build --id=fx000005 --target=vmlinux --out=ip ip.c ip-pre.o ip-post.o 2>ip.err
rc=$?
relas=$(readelf -rW ip/code_0.o | awk '/^Relocation section .\.rela\.rodata\.ksplice_data\.rw_ops/ { f = 1; next }
	/^Relocation section/ { f = 0 } f && /R_X86_64/ { print $1, $3, $5 }')
tap_ok "$([ $rc = 0 ] && grep -q "ip.c: data rw_ops: initial pointer value changed: rewritten in place (1 field)" ip.err &&
	[ "$relas" = "0000000000000008 R_X86_64_64 .text.ksplice.cb_new" ] && echo 1)" \
	"build: the post copy carries only the changed pointer, to the new callback ($relas)"
tap_ok "$(grep -q '{ "ro_ops", "ro_ops", 24, ksplice_data_0_0_fields, 2 }' ip/pre.c &&
	grep -q '{ 16, 1, ksplice_data_0_0_1, NULL, 0 }' ip/pre.c &&
	grep -q '{ "rw_ops", __ksplice_data_0_1 }' ip/new.c && echo 1)" \
	"pre.c lists each field's pre value, new.c each post copy"
err=$($P build --id=fx000006 --target=vmlinux --out=ip u.c ip-pre.o ip-value.o 2>&1)
tap_ok "$([ $? = 4 ] && echo "$err" | grep -q "data rw_ops: initial value changed (not in place: field at +16 (1 byte): a value in writable data" && echo 1)" \
	"a value in writable data is not rewritten in place: exit 4, saying why"
# --fresh (a module patched as it loads): the writable value may change too
$P build --id=fx000008 --target=m --fresh --out=ip u.c ip-pre.o ip-value.o >/dev/null 2>ip8.err
tap_ok "$([ $? = 0 ] && grep -q "data rw_ops: initial value changed: rewritten in place (2 fields)" ip8.err &&
	grep -q "\.flags = KSPLICE_TARGET_FRESH," ip/pre.c && echo 1)" \
	"--fresh: a value in writable data is rewritten in place; the pre module is flagged KSPLICE_TARGET_FRESH"
err=$($P diff u.c /etc/passwd pre.o 2>&1)
tap_ok "$([ $? = 1 ] && echo "$err" | grep -q "/etc/passwd: not an ELF file" && echo 1)" "not an object: exit 1, named"
# --fresh: a writable static that grows (xt_mac's mac_mt_reg becomes an array
# of two) is a fresh copy in the new code; every function using it is replaced
cat >fi_pre.c <<'EOF2'
struct match { const char *name; int family; };
extern int register_matches(struct match *m, int n);
extern void unregister_matches(struct match *m, int n);
static struct match regs[] = { { "mac", 0 } };
#define N (int)(sizeof(regs) / sizeof(regs[0]))
__attribute__((section(".init.text"))) int mt_init(void) { return register_matches(regs, N); }
__attribute__((section(".exit.text"))) void mt_exit(void) { unregister_matches(regs, N); }
int mt_family(void) { return regs[0].family; }
EOF2
sed 's/{ { "mac", 0 } }/{ { "mac", 2 }, { "mac", 10 } }/' fi_pre.c >fi_post.c
for v in fi_pre fi_post; do
	gcc -O2 -fno-pic -mcmodel=kernel -ffunction-sections -fdata-sections -c $v.c -o $v.o
done
got=$($P diff --fresh u.c fi_pre.o fi_post.o 2>/dev/null | sort | tr '\n' ',')
tap_ok "$([ "$got" = "changed mt_exit,changed mt_family,changed mt_init,data regs: a fresh copy in the update," ] && echo 1)" \
	"--fresh: a writable static that grows is a fresh copy; its readers, __init and __exit ones too, are replaced ($got)"
mkdir fi
$P build --id=fx000016 --target=m --fresh --out=fi u.c fi_pre.o fi_post.o >/dev/null 2>&1
rc=$?
tap_ok "$([ $rc = 0 ] && readelf -SW fi/code_0.o | grep -q " \.data\.regs " &&
	! readelf -sW fi/code_0.o | grep -q "UND regs" &&
	$P diff --json --fresh u.c fi_pre.o fi_post.o 2>/dev/null | jq -e '.units[0].instances == ["regs"]' >/dev/null &&
	$P build --id=fx000017 --target=m --out=fi2 u.c fi_pre.o fi_post.o >/dev/null 2>&1; [ $? = 4 ] && echo 1)" \
	"build: the new code carries its copy (no label); listed as an instance; without --fresh a data change (exit 4)"

# BTF_ID_LIST_SINGLE(): the ops table points into .BTF_ids, at a symbol named
# by __COUNTER__ and __LINE__; a fix above it renumbers it, which is no
# change of the table (kernel/bpf/devmap.c's dev_map_ops)
btf() {	# btf NUMBER EXTRA-CODE
	printf 'asm(".pushsection .BTF_ids,\\"a\\"\\n.local my_ids\\nmy_ids:\\n.local __BTF_ID__struct__x__%s\\n.type __BTF_ID__struct__x__%s, @object\\n.size __BTF_ID__struct__x__%s, 4\\n__BTF_ID__struct__x__%s:\\n.zero 4\\n.popsection");\n' "$1" "$1" "$1" "$1"
	printf 'extern unsigned int my_ids[];\nstruct ops { int (*f)(int); unsigned int *id; };\n'
	printf 'static int f(int x) { return x + %s; }\nconst struct ops my_ops = { f, &my_ids[0] };\n' "$2"
}
btf 6341025 1 >b_pre.c
btf 6381021 2 >b_post.c
tcc -c b_pre.c -o b_pre.o && tcc -c b_post.c -o b_post.o
got=$($P diff b.c b_pre.o b_post.o 2>/dev/null | tr '\n' ' ')
tap_ok "$([ "$got" = "changed f " ] && echo 1)" "a renumbered BTF_ID symbol the ops table points to is no data change ($got)"

# --provided: a function another target's fix adds is no label of this one
# (sr.c calls cdrom.c's new cdrom_probe_write_features)
mkdir out9 out10 out11 out12
$P build --id=fx000009 --target=sr_mod --out=out9 v.c v_pre.o v_post.o >/dev/null 2>&1
$P build --id=fx000010 --target=sr_mod --provided=first --out=out10 v.c v_pre.o v_post.o >/dev/null 2>&1
tap_ok "$(sed -n '/ksplice_pre_symbols/,/^};/p' out9/pre.c | grep -q '"first"' &&
	! sed -n '/ksplice_pre_symbols/,/^};/p' out10/pre.c | grep -q '"first"' &&
	readelf -sW out10/code_0.o | grep -qE "UND first$" && echo 1)" \
	"--provided=first: not a label to match (without it, it is), still undefined in the new code"
# a new non-static data object of one unit that another unit's new code (or a
# new copy of its data) refers to is linked in the module, not a label
# (ath11k: core.c's new ath11k_hw_params points at hw.c's new ath11k_ce_ie_addr_ipq8074)
printf 'int x_get(int i) { return i; }\n' >x_pre.c
printf 'extern const int y_new[2];\nint x_get(int i) { return y_new[i & 1]; }\n' >x_post.c
printf 'int y_old(void) { return 1; }\n' >y_pre.c
printf 'int y_old(void) { return 1; }\nconst int y_new[2] = { 5, 6 };\n' >y_post.c
for v in x_pre x_post y_pre y_post; do
	gcc -O2 -fno-pic -mcmodel=kernel -ffunction-sections -fdata-sections -c $v.c -o $v.o
done
mkdir out15
$P build --id=fx000015 --target=vmlinux --out=out15 x.c x_pre.o x_post.o y.c y_pre.o y_post.o \
	>/dev/null 2>&1
tap_ok "$([ $? = 0 ] && readelf -sW out15/code_0.o | grep -qE "UND y_new$" &&
	readelf -sW out15/code_1.o | grep -qE "OBJECT +GLOBAL +DEFAULT +[0-9]+ y_new$" &&
	! sed -n '/ksplice_pre_symbols/,/^};/p' out15/pre.c | grep -q '"y_new"' && echo 1)" \
	"a new data object of another unit is defined in the module, not a label"
# a static table that no relocation names (MODULE_DEVICE_TABLE's alias only,
# for modpost: mscc's vsc85xx_tbl) changes no state
printf 'struct id { int a, b; };\nstatic struct id tbl[] = { { 1, 2 }, %s { 0, 0 } };\nextern typeof(tbl) __mod_mdio__tbl_device_table __attribute__((unused, alias("tbl")));\nint probe(int x) { return x; }\n' "" >t1.c
printf 'struct id { int a, b; };\nstatic struct id tbl[] = { { 1, 2 }, %s { 0, 0 } };\nextern typeof(tbl) __mod_mdio__tbl_device_table __attribute__((unused, alias("tbl")));\nint probe(int x) { return x; }\n' "{ 3, 4 }," >t2.c
for v in t1 t2; do
	gcc -O2 -fno-pic -mcmodel=kernel -ffunction-sections -fdata-sections -c $v.c -o $v.o
done
got=$($P diff t.c t1.o t2.o 2>/dev/null)
rc=$?
tap_ok "$([ $rc = 0 ] && [ -z "$got" ] && echo 1)" "a static table only MODULE_DEVICE_TABLE names is no data change (exit $rc: $got)"
# --keep-new: a target whose only change is a new function is built
$P build --id=fx000011 --target=vmlinux --out=out11 w.c w_pre.o w_post.o >/dev/null 2>&1
rc=$?
$P build --id=fx000012 --target=vmlinux --keep-new --out=out12 w.c w_pre.o w_post.o >/dev/null 2>&1
tap_ok "$([ $rc = 3 ] && [ $? = 0 ] && readelf -sW out12/code_0.o | grep -qE "FUNC +GLOBAL +DEFAULT +[0-9]+ first$" && echo 1)" \
	"--keep-new: only a new function is a change (exit 3 without it)"
# --import-ns: the new module imports a namespace its unit's module exports
# into (iwlwifi's queue/tx.c calls __iwl_err of IWLWIFI)
mkdir out13
$P build --id=fx000013 --target=sr_mod --import-ns=IWLWIFI --out=out13 v.c v_pre.o v_post.o >/dev/null 2>&1
tap_ok "$([ $? = 0 ] && grep -qx 'MODULE_IMPORT_NS(IWLWIFI);' out13/new.c &&
	! grep -q MODULE_IMPORT_NS out10/new.c && echo 1)" "--import-ns=IWLWIFI: new.c imports it"
# an R_X86_64_NONE relocation in a changed function (mlx5's cmd_exec has one,
# against its cold part): it writes no byte, so it is no relocation of the
# pre code (the core refused such pre code: "bad range or relocation")
for v in 1 2; do
	printf 'extern int other(int);\nint nonerel(int x)\n{\n\tasm volatile(".reloc ., R_X86_64_NONE, other");\n\treturn other(x) + %s;\n}\n' $v >n$v.c
	gcc -O2 -fno-pic -mcmodel=kernel -ffunction-sections -fdata-sections -c n$v.c -o n$v.o
done
mkdir out14
$P build --id=fx000014 --target=vmlinux --out=out14 n.c n1.o n2.o >/dev/null 2>&1
rc=$?
tap_ok "$([ $rc = 0 ] && readelf -rW n1.o | grep -q R_X86_64_NONE &&
	! sed -n '/_relocs\[\] = {/,/^};/p' out14/pre.c | grep -qE '^\s*\{ [0-9]+, 0,' &&
	sed -n '/_relocs\[\] = {/,/^};/p' out14/pre.c | grep -q '"other"' && echo 1)" \
	"an R_X86_64_NONE relocation is left out of the pre code's relocations (exit $rc)"
tap_finish
