"""The probe's way out of the kernel: a pipe the grader opens before the kernel starts.

The kernel inherits the write end at launch (`pass_fds`) and the grader keeps the read end,
so what the probe reports never passes through a module the student can patch (`json`, the
comm layer, zmq): the probe writes its frames with the `os.write` it captured before any
student code (see `autograder.probe`). A student can still find the pipe in `/proc/self/fd`, so
the grader holds the channel to its format: a frame must answer the request in flight, once
(`probe_protocol.FrameReader`); anything else on the pipe is a `channel` finding, which costs
the points of every report that came through it (`pipeline`). Where the grader may read the
kernel's file table (`outside.fd_target`), it also checks that the probe's descriptor is
still this pipe at each request and that the kernel holds no other descriptor of it after
the run.
"""

from __future__ import annotations

import contextlib
import os
import select
from dataclasses import dataclass

from autograder import outside
from autograder.probe_protocol import FrameReader, Malformed

READ_CHUNK = 2**16


@dataclass(frozen=True)
class Unreadable:
    """The channel gave no report for the request: `why` says what it held instead."""

    why: str


class ReportChannel:
    """One kernel's report pipe, seen from the grader. `child_fd` goes to the kernel."""

    def __init__(self) -> None:
        self.read_end, write_end = os.pipe()  # both close-on-exec: only `pass_fds` passes one
        self.write_end: int | None = write_end
        os.set_blocking(self.read_end, False)
        self.poller = select.poll()  # not `select.select`, which takes no descriptor past 1023
        self.poller.register(self.read_end, select.POLLIN)
        self.pipe = f"pipe:[{os.fstat(self.read_end).st_ino}]"
        self.child_fd = write_end  # `pass_fds` keeps its number in the kernel
        self.reader = FrameReader()
        self.answered: set[str] = set()  # requests whose report came
        self.abandoned: set[str] = set()  # requests given up on: a late report of theirs is no surprise
        self.findings: list[str] = []  # what was wrong with the channel, for `channel` findings
        self.watched = False  # whether the kernel's file table can be read from here
        self.ended = False  # the pipe's write ends are all closed

    def launched(self, pid: int | None) -> None:
        """The kernel holds its write end now: the grader's copy goes (so a dead kernel reads
        as the pipe's end), and whether the kernel's file table is readable is noted."""
        self._close_write_end()
        self.watched = pid is not None and outside.fd_target(pid, self.child_fd) == self.pipe

    def _close_write_end(self) -> None:
        if self.write_end is not None:
            os.close(self.write_end)
            self.write_end = None

    def close(self) -> None:
        self._close_write_end()
        with contextlib.suppress(OSError):
            os.close(self.read_end)

    def check(self, pid: int | None) -> None:
        """Before a request: the kernel's descriptor for the probe is still this pipe (a
        descriptor closed, or a kernel gone, shows as no report at all)."""
        if not self.watched or pid is None:
            return
        target = outside.fd_target(pid, self.child_fd)
        if target is not None and target != self.pipe:
            self._found("the probe's report pipe in the kernel was replaced")

    def check_copies(self, pid: int | None) -> None:
        """After the run: the kernel holds the pipe in no descriptor but the probe's. (A child
        it forked may hold it too, as honest code that forks does: what such a child writes is
        held to the frames' format like any other bytes.)"""
        if self.watched and pid is not None and outside.copies(pid, self.pipe, besides=self.child_fd):
            self._found("the kernel held a second descriptor of the probe's report pipe")

    def drain(self) -> None:
        """Take what is on the pipe now, before a request or after the last: only late
        reports of abandoned requests may be there."""
        self.receive(None, 0)

    def receive(self, nonce: str | None, wait: float) -> str | Unreadable | None:
        """The report answering `nonce`, if it arrives within `wait` seconds; None if not yet."""
        if self.ended:
            return Unreadable("the kernel's end of the report pipe is closed")
        if not self.poller.poll(max(0.0, wait) * 1000):
            return None
        found: str | Unreadable | None = None
        for _ in range(64):  # at most 4 MB per look: the caller's loop looks again
            try:
                data = os.read(self.read_end, READ_CHUNK)
            except BlockingIOError:
                break
            if not data:
                self.ended = True
                return found or Unreadable("the kernel's end of the report pipe is closed")
            try:
                frames = self.reader.feed(data)
            except Malformed as error:
                self._found(f"the report pipe held {error}")
                if nonce is not None:
                    self.abandoned.add(nonce)
                return found or Unreadable("the report pipe held bytes that are no report")
            for answered, text in frames:
                if answered == nonce and found is None:
                    found = text
                elif answered in self.abandoned:
                    self.abandoned.discard(answered)
                elif answered in self.answered or answered == nonce:
                    self._found("a second report for one request")
                else:
                    self._found("a report no request asked for")
                self.answered.add(answered)
        return found

    @property
    def partial(self) -> bool:
        """Part of a frame has arrived: the probe is writing, so it is not to be interrupted."""
        return self.reader.partial

    def abandon(self, nonce: str) -> None:
        if nonce not in self.answered:
            self.abandoned.add(nonce)

    def _found(self, what: str) -> None:
        if what not in self.findings:
            self.findings.append(what)
