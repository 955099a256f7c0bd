"""The MLP assignment's grading rules, each written once; its checks compare with these."""

from __future__ import annotations

from autograder.assignment import Rules
from autograder.checks.compare import Tolerance

# Questions 2 and 3 compute in float32 with the order of operations the student chose (a mean
# or a sum divided, `x @ W` or `jnp.dot`): a little looser than Project 1's.
VALUES = Tolerance(rtol=1e-4, atol=1e-5)
# The sums of the 784x128 weights' values and squares, against the golden summary's.
SUMS = Tolerance(rtol=1e-4, atol=1e-3)

# The master's public tests judge in the student's kernel with bounds of their own (a step's
# descent, a weight scale), not these tolerances: `build` does not compare them.
RULES = Rules(tolerance=None)
