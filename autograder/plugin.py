"""The otter-grader plugin: grades Project 1 with this package instead of otter's own tests.

Listed under the top-level `plugins:` of the master notebook's assignment config (so that
`otter assign` runs its `during_assign` event); otter assign copies it to the autograder's
otter_config.json::

    plugins:
        - autograder.plugin.Project1Plugin:
            cell_timeout: 240   # seconds one cell may run (optional)
            timeout: 480        # seconds the whole notebook may run (optional)
            memory_mb: 1024     # the student's kernel's data segment (optional)

During `otter assign` it makes the zip work on Gradescope (`autograder.build.otter_zip`): the
package goes into the zip, and the zip's run_otter.py first keeps only the notebook to grade in
the submission folder (`autograder.gradescope`).

Stock otter runs each question's tests in the student's kernel, where later questions have
overwritten earlier names and where the student's code can patch the test runner. This
plugin grades the notebook itself in `before_execution` (per-question checkpoints, verdicts
in this process), hands otter an empty notebook to run, and replaces otter's results with
its own in `after_grading`: the student reads which notebook was graded, and the flags
(code a TA should read) go into a 0-point entry of results.json hidden from students.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import nbformat
from otter.plugins import AbstractOtterPlugin
from otter.test_files import GradingResults
from otter.test_files.abstract_test import TestCase, TestCaseResult, TestFile

from autograder import sandbox
from autograder.build import otter_zip
from autograder.gradescope.results_json import flags_entry
from autograder.gradescope.uploads import recorded_choice
from autograder.pipeline import CELL_TIMEOUT, grade_parsed
from autograder.results import QuestionResult, SubmissionResult

# Gradescope stops an autograder after 10 minutes and then shows the student nothing;
# stopping ourselves first keeps every point earned so far.
GRADESCOPE_TIMEOUT = 480.0
# The student's kernel's data segment on Gradescope. A huge allocation fails inside the kernel
# instead of getting the whole container (768 MB) killed. A correct submission's kernel has
# ~490 MB of data on 2 cores and more on hosts with many cores (JAX's thread stacks), so the
# limit leaves room: an allocation of a few hundred MB can still exceed the container.
GRADESCOPE_MEMORY_MB = 1024


class GradedQuestion(TestFile):  # type: ignore[misc]  # otter ships no types: TestFile is Any
    """A question graded by this package, in the shape otter's results expect."""

    @classmethod
    def from_question(cls, question: QuestionResult) -> GradedQuestion:
        cases = [TestCase(c.name, "", False, c.points, None, None) for c in question.checks]
        graded = cls(question.name, question.name, cases, all_or_nothing=False)
        graded.test_case_results = [
            TestCaseResult(case, check.message, check.passed)
            for case, check in zip(cases, question.checks, strict=True)
        ]
        return graded

    @classmethod
    def from_file(cls, path: str) -> TestFile:
        raise NotImplementedError("graded questions are made from results, not read from files")

    @classmethod
    def from_metadata(cls, s: str, path: str) -> TestFile:
        raise NotImplementedError("graded questions are made from results, not read from metadata")

    def run(self, global_environment: dict[str, Any]) -> None:
        raise NotImplementedError("graded questions are already graded")


class Project1Plugin(AbstractOtterPlugin):  # type: ignore[misc]  # otter ships no types
    result: SubmissionResult | None = None

    def during_assign(self, assignment: Any) -> None:
        otter_zip.take_over_run_otter()
        otter_zip.add_package(assignment)

    def during_generate(self, otter_config: dict[str, Any], assignment: Any) -> None:
        otter_zip.finish_config(otter_config)

    def before_execution(self, submission: Any) -> Any:
        config = self.plugin_config or {}
        # Gradescope's autograder folder holds this package's source and otter's tests; otter
        # copies the zip's files (this package) into the submission folder.
        autograder_dir = Path(self.submission_path).resolve().parents[1]
        graders = [autograder_dir / name for name in ("source", "submission", "results")]
        sandbox.keep_private(graders)
        sandbox.hide(graders)  # covered too, where each kernel gets a view of its own
        self.result = grade_parsed(
            Path(self.submission_path).stem,
            submission,
            cell_timeout=float(config.get("cell_timeout", CELL_TIMEOUT)),
            timeout=float(config.get("timeout", GRADESCOPE_TIMEOUT)),
            memory_mb=int(config.get("memory_mb", GRADESCOPE_MEMORY_MB)),
        )
        # Otter still executes what we return; nothing of the student's needs to run again.
        return nbformat.v4.new_notebook()  # type: ignore[no-untyped-call]  # nbformat is unannotated

    def after_grading(self, results: GradingResults) -> None:
        if self.result is None:
            return
        results.clear_results()
        # Otter reading its own (empty) run's results may have failed; ours stand regardless.
        results._catastrophic_error = None
        for question in self.result.questions:
            results.results[question.name] = GradedQuestion.from_question(question)
        summary = f"Status: {self.result.status}. Score: {self.result.score:g} / {self.result.possible:g}."
        choice = recorded_choice(Path(self.submission_path).resolve().parents[1])
        graded = choice.message() if choice else f"Graded notebook: {Path(self.submission_path).name}."
        results.set_output("\n".join([graded, summary, *self.result.messages]))
        if self.result.flags:
            _add_hidden_entry(results, flags_entry(self.result.flags))


def _add_hidden_entry(results: GradingResults, entry: dict[str, Any]) -> None:
    """Otter gives every test of results.json one visibility (`show_hidden`); this entry
    keeps its own, added when otter writes results.json."""
    as_otter_writes = results.to_gradescope_dict

    def with_entry(ag_config: Any) -> dict[str, Any]:
        output: dict[str, Any] = as_otter_writes(ag_config)
        output["tests"] = [*output.get("tests", []), entry]
        return output

    # This instance only: the flags entry of this one submission.
    results.to_gradescope_dict = with_entry
