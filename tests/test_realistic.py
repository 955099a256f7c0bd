"""The realistic hand-ins of `tests/realistic.py`, graded in one batch as a TA would grade a class:
each loses exactly the items a careful instructor would take (its points follow from the rubric),
and only the hostile ones are flagged."""

from __future__ import annotations

import json

import nbformat
from pathlib import Path

import pytest

from assignments.project1.rubric import RUBRIC
from autograder.results import SubmissionResult
from tests.expect import items, lost, scores
from tests.realistic import CASES
from tests.replay import graded_in_kernels, replayed

# Slow all of it: the cases IN_KERNELS are graded in kernels; the replays of every case still
# take about a second each, more than the README's quick run can hold for the whole corpus.
pytestmark = pytest.mark.slow

HOSTILE = {"forged-post-run-cell"}
# The kernel is killed after the last answer: every point stands, the status says what happened.
STATUS = {"kill-kernel-at-end": "kernel-died", "os-exit-right-after-q5": "kernel-died",
          "kernel-dies-between-q5-versions": "kernel-died"}

# Graded in real kernels too (the rest replay their recorded runs): one of each way a kernel run
# bears on the grade, so the kernel's path stays covered end to end.
IN_KERNELS = (
    "template-pledge", "stdout-devnull-at-q2", "warnings-as-errors", "legacy-prng-config",
    "quit-mid-notebook", "sleep-in-scratch", "several-mistakes", "zeros-garbage",
    "third-elementwise-raises", "q4-timeit", "fake-jit-memo", "q4-forged-wrapped",
    "forged-post-run-cell", "kill-kernel-at-end", "kernel-dies-between-q5-versions",
)


def _notebook(cells: list[tuple[str, str]], metadata: dict[str, object]) -> dict[str, object]:
    maker = {"code": nbformat.v4.new_code_cell, "markdown": nbformat.v4.new_markdown_cell}
    nb = nbformat.v4.new_notebook(cells=[maker[kind](source) for kind, source in cells if source])
    # The course's JupyterHub kernel, as students' notebooks name it.
    nb.metadata["kernelspec"] = {"name": "f2023-s2024", "display_name": "f2023-s2024", "language": "python"}
    nb.metadata.update(metadata)
    return dict(nb)


def notebooks(root: Path) -> dict[str, Path]:
    """Each case's notebook, written under `root` (`tests.replay` records and replays them)."""
    paths = {}
    for name, (cells, _, options) in CASES.items():
        path = root / "notebooks" / f"{name}.ipynb"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(_notebook(cells, options.get("metadata", {})), indent=1))
        paths[name] = path
    return paths


@pytest.fixture(scope="module")
def graded(tmp_path_factory: pytest.TempPathFactory) -> dict[str, SubmissionResult]:
    """Every case graded on its recorded kernel run (`python -m tests.replay realistic`)."""
    return replayed("realistic", notebooks(tmp_path_factory.mktemp("realistic")))


def test_graded_in_kernels_as_an_instructor_would(tmp_path: Path) -> None:
    """One case of each kind graded in one batch of real kernels, as a TA would grade a class."""
    for result in graded_in_kernels(notebooks(tmp_path), IN_KERNELS, tmp_path / "out"):
        _assert_graded_as_expected(result.submission, result)


@pytest.mark.parametrize("name", list(CASES))
def test_graded_as_an_instructor_would(name: str, graded: dict[str, SubmissionResult]) -> None:
    _assert_graded_as_expected(name, graded[name])


def _assert_graded_as_expected(name: str, result: SubmissionResult) -> None:
    loses = CASES[name][1]
    points = tuple(result.question(q).score for q in RUBRIC.names)
    failed = {c.name: c.message for q in result.questions for c in q.checks if not c.passed}
    report = "\n".join(f"  {item}: {message}" for item, message in failed.items())
    assert (points, set(failed)) == (scores(lost(*loses)), items(*loses)), report
    assert str(result.status).startswith(STATUS.get(name, "ok"))
    assert bool(result.flags) == (name in HOSTILE), result.flags


def test_names_lost_in_timeit_cells_are_explained(graded: dict[str, SubmissionResult]) -> None:
    notes = [m for m in graded["q4-timeit"].messages if "%%timeit" in m]
    assert len(notes) == 1 and "`my_model`" in notes[0] and "%%time`" in notes[0]
    assert not any("%%timeit" in m for name, r in graded.items() if name != "q4-timeit" for m in r.messages)


def test_a_cell_that_stopped_with_an_error_is_named_where_points_were_lost(graded: dict[str, SubmissionResult]) -> None:
    notes = [m for m in graded["third-elementwise-raises"].messages if "stopped with" in m]
    assert len(notes) == 1 and notes[0].startswith("Question 1: the cell that starts `third = first * second` stopped")
    assert "TypeError" in notes[0] and ".py, line" not in notes[0]
    full = [name for name, (_, loses, _) in CASES.items() if not loses]
    assert not [name for name in full if any("stopped with" in m for m in graded[name].messages)]


def test_the_feedback_names_the_section_graded_in_place_of_an_earlier_answer(graded: dict[str, SubmissionResult]) -> None:
    notes = {name: [m for m in result.messages if "replaces your earlier answer" in m] for name, result in graded.items()}
    assert notes.pop("q3-revisited-after-q5") == [
        'Question 3 was graded on your answer under "Question 3 (revisited)" (cell 37), which replaces your '
        "earlier answer to it."]
    assert notes.pop("q2-fixed-after-q4") == [
        'Question 2 was graded on your answer under "Question 2, fixed" (cell 37), which replaces your '
        "earlier answer to it."]
    assert notes.pop("q1-corrected-by-a-comment-after-q2") == [
        'Question 1 was graded on your answer under "Q1 - corrected: the new row goes at the bottom" (cell 18), '
        "which replaces your earlier answer to it."]
    assert not any(notes.values()), {name: n for name, n in notes.items() if n}


def test_handed_out_code_is_named_as_such(graded: dict[str, SubmissionResult]) -> None:
    message = next(c.message for c in graded["q4-left-as-handed-out"].question("q4").checks if c.name == "my_model")
    assert "code the assignment gives you" in message and "compile" in message
