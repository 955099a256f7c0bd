"""The class at a glance: `OUT/report.html` with its plots in `OUT/report/`, and the short
summary `grade` prints at the end.

The HTML is one self-contained page that opens from disk (no server, no script, no network);
its images are referenced relatively so that the folder can be zipped and mailed as it is.
"""

from __future__ import annotations

import html
import re
import statistics
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from autograder.assignment import Assignment
from autograder.grade import plots
from autograder.grade.output import format_points, grader_error, write_text
from autograder.grade.previous import Change
from autograder.grade.roster import Roster, build_roster
from autograder.grade.sources import Submission
from autograder.results import SubmissionResult
from autograder.rubric import Rubric

MOST_FAILED = 10


@dataclass(frozen=True)
class Failure:
    question: str
    check: str
    description: str
    failed: int
    graded: int


def failures(results: list[SubmissionResult], rubric: Rubric) -> list[Failure]:
    """Checks by how many submissions failed them, most failed first."""
    failed: Counter[tuple[str, str]] = Counter()
    graded: Counter[tuple[str, str]] = Counter()
    for result in results:
        for question in result.questions:
            for check in question.checks:
                if not check.graded:  # the notebook stopped before it, or the check crashed
                    continue
                graded[question.name, check.name] += 1
                failed[question.name, check.name] += not check.passed
    ranked = sorted((key for key in failed if failed[key]), key=lambda k: (-failed[k], k))
    return [Failure(q, c, _description(rubric, q, c), failed[q, c], graded[q, c]) for q, c in ranked]


def _description(rubric: Rubric, question: str, check: str) -> str:
    try:
        return rubric.item(question, check).description
    except StopIteration:  # an item of an earlier rubric, in a grade kept from before
        return check


def _mean(values: list[float]) -> float:
    return statistics.fmean(values) if values else 0.0


def not_ok(results: list[SubmissionResult]) -> list[SubmissionResult]:
    return [r for r in results if not r.status.ok]


def summary(
    results: list[SubmissionResult],
    rubric: Rubric,
    *,
    listed: int = 20,
    changes: list[Change] | None = None,
    roster: Roster | None = None,
) -> str:
    """A few lines for the terminal: the mean, each question's mean, what changed since
    Gradescope (with --previous), students in several submissions, what did not run."""
    scores = [r.score for r in results]
    total = rubric.total
    lines = [
        f"{_count(len(results), 'submission')}: mean {_mean(scores):.1f} / {total:g}, median {statistics.median(scores):g}",
        "per question: "
        + ", ".join(
            f"{q} {_mean([r.question(q).score for r in results]):.1f}/{rubric.points(q):g}"
            for q in rubric.names
        ),
    ]
    if changes is not None:
        lines.append(changed_line(changes))
    if roster is not None and roster.several:
        lines.append(roster.warning())
    flagged = [r for r in results if r.flags]
    if flagged:
        lines.append(
            f"code to read ({len(flagged)}, see the flags column): "
            + ", ".join(r.submission for r in flagged[:listed])
            + (" ..." if len(flagged) > listed else "")
        )
    stopped = not_ok(results)
    if not stopped:
        return "\n".join([*lines, "status: every notebook ran to the end (ok)"])
    lines.append(f"status not ok ({len(stopped)}):")
    lines += [f"  {r.submission}: {r.status}" for r in stopped[:listed]]
    if len(stopped) > listed:
        lines.append(f"  ... and {len(stopped) - listed} more (see report.html)")
    return "\n".join(lines)


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}" + ("" if number == 1 else "s")


def changed_line(changes: list[Change]) -> str:
    students = sum(max(1, len(c.names)) for c in changes)
    unknown = sum(max(1, len(c.names)) for c in changes if c.previous is None)
    return (
        f"changed since Gradescope: {_count(students - unknown, 'student')}"
        + (f", {unknown} with no previous score" if unknown else "")
        + " (see changes.csv)"
    )


# -- HTML ------------------------------------------------------------------------------------

STYLE = """
body { font: 15px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color: #222;
       max-width: 1000px; margin: 2em auto; padding: 0 1em; }
h1 { font-size: 1.6em; margin-bottom: 0.2em; }
h2 { font-size: 1.2em; margin-top: 2em; border-bottom: 1px solid #ddd; padding-bottom: 0.2em; }
.meta { color: #555; margin-top: 0; }
img { max-width: 100%; height: auto; display: block; margin: 0.8em 0; }
table { border-collapse: collapse; margin: 0.8em 0; }
th, td { text-align: left; padding: 0.3em 0.9em 0.3em 0; border-bottom: 1px solid #eee; vertical-align: top; }
th { border-bottom: 2px solid #ccc; }
td.n, th.n { text-align: right; }
code { background: #f3f3f3; padding: 0 0.2em; border-radius: 3px; }
"""


def _text(value: object) -> str:
    """Escaped, with the checks' `code` spans shown as code."""
    return re.sub(r"`([^`]+)`", r"<code>\1</code>", html.escape(str(value)))


def _table(
    header: list[str], rows: Sequence[Sequence[object]], numeric: frozenset[int] | set[int] = frozenset()
) -> str:
    def cell(tag: str, i: int, value: object) -> str:
        return f"<{tag}{' class=n' if i in numeric else ''}>{_text(value)}</{tag}>"

    head = "".join(cell("th", i, h) for i, h in enumerate(header))
    body = "".join("<tr>" + "".join(cell("td", i, v) for i, v in enumerate(row)) + "</tr>" for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def write_report(
    graded: list[tuple[Submission, SubmissionResult]],
    out: Path,
    assignment: Assignment,
    *,
    changes: list[Change] | None = None,
    failed: list[str] | tuple[str, ...] = (),
    roster: Roster | None = None,
) -> Path:
    """`out/report.html` and its plots in `out/report/`; returns the HTML's path. `changes`:
    the scores a regrade changed (--previous); `failed`: submissions whose feedback.md could
    not be written; `roster`: each student's one score (built from `graded` when not given)."""
    roster = roster if roster is not None else build_roster(graded)
    results = [result for _, result in graded]
    folder = out / "report"
    folder.mkdir(parents=True, exist_ok=True)
    rubric, title = assignment.rubric, assignment.title
    total = rubric.total
    by_question = {q: [r.question(q).score for r in results] for q in rubric.names}
    plots.score_histograms(by_question, [r.score for r in results], rubric, folder / "scores.png")
    ranked = failures(results, rubric)[:MOST_FAILED]
    plots.failed_checks([(_label(f), f.failed, f.graded) for f in ranked], folder / "failed_checks.png")
    students = len(roster.scores)
    scores = [r.score for r in results]

    questions = [
        [
            q,
            format_points(rubric.points(q)),
            f"{_mean(v):.2f}",
            format_points(statistics.median(v)),
            sum(x == rubric.points(q) for x in v),
        ]
        for q, v in by_question.items()
    ]
    questions.append(
        [
            "total",
            format_points(total),
            f"{_mean(scores):.2f}",
            format_points(statistics.median(scores)),
            sum(x == total for x in scores),
        ]
    )
    parts = [
        f"<h1>{html.escape(title)}: grading report</h1>",
        f'<p class="meta">{_count(len(results), "submission")}'
        + (f" from {_count(students, 'student')}" if students else "")
        + f', written {datetime.now():%Y-%m-%d %H:%M}. Gradebook: <a href="grades.csv">grades.csv</a>; '
        "each student's feedback is in <code>&lt;submission&gt;/feedback.md</code>.</p>",
        "<h2>Scores</h2>",
        '<img src="report/scores.png" alt="Histograms of the total score and of each question\'s score">',
        _table(["question", "points", "mean", "median", "full marks"], questions, numeric={1, 2, 3, 4}),
        "<h2>Most failed checks</h2>",
        "<p>Among the submissions whose notebook got as far as the check.</p>",
        '<img src="report/failed_checks.png" alt="The checks failed most often">',
        _table(
            ["question", "check", "failed", "of graded"],
            [[f.question, f.description, f.failed, f.graded] for f in ranked],
            numeric={2, 3},
        )
        if ranked
        else "<p>No check failed.</p>",
        "<h2>Notebooks that did not run to the end</h2>",
    ]
    stopped = [(s, r) for s, r in graded if not r.status.ok]
    named = any(s.students for s, _ in stopped)  # no students column for plain notebooks
    parts.append(
        _table(
            ["submission", *(["students"] if named else []), "status", "score", "grader's error"],
            [
                [
                    r.submission,
                    *(["; ".join(x.name for x in s.students)] if named else []),
                    str(r.status),
                    format_points(r.score),
                    grader_error(out / s.name),
                ]
                for s, r in stopped
            ],
            numeric={3 if named else 2},
        )
        if stopped
        else "<p>None: every notebook ran to the end.</p>"
    )
    if failed:
        parts.append("<h2>Feedback not written</h2>")
        parts.append(
            "<p>These submissions' <code>feedback.md</code> could not be written (the cause is "
            "in the terminal's log); their grades above stand.</p>"
            + _table(["submission"], [[name] for name in failed])
        )
    if changes is not None:
        parts += _changes_section(changes)
    parts += _several_section(roster)
    parts += _crashed_section(results)
    flagged = [r for r in results if r.flags]
    parts.append("<h2>Code to read</h2>")
    parts.append(
        "<p>Code that could forge what the kernel reported (patching modules, hooking the output or the "
        "interpreter, reaching for the grader). Points are as graded; read the cells named here.</p>"
        + _table(["submission", "cells"], [[r.submission, "; ".join(r.flags)] for r in flagged])
        if flagged
        else "<p>None flagged.</p>"
    )
    chosen = [(s, r) for s, r in graded if s.note and s.notebook is not None]
    if chosen:  # so that a TA can check the choice among a student's several notebooks
        parts.append("<h2>Submissions with several notebooks</h2>")
        parts.append(
            _table(
                ["submission", "students", "which was graded"],
                [[s.name, "; ".join(x.name for x in s.students), s.note] for s, _ in chosen],
            )
        )
    page = (
        f'<!doctype html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>{html.escape(title)}: grading report</title><style>{STYLE}</style></head>\n<body>\n"
        + "\n".join(parts)
        + "\n</body></html>\n"
    )
    path = out / "report.html"
    write_text(path, page)
    return path


def crashed_checks(results: list[SubmissionResult]) -> list[tuple[str, str, str]]:
    """(submission, item, traceback) for each check that crashed: not graded, with a detail
    (an item the notebook never reached has none)."""
    return [
        (r.submission, f"{q.name} {c.name}", c.detail)
        for r in results
        for q in r.questions
        for c in q.checks
        if not c.graded and c.detail
    ]


def _crashed_section(results: list[SubmissionResult]) -> list[str]:
    crashed = crashed_checks(results)
    if not crashed:
        return []
    rows = [
        [submission, item, "\n".join(detail.strip().splitlines()[-3:])]
        for submission, item, detail in crashed
    ]
    return [
        "<h2>Checks the grader could not run</h2>",
        "<p>A check crashed: its item earned no points and the student was told only that the grader "
        "could not check it. The end of each traceback (in full in the submission's grading.json):</p>",
        _table(["submission", "item", "traceback"], rows),
    ]


def _several_section(roster: Roster) -> list[str]:
    several = roster.several
    if not several:
        return []
    return [
        "<h2>Students in several submissions</h2>",
        "<p>Each counts once, with the score of the most recent submission they are in (by the time "
        "Gradescope recorded); the other submissions' scores are in grades.csv only.</p>",
        _table(
            ["student", "counted from", "score", "not counted"],
            [[s.label, s.submission, format_points(s.score), ", ".join(s.elsewhere)] for s in several],
            numeric={2},
        ),
    ]


def _changes_section(changes: list[Change]) -> list[str]:
    header = ["students", "SIDs", "submission", "previous", "new", "difference"]
    rows = [[row[0], row[1], *row[3:]] for row in (c.row() for c in changes)]
    return [
        "<h2>Changed since Gradescope</h2>",
        (
            f"<p>{_text(changed_line(changes))}. Largest change first; students whose score is the same "
            "are not listed, those with no previous score (no submission on Gradescope, or not in the "
            "file) come last.</p>"
        ),
        _table(header, rows, numeric={3, 4, 5}) if rows else "<p>No score changed.</p>",
    ]


def _label(failure: Failure) -> str:
    """Two lines for the plot's axis: which check, then what it checks (shortened; the table
    below the plot has it in full)."""
    text = failure.description.replace("`", "")
    return f"{failure.question} {failure.check}\n{text if len(text) <= 55 else text[:52] + '...'}"
