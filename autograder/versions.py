"""Which of Question 5's two versions a binding of `fast_my_function` compiles, read from the code.

A binding is classified by the function it compiles, whatever that function is called:
`jax.jit(NAME, ...)`, `partial(jax.jit, ...)(NAME)`, a decorated `def fast_my_function`, a
lambda around NAME, or plain `NAME`, where NAME is resolved to the definition in effect at that
point of the notebook. A function is the `num_loops` version when it loops over its second
parameter and the `arr_cols` version when it builds an array from it; failing that, by the name
of that parameter; failing that, by any loop or array it makes. Whether the binding is really
compiled is for the probe to say (`autograder.checks.static`).
"""

from __future__ import annotations

import ast
from enum import Enum

from autograder.statements import top_level

TARGET = "fast_my_function"
_ARRAY_BUILDERS = {
    "full",
    "zeros",
    "ones",
    "empty",
    "full_like",
    "zeros_like",
    "ones_like",
    "arange",
    "linspace",
    "eye",
    "tile",
    "repeat",
    "broadcast_to",
    "normal",
    "uniform",
    "reshape",
    "array",
    "asarray",
}
_LOOPS = {"fori_loop", "while_loop", "scan"}

Function = ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda


class Version(Enum):
    LOOP = "loop"  # my_function(x, num_loops)
    SHAPE = "shape"  # my_function(x, arr_cols)
    UNKNOWN = "unknown"  # not a function the code shows (None, a call's result, ...)


_BY_PARAMETER = {"num_loops": Version.LOOP, "arr_cols": Version.SHAPE}


def _called(node: ast.Call) -> str:
    function = node.func
    if isinstance(function, ast.Attribute):
        return function.attr
    return function.id if isinstance(function, ast.Name) else ""


def _mentions(nodes: list[ast.AST], name: str) -> bool:
    return any(isinstance(n, ast.Name) and n.id == name for node in nodes for n in ast.walk(node))


def _arguments(call: ast.Call) -> list[ast.AST]:
    return [*call.args, *(k.value for k in call.keywords)]


def _loops(function: Function, over: str | None) -> bool:
    for node in ast.walk(function):
        if isinstance(node, ast.For) and (over is None or _mentions([node.iter], over)):
            return True
        if isinstance(node, ast.While) and (over is None or _mentions([node.test], over)):
            return True
        if (
            isinstance(node, ast.Call)
            and _called(node) in _LOOPS
            and (over is None or _mentions(_arguments(node), over))
        ):
            return True
    return False


def _builds(function: Function, over: str | None) -> bool:
    return any(
        isinstance(node, ast.Call)
        and _called(node) in _ARRAY_BUILDERS
        and (over is None or _mentions(_arguments(node), over))
        for node in ast.walk(function)
    )


def version_of(function: Function | None) -> Version:
    """The version a function is, by what it does with its second parameter, else its name."""
    if function is None:
        return Version.UNKNOWN
    parameters = [a.arg for a in (*function.args.posonlyargs, *function.args.args)]
    second = parameters[1] if len(parameters) > 1 else None
    if second is not None and _loops(function, second):
        return Version.LOOP
    if second is not None and _builds(function, second):
        return Version.SHAPE
    if second in _BY_PARAMETER:
        return _BY_PARAMETER[second]
    if _loops(function, None):
        return Version.LOOP
    if _builds(function, None):
        return Version.SHAPE
    return Version.UNKNOWN


def _is_jit(node: ast.AST) -> bool:
    return (isinstance(node, ast.Name) and node.id == "jit") or (
        isinstance(node, ast.Attribute) and node.attr == "jit"
    )


def _is_partial(node: ast.AST) -> bool:
    return (isinstance(node, ast.Name) and node.id == "partial") or (
        isinstance(node, ast.Attribute) and node.attr == "partial"
    )


def _compiled(expression: ast.expr) -> ast.expr | None:
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
        return _compiled(function.value)
    return None


class Versions:
    """Reads the notebook's statements in order, remembering the functions each name holds."""

    def __init__(self) -> None:
        self.functions: dict[str, Function] = {}

    def _resolve(self, expression: ast.expr | None) -> Function | None:
        if isinstance(expression, ast.Name):
            return self.functions.get(expression.id)
        if isinstance(expression, ast.Lambda):
            # `lambda x, n: my_function2(x, n)`: the function it calls says what it is.
            calls = [n for n in ast.walk(expression.body) if isinstance(n, ast.Call)]
            called = [self.functions.get(_called(n)) for n in calls]
            inner = next((f for f in called if f is not None), None)
            return inner if version_of(expression) is Version.UNKNOWN and inner is not None else expression
        return None

    def read(self, statement: ast.stmt) -> list[Version]:
        """The version of each binding of `fast_my_function` the statement makes, in order."""
        found = []
        for node in top_level([statement]):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                self.functions[node.name] = node
                if node.name == TARGET:
                    found.append(version_of(node))
            elif isinstance(node, (ast.Assign, ast.AnnAssign)) and node.value is not None:
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                function = self._resolve(_compiled(node.value))
                for target in targets:
                    if not isinstance(target, ast.Name):
                        if TARGET in {n.id for n in ast.walk(target) if isinstance(n, ast.Name)}:
                            found.append(Version.UNKNOWN)
                        continue
                    if function is not None:
                        self.functions[target.id] = function
                    else:
                        self.functions.pop(target.id, None)
                    if target.id == TARGET:
                        found.append(version_of(function))
        return found
