"""The fast path's short per-cell limit (`grade_cells(fast_cell_timeout=...)`): a cell interrupted
at it costs a faithful regrade with the long limit, unless it never ends (a faithful run stops
there too; `tests/test_fast_path.py` has the cases where a cut cost nothing)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

import autograder.execute
from autograder.pipeline import grade_notebook
from tests.submissions import replace, solution, write
from tests.project1 import PROJECT1

pytestmark = pytest.mark.slow  # grades notebooks in kernels: the README's quick run leaves it to CI

MY_FUNCTION = "def my_function(x):\n    return 14*x**3 + 13*x\n\nmy_function(17)"


@pytest.fixture
def runs(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """The per-cell limit of every run of the notebook, in order."""
    limits: list[float] = []
    execute = autograder.execute.execute

    def counted(*args: Any, **kwargs: Any) -> autograder.execute.Execution:
        limits.append(kwargs["cell_timeout"])
        return execute(*args, **kwargs)

    monkeypatch.setattr(autograder.execute, "execute", counted)
    return limits


def test_a_leftover_infinite_loop_costs_only_the_short_limit(tmp_path: Path, runs: list[float]) -> None:
    cells = [*solution(loops=50), ("code", "while True:\n    pass")]
    path = write(tmp_path / "loop.ipynb", cells)
    # 20 s: probes share the fast limit, and a probe past it (a very busy machine) costs a regrade.
    result = grade_notebook(path, PROJECT1, cell_timeout=600, fast_cell_timeout=20)
    assert runs == [20]  # the cell never ends: a faithful run stops there too, no regrade
    assert result.score == result.possible
    assert "ran past 20 s" in str(result.status)


def test_a_slow_cell_that_cost_points_is_graded_again_faithfully(tmp_path: Path, runs: list[float]) -> None:
    cells = replace(solution(loops=50), MY_FUNCTION, "import time\ntime.sleep(8)\n" + MY_FUNCTION)
    path = write(tmp_path / "slow.ipynb", cells)
    result = grade_notebook(path, PROJECT1, cell_timeout=60, fast_cell_timeout=3)
    assert runs == [3, 60]  # the fast run lost Question 3's points: the faithful one decides
    assert result.score == result.possible
    assert str(result.status) == "ok"


def test_without_a_fast_limit_the_cell_limit_holds(tmp_path: Path, runs: list[float]) -> None:
    cells = replace(solution(loops=50), MY_FUNCTION, "import time\ntime.sleep(8)\n" + MY_FUNCTION)
    path = write(tmp_path / "slow.ipynb", cells)
    result = grade_notebook(path, PROJECT1, cell_timeout=3)
    assert runs == [3]
    assert result.question("q3").score < result.question("q3").possible
    assert "ran past 3 s" in str(result.status)
