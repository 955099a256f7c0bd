"""Grades that do not depend on how a notebook is laid out (issue 10): realistic notebooks written
from scratch (`tests/layouts.py`), each graded end to end and asserted to its exact points per
question and its failing items, status `ok`, no flags."""

from __future__ import annotations

from pathlib import Path

import pytest

from assignments.project1.rubric import RUBRIC
from autograder.results import SubmissionResult
from tests import layouts
from tests.layouts import (
    IMPORTS,
    MODEL,
    Q1,
    Q2,
    Q3,
    Q4,
    Q5,
    Q5_LOOP,
    Q5_SHAPE,
    SCRATCH,
    WRITTEN,
    headed,
)
from tests.replay import graded_in_kernels, replayed
from tests.submissions import notebook
from tests.test_corpus import ITEM_QUESTION, Case, _failures, correct, mistake

# Slow all of it: the cases IN_KERNELS are graded in kernels; the replays of every case still
# take about a second each, more than the README's quick run can hold for the whole corpus.
pytestmark = pytest.mark.slow

ONE_CELL = "\n".join(
    [
        "%%time",
        IMPORTS,
        "# Question 1",
        Q1,
        "# Question 2",
        Q2,
        "## Q3",
        Q3,
        "#Question 4:",
        Q4,
        "# Question 5 (static arguments)",
        Q5,
    ]
)

# -- the classes of the issue ---------------------------------------------------------------

ISSUE = [
    correct(
        "everything-in-one-cell-with-question-comments",
        [
            ("markdown", "# Project 1 — Jane Smith"),
            ("code", ONE_CELL),
            *[("markdown", f"Question {n}: {text}") for n, text in WRITTEN.items()],
        ],
    ),
    correct(
        "one-question-over-many-tiny-cells",
        [
            ("markdown", "## Question 1"),
            ("code", "import jax\nimport jax.numpy as jnp\nimport random"),
            *[("code", line) for line in Q1.strip().splitlines()],
            ("markdown", WRITTEN[1]),
            *headed(
                2,
                [
                    ("code", "key = jax.random.PRNGKey(0)"),
                    ("code", "key, *subkeys = jax.random.split(key, num=3)"),
                    ("code", "def bar(key):\n    return jax.random.uniform(key)"),
                    ("code", "def baz(key):\n    return jax.random.uniform(key)"),
                    ("code", "def foo1(key1, key2):\n    return bar(key1) + 2*baz(key2)"),
                    ("code", "def foo2(key1, key2):\n    return 2*baz(key2) + bar(key1)"),
                    ("code", "def foo(funcs, keys):\n    f = random.choice(funcs)\n    return f(*keys)"),
                    ("code", "foo((foo1, foo2), (subkeys[0], subkeys[1]))"),
                ],
            ),
            *headed(3, [("code", Q3)]),
            *headed(4, [("code", Q4)]),
            *headed(5, [("code", Q5)]),
        ],
    ),
    correct(
        "scratch-after-the-pledge-rebinds-every-graded-name",
        [
            *layouts.template(layouts.per_question()),
            ("markdown", "## Scratch (ignore)"),
            ("code", SCRATCH),
            ("code", "print(first, bar(key), my_function(2.0))"),
        ],
    ),
    correct(
        "q5-helpers-under-other-names",
        layouts.per_question(
            q5=(
                "%%time\ndef my_function2(x, num_loops):\n    for i in range(num_loops):\n"
                "        x = x + 1\n    return x\n\n"
                "fast_my_function = jax.jit(my_function2, static_argnums=(1,))\n"
                "print(fast_my_function(14, 100))\n"
            )
        )
        + [
            (
                "code",
                "%%time\ndef my_function3(x, arr_cols):\n    return jnp.full((2, arr_cols), 5)\n\n"
                "fast_my_function = jax.jit(my_function3, static_argnums=(1,))\nfast_my_function(5, 5)",
            ),
            ("code", "%%time\nfast_my_function(5, 6)"),
        ],
    ),
    mistake(
        "first-second-third-zeros-everything-else-garbage",
        headed(
            1,
            [
                (
                    "code",
                    IMPORTS
                    + "first = jnp.zeros((2, 3))\nsecond = jnp.zeros((3, 2))\nthird = jnp.zeros((2, 2))\n"
                    "print(third.shape)\nprint(third * 2)\nprint(third * jnp.array([[1, 2], [3, 4]]))\n"
                    "fourth = jnp.ones((5, 5))\nfifth = jnp.array([1, 2, 3])\n"
                    "my_array = jnp.array([[2, 2, 2], [2, 1, 3]])\nmy_array",
                )
            ],
        )
        + headed(
            2,
            [
                (
                    "code",
                    "key = jax.random.PRNGKey(0)\nkey, *subkeys = jax.random.split(key, num=3)\n"
                    "def bar(key):\n    return 0.5\ndef baz(key):\n    return 0.25\n"
                    "def foo1(key1, key2):\n    return 7.0\ndef foo2(key1, key2):\n    return 8.0\n"
                    "def foo(funcs, keys):\n    return 3.0\n"
                    "print(foo((foo1, foo2), (subkeys[0], subkeys[1])))",
                )
            ],
        )
        + headed(3, [("code", "def my_function(x):\n    return x\nmy_gradient = lambda x: 0.0")])
        + headed(4, [("code", "def my_model(keys):\n    return 0.0")])
        + headed(
            5,
            [
                ("code", "def my_function(x, num_loops):\n    return x\nfast_my_function = my_function"),
                ("code", "def my_function(x, arr_cols):\n    return x\nfast_my_function = my_function"),
            ],
        ),
        {
            "first",
            "second",
            "third",
            "displayed",
            "fourth",
            "fifth",
            "my_array",
            "bar",
            "baz",
            "foo1_foo2",
            "foo",
            "value",
            "my_function_17",
            "my_function",
            "my_gradient_17",
            "my_gradient",
            "my_model",
            "compiled",
            "speedup",
            "loop_static",
            "loop_recompiles",
            "shape_static",
            "shape_recompiles",
        },
        {"third": "`third` is", "displayed": "`third` multiplied by 2", "loop_static": "not compiled"},
    ),
    mistake(
        "first-second-third-zeros-later-answers-computed-from-them",
        [
            ("markdown", "## Question 1"),
            (
                "code",
                IMPORTS
                + Q1.replace("jnp.arange(1, 7).reshape(2, 3)", "jnp.zeros((2, 3))").replace(
                    "jnp.full((3, 2), 2)", "jnp.zeros((3, 2))"
                ),
            ),
            *layouts.per_question()[2:],
        ],
        {"first", "second", "third", "displayed"},
        {"third": "`third` is", "displayed": "`third` multiplied by 2"},
    ),
]

# -- more layouts, as students hand them in --------------------------------------------------

NO_HEADINGS = [
    ("code", "import jax\nimport jax.numpy as jnp\nimport random\nprint(jax.__version__)"),
    ("code", Q1),
    ("code", "# immutable!\nmy_array[1, 1] = 7"),
    ("code", Q2),
    ("code", Q3),
    ("code", Q4),
    ("code", Q5_LOOP),
    ("code", Q5_SHAPE),
]

LAYOUTS = [
    correct(
        "course-template-with-pledge-and-sub-headings",
        layouts.template(
            [
                *headed(1, [("markdown", "### Part a"), ("code", IMPORTS + Q1)]),
                *headed(
                    2, [("code", Q2), ("markdown", "### Explanation\n\nThe split keys make it reproducible.")]
                ),
                *headed(3, [("markdown", "## Answer"), ("code", Q3)]),
                ("markdown", "## Notes\n\nThings I tried while reading the docs."),
                ("code", "my_function = None\nmy_gradient = 'todo'"),
                *headed(4, [("code", Q4)]),
                *headed(5, [("code", Q5)]),
            ]
        ),
    ),
    correct("no-headings-at-all-with-an-error-cell", NO_HEADINGS),
    correct(
        "colab-notebook-with-pip-install",
        [
            ("code", "!pip install -q jax"),
            ("markdown", "# Project 1"),
            *layouts.per_question(),
        ],
        options={"colab": True},
    ),
    correct(
        "scratch-after-the-last-question",
        layouts.per_question()
        + [
            ("markdown", "## Scratch work"),
            ("code", MODEL + "fast_my_function = my_function\nfirst = 'scratch'"),
            ("code", "%timeit my_model(jax.random.split(jax.random.PRNGKey(3)))"),
        ],
    ),
    correct(
        "one-cell-per-question-with-stray-prints",
        layouts.per_question(
            q4="%%time\n" + Q4 + "print('done')\n", q5="%%time\n" + Q5 + "print('recompiled')\n"
        ),
    ),
    correct(
        "jax-imported-by-name-and-numpy-alias",
        [
            ("markdown", "## Question 1"),
            (
                "code",
                "import jax\nimport jax.numpy as np\nfrom jax import grad, jit\n"
                "from functools import partial\nimport random",
            ),
            ("code", Q1.replace("jnp.", "np.")),
            ("markdown", "## Question 2"),
            ("code", Q2),
            ("markdown", "## Question 3"),
            ("code", Q3.replace("jax.grad", "grad")),
            ("markdown", "## Question 4"),
            ("code", Q4.replace("my_model = jax.jit(my_model)", "my_model = jit(my_model)")),
            ("markdown", "## Question 5"),
            (
                "code",
                "@partial(jit, static_argnums=1)\ndef fast_my_function(x, num_loops):\n"
                "    for i in range(num_loops):\n        pass\n    return x\nfast_my_function(1, 10)",
            ),
            (
                "code",
                "@partial(jit, static_argnames=['arr_cols'])\ndef fast_my_function(x, arr_cols):\n"
                "    return np.ones((2, arr_cols))\nfast_my_function(1, arr_cols=4)",
            ),
        ],
    ),
    correct(
        "errors-left-in-cells",
        [
            *headed(1, [("code", IMPORTS + Q1), ("code", "my_array[1, 1] = 7  # TypeError on purpose")]),
            *headed(2, [("code", "jax.random.uniform()"), ("code", Q2)]),
            *headed(3, [("code", Q3), ("code", "my_gradient(17)  # ints are not differentiable")]),
            *headed(4, [("code", Q4), ("code", "print(my_valu)")]),
            *headed(
                5,
                [
                    ("code", Q5_LOOP.replace("static_argnums=(1,)", "static_argnums=(0,)")),
                    ("code", Q5_LOOP),
                    ("code", Q5_SHAPE),
                    ("code", "fast_my_function(5, jnp.array(6))"),
                ],
            ),
        ],
    ),
    correct(
        "cells-run-again-and-pasted-twice",
        [
            *headed(
                1,
                [
                    ("code", IMPORTS + Q1.replace("jnp.arange(1, 7)", "jnp.arange(6)")),
                    ("code", IMPORTS + Q1),
                    ("code", "third * 2"),
                ],
            ),
            *headed(2, [("code", Q2), ("code", Q2)]),
            *headed(3, [("code", Q3), ("code", Q3)]),
            *headed(4, [("code", Q4), ("code", Q4)]),
            *headed(5, [("code", Q5), ("code", Q5_SHAPE), ("code", Q5_SHAPE)]),
        ],
    ),
    correct(
        "bold-question-markers-scratch-under-the-pledge",
        [
            ("markdown", "# Project 1"),
            *[
                cell
                for n, code in {1: IMPORTS + Q1, 2: Q2, 3: Q3, 4: Q4, 5: Q5}.items()
                for cell in (("markdown", f"**Question {n}:** see the project page."), ("code", code))
            ],
            ("markdown", "**Pledge**\n\nI pledge that this is my own work."),
            ("code", "my_gradient = None\nfast_my_function = lambda x, arr_cols: x"),
        ],
    ),
    correct(
        "two-questions-in-one-cell-without-a-marker",
        [
            ("markdown", "## Questions 1 and 2"),
            ("code", IMPORTS + Q1 + "\n" + Q2),
            ("markdown", "## Question 3"),
            ("code", Q3 + "\n# Question 4\n" + Q4),
            ("markdown", "## Question 5"),
            ("code", Q5),
        ],
    ),
    correct(
        "unjitted-versions-tried-after-the-compiled-ones",
        layouts.per_question()
        + [
            ("markdown", "### Without jit, for comparison"),
            ("code", "fast_my_function = my_function\nfast_my_function(5, 6)"),
        ],
    ),
    correct(
        "topic-headings-of-the-questions-level-inside-a-question",
        [
            ("markdown", "## Question 1"),
            ("code", IMPORTS + Q1.split("my_array")[0]),
            ("markdown", "## Immutability\n\nJAX arrays cannot be changed in place."),
            ("code", "my_array = jnp.array([[2, 2, 2], [2, 1, 3]])\nmy_array = my_array.at[1, 1].set(7)\n"
                     "my_array"),
            *layouts.per_question()[3:],
        ],
    ),
    # quit()/exit() shut a Jupyter kernel down; left in a notebook they must cost nothing.
    correct(
        "quit-left-in-after-question-3",
        layouts.per_question(q3=Q3 + "\nquit()"),
    ),
    correct(
        "exit-as-the-last-cell",
        [*layouts.per_question(), ("code", "exit()")],
    ),
    mistake(
        "q5-shape-helper-never-compiled",
        layouts.per_question(
            q5=Q5_LOOP + "\ndef shape_version(x, arr_cols):\n    return jnp.full((2, arr_cols), 5)\n\n"
            "fast_my_function = shape_version\n"
        ),
        {"shape_static", "shape_recompiles"},
        {"shape_static": "not compiled with `jax.jit`"},
    ),
    mistake(
        "q4-model-redefined-without-jit-at-the-end-of-its-question",
        layouts.per_question(q4=Q4 + "\n" + MODEL),
        # The answer at the end of Question 4 is the uncompiled model, the assignment's own code.
        {"my_model", "compiled", "speedup"},
        {"compiled": "plain Python function", "my_model": "code the assignment gives you"},
    ),
]

CASES = [*ISSUE, *LAYOUTS]


def test_cases_are_consistent():
    assert len({c.name for c in CASES}) == len(CASES)
    for case in CASES:
        assert case.lost <= ITEM_QUESTION.keys() and case.says.keys() <= case.lost, case.name


def notebooks(root: Path) -> dict[str, Path]:
    """Each case's notebook, written under `root` (`tests.replay` records and replays them)."""
    return {
        case.name: layouts.write(
            root / "notebooks" / f"{case.name}.ipynb",
            layouts.colab(case.cells) if case.options.get("colab") else notebook(case.cells),
        )
        for case in CASES
    }


@pytest.fixture(scope="module")
def graded(tmp_path_factory) -> dict[str, SubmissionResult]:
    """Every case graded on its recorded kernel run (`python -m tests.replay layouts`)."""
    return replayed("layouts", notebooks(tmp_path_factory.mktemp("layouts")))


# Graded in real kernels too (the rest replay their recorded runs): what the kernel does
# differently (`!pip`, `quit()`, errors left in cells, a garbage answer, a missed compile).
IN_KERNELS = (
    "colab-notebook-with-pip-install", "quit-left-in-after-question-3", "errors-left-in-cells",
    "first-second-third-zeros-everything-else-garbage", "q4-model-redefined-without-jit-at-the-end-of-its-question",
)


def test_graded_in_kernels(tmp_path):
    by_name = {case.name: case for case in CASES}
    results = graded_in_kernels(notebooks(tmp_path), IN_KERNELS, tmp_path / "out")
    for name, result in zip(IN_KERNELS, results, strict=True):
        assert_graded(by_name[name], result)


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_grade(case: Case, graded: dict[str, SubmissionResult]):
    assert_graded(case, graded[case.name])


def assert_graded(case: Case, result: SubmissionResult) -> None:
    failures = _failures(result)
    points = tuple(result.question(q).score for q in RUBRIC.names)
    report = "\n".join(f"  {name}: {message}" for name, message in failures.items())
    assert (str(result.status), points, set(failures)) == ("ok", case.expected, set(case.lost)), report
    for name, phrase in case.says.items():
        assert phrase in failures[name], f"{name}: {failures[name]!r} does not say {phrase!r}"
    assert result.flags == ()
