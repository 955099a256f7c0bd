"""The files a TA imports into the course's gradebook: `brightspace.csv` (D2L Brightspace,
Grades > Import) and `canvas.csv` (Canvas, Grades > Import).

One row per student: a group submission gives each of its students a row with the group's
score. Students are identified as the Gradescope export names them: the SID as the LMS's
student number, the e-mail's local part (before `@`) as the login name.

Brightspace (D2L's "Importing grades" page): the columns `OrgDefinedId`, `Username`,
`<item> Points Grade` and `End-of-Line Indicator` (`#`), nothing else. IDs are written exactly
as the export has them, leading zeros kept (open the file in a text editor, not a spreadsheet,
which would read `0012345` as the number 12345).

Canvas (its "import grades in the Gradebook" guide): `Student,ID,SIS User ID,SIS Login ID,
Section`, then one column per assignment. `ID` (Canvas's internal number) and `Section` are
left empty: Canvas matches rows on the SIS IDs. A column named like no existing assignment
creates a new one; to fill an existing assignment, name it as Canvas's own export does
(`--lms-item "Project 1 (123456)"`).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from autograder.grade.output import points, write_csv
from autograder.grade.sources import Student, Submission
from autograder.results import SubmissionResult

DEFAULT_ITEM = "Project 1"
BRIGHTSPACE = "brightspace.csv"
CANVAS = "canvas.csv"


@dataclass(frozen=True)
class StudentScore:
    student: Student
    score: float

    @property
    def login(self) -> str:
        """The e-mail's local part: the login name at Purdue (`jdoe@purdue.edu` -> `jdoe`)."""
        return self.student.email.partition("@")[0] if "@" in self.student.email else ""


def student_scores(graded: list[tuple[Submission, SubmissionResult]]) -> list[StudentScore]:
    """Each identifiable student once, in submission order. A student in two submissions (a
    resubmission under a new group) keeps the higher score."""
    best: dict[tuple[str, str], StudentScore] = {}
    for submission, result in sorted(graded, key=lambda pair: pair[0].name):
        for student in submission.students:
            key = (student.sid, student.email.lower())
            if not any(key):
                continue  # nothing an LMS could match the row on
            if key not in best or result.score > best[key].score:
                best[key] = StudentScore(student, result.score)
    return list(best.values())


def brightspace_header(item: str) -> list[str]:
    return ["OrgDefinedId", "Username", f"{item} Points Grade", "End-of-Line Indicator"]


def brightspace_rows(scores: list[StudentScore]) -> list[list[object]]:
    return [[s.student.sid, s.login, points(s.score), "#"] for s in scores]


def canvas_header(item: str) -> list[str]:
    return ["Student", "ID", "SIS User ID", "SIS Login ID", "Section", item]


def canvas_rows(scores: list[StudentScore]) -> list[list[object]]:
    return [[s.student.name, "", s.student.sid, s.login, "", points(s.score)] for s in scores]


def write_lms_files(graded: list[tuple[Submission, SubmissionResult]], out: Path, item: str) -> list[Path]:
    scores = student_scores(graded)
    write_csv(brightspace_header(item), brightspace_rows(scores), out / BRIGHTSPACE)
    write_csv(canvas_header(item), canvas_rows(scores), out / CANVAS)
    return [out / BRIGHTSPACE, out / CANVAS]
