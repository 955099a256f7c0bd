"""What the grading process reads from a kernel: a bounded queue and a byte budget per kernel.

zmq refuses any one frame over `size_monitor.MAX_MESSAGE_BYTES`, but a kernel that keeps sending
messages just under it (threads sending comm messages, say) could fill the grader's memory:
each is queued by zmq, then decoded as JSON. So, per kernel:
- zmq holds at most RECEIVE_QUEUE whole messages per socket in the grading process; the rest
  wait in the kernel's own send queue (its memory, under its own ceiling), where zmq drops
  what no longer fits;
- messages larger than SMALL_MESSAGE_BYTES are read only up to BUDGET_BYTES in all; past it,
  they are dropped before any decoding (counted, and the cell is reported as output too large).
  Small messages (a cell's status, its reply, an error) are always read, so the notebook goes on;
  so is the one reply each probe request expects (its parent is the request), whatever its size;
- zmq caps each frame, not the frames of a message, and holds a message whole before anything
  can refuse it: one message of forty 15 MB buffers is 600 MB. `MemoryGuard` kills the kernel
  as soon as the grading process has grown GRACE_BYTES past where it was when the kernel
  started (sampled every 10 ms, far quicker than such a message arrives).
"""

from __future__ import annotations

import json
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from queue import Empty
from typing import Any, cast

from jupyter_client.channels import AsyncZMQSocketChannel

RECEIVE_QUEUE = 2  # zmq's receive high-water mark, in whole messages, on each client socket
SMALL_MESSAGE_BYTES = 64 * 2**10
BUDGET_BYTES = 128 * 2**20  # of large messages per kernel (an honest notebook's plots are a few MB)
GRACE_BYTES = 192 * 2**20  # what a kernel's messages may add to the grading process's memory
GUARD_INTERVAL = 0.01  # seconds between two looks at it


@dataclass
class Budget:
    """One kernel's: bytes of large messages still to be read, what was dropped, and the
    requests (message ids) whose one large reply is always read."""

    remaining: int = BUDGET_BYTES
    dropped: int = 0  # messages
    dropped_bytes: int = 0
    expected: set[str] = field(default_factory=set)

    def admits(self, frames: list[bytes]) -> bool:
        """Whether to decode the message of `frames` (signature, header, parent header,
        metadata, content, buffers), judged by sizes and the parent's id only."""
        size = sum(len(frame) for frame in frames)
        if size <= SMALL_MESSAGE_BYTES:
            return True
        parent = _parent_id(frames)
        if parent in self.expected:
            self.expected.discard(parent)  # one large reply per request: a flood under its name is not
            return True
        if size <= self.remaining:
            self.remaining -= size
            return True
        self.dropped += 1
        self.dropped_bytes += size
        return False


def _parent_id(frames: list[bytes]) -> str | None:
    """The id of the request a message answers, read from its parent header when that is small."""
    if len(frames) < 3 or len(frames[2]) > SMALL_MESSAGE_BYTES:
        return None
    try:
        parent = json.loads(frames[2])
    except ValueError:
        return None
    found = parent.get("msg_id") if isinstance(parent, dict) else None
    return found if isinstance(found, str) else None


class BudgetedChannel(AsyncZMQSocketChannel):
    """A channel that decodes only what its kernel's `budget` admits (set per kernel by
    `channel_class`)."""

    budget: Budget

    async def get_msg(self, timeout: float | None = None) -> dict[str, Any]:  # type: ignore[override]
        assert self.socket is not None
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            wait = None if deadline is None else max(0, int((deadline - time.monotonic()) * 1000))
            if not await self.socket.poll(wait):
                raise Empty
            frames: list[bytes] = await self.socket.recv_multipart()  # copied: bytes, not zmq.Frame
            _, signed = self.session.feed_identities(frames)
            if self.budget.admits(cast(list[bytes], signed)):
                message: dict[str, Any] = self.session.deserialize(signed)
                return message


def channel_class(budget: Budget) -> type[BudgetedChannel]:
    """The channel class of one kernel's client (jupyter_client makes channels from a class)."""
    return type("KernelChannel", (BudgetedChannel,), {"budget": budget})


def resident_bytes() -> int:
    """The grading process's resident memory (0 where /proc cannot say)."""
    try:
        pages = int(Path("/proc/self/statm").read_text().split()[1])
    except (OSError, ValueError, IndexError):
        return 0
    return pages * os.sysconf("SC_PAGE_SIZE")


class MemoryGuard:
    """Calls `kill` (once) when the grading process's resident memory grows GRACE_BYTES past
    what it was when the guard started; `tripped` says whether it did."""

    def __init__(self, kill: Callable[[], None]) -> None:
        self.kill = kill
        self.baseline = resident_bytes()
        self.tripped = False
        self.stopped = threading.Event()
        threading.Thread(target=self._watch, daemon=True, name="autograder-memory-guard").start()

    def _watch(self) -> None:
        while not self.stopped.wait(GUARD_INTERVAL):
            if resident_bytes() > self.baseline + GRACE_BYTES:
                self.tripped = True
                self.kill()
                return

    def stop(self) -> None:
        self.stopped.set()
