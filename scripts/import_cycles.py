"""No src/ file imports one that imports it back.

The import graph of src/: an edge from a file to the file that defines each crate item it names
(`use crate::..`, `use super::..`, and `crate::..` paths in code; comments and unit tests left
out). Any strongly connected component of more than one file is a cycle, printed with its edges;
the exit status is 1 when there is one. Run by ./scripts/test.
"""
import re, os, sys, itertools
root = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), '..', 'src')
files = [os.path.join(d, f) for d, _, fs in os.walk(root) for f in fs if f.endswith('.rs')]
defs = {}
pat = re.compile(r'^(?:pub(?:\([^)]*\))?\s+)?(?:async\s+)?(struct|enum|trait|fn|type|const|static|macro_rules!)\s+(\w+)', re.M)
for f in files:
    src = open(f).read()
    src = src.split('#[cfg(test)]\nmod tests')[0]
    for kind, name in pat.findall(src):
        if kind == 'fn' and not re.search(r'^(pub|pub\(crate\))\s+(async\s+)?fn\s+' + name, src, re.M):
            continue  # private and methods: not importable across files
        defs.setdefault(name, set()).add(f)
def names_in_use(stmt):
    stmt = re.sub(r'\s+', ' ', stmt)
    body = stmt.split(' ', 1)[1]
    return re.findall(r'\b([A-Za-z_]\w*)\b', body)
edges = {}
for f in files:
    src = open(f).read().split('#[cfg(test)]\nmod tests')[0]
    # Comments (doc links included) import nothing.
    src = '\n'.join(l for l in src.split('\n') if not l.lstrip().startswith('//'))
    used = set()
    for m in re.finditer(r'\buse\s+(crate|super|self)::[^;]*;', src):
        used |= set(names_in_use(m.group(0)))
    for m in re.finditer(r'\bcrate::(?:\w+::)*(\w+)', src):
        used.add(m.group(1))
    for m in re.finditer(r'\bsuper::(?:\w+::)*(\w+)', src):
        used.add(m.group(1))
    for n in used:
        for d in defs.get(n, ()):
            if d != f and n[0].isupper() or (d != f and n in ('missing_fairing','missing_store','safe_next','unix_now','digest','sdk_config','srp_login_work')):
                edges.setdefault(f, set()).add(d)
# Tarjan
index = {}; low = {}; stack = []; on = set(); sccs = []; i = [0]
def strong(v):
    index[v] = low[v] = i[0]; i[0] += 1; stack.append(v); on.add(v)
    for w in edges.get(v, ()):
        if w not in index: strong(w); low[v] = min(low[v], low[w])
        elif w in on: low[v] = min(low[v], index[w])
    if low[v] == index[v]:
        comp = []
        while True:
            w = stack.pop(); on.discard(w); comp.append(w)
            if w == v: break
        if len(comp) > 1: sccs.append(comp)
sys.setrecursionlimit(10000)
for v in files:
    if v not in index: strong(v)
for c in sccs:
    print('CYCLE:', ' '.join(sorted(os.path.relpath(x, root) for x in c)))
    for a in c:
        for b in edges.get(a, ()):
            if b in c: print('   ', os.path.relpath(a, root), '->', os.path.relpath(b, root))
print(len(sccs), 'import cycles;', sum(len(v) for v in edges.values()), 'edges among', len(files), 'files in', root)
sys.exit(1 if sccs else 0)
