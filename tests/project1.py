"""Project 1, the assignment most tests grade, as the engine loads it: its rubric, golden values
and checks, and one question graded by the engine's `grade_question` with the rubric's items."""

from __future__ import annotations

from autograder.assignment import QuestionChecks, load
from autograder.checks import Observation
from autograder.checks import grade_question as grade_items
from autograder.checks.observation import Plan
from autograder.golden import Golden
from autograder.results import CheckResult

PROJECT1 = load("project1")
RUBRIC = PROJECT1.rubric
GOLDEN = PROJECT1.golden()
CHECKS = PROJECT1.checks


def grade_question(
    checks: QuestionChecks, observation: Observation, golden: Golden, plan: Plan
) -> tuple[CheckResult, ...]:
    """The items of `checks`' question, each by its check."""
    return grade_items(RUBRIC.question(checks.QUESTION), checks, observation, golden, plan)
