"""Can a header change reach the units that include it?

A fix often adds a helper to a header that half the kernel includes
(<linux/string.h>, <linux/dev_printk.h>, <linux/sched.h>) and calls it from
the one .c file it fixes. No other unit can compile differently: none of them
can name what did not exist. additions_only() recognises such a change and
returns the names it adds; ksplice-create then compiles only the patch's own
.c files instead of refusing a header with hundreds of includers.

Sound by construction, or it says no (None): every hunk only adds lines, at
the top level of the header (not inside a struct, an enum, a function or a
multi-line macro); the added text is made only of #define of new macros,
#if/#ifdef/#else/#endif, comments, forward declarations, and function
prototypes or definitions and struct/union/enum definitions whose name is
new; and none of the new names occurs anywhere in the tree. The one way
around it, an existing macro that builds one of the new names by token
pasting (##), is rare enough that we accept it.
"""
import re
import subprocess

HUNK = re.compile(r"^@@ -(\d+)(?:,(\d+))? \+\d+(?:,\d+)? @@")
COMMENT = re.compile(r"/\*.*?\*/|//[^\n]*", re.S)
STRING = re.compile(r'"(?:\\.|[^"\\])*"|\'(?:\\.|[^\'\\])*\'')
DEFINE = re.compile(r"^\s*#\s*define\s+(\w+)")
COND = re.compile(r"^\s*#\s*(if|ifdef|ifndef|elif|else|endif)\b")
FORWARD = re.compile(r"^(struct|union|enum)\s+\w+\s*;$")
TAGGED = re.compile(r"^(?:typedef\s+)?(struct|union|enum)\s+(\w+)\s*\{")
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
    """Is the point after the text `before` at the top level of a header?"""
    code = _code(before)
    if code.count("{") != code.count("}") or code.count("(") != code.count(")"):
        return False
    last = next((ln.strip() for ln in reversed(code.splitlines()) if ln.strip()), "")
    if last.endswith("\\"):
        return False  # inside a multi-line macro
    return not last or last.startswith("#") or last.endswith((";", "}"))


def _insertions(old_lines, start, hunk):
    """[(old line index where the run goes, [added lines])]; None if the hunk
    removes a line or its context is not found."""
    if any(ln.startswith("-") for ln in hunk):
        return None
    context = [ln[1:] for ln in hunk if ln.startswith(" ")]
    # where the context is, nearest the line the hunk names (patch's fuzz 0)
    spots = [i for i in range(len(old_lines) - len(context) + 1)
             if old_lines[i:i + len(context)] == context]
    if not spots:
        return None
    at = min(spots, key=lambda i: abs(i - (start - 1)))
    runs, run, pos = [], None, at
    for ln in hunk:
        if ln.startswith("+"):
            if run is None:
                run = (pos, [])
                runs.append(run)
            run[1].append(ln[1:])
        else:
            run = None
            pos += 1
    return runs


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
    head = flat.split("(", 1)[0] + "(" if "(" in flat else ""
    m = CALLED.search(head)
    if m and m.group(1) not in C_WORDS and not flat.startswith(("#", "DECLARE_", "DEFINE_")):
        return m.group(1)
    return None


def _added_names(lines):
    """The names an added run declares, or None if it does anything else."""
    names, code = [], []
    text = _code("\n".join(lines))
    if text.rstrip().endswith("\\"):
        return None
    joined = re.sub(r"\\\n", " ", text)
    depth = 0
    for ln in joined.splitlines():
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


def _names_in_tree(tree, names, where):
    """The names that occur somewhere in the tree's sources."""
    if not names:
        return set()
    p = subprocess.run(["grep", "-rhowE", "--include=*.c", "--include=*.h",
                        "|".join(sorted(names))] + where, cwd=tree, stdout=subprocess.PIPE,
                       stderr=subprocess.DEVNULL, text=True, errors="replace")
    return set(p.stdout.split()) & set(names)


def additions_only(tree, path, hunks, where):
    """The names a header change adds, if it only adds new declarations at
    the top level (so no unit that does not name them can change); else None."""
    try:
        with open(f"{tree}/{path}", errors="replace") as f:
            old_lines = f.read().splitlines()
    except OSError:
        return None
    names = []
    for start, hunk in hunks:
        runs = _insertions(old_lines, start, hunk)
        if runs is None:
            return None
        for pos, lines in runs:
            if not _top_level("\n".join(old_lines[:pos])):
                return None
            added = _added_names(lines)
            if added is None:
                return None
            names += added
    if not names or _names_in_tree(tree, names, where):
        return None
    return sorted(set(names))
