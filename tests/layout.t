#!/bin/bash
# The source tree's shape (STYLE.md): no module (a .c/.h pair) of knockd/, knock/ or common/
# includes itself through others (no include cycle), and no source file is over 500 lines.
set -u
: "${KNOCK_SRC:?}"
cd "$KNOCK_SRC" || { echo "Bail out! no $KNOCK_SRC"; exit 1; }
exec python3 - <<'PY'
import glob, os, re, sys

dirs = ["knockd", "knock", "knock/win", "common"]
deps = {}
for d in dirs:
    for f in glob.glob(d + "/*.[ch]"):
        m = os.path.splitext(f)[0]
        deps.setdefault(m, set())
        for inc in re.findall(r'#include "([^"]+)"', open(f).read()):
            base = os.path.splitext(inc)[0]
            for dd in [d, "common", "knockd", "knock"]:
                cand = dd + "/" + base
                if os.path.exists(cand + ".h") or os.path.exists(cand + ".c"):
                    if cand != m:
                        deps[m].add(cand)
                    break

# Tarjan's strongly connected components: a component of two or more modules is a cycle.
index, low, stack, on, cycles, n = {}, {}, [], set(), [], [0]
sys.setrecursionlimit(10000)
def visit(v):
    index[v] = low[v] = n[0]; n[0] += 1; stack.append(v); on.add(v)
    for w in deps.get(v, ()):
        if w not in index:
            visit(w); low[v] = min(low[v], low[w])
        elif w in on:
            low[v] = min(low[v], index[w])
    if low[v] == index[v]:
        comp = []
        while True:
            w = stack.pop(); on.discard(w); comp.append(w)
            if w == v:
                break
        if len(comp) > 1:
            cycles.append(sorted(comp))
for v in sorted(deps):
    if v not in index:
        visit(v)

t = 0
def check(ok, what):
    global t
    t += 1
    print(("ok" if ok else "not ok"), t, "-", what)
    return ok

check(len(deps) > 50, "the modules were found (%d)" % len(deps))  # control
check(not cycles, "no include cycle between modules: %s" % (cycles or "none"))
files = sorted(f for d in dirs for f in glob.glob(d + "/*.[ch]"))
big = [(f, sum(1 for _ in open(f))) for f in files]
big = [(f, k) for f, k in big if k > 500]
check(not big, "no source file over 500 lines: %s" % (big or "none"))
print("1..%d" % t)
PY
