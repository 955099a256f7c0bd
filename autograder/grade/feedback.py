"""`OUT/<submission>/feedback.md`: what one student (or group) reads about their grade.

Markdown because TAs paste it into Gradescope comments or e-mails and it reads as plain text
too. The checks' `detail` (tracebacks, raw values) is for instructors and stays out.
"""

from __future__ import annotations

import re
from pathlib import Path

from autograder.grade.output import format_points, write_text
from autograder.grade.sources import Student, Submission
from autograder.hints import shown
from autograder.results import CheckResult, SubmissionResult


def feedback_markdown(submission: Submission, result: SubmissionResult, title: str) -> str:
    """`title`: the assignment's, as students know it."""
    lines = [f"# {title}: autograder feedback", ""]
    if submission.students:
        lines.append("- **Submitted by:** " + "; ".join(_student(s) for s in submission.students))
    lines.append(f"- **Submission:** {submission.name}")
    if submission.notebook is not None:
        lines.append(f"- **Notebook graded:** `{submission.notebook.name}`")
    lines.append(
        f"- **Score:** {format_points(result.score)} / {format_points(result.possible)} "
        "(the autograded part; written answers are graded by hand)"
    )
    notes = list(dict.fromkeys(n for n in (submission.note, *result.messages) if n))
    if notes:
        lines += ["", *(f"> {_escaped(note)}" for note in notes)]
    for question in result.questions:
        number = question.name.removeprefix("q")
        lines += [
            "",
            f"## Question {number}: {format_points(question.score)} / {format_points(question.possible)}",
            "",
        ]
        if question.checks and not any(c.graded for c in question.checks):
            lines.append("- **not graded**: see the message at the top.")  # one line, not one per item
        else:
            lines += [_check(check) for check in question.checks]
    return "\n".join(lines) + "\n"


def _student(student: Student) -> str:
    return student.name + (f" ({student.sid})" if student.sid else "")


def _check(check: CheckResult) -> str:
    mark = "passed" if check.passed else "not passed"
    # Continuation lines indented so that a multi-line message stays inside its list item.
    message = _escaped(shown(check).strip()).replace("\n", "\n  ")
    return f"- **{mark}** ({format_points(check.score)}/{format_points(check.points)}): {message}"


def _escaped(text: str) -> str:
    """Markdown-safe outside `code` spans: a `*` pair would turn into italics and `<lambda>`
    in an error message into a vanished HTML tag."""
    parts = re.split(r"(`[^`]*`)", text)
    return "".join(part if i % 2 else re.sub(r"([*<])", r"\\\1", part) for i, part in enumerate(parts))


def write_feedback(submission: Submission, result: SubmissionResult, folder: Path, title: str) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    write_text(folder / "feedback.md", feedback_markdown(submission, result, title))
