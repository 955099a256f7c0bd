"""Which score each student gets from a regrade: decided once here, then used by every class
file (grades.csv, changes.csv, brightspace.csv, canvas.csv, the report and the summary).

A student may be in several submissions of one export (a resubmission under a new group, a
group changed after the fact). Each student counts once, from the most recent submission they
are in: the latest `:created_at:` of submission_metadata.yml; when times are equal or unknown,
the higher Gradescope submission ID (`submission_<id>`, compared as a number; IDs grow with
time), then the name. Students are the same when their SID is, or, without an SID, their
e-mail; a student with neither is never merged with another.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from autograder.grade.sources import Student, Submission
from autograder.results import SubmissionResult

_NEVER = datetime.min.replace(tzinfo=UTC)  # an unknown time sorts before every known one


@dataclass(frozen=True)
class StudentScore:
    """A student's one score: from `submission`; `elsewhere` are their other submissions."""

    student: Student
    submission: str
    score: float
    elsewhere: tuple[str, ...] = ()

    @property
    def login(self) -> str:
        """The e-mail's local part: the login name at Purdue (`jdoe@purdue.edu` -> `jdoe`)."""
        return self.student.email.partition("@")[0] if "@" in self.student.email else ""

    @property
    def identified(self) -> bool:
        """Whether an LMS could match the student (by SID or login)."""
        return bool(self.student.sid or self.login)

    @property
    def label(self) -> str:
        """`Jane Doe (0012345)`, for a TA to read."""
        student = self.student
        known = student.sid or student.email
        return f"{student.name} ({known})" if student.name and known else student.name or known


@dataclass(frozen=True)
class Roster:
    """Every student once, ordered by the submission they count from (then as listed there),
    and the submissions that name no student, with their score."""

    scores: tuple[StudentScore, ...]
    unnamed: tuple[tuple[str, float], ...] = ()

    @property
    def several(self) -> list[StudentScore]:
        """Students found in more than one submission."""
        return [s for s in self.scores if s.elsewhere]

    def counted_elsewhere(self, submission: str) -> list[StudentScore]:
        """The students of `submission` whose score comes from another submission."""
        return [s for s in self.scores if submission in s.elsewhere]

    def warning(self) -> str:
        """One line naming the students found in several submissions, or ""."""
        several = self.several
        if not several:
            return ""
        return (
            f"{len(several)} student{'s' if len(several) != 1 else ''} in several submissions, each "
            "counted once from the most recent: "
            + "; ".join(f"{s.label} from {s.submission} (not {', '.join(s.elsewhere)})" for s in several)
        )


def _key(student: Student) -> str | None:
    """What makes two submitters the same student; None when nothing does."""
    if student.sid:
        return f"sid:{student.sid}"
    return f"email:{student.email.lower()}" if student.email else None


def _recency(submission: Submission) -> tuple[datetime, tuple[tuple[int, int | str], ...]]:
    """Sorts older submissions first: by time, then by the numbers in the name (the ID)."""
    parts = re.split(r"(\d+)", submission.name)
    name = tuple((0, int(p)) if p.isdigit() else (1, p) for p in parts)
    when = submission.submitted or _NEVER
    return (when if when.tzinfo else when.replace(tzinfo=UTC), name)


def build_roster(graded: Sequence[tuple[Submission, SubmissionResult]]) -> Roster:
    newest_first = sorted(graded, key=lambda pair: _recency(pair[0]), reverse=True)
    chosen: dict[str, StudentScore] = {}
    found_in: dict[str, list[str]] = {}
    unidentified: list[StudentScore] = []
    for submission, result in newest_first:
        for student in submission.students:
            key = _key(student)
            if key is None:
                unidentified.append(StudentScore(student, submission.name, result.score))
                continue
            found_in.setdefault(key, []).append(submission.name)
            chosen.setdefault(key, StudentScore(student, submission.name, result.score))
    scores = [
        StudentScore(s.student, s.submission, s.score, tuple(sorted(set(found_in[k]) - {s.submission})))
        for k, s in chosen.items()
    ] + unidentified
    order = {submission.name: i for i, (submission, _) in enumerate(sorted(graded, key=lambda p: p[0].name))}
    listed = {
        (submission.name, student): i
        for submission, _ in graded
        for i, student in enumerate(submission.students)
    }
    scores.sort(key=lambda s: (order[s.submission], listed[s.submission, s.student]))
    unnamed = tuple(
        (submission.name, result.score)
        for submission, result in sorted(graded, key=lambda p: p[0].name)
        if not submission.students
    )
    return Roster(tuple(scores), unnamed)
