"""Can a header change reach the units that include it?

A fix often adds a helper to a header that half the kernel includes
(<linux/string.h>, <linux/dev_printk.h>, <linux/sched.h>) and calls it from
the one .c file it fixes, or renames a function all of whose callers it
changes (hugetlb.h's isolate_hugetlb). Only a unit that names what the change
adds, removes or changes can compile differently: named_reach() recognises
such a change and returns the names and the .c files that name them;
ksplice-create then compiles those and the patch's own .c files instead of
refusing a header with hundreds of includers. A prototype another header
already has word for word reaches no unit. A name may exist already: sock.h
gaining the prototype of skbuff.c's static sock_rmem_free reaches skbuff.c
(which then no longer compiles without its own part of the fix) and nothing
else.

The header is compared item by item: a preprocessor line, or a whole
top-level declaration or definition (comments left out, a struct with its
inner #ifdefs one item). Sound by construction, or it says no (None): every
added or removed item is a #define, a balanced #if/#ifdef/#else/#endif, a
forward declaration, a function prototype or definition, or a
struct/union/enum definition, each naming what it declares (#include,
#undef, macro invocations at the top level are refused); no other header
and no assembly file names a name added, removed or changed, and this one
names it nowhere but in the items the change removes (else includers could
change without naming it: a struct that a prototype of the header names is
refused). Any .c file that names one is reached and compiled, and the
analyzer then judges what changed (a layout change, a prototype). The one
way around it, an existing macro that builds one of the names by token
pasting (##), is rare enough that we accept it.
"""
import difflib
import re
import subprocess

HUNK = re.compile(r"^@@ -(\d+)(?:,(\d+))? \+\d+(?:,\d+)? @@")
COMMENT = re.compile(r"/\*.*?\*/|//[^\n]*", re.S)
STRING = re.compile(r'"(?:\\.|[^"\\])*"|\'(?:\\.|[^\'\\])*\'')
DEFINE = re.compile(r"^\s*#\s*define\s+(\w+)")
COND = re.compile(r"^\s*#\s*(if|ifdef|ifndef|elif|else|endif)\b")
FORWARD = re.compile(r"^(struct|union|enum)\s+\w+\s*;$")
TAGGED = re.compile(r"^(?:typedef\s+)?(struct|union|enum)\s+(\w+)\s*\{")
LEADING_ATTRIBUTE = re.compile(r"^(?:__\w+\s*\((?:[^()]|\([^()]*\))*\)\s*)+")
CALLED = re.compile(r"(\w+)\s*\($")
C_WORDS = {"if", "for", "while", "switch", "return", "sizeof", "typeof", "__typeof__",
           "__attribute__", "__aligned", "__printf", "__must_check", "alignof"}


def file_hunks(patch_text, path, strip):
    """[(old start line, [hunk lines])] of path's section in a unified diff."""
    hunks, mine, cur = [], False, None
    for ln in patch_text.splitlines():
        if ln.startswith("--- "):
            mine, cur = False, None
        elif ln.startswith("+++ "):
            name = ln[4:].split("\t")[0].strip().split("/")[strip:]
            mine = "/".join(name) == path
        elif mine and HUNK.match(ln):
            cur = []
            hunks.append((int(HUNK.match(ln).group(1)), cur))
        elif mine and cur is not None and ln[:1] in (" ", "+", "-", ""):
            cur.append(ln if ln else " ")
    return hunks


def _code(text):
    """text without comments and string literals (their braces do not count)."""
    return STRING.sub('""', COMMENT.sub(" ", text))


def _top_level(before):
    """Is the point after the code lines `before` (_code_lines: no comments,
    a multi-line macro joined into one line) at the top level of a header?"""
    code = "\n".join(before)
    if code.count("{") != code.count("}") or code.count("(") != code.count(")"):
        return False
    last = before[-1] if before else ""
    return not last or last.startswith("#") or last.endswith((";", "}"))


def _apply(old_lines, hunks):
    """The new version of the file (its hunks applied where their old side
    is found, nearest the line they name); None if one is not found."""
    out, done = [], 0
    for start, hunk in hunks:
        old_side = [ln[1:] for ln in hunk if ln[:1] in (" ", "-")]
        new_side = [ln[1:] for ln in hunk if ln[:1] in (" ", "+")]
        spots = [i for i in range(done, len(old_lines) - len(old_side) + 1)
                 if old_lines[i:i + len(old_side)] == old_side]
        if not spots:
            return None
        at = min(spots, key=lambda i: abs(i - (start - 1)))
        out += old_lines[done:at] + new_side
        done = at + len(old_side)
    return out + old_lines[done:]


def _code_lines(lines):
    """The lines of code, comments and blank lines left out, each stripped."""
    text = re.sub(r"\\\n", " ", _code("\n".join(lines)))
    return [ln.strip() for ln in text.splitlines() if ln.strip()]


def _items(lines):
    """Code lines folded into top-level items: a preprocessor line, or a
    whole declaration or definition on one line (its inner #ifdefs kept),
    so that a renamed inline function is one changed item, not a changed
    first line. Unbalanced code is left as it is (the checks refuse it)."""
    out, cur, depth = [], [], 0
    for ln in lines:
        if not cur and ln.startswith("#"):
            out.append(ln)
            continue
        cur.append(ln)
        if ln.startswith("#"):
            continue  # a conditional inside a struct or a function
        depth += ln.count("{") - ln.count("}") + ln.count("(") - ln.count(")")
        if depth < 0:
            return lines
        text = " ".join(cur)
        head = text.split("{", 1)[0]
        body_ends = ln.endswith("}") and "(" in head and "=" not in head
        if depth == 0 and (ln.endswith(";") or body_ends):
            out.append(text)
            cur = []
    return lines if cur else out


def _insertions(old_lines, hunks):
    """The old code lines, [(index in them, [added code lines])] and the
    removed code lines of a change, comments and blank lines aside; None if
    the file's hunks are not found."""
    new_lines = _apply(old_lines, hunks)
    if new_lines is None:
        return None
    old_code, new_code = _items(_code_lines(old_lines)), _items(_code_lines(new_lines))
    runs, removed = [], []
    sm = difflib.SequenceMatcher(None, old_code, new_code, autojunk=False)
    for op, i1, i2, j1, j2 in sm.get_opcodes():
        if op != "equal":
            i1, i2, j1, j2 = _balanced_window(old_code, new_code, i1, i2, j1, j2)
        if op in ("insert", "replace"):
            runs.append((i1, new_code[j1:j2]))
        if op in ("delete", "replace"):
            removed.append((i1, old_code[i1:i2]))
    return old_code, _merge_runs(old_code, runs), removed


def _cond_depth(items):
    return sum({"if": 1, "ifdef": 1, "ifndef": 1, "endif": -1}.get(
        COND.match(i).group(1), 0) for i in items if COND.match(i))


def _balanced_window(old_code, new_code, i1, i2, j1, j2):
    """Widen a changed window over the equal #endif after it (or #if before
    it) that difflib left out, when that balances both sides: moduleparam.h's
    "#ifdef CONFIG_SYSFS ... #else ..." replaced by "#ifdef CONFIG_MODULES
    ...", the same #endif closing both. Else the window as it was."""
    a1, a2, b1, b2 = i1, i2, j1, j2
    while _cond_depth(old_code[a1:a2]) > 0 and _cond_depth(new_code[b1:b2]) > 0 and \
            a2 < len(old_code) and b2 < len(new_code) and old_code[a2] == new_code[b2] and \
            old_code[a2].startswith("#endif"):
        a2, b2 = a2 + 1, b2 + 1
    while _cond_depth(old_code[a1:a2]) < 0 and _cond_depth(new_code[b1:b2]) < 0 and \
            a1 > 0 and b1 > 0 and old_code[a1 - 1] == new_code[b1 - 1] and \
            re.match(r"#\s*if", old_code[a1 - 1]):
        a1, b1 = a1 - 1, b1 - 1
    if _cond_depth(old_code[a1:a2]) == 0 and _cond_depth(new_code[b1:b2]) == 0:
        return a1, a2, b1, b2
    return i1, i2, j1, j2


def _merge_runs(old_code, runs):
    """Slide each run back over equal lines and join runs that meet: difflib
    may split an added "#ifdef ... #endif" block around an old "#endif"."""
    merged = []
    for at, lines in runs:
        floor = merged[-1][0] if merged else 0
        while at > floor and old_code[at - 1] == lines[-1]:
            lines, at = [old_code[at - 1]] + lines[:-1], at - 1
        if merged and merged[-1][0] == at:
            merged[-1] = (at, merged[-1][1] + lines)
        else:
            merged.append((at, lines))
    return merged


def _run_names(old_code, at, lines):
    """The names an inserted run adds, trying each equivalent place for it (a
    diff may put an added block's "#endif" before the old one it matches,
    "#endif" then being the run's first line instead of its last)."""
    for _ in range(len(lines)):
        if _top_level(old_code[:at]):
            added = _added_names(lines)
            if added is not None:
                return added
        if at < len(old_code) and old_code[at] == lines[0]:
            lines, at = lines[1:] + [lines[0]], at + 1
        else:
            break
    return None


def _statements(code):
    """Top-level C statements of code (no preprocessor lines)."""
    out, depth, cur = [], 0, []
    for ch in code:
        cur.append(ch)
        if ch == "{":
            depth += 1
        elif ch == "}":
            depth -= 1
            if depth == 0:
                rest = "".join(cur).strip()
                if not re.match(r"^(typedef\s+)?(struct|union|enum)\b", rest):
                    out.append(rest)  # a function body ends the statement
                    cur = []
        elif ch == ";" and depth == 0:
            out.append("".join(cur).strip())
            cur = []
        if depth < 0:
            return None
    if depth or "".join(cur).strip():
        return None
    return out


def _declared(statement):
    """The name a top-level statement declares; "" for a forward declaration;
    None when it is anything else."""
    flat = " ".join(statement.split())
    if FORWARD.match(flat):
        return ""
    m = TAGGED.match(flat)
    if m:
        return m.group(2)
    flat = LEADING_ATTRIBUTE.sub("", flat)  # __printf(3, 4) int f(...);
    head = flat.split("(", 1)[0] + "(" if "(" in flat else ""
    m = CALLED.search(head)
    if m and m.group(1) not in C_WORDS and not flat.startswith(("#", "DECLARE_", "DEFINE_")):
        return m.group(1)
    return None


def _added_names(lines):
    """The names an added run of code lines (_code_lines) declares, or None
    if it does anything else."""
    names, code = [], []
    depth = 0
    for ln in lines:
        if DEFINE.match(ln):
            names.append(DEFINE.match(ln).group(1))
        elif COND.match(ln):
            kind = COND.match(ln).group(1)
            depth += {"if": 1, "ifdef": 1, "ifndef": 1, "endif": -1}.get(kind, 0)
            if depth < 0 or (depth == 0 and kind in ("else", "elif")):
                return None  # closes or splits a conditional of the header
        elif ln.lstrip().startswith("#"):
            return None  # #include, #undef, #pragma...: could change what follows
        else:
            code.append(ln)
    stmts = _statements("\n".join(code))
    if stmts is None or depth:
        return None
    for s in stmts:
        name = _declared(s)
        if name is None:
            return None
        if name:
            names.append(name)
    return names


def _prototypes(lines):
    """{name: declaration} of the function prototypes in a run of added code
    lines, each declaration with "extern" left out and spaces normalised."""
    out = {}
    for stmt in _statements("\n".join(ln for ln in lines if not ln.startswith("#"))) or []:
        name = _declared(stmt)
        if name and stmt.endswith(";") and "{" not in stmt and \
                not re.match(r"^(typedef|struct|union|enum)\b", stmt):
            out[name] = _normalised(stmt)
    return out


def _normalised(code):
    return " ".join(re.sub(r"\bextern\s+", "", code).split())


def _declared_elsewhere(tree, path, decl, naming):
    """Does another header (of those naming the function) declare it exactly
    so already? Then a copy of the declaration changes no unit: one that
    names the function had a declaration in scope (the kernel builds with
    -Werror=implicit-function-declaration). dev_printk.h gains the prototype
    of dev_err_probe that device.h has."""
    for h in sorted(f for f in naming if f.endswith(".h") and f != path):
        try:
            with open(f"{tree}/{h}", errors="replace") as f:
                code = _normalised(" ".join(_code_lines(f.read().splitlines())))
        except OSError:
            continue
        if decl in code:
            return True
    return False


def name_sites(tree, names, where):
    """{name: [(path, line text)]}: where each name occurs as a word in the
    C, header and assembly sources under the tree's directories where, one
    grep (the analyzer asks it of a function whose prototype changes)."""
    sites = {n: [] for n in names}
    if not names:
        return sites
    alternation = "|".join(sorted(map(re.escape, names)))
    p = subprocess.run(["grep", "-rnwHE", "--include=*.c", "--include=*.h", "--include=*.S",
                        alternation] + where, cwd=tree, stdout=subprocess.PIPE,
                       stderr=subprocess.DEVNULL, text=True, errors="replace")
    word = re.compile(r"\b(%s)\b" % alternation)
    for ln in p.stdout.splitlines():
        path, _, rest = ln.partition(":")
        text = rest.partition(":")[2]
        for n in set(word.findall(text)):
            sites[n].append((path, text))
    return sites


def _files_naming(tree, names, where):
    """{name: the source files of the tree in which it occurs}."""
    return {n: {path for path, _ in s} for n, s in name_sites(tree, names, where).items()}


def _read_change(tree, path, hunks):
    """_insertions of a header change, or None (no such header, a hunk not
    found)."""
    try:
        with open(f"{tree}/{path}", errors="replace") as f:
            return _insertions(f.read().splitlines(), hunks)
    except OSError:
        return None


def _removed_names(old_code, removed):
    """The names removed runs of code lines define: macros, or declarations
    at the top level (prototypes, inline functions, types: hugetlb.h's
    isolate_hugetlb renamed); None if they remove anything else."""
    names = []
    for at, lines in removed:
        if all(DEFINE.match(ln) for ln in lines):
            names += [DEFINE.match(ln).group(1) for ln in lines]
            continue
        gone = _added_names(lines) if _top_level(old_code[:at]) else None
        if gone is None:
            return None
        names += gone
    return names


def _named_elsewhere_in(old_code, names, removed):
    """Does the header itself name an added or removed name elsewhere than
    in what the change removes? Its includers could change."""
    def count(name, lines):
        return sum(len(re.findall(r"\b%s\b" % re.escape(name), ln)) for ln in lines)
    gone_lines = [ln for _, run in removed for ln in run]
    return any(count(n, old_code) != count(n, gone_lines) for n in names)


class Reach:
    """Where a header change reaches: the names it adds (or changes), and the
    .c files of the tree that name one of them or one it removes (only they
    can change)."""

    def __init__(self, names, users):
        self.names, self.users = names, users


def named_reach(tree, path, hunks, where):
    """The Reach of a header change that only adds, removes or changes
    declarations at the top level, so that no unit which does not name them
    can change; else None. Comments do not count: a change to them alone
    reaches no unit."""
    found = _read_change(tree, path, hunks)
    if found is None:
        return None
    old_code, runs, removed = found
    if not runs and not removed:
        return Reach([], [])  # comments only (lines shift: __LINE__ is not code)
    gone = _removed_names(old_code, removed)
    if gone is None:
        return None
    names, protos = [], {}
    for at, lines in runs:
        added = _run_names(old_code, at, lines)
        if added is None:
            return None
        names += added
        protos.update(_prototypes(lines))
    if not names and not gone or _named_elsewhere_in(old_code, names + gone, removed):
        return None
    naming = _files_naming(tree, set(names + gone), where)
    copies = {n for n, d in protos.items()
              if n not in gone and _declared_elsewhere(tree, path, d, naming[n])}
    users = set().union(*(naming[n] for n in set(names + gone) - copies)) - {path}
    if any(not f.endswith(".c") for f in users):
        return None  # a header naming them (its includers could change), or assembly
    return Reach(sorted(set(names)), sorted(users))


CALLBACK = re.compile(r"\(\s*\*\s*(\w+)\s*\)\s*\(")


def _without_callback_parameters(item):
    """A struct definition with the parameter lists of its function pointer
    members left out: a callback's prototype is no layout (the plugin's
    layout checksum agrees; xfrm.h's xfrm_mgr.migrate gains a parameter)."""
    out, i = [], 0
    for m in CALLBACK.finditer(item):
        if m.start() < i:
            continue
        depth, j = 1, m.end()
        while j < len(item) and depth:
            depth += {"(": 1, ")": -1}.get(item[j], 0)
            j += 1
        out.append(item[i:m.end()] + ")")
        i = j
    return "".join(out) + item[i:]


def changed_types(tree, path, hunks):
    """The structs and unions whose definition a header change rewrites
    (fwnode.h's struct fwnode_handle), but for the parameters of callbacks:
    a layout change when objects exist."""
    found = _read_change(tree, path, hunks)
    if found is None:
        return []

    def tagged(runs):
        defs = {}
        for _, items in runs:
            for item in items:
                flat = " ".join(item.split())
                m = TAGGED.match(flat)
                if m and m.group(1) in ("struct", "union"):
                    defs.setdefault(m.group(1) + " " + m.group(2), set()).add(
                        _without_callback_parameters(flat))
        return defs
    _, runs, removed = found
    added, gone = tagged(runs), tagged(removed)
    return sorted(t for t in set(added) & set(gone) if added[t] != gone[t])
