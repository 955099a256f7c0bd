"""What the grader sees of a kernel from outside it, in `/proc`: no code in the kernel runs.

A kernel's reports are evidence; these are the grader's own observations to hold them to:
which file a descriptor of the kernel's is (`fd_target`, `copies`: the report pipe's
descriptors), and how long its threads ran or waited to run (`busy_seconds`). A report that
claims more timed work than the kernel's threads were busy for is contradicted
(`contradicted_timing`): the claimed seconds are wall-clock time, and a busy thread's
wall-clock time is time it ran or waited for a CPU (`/proc/<pid>/task/*/schedstat`: run time
and run-queue delay), so load on the machine cannot make an honest report look contradicted;
only time spent sleeping or blocked outside the computation (a `time.sleep` slipped into the
timed calls) is missing from it. Where schedstat is not available, CPU time alone
(`utime + stime`) is compared, with a bound loose enough for a machine many times oversubscribed.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from autograder.probe_protocol import CONTRADICTED, Finding

# A claim is contradicted when the kernel was busy for less than this share of the seconds it
# claims to have timed, beyond SLACK_SECONDS. With schedstat an honest timing loop is busy for
# at least all of them (some thread runs or waits to run throughout); CPU time alone may be a
# small share of it on a loaded machine.
BUSY_SHARE = 0.5
CPU_SHARE = 0.05
SLACK_SECONDS = 0.5


def fd_target(pid: int, fd: int) -> str | None:
    """What descriptor `fd` of process `pid` is (`pipe:[inode]`, a path), or None if unreadable."""
    try:
        return str(Path(f"/proc/{pid}/fd/{fd}").readlink())
    except OSError:
        return None


def copies(pid: int, target: str, *, besides: int) -> list[int]:
    """The descriptors of process `pid` other than `besides` that are `target`."""
    try:
        descriptors = [int(entry.name) for entry in Path(f"/proc/{pid}/fd").iterdir()]
    except OSError:
        return []
    return [fd for fd in descriptors if fd != besides and fd_target(pid, fd) == target]


def busy_seconds(pid: int) -> tuple[float, bool] | None:
    """(seconds the process's threads ran or waited to run, whether waits are counted), or
    None when the process cannot be read. Waits are counted where schedstat is available."""
    try:
        tasks = list(Path(f"/proc/{pid}/task").iterdir())
    except OSError:
        return None
    total = 0
    for task in tasks:
        try:
            ran, waited, _ = (task / "schedstat").read_text().split()
        except (OSError, ValueError):
            break
        total += int(ran) + int(waited)
    else:
        return total / 1e9, True
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None
    # utime and stime, the 14th and 15th fields (the 12th and 13th after the name).
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK"), False


def contradicted_timing(
    question: str,
    observed: dict[str, Any],
    before: tuple[float, bool] | None,
    after: tuple[float, bool] | None,
) -> Finding | None:
    """A `contradicted` finding when the report's timing claims more seconds than the kernel
    was seen busy between `before` and `after` (the probe's request and its report) allow."""
    timing = observed.get("timing")
    if before is None or after is None or not isinstance(timing, dict) or timing.get("kind") != "timing":
        return None
    try:
        claimed = sum(float(t) for t in [*timing["reference"], *timing["submission"]])
    except (KeyError, TypeError, ValueError):
        return None
    busy, waits_counted = after[0] - before[0], before[1] and after[1]
    share = BUSY_SHARE if waits_counted else CPU_SHARE
    if claimed <= busy / share + SLACK_SECONDS:
        return None
    seen = "ran or waited to run" if waits_counted else "used the CPU"
    return Finding(
        CONTRADICTED,
        f"the timing reported {claimed:.2f} s of calls; the kernel {seen} {busy:.2f} s",
        question,
    )
