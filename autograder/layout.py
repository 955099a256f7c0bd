"""Where each question's answer stands in a notebook, read in one pass over its cells.

A question's grade is decided on the state the student left at the end of their answer to it,
whatever the cell layout (headings are read by `autograder.headings`, regions moved by
`autograder.regions`):

- **A question starts** at its heading (`Question N`, `Q N` or `Problem N` as a markdown heading
  or bold line), at a comment line announcing it in code (`# Question 2`, `## Q2`, `#Question 2:`),
  or at the first top-level binding of a name it defines (`rubric.Question.binds`). A move back
  goes only to a question with no answer yet: a later question redefining an earlier one's
  function does not send the notebook back to it, but questions answered out of order are each
  found, and code under a mistyped heading that binds the names of a question still unanswered
  (the next question's heading above this one's functions) answers that question. Names the
  current question itself binds again (`rubric.Question.redefines`) never move it.
- **A section that is not a question ends the current question's region**: a heading with one of
  the words of `headings._NOT_A_QUESTION` (Pledge, Scratch, Appendix, ignore, Extra, ...) at any
  level, or any other heading at the level of the question's heading or above, unless it names a
  part of an answer (`headings._PART_OF_ANSWER`: "Answer", "Part a", "Explanation", ...). Its code
  runs, but what it binds is never graded: each question is probed at the end of its own region.
  After such an unnamed heading ("## With jit"), a first binding of one of the question's own
  names, or a binding it asks for again (a function compiled anew), is more of its answer and
  continues the region; after a named one (Pledge, ...) never, except that a sub-section of the
  question after a named sub-section ("### Scratch", then "### Back to JAX") continues it.
- **A boundary inside a code cell cuts the cell** there into steps of whole top-level statements
  (a comment line announcing a question goes with the statements after it, the comments right
  above a statement with that statement); a cell magic such as `%%time` heads every piece. A cell
  without a boundary inside is one step. Outputs stay the student's cell's. As with answers in
  separate cells, an exception in one piece does not keep the next question's piece from running.
- **A name bound several times in its own region**: a question is graded on the state at the end
  of its region (the last binding), unless the assignment probes it at each binding of a name
  (`rubric.ProbeEachBinding`): then after every binding of that name in its region, each probe
  tagged with the function the binding compiles (`autograder.versions`), and its checks choose
  among them. A question may also be probed after the last steps of its answer that use keys
  split from a key (`rubric.ProbeAfterSplitUse`).
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field, replace

from autograder.headings import Heading, markdown_headings, question_comment
from autograder.notebook import Capture, Cell, Step
from autograder.regions import Answers, Position, Region, after_binding, after_comment, after_heading
from autograder.rubric import Question, Rubric
from autograder.statements import (
    PYTHON_CELL_MAGICS,
    bound_names,
    cell_magic,
    first_line,
    parse,
    split_names,
    uses,
)
from autograder.versions import Versions

__all__ = ["Layout", "Piece", "Region", "Revisit", "read_layout"]

MAX_CUTS = 64  # pieces of one cell cut after bindings of a name probed at each binding
MAX_SPLITS = 8  # steps probed where they use keys split from a key (the last ones)


@dataclass(frozen=True)
class Revisit:
    """A section that replaces an earlier answer: its question, the cell of its heading (or
    comment) and that heading's text, for the student's feedback."""

    question: int
    cell: int
    title: str


@dataclass(frozen=True)
class Piece:
    """A step with where it stands and its parsed top-level statements (empty if not Python)."""

    step: Step
    region: Region
    statements: tuple[ast.stmt, ...] = field(default=(), compare=False, repr=False)


@dataclass(frozen=True)
class Layout:
    """A notebook read once: its cells, the steps to execute (with their regions and statements),
    where to probe, each question's checkpoint (the step after which its state is graded) and
    the rubric it was read with (what each probe reads, for the fast path)."""

    cells: tuple[Cell, ...]
    pieces: tuple[Piece, ...]
    captures: tuple[Capture, ...]
    checkpoints: dict[str, int]
    rubric: Rubric = field(compare=False, repr=False)
    revisits: tuple[Revisit, ...] = ()  # the sections graded in place of an earlier answer

    @property
    def steps(self) -> list[Step]:
        return [piece.step for piece in self.pieces]

    def region(self, step: int) -> Region:
        return self.pieces[step].region

    def needs(self, question: str) -> int:
        """The step the question's grade needs the notebook to have finished: its last probe's
        (a question probed at each binding of a name is not probed at its region's end)."""
        probes = [c.after for c in self.captures if c.question == question]
        return max(probes, default=self.checkpoints[question])

    def at_bindings(self, question: str) -> tuple[Capture, ...]:
        """The question's probes made at each binding of a name (`rubric.ProbeEachBinding`)."""
        rule = self.rubric.question(question)
        if rule.each_binding is None:
            return ()
        other = {"end"} | ({rule.after_split_use.tag} if rule.after_split_use else set())
        return tuple(c for c in self.captures if c.question == question and c.tag not in other)

    def bound_only_in_timeit(self) -> tuple[str, ...]:
        """Graded names the notebook binds only in `%%timeit` cells. IPython runs such a cell as a
        function of its own, so none of them is defined afterwards (as in the student's kernel)."""
        graded = set().union(*(q.binds | q.reads for q in self.rubric.questions))
        in_timeit: set[str] = set()
        elsewhere: set[str] = set()
        for piece in self.pieces:
            names = bound_names(list(piece.statements)) & graded
            (in_timeit if cell_magic(piece.step.source) == "%%timeit" else elsewhere).update(names)
        return tuple(sorted(in_timeit - elsewhere))


@dataclass
class _Draft:
    """A piece of a code cell while it is being cut: its first line and what it holds."""

    first: int
    region: Region
    statements: list[ast.stmt] = field(default_factory=list)
    probes: list[tuple[str, str]] = field(default_factory=list)  # (question, tag) after it


class _Reader:
    """The state of the single pass: where the notebook is, and what it has produced so far."""

    def __init__(self, rubric: Rubric) -> None:
        self.position = Position()
        self.answers = Answers(rubric.questions)
        self.cell = 0  # the cell being read
        self.revisits: list[Revisit] = []
        self.pieces: list[Piece] = []
        self.probes: list[Capture] = []
        self.versions = {q: Versions(q.each_binding) for q in rubric.questions if q.each_binding is not None}

    @property
    def region(self) -> Region:
        return self.position.region

    def _move(self, to: Position, title: str = "") -> None:
        if to.starts_revisit(self.position):
            self.revisits.append(Revisit(to.question, self.cell, title))
        self.position = to

    def markdown(self, source: str) -> None:
        for heading in markdown_headings(source):
            self._move(after_heading(self.position, heading, self.answers), heading.title)

    def _comment(self, comment: Heading) -> None:
        self._move(after_comment(self.position, comment, self.answers), comment.title)

    def _binding(self, statement: ast.stmt) -> None:
        names = bound_names([statement])
        self._move(after_binding(self.position, names, self.answers))
        if self.position.graded:
            self.answers = replace(self.answers, bound=self.answers.bound | names)

    # -- code cells ------------------------------------------------------------------------

    def code(self, cell: Cell) -> None:
        tree = parse(cell.source)
        lines = cell.source.splitlines(keepends=True)
        if tree is None or not tree.body:
            self._add(cell, cell.source, _Draft(0, self.region))
            return
        statements = tree.body
        bound = [bound_names([s]) for s in statements]
        # A new piece starts wherever the region changes, and after each binding of a name probed
        # at each binding that another one follows in the same cell (each is probed).
        drafts = [_Draft(0, self.region)]
        start = 0
        for position, statement in enumerate(statements):
            begin, end = first_line(statement) - 1, statement.end_lineno or statement.lineno
            for line, comment in self._comments(lines, start, begin):
                before = self.region
                self._comment(comment)
                if self.region != before:
                    drafts.append(_Draft(line, self.region))
            before = self.region
            self._binding(statement)
            if self.region != before:
                drafts.append(_Draft(self._comments_above(lines, begin, drafts[-1].first), self.region))
            drafts[-1].statements.append(statement)
            if self._probes(drafts[-1], statement, position, bound) and len(drafts) < MAX_CUTS:
                drafts.append(_Draft(end, self.region))
            start = end
        for _, comment in self._comments(lines, start, len(lines)):
            self._comment(comment)
        self._cut(cell, lines, drafts)

    def _probes(self, draft: _Draft, statement: ast.stmt, position: int, bound: list[set[str]]) -> bool:
        """Note the probes of each binding `statement` makes of a name probed at each binding
        (every statement is read, to follow the functions names hold); whether another binding
        of the name follows in the cell, so that the cell is cut after this one."""
        cut = False
        for question, versions in self.versions.items():
            tags = versions.read(statement)
            if tags and self.region == Region(question.number):
                draft.probes.extend((question.name, tag) for tag in tags)
                name = versions.rule.name
                cut = cut or any(name in names for names in bound[position + 1 :])
        return cut

    def _comments(self, lines: list[str], start: int, end: int) -> list[tuple[int, Heading]]:
        """(line, comment) of each comment line announcing a question in lines [start, end)."""
        found = []
        for index in range(start, end):
            comment = question_comment(lines[index])
            # "# problem 12 of the book" is no section.
            if comment and comment.question is not None and comment.question <= len(self.answers.questions):
                found.append((index, comment))
        return found

    @staticmethod
    def _comments_above(lines: list[str], line: int, floor: int) -> int:
        while line > floor and lines[line - 1].lstrip().startswith("#"):
            line -= 1
        return line

    def _cut(self, cell: Cell, lines: list[str], drafts: list[_Draft]) -> None:
        # A piece without statements (only comments or blank lines) goes with the next one, or
        # the previous one at the end of the cell: every step runs some of the student's code.
        merged: list[_Draft] = []
        for draft in drafts:
            if merged and not merged[-1].statements:
                draft.first = merged.pop().first
            merged.append(draft)
        if len(merged) > 1 and not merged[-1].statements:
            merged.pop()
        magic = cell_magic(cell.source)
        for number, draft in enumerate(merged):
            end = merged[number + 1].first if number + 1 < len(merged) else len(lines)
            source = "".join(lines[draft.first : end])
            if draft.first > 0 and magic in PYTHON_CELL_MAGICS:
                source = f"{magic}\n{source}"
            if end < len(lines) and isinstance(draft.statements[-1], ast.Expr):
                # Only a cell's last expression is displayed: a piece cut before it shows nothing.
                source = source.rstrip("\n") + "\npass\n"
            self._add(cell, source, draft)

    def _add(self, cell: Cell, source: str, draft: _Draft) -> None:
        index = len(self.pieces)
        self.pieces.append(Piece(Step(index, cell.index, source), draft.region, tuple(draft.statements)))
        self.probes.extend(Capture(question, index, tag) for question, tag in draft.probes)


def _checkpoints(pieces: list[Piece], questions: tuple[Question, ...]) -> dict[str, int]:
    """For each question, the last step of its region or of an earlier one (-1: none)."""
    ends = {}
    for question in questions:
        number = question.number
        ours = [
            p.step.index
            for p in pieces
            if p.region.question == 0
            or (
                p.region.graded
                and p.region.question <= number
                and (p.region.question == number or not p.region.revisit)
            )
        ]
        ends[question.name] = ours[-1] if ours else -1
    return ends


def _split_steps(pieces: list[Piece], number: int) -> list[int]:
    """The steps of question `number`'s answer that use the keys it split from a key (whatever
    the names) without deleting them, the last `MAX_SPLITS`: where its value is read when the
    end of the answer no longer has the split (deleted, or a split of another key)."""
    answer = [p for p in pieces if p.region.question == number and p.region.graded]
    names = split_names([s for p in answer for s in p.statements])
    found = []
    for piece in answer:
        used, deleted = uses(list(piece.statements), names)
        if used and not deleted:
            found.append(piece.step.index)
    return found[-MAX_SPLITS:]


def read_layout(cells: list[Cell] | tuple[Cell, ...], rubric: Rubric) -> Layout:
    """The notebook's layout for the assignment's `rubric`: one pass over its cells."""
    reader = _Reader(rubric)
    for cell in cells:
        reader.cell = cell.index
        if cell.kind == "markdown":
            reader.markdown(cell.source)
        elif cell.kind == "code":
            reader.code(cell)
    ends = _checkpoints(reader.pieces, rubric.questions)
    captures = [Capture(q.name, ends[q.name]) for q in rubric.questions if q.each_binding is None]
    for q in rubric.questions:
        if q.after_split_use is not None:
            tag = q.after_split_use.tag
            captures += [
                Capture(q.name, s, tag) for s in _split_steps(reader.pieces, q.number) if s < ends[q.name]
            ]
    captures += list(dict.fromkeys(reader.probes))
    captures.sort(key=lambda c: (c.after, rubric.names.index(c.question)))
    revisits = _graded_revisits(reader)
    return Layout(tuple(cells), tuple(reader.pieces), tuple(captures), ends, rubric, revisits)


def _graded_revisits(reader: _Reader) -> tuple[Revisit, ...]:
    """For each question, the last section that replaced its answer and holds code of it."""
    found: dict[int, Revisit] = {}
    for revisit in reader.revisits:
        if any(
            p.region == Region(revisit.question, True, True) and p.step.cell >= revisit.cell
            for p in reader.pieces
        ):
            found[revisit.question] = revisit
    return tuple(found[number] for number in sorted(found))
