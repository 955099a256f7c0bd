"""A regrade's class files agree on each student: one score per student (from the most recent
submission they are in), LMS files that read as Brightspace's and Canvas's importers read them,
reruns that leave nothing stale, and a TA's natural mistakes refused with the fix."""

import csv
import re
import subprocess
import sys
import zipfile
from datetime import UTC, datetime

import pytest

from assignments.project1.rubric import RUBRIC
from autograder.grade.batch import WorkerSetup, write_outputs
from autograder.pipeline import GradingOptions
from autograder.grade.previous import read_previous
from autograder.grade.report import summary
from autograder.grade.roster import build_roster
from autograder.grade.sources import SourceError, Student, Submission
from autograder.results import CheckResult, QuestionResult, SubmissionResult
from autograder.status import OK
from tests import submissions
from tests.project1 import PROJECT1

WORKER = WorkerSetup("project1", GradingOptions(cell_timeout=10, timeout=10))

TOTAL = RUBRIC.total
# Purdue-like SIDs: numbers with leading zeros, which a spreadsheet would turn into 31200007.
JANE = Student("Jane Doe", "0031200007", "jdoe@purdue.edu")
ANN = Student("Ann Lee", "0031200008", "alee@purdue.edu")
BO = Student("Bo Chen", "0031200009", "bchen@purdue.edu")


def scored(name, score):
    """A result worth `score` (up to Question 1's points) of the rubric's total: Question 1
    carries it, the rest are failed."""
    questions = [QuestionResult("q1", (CheckResult("first", True, score, "fine"),
                                       CheckResult("second", False, RUBRIC.points("q1") - score, "not quite")))]
    questions += [QuestionResult(q.name, (CheckResult("x", False, q.points, "not found"),))
                  for q in RUBRIC.questions[1:]]
    return SubmissionResult(name, tuple(questions), OK, (), ())


def at(day):
    return datetime(2023, 9, day, 12, tzinfo=UTC)


def read_csv(path):
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.reader(f))


# -- how the LMSs read their files ---------------------------------------------------------


def looks_numeric(cell):
    """What a spreadsheet would turn into a number (and so drop leading zeros from)."""
    return re.fullmatch(r"\s*[-+]?\d+(\.\d*)?\s*", cell) is not None


def brightspace_import(path, item):
    """brightspace.csv read as D2L's grades import reads it (D2L "Importing grades"; UW-Madison
    KB 4330): the key fields first, `<item> Points Grade`, the `#` end-of-line indicator last;
    the `#` before an OrgDefinedId or Username is not part of the data. Returns
    {OrgDefinedId: (Username, points)}."""
    header, *rows = read_csv(path)
    assert header == ["OrgDefinedId", "Username", f"{item} Points Grade", "End-of-Line Indicator"]
    grades = {}
    for row in rows:
        assert len(row) == len(header) and row[-1] == "#"
        org_id, username = row[0], row[1]
        # Written as Brightspace's export writes them: text no spreadsheet reads as a number.
        assert org_id.startswith("#") and username.startswith("#")
        assert not looks_numeric(org_id) and not looks_numeric(username)
        grades[org_id.removeprefix("#")] = (username.removeprefix("#"), float(row[2]))
    return grades


def canvas_import(path, item):
    """canvas.csv read as Canvas's gradebook importer reads it (`GradebookImporter` in
    instructure/canvas-lms): a header `Student,ID,SIS User ID,SIS Login ID,Section,<columns>`,
    a row whose first cell says `Points Possible` giving each column's points, then a row per
    student matched on the SIS IDs. Returns (points possible, {SIS User ID: (login, score)})."""
    header, *rows = read_csv(path)
    assert header[:5] == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section"]
    assert header[5:] == [item]
    assert "Points Possible" in rows[0][0], "the Points Possible row comes right after the header"
    points = float(rows[0][5])
    students = {}
    for row in rows[1:]:
        assert len(row) == len(header) and "Points Possible" not in row[0]
        students[row[2]] = (row[3], float(row[5]))
    return points, students


# -- one score per student, from the class files of results built here (no grading) ---------

# The class: Jane alone in an older submission (6/24) and with Ann in a newer group
# submission (7/24); Bo alone. Three submissions, three students.
CLASS = [
    (Submission(None, "submission_101", (JANE,), submitted=at(1)), scored("submission_101", 6)),
    (Submission(None, "submission_102", (JANE, ANN), submitted=at(2)), scored("submission_102", 7)),
    (Submission(None, "submission_103", (BO,), submitted=at(1)), scored("submission_103", 3)),
]


def test_a_student_in_two_submissions_counts_once_from_the_most_recent():
    roster = build_roster(CLASS)
    assert [(s.student.name, s.submission, s.score, s.elsewhere) for s in roster.scores] == [
        ("Jane Doe", "submission_102", 7, ("submission_101",)),
        ("Ann Lee", "submission_102", 7, ()),
        ("Bo Chen", "submission_103", 3, ()),
    ]
    assert roster.warning() == ("1 student in several submissions, each counted once from the most recent: "
                                "Jane Doe (0031200007) from submission_102 (not submission_101)")
    # Listed in another order, the decision is the same.
    assert build_roster(CLASS[::-1]).scores == roster.scores


def test_without_times_the_higher_submission_id_is_the_more_recent():
    graded = [(Submission(None, "submission_999", (JANE,)), scored("submission_999", 1)),
              (Submission(None, "submission_1000", (JANE,)), scored("submission_1000", 2))]
    (jane,) = build_roster(graded).scores
    assert (jane.submission, jane.score, jane.elsewhere) == ("submission_1000", 2, ("submission_999",))


def test_students_are_the_same_by_sid_else_by_email():
    nameless = Student("J. Doe", "", "JDoe@purdue.edu")
    graded = [(Submission(None, "s1", (Student("Jane Doe", "", "jdoe@purdue.edu"),), submitted=at(1)), scored("s1", 1)),
              (Submission(None, "s2", (nameless,), submitted=at(2)), scored("s2", 2)),
              (Submission(None, "s3", (Student("Zed", "", ""),)), scored("s3", 3)),
              (Submission(None, "s4", (Student("Zed", "", ""),)), scored("s4", 4))]
    roster = build_roster(graded)
    assert [(s.submission, s.score) for s in roster.scores] == [("s2", 2), ("s3", 3), ("s4", 4)]


def test_every_class_file_gives_the_student_the_same_score(tmp_path):
    (tmp_path / "scores.csv").write_text(
        "First Name,Last Name,SID,Email,Sections,Total Score,Max Points,Status,Submission ID,"
        "Submission Time,Lateness (H:M:S),View Count,Submission Count\n"
        "Jane,Doe,0031200007,jdoe@purdue.edu,,6.0,24.0,Graded,102,t,00:00:00,1,2\n"
        "Ann,Lee,0031200008,alee@purdue.edu,,6.0,24.0,Graded,102,t,00:00:00,1,1\n"
        "Bo,Chen,0031200009,bchen@purdue.edu,,3.0,24.0,Graded,103,t,00:00:00,1,1\n")
    written = write_outputs(CLASS, tmp_path, PROJECT1, previous=read_previous(tmp_path / "scores.csv", RUBRIC))

    grades = read_csv(tmp_path / "grades.csv")
    assert [(row[0], row[6], row[-1]) for row in grades[1:]] == [
        ("submission_101", "6", "Jane Doe (0031200007)"),  # kept, but not Jane's score
        ("submission_102", "7", ""),
        ("submission_103", "3", ""),
    ]
    assert brightspace_import(tmp_path / "brightspace.csv", "Project 1") == {
        "0031200007": ("jdoe", 7), "0031200008": ("alee", 7), "0031200009": ("bchen", 3)}
    assert canvas_import(tmp_path / "canvas.csv", "Project 1") == (
        TOTAL, {"0031200007": ("jdoe", 7), "0031200008": ("alee", 7), "0031200009": ("bchen", 3)})
    # Jane once, with the score everything else gives her; Bo did not change.
    assert read_csv(tmp_path / "changes.csv")[1:] == [
        ["Jane Doe; Ann Lee", "0031200007; 0031200008", "jdoe@purdue.edu; alee@purdue.edu", "submission_102",
         "6", "7", "1"]]
    page = (tmp_path / "report.html").read_text()
    assert "3 submissions from 3 students" in page
    section = page[page.index("<h2>Students in several submissions</h2>"):]
    assert "<td>Jane Doe (0031200007)</td><td>submission_102</td><td class=n>7</td><td>submission_101</td>" in section
    changed = page[page.index("<h2>Changed since Gradescope</h2>"):page.index("<h2>Students in several")]
    assert changed.count("Jane Doe") == 1 and "submission_101" not in changed
    assert written.roster.warning() in summary([r for _, r in CLASS], RUBRIC, changes=written.changes, roster=written.roster)


def test_lms_files_for_a_class_with_no_identifiable_student(tmp_path):
    write_outputs([(Submission(None, "a"), scored("a", 2))], tmp_path, PROJECT1)
    assert brightspace_import(tmp_path / "brightspace.csv", "Project 1") == {}
    assert canvas_import(tmp_path / "canvas.csv", "Project 1") == (TOTAL, {})


def test_a_rerun_without_previous_removes_the_earlier_changes(tmp_path):
    (tmp_path / "scores.csv").write_text(
        "First Name,Last Name,SID,Email,Sections,Total Score,Max Points,Status\n"
        "Bo,Chen,0031200009,bchen@purdue.edu,,1.0,24.0,Graded\n")
    write_outputs(CLASS, tmp_path, PROJECT1, previous=read_previous(tmp_path / "scores.csv", RUBRIC))
    assert (tmp_path / "changes.csv").exists()
    (tmp_path / "gradescope_upload.csv").write_text("an earlier version's file\n")
    written = write_outputs(CLASS, tmp_path, PROJECT1)
    assert not (tmp_path / "changes.csv").exists() and tmp_path / "changes.csv" not in written.files
    assert not (tmp_path / "gradescope_upload.csv").exists()
    assert "Changed since Gradescope" not in (tmp_path / "report.html").read_text()


# -- the same through `grade`, on a Gradescope export ----------------------------------------

METADATA = """\
submission_2001:
  :submitters:
  - :name: Jane Doe
    :sid: '0031200007'
    :email: jdoe@purdue.edu
  :created_at: 2023-09-01 12:00:00.000000000 -04:00
submission_2002:
  :submitters:
  - :name: Jane Doe
    :sid: '0031200007'
    :email: jdoe@purdue.edu
  - :name: Ann Lee
    :sid: '0031200008'
    :email: alee@purdue.edu
  :created_at: 2023-09-02 09:30:00.000000000 -04:00
submission_2003:
  :submitters:
  - :name: Bo Chen
    :sid: '0031200009'
    :email: bchen@purdue.edu
  :created_at: 2023-09-03 09:30:00.000000000 -04:00
"""
SCORES = """\
First Name,Last Name,SID,Email,Sections,Total Score,Max Points,Status,Submission ID,Submission Time,\
Lateness (H:M:S),View Count,Submission Count
Jane,Doe,0031200007,jdoe@purdue.edu,,0.0,24.0,Graded,2002,2023-09-02 09:30:00 -0400,00:00:00,1,2
Ann,Lee,0031200008,alee@purdue.edu,,0.0,24.0,Graded,2002,2023-09-02 09:30:00 -0400,00:00:00,1,1
Bo,Chen,0031200009,bchen@purdue.edu,,0.0,24.0,Graded,2003,2023-09-03 09:30:00 -0400,00:00:00,1,1
"""


def grade(*args, check=True):
    done = subprocess.run([sys.executable, "-m", "autograder", "grade", *map(str, args)],
                          capture_output=True, text=True, check=False, timeout=600)
    if check:
        assert done.returncode == 0, done.stdout + done.stderr
    return done


@pytest.fixture(scope="module")
def export(tmp_path_factory):
    root = tmp_path_factory.mktemp("class")
    nothing = submissions.notebook([("code", "x = 1")])
    q1_only = submissions.notebook(submissions.Q1)
    with zipfile.ZipFile(root / "export.zip", "w") as archive:
        archive.writestr("submission_metadata.yml", METADATA)
        archive.writestr("submission_2001/project1.ipynb", submissions.json.dumps(nothing))
        archive.writestr("submission_2002/project1.ipynb", submissions.json.dumps(q1_only))
        archive.writestr("submission_2003/project1.ipynb", submissions.json.dumps(nothing))
    (root / "Project_1_scores.csv").write_text(SCORES)
    printed = grade(root / "export.zip", "--out", root / "out", "--previous", root / "Project_1_scores.csv",
                    "--jobs", "2").stdout
    return root, printed


def test_grade_gives_each_student_one_score(export):
    root, printed = export
    out = root / "out"
    grades = {row[0]: row for row in read_csv(out / "grades.csv")[1:]}
    q1 = grades["submission_2002"][6]
    assert q1 != "0" and grades["submission_2001"][6] == "0"
    assert grades["submission_2001"][-1] == "Jane Doe (0031200007)"
    expected = {"0031200007": ("jdoe", float(q1)), "0031200008": ("alee", float(q1)), "0031200009": ("bchen", 0)}
    assert brightspace_import(out / "brightspace.csv", "Project 1") == expected
    assert canvas_import(out / "canvas.csv", "Project 1") == (TOTAL, expected)
    assert [row[:4] for row in read_csv(out / "changes.csv")[1:]] == [
        ["Jane Doe; Ann Lee", "0031200007; 0031200008", "jdoe@purdue.edu; alee@purdue.edu", "submission_2002"]]
    assert "3 submissions from 3 students" in (out / "report.html").read_text()
    assert ("1 student in several submissions, each counted once from the most recent: "
            "Jane Doe (0031200007) from submission_2002 (not submission_2001)") in printed
    assert "changed since Gradescope: 2 students (see changes.csv)" in printed


def test_a_rerun_without_previous_leaves_no_stale_changes(export):
    root, _ = export
    out = root / "out"
    assert (out / "changes.csv").exists()
    printed = grade(root / "export.zip", "--out", out).stdout
    assert "3 submissions already graded" in printed
    assert not (out / "changes.csv").exists() and "changes.csv" not in printed
    assert "Changed since Gradescope" not in (out / "report.html").read_text()


# -- a TA's natural mistakes: refused, with the fix, before anything is written ---------------


def test_the_scores_csv_given_as_a_submission_says_use_previous(tmp_path):
    (tmp_path / "Project_1_scores.csv").write_text(SCORES)
    done = grade(tmp_path / "Project_1_scores.csv", "--out", tmp_path / "x", check=False)
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert "Project_1_scores.csv: not a notebook (.csv)" in done.stderr
    assert "Gradescope's \"Download Grades\" CSV: give it as --previous" in done.stderr
    assert not (tmp_path / "x").exists()


@pytest.mark.parametrize("name", ["grades.csv", "hand-in.pdf", "project1.py"])
def test_other_files_given_as_a_submission_are_refused(tmp_path, name):
    submissions.write(tmp_path / "project1.ipynb", [("code", "x = 1")])
    (tmp_path / name).write_text("a,b\n1,2\n")
    done = grade(tmp_path / "project1.ipynb", tmp_path / name, "--out", tmp_path / "x", check=False)
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert f"{name}: not a notebook" in done.stderr and "give the students' .ipynb files" in done.stderr
    assert "--previous" not in done.stderr  # not Gradescope's scores CSV
    assert not (tmp_path / "x").exists()


def test_an_out_folder_of_the_tas_own_files_is_refused(tmp_path):
    submissions.write(tmp_path / "hand-in.ipynb", [("code", "x = 1")])
    other = tmp_path / "other"
    (other / "notes").mkdir(parents=True)
    (other / "roster.xlsx").write_text("mine")
    (other / "notes" / "week1.txt").write_text("mine")
    other.chmod(0o755)
    done = grade(tmp_path / "hand-in.ipynb", "--out", other, check=False)
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert f"--out {other} holds files grade did not write (notes, roster.xlsx)" in done.stderr
    assert "give a new or empty folder" in done.stderr
    assert sorted(p.name for p in other.rglob("*")) == ["notes", "roster.xlsx", "week1.txt"]
    assert other.stat().st_mode & 0o777 == 0o755  # its mode untouched


def test_an_out_folder_grade_wrote_is_accepted(tmp_path):
    from autograder.grade.out_folder import refuse_foreign_out

    write_outputs(CLASS, tmp_path / "out", PROJECT1)
    (tmp_path / "out" / "gradescope_upload.csv").write_text("an earlier version's file\n")
    (tmp_path / "out" / "submission_101" / "results.json.partial").write_text("{")  # a run killed mid-write
    refuse_foreign_out(tmp_path / "out")
    refuse_foreign_out(tmp_path / "new")
    for looked_at in (tmp_path / "out", tmp_path / "out" / "submission_101", tmp_path / "out" / "report"):
        looked_at.mkdir(exist_ok=True)
        (looked_at / ".DS_Store").write_bytes(b"\0Bud1")  # a TA opened it in Finder
    (tmp_path / "out" / "Thumbs.db").write_bytes(b"\0")
    refuse_foreign_out(tmp_path / "out")
    (tmp_path / "out" / "submission_101" / "data.csv").write_text("mine")
    with pytest.raises(SourceError, match=r"holds files grade did not write \(submission_101\)"):
        refuse_foreign_out(tmp_path / "out")


def test_an_out_folder_a_file_is_refused(tmp_path):
    submissions.write(tmp_path / "hand-in.ipynb", [("code", "x = 1")])
    (tmp_path / "out").write_text("mine")
    done = grade(tmp_path / "hand-in.ipynb", "--out", tmp_path / "out", check=False)
    assert done.returncode == 2 and "exists and is not a folder" in done.stderr
    assert (tmp_path / "out").read_text() == "mine"


def test_a_pdf_in_an_export_folder_is_not_refused(tmp_path):
    """Inside a submission, any upload is the student's: only files given to grade itself are refused."""
    from autograder.grade.sources import collect

    (tmp_path / "export" / "submission_1").mkdir(parents=True)
    (tmp_path / "export" / "submission_metadata.yml").write_text(METADATA.split("submission_2002")[0]
                                                                 .replace("2001", "1"))
    (tmp_path / "export" / "submission_1" / "answers.pdf").write_text("%PDF")
    (tmp_path / "export" / "submission_1" / "helper.py").write_text("x = 1")
    (found,) = collect([tmp_path / "export"], tmp_path / "work", PROJECT1)
    assert found.notebook is None and "uploaded: answers.pdf, helper.py" in found.note
    assert found.submitted == datetime.fromisoformat("2023-09-01 12:00:00-04:00")


def test_a_regrade_whose_worker_writes_nothing_is_not_taken_for_the_earlier_grade(tmp_path, monkeypatch):
    """An earlier run's grading.json in the submission's folder must not pass for this run's result."""
    from autograder.grade import batch
    from autograder.grade.output import write_submission

    folder = tmp_path / "a"
    write_submission(scored("a", 7), folder)
    (folder / "grader-error.txt").write_text("an earlier failure")

    def crash(command, **options):
        return subprocess.CompletedProcess(command, 1, "", "KeyError: 'values'\n")

    monkeypatch.setattr(batch.subprocess, "run", crash)
    result = batch.grade_one(tmp_path / "a.ipynb", "a", folder, PROJECT1, WORKER)
    assert str(result.status) == "grader-error (worker exited with 1)" and result.score == 0
    assert "KeyError: 'values'" in (folder / "grader-error.txt").read_text()

    def works(command, **options):  # a worker that grades and writes its files
        write_submission(scored("a", 5), folder)
        return subprocess.CompletedProcess(command, 0, "", "")

    monkeypatch.setattr(batch.subprocess, "run", works)
    assert batch.grade_one(tmp_path / "a.ipynb", "a", folder, PROJECT1, WORKER).score == 5
    assert not (folder / "grader-error.txt").exists()  # the failure it described is gone
