"""Which points a run's findings put in doubt (`probe_protocol.Finding`), decided here, in the
grading process, never in the kernel.

- Any finding (a hook left in the kernel, a replaced module attribute, an inspection that gave
  no readable report, a channel or report found wrong): the items whose evidence is printed
  text (the rubric's `printed` items) earn nothing. Such code could print anything
  after any cell, and printed text has no channel of its own to hold to account.
- A report contradicted from outside (`outside.contradicted_timing`): every item of that
  question earns nothing, since the report is forged in part and so possibly in whole.
- The report channel carried more than the probe's reports, or a copy of it was held
  (`report_channel`): every item earns nothing, since each report came through that channel.
An item withheld keeps its place and points with a message that says why, for the student and
the TA who reads the `kernel:` flags that come with it.
"""

from __future__ import annotations

from autograder.probe_protocol import Finding, Seen
from autograder.results import CheckResult, QuestionResult
from autograder.rubric import Rubric

WITHHELD = (
    "not awarded automatically: code in your notebook changed how the kernel reports or displays "
    "results, so the grader cannot trust what it showed. A TA will review it."
)


def withheld_items(question: str, findings: tuple[Finding, ...], rubric: Rubric) -> frozenset[str] | None:
    """The names of the question's items its findings withhold; None means all of them."""
    if any(f.seen is Seen.CHANNEL for f in findings):
        return None
    if any(f.seen is Seen.CONTRADICTED and f.question == question for f in findings):
        return None
    return rubric.printed if findings else frozenset()


def withhold(
    results: list[QuestionResult], findings: tuple[Finding, ...], rubric: Rubric
) -> list[QuestionResult]:
    """`results` with each item the findings put in doubt failed, its message saying why."""
    kept = []
    for result in results:
        withheld = withheld_items(result.name, findings, rubric)
        checks = tuple(
            _withheld(check, rubric)
            if check.passed and (withheld is None or check.name in withheld)
            else check
            for check in result.checks
        )
        kept.append(QuestionResult(result.name, checks))
    return kept


def _withheld(check: CheckResult, rubric: Rubric) -> CheckResult:
    item = rubric.item_named(check.name)
    return CheckResult(
        check.name, False, check.points, f"{item.description}: {WITHHELD}", check.message, check.graded
    )
