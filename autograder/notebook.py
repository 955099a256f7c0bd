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

MAX_CELLS = 2_000
MAX_BYTES = 50 * 2**20
# Code the grader parses, per cell and in all: parsing takes ~500 bytes of memory per
# character of the densest code (a 2 MB `[0,0,...]` took 1 GB and 10 s); an answer to this
# project is a few thousand characters. Markdown is never parsed.
MAX_CELL_CHARS = 100_000
MAX_CODE_CHARS = 200_000


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


@dataclass(frozen=True)
class Capture:
    """Probe `question` right after step `after` (-1: before the first step). `tag` is "end" for
    a question's checkpoint, else the assignment's tag of a probe it asks for besides
    (`rubric.ProbeEachBinding`, `rubric.ProbeAfterSplitUse`)."""

    question: str
    after: int
    tag: str = "end"


def read_notebook(path: str | Path, assignment: str, *, title: str = "") -> list[Cell]:
    """The cells of the notebook at `path`, for the assignment named `assignment` (see `cells_of`)."""
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
    except (ValueError, RecursionError, MemoryError) as error:
        # Valid JSON no notebook holds: a number of thousands of digits, lists nested thousands deep.
        raise InvalidNotebook(f"the file {beyond_limits(error)} Submit the notebook Jupyter saved.") from None
    return cells_of(data, assignment, title=title)


def beyond_limits(error: BaseException) -> str:
    """Why something could not be read within the grader's limits, for the student, as the
    end of a sentence: "the file " + this."""
    if isinstance(error, RecursionError):
        return "is nested too deeply for the grader to read."
    if isinstance(error, MemoryError):
        return "is too large for the grader to read."
    if type(error) is ValueError:  # e.g. a number of thousands of digits
        return f"holds a value the grader cannot read ({str(error).split(':')[0][:80]})."
    return f"could not be read by the grader ({type(error).__name__})."


def cells_of(data: Any, assignment: str, *, title: str = "") -> list[Cell]:
    """The cells of a parsed notebook, leniently: only what grading needs must be well formed.
    A notebook whose otter metadata names an assignment other than `assignment` (the master's
    `name:`) is refused, its message naming the expected notebook by `title` if given."""
    if not isinstance(data, dict) or not isinstance(data.get("cells"), list):
        raise InvalidNotebook("the file is JSON but not a Jupyter notebook (it has no list of cells).")
    otter = data.get("metadata", {}).get("otter", {}) if isinstance(data.get("metadata"), dict) else {}
    named = otter.get("assignment_name") if isinstance(otter, dict) else None
    if named is not None and named != assignment:
        raise WrongAssignment(
            f"this notebook is for the assignment {str(named)[:40]!r}, not {assignment!r}. "
            f"Submit the {title or assignment} notebook."
        )
    if len(data["cells"]) > MAX_CELLS:
        raise InvalidNotebook(f"the notebook has more than {MAX_CELLS} cells.")
    cells: list[Cell] = []
    for raw in data["cells"]:
        if not isinstance(raw, dict):
            continue
        source = raw.get("source", "")
        if isinstance(source, list):
            try:
                source = "".join(str(line) for line in source)
            except (ValueError, RecursionError, MemoryError) as error:
                raise InvalidNotebook(f"cell {len(cells) + 1} {beyond_limits(error)}") from None
        kind = raw.get("cell_type")
        if kind in ("code", "markdown", "raw") and isinstance(source, str):
            cells.append(Cell(len(cells), kind, source))
    if not any(cell.kind == "code" and cell.source.strip() for cell in cells):
        raise InvalidNotebook("the notebook has no code in it.")
    _refuse_too_much_code(cells)
    return cells


def _refuse_too_much_code(cells: list[Cell]) -> None:
    """Refuse code the grader cannot parse safely (see MAX_CELL_CHARS), before parsing it."""
    code = [cell for cell in cells if cell.kind == "code"]
    for cell in code:
        if len(cell.source) > MAX_CELL_CHARS:
            raise InvalidNotebook(
                f"cell {cell.index + 1} holds {len(cell.source):,} characters of code; the grader reads "
                f"at most {MAX_CELL_CHARS:,} in one cell. Load large data from a file or compute it, "
                "instead of pasting it into a cell."
            )
    total = sum(len(cell.source) for cell in code)
    if total > MAX_CODE_CHARS:
        raise InvalidNotebook(
            f"its code cells hold {total:,} characters in all; the grader reads at most "
            f"{MAX_CODE_CHARS:,}. Remove pasted data and copies of code that are not part of your answer."
        )
