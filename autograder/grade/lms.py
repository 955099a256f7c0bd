"""The files a TA imports into the course's gradebook: `brightspace.csv` (D2L Brightspace,
Grades > Import) and `canvas.csv` (Canvas, Grades > Import).

One row per student, with the one score `autograder.grade.roster` decided: a group submission
gives each of its students a row with the group's score. Students are identified as the Gradescope export names them: the SID as the LMS's
student number, the e-mail's local part (before `@`) as the login name.

Brightspace (D2L's "Importing grades" page): the columns `OrgDefinedId`, `Username`,
`<item> Points Grade` and `End-of-Line Indicator` (`#`), nothing else. IDs and usernames are
written as Brightspace's own export writes them, after a `#` (`#0012345`, `#jdoe`): the `#` is
not part of the data, and it keeps a numeric ID's leading zeros through a spreadsheet
(UW-Madison KB 4330, "Function of Pound Signs (#) in Grades File Records").

Canvas (its "import grades in the Gradebook" guide): `Student,ID,SIS User ID,SIS Login ID,
Section`, then one column per assignment. `ID` (Canvas's internal number) and `Section` are
left empty: Canvas matches rows on the SIS IDs. The row after the header is `Points Possible`
with the rubric's total, as Canvas's own export writes it: Canvas's importer reads a row whose
first cell says `Points Possible` as the points of each column, which a new assignment takes.
A column named like no existing assignment creates a new one; to fill an existing assignment,
name it as Canvas's own export does (`--lms-item "Project 1 (123456)"`).
"""

from __future__ import annotations

from pathlib import Path

from autograder.grade.output import format_points, write_csv
from autograder.grade.roster import Roster, StudentScore

BRIGHTSPACE = "brightspace.csv"
CANVAS = "canvas.csv"
# Canvas's importer recognises the row by this text in its first cell.
POINTS_POSSIBLE = "Points Possible"


def brightspace_id(value: str) -> str:
    """`0012345` -> `#0012345`, as Brightspace's export writes an ID; nothing stays nothing."""
    return f"#{value}" if value else ""


def brightspace_header(item: str) -> list[str]:
    return ["OrgDefinedId", "Username", f"{item} Points Grade", "End-of-Line Indicator"]


def brightspace_rows(scores: list[StudentScore]) -> list[list[object]]:
    return [
        [brightspace_id(s.student.sid), brightspace_id(s.login), format_points(s.score), "#"] for s in scores
    ]


def canvas_header(item: str) -> list[str]:
    return ["Student", "ID", "SIS User ID", "SIS Login ID", "Section", item]


def canvas_rows(scores: list[StudentScore], total: float) -> list[list[object]]:
    """`total`: what the assignment is worth (Canvas's "Points Possible" row)."""
    points: list[object] = [POINTS_POSSIBLE, "", "", "", "", format_points(total)]
    return [points] + [
        [s.student.name, "", s.student.sid, s.login, "", format_points(s.score)] for s in scores
    ]


def write_lms_files(roster: Roster, out: Path, item: str, total: float) -> list[Path]:
    """`item`: the gradebook item's name; `total`: what the assignment is worth."""
    scores = [s for s in roster.scores if s.identified]
    write_csv(brightspace_header(item), brightspace_rows(scores), out / BRIGHTSPACE)
    write_csv(canvas_header(item), canvas_rows(scores, total), out / CANVAS)
    return [out / BRIGHTSPACE, out / CANVAS]
