"""Reading a submitted notebook and finding where each question's state is to be graded.

Later questions overwrite names that earlier ones are graded on (Question 4's loop rebinds
`key`/`subkeys`, Question 5 redefines `my_function`), so each question is graded at its
own checkpoint: just before the notebook moves on to a later question. Where a question
starts is read from the notebook itself, whatever its file name or metadata: a
"Question N" heading, or the first top-level binding of a name that question defines.
"""

from __future__ import annotations

import ast
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from autograder.rubric import ASSIGNMENT, ASSIGNMENT_QUESTIONS, QUESTIONS
_HEADING = re.compile(r"^\s*(?:#{1,6}\s*|\*\*\s*)(?:question|problem|q)\s*(\d+)\b", re.IGNORECASE | re.MULTILINE)
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


@dataclass(frozen=True)
class Capture:
    """Probe `question` right after step `after` (-1: before the first step)."""

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
    cells = []
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


# -- what a cell binds ---------------------------------------------------------------------


def python_source(source: str) -> str:
    """The Python in a cell, with IPython's magics and shell escapes neutralised."""
    lines = source.splitlines()
    if lines and lines[0].lstrip().startswith("%%"):
        magic = lines[0].split()[0]
        if magic not in ("%%time", "%%timeit", "%%capture"):
            return ""
        lines = lines[1:]
    cleaned = []
    for line in lines:
        stripped = line.lstrip()
        indent = line[: len(line) - len(stripped)]
        if stripped.startswith(("%time ", "%timeit ")):
            cleaned.append(indent + stripped.split(None, 1)[1] if " " in stripped else indent + "pass")
        elif stripped.startswith(("%", "!")):
            cleaned.append(indent + "pass")
        else:
            cleaned.append(line)
    return "\n".join(cleaned)


def parse(source: str) -> ast.Module | None:
    try:
        return ast.parse(python_source(source))
    except (SyntaxError, ValueError):
        return None


def _top_level(tree: ast.Module):
    """Statements that run at module level (into if/for/with/try bodies, not functions)."""
    pending = list(tree.body)
    while pending:
        node = pending.pop(0)
        yield node
        if isinstance(node, (ast.If, ast.For, ast.While, ast.With, ast.Try)):
            for field in ("body", "orelse", "finalbody"):
                pending.extend(getattr(node, field, []))
            pending.extend(h for handler in getattr(node, "handlers", []) for h in handler.body)


def bound_names(tree: ast.Module | None) -> set[str]:
    names: set[str] = set()
    if tree is None:
        return names
    for node in _top_level(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            names.update((alias.asname or alias.name).split(".")[0] for alias in node.names)
        else:
            targets = []
            if isinstance(node, ast.Assign):
                targets = node.targets
            elif isinstance(node, (ast.AugAssign, ast.AnnAssign, ast.For)):
                targets = [node.target]
            elif isinstance(node, ast.With):
                targets = [i.optional_vars for i in node.items if i.optional_vars is not None]
            for target in targets:
                names.update(n.id for n in ast.walk(target) if isinstance(n, ast.Name))
    return names


# -- checkpoints ---------------------------------------------------------------------------


def question_of_cells(cells: list[Cell]) -> list[int]:
    """For each cell, the number of the question the notebook is in (0 before Question 1)."""
    current, numbers = 0, []
    for cell in cells:
        if cell.kind == "markdown":
            for match in _HEADING.finditer(cell.source):
                number = int(match.group(1))
                if current < number <= len(QUESTIONS):
                    current = number
                    break
        elif cell.kind == "code":
            bound = bound_names(parse(cell.source))
            for question in ASSIGNMENT_QUESTIONS:
                if question.number > current and bound & question.binds:
                    current = question.number
        numbers.append(current)
    return numbers


def _variant(function: ast.FunctionDef) -> str:
    """Which of Question 5's two functions a definition is: by what its body does (a loop,
    or an array whose shape is the argument), else by its parameter's name."""
    calls = {
        node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
        for node in ast.walk(function)
        if isinstance(node, ast.Call)
    }
    if any(isinstance(n, (ast.For, ast.While)) for n in ast.walk(function)) or calls & {"fori_loop", "while_loop"}:
        return "loop"
    if calls & {"full", "zeros", "ones", "empty", "full_like"}:
        return "shape"
    params = [a.arg for a in function.args.args]
    return "loop" if "num_loops" in params else "shape"


def _functions(tree: ast.Module | None) -> dict[str, ast.FunctionDef]:
    if tree is None:
        return {}
    return {n.name: n for n in _top_level(tree) if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))}


def checkpoints(cells: list[Cell]) -> dict[str, int]:
    """For each question, the last code cell of its part of the notebook (-1: none yet)."""
    numbers = question_of_cells(cells)
    code = [cell.index for cell in cells if cell.kind == "code"]
    ends = {}
    for number, question in enumerate(QUESTIONS, start=1):
        before_later = [i for i in code if numbers[i] <= number]
        ends[question] = before_later[-1] if before_later else -1
    return ends


def locate(cells: list[Cell]) -> list[Capture]:
    """Where to probe: Questions 1-4 at the end of their part of the notebook, Question 5
    after every cell that binds `fast_my_function` (tagged with the version it compiles)."""
    ends = checkpoints(cells)
    captures = [Capture(question, ends[question]) for question in QUESTIONS if question != "q5"]
    latest_my_function = None
    for cell in cells:
        if cell.kind != "code":
            continue
        tree = parse(cell.source)
        functions = _functions(tree)
        if "my_function" in functions:
            latest_my_function = functions["my_function"]
        if "fast_my_function" in bound_names(tree):
            source = functions.get("fast_my_function") or latest_my_function
            tag = _variant(source) if source is not None else "unknown"
            captures.append(Capture("q5", cell.index, tag))
    return sorted(captures, key=lambda c: (c.after, QUESTIONS.index(c.question)))
