#!/usr/bin/env python3
"""Lists which modules of tribune-web use which (`crate::...`, `super::...` paths, in `use`
lines and inline) and reports import circles between them.

    python3 scripts/web-imports.py            # circles only; exit 1 when there are any
    python3 scripts/web-imports.py --edges    # every edge, then the circles
    python3 scripts/web-imports.py --dot      # the graph for graphviz

It also checks that route files leave writes to the application layer (src/writes/): a
`store.<method>(` call in src/routes/ whose name says it writes (save_, set_, add_, ...) is
reported, and so is a route that publishes an event or pokes the live streams itself.

A module is a file: `lib.rs` is `crate`, `routes/mod.rs` is `routes`, `routes/site.rs` is
`routes::site`. A path counts towards the longest module it names, so `crate::views::Layout`
is an edge to `views` and `crate::AppError` (a re-export in lib.rs) is an edge to `crate`.
A path may also start at a child module (`routes::site::router()` in lib.rs). A parent
declaring its children (`pub mod x;`) is not an edge; `super::` inside a file's
inline `mod tests` means that file itself, so tests add no edges.
"""

import re
import sys
from pathlib import Path

SRC = Path(__file__).resolve().parent.parent / "crates" / "tribune-web" / "src"


def module_of(path: Path) -> str:
    parts = list(path.relative_to(SRC).with_suffix("").parts)
    if parts[-1] in ("lib", "mod"):
        parts.pop()
    return "::".join(["crate"] + parts)


def strip_comments_and_strings(text: str) -> str:
    """Blanks out comments, string and char literals (keeping line breaks), so a path in a
    doc comment or a message is not taken for an import."""
    out = []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if text.startswith("//", i):
            j = text.find("\n", i)
            i = n if j < 0 else j
        elif text.startswith("/*", i):
            depth, i = 1, i + 2
            while i < n and depth:
                if text.startswith("/*", i):
                    depth, i = depth + 1, i + 2
                elif text.startswith("*/", i):
                    depth, i = depth - 1, i + 2
                else:
                    if text[i] == "\n":
                        out.append("\n")
                    i += 1
        elif c == "r" and re.match(r'r#*"', text[i:]) and (i == 0 or not (text[i - 1].isalnum() or text[i - 1] == "_")):
            hashes = re.match(r"r(#*)\"", text[i:]).group(1)
            end = text.find('"' + hashes, i + 2 + len(hashes))
            end = n if end < 0 else end + 1 + len(hashes)
            out.append('""' + "\n" * text.count("\n", i, end))
            i = end
        elif c == '"':
            j = i + 1
            while j < n and text[j] != '"':
                j += 2 if text[j] == "\\" else 1
            out.append('""' + "\n" * text.count("\n", i, j))
            i = j + 1
        elif c == "'":
            # A char literal ('a', '\n', '\u{2028}'), or a lifetime ('a) which stays.
            m = re.match(r"'(\\u\{[0-9a-fA-F]+\}|\\.|[^\\'])'", text[i:])
            if m:
                out.append("' '")
                i += len(m.group(0))
            else:
                out.append(c)
                i += 1
        else:
            out.append(c)
            i += 1
    return "".join(out)


def expand_use_tree(tree: str):
    """`crate::{a, b::{c, d}}` -> ["crate::a", "crate::b::c", "crate::b::d"]."""
    # `x as y` names x; then whitespace means nothing.
    tree = re.sub(r"\s+as\s+\w+", "", tree)
    tree = re.sub(r"\s+", "", tree)

    def split_top(s):
        parts, depth, cur = [], 0, ""
        for ch in s:
            if ch == "{":
                depth += 1
            elif ch == "}":
                depth -= 1
            if ch == "," and depth == 0:
                parts.append(cur)
                cur = ""
            else:
                cur += ch
        if cur:
            parts.append(cur)
        return parts

    def walk(prefix, s):
        brace = s.find("{")
        if brace < 0:
            yield prefix + s
            return
        head, body = s[:brace], s[brace + 1 : s.rfind("}")]
        for part in split_top(body):
            yield from walk(prefix + head, part)

    yield from walk("", tree)


def inline_mod_spans(code: str):
    """(start, end) offsets of inline `mod name { ... }` bodies."""
    spans = []
    for m in re.finditer(r"\bmod\s+\w+\s*\{", code):
        depth, i = 1, m.end()
        while i < len(code) and depth:
            if code[i] == "{":
                depth += 1
            elif code[i] == "}":
                depth -= 1
            i += 1
        spans.append((m.start(), i))
    return spans


def resolve(path: str, here: str, in_inline_mod: bool, modules: set) -> str | None:
    segs = path.split("::")
    if segs[0] == "crate":
        base = ["crate"]
    elif segs[0] in ("super", "self"):
        base = here.split("::")
        # In an inline module, `super` is the file's own module.
        ups = 0
        while segs and segs[0] in ("super", "self"):
            if segs[0] == "super":
                ups += 1
            segs = segs[1:]
        ups -= 1 if in_inline_mod else 0
        if ups > 0:
            base = base[:-ups]
        segs = ["_"] + segs
    elif here + "::" + segs[0] in modules:
        # A child module named from its parent (lib.rs: `routes::site::router()`).
        base, segs = here.split("::"), ["_"] + segs
    else:
        return None
    parts = base + [s for s in segs[1:] if s and s != "*"]
    for k in range(len(parts), 0, -1):
        candidate = "::".join(parts[:k])
        if candidate in modules:
            return candidate
    return None


def edges():
    files = sorted(SRC.rglob("*.rs"))
    modules = {module_of(f) for f in files}
    found = {}
    for f in files:
        here = module_of(f)
        code = strip_comments_and_strings(f.read_text())
        spans = inline_mod_spans(code)
        paths = []
        for m in re.finditer(r"\b(?:pub(?:\([^)]*\))?\s+)?use\s+([^;]+);", code):
            for p in expand_use_tree(m.group(1)):
                paths.append((m.start(), p))
        # Paths written inline (`crate::live::Live::default()`), outside `use` lines.
        no_use = re.sub(r"\buse\s+[^;]+;", lambda m: " " * len(m.group(0)), code)
        for m in re.finditer(r"(?<![\w:])(\w+(?:::\w+)+)", no_use):
            paths.append((m.start(), m.group(1)))
        for at, p in paths:
            inside = any(s <= at < e for s, e in spans)
            target = resolve(p, here, inside, modules)
            if target and target != here:
                found.setdefault((here, target), []).append(f"{f.relative_to(SRC)}: {p}")
    return modules, found


def cycles(modules, found):
    """Strongly connected components with more than one module (Tarjan)."""
    graph = {m: sorted({t for (s, t) in found if s == m}) for m in modules}
    index, low, stack, on, out = {}, {}, [], set(), []
    counter = [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    sys.setrecursionlimit(10000)
    for v in sorted(modules):
        if v not in index:
            visit(v)
    return out


# Store methods that write, by their names (the Store traits in tribune-core/src/store.rs).
WRITES = re.compile(
    r"^(save|set|create|update|add|edit|delete|vote|report|moderate|write|autosave|discard|"
    r"contest|resolve|handle|take|revoke|import|restore|change|rotate|store)_?"
)
READS = {"autosaved", "contests", "contest_by_id"}


def routes_that_write():
    """Places in src/routes/ that write or announce by hand instead of through writes/."""
    found = []
    for f in sorted((SRC / "routes").rglob("*.rs")):
        code = strip_comments_and_strings(f.read_text())
        for m in re.finditer(r"store\s*\.\s*([a-z_]+)\s*\(", code):
            if WRITES.match(m.group(1)) and m.group(1) not in READS:
                found.append(f"{f.relative_to(SRC)}:{code.count(chr(10), 0, m.start()) + 1}: store.{m.group(1)}")
        for m in re.finditer(r"\.(publish|poke)\s*\(", code):
            found.append(f"{f.relative_to(SRC)}:{code.count(chr(10), 0, m.start()) + 1}: .{m.group(1)}(")
    return found


def main():
    modules, found = edges()
    if "--dot" in sys.argv:
        print("digraph web {")
        for s, t in sorted(found):
            print(f'  "{s}" -> "{t}";')
        print("}")
        return 0
    if "--edges" in sys.argv:
        for (s, t), where in sorted(found.items()):
            print(f"{s} -> {t}   ({len(where)}: {where[0]})")
        print()
    circles = cycles(modules, found)
    two_way = sorted((s, t) for (s, t) in found if s < t and (t, s) in found)
    for s, t in two_way:
        print(f"two-way: {s} <-> {t}")
    for comp in circles:
        print(f"circle of {len(comp)}: " + ", ".join(comp))
    writing = routes_that_write()
    for w in writing:
        print(f"route writes by hand: {w}")
    if not circles:
        print(f"no import circles among {len(modules)} modules ({len(found)} edges)")
    if not writing:
        print("routes leave every write to the application layer (src/writes/)")
    return 1 if circles or writing else 0


if __name__ == "__main__":
    sys.exit(main())
