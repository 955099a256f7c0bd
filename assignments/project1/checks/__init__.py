"""Project 1's checks, one module per question (`autograder.assignment.QuestionChecks`): the
probe inputs each chooses at grading time and one check per rubric item (`..rubric`)."""

from __future__ import annotations

from autograder.assignment import QuestionChecks

from . import arrays, gradient, jit, prng, static

CHECKS: dict[str, QuestionChecks] = {
    module.QUESTION: module for module in (arrays, prng, gradient, jit, static)
}
