"""Project 1's rubric: its questions, what each is worth item by item, the names each question
binds and the names its probe reads. Changing an item's points, or adding an item (with its
check in `checks/`), happens here; `python -m autograder build` then checks the master notebook
against it."""

from __future__ import annotations

from autograder.rubric import ProbeAfterSplitUse, ProbeEachBinding, Question, Rubric

from .versions import version_tag

Q1_ARRAYS = ("first", "second", "third", "fourth", "fifth", "my_array")
# The tag of Question 2's probe where its answer last uses its split (`subkeys`), which the
# end of the answer may have deleted or replaced (`del subkeys`, a split of another key).
SPLIT = "split"

RUBRIC = Rubric(
    (
        Question.define(
            1,
            "JAX arrays",
            binds=Q1_ARRAYS,
            redefines={"my_array"},
            reads=Q1_ARRAYS,
            items=[
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
        Question.define(
            2,
            "PRNG keys",
            binds={"bar", "baz", "foo1", "foo2", "foo"},
            reads={"subkeys", "bar", "baz", "foo", "foo1", "foo2"},
            after_split_use=ProbeAfterSplitUse(SPLIT),
            items=[
                ("bar", 1, "`bar(key)` draws `jax.random.uniform` from its key"),
                ("baz", 1, "`baz(key)` draws `jax.random.uniform` from its key"),
                ("foo1_foo2", 1, "`foo1` and `foo2` both give bar(key1) + 2*baz(key2)"),
                ("foo", 1, "`foo` calls the function the shuffle put first with the keys"),
                ("value", 1, "the split `num=3` of PRNGKey(0) gives the assignment's value"),
            ],
        ),
        Question.define(
            3,
            "jax.grad",
            binds={"my_function", "my_gradient"},
            reads={"my_function", "my_gradient"},
            items=[
                ("my_function_17", 1, "`my_function(17.0)` is 69003"),
                ("my_function", 1, "`my_function(x)` is 14x^3 + 13x"),
                ("my_gradient_17", 1, "`my_gradient(17.0)` is the derivative of `my_function` at 17 (12151)"),
                ("my_gradient", 1, "`my_gradient(x)` is the derivative of `my_function` (42x^2 + 13)"),
            ],
        ),
        Question.define(
            4,
            "jax.jit",
            binds={"my_model"},
            redefines={"my_model"},
            reads={"my_model"},
            items=[
                ("my_model", 2, "the compiled `my_model` gives the model's values for new keys"),
                ("compiled", 1, "`my_model` is compiled with `jax.jit`"),
                ("speedup", 1, "the compiled `my_model` is faster than the uncompiled model"),
            ],
        ),
        Question.define(
            5,
            "static arguments",
            binds={"fast_my_function"},
            redefines={"fast_my_function", "my_function"},
            reads={"fast_my_function"},
            # The answer binds `fast_my_function` once per version of `my_function`: each binding
            # is probed where it is made, tagged with the version it compiles.
            each_binding=ProbeEachBinding("fast_my_function", version_tag),
            items=[
                ("loop_static", 1, "`fast_my_function(x, num_loops)` runs with `num_loops` static"),
                ("loop_recompiles", 1, "... and recompiles exactly when `num_loops` changes"),
                ("shape_static", 1, "`fast_my_function(x, arr_cols)` runs with `arr_cols` static"),
                ("shape_recompiles", 1, "... and recompiles exactly when `arr_cols` changes"),
            ],
        ),
    ),
    # Question 1's display: evidence is text the notebook printed.
    printed=frozenset({"displayed"}),
)
