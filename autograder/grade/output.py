"""Rendering results: Gradescope's results.json, feedback text and the gradebook CSV. The
student's feedback.md is in `autograder.grade.feedback`, the LMS import files in
`autograder.grade.lms`, the class report in `autograder.grade.report`.

Every file is written so that any text survives: messages quote what student code raised or
printed, which may hold lone surrogates (`'\\udcff'`) or other text UTF-8 cannot encode. JSON
escapes them (`\\udcff`, read back unchanged); text files write them as backslash escapes."""

from __future__ import annotations

import csv
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from autograder.grade.sources import Student
from autograder.hints import shown
from autograder.results import QuestionResult, SubmissionResult
from autograder.rubric import Rubric


def csv_header(rubric: Rubric) -> list[str]:
    """Scripts read the columns up to `flags` by position: new columns go after them
    (`counted_elsewhere`: the submission's students whose score comes from another one)."""
    by_submission = ["submission", *rubric.names, "total", "possible", "status"]
    return [*by_submission, "names", "sids", "emails", "flags", "counted_elsewhere"]


# How text files are written: UTF-8, and what UTF-8 cannot encode as a visible `\udcff`.
ENCODING = "utf-8"
ERRORS = "backslashreplace"


def format_points(value: float) -> float | int:
    """A score as people write it: 7, not 7.0."""
    value = round(value, 5)
    return int(value) if value == int(value) else value


def feedback(question: QuestionResult) -> str:
    """What the student reads for one question: one line per check."""
    lines = [f"{question.name}: {format_points(question.score)} / {format_points(question.possible)}"]
    for check in question.checks:
        mark = "PASS" if check.passed else "FAIL"
        lines.append(
            f"  [{mark}] ({format_points(check.score)}/{format_points(check.points)}) {shown(check)}"
        )
    return "\n".join(lines)


def gradescope_results(result: SubmissionResult) -> dict[str, Any]:
    """Gradescope's results format: one test per question, named as the rubric names it."""
    output = "\n".join(result.messages) if result.messages else "Your notebook ran to the end."
    return {
        "score": format_points(result.score),
        "output": output,
        "stdout_visibility": "hidden",
        "tests": [
            {
                "name": question.name,
                "score": format_points(question.score),
                "max_score": format_points(question.possible),
                "output": feedback(question),
                "visibility": "visible",
            }
            for question in result.questions
        ],
    }


def csv_row(
    result: SubmissionResult, students: tuple[Student, ...] = (), counted_elsewhere: Sequence[str] = ()
) -> list[object]:
    """`counted_elsewhere`: this submission's students whose score comes from another one."""
    return [
        result.submission,
        *(format_points(question.score) for question in result.questions),
        format_points(result.score),
        format_points(result.possible),
        str(result.status),
        *("; ".join(getattr(s, field) for s in students) for field in ("name", "sid", "email")),
        "; ".join(result.flags),
        "; ".join(counted_elsewhere),
    ]


def write_submission(result: SubmissionResult, folder: Path) -> None:
    """`folder/results.json` (Gradescope's format) and `folder/grading.json` (everything,
    for instructors); written to a temporary name first so a crash leaves no half file."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, data in (("grading.json", result.to_dict()), ("results.json", gradescope_results(result))):
        partial = folder / (name + ".partial")
        # ensure_ascii: a lone surrogate is written as the escape `\udcff`, never raises.
        partial.write_text(json.dumps(data, indent=2, ensure_ascii=True), encoding="ascii")
        partial.replace(folder / name)


def write_text(path: Path, text: str) -> None:
    """A text file, whole or not at all (written to a temporary name first)."""
    partial = path.with_name(path.name + ".partial")
    partial.write_text(text, encoding=ENCODING, errors=ERRORS)
    partial.replace(path)


def write_gradebook(rows: Sequence[Sequence[object]], path: Path, rubric: Rubric) -> None:
    write_csv(csv_header(rubric), sorted(rows, key=lambda row: str(row[0])), path)


def write_csv(header: Sequence[str], rows: Sequence[Sequence[object]], path: Path) -> None:
    partial = path.with_name(path.name + ".partial")
    with partial.open("w", newline="", encoding=ENCODING, errors=ERRORS) as f:
        writer = csv.writer(f)
        writer.writerow(header)
        writer.writerows(rows)
    partial.replace(path)


# Where a batch keeps what a failed worker printed: for instructors, shown in the report.
GRADER_ERROR_FILE = "grader-error.txt"


def grader_error(folder: Path) -> str:
    """The last line of what a failed worker printed, or ""."""
    try:
        text = (folder / GRADER_ERROR_FILE).read_text(encoding=ENCODING, errors="replace")
    except OSError:
        return ""
    lines = text.strip().splitlines()
    return lines[-1] if lines else ""
