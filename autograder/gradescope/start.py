"""What the autograder zip's run_otter.py runs: take charge of the upload, then otter.

Whatever happens here or in otter, Gradescope gets a results.json: a student never sees an
autograder that ended without one."""

from __future__ import annotations

import os
import traceback
from pathlib import Path

from autograder import sandbox
from autograder.assignment import Assignment
from autograder.gradescope.config import zip_assignment
from autograder.gradescope.results_json import write_refusal
from autograder.gradescope.uploads import take_charge
from autograder.notebook import InvalidNotebook, read_notebook
from autograder.pipeline import GRADER_FAILED
from autograder.rubric import Rubric


def run(autograder_dir: str) -> None:
    """Grade the submission in `autograder_dir` (/autograder on Gradescope) as otter would,
    after leaving otter a submission folder that holds only the notebook to grade."""
    results_file = Path(autograder_dir) / "results" / "results.json"
    try:
        _grade(autograder_dir)
    except Exception:  # the cause for instructors (Gradescope shows them this output), not students
        traceback.print_exc()
    finally:
        if not results_file.is_file():
            write_refusal(results_file, GRADER_FAILED, _rubric(Path(autograder_dir)))


def _rubric(root: Path) -> Rubric | None:
    try:
        return zip_assignment(root).rubric
    except Exception:  # the zip itself is broken: results.json still says the grader failed
        traceback.print_exc()
        return None


def _grade(autograder_dir: str) -> None:
    root = Path(autograder_dir)
    if os.geteuid() == 0:
        # setup.sh has no hook for plugins: the image's permissions are set here, once per run.
        try:
            report = sandbox.prepare()
        except OSError as error:  # e.g. a read-only image: kernels then run unsandboxed, as in otter
            report = f"sandbox not prepared: {error}"
        if "sandbox" in report:
            print(report)
    assignment = zip_assignment(root)
    uploads = take_charge(root, assignment)
    if uploads.graded is None:
        write_refusal(root / "results" / "results.json", uploads.message(), assignment.rubric)
        return
    unreadable = _unreadable(root / "submission" / Path(uploads.graded).name, assignment)
    if unreadable:
        # Otter reads the notebook before any plugin loads and writes no results.json if it fails.
        write_refusal(
            root / "results" / "results.json", f"{uploads.message()}\n{unreadable}", assignment.rubric
        )
        return
    # Imported here: otter's import is slow and a refused upload does not need it.
    from otter.run.run_autograder import main as run_otter

    run_otter(autograder_dir)


def _unreadable(notebook: Path, assignment: Assignment) -> str | None:
    """Why the grader (with its limits) or otter (as it does, with nbformat) could not read
    `notebook`, or None."""
    import nbformat

    try:
        # nbformat has no annotations.
        nbformat.read(notebook, as_version=nbformat.NO_CONVERT)  # type: ignore[no-untyped-call]
    except Exception as error:  # whatever the file makes the reader raise (RecursionError too)
        return (
            f"{notebook.name} could not be read as a Jupyter notebook ({type(error).__name__}). "
            "Upload the .ipynb file Jupyter saved (File > Save), not a copy edited by hand."
        )
    try:
        read_notebook(notebook, assignment.name, title=assignment.title)
    except InvalidNotebook as error:
        return f"{notebook.name} could not be graded: {error}"
    return None
