"""The `build` verb: otter assign, then verify what it made.

`otter assign` writes the student notebook and the Gradescope zip; the plugin's own
`otter assign` events (`otter_zip`) put this package into the zip, at
`files/tdm40200_autograder/`, which the assignment's requirements.txt installs on Gradescope.
Otter's own solution run is off (`run_tests: false`); instead the solution notebook is graded
with this package, which must give it full marks, and the master notebook's question points
and public tests must match the rubric item by item (`autograder.build.master`).
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import yaml

from autograder.assignment import Assignment, UnknownAssignment, of_master
from autograder.build.master import MasterMismatch, check_master
from autograder.build.otter_zip import PACKAGE_IN_ZIP
from autograder.folders import foreign, listed
from autograder.hints import HintMode, shown
from autograder.pipeline import grade_notebook
from autograder.rubric import Rubric


def zip_needs(assignment: Assignment) -> tuple[str, ...]:
    """What the zip must hold for Gradescope to grade `assignment`."""
    shipped = f"files/{PACKAGE_IN_ZIP}"
    return (
        f"{shipped}/autograder/plugin.py",
        f"{shipped}/assignments/{assignment.folder.name}/__init__.py",
        f"{shipped}/assignments/{assignment.folder.name}/golden.json",
        f"{shipped}/pyproject.toml",
    )


class BuildError(RuntimeError):
    """The assignment cannot be built as it is; the message says what to fix."""


@dataclass(frozen=True)
class Built:
    student_notebook: Path
    autograder_zip: Path
    solution_notebook: Path


def question_points(master: Path) -> dict[str, float]:
    """Autograded question points as the master notebook's `# BEGIN QUESTION` cells set them."""
    points = {}
    for cell in json.loads(master.read_text())["cells"]:
        source = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
        if cell["cell_type"] == "raw" and source.lstrip().startswith("# BEGIN QUESTION"):
            config = yaml.safe_load(source.split("\n", 1)[1]) or {}
            if not config.get("manual", False):
                points[str(config["name"])] = float(config.get("points", 0))
    return points


def check_points(master: Path, rubric: Rubric) -> None:
    found = question_points(master)
    wanted = {q: float(rubric.points(q)) for q in rubric.names}
    if found != wanted:
        raise BuildError(f"{master} gives the autograded questions {found}; the rubric gives {wanted}.")


def check_zip(zip_path: Path, assignment: Assignment) -> None:
    """The zip is the one the plugin's `otter assign` events make (see `otter_zip`)."""
    with zipfile.ZipFile(zip_path) as archive:
        names = set(archive.namelist())
        run_otter = archive.read("run_otter.py").decode()
        config = json.loads(archive.read("otter_config.json"))
    problems = [f"{name} is missing" for name in zip_needs(assignment) if name not in names]
    if "autograder.gradescope" not in run_otter:
        problems.append("run_otter.py is otter's own, not the one that takes charge of the submission first")
    if "assignment_name" in config:
        problems.append("otter_config.json still checks the assignment name")
    if problems:
        raise BuildError(f"{zip_path} would not work on Gradescope: " + "; ".join(problems) + ".")


# What a build writes into its folder: a folder holding anything else is not replaced.
BUILT = frozenset({"student", "autograder"})


def build(
    master: Path,
    out: Path,
    *,
    assignment: Assignment | None = None,
    verify: bool = True,
    progress: Callable[[str], object] = print,
) -> Built:
    """otter assign into a new folder next to `out`, checked, then put in place of `out`: a
    failed build leaves the last good one as it was. `master` is the assignment's master
    notebook (or a copy of it being changed), checked against the assignment's rubric and rules;
    `assignment`: by default the one whose folder holds `master`."""
    master, out = master.resolve(), out.resolve()
    _check_readable(master)
    if assignment is None:
        try:
            assignment = of_master(master)
        except UnknownAssignment as error:
            raise BuildError(str(error)) from None
    strangers = foreign(out, lambda path: path.name in BUILT)
    if strangers:
        raise BuildError(
            f"--out {out} holds files a build did not write ({listed(strangers)}); give an empty or "
            "new folder (a build replaces its folder)."
        )
    try:
        check_master(assignment, master)
    except MasterMismatch as error:
        raise BuildError(str(error)) from None
    check_points(master, assignment.rubric)
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out.name}.building-", dir=out.parent))
    try:
        _assign(master, staging, assignment, verify, progress)
        shutil.rmtree(out, ignore_errors=True)
        staging.rename(out)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    built = Built(out / "student" / master.name, _the_zip(out), out / "autograder" / master.name)
    progress(f"student notebook: {built.student_notebook}\nautograder zip: {built.autograder_zip}")
    return built


def _check_readable(master: Path) -> None:
    try:
        cells = json.loads(master.read_text())["cells"]
    except FileNotFoundError:
        raise BuildError(
            f"--master {master}: no such file (run from the project's folder, or give its path)"
        ) from None
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise BuildError(f"--master {master}: not a notebook ({type(error).__name__}: {error})") from None
    if not isinstance(cells, list):
        raise BuildError(f"--master {master}: not a notebook (its cells are not a list)")


def _the_zip(out: Path) -> Path:
    zips = sorted((out / "autograder").glob("*.zip"))
    if len(zips) != 1:
        raise BuildError(f"otter assign made {len(zips)} zip files in {out / 'autograder'}; expected one.")
    return zips[0]


def _assign(
    master: Path, out: Path, assignment: Assignment, verify: bool, progress: Callable[[str], object]
) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "otter", "assign", str(master), str(out), "--no-pdfs"],
        check=False,
        capture_output=True,
        text=True,
        cwd=master.parent,
    )
    if done.returncode != 0:
        raise BuildError(f"otter assign failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}")
    check_zip(_the_zip(out), assignment)
    if verify:
        result = grade_notebook(out / "autograder" / master.name, assignment)
        if result.score != result.possible or not result.status.ok:
            failures = [shown(c, HintMode.CODE) for q in result.questions for c in q.checks if not c.passed]
            raise BuildError(
                f"the solution notebook scored {result.score:g}/{result.possible:g} ({result.status}):\n"
                + "\n".join(failures)
            )
        progress(f"solution notebook verified: {result.score:g}/{result.possible:g}")
