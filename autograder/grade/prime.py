"""The compilation cache's seed (`autograder.compile_cache`), made once per machine.

The trusted run that makes it grades the bundled solution exactly as a submission is graded
(fast path, probes, a sandboxed kernel), so the seed holds what a correct hand-in compiles.
It is kept only when that run gets full marks. Batches copy it into every kernel they start.
"""

from __future__ import annotations

import contextlib
import logging
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path

from autograder import sandbox
from autograder.assignment import Assignment
from autograder.compile_cache import COMPLETE, CompileCache, fingerprint, seeds_folder
from autograder.pipeline import FAST_CELL_TIMEOUT, grade_notebook
from autograder.probe import ENGINE

log = logging.getLogger(__name__)


def compile_seed(
    assignment: Assignment,
    progress: Callable[[str], None] = print,
    solution: Path | None = None,
    folder: Path | None = None,
) -> Path | None:
    """This machine's seed for `assignment`, made now (saying so to `progress`) if there is none
    yet, from its `examples/solution.ipynb` unless `solution` is given. None when kernels are
    not sandboxed here, the solution is missing or does not get full marks, or the seeds' folder
    cannot be written (the batch then grades without a cache, as before)."""
    solution = solution or assignment.examples / "solution.ipynb"
    if sandbox.unavailable() is not None or not solution.is_file():
        return None
    try:
        return _seed(assignment, progress, solution, folder or seeds_folder())
    except (OSError, RuntimeError) as error:  # e.g. a read-only home, or none at all
        log.warning("no compilation cache: %s", error)
        return None


def _seed(
    assignment: Assignment, progress: Callable[[str], None], solution: Path, folder: Path
) -> Path | None:
    # What the kernel runs before the notebook: the engine's probe and the assignment's.
    probe = "".join(text for _, text in ENGINE).encode() + assignment.probes.read_bytes()
    seed = folder / fingerprint(solution.read_bytes(), probe)
    if (seed / COMPLETE).is_file():
        return seed
    progress("preparing the kernels' compilation cache (once per machine and JAX version)")
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    making = Path(tempfile.mkdtemp(prefix=".making-", dir=folder))
    try:
        result = grade_notebook(
            solution,
            assignment,
            name="compile-cache-seed",
            fast_cell_timeout=FAST_CELL_TIMEOUT,
            compile_cache=CompileCache(seed=None, keep=making),
        )
        if result.score < result.possible or not any(making.iterdir()):
            log.warning("no compilation cache: %s scored %g/%g", solution, result.score, result.possible)
            return None
        (making / COMPLETE).write_text(f"{solution}\n")
        with contextlib.suppress(OSError):  # another batch made the same seed meanwhile
            making.rename(seed)
    finally:
        shutil.rmtree(making, ignore_errors=True)
    return seed if (seed / COMPLETE).is_file() else None
