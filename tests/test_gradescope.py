"""The autograder zip, run as Gradescope runs it: extracted to an autograder root with the
submission in place, through the zip's own run_otter.py, with this package from the zip."""

import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from autograder.build import PACKAGE_IN_ZIP, build, question_points
from autograder.rubric import QUESTIONS, points
from tests import submissions

MASTER = Path(__file__).resolve().parents[1] / "assignments" / "project1" / "project1.ipynb"


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    return build(MASTER, tmp_path_factory.mktemp("dist"), verify=False, progress=lambda _: None)


def prepare_gradescope(zip_path: Path, notebook: dict, root: Path, file_name: str = "project1.ipynb"):
    """Lay the zip and a submission out as Gradescope does; (command, subprocess options)."""
    for folder in ("source", "submission", "results"):
        (root / folder).mkdir(parents=True)
    with zipfile.ZipFile(zip_path) as archive:
        archive.extractall(root / "source")
    (root / "submission" / file_name).write_text(json.dumps(notebook))
    (root / "submission_metadata.json").write_text(json.dumps({"id": 1, "users": [], "assignment": {}}))
    # run_otter.py names /autograder; point it at this root instead.
    script = (root / "source" / "run_otter.py").read_text().replace('"/autograder"', repr(str(root)))
    (root / "source" / "run_otter.py").write_text(script)
    env = {**os.environ, "PYTHONPATH": str(root / "source" / PACKAGE_IN_ZIP)}
    return [sys.executable, str(root / "source" / "run_otter.py")], {"cwd": root, "env": env}


def run_on_gradescope(zip_path: Path, notebook: dict, root: Path, file_name: str = "project1.ipynb") -> dict:
    command, options = prepare_gradescope(zip_path, notebook, root, file_name)
    done = subprocess.run(command, capture_output=True, text=True, timeout=900, **options)
    results_file = root / "results" / "results.json"
    assert results_file.is_file(), done.stdout[-3000:] + done.stderr[-3000:]
    return json.loads(results_file.read_text())


def scores(results: dict) -> dict:
    return {t["name"]: (t["score"], t["max_score"]) for t in results["tests"] if t["name"] in QUESTIONS}


def test_zip_carries_the_package_and_installs_it(built):
    with zipfile.ZipFile(built.autograder_zip) as archive:
        names = set(archive.namelist())
        environment = archive.read("environment.yml").decode()
        config = json.loads(archive.read("otter_config.json"))
        setup = archive.read("setup.sh").decode()
    for needed in ("pyproject.toml", "autograder/plugin.py", "autograder/kernel_probe.py", "reference/golden.json"):
        assert f"{PACKAGE_IN_ZIP}/{needed}" in names
    assert f"/autograder/source/{PACKAGE_IN_ZIP}" in environment
    assert "jax==0.10.2" in environment
    assert "autograder.plugin.Project1Plugin" in json.dumps(config["plugins"])
    # The image's set-up prepares the sandbox once the environment (and this package) exist.
    assert setup.index("mamba env create") < setup.index("python -m autograder.sandbox --prepare")


def test_master_points_match_the_rubric():
    assert question_points(MASTER) == {q: float(points(q)) for q in QUESTIONS}


def test_student_notebook_has_no_solutions(built):
    text = built.student_notebook.read_text()
    for solution in ("my_array.at[1, 1].set(7)", "my_gradient = jax.grad(my_function)", "return functions[0](*keys)"):
        assert solution not in text
    assert all(f"## Question {n}" in text for n in range(1, 6))
    assert all(f'grader.check(\\"q{n}\\")' in text for n in range(1, 6))


@pytest.mark.parametrize(
    ("name", "cells", "file_name", "expected"),
    [
        pytest.param("solution", submissions.solution(loops=100000), "project1.ipynb",
                     {q: (points(q), points(q)) for q in QUESTIONS}, id="realistic-solution"),
        pytest.param("renamed", submissions.replace(submissions.solution(loops=50), "third = first @ second",
                                                    "third = first * second.T"),
                     "Project1 (2).ipynb", {"q1": (6, 7), "q2": (5, 5), "q3": (4, 4), "q4": (4, 4), "q5": (4, 4)},
                     id="renamed-with-a-mistake"),
    ],
)
def test_gradescope_grades(built, tmp_path, name, cells, file_name, expected):
    notebook = submissions.notebook(cells, otter=True, kernel="f2023-s2024")
    results = run_on_gradescope(built.autograder_zip, notebook, tmp_path / "autograder", file_name)
    assert scores(results) == expected
    assert [t["name"] for t in results["tests"]] == list(QUESTIONS)  # no otter summary beside ours
    assert all(t["visibility"] == "visible" for t in results["tests"])
    assert results.get("score", sum(s for s, _ in expected.values())) == sum(s for s, _ in expected.values())
    if os.geteuid() == 0:  # the kernel's own user cannot read the autograder's source folder
        assert (tmp_path / "autograder" / "source").stat().st_mode & 0o007 == 0


def test_budget_running_out_keeps_earlier_points(built, tmp_path):
    """A slow Question 4 on Gradescope: the plugin's own time budget ends grading before
    Gradescope's limit would, and results.json keeps Questions 1-3."""
    cells = submissions.solution(loops=50)
    slow = cells.index(("markdown", "## Question 4")) + 1
    cells.insert(slow, ("code", "import time\nwhile True:\n    time.sleep(0.1)"))
    root = tmp_path / "autograder"
    command, options = prepare_gradescope(built.autograder_zip, submissions.notebook(cells), root)
    config_file = root / "source" / "otter_config.json"
    config = json.loads(config_file.read_text())
    config["plugins"] = [{"autograder.plugin.Project1Plugin": {"timeout": 25}}]
    config_file.write_text(json.dumps(config))
    subprocess.run(command, capture_output=True, text=True, timeout=600, **options)
    results = json.loads((root / "results" / "results.json").read_text())
    assert scores(results) == {"q1": (7, 7), "q2": (5, 5), "q3": (4, 4), "q4": (0, 4), "q5": (0, 4)}
    assert "Your notebook was stopped" in results["output"] and "25 s" in results["output"]
