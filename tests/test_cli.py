"""`python -m autograder grade`: the gradebook, Gradescope results, reruns."""

import csv
import json
import subprocess
import sys

import pytest

from assignments.project1.rubric import RUBRIC
from autograder.build import check_zip
from tests import submissions
from tests.project1 import PROJECT1
from tests.expect import Points, columns, earned, full, lost, marks, total

HEADER = ["submission", *RUBRIC.names, "total", "possible", "status"]
# The mistake in the batch below: `third = second @ first`.
MISTAKE = lost("third")


def row(name: str, points: Points, status: str) -> list[str]:
    return [name, *columns(points), status]


def grade(*args):
    done = subprocess.run([sys.executable, "-m", "autograder", "grade", *map(str, args)],
                          capture_output=True, text=True, check=False, timeout=600)
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


@pytest.fixture(scope="module")
def batch(tmp_path_factory):
    folder = tmp_path_factory.mktemp("submissions")
    submissions.write(folder / "Project1 - jdoe (1).ipynb", submissions.solution(loops=50), kernel="f2023-s2024")
    submissions.write(folder / "nested" / "mistake.ipynb",
                      submissions.replace(submissions.solution(loops=50), "third = first @ second", "third = second @ first"))
    (folder / "cut.ipynb").write_text('{"cells": [{"cell_type": "code", "sou')
    out = tmp_path_factory.mktemp("out")
    printed = grade(folder, "--out", out, "--jobs", "2")
    return folder, out, printed


def rows(out):
    with open(out / "grades.csv", newline="") as f:
        return list(csv.reader(f))


def test_gradebook(batch):
    _, out, printed = batch
    table = rows(out)
    assert table[0][: len(HEADER)] == HEADER
    assert [row[: len(HEADER)] for row in table[1:]] == [
        row("Project1 - jdoe (1)", full(), "ok"),
        row("cut", earned(), "invalid-notebook"),
        row("mistake", MISTAKE, "ok"),
    ]
    assert all(row[len(HEADER):] == ["", "", "", "", ""] for row in table[1:])  # no students, nothing flagged
    # Plain notebooks name no student: the LMS files are there, with nobody in them.
    with open(out / "brightspace.csv", newline="") as f:
        assert list(csv.reader(f)) == [["OrgDefinedId", "Username", "Project 1 Points Grade", "End-of-Line Indicator"]]
    assert not (out / "gradescope_upload.csv").exists() and not (out / "changes.csv").exists()
    assert "Project1 - jdoe (1)" in printed and "invalid-notebook" in printed
    assert out.stat().st_mode & 0o007 == 0  # grades are student records


def test_results_json_is_gradescope_format(batch):
    _, out, _ = batch
    results = json.loads((out / "mistake" / "results.json").read_text())
    assert results["score"] == total(MISTAKE)
    assert [(t["name"], t["score"], t["max_score"]) for t in results["tests"]] == [
        (q, *points) for q, points in marks(MISTAKE).items()]
    assert "the order of a matrix product matters" in results["tests"][0]["output"]  # the concept hint
    cut = json.loads((out / "cut" / "results.json").read_text())
    assert cut["score"] == 0 and "not valid notebook JSON" in cut["output"]


@pytest.mark.slow
def test_rerun_skips_finished_submissions_unless_forced(batch):
    folder, out, _ = batch
    marker = out / "mistake" / "results.json"
    before = marker.stat().st_mtime_ns
    grade(folder, "--out", out)
    assert marker.stat().st_mtime_ns == before
    assert rows(out)[3][HEADER.index("status")] == "ok"
    grade(folder / "nested", "--out", out, "--force")
    assert marker.stat().st_mtime_ns != before


def test_no_notebooks_is_an_error(tmp_path):
    done = subprocess.run([sys.executable, "-m", "autograder", "grade", str(tmp_path), "--out", str(tmp_path / "o")],
                          capture_output=True, text=True, check=False)
    assert done.returncode == 2 and "no .ipynb files" in done.stderr


@pytest.mark.parametrize("jobs", ["0", "-2", "two"])
def test_jobs_must_be_a_whole_number_of_one_or_more(tmp_path, jobs):
    done = subprocess.run([sys.executable, "-m", "autograder", "grade", str(tmp_path), "--out", str(tmp_path / "o"),
                           "--jobs", jobs], capture_output=True, text=True, check=False)
    assert done.returncode == 2 and "give a whole number, 1 or more" in done.stderr
    assert not (tmp_path / "o").exists()


def test_help_names_the_files_and_options():
    done = subprocess.run([sys.executable, "-m", "autograder", "grade", "--help"],
                          capture_output=True, text=True, check=False)
    assert done.returncode == 0
    for text in ("brightspace.csv", "canvas.csv", "changes.csv", "--lms-item NAME", "--previous FILE"):
        assert text in done.stdout
    assert "gradescope_upload" not in done.stdout


@pytest.mark.slow
def test_build_verifies_the_solution_and_makes_a_working_zip(tmp_path):
    done = subprocess.run([sys.executable, "-m", "autograder", "build", "--out", str(tmp_path / "dist")],
                          check=False, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "solution notebook verified: 24/24" in done.stdout
    (zip_path,) = (tmp_path / "dist" / "autograder").glob("*.zip")
    check_zip(zip_path, PROJECT1)
    assert (tmp_path / "dist" / "student" / "project1.ipynb").is_file()


def test_build_leaves_a_folder_of_other_files_alone(tmp_path):
    (tmp_path / "notes.txt").write_text("mine")
    done = subprocess.run([sys.executable, "-m", "autograder", "build", "--out", str(tmp_path)],
                          capture_output=True, text=True, check=False)
    assert done.returncode == 1 and "holds files a build did not write" in done.stderr
    assert [p.name for p in tmp_path.iterdir()] == ["notes.txt"]


@pytest.mark.parametrize("master", ["missing.ipynb", "broken.ipynb"])
def test_build_names_a_master_it_cannot_read(tmp_path, master):
    (tmp_path / "broken.ipynb").write_text("{")
    done = subprocess.run([sys.executable, "-m", "autograder", "build", "--master", str(tmp_path / master),
                           "--out", str(tmp_path / "dist")], capture_output=True, text=True, check=False)
    assert done.returncode == 1 and done.stderr.startswith("build failed: --master")
    assert "Traceback" not in done.stderr and not (tmp_path / "dist").exists()


@pytest.mark.parametrize("option", ["--timeout", "--cell-timeout", "--fast-cell-timeout"])
@pytest.mark.parametrize("value", ["0", "-1", "soon"])
def test_time_limits_must_be_above_zero(tmp_path, option, value):
    done = subprocess.run([sys.executable, "-m", "autograder", "grade", str(tmp_path), "--out", str(tmp_path / "o"),
                           option, value], capture_output=True, text=True, check=False)
    assert done.returncode == 2 and "give a number of seconds above 0" in done.stderr


@pytest.mark.slow
def test_a_rerun_grades_again_what_changed_since(tmp_path):
    folder, out = tmp_path / "in", tmp_path / "out"
    submissions.write(folder / "a.ipynb", [("code", "import jax.numpy as jnp\nfirst = jnp.arange(1, 7).reshape(2, 3)")])
    submissions.write(folder / "b.ipynb", [("code", "first = 0")])
    grade(folder, "--out", out)
    marker = out / "a" / "results.json"
    before = marker.stat().st_mtime_ns
    assert "2 submissions already graded" in grade(folder, "--out", out)
    assert marker.stat().st_mtime_ns == before
    submissions.write(folder / "a.ipynb", [("code", "first = 1")])  # the student's notebook changed
    printed = grade(folder, "--out", out)
    assert "1 submission already graded" in printed and marker.stat().st_mtime_ns != before
    assert rows(out)[1][HEADER.index("q1")] == "0"
    assert "already graded" not in grade(folder, "--out", out, "--faithful")  # other options: both again
