"""Fast grading: skip or shorten what no check reads, without changing any verdict.

Almost all of a realistic submission's run time is its own Question 4 timing loops
(100,000 iterations, three times). No check reads what those loops leave behind: the
grader times `my_model` itself. A top-level `for ... in range(N)` loop (also through a progress
bar: `tqdm(range(N))`, `trange(N)`) with a large literal N is cut to a few iterations when the
names it binds are read by no later probe and by no function of the notebook. Cells that only
drive otter (`grader.check(...)`) are skipped: grading never needs otter inside the student's
kernel. `--faithful` turns all this off.
"""

from __future__ import annotations

import ast
import re

from autograder.layout import Layout, Piece
from autograder.notebook import Step
from autograder.rubric import question
from autograder.statements import bound_names

LONG_LOOP = 1_000  # iterations from which a loop counts as a timing demonstration
SHORT_LOOP = 10  # what it is cut to: enough to compile and hit the cache
_OTTER_LINE = re.compile(
    r"^\s*(import otter\b.*|grader\s*=\s*otter\.Notebook\(.*\)|grader\.(check|check_all|export)\(.*\)|#.*)?\s*$"
)
# `for i in range(N):`, also through a progress bar: `tqdm(range(N), ...)`, `trange(N, ...)`.
_LOOP = re.compile(
    r"^(for\s+[^\n]+?\s+in\s+(?:(?:\w+\.)*tqdm\(\s*range|(?:\w+\.)*trange|range)\(\s*(?:0\s*,\s*)?)"
    r"(\d[\d_]*)"
    r"(\s*(?:,[^\n:]*)?\)\s*(?:,[^\n:]*)?\)?\s*:)",
    re.MULTILINE,
)


def is_otter_only(source: str) -> bool:
    lines = source.splitlines()
    return bool(source.strip()) and all(_OTTER_LINE.match(line) for line in lines)


def _function_globals(pieces: tuple[Piece, ...]) -> set[str]:
    """Every global name a function of the notebook reads (its free names)."""
    names: set[str] = set()
    for piece in pieces:
        for node in (n for statement in piece.statements for n in ast.walk(statement)):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
                used = [n for n in ast.walk(node) if isinstance(n, ast.Name)]
                local = {a.arg for a in ast.walk(node.args) if isinstance(a, ast.arg)}
                local |= {n.id for n in used if isinstance(n.ctx, ast.Store)}
                names |= {n.id for n in used if isinstance(n.ctx, ast.Load)} - local
    return names


def _shorten_loops(piece: Piece, protected: set[str]) -> str:
    source = piece.step.source

    def shorten(match: re.Match[str]) -> str:
        if int(match.group(2).replace("_", "")) < LONG_LOOP:
            return match.group(0)
        return f"{match.group(1)}{SHORT_LOOP}{match.group(3)}"

    shortened = _LOOP.sub(shorten, source)
    if shortened == source:
        return source
    # Only when nothing graded can see the difference: the loops bind no protected name.
    nodes = (node for statement in piece.statements for node in ast.walk(statement))
    loops = [node for node in nodes if isinstance(node, ast.For)]
    bound = set().union(*(bound_names([loop]) for loop in loops))
    return source if bound & protected else shortened


def shorten_for_grading(layout: Layout) -> list[Step]:
    """The steps to run for fast grading (same indexes; a skipped step becomes empty)."""
    function_globals = _function_globals(layout.pieces)
    fast = []
    for piece in layout.pieces:
        step = piece.step
        if is_otter_only(step.source):
            source = ""
        else:
            later = {
                name for c in layout.captures if c.after >= step.index for name in question(c.question).reads
            }
            source = _shorten_loops(piece, later | function_globals)
        fast.append(Step(step.index, step.cell, source))
    return fast
