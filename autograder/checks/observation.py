"""What the grading process knows about one question of one submission."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from autograder.checks.compare import verdict
from autograder.golden import Golden
from autograder.results import CheckResult
from autograder.rubric import Item

# A question's probe inputs, chosen at grading time by its module's `plan` (plain JSON data: the
# kernel-side probe receives it too).
Plan = dict[str, Any]


@dataclass(frozen=True)
class Observation:
    """`values` is what the kernel-side probe reported at the question's checkpoint, decoded
    by `autograder.probe_protocol`; `captures`, what it reported at the question's other
    checkpoints, each with its tag (a name the answer binds more than once, probed at each
    binding); `outputs` is the text the question's cells displayed."""

    question: str
    values: dict[str, Any] = field(default_factory=dict)
    captures: tuple[tuple[str, dict[str, Any]], ...] = ()
    outputs: tuple[str, ...] = ()

    def get(self, name: str) -> Any:
        if name not in self.values and "probe_error" in self.values:
            return self.values["probe_error"]
        return self.values.get(name, {"kind": "unreadable"})

    def listed(self, name: str) -> list[Any]:
        """A probe's list of values (one per input the grader chose); empty when absent."""
        found = self.values.get(name)
        return found if isinstance(found, list) else []

    @property
    def error(self) -> str | None:
        """Why the whole probe failed (a timeout, output too large …), in a student's words."""
        return probe_failure(self.values)


def probe_failure(values: dict[str, Any] | None) -> str | None:
    error = (values or {}).get("probe_error")
    if not isinstance(error, dict):
        return None
    message = str(error.get("message", "")).strip()
    if error.get("type") in ("Timeout", "OutputTooLarge"):
        return f"it could not be checked: {message}"
    return f"it could not be checked: calling your functions raised {error.get('type')}: {message}"


def all_failed(items: Iterable[Item], problem: str) -> list[CheckResult]:
    return [verdict(item, problem) for item in items]


# One rubric item's check: what the submission showed, against the golden values.
Check = Callable[["Observation", Golden, Plan], CheckResult]
