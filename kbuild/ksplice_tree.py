"""Questions ksplice-create asks of a kernel tree: which files a patch
touches, which compilation units they are (headers: the units that include
them), and which target (vmlinux or a module) each unit is linked into, from
the kbuild Makefiles and the target .config."""
import functools
import os
import re
import subprocess

import header_change

# At most this many units are compiled for one update; a header change may
# reach more units than that, and only those whose preprocessed source
# changes are compiled (ksplice-create's preprocessing pass).
MAX_COMPILE_UNITS = 60
# Headers the include scan follows (transitively) before it gives up on a
# header included too widely to handle (e.g. <linux/kernel.h>).
MAX_SCAN_HEADERS = 400


class WideLayoutChange(Exception):
    """A struct changed in a header too widely included to recompile: the
    update needs custom code (the message says which)."""


class TreeError(Exception):
    pass


def read_config(path):
    cfg = {}
    with open(path, errors="replace") as f:
        for ln in f:
            m = re.match(r'(CONFIG_\w+)=(.*)', ln.strip())
            if m:
                v = m.group(2)
                cfg[m.group(1)] = v[1:-1] if v.startswith('"') and v.endswith('"') else v
    return cfg


def as_version(cc):
    """The assembler version as kbuild's scripts/as-version.sh computes it (2.40 -> 24000)."""
    try:
        out = subprocess.run([cc, "-Wa,--version", "-c", "-x", "assembler", "/dev/null",
                              "-o", "/dev/null"], stdout=subprocess.PIPE,
                             stderr=subprocess.STDOUT, text=True).stdout
    except OSError:
        return 0
    m = re.search(r"GNU assembler.* (\d+)\.(\d+)(?:\.(\d+))?", out)
    if not m:
        return 0
    return int(m.group(1)) * 10000 + int(m.group(2)) * 100 + int(m.group(3) or 0)


def abi_version(header):
    m = re.search(r"#define\s+KSPLICE_ABI_VERSION\s+(\d+)", open(header).read())
    return int(m.group(1)) if m else 0


def _patch_paths(text):
    olds, news = [], []
    for ln in text.splitlines():
        if ln.startswith("--- "):
            olds.append(ln[4:].split("\t")[0].strip())
        elif ln.startswith("+++ "):
            news.append(ln[4:].split("\t")[0].strip())
    return list(zip(olds, news))


def _strip(path, n):
    parts = path.split("/")
    return "/".join(parts[n:]) if len(parts) > n else None


def patch_files(text, tree, patch_file):
    """The files (relative to the tree) a patch touches, and its -p level."""
    pairs = _patch_paths(text)
    if not pairs:
        return [], 1
    outputs = []
    for strip in (1, 0):
        p = subprocess.run(["patch", "--dry-run", f"-p{strip}", "-d", tree, "-i", patch_file,
                            "-N", "-s", "-r", "-"], stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, text=True)
        if p.returncode == 0:
            files = []
            for old, new in pairs:
                for path in (new, old):
                    if path != "/dev/null":
                        rel = _strip(path, strip)
                        if rel and rel not in files:
                            files.append(rel)
                        break
            for old, new in pairs:
                # a new header is just more source (rdma/iter.h); a new or
                # removed unit would be a new or removed object
                if (old == "/dev/null" and not new.endswith(".h")) or new == "/dev/null":
                    raise TreeError(f"the patch creates or deletes a file "
                                    f"({new if new != '/dev/null' else old}): not supported")
            return files, strip
        outputs.append(p.stdout)
    raise TreeError("the patch does not apply to the tree:\n" + outputs[0].strip())


@functools.lru_cache(maxsize=None)
def _makefile_rules(tree, d):
    """[(variable, [words], conditions)] of the assignments in d's Makefile/
    Kbuild; conditions: the enclosing ifeq/ifneq/ifdef/ifndef tests, each
    (kind, a, b, negated) for _cond_true()."""
    rules = []
    for name in ("Kbuild", "Makefile"):
        path = os.path.join(tree, d, name)
        if not os.path.isfile(path):
            continue
        text = open(path, errors="replace").read().replace("\\\n", " ")
        text = re.sub(r"\$\{(\w+)\}", r"$(\1)", text)  # ${CONFIG_X} is $(CONFIG_X)
        stack = []
        for ln in text.splitlines():
            t = ln.strip()
            m = re.match(r"(ifeq|ifneq)\s*\(\s*([^,]*?)\s*,\s*([^)]*?)\s*\)\s*$", t)
            if m:
                stack.append(("eq", m.group(2), m.group(3), m.group(1) == "ifneq"))
                continue
            m = re.match(r"(ifdef|ifndef)\s+(\S+)\s*$", t)
            if m:
                stack.append(("def", m.group(2), "", m.group(1) == "ifndef"))
                continue
            if re.match(r"if(n?eq|n?def)\b", t):
                stack.append(("unknown", "", "", False))
                continue
            if t.startswith("else"):
                if stack:
                    k, a, b, neg = stack[-1]
                    # "else ifeq ..." is not evaluated: both branches stay possible
                    stack[-1] = ("unknown", "", "", False) if t != "else" else (k, a, b, not neg)
                continue
            if t.startswith("endif"):
                if stack:
                    stack.pop()
                continue
            m = re.match(r"\s*((?:[\w./-]|\$\((?:[^()]|\([^()]*\))*\))+)\s*[:+?]?=\s*(.*)", ln)
            if m:
                rules.append((m.group(1), tuple(m.group(2).split("#")[0].split()), tuple(stack)))
    return tuple(rules)


def _expand(word, cfg):
    """$(CONFIG_X) -> its value; None when the word needs more of make."""
    m = re.fullmatch(r"\$\((CONFIG_\w+)\)", word)
    if m:
        v = cfg.get(m.group(1), "")
        return "" if v == "n" else v
    return None if "$" in word else word


def _conds_true(conds, cfg):
    for kind, a, b, neg in conds:
        if kind == "eq":
            x, y = _expand(a, cfg), _expand(b, cfg)
            if x is None or y is None:
                continue
            ok = x == y
        elif kind == "def":
            if not a.startswith("CONFIG_"):
                continue
            ok = cfg.get(a, "n") not in ("", "n")
        else:
            continue
        if ok == neg:
            return False
    return True


def _cond(var_cond, cfg):
    """'y', 'm' or None for the part after the last '-' of a kbuild variable."""
    if var_cond in ("y", "objs"):
        return "y"
    if var_cond == "m":
        return "m"
    m = re.fullmatch(r"\$\((CONFIG_\w+)\)", var_cond)
    if m:
        v = cfg.get(m.group(1))
        return v if v in ("y", "m") else None
    m = re.fullmatch(r"\$\(subst m,y,\$\((CONFIG_\w+)\)\)", var_cond)
    if m:  # drivers/mmc/Makefile: host/ is built-in when MMC is a module
        return "y" if cfg.get(m.group(1)) in ("y", "m") else None
    return None


# the condition part of a kbuild variable that _cond() understands
VAR_COND = r"y|m|\$\(CONFIG_\w+\)|\$\(subst m,y,\$\(CONFIG_\w+\)\)"


def _find_var(tree, d, var, cfg, depth):
    """What an object listed in kbuild variable var of d's Makefile links into."""
    m = re.fullmatch(r"(.+)-(objs|%s)" % VAR_COND, var)
    if not m or depth > 6:
        return None
    prefix, c = m.group(1), _cond(m.group(2), cfg)
    if c is None:
        return None
    if prefix == "obj":
        return ("vmlinux", None) if c == "y" else ("module", None)
    if prefix == "lib":
        return ("lib", None)
    if prefix in ("ccflags", "asflags", "subdir", "targets", "always", "hostprogs"):
        return None
    found = _find(tree, d, prefix + ".o", cfg, depth + 1)
    if found:
        return found
    # indirection: "foo-objs := $(foo-objs-y)"
    refs = {f"$({var})", f"$({prefix}-{c})"}
    for v2, words, conds in _makefile_rules(tree, d):
        if refs & set(words) and _conds_true(conds, cfg):
            found = _find_var(tree, d, v2, cfg, depth + 1)
            if found:
                return found
    return None


def _find(tree, d, obj, cfg, depth=0):
    """(kind, name): ('vmlinux', None), ('module', name), ('lib', None) or None."""
    if depth > 6:
        return None
    for var, words, conds in _makefile_rules(tree, d):
        if obj not in words or not _conds_true(conds, cfg):
            continue
        found = _find_var(tree, d, var, cfg, depth)
        if found:
            if found == ("module", None):
                return ("module", obj[:-2].split("/")[-1])
            return found
    return None


DIR_VAR = re.compile(r"(obj|subdir|core|drivers|libs|net|virt)-(%s)" % VAR_COND)


def _dir_naming(tree, d, cfg):
    """The directory whose Makefile descends into d, None when none does in
    this configuration. Makefiles name a directory from its parent
    ("cio/"), from further up ("char/ipmi/" in drivers/), or, for arch/x86,
    with its path from the top ("arch/x86/pci/" in arch/x86/Makefile)."""
    a = os.path.dirname(d)
    while a:
        names = {d[len(a) + 1:] + "/", d + "/"}
        for var, words, conds in _makefile_rules(tree, a):
            if not names & set(words) or not _conds_true(conds, cfg):
                continue
            m = DIR_VAR.fullmatch(var)
            if not m or _cond(m.group(2), cfg):
                return a  # a form not understood counts as built (best effort)
        a = os.path.dirname(a)
    return None


def _dir_built(tree, d, cfg):
    """Is directory d descended into in this configuration (best effort)? A
    directory no Makefile above names is not: drivers/Makefile has no s390/."""
    while "/" in d and d != "arch/x86":
        d = _dir_naming(tree, d, cfg)
        if d is None:
            return False
    return True


def unit_target(tree, unit, cfg):
    """'vmlinux', a module name, 'lib' or None (not built in this configuration).
    The object is listed by its directory's Makefile or, with a path, by one
    above (i915's Makefile lists display/intel_dp.o); that Makefile's
    directory must be built."""
    d, rel = os.path.dirname(unit), os.path.basename(unit)[:-2] + ".o"
    for _ in range(3):
        found = _find(tree, d, rel, cfg)
        if found or not d:
            break
        d, rel = os.path.dirname(d), os.path.basename(d) + "/" + rel
    if not found or not _dir_built(tree, d, cfg):
        return None
    kind, name = found
    return kind if kind != "module" else name.replace("-", "_")


# Where <name> of an #include <name> is looked for, most specific first.
INCLUDE_ROOTS = ("include/uapi/", "include/", "arch/x86/include/uapi/",
                 "arch/x86/include/generated/", "arch/x86/include/")


def included_paths(rel, quote, name):
    """The tree paths an #include in rel names: "name" is beside rel,
    <name> under one of INCLUDE_ROOTS."""
    if quote == '"':
        return {os.path.normpath(os.path.join(os.path.dirname(rel), name))}
    return {root + name for root in INCLUDE_ROOTS}


def _include_names(header):
    for pre in INCLUDE_ROOTS:
        if header.startswith(pre):
            return header[len(pre):], None
    return os.path.basename(header), os.path.dirname(header)


INCLUDE_LINE = re.compile(r'^([^:]+):\s*#\s*include\s*[<"]([^>"]+)[>"]')


def source_dirs(tree):
    """The top directories of the tree whose sources can be built for x86."""
    return [e for e in sorted(os.listdir(tree))
            if os.path.isdir(os.path.join(tree, e)) and
            e not in ("Documentation", "tools", "scripts", "samples", "usr", "ksplice",
                      "LICENSES", "arch")] + ["arch/x86"]


@functools.lru_cache(maxsize=None)
def _include_index(tree):
    """{included name: [files that #include it]} over the sources that can be
    built for x86: one grep of the tree (~10 s cold, a second warm) instead
    of one per header of a transitive scan."""
    p = subprocess.run(["grep", "-rE", "--include=*.c", "--include=*.h",
                        r'^\s*#\s*include\s*[<"]'] + source_dirs(tree),
                       cwd=tree, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                       text=True, errors="replace")
    index = {}
    for ln in p.stdout.splitlines():
        m = INCLUDE_LINE.match(ln)
        if m:
            index.setdefault(m.group(2), []).append(m.group(1))
    return index


def _grep_includers(tree, header):
    name, local_dir = _include_names(header)
    files = _include_index(tree).get(name, [])
    if local_dir is not None:
        files = [f for f in files if f.startswith(local_dir + "/")]
    return sorted(set(files))


def cmd_includers(tree, header):
    """The units whose last build read header, from kbuild's dependency lists
    (dir/.name.o.cmd); None when the tree has not been built (no vmlinux:
    a tree prepared with modules_prepare only), then the include scan says."""
    if not os.path.isfile(os.path.join(tree, "vmlinux")):
        return None
    p = subprocess.run(["grep", "-rlF", "--include=.*.o.cmd", f"  {header} \\"] +
                       source_dirs(tree), cwd=tree, stdout=subprocess.PIPE,
                       stderr=subprocess.DEVNULL, text=True, errors="replace")
    units = set()
    for cmd in p.stdout.split():
        d, b = os.path.split(cmd)
        unit = os.path.join(d, b[1:-len(".o.cmd")] + ".c")
        if os.path.isfile(os.path.join(tree, unit)):
            units.add(unit)
    return sorted(units)


def header_units(tree, header):
    """The .c files that include header, directly or through other headers."""
    seen, queue, units = {header}, [header], set()
    while queue:
        h = queue.pop()
        for f in _grep_includers(tree, h):
            if f.endswith(".c"):
                units.add(f)
            elif f not in seen:
                if len(seen) >= MAX_SCAN_HEADERS:
                    raise TreeError(f"{header} is included (transitively) by more than "
                                    f"{MAX_SCAN_HEADERS} headers: too widely to handle, "
                                    "not supported")
                seen.add(f)
                queue.append(f)
    return sorted(units)


SUBDIR_LINE = re.compile(r"^\s*(obj|subdir)-[^=]*=(.*)$")


@functools.lru_cache(maxsize=None)
def _listed_subdirs(tree, d):
    """The subdirectories (relative, ending in /) that d's Kbuild or Makefile
    lists in obj-* or subdir-* lines (read once a run: ksplice-create refuses
    patches to Makefiles; a preprocessing pass asks for each of ~300 units)."""
    subs = set()
    for name in ("Kbuild", "Makefile"):
        try:
            with open(os.path.join(tree, d, name), errors="replace") as f:
                text = f.read().replace("\\\n", " ")
        except OSError:
            continue
        for ln in text.splitlines():
            m = SUBDIR_LINE.match(ln)
            if m:
                subs |= {w for w in m.group(2).split() if w.endswith("/")}
    return subs


def single_target_dir(tree, unit):
    """Where kbuild must be entered to build unit's object alone: "." (the
    top, as usual), or, when a directory on the way lists two subdirectories
    that both lead to the unit (drivers/Makefile lists char/ and char/ipmi/),
    the directory of the Makefile that builds it: entered from the top, make
    would compile the object in both, racing, once without -DMODULE."""
    parts = unit.split("/")[:-1]
    for i in range(len(parts)):
        rel = "/".join(parts[i:]) + "/"
        if sum(1 for s in _listed_subdirs(tree, "/".join(parts[:i])) if rel.startswith(s)) > 1:
            d = os.path.dirname(unit)
            while d and not any(os.path.isfile(os.path.join(tree, d, n))
                                for n in ("Kbuild", "Makefile")):
                d = os.path.dirname(d)
            return d or "."
    return "."


def wide_layout_change(tree, patch_text, strip, headers, why):
    """A WideLayoutChange for headers too widely included (why) that change a
    struct, else None: the accurate verdict is "needs custom code"."""
    types = [(h, t) for h in headers for t in header_change.changed_types(
        tree, h, header_change.file_hunks(patch_text, h, strip))]
    if not types:
        return None
    return WideLayoutChange(
        "; ".join(f"[layout] {h}: changes the definition of {t}" for h, t in types) +
        f" ({why.rstrip('.')}): objects that exist keep the old layout, so the update needs "
        "custom code (shadow data for new fields, or a conversion in a ksplice_apply hook)")


IGNORED = re.compile(r"^(Documentation/|LICENSES/|MAINTAINERS$|CREDITS$|README)|\.(rst|txt)$")


def units_of(tree, files, cfg, log, patch_text="", strip=1):
    """{unit: target} for the files of a patch, the units the patch changes
    itself (its .c files; the others are there for a header), and notes."""
    units, notes = {}, []
    candidates = []
    direct = {f for f in files if f.endswith(".c")}
    for f in files:
        if IGNORED.search(f):
            notes.append(f"{f}: documentation, ignored")
        elif f.endswith(".c"):
            candidates.append(f)
        elif f.endswith(".h"):
            added = patch_text and header_change.named_reach(
                tree, f, header_change.file_hunks(patch_text, f, strip), source_dirs(tree))
            if added:
                users = ", ".join(added.users) if added.users else "no other unit"
                notes.append(f"{f}: only adds or changes "
                             f"{', '.join(added.names) or 'no name'} at the top level: "
                             f"reaches the units naming it: {users}")
                candidates += added.users
                continue
            inc, how = cmd_includers(tree, f), "the build's .cmd files"
            if inc is None:
                try:
                    inc, how = header_units(tree, f), "include scan"
                except TreeError as e:
                    raise wide_layout_change(tree, patch_text, strip, [f], str(e)) or e
            built = [u for u in inc if unit_target(tree, u, cfg)]
            notes.append(f"{f}: included by {len(inc)} unit(s), "
                         f"{len(built)} built in this configuration ({how})")
            candidates += built
        elif f.endswith((".S", ".s")):
            raise TreeError(f"assembly changes are not supported: {f}")
        else:
            raise TreeError(f"changes to {f} are not supported (only .c and .h files)")
    for u in candidates:
        t = unit_target(tree, u, cfg)
        if t is None:
            notes.append(f"{u}: not built in this configuration, ignored")
        elif t == "lib":
            raise TreeError(f"{u} is a lib-y object (linked only when used): not supported")
        else:
            units[u] = t
    return units, notes, direct & set(units)


def builtin_units(tree, cfg):
    """Every .c file that kbuild links into vmlinux with this config (the
    Makefile scan of unit_target; x86 only)."""
    units = []
    for top in sorted(os.listdir(tree)):
        if top in ("Documentation", "tools", "scripts", "samples", "usr", "ksplice",
                   "LICENSES", "include") or not os.path.isdir(os.path.join(tree, top)):
            continue
        base = os.path.join(tree, top)
        for d, dirs, files in os.walk(base):
            rel = os.path.relpath(d, tree)
            if rel.startswith("arch/") and not rel.startswith("arch/x86") and rel != "arch":
                dirs[:] = []
                continue
            dirs.sort()
            for f in sorted(files):
                if f.endswith(".c"):
                    u = os.path.join(rel, f)
                    if unit_target(tree, u, cfg) == "vmlinux":
                        units.append(u)
    return units
