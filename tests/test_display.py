"""The display check of Question 1: what it finds in printed output, and that its work grows
with the output linearly and stops at a documented bound, whatever a notebook prints."""

from __future__ import annotations

import time
from collections.abc import Callable

import numpy as np
import pytest

from assignments.project1.checks import arrays
from autograder.checks.observation import Observation
from tests.project1 import GOLDEN

THIRD_TIMES_2 = np.array([[44, 56], [98, 128]])


def shows(outputs: tuple[str, ...], values: np.ndarray) -> bool:
    return arrays._shows(arrays._printed_numbers(arrays._scanned(outputs)), values)


@pytest.mark.parametrize(
    "outputs",
    [
        pytest.param(("Array([[ 44,  56],\n       [ 98, 128]], dtype=int32)",), id="jax-repr"),
        pytest.param(("[[ 44.  56.]\n [ 98. 128.]]",), id="numpy-float"),
        pytest.param(("(2, 2)", "text 1 2 3 44 56 98 128.0000001 and more"), id="inside-other-text"),
        pytest.param(("44 44 56 44 56 98 44 56 98 128",), id="repeated-prefixes"),
        pytest.param(("0 " * 100 + "44 " * 50 + "56 98 128",), id="many-false-starts"),
    ],
)
def test_should_show(outputs):
    assert shows(outputs, THIRD_TIMES_2)


@pytest.mark.parametrize(
    "outputs",
    [
        pytest.param(("[[ 56  44]\n [ 98 128]]",), id="other-order"),
        pytest.param(("44 56", "98 128"), id="split-across-outputs"),
        pytest.param(("44 56 98",), id="cut-short"),
        pytest.param(("44 56 98 128.01",), id="out-of-tolerance"),
        pytest.param(("44 " * 100_000 + "56 98 127",), id="near-miss-after-many-starts"),
        pytest.param(("",), id="nothing-printed"),
    ],
)
def test_should_not_show(outputs):
    assert not shows(outputs, THIRD_TIMES_2)


def test_output_past_the_bound_is_not_read():
    padding = "." * (arrays.MAX_SCANNED_CHARS - 20)
    assert shows((padding + " 44 56 98 128",), THIRD_TIMES_2)
    assert not shows((padding + "." * 20 + " 44 56 98 128",), THIRD_TIMES_2)


def test_a_short_display_is_found_among_any_amount_of_long_output():
    long_output = "." * (arrays.MAX_SCANNED_CHARS // 4)
    assert shows((long_output,) * 10 + ("[[ 44  56]\n [ 98 128]]",) + (long_output,) * 10, THIRD_TIMES_2)


def test_the_search_stops_at_its_bound():
    """Every position is a false start for a long wanted sequence: the search gives up
    after MAX_COMPARISONS instead of comparing each position with each value."""
    printed = arrays._printed_numbers(("2 " * 1_000_000,))
    wanted = np.array([2.0] * 9_999 + [3.0])
    assert not arrays._shows(printed, wanted)
    assert arrays._shows(printed, wanted[:-1])


def _best_time(function: Callable[[], object]) -> float:
    best = float("inf")
    for _ in range(3):
        start = time.perf_counter()
        function()
        best = min(best, time.perf_counter() - start)
    return best


def _cells_printing(cells: int, per_cell: int = 10_000) -> tuple[str, ...]:
    numbers = np.random.default_rng(0).integers(0, 1000, (cells, per_cell))
    return tuple(np.array2string(row, threshold=per_cell + 1) for row in numbers)


def test_grader_time_grows_linearly_with_the_output():
    """The issue's notebook: cells each printing 10,000 numbers, none of them what was asked.
    Four times the cells cost about four times the time (timings from this run only), and the
    check costs a small multiple of merely reading the numbers (not numbers x values sought)."""
    golden = GOLDEN
    small, large = _cells_printing(10), _cells_printing(40)
    assert sum(map(len, large)) < arrays.MAX_SCANNED_CHARS  # below the bound: all of it is read
    check_small = _best_time(lambda: arrays.check_displayed(Observation("q1", outputs=small), golden, {}))
    check_large = _best_time(lambda: arrays.check_displayed(Observation("q1", outputs=large), golden, {}))
    reading = _best_time(lambda: [arrays._NUMBER.findall(text) for text in large])
    assert not arrays.check_displayed(Observation("q1", outputs=large), golden, {}).passed
    assert check_large / check_small < 6, (check_small, check_large)
    assert check_large / reading < 5, (check_large, reading)
