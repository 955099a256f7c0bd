"""How many submissions a batch grades at once when the TA does not say (`--jobs`)."""

from __future__ import annotations

import os
from pathlib import Path

# What one job may use: its submission's kernel (about 300 MB at its peak), its worker, and the
# next submission's kernel starting ahead of it; Gradescope gives one submission the same.
MEMORY_PER_JOB = 768 * 2**20
# Where a container's memory limit is (cgroup v2, then v1); a machine without one has none.
_LIMITS = (Path("/sys/fs/cgroup/memory.max"), Path("/sys/fs/cgroup/memory/memory.limit_in_bytes"))


def default_jobs() -> int:
    """One job per core this process may run on, as many as the memory holds; at least 1."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    memory = _available_memory()
    by_memory = cores if memory is None else memory // MEMORY_PER_JOB
    return max(1, min(cores, by_memory))


def _available_memory() -> int | None:
    known = [value for value in (_meminfo_available(), *map(_limit, _LIMITS)) if value is not None]
    return min(known, default=None)


def _meminfo_available() -> int | None:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemAvailable:"):
                return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    return None


def _limit(path: Path) -> int | None:
    try:
        text = path.read_text().strip()
    except OSError:
        return None
    # "max" (v2) or a huge number (v1) means no limit.
    return int(text) if text.isdigit() and int(text) < 2**60 else None
