"""Running a submission cell by cell in a fresh kernel, probing it at each checkpoint.

The kernel only produces values: after the cells of a question, the kernel-side probe
(`kernel_probe.py`, sent as text) prints the question's observations as JSON behind a
nonce chosen now. Cells that raise are normal (students hand in errors); a cell that runs
past its time limit is interrupted and the notebook goes on; a kernel that dies ends the run.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from importlib import resources
from typing import Any

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellTimeoutError, DeadKernelError

from autograder.notebook import Capture, Cell

PROBE_SOURCE = (resources.files("autograder") / "kernel_probe.py").read_text()
MAX_OUTPUT_CHARS = 20_000  # of each cell's text kept for grading and feedback
STARTUP_TIMEOUT = 120
RECOVERY_TIMEOUT = 15  # after an interrupt, how long the kernel gets to answer again


@dataclass
class Execution:
    """What running the notebook gave: text outputs by cell, probe observations by capture,
    the last code cell that completed, and why it stopped early (if it did)."""

    outputs: dict[int, str] = field(default_factory=dict)
    observations: dict[Capture, dict[str, Any]] = field(default_factory=dict)
    completed: int = -1
    stopped: str | None = None  # "kernel-died (cell 7)": no later cell ran
    problems: list[str] = field(default_factory=list)  # cells that timed out, in order


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


def kernel_environment(workdir: str) -> dict[str, str]:
    """A minimal environment: nothing of the grader's (paths, tokens, JAX flags) leaks in."""
    env = {
        "PATH": os.path.dirname(sys.executable) + os.pathsep + "/usr/bin:/bin",
        "HOME": workdir,
        "TMPDIR": workdir,
        "LANG": "C.UTF-8",
        "PYTHONNOUSERSITE": "1",
        "JAX_PLATFORMS": "cpu",
    }
    return env


class Runner:
    """Runs one notebook. `plans` maps a question to its probe inputs."""

    def __init__(self, cells: list[Cell], captures: list[Capture], plans: dict[str, dict], *,
                 cell_timeout: float, timeout: float):
        self.cells = [cell for cell in cells if cell.kind == "code"]
        self.captures = captures
        self.plans = plans
        self.cell_timeout = cell_timeout
        self.deadline = time.monotonic() + timeout
        self.timeout = timeout
        self.execution = Execution()
        self.nonce = secrets.token_hex(16)
        self.current = -1  # index of the cell running now, for messages

    def run(self) -> Execution:
        workdir = tempfile.mkdtemp(prefix="autograder-kernel-")
        sockets = tempfile.mkdtemp(prefix="autograder-ipc-")
        self.client = NotebookClient(
            nbformat.v4.new_notebook(),
            kernel_name="python3",
            allow_errors=True,
            interrupt_on_timeout=False,
            startup_timeout=STARTUP_TIMEOUT,
            record_timing=False,
        )
        # Unix sockets outside the kernel's directory instead of open TCP ports.
        self.client.km = self.client.create_kernel_manager()
        self.client.km.transport = "ipc"
        self.client.km.ip = os.path.join(sockets, "kernel")
        try:
            with self.client.setup_kernel(cwd=workdir, env=kernel_environment(workdir),
                                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL):
                self._run_cells()
        except DeadKernelError:
            self._stop(f"kernel-died (cell {self.current + 1})")
        except Exception as error:  # the kernel would not start, or the client broke
            if self.execution.stopped is None:
                self._stop(f"grader-error ({type(error).__name__}: {error})"[:200])
        finally:
            shutil.rmtree(workdir, ignore_errors=True)
            shutil.rmtree(sockets, ignore_errors=True)
        return self.execution

    def _stop(self, reason: str) -> None:
        if self.execution.stopped is None:
            self.execution.stopped = reason

    def _remaining(self) -> float:
        return self.deadline - time.monotonic()

    def _execute(self, source: str, *, limit: float, history: bool = True) -> list:
        if not source.strip():
            return []
        cell = nbformat.v4.new_code_cell(source)
        self.client.nb.cells.append(cell)
        self.client.timeout = max(1, int(limit))
        self.client.execute_cell(cell, len(self.client.nb.cells) - 1, store_history=history)
        return cell.outputs

    def _probe(self, after: int) -> None:
        for capture in (c for c in self.captures if c.after == after):
            limit = min(self.cell_timeout, self._remaining())
            if limit <= 0:
                return
            source = probe_cell(capture.question, self.plans[capture.question], self.nonce)
            outputs = self._execute(source, limit=limit, history=False)
            self.execution.observations[capture] = read_observation(outputs, self.nonce)

    def _run_cells(self) -> None:
        self._probe(-1)
        for cell in self.cells:
            remaining = self._remaining()
            if remaining <= 0:
                self._stop(f"timeout (the notebook ran past {self.timeout:g} s)")
                return
            self.current = cell.index
            number = cell.index + 1
            try:
                outputs = self._execute(cell.source, limit=min(self.cell_timeout, remaining))
            except CellTimeoutError:
                limit = min(self.cell_timeout, remaining)
                self.execution.problems.append(f"timeout (cell {number} ran past {limit:g} s)")
                outputs = []
                if not self._recover():
                    self._stop(f"timeout (cell {number} ran past {limit:g} s and could not be interrupted)")
                    return
            self.execution.outputs[cell.index] = _text_of(outputs)
            self.execution.completed = cell.index
            self._probe(cell.index)

    def _recover(self) -> bool:
        """Interrupt a cell that ran too long; True when the kernel answers again."""
        self.client.km.interrupt_kernel()
        try:
            self._execute("pass", limit=RECOVERY_TIMEOUT, history=False)
            return True
        except CellTimeoutError:
            return False


def execute(cells: list[Cell], captures: list[Capture], plans: dict[str, dict], *,
            cell_timeout: float, timeout: float) -> Execution:
    return Runner(cells, captures, plans, cell_timeout=cell_timeout, timeout=timeout).run()
