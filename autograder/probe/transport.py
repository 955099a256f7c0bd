"""Runs inside the student's kernel: the engine's way from a probe's report to the grader.

Never imported by the grader: its text is run in the kernel before any student code, after
`inspection.py` and before the assignment's probes, in one scope (see
`autograder/probe/__init__.py`). `install` registers a comm target (its name chosen at
grading time) whose handler answers the grader's requests. Requests come as comm messages, so
none passes through cell source, IPython's hooks or any stream the student may redirect.

Reports go back on a way of their own. Anything the probe looked up on a module at the time
of a report could be replaced by then (`json.dumps` looks `json._default_encoder` up on each
call; `comm.send` goes through `BaseComm.send`), so from the probed value to the bytes the
grader reads the probe uses only what it holds from before the first student step:
- its own JSON encoder (`_json`), plain Python on captured builtins and the unbound methods
  of the built-in types (`float.__repr__`, `str.__str__`: those types cannot be patched);
- its own way out: the write end of a pipe the grader opened and the kernel inherited at
  launch (`autograder.report_channel`), written with `os.write` captured at install, while
  SIGINT is held back so that a frame is never cut in half;
- each report framed with the nonce of its request (`probe_protocol.frame`), so that bytes
  written on the pipe by anything else are malformed or a second report, which the grader sees.
A student can still reach the pipe (its number is in `/proc/self/fd`) and the request (by
patching the comm machinery); both leave traces the grader looks for from outside or after
the run (see the README's threat model). Everything else the handler relies on is captured
at install time too: the builtins (a copy, so later patches of the `builtins` module do not
reach the probe) and JAX's own jitted-function type (`inspection.py`). The wire format is
described in `autograder/probe_protocol.py`.
"""

from __future__ import annotations

import os
import signal
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # in the kernel these are the names `inspection.py` left in this scope
    from autograder.probe.inspection import Observed, Probe, differences, failure, hooks, new_report

TAMPER = "tamper"  # probe_protocol.TAMPER
MAGIC = "AGP1"  # probe_protocol.MAGIC
MAX_REPORT_BYTES = 16 * 2**20  # probe_protocol.MAX_REPORT_BYTES: a longer report is not sent

_write = os.write
_set_blocking = os.set_blocking
_fstat = os.fstat
_hold_signals = signal.pthread_sigmask
_HELD = {signal.SIGINT}
_BLOCK, _UNBLOCK = signal.SIG_BLOCK, signal.SIG_UNBLOCK
# The unbound methods of built-in types: those types cannot be patched, so neither can these.
_str_copy = str.__str__  # an exact `str` from a str or a subclass of it
_int_text = int.__repr__
_float_text = float.__repr__
_join = "".join
_bytes_text = bytes.decode
_without = bytes.translate
_alphanumeric = bytes.isalnum  # ASCII letters and digits only, for bytes
_ESCAPES = {'"': '\\"', "\\": "\\\\", "\n": "\\n", "\r": "\\r", "\t": "\\t", "\b": "\\b", "\f": "\\f"}


def _quoted(text: str) -> str:
    parts = ['"']
    for char in text:
        if char in _ESCAPES:
            parts.append(_ESCAPES[char])
        elif " " <= char <= "~":
            parts.append(char)
        else:
            code = ord(char)
            if code > 0xFFFF:  # as JSON writes it: a surrogate pair
                code -= 0x10000
                parts.append(f"\\u{0xD800 | (code >> 10):04x}\\u{0xDC00 | (code & 0x3FF):04x}")
            else:
                parts.append(f"\\u{code:04x}")
    parts.append('"')
    return _join(parts)


def _base64_text(data: bytes) -> str:
    """`data`, base64 the probe made, as a JSON string at once (a large array's megabytes
    would take seconds through `_quoted`): checked to hold nothing but base64's alphabet."""
    if not _alphanumeric(_without(data, None, b"+/=")) and len(data):
        raise TypeError("the probe's report holds bytes that are not base64")
    return '"' + _bytes_text(data, "ascii") + '"'


def _number(value: float) -> str:
    if value != value:
        return "NaN"
    if value in (float("inf"), float("-inf")):
        return "Infinity" if value > 0 else "-Infinity"
    return _float_text(value)


def _json(value: Any) -> str:
    """The probe's own JSON (ASCII, as `json.dumps` writes it): plain data of the types the
    probe builds, read through the built-in types' own methods; anything else raises."""
    kind = type(value)
    if value is None:
        return "null"
    if kind is bool:
        return "true" if value else "false"
    if kind is str:
        return _quoted(value)
    if kind is int:
        return _int_text(value)
    if kind is float:
        return _number(value)
    if kind is dict:
        items = [_quoted(_key(key)) + ": " + _json(item) for key, item in dict.items(value)]
        return "{" + ", ".join(items) + "}"
    if kind is list or kind is tuple:
        return "[" + ", ".join([_json(item) for item in value]) + "]"
    if kind is bytes:
        return _base64_text(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):  # a subclass (a student's exception message may be one)
        return _quoted(_str_copy(value))
    if isinstance(value, int):
        return _int_text(value)
    if isinstance(value, float):  # numpy's float64 is one
        return _number(float(value))
    raise TypeError("the probe's report holds something that is not plain data")


def _key(key: Any) -> str:
    if type(key) is str:
        return key
    if isinstance(key, str):
        return _str_copy(key)
    raise TypeError("the probe's report has a key that is not text")


def _frame(nonce: str, text: str) -> bytes:
    """probe_protocol.frame: MAGIC, the nonce, the payload's length, a newline, the payload."""
    payload = text.encode("ascii")
    return f"{MAGIC} {nonce} {len(payload)}\n".encode("ascii") + payload


def _send(channel: int, data: bytes) -> None:
    """All of `data` on the pipe, SIGINT held back meanwhile (the grader's interrupt would
    otherwise cut the frame); a pending interrupt is delivered after it."""
    _hold_signals(_BLOCK, _HELD)
    try:
        view = memoryview(data)
        while len(view):
            try:
                view = view[_write(channel, view) :]
            except BlockingIOError:  # someone made the pipe non-blocking
                _set_blocking(channel, True)
    finally:
        _hold_signals(_UNBLOCK, _HELD)


def report(probe: Probe | None, namespace: dict[str, Any], plan: dict[str, Any]) -> str:
    """The JSON text of what `probe` observed, as the grader receives it: a probe that fails,
    is interrupted or reports more than the grader reads gives a `probe_error`."""
    observed: Observed
    try:
        new_report()
        if probe is None:
            raise LookupError("the assignment has no probe for this question")
        observed = probe(namespace, plan)
    except KeyboardInterrupt:  # the grader's interrupt: its time limit ran out
        observed = {"probe_error": {"kind": "error", "type": "Timeout", "message": "interrupted"}}
    except BaseException as error:  # SystemExit and anything else from student code
        observed = {"probe_error": failure(error)}
    try:
        text = _json(observed)
    except BaseException as error:
        text = _json({"probe_error": failure(error)})
    if len(text) > MAX_REPORT_BYTES:  # ASCII: one byte a character
        too_large = "your values are larger than the grader reads"
        text = _json({"probe_error": {"kind": "error", "type": "OutputTooLarge", "message": too_large}})
    return text


def install(shell: Any, target: str, channel: int, probes: Mapping[str, Probe]) -> None:
    """Register the probe's comm target. `shell` is the InteractiveShell; `target` the name;
    `channel` the write end of the report pipe the kernel inherited; `probes` the
    assignment's probes, by question."""
    namespace = shell.user_ns
    probes = dict(probes)  # the assignment's table as it is now, before any student code
    os.set_inheritable(channel, False)  # a student's `!command` gets no copy of it
    _set_blocking(channel, True)
    pipe = _fstat(channel)
    before = hooks(shell)

    def inspect(namespace: dict[str, Any], plan: dict[str, Any]) -> Observed:
        findings = differences(before, hooks(shell), target, handle)
        now = _fstat(channel)
        if (now.st_dev, now.st_ino) != (pipe.st_dev, pipe.st_ino):
            findings.append({"kind": "channel", "detail": "the probe's report pipe was replaced"})
        return {"findings": findings}

    def handle(comm: Any, message: dict[str, Any]) -> None:
        request = message["content"]["data"]
        nonce = request.get("nonce") if type(request) is dict else None
        if type(nonce) is not str or len(nonce) != 32 or not all(c in "0123456789abcdef" for c in nonce):
            return  # no request of the grader's: it has no frame to answer with
        question = request.get("question")
        probe = inspect if question == TAMPER else probes.get(question) if type(question) is str else None
        _send(channel, _frame(nonce, report(probe, namespace, request.get("plan"))))

    shell.kernel.comm_manager.register_target(target, handle)
    # `quit()`, `exit()` and `%exit` shut a Jupyter kernel down (ZMQExitAutocall -> ask_exit).
    # Students leave them in notebooks; here they end only their cell, as `sys.exit()` does,
    # so the rest of the notebook still runs and is graded.
    shell.ask_exit = _end_the_cell_only


def _end_the_cell_only() -> None:
    raise SystemExit("quit() and exit() end only this cell when the notebook is graded")
