"""Grading speed, as ratios against baselines measured in the same run.

    .venv/bin/python benchmarks/speed.py [--batch 20]

Prints: the time to make the kernels' compilation cache (once per machine; the runs after
use it, as every batch does: see `autograder.compile_cache`), the time to simply execute the
realistic solution notebook (full 100,000-iteration loops) with nbclient, the time to grade
it, their ratio; a batch of N submissions graded
with --jobs 1 (one kernel at a time) and --jobs 2 and their ratio, and the --jobs the
machine gets by default; the time to grade the solution with a leftover
`while True: pass` cell (the fast path's cell limit plus the rest); the machine's load
average; and the time of `python -m autograder build`.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

from autograder.grade.jobs import default_jobs

ROOT = Path(__file__).resolve().parents[1]
SOLUTION = ROOT / "assignments" / "project1" / "examples" / "solution.ipynb"


def timed(function) -> float:
    start = time.perf_counter()
    function()
    return time.perf_counter() - start


def execute_plainly(path: Path) -> None:
    notebook = nbformat.read(path, as_version=4)
    with tempfile.TemporaryDirectory() as workdir:
        NotebookClient(notebook, kernel_name="python3", allow_errors=True, timeout=1200,
                       resources={"metadata": {"path": workdir}}).execute()


def grade(*args: str) -> None:
    subprocess.run([sys.executable, "-m", "autograder", "grade", *args], check=True, capture_output=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--batch", type=int, default=8, help="submissions in the jobs-1 / jobs-2 batch")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        scratch = Path(scratch)
        seeds = scratch / "seeds"
        os.environ["XDG_CACHE_HOME"] = str(seeds)  # a seed made in this run, read by the grades below
        seeding = timed(lambda: grade(str(SOLUTION), "--out", str(scratch / "seeding")))
        made = list((seeds / "tdm40200-autograder" / "jax-compile").glob("*/complete"))
        plain = timed(lambda: execute_plainly(SOLUTION))
        graded = timed(lambda: grade(str(SOLUTION), "--out", str(scratch / "one")))
        batch = scratch / "batch"
        batch.mkdir()
        for n in range(args.batch):
            shutil.copy(SOLUTION, batch / f"student{n:02d}.ipynb")
        jobs1 = timed(lambda: grade(str(batch), "--out", str(scratch / "jobs1"), "--jobs", "1"))
        jobs2 = timed(lambda: grade(str(batch), "--out", str(scratch / "jobs2"), "--jobs", "2"))
        looping = scratch / "looping.ipynb"
        with_loop = json.loads(SOLUTION.read_text())
        with_loop["cells"].append({"cell_type": "code", "metadata": {}, "execution_count": None,
                                   "outputs": [], "source": "while True:\n    pass"})
        looping.write_text(json.dumps(with_loop))
        infinite = timed(lambda: grade(str(looping), "--out", str(scratch / "looping")))
        load = os.getloadavg()
        build = timed(lambda: subprocess.run([sys.executable, "-m", "autograder", "build", "--out",
                                              str(scratch / "dist")], check=True, capture_output=True, cwd=ROOT))
    print(f"first grade: making the compilation cache {seeding:7.1f} s   "
          f"({'made' if made else 'none: kernels are not sandboxed here'})")
    print(f"plain execution of the realistic solution  {plain:7.1f} s")
    print(f"grading it (python -m autograder grade)    {graded:7.1f} s")
    print(f"  grading / execution                      {graded / plain:7.3f}   (goal <= 0.08)")
    print(f"batch of {args.batch}, --jobs 1                   {jobs1:7.1f} s")
    print(f"batch of {args.batch}, --jobs 2                   {jobs2:7.1f} s")
    print(f"  jobs 1 / jobs 2                          {jobs1 / jobs2:7.2f}x  (goal >= 1.8)")
    print(f"  --jobs by default on this machine        {default_jobs():7d}")
    print(f"grading it with `while True: pass` added  {infinite:7.1f} s   (goal <= 75)")
    print(f"load average after the runs               {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")
    print(f"python -m autograder build                 {build:7.1f} s   (goal <= 15)")


if __name__ == "__main__":
    main()
