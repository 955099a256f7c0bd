"""Runs inside the student's kernel: reads a submission's names and calls its functions.

This file is never imported by the grader. Its text is sent once, before any student code
runs, and `install` registers a comm target (its name chosen at grading time) whose handler
answers the grader's requests. Requests come as comm messages, so none passes through cell
source, IPython's hooks or any stream the student may redirect.

Reports go back on a way of their own. Anything the probe looked up on a module at the time
of a report could be replaced by then (`json.dumps` looks `json._default_encoder` up on each
call; `comm.send` goes through `BaseComm.send`), so from the probed value to the bytes the
grader reads the probe uses only what it holds from before the first student step:
- its own JSON encoder (`_json`), plain Python on captured builtins and the unbound methods
  of the built-in types (`float.__repr__`, `str.__str__`: those types cannot be patched);
- its own way out: the write end of a pipe the grader opened and the kernel inherited at
  launch (`autograder.report_channel`), written with `os.write` captured at install, while
  SIGINT is held back so that a frame is never cut in half;
- each report framed with the nonce of its request (`probe_protocol.frame`), so that bytes
  written on the pipe by anything else are malformed or a second report, which the grader sees.
A student can still reach the pipe (its number is in `/proc/self/fd`) and the request (by
patching the comm machinery); both leave traces the grader looks for from outside or after
the run (see the README's threat model). Everything else the handler relies on is captured
at install time too: the builtins (a copy, so later patches of the `builtins` module do not
reach the probe), the clock, and JAX's own jitted-function type from jaxlib (imported without
`jax`, which would fix the student's configuration before their first cell). The wire format
is described in `autograder/probe_protocol.py`; this file only *produces* values, every
verdict is made in the grading process.
"""

from __future__ import annotations

import builtins
import json  # noqa: F401  (loaded, so that GUARDED captures its attributes at install)
import math
import os
import signal
import sys
import time
from collections.abc import Callable
from itertools import pairwise
from types import FunctionType, MethodType
from typing import Any, TypeGuard

# The probe's types, for the type checker only: what it sends is described, and checked on
# arrival, by `autograder/probe_protocol.py`.
Encoded = dict[str, Any]  # one encoded value (`kind` first)
Observed = dict[str, Any]  # what one question's probe reports
Namespace = dict[str, Any]  # the student's globals
Plan = dict[str, Any]  # the inputs the grader chose

MAX_ELEMENTS = 10_000
MAX_ITEMS = 16
MAX_TEXT = 300
TAMPER = "tamper"  # probe_protocol.TAMPER
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

_perf_counter = time.perf_counter
_write = os.write
_set_blocking = os.set_blocking
_fstat = os.fstat
_hold_signals = signal.pthread_sigmask
_HELD = {signal.SIGINT}
_BLOCK, _UNBLOCK = signal.SIG_BLOCK, signal.SIG_UNBLOCK
# The unbound methods of built-in types: those types cannot be patched, so neither can these.
_str_copy = str.__str__  # an exact `str` from a str or a subclass of it
_int_text = int.__repr__
_float_text = float.__repr__
_join = "".join
MAGIC = "AGP1"  # probe_protocol.MAGIC
_ESCAPES = {'"': '\\"', "\\": "\\\\", "\n": "\\n", "\r": "\\r", "\t": "\\t", "\b": "\\b", "\f": "\\f"}
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
try:  # jaxlib's C++ type: it cannot be subclassed, and `type(f) is` it cannot be faked
    from jaxlib._jax import PjitFunction as _PjitFunction

    _genuine_cache_size = _PjitFunction._cache_size
except ImportError:  # no JAX at all: nothing is compiled
    _PjitFunction = None
    _genuine_cache_size = None


def _text(value: object) -> str:
    try:
        text = repr(value)
    except BaseException as error:  # a hostile __repr__ must not stop the probe
        text = f"<unprintable {type(value).__name__}: {type(error).__name__}>"
    return text[:MAX_TEXT]


def _quoted(text: str) -> str:
    parts = ['"']
    for char in text:
        if char in _ESCAPES:
            parts.append(_ESCAPES[char])
        elif " " <= char <= "~":
            parts.append(char)
        else:
            code = ord(char)
            if code > 0xFFFF:  # as JSON writes it: a surrogate pair
                code -= 0x10000
                parts.append(f"\\u{0xD800 | (code >> 10):04x}\\u{0xDC00 | (code & 0x3FF):04x}")
            else:
                parts.append(f"\\u{code:04x}")
    parts.append('"')
    return _join(parts)


def _number(value: float) -> str:
    if value != value:
        return "NaN"
    if value in (float("inf"), float("-inf")):
        return "Infinity" if value > 0 else "-Infinity"
    return _float_text(value)


def _json(value: Any) -> str:
    """The probe's own JSON (ASCII, as `json.dumps` writes it): plain data of the types the
    probe builds, read through the built-in types' own methods; anything else raises."""
    kind = type(value)
    if value is None:
        return "null"
    if kind is bool:
        return "true" if value else "false"
    if kind is str:
        return _quoted(value)
    if kind is int:
        return _int_text(value)
    if kind is float:
        return _number(value)
    if kind is dict:
        items = [_quoted(_key(key)) + ": " + _json(item) for key, item in dict.items(value)]
        return "{" + ", ".join(items) + "}"
    if kind is list or kind is tuple:
        return "[" + ", ".join([_json(item) for item in value]) + "]"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):  # a subclass (a student's exception message may be one)
        return _quoted(_str_copy(value))
    if isinstance(value, int):
        return _int_text(value)
    if isinstance(value, float):  # numpy's float64 is one
        return _number(float(value))
    raise TypeError("the probe's report holds something that is not plain data")


def _key(key: Any) -> str:
    if type(key) is str:
        return key
    if isinstance(key, str):
        return _str_copy(key)
    raise TypeError("the probe's report has a key that is not text")


def _frame(nonce: str, text: str) -> bytes:
    """probe_protocol.frame: MAGIC, the nonce, the payload's length, a newline, the payload."""
    payload = text.encode("ascii")
    return f"{MAGIC} {nonce} {len(payload)}\n".encode("ascii") + payload


def _send(channel: int, data: bytes) -> None:
    """All of `data` on the pipe, SIGINT held back meanwhile (the grader's interrupt would
    otherwise cut the frame); a pending interrupt is delivered after it."""
    _hold_signals(_BLOCK, _HELD)
    try:
        view = memoryview(data)
        while len(view):
            try:
                view = view[_write(channel, view) :]
            except BlockingIOError:  # someone made the pipe non-blocking
                _set_blocking(channel, True)
    finally:
        _hold_signals(_UNBLOCK, _HELD)


def encode(value: Any) -> Encoded:
    """A plain-data description of `value`: numbers, shapes and type names, nothing pickled.
    JAX is only used when the student imported it: importing it here would fix its
    configuration (JAX_ENABLE_X64 …) before the student's own `import jax`."""
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
    if array.size > MAX_ELEMENTS:
        return {"kind": "too_large", "shape": list(array.shape), "dtype": str(array.dtype)}
    data = [x if math.isfinite(x) else str(x) for x in array.astype(float).ravel().tolist()]
    return {
        "kind": "array",
        "jax": is_jax,
        "shape": list(array.shape),
        "dtype": str(array.dtype),
        "data": data,
    }


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
    try:
        return encode(namespace[name](*args))
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


# -- one probe per question: `plan` holds the inputs the grader chose --------------------


def probe_q1(namespace: Namespace, plan: Plan) -> Observed:
    return {name: lookup(namespace, name) for name in plan["names"]}


# The assignment's expression, and foo1/foo2 on the same keys: the value must not depend on
# which function the shuffle picks.
# Each with the names it needs, so that one the student never defined is reported as missing.
_VALUE_EXPRESSIONS: tuple[tuple[str, tuple[str, ...], Callable[[Namespace, Any], Any]], ...] = (
    ("value", ("foo", "foo1", "foo2"), lambda n, s: n["foo"]((n["foo1"], n["foo2"]), (s[0], s[1]))),
    ("value_foo1", ("foo1",), lambda n, s: n["foo1"](s[0], s[1])),
    ("value_foo2", ("foo2",), lambda n, s: n["foo2"](s[0], s[1])),
)
MAX_PAIRS = 8


def probe_q2(namespace: Namespace, plan: Plan) -> Observed:
    observed: Observed = {"flags": flags(), "subkeys": lookup(namespace, "subkeys"), "other_pairs": []}
    if "subkeys" in namespace:
        observed.update(_values_on(namespace, namespace["subkeys"]))
    else:  # the split's keys may be under names of the student's own
        observed.update({name: observed["subkeys"] for name, _, _ in _VALUE_EXPRESSIONS})
        for names, pair in _key_pairs(namespace):
            values = _values_on(namespace, pair)
            observed["other_pairs"].append({"names": names, "subkeys": encode(pair), **values})
    for name in ("bar", "baz"):
        observed[name] = [call(namespace, name, key) for key in keys(plan["seeds"])]
    pairs = [keys(pair) for pair in plan["pairs"]]
    # bar and baz on the keys foo1/foo2 get, so foo1/foo2 can be judged on the student's own.
    observed["bar_first"] = [call(namespace, "bar", pair[0]) for pair in pairs]
    observed["baz_second"] = [call(namespace, "baz", pair[1]) for pair in pairs]
    for name in ("foo1", "foo2"):
        observed[name] = [call(namespace, name, *pair) for pair in pairs]
    # foo1/foo2 with stand-ins for bar and baz: what they do with bar and baz, whatever those draw.
    observed["composed"] = {
        name: [_with_stand_ins(namespace, name, pair, plan["markers"]) for pair in pairs]
        for name in ("foo1", "foo2")
    }
    observed["foo"] = [_spy_on_foo(namespace, pair, plan["markers"]) for pair in pairs]
    return observed


def _with_stand_ins(namespace: Namespace, name: str, pair: list[Any], markers: list[float]) -> Observed:
    """`namespace[name](*pair)` run as its own code with recording stand-ins for `bar` and `baz`
    (returning `markers[0]` and `markers[1]`) in a copy of its globals: the student's globals and
    functions are left as they are. Only a plain Python function can be rebuilt so (a jitted one
    would cache the stand-ins); anything else is reported missing."""
    function = namespace.get(name)
    if type(function) is not FunctionType:
        return {"result": {"kind": "missing", "name": name}, "calls": []}
    calls: list[Encoded] = []

    def stand_in(called: str, marker: float) -> Callable[..., float]:
        def record(*args: Any, **kwargs: Any) -> float:
            calls.append({"function": called, "args": encode(list(args)), "kwargs": sorted(kwargs)})
            return marker

        return record

    scope = dict(function.__globals__)
    scope.update(bar=stand_in("bar", markers[0]), baz=stand_in("baz", markers[1]))
    try:
        rebuilt = FunctionType(function.__code__, scope, name, function.__defaults__, function.__closure__)
        rebuilt.__kwdefaults__ = function.__kwdefaults__
        result = encode(rebuilt(*pair))
    except Exception as error:  # not BaseException: the grader's interrupt must reach the handler
        result = failure(error)
    return {"result": result, "calls": calls}


def _values_on(namespace: Namespace, pair: Any) -> Observed:
    observed: Observed = {}
    for name, needs, expression in _VALUE_EXPRESSIONS:
        absent = [n for n in needs if n not in namespace]
        if absent:  # a name the student never defined, not the probe's lookup
            observed[name] = {"kind": "missing", "name": absent[0]}
            continue
        try:
            observed[name] = encode(expression(namespace, pair))
        except Exception as error:
            observed[name] = failure(error)
    return observed


def _key_pairs(namespace: Namespace) -> list[tuple[str, list[Any]]]:
    """Pairs of PRNG keys among the notebook's globals: the first two of a list, tuple or array
    of keys (`sk`), and keys bound one after the other (`key, key1, key2 = split(...)`)."""
    jax = sys.modules.get("jax")
    if jax is None:
        return []

    def is_key(value: Any) -> bool:
        if not isinstance(value, jax.Array):
            return False
        if jax.dtypes.issubdtype(value.dtype, jax.dtypes.prng_key):
            return bool(value.shape == ())
        return bool(value.shape == (2,) and str(value.dtype) == "uint32")

    pairs: list[tuple[str, list[Any]]] = []
    singles: list[tuple[str, Any]] = []
    for name, value in list(namespace.items()):
        try:
            if name.startswith("_"):
                continue
            if is_key(value):
                singles.append((name, value))
            elif (
                isinstance(value, (list, tuple, jax.Array))
                and len(value) >= 2
                and is_key(value[0])
                and is_key(value[1])
            ):
                pairs.append((name, [value[0], value[1]]))
        except Exception:  # not BaseException: the grader's interrupt must reach the handler
            continue
    pairs += [(f"{a}, {b}", [x, y]) for (a, x), (b, y) in pairwise(singles)]
    return pairs[:MAX_PAIRS]


def _spy_on_foo(namespace: Namespace, pair: list[Any], markers: list[float]) -> Observed:
    """Call `foo` with two recording stand-ins for foo1/foo2 and report what it did."""
    calls: list[Encoded] = []

    def stand_in(marker: float) -> Callable[..., float]:
        def function(*args: Any, **kwargs: Any) -> float:
            calls.append({"marker": marker, "args": encode(list(args)), "kwargs": sorted(kwargs)})
            return marker

        return function

    result = call(namespace, "foo", tuple(stand_in(m) for m in markers), tuple(pair))
    return {"result": result, "calls": calls}


def probe_q3(namespace: Namespace, plan: Plan) -> Observed:
    observed: Observed = {}
    for name in ("my_function", "my_gradient"):
        observed[name + "_17"] = call(namespace, name, 17.0)
        observed[name] = [call(namespace, name, float(x)) for x in plan["points"]]
    # The derivative of the student's own `my_function`, so that a wrong function with a right
    # `jax.grad` loses the function's items only.
    observed["own_gradient_17"] = _own_gradient(namespace, 17.0)
    observed["own_gradient"] = [_own_gradient(namespace, float(x)) for x in plan["points"]]
    return observed


def _own_gradient(namespace: Namespace, x: float) -> Encoded:
    jax = sys.modules.get("jax")
    if jax is None or "my_function" not in namespace:
        return {"kind": "missing", "name": "my_function"}
    try:
        return encode(jax.grad(namespace["my_function"])(x))
    except Exception as error:
        return failure(error)


def probe_q4(namespace: Namespace, plan: Plan) -> Observed:
    import jax

    seeds = plan["seeds"]
    forms: dict[str, Callable[[], list[Any]]] = {
        "single": lambda: keys(seeds),
        "pair": lambda: [keys([a, b]) for a, b in zip(seeds, plan["partners"], strict=False)],
    }
    observed: Observed = {"flags": flags(), "genuine": {}, "timing": None}
    for form, arguments in forms.items():
        observed[form] = [call(namespace, "my_model", argument) for argument in arguments()]
    model = namespace.get("my_model")
    compiled, function = _compiled_function(model)
    if compiled == "no":
        compiled, function = _compiled_under_another_name(namespace, model)
    observed["compiled"] = compiled
    if (
        compiled in ("aot", "alias") and function is not None
    ):  # the values again, through JAX's own call rather than the student's object
        for form, arguments in forms.items():
            observed["genuine"][form] = [_call_function(function, argument) for argument in arguments()]

    def reference_single(key: Any) -> Any:
        return 14 * jax.random.normal(key) ** 2 + 13 * jax.random.normal(key)

    def reference_pair(pair: list[Any]) -> Any:
        return 14 * jax.random.normal(pair[0]) ** 2 + 13 * jax.random.normal(pair[1])

    # Only a genuinely compiled model is timed, against the uncompiled model, in the form it accepts.
    values = observed["genuine"] if compiled in ("aot", "alias") else observed
    timed = next((f for f in ("pair", "single") if values[f] and values[f][0]["kind"] == "array"), None)
    if function is not None and timed is not None:
        argument = keys(seeds[:2]) if timed == "pair" else keys(seeds[:1])[0]
        reference = reference_pair if timed == "pair" else reference_single
        observed["timing"] = _time_against(function, reference, argument, plan["timing"])
    return observed


def _compiled_function(model: object) -> tuple[str, Callable[..., Any] | None]:
    """("jit" | "aot" | "no", the genuine jitted function to time). An ahead-of-time compiled
    model (`jax.jit(f).lower(...).compile()`, a `jax.stages.Compiled`) counts through the
    genuine PjitFunction it calls once it has been called (its `_call`); anything else that
    merely looks compiled counts for nothing."""
    if genuine_jit(model):
        return "jit", model
    try:
        inner = object.__getattribute__(model, "_call") if "_call" in getattr(model, "__dict__", {}) else None
    except Exception:  # not BaseException: the grader's interrupt must reach the handler
        inner = None
    if genuine_jit(inner):
        return "aot", inner
    return "no", None


def _compiled_under_another_name(
    namespace: Namespace, model: object
) -> tuple[str, Callable[..., Any] | None]:
    """("alias", a genuine jitted function of the notebook made from `my_model` itself, as in
    `fast_model = jax.jit(my_model)`), or ("no", None). Its `__wrapped__` can be set by anyone,
    so its values are checked like an ahead-of-time model's."""
    if model is None:
        return "no", None
    for value in list(namespace.values()):
        try:
            if genuine_jit(value) and object.__getattribute__(value, "__wrapped__") is model:
                return "alias", value
        except Exception:  # not BaseException: the grader's interrupt must reach the handler
            continue
    return "no", None


def _call_function(function: Callable[..., Any], *args: Any) -> Encoded:
    try:
        return encode(function(*args))
    except Exception as error:
        return failure(error)


def _time_against(
    model: Callable[..., Any],
    reference: Callable[..., Any],
    argument: Any,
    plan: dict[str, Any],
) -> Encoded:
    """Interleaved runs of the reference and the model, `plan["iterations"]` calls each. From
    `plan["min_repetitions"]` pairs on, timing stops as soon as the ratio of the medians is
    clearly past `plan["threshold"]` (by the factor `plan["margin"]`); anything less clear runs
    all `plan["repetitions"]` pairs, so only a pass is ever decided early."""
    import jax

    iterations = plan["iterations"]
    clear = plan["threshold"] * plan["margin"]

    def run(function: Callable[..., Any]) -> float:
        start = _perf_counter()
        for _ in range(iterations):
            # jax leaves block_until_ready unannotated.
            jax.block_until_ready(function(argument))  # type: ignore[no-untyped-call]
        return _perf_counter() - start

    def median(values: list[float]) -> float:
        ordered = sorted(values)
        middle = len(ordered) // 2
        return ordered[middle] if len(ordered) % 2 else (ordered[middle - 1] + ordered[middle]) / 2

    reference_times: list[float] = []
    submission_times: list[float] = []
    try:
        run(model), run(reference)  # warm up: compile and fill caches
        while len(reference_times) < plan["repetitions"]:
            reference_times.append(run(reference))
            submission_times.append(run(model))
            if len(reference_times) >= plan["min_repetitions"] and median(reference_times) >= clear * median(
                submission_times
            ):
                break
    except Exception as error:
        return failure(error)
    return {"kind": "timing", "reference": reference_times, "submission": submission_times}


def probe_q5(namespace: Namespace, plan: Plan) -> Observed:
    function = namespace.get("fast_my_function")
    if function is None:
        return {"present": False}
    x, first, second = plan["x"], plan["first"], plan["second"]
    sizes = [cache_size(function)]
    results = []
    for value in (first, first, second):
        results.append(call(namespace, "fast_my_function", x, value))
        sizes.append(cache_size(function))
    return {"present": True, "results": results, "cache_sizes": sizes}


PROBES = {"q1": probe_q1, "q2": probe_q2, "q3": probe_q3, "q4": probe_q4, "q5": probe_q5}


# -- the channel: installed once, before any student code ---------------------------------


def _hooks(shell: Any) -> dict[str, Any]:
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


def _differences(before: dict[str, Any], now: dict[str, Any], target: str, handler: object) -> list[Encoded]:
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


def install(shell: Any, target: str, channel: int) -> None:
    """Register the probe's comm target. `shell` is the InteractiveShell; `target` the name;
    `channel` the write end of the report pipe the kernel inherited."""
    namespace = shell.user_ns
    os.set_inheritable(channel, False)  # a student's `!command` gets no copy of it
    _set_blocking(channel, True)
    pipe = _fstat(channel)
    before = _hooks(shell)

    def handle(comm: Any, message: dict[str, Any]) -> None:
        request = message["content"]["data"]
        nonce = request.get("nonce") if type(request) is dict else None
        if type(nonce) is not str or len(nonce) != 32 or not all(c in "0123456789abcdef" for c in nonce):
            return  # no request of the grader's: it has no frame to answer with
        try:
            observed: Observed
            if request["question"] == TAMPER:
                findings = _differences(before, _hooks(shell), target, handle)
                now = _fstat(channel)
                if (now.st_dev, now.st_ino) != (pipe.st_dev, pipe.st_ino):
                    findings.append({"kind": "channel", "detail": "the probe's report pipe was replaced"})
                observed = {"findings": findings}
            else:
                observed = PROBES[request["question"]](namespace, request["plan"])
        except KeyboardInterrupt:  # the grader's interrupt: its time limit ran out
            observed = {"probe_error": {"kind": "error", "type": "Timeout", "message": "interrupted"}}
        except BaseException as error:  # SystemExit and anything else from student code
            observed = {"probe_error": failure(error)}
        try:
            text = _json(observed)
        except BaseException as error:
            text = _json({"probe_error": failure(error)})
        _send(channel, _frame(nonce, text))

    shell.kernel.comm_manager.register_target(target, handle)
    # `quit()`, `exit()` and `%exit` shut a Jupyter kernel down (ZMQExitAutocall -> ask_exit).
    # Students leave them in notebooks; here they end only their cell, as `sys.exit()` does,
    # so the rest of the notebook still runs and is graded.
    shell.ask_exit = _end_the_cell_only


def _end_the_cell_only() -> None:
    raise SystemExit("quit() and exit() end only this cell when the notebook is graded")
