"""Gradescope's start-up: what the autograder zip's run_otter.py runs before otter.

Otter resolves the submission (`*.ipynb` at the top of the submission folder, else `*.py`)
before any plugin loads, and later runs a kernel of its own, as root, with the submission
folder as its working directory. `run` acts first: it keeps everything the student uploaded
in a private folder, puts back only the notebook to grade, and then hands over to otter,
whose plugin (`autograder.plugin`) grades that notebook in a sandboxed kernel.
"""

from autograder.gradescope.start import run
from autograder.gradescope.uploads import Uploads, take_charge

__all__ = ["Uploads", "run", "take_charge"]
