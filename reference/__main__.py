"""`python -m reference` rewrites golden.json; `--check` only compares and exits 1 on a difference.

Golden values change only through this command, and the diff of golden.json is reviewed.
"""

import argparse
import json
import sys
from importlib import resources

from reference import GOLDEN_FILE
from reference.golden import compute_golden


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m reference", description=__doc__)
    parser.add_argument("--check", action="store_true", help="compare with golden.json, write nothing")
    args = parser.parse_args(argv)

    text = json.dumps(compute_golden(), indent=1) + "\n"
    if args.check:
        committed = GOLDEN_FILE.read_text() if GOLDEN_FILE.is_file() else ""
        if committed != text:
            print(f"{GOLDEN_FILE} is out of date: run `python -m reference` and review the diff.")
            return 1
        print(f"{GOLDEN_FILE} matches the reference.")
        return 0
    # The checkout's own file: as_file gives its path (golden values are rewritten from a checkout).
    with resources.as_file(GOLDEN_FILE) as path:
        path.write_text(text)
    print(f"wrote {GOLDEN_FILE}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
