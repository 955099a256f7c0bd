"""The grader's side of the probe: installing it in the kernel, asking it, reading its reports.

Before any student code runs, one execute installs the kernel-side probe (its source, sent as
text) as a comm target under a name chosen now; at each checkpoint the grader opens a comm to
it with the request, and the observation comes back, framed with the request's nonce, on a
pipe the kernel inherited at launch (`report_channel.py`, `probe_protocol.py`). No request ever
sits in cell source, and nothing the student does to streams, `print`, IPython's cell hooks,
`json` or the comm layer reaches the report; code that reaches into the kernel's internals is
reported by a last request (`inspect`), by what the channel carried (`look_at_channel`), and by
what the grader sees of the kernel from outside (`outside.py`): all of it in
`Execution.findings`.
Seen with ipykernel 7 (tests/test_execute.py): the comm handler runs on the kernel's main
thread from the shell handler, without `run_cell`, so no IPython event or input transformer
fires; an interrupt raises KeyboardInterrupt inside the handler, which reports a timeout and
leaves the kernel usable. A probe that runs past its time limit is interrupted; one that does
not answer RECOVERY_TIMEOUT after that is killed, which ends the run.
"""

from __future__ import annotations

import contextlib
import queue
import secrets
import time
from typing import Any

from jupyter_core.utils import run_sync
from nbclient.exceptions import DeadKernelError

from autograder import outside, probe_protocol
from autograder.kernel_session import STARTUP_TIMEOUT, KernelSession
from autograder.notebook import Capture
from autograder.probe import install_cell
from autograder.probe_protocol import Finding, Request
from autograder.report_channel import Unreadable
from autograder.step_runner import RECOVERY_TIMEOUT, Execution, Limits, StepRunner

INSPECT_TIMEOUT = 10  # for the request after the run that lists the kernel's hooks
REPORT_POLL = 0.1  # how often, waiting for a report, the kernel's other messages are read


class ProbeChannel:
    """The probe of one run in `session`'s kernel. `plans` maps a question to its probe inputs;
    what the probe observes, and what is found wrong, goes into `execution`."""

    def __init__(
        self,
        session: KernelSession,
        execution: Execution,
        captures: list[Capture],
        plans: dict[str, dict[str, Any]],
        limits: Limits,
    ):
        self.session = session
        self.execution = execution
        self.captures = captures
        self.plans = plans
        self.limits = limits
        self.target = "autograder-" + secrets.token_hex(16)  # the probe's comm target
        self.installed = False

    def install(self, probes: str, cells: StepRunner) -> None:
        """Install the engine's probe with the assignment's `probes` in the kernel, as the run's
        first execute (by `cells`)."""
        channel = self.session.channel
        assert channel is not None  # made by `KernelSession.start`
        outputs, _ = cells.run_cell(
            install_cell(self.target, channel.child_fd, probes), limit=STARTUP_TIMEOUT, history=False
        )
        error = next((o for o in outputs if o.get("output_type") == "error"), None)
        if error is not None:
            found = f"{error.get('ename')}: {error.get('evalue')}"
            raise RuntimeError(f"the probe could not be installed: {found}")
        self.installed = True

    def ask_at(self, after: int) -> None:
        """Ask the probe for each capture made after step `after` (-1: before the first)."""
        for capture in (c for c in self.captures if c.after == after):
            limit = min(self.limits.cell_timeout, self.limits.remaining())
            if limit <= 0:
                return
            request = Request(capture.question, self.plans[capture.question], secrets.token_hex(16))
            pid = self.session.pid()
            busy_before = outside.busy_seconds(pid) if pid is not None else None
            observed = self._ask(request, limit)
            busy_after = outside.busy_seconds(pid) if pid is not None else None
            self.execution.observations[capture] = observed
            contradiction = outside.contradicted_timing(capture.question, observed, busy_before, busy_after)
            if contradiction is not None:
                self.execution.findings += (contradiction,)

    def inspect(self) -> None:
        """After the run: the hooks student code left in the kernel. A kernel that dies when
        asked gives no report, which is itself a finding."""
        if not self.installed:
            return
        observed = probe_protocol.probe_error("NoReport", "the kernel gave no report when inspected")
        try:
            observed = self._ask(Request(probe_protocol.TAMPER, {}, secrets.token_hex(16)), INSPECT_TIMEOUT)
        finally:
            self.execution.findings += probe_protocol.decode_findings(observed)

    def look_at_channel(self) -> None:
        """What the report pipe carried beside the probe's reports, as `channel` findings."""
        channel = self.session.channel
        if channel is None or not self.installed:
            return
        with contextlib.suppress(OSError):
            channel.drain()
            channel.check(self.session.pid())
            channel.check_copies(self.session.pid())
        self.execution.findings += tuple(Finding("channel", what) for what in channel.findings)

    def _ask(self, request: Request, limit: float) -> dict[str, Any]:
        observed: dict[str, Any] = run_sync(self._ask_async)(request, limit)
        return observed

    async def _ask_async(self, request: Request, limit: float) -> dict[str, Any]:
        """Send `request` on a new comm to the probe's target; its report, from the report
        pipe, decoded. Past `limit` the kernel is interrupted (the probe reports it), unless
        its report is arriving; a kernel that does not answer RECOVERY_TIMEOUT after that is
        killed. The kernel's iopub messages meanwhile (a student's prints) are read and dropped."""
        session = self.session
        kc = session.kernel_client
        manager: Any = session.manager  # its async methods are typed as run_sync's wrappers
        channel = session.channel
        assert channel is not None  # made by `KernelSession.start`
        channel.drain()
        channel.check(session.pid())
        message = kc.session.msg(
            "comm_open",
            {"comm_id": secrets.token_hex(16), "target_name": self.target, "data": request.to_wire()},
        )
        session.budget.expected.add(message["header"]["msg_id"])  # its reply is read whatever its size
        kc.shell_channel.send(message)
        deadline = time.monotonic() + limit
        interrupted = finishing = False
        while True:
            wait = min(REPORT_POLL, deadline - time.monotonic())
            if wait <= 0 and channel.partial and not finishing:
                # The report is being written: it gets one more while to finish (once: a half
                # frame the student wrote must not hold the grader forever).
                finishing, deadline = True, time.monotonic() + RECOVERY_TIMEOUT
                continue
            if wait <= 0:
                if interrupted:
                    session.kill_stuck()
                    raise DeadKernelError("the probe could not be interrupted")
                await manager.interrupt_kernel()
                interrupted, deadline = True, time.monotonic() + RECOVERY_TIMEOUT
                continue
            report = channel.receive(request.nonce, wait)
            if isinstance(report, str):
                if interrupted:
                    self.execution.limit_hit = True
                    return probe_protocol.probe_error(
                        "Timeout", f"calling your functions took more than {limit:g} s."
                    )
                return probe_protocol.decode(request.question, report)
            await self._drop_iopub()
            if isinstance(report, Unreadable):
                if not await manager.is_alive():
                    raise DeadKernelError("the kernel died during a probe") from None
                return probe_protocol.probe_error(
                    "UnreadableReply", f"the grader could not read the report: {report.why}."
                )
            if session.sizes.refused():  # zmq refused a message too large: the kernel may be in a bad way
                channel.abandon(request.nonce)
                return probe_protocol.probe_error(
                    "OutputTooLarge", "calling your functions printed too much."
                )
            if report is None and not await manager.is_alive():
                raise DeadKernelError("the kernel died during a probe") from None

    async def _drop_iopub(self) -> None:
        """Read and drop what the kernel published (nothing of a probe's report is there)."""
        kc = self.session.kernel_client
        for _ in range(1000):
            try:
                await kc.get_iopub_msg(timeout=0)
            except queue.Empty:
                return
