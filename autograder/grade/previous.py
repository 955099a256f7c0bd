"""`--previous FILE`: Gradescope's "Download Grades" CSV for this assignment, and what a
regrade changed (`DIR/changes.csv`, the report's "Changed since Gradescope").

The CSV's header is `First Name,Last Name,SID,Email,Sections`, then one column per question of
the assignment's outline when it has one (`1: q1 (7.0 pts)`), then `Total Score,Max Points,
Status,Submission ID,Submission Time,Lateness (H:M:S),View Count,Submission Count`. The
previous score is the sum of the question columns when they are exactly this assignment's
questions (`q1`..`q5`, each worth what the rubric says), and otherwise `Total Score`, which
may include points graded by hand and late penalties. A `Status` of `Missing` (the student
submitted nothing) or an empty score counts as no previous score.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from enum import Enum
from pathlib import Path

from autograder.grade.output import format_points, write_csv
from autograder.grade.roster import Roster, StudentScore
from autograder.grade.sources import SourceError
from autograder.rubric import Rubric

CHANGES = "changes.csv"
CHANGES_HEADER = ["names", "sids", "emails", "submission", "previous", "new", "difference"]
REQUIRED = ("First Name", "Last Name", "SID", "Email", "Total Score", "Max Points", "Status")
MAX_BYTES = 20 * 2**20
# Gradescope names an outline question's column "<number>: <title> (<points> pts)".
_QUESTION_COLUMN = re.compile(r"^\s*\d+(?:\.\d+)*:\s*(?P<title>.+?)\s*\((?P<points>\d+(?:\.\d+)?) pts\)\s*$")
_TITLE = re.compile(r"^(?:q|question\s*)(?P<number>\d+)$", re.IGNORECASE)


class PreviousError(SourceError):
    """The --previous file is not Gradescope's grades CSV for this assignment."""


class Basis(Enum):
    """Which of the CSV's numbers a previous score is."""

    QUESTIONS = "the autograded questions"
    TOTAL = "Total Score (it may include points graded by hand and late penalties)"


@dataclass(frozen=True)
class Previous:
    """Previous scores by SID and by lower-cased e-mail; None for a `Missing` submission."""

    path: Path
    basis: Basis
    by_sid: dict[str, float | None]
    by_email: dict[str, float | None]

    def lookup(self, sid: str, email: str) -> tuple[bool, float | None]:
        """(found, score): matched by SID first, then by e-mail."""
        if sid and sid in self.by_sid:
            return True, self.by_sid[sid]
        if email and email.lower() in self.by_email:
            return True, self.by_email[email.lower()]
        return False, None


@dataclass(frozen=True)
class Change:
    names: tuple[str, ...]
    sids: tuple[str, ...]
    emails: tuple[str, ...]
    submission: str
    previous: float | None
    new: float

    @property
    def difference(self) -> float | None:
        return None if self.previous is None else self.new - self.previous

    def row(self) -> list[object]:
        difference = self.difference
        return [
            "; ".join(self.names),
            "; ".join(self.sids),
            "; ".join(self.emails),
            self.submission,
            "" if self.previous is None else format_points(self.previous),
            format_points(self.new),
            "" if difference is None else format_points(difference),
        ]


def read_previous(path: Path, rubric: Rubric) -> Previous:
    """Read and check the whole file; raises `PreviousError` with the reason and the line.
    Its per-question columns count when they are `rubric`'s questions, worth its points."""
    try:
        if path.stat().st_size > MAX_BYTES:
            raise PreviousError(f"{path}: larger than {MAX_BYTES // 2**20} MB; not a grades CSV")
        text = path.read_bytes().decode("utf-8-sig")
    except OSError as error:
        raise PreviousError(f"{path}: cannot be read ({error.strerror or error})") from None
    except UnicodeDecodeError:
        raise PreviousError(f"{path}: not UTF-8 text; download the CSV from Gradescope again") from None
    try:
        table = list(csv.reader(io.StringIO(text, newline="")))
    except csv.Error as error:
        raise PreviousError(f"{path}: not a readable CSV ({error})") from None
    if not table:
        raise PreviousError(f"{path}: empty")
    header = [column.strip() for column in table[0]]
    missing = [column for column in REQUIRED if column not in header]
    if missing:
        raise PreviousError(
            f'{path}: not Gradescope\'s "Download Grades" CSV (no {", ".join(missing)} column); '
            "download it from the assignment's Review Grades page"
        )
    columns = {name: header.index(name) for name in REQUIRED}
    questions = _question_columns(header, rubric)
    basis = Basis.QUESTIONS if questions else Basis.TOTAL
    by_sid: dict[str, float | None] = {}
    by_email: dict[str, float | None] = {}
    for line, row in enumerate(table[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue
        if len(row) != len(header):
            raise PreviousError(f"{path}, line {line}: {len(row)} cells, the header has {len(header)}")
        score = _score(path, line, row, columns, questions)
        sid, email = row[columns["SID"]].strip(), row[columns["Email"]].strip().lower()
        if sid:
            by_sid.setdefault(sid, score)
        if email:
            by_email.setdefault(email, score)
    return Previous(path, basis, by_sid, by_email)


def is_grades_csv(path: Path) -> bool:
    """Whether `path` starts with the header of Gradescope's "Download Grades" CSV."""
    try:
        with path.open(encoding="utf-8-sig", errors="replace", newline="") as f:
            header = next(csv.reader([f.readline(64 * 1024)]), [])
    except (OSError, csv.Error):
        return False
    return set(REQUIRED) <= {column.strip() for column in header}


def _question_columns(header: list[str], rubric: Rubric) -> dict[str, int]:
    """This assignment's question -> its column, when the CSV has one column for each of
    the rubric's questions worth its points (other outline questions, graded by hand, may sit
    beside them); otherwise empty."""
    found: dict[str, int] = {}
    for i, column in enumerate(header):
        match = _QUESTION_COLUMN.match(column)
        if not match:
            continue
        title = _TITLE.match(match["title"].strip())
        if not title:
            continue  # a question graded by hand
        question = f"q{int(title['number'])}"
        if question not in rubric.names or question in found:
            return {}
        if float(match["points"]) != rubric.points(question):
            return {}
        found[question] = i
    return found if set(found) == set(rubric.names) else {}


def _score(
    path: Path, line: int, row: list[str], columns: dict[str, int], questions: dict[str, int]
) -> float | None:
    if row[columns["Status"]].strip().lower() == "missing":
        return None
    cells = [row[i] for i in questions.values()] if questions else [row[columns["Total Score"]]]
    if not any(cell.strip() for cell in cells):
        return None  # submitted but never scored (`Ungraded`)
    try:
        return sum(float(cell) if cell.strip() else 0.0 for cell in cells)
    except ValueError:
        raise PreviousError(
            f"{path}, line {line}: a score that is not a number ({', '.join(repr(c) for c in cells)})"
        ) from None


def changes(roster: Roster, previous: Previous) -> list[Change]:
    """Students whose score is not what it was, largest change first, then those with no
    previous score. Each student once, with the roster's score; a group's students share a
    row when their previous scores agree."""
    found: list[Change] = []
    by_submission: dict[str, list[StudentScore]] = {}
    for entry in roster.scores:
        by_submission.setdefault(entry.submission, []).append(entry)
    for submission, entries in by_submission.items():
        new = entries[0].score
        rows: dict[tuple[bool, float | None], list[tuple[str, str, str]]] = {}
        for entry in entries:
            student = entry.student
            known, score = previous.lookup(student.sid, student.email)
            if known and score is not None and round(score - new, 5) == 0:
                continue
            rows.setdefault((known and score is not None, score), []).append(
                (student.name, student.sid, student.email)
            )
        for (_, score), students in rows.items():
            names, sids, emails = (tuple(column) for column in zip(*students, strict=True))
            found.append(Change(names, sids, emails, submission, score, new))
    # Nobody to match: no previous score is known.
    found += [Change((), (), (), submission, None, new) for submission, new in roster.unnamed]
    return sorted(found, key=lambda c: (c.difference is None, -abs(c.difference or 0.0), c.submission))


def write_changes(found: list[Change], out: Path) -> Path:
    write_csv(CHANGES_HEADER, [change.row() for change in found], out / CHANGES)
    return out / CHANGES
