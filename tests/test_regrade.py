"""The TA regrade: `python -m autograder grade export.zip` on Gradescope's "Export Submissions"
zip, with its gradebook, upload CSV, feedback files and report; and how inputs are read."""

import csv
import json
import re
import subprocess
import sys
import zipfile

import pytest

from autograder.grade.sources import SourceError, choose_notebook, collect, extract, read_metadata
from tests import submissions

HEADER = ["submission", "q1", "q2", "q3", "q4", "q5", "total", "possible", "status", "names", "sids", "emails", "flags"]

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
        archive.writestr("submission_1003/scratch.ipynb", notebook_json([("code", "print(1)")]))
        archive.writestr("submission_1003/Project_1 (2).ipynb", notebook_json(solution))
        # The larger notebook is not the assignment: the otter metadata says which one is.
        archive.writestr("submission_1004/notes.ipynb", notebook_json([("markdown", "notes " * 5000)]))
        archive.writestr("submission_1004/answers.ipynb", notebook_json(solution, "project1"))
        archive.writestr("submission_1005/report.pdf", b"%PDF-1.4 not a notebook")
    return path


@pytest.fixture(scope="module")
def regraded(tmp_path_factory):
    root = tmp_path_factory.mktemp("regrade")
    archive = export_zip(root / "export.zip")
    out = root / "out"
    done = subprocess.run([sys.executable, "-m", "autograder", "grade", str(archive), "--out", str(out), "--jobs", "2"],
                          capture_output=True, text=True, timeout=600)
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
        ["submission_1001", "7", "5", "4", "4", "4", "24", "24", "ok", "Jane Doe", "0012345", "jdoe@purdue.edu", ""],
        ["submission_1002", "6", "5", "4", "4", "4", "23", "24", "ok", "Ann Lee; Bo Chen", "0020001; 0020002",
         "alee@purdue.edu; bchen@purdue.edu", ""],
        ["submission_1003", "7", "5", "4", "4", "4", "24", "24", "ok", "Cy Park", "0030003", "cpark@purdue.edu", ""],
        ["submission_1004", "7", "5", "4", "4", "4", "24", "24", "ok", "Di Wu", "0040004", "dwu@purdue.edu", ""],
        ["submission_1005", "0", "0", "0", "0", "0", "0", "24", "invalid-notebook", "Ed Ruiz", "0050005",
         "eruiz@purdue.edu", ""],
    ]


def test_upload_csv_has_one_row_per_student(regraded):
    out, _ = regraded
    assert read_csv(out / "gradescope_upload.csv") == [
        ["Email", "SID", "Name", "Score"],
        ["jdoe@purdue.edu", "0012345", "Jane Doe", "24"],
        ["alee@purdue.edu", "0020001", "Ann Lee", "23"],
        ["bchen@purdue.edu", "0020002", "Bo Chen", "23"],
        ["cpark@purdue.edu", "0030003", "Cy Park", "24"],
        ["dwu@purdue.edu", "0040004", "Di Wu", "24"],
        ["eruiz@purdue.edu", "0050005", "Ed Ruiz", "0"],
    ]


def test_feedback_files(regraded):
    out, _ = regraded
    group = (out / "submission_1002" / "feedback.md").read_text()
    assert "Ann Lee (0020001); Bo Chen (0020002)" in group
    assert "**Score:** 23 / 24" in group
    assert "## Question 1: 6 / 7" in group and "## Question 5: 4 / 4" in group
    assert re.search(r"\*\*not passed\*\* \(0/1\): `third` is the matrix product.*not `second @ first`", group)
    assert group.count("**passed**") == 22
    by_name = (out / "submission_1003" / "feedback.md").read_text()
    assert "2 notebooks were uploaded (Project_1 (2).ipynb, scratch.ipynb)" in by_name
    assert "Project_1 (2).ipynb was graded because its name is the assignment's" in by_name
    by_metadata = (out / "submission_1004" / "feedback.md").read_text()
    assert "answers.ipynb was graded because its notebook metadata names the assignment project1" in by_metadata
    nothing = (out / "submission_1005" / "feedback.md").read_text()
    assert "No .ipynb file was found in this submission (uploaded: report.pdf)" in nothing
    assert "**Score:** 0 / 24" in nothing


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
    assert "5 submissions: mean 19.0 / 24, median 24" in printed
    assert "per question: q1 5.4/7" in printed
    assert "submission_1005: invalid-notebook" in printed
    # stderr is not a terminal here: no bar, one line per graded submission instead.
    assert re.search(r"submission_1002: 23/24 ok \(\d+\.\d s\)", printed)


def test_rerun_reuses_results_and_keeps_students(regraded, tmp_path):
    out, _ = regraded
    before = (out / "submission_1001" / "results.json").stat().st_mtime_ns
    archive = export_zip(tmp_path / "export.zip")
    done = subprocess.run([sys.executable, "-m", "autograder", "grade", str(archive), "--out", str(out)],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    assert (out / "submission_1001" / "results.json").stat().st_mtime_ns == before
    assert read_csv(out / "grades.csv")[1][9:] == ["Jane Doe", "0012345", "jdoe@purdue.edu", ""]


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
    found = collect([tmp_path], tmp_path / "work")
    assert [(s.name, s.notebook.name, [st.name for st in s.students]) for s in found] == [
        ("submission_1", "hw.ipynb", ["Jane Doe"]), ("submission_2", "a.ipynb", [])]
    assert read_metadata(root)["submission_1"][0].sid == "12345"


def test_plain_notebooks_and_zips_of_them(tmp_path):
    (tmp_path / "in").mkdir()
    submissions.write(tmp_path / "in" / "a.ipynb", [("code", "x = 1")])
    with zipfile.ZipFile(tmp_path / "more.zip", "w") as archive:
        archive.writestr("a.ipynb", notebook_json([("code", "x = 1")]))
        archive.writestr("__MACOSX/._a.ipynb", "resource fork")
    found = collect([tmp_path / "in", tmp_path / "more.zip"], tmp_path / "work")
    assert [(s.name, s.students, s.note) for s in found] == [("a", (), ""), ("a-2", (), "")]


def test_largest_notebook_when_nothing_else_says(tmp_path):
    (tmp_path / "small.ipynb").write_text(notebook_json([("code", "x = 1")]))
    (tmp_path / "big.ipynb").write_text(notebook_json([("code", "x = 1\n" * 100)]))
    chosen, note = choose_notebook(tmp_path)
    assert chosen.name == "big.ipynb" and "because it is the largest" in note
    (tmp_path / "Project-1.ipynb").write_text(notebook_json([("code", "x = 1")]))
    (tmp_path / "project10.ipynb").write_text(notebook_json([("code", "x = 1\n" * 200)]))
    assert choose_notebook(tmp_path)[0].name == "Project-1.ipynb"


@pytest.mark.parametrize("member", ["../escape.ipynb", "/tmp/absolute.ipynb", "a/../../escape.ipynb", "C:/x.ipynb"])
def test_unsafe_zip_members_are_refused(tmp_path, member):
    with zipfile.ZipFile(tmp_path / "bad.zip", "w") as archive:
        archive.writestr("ok.ipynb", "{}")
        archive.writestr(zipfile.ZipInfo(member), "{}")
    with pytest.raises(SourceError, match="unsafe member"):
        collect([tmp_path / "bad.zip"], tmp_path / "work" / "deep")
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
                           "--out", str(tmp_path / "o")], capture_output=True, text=True, timeout=60)
    assert done.returncode == 2 and "not a readable zip" in done.stderr
