"""The otter-grader plugin: grades Project 1 with this package instead of otter's own tests.

Listed in the master notebook's assignment config; otter assign copies it to the
autograder's otter_config.json::

    generate:
        plugins:
            - autograder.plugin.Project1Plugin:
                cell_timeout: 240   # seconds one cell may run (optional)
                timeout: 480        # seconds the whole notebook may run (optional)
                memory_mb: 1024     # the student's kernel's data segment (optional)

Stock otter runs each question's tests in the student's kernel, where later questions have
overwritten earlier names and where the student's code can patch the test runner. This
plugin grades the notebook itself in `before_execution` (per-question checkpoints, verdicts
in this process), hands otter an empty notebook to run, and replaces otter's results with
its own in `after_grading`.
"""

from __future__ import annotations

from pathlib import Path

import nbformat
from otter.plugins import AbstractOtterPlugin
from otter.test_files import GradingResults
from otter.test_files.abstract_test import TestCase, TestCaseResult, TestFile

from autograder import sandbox
from autograder.grade import CELL_TIMEOUT, grade_json
from autograder.results import QuestionResult, SubmissionResult

# Gradescope stops an autograder after 10 minutes and then shows the student nothing;
# stopping ourselves first keeps every point earned so far.
GRADESCOPE_TIMEOUT = 480.0
# The student's kernel's data segment on Gradescope. A huge allocation fails inside the kernel
# instead of getting the whole container (768 MB) killed. A correct submission's kernel has
# ~490 MB of data on 2 cores and more on hosts with many cores (JAX's thread stacks), so the
# limit leaves room: an allocation of a few hundred MB can still exceed the container.
GRADESCOPE_MEMORY_MB = 1024


class GradedQuestion(TestFile):
    """A question graded by this package, in the shape otter's results expect."""

    @classmethod
    def from_question(cls, question: QuestionResult) -> GradedQuestion:
        cases = [TestCase(c.name, "", False, c.points, None, None) for c in question.checks]
        graded = cls(question.name, question.name, cases, all_or_nothing=False)
        graded.test_case_results = [
            TestCaseResult(case, check.message, check.passed) for case, check in zip(cases, question.checks)
        ]
        return graded

    @classmethod
    def from_file(cls, path: str) -> TestFile:
        raise NotImplementedError("graded questions are made from results, not read from files")

    @classmethod
    def from_metadata(cls, s, path: str) -> TestFile:
        raise NotImplementedError("graded questions are made from results, not read from metadata")

    def run(self, global_environment: dict) -> None:
        raise NotImplementedError("graded questions are already graded")


class Project1Plugin(AbstractOtterPlugin):
    result: SubmissionResult | None = None

    def before_execution(self, submission):
        config = self.plugin_config or {}
        # Gradescope's autograder folder holds this package's source and otter's tests.
        sandbox.keep_private([Path(self.submission_path).resolve().parents[1] / "source"])
        self.result = grade_json(
            Path(self.submission_path).stem,
            submission,
            cell_timeout=float(config.get("cell_timeout", CELL_TIMEOUT)),
            timeout=float(config.get("timeout", GRADESCOPE_TIMEOUT)),
            memory_mb=int(config.get("memory_mb", GRADESCOPE_MEMORY_MB)),
        )
        # Otter still executes what we return; nothing of the student's needs to run again.
        return nbformat.v4.new_notebook()

    def after_grading(self, results: GradingResults) -> None:
        if self.result is None:
            return
        results.clear_results()
        # Otter reading its own (empty) run's results may have failed; ours stand regardless.
        results._catastrophic_error = None
        for question in self.result.questions:
            results.results[question.name] = GradedQuestion.from_question(question)
        summary = f"Status: {self.result.status}. Score: {self.result.score:g} / {self.result.possible:g}."
        results.set_output("\n".join([summary, *self.result.messages]))
