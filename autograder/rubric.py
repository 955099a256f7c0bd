"""What a rubric is made of: questions, and graded items with their points.

An assignment (`assignments/<name>/rubric.py`) writes its rubric once with these types;
everything else follows from it: the checks (one per item), the layout finder (`binds`), the
fast path (`reads`), the kernel probe's plan, the CSV and report columns, the plugin's results
and the build's check of the master notebook.
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class Item:
    """One graded item: `name` is unique across the assignment."""

    question: str
    name: str
    points: float
    description: str


# A function as the notebook's code shows it.
Function = ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda


@dataclass(frozen=True)
class ProbeEachBinding:
    """Probe the question right after every top-level binding of `name` in its region, instead of
    once at the region's end: for a question whose answer binds the name several times, each
    binding its own answer. Each probe is tagged with what `tag` says of the function the binding
    compiles or is (given `None` when the code shows no function); `read_layout` follows names
    through `jax.jit(f, ...)`, decorators, `partial(jax.jit, ...)(f)` and lambdas to find it."""

    name: str
    tag: Callable[[Function | None], str]


@dataclass(frozen=True)
class ProbeAfterSplitUse:
    """Also probe the question right after each of the last steps of its answer that use keys
    split from a key (`key, *keys = jax.random.split(key, 3)`, whatever the names), tagged `tag`:
    where the split is still there when the end of the answer has deleted or replaced it."""

    tag: str


@dataclass(frozen=True)
class Question:
    """`binds`: names whose first top-level binding shows the notebook has reached this
    question (a move back goes only to a question with no answer yet: a later question
    redefining an earlier one's function does not send a notebook back). `redefines`: names the
    assignment itself has the student bind again in this question's answer (an array changed
    with `.at`, a function jitted), so a binding of them there is more of this answer, never
    another question's. `reads`: the notebook globals the question's probe reads at its
    checkpoint, which the fast path must leave exactly as the student's code made them.
    `each_binding` and `after_split_use`: where the question is probed besides its region's end."""

    name: str
    number: int
    topic: str
    binds: frozenset[str]
    redefines: frozenset[str]
    reads: frozenset[str]
    items: tuple[Item, ...]
    each_binding: ProbeEachBinding | None = None
    after_split_use: ProbeAfterSplitUse | None = None

    @property
    def points(self) -> float:
        return sum(item.points for item in self.items)

    def item(self, name: str) -> Item:
        return next(i for i in self.items if i.name == name)

    @classmethod
    def define(
        cls,
        number: int,
        topic: str,
        *,
        binds: Iterable[str],
        reads: Iterable[str],
        items: Iterable[tuple[str, float, str]],
        redefines: Iterable[str] = (),
        each_binding: ProbeEachBinding | None = None,
        after_split_use: ProbeAfterSplitUse | None = None,
    ) -> Question:
        """Question `q<number>` with its items given as (name, points, description)."""
        name = f"q{number}"
        return cls(
            name,
            number,
            topic,
            frozenset(binds),
            frozenset(redefines),
            frozenset(reads),
            tuple(Item(name, *entry) for entry in items),
            each_binding,
            after_split_use,
        )


@dataclass(frozen=True)
class Rubric:
    """The questions in order; `printed`: items whose evidence is text the notebook printed,
    not a value the probe read (withheld when the kernel's report is in doubt)."""

    questions: tuple[Question, ...]
    printed: frozenset[str] = frozenset()

    def __post_init__(self) -> None:
        names = [item.name for item in self.items]
        if len(set(names)) != len(names):
            raise ValueError(f"item names must be unique across the rubric: {sorted(names)}")

    @property
    def names(self) -> tuple[str, ...]:
        """The questions' names (`q1`, `q2`, ...), in order."""
        return tuple(q.name for q in self.questions)

    @property
    def items(self) -> tuple[Item, ...]:
        return tuple(item for q in self.questions for item in q.items)

    @property
    def total(self) -> float:
        return sum(q.points for q in self.questions)

    def question(self, name: str) -> Question:
        return next(q for q in self.questions if q.name == name)

    def item(self, question_name: str, name: str) -> Item:
        return self.question(question_name).item(name)

    def item_named(self, name: str) -> Item:
        return next(i for i in self.items if i.name == name)

    def points(self, question_name: str) -> float:
        return self.question(question_name).points

    @property
    def asked(self) -> frozenset[str]:
        """Every name some question asks the notebook to define."""
        return frozenset().union(*(q.binds for q in self.questions))
