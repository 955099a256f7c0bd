"""Fast grading: skip or shorten what no check reads, without changing any verdict.

Almost all of a realistic submission's run time is its own timing loops (100,000 iterations
of a jitted function, to show the speed-up). No check reads what those loops leave behind: the
grader times the student's function itself. A timing loop (`autograder.timing_loops`: a literal count of
1,000 or more, in `range(...)`, a progress bar or a `while` counter, at any depth of a cell or
of a plain function, or a function's parameter used only as that count) is cut to a few passes
when nothing graded can see what it changes: at the top level, no name it changes is read
later by a probe, by a function of the notebook, or by code that itself matters (names are
followed backwards through the notebook); inside a function, what it changes stays inside the
function. The cells of a question whose printed output is graded (`Rubric.printed`) are left
alone, and those of the region before it (its output may stand there). Cells that only
drive otter (`grader.check(...)`) are skipped: grading never needs otter inside the student's
kernel. `--faithful` turns all this off.
"""

from __future__ import annotations

import ast
import re
from collections import defaultdict
from dataclasses import dataclass

from autograder.layout import Layout, Piece
from autograder.notebook import Step
from autograder.rubric import Rubric
from autograder.statements import parse, python_source
from autograder.timing_loops import (
    LONG_LOOP,
    Limit,
    Loop,
    blocks,
    literal,
    never_ends,
    reads,
    stored,
    timing_loops,
)

_OTTER_LINE = re.compile(
    r"^\s*(import otter\b.*|grader\s*=\s*otter\.Notebook\(.*\)|grader\.(check|check_all|export)\(.*\)|#.*)?\s*$"
)


def is_otter_only(source: str) -> bool:
    lines = source.splitlines()
    return bool(source.strip()) and all(_OTTER_LINE.match(line) for line in lines)


def step_never_ends(step: Step) -> bool:
    """Whether the step holds a top-level loop nothing but an interrupt ends (`while True: pass`):
    a faithful run stops there too."""
    tree = parse(step.source)
    return tree is not None and never_ends(tree.body)


@dataclass(frozen=True)
class _Edit:
    """Write `text` in place of `node` (one line of the step's Python)."""

    node: ast.expr
    text: str


def _function_globals(trees: list[ast.Module]) -> set[str]:
    """Every global name a function of the notebook reads (its free names)."""
    names: set[str] = set()
    for node in (n for tree in trees for n in ast.walk(tree)):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
            used = [n for n in ast.walk(node) if isinstance(n, ast.Name)]
            local = {a.arg for a in ast.walk(node.args) if isinstance(a, ast.arg)}
            local |= {n.id for n in used if isinstance(n.ctx, ast.Store)}
            names |= {n.id for n in used if isinstance(n.ctx, ast.Load)} - local
    return names


def _surely_bound(statement: ast.stmt) -> set[str]:
    """The names a top-level statement always binds anew (what was in them before is gone)."""
    if isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        return {statement.name}
    if isinstance(statement, (ast.Import, ast.ImportFrom)):
        return stored(statement)
    if isinstance(statement, ast.Assign):
        parts = [n for t in statement.targets for n in ast.walk(t)]
        plain = all(isinstance(n, (ast.Name, ast.Tuple, ast.List, ast.Starred, ast.Store)) for n in parts)
        return {n.id for n in parts if isinstance(n, ast.Name)} if plain else set()
    return set()


class _Planner:
    """Decides, for a whole notebook, which counts to rewrite (see the module's docstring)."""

    def __init__(self, layout: Layout) -> None:
        self.layout = layout
        self.trees: dict[int, ast.Module] = {}
        for piece in layout.pieces:
            tree = None if is_otter_only(piece.step.source) else parse(piece.step.source)
            if tree is not None:
                self.trees[piece.step.index] = tree
        every = list(self.trees.values())
        imports = (n for tree in every for n in ast.walk(tree) if isinstance(n, (ast.Import, ast.ImportFrom)))
        self.imported = set().union(*(stored(n) for n in imports))
        self.declared = {
            name for t in every for n in ast.walk(t) if isinstance(n, ast.Global) for name in n.names
        }
        self.function_reads = _function_globals(every)
        # Names the notebook binds (its functions among them) and names any probe reads: calling
        # one may change anything, or what a check reads (a jitted function's compilations).
        self.bound = set().union(*(stored(tree) for tree in every)) - self.imported
        self.bound |= set().union(*(q.reads for q in layout.rubric.questions))
        self.printing = _printing(layout.rubric)
        self.edits: dict[int, list[_Edit]] = defaultdict(list)

    def _may_shorten(self, piece: Piece) -> bool:
        return piece.region.question not in self.printing

    def _changes(self, node: ast.AST) -> set[str]:
        """What running `node` may change (calls may change what functions declare global)."""
        calls = any(isinstance(n, ast.Call) for n in ast.walk(node))
        return (stored(node) - self.imported) | (self.declared if calls else set())

    def plan(self) -> dict[int, list[_Edit]]:
        functions = self._functions()
        self._top_level_loops()
        self._calls(functions)
        return self.edits

    def _top_level_loops(self) -> None:
        """Backwards through the notebook, with the names something graded may still read."""
        probed: dict[int, set[str]] = defaultdict(set)
        for capture in self.layout.captures:
            probed[capture.after] |= self.layout.rubric.question(capture.question).reads
        live: set[str] = set()
        for piece in reversed(self.layout.pieces):
            live |= probed[piece.step.index]
            tree = self.trees.get(piece.step.index)
            # Found in the whole step: a `while` counter is set by a statement before the loop.
            loops = list(timing_loops(tree.body)) if tree is not None and self._may_shorten(piece) else []
            for statement in reversed(tree.body if tree is not None else []):
                inside = {id(node) for node in ast.walk(statement)}
                mine = [loop for loop in loops if id(loop.node) in inside]
                cut = self._cut_loops(piece, statement, mine, live)
                if isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                    heads = [*statement.decorator_list, *getattr(statement, "bases", [])]
                    arguments = getattr(statement, "args", None)
                    used = set().union(*(reads(n) for n in [*heads, *([arguments] if arguments else [])]))
                elif self._matters(piece, statement, live):
                    used = reads(statement, leaving_out=tuple(cut))
                else:
                    used = set()
                live = (live - _surely_bound(statement)) | used

    def _matters(self, piece: Piece, statement: ast.stmt, live: set[str]) -> bool:
        """Whether what `statement` reads can reach something graded. Only an expression
        statement outside the questions whose printed output is graded can be shown not to:
        one that changes nothing live and calls nothing of the notebook's
        (`value.block_until_ready()`, `print(...)` after a timing loop), so its output and
        its waiting are all it does."""
        if not isinstance(statement, ast.Expr) or not self._may_shorten(piece):
            return True
        if self._changes(statement) & live:
            return True
        for call in (n for n in ast.walk(statement) if isinstance(n, ast.Call)):
            function = call.func
            while isinstance(function, ast.Attribute):
                function = function.value
            if not isinstance(function, ast.Name):  # `f()()`, `fs[0]()`: anything may run
                return True
            if call.func is function and function.id in self.bound | live:  # the notebook's own
                return True
        return False

    def _cut_loops(
        self, piece: Piece, statement: ast.stmt, loops: list[Loop], live: set[str]
    ) -> list[ast.AST]:
        cut: list[ast.AST] = []
        for loop in loops:
            value = literal(loop.limit.node)
            if value is None or loop.limit.iterations(value) < LONG_LOOP:
                continue
            if any(loop.node in ast.walk(outer) for outer in cut):
                continue
            seen = live | self.function_reads | reads(statement, leaving_out=(loop.node,))
            if self._changes(loop.node) & seen:
                continue
            cut.append(loop.node)
            self.edits[piece.step.index].append(_Edit(loop.limit.node, str(loop.limit.shortened())))
        return cut

    def _functions(self) -> dict[int, dict[str, tuple[int, Limit]]]:
        """Plain functions' timing loops: a literal count is shortened in the function; a count
        that is a parameter gives (its position, its loop's limit), by `id` of the function."""
        nodes = [n for tree in self.trees.values() for n in ast.walk(tree)]
        called = {id(n.func) for n in nodes if isinstance(n, ast.Call)}
        # Names used otherwise than called (`jax.jit(f)`): such a function is not plain.
        passed = {n.id for n in nodes if isinstance(n, ast.Name) and _loads(n) and id(n) not in called}
        counted: dict[int, dict[str, tuple[int, Limit]]] = {}
        for piece in self.layout.pieces:
            tree = self.trees.get(piece.step.index)
            for block in blocks(tree.body if tree is not None else []):
                for function in block:
                    if isinstance(function, ast.FunctionDef) and self._plain(function, passed):
                        counted[id(function)] = self._function_loops(piece, function)
        return counted

    def _plain(self, function: ast.FunctionDef, passed: set[str]) -> bool:
        """A function only ever called by its name, with nothing around or inside it that
        could keep what its loops change: no decorator, no global, no inner function."""
        inner = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef, ast.Global, ast.Nonlocal)
        nested = any(isinstance(n, inner) for s in function.body for n in ast.walk(s))
        return not function.decorator_list and not nested and function.name not in passed

    def _function_loops(self, piece: Piece, function: ast.FunctionDef) -> dict[str, tuple[int, Limit]]:
        arguments = [a.arg for a in [*function.args.posonlyargs, *function.args.args]]
        bound = {n.id for n in ast.walk(function) if isinstance(n, ast.Name) and not _loads(n)}
        local = set(arguments) | {a.arg for a in function.args.kwonlyargs} | bound
        counts: dict[str, tuple[int, Limit]] = {}
        for loop in timing_loops(function.body):
            changes = self._changes(loop.node)
            if changes - local or changes & reads(function, leaving_out=(loop.node,)):
                continue  # what the loop changes outlives it
            node = loop.limit.node
            value = literal(node)
            if value is not None and loop.limit.iterations(value) >= LONG_LOOP and self._may_shorten(piece):
                self.edits[piece.step.index].append(_Edit(node, str(loop.limit.shortened())))
            elif isinstance(node, ast.Name) and node.id in arguments:
                uses = [n for n in ast.walk(function) if isinstance(n, ast.Name) and n.id == node.id]
                if len(uses) == 1:  # the count and nothing else
                    counts[node.id] = (arguments.index(node.id), loop.limit)
        return counts

    def _calls(self, functions: dict[int, dict[str, tuple[int, Limit]]]) -> None:
        """Calls `run(100_000)` of a function whose parameter is only a loop's count, made as a
        statement of their own (the result is dropped), shortened where they are written."""
        defined: dict[str, ast.FunctionDef | None] = {}
        for piece in self.layout.pieces:
            tree = self.trees.get(piece.step.index)
            for statement in tree.body if tree is not None else []:
                for block in blocks([statement]):
                    for call in (s.value for s in block if isinstance(s, ast.Expr)):
                        if (
                            isinstance(call, ast.Call)
                            and isinstance(call.func, ast.Name)
                            and self._may_shorten(piece)
                        ):
                            function = defined.get(call.func.id)
                            counts = functions.get(id(function), {}) if function is not None else {}
                            self._shorten_call(piece, call, counts)
                for name in stored(statement) - {d.name for d in _definitions(statement)}:
                    defined[name] = None
                defined.update((d.name, d) for d in _definitions(statement))

    def _shorten_call(self, piece: Piece, call: ast.Call, counts: dict[str, tuple[int, Limit]]) -> None:
        if any(isinstance(a, ast.Starred) for a in call.args) or any(k.arg is None for k in call.keywords):
            return
        for name, (position, limit) in counts.items():
            given = [k.value for k in call.keywords if k.arg == name]
            argument = call.args[position] if position < len(call.args) else (given[0] if given else None)
            value = literal(argument)
            if argument is not None and value is not None and limit.iterations(value) >= LONG_LOOP:
                self.edits[piece.step.index].append(_Edit(argument, str(limit.shortened())))


def _definitions(statement: ast.stmt) -> list[ast.FunctionDef]:
    return [s for block in blocks([statement]) for s in block if isinstance(s, ast.FunctionDef)]


def _loads(node: ast.Name) -> bool:
    return isinstance(node.ctx, ast.Load)


def _printing(rubric: Rubric) -> frozenset[int]:
    """The regions whose printed output is graded: a question with an item read from what it
    printed, and the region before it (where a notebook without headings may print it)."""
    printing = [q.number for q in rubric.questions if any(i.name in rubric.printed for i in q.items)]
    return frozenset(n for number in printing for n in (number - 1, number))


def _apply(source: str, edits: list[_Edit]) -> str:
    """`source` with each edit made where its node stands. The nodes' positions are those of
    the cell's Python (`python_source`); a line IPython rewrites (`%time f(100000)`) keeps the
    statement as its end, so the edit is made there. An edit that cannot be placed is dropped."""
    python = python_source(source).split("\n")
    lines = source.splitlines(keepends=True)
    by_line: dict[int, list[_Edit]] = defaultdict(list)
    for edit in edits:
        if edit.node.lineno == edit.node.end_lineno:
            by_line[edit.node.lineno - 1].append(edit)
    for number, line_edits in by_line.items():
        if number >= len(lines) or number >= len(python):
            continue
        code = python[number].encode()
        text = lines[number].rstrip("\r\n")
        ending = lines[number][len(text) :]
        shift = len(text) - len(python[number])
        if shift and not (shift > 0 and text.endswith(python[number].lstrip())):
            continue
        for edit in sorted(line_edits, key=lambda e: -(e.node.col_offset)):
            start = len(code[: edit.node.col_offset].decode()) + shift
            end = len(code[: edit.node.end_col_offset].decode()) + shift
            if text[start:end] == code[edit.node.col_offset : edit.node.end_col_offset].decode():
                text = text[:start] + edit.text + text[end:]
        lines[number] = text + ending
    return "".join(lines)


def shorten_for_grading(layout: Layout) -> list[Step]:
    """The steps to run for fast grading (same indexes; a skipped step becomes empty)."""
    edits = _Planner(layout).plan()
    fast = []
    for piece in layout.pieces:
        step = piece.step
        source = "" if is_otter_only(step.source) else _apply(step.source, edits.get(step.index, []))
        fast.append(Step(step.index, step.cell, source))
    return fast
