"""What a student reads: `grader.check`'s output (short, the reason first), hints in the mode
the instructor chose (Gradescope and `grader.check` alike), items by their description, and a
handed-out notebook that runs top to bottom."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import nbformat
import pytest
from nbclient import NotebookClient

from assignments.project1 import ASSIGNMENT, hints
from autograder.build.master import MasterMismatch, check_master, public_tests, write_messages
from autograder.checks.compare import verdict
from autograder.hints import Hint, HintMode, shown
from autograder.results import QuestionResult

MASTER = ASSIGNMENT.master
RUBRIC = ASSIGNMENT.rubric
Notebook = dict[str, Any]
MAX_LINES_PER_FAILING_ITEM = 15
# Otter prints a passing item as its message, "result:" and "Test case passed" (and a blank
# line): its own format, which a test cannot shorten.
MAX_LINES_PER_PASSING_ITEM = 5
# The reason (the assertion's message, or the error the student's code raised) comes within
# this many lines of its item's first line.
REASON_WITHIN = 8
# One realistic mistake per question (cell text, replacement).
MISTAKES = [
    ("third = first @ second", "third = first * second.T"),
    ("return functions[0](*keys)", "return functions[0](keys)"),
    ("return 14*x**3 + 13*x  # SOLUTION", "return 14*x**3 + 13  # SOLUTION"),
    ("@jax.jit\ndef my_model(keys):", "def my_model(keys):"),
    # Question 5's loop version without its static argument.
    (
        "        pass\n\nfast_my_function = jax.jit(my_function, static_argnums=(1,))  # SOLUTION",
        "        pass\n\nfast_my_function = jax.jit(my_function)",
    ),
]
SHORT_LOOPS = ("range(100000)", "range(100)")


def _source(cell: dict[str, Any]) -> str:
    return "".join(cell["source"]) if isinstance(cell["source"], list) else str(cell["source"])


@pytest.fixture(scope="module")
def assigned(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The folder `otter assign` writes: student/ (handed out) and autograder/ (its solution)."""
    out = tmp_path_factory.mktemp("assigned") / "dist"
    command = [sys.executable, "-m", "otter", "assign", str(MASTER), str(out), "--no-pdfs"]
    done = subprocess.run(command, capture_output=True, text=True, cwd=MASTER.parent, check=False)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    return out


def _edited(notebook: Notebook, edits: list[tuple[str, str]]) -> Notebook:
    notebook = json.loads(json.dumps(notebook))
    for old, new in edits:
        cells = [c for c in notebook["cells"] if c["cell_type"] == "code" and old in _source(c)]
        assert cells, f"no cell with {old!r}"
        for cell in cells:
            cell["source"] = _source(cell).replace(old, new)
    return notebook


def _run(notebook: Notebook, folder: Path, *, allow_errors: bool) -> Any:
    folder.mkdir()
    (folder / "project1.ipynb").write_text(json.dumps(notebook))  # otter.Notebook reads its tests here
    node = nbformat.reads(json.dumps(notebook), as_version=4)  # type: ignore[no-untyped-call]
    client = NotebookClient(
        node, timeout=300, kernel_name="python3", allow_errors=allow_errors,
        resources={"metadata": {"path": str(folder)}},
    )
    client.execute()
    return node


@pytest.fixture(scope="module")
def checked(assigned: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """What each `grader.check` printed (text/plain) in the solution with one mistake per question."""
    solution = json.loads((assigned / "autograder" / "project1.ipynb").read_text())
    node = _run(_edited(solution, [*MISTAKES, SHORT_LOOPS]), tmp_path_factory.mktemp("mistakes") / "run",
                allow_errors=True)
    printed = {}
    for cell in node.cells:
        found = re.search(r'grader\.check\("(q\d)"\)', cell.source) if cell.cell_type == "code" else None
        if found:
            texts = [o.get("data", {}).get("text/plain", "") for o in cell.outputs]
            printed[found.group(1)] = "".join(texts)
    return printed


def _items(text: str) -> list[list[str]]:
    """The output split into its items (each opens with otter's "qN - k message:")."""
    blocks: list[list[str]] = []
    for line in text.splitlines():
        if re.match(r"\s*q\d+ - \d+ message:", line):
            blocks.append([])
        if blocks:
            blocks[-1].append(line)
    return blocks


@pytest.mark.slow
@pytest.mark.parametrize("question", RUBRIC.names)
def test_a_failing_grader_check_is_short_with_its_reason_first(question: str, checked: dict[str, str]) -> None:
    text = checked[question]
    items = _items(text)
    failing = [block for block in items if any("Test case failed" in line for line in block)]
    assert failing and len(items) == len(RUBRIC.question(question).items), text
    passing = len(items) - len(failing)
    assert len(text.splitlines()) <= 1 + MAX_LINES_PER_FAILING_ITEM * len(failing) + MAX_LINES_PER_PASSING_ITEM * passing
    for block in failing:
        assert len(block) <= MAX_LINES_PER_FAILING_ITEM, "\n".join(block)
        reasons = [k for k, line in enumerate(block) if re.match(r"\s*\w*(Error|Exception)\w*: \S", line)]
        assert reasons and reasons[0] < REASON_WITHIN, "\n".join(block)
        # The message names the item by its description, with a hint, and points nowhere else.
        assert any(item.description in block[0] for item in RUBRIC.question(question).items), block[0]
        assert "Hint: " in block[0] and "see the error above" not in block[0]


@pytest.mark.slow
def test_the_handed_out_notebook_with_right_answers_runs_to_its_last_cell(assigned: Path, tmp_path: Path) -> None:
    student = json.loads((assigned / "student" / "project1.ipynb").read_text())
    tagged = [c for c in student["cells"] if "raises-exception" in c.get("metadata", {}).get("tags", [])]
    assert len(tagged) == 2 and all("fast_my_function = jax.jit(my_function)\n" in _source(c) for c in tagged)
    # Otter's solution notebook is the handed-out one with the answers filled in.
    solution = json.loads((assigned / "autograder" / "project1.ipynb").read_text())
    node = _run(_edited(solution, [SHORT_LOOPS]), tmp_path / "run", allow_errors=False)  # as Run All
    code = [cell for cell in node.cells if cell.cell_type == "code"]
    assert all(cell.execution_count is not None for cell in code)
    assert "All test cases passed" in "".join(o.get("data", {}).get("text/plain", "") for o in code[-1].outputs)


# -- hints ----------------------------------------------------------------------------------

ANSWER_CODE = (
    "first @ second", "functions[0](*keys)", "jax.grad(my_function)", "static_argnums",
    ".at[1, 1].set(7)", "arange(1, 7)", "jnp.full((3, 2), 2)", "vstack([second", "hstack([fourth",
    "uniform(key)", "@jax.jit", "split(jax.random.PRNGKey(0), num=3)",
)


def _all_hints() -> list[Hint]:
    found = [value for value in vars(hints).values() if isinstance(value, Hint)]
    return found + list(hints.ITEMS.values())


def test_concept_hints_point_at_the_idea_never_at_the_answers_code() -> None:
    for hint in _all_hints():
        assert not [code for code in ANSWER_CODE if code in hint.concept], hint.concept
    assert any(code in hints.FOO.code for code in ANSWER_CODE)  # `code` keeps the fix
    assert set(hints.ITEMS) == {item.name for item in RUBRIC.items}
    assert ASSIGNMENT.hints == hints.ITEMS  # the public tests' hints are these


@pytest.mark.filterwarnings("ignore::DeprecationWarning")  # importing otter imports ipylab, which warns
def test_the_hints_setting_changes_what_gradescope_shows() -> None:
    from autograder.plugin import GradedQuestion

    item = RUBRIC.item("q5", "loop_static")
    failed = verdict(item, "`fast_my_function(3, 200)` raised TracerIntegerConversionError.", hints.static("num_loops"))
    question = QuestionResult("q5", (failed,))
    concept, code, none = (GradedQuestion.from_question(question, 5, mode).summary() for mode in HintMode)
    assert "jit-compilation.html" in concept and "static_argnums" not in concept
    assert "static_argnums=(1,)" in code
    assert "Hint" not in none and "TracerIntegerConversionError" in none
    assert "loop_static" not in concept and item.description in concept and concept.startswith("Question 5:")
    assert HintMode.read(None) is HintMode.CONCEPT and HintMode.read("Code") is HintMode.CODE
    with pytest.raises(ValueError, match="hints: 'answers' is not one of concept, code, none"):
        HintMode.read("answers")


def _master_with(tmp_path: Path, mode: str) -> Path:
    """A copy of the master with `hints: mode`, its messages as they are."""
    notebook = json.loads(MASTER.read_text())
    config = notebook["cells"][0]
    config["source"] = _source(config).replace("hints: concept", f"hints: {mode}")
    path = tmp_path / mode / "project1.ipynb"
    path.parent.mkdir()
    path.write_text(json.dumps(notebook, indent=1, ensure_ascii=False) + "\n")
    return path


def _failure_messages(master: Path) -> dict[str, str]:
    return {test.name or "": test.messages[-1] for tests in public_tests(RUBRIC, master).values() for test in tests}


@pytest.mark.slow
def test_the_hints_setting_changes_what_grader_check_shows(tmp_path: Path) -> None:
    as_code = _master_with(tmp_path, "code")
    with pytest.raises(MasterMismatch) as raised:
        check_master(ASSIGNMENT, as_code)  # the concept messages under `hints: code`
    assert "`return functions[0](*keys)`" in str(raised.value) and "--write-messages" in str(raised.value)
    # Every test whose hint gives code away changes; the others read the same in both modes.
    assert write_messages(ASSIGNMENT, as_code) == sum(h.concept != h.code for h in hints.ITEMS.values()) > 0
    check_master(ASSIGNMENT, as_code)
    assert write_messages(ASSIGNMENT, as_code) == 0
    code, concept = _failure_messages(as_code), _failure_messages(MASTER)
    assert code["foo"].endswith("Hint: `return functions[0](*keys)`.")
    assert "unpacking-argument-lists" in concept["foo"] and "functions[0]" not in concept["foo"]
    assert code["speedup"].endswith("Note: Gradescope measures the speed-up itself: at least 2x over the uncompiled model.")
    as_none = _master_with(tmp_path, "none")
    write_messages(ASSIGNMENT, as_none)
    check_master(ASSIGNMENT, as_none)
    assert _failure_messages(as_none)["foo"] == "`foo` calls the function the shuffle put first with the keys: not yet."


def test_the_build_refuses_public_tests_in_otters_doctest_format(tmp_path: Path) -> None:
    notebook = json.loads(MASTER.read_text())
    notebook["cells"][0]["source"] = _source(notebook["cells"][0]).replace("ok_format: false", "ok_format: true")
    path = tmp_path / "project1.ipynb"
    path.write_text(json.dumps(notebook))
    with pytest.raises(MasterMismatch, match="ok_format: false"):
        check_master(ASSIGNMENT, path)


def test_shown_adds_the_hint_to_failures_only() -> None:
    item = RUBRIC.item("q1", "first")
    assert shown(verdict(item, None, hints.FIRST)) == f"{item.description}: correct."
    wrong = verdict(item, "`first` has shape (3, 2), expected (2, 3).", hints.FIRST_COLUMN_MAJOR)
    assert shown(wrong, HintMode.CODE).endswith("Hint: " + hints.FIRST_COLUMN_MAJOR.code)
    assert shown(wrong, HintMode.NONE) == wrong.message


def test_a_result_keeps_its_hint_through_grading_json() -> None:
    from autograder.results import CheckResult

    wrong = verdict(RUBRIC.item("q2", "foo"), "`foo` did not pass the two keys.", hints.FOO)
    reread = CheckResult.from_dict(json.loads(json.dumps(wrong.to_dict())))
    assert reread == wrong and reread.hint == hints.FOO
    # grading.json of earlier runs: the hint was in the message.
    old = {key: value for key, value in wrong.to_dict().items() if key != "hint"}
    assert CheckResult.from_dict(old).hint is None
