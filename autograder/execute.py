"""Running a submission step by step in a fresh kernel, probing it at each checkpoint.

The kernel only produces values. Before any student code runs, one execute installs the
kernel-side probe (`autograder/probe/`, sent as text with the assignment's probes) as a comm
target under a name chosen now;
at each checkpoint the grader opens a comm to it with the request, and the observation comes
back, framed with the request's nonce, on a pipe the kernel inherited at launch
(`report_channel.py`, `probe_protocol.py`). No request ever sits in cell source, and nothing
the student does to streams, `print`, IPython's cell hooks, `json` or the comm layer reaches
the report; code that reaches into the kernel's internals is reported by a last request, by
what the channel carried, and by what the grader sees of the kernel from outside
(`outside.py`): all of it in `Execution.findings`.
Seen with ipykernel 7 (tests/test_execute.py): the comm handler runs on the kernel's main
thread from the shell handler, without `run_cell`, so no IPython event or input transformer
fires; an interrupt raises KeyboardInterrupt inside the handler, which reports a timeout and
leaves the kernel usable.

Cells that raise are normal (students hand in errors); a cell or probe that runs past its
time limit is interrupted and the notebook goes on; a kernel that dies ends the run. Every
message from the kernel is capped in size before it is received (`MAX_MESSAGE_BYTES`), so a
student's output cannot exhaust the grading process.

A batch's worker may start its kernel before it knows its submission (`prestart`): nothing is
imported in it, and the next `execute` in that process takes it; it is never used twice.
"""

from __future__ import annotations

import contextlib
import functools
import logging
import math
import os
import queue
import secrets
import signal
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import nbformat
import zmq
import zmq.asyncio
from jupyter_client.manager import AsyncKernelManager
from jupyter_core.utils import run_sync
from nbclient import NotebookClient
from nbclient.exceptions import DeadKernelError
from nbformat import NotebookNode
from zmq.utils.monitor import parse_monitor_message

from autograder import outside, probe_protocol, receive, sandbox
from autograder.compile_cache import CompileCache, cache_environment, copy_entries, private_folder
from autograder.notebook import Capture, Step
from autograder.probe import install_cell
from autograder.probe_protocol import Finding, Request
from autograder.receive import Budget, MemoryGuard
from autograder.removal import remove_tree
from autograder.report_channel import ReportChannel, Unreadable
from autograder.status import OUT_OF_MEMORY, SENT_TOO_MUCH, Kind, Status

log = logging.getLogger(__name__)
MAX_OUTPUT_CHARS = 20_000  # of each cell's text kept for grading and feedback
MAX_ERROR_CHARS = 200  # of the error a step stopped with, as the feedback quotes it
MAX_RECEIVED_CHARS = 1_000_000  # of each cell's output held in memory at all
# Of any one message from the kernel: zmq drops a larger one (and the connection) unread.
MAX_MESSAGE_BYTES = 16 * 2**20
TOO_LARGE = "[output too large: the rest of this cell's output was dropped]"
MEMORY_LIMIT_MB = 2048  # the kernel's data segment: a huge allocation fails inside the kernel
MAX_FILE_MB = 64  # largest file the kernel may write
STARTUP_TIMEOUT = 120
RECOVERY_TIMEOUT = 15  # after an interrupt, how long the kernel gets before it is killed
INSPECT_TIMEOUT = 10  # for the request after the run that lists the kernel's hooks
REPORT_POLL = 0.1  # how often, waiting for a report, the kernel's other messages are read


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


class CappedClient(NotebookClient):
    """A client that holds at most MAX_RECEIVED_CHARS of a cell's output, so that a cell
    printing in a loop cannot exhaust the grading process (each message is already capped
    at MAX_MESSAGE_BYTES by the socket)."""

    def output(
        self, outs: list[NotebookNode], msg: dict[str, Any], display_id: str | None, cell_index: int
    ) -> NotebookNode | None:
        content = msg.get("content", {})
        size = len(str(content.get("text", ""))) + len(str(content.get("data", "")))
        received = getattr(self, "_received", {})
        self._received = received
        received[cell_index] = received.get(cell_index, 0) + size
        if received[cell_index] > MAX_RECEIVED_CHARS:
            return None
        return super().output(outs, msg, display_id, cell_index)


class KernelManager(AsyncKernelManager):
    """Hands the connection file to the kernel's own user (when it has one), and gives the
    client sockets that refuse oversized messages and channels that read within `budget`."""

    owner: int | None = None
    client_context: zmq.asyncio.Context | None = None
    budget: Budget | None = None

    def write_connection_file(self, **kwargs: Any) -> None:
        super().write_connection_file(**kwargs)
        if self.owner is not None:
            os.chown(self.connection_file, self.owner, self.owner)

    def client(self, **kwargs: Any) -> Any:
        if self.client_context is not None:
            kwargs.setdefault("context", self.client_context)
        client = super().client(**kwargs)
        if self.budget is not None:
            client.shell_channel_class = client.iopub_channel_class = receive.channel_class(self.budget)
        return client


def limit_resources(memory_mb: int, uid: int | None = None) -> None:
    """Runs in the kernel's process before it starts (so a student cannot raise the limits)."""
    import resource

    resource.setrlimit(resource.RLIMIT_DATA, (memory_mb * 2**20, memory_mb * 2**20))
    resource.setrlimit(resource.RLIMIT_FSIZE, (MAX_FILE_MB * 2**20, MAX_FILE_MB * 2**20))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    if uid is not None:
        # Counted per user, so only when the kernel has a user of its own: a fork bomb stops
        # at the limit instead of filling the machine's process table.
        resource.setrlimit(resource.RLIMIT_NPROC, (sandbox.PROCESS_LIMIT, sandbox.PROCESS_LIMIT))
        sandbox.become(uid)


def _text_of(outputs: list[NotebookNode]) -> str:
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


def kernel_environment(home: str) -> dict[str, str]:
    """A minimal environment: nothing of the grader's (paths, tokens, JAX flags) leaks in."""
    env = {
        "PATH": str(Path(sys.executable).parent) + os.pathsep + "/usr/bin:/bin",
        "HOME": home,
        "TMPDIR": home,
        "LANG": "C.UTF-8",
        "PYTHONNOUSERSITE": "1",
        "JAX_PLATFORMS": "cpu",
    }
    return env


class Runner:
    """Runs one notebook. `plans` maps a question to its probe inputs; `probes` is the
    assignment's kernel-side probe source (see `autograder.probe`)."""

    def __init__(
        self,
        steps: list[Step],
        captures: list[Capture],
        plans: dict[str, dict[str, Any]],
        *,
        cell_timeout: float,
        timeout: float,
        memory_mb: int = MEMORY_LIMIT_MB,
        compile_cache: CompileCache | None = None,
        probes: str = "",
    ):
        self.steps = list(steps)
        self.captures = captures
        self.plans = plans
        self.probes = probes
        self.cell_timeout = cell_timeout
        self.deadline = time.monotonic() + timeout
        self.timeout = timeout
        self.memory_mb = memory_mb
        self.compile_cache = compile_cache
        self.execution = Execution()
        self.target = "autograder-" + secrets.token_hex(16)  # the probe's comm target
        self.installed = False
        self.current = -1  # the notebook cell running now, for messages
        self.killed = False  # the watchdog killed a kernel that ignored an interrupt
        self.started = False
        self.uid: int | None = None  # the kernel's own user, when it has one
        self.resources = contextlib.ExitStack()
        self.monitor: zmq.Socket[Any] | None = None
        self.channel: ReportChannel | None = None  # the probe's report pipe (`start`)
        self.budget = Budget()  # what this kernel may still send (see `autograder.receive`)
        self.drops_seen = 0
        self.guard: MemoryGuard | None = None

    def start(self) -> None:
        """Start a fresh kernel: its own user, its own empty directories. `run` calls it when
        nothing did before; `prestart` calls it ahead of time. What it sets up `close` removes."""
        self.resources = contextlib.ExitStack()
        # The notebook's working directory starts empty; IPython's own files go to `home`.
        workdir = tempfile.mkdtemp(prefix="autograder-kernel-")
        home = tempfile.mkdtemp(prefix="autograder-home-")
        sockets = tempfile.mkdtemp(prefix="autograder-ipc-")
        for folder in (workdir, home, sockets):
            self.resources.callback(remove_tree, folder)  # any depth the kernel made
        uid = sandbox.kernel_uid()
        env = kernel_environment(home)
        if uid is not None:
            self.resources.callback(sandbox.end, uid)
            env.update(self._private_cache(uid, Path(home)))
            sandbox.give(uid, workdir, home, sockets)
            sandbox.confine(uid, self.memory_mb, (workdir, home, sockets))
        self.uid = uid
        self.channel = channel = ReportChannel()
        self.resources.callback(channel.close)
        context = zmq.asyncio.Context()
        self.resources.callback(context.destroy, linger=0)
        context.setsockopt(zmq.MAXMSGSIZE, MAX_MESSAGE_BYTES)
        context.setsockopt(zmq.RCVHWM, receive.RECEIVE_QUEUE)
        self.budget = Budget()
        self.client = CappedClient(
            nbformat.v4.new_notebook(),  # type: ignore[no-untyped-call]  # nbformat is unannotated
            kernel_name="python3",
            allow_errors=True,
            interrupt_on_timeout=True,
            startup_timeout=STARTUP_TIMEOUT,
            record_timing=False,
            store_widget_state=False,  # a kernel's comm messages are never kept
            shutdown_kernel="immediate",  # nothing of the kernel is kept; do not wait for it
            kernel_manager_class=KernelManager,
        )
        self.client.comm_open_handlers = {}
        # Unix sockets outside the kernel's directory instead of open TCP ports.
        manager = self.client.create_kernel_manager()
        assert isinstance(manager, KernelManager)  # kernel_manager_class above
        manager.transport = "ipc"
        manager.ip = str(Path(sockets) / "kernel")
        manager.connection_file = str(Path(sockets) / "kernel.json")
        manager.owner = uid
        manager.client_context = context
        manager.budget = self.budget
        self.client.km = manager
        self.resources.callback(self._close_monitor)
        self.resources.enter_context(
            self.client.setup_kernel(
                cwd=workdir,
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                preexec_fn=functools.partial(limit_resources, self.memory_mb, uid),
                pass_fds=(channel.child_fd,),
            )
        )
        channel.launched(self._pid())
        self._watch_iopub()
        self.guard = MemoryGuard(self._kill_kernel)
        self.resources.callback(self.guard.stop)
        self.started = True

    def _private_cache(self, uid: int, home: Path) -> dict[str, str]:
        """The kernel's own compilation cache, a copy of the seed (see `autograder.compile_cache`):
        its settings for the kernel's environment. Only for a kernel with a user of its own."""
        if self.compile_cache is None:
            return {}
        folder = private_folder(home)
        folder.mkdir()
        if self.compile_cache.seed is not None:
            copy_entries(self.compile_cache.seed, folder)
        sandbox.give(uid, str(folder))
        if self.compile_cache.keep is not None:
            # Runs after the kernel is shut down (callbacks run last first), before `sandbox.end`.
            self.resources.callback(copy_entries, folder, self.compile_cache.keep)
        return cache_environment(folder)

    @property
    def manager(self) -> KernelManager:
        manager = self.client.km
        assert isinstance(manager, KernelManager)  # set by `start`
        return manager

    @property
    def kernel_client(self) -> Any:
        """jupyter_client's async client (Any: its stubs type the channels as the blocking ones)."""
        return self.client.kc

    def close(self) -> None:
        """Shut the kernel down and remove everything `start` made (also after a failed start).
        Never raises: the grade stands whatever the kernel left behind (what could not be
        undone is logged for the instructor)."""
        try:
            self.resources.close()
        except Exception:
            log.exception("cleaning up after the kernel failed")

    def _close_monitor(self) -> None:
        if self.monitor is not None:
            self.monitor.close(linger=0)

    def run(self) -> Execution:
        try:
            if not self.started:
                self.start()
            self._run_cells()
            self._inspect()
        except DeadKernelError:
            cell = self.current + 1
            if self.killed:
                self.execution.limit_hit = True
                self._stop(Status(Kind.CELL_STUCK, cell))
            elif self.guard is not None and self.guard.tripped:
                self._stop(Status(Kind.KERNEL_DIED, cell, detail=SENT_TOO_MUCH))
            elif self.uid is not None and sandbox.ran_out_of_memory(self.uid):
                self._stop(Status(Kind.KERNEL_DIED, cell, detail=OUT_OF_MEMORY))
            else:
                self._stop(Status(Kind.KERNEL_DIED, cell))
        except Exception as error:  # the kernel would not start, or the client broke
            self._stop(Status(Kind.GRADER_ERROR, detail=f"{type(error).__name__}: {error}"[:185]))
        finally:
            self._look_at_channel()
            self.close()
        return self.execution

    def _stop(self, reason: Status) -> None:
        if self.execution.stopped is None:
            self.execution.stopped = reason

    def _remaining(self) -> float:
        return self.deadline - time.monotonic()

    # -- the iopub socket: a message over MAX_MESSAGE_BYTES makes zmq drop the connection ----

    def _watch_iopub(self) -> None:
        address = f"inproc://autograder-iopub-{secrets.token_hex(8)}"
        self.kernel_client.iopub_channel.socket.monitor(address, zmq.EVENT_DISCONNECTED)
        self.monitor = zmq.Context.shadow(self.kernel_client.context.underlying).socket(zmq.PAIR)
        self.monitor.connect(address)

    def _dropped(self) -> bool:
        """Whether the kernel sent a message too large, or large ones past its budget (dropped
        unread, see `autograder.receive`), since the last look."""
        over_budget = self.budget.dropped > self.drops_seen
        self.drops_seen = self.budget.dropped
        return self._refused() or over_budget

    def _refused(self) -> bool:
        """Whether zmq refused a message too large since the last look; if so, the connection
        is made again (zmq does not reconnect after refusing a message)."""
        assert self.monitor is not None
        disconnected = False
        while self.monitor.poll(0):
            event = parse_monitor_message(self.monitor.recv_multipart())
            disconnected = disconnected or event["event"] == zmq.EVENT_DISCONNECTED
        if disconnected:
            kc = self.kernel_client
            kc.iopub_channel.close()
            kc._iopub_channel = None  # jupyter_client connects a new one on next use
            self.monitor.close(linger=0)
            self._watch_iopub()
            time.sleep(0.3)  # let the new subscription reach the kernel before the next cell
        return disconnected

    # -- cells ---------------------------------------------------------------------------

    def _execute(self, source: str, *, limit: float, history: bool = True) -> tuple[list[NotebookNode], bool]:
        """Run `source`; (its outputs, whether it ran past `limit` and was interrupted).

        nbclient interrupts a cell at `limit`; a kernel that ignores the interrupt is killed
        by the watchdog a little later, which ends the run (DeadKernelError)."""
        if not source.strip():
            return [], False
        cell = nbformat.v4.new_code_cell(source)  # type: ignore[no-untyped-call]  # nbformat is unannotated
        self.client.nb.cells.append(cell)
        granted = max(1, math.ceil(limit))  # nbclient takes whole seconds
        self.client.timeout = granted
        watchdog = threading.Timer(granted + RECOVERY_TIMEOUT, self._kill)
        watchdog.start()
        start = time.monotonic()
        try:
            self.client.execute_cell(cell, len(self.client.nb.cells) - 1, store_history=history)
        finally:
            watchdog.cancel()
        interrupted = any(o.get("ename") == "KeyboardInterrupt" for o in cell.outputs)
        # A student's own `raise KeyboardInterrupt` returns early; nbclient's comes at `granted`.
        return cell.outputs, interrupted and time.monotonic() - start >= granted

    def _kill(self) -> None:
        self.killed = True
        self._kill_kernel()

    def _kill_kernel(self) -> None:
        pid = self._pid()
        if pid is not None:
            with contextlib.suppress(OSError):
                os.killpg(pid, signal.SIGKILL)

    def _pid(self) -> int | None:
        process = getattr(self.manager.provisioner, "process", None)
        return None if process is None else int(process.pid)

    # -- the probe channel -----------------------------------------------------------------

    def _install(self) -> None:
        assert self.channel is not None  # made by `start`
        outputs, _ = self._execute(
            install_cell(self.target, self.channel.child_fd, self.probes),
            limit=STARTUP_TIMEOUT,
            history=False,
        )
        error = next((o for o in outputs if o.get("output_type") == "error"), None)
        if error is not None:
            found = f"{error.get('ename')}: {error.get('evalue')}"
            raise RuntimeError(f"the probe could not be installed: {found}")
        self.installed = True

    def _ask(self, request: Request, limit: float) -> dict[str, Any]:
        observed: dict[str, Any] = run_sync(self._ask_async)(request, limit)
        return observed

    async def _ask_async(self, request: Request, limit: float) -> dict[str, Any]:
        """Send `request` on a new comm to the probe's target; its report, from the report
        pipe, decoded. Past `limit` the kernel is interrupted (the probe reports it), unless
        its report is arriving; a kernel that does not answer RECOVERY_TIMEOUT after that is
        killed. The kernel's iopub messages meanwhile (a student's prints) are read and dropped."""
        kc = self.kernel_client
        manager: Any = self.manager  # its async methods are typed as run_sync's wrappers
        channel = self.channel
        assert channel is not None  # made by `start`
        channel.drain()
        channel.check(self._pid())
        message = kc.session.msg(
            "comm_open",
            {"comm_id": secrets.token_hex(16), "target_name": self.target, "data": request.to_wire()},
        )
        self.budget.expected.add(message["header"]["msg_id"])  # its reply is read whatever its size
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
                    self._kill()
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
            if self._refused():  # zmq refused a message too large: the kernel may be in a bad way
                channel.abandon(request.nonce)
                return probe_protocol.probe_error(
                    "OutputTooLarge", "calling your functions printed too much."
                )
            if report is None and not await manager.is_alive():
                raise DeadKernelError("the kernel died during a probe") from None

    async def _drop_iopub(self) -> None:
        """Read and drop what the kernel published (nothing of a probe's report is there)."""
        kc = self.kernel_client
        for _ in range(1000):
            try:
                await kc.get_iopub_msg(timeout=0)
            except queue.Empty:
                return

    def _probe(self, after: int) -> None:
        for capture in (c for c in self.captures if c.after == after):
            limit = min(self.cell_timeout, self._remaining())
            if limit <= 0:
                return
            request = Request(capture.question, self.plans[capture.question], secrets.token_hex(16))
            pid = self._pid()
            busy_before = outside.busy_seconds(pid) if pid is not None else None
            observed = self._ask(request, limit)
            busy_after = outside.busy_seconds(pid) if pid is not None else None
            self.execution.observations[capture] = observed
            contradiction = outside.contradicted_timing(capture.question, observed, busy_before, busy_after)
            if contradiction is not None:
                self.execution.findings += (contradiction,)

    def _inspect(self) -> None:
        """After the run: the hooks student code left in the kernel. A kernel that dies when
        asked gives no report, which is itself a finding."""
        if not self.installed:
            return
        observed = probe_protocol.probe_error("NoReport", "the kernel gave no report when inspected")
        try:
            observed = self._ask(Request(probe_protocol.TAMPER, {}, secrets.token_hex(16)), INSPECT_TIMEOUT)
        finally:
            self.execution.findings += probe_protocol.decode_findings(observed)

    def _look_at_channel(self) -> None:
        """What the report pipe carried beside the probe's reports, as `channel` findings."""
        channel = self.channel
        if channel is None or not self.installed:
            return
        with contextlib.suppress(OSError):
            channel.drain()
            channel.check(self._pid())
            channel.check_copies(self._pid())
        self.execution.findings += tuple(Finding("channel", what) for what in channel.findings)

    def _run_cells(self) -> None:
        self._install()
        self._probe(-1)
        for step in self.steps:
            remaining = self._remaining()
            if remaining <= 0:
                self._stop(Status(Kind.TIMEOUT, seconds=self.timeout))
                return
            self.current = step.cell
            limit = min(self.cell_timeout, remaining)
            outputs, timed_out = self._execute(step.source, limit=limit)
            text = _text_of(outputs)
            error = next((o for o in outputs if o.get("output_type") == "error"), None)
            if error is not None:
                self.execution.errors[step.index] = f"{error.get('ename')}: {error.get('evalue')}"[
                    :MAX_ERROR_CHARS
                ]
            if self._dropped():
                text = (text + "\n" if text else "") + TOO_LARGE
                self.execution.cut_short.append(Status(Kind.OUTPUT_TOO_LARGE, step.cell + 1))
            if timed_out and limit < self.cell_timeout:  # the notebook's budget ran out, not the cell's
                self.execution.outputs[step.index] = text
                self._stop(Status(Kind.TIMEOUT, step.cell + 1, self.timeout))
                return
            if timed_out:
                self.execution.limit_hit = True
                self.execution.cut_short.append(Status(Kind.CELL_TIMEOUT, step.cell + 1, limit))
            self.execution.outputs[step.index] = text
            self.execution.completed = step.index
            self._probe(step.index)


# A kernel started ahead of time for this process's next `execute` (see `prestart`).
_warm: Runner | None = None


def prestart(memory_mb: int = MEMORY_LIMIT_MB, compile_cache: CompileCache | None = None) -> bool:
    """Start the kernel the next `execute` with the same settings will run in, so that
    its start-up overlaps other work. Nothing is imported in it (a student's settings read at
    import, such as JAX_ENABLE_X64, take effect as in a kernel started later); it is used once
    and only by this process. False when the kernel could not be started (`execute` then
    starts one itself)."""
    global _warm
    discard_prestarted()
    runner = Runner([], [], {}, cell_timeout=0, timeout=0, memory_mb=memory_mb, compile_cache=compile_cache)
    try:
        runner.start()
    except Exception:  # any failure here is met again, and reported, by `execute`'s own start
        runner.close()
        return False
    _warm = runner
    return True


def discard_prestarted() -> None:
    """Shut down a kernel `prestart` started that no `execute` took."""
    global _warm
    runner, _warm = _warm, None
    if runner is not None:
        runner.close()


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
    """Run `steps` in a fresh kernel (or the one `prestart` started), asking at each capture
    the assignment's probe of its question (`probes`: the assignment's kernel-side probe
    source, its `Assignment.probes` file's text; without it only the engine's own look at
    the kernel is installed, and a question asked gets a probe error)."""
    global _warm
    warm, _warm = _warm, None  # single use: a second `execute` (a faithful regrade) starts its own
    if warm is not None and (warm.memory_mb, warm.compile_cache) == (memory_mb, compile_cache):
        warm.steps, warm.captures, warm.plans, warm.probes = list(steps), captures, plans, probes
        warm.cell_timeout, warm.timeout = cell_timeout, timeout
        warm.deadline = time.monotonic() + timeout
        return warm.run()
    if warm is not None:
        warm.close()
    runner = Runner(
        steps,
        captures,
        plans,
        cell_timeout=cell_timeout,
        timeout=timeout,
        memory_mb=memory_mb,
        compile_cache=compile_cache,
        probes=probes,
    )
    return runner.run()
