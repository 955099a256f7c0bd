"""Grading many notebooks: each in a worker process of its own, `jobs` at a time.

A worker that crashes or hangs costs its own row only; every finished submission is on disk
(`OUT/<submission>/results.json`) before the next starts, and a rerun skips those unless
`force` is set.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from autograder.grade import CELL_TIMEOUT, TIMEOUT, zero
from autograder.grade.output import csv_row, write_gradebook, write_submission
from autograder.results import SubmissionResult

# Beyond the notebook's own limit, what a worker may take to start and to write its files.
WORKER_GRACE = 120


def find_notebooks(paths: list[Path]) -> list[Path]:
    found = []
    for path in paths:
        if path.is_dir():
            found.extend(p for p in sorted(path.rglob("*.ipynb")) if ".ipynb_checkpoints" not in p.parts)
        else:
            found.append(path)
    return found


def _names(notebooks: list[Path]) -> dict[Path, str]:
    """A unique folder name per submission: the file name, numbered where two clash."""
    names, used = {}, set()
    for path in notebooks:
        name, n = path.stem, 1
        while name in used:
            n += 1
            name = f"{path.stem}-{n}"
        used.add(name)
        names[path] = name
    return names


def _load(folder: Path) -> SubmissionResult | None:
    try:
        return SubmissionResult.from_dict(json.loads((folder / "grading.json").read_text()))
    except (OSError, ValueError, KeyError, TypeError):
        return None


def grade_one(path: Path, name: str, folder: Path, *, cell_timeout: float, timeout: float,
              faithful: bool = False) -> SubmissionResult:
    """Grade in a worker process; whatever happens to it, a result is written."""
    command = [
        sys.executable, "-m", "autograder.grade.worker", str(path), str(folder),
        "--name", name, "--cell-timeout", str(cell_timeout), "--timeout", str(timeout),
        *(["--faithful"] if faithful else []),
    ]
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=timeout + WORKER_GRACE)
        reason = f"grader-error (worker exited with {done.returncode})"
        detail = done.stderr[-2000:]
    except subprocess.TimeoutExpired:
        reason, detail = "timeout (the grader did not finish)", ""
    result = _load(folder)
    if result is None:
        result = zero(name, reason, f"The grader failed on this submission; your instructor has been told. {detail[-300:]}")
        write_submission(result, folder)
    return result


def grade_many(paths: list[Path], out: Path, *, jobs: int = 1, cell_timeout: float = CELL_TIMEOUT,
               timeout: float = TIMEOUT, force: bool = False, faithful: bool = False,
               progress=print) -> list[SubmissionResult]:
    notebooks = find_notebooks(paths)
    names = _names(notebooks)
    out.mkdir(parents=True, exist_ok=True)
    results: dict[Path, SubmissionResult] = {}
    todo = []
    for path in notebooks:
        previous = None if force else _load(out / names[path])
        if previous is not None:
            results[path] = previous
        else:
            todo.append(path)

    def work(path: Path) -> None:
        start = time.monotonic()
        result = grade_one(path, names[path], out / names[path], cell_timeout=cell_timeout, timeout=timeout,
                           faithful=faithful)
        results[path] = result
        progress(f"{names[path]}: {result.score:g}/{result.possible:g} {result.status} ({time.monotonic() - start:.1f} s)")

    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        list(pool.map(work, todo))
    ordered = [results[p] for p in notebooks]
    write_gradebook([csv_row(r) for r in ordered], out / "grades.csv")
    return ordered
