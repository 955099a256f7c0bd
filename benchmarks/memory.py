"""Peak memory and time of grading one realistic submission, as on a small grading machine.

    .venv/bin/python benchmarks/memory.py [--cpus 0] [--gradescope]

Grades the solution notebook (full 100,000-iteration loops) pinned to the given CPUs
(`taskset`), sampling every 50 ms the resident memory summed over the whole process tree
(the grading process, the student's kernel, any helper). `--gradescope` runs the built
autograder zip's run_otter.py (otter, the plugin and otter's own kernel) instead of
`python -m autograder grade`. Also prints the jit speed-up the grader measured.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parents[1]
SOLUTION = ROOT / "assignments" / "project1" / "examples" / "solution.ipynb"


def tree_rss(process: psutil.Process) -> int:
    total = 0
    for member in [process, *process.children(recursive=True)]:
        try:
            total += member.memory_info().rss
        except psutil.Error:
            pass
    return total


def run_sampled(command: list[str], **kwargs) -> tuple[float, float]:
    """(wall seconds, peak summed RSS in MB) of `command` and everything it starts."""
    start = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, **kwargs)
    watched, peak, done = psutil.Process(process.pid), 0, threading.Event()

    def sample() -> None:
        nonlocal peak
        while not done.is_set():
            try:
                peak = max(peak, tree_rss(watched))
            except psutil.Error:
                pass
            time.sleep(0.05)

    sampler = threading.Thread(target=sample)
    sampler.start()
    _, stderr = process.communicate()
    done.set()
    sampler.join()
    if process.returncode != 0:
        raise SystemExit(f"{command} failed:\n{stderr.decode()[-3000:]}")
    return time.perf_counter() - start, peak / 2**20


def gradescope_command(scratch: Path) -> tuple[list[str], dict]:
    """Build the zip and lay it out as Gradescope does (see tests/test_gradescope.py)."""
    sys.path.insert(0, str(ROOT))
    from autograder.build import build
    from tests.test_gradescope import prepare_gradescope

    built = build(ROOT / "assignments/project1/project1.ipynb", scratch / "dist", verify=False, progress=lambda _: None)
    notebook = json.loads(SOLUTION.read_text())
    return prepare_gradescope(built.autograder_zip, notebook, scratch / "autograder")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cpus", default="0", help="CPUs to pin to, as taskset -c takes them (default 0)")
    parser.add_argument("--gradescope", action="store_true", help="run through otter and the plugin")
    parser.add_argument("--faithful", action="store_true", help="run every cell as written")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        scratch = Path(scratch)
        if args.gradescope:
            command, options = gradescope_command(scratch)
            results = scratch / "autograder" / "results" / "results.json"
        else:
            command = [sys.executable, "-m", "autograder", "grade", str(SOLUTION), "--out", str(scratch / "out"),
                       *(["--faithful"] if args.faithful else [])]
            options, results = {}, scratch / "out" / "solution" / "grading.json"
        seconds, peak = run_sampled(["taskset", "-c", args.cpus, *command], **options)
        data = json.loads(results.read_text())
    if args.gradescope:
        score = f"{sum(t.get('score', 0) for t in data['tests'])} / {sum(t.get('max_score', 0) for t in data['tests'])}"
        speedup = "(see the gradebook run)"
    else:
        score = f"{data['score']:g} / {data['possible']:g} ({data['status']})"
        speedup = next(c["detail"] for q in data["questions"] for c in q["checks"] if c["name"] == "speedup")
    print(f"pinned to CPUs {args.cpus}, {'Gradescope (otter + plugin)' if args.gradescope else 'autograder grade'}"
          f"{' --faithful' if args.faithful else ''}")
    print(f"wall time      {seconds:7.1f} s   (goal <= 90 s on one core)")
    print(f"peak tree RSS  {peak:7.0f} MB  (goal <= 640 MB)")
    print(f"score          {score}")
    print(f"jit check      {speedup}")


if __name__ == "__main__":
    main()
