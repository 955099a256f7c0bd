"""TDM 40200 Project 2 (short): a multilayer perceptron in JAX. Its parameters from a PRNG key,
its forward pass, and one jitted step of gradient descent."""

from __future__ import annotations

from pathlib import Path

from autograder.assignment import Assignment

from .checks import QUESTIONS
from .hints import ITEMS as HINTS
from .rubric import RUBRIC
from .rules import RULES

FOLDER = Path(__file__).resolve().parent

ASSIGNMENT = Assignment(
    name="mlp",
    title="TDM 40200 Project 2 (short)",
    folder=FOLDER,
    rubric=RUBRIC,
    checks=QUESTIONS,
    probes=FOLDER / "probes.py",
    gradebook_item="Project 2 (short)",
    # "mlp.ipynb", "MLP-1.ipynb", "project2.ipynb", "Project_2"... but not "project20".
    file_pattern=r"mlp|project[ _-]?2(?!\d)",
    hints=HINTS,
    rules=RULES,
)
