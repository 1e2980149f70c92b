#!/bin/bash
# kbuild/analyze.py, one pre/post case per reason (tests/custom/cases/*.c,
# compiled without and with -DPOST by gcc-12 with the plugin, as userspace
# objects with the kernel's section macros): the exit status (0 safe as is,
# 1 needs custom code the hooks cover, 3 not covered), the reason's kind and
# symbol; false-positive guards (a plain code fix, a new static counter, a
# static const table) must be "safe as is"; data the core rewrites in place
# (same size, a read-only value or a callback pointer) is safe and listed. A global prototype change whose
# callers are all replaced (two units, --tree) is safe, unless a file the
# configuration builds calls it; exported, it is safe with a warning. Then bad
# input and the template.
. "$KSPLICE_TOP/tests/lib/tap.sh"
cases=$KSPLICE_TOP/tests/custom/cases
analyze=$KSPLICE_TOP/kbuild/analyze.py
mapfile -t files < <(ls "$cases"/*.c)
tap_plan $((2 * ${#files[@]} + 17))
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
make -C "$KSPLICE_TOP/gcc-plugin" >/dev/null 2>&1 && make -C "$KSPLICE_TOP/packager" >/dev/null 2>&1
plugin=$KSPLICE_TOP/gcc-plugin/ksplice_plugin.so

build() {	# build CASE pre|post
	local def=-DPOSTVAL\(a,b\)=a
	[ "$2" = post ] && def="-DPOST -DPOSTVAL(a,b)=b"
	# shellcheck disable=SC2086
	gcc-12 -O2 -g -ffunction-sections -fdata-sections -I"$cases/include" \
		-idirafter "$KSPLICE_TOP/kmod" $def -fplugin="$plugin" \
		-fplugin-arg-ksplice_plugin-unit="$1.c" -c "$cases/$1.c" -o "$tmp/$1.$2.o"
}

for f in "${files[@]}"; do
	c=$(basename "$f" .c)
	read -r _ _ want kind sym _ < <(grep -m1 'expect:' "$f")
	if ! build "$c" pre 2>"$tmp/err" || ! build "$c" post 2>>"$tmp/err"; then
		tap_ok 0 "$c: pre and post build"
		sed 's/^/# /' "$tmp/err"
		tap_ok 0 "$c: (not analyzed)"
		continue
	fi
	python3 "$analyze" --json "$c.c" "$tmp/$c.pre.o" "$tmp/$c.post.o" >"$tmp/$c.json" 2>"$tmp/err"
	got=$?
	tap_ok "$([ "$got" = "$want" ] && echo 1)" "$c: exit status $want (got $got)"
	if [ "$kind" = in_place ]; then
		ok=$(jq -e --arg s "$sym" '.verdict == "safe as is" and (.reasons | length) == 0 and
			([.in_place[] | select(test(": " + $s + " "))] | length) == 1' "$tmp/$c.json" >/dev/null && echo 1)
		tap_ok "$ok" "$c: safe as is, $sym rewritten in place"
	elif [ "$kind" = - ]; then
		ok=$(jq -e '.verdict == "safe as is" and (.reasons | length) == 0' "$tmp/$c.json" >/dev/null && echo 1)
		tap_ok "$ok" "$c: safe as is, no reason"
	else
		ok=$(jq -e --arg k "$kind" --arg s "$sym" \
			'.verdict == "needs custom code" and ([.reasons[] | select(.kind == $k and (.symbol | startswith($s)))] | length) == 1' \
			"$tmp/$c.json" >/dev/null && echo 1)
		tap_ok "$ok" "$c: needs custom code: [$kind] $sym"
	fi
	[ -n "$ok" ] || { jq -c '.reasons[] | [.kind, .symbol, .text]' "$tmp/$c.json"; cat "$tmp/err"; } 2>&1 | sed 's/^/# /'
done

# the text form names the reason and what to do, and the template compiles
python3 "$analyze" --template="$tmp/hooks.c" --id=abcd1234 init.c "$tmp/init.pre.o" "$tmp/init.post.o" >"$tmp/out"
tap_ok "$(grep -q '^analysis: needs custom code' "$tmp/out" &&
	grep -q '\[init\] init.c: changed __init function setup_limits (.init.text): it ran at boot' "$tmp/out" &&
	grep -q 'needs ksplice_pre_apply or ksplice_apply or ksplice_post_apply' "$tmp/out" && echo 1)" \
	"text report: the reason and the hooks that would cover it"
tap_ok "$(grep -q 'ksplice_apply(ksplice_apply_init);' "$tmp/hooks.c" &&
	grep -q 'TODO \[init\] setup_limits' "$tmp/hooks.c" && echo 1)" "the template has an apply hook with a TODO per reason"
{ sed 's/^#include <ksplice-patch.h>//' "$cases/init.c"; echo '#include <ksplice-patch.h>'; cat "$tmp/hooks.c"; } >"$tmp/filled.c"
tap_run "the template compiles as it is" gcc-12 -Wall -Werror -Wno-unused-function -I"$cases/include" -idirafter "$KSPLICE_TOP/kmod" \
	-DPOST '-DPOSTVAL(a,b)=b' -c "$tmp/filled.c" -o "$tmp/filled.o"
python3 "$analyze" covered.c "$tmp/covered.pre.o" "$tmp/covered.post.o" >"$tmp/out"
tap_ok "$(grep -q 'covered by the patch' "$tmp/out" && grep -q 'hook apply: fix_limits' "$tmp/out" &&
	grep -q 'hook reverse: unfix_limits' "$tmp/out" && echo 1)" "covered: the hooks are listed by kind and function"

python3 "$analyze" kthreadloop.c "$tmp/kthreadloop.pre.o" "$tmp/kthreadloop.post.o" >"$tmp/out"
tap_ok "$([ $? = 0 ] && grep -q 'warning: frame_thread (kthreadloop.c) is the loop of a kernel thread' "$tmp/out" &&
	jq -e '.warnings == []' "$tmp/plainfix.json" >/dev/null && echo 1)" \
	"the loop of a kernel thread changes: safe as is, with a warning that it is busy where the thread runs"

# objects without plugin records (several units): the coarse analysis
for c in init data; do
	for v in pre post; do
		d=-DPOSTVAL\(a,b\)=a
		[ $v = post ] && d="-DPOST -DPOSTVAL(a,b)=b"
		# shellcheck disable=SC2086
		gcc-12 -O2 -ffunction-sections -fdata-sections -I"$cases/include" $d -c "$cases/$c.c" -o "$tmp/np-$c.$v.o"
	done
done
python3 "$analyze" init.c "$tmp/np-init.pre.o" "$tmp/np-init.post.o" >"$tmp/out"
tap_ok "$([ $? = 3 ] && grep -q '\[init\] init.c: changed boot-time section .init.text (no plugin records' "$tmp/out" &&
	grep -q 'no plugin records: coarse analysis' "$tmp/out" && echo 1)" "no records: a changed .init.text is still found"
python3 "$analyze" data.c "$tmp/np-data.pre.o" "$tmp/np-data.post.o" >"$tmp/out"
tap_ok "$([ $? = 3 ] && grep -q '\[data\] data.c: changed data max_conns' "$tmp/out" && echo 1)" \
	"no records: changed data is still found (ksplice-pack's data diff)"

# a global function's prototype changes with all its callers (two units of a
# tree, as ip_vs_sched.c and ip_vs_ctl.c): safe with --tree, unless a file
# outside the update names it or it is exported
t=$tmp/tree
mkdir -p "$t/net" "$t/include"
echo 'int conn_open(int fd, int flags);' >"$t/include/conn.h"
printf '#ifdef POST\nint conn_open(int fd, int flags) { return fd + flags; }\n#else\nint conn_open(int fd) { return fd; }\n#endif\nEXPORT(conn_open)\n' >"$t/net/sched.c"
printf 'int conn_open(int fd, ...);\nint conn_use(int fd)\n{\n#ifdef POST\n\treturn conn_open(fd, 0) + 1;\n#else\n\treturn conn_open(fd) + 1;\n#endif\n}\n' >"$t/net/ctl.c"
two_units() {	# two_units EXPORT-MACRO: analyze sched.c and ctl.c with --tree
	local v d
	for c in sched ctl; do
		for v in pre post; do
			d=-DPOSTVAL\(a,b\)=a
			[ $v = post ] && d=-DPOST
			gcc-12 -O2 -g -ffunction-sections -fdata-sections "-DEXPORT(x)=$1" $d -fplugin="$plugin" \
				-fplugin-arg-ksplice_plugin-unit="net/$c.c" -c "$t/net/$c.c" -o "$tmp/$c.$v.o"
		done
	done
	python3 "$analyze" --tree="$t" net/sched.c "$tmp/sched.pre.o" "$tmp/sched.post.o" \
		net/ctl.c "$tmp/ctl.pre.o" "$tmp/ctl.post.o" >"$tmp/out" 2>&1
}
two_units ''
tap_ok "$([ $? = 0 ] && echo 1)" "global prototype change, every caller replaced: safe as is"
[ -n "$(grep -q 'safe as is' "$tmp/out" && echo 1)" ] || sed 's/^/# /' "$tmp/out"
echo 'int f(void) { return conn_open(1, 2); }' >"$t/net/other.c"
two_units ''
tap_ok "$([ $? = 3 ] && grep -q '\[signature\] net/sched.c: changed prototype of conn_open' "$tmp/out" && echo 1)" \
	"... a file outside the update calls it: [signature]"
# with a configuration: a caller the configuration does not build is none
# (greybus's hid.c calls hid_report_raw_event; Debian does not build it)
printf 'CONFIG_NET=y\n# CONFIG_OTHER is not set\n' >"$t/.config"
printf 'obj-$(CONFIG_NET) += sched.o ctl.o\nobj-$(CONFIG_OTHER) += other.o\n' >"$t/net/Makefile"
two_units ''
tap_ok "$([ $? = 0 ] && echo 1)" "... a file outside the update that the configuration does not build: safe as is"
[ -n "$(grep -q 'safe as is' "$tmp/out" && echo 1)" ] || sed 's/^/# /' "$tmp/out"
printf 'CONFIG_NET=y\nCONFIG_OTHER=m\n' >"$t/.config"
two_units ''
tap_ok "$([ $? = 3 ] && grep -q '\[signature\] net/sched.c' "$tmp/out" && echo 1)" \
	"... one it builds (CONFIG_OTHER=m): [signature]"
rm "$t/net/other.c"
two_units 'int __ksymtab_##x;'
tap_ok "$([ $? = 0 ] && grep -q 'warning: conn_open is exported and its prototype changes' "$tmp/out" && echo 1)" \
	"... exported, every caller in the tree replaced: safe as is, with a warning (modules built outside the tree)"

# a static function stored in an ops struct changes its prototype with the
# member's type and the one caller through it (af_key.c's pfkey_send_migrate,
# xfrm_mgr.migrate, km_migrate in xfrm_state.c): safe with --tree, unless a
# built file that includes the struct calls through the member
t=$tmp/ops
mkdir -p "$t/include" "$t/net" "$t/drivers"
printf 'struct conn_ops {\n#ifdef POST\n\tint (*open)(int fd, int flags);\n#else\n\tint (*open)(int fd);\n#endif\n};\nstruct conn_ops *get_ops(void);\n' >"$t/include/ops.h"
printf '#include <ops.h>\n#ifdef POST\nstatic int drv_open(int fd, int flags) { return fd + flags; }\n#else\nstatic int drv_open(int fd) { return fd; }\n#endif\nstatic struct conn_ops drv_ops = {\n\t.open = drv_open,\n};\nstruct conn_ops *get_ops(void) { return &drv_ops; }\n' >"$t/net/drv.c"
printf '#include <ops.h>\nint conn_call(int fd)\n{\n#ifdef POST\n\treturn get_ops()->open(fd, 0);\n#else\n\treturn get_ops()->open(fd);\n#endif\n}\n' >"$t/net/core.c"
printf 'struct file_ops { int (*open)(int fd); };\nint f(struct file_ops *o) { return o->open(1); }\n' >"$t/drivers/file.c"
ops_units() {	# analyze net/drv.c and net/core.c with --tree
	local c v d
	for c in drv core; do
		for v in pre post; do
			d=-DPOSTVAL\(a,b\)=a
			[ $v = post ] && d=-DPOST
			gcc-12 -O2 -g -ffunction-sections -fdata-sections -I"$t/include" $d -fplugin="$plugin" \
				-fplugin-arg-ksplice_plugin-unit="net/$c.c" -c "$t/net/$c.c" -o "$tmp/ops-$c.$v.o"
		done
	done
	python3 "$analyze" --tree="$t" net/drv.c "$tmp/ops-drv.pre.o" "$tmp/ops-drv.post.o" \
		net/core.c "$tmp/ops-core.pre.o" "$tmp/ops-core.post.o" >"$tmp/out" 2>&1
}
ops_units
tap_ok "$([ $? = 0 ] && echo 1)" "an ops member's function changes its prototype with every caller through the member: safe as is (a file calling another struct's member of that name does not count)"
[ -n "$(grep -q 'safe as is' "$tmp/out" && echo 1)" ] || sed 's/^/# /' "$tmp/out"
printf '#include <ops.h>\nint g(void) { return get_ops()->open(2); }\n' >"$t/drivers/user.c"
ops_units
tap_ok "$([ $? = 3 ] && grep -q '\[signature\] net/drv.c: changed prototype of drv_open' "$tmp/out" && echo 1)" \
	"... a built file outside the update calls through the member: [signature]"

# bad input: a clear message, status 2
python3 "$analyze" x.c "$tmp/nope.o" "$tmp/init.post.o" >"$tmp/out" 2>&1
tap_ok "$([ $? = 2 ] && grep -q 'nope.o: no such file' "$tmp/out" && echo 1)" "a missing object: status 2, named"
python3 "$analyze" x.c "$tmp/init.pre.o" >"$tmp/out" 2>&1
tap_ok "$([ $? = 2 ] && grep -q usage "$tmp/out" && echo 1)" "wrong arguments: usage, status 2"
printf 'not elf' >"$tmp/bad.o"
python3 "$analyze" x.c "$tmp/bad.o" "$tmp/bad.o" >"$tmp/out" 2>&1
tap_ok "$([ $? = 2 ] && grep -q 'error' "$tmp/out" && echo 1)" "not an object: status 2 with an error"
tap_finish
