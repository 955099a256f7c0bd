"""Question 3: `my_function` and its gradient, at 17.0 and at points chosen at grading time."""

from __future__ import annotations

import random

from autograder.checks.compare import first_problem, mismatch, verdict
from autograder.checks.observation import Check, Observation, Plan
from autograder.golden import Golden
from autograder.results import CheckResult
from autograder.rubric import item

QUESTION = "q3"
# Every item reads the probe: when it failed as a whole, every item fails with its reason.
PROBED = True
PROBES = 3


def plan(rng: random.Random, golden: Golden) -> Plan:
    indexes = rng.sample(range(len(golden.points)), PROBES)
    return {"indexes": indexes, "points": [golden.points[i] for i in indexes]}


HINTS = {
    "my_function_17": "`my_function(x)` returns `14 * x**3 + 13 * x`.",
    "my_function": "`my_function(x)` must compute 14x^3 + 13x for any x it is given.",
    "my_gradient_17": "`my_gradient = jax.grad(my_function)`; call it with a float, `my_gradient(17.0)`.",
    "my_gradient": "`my_gradient` must compute the derivative at the x it is given: `jax.grad(my_function)`.",
}


def _at_17(name: str) -> Check:
    def check(observation: Observation, golden: Golden, plan: Plan) -> CheckResult:
        problem = mismatch(observation.get(name + "_17"), golden.q3_at_17(name), what=f"`{name}(17.0)`")
        return verdict(item(QUESTION, name + "_17"), problem, HINTS[name + "_17"])

    return check


def _anywhere(name: str) -> Check:
    def check(observation: Observation, golden: Golden, plan: Plan) -> CheckResult:
        observed = observation.listed(name) or [{}]
        problem = first_problem(
            mismatch(found, golden.q3(name)[i], what=f"`{name}({x})`")
            for found, i, x in zip(observed, plan["indexes"], plan["points"], strict=False)
        )
        return verdict(item(QUESTION, name), problem, HINTS[name])

    return check


CHECKS: dict[str, Check] = {
    "my_function_17": _at_17("my_function"),
    "my_function": _anywhere("my_function"),
    "my_gradient_17": _at_17("my_gradient"),
    "my_gradient": _anywhere("my_gradient"),
}
