"""`python -m reference.mlp` rewrites the MLP assignment's golden.json; `--check` only compares
and exits 1 on a difference. Golden values change only through this command."""

import sys

from reference.__main__ import run
from reference.mlp import GOLDEN_FILE
from reference.mlp.golden import compute_golden


def main(argv: list[str] | None = None) -> int:
    return run(argv, "python -m reference.mlp", GOLDEN_FILE, compute_golden)


if __name__ == "__main__":
    sys.exit(main())
