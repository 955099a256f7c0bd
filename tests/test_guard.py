"""Each check guarded, and statuses as data: a check that crashes fails its own item only, the
student reads a plain sentence, the traceback stays with the instructors; statuses render to
the gradebook's text and read back from grading.json files old and new."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from assignments.project1.checks import arrays, jit
from assignments.project1.checks.values import array
from autograder.checks.guard import CRASHED
from autograder.checks.observation import Observation, Plan
from autograder.golden import Golden
from autograder.grade.feedback import feedback_markdown
from autograder.grade.output import csv_row, gradescope_results, write_submission
from autograder.grade.report import crashed_checks, write_report
from autograder.grade.sources import Submission
from autograder.pipeline import zero
from autograder.results import SubmissionResult
from autograder.status import Kind, Status, from_text
from tests.project1 import PROJECT1 as ASSIGNMENT, CHECKS, GOLDEN, grade_question

RUBRIC = ASSIGNMENT.rubric


def _wire(array: np.ndarray) -> dict[str, Any]:
    """A JAX array as the kernel's probe reports it."""
    return {
        "kind": "array",
        "jax": True,
        "shape": list(array.shape),
        "dtype": str(array.dtype),
        "data": array.ravel().tolist(),
    }


def _raises(observation: Observation, golden: Golden, plan: Plan) -> None:
    raise KeyError("a value the check never expected")


def test_every_rubric_item_has_exactly_one_check() -> None:
    for question, module in CHECKS.items():
        assert set(module.CHECKS) == {item.name for item in RUBRIC.question(question).items}, question


def test_a_crashing_check_fails_its_item_only(monkeypatch: pytest.MonkeyPatch) -> None:
    """Question 1's `third` check crashes: `first`, `second`, ... are still graded (and pass
    on golden values); `third` fails with a plain sentence, its traceback in `detail`."""
    monkeypatch.setitem(arrays.CHECKS, "third", _raises)
    observation = Observation("q1", values={name: _wire(array(GOLDEN, name)) for name in arrays.NAMES})
    results = {r.name: r for r in grade_question(arrays, observation, GOLDEN, {})}
    assert list(results) == [item.name for item in RUBRIC.question("q1").items]
    crashed = results["third"]
    assert not crashed.passed and not crashed.graded and crashed.score == 0
    assert (
        CRASHED in crashed.message
        and "Traceback" not in crashed.message
        and "KeyError" not in crashed.message
    )
    assert "Traceback" in crashed.detail and "KeyError" in crashed.detail
    assert all(r.graded for name, r in results.items() if name != "third")
    assert all(results[name].passed for name in ("first", "second", "fourth", "fifth", "my_array"))


@pytest.mark.slow
def test_a_crashing_check_leaves_the_submission_graded(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """Through the whole pipeline: the correct solution with Question 4's `compiled` check
    crashing scores everything but that item; the status stays ok; feedback and results.json
    carry no traceback; grading.json and the report keep it."""
    from autograder.pipeline import grade_notebook
    from tests.submissions import solution, write

    monkeypatch.setitem(jit.CHECKS, "compiled", _raises)
    result = grade_notebook(write(tmp_path / "solution.ipynb", solution(loops=300)), ASSIGNMENT)
    compiled = RUBRIC.item("q4", "compiled")
    assert result.status.ok
    assert result.score == result.possible - compiled.points
    failed = {c.name: c for q in result.questions for c in q.checks if not c.passed}
    assert set(failed) == {"compiled"}
    assert "Traceback" not in failed["compiled"].message and "KeyError" in failed["compiled"].detail
    student_facing = json.dumps(gradescope_results(result))
    assert CRASHED in student_facing and "Traceback" not in student_facing

    write_submission(result, tmp_path / "out")
    reread = SubmissionResult.from_dict(json.loads((tmp_path / "out" / "grading.json").read_text()))
    assert reread == result
    [(submission, item, detail)] = crashed_checks([reread])
    assert (submission, item) == ("solution", "q4 compiled") and "KeyError" in detail
    page = write_report([(Submission(None, "solution"), reread)], tmp_path / "out", ASSIGNMENT).read_text()
    assert "Checks the grader could not run" in page and "KeyError" in page
    assert "Traceback" not in feedback_markdown(Submission(None, "solution"), reread, ASSIGNMENT.title)


@pytest.mark.parametrize(
    ("status", "text"),
    [
        (Status(), "ok"),
        (Status(Kind.CELL_TIMEOUT, 39, 40.0), "timeout (cell 39 ran past 40 s)"),
        (Status(Kind.TIMEOUT, 12, 10.5), "timeout (the notebook ran past 10.5 s, in cell 12)"),
        (Status(Kind.TIMEOUT, seconds=900.0), "timeout (the notebook ran past 900 s)"),
        (Status(Kind.CELL_STUCK, 3), "timeout (cell 3 ran past its limit and could not be interrupted)"),
        (Status(Kind.KERNEL_DIED, 7), "kernel-died (cell 7)"),
        (Status(Kind.OUTPUT_TOO_LARGE, 2), "output-too-large (cell 2)"),
        (Status(Kind.INVALID_NOTEBOOK), "invalid-notebook"),
        (Status(Kind.WRONG_ASSIGNMENT), "wrong-assignment"),
        (Status(Kind.GRADER_ERROR, detail="worker exited with 1"), "grader-error (worker exited with 1)"),
        (Status(Kind.TIMEOUT, detail="the grader did not finish"), "timeout (the grader did not finish)"),
    ],
)
def test_statuses_render_the_gradebooks_text_and_read_back(status: Status, text: str) -> None:
    assert str(status) == text
    assert from_text(text) == status  # a grading.json of an earlier run
    assert Status.from_data(json.loads(json.dumps(status.to_dict()))) == status


def test_old_grading_json_is_read() -> None:
    """An earlier run's grading.json: a string status, checks without "graded"."""
    result = SubmissionResult.from_dict(
        {
            "submission": "old",
            "status": "kernel-died (cell 7)",
            "questions": [
                {
                    "name": "q5",
                    "checks": [
                        {
                            "name": "loop_static",
                            "passed": False,
                            "points": 1,
                            "message": "x: not graded (kernel-died): see",
                        },
                        {"name": "shape_static", "passed": True, "points": 1, "message": "y: correct."},
                    ],
                }
            ],
        }
    )
    assert result.status == Status(Kind.KERNEL_DIED, 7)
    assert [c.graded for c in result.questions[0].checks] == [False, True]
    assert str(result.status) == "kernel-died (cell 7)"
    full = zero("old", RUBRIC, result.status, "")
    assert csv_row(full)[len(RUBRIC.names) + 3] == "kernel-died (cell 7)"
