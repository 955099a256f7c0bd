"""`python -m reference.mlp` rewrites the MLP assignment's golden.json; `--check` only compares
and exits 1 on a difference. Golden values change only through this command."""

import argparse
import json
import sys

from reference.mlp import GOLDEN_FILE
from reference.mlp.golden import compute_golden


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m reference.mlp", description=__doc__)
    parser.add_argument("--check", action="store_true", help="compare with golden.json, write nothing")
    args = parser.parse_args(argv)
    text = json.dumps(compute_golden(), indent=1) + "\n"
    if args.check:
        committed = GOLDEN_FILE.read_text() if GOLDEN_FILE.is_file() else ""
        if committed != text:
            print(f"{GOLDEN_FILE} is out of date: run `python -m reference.mlp` and review the diff.")
            return 1
        print(f"{GOLDEN_FILE} matches the reference.")
        return 0
    GOLDEN_FILE.write_text(text)
    print(f"wrote {GOLDEN_FILE}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
