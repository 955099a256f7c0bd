"""`python -m reference` rewrites golden.json; `--check` only compares and exits 1 on a difference.

Golden values change only through this command, and the diff of golden.json is reviewed.
"""

import argparse
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from reference import GOLDEN_FILE
from reference.golden import compute_golden


def run(argv: list[str] | None, prog: str, golden_file: Path, compute: Callable[[], dict[str, Any]]) -> int:
    """An assignment's golden-values command: write `golden_file` from `compute`, or with
    `--check` only compare (exit 1 on a difference)."""
    parser = argparse.ArgumentParser(prog=prog, description=__doc__)
    parser.add_argument("--check", action="store_true", help="compare with golden.json, write nothing")
    args = parser.parse_args(argv)
    text = json.dumps(compute(), indent=1) + "\n"
    if args.check:
        committed = golden_file.read_text() if golden_file.is_file() else ""
        if committed != text:
            print(f"{golden_file} is out of date: run `{prog}` and review the diff.")
            return 1
        print(f"{golden_file} matches the reference.")
        return 0
    golden_file.write_text(text)  # the checkout's own file: golden values are rewritten from one
    print(f"wrote {golden_file}")
    return 0


def main(argv: list[str] | None = None) -> int:
    return run(argv, "python -m reference", GOLDEN_FILE, compute_golden)


if __name__ == "__main__":
    sys.exit(main())
