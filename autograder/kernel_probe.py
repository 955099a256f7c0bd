"""Runs inside the student's kernel: reads a submission's names and calls its functions.

This file is never imported by the grader. Its text is sent to the kernel at a question's
checkpoint together with a request (probe inputs chosen at grading time), and it prints one
line: the nonce followed by JSON observations. It only *produces* values; every verdict is
made in the grading process. It runs in a namespace of its own so that nothing it defines
lands in the student's globals.
"""

import json
import math
import sys
import time

MAX_ELEMENTS = 10_000
MAX_ITEMS = 16
MAX_TEXT = 300


def _text(value):
    try:
        text = repr(value)
    except BaseException as error:  # a hostile __repr__ must not stop the probe
        text = f"<unprintable {type(value).__name__}: {type(error).__name__}>"
    return text[:MAX_TEXT]


def encode(value):
    """A plain-data description of `value`: numbers, shapes and type names, nothing pickled."""
    import jax
    import numpy as np

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
    is_jax = isinstance(value, jax.Array)
    try:
        if is_jax and jax.dtypes.issubdtype(value.dtype, jax.dtypes.prng_key):
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


def failure(error):
    return {"kind": "error", "type": type(error).__name__, "message": str(error)[:MAX_TEXT]}


def lookup(namespace, name):
    if name not in namespace:
        return {"kind": "missing", "name": name}
    return encode(namespace[name])


def call(namespace, name, *args):
    """`namespace[name](*args)`, encoded; a missing name or a raised exception is data too."""
    if name not in namespace:
        return {"kind": "missing", "name": name}
    try:
        return encode(namespace[name](*args))
    except Exception as error:
        return failure(error)


def keys(seeds):
    import jax

    return [jax.random.PRNGKey(seed) for seed in seeds]


def flags():
    import jax

    names = ("jax_threefry_partitionable", "jax_enable_x64", "jax_default_prng_impl")
    return {name: getattr(jax.config, name, None) for name in names}


def cache_size(function):
    try:
        return int(function._cache_size())
    except Exception:
        return None


# -- one probe per question: `plan` holds the inputs the grader chose --------------------


def probe_q1(namespace, plan):
    return {name: lookup(namespace, name) for name in plan["names"]}


def probe_q2(namespace, plan):
    observed = {"flags": flags(), "subkeys": lookup(namespace, "subkeys")}
    # The assignment's expression, and foo1/foo2 on the same keys: the value must not
    # depend on which function the shuffle picks.
    for name, expression in (
        ("value", lambda n, s: n["foo"]((n["foo1"], n["foo2"]), (s[0], s[1]))),
        ("value_foo1", lambda n, s: n["foo1"](s[0], s[1])),
        ("value_foo2", lambda n, s: n["foo2"](s[0], s[1])),
    ):
        try:
            observed[name] = encode(expression(namespace, namespace["subkeys"]))
        except Exception as error:
            observed[name] = failure(error)
    for name in ("bar", "baz"):
        observed[name] = [call(namespace, name, key) for key in keys(plan["seeds"])]
    pairs = [keys(pair) for pair in plan["pairs"]]
    # bar and baz on the keys foo1/foo2 get, so foo1/foo2 can be judged on the student's own.
    observed["bar_first"] = [call(namespace, "bar", pair[0]) for pair in pairs]
    observed["baz_second"] = [call(namespace, "baz", pair[1]) for pair in pairs]
    for name in ("foo1", "foo2"):
        observed[name] = [call(namespace, name, *pair) for pair in pairs]
    observed["foo"] = [_spy_on_foo(namespace, pair, plan["markers"]) for pair in pairs]
    return observed


def _spy_on_foo(namespace, pair, markers):
    """Call `foo` with two recording stand-ins for foo1/foo2 and report what it did."""
    calls = []

    def stand_in(marker):
        def function(*args, **kwargs):
            calls.append({"marker": marker, "args": encode(list(args)), "kwargs": sorted(kwargs)})
            return marker

        return function

    result = call(namespace, "foo", tuple(stand_in(m) for m in markers), tuple(pair))
    return {"result": result, "calls": calls}


def probe_q3(namespace, plan):
    observed = {}
    for name in ("my_function", "my_gradient"):
        observed[name + "_17"] = call(namespace, name, 17.0)
        observed[name] = [call(namespace, name, float(x)) for x in plan["points"]]
    return observed


def probe_q4(namespace, plan):
    import jax

    seeds = plan["seeds"]
    observed = {
        "flags": flags(),
        "single": [call(namespace, "my_model", key) for key in keys(seeds)],
        "pair": [call(namespace, "my_model", keys([a, b])) for a, b in zip(seeds, plan["partners"])],
    }
    model = namespace.get("my_model")
    compiled_ahead = isinstance(model, jax.stages.Compiled)  # jax.jit(f).lower(...).compile()
    observed["jitted"] = model is not None and (
        compiled_ahead or (hasattr(model, "lower") and cache_size(model) is not None)
    )
    observed["cache_size"] = cache_size(model) if model is not None else None

    def reference_single(key):
        return 14 * jax.random.normal(key) ** 2 + 13 * jax.random.normal(key)

    def reference_pair(pair):
        return 14 * jax.random.normal(pair[0]) ** 2 + 13 * jax.random.normal(pair[1])

    # Time the form of call the student's model accepts against the uncompiled model.
    form = next((f for f in ("pair", "single") if observed[f][0]["kind"] == "array"), None)
    observed["timing"] = None
    if form is not None:
        argument = keys(seeds[:2]) if form == "pair" else keys(seeds[:1])[0]
        reference = reference_pair if form == "pair" else reference_single
        observed["timing"] = _time_against(model, reference, argument, plan["repetitions"], plan["iterations"])
    return observed


def _time_against(model, reference, argument, repetitions, iterations):
    import jax

    def run(function):
        start = time.perf_counter()
        for _ in range(iterations):
            jax.block_until_ready(function(argument))
        return time.perf_counter() - start

    try:
        run(model), run(reference)  # warm up: compile and fill caches
        pairs = [(run(reference), run(model)) for _ in range(repetitions)]
    except Exception as error:
        return failure(error)
    return {"kind": "timing", "reference": [p[0] for p in pairs], "submission": [p[1] for p in pairs]}


def probe_q5(namespace, plan):
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


def run(namespace, request):
    """Entry point: `request` is the JSON text the grader sent."""
    request = json.loads(request)
    try:
        observed = PROBES[request["question"]](namespace, request["plan"])
    except Exception as error:
        observed = {"probe_error": failure(error)}
    sys.stdout.write(request["nonce"] + json.dumps(observed) + "\n")
    sys.stdout.flush()
