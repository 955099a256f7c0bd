"""Fast grading gives exactly the verdicts of running every cell as written (`--faithful`).

The corpus cases here carry otter's init and check cells and timing loops long enough
(2,000 iterations) to be shortened, so that the fast path really differs from the faithful one.
"""

import pytest

from autograder.grade.batch import grade_many
from tests.test_corpus import CORRECT, Q1_MISTAKES, Q2_MISTAKES, Q4_MISTAKES, Q5_MISTAKES
from tests.submissions import write
from autograder.pipeline import GradingOptions
from tests.project1 import PROJECT1

pytestmark = pytest.mark.slow  # grades notebooks in kernels: the README's quick run leaves it to CI

CASES = [*CORRECT[:3], Q1_MISTAKES[0], Q2_MISTAKES[0], *Q4_MISTAKES[:2], *Q5_MISTAKES[:2]]


def realistic(cells):
    return [(kind, source.replace("range(50)", "range(2000)")) for kind, source in cells]


def verdicts(result):
    return str(result.status), [(c.name, c.passed, c.points) for q in result.questions for c in q.checks]


@pytest.fixture(scope="module")
def both_ways(tmp_path_factory):
    root = tmp_path_factory.mktemp("faithful")
    paths = [write(root / f"{case.name}.ipynb", realistic(case.cells), otter=True) for case in CASES]
    assert all("range(2000)" in p.read_text() for p in paths)
    fast = grade_many(paths, root / "fast", PROJECT1, jobs=2, progress=lambda _: None)
    faithful = grade_many(
        paths, root / "faithful", PROJECT1, options=GradingOptions(faithful=True), jobs=2, progress=lambda _: None
    )
    return dict(zip((c.name for c in CASES), zip(fast, faithful)))


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_fast_and_faithful_agree(both_ways, case):
    fast, faithful = both_ways[case.name]
    assert verdicts(fast) == verdicts(faithful)
    assert tuple(fast.question(q).score for q in ("q1", "q2", "q3", "q4", "q5")) == case.expected
