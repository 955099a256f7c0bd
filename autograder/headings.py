"""What a heading, a bold line or a comment line in code says about where a notebook stands.

A question is announced as `Question N`, `Q N` or `Problem N` (a markdown heading, a bold line,
or a comment line in code such as `# Question 2` or `## Q2`). A section that names itself the
answer, or a correction, to a question answered earlier ("Question 3 (revisited)", "Q3 -
corrected", "Corrected Question 3", "Answer to Q3") replaces that answer. A section named as no
question (Pledge, Scratch, Appendix, ...) ends the region it is in; one named as a part of an
answer ("Part a", "Explanation", ...) does not. What the reader does with each is
`autograder.regions`' job.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

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
class Heading:
    """A heading's `title` and `level` (None: a bold line or a comment in code), the question it
    announces, the question it names itself a correction of, and whether it names a section that
    is no question (Pledge, ...) or a part of an answer (Part a, ...)."""

    title: str
    level: int | None = None
    question: int | None = None
    corrects: int | None = None
    not_a_question: bool = False
    part_of_answer: bool = False


def _names_correction(after_number: str) -> bool:
    """Whether what follows a question's number names the section a correction or the answer:
    one of its first two words ("(revisited)", "- corrected", ", fixed", "answer (corrected)")."""
    return any(
        _CORRECTION.fullmatch(word) for word in re.findall(r"[A-Za-z]+(?:-[A-Za-z]+)?", after_number)[:2]
    )


def read_heading(text: str, level: int | None = None) -> Heading:
    """What the heading (or bold line) `text` says."""
    match = _QUESTION.match(text)
    first = _CORRECTION_FIRST.match(text)
    question = int(match.group(1)) if match else None
    if first:  # "Corrected Question 3", "Answer to Q3"
        corrects: int | None = int(first.group(1))
    elif match and _names_correction(text[match.end() :]):  # "Question 3 (revisited)"
        corrects = question
    else:
        corrects = None
    return Heading(
        text.strip(),
        level,
        question,
        corrects,
        bool(_NOT_A_QUESTION.search(text)),
        bool(_PART_OF_ANSWER.search(text)),
    )


def markdown_headings(source: str) -> list[Heading]:
    """The headings and bold lines of a markdown cell, in order (none inside fenced code)."""
    found = []
    fenced = False
    for line in source.splitlines():
        if line.lstrip().startswith(("```", "~~~")):
            fenced = not fenced
        if fenced:
            continue
        heading = _MARKDOWN_HEADING.match(line)
        if heading:
            found.append(read_heading(heading.group(2), len(heading.group(1))))
            continue
        bold = _BOLD_LINE.match(line)
        if bold:
            found.append(read_heading(bold.group(2)))
        elif _QUESTION.match(line) is not None and line.lstrip().startswith(("**", "__")):
            found.append(read_heading(line.strip().strip("*_ ")))  # "**Question 1:** Create ..."
    return found


def question_comment(line: str) -> Heading | None:
    """The question a comment line in code announces (`# Question 3`, `# Q3 - corrected`), if any."""
    match = _QUESTION_COMMENT.match(line)
    if match is None:
        return None
    number = int(match.group(1))
    corrects = number if _names_correction(line[match.end() :]) else None
    return Heading(line.strip().lstrip("#").strip(), None, number, corrects)
