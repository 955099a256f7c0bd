"""The report's PNG plots, drawn with matplotlib's Agg renderer.

Figures are made with `matplotlib.figure.Figure`, not `pyplot`: no display backend is chosen
or needed (grading runs on headless machines) and no global figure state is kept.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from matplotlib.axes import Axes
from matplotlib.axis import Axis
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from autograder.rubric import Rubric

BAR = "#4c72b0"
FAIL = "#c44e52"


def score_histograms(scores: dict[str, list[float]], totals: list[float], rubric: Rubric, path: Path) -> Path:
    """One panel for the total and one per question: how many submissions got each score."""
    figure = Figure(figsize=(10, 5.6), layout="constrained")
    grid = figure.add_gridspec(2, len(rubric.questions))
    possible = rubric.total
    _histogram(figure.add_subplot(grid[0, :]), totals, possible, f"total (out of {possible:g})")
    for i, question in enumerate(rubric.questions):
        _histogram(
            figure.add_subplot(grid[1, i]),
            scores[question.name],
            question.points,
            f"{question.name} (out of {question.points:g})",
        )
    figure.savefig(path, dpi=100)
    return path


def _histogram(axes: Axes, values: list[float], possible: float, title: str) -> None:
    # Scores take few values (whole points): one bar per value reads better than binning.
    counts = Counter(values)
    xs = sorted(set(counts) | set(range(int(possible) + 1)))
    axes.bar(xs, [counts.get(x, 0) for x in xs], width=0.8, color=BAR)
    axes.set_title(title, fontsize=10)
    axes.set_xticks(range(int(possible) + 1) if possible <= 12 else range(0, int(possible) + 1, 2))
    axes.set_xlabel("points", fontsize=8)
    axes.set_ylabel("submissions", fontsize=8)
    _whole_numbers(axes.yaxis)
    axes.tick_params(labelsize=8)
    axes.spines[["top", "right"]].set_visible(False)


def failed_checks(failures: list[tuple[str, int, int]], path: Path) -> Path:
    """Horizontal bars, most failed on top: (label, failed, graded) per check, where `graded`
    counts the submissions whose notebook got as far as that check."""
    height = 1.0 + 0.55 * max(1, len(failures))
    figure = Figure(figsize=(10, height), layout="constrained")
    axes = figure.add_subplot()
    if failures:
        labels, counts, graded = (list(column)[::-1] for column in zip(*failures, strict=True))
        bars = axes.barh(range(len(labels)), counts, color=FAIL, height=0.5)
        axes.set_yticks(range(len(labels)), labels, fontsize=9, linespacing=1.3)
        axes.bar_label(
            bars, [f"{c} of {g}" for c, g in zip(counts, graded, strict=True)], padding=3, fontsize=8
        )
        axes.set_xlim(0, max(counts) * 1.18)
        axes.set_ylim(-0.6, len(labels) - 0.4)  # the same bar thickness for 1 check as for 10
        _whole_numbers(axes.xaxis)
    else:
        axes.text(0.5, 0.5, "no check failed", ha="center", va="center", transform=axes.transAxes)
        axes.set_yticks([])
    axes.set_xlabel("submissions that failed the check", fontsize=9)
    axes.tick_params(axis="x", labelsize=8)
    axes.spines[["top", "right"]].set_visible(False)
    figure.savefig(path, dpi=100)
    return path


def _whole_numbers(axis: Axis) -> None:
    """Ticks only at whole numbers (counts of submissions) on an axis that kept its default
    locator, an `AutoLocator`, itself a `MaxNLocator`."""
    locator = axis.get_major_locator()
    if isinstance(locator, MaxNLocator):
        locator.set_params(integer=True)
