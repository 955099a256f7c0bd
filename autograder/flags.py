"""Code a TA should read before trusting a grade.

The kernel reports its own values, so code that patches modules, hooks the output or the
interpreter, or reaches for the grader could forge what it reports (see the README's threat
model). Such code is rare in honest work on this assignment and easy to spot in the source:
each finding names the cell and what it does. Flags never change points.
"""

from __future__ import annotations

import ast

from autograder.notebook import Cell
from autograder.statements import parse

# Calls that reach into the interpreter: tracing, frames, every live object.
HOOKS = {
    "settrace", "setprofile", "addaudithook", "_getframe", "currentframe", "stack",
    "get_objects", "get_referrers", "register_at_fork",
}
# Modules an honest notebook for this assignment has no use for.
FOREIGN_MODULES = {"ctypes", "autograder", "reference", "otter.test_files", "otter.run", "otter.execute"}
# Words from the grader's side: its probe, its results, its folders.
GRADER_WORDS = ("autograder", "results.json", "grading.json", "golden")


def _root(node: ast.expr) -> str | None:
    while isinstance(node, (ast.Attribute, ast.Subscript)):
        node = node.value
    return node.id if isinstance(node, ast.Name) else None


def _imported_names(trees) -> set[str]:
    """Names the notebook binds to modules or their members by importing."""
    names = set()
    for tree in trees:
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names |= {alias.asname or alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom):
                names |= {alias.asname or alias.name for alias in node.names}
    return names


def _foreign(module: str) -> bool:
    return any(module == name or module.startswith(name + ".") for name in FOREIGN_MODULES)


def _findings(tree: ast.Module, imported: set[str]):
    for node in ast.walk(tree):
        if isinstance(node, (ast.Assign, ast.AugAssign, ast.AnnAssign, ast.Delete)):
            targets = node.targets if isinstance(node, (ast.Assign, ast.Delete)) else [node.target]
            for target in targets:
                if isinstance(target, ast.Attribute) and _root(target) in imported:
                    yield f"replaces `{ast.unparse(target)}`"
        elif isinstance(node, ast.Call):
            function = node.func
            name = function.attr if isinstance(function, ast.Attribute) else getattr(function, "id", None)
            if name in ("setattr", "delattr") and node.args and _root(node.args[0]) in imported:
                yield f"calls `{name}` on `{ast.unparse(node.args[0])}`"
            elif name in HOOKS:
                yield f"calls `{ast.unparse(function)}`"
            elif name in ("exec", "eval", "compile", "__import__") and node.args and not isinstance(
                    node.args[0], ast.Constant):
                yield f"runs code built at run time (`{name}`)"
        elif isinstance(node, ast.Import):
            yield from (f"imports `{a.name}`" for a in node.names if _foreign(a.name))
        elif isinstance(node, ast.ImportFrom) and node.module and _foreign(node.module):
            yield f"imports from `{node.module}`"
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            word = next((w for w in GRADER_WORDS if w in node.value.lower()), None)
            if word:
                yield f"mentions `{word}`"
        elif isinstance(node, ast.Name) and "autograder" in node.id.lower():
            yield f"uses the name `{node.id}`"


def flags(cells: list[Cell]) -> tuple[str, ...]:
    """What a TA should read, as "cell N: what it does" (each finding once per cell)."""
    trees = {cell.index: parse(cell.source) for cell in cells if cell.kind == "code"}
    imported = _imported_names(tree for tree in trees.values() if tree is not None)
    found = []
    for index, tree in trees.items():
        if tree is None:
            continue
        for finding in dict.fromkeys(_findings(tree, imported)):
            found.append(f"cell {index + 1}: {finding}")
    return tuple(found)
