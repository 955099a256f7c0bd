"""Checks: pure comparisons of a submission's observed values with golden values.

An assignment's `checks/` holds one module per question (`autograder.assignment.QuestionChecks`):
its `plan(rng, golden)` (the probe inputs, chosen at grading time) and `CHECKS`, one check per
rubric item, each returning that item's `CheckResult`. `grade_question` runs them one by one,
so that a check that crashes fails its item only. This package holds what every assignment's
checks share, and names no assignment. Nothing here runs student code or imports JAX.
"""

from autograder.checks.compare import Tolerance, as_array, mismatch, verdict
from autograder.checks.guard import grade_question
from autograder.checks.observation import Observation

__all__ = ["Observation", "Tolerance", "as_array", "grade_question", "mismatch", "verdict"]
