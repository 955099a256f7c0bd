import sys, importlib.util
from autograder.layout import read_layout
from autograder.notebook import Cell
from autograder.fast_path import shorten_for_grading as new
spec = importlib.util.spec_from_file_location("oldfp", "/tmp/fp_old/autograder/fast_path.py")
old_mod = importlib.util.module_from_spec(spec); spec.loader.exec_module(old_mod)
from tests import realistic, layouts, submissions
from tests import test_corpus
def cells(pairs): return [Cell(i,k,s) for i,(k,s) in enumerate(pairs) if s]
cases = {f"realistic/{n}": c[0] for n, c in realistic.CASES.items()}
for name in dir(test_corpus):
    v = getattr(test_corpus, name)
    if isinstance(v, list) and v and hasattr(v[0], "cells"):
        for c in v: cases[f"corpus/{c.name}"] = c.cells
for name in dir(layouts):
    v = getattr(layouts, name)
    if isinstance(v, dict):
        for k, c in v.items():
            if isinstance(c, tuple) and isinstance(c[0], list): cases[f"layouts/{k}"] = c[0]
print(len(cases), "cases")
for name, pairs in cases.items():
    try:
        layout = read_layout(cells(pairs))
    except Exception as e:
        print("skip", name, e); continue
    a = [s.source for s in old_mod.shorten_for_grading(layout)]
    b = [s.source for s in new(layout)]
    if a != b:
        diffs = [(i, x[-120:], y[-120:]) for i, (x, y) in enumerate(zip(a, b)) if x != y]
        print("DIFF", name, len(diffs))
        for d in diffs[:2]: print("   old:", repr(d[1][-90:]), "\n   new:", repr(d[2][-90:]))
