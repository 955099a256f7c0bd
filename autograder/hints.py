"""What a hint is: the two texts a student may read after a failed item.

Every hint has two texts: `concept` names the idea and the documentation page that explains it,
never the answer's code; `code` is the fix itself. The instructor chooses which one students read
with the `hints` setting of the plugin's config in the master notebook (`HintMode`, default
`concept`): Gradescope's results (`autograder.plugin`) and `grader.check`'s messages (the master's
public tests, checked by `autograder.build.master`) both follow it. The hints themselves are the
assignment's (`assignments/<name>/hints.py`, and `Assignment.hints` for its public tests).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # results.py holds hints: a type-only import keeps the two modules acyclic
    from autograder.results import CheckResult


class HintMode(Enum):
    CONCEPT = "concept"
    CODE = "code"
    NONE = "none"

    @classmethod
    def read(cls, value: object) -> HintMode:
        """The mode a config gives (None: the default); a clear error for anything else."""
        if value is None:
            return DEFAULT_MODE
        try:
            return cls(str(value).strip().lower())
        except ValueError:
            allowed = ", ".join(mode.value for mode in cls)
            raise ValueError(f"hints: {value!r} is not one of {allowed}") from None


DEFAULT_MODE = HintMode.CONCEPT


@dataclass(frozen=True)
class Hint:
    concept: str
    code: str

    def text(self, mode: HintMode) -> str:
        return {HintMode.CONCEPT: self.concept, HintMode.CODE: self.code, HintMode.NONE: ""}[mode]


def same(text: str) -> Hint:
    """A hint that gives no code away, so both modes read it."""
    return Hint(text, text)


def shown(check: CheckResult, mode: HintMode = DEFAULT_MODE) -> str:
    """The item's message as the student reads it: the hint (in `mode`) after a failure."""
    text = check.hint.text(mode) if check.hint is not None and not check.passed else ""
    return f"{check.message} Hint: {text}" if text else check.message
