"""`python -m autograder.grade.worker NOTEBOOK FOLDER`: grade one notebook, write its files.

Run by the batch in a process of its own so that nothing one submission does can stop the
others.
"""

import argparse
from pathlib import Path

from autograder.grade import grade_notebook
from autograder.grade.output import write_submission


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("notebook", type=Path)
    parser.add_argument("folder", type=Path)
    parser.add_argument("--name", required=True)
    parser.add_argument("--cell-timeout", type=float, required=True)
    parser.add_argument("--timeout", type=float, required=True)
    parser.add_argument("--faithful", action="store_true")
    parser.add_argument("--fast-cell-timeout", type=float, default=None)
    args = parser.parse_args()
    result = grade_notebook(
        args.notebook,
        name=args.name,
        cell_timeout=args.cell_timeout,
        timeout=args.timeout,
        faithful=args.faithful,
        fast_cell_timeout=args.fast_cell_timeout,
    )
    write_submission(result, args.folder)


if __name__ == "__main__":
    main()
