#!/usr/bin/env python3
"""Test-only: write the C source of a ksplice "pre" module for functions of a
compiled kernel object, in the format of kmod/ksplice_abi.h.

    mkpre.py [--symbol=LABEL]... [--description=TEXT] [--corrupt=FUNC:OFF]
             [--as=FUNC:NAME:LABEL] [--fresh]
             OBJECT UNIT ID TARGET FUNC[:helper]... > pre.c

OBJECT is the replica's compiled .o, UNIT its source path relative to the tree
(for static labels "name%UNIT"). Each FUNC becomes a KSPLICE_PRE_REPLACE
function (":helper": matched only). Relocation sites and the byte ranges the
kernel rewrites (ftrace nop, return thunks, retpolines, static calls, jump
labels, alternatives, paravirt, lock prefixes) come from the object's
relocation sections. The real generator is packager/; this one only lets the
core's tests run before it exists and build deliberately wrong pre code
(--corrupt=FUNC:OFFSET flips one byte), or pre code taken from another
update's new code (--as=FUNC:KALLSYMS_NAME:LABEL names it as the function it
replaced). --fresh flags the target KSPLICE_TARGET_FRESH (a layout change:
applied only while the module is not loaded).
"""
import re
import subprocess
import sys

R_TYPES = {"R_X86_64_64": 1, "R_X86_64_PC32": 2, "R_X86_64_PLT32": 4,
           "R_X86_64_32": 10, "R_X86_64_32S": 11}
FENTRY, ALTINSTR, PARAVIRT, JUMP_LABEL, STATIC_CALL, RETPOLINE, RETURN, \
    SMP_LOCK = range(8)


def run(*args):
    return subprocess.run(args, check=True, capture_output=True,
                          text=True).stdout


def sections(obj):
    secs = {}
    for line in run("readelf", "-SW", obj).splitlines():
        m = re.match(r"\s*\[\s*(\d+)\]\s+(\S+)\s+\S+\s+[0-9a-f]+\s+([0-9a-f]+)"
                     r"\s+([0-9a-f]+)", line)
        if m:
            secs[m.group(2)] = (int(m.group(1)), int(m.group(3), 16),
                                int(m.group(4), 16))
    return secs


def symbols(obj, secs):
    byidx = {v[0]: k for k, v in secs.items()}
    syms = []
    for line in run("readelf", "-sW", obj).splitlines():
        f = line.split()
        if len(f) >= 8 and f[0].endswith(":") and f[6].isdigit():
            syms.append({"value": int(f[1], 16), "size": int(f[2], 0),
                         "type": f[3], "bind": f[4],
                         "sec": byidx.get(int(f[6])), "name": f[7]})
    return syms


def relocs(obj):
    """{section: [(offset, type, symname, addend)]}"""
    out, cur = {}, None
    for line in run("readelf", "-rW", obj).splitlines():
        m = re.match(r"Relocation section '\.rela(\S+)'", line)
        if m:
            cur = out.setdefault(m.group(1), [])
            continue
        f = line.split()
        if cur is None or len(f) < 5 or not re.match(r"^[0-9a-f]{16}$", f[0]):
            continue
        name = f[4]
        rest = line.split(name, 1)[1]
        m = re.search(r"([+-])\s*([0-9a-f]+)", rest)
        add = int(m.group(2), 16) * (-1 if m.group(1) == "-" else 1)
        cur.append((int(f[0], 16), f[2], name, add))
    return out


def section_bytes(obj, secs, name):
    _, off, size = secs[name]
    with open(obj, "rb") as fh:
        fh.seek(off)
        return fh.read(size)


def ranges_for(obj, secs, rel, text, start, size, code):
    """Byte ranges [off, len, kind] within one function at start."""
    out = []

    def add(off, length, kind):
        if start <= off < start + size:
            out.append((off - start, min(length, start + size - off), kind))

    for off, _, name, _ in rel.get(text, []):
        site = off - 1
        if not start <= site < start + size:
            continue
        op = code[site - start]
        length = 5 if op in (0xe8, 0xe9) else 6
        if op not in (0xe8, 0xe9):
            site -= 1
        if name == "__fentry__":
            add(site, 5, FENTRY)
        elif name.startswith("__x86_return_thunk"):
            add(site, length, RETURN)
        elif name.startswith("__x86_indirect_thunk_"):
            add(site, length, RETPOLINE)
        elif name.startswith("__SCT__"):
            add(site, length, STATIC_CALL)

    def entries(sec, stride, kind, length_of):
        data = section_bytes(obj, secs, sec) if sec in secs else b""
        for off, _, name, add_ in rel.get(sec, []):
            if off % stride == 0 and name == text:
                add(add_, length_of(data, off, add_), kind)

    def jl_len(_d, _o, site):
        return 2 if code_at(site) == 0xeb else 5

    def code_at(site):
        return code[site - start] if start <= site < start + size else 0

    entries("__jump_table", 16, JUMP_LABEL, jl_len)
    entries(".altinstructions", 12, ALTINSTR, lambda d, o, a: d[o + 10])
    entries(".parainstructions", 16, PARAVIRT, lambda d, o, a: d[o + 9])
    entries(".smp_locks", 4, SMP_LOCK, lambda d, o, a: 1)
    return out


def c_str(s):
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def main(argv):
    corrupt = {}
    args, symlabels, desc, rename, pre_flags = [], [], "test update", {}, "0"
    for a in argv[1:]:
        if a == "--fresh":
            pre_flags = "KSPLICE_TARGET_FRESH"
            continue
        if a.startswith("--as="):
            fn, name, lab = a.split("=", 1)[1].split(":", 2)
            rename[fn] = (name, lab)
            continue
        if a.startswith("--symbol="):
            symlabels.append(a.split("=", 1)[1])
        elif a.startswith("--description="):
            desc = a.split("=", 1)[1]
        elif a.startswith("--corrupt="):
            fn, off = a.split("=", 1)[1].split(":")
            corrupt[fn] = int(off, 0)
        else:
            args.append(a)
    if len(args) < 5:
        sys.exit(__doc__)
    obj, unit, uid, target = args[:4]
    secs = sections(obj)
    syms = symbols(obj, secs)
    rel = relocs(obj)
    local = {s["name"] for s in syms if s["bind"] == "LOCAL"}

    def label(name):
        return f"{name}%{unit}" if name in local or name.startswith(".") \
            else name

    out = ['// SPDX-License-Identifier: GPL-2.0',
           '/* Generated by tests/apply/lib/mkpre.py: test pre module. */',
           '#include <linux/module.h>', '#include "ksplice_abi.h"', '']
    funcs = []
    for spec in args[4:]:
        fname, _, kind = spec.partition(":")
        sym = next(s for s in syms if s["name"] == fname and s["type"] == "FUNC")
        text = sym["sec"]
        start, size = sym["value"], sym["size"]
        code = bytearray(section_bytes(obj, secs, text)[start:start + size])
        if fname in corrupt:
            code[corrupt[fname]] ^= 0xff
        cid = re.sub(r"\W", "_", fname)
        out.append(f"static const u8 code_{cid}[] = {{")
        for i in range(0, size, 12):
            out.append("\t" + ", ".join(f"0x{b:02x}" for b in code[i:i + 12]) + ",")
        out.append("};")
        rs = [r for r in rel.get(text, []) if start <= r[0] < start + size
              and r[1] in R_TYPES]
        out.append(f"static const struct ksplice_reloc relocs_{cid}[] = {{")
        for off, typ, name, add in rs:
            out.append(f"\t{{ {off - start}, {R_TYPES[typ]}, {add}, "
                       f"{c_str(label(name))} }},")
        out.append("\t{ 0 }\n};")
        rg = ranges_for(obj, secs, rel, text, start, size, code)
        out.append(f"static const struct ksplice_range ranges_{cid}[] = {{")
        for off, length, kind_ in rg:
            out.append(f"\t{{ {off}, {length}, {kind_} }},")
        out.append("\t{ 0 }\n};")
        flags = "0" if kind == "helper" else "KSPLICE_PRE_REPLACE"
        kname, flabel = rename.get(fname, (fname, label(fname)))
        funcs.append(f"\t{{ {c_str(flabel)}, {c_str(kname)}, code_{cid}, "
                     f"{size}, {flags}, relocs_{cid}, {len(rs)}, "
                     f"ranges_{cid}, {len(rg)} }},")
    out.append("static const struct ksplice_pre_func funcs[] = {")
    out += funcs
    out.append("};")
    out.append("static const struct ksplice_symbol symbols[] = {")
    for lab in symlabels:
        out.append(f"\t{{ {c_str(lab)}, {c_str(lab.split('%')[0])} }},")
    out.append("\t{ 0 }\n};")
    out.append("""
static const struct ksplice_pre pre = {
	.abi_version = KSPLICE_ABI_VERSION,
	.flags = %s,
	.id = "%s",
	.target = "%s",
	.description = %s,
	.funcs = funcs,
	.nr_funcs = ARRAY_SIZE(funcs),
	.symbols = symbols,
	.nr_symbols = %d,
};

static int __init pre_init(void)
{
	return ksplice_register_pre(&pre, THIS_MODULE);
}

static void __exit pre_exit(void)
{
	ksplice_unregister_pre(&pre);
}
module_init(pre_init);
module_exit(pre_exit);
MODULE_LICENSE("GPL");
""" % (pre_flags, uid, target, c_str(desc), len(symlabels)))
    print("\n".join(out))


if __name__ == "__main__":
    main(sys.argv)
