"""Reference solution of TDM 40200 Project 2 (short), a multilayer perceptron in JAX, and the
golden values graded against.

``reference.mlp.questions`` holds the three questions as plain functions (it imports JAX);
``python -m reference.mlp`` recomputes ``assignments/mlp/golden.json`` for every PRNG mode.
Importing this package stays free of JAX.
"""

from pathlib import Path

GOLDEN_FILE = Path(__file__).resolve().parents[2] / "assignments" / "mlp" / "golden.json"

__all__ = ["GOLDEN_FILE"]
