"""The probe's contract: the kernel-side probe (sent as text, never imported by the grader)
run in this process on the reference answers, its report fed through the wire format's
decoder and the checks, gives full marks; JAX's own jitted type is what counts as compiled."""

from __future__ import annotations

import builtins
import json
import random

import jax
import numpy as np
import pytest

from autograder.checks import Observation
from autograder.execute import PROBE_SOURCE
from autograder.probe_protocol import FrameReader, Malformed, decode, frame
from reference import questions as reference
from tests.project1_checks import CHECKS, GOLDEN, grade_question


def probe_module() -> dict:
    """The probe as `install` gets it in the kernel: its own scope, a copy of the builtins."""
    scope = {"__name__": "_autograder_probe", "__builtins__": dict(vars(builtins))}
    exec(compile(PROBE_SOURCE, "<autograder probe>", "exec"), scope)
    return scope


PROBE = probe_module()


def plans(seed: int = 5) -> dict[str, dict]:
    rng = random.Random(seed)
    found = {q: module.plan(rng, GOLDEN) for q, module in CHECKS.items()}
    return found


def namespace() -> dict:
    _, subkeys = reference.q2_split()
    names = {**reference.q1_arrays(), "subkeys": subkeys}
    for name in ("bar", "baz", "foo1", "foo2", "foo", "my_function", "my_gradient"):
        names[name] = getattr(reference, name)
    names["my_model"] = reference.fast_my_model
    return names


NONCE = "0123456789abcdef" * 2


def observe(question: str, names: dict, plan: dict) -> dict:
    """What the grading process receives: the probe's report in the probe's own encoding and
    frame, cut by the wire format's reader and decoded."""
    report = PROBE["_frame"](NONCE, PROBE["_json"](PROBE["PROBES"][question](names, plan)))
    [(nonce, text)] = FrameReader().feed(report)
    assert nonce == NONCE
    return decode(question, text)


def grade(question: str, names: dict, plan: dict) -> dict[str, bool]:
    if question == "q5":
        captures = []
        versions = (("loop", reference.fast_loop_function), ("shape", reference.fast_shape_function))
        for tag, function in versions:
            captures.append((tag, observe("q5", {**names, "fast_my_function": function}, plan)))
        observation = Observation("q5", captures=tuple(captures))
    else:
        arrays = reference.q1_arrays()
        shown = (str(arrays["third"].shape), str(arrays["third_times_2"]), str(arrays["third_elementwise"]))
        observation = Observation(question, observe(question, names, plan), outputs=shown)
    return {r.name: r.passed for r in grade_question(CHECKS[question], observation, GOLDEN, plan)}


@pytest.mark.parametrize("question", list(CHECKS))
def test_reference_answers_through_the_probe_earn_every_item(question):
    assert all(grade(question, namespace(), plans()[question]).values())


def test_a_model_compiled_ahead_of_time_counts_through_jaxs_own_call():
    names = namespace()
    key = jax.random.PRNGKey(0)
    names["my_model"] = jax.jit(reference.my_model).lower([key, key]).compile()
    assert grade("q4", names, plans()["q4"]) == {"my_model": True, "compiled": True, "speedup": True}


def test_jaxs_jitted_type_is_captured_from_jaxlib_and_cannot_be_subclassed():
    genuine = PROBE["_PjitFunction"]
    assert genuine.__module__ == "jaxlib._jax" and type(reference.fast_my_model) is genuine
    with pytest.raises(TypeError):
        type("Fake", (PROBE["_PjitFunction"],), {})


def memoised_model():
    """A plain Python `my_model` that looks jitted to duck typing and is fast by memoising."""
    memo = {}

    def my_model(keys):
        index = np.asarray(keys).tobytes()
        if index not in memo:
            memo[index] = reference.my_model(keys)
        return memo[index]

    my_model.lower = None
    my_model._cache_size = lambda: 1
    return my_model


def counting_function(function):
    seen = set()

    def fast_my_function(x, value):
        seen.add(value)
        return function(x, value)

    fast_my_function._cache_size = lambda: len(seen)
    return fast_my_function


def test_a_memoised_model_with_jit_attributes_is_neither_compiled_nor_timed():
    names = {**namespace(), "my_model": memoised_model()}
    observed = observe("q4", names, plans()["q4"])
    assert observed["compiled"] == "no" and observed["timing"] is None
    assert grade("q4", names, plans()["q4"]) == {"my_model": False, "compiled": False, "speedup": False}


def test_functions_that_count_their_own_calls_are_not_compiled():
    plan = plans()["q5"]
    captures = tuple(
        (tag, observe("q5", {"fast_my_function": counting_function(function)}, plan))
        for tag, function in (("loop", reference.loop_function), ("shape", reference.shape_function))
    )
    results = grade_question(CHECKS["q5"], Observation("q5", captures=captures), GOLDEN, plan)
    assert [r.passed for r in results] == [False] * 4
    assert all("not compiled with `jax.jit`" in r.message for r in results)


ODD = {"text": 'quote " backslash \\ newline \n tab \t bell \x07 é 中 \U0001f600 lone \ud800',
       "numbers": [0, -1, 2**70, 1.5, -0.0, 1e-300, 1e300, float("nan"), float("inf"), float("-inf")],
       "nested": {"none": None, "yes": True, "no": False, "tuple": (1, "a"), "empty": {}}}


def test_the_probes_own_encoder_writes_what_json_reads():
    text = PROBE["_json"](ODD)
    assert text.isascii()
    decoded = json.loads(text)
    assert decoded["text"] == ODD["text"] and decoded["nested"] == {**ODD["nested"], "tuple": [1, "a"]}
    assert json.dumps(decoded["numbers"]) == json.dumps(ODD["numbers"])


def test_the_probes_encoder_takes_subclasses_of_plain_types_as_their_values():
    class Text(str):
        def __str__(self):
            return "forged"

    assert json.loads(PROBE["_json"]({Text("key"): [Text("value"), np.float64(0.25), True]})) == {
        "key": ["value", 0.25, True]
    }
    with pytest.raises(TypeError):
        PROBE["_json"]({"value": object()})


def test_the_probes_frame_is_the_wire_formats_frame():
    text = PROBE["_json"](ODD)
    assert PROBE["_frame"](NONCE, text) == frame(NONCE, text)


def test_the_frame_reader_cuts_frames_however_the_bytes_arrive():
    data = frame(NONCE, '{"a": 1}') + frame("f" * 32, "[]")
    reader = FrameReader()
    found = [f for i in range(len(data)) for f in reader.feed(data[i : i + 1])]
    assert found == [(NONCE, '{"a": 1}'), ("f" * 32, "[]")] and not reader.partial


@pytest.mark.parametrize(
    "data",
    [b"hello", b"AGP1 nonce 12\n{}", b"AGP1 " + NONCE.encode() + b" 99999999999\n", b"x" * 200,
     b"AGP1 " + NONCE.encode() + b" 2\n\xff\xfe"],
)
def test_bytes_that_are_no_frame_are_malformed(data):
    with pytest.raises(Malformed):
        FrameReader().feed(data)
