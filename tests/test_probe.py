"""The probe's contract: the kernel-side probe (the engine's parts and the assignment's probes,
sent as text, never imported by the grader) run in this process on the reference answers, its
report fed through the wire format's decoder and the checks, gives full marks; JAX's own jitted
type is what counts as compiled; pytrees and large arrays cross whole."""

from __future__ import annotations

import builtins
import json
import random

import jax
import numpy as np
import pytest

from autograder import probe_protocol
from autograder.checks import Observation
from autograder.checks.compare import Tolerance, tree_mismatch
from autograder.probe import ENGINE
from autograder.probe_protocol import FrameReader, Malformed, decode, frame
from reference import questions as reference
from tests.project1 import PROJECT1, CHECKS, GOLDEN, grade_question

ASSIGNMENT_PROBES = PROJECT1.probes.read_text()


def probe_module() -> tuple[dict, dict]:
    """The probe as `install` gets it in the kernel: the engine's parts in a scope of their own
    with a copy of the builtins, the assignment's probes in a copy of that scope."""
    scope = {"__name__": "_autograder_probe", "__builtins__": dict(vars(builtins))}
    for name, source in ENGINE:
        exec(compile(source, f"<autograder probe: {name}>", "exec"), scope)
    assignment = {**scope, "__name__": "_autograder_assignment_probes"}
    exec(compile(ASSIGNMENT_PROBES, "<assignment probes>", "exec"), assignment)
    return scope, assignment["PROBES"]


PROBE, PROBES = probe_module()


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
    report = PROBE["_frame"](NONCE, PROBE["report"](PROBES[question], names, plan))
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


def test_the_kernels_copies_of_the_wire_formats_constants_agree():
    assert PROBE["MAGIC"].encode() == probe_protocol.MAGIC and PROBE["TAMPER"] == probe_protocol.TAMPER
    assert PROBE["MAX_REPORT_BYTES"] == probe_protocol.MAX_REPORT_BYTES


# Names of Project 1 that the engine's kernel-side parts must not hold (the assignment's do).
ASSIGNMENT_NAMES = ("my_model", "my_function", "my_gradient", "subkeys", "my_array", "foo", "bar", "baz",
                    "num_loops", "arr_cols", "project1", "Project 1")


def test_the_engines_kernel_side_names_no_assignment():
    for name, source in ENGINE:
        found = [word for word in ASSIGNMENT_NAMES if word in source]
        assert not found, f"autograder/probe/{name}.py names {found}"


# -- values a neural network needs: pytrees, and arrays of 100,000+ elements -------------------

RNG = np.random.default_rng(0)
PARAMS = {"W1": RNG.normal(size=(784, 128)).astype(np.float32), "b1": np.zeros(128, np.float32),
          "W2": RNG.normal(size=(128, 10)).astype(np.float32), "b2": np.full(10, 0.5, np.float32)}
LAYERS = [(PARAMS["W1"], PARAMS["b1"]), (PARAMS["W2"], PARAMS["b2"])]
VECTOR = RNG.normal(size=200_000)  # float64


def sent(value) -> dict:
    """`value` as the grader reads it: looked up by the engine in the kernel, reported, framed,
    cut and decoded."""
    text = PROBE["report"](lambda names, plan: {"value": PROBE["lookup"](names, "value")}, {"value": value}, {})
    [(_, received)] = FrameReader().feed(PROBE["_frame"](NONCE, text))
    return decode("q9", received)["value"]


@pytest.mark.parametrize(
    "value",
    [pytest.param(PARAMS, id="dict-of-params"), pytest.param(LAYERS, id="list-of-W-b-pairs"),
     pytest.param(PARAMS["W1"], id="784x128"), pytest.param(VECTOR, id="200000-vector"),
     pytest.param({"layers": [{"w": jax.numpy.ones((300, 400)), "b": 0.5}], "step": 3}, id="nested-jax")],
)
def test_pytrees_and_large_arrays_cross_whole_and_compare_equal(value):
    observed = sent(value)
    assert tree_mismatch(observed, value, what="`params`", within=Tolerance(rtol=1e-5, atol=1e-6)) is None


def test_a_large_array_goes_as_its_bytes_a_small_one_as_a_list():
    large, small = sent(PARAMS["W1"]), sent(PARAMS["b2"])
    assert "bytes" in large and "data" not in large and large["dtype"] == "float32"
    assert small["data"] == [0.5] * 10 and "bytes" not in small


def test_arrays_past_the_reports_budget_are_too_large_and_the_next_report_has_it_all_again():
    each = np.zeros(2_000_000, np.float32)  # 8 MB, 10.7 MB as base64: the budget holds one, not two
    observed = sent([each, each])
    assert [item["kind"] for item in observed["items"]] == ["array", "too_large"]
    assert observed["items"][1]["shape"] == [2_000_000]
    assert sent(each)["kind"] == "array"


def test_a_report_larger_than_the_grader_reads_is_a_probe_error(monkeypatch):
    """Text past MAX_REPORT_BYTES (lowered here: 16 MB of text takes the probe's encoder minutes)."""
    monkeypatch.setitem(PROBE, "MAX_REPORT_BYTES", 5_000)
    errors = [PROBE["failure"](ValueError("x" * 290)) for _ in range(20)]  # 6 kB, no arrays
    text = PROBE["report"](lambda names, plan: {"value": errors}, {}, {})
    assert decode("q9", text)["probe_error"]["type"] == "OutputTooLarge"
    assert "value" in decode("q9", PROBE["report"](lambda names, plan: {"value": errors[:10]}, {}, {}))


@pytest.mark.parametrize(
    ("observed", "message"),
    [
        pytest.param({**PARAMS, "B2": PARAMS["b2"]},
                     "`params` has keys 'W1', 'b1', 'W2', 'b2', 'B2'; expected 'W1', 'b1', 'W2', 'b2'.", id="extra-key"),
        pytest.param({k: v for k, v in PARAMS.items() if k != "b1"},
                     "`params` has keys 'W1', 'W2', 'b2'; expected 'W1', 'b1', 'W2', 'b2'.", id="missing-key"),
        pytest.param({**PARAMS, "W1": PARAMS["W1"].T}, "`params['W1']` has shape (128, 784), expected (784, 128).",
                     id="wrong-shape"),
        pytest.param({**PARAMS, "b2": PARAMS["b2"] + np.eye(10, dtype=np.float32)[3]},
                     "`params['b2']` is [0.5, 0.5, 0.5, 1.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5], expected",
                     id="wrong-value"),
        pytest.param({**PARAMS, "b2": np.ones(10, np.int32)},
                     "`params['b2']` holds integers (int32), expected floating-point numbers (float32).",
                     id="wrong-dtype"),
        pytest.param(LAYERS, "`params` is a list, expected a dict with keys", id="list-for-dict"),
    ],
)
def test_a_wrong_pytree_says_where_and_what(observed, message):
    problem = tree_mismatch(sent(observed), PARAMS, what="`params`", within=Tolerance(rtol=1e-5, atol=1e-6))
    assert problem is not None and message in problem


def test_a_wrong_value_in_a_large_matrix_is_found_and_located():
    wrong = PARAMS["W1"].copy()
    wrong[700, 5] += 1.0
    problem = tree_mismatch(sent([(wrong, PARAMS["b1"])]), [(PARAMS["W1"], PARAMS["b1"])], what="`layers`", within=Tolerance(rtol=1e-5, atol=1e-6))
    assert problem is not None
    assert "`layers[0][0]` is an array of shape (784, 128)" in problem and "1 of 100352 values differ" in problem
    assert "at index (700, 5)" in problem
