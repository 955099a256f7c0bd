"""The TA regrade: `python -m autograder grade export.zip` on Gradescope's "Export Submissions"
zip, with its gradebook, LMS import files, changes since Gradescope, feedback files and report;
how inputs are read, and hostile or broken exports refused."""

import csv
import json
import re
import subprocess
import sys
import zipfile

import pytest

from assignments.project1.rubric import RUBRIC
from autograder.grade import batch as batch_module
from autograder.grade.batch import GRADER_FAILED, WorkerSetup, grade_one, write_outputs
from autograder.pipeline import GradingOptions
from autograder.grade.output import write_submission
from autograder.grade.previous import PreviousError, changes, read_previous
from autograder.grade.roster import build_roster
from autograder.grade.sources import (
    SourceError,
    Student,
    Submission,
    choose_notebook,
    collect,
    extract,
    read_metadata,
)
from autograder.results import CheckResult, QuestionResult, SubmissionResult
from autograder.status import OK
from tests import submissions
from tests.project1 import PROJECT1
from tests.expect import columns, earned, full, lost, number, total

HEADER = ["submission", *RUBRIC.names, "total", "possible", "status", "names", "sids", "emails", "flags",
          "counted_elsewhere"]
# The export's graded notebooks: the solution, and the group's `third = second @ first`.
FULL, MISTAKE, NOTHING = full(), lost("third"), earned()
TOTAL, POSSIBLE = number(total(FULL)), number(RUBRIC.total)

# As Gradescope writes it: Ruby symbols for keys, quoted SIDs, Ruby timestamps.
METADATA = """\
submission_1001:
  :submitters:
  - :name: Jane Doe
    :sid: '0012345'
    :email: jdoe@purdue.edu
  :created_at: 2023-09-01 12:00:00.000000000 -04:00
  :score: 20.0
submission_1002:
  :submitters:
  - :name: Ann Lee
    :sid: '0020001'
    :email: alee@purdue.edu
  - :name: Bo Chen
    :sid: '0020002'
    :email: bchen@purdue.edu
  :created_at: 2023-09-02 09:30:00.000000000 -04:00
  :score: 18.0
submission_1003:
  :submitters:
  - :name: Cy Park
    :sid: '0030003'
    :email: cpark@purdue.edu
  :created_at: 2023-09-03 23:59:00.000000000 -04:00
  :score: 24.0
submission_1004:
  :submitters:
  - :name: Di Wu
    :sid: '0040004'
    :email: dwu@purdue.edu
  :created_at: 2023-09-03 23:58:00.000000000 -04:00
  :score: 24.0
submission_1005:
  :submitters:
  - :name: Ed Ruiz
    :sid: '0050005'
    :email: eruiz@purdue.edu
  :created_at: 2023-09-04 08:00:00.000000000 -04:00
  :score: 0.0
"""


def notebook_json(cells, assignment=None) -> str:
    nb = submissions.notebook(cells)
    if assignment:
        nb.metadata["otter"] = {"assignment_name": assignment}
    return json.dumps(nb, indent=1)


def export_zip(path):
    """Five submissions, four of them graded: a correct one, a group's with a mistake, two with
    an extra notebook (chosen by name, chosen by otter metadata) and one with no notebook."""
    solution = submissions.solution(loops=50)
    mistake = submissions.replace(solution, "third = first @ second", "third = second @ first")
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("submission_metadata.yml", METADATA)
        archive.writestr("submission_1001/project1.ipynb", notebook_json(solution, "project1"))
        archive.writestr("submission_1002/project1.ipynb", notebook_json(mistake))
        # A scratch copy that answers as much: the name decides; a notes notebook answers as much too.
        archive.writestr("submission_1003/scratch.ipynb", notebook_json(solution))
        archive.writestr("submission_1003/Project_1 (2).ipynb", notebook_json(solution))
        # The larger notebook is not the assignment: the otter metadata says which one is.
        archive.writestr("submission_1004/notes.ipynb", notebook_json([*solution, ("markdown", "notes " * 5000)]))
        archive.writestr("submission_1004/answers.ipynb", notebook_json(solution, "project1"))
        archive.writestr("submission_1005/report.pdf", b"%PDF-1.4 not a notebook")
    return path


GRADES_HEADER = ("First Name,Last Name,SID,Email,Sections,Total Score,Max Points,Status,Submission ID,"
                 "Submission Time,Lateness (H:M:S),View Count,Submission Count")
# Gradescope's "Download Grades" CSV for the same class before the regrade: Jane unchanged,
# Ann changed, Bo matched by e-mail (no SID on Gradescope) and unchanged, Cy changed, Di never
# submitted (Missing), Ed absent, and a student the export does not have.
PREVIOUS = GRADES_HEADER + """
Jane,Doe,0012345,jdoe@purdue.edu,,24.0,24.0,Graded,1001,2023-09-01 12:00:00 -0400,00:00:00,1,1
Ann,Lee,0020001,alee@purdue.edu,,20.0,24.0,Graded,1002,2023-09-02 09:30:00 -0400,00:00:00,1,1
Bo,Chen,,BChen@purdue.edu,,23.0,24.0,Graded,1002,2023-09-02 09:30:00 -0400,00:00:00,1,1
Cy,Park,0030003,cpark@purdue.edu,,18.0,24.0,Graded,1003,2023-09-03 23:59:00 -0400,00:00:00,2,3
Di,Wu,0040004,dwu@purdue.edu,,,24.0,Missing,,,,,
Zed,Old,0099999,zold@purdue.edu,,12.0,24.0,Graded,1009,2023-09-03 10:00:00 -0400,00:00:00,1,1
"""


@pytest.fixture(scope="module")
def regraded(tmp_path_factory):
    root = tmp_path_factory.mktemp("regrade")
    archive = export_zip(root / "export.zip")
    (root / "previous.csv").write_text(PREVIOUS, encoding="utf-8")
    out = root / "out"
    done = subprocess.run([sys.executable, "-m", "autograder", "grade", str(archive), "--out", str(out),
                           "--jobs", "2", "--previous", str(root / "previous.csv")],
                          capture_output=True, text=True, check=False, timeout=600)
    assert done.returncode == 0, done.stdout + done.stderr
    return out, done.stdout


def read_csv(path):
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.reader(f))


def test_gradebook_has_the_students(regraded):
    out, _ = regraded
    table = read_csv(out / "grades.csv")
    assert table[0] == HEADER
    assert table[1:] == [
        ["submission_1001", *columns(FULL), "ok", "Jane Doe", "0012345", "jdoe@purdue.edu", "", ""],
        ["submission_1002", *columns(MISTAKE), "ok", "Ann Lee; Bo Chen", "0020001; 0020002",
         "alee@purdue.edu; bchen@purdue.edu", "", ""],
        ["submission_1003", *columns(FULL), "ok", "Cy Park", "0030003", "cpark@purdue.edu", "", ""],
        ["submission_1004", *columns(FULL), "ok", "Di Wu", "0040004", "dwu@purdue.edu", "", ""],
        ["submission_1005", *columns(NOTHING), "invalid-notebook", "Ed Ruiz", "0050005",
         "eruiz@purdue.edu", "", ""],
    ]


def test_lms_import_files_have_one_row_per_student(regraded):
    out, printed = regraded
    # A group gives each member a row; IDs keep their leading zeros, after Brightspace's `#`;
    # the submission with two notebooks scores its chosen one.
    assert read_csv(out / "brightspace.csv") == [
        ["OrgDefinedId", "Username", "Project 1 Points Grade", "End-of-Line Indicator"],
        ["#0012345", "#jdoe", TOTAL, "#"],
        ["#0020001", "#alee", number(total(MISTAKE)), "#"],
        ["#0020002", "#bchen", number(total(MISTAKE)), "#"],
        ["#0030003", "#cpark", TOTAL, "#"],
        ["#0040004", "#dwu", TOTAL, "#"],
        ["#0050005", "#eruiz", "0", "#"],
    ]
    assert read_csv(out / "canvas.csv") == [
        ["Student", "ID", "SIS User ID", "SIS Login ID", "Section", "Project 1"],
        ["Points Possible", "", "", "", "", POSSIBLE],
        ["Jane Doe", "", "0012345", "jdoe", "", TOTAL],
        ["Ann Lee", "", "0020001", "alee", "", number(total(MISTAKE))],
        ["Bo Chen", "", "0020002", "bchen", "", number(total(MISTAKE))],
        ["Cy Park", "", "0030003", "cpark", "", TOTAL],
        ["Di Wu", "", "0040004", "dwu", "", TOTAL],
        ["Ed Ruiz", "", "0050005", "eruiz", "", "0"],
    ]
    assert not (out / "gradescope_upload.csv").exists() and "gradescope_upload" not in printed
    assert str(out / "brightspace.csv") in printed and str(out / "canvas.csv") in printed


def test_changes_since_gradescope(regraded):
    out, printed = regraded
    assert read_csv(out / "changes.csv") == [
        ["names", "sids", "emails", "submission", "previous", "new", "difference"],
        # Gradescope had 18 and 20 (PREVIOUS above).
        ["Cy Park", "0030003", "cpark@purdue.edu", "submission_1003", "18", TOTAL, number(total(FULL) - 18)],
        ["Ann Lee", "0020001", "alee@purdue.edu", "submission_1002", "20", number(total(MISTAKE)),
         number(total(MISTAKE) - 20)],
        ["Di Wu", "0040004", "dwu@purdue.edu", "submission_1004", "", TOTAL, ""],
        ["Ed Ruiz", "0050005", "eruiz@purdue.edu", "submission_1005", "", "0", ""],
    ]
    assert "changed since Gradescope: 2 students, 2 with no previous score (see changes.csv)" in printed
    page = (out / "report.html").read_text()
    section = page[page.index("<h2>Changed since Gradescope</h2>"):]
    assert "<td>Cy Park</td><td>0030003</td><td>submission_1003</td><td class=n>18</td>" in section
    assert "Jane Doe" not in section and "Bo Chen" not in section


def test_feedback_files(regraded):
    out, _ = regraded
    group = (out / "submission_1002" / "feedback.md").read_text()
    assert "Ann Lee (0020001); Bo Chen (0020002)" in group
    assert f"**Score:** {number(total(MISTAKE))} / {POSSIBLE}" in group
    assert f"## Question 1: {number(MISTAKE['q1'])} / {number(RUBRIC.points('q1'))}" in group
    assert f"## Question 5: {number(MISTAKE['q5'])} / {number(RUBRIC.points('q5'))}" in group
    third = number(RUBRIC.item("q1", "third").points)
    assert re.search(rf"\*\*not passed\*\* \(0/{third}\): `third` is the matrix product.*the order of a matrix product matters", group)
    assert group.count("**passed**") == len(RUBRIC.items) - 1
    by_name = (out / "submission_1003" / "feedback.md").read_text()
    assert "2 notebooks were uploaded (Project_1 (2).ipynb, scratch.ipynb)" in by_name
    assert "Project_1 (2).ipynb was graded because its name is the assignment's" in by_name
    by_metadata = (out / "submission_1004" / "feedback.md").read_text()
    assert "answers.ipynb was graded because its notebook metadata names the assignment project1" in by_metadata
    nothing = (out / "submission_1005" / "feedback.md").read_text()
    assert "No .ipynb file was found in this submission (uploaded: report.pdf)" in nothing
    assert f"**Score:** 0 / {POSSIBLE}" in nothing


def test_report_and_summary(regraded):
    out, printed = regraded
    page = (out / "report.html").read_text()
    images = re.findall(r'<img src="([^"]+)"', page)
    assert set(images) == {"report/scores.png", "report/failed_checks.png"}
    for image in images:
        data = (out / image).read_bytes()
        assert data.startswith(b"\x89PNG") and len(data) > 5000
    assert "submission_1005" in page and "invalid-notebook" in page and "Ed Ruiz" in page
    assert "<code>third</code> is the matrix product" in page
    graded = [FULL, MISTAKE, FULL, FULL, NOTHING]  # submission_1001 ... submission_1005
    mean = sum(map(total, graded)) / len(graded)
    assert f"5 submissions: mean {mean:.1f} / {POSSIBLE}, median {TOTAL}" in printed
    q1 = sum(points["q1"] for points in graded) / len(graded)
    assert f"per question: q1 {q1:.1f}/{number(RUBRIC.points('q1'))}" in printed
    assert "submission_1005: invalid-notebook" in printed
    # stderr is not a terminal here: no bar, one line per graded submission instead.
    assert re.search(rf"submission_1002: {number(total(MISTAKE))}/{POSSIBLE} ok \(\d+\.\d s\)", printed)


def test_rerun_reuses_results_and_keeps_students(regraded, tmp_path):
    out, _ = regraded
    assert (out / "changes.csv").exists()  # from the run with --previous
    before = (out / "submission_1001" / "results.json").stat().st_mtime_ns
    archive = export_zip(tmp_path / "export.zip")
    done = subprocess.run([sys.executable, "-m", "autograder", "grade", str(archive), "--out", str(out)],
                          capture_output=True, text=True, check=False, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    assert (out / "submission_1001" / "results.json").stat().st_mtime_ns == before
    assert read_csv(out / "grades.csv")[1][9:] == ["Jane Doe", "0012345", "jdoe@purdue.edu", "", ""]
    # A rerun without --previous leaves no changes.csv of the earlier one, which no longer applies.
    assert not (out / "changes.csv").exists()
    assert "changed since Gradescope" not in done.stdout
    assert "Changed since Gradescope" not in (out / "report.html").read_text()
    assert "changes.csv" not in done.stdout


# -- reading inputs (no grading) ------------------------------------------------------------


def test_export_under_a_top_folder_and_ruby_tags(tmp_path):
    root = tmp_path / "assignment_77_export"
    (root / "submission_1").mkdir(parents=True)
    (root / "submission_1" / "hw.ipynb").write_text(notebook_json([("code", "x = 1")]))
    (root / "submission_2").mkdir()  # in no metadata entry: graded all the same, without students
    (root / "submission_2" / "a.ipynb").write_text(notebook_json([("code", "x = 2")]))
    (root / "submission_metadata.yml").write_text(
        "submission_1: !ruby/hash:ActiveSupport::HashWithIndifferentAccess\n"
        "  :submitters:\n  - :name: Jane Doe\n    :sid: 12345\n    :email: jdoe@purdue.edu\n")
    found = collect([tmp_path], tmp_path / "work", PROJECT1)
    assert [(s.name, s.notebook.name, [st.name for st in s.students]) for s in found] == [
        ("submission_1", "hw.ipynb", ["Jane Doe"]), ("submission_2", "a.ipynb", [])]
    assert read_metadata(root)["submission_1"].students[0].sid == "12345"


def test_plain_notebooks_and_zips_of_them(tmp_path):
    (tmp_path / "in").mkdir()
    submissions.write(tmp_path / "in" / "a.ipynb", [("code", "x = 1")])
    with zipfile.ZipFile(tmp_path / "more.zip", "w") as archive:
        archive.writestr("a.ipynb", notebook_json([("code", "x = 1")]))
        archive.writestr("__MACOSX/._a.ipynb", "resource fork")
    found = collect([tmp_path / "in", tmp_path / "more.zip"], tmp_path / "work", PROJECT1)
    assert [(s.name, s.students, s.note) for s in found] == [("a", (), ""), ("a-2", (), "")]


def test_the_notebook_that_answers_the_most_is_graded(tmp_path):
    (tmp_path / "Untitled.ipynb").write_text(notebook_json([("code", "first = 1\nprint('x' * 1000)\n" * 50)]))
    (tmp_path / "hw1_jlee.ipynb").write_text(notebook_json([("code", "first = 1\nsecond = 2"), ("code", "def bar(k): pass")]))
    chosen, note = choose_notebook(tmp_path, PROJECT1)
    assert chosen.name == "hw1_jlee.ipynb" and "defines the most of the names the questions ask for (3 of" in note


def test_largest_notebook_when_nothing_else_says(tmp_path):
    (tmp_path / "small.ipynb").write_text(notebook_json([("code", "x = 1")]))
    (tmp_path / "big.ipynb").write_text(notebook_json([("code", "x = 1\n" * 100)]))
    chosen, note = choose_notebook(tmp_path, PROJECT1)
    assert chosen.name == "big.ipynb" and "because it is the largest" in note
    (tmp_path / "Project-1.ipynb").write_text(notebook_json([("code", "x = 1")]))
    (tmp_path / "project10.ipynb").write_text(notebook_json([("code", "x = 1\n" * 200)]))
    assert choose_notebook(tmp_path, PROJECT1)[0].name == "Project-1.ipynb"


@pytest.mark.parametrize("member", ["../escape.ipynb", "/tmp/absolute.ipynb", "a/../../escape.ipynb", "C:/x.ipynb"])
def test_unsafe_zip_members_are_refused(tmp_path, member):
    with zipfile.ZipFile(tmp_path / "bad.zip", "w") as archive:
        archive.writestr("ok.ipynb", "{}")
        archive.writestr(zipfile.ZipInfo(member), "{}")
    with pytest.raises(SourceError, match="unsafe member"):
        collect([tmp_path / "bad.zip"], tmp_path / "work" / "deep", PROJECT1)
    assert not (tmp_path / "escape.ipynb").exists() and not (tmp_path / "work" / "escape.ipynb").exists()


def test_zip_size_is_capped(tmp_path):
    with zipfile.ZipFile(tmp_path / "big.zip", "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("a.ipynb", "0" * 100_000)
    with pytest.raises(SourceError, match="unpacks to more than"):
        extract(tmp_path / "big.zip", tmp_path / "x", limit=50_000)
    assert not (tmp_path / "x").exists()


def test_bad_input_is_an_error_before_grading(tmp_path):
    (tmp_path / "export.zip").write_bytes(b"not a zip")
    done = subprocess.run([sys.executable, "-m", "autograder", "grade", str(tmp_path / "export.zip"),
                           "--out", str(tmp_path / "o")],
                          capture_output=True, text=True, check=False, timeout=60)
    assert done.returncode == 2 and "not a readable zip" in done.stderr


# -- class files from results built here (no grading) ---------------------------------------


def scored(name, score, message="fine", flags=()):
    """A result worth `score` of the rubric's total: Question 1 carries it, the rest are failed."""
    questions = [QuestionResult("q1", (CheckResult("first", True, score, message),
                                       CheckResult("second", False, RUBRIC.points("q1") - score, message)))]
    questions += [QuestionResult(q.name, (CheckResult("x", False, q.points, "not found"),))
                  for q in RUBRIC.questions[1:]]
    return SubmissionResult(name, tuple(questions), OK, (), tuple(flags))


def student(name, sid, email):
    return Student(name, sid, email)


def test_previous_scores_from_the_question_columns(tmp_path):
    header = ("First Name,Last Name,SID,Email,Sections,1: q1 (7.0 pts),2: q2 (5.0 pts),3: q3 (4.0 pts),"
              "4: q4 (4.0 pts),5: q5 (4.0 pts),6: Written answers (6.0 pts),Total Score,Max Points,Status,"
              "Submission ID,Submission Time,Lateness (H:M:S),View Count,Submission Count")
    (tmp_path / "scores.csv").write_text(
        header + "\nA,B,001,a@x.edu,S1,7.0,0.0,0.0,0.0,0.0,5.0,9.0,30.0,Graded,1,t,00:00:00,1,1\n"
        "C,D,002,c@x.edu,S1,3.0,0.0,0.0,0.0,0.0,6.0,10.0,30.0,Graded,2,t,00:00:00,1,1\n")
    previous = read_previous(tmp_path / "scores.csv", RUBRIC)
    assert previous.basis.name == "QUESTIONS"  # the autograded part, not the hand-graded 6 points
    graded = [(Submission(None, "s1", (student("A B", "001", "a@x.edu"),)), scored("s1", 7)),
              (Submission(None, "s2", (student("C D", "002", "c@x.edu"),)), scored("s2", 1))]
    rows = [change.row() for change in changes(build_roster(graded), previous)]
    assert rows == [["C D", "002", "c@x.edu", "s2", 3, 1, -2]]


def test_total_score_when_the_columns_are_not_this_assignments(tmp_path):
    header = GRADES_HEADER.replace("Sections,", "Sections,1: Autograder (24.0 pts),")
    row = "A,B,001,a@x.edu,,24.0,21.5,24.0,Graded,1,t,01:00:00,1,1"
    ungraded = "C,D,002,c@x.edu,,,,24.0,Ungraded,2,t,00:00:00,1,1"
    (tmp_path / "scores.csv").write_text(f"{header}\n{row}\n{ungraded}\n")
    previous = read_previous(tmp_path / "scores.csv", RUBRIC)
    assert previous.basis.name == "TOTAL" and previous.lookup("001", "") == (True, 21.5)
    assert previous.lookup("", "C@x.edu") == (True, None)  # matched by e-mail; never scored


@pytest.mark.parametrize("text, message", [
    ("", "empty"),
    ("Name,Score\nJane,24\n", "not Gradescope's \"Download Grades\" CSV (no First Name, Last Name, SID"),
    (GRADES_HEADER + "\nA,B,1,a@x.edu,,twenty,24,Graded,1,t,0,1,1\n", "line 2: a score that is not a number"),
    (GRADES_HEADER + "\nA,B,1,a@x.edu,,24\n", "line 2: 6 cells, the header has 13"),
])
def test_a_wrong_previous_file_is_a_clear_error(tmp_path, text, message):
    (tmp_path / "scores.csv").write_text(text)
    with pytest.raises(PreviousError, match=re.escape(message)):
        read_previous(tmp_path / "scores.csv", RUBRIC)
    (tmp_path / "binary.csv").write_bytes(b"\xff\xfe\x00J")
    with pytest.raises(PreviousError, match="not UTF-8"):
        read_previous(tmp_path / "binary.csv", RUBRIC)


def test_a_wrong_previous_file_stops_grade_before_anything_is_graded(tmp_path):
    (tmp_path / "in").mkdir()
    submissions.write(tmp_path / "in" / "a.ipynb", [("code", "x = 1")])
    (tmp_path / "scores.csv").write_text("Name,Score\nJane,24\n")
    done = subprocess.run([sys.executable, "-m", "autograder", "grade", str(tmp_path / "in"), "--out",
                           str(tmp_path / "o"), "--previous", str(tmp_path / "scores.csv")],
                          capture_output=True, text=True, check=False, timeout=60)
    assert done.returncode == 2 and "not Gradescope's \"Download Grades\" CSV" in done.stderr
    assert "Traceback" not in done.stderr and not (tmp_path / "o").exists()


def test_surrogates_in_messages_are_written_escaped(tmp_path):
    """What `raise ValueError('\\udcff')` puts in a message: every file is written, JSON keeps it."""
    strange = scored("odd", 3, message="my_function raised ValueError: '\udcff' and \ud800")
    graded = [(Submission(None, "odd", (student("Zo\udcffe", "0070007", "zoe@purdue.edu"),)), strange),
              (Submission(None, "plain", ()), scored("plain", 7))]
    write_submission(strange, tmp_path / "odd")
    written = write_outputs(graded, tmp_path, PROJECT1)
    assert written.failed == []
    assert "'\\udcff' and \\ud800" in (tmp_path / "odd" / "feedback.md").read_text(encoding="utf-8")
    assert (tmp_path / "plain" / "feedback.md").exists()
    assert batch_module._load(tmp_path / "odd") == strange  # lossless through grading.json
    assert read_csv(tmp_path / "canvas.csv")[2][:3] == ["Zo\\udcffe", "", "0070007"]
    for name in ("grades.csv", "brightspace.csv", "report.html"):
        (tmp_path / name).read_text(encoding="utf-8")  # valid UTF-8


@pytest.mark.slow
def test_a_surrogate_raised_by_student_code_is_graded_and_written(tmp_path):
    """`def my_function(x): raise ValueError('\\udcff')` once ended `grade` in feedback.py."""
    odd = submissions.replace(submissions.solution(loops=50), "def my_function(x):\n    return 14*x**3 + 13*x",
                              "def my_function(x):\n    raise ValueError('\\udcff')")
    submissions.write(tmp_path / "in" / "odd.ipynb", odd)
    done = subprocess.run([sys.executable, "-m", "autograder", "grade", str(tmp_path / "in"),
                           "--out", str(tmp_path / "out")],
                          capture_output=True, text=True, check=False, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    out = tmp_path / "out"
    assert read_csv(out / "grades.csv")[1][:9] == ["odd", *columns(lost("q3")), "ok"]
    assert "raised ValueError: \\udcff" in (out / "odd" / "feedback.md").read_text(encoding="utf-8")
    assert all((out / name).is_file() for name in ("brightspace.csv", "canvas.csv", "report.html"))


def test_one_submissions_files_failing_costs_that_submission_only(tmp_path, monkeypatch):
    real = batch_module.write_feedback

    def failing(submission, result, folder, title):
        if submission.name == "b":
            raise OSError("disk quota exceeded")
        real(submission, result, folder, title)

    monkeypatch.setattr(batch_module, "write_feedback", failing)
    graded = [(Submission(None, name, ()), scored(name, 5)) for name in ("a", "b", "c")]
    written = write_outputs(graded, tmp_path, PROJECT1)
    assert written.failed == ["b"]
    assert (tmp_path / "a" / "feedback.md").exists() and (tmp_path / "c" / "feedback.md").exists()
    assert [row[0] for row in read_csv(tmp_path / "grades.csv")[1:]] == ["a", "b", "c"]
    assert "Feedback not written" in (tmp_path / "report.html").read_text()


def test_a_failed_worker_gives_the_student_a_next_step_and_the_instructor_the_cause(tmp_path, monkeypatch):
    def crash(command, **options):
        return subprocess.CompletedProcess(command, 1, "", "Traceback (most recent call last):\n"
                                           "  File \"x.py\", line 1\nKeyError: 'values'\n")

    monkeypatch.setattr(batch_module.subprocess, "run", crash)
    result = grade_one(tmp_path / "a.ipynb", "a", tmp_path / "a", PROJECT1, WorkerSetup("project1", GradingOptions(cell_timeout=10, timeout=10)))
    assert str(result.status) == "grader-error (worker exited with 1)" and result.messages == (GRADER_FAILED,)
    assert "Traceback" not in GRADER_FAILED and "has been told" not in GRADER_FAILED
    assert "KeyError: 'values'" in (tmp_path / "a" / "grader-error.txt").read_text()
    write_outputs([(Submission(None, "a", ()), result)], tmp_path, PROJECT1)
    assert "Traceback" not in (tmp_path / "a" / "feedback.md").read_text()
    assert "<td>KeyError: &#x27;values&#x27;</td>" in (tmp_path / "report.html").read_text()


# -- hostile and broken exports: refused before grading, nothing written anywhere -----------


def bad_member_name_zip(path):
    """A member whose name is flagged UTF-8 (bit 11 of the central directory's flags) but is not."""
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("sub/AAAA.ipynb", "{}")
    data = bytearray(path.read_bytes().replace(b"AAAA", b"\xff\xfe\xfd\xfc"))
    central = data.index(b"PK\x01\x02")
    data[central + 9] |= 0x08  # the flags' high byte: 0x0800
    path.write_bytes(bytes(data))
    return path


BOMB = "".join(f"{x}: &{x} [{', '.join([f'*{p}'] * 9)}]\n" for p, x in zip("abcdefg", "bcdefgh"))


@pytest.mark.parametrize("case, message", [
    ("dotdot key", "the key '../../x' is a path, not a folder name"),
    ("absolute key", "is a path, not a folder name"),
    ("alias bomb", "values once expanded"),
    ("file and folder", "'sub/a' is both a file and a folder"),
    ("bad member name", "a member's name is not valid UTF-8"),
])
def test_hostile_exports_are_refused_with_a_message(tmp_path, case, message):
    outside = tmp_path / "victim"
    outside.mkdir()
    submissions.write(outside / "planted.ipynb", [("code", "x = 1")])
    archive = tmp_path / "export.zip"
    if case == "bad member name":
        bad_member_name_zip(archive)
    else:
        with zipfile.ZipFile(archive, "w") as zf:
            if case == "file and folder":
                zf.writestr("sub/a", "x")
                zf.writestr("sub/a/b.ipynb", "{}")
            else:
                key = {"dotdot key": "../../x", "absolute key": str(outside)}.get(case, "submission_1")
                metadata = f"'{key}':\n  :submitters:\n  - :name: A\n    :sid: '1'\n    :email: a@x.edu\n"
                zf.writestr("submission_metadata.yml", 'a: &a ["lol", "lol"]\n' + BOMB if case == "alias bomb"
                            else metadata)
                zf.writestr("submission_1/a.ipynb", notebook_json([("code", "x = 1")]))
    work = tmp_path / "work"
    work.mkdir()
    done = subprocess.run([sys.executable, "-m", "autograder", "grade", str(archive),
                           "--out", str(work / "out")],
                          capture_output=True, text=True, check=False, timeout=60, cwd=work)
    assert done.returncode == 2 and message in done.stderr, done.stderr
    assert "Traceback" not in done.stderr
    assert list(work.iterdir()) == []  # not even --out
    assert [p.name for p in outside.iterdir()] == ["planted.ipynb"]
    assert not (tmp_path / "x").exists()


@pytest.mark.slow
def test_a_zero_on_a_notebook_chosen_among_several_is_pointed_out(tmp_path):
    archive = tmp_path / "export.zip"
    with zipfile.ZipFile(archive, "w") as zipped:
        zipped.writestr("submission_metadata.yml", "submission_2001:\n  :submitters:\n  - :name: Jin Lee\n"
                        "    :sid: '0070007'\n    :email: jlee@purdue.edu\n")
        zipped.writestr("submission_2001/Untitled.ipynb", notebook_json([("code", "x = 1\n" * 200)]))
        zipped.writestr("submission_2001/hw1.ipynb", notebook_json([("code", "y = 2")]))
    done = subprocess.run([sys.executable, "-m", "autograder", "grade", str(archive), "--out", str(tmp_path / "out")],
                          capture_output=True, text=True, check=False, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "scored 0 on a notebook chosen among several (check the choice in its feedback.md): submission_2001" \
        in done.stdout


def test_no_doubtful_choice_in_a_class_where_every_choice_scored(regraded):
    assert "chosen among several" not in regraded[1]
