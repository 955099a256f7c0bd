"""Checks: pure comparisons of a submission's observed values with golden values.

Each question module offers `plan(rng, golden)` (the probe inputs, chosen at grading time) and
`CHECKS`, one check per rubric item, each returning that item's `CheckResult`;
`grade_question` runs them one by one, so that a check that crashes fails its item only.
Adding an item touches its row in `autograder.rubric` and its check here. Nothing here runs
student code or imports JAX.
"""

from types import ModuleType

from autograder.checks import arrays, gradient, jit, prng, static
from autograder.checks.compare import as_array, mismatch, verdict
from autograder.checks.guard import grade_question
from autograder.checks.observation import Observation

QUESTIONS: dict[str, ModuleType] = {
    module.QUESTION: module for module in (arrays, prng, gradient, jit, static)
}

__all__ = ["QUESTIONS", "Observation", "as_array", "grade_question", "mismatch", "verdict"]
