"""What Project 1's checks read of its golden.json, and the comparison they all make (within
the rules' tolerance, `..rules`)."""

from __future__ import annotations

from typing import Any

import numpy as np

from autograder.checks import compare
from autograder.golden import Golden

from ..rules import VALUES


def mismatch(observed: Any, expected: Any, *, what: str, require_jax: bool = False) -> str | None:
    """`autograder.checks.compare.mismatch` within Project 1's tolerance for values."""
    return compare.mismatch(observed, expected, what=what, within=VALUES, require_jax=require_jax)


def seeds(golden: Golden) -> list[int]:
    """The PRNG seeds the golden values were drawn with (Questions 2 and 4 probe some of them)."""
    found: list[int] = golden.data["pool"]["seeds"]
    return found


def seed_index(golden: Golden, seed: int) -> int:
    return seeds(golden).index(seed)


def points(golden: Golden) -> list[float]:
    """The points Question 3's functions are probed at."""
    found: list[float] = golden.data["pool"]["points"]
    return found


def array(golden: Golden, name: str) -> np.ndarray:
    """A Question 1 array."""
    entry = golden.data["q1"][name]
    return np.array(entry["data"], dtype=entry["dtype"]).reshape(entry["shape"])


def q3(golden: Golden, name: str) -> list[float]:
    """Question 3's `name` at each of the points."""
    found: list[float] = golden.data["q3"][name]
    return found


def q3_at_17(golden: Golden, name: str) -> float:
    found: float = golden.data["q3"]["x17"][name]
    return found
