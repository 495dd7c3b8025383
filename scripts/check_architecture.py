#!/usr/bin/env python3
"""The shape of `shared/src`, checked (make test): see docs/architecture.md.

- the runtime, the domain and the adapters (infra) import no area;
- the domain imports no adapter and no runtime, and uses no AWS, Lambda or HTTP client;
- the adapters import no runtime;
- an area's endpoints reach adapters only through their area (no `crate::infra` in endpoints.rs);
- no import cycle between files (a module's `pub use child::...` index is followed to the file
  that defines the item, not counted as an import of its own);
- no file longer than 600 lines, its `#[cfg(test)]` tests aside.

Prints what it measured; exits 1 naming every violation.
"""

import re
import sys
from pathlib import Path

SRC = Path(__file__).resolve().parent.parent / "shared" / "src"
AREAS = ("identity", "catalog", "orders", "payments", "fulfilment", "files", "wechat", "operators")
MAX_LINES = 600


def module_of(path):
    parts = list(path.relative_to(SRC).with_suffix("").parts)
    if parts[-1] in ("mod", "lib"):
        parts = parts[:-1]
    return tuple(parts)


def code_of(text):
    """The file without its tests and comments."""
    cut = re.search(r"^#\[cfg\(test\)\]", text, re.M)
    if cut:
        text = text[: cut.start()]
    return re.sub(r"//[^\n]*", "", text)


def split_top(text):
    parts, depth, current = [], 0, ""
    for ch in text:
        depth += ch == "{"
        depth -= ch == "}"
        if ch == "," and depth == 0:
            parts.append(current)
            current = ""
        else:
            current += ch
    parts.append(current)
    return [p.strip() for p in parts if p.strip()]


def expand(tree):
    """`a::{b, c::{d, self}}` -> [a::b, a::c::d, a::c]."""
    tree = re.sub(r"\s+", "", tree)
    match = re.match(r"^(.*?)::\{(.*)\}$", tree)
    if not match:
        return [tree.split(" as ")[0]]
    base, inner = match.groups()
    out = []
    for part in split_top(inner):
        out += [base] if part == "self" else [f"{base}::{p}" for p in expand(part)]
    return out


files = {module_of(p): p for p in sorted(SRC.rglob("*.rs"))}
codes = {m: code_of(p.read_text()) for m, p in files.items()}
defined = {m: set(re.findall(r"\b(?:struct|enum|trait|type|fn|const|static|mod)\s+(\w+)", c)) for m, c in codes.items()}
for m, c in codes.items():
    defined[m] |= set(re.findall(r"macro_rules!\s*(\w+)", c))

# A module's index: `pub use child::{A, B}` / `pub use child::*`.
index = {m: [] for m in files}
for m, c in codes.items():
    for stmt in re.findall(r"\bpub(?:\([\w:]+\))?\s+use\s+([^;]+);", c):
        for path in expand(stmt):
            segs = path.split("::")
            if segs[0] not in ("crate", "super", "self") and m + (segs[0],) in files:
                index[m].append((m + (segs[0],), segs[1:]))


def resolve(segs, here):
    """The file an import path lands in."""
    if segs[0] == "crate":
        base, segs = (), segs[1:]
    else:
        base = here
        while segs and segs[0] in ("super", "self"):
            base = base[:-1] if segs[0] == "super" else base
            segs = segs[1:]
    module = base
    while segs and module + (segs[0],) in files:
        module += (segs[0],)
        segs = segs[1:]
    if not segs or segs[0] == "*":
        return module
    return through_index(module, segs[0], set())


def through_index(module, name, seen):
    if name in defined.get(module, ()) or module in seen:
        return module
    seen.add(module)
    for child, names in index.get(module, []):
        if not names:
            continue
        if names[0] == "*" or names[-1] == name or names[0] == name:
            found = through_index(child, name, seen)
            if found != child or name in defined.get(child, ()):
                return found
    return module


def imports(module):
    c = codes[module]
    paths = []
    for vis, stmt in re.findall(r"\b(pub(?:\([\w:]+\))?\s+)?use\s+([^;]+);", c):
        for path in expand(stmt):
            segs = path.split("::")
            if segs[0] in ("crate", "super", "self"):
                paths.append(segs)
            elif not vis and module + (segs[0],) in files:
                paths.append(["self"] + segs)
    no_use = re.sub(r"\buse\s+[^;]+;", "", c)
    for path in re.findall(r"\b(?:crate|super)(?:::\w+)+", no_use):
        paths.append(path.split("::"))
    return paths


problems = []
edges = {m: set() for m in files}
for module in files:
    top = module[0] if module else ""
    for segs in imports(module):
        target = resolve(segs, module)
        if target != module and target in files:
            edges[module].add(target)
        dest = target[0] if target else ""
        where = files[module].relative_to(SRC)
        if top in ("runtime", "domain", "infra") and dest in AREAS:
            problems.append(f"{where} imports the area {dest} ({'::'.join(segs)})")
        if top == "domain" and dest in ("infra", "runtime"):
            problems.append(f"{where}: the domain imports {dest} ({'::'.join(segs)})")
        if top == "infra" and dest == "runtime":
            problems.append(f"{where}: an adapter imports the runtime ({'::'.join(segs)})")
        if top in AREAS and module[-1:] == ("endpoints",) and dest == "infra":
            problems.append(f"{where}: an endpoint reaches an adapter ({'::'.join(segs)}); go through its area")
    if top == "domain":
        for word in ("aws_sdk", "aws_smithy", "lambda_http", "reqwest", "ApiError"):
            if word in codes[module]:
                problems.append(f"{files[module].relative_to(SRC)}: the domain mentions {word}")

# Cycles: depth-first search, each cycle reported once.
state, stack, cycles = {}, [], set()


def visit(node):
    state[node] = 1
    stack.append(node)
    for nxt in sorted(edges[node]):
        if state.get(nxt) == 1:
            cycle = stack[stack.index(nxt):]
            start = cycle.index(min(cycle))
            cycles.add(tuple(cycle[start:] + cycle[:start]))
        elif nxt not in state:
            visit(nxt)
    stack.pop()
    state[node] = 2


sys.setrecursionlimit(10000)
for node in sorted(files):
    if node not in state:
        visit(node)
for cycle in sorted(cycles):
    names = [str(files[m].relative_to(SRC)) for m in cycle]
    problems.append("import cycle: " + " -> ".join(names + names[:1]))

longest = (0, "")
for module, path in files.items():
    text = path.read_text()
    cut = re.search(r"^#\[cfg\(test\)\]", text, re.M)
    lines = text[: cut.start()].count("\n") if cut else text.count("\n")
    longest = max(longest, (lines, str(path.relative_to(SRC))))
    if lines > MAX_LINES:
        problems.append(f"{path.relative_to(SRC)}: {lines} lines (tests aside); split it under {MAX_LINES}")

edge_count = sum(len(e) for e in edges.values())
print(
    f"architecture: {len(files)} files, {edge_count} imports between files, no cycle: {not cycles}; "
    f"longest file {longest[1]} ({longest[0]} lines, tests aside)"
)
for problem in problems:
    print(f"  {problem}", file=sys.stderr)
sys.exit(1 if problems else 0)
