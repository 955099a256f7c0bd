"""A kernel of its own for one notebook: started sandboxed, within its limits, and shut down.

The kernel runs as a user of its own (`sandbox`, when the grader may make one) in empty
temporary directories, with a minimal environment, resource limits set in its own process
before it starts (so a student cannot raise them), Unix sockets instead of TCP ports, and the
write end of the probe's report pipe (`report_channel`) inherited at launch. Every message
from the kernel is capped in size before it is received (`size_monitor.MAX_MESSAGE_BYTES`),
each cell's output is held only up to MAX_RECEIVED_CHARS, and `receive.MemoryGuard` kills a
kernel whose messages grow the grading process too far: a student's output cannot exhaust the
grading process.
"""

from __future__ import annotations

import contextlib
import functools
import logging
import os
import signal
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import nbformat
import zmq
import zmq.asyncio
from jupyter_client.manager import AsyncKernelManager
from nbclient import NotebookClient
from nbformat import NotebookNode

from autograder import receive, sandbox
from autograder.compile_cache import CompileCache, cache_environment, copy_entries, private_folder
from autograder.receive import Budget, MemoryGuard
from autograder.removal import remove_tree
from autograder.report_channel import ReportChannel
from autograder.size_monitor import MAX_MESSAGE_BYTES, SizeMonitor

log = logging.getLogger(__name__)
MAX_RECEIVED_CHARS = 1_000_000  # of each cell's output held in memory at all
MEMORY_LIMIT_MB = 2048  # the kernel's data segment: a huge allocation fails inside the kernel
MAX_FILE_MB = 64  # largest file the kernel may write
STARTUP_TIMEOUT = 120


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


class KernelSession:
    """One kernel, used for one notebook: `start` launches it, `close` shuts it down and
    removes everything `start` made. A session not yet started starts no kernel."""

    def __init__(self, *, memory_mb: int = MEMORY_LIMIT_MB, compile_cache: CompileCache | None = None):
        self.memory_mb = memory_mb
        self.compile_cache = compile_cache
        self.started = False
        self.stuck = False  # killed after ignoring an interrupt (`kill_stuck`)
        self.uid: int | None = None  # the kernel's own user, when it has one
        self.resources = contextlib.ExitStack()
        self.channel: ReportChannel | None = None  # the probe's report pipe (`start`)
        self.budget = Budget()  # what this kernel may still send (see `autograder.receive`)
        self.guard: MemoryGuard | None = None
        self._sizes: SizeMonitor | None = None

    def start(self) -> None:
        """Start a fresh kernel: its own user, its own empty directories. What it sets up
        `close` removes."""
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
        channel.launched(self.pid())
        self._sizes = SizeMonitor(self.kernel_client, self.budget)
        self.guard = MemoryGuard(self.kill)
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

    @property
    def sizes(self) -> SizeMonitor:
        """What the kernel sent that was not read (see `autograder.size_monitor`)."""
        assert self._sizes is not None  # made by `start`
        return self._sizes

    def close(self) -> None:
        """Shut the kernel down and remove everything `start` made (also after a failed start).
        Never raises: the grade stands whatever the kernel left behind (what could not be
        undone is logged for the instructor)."""
        try:
            self.resources.close()
        except Exception:
            log.exception("cleaning up after the kernel failed")

    def _close_monitor(self) -> None:
        if self._sizes is not None:
            self._sizes.close()

    def pid(self) -> int | None:
        process = getattr(self.manager.provisioner, "process", None)
        return None if process is None else int(process.pid)

    def kill_stuck(self) -> None:
        """Kill a kernel that ignored an interrupt, noting it (`stuck`): the run's end is then
        read as a stuck cell."""
        self.stuck = True
        self.kill()

    def kill(self) -> None:
        pid = self.pid()
        if pid is not None:
            with contextlib.suppress(OSError):
                os.killpg(pid, signal.SIGKILL)
