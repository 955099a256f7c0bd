"""Running a submission cell by cell in a fresh kernel, probing it at each checkpoint.

The kernel only produces values: after the cells of a question, the kernel-side probe
(`kernel_probe.py`, sent as text) prints the question's observations as JSON behind a
nonce chosen now. Cells that raise are normal (students hand in errors); a cell that runs
past its time limit is interrupted and the notebook goes on; a kernel that dies ends the run.
"""

from __future__ import annotations

import contextlib
import functools
import json
import math
import os
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from importlib import resources
from typing import Any

import nbformat
from jupyter_client import AsyncKernelManager
from nbclient import NotebookClient
from nbclient.exceptions import DeadKernelError

from autograder import sandbox
from autograder.notebook import Capture, Step

PROBE_SOURCE = (resources.files("autograder") / "kernel_probe.py").read_text()
MAX_OUTPUT_CHARS = 20_000  # of each cell's text kept for grading and feedback
MAX_RECEIVED_CHARS = 1_000_000  # of each cell's output held in memory at all
MEMORY_LIMIT_MB = 2048  # the kernel's data segment: a huge allocation fails inside the kernel
MAX_FILE_MB = 64  # largest file the kernel may write
STARTUP_TIMEOUT = 120
RECOVERY_TIMEOUT = 15  # after an interrupt, how long the kernel gets before it is killed


@dataclass
class Execution:
    """What running the notebook gave: text outputs by step, probe observations by capture,
    the last step that completed, and why it stopped early (if it did)."""

    outputs: dict[int, str] = field(default_factory=dict)
    observations: dict[Capture, dict[str, Any]] = field(default_factory=dict)
    completed: int = -1
    stopped: str | None = None  # "kernel-died (cell 7)": no later cell ran
    problems: list[str] = field(default_factory=list)  # cells that timed out, in order


class CappedClient(NotebookClient):
    """A client that holds at most MAX_RECEIVED_CHARS of a cell's output, so that a cell
    printing in a loop cannot exhaust the grading process; the probe's line is always kept."""

    keep: str = ""

    def output(self, outs, msg, display_id, cell_index):
        content = msg.get("content", {})
        size = len(str(content.get("text", ""))) + len(str(content.get("data", "")))
        received = getattr(self, "_received", {})
        self._received = received
        received[cell_index] = received.get(cell_index, 0) + size
        if received[cell_index] > MAX_RECEIVED_CHARS and self.keep not in str(content.get("text", "")):
            return None
        return super().output(outs, msg, display_id, cell_index)


class KernelManager(AsyncKernelManager):
    """Hands the connection file to the kernel's own user (when it has one)."""

    owner: int | None = None

    def write_connection_file(self, **kwargs: Any) -> None:
        super().write_connection_file(**kwargs)
        if self.owner is not None:
            os.chown(self.connection_file, self.owner, self.owner)


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


def _text_of(outputs: list) -> str:
    parts = []
    for output in outputs:
        kind = output.get("output_type")
        if kind == "stream":
            parts.append(output.get("text", ""))
        elif kind in ("execute_result", "display_data"):
            parts.append(output.get("data", {}).get("text/plain", ""))
        elif kind == "error":
            parts.append(f"{output.get('ename')}: {output.get('evalue')}")
    return "\n".join(parts)[:MAX_OUTPUT_CHARS]


def probe_cell(question: str, plan: dict, nonce: str) -> str:
    request = json.dumps({"question": question, "plan": plan, "nonce": nonce})
    return (
        "def _autograder_probe(source, request, namespace):\n"
        "    scope = {'__name__': '_autograder_probe'}\n"
        "    exec(compile(source, '<autograder probe>', 'exec'), scope)\n"
        "    scope['run'](namespace, request)\n"
        "try:\n"
        f"    _autograder_probe({PROBE_SOURCE!r}, {request!r}, globals())\n"
        "finally:\n"
        "    del _autograder_probe\n"
    )


def read_observation(outputs: list, nonce: str) -> dict[str, Any]:
    """The probe's JSON line; a probe that printed nothing readable observed nothing."""
    for output in reversed(outputs):
        if output.get("output_type") != "stream":
            continue
        for line in reversed(output.get("text", "").splitlines()):
            if line.startswith(nonce):
                try:
                    observed = json.loads(line[len(nonce) :])
                except ValueError:
                    break
                return observed if isinstance(observed, dict) else {}
    error = next((o for o in outputs if o.get("output_type") == "error"), None)
    if error is not None:
        return {"probe_error": {"kind": "error", "type": error.get("ename"), "message": error.get("evalue")}}
    return {}


def kernel_environment(home: str) -> dict[str, str]:
    """A minimal environment: nothing of the grader's (paths, tokens, JAX flags) leaks in."""
    env = {
        "PATH": os.path.dirname(sys.executable) + os.pathsep + "/usr/bin:/bin",
        "HOME": home,
        "TMPDIR": home,
        "LANG": "C.UTF-8",
        "PYTHONNOUSERSITE": "1",
        "JAX_PLATFORMS": "cpu",
    }
    return env


class Runner:
    """Runs one notebook. `plans` maps a question to its probe inputs."""

    def __init__(self, steps: list[Step], captures: list[Capture], plans: dict[str, dict], *,
                 cell_timeout: float, timeout: float, memory_mb: int = MEMORY_LIMIT_MB):
        self.steps = list(steps)
        self.captures = captures
        self.plans = plans
        self.cell_timeout = cell_timeout
        self.deadline = time.monotonic() + timeout
        self.timeout = timeout
        self.memory_mb = memory_mb
        self.execution = Execution()
        self.nonce = secrets.token_hex(16)
        self.current = -1  # the notebook cell running now, for messages
        self.killed = False  # the watchdog killed a kernel that ignored an interrupt

    def run(self) -> Execution:
        # The notebook's working directory starts empty; IPython's own files go to `home`.
        workdir = tempfile.mkdtemp(prefix="autograder-kernel-")
        home = tempfile.mkdtemp(prefix="autograder-home-")
        sockets = tempfile.mkdtemp(prefix="autograder-ipc-")
        uid = sandbox.kernel_uid()
        if uid is not None:
            sandbox.give(uid, workdir, home, sockets)
        self.client = CappedClient(
            nbformat.v4.new_notebook(),
            kernel_name="python3",
            allow_errors=True,
            interrupt_on_timeout=True,
            startup_timeout=STARTUP_TIMEOUT,
            record_timing=False,
            shutdown_kernel="immediate",  # nothing of the kernel is kept; do not wait for it
            kernel_manager_class=KernelManager,
        )
        self.client.keep = self.nonce
        # Unix sockets outside the kernel's directory instead of open TCP ports.
        self.client.km = self.client.create_kernel_manager()
        self.client.km.transport = "ipc"
        self.client.km.ip = os.path.join(sockets, "kernel")
        self.client.km.connection_file = os.path.join(sockets, "kernel.json")
        self.client.km.owner = uid
        try:
            with self.client.setup_kernel(cwd=workdir, env=kernel_environment(home),
                                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                          preexec_fn=functools.partial(limit_resources, self.memory_mb, uid)):
                self._run_cells()
        except DeadKernelError:
            cell = self.current + 1
            if self.killed:
                self._stop(f"timeout (cell {cell} ran past its limit and could not be interrupted)")
            else:
                self._stop(f"kernel-died (cell {cell})")
        except Exception as error:  # the kernel would not start, or the client broke
            self._stop(f"grader-error ({type(error).__name__}: {error})"[:200])
        finally:
            if uid is not None:
                sandbox.end(uid)
            for folder in (workdir, home, sockets):
                shutil.rmtree(folder, ignore_errors=True)
        return self.execution

    def _stop(self, reason: str) -> None:
        if self.execution.stopped is None:
            self.execution.stopped = reason

    def _remaining(self) -> float:
        return self.deadline - time.monotonic()

    def _execute(self, source: str, *, limit: float, history: bool = True) -> tuple[list, bool]:
        """Run `source`; (its outputs, whether it ran past `limit` and was interrupted).

        nbclient interrupts a cell at `limit`; a kernel that ignores the interrupt is killed
        by the watchdog a little later, which ends the run (DeadKernelError)."""
        if not source.strip():
            return [], False
        cell = nbformat.v4.new_code_cell(source)
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
        process = getattr(self.client.km.provisioner, "process", None)
        if process is not None:
            with contextlib.suppress(OSError):
                os.killpg(process.pid, signal.SIGKILL)

    def _probe(self, after: int) -> None:
        for capture in (c for c in self.captures if c.after == after):
            limit = min(self.cell_timeout, self._remaining())
            if limit <= 0:
                return
            source = probe_cell(capture.question, self.plans[capture.question], self.nonce)
            outputs, timed_out = self._execute(source, limit=limit, history=False)
            observed = read_observation(outputs, self.nonce)
            if timed_out:
                observed = {"probe_error": {"kind": "error", "type": "Timeout",
                                            "message": f"calling your functions took more than {limit:g} s"}}
            self.execution.observations[capture] = observed

    def _run_cells(self) -> None:
        self._probe(-1)
        for step in self.steps:
            remaining = self._remaining()
            if remaining <= 0:
                self._stop(f"timeout (the notebook ran past {self.timeout:g} s)")
                return
            self.current = step.cell
            limit = min(self.cell_timeout, remaining)
            outputs, timed_out = self._execute(step.source, limit=limit)
            if timed_out and limit < self.cell_timeout:  # the notebook's budget ran out, not the cell's
                self.execution.outputs[step.index] = _text_of(outputs)
                self._stop(f"timeout (the notebook ran past {self.timeout:g} s, in cell {step.cell + 1})")
                return
            if timed_out:
                self.execution.problems.append(f"timeout (cell {step.cell + 1} ran past {limit:g} s)")
            self.execution.outputs[step.index] = _text_of(outputs)
            self.execution.completed = step.index
            self._probe(step.index)


def execute(steps: list[Step], captures: list[Capture], plans: dict[str, dict], *,
            cell_timeout: float, timeout: float, memory_mb: int = MEMORY_LIMIT_MB) -> Execution:
    return Runner(steps, captures, plans, cell_timeout=cell_timeout, timeout=timeout, memory_mb=memory_mb).run()
