"""`python -m autograder VERB`: wires flags to each verb; the verbs do the work."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from autograder.grade import CELL_TIMEOUT, TIMEOUT


def _grade(args: argparse.Namespace) -> int:
    from autograder.grade.batch import find_notebooks, grade_many

    if not find_notebooks(args.paths):
        print("no .ipynb files found in " + ", ".join(map(str, args.paths)), file=sys.stderr)
        return 2
    results = grade_many(args.paths, args.out, jobs=args.jobs, cell_timeout=args.cell_timeout,
                         timeout=args.timeout, force=args.force, faithful=args.faithful)
    print()
    print(table(args.out / "grades.csv"))
    print(f"\nwrote {args.out / 'grades.csv'} ({len(results)} submissions)")
    return 0


def table(csv_path: Path) -> str:
    """The gradebook as aligned columns, for the terminal."""
    import csv

    with open(csv_path, newline="") as f:
        rows = list(csv.reader(f))
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return "\n".join("  ".join(cell.ljust(w) for cell, w in zip(row, widths)).rstrip() for row in rows)


def _build(args: argparse.Namespace) -> int:
    from autograder.build import BuildError, build

    try:
        build(args.master, args.out)
    except BuildError as error:
        print(f"build failed: {error}", file=sys.stderr)
        return 1
    return 0


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(prog="python -m autograder", description=__doc__)
    verbs = top.add_subparsers(dest="verb", required=True)

    grade = verbs.add_parser(
        "grade",
        help="grade notebooks locally (no Docker) into a gradebook",
        description="Grade .ipynb files (or folders of them). Writes OUT/grades.csv and "
        "OUT/<submission>/results.json in Gradescope's format. Example: "
        "python -m autograder grade submissions/ --out grades --jobs 2",
    )
    grade.add_argument("paths", nargs="+", type=Path, help="notebooks, or folders searched for *.ipynb")
    grade.add_argument("--out", type=Path, required=True, help="folder for grades.csv and per-submission results")
    grade.add_argument("--jobs", type=int, default=1, help="submissions graded at once (default 1)")
    grade.add_argument("--timeout", type=float, default=TIMEOUT,
                       help=f"seconds one submission may run in all (default {TIMEOUT:g})")
    grade.add_argument("--cell-timeout", type=float, default=CELL_TIMEOUT,
                       help=f"seconds one cell may run before it is interrupted (default {CELL_TIMEOUT:g})")
    grade.add_argument("--force", action="store_true", help="regrade submissions already graded in OUT")
    grade.add_argument("--faithful", action="store_true",
                       help="run every cell exactly as written (by default the timing loops no check "
                       "reads are shortened; verdicts are the same, grading is ~10x faster)")
    grade.set_defaults(run=_grade)

    build = verbs.add_parser(
        "build",
        help="run otter assign: the student notebook and the Gradescope autograder zip",
        description="Example: python -m autograder build (writes dist/student and dist/autograder)",
    )
    build.add_argument("--master", type=Path, default=Path("assignments/project1/project1.ipynb"))
    build.add_argument("--out", type=Path, default=Path("dist"))
    build.set_defaults(run=_build)
    return top


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    return args.run(args)
