"""TDM 40200 Project 1: JAX arrays, PRNG keys, `jax.grad`, `jax.jit` and static arguments."""

from __future__ import annotations

from pathlib import Path

from autograder.assignment import Assignment

from .checks import CHECKS
from .hints import ITEMS as HINTS
from .rubric import RUBRIC
from .rules import RULES

FOLDER = Path(__file__).resolve().parent

ASSIGNMENT = Assignment(
    name="project1",
    title="TDM 40200 Project 1",
    folder=FOLDER,
    rubric=RUBRIC,
    checks=CHECKS,
    probes=FOLDER / "probes.py",
    gradebook_item="Project 1",
    # "project1", "Project_1", "project-1", "Project 1", but not "project10".
    file_pattern=r"project[ _-]?1(?!\d)",
    hints=HINTS,
    rules=RULES,
)
