"""Which of Question 5's two versions of `my_function` a function is, read from its code: the
tag of each probe of `fast_my_function` (the engine finds the function each binding compiles).

A function is the `num_loops` version when it loops over its second parameter and the
`arr_cols` version when it builds an array from it; failing that, by the name of that
parameter; failing that, by any loop or array it makes.
"""

from __future__ import annotations

import ast
from enum import Enum

from autograder.rubric import Function
from autograder.statements import callee

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


class Version(Enum):
    LOOP = "loop"  # my_function(x, num_loops)
    SHAPE = "shape"  # my_function(x, arr_cols)
    UNKNOWN = "unknown"  # not a function the code shows (None, a call's result, ...)


_BY_PARAMETER = {"num_loops": Version.LOOP, "arr_cols": Version.SHAPE}


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
            and callee(node) in _LOOPS
            and (over is None or _mentions(_arguments(node), over))
        ):
            return True
    return False


def _builds(function: Function, over: str | None) -> bool:
    return any(
        isinstance(node, ast.Call)
        and callee(node) in _ARRAY_BUILDERS
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


def version_tag(function: Function | None) -> str:
    """The probe's tag: `loop`, `shape` or `unknown` (what `checks/static` reads)."""
    return version_of(function).value
