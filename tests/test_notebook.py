"""Reading a notebook, finding each question's checkpoint in it, and refusing what is not one."""

import json

import pytest

from assignments.project1.rubric import RUBRIC
from autograder.fast_path import is_otter_only, shorten_for_grading
from autograder.layout import Layout
from autograder.layout import read_layout as read_layout_for
from autograder.statements import bound_names, parse
from autograder.notebook import Cell, InvalidNotebook, WrongAssignment, cells_of, read_notebook
from tests import submissions


def read_layout(notebook) -> Layout:
    return read_layout_for(notebook, RUBRIC)


def cells(spec):
    return [Cell(i, kind, source) for i, (kind, source) in enumerate(spec)]


def test_solution_checkpoints_precede_each_later_question():
    notebook = cells(submissions.solution())
    layout = read_layout(notebook)
    assert [step.cell for step in layout.steps] == [c.index for c in notebook if c.kind == "code"]
    ends = {question: layout.steps[step].cell for question, step in layout.checkpoints.items()}
    headings = {f"q{n}": next(c.index for c in notebook if c.source == f"## Question {n}") for n in range(1, 6)}
    for n in range(1, 5):
        later = headings[f"q{n + 1}"]
        assert ends[f"q{n}"] == max(c.index for c in notebook if c.kind == "code" and c.index < later)
    assert ends["q5"] == max(c.index for c in notebook if c.kind == "code")


def test_question_five_is_probed_after_each_binding_with_its_version():
    tags = [(c.question, c.tag) for c in read_layout(cells(submissions.solution())).captures if c.question == "q5"]
    assert tags == [("q5", "loop"), ("q5", "loop"), ("q5", "shape"), ("q5", "shape")]


def test_without_headings_questions_are_found_from_the_names_bound():
    no_headings = [(k, s) for k, s in submissions.solution() if not s.startswith("## Question")]
    found = read_layout(cells(no_headings))
    expected = read_layout(cells(submissions.solution()))
    # Without headings a cell is cut where the next question's first name is bound: what runs
    # before each checkpoint is what runs before it with headings, and at most the statements
    # of the next cell that bind none of the next question's names.
    for number, question in enumerate(RUBRIC.names[:-1], start=1):
        # (A cell magic heads every piece of its cell.)
        ran = "".join(s.source for s in found.steps[: found.checkpoints[question] + 1]).replace("%%time\n", "")
        ran_with_headings = "".join(
            s.source for s in expected.steps[: expected.checkpoints[question] + 1]).replace("%%time\n", "")
        assert ran.startswith(ran_with_headings)
        extra = parse(ran[len(ran_with_headings):])
        assert not bound_names(extra) & RUBRIC.question(f"q{number + 1}").binds
        after = found.pieces[found.checkpoints[question] + 1]
        assert bound_names(list(after.statements)) & RUBRIC.question(f"q{number + 1}").binds


def test_magics_do_not_hide_bindings():
    found = read_layout(cells([("code", "%%time\nfast_my_function = jax.jit(my_function, static_argnums=(1,))")])).captures
    assert [c.question for c in found if c.question == "q5"] == ["q5"]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        pytest.param('{"cells": [', "not valid notebook JSON", id="truncated"),
        pytest.param("[1, 2]", "not a Jupyter notebook", id="not-a-notebook"),
        pytest.param('{"cells": [{"cell_type": "markdown", "source": "hi"}]}', "no code", id="empty"),
    ],
)
def test_invalid_notebooks_are_refused_with_a_reason(tmp_path, text, message):
    path = tmp_path / "bad.ipynb"
    path.write_text(text)
    with pytest.raises(InvalidNotebook, match=message):
        read_notebook(path, "project1")


def test_binary_file_is_refused(tmp_path):
    path = tmp_path / "bad.ipynb"
    path.write_bytes(b"\x89PNG\r\n\x1a\n\xff\xfe")
    with pytest.raises(InvalidNotebook, match="not text"):
        read_notebook(path, "project1")


def test_list_sources_are_joined():
    data = json.loads(json.dumps({"cells": [{"cell_type": "code", "source": ["a = 1\n", "b = 2"]}]}))
    assert cells_of(data, "project1")[0].source == "a = 1\nb = 2"


def test_the_fast_path_shortens_only_the_timing_loops():
    layout = read_layout(cells(submissions.solution(loops=100000)))
    notebook, fast = layout.steps, shorten_for_grading(layout)
    changed = [s for s, f in zip(notebook, fast) if s.source != f.source]
    assert [step.source.count("range(100000)") for step in changed] == [1, 1, 1]
    assert all("range(10)" in f.source for s, f in zip(notebook, fast) if s.source != f.source)


@pytest.mark.parametrize("loop", ["tqdm(range(100000))", "tqdm.auto.tqdm(range(100_000), desc='jit')",
                                  "trange(100000, leave=False)"])
def test_the_fast_path_shortens_loops_behind_a_progress_bar(loop):
    notebook = cells([("markdown", "## Question 4"), ("code", f"for i in {loop}:\n    my_value = i")])
    fast = shorten_for_grading(read_layout(notebook))[-1].source
    assert "100" not in fast and "(10" in fast


def test_the_fast_path_keeps_loops_that_bind_graded_names():
    notebook = cells([("code", "for i in range(5000):\n    first = i"), ("markdown", "## Question 2")])
    assert shorten_for_grading(read_layout(notebook))[0].source == notebook[0].source


def test_the_fast_path_keeps_loops_whose_names_functions_read():
    notebook = cells([("code", "for i in range(5000):\n    scale = i"), ("code", "def my_model(k):\n    return scale")])
    assert shorten_for_grading(read_layout(notebook))[0].source == notebook[0].source


@pytest.mark.parametrize(
    ("source", "otter_only"),
    [
        ('import otter\ngrader = otter.Notebook("project1.ipynb")', True),
        ('grader.check("q1")', True),
        ('grader.check("q1")\nfirst = 1', False),
        ("", False),
    ],
)
def test_otter_cells(source, otter_only):
    assert is_otter_only(source) is otter_only


def test_a_notebook_of_another_assignment_is_refused_by_the_name_given():
    data = {"metadata": {"otter": {"assignment_name": "project2"}}, "cells": [{"cell_type": "code", "source": "x = 1"}]}
    with pytest.raises(WrongAssignment, match=r"not 'project1'\. Submit the TDM 40200 Project 1 notebook"):
        cells_of(data, "project1", title="TDM 40200 Project 1")
    assert [cell.source for cell in cells_of(data, "project2")] == ["x = 1"]
