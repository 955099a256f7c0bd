"""Autograder for TDM 40200's JAX assignments: an engine, an otter-grader plugin and a command line.

The public surface:

    from autograder import grade_notebook
    result = grade_notebook("submission.ipynb")   # a SubmissionResult
    result.score, result.possible, result.status

Layers, lowest first; a module imports only from its own layer or the layers below it, never
upward (tests/test_layers.py checks every import, including those inside functions):

1. `reference`: the reference solution and golden.json (truth; it knows nothing of grading).
2. `autograder.golden`, `autograder.rubric`, `autograder.status`, `autograder.hints`,
   `autograder.results`, `autograder.probe_protocol`, `autograder.folders`, `autograder.removal`:
   golden values as plain data, the rubric's items and points, how a run ended, the hints (both
   texts of each), the plain result dataclasses, the probe's wire format (what the checks read
   and the kernel is asked), and the file-system helpers every verb shares (what an output
   folder holds, removing a tree of any depth).
3. `autograder.checks`, `autograder.trust`, `autograder.assignment`: pure comparisons of what a
   submission produced against the golden values, one check per rubric item, each returning its
   `CheckResult`; the points withheld when the kernel's report was put in doubt; and the
   assignment (`assignments/<name>/`) as the engine sees it, and where it is found.
4. `autograder.notebook`, `autograder.statements`, `autograder.versions`, `autograder.headings`,
   `autograder.regions`, `autograder.layout`, `autograder.suspicious`, `autograder.timing_loops`,
   `autograder.fast_path`: reading a notebook and finding, in one pass, its steps, question
   regions and checkpoints, what its cells bind and do, before anything runs.
5. `autograder.execute`, `autograder.kernel_session`, `autograder.step_runner`,
   `autograder.probe_channel`, `autograder.size_monitor`, `autograder.probe`,
   `autograder.sandbox`, `autograder.runtime_flags`, `autograder.compile_cache`,
   `autograder.report_channel`, `autograder.outside`, `autograder.receive`, `autograder.mounts`:
   running the notebook (`execute` puts the parts together) in a kernel of its own started
   within its limits, as a user of its own with a view of the file system of its own, its steps
   run one by one within their time limits, probing what it left (asking the probe, the probe
   itself, sent as text with the assignment's probes, the pipe it reports on), what the kernel
   looked like afterwards, the compiled code a kernel may start from, what the grader sees of the kernel from outside, and how much of what
   the kernel sends the grader reads (and whether all of it was read). Just above them sit the
   assignments' own modules (`assignments`: each one's rubric, checks, hints, rules, layout
   rules and kernel-side probes), which nothing in `autograder` imports: the engine takes an
   assignment as an argument.
6. `autograder.pipeline`: one notebook to a `SubmissionResult` (read, run, probe, check).
7. `autograder.grade`: the `grade` verb, from a batch to its gradebook, feedback and report.
8. `autograder.plugin`, `autograder.cli`, `autograder.build`, `autograder.gradescope` and this
   package's own surface: orchestration for otter-grader, Gradescope and the command line.
"""

from autograder.pipeline import grade_notebook
from autograder.results import CheckResult, QuestionResult, SubmissionResult

__all__ = ["CheckResult", "QuestionResult", "SubmissionResult", "grade_notebook"]
