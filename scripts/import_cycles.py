"""No module of src/ imports one above it, and no file imports one that imports it back.

Modules: each top-level module of src/ sits on a layer written down in CONTRIBUTING.md (the
block after the `<!-- layers` marker, top layer first). An edge `y -> x` is a `crate::x` path
in module y (a `use`, or a path in code), or `crate::X` for an item lib.rs re-exports from x. It
must go to a lower layer, or to a module to y's left on its own line. A module missing from the
block fails too, and so does any cycle (which the layering rules out, but it is said plainly).

Files: an edge from a file to the file that defines each crate item it names (`use crate::..`,
`use super::..`, and `crate::..` paths in code; a name several files define is the one under
the path it was named by); any strongly connected component of more than one file is a cycle,
printed with its edges.

Comments (doc links included) and unit tests import nothing. Exit status 1 on any finding. Run
by ./scripts/test.
"""
import os
import re
import sys

root = os.path.normpath(sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), '..', 'src'))
contributing = os.path.join(root, '..', 'CONTRIBUTING.md')
files = sorted(os.path.join(d, f) for d, _, fs in os.walk(root) for f in fs if f.endswith('.rs'))


def code(f):
    src = open(f).read().split('#[cfg(test)]\nmod tests')[0]
    return '\n'.join(l for l in src.split('\n') if not l.lstrip().startswith('//'))


def strongly_connected(nodes, edges):
    index, low, stack, on, sccs, counter = {}, {}, [], set(), [], [0]

    def strong(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in sorted(edges.get(v, ())):
            if w not in index:
                strong(w)
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
                sccs.append(sorted(comp))

    sys.setrecursionlimit(10000)
    for v in nodes:
        if v not in index:
            strong(v)
    return sccs


findings = 0


def finding(line):
    global findings
    findings += 1
    print(line)


# --- Modules and layers ---------------------------------------------------------------------
def module(f):
    parts = os.path.relpath(f, root).split(os.sep)
    if len(parts) == 1:
        name = parts[0][:-3]
        return None if name == 'lib' else name
    return parts[0]


modules = sorted({module(f) for f in files} - {None})
# Items lib.rs re-exports, by the module they come from: `crate::Cognito` is an edge to cognito.
reexported = {}
for m in re.finditer(r'^pub use (?:self::|crate::)?(\w+)::([^;]*);', code(os.path.join(root, 'lib.rs')), re.M):
    for name in re.findall(r'\b([A-Za-z_]\w*)\b', m.group(2)):
        reexported.setdefault(name, m.group(1))
# The public page's modules written in lib.rs itself (`pub mod sign_in { pub use ... }`): they
# re-export for applications, and code inside the crate imports from the defining module instead.
facades = set(re.findall(r'^pub mod (\w+) \{', open(os.path.join(root, 'lib.rs')).read(), re.M))
module_edges = {}
for f in files:
    m = module(f)
    if m is None:
        continue
    src = code(f)
    targets = set(re.findall(r'\bcrate::(\w+)', src))
    for group in re.findall(r'\buse crate::\{([^;]*)\};', src, re.S):
        targets |= set(re.findall(r'(?:^|[,{])\s*(\w+)', group))
    for t in sorted(targets & facades):
        finding(f'FACADE: {os.path.relpath(f, root)} imports crate::{t}, a re-export for applications: '
                'import from the module that defines the item')
    for t in targets:
        t = reexported.get(t, t)
        if t != m and t in modules:
            module_edges.setdefault(m, {}).setdefault(t, set()).add(os.path.relpath(f, root))

block = re.search(r'<!-- layers.*?```text\n(.*?)```', open(contributing).read(), re.S)
if not block:
    sys.exit('no layers block (`<!-- layers` then a ```text block) in ' + contributing)
# Each line names its modules, then describes them: the names are the words up to two spaces.
layers = [line.split('  ')[0].split() for line in block.group(1).strip('\n').split('\n')]
rank = {}
for depth, names in enumerate(reversed(layers)):
    for pos, name in enumerate(names):
        if name not in modules:
            finding(f'LAYERS: `{name}` is no module of src/')
        rank[name] = (depth, pos)
for m in modules:
    if m not in rank:
        finding(f'LAYERS: module `{m}` is on no layer of CONTRIBUTING.md')
for m, targets in sorted(module_edges.items()):
    for t, where in sorted(targets.items()):
        if m in rank and t in rank and rank[t] >= rank[m]:
            how = 'to its right on its layer' if rank[t][0] == rank[m][0] else 'on a layer above it'
            finding(f'LAYERS: {m} -> {t}, {how} ({", ".join(sorted(where))})')
for comp in strongly_connected(modules, module_edges):
    finding('MODULE CYCLE: ' + ' '.join(comp))

# --- Files ----------------------------------------------------------------------------------
defs = {}
pat = re.compile(r'^(?:pub(?:\([^)]*\))?\s+)?(?:async\s+)?(struct|enum|trait|fn|type|const|static|macro_rules!)\s+(\w+)', re.M)
for f in files:
    src = open(f).read().split('#[cfg(test)]\nmod tests')[0]
    for kind, name in pat.findall(src):
        if kind == 'fn' and not re.search(r'^pub(\([\w:]+\))?\s+(async\s+)?fn\s+' + name + r'\b', src, re.M):
            continue  # private functions and methods are not importable across files
        defs.setdefault(name, set()).add(f)


def module_files(path):
    """The files of the module at `path` (names under src/) and of its submodules."""
    base = os.path.join(root, *path)
    return {f for f in files if f == base + '.rs' or f.startswith(base + os.sep)}


def own_module(f):
    parts = os.path.relpath(f, root)[:-3].split(os.sep)
    return parts[:-1] if parts[-1] == 'mod' else parts


edges = {}
for f in files:
    src = code(f)
    used = []  # (the module the name was reached through, the name)
    # A module's own re-exports of its children (`pub use self::x::Y;`) are its index, not a
    # dependency: the names are resolved where they are used.
    src = re.sub(r'^pub(?:\([\w:]+\))? use self::[^;]*;', '', src, flags=re.M)
    for m in re.finditer(r'\buse\s+(crate|super|self)::([^;]*);', src):
        body = re.sub(r'\s+', ' ', m.group(2))
        first = re.match(r'(\w+)', body)
        scope = [first.group(1)] if m.group(1) == 'crate' and first else own_module(f)[:1]
        used += [(scope, n) for n in re.findall(r'\b([A-Za-z_]\w*)\b', body)]
    for m in re.finditer(r'\b(crate|super)::((?:\w+::)*)(\w+)', src):
        path = [p for p in m.group(2).split('::') if p]
        scope = path[:1] if m.group(1) == 'crate' and path else own_module(f)[:1]
        used.append((scope, m.group(3)))
    for scope, name in used:
        candidates = defs.get(name, set()) - {f}
        narrowed = candidates & module_files(scope)
        for d in narrowed or (candidates if len(candidates) == 1 else ()):
            edges.setdefault(f, set()).add(d)
for comp in strongly_connected(files, edges):
    finding('FILE CYCLE: ' + ' '.join(os.path.relpath(x, root) for x in comp))
    for a in comp:
        for b in sorted(edges.get(a, ())):
            if b in comp:
                print('   ', os.path.relpath(a, root), '->', os.path.relpath(b, root))

print(f'{findings} findings: {len(modules)} modules on {len(layers)} layers, '
      f'{sum(len(v) for v in module_edges.values())} module edges; '
      f'{sum(len(v) for v in edges.values())} edges among {len(files)} files in {root}')
sys.exit(1 if findings else 0)
