"""The otter-grader plugin: grades an assignment with this package instead of otter's own tests.

Listed under the top-level `plugins:` of the master notebook's assignment config (so that
`otter assign` runs its `during_assign` event); otter assign copies it to the autograder's
otter_config.json::

    plugins:
        - autograder.plugin.AutograderPlugin:
            assignment: NAME    # the folder under assignments/ (optional; default the config's `name:`)
            cell_timeout: 240   # seconds one cell may run (optional)
            timeout: 480        # seconds the whole notebook may run (optional)
            memory_mb: 1024     # the student's kernel's data segment (optional)
            hints: concept      # after a failed item: concept (default), code or none

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

import traceback
from pathlib import Path
from typing import Any

import nbformat
from otter.plugins import AbstractOtterPlugin
from otter.test_files import GradingResults
from otter.test_files.abstract_test import TestCase, TestCaseResult, TestFile

from autograder import sandbox
from autograder.assignment import of_master
from autograder.build import otter_zip
from autograder.gradescope.config import ASSIGNMENT_KEY, assignment_of, plugin_settings
from autograder.gradescope.results_json import HIDDEN_FROM_STUDENTS, flags_entry, question_output
from autograder.gradescope.uploads import recorded_choice
from autograder.hints import DEFAULT_MODE, HintMode, shown
from autograder.pipeline import CELL_TIMEOUT, GRADER_FAILED, grade_parsed, zero
from autograder.results import QuestionResult, SubmissionResult
from autograder.status import Kind, Status

# Gradescope stops an autograder after 10 minutes and then shows the student nothing;
# stopping ourselves first keeps every point earned so far.
GRADESCOPE_TIMEOUT = 480.0
# The student's kernel's data segment on Gradescope. A huge allocation fails inside the kernel
# instead of getting the whole container (768 MB) killed. A correct submission's kernel has
# ~490 MB of data on 2 cores and more on hosts with many cores (JAX's thread stacks), so the
# limit leaves room: an allocation of a few hundred MB can still exceed the container.
GRADESCOPE_MEMORY_MB = 1024


class GradedQuestion(TestFile):  # type: ignore[misc]  # otter ships no types: TestFile is Any
    """A question graded by this package, in the shape otter's results expect; its summary (the
    test's output on Gradescope) is ours: items by their description, no otter test names."""

    output: str = ""

    @classmethod
    def from_question(
        cls, question: QuestionResult, number: int, mode: HintMode = DEFAULT_MODE
    ) -> GradedQuestion:
        """`number`: the question's number, as the student reads it."""
        cases = [TestCase(c.name, "", False, c.points, None, None) for c in question.checks]
        graded = cls(question.name, question.name, cases, all_or_nothing=False)
        graded.test_case_results = [
            TestCaseResult(case, shown(check, mode), check.passed)
            for case, check in zip(cases, question.checks, strict=True)
        ]
        graded.output = question_output(question, number, mode)
        return graded

    def summary(self, public_only: bool = False) -> str:
        return self.output

    @classmethod
    def from_file(cls, path: str) -> TestFile:
        raise NotImplementedError("graded questions are made from results, not read from files")

    @classmethod
    def from_metadata(cls, s: str, path: str) -> TestFile:
        raise NotImplementedError("graded questions are made from results, not read from metadata")

    def run(self, global_environment: dict[str, Any]) -> None:
        raise NotImplementedError("graded questions are already graded")


class AutograderPlugin(AbstractOtterPlugin):  # type: ignore[misc]  # otter ships no types
    result: SubmissionResult | None = None

    def during_assign(self, assignment: Any) -> None:
        otter_zip.take_over_run_otter()
        otter_zip.add_package(assignment)

    def during_generate(self, otter_config: dict[str, Any], assignment: Any) -> None:
        otter_zip.finish_config(otter_config)
        # The zip names the assignment it grades: its start-up reads it before otter runs.
        settings = plugin_settings(otter_config)
        named = settings.get(ASSIGNMENT_KEY) or assignment.name
        # By its folder's name: the zip holds the folder under `assignments/` (see `otter_zip`).
        settings[ASSIGNMENT_KEY] = of_master(Path(str(assignment.master)), named).folder.name

    def before_execution(self, submission: Any) -> Any:
        config = self.plugin_config or {}
        # Gradescope's autograder folder holds this package's source and otter's tests; otter
        # copies the zip's files (this package) into the submission folder.
        autograder_dir = Path(self.submission_path).resolve().parents[1]
        graders = [autograder_dir / name for name in ("source", "submission", "results")]
        sandbox.keep_private(graders)
        sandbox.hide(graders)  # covered too, where each kernel gets a view of its own
        name = Path(self.submission_path).stem
        graded = assignment_of(config)
        try:
            self.result = grade_parsed(
                name,
                submission,
                graded,
                cell_timeout=float(config.get("cell_timeout", CELL_TIMEOUT)),
                timeout=float(config.get("timeout", GRADESCOPE_TIMEOUT)),
                memory_mb=int(config.get("memory_mb", GRADESCOPE_MEMORY_MB)),
            )
        except Exception as error:  # results.json still says why, to the student and the instructor
            traceback.print_exc()
            detail = f"{type(error).__name__}: {error}"[:185]
            self.result = zero(name, graded.rubric, Status(Kind.GRADER_ERROR, detail=detail), GRADER_FAILED)
        # Otter still executes what we return; nothing of the student's needs to run again.
        return nbformat.v4.new_notebook()  # type: ignore[no-untyped-call]  # nbformat is unannotated

    def after_grading(self, results: GradingResults) -> None:
        if self.result is None:
            return
        results.clear_results()
        # Otter reading its own (empty) run's results may have failed; ours stand regardless.
        results._catastrophic_error = None
        mode = HintMode.read((self.plugin_config or {}).get("hints"))
        rubric = assignment_of(self.plugin_config or {}).rubric
        for question in self.result.questions:
            number = rubric.question(question.name).number
            results.results[question.name] = GradedQuestion.from_question(question, number, mode)
        summary = f"Status: {self.result.status}. Score: {self.result.score:g} / {self.result.possible:g}."
        choice = recorded_choice(Path(self.submission_path).resolve().parents[1])
        graded = choice.message() if choice else f"Graded notebook: {Path(self.submission_path).name}."
        results.set_output("\n".join([graded, summary, *self.result.messages]))
        _finish_results_json(results, flags_entry(self.result.flags) if self.result.flags else None)


def _finish_results_json(results: GradingResults, entry: dict[str, Any] | None) -> None:
    """What otter writes into results.json, finished: the flags entry keeps its own visibility
    (otter gives every test the one `show_hidden` selects), and the autograder's stdout (otter's
    banner, "No log found with which to verify student scores.") is for instructors only."""
    as_otter_writes = results.to_gradescope_dict

    def finished(ag_config: Any) -> dict[str, Any]:
        output: dict[str, Any] = as_otter_writes(ag_config)
        if entry is not None:
            output["tests"] = [*output.get("tests", []), entry]
        output["stdout_visibility"] = HIDDEN_FROM_STUDENTS
        return output

    # This instance only: this one submission's results.
    results.to_gradescope_dict = finished
