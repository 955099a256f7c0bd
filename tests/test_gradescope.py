"""The autograder zip, run as Gradescope runs it: extracted to an autograder root with the
upload in place, through the zip's own run_otter.py (as root when the tests run as root), with
this package imported from the zip's copy, not the checkout.

The zip is made by plain `otter assign`, the instructor's otter habit; `python -m autograder
build` runs the same `otter assign` and then verifies the solution."""

import json
import os
import shutil
import stat
import subprocess
import sys
import zipfile
from pathlib import Path

import nbformat
import pytest

from assignments.project1.rubric import RUBRIC
from autograder.build import BuildError, check_zip, question_points
from autograder.build.otter_zip import PACKAGE_IN_ZIP, PACKAGE_ON_GRADESCOPE
from autograder.grade.sources import ASK_FOR_THE_NOTEBOOK
from autograder.gradescope.results_json import FLAGS_ENTRY
from autograder.gradescope.uploads import LISTED_AT_MOST, take_charge
from autograder.pipeline import grade_notebook
from tests import submissions
from tests.project1 import PROJECT1
from tests.expect import earned, full, lost, marks

MASTER = Path(__file__).resolve().parents[1] / "assignments" / "project1" / "project1.ipynb"
FULL_MARKS = marks(full())
NO_MARKS = marks(earned())
# Modules otter, the grader and a kernel import; uploaded beside the notebook, none may run.
SHADOWING_MODULES = ("otter", "nbformat", "numpy", "json", "jax", "pandas", "autograder", "sitecustomize")


def otter_assign(master: Path, out: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "otter", "assign", str(master), str(out), "--no-pdfs"],
                          check=False, capture_output=True, text=True, cwd=master.parent, timeout=300)


@pytest.fixture(scope="module")
def autograder_zip(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    done = otter_assign(MASTER, out)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    (zip_path,) = (out / "autograder").glob("*.zip")
    return zip_path


def prepare_gradescope(zip_path: Path, notebook: dict, root: Path, file_name: str = "project1.ipynb"):
    """Lay the zip and one notebook out as Gradescope does (benchmarks/memory.py uses it)."""
    return lay_out(zip_path, {file_name: json.dumps(notebook)}, root)


def lay_out(zip_path: Path, uploads: dict[str, str], root: Path):
    """Lay the zip and an upload (relative path -> text) out as Gradescope does;
    (command, subprocess options)."""
    for folder in ("source", "submission", "results"):
        (root / folder).mkdir(parents=True)
    with zipfile.ZipFile(zip_path) as archive:
        archive.extractall(root / "source")
    for name, text in uploads.items():
        (root / "submission" / name).parent.mkdir(parents=True, exist_ok=True)
        (root / "submission" / name).write_text(text)
    (root / "submission_metadata.json").write_text(json.dumps({"id": 1, "users": [], "assignment": {}}))
    # run_otter.py names /autograder; point it at this root instead.
    script = (root / "source" / "run_otter.py").read_text().replace('"/autograder"', repr(str(root)))
    (root / "source" / "run_otter.py").write_text(script)
    # Gradescope installs the package from the zip (the requirement line); here it is imported from there.
    env = {**os.environ, "PYTHONPATH": str(root / "source" / "files" / PACKAGE_IN_ZIP)}
    return [sys.executable, str(root / "source" / "run_otter.py")], {"cwd": root, "env": env}


def run_on_gradescope(zip_path: Path, uploads: dict[str, str], root: Path) -> dict:
    command, options = lay_out(zip_path, uploads, root)
    done = subprocess.run(command, check=False, capture_output=True, text=True, timeout=900, **options)
    results_file = root / "results" / "results.json"
    assert results_file.is_file(), done.stdout[-3000:] + done.stderr[-3000:]
    return json.loads(results_file.read_text())


def as_text(cells: list[tuple[str, str]], **options) -> str:
    return json.dumps(submissions.notebook(cells, **options), indent=1)


def scores(results: dict) -> dict:
    return {t["name"]: (t["score"], t["max_score"]) for t in results["tests"] if t["name"] in RUBRIC.names}


def test_zip_carries_the_package_and_takes_charge_first(autograder_zip):
    check_zip(autograder_zip, PROJECT1)  # what `build` verifies
    with zipfile.ZipFile(autograder_zip) as archive:
        names = set(archive.namelist())
        environment = archive.read("environment.yml").decode()
        config = json.loads(archive.read("otter_config.json"))
        run_otter = archive.read("run_otter.py").decode()
    assert {f"files/{PACKAGE_IN_ZIP}/autograder/probe/{part}.py" for part in ("inspection", "transport")} <= names
    assert PACKAGE_ON_GRADESCOPE in environment and "jax==0.10.2" in environment
    # Once (it grades once), with the master's settings.
    assert config["plugins"] == [{"autograder.plugin.AutograderPlugin": {"hints": "concept", "assignment": "project1"}}]
    assert "assignment_name" not in config
    assert "from autograder.gradescope import run" in run_otter


def test_package_is_imported_from_the_zip(autograder_zip, tmp_path):
    _, options = lay_out(autograder_zip, {}, tmp_path / "autograder")
    done = subprocess.run([sys.executable, "-c", "import autograder; print(autograder.__file__)"],
                          check=False, capture_output=True, text=True, **options)
    assert done.stdout.startswith(str(tmp_path / "autograder" / "source" / "files" / PACKAGE_IN_ZIP))


def test_otter_assign_fails_loudly_without_the_top_level_plugin(tmp_path):
    """Listed only under `generate: plugins:`, the plugin cannot replace run_otter.py."""
    folder = tmp_path / "project1"
    shutil.copytree(MASTER.parent, folder, ignore=shutil.ignore_patterns("examples"))
    master = json.loads((folder / MASTER.name).read_text())
    config = master["cells"][0]
    assert config["source"].startswith("# ASSIGNMENT CONFIG")
    top, plugins = config["source"].split("\nplugins:\n")
    under_generate = "    plugins:\n" + "".join("    " + line for line in plugins.splitlines(True)) + "\n"
    config["source"] = top.replace("\ngenerate:\n", "\ngenerate:\n" + under_generate)
    (folder / MASTER.name).write_text(json.dumps(master))
    done = otter_assign(folder / MASTER.name, tmp_path / "dist")
    assert done.returncode != 0
    assert "top-level `plugins:`" in done.stderr


def test_build_refuses_a_zip_without_the_package(autograder_zip, tmp_path):
    broken = tmp_path / "broken.zip"
    with zipfile.ZipFile(autograder_zip) as original, zipfile.ZipFile(broken, "w") as copy:
        for info in original.infolist():
            if not info.filename.startswith("files/"):
                copy.writestr(info, original.read(info))
    with pytest.raises(BuildError, match="plugin.py is missing"):
        check_zip(broken, PROJECT1)


def test_master_points_match_the_rubric():
    assert question_points(MASTER) == {q: float(RUBRIC.points(q)) for q in RUBRIC.names}


def test_student_notebook_has_no_solutions_and_no_package(autograder_zip):
    student = autograder_zip.parents[1] / "student"
    text = (student / "project1.ipynb").read_text()
    solutions = ("my_array.at[1, 1].set(7)", "my_gradient = jax.grad(my_function)",
                 "return functions[0](*keys)")
    for solution in solutions:
        assert solution not in text
    assert all(f"## Question {n}" in text for n in range(1, 6))
    assert all(f'grader.check(\\"q{n}\\")' in text for n in range(1, 6))
    assert [p.name for p in student.iterdir()] == ["project1.ipynb"]  # no golden values go to students


@pytest.mark.slow
def test_uploaded_modules_never_run(autograder_zip, tmp_path):
    """`.py` files named like modules otter, the grader and the kernel import, uploaded beside a
    wrong notebook: none runs (each would leave a marker and give full marks), and the
    notebook keeps its score."""
    root, markers = tmp_path / "autograder", tmp_path / "markers"
    markers.mkdir()
    markers.chmod(0o1777)  # any user, the sandboxed kernel's too, could leave a marker
    forged = json.dumps({"score": RUBRIC.total, "tests": [{"name": q.name, "score": q.points, "max_score": q.points}
                                                          for q in RUBRIC.questions]})
    uploads = {f"{module}.py": "from pathlib import Path as _P\n"
                               f"_P({str(markers / module)!r}).write_text('ran')\n"
                               f"_P({str(root / 'results' / 'results.json')!r}).write_text({forged!r})\n"
               for module in SHADOWING_MODULES}
    wrong = submissions.replace(submissions.solution(loops=50), "third = first @ second",
                                "third = first * second.T")
    uploads["project1.ipynb"] = as_text(wrong, otter=True)
    results = run_on_gradescope(autograder_zip, uploads, root)
    assert sorted(p.name for p in markers.iterdir()) == []
    assert scores(results) == marks(lost("third"))
    assert "Graded notebook: project1.ipynb." in results["output"]
    assert "otter.py" in results["output"] and "ignored" in results["output"]
    # The upload is kept for the record where kernels cannot read it; otter saw only the notebook.
    record = root / "tdm40200"
    assert sorted(p.name for p in (record / "uploaded").iterdir()) == sorted(uploads)
    assert stat.S_IMODE(record.stat().st_mode) == 0o700
    assert not any((root / "submission" / f"{module}.py").exists() for module in SHADOWING_MODULES)


def test_links_and_many_files_are_ignored(tmp_path):
    """A link could make the grader (root) read any file as the notebook; a folder of
    thousands of files must not flood the feedback."""
    root = tmp_path / "autograder"
    (root / "submission" / "data").mkdir(parents=True)
    (root / "submission" / "project1.ipynb").symlink_to("/etc/passwd")
    (root / "submission" / "mine.ipynb").write_text(json.dumps(nbformat.v4.new_notebook()))
    for n in range(50):
        (root / "submission" / "data" / f"{n}.csv").write_text("1")
    uploads = take_charge(root, PROJECT1)
    assert uploads.graded == "mine.ipynb"
    assert [p.name for p in (root / "submission").iterdir()] == ["mine.ipynb"]
    assert "project1.ipynb (a link)" in uploads.ignored and len(uploads.ignored) == 51
    assert uploads.message().endswith(f"and {51 - LISTED_AT_MOST} more.")


def _older_copy() -> str:
    """An earlier save of the project: otter's metadata too, half the work."""
    cells = submissions.solution(loops=50)
    return as_text(cells[: cells.index(("markdown", "## Question 3"))], otter=True)


@pytest.mark.slow
@pytest.mark.parametrize(
    ("uploads", "graded"),
    [
        pytest.param({"project1.ipynb": as_text(submissions.solution(loops=100000), otter=True),
                      "Untitled.ipynb": json.dumps(nbformat.v4.new_notebook()),
                      ".ipynb_checkpoints/project1-checkpoint.ipynb": json.dumps(nbformat.v4.new_notebook())},
                     "project1.ipynb", id="realistic-solution-and-untitled"),
        pytest.param({"Project1 (2).ipynb": as_text(submissions.solution(loops=50), otter=True),
                      "project1 old.ipynb": _older_copy()},
                     "Project1 (2).ipynb", id="beside-an-older-copy"),
        pytest.param({"Project 1/project1.ipynb": as_text(submissions.solution(loops=50), otter=True),
                      "Project 1/notes.pdf": "%PDF-1.4"},
                     "Project 1/project1.ipynb", id="in-a-folder"),
    ],
)
def test_the_right_notebook_is_graded(autograder_zip, tmp_path, uploads, graded):
    results = run_on_gradescope(autograder_zip, uploads, tmp_path / "autograder")
    assert scores(results) == FULL_MARKS
    assert [t["name"] for t in results["tests"]] == list(RUBRIC.names)  # no otter summary, no flags
    assert all(t["visibility"] == "visible" for t in results["tests"])
    assert f"Graded notebook: {graded}." in results["output"]
    # Items by their description, no otter test names; otter's banner (stdout) for instructors only.
    assert all(" result:" not in t["output"] and t["output"].startswith("Question ") for t in results["tests"])
    assert "`first` is the 2x3 array 1..6: correct." in results["tests"][0]["output"]
    assert results["stdout_visibility"] == "hidden"
    if os.geteuid() == 0:  # the kernel's own user cannot read the autograder's source folder
        assert (tmp_path / "autograder" / "source").stat().st_mode & 0o007 == 0


EXPORTED = "\n\n".join(source for kind, source in submissions.solution(loops=50) if kind == "code")


@pytest.mark.parametrize(
    ("uploads", "said"),
    [
        # nbconvert's `.py` export is not the notebook: refused, never a partial score.
        pytest.param({"project1.py": EXPORTED, "project1.html": "<html></html>"},
                     ["No .ipynb file was found", "project1.py", ASK_FOR_THE_NOTEBOOK], id="python-export"),
        pytest.param({"project1.ipynb": '{"cells": [{"cell_type": "code", "sou'},
                     ["Graded notebook: project1.ipynb.", "could not be read as a Jupyter notebook"],
                     id="cut-notebook"),
    ],
)
def test_upload_that_cannot_be_graded_is_refused(autograder_zip, tmp_path, uploads, said):
    results = run_on_gradescope(autograder_zip, uploads, tmp_path / "autograder")
    assert results["score"] == 0 and scores(results) == NO_MARKS
    assert all(text in results["output"] for text in said), results["output"]


@pytest.mark.slow
@pytest.mark.parametrize(
    ("cells", "expected", "flagged"),
    [
        pytest.param(submissions.solution(loops=50), FULL_MARKS, False, id="course-template"),
        # One mistake (item 3's product) and one cell a TA should read (it names the results file).
        pytest.param(submissions.replace(submissions.solution(loops=50), "third = first @ second",
                                         "third = first * second.T")
                     + [("code", 'log_file = "results.json"')],
                     marks(lost("third")), True, id="one-mistake-flagged"),
    ],
)
def test_course_template_through_plain_otter_assign(autograder_zip, tmp_path, cells, expected, flagged):
    """A notebook in the course's own template (kernelspec f2023-s2024, no otter metadata or
    checks), renamed, through the zip plain `otter assign` made."""
    text = as_text(cells, kernel="f2023-s2024")
    results = run_on_gradescope(autograder_zip, {"Project1 - jdoe.ipynb": text}, tmp_path / "autograder")
    assert scores(results) == expected
    entries = [t for t in results["tests"] if t["name"] == FLAGS_ENTRY]
    if flagged:
        # Instructors only: Gradescope never shows a "hidden" test to students.
        (entry,) = entries
        assert entry["visibility"] == "hidden" and entry["score"] == entry["max_score"] == 0
        assert "results.json" in entry["output"] and "results.json" not in results["output"]
    else:
        assert entries == []


@pytest.mark.slow
def test_budget_running_out_keeps_earlier_points(autograder_zip, tmp_path):
    """A slow Question 4 on Gradescope: the plugin's own time budget ends grading before
    Gradescope's limit would, and results.json keeps Questions 1-3."""
    cells = submissions.solution(loops=50)
    slow = cells.index(("markdown", "## Question 4")) + 1
    cells.insert(slow, ("code", "import time\nwhile True:\n    time.sleep(0.1)"))
    root = tmp_path / "autograder"
    command, options = prepare_gradescope(autograder_zip, submissions.notebook(cells), root)
    config_file = root / "source" / "otter_config.json"
    config = json.loads(config_file.read_text())
    config["plugins"][0]["autograder.plugin.AutograderPlugin"]["timeout"] = 25
    config_file.write_text(json.dumps(config))
    subprocess.run(command, check=False, capture_output=True, text=True, timeout=600, **options)
    results = json.loads((root / "results" / "results.json").read_text())
    assert scores(results) == marks(lost("q4", "q5"))
    assert "Your notebook was stopped" in results["output"] and "25 s" in results["output"]


@pytest.mark.slow
def test_the_handed_out_notebook_earns_nothing(autograder_zip, tmp_path):
    """The notebook students receive, run as handed out (its Question 4 model is the
    assignment's own, uncompiled code): no points on Gradescope and in a local regrade alike."""
    handed_out = (autograder_zip.parents[1] / "student" / "project1.ipynb").read_text()
    results = run_on_gradescope(autograder_zip, {"project1.ipynb": handed_out}, tmp_path / "autograder")
    assert scores(results) == NO_MARKS
    assert "code the assignment gives you" in next(t["output"] for t in results["tests"] if t["name"] == "q4")
    (tmp_path / "local").mkdir()
    (tmp_path / "local" / "project1.ipynb").write_text(handed_out)
    local = grade_notebook(tmp_path / "local" / "project1.ipynb", PROJECT1)
    assert str(local.status) == "ok" and local.score == 0, [(q.name, q.score) for q in local.questions]
