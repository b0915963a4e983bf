"""Counts for the layer contract (docs/architecture.md): imports between apps, how many sit inside
functions, how many go up the layers, and the import circles between modules.

    python scripts/import_report.py [ROOT]

Static (ast), first-party only, migrations skipped. A module's layer is the longest prefix in LAYERS.
"""

import ast
import collections
import os
import sys

# Lowest first. Keep in step with [tool.importlinter] in pyproject.toml.
LAYERS = ["core", "modelhooks.hooks", "shards", "training", "verifier", "risk_db", "quality", "modelhooks", "config"]
APPS = sorted({layer.split(".")[0] for layer in LAYERS})


def layer_of(module: str) -> int:
    best, rank = "", -1
    for i, layer in enumerate(LAYERS):
        if (module == layer or module.startswith(layer + ".")) and len(layer) > len(best):
            best, rank = layer, i
    return rank


def modules(root: str) -> dict[str, str]:
    found = {}
    for app in APPS:
        for dirpath, _, files in os.walk(os.path.join(root, app)):
            if "migrations" in dirpath.split(os.sep):
                continue
            for name in files:
                if name.endswith(".py"):
                    path = os.path.join(dirpath, name)
                    mod = os.path.relpath(path, root)[:-3].replace(os.sep, ".")
                    found[mod.removesuffix(".__init__")] = path
    return found


def targets(node, module: str, is_pkg: bool, known: dict) -> list[str]:
    if isinstance(node, ast.Import):
        names = [a.name for a in node.names]
    else:
        base = node.module or ""
        if node.level:
            parts = module.split(".")[: None if is_pkg else -1]
            parts = parts[: len(parts) - (node.level - 1)]
            base = ".".join(parts + ([base] if base else []))
        names = [f"{base}.{a.name}" if f"{base}.{a.name}" in known else base for a in node.names]
    out = []
    for name in names:
        while name and name not in known:
            name = name.rpartition(".")[0]
        if name:
            out.append(name)
    return out


def report(root: str) -> dict:
    known = modules(root)
    edges = collections.defaultdict(set)
    counts = collections.Counter()
    upward = []
    for mod, path in known.items():
        tree = ast.parse(open(path, encoding="utf-8").read())
        top = {id(n) for n in tree.body}
        for node in ast.walk(tree):
            if not isinstance(node, (ast.Import, ast.ImportFrom)):
                continue
            in_function = id(node) not in top
            for target in targets(node, mod, path.endswith("__init__.py"), known):
                edges[mod].add(target)
                if in_function:
                    counts["function_level"] += 1
                if target.split(".")[0] != mod.split(".")[0]:
                    counts["between_apps"] += 1
                    counts["between_apps_in_functions"] += in_function
                if layer_of(target) > layer_of(mod):
                    upward.append(f"{mod} -> {target}")
    # circles: strongly connected components of more than one module (Tarjan, iterative)
    index, low, stack, on, sccs, counter = {}, {}, [], set(), [], [0]
    for start in known:
        if start in index:
            continue
        work = [(start, iter(sorted(edges.get(start, ()))))]
        index[start] = low[start] = counter[0]
        counter[0] += 1
        stack.append(start)
        on.add(start)
        while work:
            v, it = work[-1]
            for w in it:
                if w not in index:
                    index[w] = low[w] = counter[0]
                    counter[0] += 1
                    stack.append(w)
                    on.add(w)
                    work.append((w, iter(sorted(edges.get(w, ())))))
                    break
                if w in on:
                    low[v] = min(low[v], index[w])
            else:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[v])
                if low[v] == index[v]:
                    comp = []
                    while True:
                        w = stack.pop()
                        on.discard(w)
                        comp.append(w)
                        if w == v:
                            break
                    if len(comp) > 1:
                        sccs.append(sorted(comp))
    return {**counts, "upward": upward, "circles": sccs}


if __name__ == "__main__":
    result = report(sys.argv[1] if len(sys.argv) > 1 else ".")
    for key in ("between_apps", "between_apps_in_functions", "function_level"):
        print(f"{key}: {result.get(key, 0)}")
    print(f"upward: {len(result['upward'])}")
    for line in result["upward"]:
        print("   ", line)
    print(f"circles: {len(result['circles'])}")
    for comp in result["circles"]:
        print("   ", " ".join(comp))
