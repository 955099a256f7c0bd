"""Running a notebook's steps one by one in its kernel, each within its time limit.

Cells that raise are normal (students hand in errors); a cell that runs past its time limit is
interrupted and the notebook goes on; a kernel that ignores the interrupt is killed by a
watchdog RECOVERY_TIMEOUT later, and a kernel that dies ends the run (nbclient's
DeadKernelError, which `execute` turns into a status). What each step printed is kept as text,
with the error it stopped with; a cell whose output was not read whole is marked too large.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import nbformat
from nbformat import NotebookNode

from autograder.kernel_session import KernelSession
from autograder.notebook import Capture, Step
from autograder.probe_protocol import Finding
from autograder.status import Kind, Status

MAX_OUTPUT_CHARS = 20_000  # of each cell's text kept for grading and feedback
MAX_ERROR_CHARS = 200  # of the error a step stopped with, as the feedback quotes it
TOO_LARGE = "[output too large: the rest of this cell's output was dropped]"
RECOVERY_TIMEOUT = 15  # after an interrupt, how long the kernel gets before it is killed


@dataclass
class Execution:
    """What running the notebook gave: text outputs by step, probe observations by capture,
    the last step that completed, and why it stopped early (if it did)."""

    outputs: dict[int, str] = field(default_factory=dict)
    observations: dict[Capture, dict[str, Any]] = field(default_factory=dict)
    completed: int = -1
    stopped: Status | None = None  # a dead kernel, say: no later cell ran
    cut_short: list[Status] = field(default_factory=list)  # cells interrupted or truncated, in order
    # A cell or probe was interrupted at the per-cell limit (or killed after it): the fast
    # path's short limit may have cost points (see `pipeline.grade_cells`).
    limit_hit: bool = False
    # Hooks into the kernel found after the run, a report channel that carried more than the
    # probe's reports, reports contradicted from outside (probe_protocol.Finding): for TAs,
    # and `pipeline` withholds the points that rest on what they put in doubt.
    findings: tuple[Finding, ...] = ()
    # The error a step stopped with ("NameError: name 'jnp' is not defined"), by step.
    errors: dict[int, str] = field(default_factory=dict)

    def stop(self, reason: Status) -> None:
        """Record why the run stopped early; the first reason stands."""
        if self.stopped is None:
            self.stopped = reason


@dataclass
class Limits:
    """A run's time limits: each cell's, and the whole notebook's (`timeout` seconds, which
    end at `deadline` on the monotonic clock)."""

    cell_timeout: float
    timeout: float
    deadline: float

    def remaining(self) -> float:
        return self.deadline - time.monotonic()


def text_of(outputs: list[NotebookNode]) -> str:
    parts = []
    for output in outputs:
        kind = output.get("output_type")
        if kind == "stream":
            parts.append(output.get("text", ""))
        elif kind in ("execute_result", "display_data"):
            # `display(Markdown(...))` shows its markdown; its plain text is only the object's repr.
            data = output.get("data", {})
            parts.append(data.get("text/markdown") or data.get("text/plain", ""))
        elif kind == "error":
            parts.append(f"{output.get('ename')}: {output.get('evalue')}")
    return "\n".join(parts)[:MAX_OUTPUT_CHARS]


class StepRunner:
    """Runs the steps of one notebook in `session`'s kernel, into `execution`."""

    def __init__(self, session: KernelSession, execution: Execution, limits: Limits):
        self.session = session
        self.execution = execution
        self.limits = limits
        self.current = -1  # the notebook cell running now, for messages

    def run_cell(self, source: str, *, limit: float, history: bool = True) -> tuple[list[NotebookNode], bool]:
        """Run `source`; (its outputs, whether it ran past `limit` and was interrupted).

        nbclient interrupts a cell at `limit`; a kernel that ignores the interrupt is killed
        by the watchdog a little later, which ends the run (DeadKernelError)."""
        if not source.strip():
            return [], False
        client = self.session.client
        cell = nbformat.v4.new_code_cell(source)  # type: ignore[no-untyped-call]  # nbformat is unannotated
        client.nb.cells.append(cell)
        granted = max(1, math.ceil(limit))  # nbclient takes whole seconds
        client.timeout = granted
        watchdog = threading.Timer(granted + RECOVERY_TIMEOUT, self.session.kill_stuck)
        watchdog.start()
        start = time.monotonic()
        try:
            client.execute_cell(cell, len(client.nb.cells) - 1, store_history=history)
        finally:
            watchdog.cancel()
        interrupted = any(o.get("ename") == "KeyboardInterrupt" for o in cell.outputs)
        # A student's own `raise KeyboardInterrupt` returns early; nbclient's comes at `granted`.
        return cell.outputs, interrupted and time.monotonic() - start >= granted

    def run(self, steps: list[Step], after_each: Callable[[int], None]) -> None:
        """Run `steps` in order, calling `after_each` with each completed step's index, until
        the last or until the notebook's time runs out."""
        limits, execution = self.limits, self.execution
        for step in steps:
            remaining = limits.remaining()
            if remaining <= 0:
                execution.stop(Status(Kind.TIMEOUT, seconds=limits.timeout))
                return
            self.current = step.cell
            limit = min(limits.cell_timeout, remaining)
            outputs, timed_out = self.run_cell(step.source, limit=limit)
            text = text_of(outputs)
            error = next((o for o in outputs if o.get("output_type") == "error"), None)
            if error is not None:
                stopped_with = f"{error.get('ename')}: {error.get('evalue')}"
                execution.errors[step.index] = stopped_with[:MAX_ERROR_CHARS]
            if self.session.sizes.dropped():
                text = (text + "\n" if text else "") + TOO_LARGE
                execution.cut_short.append(Status(Kind.OUTPUT_TOO_LARGE, step.cell + 1))
            if timed_out and limit < limits.cell_timeout:  # the notebook's budget ran out, not the cell's
                execution.outputs[step.index] = text
                execution.stop(Status(Kind.TIMEOUT, step.cell + 1, limits.timeout))
                return
            if timed_out:
                execution.limit_hit = True
                execution.cut_short.append(Status(Kind.CELL_TIMEOUT, step.cell + 1, limit))
            execution.outputs[step.index] = text
            execution.completed = step.index
            after_each(step.index)
