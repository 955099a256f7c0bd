"""Grading many submissions (found by `autograder.grade.sources`): each in a worker process of
its own, `jobs` at a time, then the class-wide files (`write_outputs`).

A worker that crashes or hangs costs its own row only; every finished submission is on disk
(`OUT/<submission>/results.json`) before the next starts, and a rerun skips those unless
`force` is set.
"""

from __future__ import annotations

import hashlib
import json
import logging
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

from tqdm import tqdm

from autograder.assignment import ASSIGNMENTS, Assignment
from autograder.grade.feedback import write_feedback
from autograder.grade.lms import write_lms_files
from autograder.grade.output import GRADER_ERROR_FILE, csv_row, write_gradebook, write_submission, write_text
from autograder.grade.previous import CHANGES, Change, Previous, changes, write_changes
from autograder.grade.prime import compile_seed
from autograder.grade.roster import Roster, build_roster
from autograder.grade.sources import SourceError, Submission, collect
from autograder.grade.warm import WarmWorkers, hand_over
from autograder.notebook import read_notebook
from autograder.pipeline import BATCH_OPTIONS, GRADER_FAILED, GradingOptions, zero
from autograder.removal import remove_tree
from autograder.results import SubmissionResult
from autograder.rubric import Rubric
from autograder.sandbox import covering, keep_private, withheld
from autograder.status import Kind, Status

# Beyond the notebook's own limit, what a worker may take to start and to write its files.
WORKER_GRACE = 120
log = logging.getLogger(__name__)


class NoSubmissions(SourceError):
    """The paths hold nothing to grade."""


def _load(folder: Path) -> SubmissionResult | None:
    try:
        return SubmissionResult.from_dict(json.loads((folder / "grading.json").read_text()))
    except (OSError, ValueError, KeyError, TypeError):
        return None


@dataclass(frozen=True)
class WorkerSetup:
    """What every worker of a batch is started with besides its submission: the assignment (a
    name or folder `autograder.assignment.load` reads), the grading options, the compilation
    cache's seed and what its kernel must not see (`autograder.sandbox.hide`)."""

    assignment: str
    options: GradingOptions = BATCH_OPTIONS
    compile_seed: Path | None = None
    hidden: tuple[Path, ...] = ()

    def argv(self) -> list[str]:
        return [
            "--assignment",
            self.assignment,
            *self.options.to_argv(),
            *(["--compile-cache", str(self.compile_seed)] if self.compile_seed is not None else []),
            *(option for path in self.hidden for option in ("--hide", str(path))),
        ]


def _source(assignment: Assignment) -> str:
    """How a worker finds `assignment`: by name when it is one of `assignments/`, else its folder."""
    return assignment.name if assignment.folder.parent == ASSIGNMENTS else str(assignment.folder)


def grade_one(
    path: Path,
    name: str,
    folder: Path,
    assignment: Assignment,
    setup: WorkerSetup,
    workers: WarmWorkers | None = None,
) -> SubmissionResult:
    """Grade in a worker process (one of `workers` when given, else one started now);
    whatever happens to it, a result is written."""
    options = setup.argv()
    timeout = setup.options.timeout
    # What an earlier run wrote here must not pass for this run's result if the worker writes none.
    for stale in ("grading.json", "results.json", GRADER_ERROR_FILE):
        (folder / stale).unlink(missing_ok=True)
    if workers is not None:
        code, stderr = hand_over(workers.take(), path, folder, name, timeout + WORKER_GRACE)
    else:
        command = [sys.executable, "-m", "autograder.grade.worker", str(path), str(folder), "--name", name]
        try:
            # errors="replace": the worker's stderr may quote anything the student's code printed.
            done = subprocess.run(
                [*command, *options],
                capture_output=True,
                text=True,
                errors="replace",
                check=False,
                timeout=timeout + WORKER_GRACE,
            )
            code, stderr = done.returncode, done.stderr
        except subprocess.TimeoutExpired:
            code, stderr = None, ""
    if code is None:
        reason, detail = Status(Kind.TIMEOUT, detail="the grader did not finish"), ""
    else:
        reason = Status(Kind.GRADER_ERROR, detail=f"worker exited with {code}")
        detail = stderr[-4000:]
    result = _load(folder)
    if result is None:
        result = zero(name, assignment.rubric, reason, GRADER_FAILED)
        write_submission(result, folder)
        write_text(folder / GRADER_ERROR_FILE, f"{reason}\n\n{detail}")
    return result


# What a submission's folder was graded from: a rerun keeps its grade only when it is the same.
STAMP_FILE = "graded-from.json"
# Class files earlier versions wrote: a rerun in their folder removes them.
RETIRED_FILES = ("gradescope_upload.csv",)


def _stamp(submission: Submission, assignment: Assignment, options: GradingOptions) -> str:
    """What grading reads of the notebook (its cells' kinds and sources: not its outputs, cell
    ids or metadata), the assignment's rubric and the options that change a grade, as text."""
    notebook = None
    if submission.notebook is not None:
        try:
            cells = [[cell.kind, cell.source] for cell in read_notebook(submission.notebook, assignment.name)]
            notebook = hashlib.sha256(json.dumps(cells).encode("utf-8", "replace")).hexdigest()
        except Exception as error:  # the worker refuses it with the reason: graded again if it changes
            notebook = f"unreadable: {type(error).__name__}: {error}"
    rubric = [[item.question, item.name, item.points] for item in assignment.rubric.items]
    stamp = {"notebook": notebook, "note": submission.note, "options": asdict(options), "rubric": rubric}
    return json.dumps(stamp, sort_keys=True)


def _reusable(folder: Path, stamp: str) -> SubmissionResult | None:
    """The grade kept from an earlier run from the same notebook and options; never a
    `grader-error`, which says nothing of the notebook (it is graded again)."""
    try:
        if (folder / STAMP_FILE).read_text() != stamp:
            return None
    except OSError:
        return None
    result = _load(folder)
    return None if result is None or result.status.kind is Kind.GRADER_ERROR else result


def _keep_stamp(folder: Path, stamp: str) -> None:
    try:
        write_text(folder / STAMP_FILE, stamp)
    except OSError:  # the next run grades it again
        log.warning("could not write %s", folder / STAMP_FILE)


def _nothing_to_grade(submission: Submission, folder: Path, rubric: Rubric) -> SubmissionResult:
    note = submission.note or "No notebook was submitted."
    result = zero(submission.name, rubric, Status(Kind.INVALID_NOTEBOOK), note)
    write_submission(result, folder)
    return result


@dataclass(frozen=True)
class Written:
    """What `write_outputs` wrote: class files, each student's one score, changes since
    Gradescope (when --previous was given) and the submissions whose own files could not be
    written."""

    files: list[Path]
    roster: Roster
    changes: list[Change] | None = None
    failed: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Batch:
    results: list[SubmissionResult]
    written: Written
    # Submissions whose notebook was chosen among several and scored 0: a TA checks the choice.
    doubtful_choices: list[str] = field(default_factory=list)


def grade_many(
    paths: list[Path], out: Path, assignment: Assignment, **settings: Any
) -> list[SubmissionResult]:
    """`run_batch`'s results: in the order the submissions were found."""
    return run_batch(paths, out, assignment, **settings).results


def run_batch(
    paths: list[Path],
    out: Path,
    assignment: Assignment,
    *,
    options: GradingOptions = BATCH_OPTIONS,
    jobs: int = 1,
    force: bool = False,
    lms_item: str | None = None,
    previous: Previous | None = None,
    progress: Callable[[str], None] = print,
) -> Batch:
    """Grade everything in `paths` (see `autograder.grade.sources`) for `assignment` into
    `out`, then write the class files (`lms_item`: the gradebook item's name, by default the
    assignment's). Raises `SourceError` on unreadable input and `NoSubmissions` when there is
    nothing to grade, both before anything is graded or written."""
    # The report's plotting libraries load while the workers grade, not after.
    threading.Thread(target=_load_report, daemon=True).start()
    # Removed without recursion: what students uploaded may nest folders thousands deep.
    workdir = tempfile.mkdtemp(prefix="autograder-sources-")
    try:
        with withheld([path.resolve() for path in paths]):
            submissions = collect(paths, Path(workdir), assignment)
            if not submissions:
                raise NoSubmissions("no .ipynb files found in " + ", ".join(map(str, paths)))
            # Students' records: covered in every kernel's view where the machine allows.
            setup = WorkerSetup(_source(assignment), options, hidden=covering([*paths, out, Path(workdir)]))
            results = _grade_all(
                submissions, out, assignment, setup, jobs=jobs, force=force, progress=progress
            )
            written = write_outputs(
                list(zip(submissions, results, strict=True)),
                out,
                assignment,
                lms_item=lms_item or assignment.gradebook_item or assignment.title,
                previous=previous,
            )
            doubtful = [
                s.name
                for s, r in zip(submissions, results, strict=True)
                if s.notebook is not None and s.note and r.score == 0
            ]
    finally:
        remove_tree(workdir)
    return Batch(results, written, doubtful)


def _grade_all(
    submissions: list[Submission],
    out: Path,
    assignment: Assignment,
    setup: WorkerSetup,
    *,
    jobs: int,
    force: bool,
    progress: Callable[[str], None],
) -> list[SubmissionResult]:
    out.mkdir(parents=True, exist_ok=True)
    keep_private([out])  # student records; and sandboxed kernels must not read other students' results
    results: dict[str, SubmissionResult] = {}
    todo = []
    stamps = {submission.name: _stamp(submission, assignment, setup.options) for submission in submissions}
    for submission in submissions:
        done = None if force else _reusable(out / submission.name, stamps[submission.name])
        if done is not None:
            results[submission.name] = done
        elif submission.notebook is None:
            results[submission.name] = _nothing_to_grade(submission, out / submission.name, assignment.rubric)
            _keep_stamp(out / submission.name, stamps[submission.name])
        else:
            todo.append(submission)
    kept = sum(1 for s in submissions if s.name in results and s.notebook is not None)
    if kept:
        progress(
            f"{kept} submission{'s' if kept != 1 else ''} already graded in {out} from the same notebook "
            "and options: kept (--force grades them again)"
        )

    if todo and not setup.options.faithful:
        setup = replace(setup, compile_seed=compile_seed(assignment, progress))
    # With two jobs or more, each submission's worker (and kernel) starts while the ones before
    # it are graded; `--jobs 1` keeps to one kernel at a time, for one core or little memory.
    workers = WarmWorkers(setup.argv(), len(todo), spares=0 if jobs <= 1 else jobs)

    def work(submission: Submission) -> tuple[SubmissionResult, float]:
        start = time.monotonic()
        assert submission.notebook is not None  # those without one are not in `todo`
        try:
            result = grade_one(
                submission.notebook, submission.name, out / submission.name, assignment, setup, workers
            )
        except Exception:  # e.g. its folder cannot be written: this submission only
            log.exception("grading %s failed", submission.name)
            result = zero(
                submission.name,
                assignment.rubric,
                Status(Kind.GRADER_ERROR, detail="its files could not be written"),
                GRADER_FAILED,
            )
        else:
            _keep_stamp(out / submission.name, stamps[submission.name])
        return result, time.monotonic() - start

    try:
        _run_all(todo, results, jobs, work, progress)
    finally:
        workers.close()
    return [results[s.name] for s in submissions]


def _run_all(
    todo: list[Submission],
    results: dict[str, SubmissionResult],
    jobs: int,
    work: Callable[[Submission], tuple[SubmissionResult, float]],
    progress: Callable[[str], None],
) -> None:
    # The bar only where someone watches (a terminal); logs and CI get one line per submission.
    with (
        tqdm(
            total=len(todo),
            unit="notebook",
            desc="grading",
            file=sys.stderr,
            dynamic_ncols=True,
            disable=not todo or not sys.stderr.isatty(),
        ) as bar,
        ThreadPoolExecutor(max_workers=max(1, jobs)) as pool,
    ):
        running = {pool.submit(work, submission): submission for submission in todo}
        for future in as_completed(running):
            name = running[future].name
            result, seconds = future.result()
            results[name] = result
            if bar.disable:
                progress(f"{name}: {result.score:g}/{result.possible:g} {result.status} ({seconds:.1f} s)")
            bar.update()


def _load_report() -> Any:
    from autograder.grade import report

    return report


def write_outputs(
    graded: list[tuple[Submission, SubmissionResult]],
    out: Path,
    assignment: Assignment,
    *,
    lms_item: str | None = None,
    previous: Previous | None = None,
) -> Written:
    """Everything in `out` besides each submission's results: the gradebook, the LMS import
    files, changes.csv (with `previous`), each student's feedback.md and the class report.
    A submission whose feedback cannot be written costs that file only; the class files are
    written in any case."""
    failed = []
    for submission, result in graded:
        try:
            write_feedback(submission, result, out / submission.name, assignment.title)
        except Exception:  # anything one submission holds must not stop the class files
            log.exception("feedback for %s could not be written", submission.name)
            failed.append(submission.name)
    roster = build_roster(graded)
    rows = [
        csv_row(result, submission.students, [s.label for s in roster.counted_elsewhere(submission.name)])
        for submission, result in graded
    ]
    write_gradebook(rows, out / "grades.csv", assignment.rubric)
    item = lms_item or assignment.gradebook_item or assignment.title
    files = [out / "grades.csv", *write_lms_files(roster, out, item, assignment.rubric.total)]
    found = None
    if previous is not None:
        found = changes(roster, previous)
        files.append(write_changes(found, out))
    else:  # one from an earlier run with --previous would no longer match the grades
        (out / CHANGES).unlink(missing_ok=True)
    for retired in RETIRED_FILES:
        (out / retired).unlink(missing_ok=True)
    files.append(
        _load_report().write_report(graded, out, assignment, changes=found, failed=failed, roster=roster)
    )
    return Written(files, roster, found, failed)
