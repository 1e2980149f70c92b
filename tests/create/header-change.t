#!/bin/bash
# kbuild/header_change.py on a small synthetic tree: which header changes only
# add new names at the top level (their includers cannot change, so only the
# patch's own .c files are compiled), and every way a change is refused:
# a removed line of code, an addition inside a struct or a multi-line macro,
# an added #include, a name that another header names, an unbalanced
# #ifdef, a macro invocation. A .c file naming an added or removed name is
# reached (compiled) too. Comments do not count, and a diff that splits an
# added #ifdef block around an old #endif is read as the block it is. Then
# the includers of a header in a built tree, from kbuild's .cmd files.
. "$KSPLICE_TOP/tests/lib/tap.sh"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/include/linux" "$tmp/drivers"
cat >"$tmp/include/linux/foo.h" <<'H'
#ifndef _FOO_H
#define _FOO_H
struct foo {
	int a;
	int b;
};
#ifdef CONFIG_SYSFS
extern void foo_destroy(int n);
#else
static inline void foo_destroy(int n) { }
#endif

#define FOO_MAX(x, y) \
	((x) > (y) ? (x) : (y))

/* get a foo */
int foo_get(struct foo *f);
#endif
H
echo 'int used_elsewhere;' >"$tmp/drivers/user.c"

# check NAME EXPECTED HUNK: EXPECTED is the names, or "None"
check() {
	local name=$1 want=$2 hunk=$3 got
	printf -- '--- a/include/linux/foo.h\n+++ b/include/linux/foo.h\n%s\n' "$hunk" >"$tmp/p.diff"
	got=$(cd "$KSPLICE_TOP/kbuild" && python3 -c '
import sys, header_change as hc
tree, diff = sys.argv[1], open(sys.argv[2]).read()
r = hc.named_reach(tree, "include/linux/foo.h", hc.file_hunks(diff, "include/linux/foo.h", 1),
                      ["include", "drivers"])
print(" ".join(r.names + ["(named in %s)" % " ".join(r.users)] * bool(r.users)) if r else "None")' "$tmp" "$tmp/p.diff" 2>&1)
	tap_ok "$([ "$got" = "$want" ] && echo 1)" "$name: $want"
	[ "$got" = "$want" ] || tap_diag "got: $got"
}

tap_plan 26
check "new inline helper after a prototype" "foo_clear" "@@ -11,2 +11,7 @@
 int foo_get(struct foo *f);
+
+static inline void foo_clear(struct foo *f)
+{
+	f->a = 0;
+}
 #endif"
check "new macros, a prototype, a forward declaration and a guarded block" \
	"FOO_FLAG foo_put foo_stats" "@@ -11,2 +11,9 @@
 int foo_get(struct foo *f);
+#define FOO_FLAG	(1 << 3)
+struct bar;
+#ifdef CONFIG_FOO_STATS
+int foo_stats(struct foo *f,
+	      struct bar *b);
+#endif
+void foo_put(struct foo *f); /* { not a brace */
 #endif"
check "a changed prototype: reaches the units naming it (none here)" "foo_get" "@@ -11,2 +11,2 @@
-int foo_get(struct foo *f);
+int foo_get(const struct foo *f);
 #endif"
check "a field added to a struct the header names elsewhere (foo_get's prototype): refused" "None" "@@ -4,2 +4,3 @@
 	int a;
+	int c;
 	int b;"
echo 'foo_get' >"$tmp/drivers/asm.S"
check "a changed prototype named by assembly: refused" "None" "@@ -11,2 +11,2 @@
-int foo_get(struct foo *f);
+int foo_get(const struct foo *f);
 #endif"
rm "$tmp/drivers/asm.S"
check "a changed multi-line macro: reaches the units naming it" "FOO_MAX" "@@ -8,2 +8,3 @@
 #define FOO_MAX(x, y) \\
+	/* new */ \\
 	((x) > (y) ? (x) : (y))"
check "an added #include" "None" "@@ -11,2 +11,3 @@
 int foo_get(struct foo *f);
+#include <linux/bar.h>
 #endif"
check "a name that a .c file names: that file is reached" \
	"used_elsewhere (named in drivers/user.c)" "@@ -11,2 +11,3 @@
 int foo_get(struct foo *f);
+extern int used_elsewhere(void);
 #endif"
echo '#define USE_IT used_elsewhere' >"$tmp/include/linux/other.h"
check "a name that another header names: its includers could change" "None" "@@ -11,2 +11,3 @@
 int foo_get(struct foo *f);
+extern int used_elsewhere(void);
 #endif"
rm "$tmp/include/linux/other.h"
printf 'extern __printf(1, 2)\nint shout(const char *fmt, ...);\n' >"$tmp/include/linux/other.h"
echo 'void f(void) { shout("x"); }' >"$tmp/drivers/shout.c"
check "a prototype another header has word for word (dev_err_probe): reaches no unit" "shout" "@@ -11,2 +11,3 @@
 int foo_get(struct foo *f);
+__printf(1, 2) int shout(const char *fmt, ...);
 #endif"
check "a prototype another header has otherwise: refused" "None" "@@ -11,2 +11,3 @@
 int foo_get(struct foo *f);
+__printf(1, 2) __cold int shout(const char *fmt, ...);
 #endif"
rm "$tmp/include/linux/other.h" "$tmp/drivers/shout.c"
check "an #ifdef left open" "None" "@@ -11,2 +11,4 @@
 int foo_get(struct foo *f);
+#ifdef CONFIG_X
+int foo_x(void);
 #endif"
check "a macro invocation" "None" "@@ -11,2 +11,3 @@
 int foo_get(struct foo *f);
+DECLARE_PER_CPU(int, foo_count);
 #endif"
check "a redefinition of an existing macro name" "None" "@@ -11,2 +11,3 @@
 int foo_get(struct foo *f);
+#define _FOO_H 2
 #endif"
check "a context line that does not match" "None" "@@ -11,2 +11,3 @@
 int foo_gets(struct foo *f);
+int foo_new(void);
 #endif"
check "comments reworded, a macro added inside the diff of a comment" "FOO_NEW" "@@ -10,3 +10,8 @@
 
-/* get a foo */
+/*
+ * Reworded.
+ */
+#define FOO_NEW 1
+/* get a foo, the new way */
 int foo_get(struct foo *f);
 #endif"
check "an added #ifdef block that the diff splits around the old #endif" "foo_dbg" "@@ -11,2 +11,6 @@
 int foo_get(struct foo *f);
 #endif
+#ifdef DEBUG
+void foo_dbg(void);
+#endif"
check "comments only: reaches no unit" "" "@@ -10,3 +10,5 @@
 
-/* get a foo */
+/*
+ * get a foo (reworded)
+ */
 int foo_get(struct foo *f);"
echo 'int g(struct foo *f) { return foo_get(f); }' >"$tmp/drivers/caller.c"
check "a renamed inline function (hugetlb.h's isolate_hugetlb): the callers of the old name" \
	"foo_take (named in drivers/caller.c)" "@@ -11,2 +11,2 @@
-int foo_get(struct foo *f);
+static inline int foo_take(struct foo *f) { return f->a; }
 #endif"
rm "$tmp/drivers/caller.c"
check "a conditional declaration replaced under the same #endif (moduleparam.h)" "foo_free" "@@ -7,5 +7,3 @@
-#ifdef CONFIG_SYSFS
-extern void foo_destroy(int n);
-#else
-static inline void foo_destroy(int n) { }
+#ifdef CONFIG_MODULES
+void foo_free(int n);
 #endif"
remove_max="@@ -7,5 +7,4 @@
 
-#define FOO_MAX(x, y) \\
-	((x) > (y) ? (x) : (y))
+#define FOO_MIN(x, y) ((x) < (y) ? (x) : (y))
 
 /* get a foo */"
check "a macro no other file names replaced by a new one" "FOO_MIN" "$remove_max"
echo 'int m = FOO_MAX(1, 2);' >"$tmp/drivers/usemax.c"
check "a removed macro a .c file names: that file is reached" \
	"FOO_MIN (named in drivers/usemax.c)" "$remove_max"
rm "$tmp/drivers/usemax.c"

# Which structs a change rewrites, when the includers are too many to
# compile (a layout change, needs custom code): a callback's parameters do not
# count (xfrm.h's xfrm_mgr.migrate gains a struct net *)
cat >"$tmp/include/linux/ops.h" <<'H'
struct ops {
	int (*migrate)(const struct sel *sel,
		       int num_bundles,
		       const struct tmpl *encap);
	int n;
};
H
types() { (cd "$KSPLICE_TOP/kbuild" && printf -- '--- a/include/linux/ops.h\n+++ b/include/linux/ops.h\n%s\n' "$1" |
	python3 -c '
import sys, header_change as hc
print(hc.changed_types(sys.argv[1], "include/linux/ops.h",
                       hc.file_hunks(sys.stdin.read(), "include/linux/ops.h", 1)))' "$tmp"); }
got=$(types "@@ -2,4 +2,5 @@
 	int (*migrate)(const struct sel *sel,
 		       int num_bundles,
+		       struct net *net,
 		       const struct tmpl *encap);
 	int n;")
tap_ok "$([ "$got" = "[]" ] && echo 1)" "a callback member gains a parameter: no layout change ($got)"
got=$(types "@@ -5,2 +5,3 @@
 	int n;
+	int added;
 };")
tap_ok "$([ "$got" = "['struct ops']" ] && echo 1)" "a member added: a layout change ($got)"

# Which units include a header: from kbuild's .cmd dependency lists in a
# built tree (one with a vmlinux), else None (the include scan decides).
printf 'int x;\n' >"$tmp/drivers/a.c"
printf 'int y;\n' >"$tmp/drivers/b.c"
printf 'deps_drivers/a.o := \\\n  include/linux/foo.h \\\n\n' >"$tmp/drivers/.a.o.cmd"
printf 'deps_drivers/b.o := \\\n  include/linux/bar.h \\\n\n' >"$tmp/drivers/.b.o.cmd"
inc() { (cd "$KSPLICE_TOP/kbuild" && python3 -c '
import sys, ksplice_tree as kt
print(kt.cmd_includers(sys.argv[1], "include/linux/foo.h"))' "$tmp"); }
tap_ok "$([ "$(inc)" = "None" ] && echo 1)" "an unbuilt tree: no answer from .cmd files ($(inc))"
touch "$tmp/vmlinux"
tap_ok "$([ "$(inc)" = "['drivers/a.c']" ] && echo 1)" "a built tree: the units whose .cmd lists the header ($(inc))"
tap_finish
