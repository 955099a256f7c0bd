"""Question checks on hand-made observations: no kernel, one named case per failure mode.

Observations are written in the probe's wire format and enter through its decoder, as the
kernel's do (`autograder.probe_protocol`)."""

import json
import random

import pytest

from assignments.project1.checks import jit, prng, static
from assignments.project1.checks.prng import SPLIT
from assignments.project1.checks.values import seed_index, seeds
from autograder.checks import Observation
from autograder.hints import shown
from autograder.probe_protocol import Compiled, decode
from tests.project1 import GOLDEN, grade_question

DEFAULT = {"jax_threefry_partitionable": True, "jax_enable_x64": False, "jax_default_prng_impl": "threefry2x32"}


def number(value):
    return {"kind": "array", "jax": True, "shape": [], "dtype": "float32", "data": [value]}


def composed(plan, bar_args, baz_args, result=None):
    """What foo1/foo2 did with the probe's stand-ins for bar and baz (by default: bar(key1) + 2*baz(key2))."""
    bar, baz = plan["markers"]
    return {"result": number(bar + 2 * baz if result is None else result),
            "calls": [{"function": "bar", "args": bar_args, "kwargs": []},
                      {"function": "baz", "args": baz_args, "kwargs": []}]}


def q2_observation(plan, flags=DEFAULT, **changes):
    mode = GOLDEN.mode(flags)
    u = {seed: mode["uniform"][seed_index(GOLDEN, seed)] for seed in seeds(GOLDEN)}
    key = {seed: mode["keys"][seed_index(GOLDEN, seed)] for seed in seeds(GOLDEN)}

    def keys(*seeds):
        items = [{"kind": "array", "shape": [2], "dtype": "uint32", "data": key[s]} for s in seeds]
        return {"kind": "list", "length": len(items), "items": items}

    pairs = plan["pairs"]
    values = {
        "flags": flags,
        "subkeys": {"kind": "list", "length": 2, "items": [
            {"kind": "array", "shape": [2], "dtype": "uint32", "data": k} for k in mode["q2"]["subkeys"]]},
        "value": number(mode["q2"]["value"]),
        "value_foo1": number(mode["q2"]["value"]),
        "value_foo2": number(mode["q2"]["value"]),
        "other_pairs": [],
        "bar_first": [number(u[a]) for a, _ in pairs],
        "baz_second": [number(u[b]) for _, b in pairs],
        "bar": [number(u[s]) for s in plan["seeds"]],
        "baz": [number(u[s]) for s in plan["seeds"]],
        "foo1": [number(u[a] + 2 * u[b]) for a, b in pairs],
        "foo2": [number(u[a] + 2 * u[b]) for a, b in pairs],
        "foo": [{"result": number(plan["markers"][0]),
                 "calls": [{"marker": plan["markers"][0], "args": keys(a, b), "kwargs": []}]} for a, b in pairs],
        "composed": {name: [composed(plan, keys(a), keys(b)) for a, b in pairs] for name in ("foo1", "foo2")},
    }
    values.update(changes)
    return observed("q2", values)


def observed(question, values):
    return Observation(question, decode(question, json.dumps(values)))


def q5_probe(values):
    return decode("q5", json.dumps(values))


def failed(results):
    """What the student reads of each failed item, hints in the default mode."""
    return {r.name: shown(r) for r in results if not r.passed}


@pytest.fixture
def q2_plan():
    return prng.plan(random.Random(1), GOLDEN)


@pytest.mark.parametrize("flags", [
    pytest.param(DEFAULT, id="default"),
    pytest.param({**DEFAULT, "jax_threefry_partitionable": False}, id="legacy"),
    pytest.param({**DEFAULT, "jax_enable_x64": True}, id="x64"),
])
def test_q2_should_pass_in_every_prng_mode(q2_plan, flags):
    assert failed(grade_question(prng, q2_observation(q2_plan, flags), GOLDEN, q2_plan)) == {}


def test_q2_value_from_another_mode_fails_and_names_the_mode(q2_plan):
    legacy = GOLDEN.mode({**DEFAULT, "jax_threefry_partitionable": False})
    observation = q2_observation(q2_plan, value=number(legacy["q2"]["value"]))
    message = failed(grade_question(prng, observation, GOLDEN, q2_plan))["value"]
    assert "jax_threefry_partitionable=True" in message and "1.8121928" in message


def test_q2_value_must_not_depend_on_the_shuffle(q2_plan):
    observation = q2_observation(q2_plan, value_foo2=number(0.5))
    assert "`foo2(subkeys[0], subkeys[1])` is 0.5" in failed(grade_question(prng, observation, GOLDEN, q2_plan))["value"]


def test_q2_foo1_consistent_with_a_wrong_bar_costs_only_bar(q2_plan):
    observation = q2_observation(q2_plan)
    wrong = [number(v["data"][0] + 1) for v in observation.values["bar_first"]]
    observation.values["bar_first"] = wrong
    observation.values["foo1"] = [number(f["data"][0] + 1) for f in observation.values["foo1"]]
    assert "foo1_foo2" not in failed(grade_question(prng, observation, GOLDEN, q2_plan))


@pytest.mark.parametrize("varying", [True, False])
def test_q2_foo1_on_a_wrong_bar_and_baz_counts_only_when_their_draws_vary(q2_plan, varying):
    observation = q2_observation(q2_plan)
    for name in ("bar", "baz", "bar_first", "baz_second"):
        observation.values[name] = [number(k * varying + 0.5) for k, _ in enumerate(observation.values[name])]
    observation.values["foo1"] = observation.values["foo2"] = [
        number(k * varying + 0.5 + 2 * (k * varying + 0.5)) for k, _ in enumerate(observation.values["foo1"])]
    # foo1/foo2 that return numbers of their own, calling neither bar nor baz.
    observation.values["composed"] = {name: [{"result": f, "calls": []} for f in observation.values["foo1"]]
                                      for name in ("foo1", "foo2")}
    found = failed(grade_question(prng, observation, GOLDEN, q2_plan))
    assert {"bar", "baz"} <= set(found) and ("foo1_foo2" in found) is not varying


def test_q2_foo1_on_bar_and_baz_that_ignore_their_key_costs_only_bar_and_baz(q2_plan):
    """bar and baz draw from the global `subkeys` (the same number for every key): foo1 and foo2,
    written as asked, are judged on what they do with bar and baz, not charged a third time."""
    observation = q2_observation(q2_plan)
    mode = GOLDEN.mode(DEFAULT)
    drawn = [seeds(GOLDEN)[0], seeds(GOLDEN)[1]]  # what the global subkeys draw, whatever the key
    u = [mode["uniform"][seed_index(GOLDEN, s)] for s in drawn]
    for name, value in (("bar", u[0]), ("bar_first", u[0]), ("baz", u[1]), ("baz_second", u[1])):
        observation.values[name] = [number(value)] * len(observation.values[name])
    observation.values["foo1"] = observation.values["foo2"] = [number(u[0] + 2 * u[1])] * 3
    assert set(failed(grade_question(prng, observation, GOLDEN, q2_plan))) == {"bar", "baz"}
    # foo2 giving 2*baz(key1) + bar(key2): the stand-ins show the keys swapped.
    key = {s: {"kind": "array", "shape": [2], "dtype": "uint32", "data": mode["keys"][seed_index(GOLDEN, s)]}
           for s in seeds(GOLDEN)}
    observation.values["composed"]["foo2"] = [
        composed(q2_plan, {"kind": "list", "length": 1, "items": [key[b]]},
                 {"kind": "list", "length": 1, "items": [key[a]]}) for a, b in q2_plan["pairs"]]
    found = failed(grade_question(prng, observation, GOLDEN, q2_plan))
    assert set(found) == {"bar", "baz", "foo1_foo2"} and "`foo2(key1, key2)`" in found["foo1_foo2"]


def test_q2_foo_that_calls_both_functions_fails(q2_plan):
    observation = q2_observation(q2_plan)
    observation.values["foo"][0]["calls"] *= 2
    assert "called 2 of the functions" in failed(grade_question(prng, observation, GOLDEN, q2_plan))["foo"]


def test_q2_the_split_under_names_of_the_students_own_counts(q2_plan):
    observation = q2_observation(q2_plan)
    right = {name: observation.values[name] for name in ("subkeys", "value", "value_foo1", "value_foo2")}
    wrong = {**right, "subkeys": {"kind": "list", "length": 2, "items": [right["subkeys"]["items"][0]] * 2}}
    observation.values["subkeys"] = {"kind": "missing", "name": "subkeys"}
    observation.values["other_pairs"] = [{"names": "key, key1", **wrong}]
    assert "`subkeys` is not defined" in failed(grade_question(prng, observation, GOLDEN, q2_plan))["value"]
    observation.values["other_pairs"].append({"names": "key1, key2", **right})
    assert failed(grade_question(prng, observation, GOLDEN, q2_plan)) == {}


def test_q2_unsupported_prng_fails_every_item(q2_plan):
    observation = q2_observation(q2_plan)
    observation.values["flags"] = {**DEFAULT, "jax_default_prng_impl": "rbg"}
    assert set(failed(grade_question(prng, observation, GOLDEN, q2_plan))) == {"bar", "baz", "foo1_foo2", "foo", "value"}


def q4_values(plan, reference=1.0, submission=0.1, compiled=Compiled.JIT, genuine=None):
    mode = GOLDEN.mode(DEFAULT)
    return observed("q4", {
        "flags": DEFAULT,
        "pair": [number(mode["my_model"][i]) for i in plan["indexes"]],
        "single": [{"kind": "error", "type": "TypeError", "message": "x"}] * 3,
        "compiled": compiled.value,
        "genuine": genuine or {},
        "timing": {"kind": "timing", "reference": [reference] * 5, "submission": [submission] * 5},
    })


def test_q4_speedup_is_judged_on_medians():
    plan = jit.plan(random.Random(2), GOLDEN)
    assert failed(grade_question(jit, q4_values(plan), GOLDEN, plan)) == {}
    slow = failed(grade_question(jit, q4_values(plan, submission=0.8), GOLDEN, plan))
    assert set(slow) == {"speedup"} and "1.2x" in slow["speedup"]


def test_q4_unjitted_model_earns_nothing():
    # The uncompiled model is the assignment's own code: right values earn nothing until compiled.
    plan = jit.plan(random.Random(2), GOLDEN)
    found = failed(grade_question(jit, q4_values(plan, compiled=Compiled.NO), GOLDEN, plan))
    assert set(found) == {"my_model", "compiled", "speedup"} and "plain Python function" in found["compiled"]
    assert "code the assignment gives you" in found["my_model"] and "compile" in found["my_model"]


def test_q4_an_undefined_model_is_called_undefined_not_uncompiled():
    plan = jit.plan(random.Random(2), GOLDEN)
    missing = [{"kind": "missing", "name": "my_model"}] * 3
    values = observed("q4", {"flags": DEFAULT, "pair": missing, "single": missing, "compiled": "no",
                             "genuine": {}, "timing": None})
    found = failed(grade_question(jit, values, GOLDEN, plan))
    assert set(found) == {"my_model", "compiled", "speedup"}
    assert "not defined at the end of Question 4" in found["compiled"] and "plain" not in found["compiled"]


@pytest.mark.parametrize("compiled", [Compiled.AHEAD_OF_TIME, Compiled.UNDER_ANOTHER_NAME])
def test_q4_a_model_compiled_apart_counts_only_when_its_compiled_code_computes_the_model(compiled):
    plan = jit.plan(random.Random(2), GOLDEN)
    right = q4_values(plan)
    genuine = {"pair": right.values["pair"], "single": right.values["single"]}
    assert failed(grade_question(jit, q4_values(plan, compiled=compiled, genuine=genuine), GOLDEN, plan)) == {}
    other = {"pair": [number(0.5)] * 3, "single": right.values["single"]}
    found = failed(grade_question(jit, q4_values(plan, compiled=compiled, genuine=other), GOLDEN, plan))
    assert set(found) == {"my_model", "compiled", "speedup"}


def test_a_probe_that_timed_out_says_so_in_every_item():
    plan = jit.plan(random.Random(2), GOLDEN)
    error = {"probe_error": {"kind": "error", "type": "Timeout",
                             "message": "calling your functions took more than 30 s."}}
    results = grade_question(jit, observed("q4", error), GOLDEN, plan)
    assert [r.passed for r in results] == [False] * 3
    assert all("took more than 30 s" in r.message for r in results)


def test_a_malformed_report_is_a_probe_error_not_a_crash():
    assert "probe_error" in decode("q4", "not json") and "probe_error" in decode("q4", json.dumps([]))
    assert "probe_error" in decode("tamper", json.dumps({"flags": {}}))


@pytest.mark.parametrize(
    ("sizes", "failing"),
    [
        pytest.param([0, 1, 1, 2], set(), id="recompiles-on-change"),
        pytest.param([0, 1, 2, 3], {"loop_recompiles"}, id="recompiles-every-call"),
        pytest.param([0, 1, 1, 1], {"loop_recompiles"}, id="never-recompiles"),
        pytest.param([None, None, None, None], {"loop_static", "loop_recompiles"}, id="not-jitted"),
    ],
)
def test_q5_compile_counts(sizes, failing):
    plan = static.plan(random.Random(3), GOLDEN)
    probe = q5_probe({"present": True, "results": [{"kind": "none"}] * 3, "cache_sizes": sizes})
    good = q5_probe({"present": True, "results": [{"kind": "none"}] * 3, "cache_sizes": [0, 1, 1, 2]})
    observation = Observation("q5", captures=(("loop", probe), ("shape", good)))
    assert set(failed(grade_question(static, observation, GOLDEN, plan))) == failing


def test_q5_grades_the_last_binding_of_each_version():
    plan = static.plan(random.Random(3), GOLDEN)
    broken = q5_probe({"present": True, "results": [{"kind": "error", "type": "TypeError", "message": "traced"}] * 3,
                       "cache_sizes": [0, 0, 0, 0]})
    good = q5_probe({"present": True, "results": [{"kind": "none"}] * 3, "cache_sizes": [0, 1, 1, 2]})
    observation = Observation("q5", captures=(("loop", broken), ("loop", good), ("shape", broken), ("shape", good)))
    assert failed(grade_question(static, observation, GOLDEN, plan)) == {}
    missing = failed(grade_question(static, Observation("q5", captures=(("loop", good),)), GOLDEN, plan))
    assert set(missing) == {"shape_static", "shape_recompiles"} and "arr_cols" in missing["shape_static"]


def test_q4_jit_left_disabled_is_named_in_the_speedup_hint():
    plan = jit.plan(random.Random(2), GOLDEN)
    observation = q4_values(plan, submission=1.0)
    assert "jax_disable_jit" not in failed(grade_question(jit, observation, GOLDEN, plan))["speedup"]
    observation.values["flags"] = {**DEFAULT, "jax_disable_jit": True}
    assert "`jax_disable_jit` is still switched on" in failed(grade_question(jit, observation, GOLDEN, plan))["speedup"]


def test_q2_value_is_read_where_the_split_was_used_when_the_end_lost_it(q2_plan):
    """`del subkeys` after the value was printed: the step that last used the split is judged."""
    right = q2_observation(q2_plan).values
    gone = {**right, "subkeys": {"kind": "missing", "name": "subkeys"},
            **{name: {"kind": "missing", "name": "subkeys"} for name in ("value", "value_foo1", "value_foo2")}}
    assert "`subkeys` is not defined" in failed(grade_question(prng, Observation("q2", gone), GOLDEN, q2_plan))["value"]
    at_split = Observation("q2", gone, captures=((SPLIT, right), ("end", gone)))
    assert failed(grade_question(prng, at_split, GOLDEN, q2_plan)) == {}
    # A split that was wrong where it was used counts for nothing.
    wrong = {**right, "subkeys": {"kind": "list", "length": 2, "items": [right["subkeys"]["items"][0]] * 2}}
    at_wrong_split = Observation("q2", gone, captures=((SPLIT, wrong), ("end", gone)))
    assert set(failed(grade_question(prng, at_wrong_split, GOLDEN, q2_plan))) == {"value"}
