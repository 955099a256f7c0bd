"""The fast path is invisible: what it shortens keeps its meaning, and a notebook's grade, status
and messages are those of a faithful run, on an idle machine or a busy one.

The loop shapes students write for Question 4's timing (a loop inside a function called with
100000, a `while` counter, a loop under `with`/`try`/`if`) and Question 5's `for n in
range(999998, 1000001): fast_my_function(14, n)` are graded locally and through the Gradescope
simulation while three CPU-bound processes keep the machine busy."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from assignments.project1.rubric import RUBRIC
from autograder.fast_path import shorten_for_grading
from autograder.layout import read_layout
from autograder.notebook import Cell
from autograder.pipeline import CELL_TIMEOUT, FAST_CELL_TIMEOUT, grade_notebook
from autograder.timing_loops import SHORT_LOOP
from tests.realistic import MODEL, Q5, code, md, template
from tests.submissions import replace, solution, write
from tests.test_fast_limit import runs  # noqa: F401  # the fixture counting runs
from tests.test_gradescope import FULL_MARKS, as_text, autograder_zip, run_on_gradescope, scores  # noqa: F401
from tests.project1 import PROJECT1

# What a student reads when the fast path's limit is blamed on their code.
BLAME = ("interrupted", "infinite loop", "stopped", "ran past")
BODY = "key, *subkeys = jax.random.split(key, 3)\nmy_value = my_model(subkeys){ready}"


def _indent(text: str, depth: int) -> str:
    return "\n".join(" " * depth + line for line in text.splitlines())


def _q4(loop) -> list[str]:
    """Question 4's three timing cells (uncompiled, jitted, jitted and waited for), each with its
    100000-iteration loop written by `loop(body, cell)`."""
    cells = []
    for number, (decorator, ready) in enumerate([("", ""), ("@jax.jit\n", ""), ("@jax.jit\n", ".block_until_ready()")]):
        body = BODY.format(ready=ready)
        cells.append("%%time\n\nkey = jax.random.PRNGKey(0)\n\n" + decorator + MODEL + "\n" + loop(body, number))
    return cells


def _in_a_function(body: str, number: int) -> str:
    return (f"def time_model(n):\n    key = jax.random.PRNGKey(0)\n    for i in range(n):\n{_indent(body, 8)}\n\n"
            "time_model(100000)")


def _while_counter(body: str, number: int) -> str:
    return f"count = 0\nwhile count < 100000:\n{_indent(body, 4)}\n    count += 1"


def _nested(body: str, number: int) -> str:
    loop = f"for i in range(100000):\n{_indent(body, 4)}"
    wrapped = [
        "import contextlib, io\nwith contextlib.redirect_stdout(io.StringIO()):\n" + _indent(loop, 4),
        "try:\n" + _indent(loop, 4) + "\nexcept KeyboardInterrupt:\n    print('stopped')",
        "verbose = False\nif not verbose:\n" + _indent(loop, 4),
    ]
    return wrapped[number]


Q5_RANGE = [Q5[0], "%%time\n\nfor n in range(999998, 1000001):\n    fast_my_function(14, n)", *Q5[4:]]
SHAPES = {
    "loop-in-a-function": template(q4cells=_q4(_in_a_function)),
    "while-counter": template(q4cells=_q4(_while_counter)),
    "loop-under-with-try-if": template(q4cells=_q4(_nested)),
    "q5-range-start-stop": template(q5=Q5_RANGE),
}


def _cells(pairs: list[tuple[str, str]]) -> list[Cell]:
    return [Cell(index, kind, source) for index, (kind, source) in enumerate(pairs)]


def _fast(pairs: list[tuple[str, str]]) -> list[str]:
    """The sources the fast path runs, of the steps it changes."""
    layout = read_layout(_cells(pairs), RUBRIC)
    return [f.source for s, f in zip(layout.steps, shorten_for_grading(layout), strict=True) if s.source != f.source]


# -- what is shortened, and how ------------------------------------------------------------


@pytest.mark.parametrize("shape", ["loop-in-a-function", "while-counter", "loop-under-with-try-if"])
def test_each_timing_loop_shape_is_shortened(shape: str) -> None:
    changed = _fast(SHAPES[shape])
    assert len(changed) == 3 and not any("100000" in source for source in changed)
    assert all(str(SHORT_LOOP) in source for source in changed)


def test_a_function_called_with_the_count_is_called_with_the_short_count() -> None:
    (changed, *_) = _fast(SHAPES["loop-in-a-function"])
    assert changed.endswith(f"time_model({SHORT_LOOP})") and "for i in range(n):" in changed


@pytest.mark.parametrize(
    ("loop", "short"),
    [
        ("range(100000)", "range(10)"),
        ("range(5, 100005)", "range(5, 15)"),
        ("range(1000, 101000, 2)", "range(1000, 1020, 2)"),
        ("range(100000, 0, -1)", "range(100000, 99990, -1)"),
        ("range(0, 100_000)", "range(0, 10)"),
        ("range(10**30)", "range(10**30)"),  # not a literal: kept
        ("range(1000000000000000000000000)", "range(10)"),  # past sys.maxsize: no crash
    ],
)
def test_a_range_keeps_its_start_and_step(loop: str, short: str) -> None:
    pairs = [md("## Question 4"), code(f"for i in {loop}:\n    my_value = 1")]
    assert _fast(pairs) == ([pairs[1][1].replace(loop, short)] if loop != short else [])


@pytest.mark.parametrize(
    "source",
    [
        # The loop variable reaches a call: each pass may compile something new.
        "for n in range(999998, 1000001):\n    fast_my_function(14, n)",
        "for n in range(0, 100000):\n    fast_my_function(14, n)",
        # What the loop counts is read by code that a check reads.
        "total = 0\nfor i in range(5000):\n    total += 1\nfast_my_function(14, total)",
        # A count that is not the whole range, or a counter raised in two places.
        "for i in range(n):\n    my_value = 1",
        "count = 0\nwhile count < 100000:\n    count += 1\n    count += 1",
        # Decorated functions are not plain Python: their count may be a compiled static value.
        "@jax.jit\ndef run(n):\n    for i in range(n):\n        pass\n\nrun(100000)",
        # The function hands back what its loop made, or changes what lives outside it.
        "def run(n):\n    for i in range(n):\n        value = 1\n    return value\n\nrun(100000)",
        "times = []\ndef run(n):\n    for i in range(n):\n        times.append(1)\n\nrun(100000)",
        # A function also handed to something else is not only called: `jax.jit` may compile it.
        "def run(n):\n    for i in range(n):\n        pass\n\nfast = jax.jit(run, static_argnums=0)\nrun(100000)",
    ],
)
def test_loops_that_are_not_provably_timing_loops_are_kept(source: str) -> None:
    assert _fast([md("## Question 5"), code(source)]) == []


@pytest.mark.parametrize(
    "after",
    ["my_value.block_until_ready()", "print(my_value)", "my_value.block_until_ready()\nprint('done', i)"],
)
def test_a_loop_followed_by_a_statement_that_only_waits_or_prints_is_shortened(after: str) -> None:
    """What a later statement only prints or waits for reaches no check (the assignment's own
    `my_func().block_until_ready()` pattern, written after the loop)."""
    loop = "for i in range(100000):\n    key, *subkeys = jax.random.split(key, 3)\n    my_value = my_model(subkeys[0])"
    pairs = [md("## Question 4"), code("key = jax.random.PRNGKey(0)\n" + loop + "\n" + after)]
    assert [source.count("range(10)") for source in _fast(pairs)] == [1]


@pytest.mark.parametrize(
    "after",
    [
        "fast_my_function(14, i)",  # a function something graded reads: calling it may change it
        "helper(my_value)",  # a function of the notebook: it may change anything
        "kept.append(my_value)\nkept",  # changes what later code reads
    ],
)
def test_a_loop_followed_by_a_statement_that_may_matter_is_kept(after: str) -> None:
    setup = "def helper(v):\n    global seen\n    seen = v\nkept = []\n"
    loop = "for i in range(100000):\n    my_value = i"
    pairs = [md("## Question 5"), code(setup + loop + "\n" + after + "\nfast_my_function = kept")]
    assert _fast(pairs) == []


def test_question_1s_printing_loops_are_kept() -> None:
    assert _fast([md("## Question 1"), code("for i in range(100000):\n    value = i")]) == []


def test_a_timing_loop_whose_key_the_next_one_reuses_is_shortened_with_it() -> None:
    loop = "for i in range(100000):\n    key, *subkeys = jax.random.split(key, 3)\n    my_value = my_model(subkeys)"
    pairs = [md("## Question 4"), code("key = jax.random.PRNGKey(0)\n" + loop), code(loop)]
    assert [source.count("range(10)") for source in _fast(pairs)] == [1, 1]


def test_a_loop_under_a_time_magic_line_is_shortened_where_it_is_written() -> None:
    pairs = [md("## Question 4"), code("def run(n):\n    for i in range(n):\n        pass"), code("%time run(100000)")]
    assert _fast(pairs) == ["%time run(10)"]


# -- graded on a busy machine --------------------------------------------------------------


@pytest.fixture(scope="module")
def busy() -> Iterator[None]:
    """Three CPU-bound processes for as long as the module's tests run (two cores here)."""
    hogs = [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(3)]
    try:
        yield
    finally:
        for hog in hogs:
            hog.kill()
            hog.wait()


@pytest.mark.slow
@pytest.mark.parametrize("shape", list(SHAPES))
def test_graded_locally_as_a_faithful_run_would(shape: str, busy: None, tmp_path: Path) -> None:
    path = realistic_notebook(tmp_path / f"{shape}.ipynb", SHAPES[shape])
    result = grade_notebook(path, PROJECT1, cell_timeout=CELL_TIMEOUT, fast_cell_timeout=FAST_CELL_TIMEOUT)
    failed = [c.message for q in result.questions for c in q.checks if not c.passed]
    assert (result.score, str(result.status)) == (RUBRIC.total, "ok"), failed + list(result.messages)
    assert not [m for m in result.messages if any(word in m for word in BLAME)]


@pytest.mark.slow
@pytest.mark.parametrize("shape", list(SHAPES))
def test_graded_on_gradescope_as_a_faithful_run_would(shape: str, busy: None, autograder_zip, tmp_path: Path) -> None:  # noqa: F811
    upload = {f"{shape}.ipynb": as_text(SHAPES[shape], kernel="f2023-s2024")}
    results = run_on_gradescope(autograder_zip, upload, tmp_path / "autograder")
    assert scores(results) == FULL_MARKS, results["output"]
    assert "Status: ok." in results["output"]
    assert not [word for word in BLAME if word in results["output"]], results["output"]


def realistic_notebook(path: Path, cells: list[tuple[str, str]]) -> Path:
    path.write_text(as_text(cells, kernel="f2023-s2024"))
    return path


# -- a cell the fast limit cuts --------------------------------------------------------------


@pytest.mark.slow
def test_a_cut_that_cost_nothing_is_still_graded_again_faithfully(tmp_path: Path, runs: list[float]) -> None:  # noqa: F811
    """A slow cell no check needs: the fast run has every point, but a faithful run would not
    have stopped there, so its grade and its (clean) status are the ones reported."""
    cells = [*solution(loops=50), ("code", "import time\ntime.sleep(8)\nprint('done')")]
    result = grade_notebook(write(tmp_path / "slow.ipynb", cells), PROJECT1, cell_timeout=60, fast_cell_timeout=3)
    assert runs == [3, 60]
    assert (result.score, str(result.status)) == (result.possible, "ok")
    assert not [m for m in result.messages if any(word in m for word in BLAME)]


@pytest.mark.slow
def test_a_loop_that_never_ends_costs_only_the_fast_limit_even_with_points_lost(
    tmp_path: Path,
    runs: list[float],  # noqa: F811
) -> None:
    """A faithful run stops at `while True: pass` too: the same grade, no regrade."""
    cells = replace(solution(loops=50), "second = jnp.full((3, 2), 2)", "second = jnp.full((3, 2), 3)")
    cells = [*cells, ("code", "while True:\n    pass")]
    # 20 s: probes share the fast limit, and a probe past it (a very busy machine) costs a regrade.
    result = grade_notebook(write(tmp_path / "endless.ipynb", cells), PROJECT1, cell_timeout=600, fast_cell_timeout=20)
    assert runs == [20]
    assert result.score < result.possible and "ran past 20 s" in str(result.status)
