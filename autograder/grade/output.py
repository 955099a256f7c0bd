"""Rendering results: Gradescope's results.json, feedback text, and the gradebook CSV row."""

from __future__ import annotations

import csv
import json
from pathlib import Path

from autograder.results import QuestionResult, SubmissionResult
from autograder.rubric import QUESTIONS

CSV_HEADER = ["submission", *QUESTIONS, "total", "possible", "status"]


def _points(value: float) -> float | int:
    value = round(value, 5)
    return int(value) if value == int(value) else value


def feedback(question: QuestionResult) -> str:
    """What the student reads for one question: one line per check."""
    lines = [f"{question.name}: {_points(question.score)} / {_points(question.possible)}"]
    for check in question.checks:
        mark = "PASS" if check.passed else "FAIL"
        lines.append(f"  [{mark}] ({_points(check.score)}/{_points(check.points)}) {check.message}")
    return "\n".join(lines)


def gradescope_results(result: SubmissionResult) -> dict:
    """Gradescope's results format: one test per question, named q1..q5."""
    output = "\n".join(result.messages) if result.messages else "Your notebook ran to the end."
    return {
        "score": _points(result.score),
        "output": output,
        "stdout_visibility": "hidden",
        "tests": [
            {
                "name": question.name,
                "score": _points(question.score),
                "max_score": _points(question.possible),
                "output": feedback(question),
                "visibility": "visible",
            }
            for question in result.questions
        ],
    }


def csv_row(result: SubmissionResult) -> list:
    return [
        result.submission,
        *(_points(result.question(q).score) for q in QUESTIONS),
        _points(result.score),
        _points(result.possible),
        result.status,
    ]


def write_submission(result: SubmissionResult, folder: Path) -> None:
    """`folder/results.json` (Gradescope's format) and `folder/grading.json` (everything,
    for instructors); written to a temporary name first so a crash leaves no half file."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, data in (("grading.json", result.to_dict()), ("results.json", gradescope_results(result))):
        partial = folder / (name + ".partial")
        partial.write_text(json.dumps(data, indent=2))
        partial.replace(folder / name)


def write_gradebook(rows: list[list], path: Path) -> None:
    partial = path.with_suffix(".partial")
    with open(partial, "w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(CSV_HEADER)
        writer.writerows(sorted(rows, key=lambda row: str(row[0])))
    partial.replace(path)
