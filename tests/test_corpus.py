"""A corpus of whole submissions, graded end to end, each with the exact points it must get.

Every case is one notebook: the correct `solution(loops=50)` from `tests/submissions.py`,
edited the way a student might have written it (a different but correct style) or got it
wrong (one mistake). All of them are graded once, in one batch (`grade_many`, two workers),
and each test then reads its own row.

A case names the rubric items it should lose (`lost`); its expected points per question are
derived from the rubric (`assignments/project1/rubric.py`: each question's points less those
items, `tests/expect.py`), never written here, so a change of an item's points changes them
too (`test_case_table_is_consistent` checks the table itself, without grading). A mistake loses exactly its own item, except where it unavoidably
costs more: a comment at the case says why. Cases where we believe the grader gives the wrong
grade carry `bug=...` and are strict xfails: the expectation is what the rubric implies, not
what the grader does.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pytest

from assignments.project1.rubric import RUBRIC
from autograder.hints import HintMode, shown
from autograder.results import SubmissionResult
from tests.expect import full, lost, scores
from tests.replay import graded_in_kernels, replayed
from tests.submissions import replace, solution, write

# Slow all of it: the cases IN_KERNELS are graded in kernels; the replays of every case still
# take about a second each, more than the README's quick run can hold for the whole corpus.
pytestmark = pytest.mark.slow

Cells = list[tuple[str, str]]

FULL = scores(full())
SOLUTION = solution(loops=50)

# Pieces of the solution that the cases edit.
MODEL = "def my_model(keys):\n    return 14*jax.random.normal(keys[0])**2 + 13*jax.random.normal(keys[1])\n"
ONE_KEY_MODEL = "def my_model(keys):\n    return 14*jax.random.normal(keys)**2 + 13*jax.random.normal(keys)\n"
LOOP_FIX = (
    "def my_function(x, num_loops):\n    for i in range(num_loops):\n        pass\n\n"
    "fast_my_function = jax.jit(my_function, static_argnums=(1,))"
)
SHAPE_FIX = (
    "def my_function(x, arr_cols):\n    my_array = jnp.full((2, arr_cols), 5)\n\n"
    "fast_my_function = jax.jit(my_function, static_argnums=(1,))"
)
Q2_PRINT = "key = jax.random.PRNGKey(0)\nkey, *subkeys = jax.random.split(key, num=3)\nprint("
FOO_SHUFFLE = "    functions = list(funcs)\n    random.shuffle(functions)\n    return functions[0](*keys)"
INLINE_FOOS = (
    "def foo1(key1, key2):\n    return jax.random.uniform(key1) + 2*jax.random.uniform(key2)\n\n"
    "def foo2(key1, key2):\n    return 2*jax.random.uniform(key2) + jax.random.uniform(key1)"
)
FOOS = (
    "def foo1(key1, key2):\n    return bar(key1) + 2*baz(key2)\n\n"
    "def foo2(key1, key2):\n    return 2*baz(key2) + bar(key1)"
)


def edit(*changes: tuple[str, str], cells: Cells = SOLUTION) -> Cells:
    """The solution with each `(old, new)` text replaced (every `old` must occur)."""
    for old, new in changes:
        cells = replace(cells, old, new)
    return cells


def after_cell(start: str, source: str, cells: Cells = SOLUTION) -> Cells:
    """The solution with a code cell `source` right after the cell that starts with `start`."""
    position = next(i for i, (_, text) in enumerate(cells) if text.startswith(start)) + 1
    return [*cells[:position], ("code", source), *cells[position:]]


def without_headings(cells: Cells) -> Cells:
    return [(kind, source) for kind, source in cells if not (kind == "markdown" and source.startswith("## Question"))]


def up_to_question(cells: Cells, number: int) -> Cells:
    """The cells before the heading of Question `number`."""
    return cells[: cells.index(("markdown", f"## Question {number}"))]


@dataclass(frozen=True)
class Case:
    name: str
    cells: Cells
    lost: frozenset[str] = frozenset()
    says: dict[str, str] = field(default_factory=dict)  # item -> phrase its failure message must contain
    bug: str | None = None  # why we believe the grader's grade is wrong (the case is a strict xfail)
    file_name: str | None = None
    options: dict = field(default_factory=dict)  # for `write`: kernel=..., otter=...

    @property
    def expected(self) -> tuple[float, ...]:
        """Each question's points, from the rubric: its full points less the items lost."""
        return scores(lost(*self.lost))


def correct(name: str, cells: Cells, **kwargs) -> Case:
    return Case(name, cells, **kwargs)


def mistake(name: str, cells: Cells, lost: set[str], says: dict[str, str], bug: str | None = None) -> Case:
    return Case(name, cells, frozenset(lost), says, bug)


# -- correct submissions in every style the assignment allows: each gets full marks ------------

CORRECT = [
    correct("solution", SOLUTION),
    correct(
        "q1-literal-first-dot-append-row-append-column",
        edit(
            ("jnp.arange(1, 7).reshape(2, 3)", "jnp.array([[1,2,3],[4,5,6]])"),
            ("third = first @ second", "third = jnp.dot(first, second)"),
            ("jnp.vstack([second, jnp.array([3, 4])])", "jnp.append(second, jnp.array([[3, 4]]), axis=0)"),
            ("jnp.hstack([fourth, jnp.ones((4, 1), dtype=fourth.dtype)])", "jnp.append(fourth, jnp.ones((4, 1)), axis=1)"),
        ),
    ),
    correct(
        "q1-float-arrays-matmul-concatenate",
        edit(
            ("jnp.arange(1, 7).reshape(2, 3)", "jnp.array([[1.,2.,3.],[4.,5.,6.]])"),
            ("jnp.full((3, 2), 2)", "jnp.ones((3,2))*2"),
            ("third = first @ second", "third = jnp.matmul(first, second)"),
            ("jnp.vstack([second, jnp.array([3, 4])])", "jnp.concatenate([second, jnp.array([[3., 4.]])])"),
            ("jnp.hstack([fourth, jnp.ones((4, 1), dtype=fourth.dtype)])", "jnp.concatenate([fourth, jnp.ones((4, 1))], axis=1)"),
        ),
    ),
    correct(
        "q1-fifth-by-column-stack",
        edit(("jnp.hstack([fourth, jnp.ones((4, 1), dtype=fourth.dtype)])", "jnp.column_stack([fourth, jnp.ones(4)])")),
    ),
    correct(
        "q2-legacy-prng-prints-2.3250647",
        edit((
            "import jax\nimport random\n\nkey = jax.random.PRNGKey(0)",
            'import jax\nimport random\n\njax.config.update("jax_threefry_partitionable", False)\nkey = jax.random.PRNGKey(0)',
        )),
    ),
    correct(
        "q2-64-bit-mode",
        edit(("import jax\nimport jax.numpy as jnp", 'import jax\nimport jax.numpy as jnp\njax.config.update("jax_enable_x64", True)')),
    ),
    correct("q2-typed-keys-jax-random-key", edit(("jax.random.PRNGKey(0)", "jax.random.key(0)"))),
    correct("q2-foo-by-random-choice", edit((FOO_SHUFFLE, "    return random.choice(funcs)(*keys)"))),
    correct("q2-foo-with-explicit-key-arguments", edit(("functions[0](*keys)", "functions[0](keys[0], keys[1])"))),
    correct(
        "q4-single-key-model-called-with-subkeys0",
        edit((MODEL, ONE_KEY_MODEL), ("my_model(subkeys)", "my_model(subkeys[0])")),
    ),
    correct("q4-jit-by-call-not-decorator", edit(("@jax.jit\n" + MODEL, MODEL + "my_model = jax.jit(my_model)\n"))),
    correct("q5-static-argnums-int", edit(("static_argnums=(1,)", "static_argnums=1"))),
    correct(
        "q5-static-argnames",
        edit(
            (LOOP_FIX, LOOP_FIX.replace("static_argnums=(1,)", 'static_argnames=("num_loops",)')),
            (SHAPE_FIX, SHAPE_FIX.replace("static_argnums=(1,)", 'static_argnames=("arr_cols",)')),
        ),
    ),
    correct(
        "q5-functools-partial-decorator",
        edit(
            (LOOP_FIX, "import functools\n\n@functools.partial(jax.jit, static_argnums=(1,))\n"
                       "def fast_my_function(x, num_loops):\n    for i in range(num_loops):\n        pass"),
            (SHAPE_FIX, "@functools.partial(jax.jit, static_argnums=(1,))\n"
                        "def fast_my_function(x, arr_cols):\n    my_array = jnp.full((2, arr_cols), 5)"),
        ),
    ),
    correct("notebook-with-otter-cells", SOLUTION, options={"otter": True}),
    correct(
        "notebook-renamed-with-course-kernel",
        SOLUTION,
        file_name="Smith, Jane - project1 (2).ipynb",
        options={"kernel": "f2023-s2024"},
    ),
    correct("notebook-without-question-headings", without_headings(SOLUTION)),
]

# -- one mistake each ----------------------------------------------------------------------------

# Later items are judged on the student's own earlier arrays and draws where that is possible
# (`third` from their `first` and `second`, `foo1` from their `bar` and `baz`), so one mistake
# costs one item.
Q1_MISTAKES = [
    mistake(
        "first-numpy-array",
        edit(("first = jnp.arange(1, 7).reshape(2, 3)", "import numpy as np\nfirst = np.arange(1, 7).reshape(2, 3)")),
        {"first"}, {"first": "JAX array"},
    ),
    mistake(
        "first-from-0-to-5",
        edit(("jnp.arange(1, 7)", "jnp.arange(0, 6)")),
        {"first"}, {"first": "stops before 7"},
    ),
    # 3x2 `first` makes `first @ second` raise: `third` never exists and nothing about it can be
    # displayed, so `third` and `displayed` are lost with `first`.
    mistake(
        "first-3x2",
        edit(("jnp.arange(1, 7).reshape(2, 3)", "jnp.arange(1, 7).reshape(3, 2)")),
        {"first", "third", "displayed"},
        {"first": "2 rows of 3", "third": "not defined"},
    ),
    mistake(
        "second-numpy-array",
        edit(("second = jnp.full((3, 2), 2)", "import numpy as np\nsecond = np.full((3, 2), 2)")),
        {"second"}, {"second": "JAX array"},
    ),
    mistake(
        "second-of-ones",
        edit(("jnp.full((3, 2), 2)", "jnp.ones((3, 2))")),
        {"second"}, {"second": "jnp.full((3, 2), 2)"},
    ),
    # The displays are checked against the student's own `third` (the element-wise product by
    # [[1, 2], [3, 4]] only of a 2x2 one), so a wrong `third` costs `third` alone.
    mistake(
        "third-element-wise",
        edit(("third = first @ second", "third = first * second.T")),
        {"third"}, {"third": "element-wise"},
    ),
    mistake(
        "third-second-times-first",
        edit(("third = first @ second", "third = second @ first")),
        {"third"}, {"third": "the order matters"},
    ),
    mistake(
        "third-numpy-matmul",
        edit(("third = first @ second", "import numpy as np\nthird = np.matmul(first, second)")),
        {"third"}, {"third": "JAX array"},
    ),
    mistake(
        "shape-of-third-not-displayed",
        edit(("third.shape", "third_shape = third.shape")),
        {"displayed"}, {"displayed": "the shape of `third`"},
    ),
    mistake(
        "products-of-third-not-displayed",
        edit(("third * 2", "doubled = third * 2"), ("third * jnp.array", "scaled = third * jnp.array")),
        {"displayed"},
        {"displayed": "`third` multiplied by 2, `third` multiplied element-wise by [[1, 2], [3, 4]]"},
    ),
    mistake(
        "fourth-numpy-vstack",
        edit(("fourth = jnp.vstack", "import numpy as np\nfourth = np.vstack")),
        {"fourth"}, {"fourth": "JAX array"},
    ),
    mistake(
        "fourth-row-on-top",
        edit(("jnp.vstack([second, jnp.array([3, 4])])", "jnp.vstack([jnp.array([3, 4]), second])")),
        {"fourth"}, {"fourth": "at the bottom"},
    ),
    mistake(
        "fifth-ones-on-the-left",
        edit(("jnp.hstack([fourth, jnp.ones((4, 1), dtype=fourth.dtype)])", "jnp.hstack([jnp.ones((4, 1), dtype=fourth.dtype), fourth])")),
        {"fifth"}, {"fifth": "goes on the right"},
    ),
    mistake(
        "my-array-at-set-not-saved",
        edit(("my_array = my_array.at[1, 1].set(7)", "my_array.at[1, 1].set(7)")),
        {"my_array"}, {"my_array": "assign it back"},
    ),
]

Q2_MISTAKES = [
    # Where `foo1`/`foo2` draw with `jax.random.uniform` themselves, a wrong `bar` costs only `bar`.
    mistake(
        "bar-normal-foos-draw-themselves",
        edit(("def bar(key):\n    return jax.random.uniform(key)", "def bar(key):\n    return jax.random.normal(key)"), (FOOS, INLINE_FOOS)),
        {"bar"}, {"bar": "jax.random.uniform(key)"},
    ),
    # With the usual `foo1`/`foo2`, the value printed is no longer the assignment's: `value` is lost too.
    mistake(
        "bar-normal",
        edit(("def bar(key):\n    return jax.random.uniform(key)", "def bar(key):\n    return jax.random.normal(key)")),
        {"bar", "value"}, {"bar": "jax.random.uniform(key)", "value": "expected value is"},
    ),
    mistake(
        "baz-ignores-its-key-foos-draw-themselves",
        edit(("def baz(key):\n    return jax.random.uniform(key)", "def baz(key):\n    return jax.random.uniform(jax.random.PRNGKey(1))"), (FOOS, INLINE_FOOS)),
        {"baz"}, {"baz": "with the key passed in"},
    ),
    mistake(
        "baz-ignores-its-key",
        edit(("def baz(key):\n    return jax.random.uniform(key)", "def baz(key):\n    return jax.random.uniform(jax.random.PRNGKey(1))")),
        {"baz", "value"}, {"baz": "with the key passed in"},
    ),
    # `foo1` forgets the 2: `foo` then prints the assignment's value only when the shuffle puts
    # `foo2` first, so the code does not "reliably output the same value" (the point of the
    # question) and `value` is lost too. The grader calls `foo` once, at the mercy of
    # `random.shuffle`; the student's own `random.seed` fixes which function that call gets,
    # making both outcomes reproducible here.
    mistake(
        "foo1-plus-baz-grader-shuffle-picks-foo1",
        edit(("bar(key1) + 2*baz(key2)", "bar(key1) + baz(key2)"), (Q2_PRINT, "random.seed(0)\n" + Q2_PRINT)),
        {"foo1_foo2", "value"}, {"foo1_foo2": "2*baz(key2)"},
    ),
    mistake(
        "foo1-plus-baz-grader-shuffle-picks-foo2",
        edit(("bar(key1) + 2*baz(key2)", "bar(key1) + baz(key2)"), (Q2_PRINT, "random.seed(1)\n" + Q2_PRINT)),
        {"foo1_foo2", "value"}, {"foo1_foo2": "2*baz(key2)"},
    ),
    # `functions[0](keys)` passes one tuple: the real foo1/foo2 then raise, so the value is never printed.
    mistake(
        "foo-passes-keys-as-one-argument",
        edit(("functions[0](*keys)", "functions[0](keys)")),
        {"foo", "value"}, {"foo": "as separate arguments", "value": "raised TypeError"},
    ),
    mistake(
        "foo-always-calls-foo1",
        edit(("return functions[0](*keys)", "return foo1(*keys)")),
        {"foo"}, {"foo": "called 0 of the functions"},
    ),
    mistake(
        "split-num-2",
        edit(("num=3", "num=2")),
        {"value"}, {"value": "num=3"},
    ),
    # bar and baz ignore their key and draw from the global `subkeys`: one mistake, their two items;
    # foo1/foo2 (as given) are judged on what they do with bar and baz, and the value printed stands.
    mistake(
        "bar-baz-draw-from-global-subkeys",
        edit(
            ("def bar(key):\n    return jax.random.uniform(key)", "def bar(key):\n    return jax.random.uniform(subkeys[0])"),
            ("def baz(key):\n    return jax.random.uniform(key)", "def baz(key):\n    return jax.random.uniform(subkeys[1])"),
        ),
        {"bar", "baz"}, {"bar": "with the key passed in", "baz": "with the key passed in"},
    ),
    # The value printed, then the keys deleted: the value is read where the split was used.
    correct("q2-del-subkeys-after-printing-the-value", after_cell(Q2_PRINT, "del subkeys")),
]

Q3_MISTAKES = [
    # A wrong `my_function` costs its own items: `my_gradient = jax.grad(my_function)` is the
    # gradient of the student's function, as the question asks.
    mistake(
        "my-function-squared",
        edit(("return 14*x**3 + 13*x", "return 14*x**2 + 13*x")),
        {"my_function_17", "my_function"},
        {"my_function_17": "14 * x**3 + 13 * x"},
    ),
    mistake(
        "my-function-without-x",
        edit(("return 14*x**3 + 13*x", "return 14*x**3 + 13")),
        {"my_function_17", "my_function"},
        {"my_function": "for any x"},
    ),
    # Hard-coding the value at 17: right at 17, wrong elsewhere, and its gradient is 0.
    mistake(
        "my-function-hard-coded-69003",
        edit(("return 14*x**3 + 13*x", "return 69003.0")),
        {"my_function", "my_gradient_17", "my_gradient"},
        {"my_function": "for any x"},
    ),
    mistake(
        "my-function-hard-coded-69003-gradient-of-formula",
        edit(
            ("return 14*x**3 + 13*x", "return 69003.0"),
            ("jax.grad(my_function)", "jax.grad(lambda x: 14*x**3 + 13*x)"),
        ),
        {"my_function"}, {"my_function": "for any x"},
    ),
    mistake(
        "my-gradient-hard-coded-12151",
        edit(("my_gradient = jax.grad(my_function)", "def my_gradient(x):\n    return 12151.0\n")),
        {"my_gradient"}, {"my_gradient": "derivative at the x it is given"},
    ),
    # A hand-written derivative that is wrong is wrong at 17 as well.
    mistake(
        "my-gradient-wrong-derivative",
        edit(("my_gradient = jax.grad(my_function)", "def my_gradient(x):\n    return 42*x**2 + 13*x\n")),
        {"my_gradient_17", "my_gradient"}, {"my_gradient_17": "jax.grad(my_function)"},
    ),
]

Q4_MISTAKES = [
    # Not compiled: the model is then the assignment's own code, run as given, and earns nothing
    # (its values count for the compiled model); the speed-up fails with it.
    mistake(
        "my-model-not-jitted",
        edit(("@jax.jit\n", "")),
        {"my_model", "compiled", "speedup"},
        {"my_model": "code the assignment gives you", "compiled": "plain Python function", "speedup": "speed-up of"},
    ),
    mistake(
        "my-model-jitted-wrong-formula",
        edit(("@jax.jit\n" + MODEL, "@jax.jit\n" + MODEL.replace("13*", "31*"))),
        # A fast wrong model is no speed-up: the speed-up point goes with the values.
        {"my_model", "speedup"}, {"my_model": "`my_model([key1, key2])`"},
    ),
    # The timing loops are not graded (only the function is), so loop cells that raise cost
    # nothing; what matters is that the other questions keep their points.
    correct("q4-last-loop-raises-name-error", edit(("my_model(subkeys).block_until_ready()", "my_modle(subkeys).block_until_ready()"))),
    correct("q4-assignment-model-called-with-list-every-loop-raises", edit((MODEL, ONE_KEY_MODEL))),
    correct(
        "q4-model-compiled-ahead-of-time",
        edit(("@jax.jit\n" + MODEL, MODEL + "my_model = jax.jit(my_model).lower([key, key]).compile()\n")),
    ),
]

Q5_MISTAKES = [
    # Without static arguments the call raises, so neither item of that version can pass.
    mistake(
        "q5-loop-version-without-static",
        edit((LOOP_FIX, LOOP_FIX.replace(", static_argnums=(1,)", ""))),
        {"loop_static", "loop_recompiles"},
        {"loop_static": "static_argnums=(1,)", "loop_recompiles": "could not be checked"},
    ),
    mistake(
        "q5-shape-version-without-static",
        edit((SHAPE_FIX, SHAPE_FIX.replace(", static_argnums=(1,)", ""))),
        {"shape_static", "shape_recompiles"},
        {"shape_static": "static_argnames=('arr_cols',)"},
    ),
    mistake(
        "q5-static-argnums-0-in-both",
        edit(("static_argnums=(1,)", "static_argnums=(0,)")),
        {"loop_static", "loop_recompiles", "shape_static", "shape_recompiles"},
        {"loop_static": "static_argnums=(1,)", "shape_static": "static_argnums=(1,)"},
    ),
    # A traced `jax.lax.fori_loop` runs without a static argument, but then nothing recompiles
    # when `num_loops` changes: it runs, and is not static.
    mistake(
        "q5-loop-by-fori-loop-not-static",
        edit((LOOP_FIX, "def my_function(x, num_loops):\n    return jax.lax.fori_loop(0, num_loops, lambda i, v: v, x)\n\n"
                        "fast_my_function = jax.jit(my_function)")),
        {"loop_recompiles"}, {"loop_recompiles": "compiled 1, 0 and 0 times"},
    ),
    correct(
        "q5-shape-version-keeps-parameter-name-num-loops",
        edit(("arr_cols", "num_loops")),
    ),
    mistake(
        "q5-fast-my-function-not-jitted",
        edit(("fast_my_function = jax.jit(my_function, static_argnums=(1,))", "fast_my_function = my_function")),
        {"loop_static", "loop_recompiles", "shape_static", "shape_recompiles"},
        {"loop_static": "not compiled with `jax.jit`", "shape_static": "not compiled with `jax.jit`"},
    ),
    mistake(
        "q5-skipped",
        up_to_question(SOLUTION, 5),
        {"loop_static", "loop_recompiles", "shape_static", "shape_recompiles"},
        {"loop_static": "no `fast_my_function` built from the `num_loops` version",
         "shape_static": "no `fast_my_function` built from the `arr_cols` version"},
    ),
]

CASES = [*CORRECT, *Q1_MISTAKES, *Q2_MISTAKES, *Q3_MISTAKES, *Q4_MISTAKES, *Q5_MISTAKES]
ITEM_QUESTION = {i.name: i.question for i in RUBRIC.items}


def params() -> list:
    return [
        pytest.param(case, id=case.name, marks=[pytest.mark.xfail(strict=True, reason=case.bug)] if case.bug else [])
        for case in CASES
    ]


# -- the table itself ----------------------------------------------------------------------------


def test_case_table_is_consistent():
    assert len({c.name for c in CASES}) == len(CASES), "case names must be unique"
    for case in CASES:
        assert case.lost <= ITEM_QUESTION.keys(), case.name
        assert case.says.keys() <= case.lost, f"{case.name}: a phrase for an item it does not lose"
        assert not case.lost or case.says, f"{case.name}: a mistake must name a phrase of its message"


def test_every_item_is_lost_by_a_case_the_grader_gets_right():
    covered = set().union(*(case.lost for case in CASES if not case.bug))
    assert covered == set(ITEM_QUESTION)


# -- grading -------------------------------------------------------------------------------------


def notebooks(root: Path) -> dict[str, Path]:
    """Each case's notebook, written under `root` (`tests.replay` records and replays them)."""
    return {
        case.name: write(root / "notebooks" / (case.file_name or f"{case.name}.ipynb"), case.cells, **case.options)
        for case in CASES
    }


@pytest.fixture(scope="module")
def graded(tmp_path_factory) -> dict[str, SubmissionResult]:
    """Every case graded on its recorded kernel run (`python -m tests.replay corpus`)."""
    return replayed("corpus", notebooks(tmp_path_factory.mktemp("corpus")))


# Graded in real kernels too, in one batch (the rest replay their recorded runs): the solution,
# the notebook files the kernel starts differently, and one mistake of each question.
IN_KERNELS = (
    "solution", "q2-legacy-prng-prints-2.3250647", "notebook-with-otter-cells", "notebook-renamed-with-course-kernel",
    "third-element-wise", "foo-passes-keys-as-one-argument", "my-gradient-hard-coded-12151", "my-model-not-jitted",
    "q5-loop-version-without-static", "q5-skipped",
)


def test_graded_in_kernels(tmp_path):
    by_name = {case.name: case for case in CASES}
    results = graded_in_kernels(notebooks(tmp_path), IN_KERNELS, tmp_path / "out")
    for name, result in zip(IN_KERNELS, results, strict=True):
        assert_graded(by_name[name], result)


def _failures(result: SubmissionResult) -> dict[str, str]:
    """What a student reads of each failed item, with the hint in the `code` mode (the phrases
    below name the fix; the `hints` setting chooses what students see)."""
    return {check.name: shown(check, HintMode.CODE) for q in result.questions for check in q.checks if not check.passed}


@pytest.mark.parametrize("case", params())
def test_grade(case: Case, graded: dict[str, SubmissionResult]):
    assert_graded(case, graded[case.name])


def assert_graded(case: Case, result: SubmissionResult) -> None:
    failures = _failures(result)
    points = tuple(result.question(q).score for q in RUBRIC.names)
    report = "\n".join(f"  {name}: {message}" for name, message in failures.items())
    assert (str(result.status), points, set(failures)) == ("ok", case.expected, set(case.lost)), report
    for name, phrase in case.says.items():
        assert phrase in failures[name], f"{name}: {failures[name]!r} does not say {phrase!r}"
    assert result.flags == ()  # honest work, right or wrong, is never flagged
