"""Rendering results: Gradescope's results.json, feedback text, and the two CSVs (the gradebook
and Gradescope's grade upload). The student's feedback.md is in `autograder.grade.feedback`,
the class report in `autograder.grade.report`."""

from __future__ import annotations

import csv
import json
from pathlib import Path

from autograder.grade.sources import Student
from autograder.results import QuestionResult, SubmissionResult
from autograder.rubric import QUESTIONS

# Scripts read the first nine columns by position: new columns go after them.
CSV_HEADER = ["submission", *QUESTIONS, "total", "possible", "status", "names", "sids", "emails", "flags"]
# One row per student, identified the three ways a Gradescope roster knows them.
UPLOAD_HEADER = ["Email", "SID", "Name", "Score"]


def points(value: float) -> float | int:
    """A score as people write it: 7, not 7.0."""
    value = round(value, 5)
    return int(value) if value == int(value) else value


def feedback(question: QuestionResult) -> str:
    """What the student reads for one question: one line per check."""
    lines = [f"{question.name}: {points(question.score)} / {points(question.possible)}"]
    for check in question.checks:
        mark = "PASS" if check.passed else "FAIL"
        lines.append(f"  [{mark}] ({points(check.score)}/{points(check.points)}) {check.message}")
    return "\n".join(lines)


def gradescope_results(result: SubmissionResult) -> dict:
    """Gradescope's results format: one test per question, named q1..q5."""
    output = "\n".join(result.messages) if result.messages else "Your notebook ran to the end."
    return {
        "score": points(result.score),
        "output": output,
        "stdout_visibility": "hidden",
        "tests": [
            {
                "name": question.name,
                "score": points(question.score),
                "max_score": points(question.possible),
                "output": feedback(question),
                "visibility": "visible",
            }
            for question in result.questions
        ],
    }


def csv_row(result: SubmissionResult, students: tuple[Student, ...] = ()) -> list:
    return [
        result.submission,
        *(points(result.question(q).score) for q in QUESTIONS),
        points(result.score),
        points(result.possible),
        result.status,
        *("; ".join(getattr(s, field) for s in students) for field in ("name", "sid", "email")),
        "; ".join(result.flags),
    ]


def upload_rows(result: SubmissionResult, students: tuple[Student, ...]) -> list[list]:
    """A group submission gives each of its students the same score."""
    return [[s.email, s.sid, s.name, points(result.score)] for s in students]


def write_submission(result: SubmissionResult, folder: Path) -> None:
    """`folder/results.json` (Gradescope's format) and `folder/grading.json` (everything,
    for instructors); written to a temporary name first so a crash leaves no half file."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, data in (("grading.json", result.to_dict()), ("results.json", gradescope_results(result))):
        partial = folder / (name + ".partial")
        partial.write_text(json.dumps(data, indent=2))
        partial.replace(folder / name)


def write_gradebook(rows: list[list], path: Path) -> None:
    write_csv(CSV_HEADER, sorted(rows, key=lambda row: str(row[0])), path)


def write_csv(header: list[str], rows: list[list], path: Path) -> None:
    partial = path.with_suffix(".partial")
    with open(partial, "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(header)
        writer.writerows(rows)
    partial.replace(path)
