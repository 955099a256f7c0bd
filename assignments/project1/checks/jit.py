"""Question 4: `my_model` under `jax.jit`, and a speed-up the grader measures itself.

The student's printed `%%time` figures are never graded: they depend on the machine. The
kernel-side probe times the student's `my_model` against the uncompiled model on the same
inputs, interleaved, and the verdict compares medians here.

"Compiled" means JAX's own jitted-function type (jaxlib's PjitFunction, checked with `type(f)
is` in the kernel; see `probe_protocol.Compiled`), never what the student's object says about
itself. A model compiled ahead of time (`jax.jit(f).lower(...).compile()`) counts too: the
probe finds the genuine PjitFunction it calls and checks the values and the speed-up through
that function rather than through the student's object. So does `my_model` compiled under
another name (`fast_model = jax.jit(my_model)`, timed with `fast_model`): the probe finds a
genuine jitted function made from `my_model` itself, and its values are checked the same way.
Only a compiled model is timed, and only a compiled model's values earn the `my_model` item: the
uncompiled model is the assignment's own code, handed out ready to run, so a notebook that runs
it as given (and never compiles it) has not answered Question 4.
"""

from __future__ import annotations

import random
import statistics
from typing import Any

from autograder.checks.compare import first_problem, verdict
from autograder.checks.observation import Check, Observation, Plan
from autograder.golden import Golden
from autograder.hints import Hint
from autograder.probe_protocol import Compiled
from autograder.results import CheckResult

from .. import hints
from ..rubric import RUBRIC
from ..rules import MIN_SPEEDUP
from .values import mismatch, seeds

QUESTION = "q4"
PROBED = True
PROBES = 3
# The probe's timing (`_time_against` in the assignment's `probes.py`): pairs of 100 calls each,
# at least 3 and at most 9 pairs; it stops early only once the ratio of medians is 3x or more (jit
# gives ~10x), so a model anywhere near 2x is always measured on all 9 pairs.
TIMING = {"iterations": 100, "min_repetitions": 3, "repetitions": 9, "threshold": MIN_SPEEDUP, "margin": 1.5}
_DEFAULT_FLAGS = {"jax_threefry_partitionable": True, "jax_enable_x64": False}


def plan(rng: random.Random, golden: Golden) -> Plan:
    indexes = rng.sample(range(len(seeds(golden))), PROBES)
    pool = seeds(golden)
    return {
        "indexes": indexes,
        "seeds": [pool[i] for i in indexes],
        # golden.json holds my_model on the pair (key i, key i+1).
        "partners": [pool[(i + 1) % len(pool)] for i in indexes],
        "timing": TIMING,
    }


def _check_values(
    observation: Observation, golden: Golden, plan: Plan, values: dict[str, Any] | None = None
) -> tuple[str | None, Hint | None]:
    """The model may take the list of two subkeys (as the loop passes them) or one key.
    `values` holds the forms' observations (by default the calls of the student's `my_model`)."""
    mode = golden.mode(observation.values.get("flags") or {}) or golden.mode(_DEFAULT_FLAGS)
    if mode is None:  # golden.json always holds the default mode: a broken golden.json
        raise LookupError("golden.json has no values for JAX's default PRNG configuration")
    values = observation.values if values is None else values
    # (the form called, the golden values, how the student reads the call): the handed-out
    # model draws both terms from one key, so a model of the list that draws both from its first
    # key is that model too.
    forms = {
        "pair": ("pair", "my_model", "`my_model([key1, key2])`"),
        "single": ("single", "my_model_one_key", "`my_model(key)`"),
        "pair_first": ("pair", "my_model_one_key", "`my_model([key1, key2])`"),
    }
    problems = {}
    for form, (called, golden_name, what) in forms.items():
        observed = values.get(called) or [{}]
        problems[form] = first_problem(
            mismatch(found, mode[golden_name][i], what=what)
            for found, i in zip(observed, plan["indexes"], strict=False)
        )
        if problems[form] is None:
            return None, None
    kinds = {form: (values.get(form) or [{}])[0].get("kind") for form in ("pair", "single")}
    # Speak of the form the model accepts; when it accepts neither, of the loop's (a pair).
    problem = problems["single"] if kinds["single"] == "array" != kinds["pair"] else problems["pair"]
    one_key = all(kind == "error" for kind in kinds.values())
    return problem, hints.MODEL_ONE_KEY if one_key else hints.MODEL_FORMULA


def speedup(timing: dict[str, Any]) -> float:
    return float(statistics.median(timing["reference"]) / statistics.median(timing["submission"]))


def _check_speedup(observation: Observation, compiled: Compiled) -> tuple[str | None, str]:
    """(problem, what was measured: kept for instructors in the result's detail)."""
    timing = observation.values.get("timing")
    if compiled is Compiled.NO:
        return (
            "there is no speed-up of `my_model` to credit: only a function compiled by `jax.jit` is timed."
        ), ""
    if not isinstance(timing, dict):
        return "`my_model` could not be timed because it does not run on new keys.", ""
    if timing.get("kind") != "timing":
        return mismatch(timing, 0, what="timing `my_model`"), ""
    try:
        measured = speedup(timing)
    except (KeyError, TypeError, ValueError, ZeroDivisionError, statistics.StatisticsError):
        return "the grader could not read its timing of `my_model`.", ""
    detail = (
        f"speed-up {measured:.2f}x (medians: uncompiled {statistics.median(timing['reference']):.4f} s, "
        f"submission {statistics.median(timing['submission']):.4f} s)"
    )
    if measured >= MIN_SPEEDUP:
        return None, detail
    return (
        f"the grader measured a speed-up of {measured:.1f}x over the uncompiled model; "
        f"at least {MIN_SPEEDUP:.0f}x is expected."
    ), detail


def _undefined(observation: Observation) -> bool:
    calls = [observation.values.get(form) for form in ("pair", "single")]
    firsts = [found[0] for found in calls if isinstance(found, list) and found]
    return bool(firsts) and all(isinstance(o, dict) and o.get("kind") == "missing" for o in firsts)


def _compiled(observation: Observation, golden: Golden, plan: Plan) -> tuple[Compiled, str | None]:
    try:
        compiled = Compiled(str(observation.values.get("compiled")))
    except ValueError:
        compiled = Compiled.NO
    if compiled is Compiled.NO and _undefined(observation):
        return compiled, "`my_model` is not defined at the end of Question 4."
    if compiled is Compiled.NO:
        return compiled, (
            "`my_model` is a plain Python function at the end of Question 4, not one compiled by `jax.jit`."
        )
    if compiled in (Compiled.AHEAD_OF_TIME, Compiled.UNDER_ANOTHER_NAME):
        problem, _ = _check_values(observation, golden, plan, observation.values.get("genuine") or {})
        if problem:  # the compiled code behind the object is not the model it answers with
            return Compiled.NO, "the compiled function behind `my_model` does not compute the model."
    return compiled, None


def check_my_model(observation: Observation, golden: Golden, plan: Plan) -> CheckResult:
    """The model's values count for the model the student compiled: the uncompiled model is the
    assignment's own code (handed out ready to run), so running it as given earns nothing."""
    compiled, not_compiled = _compiled(observation, golden, plan)
    problem, hint = _check_values(observation, golden, plan)
    if compiled is Compiled.NO and not_compiled and not _undefined(observation):
        problem = (
            f"{not_compiled} The uncompiled model is the code the assignment gives you: "
            "its values count once you compile it."
        )
        hint = hints.COMPILED
    return verdict(RUBRIC.item(QUESTION, "my_model"), problem, hint)


def check_compiled(observation: Observation, golden: Golden, plan: Plan) -> CheckResult:
    _, problem = _compiled(observation, golden, plan)
    return verdict(RUBRIC.item(QUESTION, "compiled"), problem, hints.COMPILED)


def check_speedup(observation: Observation, golden: Golden, plan: Plan) -> CheckResult:
    compiled, _ = _compiled(observation, golden, plan)
    problem, detail = _check_speedup(observation, compiled)
    values_problem, _ = _check_values(observation, golden, plan)
    if values_problem and not problem:  # a fast wrong model is no speed-up
        problem = "it cannot count while `my_model` gives wrong values."
    disabled = (observation.values.get("flags") or {}).get("jax_disable_jit")
    hint = hints.JIT_DISABLED if disabled else hints.SPEEDUP
    return verdict(RUBRIC.item(QUESTION, "speedup"), problem, hint, detail=detail)


CHECKS: dict[str, Check] = {"my_model": check_my_model, "compiled": check_compiled, "speedup": check_speedup}
