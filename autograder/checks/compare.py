"""The one comparison every check uses: an observed value from the kernel against a golden one.

Observations arrive as plain JSON (see `autograder/probe_protocol.py`): an array with its
shape and dtype, lists and dicts of them, or why there is none (a missing name, a raised
exception, a non-numeric object). Comparison goes in layers, as a student would debug: is it
there, is it a number, the shape, then the values with the largest error; for a pytree (a
network's parameters: dicts and lists of arrays, `tree_mismatch`), its structure and keys first.
"""

from __future__ import annotations

import base64
import binascii
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from autograder.hints import Hint
from autograder.probe_protocol import ARRAY_DTYPES
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
    if "bytes" in observed:
        return _from_bytes(observed)
    try:
        data = np.array([_number(x) for x in observed["data"]], dtype=float)
        return data.reshape([int(n) for n in observed["shape"]])
    except (KeyError, TypeError, ValueError):
        return None


def _from_bytes(observed: dict[str, Any]) -> np.ndarray | None:
    """A large array's numbers, sent as the base64 of its little-endian elements (as floats,
    like a listed array's); None unless dtype, shape and the bytes' length agree."""
    dtype, shape, text = observed.get("dtype"), observed.get("shape"), observed.get("bytes")
    if dtype not in ARRAY_DTYPES or not isinstance(text, str) or not isinstance(shape, list):
        return None
    if not all(isinstance(n, int) and not isinstance(n, bool) and n >= 0 for n in shape):
        return None
    try:
        data = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        return None
    element = np.dtype(str(dtype)).newbyteorder("<")
    if len(data) != math.prod(shape) * element.itemsize:
        return None
    return np.frombuffer(data, dtype=element).astype(float).reshape(shape)


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
    if kind in ("object", "callable", "list", "dict"):
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


# -- pytrees: a network's parameters, dicts and lists of arrays --------------------------------

MAX_PROBLEMS = 3  # of a pytree's, told in one message


def tree_mismatch(
    observed: Any,
    expected: Any,
    *,
    what: str,
    within: Tolerance,
    exact_dtype: bool = False,
) -> str | None:
    """None when the pytree `observed` holds `expected`; otherwise what differs, in a student's
    words (up to MAX_PROBLEMS places, each named as the student would index it).

        tree_mismatch(observation.get("params"), {"W": w, "b": b}, what="`params`", within=RULE)

    `expected` nests dicts (text keys), lists and tuples (alike: a list of (W, b) pairs may come
    as lists) down to arrays or numbers. Compared in layers: the structure (a dict, a list, an
    array), a dict's keys and a list's length, then at each leaf the shape, the kind of number
    (floating-point, integer, boolean; the exact dtype with `exact_dtype`) and the values
    within the tolerance `within` (as `mismatch`)."""
    problems: list[str] = []
    _tree_problems(observed, expected, what, problems, within=within, exact_dtype=exact_dtype)
    if not problems:
        return None
    shown = " ".join(problems[:MAX_PROBLEMS])
    more = len(problems) - MAX_PROBLEMS
    return shown + (
        f" ({more} more place{'s' if more > 1 else ''} differ{'' if more > 1 else 's'}.)" if more > 0 else ""
    )


def _child(what: str, index: str) -> str:
    """`params` and "['W']" make `params['W']` (inside the backticks, if `what` has them)."""
    if len(what) > 1 and what.startswith("`") and what.endswith("`"):
        return f"{what[:-1]}{index}`"
    return f"{what}{index}"


def _described(observed: Any) -> str:
    kind = observed.get("kind") if isinstance(observed, dict) else None
    return {"dict": "a dict", "list": "a list", "array": "an array"}.get(str(kind), "")


def _tree_problems(observed: Any, expected: Any, what: str, problems: list[str], **tolerances: Any) -> None:
    if isinstance(expected, Mapping):
        _dict_problems(observed, expected, what, problems, **tolerances)
    elif isinstance(expected, Sequence) and not isinstance(expected, str):
        _list_problems(observed, expected, what, problems, **tolerances)
    else:
        problem = _leaf_mismatch(observed, expected, what, **tolerances)
        if problem is not None:
            problems.append(problem)


def _dict_problems(
    observed: Any, expected: Mapping[str, Any], what: str, problems: list[str], **tolerances: Any
) -> None:
    wanted = ", ".join(repr(key) for key in expected)
    found = _described(observed)
    if found != "a dict":
        problems.append(
            f"{what} is {found}, expected a dict with keys {wanted}." if found else why_absent(observed, what)
        )
        return
    keys, items = observed.get("keys"), observed.get("items")
    if not (isinstance(keys, list) and isinstance(items, list) and len(keys) == len(items)):
        problems.append(why_absent({}, what))
        return
    if observed.get("length") != len(keys) or set(keys) != set(expected):
        shown = ", ".join(repr(key) for key in keys) + (
            ", ..." if observed.get("length") != len(keys) else ""
        )
        problems.append(f"{what} has keys {shown}; expected {wanted}.")
        return
    by_key = dict(zip(keys, items, strict=True))
    for key, value in expected.items():
        _tree_problems(by_key[key], value, _child(what, f"[{key!r}]"), problems, **tolerances)


def _list_problems(
    observed: Any, expected: Sequence[Any], what: str, problems: list[str], **tolerances: Any
) -> None:
    found = _described(observed)
    if found != "a list":
        problems.append(
            f"{what} is {found}, expected a list of {len(expected)} items."
            if found
            else why_absent(observed, what)
        )
        return
    items = observed.get("items")
    if observed.get("length") != len(expected):
        length = observed.get("length")
        problems.append(f"{what} has {length} item{'' if length == 1 else 's'}, expected {len(expected)}.")
        return
    if not isinstance(items, list) or len(items) != len(expected):
        problems.append(why_absent({}, what))  # more items than the probe sends
        return
    for index, (item, value) in enumerate(zip(items, expected, strict=True)):
        _tree_problems(item, value, _child(what, f"[{index}]"), problems, **tolerances)


_NUMBER_KINDS = {"b": "booleans", "i": "integers", "u": "integers", "f": "floating-point numbers"}


def _leaf_mismatch(
    observed: Any, expected: Any, what: str, *, within: Tolerance, exact_dtype: bool
) -> str | None:
    """One leaf: shape, then the kind of number (or dtype), then the values."""
    found = as_array(observed)
    want = np.asarray(expected)
    if found is None or (want.shape != found.shape and not (want.ndim == 0 and found.size == 1)):
        return mismatch(observed, want, what=what, within=within)  # absent or a wrong shape
    dtype = str(observed.get("dtype", "")) if observed.get("kind") == "array" else ""
    if dtype in ARRAY_DTYPES:
        held, wanted = np.dtype(dtype), want.dtype
        if exact_dtype and held != wanted:
            return f"{what} has dtype {held}, expected {wanted}."
        if _NUMBER_KINDS.get(held.kind) != _NUMBER_KINDS.get(wanted.kind):
            return (
                f"{what} holds {_NUMBER_KINDS.get(held.kind)} ({held}), "
                f"expected {_NUMBER_KINDS.get(wanted.kind)} ({wanted})."
            )
    return mismatch(observed, want, what=what, within=within)
