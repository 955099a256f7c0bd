"""Take charge of the submission folder before otter reads it.

Everything the student uploaded moves to a folder only root can enter (kept for the record);
only the notebook chosen to be graded goes back, so no uploaded `.py` file can be imported or
run by otter's own kernel or by the grading process.
"""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass
from pathlib import Path

from autograder.assignment import Assignment
from autograder.grade.sources import choose_notebook

# Under the autograder folder (/autograder on Gradescope), beside `submission/`.
PRIVATE_FOLDER = "tdm40200"
UPLOADED_FOLDER = "uploaded"
CHOICE_FILE = "choice.json"
# The feedback lists at most this many ignored files (a folder may hold thousands).
LISTED_AT_MOST = 20


@dataclass(frozen=True)
class Uploads:
    """What a student uploaded and what is graded: `graded` is the chosen notebook's path in
    the upload (None when there is none), `note` why it was chosen among several."""

    graded: str | None
    note: str
    ignored: tuple[str, ...]

    def message(self) -> str:
        """What the student reads about the choice."""
        if self.graded is None:  # `choose_notebook`'s note, which asks for the notebook
            return self.note
        lines = [f"Graded notebook: {self.graded}."]
        if self.note:
            lines.append(self.note)
        if self.ignored:
            listed = ", ".join(self.ignored[:LISTED_AT_MOST])
            more = len(self.ignored) - LISTED_AT_MOST
            lines.append(f"Not graded (ignored): {listed}" + (f" and {more} more." if more > 0 else "."))
        return "\n".join(lines)

    def to_dict(self) -> dict[str, object]:
        return {"graded": self.graded, "note": self.note, "ignored": list(self.ignored)}

    @classmethod
    def from_dict(cls, data: dict[str, object]) -> Uploads:
        graded, note, ignored = data.get("graded"), data.get("note", ""), data.get("ignored", [])
        return cls(
            graded if isinstance(graded, str) else None,
            str(note),
            tuple(str(name) for name in ignored) if isinstance(ignored, list) else (),
        )


def private_folder(autograder_dir: Path) -> Path:
    return autograder_dir / PRIVATE_FOLDER


def take_charge(autograder_dir: Path, assignment: Assignment) -> Uploads:
    """Move the upload out of `autograder_dir/submission`, choose the notebook to grade with
    the local regrade's rule, and put back only that notebook (under its own file name)."""
    submission = autograder_dir / "submission"
    private = private_folder(autograder_dir)
    shutil.rmtree(private, ignore_errors=True)
    private.mkdir(mode=0o700)
    uploaded = private / UPLOADED_FOLDER
    uploaded.mkdir()
    for entry in sorted(submission.iterdir()):
        shutil.move(entry, uploaded / entry.name)
    # A link could make the grader (root) read any file of the image as the "notebook".
    links = sorted(p for p in uploaded.rglob("*") if p.is_symlink())
    for link in links:
        link.unlink()
    chosen, note = choose_notebook(uploaded, assignment)
    files = sorted(p.relative_to(uploaded).as_posix() for p in uploaded.rglob("*") if p.is_file())
    ignored = [name for name in files if chosen is None or name != chosen.relative_to(uploaded).as_posix()]
    ignored += [f"{link.relative_to(uploaded).as_posix()} (a link)" for link in links]
    if chosen is None:
        uploads = Uploads(None, note, tuple(ignored))
    else:
        shutil.copyfile(chosen, submission / chosen.name)
        uploads = Uploads(chosen.relative_to(uploaded).as_posix(), note, tuple(ignored))
    (private / CHOICE_FILE).write_text(json.dumps(uploads.to_dict(), ensure_ascii=True), encoding="utf-8")
    return uploads


def recorded_choice(autograder_dir: Path) -> Uploads | None:
    """The choice `take_charge` made, or None when it did not run (e.g. otter's own run_otter.py)."""
    try:
        data = json.loads((private_folder(autograder_dir) / CHOICE_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return Uploads.from_dict(data) if isinstance(data, dict) else None
