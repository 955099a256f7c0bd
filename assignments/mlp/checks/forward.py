"""Question 2: `forward(params, x)` on the grader's parameters and batches, for networks with one
hidden layer and with two (a forward pass written for exactly two layers fails the second)."""

from __future__ import annotations

import random
from typing import Any

from autograder.checks.compare import as_array, mismatch, verdict, why_absent
from autograder.checks.observation import Check, Observation, Plan
from autograder.golden import Golden
from autograder.results import CheckResult

from .. import hints
from ..rubric import RUBRIC
from ..rules import VALUES
from .cases import choose, chosen, hidden_layers

QUESTION = "q2"
PROBED = True
WHAT = "`forward(params, x)`"


def plan(rng: random.Random, golden: Golden) -> Plan:
    return choose(rng, golden)


def _outputs(observation: Observation, golden: Golden, plan: Plan) -> list[tuple[dict[str, Any], Any]]:
    found = observation.listed("forward") or [{}]
    return list(zip(chosen(golden, plan), found, strict=False))


def check_output_shape(observation: Observation, golden: Golden, plan: Plan) -> CheckResult:
    problem = None
    for case, found in _outputs(observation, golden, plan):
        array = as_array(found)
        want = (len(case["x"]), case["sizes"][-1])
        if array is None:
            problem = why_absent(found, WHAT)
        elif array.shape != want:
            problem = (
                f"{WHAT} on a batch of {want[0]} rows and a network of sizes {case['sizes']} has shape "
                f"{array.shape}, expected {want}."
            )
        if problem is not None:
            break
    return verdict(RUBRIC.item(QUESTION, "output_shape"), problem, hints.FORWARD)


def _values_check(hidden: int, name: str) -> Check:
    def check(observation: Observation, golden: Golden, plan: Plan) -> CheckResult:
        problem = None
        for case, found in _outputs(observation, golden, plan):
            if hidden_layers(case) != hidden:
                continue
            what = f"{WHAT} with sizes {case['sizes']}"
            problem = mismatch(found, case["forward"], what=what, within=VALUES)
            if (
                problem is not None
                and mismatch(found, case["forward_linear"], what=what, within=VALUES) is None
            ):
                problem = (
                    f"{what} gives the network's values without any ReLU: apply it after each hidden layer."
                )
        return verdict(RUBRIC.item(QUESTION, name), problem, hints.FORWARD)

    return check


CHECKS: dict[str, Check] = {
    "output_shape": check_output_shape,
    "one_hidden": _values_check(1, "one_hidden"),
    "two_hidden": _values_check(2, "two_hidden"),
}
