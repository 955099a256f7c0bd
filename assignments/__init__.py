"""The assignments this engine grades, one folder each (`autograder.assignment` loads them).

Each folder holds everything its instructor owns: the rubric, the checks, the kernel-side
probes, the hints, the master notebook, the examples and the golden values. Its `__init__.py`
defines `ASSIGNMENT`, an `autograder.assignment.Assignment`; modules inside a folder import each
other relatively, so that a copy of the folder (an instructor trying a change) loads as well.
"""

# The assignment `grade` and `build` take when nothing else names one (no `--assignment`, no
# notebook saying which it is for): the course's current one.
DEFAULT = "project1"
