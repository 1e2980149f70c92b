"""Can a unit's code change when its preprocessed source changes?

A header change reaches every unit that includes the header; ksplice-create
preprocesses them before and after the patch and compiles only those whose
preprocessed source differs. Most kernel headers are full of static inline
functions a given unit never calls, and gcc emits no code for those: a fix
that adds or changes one (ppp_defs.h's new ppp_skb_is_compressed_proto,
included by 119 units) changes the preprocessed source of every includer
and the code of only the few that call it.

code_digest() hashes a preprocessed file without its line markers, blank
lines and the definitions of static inline functions whose name appears
nowhere else in the unit (or only in other such definitions). Two files with the same code digest compile to the
same code. It is conservative: a definition is kept when the name appears
anywhere else (a call, an address taken, an asm string, a member of the same
name), when its attributes could emit it anyway (used, constructor,
section, alias), or when its header does not parse as a plain definition.
"""
import collections
import hashlib
import re

# What can hold braces or semicolons that are not the code's own: string
# and character literals; then the structure itself.
_TOKEN = re.compile(rb'"(?:\\.|[^"\\\n])*"|\'(?:\\.|[^\'\\\n])*\'|[{};]')
_WORD = re.compile(rb"[A-Za-z_]\w*")
_INLINE = re.compile(rb"\b(?:inline|__inline__|__inline)\b")
_EMITTED_ANYWAY = re.compile(rb"\b(?:__used__|used|constructor|destructor|section|"
                             rb"__section__|alias|externally_visible)\b")
# __attribute__((...)) with up to two more levels of parentheses inside
_ATTRIBUTE = re.compile(rb"__attribute__\s*\(\((?:[^()]|\((?:[^()]|\([^()]*\))*\))*\)\)")
_CALLED_NAME = re.compile(rb"([A-Za-z_]\w*)\s*\(")


def _source_lines(path):
    """The file without line markers and blank lines (gcc -E output)."""
    with open(path, "rb") as f:
        return b"".join(ln for ln in f if ln.strip() and not ln.startswith(b"#"))


def _top_level_items(text):
    """(start, end) of each top-level item: a declaration ending in ';' or a
    definition ending in its closing brace."""
    depth, start = 0, 0
    for m in _TOKEN.finditer(text):
        c = m.group()
        if c == b"{":
            depth += 1
        elif c == b"}":
            depth -= 1
            if depth == 0:
                yield start, m.end()
                start = m.end()
        elif c == b";" and depth == 0:
            yield start, m.end()
            start = m.end()


def _static_inline_name(item):
    """The name a static inline function definition defines, else None."""
    item = item.lstrip()
    if not item.startswith(b"static") or not item.endswith(b"}"):
        return None
    head = item[:item.find(b"{")]
    if not _INLINE.search(head) or _EMITTED_ANYWAY.search(head):
        return None
    head = _ATTRIBUTE.sub(b" ", head).rstrip()
    m = _CALLED_NAME.search(head)
    # "static inline T name(params)": one parameter list, last in the head
    if not m or not head.endswith(b")") or head.count(b"(") != 1:
        return None
    return m.group(1)


def unused_inlines(text):
    """(start, end, name) of the static inline definitions in text whose
    name appears nowhere else, but in other such definitions (fat.h's
    fat_mode_can_hold_ro is called only by fat_make_mode, which namei_msdos.c
    does not call)."""
    uses = collections.Counter(_WORD.findall(text))
    defs = []
    for s, e in _top_level_items(text):
        name = _static_inline_name(text[s:e])
        if name:
            # its own lines: from its first character to its line's end
            s += len(text[s:e]) - len(text[s:e].lstrip())
            defs.append((s, e + 1 if text[e:e + 1] == b"\n" else e, name))
    unused, left = [], defs
    while True:
        now = [d for d in left if uses[d[2]] == 1]
        if not now:
            break
        for s, e, _ in now:
            uses.subtract(_WORD.findall(text[s:e]))
        unused += now
        left = [d for d in left if uses[d[2]] > 0]
    return sorted(unused)


def code_digest(path):
    """sha256 of a preprocessed file without what cannot make code: line
    markers, blank lines, unused static inline definitions."""
    text = _source_lines(path)
    h = hashlib.sha256()
    pos = 0
    for s, e, _ in unused_inlines(text):
        h.update(text[pos:s])
        pos = e
    h.update(text[pos:])
    return h.hexdigest()


def raw_digest(path):
    """sha256 of a preprocessed file without line markers and blank lines."""
    return hashlib.sha256(_source_lines(path)).hexdigest()
