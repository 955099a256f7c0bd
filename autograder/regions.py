"""Which question's region a notebook is in, as pure functions of where it stood before and what
comes next: a heading (`autograder.headings`), a comment announcing a question, or a top-level
binding. `autograder.layout` makes the single pass over the cells with them; the rules are in
its docstring.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from autograder.headings import Heading
from autograder.rubric import Question


@dataclass(frozen=True)
class Region:
    """Where a step stands: in `question` (0 before the first question), or, when not `graded`,
    in a section after it that is not a question (its bindings are never graded). `revisit`: a
    later section that replaces the answer to `question` (it counts for that question's
    checkpoint only, never for the others')."""

    question: int
    graded: bool = True
    revisit: bool = False


@dataclass(frozen=True)
class Position:
    """Where the pass stands: its region, the furthest question entered (`reached`), the level of
    the heading that started the current question, and, when the region was ended, whether by a
    section named as no question (`named_end`: Pledge, ...) and that heading's level."""

    question: int = 0
    graded: bool = True
    revisit: bool = False
    reached: int = 0
    level: int | None = None
    named_end: bool = False
    end_level: int | None = None

    @property
    def region(self) -> Region:
        return Region(self.question, self.graded, self.revisit)

    def starts_revisit(self, before: Position) -> bool:
        """Whether this position, just reached from `before`, entered a section replacing an answer."""
        return self.revisit and self.question != before.question


@dataclass(frozen=True)
class Answers:
    """The assignment's questions, in order, and the names bound so far in graded regions."""

    questions: tuple[Question, ...]
    bound: frozenset[str] = frozenset()

    def unanswered(self, number: int) -> bool:
        return not self.bound & self.questions[number - 1].binds


def enter(at: Position, number: int, level: int | None, answers: Answers, *, again: bool = True) -> Position:
    """Move to question `number`: forward, back to a question with no answer yet (answered out
    of order, or under a mistyped heading), or (`again`) on to the current one."""
    if number > len(answers.questions):  # a question this assignment does not have
        return end(at, named=True, level=level)
    kept = level if level is not None else at.level
    if at.revisit and number != at.question and number <= at.reached and not answers.unanswered(number):
        # After a revisited answer, a heading of the furthest question goes back to it; any other
        # answered question must name itself a correction, and a binding moves nothing.
        if again and number == at.reached:
            return replace(at, question=number, graded=True, named_end=False, revisit=False, level=kept)
        return end(at, named=False, level=level) if again else at
    if (
        number > at.question
        or (again and number == at.question)
        or (0 < number < at.question and answers.unanswered(number))
    ):
        # Going on with a revisited answer keeps it one; any other question is entered afresh.
        revisit = at.revisit and number == at.question
        reached = max(at.reached, number)
        return replace(
            at, question=number, graded=True, named_end=False, revisit=revisit, reached=reached, level=kept
        )
    return at


def revisit(at: Position, number: int, level: int | None, answers: Answers) -> Position | None:
    """Enter a section that replaces the answer to question `number`, answered earlier and left
    since; None when it is no such question."""
    if not 0 < number < at.reached or number == at.question or answers.unanswered(number):
        return None
    level = level if level is not None else at.level
    return replace(at, question=number, graded=True, named_end=False, revisit=True, level=level)


def end(at: Position, *, named: bool, level: int | None) -> Position:
    return replace(at, graded=False, named_end=named, end_level=level)


def after_heading(at: Position, heading: Heading, answers: Answers) -> Position:
    """Where a markdown heading or bold line moves the pass."""
    if heading.corrects is not None:
        revisited = revisit(at, heading.corrects, heading.level, answers)
        if revisited is not None:
            return revisited
    if heading.question is not None:
        return enter(at, heading.question, heading.level, answers)
    if heading.not_a_question:
        return end(at, named=True, level=heading.level)
    if not at.question or heading.level is None or at.level is None:
        return at
    if heading.level <= at.level:
        return at if heading.part_of_answer else end(at, named=False, level=heading.level)
    if not at.graded and at.end_level is not None and at.level < at.end_level >= heading.level:
        # A sub-section of the question after one that was not ("### Scratch", then
        # "### Back to JAX"): the answer goes on.
        return replace(at, graded=True, named_end=False)
    return at


def after_comment(at: Position, comment: Heading, answers: Answers) -> Position:
    """Where a comment line announcing a question (`# Question 3`, `# Q3 - corrected`) moves the
    pass: a correction, else forward or to a question with no answer yet, never back to the
    current one's start."""
    assert comment.question is not None  # a comment that announces no question moves nothing
    if comment.corrects is not None:
        revisited = revisit(at, comment.corrects, None, answers)
        if revisited is not None:
            return revisited
    return enter(at, comment.question, None, answers, again=False)


def after_binding(at: Position, names: set[str], answers: Answers) -> Position:
    """Where a top-level statement binding `names` moves the pass."""
    current = answers.questions[at.question - 1] if at.question else None
    own = current.binds | current.redefines if current else frozenset()
    earlier = [
        q.number
        for q in answers.questions[: max(at.question - 1, 0)]
        if names & q.binds and answers.unanswered(q.number) and not names & own
    ]
    later = [q.number for q in answers.questions if q.number > at.question and names & q.binds]
    if earlier and not at.named_end:
        # The code answers a question skipped so far: answered out of order, or under a heading
        # that names another question (the next question's heading above this one's code).
        return enter(at, earlier[0], None, answers)
    if later:
        return enter(at, max(later), None, answers, again=False)
    if (
        not at.graded
        and not at.named_end
        and current is not None
        and names & (current.binds - answers.bound | current.redefines)
    ):
        # After a heading of the question's level that names no section ("## With jit"), a
        # first binding of one of the question's names, or a binding the question asks for
        # again (a function compiled anew), is more of its answer.
        return replace(at, graded=True)
    return at
