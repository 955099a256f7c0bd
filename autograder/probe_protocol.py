"""The probe's wire format, defined once: what the grader asks the kernel and what comes back.

The grader sends a `Request` as the data of a `comm_open` message to a comm target the
kernel-side probe (`autograder/probe/`, sent as text, so it cannot import this module) installed
before any student code ran. The request carries a nonce, fresh for each request. The kernel
answers not on the comm but on a pipe the grader opened and the kernel inherited at launch
(`autograder.report_channel`), with one frame: `frame(nonce, text)`, `text` being the JSON of
one question's observation, written by the probe's own encoder. `FrameReader` cuts the pipe's
bytes into frames; bytes that are no frame, a frame for no request or a second frame for one
request are `Malformed`. `decode` is where the text enters the grading process: anything
malformed becomes a `probe_error`, never an exception. What each question's report holds is
the assignment's (its probes, `assignments/<name>/probes.py`, and their description there);
each value in it is one `Value`. The contract test (tests/test_probe.py) runs the kernel probe
on reference answers through its own encoder, `FrameReader`, `decode` and the checks.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Literal, TypedDict

# The last request of a run: not a question, but what the kernel's hooks look like now.
TAMPER = "tamper"
# A frame: MAGIC, the request's nonce (NONCE_CHARS hex digits), the payload's length in bytes,
# each followed by one space but the last by a newline; then the payload, ASCII JSON.
MAGIC = b"AGP1"
NONCE_CHARS = 32
MAX_REPORT_BYTES = 16 * 2**20  # of one frame's payload: the reader refuses a longer one unread
_MAX_HEADER = len(MAGIC) + NONCE_CHARS + len(str(MAX_REPORT_BYTES)) + 3


@dataclass(frozen=True)
class Request:
    question: str  # a question of the assignment, or TAMPER
    plan: dict[str, Any]
    nonce: str  # NONCE_CHARS hex digits, fresh for each request: its report's frame names it

    def to_wire(self) -> dict[str, Any]:
        return {"question": self.question, "plan": self.plan, "nonce": self.nonce}


def frame(nonce: str, text: str) -> bytes:
    """One report as it crosses the pipe (the kernel's `transport._frame` writes the same bytes)."""
    payload = text.encode("ascii")
    return MAGIC + b" " + nonce.encode("ascii") + b" " + str(len(payload)).encode("ascii") + b"\n" + payload


class Malformed(Exception):
    """Bytes on the report channel that are not one frame of the request they answer."""


class FrameReader:
    """Cuts the report channel's bytes into (nonce, text) frames. Holds at most one frame's
    bytes: a header that is not one, or that announces more than MAX_REPORT_BYTES, is
    `Malformed` as soon as it is seen, and the bytes held are dropped."""

    def __init__(self) -> None:
        self.buffer = bytearray()  # grown in place: a report of megabytes arrives in 64 kB reads

    @property
    def partial(self) -> bool:
        """Whether part of a frame has arrived (the probe is writing it)."""
        return bool(self.buffer)

    def feed(self, data: bytes) -> list[tuple[str, str]]:
        """The frames `data` completes, in order; raises Malformed (and forgets what it held)."""
        self.buffer += data
        frames = []
        try:
            while self.buffer:
                found = self._next()
                if found is None:
                    break
                frames.append(found)
        except Malformed:
            self.buffer = bytearray()
            raise
        return frames

    def _next(self) -> tuple[str, str] | None:
        end = self.buffer.find(b"\n", 0, _MAX_HEADER + 1)
        if end < 0:
            if len(self.buffer) > _MAX_HEADER or not (MAGIC + b" ").startswith(self.buffer[:5]):
                raise Malformed("bytes that are no report")
            return None
        parts = self.buffer[:end].split(b" ")
        if len(parts) != 3 or parts[0] != MAGIC or not _is_nonce(parts[1]) or not parts[2].isdigit():
            raise Malformed("bytes that are no report")
        length = int(parts[2])
        if length > MAX_REPORT_BYTES:
            raise Malformed(f"a report of {length} bytes, more than {MAX_REPORT_BYTES}")
        if len(self.buffer) < end + 1 + length:
            return None
        payload = bytes(self.buffer[end + 1 : end + 1 + length])
        del self.buffer[: end + 1 + length]
        try:
            return bytes(parts[1]).decode("ascii"), payload.decode("ascii")
        except UnicodeDecodeError:
            raise Malformed("a report that is not ASCII JSON") from None


def _is_nonce(word: bytes | bytearray) -> bool:
    return len(word) == NONCE_CHARS and all(c in b"0123456789abcdef" for c in word)


class ProbeError(TypedDict):
    """The probe as a whole failed: a timeout, an exception in the probe, an unreadable reply."""

    kind: Literal["error"]
    type: str
    message: str


# One observed value (the kernel's `inspection.encode`): its `kind` says which other keys it has:
# array (jax, shape, dtype, and its numbers: `data`, a JSON list with non-finite numbers as
#   "nan"/"inf"/"-inf", for up to 10,000 elements; `bytes`, the base64 of its elements as
#   little-endian `dtype`, one of ARRAY_DTYPES, for more);
# list (length, items: a list or tuple, its first 16 items), dict (length, keys, items: a dict
#   with text keys, its first 16 entries, keys[i] naming items[i]);
# callable/object (type[, repr]), too_large (shape, dtype: past the report's budget for
# arrays), missing (name), error (type, message), none.
Value = dict[str, Any]
VALUE_KINDS = frozenset(
    {"array", "list", "dict", "callable", "object", "too_large", "missing", "error", "none"}
)
ARRAY_DTYPES = frozenset(
    {"bool", "int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64"}
    | {"float16", "float32", "float64"}
)


class Compiled(StrEnum):
    """What a function of the notebook is, judged on JAX's own types captured before student
    code ran (the kernel's `inspection.compiled_function` and `compiled_under_another_name`)."""

    JIT = "jit"  # jaxlib's PjitFunction: `jax.jit(f)`
    AHEAD_OF_TIME = "aot"  # `jax.jit(f).lower(...).compile()` whose call is a genuine PjitFunction
    UNDER_ANOTHER_NAME = "alias"  # the function is plain, but `fast = jax.jit(function)` exists
    NO = "no"


# The keys a report always holds, for the engine's own request (an assignment's reports are
# read by its checks, which take a missing key as a value the grader could not read).
REQUIRED: dict[str, frozenset[str]] = {TAMPER: frozenset({"findings"})}


def probe_error(kind: str, message: str) -> dict[str, Any]:
    error: ProbeError = {"kind": "error", "type": kind, "message": message}
    return {"probe_error": error}


def decode(question: str, text: Any) -> dict[str, Any]:
    """One question's observation from the kernel's reply text (a dict whatever came)."""
    try:
        observed = json.loads(text) if isinstance(text, str) else None
    except ValueError:
        observed = None
    if not isinstance(observed, dict):
        return probe_error("UnreadableReply", "the grader could not read what the probe reported.")
    if "probe_error" in observed:
        error = observed["probe_error"]
        if not (isinstance(error, dict) and isinstance(error.get("message"), str)):
            return probe_error("UnreadableReply", "the probe failed.")
        return probe_error(str(error.get("type")), error["message"])
    missing = REQUIRED.get(question, frozenset()) - set(observed)
    if missing:
        return probe_error("UnreadableReply", f"the probe's report lacks {sorted(missing)}.")
    return observed


class Seen(StrEnum):
    """What a finding is, as the grading process weighs it (`pipeline`, README's threat model)."""

    HOOK = "hook"  # the kernel's state after the run: code that could see or alter what it reports
    CHANNEL = "channel"  # the report channel itself: a frame no request asked for, a copied pipe
    CONTRADICTED = "contradicted"  # a report the grader's own look from outside contradicts


# Finding kinds that concern the report channel, and the one for a contradicted report.
CHANNEL_KINDS = frozenset({"channel"})
CONTRADICTED = "contradicted"


@dataclass(frozen=True)
class Finding:
    """Something found in or about the kernel that could see or alter the grader's probe:
    data, for TAs (`runtime_flags`), and what `pipeline` withholds points for."""

    kind: str  # e.g. "ipython_event", "input_transformer", "comm_target", "trace", "replaced", "channel"
    detail: str
    question: str = ""  # for a contradicted report: the question whose report it was

    @property
    def seen(self) -> Seen:
        if self.kind in CHANNEL_KINDS:
            return Seen.CHANNEL
        return Seen.CONTRADICTED if self.kind == CONTRADICTED else Seen.HOOK


def decode_findings(observed: dict[str, Any]) -> tuple[Finding, ...]:
    """The tamper request's findings; a tamper request that failed is itself a finding."""
    if "probe_error" in observed:
        return (Finding("probe_failed", str(observed["probe_error"].get("message", ""))[:200]),)
    findings = observed.get("findings")
    if not isinstance(findings, list):
        return (Finding("probe_failed", "unreadable report"),)
    return tuple(
        Finding(str(f.get("kind"))[:50], str(f.get("detail"))[:200]) for f in findings if isinstance(f, dict)
    )
