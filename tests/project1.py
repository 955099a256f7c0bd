"""Project 1, the assignment most tests grade, as the engine loads it."""

from autograder.assignment import load

PROJECT1 = load("project1")
RUBRIC = PROJECT1.rubric
