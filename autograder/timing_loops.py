"""Timing loops: loops whose count no check can see, found in a step's syntax tree.

A loop is a timing loop when its count is a literal (`range(N)`, `range(a, b)`, `range(a, b, s)`,
also through `tqdm(...)`/`trange(...)`; `while i < N:` with a counter set just before and
raised once per pass), or a parameter of a plain function used only as that count and given
as a literal where the function is called; and when its loop variable reaches no call (a loop
that compiles or prints something new each pass, `fast_f(14, n)`, is not one).
Whether what such a loop changes is read by anything graded is decided by `autograder.fast_path`.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass

from autograder.statements import callee

LONG_LOOP = 1_000  # iterations from which a loop counts as a timing demonstration
SHORT_LOOP = 10  # what it is cut to: enough to compile and hit the cache
_PROGRESS_BARS = ("tqdm", "trange")


@dataclass(frozen=True)
class Limit:
    """Where a loop's count is written (`node`: a literal, or the name of a parameter) and how
    it counts: `range(start, node, step)`, or one more pass when `inclusive` (`while i <= N`)."""

    node: ast.expr
    start: int
    step: int
    inclusive: bool = False

    def iterations(self, value: int) -> int:
        stop = value + (1 if self.inclusive else 0)
        # As len(range(...)), which refuses counts past sys.maxsize (`range(10**20)`).
        return max(0, -((self.start - stop) // self.step))

    def shortened(self) -> int:
        """The value of `node` that makes the loop run SHORT_LOOP passes."""
        return self.start + (SHORT_LOOP - (1 if self.inclusive else 0)) * self.step


@dataclass(frozen=True)
class Loop:
    node: ast.For | ast.While
    limit: Limit


def literal(node: ast.expr | None) -> int | None:
    """The int a node spells (`100_000`, `-1`), or None."""
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        value = literal(node.operand)
        return None if value is None else -value
    if isinstance(node, ast.Constant) and type(node.value) is int:
        return node.value
    return None


def _range_limit(loop: ast.For) -> Limit | None:
    call = loop.iter
    if (
        isinstance(call, ast.Call)
        and callee(call) == "tqdm"
        and call.args
        and isinstance(call.args[0], ast.Call)
    ):
        call = call.args[0]
    if not isinstance(call, ast.Call) or callee(call) not in ("range", "trange"):
        return None
    if not 1 <= len(call.args) <= 3 or any(isinstance(a, ast.Starred) for a in call.args):
        return None
    if callee(call) == "range" and call.keywords:
        return None
    stop = call.args[0] if len(call.args) == 1 else call.args[1]
    start = 0 if len(call.args) == 1 else literal(call.args[0])
    step = literal(call.args[2]) if len(call.args) == 3 else 1
    if start is None or not step or not isinstance(stop, (ast.Constant, ast.UnaryOp, ast.Name)):
        return None
    return Limit(stop, start, step)


def _counter_limit(loop: ast.While, before: list[ast.stmt]) -> Limit | None:
    """`i = a` ... `while i < N:` (or `<=`) whose body raises `i` once by a constant."""
    test = loop.test
    if not (isinstance(test, ast.Compare) and len(test.ops) == 1 and isinstance(test.left, ast.Name)):
        return None
    if not isinstance(test.ops[0], (ast.Lt, ast.LtE)):
        return None
    counter, bound = test.left.id, test.comparators[0]
    if not isinstance(bound, (ast.Constant, ast.UnaryOp, ast.Name)):
        return None
    start = next((s for s in reversed(before) if counter in stored(s)), None)
    if not (isinstance(start, ast.Assign) and len(start.targets) == 1 and literal(start.value) is not None):
        return None
    if not (isinstance(start.targets[0], ast.Name) and start.targets[0].id == counter):
        return None
    raises = [
        s
        for s in loop.body
        if isinstance(s, ast.AugAssign)
        and isinstance(s.op, ast.Add)
        and isinstance(s.target, ast.Name)
        and s.target.id == counter
    ]
    step = literal(raises[0].value) if len(raises) == 1 else None
    stores = [n for n in ast.walk(loop) if isinstance(n, ast.Name) and n.id == counter and not _loads(n)]
    if step is None or step <= 0 or len(stores) != 1:
        return None
    initial = literal(start.value)
    assert initial is not None  # checked above
    return Limit(bound, initial, step, inclusive=isinstance(test.ops[0], ast.LtE))


def _loads(node: ast.Name) -> bool:
    return isinstance(node.ctx, ast.Load)


def stored(node: ast.AST) -> set[str]:
    """The names a statement may bind or change: assigned, deleted, declared global, or the
    object of a subscript/attribute assignment or of a method call (`times.append(t)`), except
    modules (`jax.random.split` changes nothing of `jax`; imported names are left out by the caller)."""
    names: set[str] = set()
    for child in ast.walk(node):
        if isinstance(child, ast.Name) and not _loads(child):
            names.add(child.id)
        elif isinstance(child, (ast.Attribute, ast.Subscript)) and not isinstance(child.ctx, ast.Load):
            names |= _root(child.value)
        elif isinstance(child, ast.Call) and isinstance(child.func, ast.Attribute):
            names |= _root(child.func.value)
        elif isinstance(child, (ast.Global, ast.Nonlocal)):
            names.update(child.names)
        elif isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(child.name)
        elif isinstance(child, (ast.Import, ast.ImportFrom)):
            names.update((alias.asname or alias.name).split(".")[0] for alias in child.names)
    return names


def _root(node: ast.expr) -> set[str]:
    while isinstance(node, (ast.Attribute, ast.Subscript)):
        node = node.value
    return {node.id} if isinstance(node, ast.Name) else set()


def reads(node: ast.AST, *, leaving_out: tuple[ast.AST, ...] = ()) -> set[str]:
    """The names read anywhere in `node`, outside the subtrees `leaving_out`."""
    names: set[str] = set()
    pending = [node]
    while pending:
        child = pending.pop()
        if any(child is skipped for skipped in leaving_out):
            continue
        if isinstance(child, ast.Name) and _loads(child):
            names.add(child.id)
        pending.extend(ast.iter_child_nodes(child))
    return names


def _loop_variables(loop: ast.For | ast.While) -> set[str]:
    if isinstance(loop, ast.For):
        return {n.id for n in ast.walk(loop.target) if isinstance(n, ast.Name)}
    assert isinstance(loop.test, ast.Compare) and isinstance(loop.test.left, ast.Name)  # a counter loop
    return {loop.test.left.id}


def _variable_reaches_a_call(loop: ast.For | ast.While) -> bool:
    """Whether the loop variable is passed to (or calls) anything: then each pass may compile,
    print or store something new, and fewer passes could change what is graded."""
    variables = _loop_variables(loop)
    body = [*loop.body, *loop.orelse]
    inside = (n for s in body for n in ast.walk(s) if isinstance(n, (ast.Call, ast.Lambda, ast.FunctionDef)))
    return any(variables & reads(node) for node in inside)


def blocks(statements: list[ast.stmt]) -> Iterator[list[ast.stmt]]:
    """Every block of statements that runs in the same scope: the list given and the bodies of
    if/for/while/with/try inside it (not of functions or classes)."""
    yield statements
    for statement in statements:
        if isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            continue
        for name in ("body", "orelse", "finalbody"):
            inner = getattr(statement, name, None)
            if isinstance(inner, list) and inner:
                yield from blocks(inner)
        for handler in getattr(statement, "handlers", []):
            yield from blocks(handler.body)


def timing_loops(statements: list[ast.stmt]) -> Iterator[Loop]:
    """The loops of one scope (outermost first) whose count is a literal or a name, with their
    variable reaching no call."""
    for block in blocks(statements):
        for position, statement in enumerate(block):
            limit = None
            if isinstance(statement, ast.For) and not statement.orelse:
                limit = _range_limit(statement)
            elif isinstance(statement, ast.While) and not statement.orelse:
                limit = _counter_limit(statement, block[:position])
            loop = statement if isinstance(statement, (ast.For, ast.While)) else None
            if limit is not None and loop is not None and not _variable_reaches_a_call(loop):
                yield Loop(loop, limit)


def never_ends(statements: list[ast.stmt]) -> bool:
    """Whether one of these top-level statements is a loop nothing but an interrupt ends:
    `while True:` over a body of only `pass`, `continue` or constants. A cell holding one stops
    at any time limit, the fast path's or a faithful run's."""
    for statement in statements:
        if not (isinstance(statement, ast.While) and isinstance(statement.test, ast.Constant)):
            continue
        inert = all(
            isinstance(s, (ast.Pass, ast.Continue))
            or (isinstance(s, ast.Expr) and isinstance(s.value, ast.Constant))
            for s in statement.body
        )
        if statement.test.value and inert:
            return True
    return False
