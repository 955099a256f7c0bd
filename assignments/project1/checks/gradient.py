"""Question 3: `my_function` and its gradient, at 17.0 and at points chosen at grading time.

A wrong `my_function` costs its own items; `my_gradient` is then judged on the derivative of
the student's own function (the question asks for "the gradient of `my_function`"), as long as
that derivative is not a constant: a hard-coded `return 69003.0` has the gradient 0 everywhere,
and `jax.grad` of it earns nothing.
"""

from __future__ import annotations

import random

import numpy as np

from autograder.checks.compare import as_array, first_problem, informative, verdict
from autograder.checks.observation import Check, Observation, Plan
from autograder.golden import Golden
from autograder.results import CheckResult

from .. import hints
from ..rubric import RUBRIC
from .values import mismatch, points, q3, q3_at_17

QUESTION = "q3"
# Every item reads the probe: when it failed as a whole, every item fails with its reason.
PROBED = True
PROBES = 3
OWN = "judged on the derivative of the student's own (wrong) `my_function`"


def plan(rng: random.Random, golden: Golden) -> Plan:
    indexes = rng.sample(range(len(points(golden))), PROBES)
    return {"indexes": indexes, "points": [points(golden)[i] for i in indexes]}


def _problems(
    observation: Observation, golden: Golden, plan: Plan, name: str
) -> tuple[str | None, str | None]:
    """(at 17.0, at the grader's points): what differs from the golden values."""
    at_17 = mismatch(observation.get(name + "_17"), q3_at_17(golden, name), what=f"`{name}(17.0)`")
    observed = observation.listed(name) or [{}]
    anywhere = first_problem(
        mismatch(found, q3(golden, name)[i], what=f"`{name}({x})`")
        for found, i, x in zip(observed, plan["indexes"], plan["points"], strict=False)
    )
    return at_17, anywhere


def _own_derivative(observation: Observation) -> tuple[float, list[float]] | None:
    """The derivative of the student's `my_function` at 17.0 and at the points, when it is wrong
    but differentiable, and its derivative is not a constant."""
    found = [
        as_array(value) for value in [observation.get("own_gradient_17"), *observation.listed("own_gradient")]
    ]
    numbers = [float(array.ravel()[0]) for array in found if array is not None and array.size == 1]
    if len(numbers) < len(found) or not informative(np.array(numbers)):
        return None
    return numbers[0], numbers[1:]


def _gradient_of_own(observation: Observation, at_17: bool) -> bool:
    own = _own_derivative(observation)
    if own is None:
        return False
    if at_17:
        return mismatch(observation.get("my_gradient_17"), own[0], what="") is None
    observed = observation.listed("my_gradient")
    return len(observed) == len(own[1]) and all(
        mismatch(found, value, what="") is None for found, value in zip(observed, own[1], strict=True)
    )


def _check(name: str, at_17: bool) -> Check:
    key = name + "_17" if at_17 else name

    def check(observation: Observation, golden: Golden, plan: Plan) -> CheckResult:
        problem = _problems(observation, golden, plan, name)[0 if at_17 else 1]
        detail = ""
        if (
            problem is not None
            and name == "my_gradient"
            and any(_problems(observation, golden, plan, "my_function"))
            and _gradient_of_own(observation, at_17)
        ):
            problem, detail = None, OWN
        return verdict(RUBRIC.item(QUESTION, key), problem, hints.ITEMS[key], detail=detail)

    return check


CHECKS: dict[str, Check] = {
    "my_function_17": _check("my_function", at_17=True),
    "my_function": _check("my_function", at_17=False),
    "my_gradient_17": _check("my_gradient", at_17=True),
    "my_gradient": _check("my_gradient", at_17=False),
}
