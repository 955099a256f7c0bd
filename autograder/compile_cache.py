"""JAX's persistent compilation cache for sandboxed kernels: seeded by a trusted run, never shared.

After `import jax`, most of what a kernel spends on a correct notebook is XLA compiling the
same small computations every submission makes (`jnp.arange`, `@`, `jax.random.split`, the
probes' calls): about a second of CPU per hand-in. A *seed* holds what one trusted run
compiled (`autograder.grade.prime` grades the bundled solution for it). Each kernel gets a
private copy of the seed in its own home folder: it reads what the trusted run wrote and
nothing another submission wrote, and what it writes itself is removed with its home. A miss
only compiles, as it would without the cache, and the code compiled is the same either way,
so no value and no verdict depends on the cache.

Only for kernels with a user of their own (`autograder.sandbox`): a kernel running as the
grader's user could write into the seed, which would make it a channel between submissions.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib.metadata
import os
import platform
import sys
from dataclasses import dataclass
from pathlib import Path

COMPLETE = "complete"  # written last into a seed: a seed without it is not used
MAX_ENTRY_BYTES = 16 * 2**20  # larger files are not copied (the seed's entries are kilobytes)
MAX_ENTRIES = 2_000


@dataclass(frozen=True)
class CompileCache:
    """What a kernel's private cache starts from (`seed`, None: empty) and, for the trusted
    run that makes a seed only, where its entries are copied when the kernel is done (`keep`)."""

    seed: Path | None
    keep: Path | None = None


def private_folder(home: Path) -> Path:
    """The kernel's own cache, inside its home."""
    return home / "jax-compile-cache"


def cache_environment(folder: Path) -> dict[str, str]:
    """The kernel's settings that make JAX read and write `folder`: every computation is
    cached, however quick its compilation (JAX's default keeps only those over a second).
    XLA's own GPU caches stay off: JAX would put their folder (a path different in every
    kernel) into each entry's key, and no kernel would ever find another's entries."""
    return {
        "JAX_COMPILATION_CACHE_DIR": str(folder),
        "JAX_PERSISTENT_CACHE_MIN_COMPILE_TIME_SECS": "0",
        "JAX_PERSISTENT_CACHE_MIN_ENTRY_SIZE_BYTES": "-1",
        "JAX_PERSISTENT_CACHE_ENABLE_XLA_CACHES": "none",
    }


def copy_entries(source: Path, target: Path) -> int:
    """Copy the cache entries of `source` into `target`: regular files only (no links, no
    folders), none over MAX_ENTRY_BYTES. An entry that cannot be copied is left out (a cache
    without it only compiles more). How many were copied."""
    copied = 0
    with contextlib.suppress(OSError), os.scandir(source) as entries:
        for entry in entries:
            if copied >= MAX_ENTRIES:
                break
            with contextlib.suppress(OSError):
                if entry.name == COMPLETE or not entry.is_file(follow_symlinks=False):
                    continue
                with os.fdopen(os.open(entry.path, os.O_RDONLY | os.O_NOFOLLOW), "rb") as file:
                    data = file.read(MAX_ENTRY_BYTES + 1)
                if len(data) <= MAX_ENTRY_BYTES:
                    (target / entry.name).write_bytes(data)
                    copied += 1
    return copied


def fingerprint(*sources: bytes) -> str:
    """A name for the seed made from `sources` (what the trusted run ran) on this machine with
    these JAX and Python versions: compiled code is only ever used where it was compiled."""
    digest = hashlib.sha256()
    versions = [importlib.metadata.version(p) for p in ("jax", "jaxlib")]
    for part in (*versions, sys.version, platform.machine(), _cpu_features()):
        digest.update(part.encode() + b"\0")
    for source in sources:
        digest.update(hashlib.sha256(source).digest())
    return digest.hexdigest()[:32]


def _cpu_features() -> str:
    try:
        lines = Path("/proc/cpuinfo").read_text(errors="replace").splitlines()
    except OSError:
        return platform.processor()
    return next((line for line in lines if line.startswith(("flags", "Features"))), "")


def seeds_folder() -> Path:
    """Where seeds are kept for the grader's user."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "tdm40200-autograder" / "jax-compile"
