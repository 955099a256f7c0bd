"""The `grade` verb: one notebook to a `SubmissionResult`; batches in `autograder.grade.batch`."""

from __future__ import annotations

import random
import secrets
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from autograder import checks, rubric
from autograder.accelerate import accelerate
from autograder.checks.compare import verdict
from autograder.flags import flags
from autograder.golden import load
from autograder.layout import Layout, read_layout
from autograder.notebook import Capture, Cell, InvalidNotebook, WrongAssignment, cells_of, read_notebook
from autograder.results import CheckResult, QuestionResult, SubmissionResult
from autograder.runtime_flags import runtime_flags

if TYPE_CHECKING:
    from autograder.execute import Execution

CELL_TIMEOUT = 240.0
TIMEOUT = 900.0
# The fast path's limit for one cell: an honest cell with its timing loops shortened ends in
# seconds. A run interrupted at it is graded again faithfully when it lost points (`grade_cells`).
FAST_CELL_TIMEOUT = 45.0


NOT_GRADED = "not graded"


def _unreached(question: str, status: str) -> QuestionResult:
    message = f"{NOT_GRADED} ({status.split(' (')[0]}): see the message at the top."
    return QuestionResult(question, tuple(verdict(i, message) for i in rubric.items(question)))


def was_graded(check: CheckResult) -> bool:
    """False for a check the notebook never reached (it says nothing about the question)."""
    return f": {NOT_GRADED} (" not in check.message


def zero(submission: str, status: str, message: str) -> SubmissionResult:
    """A submission that could not be run at all: every question present, nothing earned."""
    questions = tuple(_unreached(q, status) for q in rubric.QUESTIONS)
    return SubmissionResult(submission, questions, status, (message,))


def grade_cells(submission: str, cells: list[Cell], *, cell_timeout: float = CELL_TIMEOUT,
                timeout: float = TIMEOUT, faithful: bool = False, seed: int | None = None,
                memory_mb: int | None = None, fast_cell_timeout: float | None = None) -> SubmissionResult:
    """Grade a notebook's cells. `faithful` runs every step exactly as written (slower);
    by default the timing loops no check reads are shortened (see `autograder.accelerate`).

    With `fast_cell_timeout`, the fast path interrupts a cell (or probe) at that shorter limit;
    when it did so and the grade lost points, the notebook is graded again faithfully with
    `cell_timeout`, in what remains of `timeout`, and that grade is final. An interrupted cell
    whose names nothing graded needs (a student's leftover infinite loop) costs no regrade."""
    # Imported here: the batch process, which only orchestrates, never needs a kernel client.
    from autograder.execute import execute

    started = time.monotonic()
    golden = load()
    rng = random.Random(secrets.randbits(64) if seed is None else seed)
    plans = {q: module.plan(rng, golden) for q, module in checks.QUESTIONS.items()}
    layout = read_layout(cells)
    to_run = layout.steps if faithful else accelerate(layout)
    limits = {"memory_mb": memory_mb} if memory_mb is not None else {}
    short = not faithful and fast_cell_timeout is not None and fast_cell_timeout < cell_timeout
    limit = fast_cell_timeout if short and fast_cell_timeout is not None else cell_timeout
    execution = execute(to_run, list(layout.captures), plans, cell_timeout=limit, timeout=timeout, **limits)
    result = _grade(submission, layout, plans, execution)
    if short and execution.limit_hit and result.score < result.possible:
        remaining = max(1.0, timeout - (time.monotonic() - started))
        return grade_cells(submission, cells, cell_timeout=cell_timeout, timeout=remaining, faithful=True,
                           seed=seed, memory_mb=memory_mb)
    return result


def _outputs(question: str, layout: Layout, execution: Execution) -> tuple[str, ...]:
    """What the steps of the question's part of the notebook displayed (for Question 1, with what
    came before it), sections that are not questions included: a display is no rebinding."""
    number = rubric.question(question).number
    return tuple(text for step, text in sorted(execution.outputs.items())
                 if layout.region(step).question in ((0, 1) if number == 1 else (number,)))


def _grade(submission: str, layout: Layout, plans: dict[str, dict[str, Any]],
           execution: Execution) -> SubmissionResult:
    golden = load()
    questions = []
    for question, module in checks.QUESTIONS.items():
        if execution.stopped is not None and execution.completed < layout.checkpoints[question]:
            questions.append(_unreached(question, execution.stopped))
            continue
        observation = checks.Observation(
            question,
            values=_values(question, layout.captures, execution),
            captures=tuple((c.tag, execution.observations.get(c, {}))
                           for c in layout.captures if c.question == question),
            outputs=_outputs(question, layout, execution),
        )
        questions.append(QuestionResult(question, tuple(module.grade(observation, golden, plans[question]))))
    status = execution.stopped or (execution.problems[0] if execution.problems else "ok")
    messages = tuple(
        [_student_message(p, stopped=False) for p in execution.problems]
        + ([_student_message(execution.stopped, stopped=True)] if execution.stopped else [])
    )
    return SubmissionResult(submission, tuple(questions), status, messages,
                            flags(list(layout.cells)) + runtime_flags(execution.findings))


def _values(question: str, captures: tuple[Capture, ...], execution: Execution) -> dict[str, Any]:
    found = [execution.observations.get(c) for c in captures if c.question == question and c.tag == "end"]
    return found[-1] if found and found[-1] is not None else {}


def _student_message(problem: str, *, stopped: bool) -> str:
    where = problem.split(" (", 1)[-1].rstrip(")") if " (" in problem else problem
    if problem.startswith("timeout") and not stopped:
        return (f"Your notebook was interrupted: {where}. The rest of it still ran and was graded; "
                "look for an infinite loop or a very long computation there.")
    if problem.startswith("timeout"):
        return (f"Your notebook was stopped: {where}. Questions completed before that point were graded; "
                "later ones got no points. Look for an infinite loop.")
    if problem.startswith("output-too-large"):
        return (f"Your notebook printed more than the grader can read ({where}): that cell's output was "
                "cut off. The rest of your notebook still ran and was graded.")
    if problem.startswith("kernel-died"):
        return (f"Python crashed while running your notebook ({where}), for example by running out of memory "
                "or calling os._exit. Questions completed before it were graded; later ones got no points.")
    return f"Grading did not finish: {problem}."


def grade_notebook(path: str | Path, *, name: str | None = None, **options: Any) -> SubmissionResult:
    """Grade one .ipynb file; never raises because of what the file contains.
    `name` (default: the file name without .ipynb) is what results call the submission."""
    path = Path(path)
    name = name or path.stem
    try:
        cells = read_notebook(path)
    except InvalidNotebook as error:
        return _refused(name, error)
    return grade_cells(name, cells, **options)


def _refused(name: str, error: InvalidNotebook) -> SubmissionResult:
    status = "wrong-assignment" if isinstance(error, WrongAssignment) else "invalid-notebook"
    return zero(name, status, f"This file could not be graded: {error}")


def grade_json(submission: str, data: Any, **options: Any) -> SubmissionResult:
    """Grade an already parsed notebook (the otter plugin receives one)."""
    try:
        cells = cells_of(data)
    except InvalidNotebook as error:
        return _refused(submission, error)
    return grade_cells(submission, cells, **options)
