#!/usr/bin/env python3
"""analyze.py: is an update "safe as is", or does it "need custom code"?

Usage: analyze.py [--json] [--template=FILE] [--id=ID] [--tree=DIR]
                  UNIT PRE.o POST.o [UNIT PRE.o POST.o ...]

Replacing functions is enough only when the patch changes code. A patch that
changes state needs the hooks of kmod/ksplice-patch.h (or shadow data); this
module says which, with one reason per symbol, from the gcc-plugin's records
(`ksplice-sums --diff --json` and `ksplice-sums --json`), the objects'
relocations (`readelf -rW`) and their DWARF prototypes (`pfunct`):

  init        changed __init/boot-only code (.init.*, or a static function
              referenced only from boot code and initcall tables): it ran at
              boot and will not run again
  data        changed initializer of persistent non-const data, a changed
              global constant, or new/removed global data
  static_local  changed initial value of a static local
  read_mostly changed __read_mostly / .data..once state
  layout      changed layout of a struct/union used by code (objects that
              exist keep the old layout)
  signature   changed prototype of a function whose callers are not all in
              the update (a static one with unchanged callers, or whose
              address a struct initializer stores, unless, with --tree,
              every built file that includes the struct and calls through
              that member is in the update; a global one
              unless, with --tree, no file outside the update's units that
              this configuration builds names it but to declare it; an
              exported one so replaced gets a warning: a module built
              outside the tree would still pass the old arguments)

A data or read_mostly change that ksplice-pack can rewrite in place (same
size; in read-only data any field, in writable data only pointers to code:
packager/inplace.h) is no reason: the core writes the changed fields at apply
and restores them at undo, and the report lists it. Nor is a grown read-only
table whose holder's pointer ksplice-pack rewrites to the update's copy (a
driver's id table: packager/diff.c).

With --tree, a layout change of a struct or union that only modules of the
update see (defined in the unit or in a header only their files include,
none of them vmlinux) is no reason either:
the update applies only while those modules are not loaded, and the core
patches them as they load, before any object exists (kmod/coming.c); the
report says so and "fresh" lists them (ksplice-pack --fresh). So is a changed
__init function of a module (or a function only its boot code calls): with
the module patched as it loads, its init runs the new code; and changed data
of a module that ksplice-pack --fresh rewrites in place (same size, any
field: nothing has read it yet when the core writes it as the module loads),
gives a fresh copy (a writable static whose size changes and that only
functions use, all replaced) or defines anew (a new global alone in its
section).

No reason either: a .bss object whose initializer only spells out zeros
(smc's HLIST_HEAD_INIT), and a static alone in its own section that no
relocation names (a device id table only MODULE_DEVICE_TABLE names).

Warnings do not change the verdict: an exported function whose prototype
changes with all its callers in the tree; a changed exit function of a
module that is not made fresh (it is not replaced); a changed function that is the loop
of a kernel thread (it calls kthread_should_stop: where the thread runs, apply
finds it busy every time).

Each reason lists the hook kinds that can take care of it; the update is
accepted when, for every reason, the patch has one of them (hooks are found
in the post object's ".ksplice_hooks.<kind>" sections). For "signature" no
hook helps: keep the old prototype (add a new function) or use --force.

Objects without plugin records (an update of several units is compiled
without the plugin) get a coarser analysis: ksplice-pack's data diff and a
byte comparison of the .init.* sections.

Exit status (command line): 0 safe as is, 1 needs custom code and the
patch's hooks cover it, 3 needs custom code not covered, 2 error.
"""
import json
import os
import re
import subprocess
import sys

import header_change
import ksplice_tree

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SUMS = os.path.join(TOP, "gcc-plugin", "ksplice-sums")
PACK = os.path.join(TOP, "packager", "ksplice-pack")
HOOK_SECTION = ".ksplice_hooks."
HOOK_KINDS = ("pre_apply", "check_apply", "apply", "post_apply", "fail_apply",
              "pre_reverse", "check_reverse", "reverse", "post_reverse", "fail_reverse")
STATE_HOOKS = ("pre_apply", "apply", "post_apply")

# reason kind -> (hook kinds that take care of it, what to do)
ADVICE = {
    "init": (STATE_HOOKS, "redo at apply what the new boot code does "
             "(ksplice_apply), undo it at reverse (ksplice_reverse)"),
    "data": (STATE_HOOKS, "the running kernel keeps the old value: set it in a "
             "ksplice_apply hook (and restore it in ksplice_reverse)"),
    "static_local": (STATE_HOOKS, "the running kernel keeps the old value of the "
                     "static local: set it in a ksplice_apply hook"),
    "read_mostly": (STATE_HOOKS, "the running kernel keeps the old value: set it "
                    "in a ksplice_apply hook"),
    "layout": (STATE_HOOKS, "objects that exist keep the old layout: keep the "
               "layout and put new fields in shadow data (ksplice_shadow_*), or "
               "convert every live object in a ksplice_apply hook"),
    "signature": ((), "callers outside the update still pass the old arguments: "
                  "keep the old prototype (add a new function for the new one)"),
}


class AnalyzeError(Exception):
    pass


def _run(cmd, ok=(0,)):
    try:
        p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                           errors="replace")
    except OSError as e:
        raise AnalyzeError(f"{cmd[0]}: {e}") from e
    if p.returncode not in ok:
        raise AnalyzeError(f"{' '.join(cmd)} failed ({p.returncode}): {p.stderr.strip()[:400]}")
    return p


def sections(obj):
    """{index: name} of an object's sections."""
    out = _run(["readelf", "-SW", obj]).stdout
    secs = {}
    for ln in out.splitlines():
        m = re.match(r"\s*\[\s*(\d+)\]\s+(\S+)", ln)
        if m and m.group(2) != "NULL":
            secs[int(m.group(1))] = m.group(2)
    return secs


# Sections whose references are calls or pointers a program can follow (not
# debug info, ftrace/ORC/alternatives tables and other metadata).
CODE_SECTIONS = (".text", ".init.text", ".exit.text", ".ref.text", ".noinstr", ".sched.text",
                 ".entry.text", ".cpuidle.text", ".head.text", ".meminit.text")
LIVE_SECTIONS = (".text", ".init", ".exit", ".data", ".rodata", ".bss", ".initcall",
                 ".con_initcall", ".ref.", ".noinstr", ".sched.text", ".entry.text",
                 ".cpuidle.text", ".head.text", ".meminit", "__param", "__ksymtab",
                 ".ksplice_hooks.")


def _section_funcs(obj):
    """{section name: function at its offset 0} (for section-symbol relocations)."""
    secs = sections(obj)
    out = _run(["readelf", "-sW", obj]).stdout
    funcs = {}
    for ln in out.splitlines():
        f = ln.split()
        if len(f) >= 8 and f[3] == "FUNC" and f[6].isdigit() and int(f[1], 16) == 0:
            funcs.setdefault(secs.get(int(f[6]), ""), f[7])
    return funcs


def _rela_entries(obj):
    """[(section the relocation applies to, its readelf -rW fields)] of every
    relocation of the object (offset, info, type, value, symbol, ...)."""
    entries, cur = [], None
    for ln in _run(["readelf", "-rW", obj]).stdout.splitlines():
        m = re.match(r"Relocation section '\.rela(\S*)'", ln)
        if m:
            cur = m.group(1)
            continue
        f = ln.split()
        if cur is not None and len(f) >= 5 and re.fullmatch(r"[0-9a-f]{16}", f[0]):
            entries.append((cur, f))
    return entries


def _named_by_relocations(entries):
    """The symbols (for a section symbol, the section) that a relocation of
    any section of the object but its debug information names."""
    return {f[4] for sec, f in entries if sec and not sec.startswith(".debug")}


def _unreferenced(c, d, named):
    """Is the changed data object a static one, alone in its own section
    (-fdata-sections: no special section the kernel walks), that no
    relocation names? Nothing in the kernel reads it: a device id table only
    MODULE_DEVICE_TABLE() names, for modpost (mscc's vsc85xx_tbl)."""
    sec = d.get("section", "")
    return bool(d.get("static")) and c["name"] not in named and sec not in named and \
        sec in (f".{kind}.{c['name']}" for kind in ("data", "bss", "rodata"))


def _is_call(code, off, typ):
    """Does the relocation at off of code belong to a call or jump (not to an
    address taken)? Calls to global functions are PLT32; to local ones PC32
    after e8 (call), e9 (jmp) or 0f 8x (jcc)."""
    if typ == "R_X86_64_PLT32":
        return True
    if typ != "R_X86_64_PC32" or code is None or off < 1:
        return False
    return code[off - 1] in (0xE8, 0xE9) or (off >= 2 and code[off - 2] == 0x0F
                                               and 0x80 <= code[off - 1] <= 0x8F)


def relocations(obj, entries=None):
    """[(section the relocations apply to, symbol name, is a call)] of an
    object, for the LIVE_SECTIONS; a relocation against a function's own
    section names that function. "Is a call" is known for boot sections only
    (None elsewhere). entries: the object's _rela_entries(), when read."""
    funcs = _section_funcs(obj)
    code = {}  # the bytes of boot sections, the only ones _boot_only asks about
    refs = []
    for cur, f in entries if entries is not None else _rela_entries(obj):
        if cur.startswith(LIVE_SECTIONS):
            call = None
            if _is_boot_section(cur):
                if cur not in code:
                    code[cur] = _section_bytes(obj, cur)
                call = _is_call(code[cur], int(f[0], 16), f[2])
            refs.append((cur, funcs.get(f[4], f[4]), call))
    return refs


def hooks_of(obj, secs=None):
    """{kind: [function]} of the post object's hook sections."""
    secs = secs if secs is not None else sections(obj)
    hooks = {}
    names = {n for n in secs.values() if n.startswith(HOOK_SECTION)}
    if not names:
        return hooks
    for sec, sym, _ in relocations(obj):
        if sec in names:
            kind = sec[len(HOOK_SECTION):]
            if kind not in HOOK_KINDS:
                raise AnalyzeError(f"{obj}: section {sec}: unknown hook kind "
                                   f"(kinds: {', '.join(HOOK_KINDS)})")
            hooks.setdefault(kind, []).append(sym)
    return hooks


def prototypes(obj):
    """{function: prototype} from the object's DWARF (pfunct), or None."""
    try:
        p = subprocess.run(["pfunct", "--prototypes", obj], stdout=subprocess.PIPE,
                           stderr=subprocess.DEVNULL, text=True, errors="replace")
    except OSError:
        return None
    if p.returncode:
        return None
    protos = {}
    for ln in p.stdout.splitlines():
        m = re.match(r"(.*?)\b(\w+)\((.*)\);$", ln.strip())
        if m:
            ret = re.sub(r"\b(inline|static|extern)\b", "", m.group(1)).split()
            protos[m.group(2)] = " ".join(ret) + " (" + m.group(3) + ")"
    return protos


def _abi(prototype):
    """A prototype as the calling convention sees it: parameter names and
    const/volatile qualifiers left out (intel_wm_state_verify gaining a
    const on a pointer parameter passes the same registers)."""
    ret, _, params = prototype.partition("(")
    kept = []
    for param in params.rstrip(")").split(","):
        param = re.sub(r"\b(const|volatile)\b", "", param)
        m = re.match(r"^(.*[\s*])\w+\s*$", param)
        kept.append(" ".join((m.group(1) if m and m.group(1).strip() else param).split()))
    return " ".join(re.sub(r"\b(const|volatile)\b", "", ret).split()) + " (" + ", ".join(kept) + ")"


def _reason(kind, unit, symbol, text):
    return {"kind": kind, "unit": unit, "symbol": symbol, "text": text,
            "hooks": list(ADVICE[kind][0]), "advice": ADVICE[kind][1]}


def _function_of(sec):
    """The function whose code section sec is: .text.X, or .text.unlikely.X
    for X's cold part (or a cold X), or .text.hot.X; else None."""
    for prefix in (".text.unlikely.", ".text.hot.", ".text."):
        if sec.startswith(prefix):
            return sec[len(prefix):]
    return None


def _boot_only(name, refs, init_secs):
    """Is the static function name referenced, and only by calls from
    boot-time sections? An address taken at boot (a handler registered then,
    like nf_conntrack_sip's sip_help_tcp) lets it run later."""
    mine = [(sec, call) for sec, sym, call in refs if sym == name and _function_of(sec) != name]
    return bool(mine) and all(sec in init_secs and call for sec, call in mine)


def _is_boot_section(sec):
    return sec.startswith((".init.", ".initcall", ".con_initcall", ".x86_cpu_dev.init",
                           ".init_array"))


def _data_reasons(unit, diff, pre, post, refs, named=frozenset()):
    reasons = []
    # constants whose address data holds (a driver's id table in its struct),
    # by symbol or, for a relocation against a section symbol, by section
    stored = {name: sec for sec, name, _ in refs
              if not sec.startswith(CODE_SECTIONS) and not _is_boot_section(sec)}
    # and constants boot code uses (proc_create_seq() of an ops table)
    at_boot = {name: sec for sec, name, _ in refs if _is_boot_section(sec)}
    pdata = {d["name"]: d for d in post["data"]}
    for c in diff["changed_data"]:
        d = pdata.get(c["name"], {})
        sec = d.get("section", "")
        why = c["reason"]
        if sec.startswith(HOOK_SECTION):
            continue
        if c.get("trace_output"):
            continue  # a print format, an enum map, a __print_symbolic table
        if _unreferenced(c, d, named):
            continue
        if d.get("placement") == "init" or sec.startswith(".init."):
            reasons.append(_reason("init", unit, c["name"],
                                   f"changed boot-time data {c['name']} ({sec}, {why}): "
                                   "used only at boot"))
        elif sec.startswith("__dyndbg"):
            continue  # a dynamic-debug descriptor: its line number moved, no state
        elif d.get("owner") and not sec.startswith((".rodata", ".data.rel.ro")):
            # (a const one is a constant: only its function reads it, below)
            base = re.sub(r"[.]\d+$", "", c["name"])
            reasons.append(_reason("static_local", unit, c["name"],
                                   f"changed initial value of static local "
                                   f"{d['owner']}::{base} ({why})"))
        elif sec.startswith((".data..read_mostly", ".data..once")):
            what = "__read_mostly" if "read_mostly" in sec else ".data..once"
            reasons.append(_reason("read_mostly", unit, c["name"],
                                   f"changed {what} state {c['name']} ({sec}, {why})"))
        elif sec.startswith((".rodata", ".data.rel.ro")):
            if not d.get("static"):
                reasons.append(_reason("data", unit, c["name"],
                                       f"changed global constant {c['name']} ({why}): code "
                                       "outside the update keeps reading the old one"))
            elif c["name"] in stored or sec in stored:
                reasons.append(_reason("data", unit, c["name"],
                                       f"changed constant {c['name']} ({why}) whose address "
                                       f"is stored in {stored.get(c['name']) or stored[sec]}: "
                                       "the running kernel keeps using its copy"))
            elif c["name"] in at_boot or sec in at_boot:
                reasons.append(_reason("data", unit, c["name"],
                                       f"changed constant {c['name']} ({why}) that boot code "
                                       f"({at_boot.get(c['name']) or at_boot[sec]}) used or "
                                       "registered: the running kernel keeps using its copy"))
        elif sec.startswith(".bss") and why == "initializer":
            continue  # zeros spelled out (smc's HLIST_HEAD_INIT): zero in both builds
        elif sec.startswith((".data", ".bss")) or d.get("placement") == "data":
            reasons.append(_reason("data", unit, c["name"],
                                   f"changed initializer of persistent data {c['name']} "
                                   f"({sec}, {why})"))
    for which, verb in (("new_data", "new"), ("removed_data", "removed")):
        for d in diff[which]:
            sec = d.get("section", "")
            if d.get("static") or sec.startswith((HOOK_SECTION, ".rodata", ".init.",
                                                  ".discard", "__")):
                continue
            reasons.append(_reason("data", unit, d["name"],
                                   f"{verb} global data {d['name']} ({sec}): "
                                   + ("nothing in the running kernel initialises it"
                                      if verb == "new" else
                                      "the running kernel keeps using it")))
    return reasons


def _func_reasons(unit, diff, pre, post, pre_o, post_o, hook_funcs, refs):
    reasons = []
    post_secs = sections(post_o)
    init_secs = {n[len(".rela"):] if n.startswith(".rela") else n
                 for n in post_secs.values() if _is_boot_section(n)}
    pfuncs = {f["name"]: f for f in post["functions"]}
    changed = {f["name"] for f in diff["changed_functions"]}
    new = {f["name"] for f in diff["new_functions"]}
    for f in diff["changed_functions"] + diff["new_functions"] + diff["removed_functions"]:
        name, sec = f["name"], f.get("section") or ""
        if name in hook_funcs:
            continue
        verb = ("changed" if name in changed else "new" if name in new else "removed")
        if sec.startswith((".init.", ".init")) or pfuncs.get(name, {}).get("placement") == "init":
            reasons.append(_reason("init", unit, name,
                                   f"{verb} __init function {name} ({sec}): it ran at boot "
                                   "and will not run again"))
        elif verb != "removed" and f.get("static") and _boot_only(name, refs, init_secs):
            reasons.append(_reason("init", unit, name,
                                   f"{verb} function {name} is called only at boot "
                                   "(referenced only from __init code or initcall "
                                   "tables): it will not run again"))
    for t in diff["changed_layouts"]:
        users = [u for u in t.get("used_by", []) if u not in hook_funcs]
        reasons.append(_reason("layout", unit, t["type"],
                               f"changed layout of {t['type'].replace(':', ' ')} (used by "
                               f"{', '.join(users) or 'no function of the unit'}): objects "
                               "that exist keep the old layout"))
    if diff["changed_functions"]:
        reasons += _signature_reasons(unit, diff, pre_o, post_o, refs, changed | new)
    return reasons


def _signature_reasons(unit, diff, pre_o, post_o, refs, in_update):
    a, b = prototypes(pre_o), prototypes(post_o)
    if a is None or b is None:
        return []
    reasons = []
    for f in diff["changed_functions"]:
        name = f["name"]
        if name not in a or name not in b or _abi(a[name]) == _abi(b[name]):
            continue
        froms = {sec for sec, sym, _ in refs if sym == name and _function_of(sec) != name}
        callers = sorted({_function_of(sec) for sec in froms} - {None})
        outside = [c for c in callers if c not in in_update]
        outside += [f"a pointer in {sec}" for sec in sorted(froms) if _function_of(sec) is None]
        if f.get("static") and not outside:
            continue
        who = ("a global function: callers in other files are not in the update"
               if not f.get("static") else
               f"callers not in the update: {', '.join(outside)}")
        only_pointers = all(o.startswith("a pointer in ") for o in outside)
        reasons.append(dict(_reason("signature", unit, name,
                                    f"changed prototype of {name}: {a[name]} -> {b[name]} "
                                    f"({who})"), **{"global": not f.get("static"),
                                                   "only_pointers": only_pointers}))
    return reasons


# What a kernel thread's main loop asks at each turn (rfcomm_run, gfs2_logd)
KTHREAD_LOOP = ("kthread_should_stop", "kthread_freezable_should_stop")


def _kthread_loop_warnings(unit, diff, pre_refs):
    """A changed function that calls kthread_should_stop() is the loop of a
    kernel thread: where that thread runs, it never leaves the function
    (krfcommd in rfcomm_run), so ksplice-apply finds it busy every time. Not a
    reason: where the thread does not run (gfs2_logd without a gfs2 mount),
    the update applies."""
    out = []
    for f in diff["changed_functions"]:
        name = f["name"]
        if any(sym in KTHREAD_LOOP and _function_of(sec) == name for sec, sym, _ in pre_refs):
            out.append(f"{name} ({unit}) is the loop of a kernel thread (it calls "
                       "kthread_should_stop): where that thread runs, ksplice-apply finds it "
                       "busy every time (code_busy); a ksplice_pre_apply hook that stops the "
                       "thread and a ksplice_post_apply hook that starts it again make the "
                       "update applicable there")
    return out


def _fallback_reasons(unit, pre_o, post_o):
    """Without plugin records: ksplice-pack's data diff and the .init.* bytes."""
    reasons = []
    p = _run([PACK, "diff", unit, pre_o, post_o])
    for ln in p.stdout.splitlines():
        m = re.match(r"data (\S+): (.*)", ln)
        if m and not m.group(2).endswith("(in place)"):
            reasons.append(_reason("data", unit, m.group(1),
                                   f"changed data {m.group(1)} ({m.group(2)})"))
    for sec in sorted({n for n in sections(pre_o).values() if n.startswith(".init.")} |
                      {n for n in sections(post_o).values() if n.startswith(".init.")}):
        if _section_bytes(pre_o, sec) != _section_bytes(post_o, sec):
            reasons.append(_reason("init", unit, sec,
                                   f"changed boot-time section {sec} (no plugin records: "
                                   "per-function detail unavailable)"))
    return reasons


def _in_place(unit, pre_o, post_o, fresh=False):
    """The changed data objects the core rewrites in place (packager/inplace.h
    decides; fresh: in a module patched as it loads): name -> what changes,
    e.g. "1 field: +72 pointer"; a replaced constant (packager/diff.c
    holders_take_new_copy) -> its holder; and, fresh, a static whose size
    changes that the new code gets its own copy of (fresh_instance())."""
    p = _run([PACK, "diff", "--json"] + (["--fresh"] if fresh else []) + [unit, pre_o, post_o],
             ok=(0, 1, 2, 3, 4))
    try:
        units = json.loads(p.stdout)["units"]
    except (ValueError, KeyError):
        return {}
    out = {name: "a fresh copy in the update, for every function that uses it"
           for u in units for name in u.get("instances", [])}
    for d in (d for u in units for d in u.get("data", []) if d.get("in_place")):
        fields = ", ".join(f"+{f['offset']} {f['kind']}" for f in d["fields"])
        n = len(d["fields"])
        out[d["name"]] = f"{n} field{'s' if n != 1 else ''}: {fields}"
        if d.get("replaces"):  # a grown table: its holders now point at the update's copy
            out[d["replaces"]] = f"replaced by the update's copy; {d['name']} points at it"
    return out


def _rewritten_in_place(reasons, in_place):
    """Split the data reasons the core rewrites in place out of reasons."""
    kept, done = [], []
    for r in reasons:
        if r["kind"] in ("data", "read_mostly") and r["symbol"] in in_place:
            done.append(f"{r['unit']}: {r['symbol']} ({in_place[r['symbol']]})")
        else:
            kept.append(r)
    return kept, done


def _section_bytes(obj, sec):
    p = subprocess.run(["objcopy", "-O", "binary", "--only-section=" + sec, obj, "/dev/stdout"],
                       stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    return p.stdout if p.returncode == 0 else None


def _sums(args):
    p = _run([SUMS] + args, ok=(0, 1, 2))
    if p.returncode == 2:
        return None
    return json.loads(p.stdout)


def analyze_unit(unit, pre_o, post_o):
    """{"unit", "records", "reasons", "hooks"} of one compilation unit."""
    for o in (pre_o, post_o):
        if not os.path.isfile(o):
            raise AnalyzeError(f"{o}: no such file")
    hooks = hooks_of(post_o)
    hook_funcs = {f for fs in hooks.values() for f in fs}
    diff = _sums(["--diff", "--json", pre_o, post_o]) if os.access(SUMS, os.X_OK) else None
    if diff is None:
        return {"unit": unit, "records": False, "hooks": hooks,
                "reasons": _fallback_reasons(unit, pre_o, post_o)}
    pre, post = _sums(["--json", pre_o]), _sums(["--json", post_o])
    if pre is None or post is None:
        raise AnalyzeError(f"{unit}: the records of one object are unreadable")
    entries = _rela_entries(post_o)  # readelf -rW once: with debug info it is large
    refs = relocations(post_o, entries)
    reasons, in_place = _data_reasons(unit, diff, pre, post, refs,
                                      _named_by_relocations(entries)), []
    if reasons:
        reasons, in_place = _rewritten_in_place(reasons, _in_place(unit, pre_o, post_o))
    reasons += _func_reasons(unit, diff, pre, post, pre_o, post_o, hook_funcs, refs)
    in_update = {f["name"] for f in diff["changed_functions"] + diff["new_functions"]}
    pfuncs = {f["name"]: f for f in post["functions"]}
    exits = [f["name"] for f in diff["changed_functions"]
             if (f.get("section") or "").startswith(".exit") or
             pfuncs.get(f["name"], {}).get("placement") == "exit"]
    return {"unit": unit, "records": True, "hooks": hooks, "reasons": reasons,
            "exit_changed": exits,
            "in_place": in_place, "refs": refs, "in_update": in_update, "post_o": post_o,
            "pre_o": pre_o,
            "warnings": _kthread_loop_warnings(unit, diff, relocations(pre_o))}


def _exported(obj, name):
    out = _run(["readelf", "-sW", obj]).stdout
    return re.search(r"\s__ksymtab_%s$" % re.escape(name), out, re.M) is not None


DECLARATION = r"^\s*(?!return\b)(?:extern\s+)?[A-Za-z_][\w\s*]*\b%s\s*\("


def _named_outside(tree, name, units):
    """Does a source file of the tree other than the update's units name the
    function, except to declare it (a prototype in a header)? A .c file this
    configuration does not build is not in the running kernel (greybus's
    hid.c, which calls hid_report_raw_event)."""
    decl = re.compile(DECLARATION % re.escape(name))
    cfg = _tree_config(tree)
    for path, text in header_change.name_sites(tree, {name}, ksplice_tree.source_dirs(tree))[name]:
        if path in units or (path.endswith(".h") and decl.match(text)):
            continue
        if path.endswith(".c") and not _built(tree, path, cfg):
            continue
        return True
    return False


def _tree_config(tree):
    """The tree's configuration, or None (every file counts as built)."""
    config = os.path.join(tree, ".config")
    return ksplice_tree.read_config(config) if os.path.exists(config) else None


def _built(tree, path, cfg):
    """Is the .c file in the running kernel: built by the configuration, or
    #included by another source file (a unit made of several)?"""
    return cfg is None or ksplice_tree.unit_target(tree, path, cfg) is not None or \
        _included(tree, path)


def _files_matching(tree, regex, where, globs=("*.c", "*.h")):
    """The source files (globs) under the tree's directories where that have
    a line matching the extended regex (grep -rlE)."""
    p = subprocess.run(["grep", "-rlE"] + ["--include=" + g for g in globs] + [regex] + where,
                       cwd=tree, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    return p.stdout.split()


def _included(tree, path):
    """Does a source file #include the .c file (a unit made of several)?"""
    base = re.escape(os.path.basename(path))
    return bool(_files_matching(tree, r'^\s*#\s*include\s*[<"]([^">]*/)?%s[">]' % base,
                                [os.path.dirname(path) or "."]))


def _all_callers_replaced(name, units, tree):
    """Is a global function whose prototype changes called only by functions
    the update replaces? Named by no file this configuration builds outside
    the update (but in prototypes), and every reference to it in the update's
    objects a call from a replaced function: then no caller in the kernel
    passes the old arguments (ip_vs_unbind_scheduler, whose three callers in
    ip_vs_ctl.c change; hid_report_raw_event, exported, whose callers in six
    modules change with it)."""
    if tree is None or any(not u["records"] for u in units):
        return False
    for u in units:
        for sec, sym, _ in u["refs"]:
            caller = _function_of(sec)
            if sym == name and caller != name and caller not in u["in_update"]:
                return False
    return not _named_outside(tree, name, {u["unit"] for u in units})


def _read(tree, path):
    try:
        with open(os.path.join(tree, path), errors="replace") as f:
            return f.read()
    except OSError:
        return None


INITIALIZER = r"\bstruct\s+(\w+)\s+(?:__\w+\s+)*\w+\s*(?:\[\w*\]\s*)?(?:__\w+(?:\([^)]*\))?\s*)*=\s*\{"


def _stored_in(src, name):
    """[(struct, member)] of the designated initializers that store the
    function name in a struct of the source (static struct xfrm_mgr
    pfkeyv2_mgr = { ... .migrate = pfkey_send_migrate, ... })."""
    out = []
    for m in re.finditer(r"\.(\w+)\s*=\s*&?%s\b" % re.escape(name), src):
        heads = list(re.finditer(INITIALIZER, src[:m.start()]))
        if not heads:
            return None
        out.append((heads[-1].group(1), m.group(1)))
    return out or None


def _struct_header(tree, struct, unit, kind="struct"):
    """The file that defines struct (a header, or the unit itself)."""
    if re.search(r"^%s\s+%s\s*\{" % (kind, re.escape(struct)), _read(tree, unit) or "", re.M):
        return unit
    found = _files_matching(tree, r"^%s\s+%s\s*\{" % (kind, struct),
                            ksplice_tree.source_dirs(tree), globs=("*.h",))
    return found[0] if len(found) == 1 else None


def _module_of(tree, unit, cfg):
    """The module of a unit of the update, or None (vmlinux, a library, no
    tree or configuration)."""
    target = ksplice_tree.unit_target(tree, unit, cfg) if tree and cfg else None
    return None if target in (None, "vmlinux", "lib") else target


def _fresh_init_module(r, u, tree, cfg):
    """A changed __init function of a module (or a function only its boot
    code calls): it runs again, patched, when the module loads after the
    update (kmod/coming.c), so the update applies while it is not loaded.
    {module}, or None (vmlinux's ran at boot; boot-time data is no code)."""
    if tree is None or cfg is None or not re.match(
            r"(changed|new) (__init )?function .* (\(\.init\.text\)|is called only at boot)",
            r["text"]):
        return None
    return {u["module"]} if u["module"] else None


DATA_KINDS = ("data", "read_mostly", "static_local")


NEW_OWN_SECTION = re.compile(r"new global data (\S+) \(\.(data|bss|rodata)\.\1\)")


def _fresh_data(u, tree, cfg):
    """The data reasons of a unit of a module that the core may set as the
    module loads (kmod/coming.c): every one of them is a same-size object
    ksplice-pack --fresh rewrites in place (nothing has read or copied it
    yet), a static whose size changes that the new code gets a fresh copy
    of, or a new global alone in its section (the new module defines it, and
    the module's init, patched, sets it up). (module, {symbol: what}), or
    None."""
    mine = [r for r in u["reasons"] if r["kind"] in DATA_KINDS]
    if tree is None or cfg is None or not mine or "pre_o" not in u:
        return None
    mod = u["module"]
    if mod is None:
        return None
    done = _in_place(u["unit"], u["pre_o"], u["post_o"], fresh=True)
    done.update({r["symbol"]: "new, in the update" for r in mine
                 if NEW_OWN_SECTION.match(r["text"])})
    if not all(r["symbol"] in done for r in mine):
        return None
    return mod, {r["symbol"]: done[r["symbol"]] for r in mine}


def _fresh_modules(r, unit, units, tree, cfg):
    """The modules whose code alone sees the struct or union whose layout
    changes: it is defined in the unit, or in a header that only their files
    include, and each is a target of the update. Loaded after the update, each creates every object of it with the
    new layout: the update applies while they are not loaded, and they are
    patched as they load (kmod/coming.c). None when other code sees it
    (vmlinux, a module outside the update): objects of the old layout may
    exist. A static object of it would change size: a [data] reason."""
    kind, _, name = r["symbol"].partition(":")
    if tree is None or cfg is None or kind not in ("struct", "union"):
        return None
    header = _struct_header(tree, name, unit, kind)
    try:
        seen = [unit] if header == unit else ksplice_tree.header_units(tree, header) \
            if header else []
    except ksplice_tree.TreeError:
        return None
    mods = set()
    for path in seen:
        if not _built(tree, path, cfg):
            continue
        target = ksplice_tree.unit_target(tree, path, cfg)
        if target in (None, "vmlinux", "lib"):
            return None
        mods.add(target)
    mine = {u["module"] for u in units}
    return mods if mods and mods <= mine else None


def _indirect_callers_replaced(name, unit, units, tree):
    """Is a static function whose prototype changes, and whose address only
    struct initializers take, called through those members only by files the
    update replaces? Every file that calls through the member ((->|.)member(),
    grep) and includes the struct's definition must be a unit of the update
    (or not built by the configuration), and no header may call through it:
    then no caller passes the old arguments (af_key.c's pfkey_send_migrate,
    xfrm_mgr.migrate, called by xfrm_state.c's km_migrate, which the fix
    changes too)."""
    if tree is None:
        return False
    stored = _stored_in(_read(tree, unit) or "", name)
    if not stored:
        return False
    cfg = _tree_config(tree)
    names = {u["unit"] for u in units}
    for struct, member in stored:
        header = _struct_header(tree, struct, unit)
        if header is None:
            return False
        try:
            includers = set(ksplice_tree.header_units(tree, header)) | {header}
        except ksplice_tree.TreeError:
            return False
        for path in _files_matching(tree, r"(->|\.)%s\s*\(" % member,
                                    ksplice_tree.source_dirs(tree)):
            if path.endswith(".h"):
                return False  # an inline calling through it: its includers
            if path in names or path not in includers or not _built(tree, path, cfg):
                continue
            return False
    return True


def _callers_replaced(r, u, units, tree):
    """A changed prototype whose callers the update all replaces."""
    if r.get("global"):
        return _all_callers_replaced(r["symbol"], units, tree)
    return r.get("only_pointers") and _indirect_callers_replaced(r["symbol"], u["unit"],
                                                                  units, tree)


def analyze(triples, tree=None):
    """The report of an update: units, reasons, hooks, verdict, missing.
    With the kernel tree, a changed prototype of a global function whose
    callers are all replaced by the update is not a reason."""
    units = [analyze_unit(u, a, b) for u, a, b in triples]
    warnings = [w for u in units for w in u.get("warnings", [])]
    # an update with hooks takes care of the loaded module itself: no fresh
    cfg = _tree_config(tree) if tree and not any(u["hooks"] for u in units) else None
    fresh, fresh_types = set(), {}
    for u in units:  # each unit's module, once
        u["module"] = _module_of(tree, u["unit"], cfg)
    for u in units:
        data = _fresh_data(u, tree, cfg)
        if data:
            fresh.add(data[0])
            u["reasons"] = [r for r in u["reasons"] if r["kind"] not in DATA_KINDS]
            u["in_place"] = u.get("in_place", []) + [
                f"{u['unit']}: {sym} ({what}; as {data[0]} loads)"
                for sym, what in sorted(data[1].items())]
        kept = []
        for r in u["reasons"]:
            mods = _fresh_modules(r, u["unit"], units, tree, cfg) if r["kind"] == "layout" \
                else _fresh_init_module(r, u, tree, cfg) if r["kind"] == "init" \
                else None
            if mods:
                fresh |= mods
                fresh_types.setdefault((r["symbol"], tuple(sorted(mods))), []).append(u["unit"])
            elif r["kind"] != "signature" or not _callers_replaced(r, u, units, tree):
                kept.append(r)
            elif r.get("global") and _exported(u["post_o"], r["symbol"]):
                warnings.append(f"{r['symbol']} is exported and its prototype changes: every "
                                "caller in the tree is in the update, but a module built "
                                "outside the tree that calls it would pass the old arguments")
        u["reasons"] = kept
    for u in units:  # a fresh module's exit code is patched as it loads too
        mod = u["module"] if u.get("exit_changed") else None
        if mod and mod not in fresh:
            warnings.append(f"{', '.join(u['exit_changed'])} ({u['unit']}): changed exit "
                            "code is not replaced: a loaded module unloads with the old one")
    for u in units:
        for key in ("refs", "in_update", "post_o", "pre_o", "warnings", "exit_changed",
                    "module"):
            u.pop(key, None)
    reasons = [r for u in units for r in u["reasons"]]
    kinds = sorted({k for u in units for k in u["hooks"]})
    missing = [r for r in reasons if not set(r["hooks"]) & set(kinds)]
    if set(kinds) & set(STATE_HOOKS) and not set(kinds) & {"pre_reverse", "reverse",
                                                            "post_reverse"}:
        warnings.append("the patch changes state at apply but has no reverse hook: "
                        "undo will not restore it")
    return {"verdict": "needs custom code" if reasons else "safe as is",
            "covered": not missing, "units": units, "reasons": reasons,
            "in_place": [d for u in units for d in u.get("in_place", [])],
            "fresh": sorted(fresh), "fresh_layouts": [_fresh_note(t, m, us) for (t, m), us
                                                      in sorted(fresh_types.items())],
            "hook_kinds": kinds, "missing": missing, "warnings": warnings}


def _fresh_note(symbol, mods, units):
    """"struct x (seen by m only; used in a.c, b.c and 3 more)", or for an
    init function "init_m (runs when m loads; in a.c)"."""
    used = ", ".join(units[:2]) + (f" and {len(units) - 2} more" if len(units) > 2 else "")
    if ":" not in symbol:
        return f"{symbol} (runs when {', '.join(mods)} loads; in {used})"
    return f"{symbol.replace(':', ' ')} (seen by {', '.join(mods)} only; used in {used})"


def format_report(rep):
    lines = [f"analysis: {rep['verdict']}"]
    for r in rep["reasons"]:
        ok = "covered by the patch's hooks" if r not in rep["missing"] else (
            "needs " + " or ".join("ksplice_" + h for h in r["hooks"]) if r["hooks"]
            else "no hook can fix this")
        lines.append(f"  [{r['kind']}] {r['unit']}: {r['text']}")
        lines.append(f"      -> {ok}; {r['advice']}")
    for u in rep["units"]:
        for kind, fns in sorted(u["hooks"].items()):
            lines.append(f"  hook {kind}: {', '.join(fns)} ({u['unit']})")
        if not u["records"]:
            lines.append(f"  note: {u['unit']} has no plugin records: coarse analysis")
        for d in u.get("in_place", []):
            lines.append(f"  data set as the module loads: {d}" if d.endswith(" loads)") else
                         f"  data rewritten in place at apply (and restored at undo): {d}")
    for n in rep.get("fresh_layouts", []):
        lines.append(f"  layout changes that only modules the update patches see: {n}"
                     if " only; used in " in n else f"  module init code: {n}")
    if rep.get("fresh"):
        lines.append(f"  -> the update applies only while {', '.join(rep['fresh'])} "
                     f"{'is' if len(rep['fresh']) == 1 else 'are'} not loaded: patched as "
                     "it loads, before its init runs")
    for w in rep["warnings"]:
        lines.append(f"  warning: {w}")
    return "\n".join(lines)


def _ident(s):
    return re.sub(r"\W", "_", s)


def write_template(rep, path, uid):
    """A ready-to-fill hook file for the reasons the patch does not cover."""
    todo = rep["missing"] or rep["reasons"]
    base = _ident(os.path.splitext(os.path.basename(todo[0]["unit"]))[0]) if todo else "update"
    out = ["/*",
           f" * Custom code for ksplice update {uid} (written by kbuild/analyze.py).",
           " * Paste it into the patched file (after the definitions it uses), fill in",
           " * the TODOs, and create the update again. See kmod/ksplice-patch.h.",
           " *", " * Why the update needs it:"]
    for r in todo:
        out.append(f" *   [{r['kind']}] {r['unit']}: {r['text']}")
        out.append(f" *       {r['advice']}")
    out += [" */", "#include <ksplice-patch.h>", ""]
    if any(r["kind"] == "layout" for r in todo):
        out += ["/* New fields go in shadow data, keyed by the object's address: */",
                f"#define KSPLICE_SHADOW_{base.upper()} 1",
                "/* struct x_extra *e = ksplice_shadow_get_or_attach(obj, "
                f"KSPLICE_SHADOW_{base.upper()}, sizeof(*e), GFP_ATOMIC); */", ""]
    if any(r["kind"] == "signature" for r in todo):
        out += ["/* signature: no hook helps; keep the old prototype (see above). */", ""]
    if any(r["hooks"] for r in todo):
        out += ["/* Inside stop_machine: no sleeping, GFP_ATOMIC only. */",
                f"static void ksplice_apply_{base}(void)", "{"]
        for r in todo:
            if r["hooks"]:
                out.append(f"\t/* TODO [{r['kind']}] {r['symbol']}: {r['advice']} */")
        out += ["}", f"ksplice_apply(ksplice_apply_{base});", "",
                f"static void ksplice_reverse_{base}(void)", "{",
                "\t/* TODO: undo what ksplice_apply_" + base + "() did */", "}",
                f"ksplice_reverse(ksplice_reverse_{base});", ""]
    with open(path, "w") as f:
        f.write("\n".join(out))


def main(argv):
    js, template, uid, tree, rest = False, None, "update", None, []
    for a in argv:
        if a == "--json":
            js = True
        elif a.startswith("--tree="):
            tree = a.split("=", 1)[1]
        elif a.startswith("--template="):
            template = a.split("=", 1)[1]
        elif a.startswith("--id="):
            uid = a.split("=", 1)[1]
        elif a.startswith("-"):
            rest = None
            break
        else:
            rest.append(a)
    if not rest or len(rest) % 3:
        print("usage: analyze.py [--json] [--template=FILE] [--id=ID] [--tree=DIR] "
              "UNIT PRE.o POST.o [UNIT PRE.o POST.o ...]", file=sys.stderr)
        return 2
    try:
        rep = analyze([tuple(rest[i:i + 3]) for i in range(0, len(rest), 3)], tree)
        if template and rep["reasons"]:
            write_template(rep, template, uid)
    except (AnalyzeError, OSError) as e:
        print(f"analyze.py: error: {e}", file=sys.stderr)
        return 2
    print(json.dumps(rep, indent=1) if js else format_report(rep))
    if not rep["reasons"]:
        return 0
    return 1 if rep["covered"] else 3


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
