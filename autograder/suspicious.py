"""Code a TA should read before trusting a grade.

The kernel reports its own values, so code that patches modules, hooks the output or the
interpreter, or reaches for the grader could forge what it reports (see the README's threat
model). Such code is rare in honest work on this assignment and easy to spot in the source:
each finding names the cell and what it does. Flags never change points.

What the source names at run time is read as far as it can be: a module reached through an
alias (`C = cb.BaseComm; C.send = ...`, `m = importlib.import_module("json")`) is that module,
`getattr(x, "name")` is `x.name`, and an attribute whose name is built at run time
(`getattr(mod, "na" + "me")`, `setattr(x, name, ...)`) is a finding of its own.

Precision matters as much as coverage: silencing or capturing output (`sys.stdout = ...`,
`contextlib.redirect_stdout`, `warnings.filterwarnings`) is honest and not flagged, and
neither is any notebook of the test corpus.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from autograder.notebook import Cell
from autograder.statements import parse

# Calls that reach into the interpreter: tracing, frames and the call stack, every live object.
HOOKS = {
    "settrace",
    "setprofile",
    "addaudithook",
    "_getframe",
    "currentframe",
    "extract_stack",
    "walk_stack",
    "format_stack",
    "getouterframes",
    "getinnerframes",
    "get_objects",
    "get_referrers",
    "register_at_fork",
}
# `inspect.stack()` and `inspect.trace()` return frames, `jnp.stack` and `np.trace` do not:
# these names are hooks only when they come from `inspect`.
INSPECT_HOOKS = {"stack", "trace"}
# Attributes of frames and tracebacks: whoever reads them reads the caller's variables.
FRAME_ATTRIBUTES = {"f_back", "f_globals", "f_locals", "f_builtins", "tb_frame", "gi_frame", "cr_frame"}
# IPython's and the kernel's machinery: hooks around every cell, and the kernel's channels.
# Names only IPython uses are flagged on any object; common words only on IPython's shell.
IPYTHON_INTERNALS = {
    "input_transformers_post",
    "input_transformers_cleanup",
    "ast_transformers",
    "input_transformer_manager",
    "comm_manager",
    "shell_handlers",
    "control_handlers",
    "register_target",
    "iopub_socket",
    # The comm layer a report used to leave the kernel through.
    "BaseComm",
    "CommManager",
    "publish_msg",
    "comm_open",
}
# `json`'s shared encoder, which `json.dumps` looks up on every call.
JSON_INTERNALS = {"_default_encoder", "c_make_encoder", "encode_basestring_ascii"}
SHELL_INTERNALS = {"events", "kernel"}
# Modules an honest notebook for this assignment has no use for.
FOREIGN_MODULES = {
    "ctypes",
    "autograder",
    "reference",
    "otter.test_files",
    "otter.run",
    "otter.execute",
    # The kernel's own machinery.
    "comm",
    "ipykernel",
    "jupyter_client",
    "zmq",
}
# Words from the grader's side: its probe, its results, its folders.
GRADER_WORDS = ("autograder", "results.json", "grading.json", "golden")
# Calls that return a module or a namespace: writes through them patch what they return.
# (`globals()[name] = ...` only sets the student's own variables, which they may.)
MODULE_GETTERS = {"__import__", "import_module", "vars", "get_ipython", "getattr"}
# Calls that run or import what a string names: a string built at run time hides what it is.
RUNS_CODE = {"exec", "eval", "compile", "__import__", "import_module"}
# Calls that read or write an attribute named by their second argument.
ATTRIBUTE_CALLS = {"getattr", "setattr", "delattr"}
# Replacing these is how an honest notebook silences or captures its output.
HONEST_REPLACEMENTS = {"sys.stdout", "sys.stderr"}


def _root(node: ast.expr) -> str | None:
    """The name an attribute or subscript chain starts from (`np` in `np.random.seed`)."""
    while isinstance(node, (ast.Attribute, ast.Subscript)):
        node = node.value
    return node.id if isinstance(node, ast.Name) else None


def _base(node: ast.expr) -> ast.expr:
    while isinstance(node, (ast.Attribute, ast.Subscript)):
        node = node.value
    return node


def _called(node: ast.expr) -> str | None:
    """The name of the function `node` calls (`import_module` in `importlib.import_module(...)`)."""
    if not isinstance(node, ast.Call):
        return None
    function = node.func
    return function.attr if isinstance(function, ast.Attribute) else getattr(function, "id", None)


@dataclass(frozen=True)
class Names:
    """What the whole notebook binds, for reading any one cell."""

    imported: frozenset[str]  # names bound by importing (modules or their members), and their aliases
    shells: frozenset[str]  # names bound to IPython's shell, `ip = get_ipython()`
    from_inspect: frozenset[str]  # `inspect` itself and what was imported from it, by their names here


def _names(trees: list[ast.Module]) -> Names:
    from_inspect = {"inspect"}
    for tree in trees:
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                from_inspect |= {a.asname or a.name for a in node.names if a.name == "inspect"}
            elif isinstance(node, ast.ImportFrom) and node.module == "inspect":
                from_inspect |= {alias.asname or alias.name for alias in node.names}
    imported = _aliases(trees, _imported_names(trees))
    return Names(frozenset(imported), frozenset(_shells(trees)), frozenset(from_inspect))


def _imported_names(trees: Iterable[ast.Module]) -> set[str]:
    """Names the notebook binds to modules or their members by importing."""
    names = set()
    for tree in trees:
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names |= {alias.asname or alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom):
                names |= {alias.asname or alias.name for alias in node.names}
    return names


def _aliases(trees: list[ast.Module], imported: set[str]) -> set[str]:
    """`imported` and the names bound to what they reach without a call (`C = cb.BaseComm`,
    `D = C`) or to what a module getter returns (`m = importlib.import_module("json")`), in
    any order across the notebook. A call's result (`model = SVC()`) is the student's own."""
    bindings = [
        (target.id, node.value)
        for tree in trees
        for node in ast.walk(tree)
        if isinstance(node, ast.Assign)
        for target in node.targets
        if isinstance(target, ast.Name)
    ]
    names = set(imported)
    while True:
        more = {name for name, value in bindings if name not in names and _reaches(value, names)}
        if not more:
            return names
        names |= more


def _reaches(value: ast.expr, names: set[str]) -> bool:
    if isinstance(value, (ast.Name, ast.Attribute)):
        return _root(value) in names and not isinstance(_base(value), ast.Call)
    return _called(value) in MODULE_GETTERS - {"vars", "get_ipython"}


def _foreign(module: str) -> bool:
    return any(module == name or module.startswith(name + ".") for name in FOREIGN_MODULES)


def _patches(target: ast.expr, imported: frozenset[str]) -> bool:
    """Whether assigning to (or deleting) `target` changes a module, a namespace or IPython:
    `np.allclose = ...`, `json.__dict__["dumps"] = ...`, `vars(json)["dumps"] = ...`,
    `__import__("sys").stdout = ...`. Plain variables and their items are the student's own."""
    if not isinstance(target, (ast.Attribute, ast.Subscript)):
        return False
    if ast.unparse(target) in HONEST_REPLACEMENTS:
        return False
    if (
        isinstance(target, ast.Subscript)
        and isinstance(target.value, ast.Attribute)
        and target.value.attr == "__dict__"
    ):
        return True
    if isinstance(target, ast.Attribute) and _root(target) in imported:
        return True
    return _called(_base(target)) in MODULE_GETTERS


def _assignment_findings(
    node: ast.Assign | ast.AugAssign | ast.AnnAssign | ast.Delete, imported: frozenset[str]
) -> Iterator[str]:
    targets = node.targets if isinstance(node, (ast.Assign, ast.Delete)) else [node.target]
    for target in targets:
        if _patches(target, imported):
            yield f"replaces `{ast.unparse(target)}`"


def _call_findings(node: ast.Call, names: Names) -> Iterator[str]:
    name = _called(node)
    first = node.args[0] if node.args else None
    named = node.args[1] if len(node.args) > 1 else None
    if name in ATTRIBUTE_CALLS and named is not None and not isinstance(named, ast.Constant):
        yield f"names an attribute at run time (`{name}`)"
    if name == "__import__":
        yield "imports through `__import__`"
    if (
        name in ("setattr", "delattr")
        and first is not None
        and (_root(first) in names.imported or _called(_base(first)) in MODULE_GETTERS)
    ):
        yield f"calls `{name}` on `{ast.unparse(first)}`"
    elif name in HOOKS or (name in INSPECT_HOOKS and _root(node.func) in names.from_inspect):
        yield f"calls `{ast.unparse(node.func)}`"
    elif (
        name in ("__import__", "import_module")
        and isinstance(first, ast.Constant)
        and isinstance(first.value, str)
        and _foreign(first.value)
    ):
        yield f"imports `{first.value}`"
    elif name in RUNS_CODE and first is not None and not isinstance(first, ast.Constant):
        yield f"runs code built at run time (`{name}`)"
    elif (
        name in ("update", "setdefault", "__setitem__")
        and isinstance(node.func, ast.Attribute)
        and _namespace(node.func.value)
    ):
        yield f"writes into `{ast.unparse(node.func.value)}`"


def _namespace(node: ast.expr) -> bool:
    """Whether `node` is a module's or an object's namespace: `json.__dict__`, `vars(json)`."""
    if isinstance(node, ast.Attribute):
        return node.attr == "__dict__"
    return isinstance(node, ast.Call) and _called(node) == "vars" and bool(node.args)


def _shells(trees: Iterable[ast.Module]) -> set[str]:
    """Names the notebook binds to IPython's shell (`ip = get_ipython()`)."""
    names = set()
    for tree in trees:
        for node in ast.walk(tree):
            if isinstance(node, ast.Assign) and _called(node.value) == "get_ipython":
                names |= {target.id for target in node.targets if isinstance(target, ast.Name)}
    return names


def _is_shell(node: ast.expr, shells: frozenset[str]) -> bool:
    return _called(node) == "get_ipython" or (isinstance(node, ast.Name) and node.id in shells)


def _as_attribute(node: ast.Call) -> ast.Attribute | None:
    """`getattr(x, "name")`, `setattr(x, "name", v)` or `delattr(x, "name")` read as `x.name`."""
    if _called(node) not in ATTRIBUTE_CALLS or len(node.args) < 2:
        return None
    named = node.args[1]
    if not (isinstance(named, ast.Constant) and isinstance(named.value, str)):
        return None
    return ast.Attribute(value=node.args[0], attr=named.value, ctx=ast.Load())


def _attribute_findings(node: ast.Attribute, shown: str, names: Names) -> Iterator[str]:
    if node.attr in FRAME_ATTRIBUTES:
        yield f"inspects stack frames (`{shown}`)"
    elif node.attr in IPYTHON_INTERNALS or (
        node.attr in SHELL_INTERNALS and _is_shell(node.value, names.shells)
    ):
        yield f"reaches into IPython or the kernel (`{shown}`)"
    elif node.attr in JSON_INTERNALS:
        yield f"reaches into json's shared encoder (`{shown}`)"


def _findings(tree: ast.Module, names: Names) -> Iterator[str]:
    for node in ast.walk(tree):
        attribute = _as_attribute(node) if isinstance(node, ast.Call) else None
        if attribute is not None:
            yield from _attribute_findings(attribute, ast.unparse(node), names)
        if isinstance(node, (ast.Assign, ast.AugAssign, ast.AnnAssign, ast.Delete)):
            yield from _assignment_findings(node, names.imported)
        elif isinstance(node, ast.Call):
            yield from _call_findings(node, names)
        elif isinstance(node, ast.Attribute):
            yield from _attribute_findings(node, ast.unparse(node), names)
        elif isinstance(node, ast.Import):
            yield from (f"imports `{a.name}`" for a in node.names if _foreign(a.name))
        elif isinstance(node, ast.ImportFrom) and node.module and _foreign(node.module):
            yield f"imports from `{node.module}`"
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            word = next((w for w in GRADER_WORDS if w in node.value.lower()), None)
            if word:
                yield f"mentions `{word}`"
            elif node.value in ("__builtins__", "__dict__"):
                yield f"uses `{node.value}`"
        elif isinstance(node, ast.Name) and node.id == "__builtins__":
            yield "uses `__builtins__`"
        elif isinstance(node, ast.Name) and "autograder" in node.id.lower():
            yield f"uses the name `{node.id}`"


def suspicious_code(cells: list[Cell]) -> tuple[str, ...]:
    """What a TA should read, as "cell N: what it does" (each finding once per cell)."""
    trees = {cell.index: parse(cell.source) for cell in cells if cell.kind == "code"}
    parsed = [tree for tree in trees.values() if tree is not None]
    names = _names(parsed)
    found = []
    for index, tree in trees.items():
        if tree is None:
            continue
        for finding in dict.fromkeys(_findings(tree, names)):
            found.append(f"cell {index + 1}: {finding}")
    return tuple(found)
