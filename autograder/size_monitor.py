"""Whether a kernel sent more than the grader reads, for the cell or request it sent it in.

zmq refuses any one message over MAX_MESSAGE_BYTES before it is received: it drops the message
unread, and the connection with it, and does not connect again by itself. `receive.Budget`
drops large messages past a kernel's budget. Either way what the kernel printed is incomplete:
after each step the step runner asks `dropped` and reports the cell's output as too large, and
a probe request that meets a refused message gives up (`refused`).
"""

from __future__ import annotations

import secrets
import time
from typing import Any

import zmq
from zmq.utils.monitor import parse_monitor_message

from autograder.receive import Budget

# Of any one message from the kernel: zmq drops a larger one (and the connection) unread.
MAX_MESSAGE_BYTES = 16 * 2**20


class SizeMonitor:
    """Watches one kernel client's iopub socket for the disconnection zmq makes when it refuses
    a message too large, and the kernel's `budget` for the messages it dropped."""

    def __init__(self, kernel_client: Any, budget: Budget) -> None:
        self.kernel_client = kernel_client  # jupyter_client's async client
        self.budget = budget
        self.drops_seen = 0
        self.socket: zmq.Socket[Any] | None = None
        self._watch_iopub()

    def _watch_iopub(self) -> None:
        address = f"inproc://autograder-iopub-{secrets.token_hex(8)}"
        self.kernel_client.iopub_channel.socket.monitor(address, zmq.EVENT_DISCONNECTED)
        self.socket = zmq.Context.shadow(self.kernel_client.context.underlying).socket(zmq.PAIR)
        self.socket.connect(address)

    def dropped(self) -> bool:
        """Whether the kernel sent a message too large, or large ones past its budget (dropped
        unread, see `autograder.receive`), since the last look."""
        over_budget = self.budget.dropped > self.drops_seen
        self.drops_seen = self.budget.dropped
        return self.refused() or over_budget

    def refused(self) -> bool:
        """Whether zmq refused a message too large since the last look; if so, the connection
        is made again (zmq does not reconnect after refusing a message)."""
        assert self.socket is not None
        disconnected = False
        while self.socket.poll(0):
            event = parse_monitor_message(self.socket.recv_multipart())
            disconnected = disconnected or event["event"] == zmq.EVENT_DISCONNECTED
        if disconnected:
            kc = self.kernel_client
            kc.iopub_channel.close()
            kc._iopub_channel = None  # jupyter_client connects a new one on next use
            self.socket.close(linger=0)
            self._watch_iopub()
            time.sleep(0.3)  # let the new subscription reach the kernel before the next cell
        return disconnected

    def close(self) -> None:
        if self.socket is not None:
            self.socket.close(linger=0)
