"""Plain results: a check's verdict, a question's checks, a submission's questions.

Scores are derived, never stored. Rendering (results.json, CSV rows) lives in
`autograder.grade.output`.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from autograder.hints import Hint
from autograder.status import OK, Status


@dataclass(frozen=True)
class CheckResult:
    """One graded item: `points` is what it is worth, earned only when `passed`."""

    name: str
    passed: bool
    points: float
    message: str
    # For instructors only (a traceback, the raw value); never shown to the student.
    detail: str = ""
    # False when the notebook stopped before the item's question: it says nothing of the answer.
    graded: bool = True
    # What the student reads after the message when the item failed, in the instructor's chosen
    # mode (`autograder.hints.shown`); `message` itself holds no hint.
    hint: Hint | None = None

    @property
    def score(self) -> float:
        return self.points if self.passed else 0.0

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "score": self.score}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> CheckResult:
        # grading.json files of earlier runs have no "graded": their unreached items said so.
        graded = data.get("graded", ": not graded (" not in data["message"])
        return cls(
            data["name"],
            bool(data["passed"]),
            float(data["points"]),
            data["message"],
            data.get("detail", ""),
            bool(graded),
            Hint(**data["hint"]) if isinstance(data.get("hint"), dict) else None,
        )


@dataclass(frozen=True)
class QuestionResult:
    name: str
    checks: tuple[CheckResult, ...]

    @property
    def score(self) -> float:
        return sum(check.score for check in self.checks)

    @property
    def possible(self) -> float:
        return sum(check.points for check in self.checks)

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "score": self.score,
            "possible": self.possible,
            "checks": [check.to_dict() for check in self.checks],
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> QuestionResult:
        return cls(data["name"], tuple(CheckResult.from_dict(c) for c in data["checks"]))


@dataclass(frozen=True)
class SubmissionResult:
    """`status` says how the run ended (`autograder.status`): OK when grading ran to the end."""

    submission: str
    questions: tuple[QuestionResult, ...]
    status: Status = OK
    # What the student should know about the run as a whole (a time-out, a dead kernel).
    messages: tuple[str, ...] = field(default=())
    # Code a TA should read (`autograder.suspicious`); for instructors only, never worth points.
    flags: tuple[str, ...] = field(default=())

    @property
    def score(self) -> float:
        return sum(q.score for q in self.questions)

    @property
    def possible(self) -> float:
        return sum(q.possible for q in self.questions)

    def question(self, name: str) -> QuestionResult:
        return next(q for q in self.questions if q.name == name)

    def to_dict(self) -> dict[str, Any]:
        return {
            "submission": self.submission,
            "status": self.status.to_dict(),
            "score": self.score,
            "possible": self.possible,
            "messages": list(self.messages),
            "flags": list(self.flags),
            "questions": [q.to_dict() for q in self.questions],
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> SubmissionResult:
        questions = tuple(QuestionResult.from_dict(q) for q in data["questions"])
        return cls(
            data["submission"],
            questions,
            Status.from_data(data["status"]),
            tuple(data.get("messages", ())),
            tuple(data.get("flags", ())),
        )
