"""Fast grading: skip or shorten what no check reads, without changing any verdict.

Almost all of a realistic submission's run time is its own Question 4 timing loops
(100,000 iterations, three times). No check reads what those loops leave behind: the
grader times `my_model` itself. A top-level `for ... in range(N)` loop with a large literal
N is cut to a few iterations when the names it binds are read by no later probe and by no
function of the notebook. Cells that only drive otter (`grader.check(...)`) are skipped:
grading never needs otter inside the student's kernel. `--faithful` turns all this off.
"""

from __future__ import annotations

import ast
import re

from autograder.notebook import Capture, Step, bound_names, parse
from autograder.rubric import question

LONG_LOOP = 1_000  # iterations from which a loop counts as a timing demonstration
SHORT_LOOP = 10  # what it is cut to: enough to compile and hit the cache
_OTTER_LINE = re.compile(
    r"^\s*(import otter\b.*|grader\s*=\s*otter\.Notebook\(.*\)|grader\.(check|check_all|export)\(.*\)|#.*)?\s*$"
)
_LOOP = re.compile(r"^(for\s+[^\n]+?\s+in\s+range\(\s*(?:0\s*,\s*)?)(\d[\d_]*)(\s*\)\s*:)", re.MULTILINE)


def is_otter_only(source: str) -> bool:
    lines = source.splitlines()
    return bool(source.strip()) and all(_OTTER_LINE.match(line) for line in lines)


def _function_globals(steps: list[Step]) -> set[str]:
    """Every global name a function of the notebook reads (its free names)."""
    names: set[str] = set()
    for step in steps:
        tree = parse(step.source)
        for node in ast.walk(tree) if tree is not None else ():
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
                local = {a.arg for a in ast.walk(node.args) if isinstance(a, ast.arg)}
                local |= {n.id for n in ast.walk(node) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)}
                names |= {n.id for n in ast.walk(node) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)} - local
    return names


def _shorten_loops(source: str, protected: set[str]) -> str:
    def shorten(match: re.Match) -> str:
        if int(match.group(2).replace("_", "")) < LONG_LOOP:
            return match.group(0)
        return f"{match.group(1)}{SHORT_LOOP}{match.group(3)}"

    shortened = _LOOP.sub(shorten, source)
    if shortened == source:
        return source
    # Only when nothing graded can see the difference: the loops bind no protected name.
    loops = [node for node in ast.walk(parse(source) or ast.Module(body=[], type_ignores=[]))
             if isinstance(node, ast.For)]
    bound = set().union(*(bound_names(ast.Module(body=[loop], type_ignores=[])) for loop in loops))
    return source if bound & protected else shortened


def accelerate(steps: list[Step], captures: list[Capture]) -> list[Step]:
    """The steps to run for fast grading (same indexes; a skipped step becomes empty)."""
    function_globals = _function_globals(steps)
    fast = []
    for step in steps:
        source = step.source
        if is_otter_only(source):
            source = ""
        else:
            later = {name for c in captures if c.after >= step.index for name in question(c.question).reads}
            source = _shorten_loops(source, later | function_globals)
        fast.append(Step(step.index, step.cell, source))
    return fast
