"""`python -m autograder.grade.worker NOTEBOOK FOLDER --name NAME ...`: grade one notebook, write
its files.

Run by the batch in a process of its own so that nothing one submission does can stop the
others. With `--warm` (and no NOTEBOOK/FOLDER), the worker first starts its kernel, then
reads the one submission it grades from stdin as a JSON line `{"notebook", "folder", "name"}`
(see `autograder.grade.warm`); at the end of stdin without one it shuts the kernel down.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from autograder import sandbox
from autograder.compile_cache import CompileCache
from autograder.grade.output import write_submission
from autograder.pipeline import grade_notebook


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("notebook", type=Path, nargs="?")
    parser.add_argument("folder", type=Path, nargs="?")
    parser.add_argument("--name")
    parser.add_argument("--assignment", required=True, help="the assignment's name or folder")
    parser.add_argument("--cell-timeout", type=float, required=True)
    parser.add_argument("--timeout", type=float, required=True)
    parser.add_argument("--faithful", action="store_true")
    parser.add_argument("--fast-cell-timeout", type=float, default=None)
    parser.add_argument("--compile-cache", type=Path, help="the seed of the kernel's compilation cache")
    parser.add_argument("--warm", action="store_true", help="start the kernel, then read the job from stdin")
    parser.add_argument("--hide", type=Path, action="append", default=[], help="a path kernels must not see")
    args = parser.parse_args()
    sandbox.hide(args.hide)
    notebook, folder, name = args.notebook, args.folder, args.name
    cache = CompileCache(seed=args.compile_cache) if args.compile_cache else None
    if args.warm:
        from autograder import execute

        execute.prestart(compile_cache=cache)
        line = sys.stdin.readline()
        if not line.strip():
            execute.discard_prestarted()
            return
        job = json.loads(line)
        notebook, folder, name = Path(job["notebook"]), Path(job["folder"]), str(job["name"])
    if notebook is None or folder is None or name is None:
        parser.error("NOTEBOOK, FOLDER and --name are needed (on the command line, or on stdin with --warm)")
    try:
        result = grade_notebook(
            notebook,
            args.assignment,
            name=name,
            cell_timeout=args.cell_timeout,
            timeout=args.timeout,
            faithful=args.faithful,
            fast_cell_timeout=args.fast_cell_timeout,
            compile_cache=cache,
        )
    finally:
        if args.warm:  # a notebook that could not be read never took the kernel
            from autograder import execute

            execute.discard_prestarted()
    write_submission(result, folder)


if __name__ == "__main__":
    main()
