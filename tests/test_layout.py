"""The layout of a notebook: its steps, the region of each, where the probes go."""

import pytest

from assignments.project1.rubric import RUBRIC, SPLIT
from assignments.project1.versions import Version
from autograder.headings import Heading, markdown_headings, question_comment, read_heading
from autograder.layout import Layout, Region, read_layout
from autograder.notebook import Cell
from autograder.regions import Answers, Position, after_binding, after_comment, after_heading
from autograder.rubric import ProbeAfterSplitUse, ProbeEachBinding, Question, Rubric
from autograder.statements import parse
from autograder.versions import Versions


def layout(*spec: tuple[str, str]) -> Layout:
    return read_layout([Cell(i, kind, source) for i, (kind, source) in enumerate(spec)], RUBRIC)


def pieces(found: Layout) -> list[tuple[int, Region, str]]:
    return [(p.step.cell, p.region, p.step.source) for p in found.pieces]


def ends(found: Layout) -> dict[str, int]:
    return {c.question: c.after for c in found.captures if c.tag == "end"}


def test_a_question_comment_mid_cell_cuts_the_cell_there():
    found = layout(
        ("markdown", "# Project 1"),
        (
            "code",
            "import jax.numpy as jnp\nfirst = jnp.zeros(2)\nprint(first)\n\n# Question 2 (keys)\nimport jax\n"
            "key = jax.random.PRNGKey(0)",
        ),
    )
    assert pieces(found) == [
        (1, Region(0), "import jax.numpy as jnp\n"),
        (1, Region(1), "first = jnp.zeros(2)\nprint(first)\npass\n"),
        (1, Region(2), "# Question 2 (keys)\nimport jax\nkey = jax.random.PRNGKey(0)"),
    ]
    assert ends(found) == {"q1": 1, "q2": 2, "q3": 2, "q4": 2}


def test_a_cell_without_a_boundary_inside_is_one_step():
    found = layout(
        ("markdown", "## Question 1"), ("code", "first = 1\nsecond = 2\nthird = first * second\nthird")
    )
    assert [p.step.source for p in found.pieces] == ["first = 1\nsecond = 2\nthird = first * second\nthird"]


@pytest.mark.parametrize(
    "comment", ["# Question 2", "## Q2", "#Question 2:", "# problem 2", "# Q 2 - keys", "# **Question 2**"]
)
def test_question_comments_as_students_write_them(comment):
    found = layout(("code", f"first = 1\n{comment}\nbaz = 2"))
    assert [p.region.question for p in found.pieces] == [1, 2]


def test_a_time_cell_magic_heads_every_piece():
    found = layout(("code", "%%time\nfirst = 1\nfirst\n# Question 2\n%timeit bar = 2\n!echo hi\nbaz = 3\n"))
    assert pieces(found) == [
        (0, Region(1), "%%time\nfirst = 1\nfirst\npass\n"),
        (0, Region(2), "%%time\n# Question 2\n%timeit bar = 2\n!echo hi\nbaz = 3\n"),
    ]


def test_a_binding_of_a_later_questions_name_cuts_the_cell_with_the_comments_above_it():
    found = layout(
        ("markdown", "## Question 3"),
        (
            "code",
            "def my_function(x):\n    return 14*x**3 + 13*x\n\nmy_gradient = jax.grad(my_function)\n"
            "key = jax.random.PRNGKey(0)\n# the model\n@jax.jit\ndef my_model(keys):\n    return keys\n",
        ),
    )
    assert pieces(found) == [
        (
            1,
            Region(3),
            "def my_function(x):\n    return 14*x**3 + 13*x\n\nmy_gradient = jax.grad(my_function)\n"
            "key = jax.random.PRNGKey(0)\n",
        ),
        (1, Region(4), "# the model\n@jax.jit\ndef my_model(keys):\n    return keys\n"),
    ]
    assert ends(found)["q3"] == 0


def test_a_move_back_goes_only_to_a_question_without_an_answer():
    found = layout(
        ("code", "first = 1"),
        ("markdown", "## Question 5"),
        ("code", "fast_my_function = 0\nfirst = 1\n# Question 1\nmy_function = 2"),
    )
    assert [p.region for p in found.pieces] == [Region(1), Region(5)]


@pytest.mark.parametrize("heading", [True, False])
def test_questions_answered_out_of_order_are_each_found(heading):
    def part(number, source):
        return [("markdown", f"## Question {number}")] * heading + [("code", source)]

    found = layout(
        *part(5, "def my_function(x, num_loops):\n    pass\nfast_my_function = jax.jit(my_function)"),
        *part(1, "first = 1"),
        *part(3, "def my_function(x):\n    return x"),
        *part(2, "def bar(key):\n    return key"),
        *part(4, "my_model = 4"),
    )
    if heading:
        assert [p.region.question for p in found.pieces] == [5, 1, 3, 2, 4]
    else:  # Question 5's `my_function` is taken for Question 3's until `fast_my_function`
        assert [p.region.question for p in found.pieces] == [3, 5, 1, 3, 2, 4]
    answers = {p.region.question: p.step.index for p in found.pieces}  # the last piece of each
    assert found.checkpoints == {"q1": answers[1], "q2": answers[2], "q3": answers[2], "q4": answers[4],
                                 "q5": answers[4]}


@pytest.mark.parametrize(
    "mislabel",
    [
        (("markdown", "## Question 3"),),  # Question 2's heading says 3
        (("markdown", "## Question 4"),),
        (("markdown", "## Question 2"), ("code", "# Question 3")),  # a comment says 3
    ],
)
def test_a_mislabelled_heading_over_an_unanswered_question_goes_to_that_question(mislabel):
    found = layout(
        ("markdown", "## Question 1"),
        ("code", "first = 1"),
        *mislabel,
        ("code", "import jax\ndef bar(key): return key"),
        ("markdown", "## Question 3"),
        ("code", "my_function = 2"),
    )
    regions = [p.region.question for p in found.pieces if p.statements]
    assert regions[0] == 1 and regions[-1] == 3 and 2 in regions
    answer = next(p for p in found.pieces if "def bar" in p.step.source)
    assert answer.region == Region(2) and found.checkpoints["q2"] == answer.step.index


def test_a_heading_past_answered_questions_is_taken_at_its_word():
    found = layout(
        ("markdown", "## Question 1"),
        ("code", "first = 1"),
        ("markdown", "## Question 2"),
        ("code", "def bar(key): return key"),
        ("markdown", "## Question 3"),
        ("code", "def bar(key): return 0\nmy_function = 2"),  # Question 2's name again, in Question 3
    )
    assert [p.region.question for p in found.pieces] == [1, 2, 3]


@pytest.mark.parametrize(
    "heading",
    [
        "## Pledge",
        "## Scratch (ignore)",
        "# Appendix",
        "## Extra work",
        "## Drafts",
        "**Scratch**",
        "## Question 6",
    ],
)
def test_sections_that_are_not_questions_end_the_region(heading):
    found = layout(
        ("markdown", "## Question 5"),
        ("code", "fast_my_function = jax.jit(f)"),
        ("markdown", heading),
        ("code", "fast_my_function = None\nfirst = 0"),
    )
    assert [p.region for p in found.pieces] == [Region(5), Region(5, graded=False)]
    assert [c.after for c in found.captures if c.question == "q5"] == [0]
    assert found.checkpoints["q5"] == 0


@pytest.mark.parametrize(
    "heading",
    [
        "### Part a",
        "### Explanation",
        "## Answer",
        "# Answer:",
        "#### (b)",
        "## Question 3 (continued)",
        "### Timing the two versions",
        "## 2. Code",
    ],
)
def test_sub_headings_inside_a_question_do_not_end_it(heading):
    found = layout(
        ("markdown", "## Question 3"), ("code", "x = 1"), ("markdown", heading), ("code", "my_gradient = 2")
    )
    assert [p.region for p in found.pieces] == [Region(3), Region(3)]


def test_a_non_question_section_between_questions_is_not_graded_but_the_next_question_is():
    found = layout(
        ("markdown", "## Question 1"),
        ("code", "first = 1"),
        ("markdown", "## Scratch"),
        ("code", "first = None"),
        ("markdown", "## Question 2"),
        ("code", "bar = 1"),
    )
    assert [p.region for p in found.pieces] == [Region(1), Region(1, graded=False), Region(2)]
    assert ends(found)["q1"] == 0


def test_after_an_unnamed_section_only_the_questions_own_names_are_its_answer():
    found = layout(
        ("code", "first = 1\nmy_model = 1"),
        ("markdown", "## Question 5"),
        ("code", "fast_my_function = jax.jit(f)"),
        ("markdown", "## Playing around"),
        ("code", "first = 0\nmy_model = 1"),
        ("code", "fast_my_function = None"),
    )
    assert [p.region for p in found.pieces][-3:] == [Region(5), Region(5, graded=False), Region(5)]


@pytest.mark.parametrize(
    "heading", ["## With jit", "## Now with `jax.jit`", "#### Notes\n\nThat took 40 s.", "**Notes:**"]
)
def test_a_binding_the_question_asks_for_again_after_a_heading_is_its_answer(heading):
    found = layout(
        ("markdown", "## Question 4"),
        ("code", "def my_model(keys):\n    return keys"),
        ("markdown", heading),
        ("code", "my_model = jax.jit(my_model)"),
    )
    assert [p.region for p in found.pieces] == [Region(4), Region(4)]


def test_a_sub_section_after_a_scratch_sub_section_is_the_answer_again():
    found = layout(
        ("markdown", "## Question 2"),
        ("code", "def bar(key):\n    return key"),
        ("markdown", "### scratch: the NumPy version"),
        ("code", "import numpy as np"),
        ("markdown", "### Back to JAX"),
        ("code", "key, *subkeys = split(key, num=3)"),
        ("markdown", "## Scratch"),
        ("code", "subkeys = None"),
        ("markdown", "### More"),
        ("code", "subkeys = 1"),
    )
    assert [p.region for p in found.pieces] == [
        Region(2), Region(2, graded=False), Region(2), Region(2, graded=False), Region(2, graded=False)
    ]


@pytest.mark.parametrize(("heading", "graded"), [("## Immutability", True), ("## Scratch", False)])
def test_a_first_binding_of_its_own_name_after_an_unnamed_section_is_still_the_answer(heading, graded):
    found = layout(
        ("markdown", "## Question 1"), ("code", "first = 1\nsecond = 2"),
        ("markdown", heading), ("code", "print(first)"), ("code", "my_array = 7"),
    )
    assert [p.region for p in found.pieces] == [Region(1), Region(1, graded=False), Region(1, graded)]


def test_with_bold_question_markers_only_the_words_end_a_question():
    found = layout(
        ("markdown", "**Question 1:** create the arrays"),
        ("code", "first = 1"),
        ("markdown", "## A note on shapes"),
        ("code", "second = 2"),
        ("markdown", "**Question 2**"),
        ("code", "bar = 1"),
        ("markdown", "## Pledge"),
        ("code", "bar = None"),
    )
    assert [p.region for p in found.pieces] == [Region(1), Region(1), Region(2), Region(2, graded=False)]


def test_the_course_template_with_a_pledge():
    found = layout(
        ("markdown", "# TDM 40200: Project 1 — 2023\n\n**Motivation:** JAX."),
        ("markdown", "## Dataset(s)"),
        ("markdown", "## Question 1"),
        ("code", "first = 1"),
        ("markdown", "### Item 1"),
        ("code", "second = 2"),
        ("markdown", "## Question 2"),
        ("code", "bar = 1"),
        ("markdown", "## Pledge\n\nBy submitting this work I, **Jane**, ..."),
        ("code", "bar = 2"),
    )
    assert [p.region for p in found.pieces] == [Region(1), Region(1), Region(2), Region(2, graded=False)]


def test_headings_in_fenced_code_are_not_headings():
    found = layout(
        ("markdown", "## Question 1"),
        ("code", "first = 1"),
        ("markdown", "```python\n# make the array\n```"),
        ("code", "second = 1"),
    )
    assert [p.region for p in found.pieces] == [Region(1), Region(1)]


def test_no_headings_at_all():
    found = layout(
        ("code", "import jax"), ("code", "first = 1"), ("code", "bar = 1"), ("code", "my_model = 1")
    )
    assert [p.region.question for p in found.pieces] == [0, 1, 2, 4]
    assert ends(found) == {"q1": 1, "q2": 2, "q3": 2, "q4": 3}


def test_each_binding_of_fast_my_function_in_one_cell_is_probed_with_its_version():
    found = layout(
        ("markdown", "## Question 5"),
        (
            "code",
            "def my_function2(x, num_loops):\n    for i in range(num_loops):\n        pass\n"
            "fast_my_function = jax.jit(my_function2, static_argnums=(1,))\n"
            "def my_function3(x, arr_cols):\n    return jnp.full((2, arr_cols), 5)\n"
            "fast_my_function = jax.jit(my_function3, static_argnums=(1,))\nfast_my_function(1, 2)",
        ),
    )
    assert [(c.after, c.tag) for c in found.captures if c.question == "q5"] == [(0, "loop"), (1, "shape")]
    assert [p.step.source.splitlines()[0] for p in found.pieces] == [
        "def my_function2(x, num_loops):",
        "def my_function3(x, arr_cols):",
    ]


def test_a_cell_that_is_not_python_is_one_step_of_its_region():
    found = layout(
        ("markdown", "## Question 2"), ("code", "%%bash\necho first = 1"), ("code", "def broken(:")
    )
    assert [p.region for p in found.pieces] == [Region(2), Region(2)]
    assert [p.statements for p in found.pieces] == [(), ()]


def _versions(source: str) -> list[Version]:
    rule = RUBRIC.question("q5").each_binding
    assert rule is not None
    versions = Versions(rule)
    return [Version(v) for statement in (parse(source) or []).body for v in versions.read(statement)]


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        (
            "def h(x, n):\n    for _ in range(n):\n        x = x + 1\n    return x\n"
            "fast_my_function = jax.jit(h, static_argnums=1)",
            Version.LOOP,
        ),
        (
            "def h(x, k):\n    return jnp.zeros((2, k))\nfast_my_function = jit(h, static_argnames='k')",
            Version.SHAPE,
        ),
        (
            "def my_function(x, num_loops):\n    return jnp.full((2, num_loops), 5)\n"
            "fast_my_function = jax.jit(my_function)",
            Version.SHAPE,
        ),
        (
            "@partial(jax.jit, static_argnums=(1,))\ndef fast_my_function(x, num_loops):\n    pass",
            Version.LOOP,
        ),
        (
            "def g(x, arr_cols):\n    pass\nf = g\n"
            "fast_my_function = functools.partial(jax.jit, static_argnums=1)(f)",
            Version.SHAPE,
        ),
        (
            "def g(x, n):\n    return jax.lax.fori_loop(0, n, lambda i, v: v, x)\n"
            "fast_my_function = jax.jit(lambda x, n: g(x, n), static_argnums=1)",
            Version.LOOP,
        ),
        ("fast_my_function = None", Version.UNKNOWN),
        (
            "def my_function(x, arr_cols):\n    pass\nmy_function = 3\n"
            "fast_my_function = jax.jit(my_function)",
            Version.UNKNOWN,
        ),
    ],
)
def test_versions_are_read_from_the_function_compiled_not_its_name(source, expected):
    assert _versions(source) == [expected]


# -- Question 2's split, read where it is used ---------------------------------------------


def test_question_2_is_also_probed_where_its_split_is_last_used_before_a_del():
    found = layout(
        ("markdown", "## Question 2"),
        ("code", "key = jax.random.PRNGKey(0)\nkey, *subkeys = jax.random.split(key, num=3)\ndef bar(key): return 1"),
        ("code", "print(foo((foo1, foo2), (subkeys[0], subkeys[1])))"),
        ("code", "del subkeys"),
        ("markdown", "## Question 3"),
        ("code", "def my_function(x): return x"),
    )
    assert [(c.after, c.tag) for c in found.captures if c.question == "q2"] == [(0, SPLIT), (1, SPLIT), (2, "end")]


def test_no_split_capture_when_the_answer_ends_with_its_split():
    found = layout(
        ("markdown", "## Question 2"),
        ("code", "def bar(key): return 1"),
        ("code", "key, key1, key2 = jax.random.split(jax.random.PRNGKey(0), num=3)\nprint(foo((foo1, foo2), (key1, key2)))"),
        ("markdown", "## Question 4"),
        ("code", "key, *subkeys = jax.random.split(key, 3)\nmy_model = 1"),
    )
    assert [c.tag for c in found.captures if c.question == "q2"] == ["end"]


# -- a later section that replaces an earlier answer ---------------------------------------

ANSWERS = [
    ("markdown", "## Question 2"), ("code", "key, *subkeys = jax.random.split(key, num=3)\ndef bar(k): return k"),
    ("markdown", "## Question 3"), ("code", "def my_function(x): return x\nmy_gradient = jax.grad(my_function)"),
    ("markdown", "## Question 4"), ("code", "for i in range(10):\n    key, *subkeys = jax.random.split(key, 3)\nmy_model = 1"),
    ("markdown", "## Question 5"), ("code", "def my_function(x, n): pass\nfast_my_function = jax.jit(my_function)"),
]
FIX = "def my_function(x): return 14*x**3 + 13*x\nmy_gradient = jax.grad(my_function)"


@pytest.mark.parametrize("heading", [
    "## Question 3 (revisited)", "## Q3 - corrected", "### Question 3, fixed", "**Question 3 (corrected)**",
    "## Corrected Question 3", "## Answer to Q3", "## Q3 redo",
])
def test_a_later_section_naming_itself_a_correction_replaces_the_answer(heading):
    found = layout(*ANSWERS, ("markdown", heading), ("code", FIX), ("markdown", "## Pledge"), ("code", "x = 1"))
    assert found.pieces[4].region == Region(3, True, True)
    # Question 3 is read after its correction; Questions 2 and 4 where they were (Question 4's loop
    # and Question 5's `my_function` stand between the first answer and the correction).
    assert ends(found) == {"q1": -1, "q2": 0, "q3": 4, "q4": 2}
    assert [(r.question, r.cell, r.title) for r in found.revisits] == [(3, 8, heading.strip("#* "))]


def test_a_correction_announced_by_a_comment_in_code():
    found = layout(*ANSWERS, ("code", "# Q3 - corrected\n" + FIX))
    assert ends(found)["q3"] == 4 and [r.question for r in found.revisits] == [3]


def test_a_plain_heading_of_an_earlier_question_or_a_mere_mention_replaces_nothing():
    for heading in ("## Question 3", "### Part b: as in Question 3, answers differ", "## Notes on question 3"):
        found = layout(*ANSWERS, ("markdown", heading), ("code", FIX))
        assert ends(found)["q3"] == 1 and found.revisits == (), heading


def test_after_a_correction_code_of_later_questions_moves_nothing_and_the_last_question_comes_back():
    found = layout(*ANSWERS, ("markdown", "## Question 2 (fixed)"), ("code", "def bar(k): return 2\nmy_model = 3"),
                   ("markdown", "## Question 5"), ("code", "fast_my_function = jax.jit(my_function, static_argnums=(1,))"))
    assert [p.region for p in found.pieces[4:]] == [Region(2, True, True), Region(5)]
    assert ends(found) == {"q1": -1, "q2": 4, "q3": 1, "q4": 2}


def test_a_correction_with_no_code_is_not_reported():
    found = layout(*ANSWERS, ("markdown", "## Question 3 (revisited)\n\nThe gradient matches after all."))
    assert found.revisits == () and ends(found)["q3"] == 1


def test_the_next_question_after_a_correction_is_entered_afresh():
    found = layout(("markdown", "## Question 1"), ("code", "first = 1"), ("markdown", "## Question 2"),
                   ("code", "def bar(k): return k"), ("code", "# Q1 - corrected\nfirst = 2"),
                   ("markdown", "## Question 3"), ("code", "def my_function(x): return x"),
                   ("markdown", "## Question 5"), ("code", "fast_my_function = jax.jit(my_function, static_argnums=(1,))"))
    assert [p.region for p in found.pieces] == [Region(1), Region(2), Region(1, True, True), Region(3), Region(5)]
    assert ends(found) == {"q1": 2, "q2": 1, "q3": 3, "q4": 3} and any(c.question == "q5" for c in found.captures)


# -- headings, read on their own -------------------------------------------------------------

@pytest.mark.parametrize(
    ("text", "question", "corrects"),
    [
        ("Question 3", 3, None),
        ("Q3", 3, None),
        ("q 3: keys", 3, None),
        ("Problem #2", 2, None),
        ("**Question 1**", 1, None),
        ("Question 3 (continued)", 3, None),
        ("Question 3 (revisited)", 3, 3),
        ("Q3 - corrected", 3, 3),
        ("Question 3, fixed", 3, 3),
        ("Q3 redo", 3, 3),
        ("Corrected Question 3", None, 3),
        ("Answer to Q3", None, 3),
        ("Final answer for question 4", None, 4),
        ("Notes on question 3", None, None),
        ("Part b: as in Question 3, answers differ", None, None),
        ("Questions", None, None),
        ("Pledge", None, None),
    ],
)
def test_a_heading_names_its_question_and_what_it_corrects(text, question, corrects):
    heading = read_heading(text, 2)
    assert (heading.question, heading.corrects) == (question, corrects)


@pytest.mark.parametrize(
    ("text", "not_a_question", "part_of_answer"),
    [
        ("Pledge", True, False),
        ("Scratch (ignore)", True, False),
        ("Appendix", True, False),
        ("Extra work", True, True),
        ("Drafts", True, False),
        ("Not graded", True, False),
        ("Part a", False, True),
        ("Explanation", False, True),
        ("Answer:", False, True),
        ("(b)", False, True),
        ("2. Code", False, True),
        ("Timing the two versions", False, True),
        ("With jit", False, False),
        ("Immutability", False, False),
        ("Dataset(s)", False, False),
    ],
)
def test_a_heading_names_a_section_that_is_no_question_or_a_part_of_an_answer(text, not_a_question, part_of_answer):
    heading = read_heading(text, 2)
    assert (heading.not_a_question, heading.part_of_answer) == (not_a_question, part_of_answer)


@pytest.mark.parametrize(
    ("source", "found"),
    [
        ("## Question 1", [("Question 1", 2)]),
        ("# Title\n\ntext\n### Part a ###", [("Title", 1), ("Part a", 3)]),
        ("**Scratch**", [("Scratch", None)]),
        ("__Question 2__:", [("Question 2", None)]),
        ("**Question 1:** create the arrays", [("Question 1:** create the arrays", None)]),
        ("```python\n# make the array\n```\n## Question 2", [("Question 2", 2)]),
        ("~~~\n## not a heading\n~~~", []),
        ("    ## indented code, not a heading", []),
        ("plain **bold** inside a line", []),
    ],
)
def test_markdown_headings_and_bold_lines_are_found_outside_fenced_code(source, found):
    assert [(h.title, h.level) for h in markdown_headings(source)] == found


@pytest.mark.parametrize(
    ("line", "question", "corrects"),
    [
        ("# Question 2", 2, None),
        ("## Q2", 2, None),
        ("#Question 2:", 2, None),
        ("# **Question 2**", 2, None),
        ("# Q3 - corrected", 3, 3),
        ("    # q 4", 4, None),
        ("# the question 2 keys", None, None),
        ("x = 1  # Question 2", None, None),
    ],
)
def test_a_comment_line_announces_a_question(line, question, corrects):
    comment = question_comment(line)
    found = (comment.question, comment.corrects) if comment else (None, None)
    assert found == (question, corrects)


# -- where a heading, a comment or a binding moves the pass ------------------------------------

ANSWERED = Answers(RUBRIC.questions, frozenset({"first", "bar", "my_function"}))  # Questions 1-3
IN_3 = Position(question=3, reached=3, level=2)
ENDED_3 = Position(question=3, graded=False, reached=3, level=2, named_end=False, end_level=2)
SCRATCH_3 = Position(question=3, graded=False, reached=3, level=2, named_end=True, end_level=3)
REVISIT_2 = Position(question=2, revisit=True, reached=4, level=2)


@pytest.mark.parametrize(
    ("at", "heading", "to"),
    [
        (Position(), ("Question 1", 2), Position(question=1, reached=1, level=2)),
        (IN_3, ("Question 4", 2), Position(question=4, reached=4, level=2)),
        (IN_3, ("Question 3", 3), Position(question=3, reached=3, level=3)),  # on to the current one
        (IN_3, ("Question 2", 2), IN_3),  # back to an answered question: taken for a mention
        (IN_3, ("Question 9", 2), Position(question=3, graded=False, reached=3, level=2, named_end=True, end_level=2)),
        (IN_3, ("Pledge", 1), Position(question=3, graded=False, reached=3, level=2, named_end=True, end_level=1)),
        (IN_3, ("With jit", 2), ENDED_3),
        (IN_3, ("Part a", 2), IN_3),
        (IN_3, ("Notes", 3), IN_3),  # a sub-section
        (IN_3, ("**Notes**", None), IN_3),  # a bold line has no level
        (Position(question=4, reached=4, level=2), ("Question 2 (fixed)", 2), Position(question=2, revisit=True, reached=4, level=2)),
        (IN_3, ("Question 3 (fixed)", 2), Position(question=3, reached=3, level=2)),  # not left yet: no correction
        (SCRATCH_3, ("Back to JAX", 3), Position(question=3, reached=3, level=2, end_level=3)),
        (REVISIT_2, ("Question 4", 2), Position(question=4, reached=4, level=2)),  # the furthest comes back
        (REVISIT_2, ("Question 3", 2), Position(question=2, graded=False, revisit=True, reached=4, level=2, end_level=2)),
        (Position(), ("Dataset(s)", 2), Position()),  # before any question, no heading ends anything
    ],
)
def test_where_a_heading_moves_the_pass(at, heading, to):
    title, level = heading
    assert after_heading(at, read_heading(title.strip("*"), level), ANSWERED) == to


@pytest.mark.parametrize(
    ("at", "comment", "to"),
    [
        (IN_3, "# Question 4", Position(question=4, reached=4, level=2)),
        (IN_3, "# Question 3", IN_3),  # a comment never restarts the current question
        (Position(question=4, reached=4, level=2), "# Q2 - corrected", Position(question=2, revisit=True, reached=4, level=2)),
        (Position(question=1, reached=1), "# Question 2", Position(question=2, reached=2)),
    ],
)
def test_where_a_comment_moves_the_pass(at, comment, to):
    found = question_comment(comment)
    assert found is not None and after_comment(at, found, ANSWERED) == to


@pytest.mark.parametrize(
    ("at", "names", "to"),
    [
        (Position(), {"first"}, Position(question=1, reached=1)),
        (IN_3, {"my_model"}, Position(question=4, reached=4, level=2)),  # a later question's name
        (IN_3, {"bar"}, IN_3),  # an answered question's name: not back
        (IN_3, {"x"}, IN_3),
        # An answered question's other name, bound for the first time after the next question.
        (Position(question=4, reached=4), {"my_gradient"}, Position(question=4, reached=4)),
        (ENDED_3, {"my_gradient"}, Position(question=3, reached=3, level=2, end_level=2)),  # its own first binding
        (ENDED_3, {"my_function"}, ENDED_3),  # bound already: not more of the answer
        (SCRATCH_3, {"my_gradient"}, SCRATCH_3),  # never after a named section
        # The question's own redefinition: more of its answer, and never another question's.
        (Position(question=5, reached=5, graded=False, end_level=2, level=2), {"my_function"},
         Position(question=5, reached=5, level=2, end_level=2)),
    ],
)
def test_where_a_binding_moves_the_pass(at, names, to):
    assert after_binding(at, names, ANSWERED) == to


def test_a_binding_of_a_skipped_question_goes_back_to_it():
    skipped = Answers(RUBRIC.questions, frozenset({"first", "my_function"}))  # Question 2 skipped
    assert after_binding(IN_3, {"bar"}, skipped) == Position(question=2, reached=3, level=2)
    assert after_binding(SCRATCH_3, {"bar"}, skipped) == SCRATCH_3  # not from a named section


def test_a_heading_is_plain_data():
    assert read_heading(" Question 2 (revisited) ", 1) == Heading("Question 2 (revisited)", 1, 2, 2, False, False)


# -- the rules are the assignment's data: another assignment's names and tags ------------------

OTHER = Rubric(
    (
        Question.define(1, "init", binds={"params"}, reads={"params", "keys"}, items=[("params", 1, "")],
                        after_split_use=ProbeAfterSplitUse("at-split")),
        Question.define(2, "step", binds={"update"}, reads={"update"}, items=[("update", 1, "")],
                        each_binding=ProbeEachBinding("update", lambda f: f"{len(f.args.args)}-args" if f else "none")),
    )
)


def test_another_assignments_rules_place_its_probes():
    found = read_layout(
        [
            Cell(0, "markdown", "## Question 1"),
            Cell(1, "code", "key, *keys = jax.random.split(key, 3)\nparams = init(keys[0])"),
            Cell(2, "code", "print(keys)\ndel keys"),
            Cell(3, "markdown", "## Question 2"),
            Cell(4, "code", "def sgd(p, g):\n    return p\nupdate = jax.jit(sgd)\nupdate = None"),
        ],
        OTHER,
    )
    assert [(c.question, c.after, c.tag) for c in found.captures] == [
        ("q1", 0, "at-split"),
        ("q1", 1, "end"),
        ("q2", 2, "2-args"),
        ("q2", 3, "none"),
    ]
    assert [c.tag for c in found.at_bindings("q2")] == ["2-args", "none"] and found.at_bindings("q1") == ()
