"""Question 2: JAX's PRNG keys, graded in whatever PRNG mode the submission ran."""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Any

import numpy as np

from autograder.checks.compare import as_array, first_problem, informative, verdict
from autograder.checks.observation import Check, Observation, Plan
from autograder.golden import Golden
from autograder.results import CheckResult

from .. import hints
from ..rubric import RUBRIC
from .values import mismatch, seed_index, seeds

QUESTION = "q2"
PROBED = True
PROBES = 3
# The layout's tag of the checkpoint where the answer last used its split (`autograder.layout`).
SPLIT = "split"


def plan(rng: random.Random, golden: Golden) -> Plan:
    return {
        "seeds": rng.sample(seeds(golden), PROBES),
        "pairs": [rng.sample(seeds(golden), 2) for _ in range(PROBES)],
        # What the stand-ins for foo1/foo2 return, so foo's result shows which one it called.
        "markers": [round(rng.uniform(100, 200), 3), round(rng.uniform(300, 400), 3)],
    }


def _describe(flags: dict[str, Any]) -> str:
    return ", ".join(f"{name}={flags.get(name)}" for name in ("jax_threefry_partitionable", "jax_enable_x64"))


def _check_draws(
    name: str, observed: list[Any], plan: Plan, mode: dict[str, Any], golden: Golden
) -> str | None:
    problems = (
        mismatch(found, mode["uniform"][seed_index(golden, seed)], what=f"`{name}(PRNGKey({seed}))`")
        for found, seed in zip(observed, plan["seeds"], strict=False)
    )
    return first_problem(problems) if observed else f"`{name}` was not probed."


def _check_foo(observed: list[Any], plan: Plan, mode: dict[str, Any], golden: Golden) -> str | None:
    markers = plan["markers"]
    for probe, (a, b) in zip(observed, plan["pairs"], strict=False):
        result, calls = probe.get("result", {}), probe.get("calls", [])
        keys = [mode["keys"][seed_index(golden, a)], mode["keys"][seed_index(golden, b)]]
        if result.get("kind") in ("missing", "error"):
            return mismatch(result, 0, what="`foo((f, g), (key1, key2))`")
        if len(calls) != 1:
            return (
                f"`foo((f, g), (key1, key2))` called {len(calls)} of the functions it was given; "
                "it should call exactly one, the first after shuffling."
            )
        call = calls[0]
        if call.get("kwargs") or mismatch(call.get("args"), keys, what="the keys") is not None:
            return "`foo` did not pass the two keys to the function as separate arguments."
        if call.get("marker") not in markers or mismatch(result, call["marker"], what="x") is not None:
            return "`foo` did not return what the function it called returned."
    return None if observed else "`foo` was not probed."


Mode = dict[str, Any]
ModeCheck = Callable[[Observation, Golden, Plan, Mode], CheckResult]


def _in_mode(name: str, check: ModeCheck) -> Check:
    """`check` given the golden values of the PRNG mode the notebook ran in; the item fails
    when the grader has none for that mode."""

    def checked(observation: Observation, golden: Golden, plan: Plan) -> CheckResult:
        flags = observation.values.get("flags") or {}
        mode = golden.mode(flags)
        if mode is None:
            problem = f"the grader has no golden values for the PRNG configuration {flags}."
            return verdict(RUBRIC.item(QUESTION, name), problem, hints.PRNG_MODE)
        return check(observation, golden, plan, mode)

    return checked


def _draws(name: str) -> ModeCheck:
    def check(observation: Observation, golden: Golden, plan: Plan, mode: Mode) -> CheckResult:
        problem = _check_draws(name, observation.listed(name), plan, mode, golden)
        return verdict(RUBRIC.item(QUESTION, name), problem, hints.DRAW)

    return check


def _foo1_foo2(observation: Observation, golden: Golden, plan: Plan, mode: Mode) -> CheckResult:
    problem = _check_foo12(observation, plan, mode, golden)
    return verdict(RUBRIC.item(QUESTION, "foo1_foo2"), problem, hints.FOO1_FOO2)


def _foo(observation: Observation, golden: Golden, plan: Plan, mode: Mode) -> CheckResult:
    problem = _check_foo(observation.listed("foo"), plan, mode, golden)
    return verdict(RUBRIC.item(QUESTION, "foo"), problem, hints.FOO)


def _value(observation: Observation, golden: Golden, plan: Plan, mode: Mode) -> CheckResult:
    return _check_value(observation, observation.values.get("flags") or {}, mode)


def _composes(probe: Any, keys: list[Any], markers: list[float]) -> bool:
    """Whether foo1 or foo2, run with the probe's stand-ins for bar and baz (returning the
    markers), gave bar(key1) + 2*baz(key2), calling bar only with key1 and baz only with key2."""
    if not isinstance(probe, dict) or not isinstance(probe.get("calls"), list):
        return False
    if mismatch(probe.get("result"), markers[0] + 2 * markers[1], what="") is not None:
        return False
    wanted = {"bar": keys[0], "baz": keys[1]}
    called = set()
    for call in probe["calls"]:
        if not isinstance(call, dict) or call.get("function") not in wanted or call.get("kwargs"):
            return False
        if mismatch(call.get("args"), [wanted[call["function"]]], what="") is not None:
            return False
        called.add(call["function"])
    return called == set(wanted)


def _check_foo12(observation: Observation, plan: Plan, mode: dict[str, Any], golden: Golden) -> str | None:
    """foo1 and foo2 against bar(key1) + 2*baz(key2): from golden draws, from the student's own
    bar and baz (so that a wrong bar costs the bar item only), or, whatever bar and baz draw,
    from what foo1/foo2 do with stand-ins for them (bar and baz that ignore their key draw the
    same number for every key, which proves nothing of foo1/foo2; the stand-ins' markers,
    chosen at grading time, do)."""
    golden_sums = [
        mode["uniform"][seed_index(golden, a)] + 2 * mode["uniform"][seed_index(golden, b)]
        for a, b in plan["pairs"]
    ]
    own_bar = [as_array(v) for v in observation.listed("bar_first")]
    own_baz = [as_array(v) for v in observation.listed("baz_second")]
    own_sums = [
        b + 2 * z if b is not None and z is not None else None for b, z in zip(own_bar, own_baz, strict=False)
    ]
    # A wrong draw (bar, baz or both) costs its own item only; with both wrong, the student's own
    # sums count only when they change with the keys (bar and baz ignoring their key prove nothing).
    bar_wrong = _check_draws("bar", observation.listed("bar"), plan, mode, golden)
    if bar_wrong and _check_draws("baz", observation.listed("baz"), plan, mode, golden):
        numbers = [float(total.ravel()[0]) for total in own_sums if total is not None and total.size == 1]
        if len(numbers) < len(own_sums) or not informative(np.array(numbers)):
            own_sums = []
    keys = [
        [mode["keys"][seed_index(golden, a)], mode["keys"][seed_index(golden, b)]] for a, b in plan["pairs"]
    ]
    composed = observation.values.get("composed")
    problems = []
    for name in ("foo1", "foo2"):
        with_stand_ins = composed.get(name) if isinstance(composed, dict) else None
        for k, found in enumerate(observation.listed(name) or [{}]):
            problem = mismatch(found, golden_sums[k], what=f"`{name}(key1, key2)`")
            own = own_sums[k] if k < len(own_sums) else None
            if problem and own is not None and mismatch(found, own, what=name) is None:
                problem = None
            if (
                problem
                and isinstance(with_stand_ins, list)
                and k < min(len(with_stand_ins), len(keys))
                and _composes(with_stand_ins[k], keys[k], plan["markers"])
            ):
                problem = None
            problems.append(problem)
    return first_problem(problems)


def _split_found(values: dict[str, Any], mode: dict[str, Any]) -> dict[str, Any]:
    """What the value is judged on: `subkeys`, or, when the notebook holds the split's keys
    under names of its own (`key, key1, key2 = split(key, num=3)`), that pair."""
    if (values.get("subkeys") or {}).get("kind") == "missing":
        for pair in values.get("other_pairs") or []:
            if (
                isinstance(pair, dict)
                and mismatch(pair.get("subkeys"), mode["q2"]["subkeys"], what="") is None
            ):
                return pair
    return values


def _where_split(observation: Observation, mode: dict[str, Any]) -> dict[str, Any]:
    """The end of the answer, unless its split is gone there (`del subkeys`, keys rebound) and was
    right where the answer last used it (the layout's `SPLIT` capture): then that step."""
    at_end = _split_found(observation.values, mode)
    if mismatch(at_end.get("subkeys"), mode["q2"]["subkeys"], what="") is None:
        return at_end
    for tag, values in observation.captures:
        found = _split_found(values, mode) if tag == SPLIT and isinstance(values, dict) else {}
        if found and mismatch(found.get("subkeys"), mode["q2"]["subkeys"], what="") is None:
            return found
    return at_end


def _check_value(observation: Observation, flags: dict[str, Any], mode: dict[str, Any]) -> CheckResult:
    get = _where_split(observation, mode).get
    value = mode["q2"]["value"]
    split_problem = mismatch(get("subkeys"), mode["q2"]["subkeys"], what="`subkeys`")
    if split_problem:
        return verdict(
            RUBRIC.item(QUESTION, "value"),
            split_problem,
            hints.SPLIT,
        )
    expressions = {
        "value": "`foo((foo1, foo2), (subkeys[0], subkeys[1]))`",
        "value_foo1": "`foo1(subkeys[0], subkeys[1])`",
        "value_foo2": "`foo2(subkeys[0], subkeys[1])`",
    }
    problem = first_problem(mismatch(get(name), value, what=what) for name, what in expressions.items())
    if problem:
        problem += f" Your notebook ran with {_describe(flags)}, where the expected value is {value:.8g}."
    return verdict(
        RUBRIC.item(QUESTION, "value"),
        problem,
        hints.VALUE,
    )


CHECKS: dict[str, Check] = {
    "bar": _in_mode("bar", _draws("bar")),
    "baz": _in_mode("baz", _draws("baz")),
    "foo1_foo2": _in_mode("foo1_foo2", _foo1_foo2),
    "foo": _in_mode("foo", _foo),
    "value": _in_mode("value", _value),
}
