"""Runs inside the student's kernel: how the engine reads a submission's values and the kernel.

Never imported by the grader: its text is run in the kernel before any student code, in one
scope with `transport.py` and the assignment's probes (see `autograder/probe/__init__.py`).
It holds what every assignment's probes share: `encode` (a value as plain data: numbers,
shapes, type names; nothing pickled), `lookup` and `call` (a name of the notebook, read or
called, a missing name or a raised exception being data too), PRNG keys from seeds, JAX's
flags, JAX's own jitted-function type (captured from jaxlib without importing `jax`, which
would fix the student's configuration before their first cell), and the snapshot of the
kernel's hooks that the last request compares with (`differences`). Every verdict is made in
the grading process: this only produces values.
"""

from __future__ import annotations

import binascii
import builtins
import json  # noqa: F401  (loaded, so that GUARDED captures its attributes at install)
import math
import sys
from collections.abc import Callable
from types import MethodType
from typing import Any, TypeGuard

# The probe's types, for the type checker only: what it sends is described, and checked on
# arrival, by `autograder/probe_protocol.py`.
Encoded = dict[str, Any]  # one encoded value (`kind` first)
Observed = dict[str, Any]  # what one question's probe reports
Namespace = dict[str, Any]  # the student's globals
Plan = dict[str, Any]  # the inputs the grader chose
Probe = Callable[[Namespace, Plan], Observed]

MAX_ITEMS = 16  # of a list's items or a dict's entries
MAX_TEXT = 300
# Arrays of up to MAX_LISTED elements go as JSON lists of numbers (readable in a report);
# larger ones as base64 of their little-endian bytes. Either way each array is charged to the
# report's budget of MAX_REPORT_DATA bytes of array text (listed elements at LISTED_BYTES
# each, their longest text): room for 2,000,000 float32 values and more, well inside the
# frame the grader reads (probe_protocol.MAX_REPORT_BYTES). Past it, an array is `too_large`.
MAX_LISTED = 10_000
LISTED_BYTES = 26
MAX_REPORT_DATA = 12 * 2**20
# IPython event callbacks honest notebooks register (plotting, `%autoreload`), and comm targets
# they open (ipywidgets, which `tqdm.auto` loads): the very functions, by identity, as
# (module, attribute path).
KNOWN_CALLBACKS = (
    ("matplotlib.pyplot", "_draw_all_if_interactive"),
    ("matplotlib_inline.backend_inline", "flush_figures"),
    ("IPython.extensions.autoreload", "AutoreloadMagics.pre_run_cell"),
    ("IPython.extensions.autoreload", "AutoreloadMagics.post_execute_hook"),
)
KNOWN_COMM_TARGETS = {
    "jupyter.widget": ("ipywidgets.widgets.widget", "Widget.handle_comm_opened"),
    "jupyter.widget.control": ("ipywidgets.widgets.widget", "Widget.handle_control_comm_opened"),
}
# Attributes of the modules a report used to pass through, and of the kernel's comm
# machinery: the probe no longer relies on them, but replacing them is how reports were
# forged, so the last request says whether they are still what they were at install.
GUARDED = (
    ("json", "dumps"),
    ("json", "_default_encoder"),
    ("json", "_default_encoder.encode"),
    ("json", "_default_encoder.iterencode"),
    ("json", "JSONEncoder.encode"),
    ("json", "JSONEncoder.iterencode"),
    ("json.encoder", "encode_basestring_ascii"),
    ("comm.base_comm", "BaseComm.send"),
    ("comm.base_comm", "BaseComm.publish_msg"),
    ("comm.base_comm", "CommManager.comm_open"),
    ("comm.base_comm", "CommManager.register_target"),
    ("ipykernel.comm.comm", "BaseComm.publish_msg"),
    ("jupyter_client.session", "Session.send"),
    ("os", "write"),
)
_base64 = binascii.b2a_base64
try:  # jaxlib's C++ type: it cannot be subclassed, and `type(f) is` it cannot be faked
    from jaxlib._jax import PjitFunction as _PjitFunction

    _genuine_cache_size = _PjitFunction._cache_size
except ImportError:  # no JAX at all: nothing is compiled
    _PjitFunction = None
    _genuine_cache_size = None


class _Budget:
    """Bytes of array text the report being made may still carry (`new_report` refills it)."""

    remaining = MAX_REPORT_DATA

    @classmethod
    def charge(cls, cost: int) -> bool:
        if cost > cls.remaining:
            return False
        cls.remaining -= cost
        return True


def new_report() -> None:
    """Start a report: its arrays get the whole budget again."""
    _Budget.remaining = MAX_REPORT_DATA


def _text(value: object) -> str:
    try:
        text = repr(value)
    except BaseException as error:  # a hostile __repr__ must not stop the probe
        text = f"<unprintable {type(value).__name__}: {type(error).__name__}>"
    return text[:MAX_TEXT]


def encode(value: Any) -> Encoded:
    """A plain-data description of `value`: numbers, shapes and type names, nothing pickled;
    lists, tuples and dicts with text keys (a network's parameters) nest, each holding at
    most MAX_ITEMS entries (`length` says how many there were). JAX is only used when the
    student imported it: importing it here would fix its configuration (JAX_ENABLE_X64 …)
    before the student's own `import jax`."""
    import numpy as np

    jax = sys.modules.get("jax")

    if value is None:
        return {"kind": "none"}
    if isinstance(value, (list, tuple)):
        return {
            "kind": "list",
            "length": len(value),
            "items": [encode(item) for item in list(value)[:MAX_ITEMS]],
        }
    if isinstance(value, dict):
        entries = dict.items(value)
        if not all(isinstance(key, str) for key, _ in entries):
            return {"kind": "object", "type": type(value).__name__, "repr": _text(value)}
        kept = list(entries)[:MAX_ITEMS]
        return {
            "kind": "dict",
            "length": len(entries),
            "keys": [str.__str__(key)[:MAX_TEXT] for key, _ in kept],
            "items": [encode(item) for _, item in kept],
        }
    if callable(value) and not hasattr(value, "shape"):
        return {"kind": "callable", "type": type(value).__name__}
    is_jax = jax is not None and isinstance(value, jax.Array)
    try:
        if is_jax and jax is not None and jax.dtypes.issubdtype(value.dtype, jax.dtypes.prng_key):
            value = jax.random.key_data(value)
        array = np.asarray(value)
    except BaseException:
        return {"kind": "object", "type": type(value).__name__, "repr": _text(value)}
    if array.dtype.kind not in "biuf":
        return {"kind": "object", "type": type(value).__name__, "repr": _text(value)}
    found = {"kind": "array", "jax": is_jax, "shape": list(array.shape), "dtype": str(array.dtype)}
    if array.size <= MAX_LISTED and _Budget.charge(array.size * LISTED_BYTES):
        found["data"] = [x if math.isfinite(x) else str(x) for x in array.astype(float).ravel().tolist()]
        return found
    if not _Budget.charge(4 * math.ceil(array.nbytes / 3)):
        return {"kind": "too_large", "shape": list(array.shape), "dtype": str(array.dtype)}
    little_endian = array.astype(array.dtype.newbyteorder("<"), copy=False)
    found["bytes"] = _base64(little_endian.tobytes(), newline=False)
    return found


def failure(error: BaseException) -> Encoded:
    return {"kind": "error", "type": type(error).__name__, "message": str(error)[:MAX_TEXT]}


def lookup(namespace: Namespace, name: str) -> Encoded:
    if name not in namespace:
        return {"kind": "missing", "name": name}
    return encode(namespace[name])


def call(namespace: Namespace, name: str, *args: Any) -> Encoded:
    """`namespace[name](*args)`, encoded; a missing name or a raised exception is data too."""
    if name not in namespace:
        return {"kind": "missing", "name": name}
    return call_function(namespace[name], *args)


def call_function(function: Callable[..., Any], *args: Any) -> Encoded:
    try:
        return encode(function(*args))
    except Exception as error:
        return failure(error)


def keys(seeds: list[int]) -> list[Any]:
    import jax

    return [jax.random.PRNGKey(seed) for seed in seeds]


def flags() -> dict[str, Any]:
    jax = sys.modules.get("jax")
    if jax is None:  # not imported yet: nothing is configured
        return {}
    names = ("jax_threefry_partitionable", "jax_enable_x64", "jax_default_prng_impl", "jax_disable_jit")
    return {name: getattr(jax.config, name, None) for name in names}


def genuine_jit(function: object) -> TypeGuard[Callable[..., Any]]:
    """Whether `function` is JAX's own jitted function (an exact type check: no attribute of
    the student's object is read)."""
    return _PjitFunction is not None and type(function) is _PjitFunction


def cache_size(function: object) -> int | None:
    """How many times JAX compiled `function`, from the genuine type's own method."""
    if not genuine_jit(function):
        return None
    try:
        return int(_genuine_cache_size(function))
    except Exception:
        return None


def compiled_function(value: object) -> tuple[str, Callable[..., Any] | None]:
    """("jit" | "aot" | "no", the genuine jitted function behind `value`: the one to call and
    time; see `probe_protocol.Compiled`). An ahead-of-time compiled function
    (`jax.jit(f).lower(...).compile()`, a `jax.stages.Compiled`) counts through the genuine
    PjitFunction it calls once it has been called (its `_call`); anything else that merely
    looks compiled counts for nothing."""
    if genuine_jit(value):
        return "jit", value
    try:
        inner = object.__getattribute__(value, "_call") if "_call" in getattr(value, "__dict__", {}) else None
    except Exception:  # not BaseException: the grader's interrupt must reach the handler
        inner = None
    if genuine_jit(inner):
        return "aot", inner
    return "no", None


def compiled_under_another_name(
    namespace: Namespace, function: object
) -> tuple[str, Callable[..., Any] | None]:
    """("alias", a genuine jitted function of the notebook made from `function` itself, as in
    `fast = jax.jit(function)`), or ("no", None). Its `__wrapped__` can be set by anyone, so
    its values are to be checked like an ahead-of-time compiled function's."""
    if function is None:
        return "no", None
    for value in list(namespace.values()):
        try:
            if genuine_jit(value) and object.__getattribute__(value, "__wrapped__") is function:
                return "alias", value
        except Exception:  # not BaseException: the grader's interrupt must reach the handler
            continue
    return "no", None


# -- the kernel's hooks: a snapshot at install, compared with the last request's -------------


def hooks(shell: Any) -> dict[str, Any]:
    """What could see or rewrite code and output: a snapshot to compare with later."""
    transformers = shell.input_transformer_manager
    kernel = shell.kernel
    return {
        "events": {name: list(callbacks) for name, callbacks in shell.events.callbacks.items()},
        "input_transformers_post": list(shell.input_transformers_post),
        "cleanup_transforms": list(transformers.cleanup_transforms),
        "line_transforms": list(transformers.line_transforms),
        "token_transformers": list(transformers.token_transformers),
        "ast_transformers": list(shell.ast_transformers),
        "comm_targets": sorted(kernel.comm_manager.targets),
        "trace": sys.gettrace(),
        "profile": sys.getprofile(),
        "builtins": {
            name: getattr(builtins, name, None)
            for name in ("exec", "eval", "print", "__import__", "compile", "type", "isinstance")
        },
        "guarded": {f"{module}.{path}": _function(_attribute(module, path)) for module, path in GUARDED},
        "namespace __builtins__": shell.user_ns.get("__builtins__"),
        "comm_open": kernel.shell_handlers.get("comm_open"),
        "comm_manager": kernel.comm_manager,
    }


def _among(hook: object, hooks: list[Any]) -> bool:
    return any(hook is other for other in hooks)  # by identity: a student's __eq__ proves nothing


def _attribute(module: str, path: str) -> object:
    found: object = sys.modules.get(module)
    for name in path.split("."):
        found = getattr(found, name, None) if found is not None else None
    return found


def _function(callback: object) -> object:
    # A bound method (`%autoreload`'s, a classmethod) is a new object at each access: its function.
    return callback.__func__ if type(callback) is MethodType else callback


def _known(callback: object) -> bool:
    function = _function(callback)
    return any(
        found is not None and _function(found) is function
        for found in (_attribute(m, p) for m, p in KNOWN_CALLBACKS)
    )


def _known_comm_target(name: str, handler: object) -> bool:
    known = KNOWN_COMM_TARGETS.get(name)
    found = _attribute(*known) if known is not None else None
    return found is not None and _function(found) is _function(handler)


def differences(before: dict[str, Any], now: dict[str, Any], target: str, handler: object) -> list[Encoded]:
    """The hooks added or replaced since install, as plain data."""
    findings: list[Encoded] = []
    for name, callbacks in now["events"].items():
        for callback in callbacks:
            if not _among(callback, before["events"].get(name, [])) and not _known(callback):
                findings.append({"kind": "ipython_event", "detail": f"{name}: {_text(callback)}"})
    for name in (
        "input_transformers_post",
        "cleanup_transforms",
        "line_transforms",
        "token_transformers",
        "ast_transformers",
    ):
        for transformer in now[name]:
            if not _among(transformer, before[name]):
                findings.append({"kind": "input_transformer", "detail": f"{name}: {_text(transformer)}"})
    for name in now["comm_targets"]:
        handler_now = now["comm_manager"].targets.get(name)
        if (
            name not in before["comm_targets"]
            and name != target
            and not _known_comm_target(name, handler_now)
        ):
            findings.append({"kind": "comm_target", "detail": name})
    for name in ("trace", "profile"):
        if now[name] is not before[name]:
            findings.append({"kind": "trace", "detail": f"sys.set{name}: {_text(now[name])}"})
    for name, original in before["builtins"].items():
        if now["builtins"][name] is not original:
            findings.append({"kind": "replaced", "detail": f"builtins.{name}"})
    for name, original in before["guarded"].items():
        # One not loaded at install (None then) is not guarded: it was not there to replace.
        if original is not None and now["guarded"][name] is not original:
            findings.append({"kind": "replaced", "detail": name})
    for name in ("namespace __builtins__", "comm_open", "comm_manager"):
        if now[name] is not before[name]:
            findings.append({"kind": "replaced", "detail": name})
    if now["comm_manager"].targets.get(target) is not handler:
        findings.append({"kind": "replaced", "detail": "the grader's comm target"})
    return findings
