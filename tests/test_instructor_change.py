"""An instructor changes the assignment inside its own folder only, as the README's "Changing the
assignment" says, and nothing else needs an edit: the folder is copied, then changed in the copy
(an item's points, a tolerance, a new item with its check); the copy loads as an assignment of
its own, builds (its master agrees with its rubric), and grades its examples with the points its
own rubric gives. Expected points are derived from the copy's rubric (`tests/expect.py`), never
written here.

The verbs take the copy's folder (`python -m autograder build --assignment <folder>`) and
`grade_notebook(path, assignment)` takes the copy's `Assignment`.
"""

from __future__ import annotations

import json
import random
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from assignments.project1.rubric import RUBRIC
from autograder.assignment import Assignment, load
from autograder.checks.observation import Observation
from tests.expect import earned, full, items, lost, scores, total
from tests.submissions import replace, solution, write
from tests.test_corpus import CASES

SHIPPED = Path(__file__).resolve().parents[1] / "assignments" / "project1"

# The new item: Question 3's gradient at 0.0 (the derivative there is 13), checked by the probe's
# own `my_gradient(x)` call at one more point that the copy's plan adds.
NEW_ITEM = ("my_gradient_0", 1, "`my_gradient(0.0)` is 13, the derivative of `my_function` at 0")
NEW_CHECK = '''"""Question 3's new item: `my_gradient(0.0)` is 13. The probe calls `my_gradient` at every
point the plan lists: the plan adds 0.0 after the grader's points."""

from __future__ import annotations

import random
from types import SimpleNamespace
from typing import Any

from autograder.checks.compare import verdict
from autograder.checks.observation import Observation, Plan
from autograder.golden import Golden
from autograder.results import CheckResult

from .checks.values import mismatch
from .rubric import RUBRIC

AT = 0.0


def with_my_gradient_at_0(base: Any) -> Any:
    def plan(rng: random.Random, golden: Golden) -> Plan:
        chosen = base.plan(rng, golden)
        return {**chosen, "points": [*chosen["points"], AT]}

    def check(observation: Observation, golden: Golden, plan: Plan) -> CheckResult:
        found = observation.listed("my_gradient")
        value = found[-1] if len(found) == len(plan["points"]) else observation.get("my_gradient")
        problem = mismatch(value, 13.0, what="`my_gradient(0.0)`")
        return verdict(RUBRIC.item("q3", "my_gradient_0"), problem)

    checks = {**base.CHECKS, "my_gradient_0": check}
    return SimpleNamespace(QUESTION=base.QUESTION, PROBED=base.PROBED, CHECKS=checks, plan=plan)
'''
NEW_TEST = (
    '""" # BEGIN TEST CONFIG\n'
    "points: 1\n"
    f"success_message: '{NEW_ITEM[2]}: correct.'\n"
    f"failure_message: '{NEW_ITEM[2]}: not yet.'\n"
    '""" # END TEST CONFIG\n'
    "def test_my_gradient_0(env):\n"
    "    assert abs(float(env['my_gradient'](0.0)) - 13.0) < 1e-4, 'found ' + str(env['my_gradient'](0.0))\n"
)


def _source(cell: dict) -> str:
    return "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]


def _edit_cell(cells: list[dict], marker: str, old: str, new: str) -> None:
    """In the one cell holding `marker`, `old` (which must occur) becomes `new`."""
    (cell,) = [c for c in cells if marker in _source(c)]
    text = _source(cell)
    assert old in text, (marker, old)
    cell["source"] = text.replace(old, new)


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert text.count(old) == 1, (path, old)
    path.write_text(text.replace(old, new))


def copy_of_project1(folder: Path) -> Path:
    shutil.copytree(SHIPPED, folder, ignore=shutil.ignore_patterns("__pycache__"))
    return folder


def change_points(folder: Path) -> None:
    """(a) `my_model` 2 -> 3 points: the rubric's entry, the master's test and Question 4's total."""
    old = RUBRIC.item("q4", "my_model").points
    _edit(folder / "rubric.py", f'("my_model", {old:g}, ', f'("my_model", {old + 1:g}, ')
    master = folder / "project1.ipynb"
    data = json.loads(master.read_text())
    _edit_cell(data["cells"], "def test_my_model(env)", f"points: {old:g}\n", f"points: {old + 1:g}\n")
    q4 = RUBRIC.points("q4")
    _edit_cell(data["cells"], "# BEGIN QUESTION\nname: q4\n", f"points: {q4:g}", f"points: {q4 + 1:g}")
    master.write_text(json.dumps(data, indent=1))


def add_item(folder: Path) -> None:
    """(c) a new Question 3 item, its check, and its public test in the master."""
    name, points, description = NEW_ITEM
    # After `my_gradient` in the rubric, as its test comes after `my_gradient`'s in the master.
    text = (folder / "rubric.py").read_text()
    end = text.index("\n", text.index("),", text.index('("my_gradient", '))) + 1
    entry = f"                ({name!r}, {points}, {description!r}),\n"
    (folder / "rubric.py").write_text(text[:end] + entry + text[end:])
    (folder / "my_gradient_at_0.py").write_text(NEW_CHECK)
    init = folder / "__init__.py"
    _edit(
        init,
        "ASSIGNMENT = Assignment(",
        "from .my_gradient_at_0 import with_my_gradient_at_0  # noqa: E402\n\n"
        'CHECKS = {**CHECKS, "q3": with_my_gradient_at_0(CHECKS["q3"])}\n\nASSIGNMENT = Assignment(',
    )
    master = folder / "project1.ipynb"
    data = json.loads(master.read_text())
    cells = data["cells"]
    position = next(i for i, c in enumerate(cells) if "def test_my_gradient(env)" in _source(c)) + 1
    cells.insert(
        position,
        {"cell_type": "code", "execution_count": None, "metadata": {}, "outputs": [], "source": NEW_TEST},
    )
    q3 = RUBRIC.points("q3")
    _edit_cell(cells, "# BEGIN QUESTION\nname: q3\n", f"points: {q3:g}", f"points: {q3 + points:g}")
    master.write_text(json.dumps(data, indent=1))


def change_tolerance(folder: Path, rtol: float) -> None:
    """(b) the relative tolerance of every comparison: its one definition in the folder
    (`rules.py`) and the master's public tests, which judge as the grader does."""
    rules = folder / "rules.py"
    text, found = re.subn(r"VALUES = Tolerance\(rtol=[^,]+,", f"VALUES = Tolerance(rtol={rtol!r},", rules.read_text())
    assert found == 1, "the tolerance is defined once, in rules.py"
    rules.write_text(text)
    # Each public test states it twice: in its code and in the comment saying how it compares.
    master = folder / "project1.ipynb"
    text = master.read_text().replace("rtol=1e-05", f"rtol={rtol!r}").replace("rtol 1e-5", f"rtol {rtol!r}")
    master.write_text(text)


@pytest.fixture(scope="module")
def changed(tmp_path_factory: pytest.TempPathFactory) -> Assignment:
    folder = copy_of_project1(tmp_path_factory.mktemp("instructor") / "project1")
    change_points(folder)
    add_item(folder)
    return load(folder)


# -- what works now: the copy loads, its rubric changed, the expectations follow ---------------


def test_the_copy_loads_as_an_assignment_of_its_own(changed: Assignment) -> None:
    assert changed.folder != SHIPPED and changed.master == changed.folder / "project1.ipynb"
    assert load(SHIPPED).rubric == RUBRIC  # the shipped assignment is untouched
    assert changed.rubric.item("q4", "my_model").points == RUBRIC.item("q4", "my_model").points + 1
    assert changed.rubric.item("q3", "my_gradient_0").description == NEW_ITEM[2]
    assert [i.name for i in changed.rubric.question("q3").items] == [
        *(i.name for i in RUBRIC.question("q3").items),
        "my_gradient_0",
    ]
    assert "my_gradient_0" in changed.checks["q3"].CHECKS


def test_the_copy_totals_follow_its_rubric(changed: Assignment) -> None:
    assert changed.rubric.points("q4") == RUBRIC.points("q4") + 1
    assert changed.rubric.points("q3") == RUBRIC.points("q3") + NEW_ITEM[1]
    assert changed.rubric.total == RUBRIC.total + 1 + NEW_ITEM[1]
    assert total(full(changed.rubric)) == changed.rubric.total


def test_the_corpus_expectations_follow_the_copy(changed: Assignment) -> None:
    """Every case of tests/test_corpus.py, read against the copy's rubric: Question 4 is worth one
    more point unless the case loses `my_model`; Question 3 one more (the new item, which no case
    loses yet); nothing else moves."""
    new = changed.rubric
    for case in CASES:
        before = lost(*case.lost)
        after = lost(*case.lost, rubric=new)
        shifted = {**before, "q4": before["q4"] + ("my_model" not in case.lost), "q3": before["q3"] + 1}
        assert after == shifted, case.name
    assert scores(lost("my_model", "speedup", rubric=new)) != scores(lost("my_model", "speedup"))
    assert scores(earned("my_model", rubric=new))[3] == new.item("q4", "my_model").points


def test_the_new_check_judges_the_new_item(changed: Assignment) -> None:
    """The new item's check on values as the probe reports them (no kernel): right at 0.0, wrong
    at 0.0, and the plan asks the probe for 0.0."""
    golden = changed.golden()
    q3 = changed.checks["q3"]
    plan = q3.plan(random.Random(0), golden)
    assert plan["points"][-1] == 0.0 and len(plan["points"]) == len(plan["indexes"]) + 1

    def observed(at_0: float) -> Observation:
        number = {"kind": "array", "jax": True, "shape": [], "dtype": "float32"}
        listed = [{**number, "data": [42 * x**2 + 13]} for x in plan["points"][:-1]]
        return Observation("q3", {"my_gradient": [*listed, {**number, "data": [at_0]}]})

    right = q3.CHECKS["my_gradient_0"](observed(13.0), golden, plan)
    wrong = q3.CHECKS["my_gradient_0"](observed(0.0), golden, plan)
    assert right.passed and right.points == NEW_ITEM[1]
    assert not wrong.passed and "`my_gradient(0.0)`" in wrong.message


# -- what needs the engine to take an assignment ------------------------------------------------


def _run(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "autograder", *map(str, args)],
        capture_output=True,
        text=True,
        check=False,
        timeout=900,
    )


@pytest.mark.slow  # builds with otter assign, or grades in kernels: minutes
def test_the_changed_copy_builds(changed: Assignment, tmp_path: Path) -> None:
    """`build --assignment <copy>`: the copy's master agrees with the copy's rubric (the points
    changed in both, the new item's test in place), and its solution gets the copy's full marks."""
    done = _run("build", "--assignment", changed.folder, "--out", tmp_path / "dist")
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]


@pytest.mark.slow  # builds with otter assign, or grades in kernels: minutes
def test_a_change_in_the_rubric_alone_is_refused_by_build(tmp_path: Path) -> None:
    """The points changed in the copy's rubric but not in its master: build names the item."""
    folder = copy_of_project1(tmp_path / "project1")
    old = RUBRIC.item("q4", "my_model").points
    _edit(folder / "rubric.py", f'("my_model", {old:g}, ', f'("my_model", {old + 1:g}, ')
    done = _run("build", "--assignment", folder, "--out", tmp_path / "dist")
    assert done.returncode != 0
    assert "question q4, item `my_model`" in done.stderr
    assert f"the test has points {old:g}, the rubric {old + 1:g}" in done.stderr


@pytest.mark.slow  # builds with otter assign, or grades in kernels: minutes
def test_the_copy_grades_with_its_own_rubric(changed: Assignment, tmp_path: Path) -> None:
    """A few hand-ins graded against the copy: each loses exactly its items, worth what the
    copy's rubric says (the new item among them)."""
    from autograder.pipeline import grade_notebook

    cells = solution(loops=50)
    hand_ins = {
        "solution": (cells, ()),
        "not-jitted": (replace(cells, "@jax.jit\n", ""), ("q4",)),
        # A derivative written by hand, right everywhere but at 0.0: the new item alone is lost.
        "gradient-wrong-at-0": (
            replace(
                cells,
                "my_gradient = jax.grad(my_function)",
                "def my_gradient(x):\n    return 42*x**2 + 13 + 1.0*(x == 0.0)\n",
            ),
            ("my_gradient_0",),
        ),
        # 14x^3 + 13x + 1: a constant added keeps every derivative (and the new item); the
        # function's own items are lost.
        "function-plus-one": (
            replace(cells, "return 14*x**3 + 13*x", "return 14*x**3 + 13*x + 1"),
            ("my_function_17", "my_function"),
        ),
    }
    for name, (hand_in, loses) in hand_ins.items():
        path = write(tmp_path / f"{name}.ipynb", hand_in)
        result = grade_notebook(path, changed)
        failed = {c.name for q in result.questions for c in q.checks if not c.passed}
        points = tuple(result.question(q).score for q in changed.rubric.names)
        assert (str(result.status), points, failed) == (
            "ok",
            scores(lost(*loses, rubric=changed.rubric), changed.rubric),
            items(*loses, rubric=changed.rubric),
        ), name


@pytest.mark.slow  # builds with otter assign, or grades in kernels: minutes
def test_a_looser_tolerance_builds_and_grades_with_it(tmp_path: Path) -> None:
    """The tolerance loosened to 1e-2 in the copy (its definition and the master's tests): the
    copy builds, and a `my_function` off by 7e-5 relative, lost under the shipped tolerance,
    earns its items; the master's tests left at the old tolerance are refused as drift."""
    from autograder.pipeline import grade_notebook

    folder = copy_of_project1(tmp_path / "project1")
    change_tolerance(folder, 1e-2)
    done = _run("build", "--assignment", folder, "--out", tmp_path / "dist")
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    looser = load(folder)
    off = replace(solution(loops=50), "return 14*x**3 + 13*x", "return 14.001*x**3 + 13*x")
    path = write(tmp_path / "off.ipynb", off)
    shipped = grade_notebook(path, "project1")
    assert {c.name for q in shipped.questions for c in q.checks if not c.passed} == items(
        "my_function_17", "my_function"
    )
    loosened = grade_notebook(path, looser)
    assert tuple(q.score for q in loosened.questions) == scores(full(looser.rubric), looser.rubric)

    drifted = copy_of_project1(tmp_path / "drifted")
    master = (drifted / "project1.ipynb").read_text()
    change_tolerance(drifted, 1e-2)
    (drifted / "project1.ipynb").write_text(master)  # the public tests keep rtol=1e-05
    done = _run("build", "--assignment", drifted, "--out", tmp_path / "dist-drifted")
    assert done.returncode != 0 and "rtol" in done.stderr
