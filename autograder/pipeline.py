"""One notebook to a `SubmissionResult`: read it, find its layout, run it (shortened unless
`faithful`), probe it, check every item. The plugin, `build`, the batch's worker, the Gradescope
start-up and the `grade` verb all grade through here."""

from __future__ import annotations

import logging
import random
import re
import secrets
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from autograder import checks
from autograder.assignment import Assignment, load
from autograder.checks.compare import verdict
from autograder.checks.observation import Plan
from autograder.compile_cache import CompileCache
from autograder.fast_path import shorten_for_grading, step_never_ends
from autograder.layout import Layout, read_layout
from autograder.notebook import (
    Capture,
    Cell,
    InvalidNotebook,
    Step,
    WrongAssignment,
    beyond_limits,
    cells_of,
    read_notebook,
)
from autograder.results import CheckResult, QuestionResult, SubmissionResult
from autograder.rubric import Question, Rubric
from autograder.runtime_flags import runtime_flags
from autograder.statements import bound_names
from autograder.status import OK, OUT_OF_MEMORY, SENT_TOO_MUCH, Kind, Status
from autograder.suspicious import suspicious_code
from autograder.trust import withhold

if TYPE_CHECKING:
    from autograder.execute import Execution

log = logging.getLogger(__name__)
CELL_TIMEOUT = 240.0
TIMEOUT = 900.0
# The fast path's limit for one cell: an honest cell with its timing loops shortened ends in
# seconds. A run interrupted at it is graded again faithfully (`grade_cells`), unless what was
# interrupted is a loop that never ends, where a faithful run stops too.
FAST_CELL_TIMEOUT = 45.0


@dataclass(frozen=True)
class GradingOptions:
    """How the batch grades each submission (the worker's command line carries them):
    `fast_cell_timeout` None runs without the fast path's shorter limit."""

    cell_timeout: float = CELL_TIMEOUT
    timeout: float = TIMEOUT
    faithful: bool = False
    fast_cell_timeout: float | None = FAST_CELL_TIMEOUT

    def to_argv(self) -> list[str]:
        return [
            "--cell-timeout",
            str(self.cell_timeout),
            "--timeout",
            str(self.timeout),
            *(["--faithful"] if self.faithful else []),
            *(
                ["--fast-cell-timeout", str(self.fast_cell_timeout)]
                if self.fast_cell_timeout is not None
                else []
            ),
        ]

    def settings(self) -> dict[str, Any]:
        """The options as `grade_cells` takes them."""
        return asdict(self)


# A batch's options unless the command line says otherwise.
BATCH_OPTIONS = GradingOptions()


def _unreached(question: Question, status: Status) -> QuestionResult:
    message = f"not graded ({status.kind.label}): see the message at the top."
    return QuestionResult(
        question.name, tuple(_not_graded(verdict(item, message)) for item in question.items)
    )


def _not_graded(check: CheckResult) -> CheckResult:
    return CheckResult(check.name, check.passed, check.points, check.message, check.detail, graded=False)


# What a student reads when their submission could not be graded at all (the grader failed,
# not their notebook); the cause goes where instructors read it.
GRADER_FAILED = (
    "This submission could not be graded automatically, so no points were given yet. "
    "Ask your instructor or TA to grade it again; you do not need to resubmit."
)


def zero(submission: str, rubric: Rubric, status: Status, message: str) -> SubmissionResult:
    """A submission that could not be run at all: every question present, nothing earned."""
    questions = tuple(_unreached(q, status) for q in rubric.questions)
    return SubmissionResult(submission, questions, status, (message,))


def grade_cells(
    submission: str,
    cells: list[Cell],
    assignment: Assignment,
    *,
    cell_timeout: float = CELL_TIMEOUT,
    timeout: float = TIMEOUT,
    faithful: bool = False,
    seed: int | None = None,
    memory_mb: int | None = None,
    fast_cell_timeout: float | None = None,
    compile_cache: CompileCache | None = None,
) -> SubmissionResult:
    """Grade a notebook's cells. `faithful` runs every step exactly as written (slower);
    by default the timing loops no check reads are shortened (see `autograder.fast_path`), and
    the kernel starts from `compile_cache` when given (see `autograder.compile_cache`).

    With `fast_cell_timeout`, the fast path interrupts a cell (or probe) at that shorter limit;
    when it did so, the notebook is graded again faithfully with `cell_timeout`, in what remains
    of `timeout`, and that grade (its status and messages too) is final: the fast limit never
    shows in a result. Only a cell that never ends (`while True: pass`, left over) costs no
    regrade: a faithful run stops there too, with the same grade and the same advice."""
    started = time.monotonic()
    golden = assignment.golden()
    rng = random.Random(secrets.randbits(64) if seed is None else seed)
    plans = {q: assignment.checks[q].plan(rng, golden) for q in assignment.rubric.names}
    try:
        layout = read_layout(cells, assignment.rubric)
        to_run = layout.steps if faithful else shorten_for_grading(layout)
        static_flags = suspicious_code(list(layout.cells))
    except Exception as error:  # whatever the code does to reading it costs this notebook only
        log.exception("reading the code of %s failed", submission)
        return _refused(submission, assignment, InvalidNotebook(f"its code {beyond_limits(error)}"))
    kernel_settings: dict[str, Any] = {"memory_mb": memory_mb} if memory_mb is not None else {}
    if not faithful:  # a faithful run is the student's notebook as they ran it, nothing added
        kernel_settings["compile_cache"] = compile_cache
    short = not faithful and fast_cell_timeout is not None and fast_cell_timeout < cell_timeout
    limit = fast_cell_timeout if short and fast_cell_timeout is not None else cell_timeout
    execution = run_in_kernel(
        to_run,
        list(layout.captures),
        plans,
        cell_timeout=limit,
        timeout=timeout,
        probes=assignment.probes.read_text(),
        **kernel_settings,
    )
    result = _grade(submission, assignment, layout, plans, execution, static_flags)
    if short and execution.limit_hit and not _cut_only_where_nothing_ends(to_run, execution):
        remaining = max(1.0, timeout - (time.monotonic() - started))
        return grade_cells(
            submission,
            cells,
            assignment,
            cell_timeout=cell_timeout,
            timeout=remaining,
            faithful=True,
            seed=seed,
            memory_mb=memory_mb,
        )
    return result


def run_in_kernel(
    steps: list[Step], captures: list[Capture], plans: dict[str, Plan], **settings: Any
) -> Execution:
    """Where the kernel's `Execution` enters grading: everything before it chooses what runs,
    everything after it grades what was observed. The tests' recorded corpora substitute this
    one function (tests/replay.py) to grade recorded observations without a kernel."""
    # Imported here: the batch process, which only orchestrates, never needs a kernel client.
    from autograder.execute import execute

    return execute(steps, captures, plans, **settings)


def _cut_only_where_nothing_ends(steps: list[Step], execution: Execution) -> bool:
    """Whether everything the limit interrupted is a step that never ends (a probe that ran
    past it, or a cell that may have ended later, could give a faithful run another grade)."""
    if any(_timed_out(observation) for observation in execution.observations.values()):
        return False
    cut = [index for index, error in execution.errors.items() if error.startswith("KeyboardInterrupt")]
    if execution.stopped is not None and execution.stopped.kind is Kind.CELL_STUCK:
        cut.append(execution.completed + 1)  # killed: no error was recorded for it
    return bool(cut) and all(index < len(steps) and step_never_ends(steps[index]) for index in cut)


def _timed_out(observation: dict[str, Any]) -> bool:
    error = observation.get("probe_error")
    return isinstance(error, dict) and error.get("type") == "Timeout"


def _outputs(question: Question, rubric: Rubric, layout: Layout, execution: Execution) -> tuple[str, ...]:
    """What the steps of the question's part of the notebook displayed (for a question with an
    item read from what it printed, with the region before it too, where a notebook without
    headings may print it; as the fast path keeps them), sections that are not questions
    included: a display is no rebinding."""
    number = question.number
    printing = any(item.name in rubric.printed for item in question.items)
    regions = (number - 1, number) if printing else (number,)
    return tuple(
        text for step, text in sorted(execution.outputs.items()) if layout.region(step).question in regions
    )


def _grade(
    submission: str,
    assignment: Assignment,
    layout: Layout,
    plans: dict[str, Plan],
    execution: Execution,
    static_flags: tuple[str, ...],
) -> SubmissionResult:
    golden = assignment.golden()
    questions = []
    for question in assignment.rubric.questions:
        name = question.name
        unreached = _versions_unreached(name, layout, execution)
        if unreached is None:
            questions.append(_unreached(question, execution.stopped or OK))
            continue
        observation = checks.Observation(
            name,
            values=_values(name, layout.captures, execution),
            captures=tuple(
                (c.tag, execution.observations.get(c, {})) for c in layout.captures if c.question == name
            ),
            outputs=_outputs(question, assignment.rubric, layout, execution),
        )
        checked = checks.grade_question(question, assignment.checks[name], observation, golden, plans[name])
        if unreached and execution.stopped is not None:
            # Items of a tagged version whose probes the stopped run never took.
            late = {check.name: check for check in _unreached(question, execution.stopped).checks}
            checked = tuple(late[c.name] if c.name.split("_")[0] in unreached else c for c in checked)
        questions.append(QuestionResult(name, checked))
    questions = withhold(questions, execution.findings, assignment.rubric)
    cut_short = execution.cut_short
    status = execution.stopped or (cut_short[0] if cut_short else OK)
    messages = tuple(
        [student_message(p, stopped=False) for p in cut_short]
        + ([student_message(execution.stopped, stopped=True)] if execution.stopped else [])
        + _revisit_notes(layout)
        + _timeit_notes(layout.bound_only_in_timeit())
        + _error_notes(assignment.rubric, layout, execution, questions)
    )
    flags = static_flags + runtime_flags(execution.findings)
    return SubmissionResult(submission, tuple(questions), status, messages, flags)


def _versions_unreached(question: str, layout: Layout, execution: Execution) -> set[str] | None:
    """Which of the question's tagged probes a run that stopped early never took: None when the
    question cannot be graded at all. Question 5's versions (`loop`, `shape`) are probed where
    they are bound, so a version probed before the stop is graded."""
    if execution.stopped is None or execution.completed >= layout.needs(question):
        return set()
    captures = layout.at_bindings(question)
    missed = {c.tag for c in captures if c.after > execution.completed}
    taken = {c.tag for c in captures if c.after <= execution.completed} - missed
    return missed if taken else None


def _values(question: str, captures: tuple[Capture, ...], execution: Execution) -> dict[str, Any]:
    found = [execution.observations.get(c) for c in captures if c.question == question and c.tag == "end"]
    last = found[-1] if found else None
    return last if last is not None else {}


def _error_notes(
    rubric: Rubric, layout: Layout, execution: Execution, questions: list[QuestionResult]
) -> list[str]:
    """For each question that lost points, the first of its cells that stopped with an error
    while defining its names (or that is not Python at all): the cause a student looks for."""
    notes = []
    for result in questions:
        question = rubric.question(result.name)
        # A question probed at each binding (versions tried one after another) has first
        # versions that fail by design: its checks explain its errors themselves.
        if result.score >= result.possible or question.each_binding is not None:
            continue
        names = question.binds | question.reads
        for step, error in sorted(execution.errors.items()):
            piece = layout.pieces[step]
            if piece.region.question != question.number or not piece.region.graded:
                continue
            if piece.statements and not bound_names(list(piece.statements)) & names:
                continue
            lines = [line.strip() for line in layout.cells[piece.step.cell].source.splitlines()]
            first = next((line for line in lines if line and not line.startswith(("%%", "#"))), "")[:60]
            # IPython names a cell's code after a temporary file: "(3924.py, line 4)" is "(line 4)".
            error = re.sub(r"\(\d+\.py, (line \d+)\)", r"(\1)", error)
            notes.append(
                # Jupyter shows no cell numbers: the cell is named by its first line of code.
                f"Question {question.number}: the cell that starts `{first.replace('`', '')}` stopped with "
                f"{error}: anything that cell defines after the line that failed was not defined when "
                "your answer was graded."
            )
            break
    return notes


def _revisit_notes(layout: Layout) -> list[str]:
    """Which section was graded for a question the student answered again further on."""
    return [
        f'Question {revisit.question} was graded on your answer under "{revisit.title}" (cell '
        f"{revisit.cell + 1}), which replaces your earlier answer to it."
        for revisit in layout.revisits
    ]


def _timeit_notes(names: tuple[str, ...]) -> list[str]:
    if not names:
        return []
    listed = ", ".join(f"`{name}`" for name in names)
    return [
        f"{listed} {'is' if len(names) == 1 else 'are'} defined only in `%%timeit` cells. IPython runs "
        "such a cell as a function of its own, so nothing it defines is kept for the rest of your "
        "notebook (or for grading). Time those cells with `%%time`, which keeps what they define."
    ]


def student_message(status: Status, *, stopped: bool) -> str:
    """What the student reads about a cell cut short or a run that stopped."""
    where = status.where()
    if status.timed_out and not stopped:
        return (
            f"Your notebook was interrupted: {where}. The rest of it still ran and was graded; "
            "look for an infinite loop or a very long computation there."
        )
    if status.timed_out:
        return (
            f"Your notebook was stopped: {where}. Questions completed before that point were graded; "
            "later ones got no points. Look for an infinite loop."
        )
    if status.kind is Kind.OUTPUT_TOO_LARGE:
        return (
            f"Your notebook printed more than the grader can read ({where}): that cell's output was "
            "cut off. The rest of your notebook still ran and was graded."
        )
    if status.kind is Kind.KERNEL_DIED and status.detail == OUT_OF_MEMORY:
        return (
            f"Your notebook ran out of memory (cell {status.cell}): its Python process, with everything "
            "it kept in memory, shared memory and temporary files, went past the grader's limit and was "
            "stopped. Questions completed before it were graded; later ones got no points. Look for a "
            "very large array or a list that keeps growing."
        )
    if status.kind is Kind.KERNEL_DIED and status.detail == SENT_TOO_MUCH:
        return (
            f"Your notebook was stopped (cell {status.cell}): it sent the grader more data at once than "
            "it can hold (for example huge messages or outputs sent from threads). Questions completed "
            "before it were graded; later ones got no points."
        )
    if status.kind is Kind.KERNEL_DIED:
        return (
            f"Python crashed while running your notebook ({where}), for example by running out of memory "
            "or calling os._exit. Questions completed before it were graded; later ones got no points."
        )
    return f"Grading did not finish: {status}."


def grade_notebook(
    path: str | Path, assignment: Assignment | str | Path, *, name: str | None = None, **options: Any
) -> SubmissionResult:
    """Grade one .ipynb file for `assignment` (an `Assignment`, or its name or folder); never
    raises because of what the file contains. `name` (default: the file name without .ipynb) is
    what results call the submission."""
    assignment = assignment if isinstance(assignment, Assignment) else load(assignment)
    path = Path(path)
    name = name or path.stem
    try:
        cells = read_notebook(path, assignment.name, title=assignment.title)
    except InvalidNotebook as error:
        return _refused(name, assignment, error)
    return grade_cells(name, cells, assignment, **options)


def _refused(name: str, assignment: Assignment, error: InvalidNotebook) -> SubmissionResult:
    kind = Kind.WRONG_ASSIGNMENT if isinstance(error, WrongAssignment) else Kind.INVALID_NOTEBOOK
    return zero(name, assignment.rubric, Status(kind), f"This file could not be graded: {error}")


def grade_parsed(submission: str, data: Any, assignment: Assignment, **options: Any) -> SubmissionResult:
    """Grade an already parsed notebook (the otter plugin receives one)."""
    try:
        cells = cells_of(data, assignment.name, title=assignment.title)
    except InvalidNotebook as error:
        return _refused(submission, assignment, error)
    return grade_cells(submission, cells, assignment, **options)
