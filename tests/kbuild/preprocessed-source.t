#!/bin/bash
# kbuild/preprocessed_source.py: which differences between two preprocessed
# sources of a unit cannot change its code. A static inline function, a
# function declaration or a struct definition that nothing else in the unit
# names (or only other such definitions) emits no code, so adding or
# changing one changes nothing (ppp_defs.h's new ppp_skb_is_compressed_proto
# reached 119 units and made them all "compiled"); everything else still
# counts. Synthetic gcc -E output; fast.
. "$KSPLICE_TOP/tests/lib/tap.sh"
tap_plan 17
python3 - "$KSPLICE_TOP" <<'PY'
import os, sys, tempfile
sys.path.insert(0, os.path.join(sys.argv[1], "kbuild"))
import preprocessed_source as ps

INL = "static inline __attribute__((__gnu_inline__)) __attribute__((__unused__)) "
BASE = ('# 1 "x.c"\nstruct s { int a; };\n'
        + INL + "int used(struct s *p)\n{\n return p->a;\n}\n"
        + "int f(struct s *p)\n{\n return used(p);\n}\n")
d = tempfile.mkdtemp()
n = 0


def digest(text):
    global n
    n += 1
    path = os.path.join(d, "%d.i" % n)
    with open(path, "w") as f:
        f.write(text)
    return ps.code_digest(path)


def same(extra, where="end"):
    text = BASE + extra if where == "end" else extra + BASE
    return digest(BASE) == digest(text)


results = []


def ok(cond, what):
    results.append(bool(cond))
    print(("ok" if cond else "not ok") + " %d - %s" % (len(results), what))


ok(digest(BASE) == digest(BASE.replace("\n", "\n\n# 7 \"y.h\"\n")),
   "line markers and blank lines do not count")
ok(same(INL + "int unused(int x)\n{\n return x + 1;\n}\n"),
   "an added static inline nothing calls cannot change the code")
ok(not same("int g(void)\n{\n return 0;\n}\n"), "an added global function counts")
ok(not digest(BASE) == digest(BASE.replace("return p->a;", "return p->a + 1;")),
   "a change to a static inline the unit calls counts")
ok(same(INL + "int leaf(int x)\n{\n return x;\n}\n" + INL +
        "int caller(int x)\n{\n return leaf(x) * 2;\n}\n", "start"),
   "a static inline called only by an unused static inline is unused too (fat_mode_can_hold_ro)")
ok(not same(INL + "__attribute__((__used__)) int kept(void)\n{\n return 1;\n}\n"),
   "__used__ emits it anyway: counts")
ok(not same(INL + "int in_asm(void)\n{\n return 1;\n}\nasm(\"call in_asm\");\n"),
   "a name in an asm string counts as a use")
ok(same(INL + "const char *str(void)\n{\n return \"}{;\";\n}\n"),
   "braces and semicolons in a string do not end the definition")
ok(not same(INL + "int (*fp(void))(int)\n{\n return 0;\n}\n"),
   "a head that is not one plain parameter list is kept (conservative)")
ok(not same("static int not_inline(int x)\n{\n return x;\n}\n"),
   "a static function that is not inline counts (gcc warns, may still emit it)")
ok(same("extern int declared(int x, char *p);\nvoid also(void);\n"),
   "added function declarations nothing calls cannot change the code")
ok(same("struct iter {\n int a;\n};\n" + INL + "int iter_next(struct iter *i)\n{\n return i->a;\n}\n"
        "void iter_start(struct iter *i);\n", "start"),
   "a struct named only by unused inlines and declarations is unused too (ib_block_iter)")
ok(not digest(BASE) == digest(BASE.replace("int a;", "long a;")),
   "a change to a struct the unit's code uses counts")
ok(not same("struct outer {\n struct inner { int x; } m;\n};\nint h(void)\n{\n return sizeof(struct inner);\n}\n"),
   "a struct defining another tagged struct is kept (the other may be used)")
ok(not same("int (*fp)(int);\n") and not same("int var;\n"),
   "variables, even a function pointer one, count (a tentative definition emits data)")
ok(not same("#pragma pack(1)\n", "start"), "a #pragma counts (pack changes layouts)")

# code_digests: read back from the cache by raw digest, computed only once
cache = tempfile.mkdtemp()
computed = []


def compute(paths):
    computed.extend(paths)
    return [ps.code_digest(p) for p in paths]


files = []
for text in (BASE, BASE + "extern int declared(int x);\n"):
    digest(text)
    path = os.path.join(d, "%d.i" % n)
    files.append((path, ps.raw_digest(path)))
first = ps.code_digests(files, cache, compute)
for path, _ in files:
    os.unlink(path)  # the second call cannot read them
second = ps.code_digests(files, cache, compute)
ok(len(computed) == 2 and first == second and len(set(first.values())) == 1,
   "code digests are computed once and read back from the cache by the raw digest "
   "(%d computed)" % len(computed))
sys.exit(0 if all(results) else 1)
PY
