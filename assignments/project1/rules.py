"""Project 1's grading rules, each written once. The checks compare with these; the master's
public tests state them too, and `python -m autograder build` refuses a master whose tests say
otherwise (`ASSIGNMENT.rules`), naming the item and the cell."""

from __future__ import annotations

from autograder.assignment import Rules
from autograder.checks.compare import Tolerance

# Every value compared with a golden one (or with one worked out from the student's own).
VALUES = Tolerance(rtol=1e-5, atol=1e-6)
# A number Question 1's cells printed, against the value it should show.
SHOWN = Tolerance(rtol=1e-6, atol=1e-9)
# jit makes Question 4's model ~10x faster on one core; 2x leaves room for noisy, shared machines.
MIN_SPEEDUP = 2.0

RULES = Rules(VALUES, stated={"speedup": (f"at least {MIN_SPEEDUP:g}x",)})
