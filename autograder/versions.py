"""Which function each binding of a name compiles, read from the code, and the tag the
assignment gives it (`rubric.ProbeEachBinding`).

A binding is read for the function it compiles, whatever that function is called:
`jax.jit(NAME, ...)`, `partial(jax.jit, ...)(NAME)`, `jax.jit(NAME).lower(...).compile()`, a
decorated `def`, a lambda around NAME, or plain `NAME`, where NAME is resolved to the definition
in effect at that point of the notebook. Whether the binding is really compiled is for the probe
to say; what the function is (the tag) is the assignment's to say.
"""

from __future__ import annotations

import ast

from autograder.rubric import Function, ProbeEachBinding
from autograder.statements import callee, top_level


def _is_jit(node: ast.AST) -> bool:
    return (isinstance(node, ast.Name) and node.id == "jit") or (
        isinstance(node, ast.Attribute) and node.attr == "jit"
    )


def _is_partial(node: ast.AST) -> bool:
    return (isinstance(node, ast.Name) and node.id == "partial") or (
        isinstance(node, ast.Attribute) and node.attr == "partial"
    )


def compiled(expression: ast.expr) -> ast.expr | None:
    """The expression naming the function that `expression` compiles or is."""
    if not isinstance(expression, ast.Call):
        return expression
    function = expression.func
    if _is_jit(function):  # jax.jit(f, ...)
        fun = [k.value for k in expression.keywords if k.arg == "fun"]
        given = expression.args or fun
        return given[0] if given else None
    if isinstance(function, ast.Call) and (
        _is_jit(function.func)
        or (  # partial(jax.jit, ...)(f)
            _is_partial(function.func) and function.args and _is_jit(function.args[0])
        )
    ):
        return expression.args[0] if expression.args else None
    if isinstance(function, ast.Attribute) and isinstance(function.value, ast.Call):
        # jax.jit(f, ...).lower(...).compile()
        return compiled(function.value)
    return None


class Versions:
    """Reads the notebook's statements in order, remembering the functions each name holds, and
    tags each binding of `rule.name` with the function it compiles."""

    def __init__(self, rule: ProbeEachBinding) -> None:
        self.rule = rule
        self.unknown = rule.tag(None)  # the tag of a binding whose function the code does not show
        self.functions: dict[str, Function] = {}

    def _resolve(self, expression: ast.expr | None) -> Function | None:
        if isinstance(expression, ast.Name):
            return self.functions.get(expression.id)
        if isinstance(expression, ast.Lambda):
            # `lambda x, n: g(x, n)`: when the lambda itself tells nothing, the function it calls does.
            calls = [n for n in ast.walk(expression.body) if isinstance(n, ast.Call)]
            called = [self.functions.get(callee(n)) for n in calls]
            inner = next((f for f in called if f is not None), None)
            return inner if self.rule.tag(expression) == self.unknown and inner is not None else expression
        return None

    def read(self, statement: ast.stmt) -> list[str]:
        """The tag of each binding of the rule's name the statement makes, in order."""
        name = self.rule.name
        found = []
        for node in top_level([statement]):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                self.functions[node.name] = node
                if node.name == name:
                    found.append(self.rule.tag(node))
            elif isinstance(node, (ast.Assign, ast.AnnAssign)) and node.value is not None:
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                function = self._resolve(compiled(node.value))
                for target in targets:
                    if not isinstance(target, ast.Name):
                        if name in {n.id for n in ast.walk(target) if isinstance(n, ast.Name)}:
                            found.append(self.unknown)
                        continue
                    if function is not None:
                        self.functions[target.id] = function
                    else:
                        self.functions.pop(target.id, None)
                    if target.id == name:
                        found.append(self.rule.tag(function))
        return found
