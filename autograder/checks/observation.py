"""What the grading process knows about one question of one submission."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Observation:
    """`values` is what the kernel-side probe reported at the question's checkpoint (for q5,
    one entry per binding of `fast_my_function`, tagged with its variant); `outputs` is the
    text the question's cells displayed."""

    question: str
    values: dict[str, Any] = field(default_factory=dict)
    captures: tuple[tuple[str, dict[str, Any]], ...] = ()
    outputs: tuple[str, ...] = ()

    def get(self, name: str) -> Any:
        return self.values.get(name, {"kind": "unreadable"})
