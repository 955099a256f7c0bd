"""Expected points, derived from the rubric: a case says which items it loses (or earns), and
its points per question follow from `assignments/project1/rubric.py` (or the rubric given), so
an instructor's change of points or items changes the expectations with it.

    lost("third")                 -> {"q1": 6, "q2": 5, ...}   (today's rubric)
    lost("q4")                    -> every item of Question 4 lost
    scores(lost("bar", "value"))  -> (7, 3, 4, 4, 4)   (in the rubric's order)
    marks(lost("q4"))             -> {"q1": (7, 7), ..., "q4": (0, 4), ...}
"""

from __future__ import annotations

from assignments.project1.rubric import RUBRIC
from autograder.rubric import Rubric

Points = dict[str, float]


def items(*names: str, rubric: Rubric = RUBRIC) -> frozenset[str]:
    """The item names `names` stand for: an item's own name, or a question's name (`q4`) for
    every item of that question. An unknown name is an error (a typo would test nothing)."""
    known = {item.name for item in rubric.items}
    chosen: set[str] = set()
    for name in names:
        if name in rubric.names:
            chosen.update(item.name for item in rubric.question(name).items)
        elif name in known:
            chosen.add(name)
        else:
            raise KeyError(f"{name!r} is neither an item nor a question of the rubric")
    return frozenset(chosen)


def lost(*names: str, rubric: Rubric = RUBRIC) -> Points:
    """Each question's points when exactly the items `names` (see `items`) are lost."""
    gone = items(*names, rubric=rubric)
    return {q.name: q.points - sum(i.points for i in q.items if i.name in gone) for q in rubric.questions}


def earned(*names: str, rubric: Rubric = RUBRIC) -> Points:
    """Each question's points when only the items `names` (see `items`) are earned."""
    kept = items(*names, rubric=rubric)
    return {q.name: sum(i.points for i in q.items if i.name in kept) for q in rubric.questions}


def full(rubric: Rubric = RUBRIC) -> Points:
    return lost(rubric=rubric)


def scores(points: Points, rubric: Rubric = RUBRIC) -> tuple[float, ...]:
    """The points in the rubric's question order."""
    return tuple(points[q] for q in rubric.names)


def marks(points: Points, rubric: Rubric = RUBRIC) -> dict[str, tuple[float, float]]:
    """{question: (points, out of)}, as Gradescope's results.json lists them."""
    return {q: (points[q], rubric.points(q)) for q in rubric.names}


def total(points: Points) -> float:
    return sum(points.values())


def number(value: float) -> str:
    """Points as the class files write them: 7, not 7.0."""
    return f"{value:g}"


def columns(points: Points, rubric: Rubric = RUBRIC) -> list[str]:
    """A gradebook row's point columns (each question, total, possible), as grades.csv has them."""
    return [number(p) for p in (*scores(points, rubric), total(points), rubric.total)]
