"""The entries of Gradescope's results.json this package writes itself.

Gradescope's `visibility` per test: "visible" (always shown), "hidden" (never shown to
students; instructors see it), "after_due_date", "after_published". Otter 7.0.0 gives every
test the one visibility `show_hidden` selects, so these entries carry their own.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from autograder.hints import HintMode, shown
from autograder.results import QuestionResult
from autograder.rubric import Rubric

FLAGS_ENTRY = "Flags for instructors"
HIDDEN_FROM_STUDENTS = "hidden"


def flags_entry(flags: tuple[str, ...]) -> dict[str, Any]:
    """The flags (code a TA should read): worth nothing, seen by instructors only."""
    return {
        "name": FLAGS_ENTRY,
        "score": 0,
        "max_score": 0,
        "visibility": HIDDEN_FROM_STUDENTS,
        "output": "Code a TA should read before trusting this grade (never worth points):\n"
        + "\n".join(flags),
    }


def write_refusal(results_file: Path, message: str, rubric: Rubric | None) -> None:
    """results.json for an upload that cannot be graded: every question of `rubric` 0 (none
    when the assignment itself could not be read), and why."""
    tests = [
        {
            "name": question.name,
            "score": 0,
            "max_score": question.points,
            "visibility": "visible",
            "output": f"Not graded. {message}",
        }
        for question in (rubric.questions if rubric is not None else ())
    ]
    results = {"score": 0, "output": message, "tests": tests}
    results_file.parent.mkdir(parents=True, exist_ok=True)
    results_file.write_text(json.dumps(results, indent=4, ensure_ascii=True), encoding="utf-8")


def question_output(question: QuestionResult, number: int, mode: HintMode) -> str:
    """A question's entry as the student reads it (`number`: the question's): its items by
    their description, each with what was found and (after a failure) a hint in the
    instructor's chosen mode."""
    lines = [f"Question {number}: {question.score:g} / {question.possible:g}"]
    for check in question.checks:
        mark = "✓" if check.passed else "✗"
        lines.append(f"{mark} ({check.score:g}/{check.points:g}) {shown(check, mode)}")
    return "\n".join(lines)
