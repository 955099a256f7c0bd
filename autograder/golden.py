"""Golden values as the grading process sees them: plain data read from an assignment's golden.json.

Reading them needs no JAX, which keeps the grading process small (one JAX process per
submission: the student's kernel).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np

from reference import GOLDEN_FILE


@dataclass(frozen=True)
class Golden:
    data: dict[str, Any]

    @property
    def seeds(self) -> list[int]:
        seeds: list[int] = self.data["pool"]["seeds"]
        return seeds

    @property
    def points(self) -> list[float]:
        points: list[float] = self.data["pool"]["points"]
        return points

    def array(self, name: str) -> np.ndarray:
        """A Question 1 array."""
        entry = self.data["q1"][name]
        return np.array(entry["data"], dtype=entry["dtype"]).reshape(entry["shape"])

    def q3(self, name: str) -> list[float]:
        values: list[float] = self.data["q3"][name]
        return values

    def q3_at_17(self, name: str) -> float:
        value: float = self.data["q3"]["x17"][name]
        return value

    def mode(self, flags: dict[str, Any]) -> dict[str, Any] | None:
        """Values for the PRNG mode a submission ran in, or None for a mode we have none for."""
        if flags.get("jax_default_prng_impl", "threefry2x32") != "threefry2x32":
            return None
        values: dict[str, Any]
        for values in self.data["modes"].values():
            if all(flags.get(name) == wanted for name, wanted in values["flags"].items()):
                return values
        return None

    def seed_index(self, seed: int) -> int:
        return self.seeds.index(seed)


@cache
def read_golden(path: Path) -> Golden:
    return Golden(json.loads(path.read_text()))


def load() -> Golden:  # TRANSITION: Project 1's, until every caller has its assignment
    return read_golden(Path(str(GOLDEN_FILE)))
