"""The one comparison every check uses: an observed value from the kernel against a golden one.

Observations arrive as plain JSON (see `autograder/kernel_probe.py`): an array with its
shape and dtype, or why there is none (a missing name, a raised exception, a non-numeric
object). Comparison goes in layers, as a student would debug: is it there, is it a number,
the shape, then the values with the largest error.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np

from autograder.hints import Hint
from autograder.results import CheckResult
from autograder.rubric import Item

# Lists nest no deeper than this in an answer (a list of keys is depth 1); deeper ones are not
# numbers to compare, and reading them must not exhaust the stack.
MAX_DEPTH = 4


@dataclass(frozen=True)
class Tolerance:
    """How close a value must come to the expected one, as `numpy.isclose` reads it. The
    assignment writes its tolerances once (its `rules.py`): the checks compare with them and
    `build` refuses a master whose public tests state others."""

    rtol: float
    atol: float


def as_array(observed: Any, depth: int = 0) -> np.ndarray | None:
    """The numbers in an observation, or None when it holds none.

    Non-finite numbers arrive as the strings "nan", "inf" and "-inf" (JSON has no such
    numbers) and read back as floats; a number too large for a float reads as infinity.
    """
    if isinstance(observed, dict) and observed.get("kind") == "list":
        if depth >= MAX_DEPTH or not isinstance(observed.get("items"), list):
            return None
        # A list of keys or numbers compares as the array it stacks to.
        found = [as_array(item, depth + 1) for item in observed["items"]]
        items = [item for item in found if item is not None]
        if not items or len(items) < len(found) or len({i.shape for i in items}) > 1:
            return None
        if observed.get("length") != len(items):
            return None
        return np.stack(items)
    if not isinstance(observed, dict) or observed.get("kind") != "array":
        return None
    try:
        data = np.array([_number(x) for x in observed["data"]], dtype=float)
        return data.reshape([int(n) for n in observed["shape"]])
    except (KeyError, TypeError, ValueError):
        return None


def _number(value: Any) -> float:
    """One element of an observation's data: a JSON number or "nan"/"inf"/"-inf"."""
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise TypeError(f"not a number: {type(value).__name__}")
    try:
        return float(value)
    except OverflowError:  # an integer beyond float range
        return float("inf") if int(value) > 0 else float("-inf")


def why_absent(observed: Any, what: str) -> str:
    """A student-facing sentence for an observation that holds no numbers."""
    kind = observed.get("kind") if isinstance(observed, dict) else None
    if kind == "missing":
        name = observed.get("name")
        subject = f"`{name}`" if isinstance(name, str) and name.isidentifier() else what
        return (
            f"{subject} is not defined at the end of your answer to this question; "
            "check that the cell defining it runs without an error, above the next question."
        )
    if kind == "error":
        message = str(observed.get("message") or "").strip().splitlines()
        text = f"{what} raised {observed.get('type')}" + (f": {message[0]}" if message else "")
        return text if text.endswith((".", "!", "?")) else text + "."
    if kind == "too_large":
        return f"{what} is an array of shape {tuple(observed.get('shape', []))}, far larger than expected."
    if kind == "none":
        return f"{what} is None (did you forget a `return`?)."
    if kind == "object" and observed.get("type") == "ellipsis":
        return f"{what} is still the `...` placeholder: replace it with your answer."
    if kind in ("object", "callable", "list"):
        found = str(observed.get("type", kind))
        article = "an" if found[:1].lower() in "aeiou" else "a"
        return f"{what} is {article} {found}, not a number or an array."
    return f"the grader could not read {what} from your notebook."


def _show(array: np.ndarray) -> str:
    """The array as a student would print it (its shape when it is too large to read)."""
    if array.size > 24:
        return f"an array of shape {array.shape}"
    if array.ndim == 0:
        return f"{array.item():.8g}"
    return np.array2string(array, separator=", ", precision=6, suppress_small=True).replace("\n", "")


def mismatch(
    observed: Any,
    expected: Any,
    *,
    what: str,
    within: Tolerance,
    require_jax: bool = False,
) -> str | None:
    """None when `observed` holds `expected`; otherwise what differs, in a student's words.

    Any numeric dtype is accepted (int32, int64, float32, float64 all compare by value);
    the shape must match exactly, except that a scalar may come as a one-element array.
    """
    found = as_array(observed)
    if found is None:
        return why_absent(observed, what)
    want = np.asarray(expected, dtype=float)
    if require_jax and not observed.get("jax", False):
        return f"{what} is a NumPy array; the question asks for a JAX array (use `jax.numpy`)."
    if want.ndim == 0 and found.size == 1:
        found = found.reshape(())
    if found.shape != want.shape:
        return f"{what} has shape {found.shape}, expected {want.shape}."
    with np.errstate(invalid="ignore", over="ignore"):  # inf - inf and the like are expected here
        close = np.isclose(found, want, rtol=within.rtol, atol=within.atol, equal_nan=True)
        if close.all():
            return None
        return f"{what} is {_show(found)}, expected {_show(want)}{_where_wrong(found, want, close)}."


def _where_wrong(found: np.ndarray, want: np.ndarray, close: np.ndarray) -> str:
    """How many values differ and the worst of them: a NaN or infinity where a number was
    expected comes first (it has no size of error), then the largest difference."""
    count = f"{int((~close).sum())} of {want.size} values differ; " if want.size > 1 else ""
    not_finite = ~close & ~np.isfinite(found)
    if not_finite.any():
        if want.ndim == 0:
            return ""  # "`x` is nan, expected 2" says it all
        worst = np.unravel_index(int(np.argmax(not_finite)), want.shape)
        return f" ({count}{found[worst]} at index {tuple(int(i) for i in worst)})"
    # Where the expected value is not finite, the difference is infinite (or NaN: inf - inf).
    error = np.nan_to_num(np.abs(found - want), nan=np.inf, posinf=np.inf)
    worst = np.unravel_index(int(np.argmax(np.where(close, -1.0, error))), want.shape)
    where = f" at index {tuple(int(i) for i in worst)}" if want.ndim else ""
    return f" ({count}largest difference {error[worst]:.4g}{where})"


def verdict(item: Item, problem: str | None, hint: Hint | None = None, detail: str = "") -> CheckResult:
    """A check's result: passed when there is no problem; the hint is kept for a failure only
    (rendered in the instructor's chosen mode where the student reads it, `autograder.hints`)."""
    if problem is None:
        return CheckResult(item.name, True, item.points, f"{item.description}: correct.", detail)
    return CheckResult(item.name, False, item.points, f"{item.description}: {problem}", detail, hint=hint)


def informative(values: np.ndarray | None) -> bool:
    """Whether values prove a step was done: a constant array (all zeros, say) could be written
    without doing it, and would make any constant answer after it consistent."""
    return values is not None and values.size > 1 and bool(np.any(values != values.ravel()[0]))


def first_problem(problems: Iterable[str | None]) -> str | None:
    """The first non-None problem of an iterable (checks stop at the first wrong probe)."""
    return next((p for p in problems if p is not None), None)
