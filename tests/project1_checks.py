"""Project 1's checks as the tests run them: its assignment, its golden values, and one
question graded by the engine's `grade_question` with the rubric's items."""

from __future__ import annotations

from assignments.project1 import ASSIGNMENT
from autograder.assignment import QuestionChecks
from autograder.checks import Observation
from autograder.checks import grade_question as grade_items
from autograder.checks.observation import Plan
from autograder.golden import Golden
from autograder.results import CheckResult

GOLDEN = ASSIGNMENT.golden()
CHECKS = ASSIGNMENT.checks


def grade_question(
    checks: QuestionChecks, observation: Observation, golden: Golden, plan: Plan
) -> tuple[CheckResult, ...]:
    """The items of `checks`' question, each by its check."""
    return grade_items(ASSIGNMENT.rubric.question(checks.QUESTION), checks, observation, golden, plan)
