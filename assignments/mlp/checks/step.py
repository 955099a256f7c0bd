"""Question 3: `sgd_step(params, x, y, lr)` on the grader's cases, and whether it is compiled.

The new parameters must be the reference step's (params - lr * the gradient of the mean squared
error); the loss they give on the batch is computed here, in NumPy, to say whether the step
went downhill at all (a step with the wrong sign goes uphill). Only a step that runs and returns
parameters counts as compiled: a jitted function that fails earns nothing.
"""

from __future__ import annotations

import random
from typing import Any

import numpy as np

from autograder.checks.compare import first_problem, verdict
from autograder.checks.observation import Check, Observation, Plan
from autograder.golden import Golden
from autograder.results import CheckResult

from .. import hints
from ..rubric import RUBRIC
from .cases import choose, chosen
from .trees import arrays, compare_params, forward, layers

QUESTION = "q3"
PROBED = True
WHAT = "`sgd_step(params, x, y, lr)`"
# A relative decrease of the loss larger than float32 rounding (the reference step lowers it
# by 10% or more on every case).
MIN_DECREASE = 1e-4


def plan(rng: random.Random, golden: Golden) -> Plan:
    return choose(rng, golden)


def check_step(observation: Observation, golden: Golden, plan: Plan) -> CheckResult:
    problem = first_problem(
        compare_params(found, case["step"], what=WHAT)
        for case, found in zip(chosen(golden, plan), observation.listed("step") or [{}], strict=False)
    )
    return verdict(RUBRIC.item(QUESTION, "step"), problem, hints.STEP)


def _loss(params: list[tuple[np.ndarray, np.ndarray]], case: dict[str, Any]) -> float:
    x, y = np.asarray(case["x"], dtype=float), np.asarray(case["y"], dtype=float)
    return float(np.mean((forward(params, x) - y) ** 2))


def check_descends(observation: Observation, golden: Golden, plan: Plan) -> CheckResult:
    """The loss of the returned parameters against the loss of the given ones, both computed
    here the same way: lower by more than rounding, so that returning the parameters unchanged
    is no descent."""
    problem = None
    for case, found in zip(chosen(golden, plan), observation.listed("step") or [{}], strict=False):
        params = arrays(found)
        if params is None:
            problem = (
                layers(found, what=WHAT)[1] or f"the grader could not read the parameters {WHAT} returned."
            )
            break
        before = _loss(
            [(np.asarray(w, dtype=float), np.asarray(b, dtype=float)) for w, b in case["params"]], case
        )
        try:
            after = _loss(params, case)
        except ValueError:  # shapes that do not chain: no network to measure
            problem = (
                f"the parameters {WHAT} returned do not fit together as a network of sizes {case['sizes']}."
            )
            break
        if not after < before * (1 - MIN_DECREASE):
            problem = f"the loss on the batch went from {before:.6g} to {after:.6g} after {WHAT}; a step must lower it."
            break
    return verdict(RUBRIC.item(QUESTION, "descends"), problem, hints.DESCENDS)


def check_compiled(observation: Observation, golden: Golden, plan: Plan) -> CheckResult:
    runs = all(arrays(found) is not None for found in observation.listed("step") or [{}])
    if observation.values.get("compiled") is not True:
        problem: str | None = (
            "`sgd_step` is a plain Python function at the end of Question 3, not one compiled by `jax.jit`."
        )
    elif not runs:
        problem = f"`sgd_step` is compiled, but {WHAT} does not return the list of (W, b) pairs."
    else:
        problem = None
    return verdict(RUBRIC.item(QUESTION, "compiled"), problem, hints.COMPILED)


CHECKS: dict[str, Check] = {"step": check_step, "descends": check_descends, "compiled": check_compiled}
