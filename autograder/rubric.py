"""The assignment, described once: its questions, what each is worth item by item, the names
each question binds and the names its probe reads.

Everything else follows from this table: the checks (`autograder.checks`, one module per
question, one check per item), the layout finder (`binds`), the fast path (`reads`), the
kernel probe's plan, the CSV and report columns, the plugin's results and the build's check
of the master notebook. Changing an item's points or adding an item happens here (and in the
item's check).
"""

from __future__ import annotations

from dataclasses import dataclass

# The name otter assign writes into the student notebook's metadata.
ASSIGNMENT = "project1"


@dataclass(frozen=True)
class Item:
    """One graded item: `name` is unique across the assignment."""

    question: str
    name: str
    points: float
    description: str


@dataclass(frozen=True)
class Question:
    """`binds`: names whose first top-level binding shows the notebook has reached this
    question (a move back goes only to a question with no answer yet: Question 5 redefining
    `my_function` does not send a notebook back to Question 3). `redefines`: names the
    assignment itself has the student bind again in this question's answer (the array changed
    with `.at`, the model jitted, Question 5's two versions), so a binding of them there is more
    of this answer, never another question's. `reads`: the notebook globals the question's probe
    reads at its checkpoint, which the fast path must leave exactly as the student's code made them."""

    name: str
    number: int
    topic: str
    binds: frozenset[str]
    redefines: frozenset[str]
    reads: frozenset[str]
    items: tuple[Item, ...]

    @property
    def points(self) -> float:
        return sum(item.points for item in self.items)


def _question(
    number: int,
    topic: str,
    binds: set[str],
    redefines: set[str],
    reads: set[str],
    items: list[tuple[str, float, str]],
) -> Question:
    name = f"q{number}"
    return Question(
        name,
        number,
        topic,
        frozenset(binds),
        frozenset(redefines),
        frozenset(reads),
        tuple(Item(name, *entry) for entry in items),
    )


Q1_ARRAYS = ("first", "second", "third", "fourth", "fifth", "my_array")

ASSIGNMENT_QUESTIONS: tuple[Question, ...] = (
    _question(
        1,
        "JAX arrays",
        set(Q1_ARRAYS),
        {"my_array"},
        set(Q1_ARRAYS),
        [
            ("first", 1, "`first` is the 2x3 array 1..6"),
            ("second", 1, "`second` is the 3x2 array of 2s"),
            ("third", 1, "`third` is the matrix product of `first` and `second`"),
            (
                "displayed",
                1,
                "the shape of `third`, `third` times 2 and `third` times [[1, 2], [3, 4]] are displayed",
            ),
            ("fourth", 1, "`fourth` is `second` with the row [3, 4] added"),
            ("fifth", 1, "`fifth` is `fourth` with a column of 1s added"),
            ("my_array", 1, "`my_array` has its 1 changed to 7"),
        ],
    ),
    # `key` and `subkeys` are bound by Questions 2 and 4 alike: they mark no question.
    _question(
        2,
        "PRNG keys",
        {"bar", "baz", "foo1", "foo2", "foo"},
        set(),
        {"subkeys", "bar", "baz", "foo", "foo1", "foo2"},
        [
            ("bar", 1, "`bar(key)` draws `jax.random.uniform` from its key"),
            ("baz", 1, "`baz(key)` draws `jax.random.uniform` from its key"),
            ("foo1_foo2", 1, "`foo1` and `foo2` both give bar(key1) + 2*baz(key2)"),
            ("foo", 1, "`foo` calls the function the shuffle put first with the keys"),
            ("value", 1, "the split `num=3` of PRNGKey(0) gives the assignment's value"),
        ],
    ),
    _question(
        3,
        "jax.grad",
        {"my_function", "my_gradient"},
        set(),
        {"my_function", "my_gradient"},
        [
            ("my_function_17", 1, "`my_function(17.0)` is 69003"),
            ("my_function", 1, "`my_function(x)` is 14x^3 + 13x"),
            ("my_gradient_17", 1, "`my_gradient(17.0)` is the derivative of `my_function` at 17 (12151)"),
            ("my_gradient", 1, "`my_gradient(x)` is the derivative of `my_function` (42x^2 + 13)"),
        ],
    ),
    _question(
        4,
        "jax.jit",
        {"my_model"},
        {"my_model"},
        {"my_model"},
        [
            ("my_model", 2, "the compiled `my_model` gives the model's values for new keys"),
            ("compiled", 1, "`my_model` is compiled with `jax.jit`"),
            ("speedup", 1, "the compiled `my_model` is faster than the uncompiled model"),
        ],
    ),
    _question(
        5,
        "static arguments",
        {"fast_my_function"},
        {"fast_my_function", "my_function"},
        {"fast_my_function"},
        [
            ("loop_static", 1, "`fast_my_function(x, num_loops)` runs with `num_loops` static"),
            ("loop_recompiles", 1, "... and recompiles exactly when `num_loops` changes"),
            ("shape_static", 1, "`fast_my_function(x, arr_cols)` runs with `arr_cols` static"),
            ("shape_recompiles", 1, "... and recompiles exactly when `arr_cols` changes"),
        ],
    ),
)

QUESTIONS: tuple[str, ...] = tuple(q.name for q in ASSIGNMENT_QUESTIONS)
# Items whose evidence is text the notebook printed, not a value the probe read.
PRINTED: frozenset[str] = frozenset({"displayed"})
ITEMS: tuple[Item, ...] = tuple(item for q in ASSIGNMENT_QUESTIONS for item in q.items)


def question(name: str) -> Question:
    return next(q for q in ASSIGNMENT_QUESTIONS if q.name == name)


def items(question_name: str) -> tuple[Item, ...]:
    return question(question_name).items


def points(question_name: str) -> float:
    """The points `question_name` is worth."""
    return question(question_name).points


def item(question_name: str, name: str) -> Item:
    return next(i for i in items(question_name) if i.name == name)


# The tag of Question 2's extra capture: right after the last step of its answer that uses the
# keys split from PRNGKey(0), so that the value is read where the split is, even if the answer
# deletes or rebinds the keys later.
SPLIT = "split"
