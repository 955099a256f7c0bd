"""Which assignment a `grade` run is for, when the command line does not say.

In order: a path inside an assignment's folder (its examples); the assignment the notebooks'
otter metadata names (`otter assign` writes `assignment_name` into the student notebook), read
from a sample of the notebooks given (zips included, without extracting them); the course's
current assignment (`assignments/__init__.py`).
"""

from __future__ import annotations

import json
import zipfile
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

from autograder.assignment import ASSIGNMENTS, Assignment, available, default, load
from autograder.notebook import MAX_BYTES

SAMPLE = 40  # notebooks read for their metadata: enough to outvote a stray one


def infer(paths: list[Path]) -> tuple[Assignment, str]:
    """The assignment, and how it was found (for the TA's terminal)."""
    for path in paths:
        resolved = path.resolve()
        if resolved.is_relative_to(ASSIGNMENTS) and resolved != ASSIGNMENTS:
            folder = resolved.relative_to(ASSIGNMENTS).parts[0]
            if folder in available():
                return load(folder), f"{path} is in its folder"
    named = Counter(name for name in _named(paths) if name in available())
    if named:
        name, _ = named.most_common(1)[0]
        return load(name), "the notebooks' otter metadata names it"
    return default(), "the course's current assignment (assignments/__init__.py)"


def _named(paths: list[Path]) -> Iterator[str]:
    seen = 0
    for text in _notebook_texts(paths):
        seen += 1
        if seen > SAMPLE:
            return
        try:
            name = json.loads(text).get("metadata", {}).get("otter", {}).get("assignment_name")
        except (ValueError, AttributeError, RecursionError):
            continue
        if isinstance(name, str):
            yield name


def _notebook_texts(paths: list[Path]) -> Iterator[str]:
    """The text of the notebooks in `paths`, lazily; whatever cannot be read is skipped."""
    for path in paths:
        try:
            if path.is_dir():
                for notebook in sorted(path.rglob("*.ipynb")):
                    if notebook.is_file() and notebook.stat().st_size <= MAX_BYTES:
                        yield notebook.read_text(encoding="utf-8", errors="replace")
            elif path.suffix.lower() == ".ipynb" and path.stat().st_size <= MAX_BYTES:
                yield path.read_text(encoding="utf-8", errors="replace")
            elif path.suffix.lower() == ".zip":
                with zipfile.ZipFile(path) as archive:
                    for member in archive.infolist():
                        if member.filename.lower().endswith(".ipynb") and member.file_size <= MAX_BYTES:
                            yield archive.read(member).decode("utf-8", errors="replace")
        except (OSError, zipfile.BadZipFile, RuntimeError, ValueError):
            continue  # `grade` reports an unreadable input itself, with the reason
