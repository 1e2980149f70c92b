"""Can a unit's code change when its preprocessed source changes?

A header change reaches every unit that includes the header; ksplice-create
preprocesses them before and after the patch and compiles only those whose
preprocessed source differs. Most kernel headers are full of static inline
functions a given unit never calls, and gcc emits no code for those: a fix
that adds or changes one (ppp_defs.h's new ppp_skb_is_compressed_proto,
included by 119 units) changes the preprocessed source of every includer
and the code of only the few that call it.

code_digest() hashes a preprocessed file without its line markers, blank
lines and the definitions that emit nothing unless used, when their name
appears nowhere else in the unit (or only in other such definitions):
static inline functions, function declarations, struct and union
definitions. Two files with the same code digest compile to the same code
(but for the numbers of local labels: __func__.22 may become __func__.2).
It is conservative: a definition is kept when its name appears anywhere
else (a call, an address taken, an asm string, a member of the same name),
when its attributes could emit it anyway (used, constructor, section,
alias), when it defines more than one name (a nested tagged struct, an
enum's constants), or when it does not parse as a plain definition.
"""
import collections
import hashlib
import os
import re

# What can hold braces or semicolons that are not the code's own: string
# and character literals; then the structure itself.
_TOKEN = re.compile(rb'"(?:\\.|[^"\\\n])*"|\'(?:\\.|[^\'\\\n])*\'|[{};]')
_WORD = re.compile(rb"[A-Za-z_]\w*")
_ASM = re.compile(rb"\b(?:asm|__asm__|__asm)\b")
_INLINE = re.compile(rb"\b(?:inline|__inline__|__inline)\b")
_EMITTED_ANYWAY = re.compile(rb"\b(?:__used__|used|constructor|destructor|section|"
                             rb"__section__|alias|externally_visible)\b")
# __attribute__((...)) with up to two more levels of parentheses inside
_ATTRIBUTE = re.compile(rb"__attribute__\s*\(\((?:[^()]|\((?:[^()]|\([^()]*\))*\))*\)\)")
_CALLED_NAME = re.compile(rb"([A-Za-z_]\w*)\s*\(")


def _source_lines(path):
    """The file without line markers and blank lines (gcc -E output); a
    #pragma stays (pack changes a layout)."""
    with open(path, "rb") as f:
        return b"".join(ln for ln in f if ln.strip() and
                        (not ln.startswith(b"#") or ln.startswith(b"#pragma")))


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


def _plain_head(head):
    """A function's head without attributes when it is "T name(params)": one
    parameter list, last in the head (a function returning a function
    pointer, "int (*fp)(void)" variables and the like are not)."""
    head = _ATTRIBUTE.sub(b" ", head).rstrip()
    if not head.endswith(b")") or head.count(b"(") != 1:
        return None
    return head


def _static_inline_name(item):
    """The name a static inline function definition defines, else None."""
    if not item.startswith(b"static") or not item.endswith(b"}"):
        return None
    head = item[:item.find(b"{")]
    if not _INLINE.search(head) or _EMITTED_ANYWAY.search(head):
        return None
    head = _plain_head(head)
    m = head and _CALLED_NAME.search(head)
    return m.group(1) if m else None


def _prototype_name(item):
    """The name a function declaration "T name(params);" declares, else None
    (a declaration emits nothing; a variable, even uninitialised, may)."""
    if not item.endswith(b");") or b"{" in item or b"=" in item or \
            item.startswith(b"typedef") or _EMITTED_ANYWAY.search(item) or _ASM.search(item):
        return None
    head = _plain_head(item[:-1])
    m = head and _CALLED_NAME.search(head)
    # a return type first: "asm(...);" and "_Static_assert(...);" are no declarations
    return m.group(1) if m and _WORD.search(head[:m.start()]) else None


_STRUCT_HEAD = re.compile(rb"(?:struct|union)\s+([A-Za-z_]\w*)\s*\{")
_TAGGED = re.compile(rb"\b(?:struct|union|enum)\s+[A-Za-z_]\w*\s*\{|\benum\b")


def _struct_tag(item, following):
    """The tag a "struct TAG { ... };" definition (no variable declared)
    defines, else None; following: the item after it (the ";"). One that
    defines more names (a nested tagged struct, an enum's constants) is not
    one definition."""
    if following.strip() != b";" or not item.endswith(b"}") or len(_TAGGED.findall(item)) != 1:
        return None
    m = _STRUCT_HEAD.match(_ATTRIBUTE.sub(b" ", item[:item.find(b"{") + 1]))
    return m.group(1) if m else None


def _definitions(text):
    """(start, end, name) of each definition that emits no code unless its
    name is used: static inline functions, function declarations, struct
    and union definitions; start..end are its own lines."""
    items = list(_top_level_items(text))
    found = []
    for i, (s, e) in enumerate(items):
        item = text[s:e].lstrip()
        s = e - len(item)
        name = _static_inline_name(item) or _prototype_name(item)
        if not name and i + 1 < len(items):
            name = _struct_tag(item, text[items[i + 1][0]:items[i + 1][1]])
            e = items[i + 1][1] if name else e
        if name:
            found.append((s, e + 1 if text[e:e + 1] == b"\n" else e, name))
    return found


def unused_definitions(text):
    """(start, end, name) of the definitions of _definitions() whose name
    appears nowhere else, but in other such unused definitions (fat.h's
    fat_mode_can_hold_ro is called only by fat_make_mode, which namei_msdos.c
    does not call; ib_verbs.h's struct ib_block_iter is named only by inline
    functions and declarations the RDMA drivers but a few do not use)."""
    uses = collections.Counter(_WORD.findall(text))
    unused, left = [], _definitions(text)
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
    markers, blank lines, unused definitions (unused_definitions)."""
    text = _source_lines(path)
    h = hashlib.sha256()
    pos = 0
    for s, e, _ in unused_definitions(text):
        h.update(text[pos:s])
        pos = e
    h.update(text[pos:])
    return h.hexdigest()


def raw_digest(path):
    """sha256 of a preprocessed file without line markers and blank lines."""
    return hashlib.sha256(_source_lines(path)).hexdigest()


def _version():
    """A digest of this file: a code digest made by another version of it
    is not reused."""
    with open(__file__, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()[:16]


def code_digests(files, cache, compute):
    """{raw digest: code digest} of files, [(path, raw digest)]: read from
    cache, a directory of code digests named by the raw digest of the file
    they were made from (content-addressed, so never stale), else computed
    by compute(paths) -> digests (a process pool's map) and kept there.
    Creates on one tree preprocess the same units before the patch every
    time, and a series of fixes the same units after it (rdma's seven
    drivers, each with ib_verbs.h's 489 includers: some 6 minutes of code
    digests on 2 cores)."""
    cache = os.path.join(cache, _version())
    known, todo = {}, {}
    for path, raw in files:
        try:
            with open(os.path.join(cache, raw)) as f:
                known[raw] = f.read().strip()
        except OSError:
            todo.setdefault(raw, path)
    if todo:
        got = compute(list(todo.values()))
        os.makedirs(cache, exist_ok=True)
        for raw, digest in zip(todo, got):
            known[raw] = digest
            tmp = os.path.join(cache, "%s.tmp%d" % (raw, os.getpid()))
            with open(tmp, "w") as f:
                f.write(digest + "\n")
            os.replace(tmp, os.path.join(cache, raw))
    return known
