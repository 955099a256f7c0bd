"""Golden values as the grading process sees them: plain data read from an assignment's golden.json.

Reading them needs no JAX, which keeps the grading process small (one JAX process per
submission: the student's kernel). What the data holds is the assignment's business (its checks
read it); the engine knows only the values by PRNG configuration (`modes`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class Golden:
    data: dict[str, Any]

    def mode(self, flags: dict[str, Any]) -> dict[str, Any] | None:
        """Values for the PRNG mode a submission ran in, or None for a mode we have none for."""
        if flags.get("jax_default_prng_impl", "threefry2x32") != "threefry2x32":
            return None
        values: dict[str, Any]
        for values in self.data["modes"].values():
            if all(flags.get(name) == wanted for name, wanted in values["flags"].items()):
                return values
        return None


@cache
def read_golden(path: Path) -> Golden:
    return Golden(json.loads(path.read_text()))
