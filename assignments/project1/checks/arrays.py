"""Question 1: JAX arrays."""

from __future__ import annotations

import random
import re

import numpy as np

from autograder.checks.compare import as_array, informative, verdict
from autograder.checks.observation import Check, Observation, Plan
from autograder.golden import Golden
from autograder.hints import Hint
from autograder.results import CheckResult

from .. import hints
from ..rubric import Q1_ARRAYS, RUBRIC
from ..rules import SHOWN
from .values import array, mismatch

QUESTION = "q1"
PROBED = False
NAMES = Q1_ARRAYS


def plan(rng: random.Random, golden: Golden) -> Plan:
    return {"names": list(NAMES)}


def _hint(name: str, found: np.ndarray | None, golden: Golden) -> Hint | None:
    """A diagnosis of the usual mistakes, from the shape and values found."""
    if found is None:
        return None
    shape = found.shape
    if name == "first":
        if shape == (3, 2):
            return hints.FIRST_COLUMN_MAJOR
        if found.size == 6 and sorted(found.ravel()) == [0, 1, 2, 3, 4, 5]:
            return hints.FIRST_FROM_ZERO
    if name == "third":
        if shape == (2, 3):
            return hints.THIRD_ELEMENTWISE
        if shape == (3, 3):
            return hints.THIRD_REVERSED
    if name == "fifth":
        if (
            shape == (4, 3)
            and np.all(found[:, 0] == 1)
            and np.array_equal(found[:, 1:], array(golden, "fourth"))
        ):
            return hints.FIFTH_ON_THE_LEFT
        if shape == (5, 2):
            return hints.FIFTH_AS_ROW
    if name == "my_array":
        original = np.array([[2, 2, 2], [2, 1, 3]])
        if shape == original.shape and np.array_equal(found, original):
            return hints.MY_ARRAY_NOT_KEPT
    return hints.ITEMS.get(name)


_NUMBER = re.compile(r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?")
# Bounds on the grader's work for the display check, whatever a notebook prints: at most this
# many characters of a question's output are read, shortest outputs first (an honest Question 1
# prints a few hundred), and the search for one wanted sequence makes at most this many
# element comparisons before it gives up (an honest output needs about one per number read).
MAX_SCANNED_CHARS = 4_000_000
MAX_COMPARISONS = 8_000_000
FEW_STARTS = 16  # candidate positions few enough to compare whole


def _scanned(outputs: tuple[str, ...]) -> tuple[str, ...]:
    """The outputs as far as the display check reads them: MAX_SCANNED_CHARS in all, the
    shortest first (a displayed array is a short output; it is read however much else the
    question's cells printed)."""
    kept, budget = [], MAX_SCANNED_CHARS
    for text in sorted(outputs, key=len):
        if budget <= 0:
            break
        kept.append(text[:budget])
        budget -= len(kept[-1])
    return tuple(kept)


def _printed_numbers(outputs: tuple[str, ...]) -> list[np.ndarray]:
    """The numbers each output prints, in order, each output read once."""
    with np.errstate(over="ignore"):  # "1e999" is printed infinity
        return [np.array(_NUMBER.findall(text), dtype=float).reshape(-1) for text in outputs]


def _shows(printed: list[np.ndarray], values: np.ndarray) -> bool:
    """Whether some output prints `values` (in order, any formatting, any dtype).

    Linear in the numbers printed: the positions where the sequence may start are those
    that print its first value; while many remain, they are narrowed one wanted value at a
    time (a vectorised comparison over the positions left), then the few left are compared
    whole. At most MAX_COMPARISONS comparisons in all, whatever the output."""
    want = values.ravel().astype(float)
    budget = MAX_COMPARISONS
    for numbers in printed:
        if want.size == 0:
            return True
        if budget <= 0 or len(numbers) < want.size:
            continue
        budget -= len(numbers)
        starts = np.flatnonzero(_near(numbers[: len(numbers) - want.size + 1], want[0]))
        offset = 1
        while starts.size > FEW_STARTS and offset < want.size and budget > 0:
            budget -= starts.size
            starts = starts[_near(numbers[starts + offset], want[offset])]
            offset += 1
        if offset == want.size and starts.size:
            return True
        for start in starts[:FEW_STARTS]:
            budget -= want.size
            if _near(numbers[start : start + want.size], want).all():
                return True
    return False


def _near(found: np.ndarray, wanted: np.ndarray | float) -> np.ndarray:
    close: np.ndarray = np.isclose(found, wanted, rtol=SHOWN.rtol, atol=SHOWN.atol)
    return close


def _shows_shape(outputs: tuple[str, ...], shape: tuple[int, ...]) -> bool:
    pattern = r"\(\s*" + r"\s*,\s*".join(str(n) for n in shape) + r"\s*,?\s*\)"
    return any(re.search(pattern, text) for text in outputs)


def check_displayed(observation: Observation, golden: Golden, plan: Plan) -> CheckResult:
    """Items 4-6 only ask to *display*: look for them in what the question's cells printed.
    They are computed from the student's own `third` when it is informative (whatever its shape:
    the item is to display what `third` is), so that one wrong `third` costs one item, not two;
    else from the golden `third`. The element-wise product is only asked of a 2x2 `third`."""
    third = as_array(observation.get("third"))
    if third is None or third.ndim != 2 or not informative(third):
        third = array(golden, "third").astype(float)
    wanted = {"the shape of `third`": None, "`third` multiplied by 2": third * 2}
    if third.shape == (2, 2):
        wanted["`third` multiplied element-wise by [[1, 2], [3, 4]]"] = third * np.arange(1, 5).reshape(2, 2)
    outputs = _scanned(observation.outputs)
    printed = _printed_numbers(outputs)
    missing = [
        what
        for what, values in wanted.items()
        if not (_shows_shape(outputs, third.shape) if values is None else _shows(printed, values))
    ]
    problem = None
    if missing:
        problem = f"the output of Question 1 does not show {', '.join(missing)}."
    return verdict(RUBRIC.item(QUESTION, "displayed"), problem, hints.DISPLAYED)


def _from_own(name: str, found: dict[str, np.ndarray | None], golden: Golden) -> np.ndarray | None:
    """What `name` should be given the student's own earlier arrays, so that one mistake
    costs one item: `third` from their `first` and `second`, and so on. Only from earlier
    arrays of the shapes the assignment asks for, and only when the result is informative;
    otherwise (None) only the golden value counts."""
    earlier = {"third": ("first", "second"), "fourth": ("second",), "fifth": ("fourth",)}.get(name, ())
    arrays = [array for array in (found[n] for n in earlier) if array is not None]
    if not earlier or [a.shape for a in arrays] != [array(golden, n).shape for n in earlier]:
        return None
    if name == "third":
        own = arrays[0] @ arrays[1]
    elif name == "fourth":
        own = np.vstack([arrays[0], [3, 4]])
    else:
        own = np.hstack([arrays[0], np.ones((len(arrays[0]), 1))])
    return own if informative(own) else None


def _array_check(name: str) -> Check:
    def check(observation: Observation, golden: Golden, plan: Plan) -> CheckResult:
        found = {other: as_array(observation.get(other)) for other in NAMES}
        observed = observation.get(name)
        problem = mismatch(observed, array(golden, name), what=f"`{name}`", require_jax=True)
        own = _from_own(name, found, golden)
        # Right, given the student's own earlier (wrong) arrays, counts as right.
        if (
            problem
            and own is not None
            and mismatch(observed, own, what=f"`{name}`", require_jax=True) is None
        ):
            problem = None
        hint = _hint(name, found[name], golden) if problem else None
        return verdict(RUBRIC.item(QUESTION, name), problem, hint)

    check.__name__ = f"check_{name}"
    return check


# One check per rubric item (`..rubric`), run one by one by `autograder.checks.grade_question`.
CHECKS: dict[str, Check] = {**{name: _array_check(name) for name in NAMES}, "displayed": check_displayed}
