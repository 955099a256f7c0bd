"""The master's public tests mirror the grade: the build's item-by-item comparison with the
rubric, and otter's solution notebook with one mistake per graded item run as a student runs
it (`grader.check` cells, nbclient, short timing loops), then graded."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import nbformat
import pytest
from nbclient import NotebookClient

from assignments.project1 import ASSIGNMENT
from autograder.build import BuildError, build
from autograder.build.master import MasterMismatch, check_master, item_name
from autograder.pipeline import grade_notebook
from tests.project1 import PROJECT1

pytestmark = pytest.mark.slow  # grades notebooks in kernels: the README's quick run leaves it to CI

MASTER = ASSIGNMENT.master
RUBRIC = ASSIGNMENT.rubric
MODEL = RUBRIC.item("q4", "my_model").points
FIFTH = RUBRIC.item("q1", "fifth").points
RESULTS_MARK = "PUBLIC-TEST-RESULTS "
Notebook = dict[str, Any]
Cells = list[dict[str, Any]]
# The last cell of a run: what each `grader.check` cell returned (IPython keeps it in `Out`).
COLLECT = f"""\
import json as _json
_found = {{}}
for _value in Out.values():
    if hasattr(_value, "test_case_results") and hasattr(_value, "name"):
        _found[_value.name] = [[r.test_case.failure_message, r.passed, r.test_case.points]
                               for r in _value.test_case_results]
print({RESULTS_MARK!r} + _json.dumps(_found))
"""


# -- the item-by-item comparison ---------------------------------------------------------


def _edited_master(tmp_path: Path, edit: Callable[[Cells], object]) -> Path:
    notebook = json.loads(MASTER.read_text())
    edit(notebook["cells"])
    path = tmp_path / "project1.ipynb"
    path.write_text(json.dumps(notebook, indent=1, ensure_ascii=False) + "\n")
    return path


def _test_cell(cells: Cells, name: str) -> int:
    return next(i for i, cell in enumerate(cells)
                if cell["cell_type"] == "code" and f"\ndef test_{name}(env):\n" in "".join(cell["source"]))


def _mismatch(path: Path) -> str:
    with pytest.raises(MasterMismatch) as raised:
        check_master(ASSIGNMENT, path)
    return str(raised.value)


def test_master_agrees_with_the_rubric_item_by_item() -> None:
    check_master(ASSIGNMENT, MASTER)


def test_a_changed_points_value_is_named_with_found_and_expected(tmp_path: Path) -> None:
    def edit(cells: Cells) -> None:
        cell = cells[_test_cell(cells, "my_model")]
        cell["source"] = [line.replace(f"points: {MODEL:g}", f"points: {MODEL + 1:g}") for line in cell["source"]]

    message = _mismatch(_edited_master(tmp_path, edit))
    cell = _test_cell(json.loads(MASTER.read_text())["cells"], "my_model") + 1
    assert (f"question q4, item `my_model` (cell {cell}): the test has points {MODEL + 1:g}, the rubric {MODEL:g} "
            f"(set `points: {MODEL:g}`)") in message


def test_the_build_refuses_a_master_with_a_changed_item(tmp_path: Path) -> None:
    def edit(cells: Cells) -> None:
        cell = cells[_test_cell(cells, "bar")]
        cell["source"] = [line.replace("`bar(key)` draws `jax.random.uniform`", "`bar(key)` draws") for line in cell["source"]]

    with pytest.raises(BuildError, match="bar") as raised:
        build(_edited_master(tmp_path, edit), tmp_path / "dist", assignment=ASSIGNMENT, verify=False)
    assert not (tmp_path / "dist").exists(), str(raised.value)  # refused before otter assign ran


def test_a_missing_item_is_named(tmp_path: Path) -> None:
    message = _mismatch(_edited_master(tmp_path, lambda cells: cells.pop(_test_cell(cells, "foo"))))
    assert f"question q2: missing test for item `foo` ({RUBRIC.item('q2', 'foo').points:g} points" in message


def test_an_extra_test_is_named(tmp_path: Path) -> None:
    def edit(cells: Cells) -> None:
        extra = json.loads(json.dumps(cells[_test_cell(cells, "bar")]))
        cells.insert(_test_cell(cells, "bar"), extra)

    message = _mismatch(_edited_master(tmp_path, edit))
    assert "question q2: 2 tests for `bar`; keep one." in message


def test_a_test_naming_no_item_and_a_hidden_test_are_named(tmp_path: Path) -> None:
    def edit(cells: Cells) -> None:
        cell = cells[_test_cell(cells, "first")]
        cell["source"] = [line.replace("`first` is the 2x3 array 1..6", "the first array") for line in cell["source"]]
        hidden = cells[_test_cell(cells, "fifth")]
        hidden["source"] = [line.replace(f"points: {FIFTH:g}\n", f"points: {FIFTH:g}\nhidden: true\n")
                            for line in hidden["source"]]

    message = _mismatch(_edited_master(tmp_path, edit))
    assert "question q1, test 1 (cell " in message and "): its messages name no item" in message
    assert "question q1: missing test for item `first`" in message
    assert re.search(r"question q1, item `fifth` \(cell \d+\): the test is hidden", message)


# -- grader.check against the grade ------------------------------------------------------

# One mistake per graded item, a realistic one each; questions are independent, so one
# notebook carries one mistake per question. (cell text to find, its replacement.)
Edit = tuple[str, str]
MISTAKES: dict[str, list[Edit]] = {
    "first_bar_formula_model_loop": [
        ("jnp.arange(1, 7).reshape(2, 3)", "jnp.arange(0, 6).reshape(2, 3)"),
        ("def bar(key):\n    # BEGIN SOLUTION NO PROMPT\n    return jax.random.uniform(key)",
         "def bar(key):\n    # BEGIN SOLUTION NO PROMPT\n    return jax.random.normal(key)"),
        ("return 14*x**3 + 13*x  # SOLUTION", "return 14*x**3 + 13  # SOLUTION"),
        ("@jax.jit\ndef my_model(keys):\n    return 14*jax.random.normal(keys[0])**2 + 13*",
         "@jax.jit\ndef my_model(keys):\n    return 13*jax.random.normal(keys[0])**2 + 14*"),
        ("        pass\n\nfast_my_function = jax.jit(my_function, static_argnums=(1,))  # SOLUTION",
         "        pass\n\nfast_my_function = jax.jit(my_function)"),
    ],
    "second_baz_gradient_unjitted_shape": [
        ("jnp.full((3, 2), 2)  # SOLUTION", "jnp.full((3, 2), 3)  # SOLUTION"),
        ("def baz(key):\n    # BEGIN SOLUTION NO PROMPT\n    return jax.random.uniform(key)",
         "def baz(key):\n    # BEGIN SOLUTION NO PROMPT\n    return jax.random.normal(key)"),
        ("my_gradient = jax.grad(my_function)", "my_gradient = jax.grad(jax.grad(my_function))"),
        ("@jax.jit\ndef my_model(keys):", "def my_model(keys):"),
        ("(2, arr_cols), 5)\n\nfast_my_function = jax.jit(my_function, static_argnums=(1,))  # SOLUTION",
         "(2, arr_cols), 5)\n\nfast_my_function = jax.jit(my_function)"),
    ],
    "third_foo2_hardcoded_foriloop": [
        ("third = first @ second", "third = first[:, :2] * second[:2, :]"),
        ("return 2*baz(key2) + bar(key1)", "return 2*baz(key1) + bar(key2)"),
        ("return 14*x**3 + 13*x  # SOLUTION", "return 14*17**3 + 13*17"),
        # Runs with `num_loops` traced (a fori_loop), so it never recompiles for a new value.
        ("    for i in range(num_loops):\n        pass\n\n"
         + "fast_my_function = jax.jit(my_function, static_argnums=(1,))  # SOLUTION",
         "    return jax.lax.fori_loop(0, num_loops, lambda i, v: v, x)\n\n"
         + "fast_my_function = jax.jit(my_function)"),
    ],
    "displayed_old_prng_foo": [
        # The 2023 PRNG: the public tests compute their draws in the notebook's own configuration.
        ("import jax\nimport jax.numpy as jnp",
         "import jax\nimport jax.numpy as jnp\njax.config.update('jax_threefry_partitionable', False)"),
        ("third * 2  # SOLUTION", "doubled = third * 2"),
        ("return functions[0](*keys)", "return functions[0](keys)"),
    ],
    "fourth_value": [
        ("jnp.vstack([second, jnp.array([3, 4])])", "jnp.vstack([jnp.array([3, 4]), second])"),
        # Every split of the answer (its own and the printing cell's): the grade reads the value
        # where the answer's own split is, grader.check at the end.
        ("key, *subkeys = jax.random.split(key, num=3)", "key, *subkeys = jax.random.split(key, num=2)"),
    ],
    # `third` element-wise with `second.T` (2x3): its displays are judged on it, as the grade does;
    # bar and baz drawing from the global `subkeys`, not their key: foo1/foo2 keep their item.
    "third_transposed_bar_baz_global_subkeys": [
        ("third = first @ second", "third = first * second.T"),
        ("def bar(key):\n    # BEGIN SOLUTION NO PROMPT\n    return jax.random.uniform(key)",
         "def bar(key):\n    # BEGIN SOLUTION NO PROMPT\n    return jax.random.uniform(subkeys[0])"),
        ("def baz(key):\n    # BEGIN SOLUTION NO PROMPT\n    return jax.random.uniform(key)",
         "def baz(key):\n    # BEGIN SOLUTION NO PROMPT\n    return jax.random.uniform(subkeys[1])"),
    ],
    "fifth": [("jnp.hstack([fourth, jnp.ones((4, 1), dtype=fourth.dtype)])",
               "jnp.hstack([jnp.ones((4, 1), dtype=fourth.dtype), fourth])")],
    "my_array": [("my_array = my_array.at[1, 1].set(7)", "my_array.at[1, 1].set(7)")],
}


@pytest.fixture(scope="module")
def assigned(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """What `otter assign` writes for the master (as `python -m autograder build` runs it)."""
    out = tmp_path_factory.mktemp("assigned")
    command = [sys.executable, "-m", "otter", "assign", str(MASTER), str(out / "dist"), "--no-pdfs"]
    done = subprocess.run(command, capture_output=True, text=True, cwd=MASTER.parent, check=False)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    return out / "dist"


@pytest.fixture(scope="module")
def solution(assigned: Path) -> Notebook:
    """Otter's solution notebook (with its public tests in the metadata)."""
    notebook: Notebook = json.loads((assigned / "autograder" / "project1.ipynb").read_text())
    return notebook


def _with_mistakes(solution: Notebook, edits: list[Edit]) -> Notebook:
    notebook: Notebook = json.loads(json.dumps(solution))
    for old, new in edits + [("range(100000)", "range(100)")]:
        found = False
        for cell in notebook["cells"]:
            source = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
            if cell["cell_type"] == "code" and old in source:
                cell["source"], found = source.replace(old, new), True
        assert found, f"the solution notebook has no cell with {old!r}"
    return notebook


def _checked(notebook: Notebook, folder: Path) -> dict[str, set[str]]:
    """Run the notebook as a student does; the items whose public test failed, per question."""
    folder.mkdir()
    (folder / "project1.ipynb").write_text(json.dumps(notebook))  # otter.Notebook reads its tests here
    # nbformat has no annotations.
    node = nbformat.reads(json.dumps(notebook), as_version=4)  # type: ignore[no-untyped-call]
    node.cells.append(nbformat.v4.new_code_cell(COLLECT))  # type: ignore[no-untyped-call]
    NotebookClient(node, timeout=300, kernel_name="python3", allow_errors=True,
                   resources={"metadata": {"path": str(folder)}}).execute()
    printed = "".join(o.get("text", "") for o in node.cells[-1].outputs)
    found = json.loads(printed.split(RESULTS_MARK, 1)[1])
    assert sorted(found) == sorted(RUBRIC.names), printed
    lost: dict[str, set[str]] = {}
    for question, results in found.items():
        names = [item_name(RUBRIC, message) for message, _, _ in results]
        assert names == [i.name for i in RUBRIC.question(question).items]
        for (message, passed, points), item in zip(results, RUBRIC.question(question).items):
            assert points == item.points
        lost[question] = {str(name) for name, (_, passed, _) in zip(names, results) if not passed}
    return lost


def _graded(notebook: Notebook, folder: Path) -> dict[str, set[str]]:
    path = folder / "graded.ipynb"
    path.write_text(json.dumps(notebook))
    result = grade_notebook(path, PROJECT1)
    assert result.status.ok, str(result.status)
    return {q.name: {c.name for c in q.checks if not c.passed} for q in result.questions}


def _points(question: str, names: set[str]) -> float:
    return sum(RUBRIC.item(question, name).points for name in names)


# A first of zeros makes the own-value `third` constant: the rule carries no error forward
# from it, so `third` and the displays are judged on the right values (3 items lost).
MISTAKES["first_zeros"] = [("jnp.arange(1, 7).reshape(2, 3)", "jnp.zeros((2, 3))")]


@pytest.mark.parametrize("case", ["solution", *MISTAKES])
def test_grader_check_loses_what_the_grade_loses(case: str, solution: Notebook, tmp_path: Path) -> None:
    notebook = _with_mistakes(solution, MISTAKES.get(case, []))
    checked, graded = _checked(notebook, tmp_path / "run"), _graded(notebook, tmp_path)
    for question in RUBRIC.names:
        # Gradescope measures the speed-up; grader.check can only see whether it can happen.
        if question == "q4":
            assert ("speedup" in checked[question]) == bool({"compiled", "my_model"} & checked[question])
            if "compiled" in graded[question]:
                assert "speedup" in graded[question]
            checked[question].discard("speedup")
            graded[question].discard("speedup")
        assert checked[question] == graded[question], (question, checked[question], graded[question])
        assert _points(question, checked[question]) == _points(question, graded[question])
    if case == "solution":
        assert not any(checked.values())


def test_grader_check_gives_the_handed_out_notebook_nothing(assigned: Path, tmp_path: Path) -> None:
    """The notebook students receive, run as handed out: every public test fails, Question 4's
    uncompiled model (the assignment's own code, which runs) included, as in the grade (no points)."""
    handed_out: Notebook = json.loads((assigned / "student" / "project1.ipynb").read_text())
    checked = _checked(_with_mistakes(handed_out, []), tmp_path / "run")
    assert checked == {q.name: {i.name for i in q.items} for q in RUBRIC.questions}
