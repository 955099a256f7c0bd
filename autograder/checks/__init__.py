"""Checks: pure comparisons of a submission's observed values with golden values.

Each question module offers `plan(rng, golden)` (the probe inputs, chosen at grading time)
and `grade(observation, golden, plan)` (a list of `CheckResult`). Nothing here runs student
code or imports JAX.
"""

from autograder.checks import arrays, gradient, jit, prng, static
from autograder.checks.compare import as_array, mismatch, verdict
from autograder.checks.observation import Observation

QUESTIONS = {module.QUESTION: module for module in (arrays, prng, gradient, jit, static)}

__all__ = ["QUESTIONS", "Observation", "as_array", "mismatch", "verdict"]
