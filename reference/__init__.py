"""Reference solution of TDM 40200 Project 1 and the golden values graded against.

``reference.questions`` holds the five questions as plain functions (it imports JAX);
``python -m reference`` recomputes ``golden.json`` for every PRNG mode. Importing this
package itself stays free of JAX so that the grading process can read the golden values
without paying for it.
"""

from pathlib import Path

# The golden values belong to the assignment they grade: they live in its folder.
GOLDEN_FILE = Path(__file__).resolve().parents[1] / "assignments" / "project1" / "golden.json"

__all__ = ["GOLDEN_FILE"]
