"""Where each question's answer stands in a notebook, read in one pass over its cells.

A question's grade is decided on the state the student left at the end of their answer to it,
whatever the cell layout:

- **A question starts** at its heading (`Question N`, `Q N` or `Problem N` as a markdown heading
  or bold line), at a comment line announcing it in code (`# Question 2`, `## Q2`, `#Question 2:`),
  or at the first top-level binding of a name it defines (`rubric.Question.binds`). A move back
  goes only to a question with no answer yet: Question 5 redefining `my_function` does not send
  the notebook back to Question 3, but questions answered out of order are each found, and code
  under a mistyped heading that binds the names of a question still unanswered ("Question 3"
  above `bar`, `baz`, ...) answers that question. Names the current question itself binds again
  (`rubric.Question.redefines`: Question 5's `my_function`) never move it.
- **A section that is not a question ends the current question's region**: a heading with one of
  the words of `_NOT_A_QUESTION` (Pledge, Scratch, Appendix, ignore, References, Extra, ...)
  at any level, or any other heading at the level of the question's heading or above, unless it
  names a part of an answer (`_PART_OF_ANSWER`: "Answer", "Part a", "Explanation", ...). Its code
  runs, but what it binds is never graded: each question is probed at the end of its own region.
  After such an unnamed heading ("## With jit"), a first binding of one of the question's own
  names, or a binding it asks for again (the jitted `my_model`), is more of its answer and
  continues the region; after a named one (Pledge, ...) never, except that a sub-section of the
  question after a named sub-section ("### Scratch", then "### Back to JAX") continues it.
- **A boundary inside a code cell cuts the cell** there into steps of whole top-level statements
  (a comment line announcing a question goes with the statements after it, the comments right
  above a statement with that statement); a cell magic such as `%%time` heads every piece. A cell
  without a boundary inside is one step. Outputs stay the student's cell's. As with answers in
  separate cells, an exception in one piece does not keep the next question's piece from running.
- **A name bound several times in its own region**: Questions 1-4 are graded on the state at the
  end of the region (the last binding). Question 5 is probed after every binding of
  `fast_my_function` in its region, each tagged with the version it compiles
  (`autograder.versions`), and is graded on the last binding of each version that is compiled and
  runs (the last binding when none is; see `autograder.checks.static`).
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field

from autograder.notebook import Capture, Cell, Step
from autograder.rubric import ASSIGNMENT_QUESTIONS, QUESTIONS, SPLIT
from autograder.statements import (
    PYTHON_CELL_MAGICS,
    bound_names,
    cell_magic,
    first_line,
    parse,
    split_names,
    uses,
)
from autograder.versions import TARGET, Version, Versions

MAX_CUTS = 64  # pieces of one cell cut after bindings of `fast_my_function` (each is probed)
MAX_SPLITS = 8  # Question 2's steps probed where they use its split (the last ones)
_NUMBER = r"(?:question|problem|q)\s*#?\s*(\d+)\b"
_QUESTION = re.compile(r"^\s*(?:\*\*|__)?\s*" + _NUMBER, re.IGNORECASE)
_MARKDOWN_HEADING = re.compile(r"^\s{0,3}(#{1,6})\s*(.*?)\s*#*\s*$")
_BOLD_LINE = re.compile(r"^\s*(\*\*|__)(.+?)\1\s*:?\s*$")
_QUESTION_COMMENT = re.compile(r"^\s*#+\s*(?:\*\*)?\s*" + _NUMBER, re.IGNORECASE)
_NOT_A_QUESTION = re.compile(
    r"\b(pledge|scratch\w*|scrap|appendix|ignore\w*|extras?|drafts?|playground|sandbox|"
    r"not graded|ungraded|misc\w*)\b",
    re.IGNORECASE,
)
_PART_OF_ANSWER = re.compile(
    r"\b(answers?|solutions?|parts?|steps?|explanations?|explain\w*|code|outputs?|results?|work\w*|"
    r"responses?|discussion|comments?|observations?|written|analysis|timings?|attempt|items?|sub-?questions?|"
    r"versions?|methods?|approach)\b|^\(?([a-h]|[ivx]+|\d+)[.):]",
    re.IGNORECASE,
)
# A section that names itself the answer, or a correction, to a question answered earlier:
# "Question 3 (revisited)", "Q3 - corrected", "Question 3, fixed", "Corrected Question 3",
# "Answer to Q3". It replaces that answer.
_CORRECTION = re.compile(
    r"\b(revisit\w*|correct(ed|ions?)?|fix(ed|es)?|re-?do(ne)?|revis(ed|ions?)|updated?|again|"
    r"answers?|re-?attempt\w*|attempt|final)\b",
    re.IGNORECASE,
)
_CORRECTION_FIRST = re.compile(
    r"^\s*(?:\*\*|__)?\s*(?:(?:corrected|revised|fixed|updated|redone|new|final)\s+(?:answer\s+(?:to|for)\s+)?|"
    r"(?:answer|correction|fix|update|redo)\s*(?:to|for|of|:)\s*)" + _NUMBER,
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Region:
    """Where a step stands: in `question` (0 before Question 1), or, when not `graded`, in a
    section after it that is not a question (its bindings are never graded). `revisit`: a later
    section that replaces the answer to `question` (it counts for that question's checkpoint
    only, never for the others')."""

    question: int
    graded: bool = True
    revisit: bool = False


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
    where to probe, and each question's checkpoint (the step after which its state is graded)."""

    cells: tuple[Cell, ...]
    pieces: tuple[Piece, ...]
    captures: tuple[Capture, ...]
    checkpoints: dict[str, int]
    revisits: tuple[Revisit, ...] = ()  # the sections graded in place of an earlier answer

    @property
    def steps(self) -> list[Step]:
        return [piece.step for piece in self.pieces]

    def region(self, step: int) -> Region:
        return self.pieces[step].region

    def needs(self, question: str) -> int:
        """The step the question's grade needs the notebook to have finished: its last probe's
        (Question 5 is probed at each binding of `fast_my_function`, not at its region's end)."""
        probes = [c.after for c in self.captures if c.question == question]
        return max(probes, default=self.checkpoints[question])

    def bound_only_in_timeit(self) -> tuple[str, ...]:
        """Graded names the notebook binds only in `%%timeit` cells. IPython runs such a cell as a
        function of its own, so none of them is defined afterwards (as in the student's kernel)."""
        graded = set().union(*(q.binds | q.reads for q in ASSIGNMENT_QUESTIONS))
        in_timeit: set[str] = set()
        elsewhere: set[str] = set()
        for piece in self.pieces:
            names = bound_names(list(piece.statements)) & graded
            (in_timeit if cell_magic(piece.step.source) == "%%timeit" else elsewhere).update(names)
        return tuple(sorted(in_timeit - elsewhere))


@dataclass
class _Reader:
    """The state of the single pass: where the notebook is, and what it has produced so far."""

    question: int = 0
    graded: bool = True
    revisit: bool = False  # the current region replaces an earlier answer to `question`
    reached: int = 0  # the furthest question entered
    cell: int = 0  # the cell being read
    revisits: list[Revisit] = field(default_factory=list)
    level: int | None = None  # of the heading that started the current question
    named_end: bool = False  # the region was ended by a section named as no question (Pledge, ...)
    end_level: int | None = None  # of the heading that ended the region
    bound: set[str] = field(default_factory=set)  # names bound so far in regions that are graded
    pieces: list[Piece] = field(default_factory=list)
    versions: Versions = field(default_factory=Versions)
    q5: list[Capture] = field(default_factory=list)

    @property
    def region(self) -> Region:
        return Region(self.question, self.graded, self.revisit)

    def unanswered(self, number: int) -> bool:
        return not self.bound & ASSIGNMENT_QUESTIONS[number - 1].binds

    def enter(self, number: int, level: int | None, *, again: bool = True) -> None:
        """Move to Question `number`: forward, back to a question with no answer yet (answered
        out of order, or under a mistyped heading), or (`again`) on to the current one."""
        if number > len(QUESTIONS):  # a question this assignment does not have
            self.end(named=True, level=level)
        elif (
            self.revisit
            and number != self.question
            and number <= self.reached
            and not self.unanswered(number)
        ):
            # After a revisited answer, a heading of the furthest question goes back to it; any other
            # answered question must name itself a correction, and a binding moves nothing.
            if again and number == self.reached:
                self.question, self.graded, self.named_end, self.revisit = number, True, False, False
                self.level = level if level is not None else self.level
            elif again:
                self.end(named=False, level=level)
        elif (
            number > self.question
            or (again and number == self.question)
            or (0 < number < self.question and self.unanswered(number))
        ):
            # Going on with a revisited answer keeps it one; any other question is entered afresh.
            self.revisit = self.revisit and number == self.question
            self.question, self.graded, self.named_end = number, True, False
            self.reached = max(self.reached, number)
            self.level = level if level is not None else self.level

    def revisited(self, number: int, level: int | None, title: str) -> bool:
        """Enter a section that replaces the answer to Question `number`, answered earlier and
        left since; False (nothing changes) when it is no such question."""
        if not 0 < number < self.reached or number == self.question or self.unanswered(number):
            return False
        self.question, self.graded, self.named_end, self.revisit = number, True, False, True
        self.level = level if level is not None else self.level
        self.revisits.append(Revisit(number, self.cell, title.strip()))
        return True

    def end(self, *, named: bool, level: int | None) -> None:
        self.graded, self.named_end, self.end_level = False, named, level

    def heading(self, level: int | None, text: str) -> None:
        match = _QUESTION.match(text)
        correction = _CORRECTION_FIRST.match(text)
        if correction and self.revisited(int(correction.group(1)), level, text):
            return
        if (
            match
            and _names_correction(text[match.end() :])
            and self.revisited(int(match.group(1)), level, text)
        ):
            return
        if match:
            self.enter(int(match.group(1)), level)
        elif _NOT_A_QUESTION.search(text):
            self.end(named=True, level=level)
        elif not self.question or level is None or self.level is None:
            return
        elif level <= self.level:
            if not _PART_OF_ANSWER.search(text):
                self.end(named=False, level=level)
        elif not self.graded and self.end_level is not None and self.level < self.end_level >= level:
            # A sub-section of the question after one that was not ("### Scratch", then
            # "### Back to JAX"): the answer goes on.
            self.graded, self.named_end = True, False

    def binding(self, statement: ast.stmt) -> None:
        names = bound_names([statement])
        current = ASSIGNMENT_QUESTIONS[self.question - 1] if self.question else None
        own = current.binds | current.redefines if current else frozenset()
        earlier = [
            q
            for q in range(1, self.question)
            if names & ASSIGNMENT_QUESTIONS[q - 1].binds and self.unanswered(q) and not names & own
        ]
        later = [q.number for q in ASSIGNMENT_QUESTIONS if q.number > self.question and names & q.binds]
        if earlier and not self.named_end:
            # The code answers a question skipped so far: answered out of order, or under a heading
            # that names another question ("Question 3" above `bar`, `baz`, ...).
            self.enter(earlier[0], None)
        elif later:
            self.enter(max(later), None, again=False)
        elif (
            not self.graded
            and not self.named_end
            and current is not None
            and names & (current.binds - self.bound | current.redefines)
        ):
            # After a heading of the question's level that names no section ("## With jit"), a
            # first binding of one of the question's names, or a binding the question asks for
            # again (the jitted model), is more of its answer.
            self.graded = True
        if self.graded:
            self.bound |= names

    def markdown(self, source: str) -> None:
        fenced = False
        for line in source.splitlines():
            if line.lstrip().startswith(("```", "~~~")):
                fenced = not fenced
            if fenced:
                continue
            heading = _MARKDOWN_HEADING.match(line)
            if heading:
                self.heading(len(heading.group(1)), heading.group(2))
                continue
            bold = _BOLD_LINE.match(line)
            if bold:
                self.heading(None, bold.group(2))
            elif _QUESTION.match(line) is not None and line.lstrip().startswith(("**", "__")):
                self.heading(None, line.strip().strip("*_ "))  # "**Question 1:** Create ..."

    # -- code cells ------------------------------------------------------------------------

    def code(self, cell: Cell) -> None:
        tree = parse(cell.source)
        lines = cell.source.splitlines(keepends=True)
        if tree is None or not tree.body:
            self._add(cell, cell.source, _Draft(0, self.region))
            return
        statements = tree.body
        # A new piece starts wherever the region changes, and after each binding of
        # `fast_my_function` that another one follows in the same cell (each is probed).
        drafts = [_Draft(0, self.region)]
        binds_target = [i for i, s in enumerate(statements) if TARGET in bound_names([s])]
        start = 0
        for position, statement in enumerate(statements):
            begin, end = first_line(statement) - 1, statement.end_lineno or statement.lineno
            for number, line in self._comments(lines, start, begin):
                before = self.region
                self._comment(number, lines[line])
                if self.region != before:
                    drafts.append(_Draft(line, self.region))
            before = self.region
            self.binding(statement)
            if self.region != before:
                drafts.append(_Draft(self._comments_above(lines, begin, drafts[-1].first), self.region))
            drafts[-1].statements.append(statement)
            versions = self.versions.read(statement)
            if versions and self.region == Region(5):
                drafts[-1].versions.extend(versions)
                if position < binds_target[-1] and len(drafts) < MAX_CUTS:
                    drafts.append(_Draft(end, self.region))
            start = end
        for number, line in self._comments(lines, start, len(lines)):
            self._comment(number, lines[line])
        self._cut(cell, lines, drafts)

    def _comment(self, number: int, line: str) -> None:
        """A comment line announcing Question `number` (`# Question 3`, `# Q3 - corrected`)."""
        match = _QUESTION_COMMENT.match(line)
        title = line.strip().lstrip("#").strip()
        if match and _names_correction(line[match.end() :]) and self.revisited(number, None, title):
            return
        self.enter(number, None, again=False)

    @staticmethod
    def _comments(lines: list[str], start: int, end: int) -> list[tuple[int, int]]:
        """(question number, line) of each comment line announcing a question in lines [start, end)."""
        found = []
        for index in range(start, end):
            match = _QUESTION_COMMENT.match(lines[index])
            if match and int(match.group(1)) <= len(QUESTIONS):  # "# problem 12 of the book" is no section
                found.append((int(match.group(1)), index))
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
        self.q5.extend(Capture("q5", index, version.value) for version in draft.versions)


@dataclass
class _Draft:
    """A piece of a code cell while it is being cut: its first line and what it holds."""

    first: int
    region: Region
    statements: list[ast.stmt] = field(default_factory=list)
    versions: list[Version] = field(default_factory=list)


def _checkpoints(pieces: list[Piece]) -> dict[str, int]:
    """For each question, the last step of its region or of an earlier one (-1: none)."""
    ends = {}
    for number, name in enumerate(QUESTIONS, start=1):
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
        ends[name] = ours[-1] if ours else -1
    return ends


def _names_correction(after_number: str) -> bool:
    """Whether what follows a question's number names the section a correction or the answer:
    one of its first two words ("(revisited)", "- corrected", ", fixed", "answer (corrected)")."""
    return any(
        _CORRECTION.fullmatch(word) for word in re.findall(r"[A-Za-z]+(?:-[A-Za-z]+)?", after_number)[:2]
    )


def _split_steps(pieces: list[Piece]) -> list[int]:
    """The steps of Question 2's answer that use the keys it split from a key (`subkeys`, or names
    of the student's own) without deleting them, the last `MAX_SPLITS`: where its value is read
    when the end of the answer no longer has the split (`del subkeys`, a split of another key)."""
    answer = [p for p in pieces if p.region.question == 2 and p.region.graded]
    names = split_names([s for p in answer for s in p.statements])
    found = []
    for piece in answer:
        used, deleted = uses(list(piece.statements), names)
        if used and not deleted:
            found.append(piece.step.index)
    return found[-MAX_SPLITS:]


def read_layout(cells: list[Cell] | tuple[Cell, ...]) -> Layout:
    """The notebook's layout: one pass over its cells."""
    reader = _Reader()
    for cell in cells:
        reader.cell = cell.index
        if cell.kind == "markdown":
            reader.markdown(cell.source)
        elif cell.kind == "code":
            reader.code(cell)
    ends = _checkpoints(reader.pieces)
    captures = [Capture(question, ends[question]) for question in QUESTIONS if question != "q5"]
    captures += [Capture("q2", step, SPLIT) for step in _split_steps(reader.pieces) if step < ends["q2"]]
    captures += list(dict.fromkeys(reader.q5))
    captures.sort(key=lambda c: (c.after, QUESTIONS.index(c.question)))
    return Layout(tuple(cells), tuple(reader.pieces), tuple(captures), ends, _graded_revisits(reader))


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
