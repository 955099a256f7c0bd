"""Running a submission step by step in a fresh kernel, probing it at each checkpoint.

`execute` puts the parts together: a sandboxed kernel of its own within its limits
(`kernel_session`), the notebook's steps run in it one by one, each within its time limit
(`step_runner`), and the kernel-side probe (`autograder/probe/` with the assignment's probes)
installed before any student code and asked at each
checkpoint (`probe_channel`, which reads its reports on `report_channel`). The kernel only
produces values; what it gives is an `Execution`. A kernel that dies ends the run, with a
status that says why: stuck past an interrupt, too much sent, out of memory, or none known.

A batch's worker may start its kernel before it knows its submission (`prestart`): nothing is
imported in it, and the next `execute` in that process takes it; it is never used twice.
"""

from __future__ import annotations

import time
from typing import Any

from nbclient.exceptions import DeadKernelError

from autograder import sandbox
from autograder.compile_cache import CompileCache
from autograder.kernel_session import MEMORY_LIMIT_MB, KernelSession
from autograder.notebook import Capture, Step
from autograder.probe_channel import ProbeChannel
from autograder.status import OUT_OF_MEMORY, SENT_TOO_MUCH, Kind, Status
from autograder.step_runner import Execution, Limits, StepRunner

__all__ = ["MEMORY_LIMIT_MB", "Execution", "discard_prestarted", "execute", "prestart"]

# A kernel started ahead of time for this process's next `execute` (see `prestart`).
_warm: KernelSession | None = None


def prestart(memory_mb: int = MEMORY_LIMIT_MB, compile_cache: CompileCache | None = None) -> bool:
    """Start the kernel the next `execute` with the same settings will run in, so that
    its start-up overlaps other work. Nothing is imported in it (a student's settings read at
    import, such as JAX_ENABLE_X64, take effect as in a kernel started later); it is used once
    and only by this process. False when the kernel could not be started (`execute` then
    starts one itself)."""
    global _warm
    discard_prestarted()
    session = KernelSession(memory_mb=memory_mb, compile_cache=compile_cache)
    try:
        session.start()
    except Exception:  # any failure here is met again, and reported, by `execute`'s own start
        session.close()
        return False
    _warm = session
    return True


def discard_prestarted() -> None:
    """Shut down a kernel `prestart` started that no `execute` took."""
    global _warm
    session, _warm = _warm, None
    if session is not None:
        session.close()


def execute(
    steps: list[Step],
    captures: list[Capture],
    plans: dict[str, dict[str, Any]],
    *,
    cell_timeout: float,
    timeout: float,
    memory_mb: int = MEMORY_LIMIT_MB,
    compile_cache: CompileCache | None = None,
    probes: str = "",
) -> Execution:
    """Run `steps` in a kernel of their own, asking the probe for each capture with its plan
    (`plans` maps a question to its probe inputs). `probes`: the assignment's kernel-side probe
    source (its `Assignment.probes` file's text, see `autograder.probe`); without it only the
    engine's own look at the kernel is installed, and a question asked gets a probe error."""
    global _warm
    warm, _warm = _warm, None  # single use: a second `execute` (a faithful regrade) starts its own
    if warm is not None and (warm.memory_mb, warm.compile_cache) == (memory_mb, compile_cache):
        session = warm
    else:
        if warm is not None:
            warm.close()
        session = KernelSession(memory_mb=memory_mb, compile_cache=compile_cache)
    # A kernel started here counts against `timeout`; a prestarted one's start-up does not.
    limits = Limits(cell_timeout, timeout, deadline=time.monotonic() + timeout)
    return _run(session, list(steps), captures, plans, limits, probes)


def _run(
    session: KernelSession,
    steps: list[Step],
    captures: list[Capture],
    plans: dict[str, dict[str, Any]],
    limits: Limits,
    probes: str,
) -> Execution:
    """Start `session` if it is not yet, install the probe, run the steps with the probe asked
    at each checkpoint, inspect the kernel, and shut it down whatever happened."""
    execution = Execution()
    cells = StepRunner(session, execution, limits)
    probe = ProbeChannel(session, execution, captures, plans, limits)
    try:
        if not session.started:
            session.start()
        probe.install(probes, cells)
        probe.ask_at(-1)
        cells.run(steps, after_each=probe.ask_at)
        probe.inspect()
    except DeadKernelError:
        execution.stop(_death(session, cells.current + 1, execution))
    except Exception as error:  # the kernel would not start, or the client broke
        execution.stop(Status(Kind.GRADER_ERROR, detail=f"{type(error).__name__}: {error}"[:185]))
    finally:
        probe.look_at_channel()
        session.close()
    return execution


def _death(session: KernelSession, cell: int, execution: Execution) -> Status:
    """Why the kernel died while `cell` ran (0: before the first cell)."""
    if session.stuck:
        execution.limit_hit = True
        return Status(Kind.CELL_STUCK, cell)
    if session.guard is not None and session.guard.tripped:
        return Status(Kind.KERNEL_DIED, cell, detail=SENT_TOO_MUCH)
    if session.uid is not None and sandbox.ran_out_of_memory(session.uid):
        return Status(Kind.KERNEL_DIED, cell, detail=OUT_OF_MEMORY)
    return Status(Kind.KERNEL_DIED, cell)
