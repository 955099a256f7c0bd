"""Grading many submissions (found by `autograder.grade.sources`): each in a worker process of
its own, `jobs` at a time, then the class-wide files (`write_outputs`).

A worker that crashes or hangs costs its own row only; every finished submission is on disk
(`OUT/<submission>/results.json`) before the next starts, and a rerun skips those unless
`force` is set.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor, as_completed
from pathlib import Path

from tqdm import tqdm

from autograder.grade import CELL_TIMEOUT, TIMEOUT, zero
from autograder.grade.feedback import write_feedback
from autograder.grade.output import UPLOAD_HEADER, csv_row, upload_rows, write_csv, write_gradebook, write_submission
from autograder.grade.sources import SourceError, Submission, collect
from autograder.results import SubmissionResult
from autograder.sandbox import keep_private

# Beyond the notebook's own limit, what a worker may take to start and to write its files.
WORKER_GRACE = 120


class NoSubmissions(SourceError):
    """The paths hold nothing to grade."""


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


def _nothing_to_grade(submission: Submission, folder: Path) -> SubmissionResult:
    result = zero(submission.name, "invalid-notebook", submission.note or "No notebook was submitted.")
    write_submission(result, folder)
    return result


def grade_many(paths: list[Path], out: Path, *, jobs: int = 1, cell_timeout: float = CELL_TIMEOUT,
               timeout: float = TIMEOUT, force: bool = False, faithful: bool = False,
               progress=print) -> list[SubmissionResult]:
    """Grade everything in `paths` (see `autograder.grade.sources`) into `out`; the results
    come back in the order the submissions were found. Raises `SourceError` on unreadable
    input and `NoSubmissions` when there is nothing to grade."""
    # The report's plotting libraries load while the workers grade, not after.
    threading.Thread(target=_load_report, daemon=True).start()
    with tempfile.TemporaryDirectory(prefix="autograder-sources-") as workdir:
        submissions = collect(paths, Path(workdir))
        if not submissions:
            raise NoSubmissions("no .ipynb files found in " + ", ".join(map(str, paths)))
        results = _grade_all(submissions, out, jobs=jobs, cell_timeout=cell_timeout, timeout=timeout,
                             force=force, faithful=faithful, progress=progress)
    write_outputs(list(zip(submissions, results)), out)
    return results


def _grade_all(submissions: list[Submission], out: Path, *, jobs: int, force: bool, progress,
               **options) -> list[SubmissionResult]:
    out.mkdir(parents=True, exist_ok=True)
    keep_private([out])  # student records; and sandboxed kernels must not read other students' results
    results: dict[str, SubmissionResult] = {}
    todo = []
    for submission in submissions:
        previous = None if force else _load(out / submission.name)
        if previous is not None:
            results[submission.name] = previous
        elif submission.notebook is None:
            results[submission.name] = _nothing_to_grade(submission, out / submission.name)
        else:
            todo.append(submission)

    def work(submission: Submission) -> tuple[SubmissionResult, float]:
        start = time.monotonic()
        result = grade_one(submission.notebook, submission.name, out / submission.name, **options)
        return result, time.monotonic() - start

    # The bar only where someone watches (a terminal); logs and CI get one line per submission.
    with tqdm(total=len(todo), unit="notebook", desc="grading", file=sys.stderr, dynamic_ncols=True,
              disable=not todo or not sys.stderr.isatty()) as bar, ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        running = {pool.submit(work, submission): submission for submission in todo}
        for future in as_completed(running):
            name = running[future].name
            result, seconds = future.result()
            results[name] = result
            if bar.disable:
                progress(f"{name}: {result.score:g}/{result.possible:g} {result.status} ({seconds:.1f} s)")
            bar.update()
    return [results[s.name] for s in submissions]


def _load_report():
    from autograder.grade import report

    return report


def write_outputs(graded: list[tuple[Submission, SubmissionResult]], out: Path) -> None:
    """Everything in `out` besides each submission's results: the gradebook, Gradescope's
    upload CSV, each student's feedback.md and the class report."""
    write_report = _load_report().write_report
    write_gradebook([csv_row(result, submission.students) for submission, result in graded], out / "grades.csv")
    upload = [row for submission, result in sorted(graded, key=lambda pair: pair[0].name)
              for row in upload_rows(result, submission.students)]
    write_csv(UPLOAD_HEADER, upload, out / "gradescope_upload.csv")
    for submission, result in graded:
        write_feedback(submission, result, out / submission.name)
    write_report(graded, out)
