"""What `grade` writes in `--out`, so that it refuses a folder holding anything else (the TA's
own files) before it writes there or changes the folder's mode, as `build` does."""

from __future__ import annotations

from pathlib import Path

from autograder.folders import browser_file, foreign, listed
from autograder.grade.batch import RETIRED_FILES, STAMP_FILE
from autograder.grade.lms import BRIGHTSPACE, CANVAS
from autograder.grade.output import GRADER_ERROR_FILE
from autograder.grade.previous import CHANGES
from autograder.grade.sources import SourceError

CLASS_FILES = frozenset({"grades.csv", BRIGHTSPACE, CANVAS, CHANGES, "report.html", *RETIRED_FILES})
SUBMISSION_FILES = frozenset({"grading.json", "results.json", "feedback.md", STAMP_FILE, GRADER_ERROR_FILE})
PLOTS = "report"  # the report's images, *.png
PARTIAL = ".partial"  # a file being written (left behind if the run was killed)


def _named(path: Path, names: frozenset[str]) -> bool:
    return path.is_file() and path.name.removesuffix(PARTIAL) in names


def written_by_grade(path: Path) -> bool:
    """A class file, the report's plots, or a submission's folder holding only its files."""
    if path.is_symlink():
        return False
    if _named(path, CLASS_FILES):
        return True
    if not path.is_dir():
        return False
    if path.name == PLOTS and all(
        (p.is_file() and p.name.removesuffix(PARTIAL).endswith(".png")) or browser_file(p)
        for p in path.iterdir()
    ):
        return True
    return all(_named(p, SUBMISSION_FILES) or browser_file(p) for p in path.iterdir())


def refuse_foreign_out(out: Path) -> None:
    """Raises `SourceError` when `out` holds anything `grade` did not write."""
    strangers = foreign(out, written_by_grade)
    if strangers and not out.is_dir():
        raise SourceError(f"--out {out}: exists and is not a folder; give a new or empty folder")
    if strangers:
        raise SourceError(
            f"--out {out} holds files grade did not write ({listed(strangers)}); give a new or empty "
            "folder, or the one an earlier run of grade wrote (a rerun there grades only what is new)"
        )
