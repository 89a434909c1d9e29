#!/usr/bin/env python3
"""Lists import cycles between the files of the workspace (issue 21: no file imports from a
file that imports it back). Resolves crate::, super:: and self:: paths and use-groups one
level deep, and leaves out #[cfg(test)] tails. Exit 1 when there is a cycle."""
import os, re, sys
root = sys.argv[1] if len(sys.argv) > 1 else '.'
crates = {'solver/src': 'lib.rs', 'service/src': 'lib.rs', 'bench/src': 'main.rs', 'tests': 'main.rs', 'solver/tests': 'main.rs'}
def modpath(src, f):
    rel = os.path.relpath(f, src)[:-3].split(os.sep)
    if rel[-1] in ('mod', 'lib', 'main'): rel = rel[:-1]
    return rel
def strip(t):
    t = re.sub(r'//[^\n]*', '', t)
    t = re.sub(r'/\*.*?\*/', '', t, flags=re.S)
    i = t.find('#[cfg(test)]')
    return t if i < 0 else t[:i]
edges = {}
for src, rootfile in crates.items():
    src = os.path.join(root, src)
    files = {}
    for d, _, fs in os.walk(src):
        for f in fs:
            if f.endswith('.rs'):
                p = os.path.join(d, f); key = tuple(modpath(src, p))
                if key == () and f != rootfile: continue  # a library's main.rs: the root is lib.rs
                files[key] = p
    # Items a folder's mod.rs re-exports from a child (`pub use child::{A, B}`): a path
    # through the re-export leads to the child's file, not to mod.rs.
    reexports = {}
    for mp, f in files.items():
        if os.path.basename(f) not in ('mod.rs', 'lib.rs', 'main.rs'): continue
        for m in re.finditer(r'pub(?:\([\w:]+\))?\s+use\s+(?:self::)?(\w+)::(\{[^}]*\}|[\w:]+)', strip(open(f).read())):
            child = tuple(list(mp) + [m.group(1)])
            if child not in files: continue
            for name in re.findall(r'\w+', m.group(2)):
                if name != 'self': reexports[(mp, name)] = child
    def resolve(parts):
        for k in range(len(parts), -1, -1):
            if tuple(parts[:k]) in files:
                if k < len(parts) and (tuple(parts[:k]), parts[k]) in reexports:
                    return files[reexports[(tuple(parts[:k]), parts[k])]]
                return files[tuple(parts[:k])]
    for mp, f in files.items():
        t = strip(open(f).read())
        isdir = os.path.basename(f) in ('mod.rs', 'lib.rs', 'main.rs')
        paths = []
        for m in re.finditer(r'\b(crate|super|self)((?:::\w+)*)(::\{([^{}]*)\})?', t):
            if not m.group(2) and not m.group(3): continue  # pub(super), &self
            base = m.group(1); rest = [x for x in m.group(2).split('::') if x]
            groups = [g.strip().split('::')[0] for g in (m.group(4) or '').split(',') if g.strip()] or [None]
            for g in groups:
                parts = rest + ([g] if g and g != 'self' else [])
                if base == 'crate': full = parts
                else:
                    cur = list(mp) if isdir else list(mp)
                    # module of this file: for a non-dir file, self = mp; super = parent
                    if base == 'self': full = cur + parts
                    else:
                        up = cur[:-1]
                        while parts and parts[0] == 'super': parts = parts[1:]; up = up[:-1]
                        full = up + parts
                paths.append(full)
        # `pub use x::Y` / `use x::Y` relative in a mod.rs: x is a child module
        if isdir:
            for m in re.finditer(r'\buse\s+(\w+)::', t):
                if m.group(1) not in ('crate', 'super', 'self', 'std', 'core'):
                    if tuple(list(mp) + [m.group(1)]) in files: paths.append(list(mp) + [m.group(1)])
        for p in paths:
            tgt = resolve(p)
            if tgt and tgt != f: edges.setdefault(f, set()).add(tgt)
# Tarjan SCC
idx = {}; low = {}; st = []; on = set(); out = []; n = [0]
sys.setrecursionlimit(10000)
def sc(v):
    idx[v] = low[v] = n[0]; n[0] += 1; st.append(v); on.add(v)
    for w in edges.get(v, ()):
        if w not in idx: sc(w); low[v] = min(low[v], low[w])
        elif w in on: low[v] = min(low[v], idx[w])
    if low[v] == idx[v]:
        comp = []
        while True:
            w = st.pop(); on.discard(w); comp.append(w)
            if w == v: break
        if len(comp) > 1: out.append(comp)
for v in list(edges): 
    if v not in idx: sc(v)
for c in out: print('cycle:', ' '.join(sorted(os.path.relpath(x, root) for x in c)))
print(f'{len(out)} cycles among {len(edges)} files with imports')
sys.exit(1 if out else 0)
