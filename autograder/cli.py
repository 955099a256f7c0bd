"""`python -m autograder VERB`: wires flags to each verb; the verbs do the work."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from autograder.assignment import UnknownAssignment, default, load, of_master
from autograder.pipeline import CELL_TIMEOUT, FAST_CELL_TIMEOUT, TIMEOUT, GradingOptions


def _grade(args: argparse.Namespace) -> int:
    from autograder.grade.batch import run_batch
    from autograder.grade.jobs import default_jobs
    from autograder.grade.out_folder import refuse_foreign_out
    from autograder.grade.previous import Basis, is_grades_csv, read_previous
    from autograder.grade.report import summary
    from autograder.grade.sources import NotANotebook, SourceError
    from autograder.grade.which import infer

    try:
        assignment, why = (load(args.assignment), "--assignment") if args.assignment else infer(args.paths)
    except UnknownAssignment as error:
        print(f"grade: --assignment: {error}", file=sys.stderr)
        return 2
    print(f"assignment: {assignment.title} ({why})")
    try:
        refuse_foreign_out(args.out)
        if args.lms_item is not None and (not args.lms_item.strip() or not args.lms_item.isprintable()):
            raise SourceError(
                f"--lms-item {args.lms_item!r}: give the gradebook item's name, e.g. '{assignment.title}'"
            )
        # Read in full before anything is graded, so that a wrong file costs nothing.
        previous = read_previous(args.previous, assignment.rubric) if args.previous else None
        options = GradingOptions(args.cell_timeout, args.timeout, args.faithful, args.fast_cell_timeout)
        batch = run_batch(
            args.paths,
            args.out,
            assignment,
            options=options,
            jobs=default_jobs() if args.jobs is None else args.jobs,
            force=args.force,
            lms_item=args.lms_item.strip() if args.lms_item is not None else None,
            previous=previous,
        )
    except NotANotebook as error:
        hint = (
            f'; it is Gradescope\'s "Download Grades" CSV: give it as --previous {error.path}, '
            "beside the export zip"
            if is_grades_csv(error.path)
            else ""
        )
        print(f"grade: {error}{hint}", file=sys.stderr)
        return 2
    except SourceError as error:
        print(f"grade: {error}", file=sys.stderr)
        return 2
    print()
    print(table(args.out / "grades.csv"))
    print()
    print(
        summary(batch.results, assignment.rubric, changes=batch.written.changes, roster=batch.written.roster)
    )
    if previous is not None and previous.basis is Basis.TOTAL:
        questions = ", ".join(assignment.rubric.names)
        print(
            f"note: {args.previous.name} has no columns for the questions {questions}, so the previous scores "
            f"are its {previous.basis.value}: a change there is not always the autograder's."
        )
    if batch.doubtful_choices:
        print(
            "scored 0 on a notebook chosen among several (check the choice in its feedback.md): "
            + ", ".join(batch.doubtful_choices)
        )
    if batch.written.failed:
        print(f"feedback.md not written for: {', '.join(batch.written.failed)} (see the log above)")
    written = ", ".join(str(path) for path in batch.written.files)
    print(f"\nwrote {written} and <submission>/feedback.md ({len(batch.results)} submissions)")
    return 0


def table(csv_path: Path) -> str:
    """The gradebook as aligned columns, for the terminal; columns empty in every row (the
    students of plain notebooks) are left out."""
    import csv

    with csv_path.open(newline="", encoding="utf-8", errors="replace") as f:
        rows = list(csv.reader(f))
    kept = [i for i in range(len(rows[0])) if len(rows) == 1 or any(row[i] for row in rows[1:])]
    widths = {i: max(len(row[i]) for row in rows) for i in kept}
    return "\n".join("  ".join(row[i].ljust(widths[i]) for i in kept).rstrip() for row in rows)


def _build(args: argparse.Namespace) -> int:
    from autograder.build import BuildError, build
    from autograder.build.master import write_messages

    try:
        assignment = load(args.assignment) if args.assignment else None
        if args.master is None:
            assignment = assignment or default()
    except UnknownAssignment as error:
        print(f"build failed: --assignment: {error}", file=sys.stderr)
        return 1
    # With --master alone, `build` finds the assignment from the master's folder.
    master: Path = args.master if args.master is not None else assignment.master if assignment else Path()
    if args.write_messages:
        try:
            target = assignment or of_master(master)
            print(f"{master}: {write_messages(target, master)} public tests' messages rewritten")
        except (UnknownAssignment, OSError, ValueError, KeyError, TypeError) as error:
            print(f"build failed: --master {master}: {type(error).__name__}: {error}", file=sys.stderr)
            return 1
    try:
        build(master, args.out, assignment=assignment)
    except BuildError as error:
        print(f"build failed: {error}", file=sys.stderr)
        return 1
    return 0


def _at_least_one(text: str) -> int:
    if not text.strip().isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"{text!r}: give a whole number, 1 or more")
    return int(text)


def _seconds(text: str) -> float:
    try:
        seconds = float(text)
    except ValueError:
        seconds = float("nan")
    if not seconds > 0 or seconds == float("inf"):
        raise argparse.ArgumentTypeError(f"{text!r}: give a number of seconds above 0")
    return seconds


GRADE_DESCRIPTION = """\
Grade .ipynb files, folders of them, zips of them, or Gradescope's "Export Submissions" zip.
Writes, in DIR:
  grades.csv                  the gradebook: submission,<one column per question>,total,possible,status,names,sids,emails,flags,
                              counted_elsewhere (students whose score comes from a more recent submission)
  brightspace.csv             D2L Brightspace's grades import, one row per student (a group gives several)
  canvas.csv                  Canvas's gradebook import, one row per student, after a Points Possible row
  changes.csv                 with --previous: whose score changed since Gradescope, largest change first
  report.html, report/*.png   score histograms, the most failed checks, what did not run
  <submission>/feedback.md    what the student reads: each question's score and each check
  <submission>/results.json   Gradescope's results format (grading.json has everything)
"""

GRADE_EXAMPLES = """\
examples:
  .venv/bin/python -m autograder grade export.zip --out regrade --assignment project1
      regrade a class from Gradescope's "Export Submissions" zip, one notebook per core
  .venv/bin/python -m autograder grade submissions/ project1.ipynb --out grades
      grade every .ipynb under submissions/ and one more notebook (the assignment from their metadata)
  .venv/bin/python -m autograder grade export.zip --out regrade --force --faithful --cell-timeout 120
      regrade everything in regrade/ again, every cell as written, interrupting any after 120 s
  .venv/bin/python -m autograder grade export.zip --out regrade --previous scores.csv --lms-item "Project 1"
      also list whose score changed since Gradescope's "Download Grades" CSV (scores.csv)

A rerun with the same --out grades only the submissions not graded yet. A progress bar is shown
when stderr is a terminal; otherwise one line per submission is printed.
"""


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(
        prog="python -m autograder",
        description="The TDM 40200 autograder: grade notebooks locally (grade) or build the "
        "student notebook and the Gradescope autograder zip (build). Run it with the project's "
        ".venv/bin/python, which setup.sh makes.",
    )
    verbs = top.add_subparsers(dest="verb", required=True)

    grade = verbs.add_parser(
        "grade",
        help="grade notebooks or a Gradescope export locally (no Docker) into a gradebook",
        description=GRADE_DESCRIPTION,
        epilog=GRADE_EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    grade.add_argument(
        "paths",
        nargs="+",
        type=Path,
        metavar="PATH",
        help="a notebook, a folder searched for *.ipynb, a zip of notebooks, or a Gradescope "
        "export zip/folder (it has submission_metadata.yml); e.g. export.zip",
    )
    grade.add_argument(
        "--assignment",
        metavar="NAME",
        help="the assignment graded: a folder under assignments/ (e.g. project1) or an assignment's "
        "folder; by default the one the paths are in, or the notebooks' otter metadata names, else "
        "the course's current one (assignments/__init__.py)",
    )
    grade.add_argument(
        "--out",
        type=Path,
        required=True,
        metavar="DIR",
        help="folder for the gradebook, report and per-submission files: new, empty, or one grade "
        "wrote before (a folder holding other files is refused); e.g. --out regrade",
    )
    grade.add_argument(
        "--jobs",
        type=_at_least_one,
        default=None,
        metavar="N",
        help="submissions graded at once, each using one core and up to 768 MB (default: one "
        "per core, as many as the memory holds); --jobs 1 runs one kernel at a time",
    )
    grade.add_argument(
        "--timeout",
        type=_seconds,
        default=TIMEOUT,
        metavar="S",
        help=f"seconds one submission may run in all (default {TIMEOUT:g}); e.g. --timeout 600",
    )
    grade.add_argument(
        "--cell-timeout",
        type=_seconds,
        default=CELL_TIMEOUT,
        metavar="S",
        help=f"seconds one cell may run before it is interrupted and the notebook goes on, with "
        f"--faithful and when a notebook is graded again faithfully (default {CELL_TIMEOUT:g}); "
        "e.g. --cell-timeout 120",
    )
    grade.add_argument(
        "--fast-cell-timeout",
        type=_seconds,
        default=FAST_CELL_TIMEOUT,
        metavar="S",
        help=f"the same limit on the fast path (default {FAST_CELL_TIMEOUT:g}); a notebook that "
        "hit it is graded again with --faithful and --cell-timeout (not one whose cell never ends, "
        "`while True: pass`); "
        "e.g. --fast-cell-timeout 90",
    )
    grade.add_argument(
        "--force",
        action="store_true",
        help="regrade submissions DIR already has (by default a rerun grades only the new "
        "ones); e.g. --force after changing a check",
    )
    grade.add_argument(
        "--faithful",
        action="store_true",
        help="run every cell exactly as written, in kernels without the compilation cache (by "
        "default the timing loops no check reads are shortened and sandboxed kernels start from "
        "a cache of compiled JAX code; verdicts are the same, grading is ~10x faster); e.g. "
        "--faithful to confirm a disputed grade",
    )
    grade.add_argument(
        "--lms-item",
        default=None,
        metavar="NAME",
        help="the gradebook item brightspace.csv and canvas.csv fill "
        "(default: the assignment's, e.g. 'Project 1'); "
        "e.g. --lms-item 'Project 1 (123456)' for an existing Canvas assignment",
    )
    grade.add_argument(
        "--previous",
        type=Path,
        metavar="FILE",
        help='Gradescope\'s "Download Grades" CSV for this assignment: write '
        "changes.csv, whose score changed (matched by SID, then e-mail); e.g. --previous Project_1_scores.csv",
    )
    grade.set_defaults(run=_grade)

    build = verbs.add_parser(
        "build",
        help="run otter assign: the student notebook and the Gradescope autograder zip",
        description="Example: .venv/bin/python -m autograder build (writes dist/student and dist/autograder)",
    )
    build.add_argument(
        "--assignment",
        metavar="NAME",
        help="the assignment built: a folder under assignments/ or an assignment's folder (default: "
        "the one --master is in, else the course's current one, assignments/__init__.py)",
    )
    build.add_argument(
        "--master",
        type=Path,
        default=None,
        metavar="NOTEBOOK",
        help="the otter-assign master notebook (default: the assignment's, e.g. "
        "assignments/project1/project1.ipynb)",
    )
    build.add_argument(
        "--out",
        type=Path,
        default=Path("dist"),
        metavar="DIR",
        help="where student/ and autograder/ are written (default dist; a folder that holds "
        "anything else is refused)",
    )
    build.add_argument(
        "--write-messages",
        action="store_true",
        help="first rewrite the master's public tests' messages for its `hints` setting (after changing it)",
    )
    build.set_defaults(run=_build)
    return top


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    code: int = args.run(args)
    return code
