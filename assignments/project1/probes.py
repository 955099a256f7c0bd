"""Project 1's probes: what the grader reads and calls in a student's kernel, one per question.

Runs inside the student's kernel, never in the grader: its text is run after the engine's
(`autograder/probe/`), in the same scope, before any student code. The engine's names it uses
(`encode`, `lookup`, `call`, ...) are that scope's, imported here for the type checker only.
Each probe takes the notebook's globals and the inputs the grader chose (the question's
`plan`, from its checks) and returns plain data; what each report holds is described in
`reports.py`. The engine answers a request for a question with `PROBES[question]`.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from itertools import pairwise
from time import perf_counter
from types import FunctionType
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # in the kernel these are the names the engine's probe left in this scope
    from autograder.probe.inspection import (
        Encoded,
        Namespace,
        Observed,
        Plan,
        Probe,
        cache_size,
        call,
        call_function,
        compiled_function,
        compiled_under_another_name,
        encode,
        failure,
        flags,
        keys,
        lookup,
    )


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
    compiled, function = compiled_function(model)
    if compiled == "no":
        compiled, function = compiled_under_another_name(namespace, model)
    observed["compiled"] = compiled
    if (
        compiled in ("aot", "alias") and function is not None
    ):  # the values again, through JAX's own call rather than the student's object
        for form, arguments in forms.items():
            observed["genuine"][form] = [call_function(function, argument) for argument in arguments()]

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
        start = perf_counter()
        for _ in range(iterations):
            # jax leaves block_until_ready unannotated.
            jax.block_until_ready(function(argument))  # type: ignore[no-untyped-call]
        return perf_counter() - start

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


PROBES: dict[str, Probe] = {"q1": probe_q1, "q2": probe_q2, "q3": probe_q3, "q4": probe_q4, "q5": probe_q5}
