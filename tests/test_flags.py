"""Flags point a TA at code that could forge what the kernel reports; honest code has none."""

import pytest

from autograder.flags import flags
from autograder.notebook import Cell
from tests.submissions import solution


def cells(*sources):
    return [Cell(i, "code", source) for i, source in enumerate(sources)]


def test_the_solution_has_no_flags():
    notebook = [Cell(i, kind, source) for i, (kind, source) in enumerate(solution(loops=100000))]
    assert flags(notebook) == ()


@pytest.mark.parametrize(
    ("sources", "expected"),
    [
        (["import numpy as np", "np.allclose = lambda *a, **k: True"], "cell 2: replaces `np.allclose`"),
        (["import sys", "sys.stdout.write = print"], "cell 2: replaces `sys.stdout.write`"),
        (["from otter.test_files import ok_test"], "cell 1: imports from `otter.test_files`"),
        (["import otter.test_files.ok_test as t", "t.run_doctest = None"], "cell 2: replaces `t.run_doctest`"),
        (["import builtins", "setattr(builtins, 'print', len)"], "cell 2: calls `setattr` on `builtins`"),
        (["import sys", "sys.settrace(lambda *a: None)"], "cell 2: calls `sys.settrace`"),
        (["import gc", "gc.get_objects()"], "cell 2: calls `gc.get_objects`"),
        (["import ctypes"], "cell 1: imports `ctypes`"),
        (["import autograder.checks.compare"], "cell 1: imports `autograder.checks.compare`"),
        (["source = open('x').read()", "exec(source, globals())"], "cell 2: runs code built at run time (`exec`)"),
        (["open('results.json', 'w')"], "cell 1: mentions `results.json`"),
        (["_autograder_probe = None"], "cell 1: uses the name `_autograder_probe`"),
    ],
)
def test_each_kind_of_tampering_is_named(sources, expected):
    assert expected in flags(cells(*sources))


@pytest.mark.parametrize(
    "source",
    [
        'jax.config.update("jax_threefry_partitionable", False)',
        "exec('x = 1')",  # a constant is visible as it is
        "%%time\nfor i in range(10):\n    my_model(subkeys)",
        "plt.rcParams['figure.figsize'] = (4, 3)",
        "grader = otter.Notebook('project1.ipynb')\ngrader.check('q1')",
        "def broken(:\n    pass",
    ],
)
def test_ordinary_code_is_not_flagged(source):
    assert flags(cells("import jax\nimport otter\nimport matplotlib.pyplot as plt", source)) == ()
