"""How a run ended, as data: why a notebook stopped, which cells were cut short, why a
submission could not be run at all.

Statuses are built where they happen (`autograder.execute`, the batch, the pipeline) and
rendered only at the edges: `str(status)` is the gradebook's text (grades.csv, the report,
results.json), for example `timeout (cell 39 ran past 40 s)`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import Enum
from typing import Any


class Kind(Enum):
    OK = "ok"
    # The notebook's whole time budget ran out (`cell`: the cell it was in, when known).
    TIMEOUT = "timeout"
    # One cell ran past its own limit; it was interrupted and the rest still ran.
    CELL_TIMEOUT = "cell-timeout"
    # One cell ran past its limit and would not stop: nothing after it ran.
    CELL_STUCK = "cell-stuck"
    KERNEL_DIED = "kernel-died"
    OUTPUT_TOO_LARGE = "output-too-large"
    INVALID_NOTEBOOK = "invalid-notebook"
    WRONG_ASSIGNMENT = "wrong-assignment"
    GRADER_ERROR = "grader-error"

    @property
    def label(self) -> str:
        """The word the gradebook shows: every kind of time-out reads `timeout`."""
        return "timeout" if self in (Kind.TIMEOUT, Kind.CELL_TIMEOUT, Kind.CELL_STUCK) else self.value


@dataclass(frozen=True)
class Status:
    """`cell` is 1-based, as the student counts cells; `seconds` the limit that ran out;
    `detail` what only a grader error carries (what failed, for instructors), or why a kernel
    was killed (OUT_OF_MEMORY, SENT_TOO_MUCH)."""

    kind: Kind = Kind.OK
    cell: int | None = None
    seconds: float | None = None
    detail: str = ""

    @property
    def ok(self) -> bool:
        return self.kind is Kind.OK

    @property
    def timed_out(self) -> bool:
        return self.kind.label == "timeout"

    def where(self) -> str:
        """What happened where, in words (the gradebook's text in brackets); "" when nothing."""
        cell, seconds = self.cell, self.seconds
        if self.kind is Kind.TIMEOUT:
            if seconds is None:
                return self.detail or "the grader did not finish"
            return f"the notebook ran past {seconds:g} s" + (f", in cell {cell}" if cell is not None else "")
        if self.kind is Kind.CELL_TIMEOUT:
            return f"cell {cell} ran past {seconds:g} s"
        if self.kind is Kind.CELL_STUCK:
            return f"cell {cell} ran past its limit and could not be interrupted"
        if self.kind is Kind.KERNEL_DIED and self.detail:
            return f"cell {cell}, {self.detail}"
        if self.kind in (Kind.KERNEL_DIED, Kind.OUTPUT_TOO_LARGE):
            return f"cell {cell}"
        return self.detail

    def __str__(self) -> str:
        where = self.where()
        return f"{self.kind.label} ({where})" if where else self.kind.label

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind.value, "cell": self.cell, "seconds": self.seconds, "detail": self.detail}

    @classmethod
    def from_data(cls, data: Any) -> Status:
        """The form `to_dict` writes, or the text a grading.json of an earlier run holds."""
        if isinstance(data, str):
            return from_text(data)
        return cls(Kind(data["kind"]), data.get("cell"), data.get("seconds"), data.get("detail", ""))


OK = Status()
# The detail of a kernel that died because its processes reached their memory ceiling.
OUT_OF_MEMORY = "out of memory"
# ... or because it sent the grader more at once than it may hold (see `autograder.receive`).
SENT_TOO_MUCH = "sent too much at once"

# The texts earlier runs wrote, one pattern each (read once, when an old grading.json is loaded).
_OLD_FORMS: tuple[tuple[re.Pattern[str], Kind], ...] = (
    (
        re.compile(r"timeout \(the notebook ran past (?P<seconds>[\d.e+]+) s(, in cell (?P<cell>\d+))?\)"),
        Kind.TIMEOUT,
    ),
    (re.compile(r"timeout \(cell (?P<cell>\d+) ran past (?P<seconds>[\d.e+]+) s\)"), Kind.CELL_TIMEOUT),
    (
        re.compile(r"timeout \(cell (?P<cell>\d+) ran past its limit and could not be interrupted\)"),
        Kind.CELL_STUCK,
    ),
    (re.compile(r"kernel-died \(cell (?P<cell>\d+)\)"), Kind.KERNEL_DIED),
    (re.compile(r"output-too-large \(cell (?P<cell>\d+)\)"), Kind.OUTPUT_TOO_LARGE),
)
_OLD_WITH_DETAIL = re.compile(r"(?P<kind>[a-z-]+)(?: \((?P<detail>.*)\))?", re.DOTALL)


def from_text(text: str) -> Status:
    """A status as earlier runs wrote it (`kernel-died (cell 7)`): its text renders unchanged."""
    for pattern, kind in _OLD_FORMS:
        found = pattern.fullmatch(text)
        if found:
            fields = found.groupdict()
            cell = int(fields["cell"]) if fields.get("cell") else None
            seconds = float(fields["seconds"]) if fields.get("seconds") else None
            return Status(kind, cell, seconds)
    found = _OLD_WITH_DETAIL.fullmatch(text)
    kinds = {kind.value: kind for kind in Kind}
    if found and found["kind"] in kinds:
        return Status(kinds[found["kind"]], detail=found["detail"] or "")
    return Status(Kind.GRADER_ERROR, detail=text)
