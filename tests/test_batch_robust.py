"""No student file stops a batch or Gradescope, no notebook's name shadows the class files or
writes outside --out, and nothing a kernel leaves behind breaks the cleanup (issue 21, items 2,
3 and 6)."""

import csv
import json
import os
import secrets
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

import pytest

from assignments.project1.rubric import RUBRIC
from autograder import sandbox
from autograder.grade import batch as batch_module
from autograder.grade.batch import _keep_stamp, _reusable, _stamp, run_batch
from autograder.grade.output import write_submission
from autograder.grade.sources import Submission, choose_notebook, collect
from autograder.gradescope import start
from autograder.notebook import MAX_CELL_CHARS, InvalidNotebook, read_notebook
from autograder.pipeline import GRADER_FAILED, grade_notebook, zero
from autograder.removal import remove_tree
from autograder.status import Kind, Status
from tests import submissions
from tests.expect import earned, full, marks
from tests.test_gradescope import autograder_zip, run_on_gradescope, scores  # noqa: F401 (a fixture)
from autograder.pipeline import GradingOptions
from tests.project1 import PROJECT1

SOLUTION = submissions.solution(loops=50)
PLACEHOLDER = "PLACEHOLDER-TO-REPLACE"
TOTAL = f"{RUBRIC.total:g}"  # as the gradebook writes it


def notebook_text(cells, **metadata) -> str:
    nb = submissions.notebook(cells)
    nb.metadata.update(metadata)
    return json.dumps(nb, indent=1)


def with_metadata_value(raw: str) -> str:
    """A correct notebook whose metadata holds `raw` (JSON text no notebook writer makes)."""
    return notebook_text(SOLUTION, extra=PLACEHOLDER).replace(f'"{PLACEHOLDER}"', raw)


# json.loads raises ValueError (more than 4,300 digits) and RecursionError on these.
HUGE_NUMBER = with_metadata_value("1" * 5000)
NESTED = with_metadata_value("[" * 100_000 + "]" * 100_000)
# One 60,000-term expression: RecursionError when Python parses it.
SCRATCH = notebook_text([("code", "total = " + " + ".join(["1"] * 60_000))])
BLANK = notebook_text([("code", "# scratch")])
# A 2 MB cell: parsing it took the grading process 1 GB and 10 s or more.
JUNK = notebook_text([*SOLUTION, ("code", "junk = [" + ",".join(["0"] * 1_000_000) + "]")])


def export(path: Path, folders: dict[str, dict[str, str]]) -> Path:
    """Gradescope's export zip: each submission folder with the files uploaded to it."""
    lines = []
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for n, (folder, files) in enumerate(folders.items()):
            lines += [f"{folder}:", "  :submitters:", f"  - :name: Student {n}", f"    :sid: '{n:07d}'",
                      f"    :email: s{n}@purdue.edu"]
            for name, text in files.items():
                archive.writestr(f"{folder}/{name}", text)
        archive.writestr("submission_metadata.yml", "\n".join(lines) + "\n")
    return path


def grade(*paths: Path, out: Path, extra: tuple[str, ...] = ()) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "autograder", "grade", *map(str, paths), "--out", str(out),
                           "--jobs", "1", *extra], capture_output=True, text=True, check=False, timeout=900)


def gradebook(out: Path) -> dict[str, list[str]]:
    with (out / "grades.csv").open(newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f))[1:]
    return {row[0]: row for row in rows}


# -- item 2: no student file stops a batch ---------------------------------------------------


@pytest.mark.parametrize("text, said", [
    (HUGE_NUMBER, "a value the grader cannot read"),
    (NESTED, "nested too deeply"),
    (JUNK, f"the grader reads at most {MAX_CELL_CHARS:,} in one cell"),
])
def test_unreadable_files_are_refused_with_a_message(tmp_path, text, said):
    path = tmp_path / "project1.ipynb"
    path.write_text(text)
    with pytest.raises(InvalidNotebook, match=said):
        read_notebook(path, "project1")
    result = grade_notebook(path, PROJECT1)  # refused before any kernel starts
    assert result.status.kind is Kind.INVALID_NOTEBOOK and result.score == 0
    assert said in result.messages[0] and "Traceback" not in result.messages[0]


def test_choosing_among_notebooks_survives_one_python_cannot_parse(tmp_path):
    folder = tmp_path / "submission_1"
    folder.mkdir()
    (folder / "scratch.ipynb").write_text(SCRATCH)
    (folder / "project1.ipynb").write_text(notebook_text(SOLUTION))
    chosen, note = choose_notebook(folder, PROJECT1)
    assert chosen == folder / "project1.ipynb" and "defines the most" in note


@pytest.mark.slow
def test_a_batch_grades_everyone_beside_files_that_stopped_it(tmp_path):
    root = export(tmp_path / "export.zip", {
        "submission_1": {"project1.ipynb": HUGE_NUMBER},
        "submission_2": {"project1.ipynb": NESTED},
        # Chosen over the scratch copy Python cannot parse: graded in full.
        "submission_3": {"scratch.ipynb": SCRATCH, "project1.ipynb": notebook_text(SOLUTION)},
        # Nothing answers anything: the larger, the scratch copy, is graded and refused.
        "submission_4": {"scratch.ipynb": SCRATCH, "Untitled.ipynb": BLANK},
        "submission_5": {"project1.ipynb": JUNK},
        # Folders nested deeper than Python recurses: extracting, finding the notebook, removing.
        "submission_6": {"a/" * 1500 + "project1.ipynb": notebook_text(SOLUTION)},
    })
    out = tmp_path / "out"
    done = grade(root, out=out)
    assert done.returncode == 0, done.stdout + done.stderr
    rows = gradebook(out)
    assert rows["submission_3"][6:9] == [TOTAL, TOTAL, "ok"]
    for name in ("submission_1", "submission_2", "submission_4", "submission_5", "submission_6"):
        assert rows[name][6:9] == ["0", TOTAL, "invalid-notebook"], rows[name]
        feedback = (out / name / "feedback.md").read_text()
        assert "could not be" in feedback and "Traceback" not in feedback
    assert "nested too deeply" in (out / "submission_2" / "feedback.md").read_text()
    assert "characters of code" in (out / "submission_4" / "feedback.md").read_text()


@pytest.mark.parametrize("uploads, said", [
    pytest.param({"project1.ipynb": HUGE_NUMBER}, "could not be read as a Jupyter notebook", id="huge-number"),
    pytest.param({"project1.ipynb": NESTED}, "could not be read as a Jupyter notebook", id="nested"),
    pytest.param({"scratch.ipynb": SCRATCH, "Untitled.ipynb": BLANK}, "characters of code", id="scratch-only"),
    pytest.param({"project1.ipynb": JUNK}, "characters of code", id="2-MB-cell"),
])
def test_gradescope_writes_results_for_files_that_stopped_it(autograder_zip, tmp_path, uploads, said):
    results = run_on_gradescope(autograder_zip, uploads, tmp_path / "autograder")
    assert results["score"] == 0 and scores(results) == marks(earned())
    assert said in results["output"], results["output"]


@pytest.mark.slow
def test_gradescope_grades_the_notebook_beside_a_scratch_copy_python_cannot_parse(autograder_zip, tmp_path):
    uploads = {"scratch.ipynb": SCRATCH, "project1.ipynb": notebook_text(SOLUTION)}
    results = run_on_gradescope(autograder_zip, uploads, tmp_path / "autograder")
    assert scores(results) == marks(full()), results["output"]
    assert "scratch.ipynb" in results["output"]  # named as not graded


def test_gradescope_writes_results_when_the_grader_itself_fails(tmp_path, monkeypatch):
    def broken(root):
        raise RuntimeError("an unexpected failure")

    monkeypatch.setattr(start, "take_charge", broken)
    start.run(str(tmp_path))
    results = json.loads((tmp_path / "results" / "results.json").read_text())
    assert results["score"] == 0 and results["output"] == GRADER_FAILED


# -- item 3: outputs cannot be shadowed ------------------------------------------------------


@pytest.mark.slow
def test_names_never_shadow_the_class_files_or_leave_out(tmp_path):
    hand_ins = tmp_path / "hand-ins"
    hand_ins.mkdir()
    names = ["grades.csv", "canvas.csv", "Report", "...", ".."]
    for name in names:
        (hand_ins / f"{name}.ipynb").write_text(notebook_text([("code", "x = 1")]))
    found = sorted(s.name for s in collect([hand_ins], tmp_path / "work", PROJECT1))
    assert found == ["Report-2", "canvas.csv-2", "grades.csv-2", "notebook", "notebook-2"]

    run = tmp_path / "run"
    out = run / "out"
    done = grade(hand_ins, out=out)
    assert done.returncode == 0, done.stdout + done.stderr
    assert sorted(p.name for p in run.iterdir()) == ["out"]  # nothing beside --out
    for name in ("grades.csv", "brightspace.csv", "canvas.csv", "report.html"):
        assert (out / name).is_file(), name
    assert (out / "report").is_dir() and not (out / "report" / "results.json").exists()
    assert not (out / "results.json").exists()  # `..ipynb` (stem `.`) writes in its own folder
    assert sorted(gradebook(out)) == found
    assert all((out / name / "results.json").is_file() for name in found)


# -- item 6: cleanup that what the kernel leaves cannot break --------------------------------


def deep_folder(top: Path, depth: int) -> None:
    """`top/d/d/.../d` `depth` levels deep, each with a file and a link to a file outside it."""
    top.mkdir()
    folder = os.open(top, os.O_RDONLY)
    for _ in range(depth):
        os.mkdir("d", dir_fd=folder)
        os.close(os.open("f", os.O_CREAT | os.O_WRONLY, dir_fd=folder))
        os.symlink(__file__, "link", dir_fd=folder)
        inner = os.open("d", os.O_RDONLY, dir_fd=folder)
        os.close(folder)
        folder = inner
    os.close(folder)


@pytest.mark.slow
def test_remove_tree_removes_any_depth_and_follows_no_link(tmp_path):
    # Outside tmp_path: pytest's own clean-up of old tmp_path folders recurses, and a deep
    # folder left there by a failure would break every later pytest run on this machine.
    top = Path(tempfile.mkdtemp(prefix="autograder-test-deep-"))
    try:
        deep_folder(top / "deep", 3000)
        assert remove_tree(top / "deep")
        assert not (top / "deep").exists() and Path(__file__).is_file()
        assert remove_tree(top / "never-there")
    finally:
        remove_tree(top)


def leaves_deep_folders(marker: str) -> list[tuple[str, str]]:
    """A correct notebook that then leaves 3,000-level folders in /tmp and its own folder."""
    code = (
        "import os\n"
        f"for _top in ('/tmp/{marker}', '{marker}'):\n"
        "    os.mkdir(_top)\n"
        "    _fd = os.open(_top, os.O_RDONLY)\n"
        "    for _ in range(3000):\n"
        "        os.mkdir('d', dir_fd=_fd)\n"
        "        _inner = os.open('d', os.O_RDONLY, dir_fd=_fd)\n"
        "        os.close(_fd)\n"
        "        _fd = _inner\n"
        "    os.close(_fd)\n"
    )
    return [*SOLUTION, ("code", code)]


@pytest.mark.slow
@pytest.mark.skipif(sandbox.unavailable() is not None, reason="kernels do not run as users of their own here")
def test_a_deep_folder_left_in_tmp_costs_nothing_and_stays_nowhere(tmp_path):
    marker = f"left-behind-{secrets.token_hex(6)}"
    hand_ins = tmp_path / "hand-ins"
    hand_ins.mkdir()
    (hand_ins / "deep.ipynb").write_text(notebook_text(leaves_deep_folders(marker)))
    out = tmp_path / "out"
    done = grade(hand_ins, out=out)
    assert done.returncode == 0, done.stdout + done.stderr
    assert gradebook(out)["deep"][6:9] == [TOTAL, TOTAL, "ok"]
    assert not Path("/tmp", marker).exists()
    assert not list(Path(tempfile.gettempdir()).glob(f"autograder-kernel-*/{marker}"))


def test_a_grader_error_is_never_kept_by_a_rerun(tmp_path):
    folder, submission = tmp_path / "a", Submission(tmp_path / "a.ipynb", "a")
    submissions.write(submission.notebook, [("code", "x = 1")])
    stamp = _stamp(submission, PROJECT1, GradingOptions())
    write_submission(zero("a", RUBRIC, Status(Kind.GRADER_ERROR, detail="worker exited with 1"), GRADER_FAILED), folder)
    _keep_stamp(folder, stamp)
    assert _reusable(folder, stamp) is None
    write_submission(zero("a", RUBRIC, Status(Kind.INVALID_NOTEBOOK), "refused"), folder)
    assert _reusable(folder, stamp) is not None  # a grade of the notebook itself is kept


@pytest.mark.slow
def test_a_grader_error_row_is_graded_again_on_rerun(tmp_path, monkeypatch):
    hand_ins = tmp_path / "hand-ins"
    hand_ins.mkdir()
    submissions.write(hand_ins / "a.ipynb", [("code", "x = 1")])
    out = tmp_path / "out"

    def crash(worker, notebook, folder, name, timeout):
        worker.communicate("", timeout=120)  # no job: the worker shuts its kernel down
        return 1, "Traceback (most recent call last):\nRecursionError: maximum recursion depth exceeded\n"

    with monkeypatch.context() as patched:
        patched.setattr(batch_module, "hand_over", crash)
        first = run_batch([hand_ins], out, PROJECT1, progress=lambda _: None)
    assert first.results[0].status.kind is Kind.GRADER_ERROR
    again = run_batch([hand_ins], out, PROJECT1, progress=lambda _: None)
    assert again.results[0].status.kind is Kind.OK
    assert gradebook(out)["a"][8] == "ok"
