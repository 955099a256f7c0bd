"""What is graded and what it is worth: the one place points are set.

The master notebook's question points must add up to the same totals (a test checks it).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Item:
    question: str
    name: str
    points: float
    description: str


ITEMS: tuple[Item, ...] = (
    Item("q1", "first", 1, "`first` is the 2x3 array 1..6"),
    Item("q1", "second", 1, "`second` is the 3x2 array of 2s"),
    Item("q1", "third", 1, "`third` is the matrix product of `first` and `second`"),
    Item("q1", "displayed", 1, "the shape of `third`, `third` times 2 and `third` times [[1, 2], [3, 4]] are displayed"),
    Item("q1", "fourth", 1, "`fourth` is `second` with the row [3, 4] added"),
    Item("q1", "fifth", 1, "`fifth` is `fourth` with a column of 1s added"),
    Item("q1", "my_array", 1, "`my_array` has its 1 changed to 7"),
    Item("q2", "bar", 1, "`bar(key)` draws `jax.random.uniform` from its key"),
    Item("q2", "baz", 1, "`baz(key)` draws `jax.random.uniform` from its key"),
    Item("q2", "foo1_foo2", 1, "`foo1` and `foo2` both give bar(key1) + 2*baz(key2)"),
    Item("q2", "foo", 1, "`foo` calls the function the shuffle put first with the keys"),
    Item("q2", "value", 1, "the split `num=3` of PRNGKey(0) gives the assignment's value"),
    Item("q3", "my_function_17", 1, "`my_function(17.0)` is 69003"),
    Item("q3", "my_function", 1, "`my_function(x)` is 14x^3 + 13x"),
    Item("q3", "my_gradient_17", 1, "`my_gradient(17.0)` is 12151"),
    Item("q3", "my_gradient", 1, "`my_gradient(x)` is 42x^2 + 13"),
    Item("q4", "my_model", 2, "`my_model` gives the model's values for new keys"),
    Item("q4", "compiled", 1, "`my_model` is compiled with `jax.jit`"),
    Item("q4", "speedup", 1, "the compiled `my_model` is faster than the uncompiled model"),
    Item("q5", "loop_static", 1, "`fast_my_function(x, num_loops)` runs with `num_loops` static"),
    Item("q5", "loop_recompiles", 1, "... and recompiles exactly when `num_loops` changes"),
    Item("q5", "shape_static", 1, "`fast_my_function(x, arr_cols)` runs with `arr_cols` static"),
    Item("q5", "shape_recompiles", 1, "... and recompiles exactly when `arr_cols` changes"),
)

QUESTIONS: tuple[str, ...] = ("q1", "q2", "q3", "q4", "q5")
# The name otter assign writes into the student notebook's metadata.
ASSIGNMENT = "project1"


def items(question: str) -> tuple[Item, ...]:
    return tuple(item for item in ITEMS if item.question == question)


def points(question: str) -> float:
    return sum(item.points for item in items(question))


def item(question: str, name: str) -> Item:
    return next(i for i in ITEMS if i.question == question and i.name == name)
