"""The Python in a code cell: parsed once, statement by statement, whatever IPython syntax it uses.

IPython's magics and shell escapes are neutralised for parsing *line for line* (a line stays a
line), so that the statements' line numbers point into the cell as the student wrote it and
the cell can be cut between statements without touching its magics.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator

# Cell magics whose body is ordinary Python run in the notebook's namespace (or timed there).
PYTHON_CELL_MAGICS = ("%%time", "%%timeit", "%%capture")


def cell_magic(source: str) -> str | None:
    """The cell magic on the cell's first line (`%%time`), if it has one."""
    first = source.lstrip("\n").split("\n", 1)[0].strip()
    return first.split()[0] if first.startswith("%%") else None


# `%timeit`'s options that take a value (`-n 10`, `-r 3`); its others stand alone (`-o`, `-q`).
_TIMEIT_VALUED = ("-n", "-r", "-p")
# `t = %timeit -o f()`, `files = !ls`: the target is kept, the magic's value is not Python.
_ASSIGNED_MAGIC = re.compile(r"^(?P<target>[^=%!]+?)\s*=\s*[%!]")
# `jax.jit?`, `?jax.jit`, `jax.random.split??`: IPython's help.
_HELP = re.compile(r"^(\?{1,2}[\w.]+|[\w.]+\?{1,2})\s*$")


def _timed_statement(arguments: str) -> str:
    """The statement a `%time`/`%timeit` line runs, without `%timeit`'s options."""
    words = arguments.split(" ")
    while words and words[0].startswith("-"):
        option = words.pop(0)
        if option in _TIMEIT_VALUED and words:
            words.pop(0)
    return " ".join(words).strip() or "pass"


def _python_line(line: str) -> str:
    stripped = line.lstrip()
    indent = line[: len(line) - len(stripped)]
    if stripped.startswith(("%time ", "%timeit ")):
        return indent + _timed_statement(stripped.split(None, 1)[1])
    if stripped.startswith(("%", "!")) or _HELP.match(stripped):
        return indent + "pass"
    assigned = _ASSIGNED_MAGIC.match(stripped)
    if assigned and _parses(assigned.group("target") + " = None"):
        return indent + assigned.group("target") + " = None"
    return line


def _parses(source: str) -> bool:
    try:
        ast.parse(source)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return False
    return True


def python_source(source: str) -> str:
    """The Python in a cell, line for line, with IPython's magics, shell escapes and help
    neutralised ("" for a cell magic whose body is not Python, such as `%%bash`)."""
    lines = source.splitlines()
    magic = cell_magic(source)
    if magic is not None and magic not in PYTHON_CELL_MAGICS:
        return ""
    cleaned = []
    seen_magic = False
    for line in lines:
        if magic is not None and not seen_magic and line.lstrip().startswith("%%"):
            seen_magic = True
            cleaned.append("")
        else:
            cleaned.append(_python_line(line))
    return "\n".join(cleaned)


def parse(source: str) -> ast.Module | None:
    """The cell's statements (None: it is not valid Python even with its magics neutralised)."""
    try:
        return ast.parse(python_source(source))
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        # Nested too deeply or too large for Python: the kernel cannot compile it either.
        return None


def top_level(statements: list[ast.stmt]) -> Iterator[ast.stmt]:
    """Statements that run at module level (into if/for/with/try bodies, not functions)."""
    pending = list(statements)
    while pending:
        node = pending.pop(0)
        yield node
        if isinstance(node, (ast.If, ast.For, ast.While, ast.With, ast.Try)):
            for name in ("body", "orelse", "finalbody"):
                pending.extend(getattr(node, name, []))
            pending.extend(h for handler in getattr(node, "handlers", []) for h in handler.body)


def bound_names(statements: list[ast.stmt] | ast.Module | None) -> set[str]:
    """The global names some statement binds at module level."""
    if statements is None:
        return set()
    if isinstance(statements, ast.Module):
        statements = statements.body
    names: set[str] = set()
    for node in top_level(statements):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            names.update((alias.asname or alias.name).split(".")[0] for alias in node.names)
        else:
            targets: list[ast.expr] = []
            if isinstance(node, ast.Assign):
                targets = node.targets
            elif isinstance(node, (ast.AugAssign, ast.AnnAssign, ast.For)):
                targets = [node.target]
            elif isinstance(node, ast.With):
                targets = [i.optional_vars for i in node.items if i.optional_vars is not None]
            for target in targets:
                names.update(n.id for n in ast.walk(target) if isinstance(n, ast.Name))
    return names


def first_line(statement: ast.stmt) -> int:
    """The statement's first line (1-based), its decorators included."""
    decorators: list[ast.expr] = getattr(statement, "decorator_list", [])
    return min([statement.lineno, *(d.lineno for d in decorators)])


def split_names(statements: list[ast.stmt]) -> set[str]:
    """The names module-level statements bind to keys split from another (`key, *keys =
    jax.random.split(key, num=3)` binds `keys`; the key split, `key`, is not counted)."""
    names: set[str] = set()
    for node in top_level(statements):
        if not isinstance(node, ast.Assign):
            continue
        calls = [n for n in ast.walk(node.value) if isinstance(n, ast.Call) and callee(n) == "split"]
        if not calls:
            continue
        split = {
            n.id for call in calls for a in call.args[:1] for n in ast.walk(a) if isinstance(n, ast.Name)
        }
        names |= bound_names([node]) - split
    return names


def uses(statements: list[ast.stmt], names: set[str]) -> tuple[bool, bool]:
    """(whether the statements read or bind any of `names`, whether they delete any of them)."""
    found = [n for s in statements for n in ast.walk(s) if isinstance(n, ast.Name) and n.id in names]
    return any(not isinstance(n.ctx, ast.Del) for n in found), any(isinstance(n.ctx, ast.Del) for n in found)


def callee(call: ast.Call) -> str:
    """The name a call calls by (`split` in `jax.random.split(key)`), "" for `f()()` and such."""
    function = call.func
    if isinstance(function, ast.Attribute):
        return function.attr
    return function.id if isinstance(function, ast.Name) else ""
