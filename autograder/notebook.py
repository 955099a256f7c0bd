"""Reading a submitted notebook: its cells, leniently, or a reason for the student why not.

What the cells mean (where each question's answer stands, what runs as one step, where the
probes go) is `autograder.layout`'s job. `Step` and `Capture` are defined here because the
executor takes them and needs nothing else of the layout.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from autograder.rubric import ASSIGNMENT

MAX_CELLS = 2_000
MAX_BYTES = 50 * 2**20


class InvalidNotebook(ValueError):
    """The file cannot be graded as a notebook; the message says why, for the student."""


class WrongAssignment(InvalidNotebook):
    """The notebook's otter metadata names another assignment."""


@dataclass(frozen=True)
class Cell:
    index: int
    kind: str  # "code", "markdown" or "raw"
    source: str


@dataclass(frozen=True)
class Step:
    """One execute of the student's code: a whole code cell, or the part of one that lies
    in one question's region. `index` is its place in the run (what `Capture.after` refers
    to); `cell` is the notebook cell it comes from (what messages to the student name)."""

    index: int
    cell: int
    source: str


# The tag of Question 2's extra capture: right after the last step of its answer that uses the
# keys split from PRNGKey(0), so that the value is read where the split is, even if the answer
# deletes or rebinds the keys later.
SPLIT = "split"


@dataclass(frozen=True)
class Capture:
    """Probe `question` right after step `after` (-1: before the first step). `tag` is "end" for
    a question's checkpoint, `SPLIT` for Question 2's split, or Question 5's version."""

    question: str
    after: int
    tag: str = "end"


def read_notebook(path: str | Path) -> list[Cell]:
    path = Path(path)
    try:
        if path.stat().st_size > MAX_BYTES:
            raise InvalidNotebook(f"the file is larger than {MAX_BYTES // 2**20} MB.")
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise InvalidNotebook("the file is not text (is it really a .ipynb?).") from None
    except OSError as error:
        raise InvalidNotebook(f"the file cannot be read ({error.strerror}).") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise InvalidNotebook(
            f"the file is not valid notebook JSON (line {error.lineno}: {error.msg}); "
            "it may have been cut off while uploading. Re-download it from Jupyter and submit again."
        ) from None
    return cells_of(data)


def cells_of(data: Any) -> list[Cell]:
    """The cells of a parsed notebook, leniently: only what grading needs must be well formed."""
    if not isinstance(data, dict) or not isinstance(data.get("cells"), list):
        raise InvalidNotebook("the file is JSON but not a Jupyter notebook (it has no list of cells).")
    otter = data.get("metadata", {}).get("otter", {}) if isinstance(data.get("metadata"), dict) else {}
    named = otter.get("assignment_name") if isinstance(otter, dict) else None
    if named is not None and named != ASSIGNMENT:
        raise WrongAssignment(
            f"this notebook is for the assignment {str(named)[:40]!r}, not {ASSIGNMENT!r}. "
            "Submit the Project 1 notebook."
        )
    if len(data["cells"]) > MAX_CELLS:
        raise InvalidNotebook(f"the notebook has more than {MAX_CELLS} cells.")
    cells: list[Cell] = []
    for raw in data["cells"]:
        if not isinstance(raw, dict):
            continue
        source = raw.get("source", "")
        if isinstance(source, list):
            source = "".join(str(line) for line in source)
        kind = raw.get("cell_type")
        if kind in ("code", "markdown", "raw") and isinstance(source, str):
            cells.append(Cell(len(cells), kind, source))
    if not any(cell.kind == "code" and cell.source.strip() for cell in cells):
        raise InvalidNotebook("the notebook has no code in it.")
    return cells
