"""Question 3: `my_function` and its gradient, at 17.0 and at points chosen at grading time."""

from __future__ import annotations

import random

from autograder.checks.compare import first_problem, mismatch, verdict
from autograder.checks.observation import Observation, all_failed
from autograder.golden import Golden
from autograder.results import CheckResult
from autograder.rubric import item, items

QUESTION = "q3"
PROBES = 3


def plan(rng: random.Random, golden: Golden) -> dict:
    indexes = rng.sample(range(len(golden.points)), PROBES)
    return {"indexes": indexes, "points": [golden.points[i] for i in indexes]}


HINTS = {
    "my_function_17": "`my_function(x)` returns `14 * x**3 + 13 * x`.",
    "my_function": "`my_function(x)` must compute 14x^3 + 13x for any x it is given.",
    "my_gradient_17": "`my_gradient = jax.grad(my_function)`; call it with a float, `my_gradient(17.0)`.",
    "my_gradient": "`my_gradient` must compute the derivative at the x it is given: `jax.grad(my_function)`.",
}


def grade(observation: Observation, golden: Golden, plan: dict) -> list[CheckResult]:
    if observation.error:
        return all_failed(items(QUESTION), observation.error)
    results = []
    for name in ("my_function", "my_gradient"):
        at_17 = mismatch(observation.get(name + "_17"), golden.q3_at_17(name), what=f"`{name}(17.0)`")
        observed = observation.listed(name) or [{}]
        anywhere = first_problem(
            mismatch(found, golden.q3(name)[i], what=f"`{name}({x})`")
            for found, i, x in zip(observed, plan["indexes"], plan["points"])
        )
        results.append(verdict(item(QUESTION, name + "_17"), at_17, HINTS[name + "_17"]))
        results.append(verdict(item(QUESTION, name), anywhere, HINTS[name]))
    return results
