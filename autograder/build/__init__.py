"""The `build` verb: otter assign, then make the autograder zip carry this package.

`otter assign` writes the student notebook and the Gradescope zip. Otter's own solution
run is off (`run_tests: false`); instead the solution notebook is graded with this
package, which must give it full marks, and the master notebook's points must match the
rubric. The zip gets this package's source at `tdm40200_autograder/`, which the
assignment's requirements.txt installs on Gradescope.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import zipfile
from dataclasses import dataclass
from pathlib import Path

import yaml

from autograder import rubric
from autograder.grade import grade_notebook

PROJECT_ROOT = Path(__file__).resolve().parents[2]
PACKAGE_IN_ZIP = "tdm40200_autograder"
SHIPPED = ("pyproject.toml", "README.md", "autograder", "reference")
# Appended to otter's setup.sh (the image's set-up, run as root): student kernels run as
# unprivileged users, who must be able to start otter's Python but not read this package.
SANDBOX_SETUP = b"""

# Student kernels run as unprivileged users (tdm40200_autograder's sandbox).
# Not fatal: without it kernels run as root, as in stock otter.
mamba run -n otter-env python -m autograder.sandbox --prepare || echo "sandbox not prepared"
"""


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


def check_points(master: Path) -> None:
    found = question_points(master)
    wanted = {q: float(rubric.points(q)) for q in rubric.QUESTIONS}
    if found != wanted:
        raise BuildError(f"{master} gives the autograded questions {found}; the rubric gives {wanted}.")


def _finish_zip(zip_path: Path) -> None:
    """Add this package to otter's zip, prepare the sandbox in its set-up, and drop otter's
    assignment-name check.

    Otter refuses a notebook whose metadata lacks the assignment name before any plugin
    runs: notebooks written in the course's own template, or re-saved by other tools, would
    get 0. This package finds the questions in the notebook itself instead."""
    with zipfile.ZipFile(zip_path) as original:
        entries = {info.filename: original.read(info) for info in original.infolist()}
    config = json.loads(entries["otter_config.json"])
    config.pop("assignment_name", None)
    entries["otter_config.json"] = json.dumps(config, indent=4).encode()
    entries["setup.sh"] = entries["setup.sh"].rstrip(b"\n") + SANDBOX_SETUP
    for name in SHIPPED:
        source = PROJECT_ROOT / name
        for path in [source] if source.is_file() else sorted(source.rglob("*")):
            if path.is_file() and "__pycache__" not in path.parts:
                entries[f"{PACKAGE_IN_ZIP}/{path.relative_to(PROJECT_ROOT)}"] = path.read_bytes()
    partial = zip_path.with_suffix(".partial")
    with zipfile.ZipFile(partial, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    partial.replace(zip_path)


def build(master: Path, out: Path, *, verify: bool = True, progress=print) -> Built:
    master, out = master.resolve(), out.resolve()
    check_points(master)
    shutil.rmtree(out, ignore_errors=True)
    done = subprocess.run(
        [sys.executable, "-m", "otter", "assign", str(master), str(out), "--no-pdfs"],
        capture_output=True, text=True, cwd=master.parent,
    )
    if done.returncode != 0:
        raise BuildError(f"otter assign failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}")
    zips = sorted((out / "autograder").glob("*.zip"))
    if len(zips) != 1:
        raise BuildError(f"otter assign made {len(zips)} zip files in {out / 'autograder'}; expected one.")
    _finish_zip(zips[0])
    built = Built(out / "student" / master.name, zips[0], out / "autograder" / master.name)
    if verify:
        result = grade_notebook(built.solution_notebook)
        if result.score != result.possible or result.status != "ok":
            failures = [c.message for q in result.questions for c in q.checks if not c.passed]
            raise BuildError(
                f"the solution notebook scored {result.score:g}/{result.possible:g} ({result.status}):\n"
                + "\n".join(failures)
            )
        progress(f"solution notebook verified: {result.score:g}/{result.possible:g}")
    progress(f"student notebook: {built.student_notebook}\nautograder zip: {built.autograder_zip}")
    return built
