"""What the autograder zip's run_otter.py runs: take charge of the upload, then otter."""

from __future__ import annotations

import os
from pathlib import Path

from autograder import sandbox
from autograder.gradescope.results_json import write_refusal
from autograder.gradescope.uploads import take_charge


def run(autograder_dir: str) -> None:
    """Grade the submission in `autograder_dir` (/autograder on Gradescope) as otter would,
    after leaving otter a submission folder that holds only the notebook to grade."""
    root = Path(autograder_dir)
    if os.geteuid() == 0:
        # setup.sh has no hook for plugins: the image's permissions are set here, once per run.
        report = sandbox.prepare()
        if "cannot run sandboxed" in report:
            print(report)
    uploads = take_charge(root)
    if uploads.graded is None:
        write_refusal(root / "results" / "results.json", uploads)
        return
    # Imported here: otter's import is slow and a refused upload does not need it.
    from otter.run.run_autograder import main as run_otter

    run_otter(autograder_dir)
