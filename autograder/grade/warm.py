"""Worker processes started ahead of their submission, for batches.

A warm worker (`autograder.grade.worker --warm`) starts its kernel right away (a fresh
sandbox user, an empty directory, nothing imported) and then waits on stdin for the one
submission it grades; it grades only that one and exits. While submissions run, the next
ones' workers and kernels start, so kernel start-up overlaps grading instead of adding to it
(with no spares, each worker starts when its submission is taken). No worker or kernel is
ever used for a second submission.
"""

from __future__ import annotations

import contextlib
import json
import subprocess
import sys
import threading
from pathlib import Path

# How long a spare worker that is no longer needed gets to shut its kernel down.
CLOSE_TIMEOUT = 30


class WarmWorkers:
    """Spare workers for the `remaining` submissions still to start, at most `spares` at once."""

    def __init__(self, options: list[str], remaining: int, spares: int) -> None:
        self.command = [sys.executable, "-m", "autograder.grade.worker", "--warm", *options]
        self.remaining = remaining
        self.spares = spares
        self.ready: list[subprocess.Popen[str]] = []
        self.lock = threading.Lock()

    def _spawn(self) -> subprocess.Popen[str]:
        # errors="replace": the worker's stderr may quote anything the student's code printed.
        return subprocess.Popen(
            self.command,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            errors="replace",
        )

    def take(self) -> subprocess.Popen[str]:
        """A worker for the next submission (a spare when one is ready); spares are topped up
        for the submissions after it."""
        with self.lock:
            self.remaining -= 1
            worker = self.ready.pop(0) if self.ready else self._spawn()
            while len(self.ready) < min(self.spares, self.remaining):
                self.ready.append(self._spawn())
        return worker

    def close(self) -> None:
        """End the spares nobody took: end of stdin tells each to shut its kernel down."""
        with self.lock:
            spares, self.ready = self.ready, []
        for worker in spares:
            try:
                worker.communicate(timeout=CLOSE_TIMEOUT)
            except subprocess.TimeoutExpired:
                worker.kill()
                worker.communicate()


def hand_over(
    worker: subprocess.Popen[str], notebook: Path, folder: Path, name: str, timeout: float
) -> tuple[int | None, str]:
    """Give `worker` its submission and wait for it: (exit code, or None when it ran past
    `timeout` and was killed; the end of its stderr)."""
    job = json.dumps({"notebook": str(notebook), "folder": str(folder), "name": name}) + "\n"
    try:
        _, stderr = worker.communicate(job, timeout=timeout)
    except subprocess.TimeoutExpired:
        worker.kill()
        with contextlib.suppress(subprocess.TimeoutExpired):
            worker.communicate(timeout=CLOSE_TIMEOUT)
        return None, ""
    except OSError as error:  # the worker died before reading its job (a broken pipe)
        worker.kill()
        _, stderr = worker.communicate()
        return worker.returncode, f"{error}\n{stderr}"
    return worker.returncode, stderr
