"""Reference solution of TDM 40200 Project 1 and the golden values graded against.

``reference.questions`` holds the five questions as plain functions (it imports JAX);
``python -m reference`` recomputes ``golden.json`` for every PRNG mode. Importing this
package itself stays free of JAX so that the grading process can read the golden values
without paying for it.
"""

from importlib import resources

GOLDEN_FILE = resources.files(__name__) / "golden.json"

__all__ = ["GOLDEN_FILE"]
