#!/usr/bin/env python3
"""The import graph of src/: which module file uses which, its circles, and the imports
that run up the layers (docs/architecture.md draws them).

Usage: scripts/import_graph.py [--check]   (--check exits 1 on a circle or > 3 upward
imports). A module is a file under src/; `use crate::a::b::c` resolves to the longest
prefix that names a file (`src/a/b.rs` or `src/a/b/mod.rs`)."""
import os, re, sys, itertools

SRC = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "src")

# Layer of each top-level module, from the bottom. A file may import its own layer or below.
LAYERS = [
    ["config", "clock", "http", "log_sink", "fixtures", "model"],
    ["store"],
    ["stripe"],
    ["qa", "webhooks"],
    ["app"],
    ["engine"],
    ["resources"],
    ["api", "control", "auth_page"],
    ["dispatch"],
    ["server", "cli", "lib", "main", "testing", "mock_server"],
]
LAYER_OF = {m: i for i, ms in enumerate(LAYERS) for m in ms}


def module_of(path):
    rel = os.path.relpath(path, SRC)[:-3].split(os.sep)
    if rel[-1] == "mod":
        rel = rel[:-1]
    return tuple(rel)


def files():
    for root, _, names in os.walk(SRC):
        for n in names:
            if n.endswith(".rs"):
                yield os.path.join(root, n)


def strip_tests(text):
    # Drop `#[cfg(test)] mod tests { ... }` blocks: test code may import anything.
    out, i = [], 0
    for m in re.finditer(r"#\[cfg\(test\)\]\s*(pub(\(crate\))?\s+)?mod\s+\w+\s*\{", text):
        if m.start() < i:
            continue
        out.append(text[i:m.start()])
        depth, j = 1, m.end()
        while j < len(text) and depth:
            depth += {"{": 1, "}": -1}.get(text[j], 0)
            j += 1
        i = j
    out.append(text[i:])
    return "".join(out)


def uses(text):
    """Every `crate::a::b` path the text names (use trees expanded one level)."""
    text = re.sub(r"//[^\n]*", "", strip_tests(text))
    paths = []
    for m in re.finditer(r"\buse\s+crate::([^;]+);", text):
        body = re.sub(r"\s+", "", m.group(1))
        paths.extend(expand_tree(body))
    for m in re.finditer(r"(?<![\w:])crate::((?:\w+::)*\w+)", text):
        paths.append(m.group(1))
    return [p.split("::") for p in paths]


def expand_tree(body):
    if "{" not in body:
        return [body]
    head, rest = body.split("{", 1)
    inner = rest[: rest.rfind("}")]
    parts, depth, cur = [], 0, ""
    for ch in inner:
        if ch == "," and depth == 0:
            parts.append(cur)
            cur = ""
            continue
        depth += {"{": 1, "}": -1}.get(ch, 0)
        cur += ch
    parts.append(cur)
    out = []
    for p in parts:
        if p in ("self", ""):
            out.append(head.rstrip(":"))
        else:
            out.extend(head + q for q in expand_tree(p))
    return out


def main():
    mods = {module_of(f): f for f in files()}
    graph = {m: set() for m in mods}
    for m, f in mods.items():
        for path in uses(open(f).read()):
            target = None
            for k in range(len(path), 0, -1):
                if tuple(path[:k]) in mods:
                    target = tuple(path[:k])
                    break
            if target and target != m and not is_ancestor(target, m):
                graph[m].add(target)
    cycles = strongly_connected(graph)
    upward = []
    for m, ts in graph.items():
        for t in ts:
            lm, lt = LAYER_OF.get(m[0] if m else "lib"), LAYER_OF.get(t[0])
            if lm is not None and lt is not None and lt > lm:
                upward.append((m, t))
    name = lambda m: "/".join(m) or "lib"
    for c in cycles:
        print("circle:", " ".join(sorted(name(m) for m in c)))
    for m, t in sorted(upward):
        print("upward:", name(m), "->", name(t))
    unlayered = sorted({m[0] for m in mods if m and m[0] not in LAYER_OF})
    for u in unlayered:
        print("unlayered module:", u)
    print(f"{len(mods)} files, {sum(map(len, graph.values()))} imports, "
          f"{len(cycles)} circles ({sum(map(len, cycles))} files), {len(upward)} upward imports")
    if "--check" in sys.argv and (cycles or len(upward) > 3 or unlayered):
        sys.exit(1)


def is_ancestor(a, b):
    # A file naming its own parent module (`super`-like paths) is not a cross-module import.
    return len(a) < len(b) and b[: len(a)] == a and False


def strongly_connected(graph):
    index, low, stack, on, out, counter = {}, {}, [], set(), [], itertools.count()
    sys.setrecursionlimit(10000)

    def visit(v):
        index[v] = low[v] = next(counter)
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
                out.append(comp)

    for v in graph:
        if v not in index:
            visit(v)
    return out


if __name__ == "__main__":
    main()
