"""Running a question's checks one item at a time: a check that crashes fails its own item
only, never the question or the submission."""

from __future__ import annotations

import traceback
from typing import TYPE_CHECKING

from autograder.checks.observation import Observation, Plan, all_failed
from autograder.golden import Golden
from autograder.results import CheckResult
from autograder.rubric import Item, Question

if TYPE_CHECKING:  # the assignment's types name the checks' own: a type-only import keeps them acyclic
    from autograder.assignment import QuestionChecks

# What the student reads when the grader itself failed on an item: no traceback (that is in
# `detail`, for instructors), and nothing promised on anyone's behalf.
CRASHED = (
    "the grader could not check this item, so it earned no points here. "
    "If you believe your answer is right, ask your instructor to look at it."
)


def crashed(item: Item, detail: str) -> CheckResult:
    # Not graded: it says nothing of the answer (the report lists it with its traceback).
    return CheckResult(item.name, False, item.points, f"{item.description}: {CRASHED}", detail, graded=False)


def grade_question(
    question: Question, checks: QuestionChecks, observation: Observation, golden: Golden, plan: Plan
) -> tuple[CheckResult, ...]:
    """Each of the question's rubric items by its own check (`checks.CHECKS`), in rubric order.
    A question whose probe failed as a whole (`checks.PROBED`) fails every item with its reason."""
    if checks.PROBED and observation.error:
        return tuple(all_failed(question.items, observation.error))
    results = []
    for item in question.items:
        try:
            results.append(checks.CHECKS[item.name](observation, golden, plan))
        except Exception:  # a bug in the check (or a value it never expected): this item only
            results.append(crashed(item, traceback.format_exc()))
    return tuple(results)
