"""One definition of every grading rule: the tolerances and figures the checks apply come from
the assignment's `rules.py`, and `build` refuses a master whose public tests state others, or
whose points and items differ from the rubric, naming the item and the cell. No kernel runs."""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from assignments.project1 import ASSIGNMENT
from autograder.assignment import Assignment, load
from autograder.build import BuildError, build
from autograder.build.master import MasterMismatch, check_master, differences
from autograder.checks import Observation

Cells = list[dict[str, Any]]


def _source(cell: dict[str, Any]) -> str:
    return "".join(cell["source"]) if isinstance(cell["source"], list) else str(cell["source"])


def _test_cell(cells: Cells, item: str) -> int:
    """The 0-based index of the public test of `item`."""
    return next(
        i for i, c in enumerate(cells) if c["cell_type"] == "code" and f"def test_{item}(env):" in _source(c)
    )


def _master_copy(tmp_path: Path, edit: Callable[[Cells], object]) -> Path:
    notebook = json.loads(ASSIGNMENT.master.read_text())
    edit(notebook["cells"])
    path = tmp_path / ASSIGNMENT.master.name
    path.write_text(json.dumps(notebook, indent=1, ensure_ascii=False) + "\n")
    return path


def _assignment_copy(tmp_path: Path, file: str, old: str, new: str) -> Assignment:
    """A copy of the assignment's folder with one change to one of its files, as an instructor
    makes it (the copy loads as an assignment of its own)."""
    folder = tmp_path / "assignment"
    shutil.copytree(ASSIGNMENT.folder, folder, ignore=shutil.ignore_patterns("examples", "__pycache__"))
    path = folder / file
    text = path.read_text()
    assert text.count(old) == 1, old
    path.write_text(text.replace(old, new))
    return load(folder)


def _refusal(assignment: Assignment, master: Path) -> str:
    with pytest.raises(MasterMismatch) as raised:
        check_master(assignment, master)
    return str(raised.value)


def test_the_master_states_the_rules_the_checks_apply() -> None:
    assert differences(ASSIGNMENT, ASSIGNMENT.master) == []
    tolerance = ASSIGNMENT.rules.tolerance
    assert tolerance is not None and ASSIGNMENT.rules.stated  # something to hold the master to


def test_a_master_with_a_changed_tolerance_is_refused_with_the_item_and_cell(tmp_path: Path) -> None:
    def edit(cells: Cells) -> None:
        cell = cells[_test_cell(cells, "third")]
        cell["source"] = _source(cell).replace("rtol=1e-05", "rtol=1e-02")

    master = _master_copy(tmp_path, edit)
    cell = _test_cell(json.loads(master.read_text())["cells"], "third") + 1
    message = _refusal(ASSIGNMENT, master)
    assert (
        f"question q1, item `third` (cell {cell}): the test compares with rtol 1e-02, the assignment's "
        "rules with rtol 1e-05" in message
    ), message
    assert message.count("rtol 1e-02") == 1  # the other 22 tests agree with the rules
    with pytest.raises(BuildError, match=re.escape(f"item `third` (cell {cell})")):
        build(master, tmp_path / "dist", assignment=ASSIGNMENT, verify=False)
    assert not (tmp_path / "dist").exists()  # refused before otter assign ran


def test_a_tolerance_changed_only_in_the_rules_is_refused_in_every_test_that_states_it(
    tmp_path: Path,
) -> None:
    changed = _assignment_copy(
        tmp_path, "rules.py", "Tolerance(rtol=1e-5, atol=1e-6)", "Tolerance(rtol=1e-2, atol=1e-6)"
    )
    message = _refusal(changed, changed.master)
    drifted = re.findall(
        r"item `(\w+)` \(cell \d+\): the test compares with rtol 1e-05 and 1e-5, the assignment's rules "
        r"with rtol 0.01",
        message,
    )
    assert sorted(drifted) == sorted(item.name for item in changed.rubric.items), message
    assert "atol" not in message


def test_the_checks_compare_within_the_rules_tolerance(tmp_path: Path) -> None:
    """The tolerance the master is held to is the one the checks use: a `first` 0.1% off fails
    under Project 1's rules and passes under a copy's looser ones."""
    looser = _assignment_copy(
        tmp_path, "rules.py", "Tolerance(rtol=1e-5, atol=1e-6)", "Tolerance(rtol=1e-2, atol=1e-6)"
    )
    off = np.array([[1, 2, 3], [4, 5, 6]]) * 1.001
    wire = {"kind": "array", "jax": True, "shape": [2, 3], "dtype": "float32", "data": off.ravel().tolist()}
    observation = Observation("q1", values={"first": wire})
    assert not ASSIGNMENT.checks["q1"].CHECKS["first"](observation, ASSIGNMENT.golden(), {}).passed
    assert looser.checks["q1"].CHECKS["first"](observation, looser.golden(), {}).passed


def test_a_threshold_changed_only_in_the_rules_is_refused_where_the_master_states_it(tmp_path: Path) -> None:
    changed = _assignment_copy(tmp_path, "rules.py", "MIN_SPEEDUP = 2.0", "MIN_SPEEDUP = 3.0")
    message = _refusal(changed, changed.master)
    cell = _test_cell(json.loads(changed.master.read_text())["cells"], "speedup") + 1
    assert f"question q4, item `speedup` (cell {cell}): the test does not say 'at least 3x'" in message, (
        message
    )
    assert len(message.splitlines()) == 2  # the heading and this one problem


def test_points_changed_only_in_the_rubric_are_refused_with_the_item_and_cell(tmp_path: Path) -> None:
    changed = _assignment_copy(
        tmp_path, "rubric.py", '("my_model", 2, "the compiled', '("my_model", 3, "the compiled'
    )
    message = _refusal(changed, changed.master)
    cells = json.loads(changed.master.read_text())["cells"]
    cell = _test_cell(cells, "my_model") + 1
    assert (
        f"question q4, item `my_model` (cell {cell}): the test has points 2, the rubric 3 (set `points: 3`)"
        in message
    ), message
    heading = next(i for i, c in enumerate(cells) if _source(c).startswith("# BEGIN QUESTION\nname: q4")) + 1
    assert (
        f"question q4 (cell {heading}): the master gives it 4 points, the rubric 5 (set `points: 5`"
        in message
    )
    assert len(message.splitlines()) == 3  # the heading and these two problems
