"""Autograder for TDM 40200 Project 1: checks, an otter-grader plugin and a command line.

The public surface:

    from autograder import grade_notebook
    result = grade_notebook("submission.ipynb")   # a SubmissionResult
    result.score, result.possible, result.status
"""

from autograder.grade import grade_notebook
from autograder.results import CheckResult, QuestionResult, SubmissionResult

__all__ = ["CheckResult", "QuestionResult", "SubmissionResult", "grade_notebook"]
