"""Reading a network's parameters from an observation: a list of `(W, b)` pairs, one per layer,
each leaf an encoded array (`autograder.checks.compare.as_array` reads it), and comparing them
with golden ones layer by layer, in a student's words."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from autograder.checks.compare import as_array, first_problem, mismatch, why_absent

from ..rules import VALUES

LEAVES = ("W", "b")

Pair = tuple[Any, Any]


def layers(observed: Any, *, what: str) -> tuple[list[Pair], str | None]:
    """The encoded (W, b) of each layer, or why `observed` holds no list of pairs."""
    if not isinstance(observed, dict) or observed.get("kind") != "list":
        kind = observed.get("kind") if isinstance(observed, dict) else None
        if kind in ("missing", "error", "none") or kind is None:
            return [], why_absent(observed, what)
        found = observed.get("type", kind)
        return [], f"{what} is a {found}; expected a list of (W, b) pairs, one per layer."
    items = observed.get("items")
    if not isinstance(items, list) or observed.get("length") != len(items):
        return [], f"{what} has {observed.get('length')} entries; expected one (W, b) pair per layer."
    pairs: list[Pair] = []
    for number, item in enumerate(items, start=1):
        inner = item.get("items") if isinstance(item, dict) and item.get("kind") == "list" else None
        if not isinstance(inner, list) or len(inner) != 2 or item.get("length") != 2:
            return [], f"layer {number} of {what} is not a (W, b) pair."
        pairs.append((inner[0], inner[1]))
    return pairs, None


def shape_of(leaf: Any) -> tuple[int, ...] | None:
    """The shape an encoded array reports (also for one too large to carry)."""
    if isinstance(leaf, dict) and leaf.get("kind") in ("array", "too_large"):
        try:
            return tuple(int(n) for n in leaf["shape"])
        except (KeyError, TypeError, ValueError):
            return None
    return None


def count_problem(pairs: Sequence[Pair], expected: int, what: str) -> str | None:
    if len(pairs) == expected:
        return None
    return f"{what} has {len(pairs)} layers; expected {expected} (one per pair of consecutive sizes)."


def compare_params(
    observed: Any, expected: Sequence[Sequence[Any]], *, what: str, leaves: Sequence[str] = LEAVES
) -> str | None:
    """None when the observed parameters hold `expected` (plain nested lists, [[W, b], ...])
    within the tolerances; otherwise the first difference."""
    pairs, problem = layers(observed, what=what)
    if problem is not None:
        return problem
    problem = count_problem(pairs, len(expected), what)
    if problem is not None:
        return problem
    return first_problem(
        mismatch(pair[i], want[i], what=f"layer {n}'s {leaf} in {what}", within=VALUES)
        for n, (pair, want) in enumerate(zip(pairs, expected, strict=True), start=1)
        for i, leaf in enumerate(LEAVES)
        if leaf in leaves
    )


def forward(params: Sequence[tuple[np.ndarray, np.ndarray]], x: np.ndarray) -> np.ndarray:
    """The assignment's forward pass, in NumPy (the grading process has no JAX): to measure the
    loss of the parameters a step returned."""
    *hidden, (w_out, b_out) = params
    for w, b in hidden:
        x = np.maximum(x @ w + b, 0.0)
    output: np.ndarray = x @ w_out + b_out
    return output


def arrays(observed: Any) -> list[tuple[np.ndarray, np.ndarray]] | None:
    """The observed parameters as arrays, or None when any of them cannot be read."""
    pairs, problem = layers(observed, what="")
    if problem is not None:
        return None
    found = [(as_array(w), as_array(b)) for w, b in pairs]
    readable = [(w, b) for w, b in found if w is not None and b is not None]
    return readable if len(readable) == len(found) and readable else None
