"""Forged reports: code that rewrites what the kernel says about itself below the probe (in
`json`, in the comm layer, from an IPython callback), on the probe's own pipe, or in what it
times. Each earns nothing it did not earn honestly, and is flagged; the batch runs beside
three busy processes, and the honest notebooks in it keep their grades with no flag."""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys

import pytest

from assignments.project1.rubric import RUBRIC
from autograder.outside import contradicted_timing
from autograder.probe_protocol import Finding, frame
from autograder.report_channel import ReportChannel, Unreadable
from autograder.results import CheckResult, QuestionResult
from autograder.trust import withhold
from tests.expect import items, lost, scores, total
from tests.submissions import notebook, replace, solution

SOLUTION = solution(loops=50)
# No `jax.jit` anywhere: the model's values are right, but an uncompiled model is the assignment's
# own code (none of Question 4's points), and nothing of Question 5 is compiled.
NO_JIT = replace(
    replace(replace(SOLUTION, "@jax.jit\n", ""), "fast_my_function = jax.jit(my_function, static_argnums=(1,))",
            "fast_my_function = my_function"),
    "fast_my_function = jax.jit(my_function)", "fast_my_function = my_function",
)
NO_JIT_LOSES = ("q4", "q5")

# What every forgery below claims: Question 4 compiled and 10x faster, Question 5's cache sizes
# right, the last inspection clean, and (when asked for Question 1) the right arrays.
FORGE = """import json
import numpy as _np
def _array(values, dtype='int32'):
    values = _np.asarray(values)
    return {'kind': 'array', 'jax': True, 'shape': list(values.shape), 'dtype': dtype,
            'data': [float(v) for v in values.ravel()]}
_Q1 = {'first': _array(_np.arange(1, 7).reshape(2, 3)), 'second': _array(_np.full((3, 2), 2)),
       'third': _array([[12, 12], [30, 30]]), 'fourth': _array([[2, 2], [2, 2], [2, 2], [3, 4]]),
       'fifth': _array([[2, 2, 1], [2, 2, 1], [2, 2, 1], [3, 4, 1]]),
       'my_array': _array([[2, 2, 2], [2, 7, 3]])}
def _forge(observed):
    if not isinstance(observed, dict):
        return observed
    if 'compiled' in observed:
        observed['compiled'] = 'jit'
        observed['timing'] = {'kind': 'timing', 'reference': [1.0] * 3, 'submission': [0.1] * 3}
    if 'cache_sizes' in observed:
        observed['cache_sizes'] = [0, 1, 1, 2]
    if 'findings' in observed:
        observed['findings'] = []
    if 'first' in observed:
        observed.update(_Q1)
    return observed
"""
JSON_ENCODER = FORGE + """_encode = json._default_encoder.encode
json._default_encoder.encode = lambda o: _encode(_forge(o))
"""
COMM_SEND = FORGE + """import comm.base_comm as cb
_C = cb.BaseComm
_send = _C.send
def _forged_send(self, data=None, metadata=None, buffers=None):
    if isinstance(data, dict) and 'observation' in data:
        data = {'observation': json.dumps(_forge(json.loads(data['observation'])))}
    return _send(self, data, metadata, buffers)
_C.send = _forged_send
"""
EVENT_CALLBACK = COMM_SEND.replace("_C.send = _forged_send\n", """def _patch(*args):
    _C.send = _forged_send
events = getattr(get_ipython(), 'events')
events.register('post_run_cell', _patch)
""")
# Every array of Question 1 wrong, the display items' values printed as text, and the report
# forged to hold the right arrays.
WRONG_Q1 = [
    ("markdown", "## Question 1"),
    ("code", "import jax\nimport jax.numpy as jnp"),
    ("code", JSON_ENCODER),
    ("code", "first = second = third = fourth = fifth = my_array = jnp.zeros((1,))\n"
             "print('(2, 2)')\nprint('[[24 24]\\n [60 60]]')\nprint('[[ 12  24]\\n [ 90 120]]')"),
]
PRINTED_DISPLAY = [*WRONG_Q1, *SOLUTION[SOLUTION.index(("markdown", "## Question 2")):]]
# A frame written on every pipe the kernel holds: one of them is the probe's report channel.
ON_EVERY_PIPE = """import os
for fd in range(3, 256):
    try:
        if os.readlink(f'/proc/self/fd/{fd}').startswith('pipe:'):
            os.write(fd, b'AGP1 ' + b'0' * 32 + b' 2\\n{}')
    except OSError:
        pass
"""
# Sleeps slipped into the reference's calls of `jax.block_until_ready` in the probe's timing
# loop (100 calls of the model to warm up, 100 of the reference, then 100 of each in turn,
# the reference first), so that the model looks faster: the report claims seconds of calls
# during which the kernel slept.
SLEEPS_IN_TIMING = """import time
_ready, _calls = jax.block_until_ready, [0]
def _slow_reference(value):
    group = _calls[0] // 100
    _calls[0] += 1
    if group == 1 or (group >= 2 and group % 2 == 0):
        time.sleep(0.02)
    return _ready(value)
jax.block_until_ready = _slow_reference
"""


# The last cell closes the write end of every pipe it holds, the probe's among them, so that
# the look at the kernel after the run gets no report.
CLOSES_EVERY_PIPE = """import os
for fd in range(3, 256):
    try:
        flags = int(open(f'/proc/self/fdinfo/{fd}').read().split('flags:')[1].split()[0], 8)
        if os.readlink(f'/proc/self/fd/{fd}').startswith('pipe:') and flags & 3 == os.O_WRONLY:
            os.close(fd)
    except (OSError, IndexError, ValueError):
        pass
"""


def after_heading(heading, source, cells):
    position = cells.index(("markdown", heading)) + 1
    return [*cells[:position], ("code", source), *cells[position:]]


def early(source, cells=NO_JIT):
    """`source` as the cell after the imports of Question 1."""
    return [*cells[:2], ("code", source), *cells[2:]]


CASES = {
    # name: (cells, the items it loses (a question's name: all its items), a flag it must have, or None)
    "honest-without-jit": (NO_JIT, NO_JIT_LOSES, None),
    "honest-solution": (SOLUTION, (), None),
    # Question 1's display item is withheld (a kernel flag); nothing forged is earned.
    "json-default-encoder-replaced": (early(JSON_ENCODER), ("displayed", "q4", "q5"),
                                      "kernel: replaces (json._default_encoder.encode)"),
    "comm-send-patched-through-an-alias": (early(COMM_SEND), ("displayed", "q4", "q5"),
                                           "kernel: replaces (comm.base_comm.BaseComm.send)"),
    "post-run-cell-callback-through-getattr": (early(EVENT_CALLBACK), ("displayed", "q4", "q5"),
                                               "kernel: registers an IPython event callback (post_run_cell"),
    "forged-q1-report-with-printed-display-values": (PRINTED_DISPLAY, ("q1",),
                                                     "kernel: replaces (json._default_encoder.encode)"),
    # Every report came through a channel that carried a forged frame: nothing is earned.
    "frame-written-on-every-pipe": (early(ON_EVERY_PIPE, SOLUTION), RUBRIC.names,
                                    "kernel: the probe's report channel was tampered with"),
    # Question 4's report claims seconds of timed calls the kernel never ran: Question 4 is withheld.
    "sleeps-in-the-timed-calls": (after_heading("## Question 4", SLEEPS_IN_TIMING, SOLUTION),
                                  ("displayed", "q4"),
                                  "kernel: a report contradicted by what the grader saw from outside"),
    # The inspection gives no report: a flag, and Question 1's display is withheld.
    "closes-every-pipe-before-the-inspection": ([*SOLUTION, ("code", CLOSES_EVERY_PIPE)],
                                                ("displayed",),
                                                "kernel: the grader's look at the kernel after the run failed"),
}
BUSY = "while True:\n    pass"


@pytest.fixture(scope="module")
def batch(tmp_path_factory):
    folder = tmp_path_factory.mktemp("forgery")
    for name, (cells, _, _) in CASES.items():
        (folder / f"{name}.ipynb").write_text(json.dumps(notebook(cells)))
    out = tmp_path_factory.mktemp("out")
    # Three CPU-bound processes for the whole batch: load must never look like a forgery.
    load = [subprocess.Popen([sys.executable, "-c", BUSY]) for _ in range(3)]
    try:
        done = subprocess.run(
            [sys.executable, "-m", "autograder", "grade", str(folder), "--out", str(out), "--jobs", "2"],
            capture_output=True, text=True, timeout=1500,
        )
    finally:
        for process in load:
            process.kill()
            process.wait()
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    with open(out / "grades.csv", newline="") as f:
        rows = {row["submission"]: row for row in csv.DictReader(f)}
    return out, rows


@pytest.mark.slow
@pytest.mark.parametrize("name", CASES)
def test_a_forgery_earns_nothing_unearned(batch, name):
    out, rows = batch
    expected = lost(*CASES[name][1])
    assert [float(rows[name][c]) for c in (*RUBRIC.names, "total")] == [*scores(expected), total(expected)]
    grading = json.loads((out / name / "grading.json").read_text())
    assert {c["name"] for q in grading["questions"] for c in q["checks"] if not c["passed"]} == items(*CASES[name][1])


@pytest.mark.slow
@pytest.mark.parametrize("name", CASES)
def test_a_forgery_is_flagged_and_honest_work_is_not(batch, name):
    out, _ = batch
    flags = json.loads((out / name / "grading.json").read_text())["flags"]
    expected = CASES[name][2]
    if expected is None:
        assert flags == []
    else:
        assert any(expected in flag for flag in flags), flags


@pytest.mark.slow
def test_a_withheld_item_tells_the_student_why(batch):
    out, _ = batch
    grading = json.loads((out / "json-default-encoder-replaced" / "grading.json").read_text())
    [displayed] = [c for q in grading["questions"] for c in q["checks"] if c["name"] == "displayed"]
    assert not displayed["passed"] and "A TA will review it" in displayed["message"]


# -- the rules, without a kernel ---------------------------------------------------------------


def full_marks() -> list[QuestionResult]:
    return [
        QuestionResult(q.name, tuple(CheckResult(i.name, True, i.points, "correct.") for i in q.items))
        for q in RUBRIC.questions
    ]


@pytest.mark.parametrize(
    ("findings", "withheld"),
    [
        ((), ()),
        ((Finding("ipython_event", "post_run_cell: f"),), ("displayed",)),
        ((Finding("probe_failed", "no report"),), ("displayed",)),
        ((Finding("contradicted", "timing", "q4"),), ("displayed", "q4")),
        ((Finding("channel", "a report no request asked for"),), RUBRIC.names),
    ],
)
def test_findings_withhold_what_they_put_in_doubt(findings, withheld):
    results = withhold(full_marks(), findings, RUBRIC)
    assert tuple(q.score for q in results) == scores(lost(*withheld))
    assert {c.name for q in results for c in q.checks if not c.passed} == items(*withheld)


def timing(reference: float, submission: float) -> dict:
    return {"timing": {"kind": "timing", "reference": [reference] * 3, "submission": [submission] * 3}}


@pytest.mark.parametrize(
    ("observed", "before", "after", "contradicted"),
    [
        (timing(1.0, 0.1), (10.0, True), (10.1, True), True),  # 3.3 s claimed, 0.1 s busy
        (timing(1.0, 0.1), (10.0, True), (13.5, True), False),
        (timing(1.0, 0.1), (10.0, False), (10.2, False), False),  # CPU time alone: loose
        (timing(1.0, 0.1), (10.0, False), (10.05, False), True),
        (timing(1.0, 0.1), None, (10.0, True), False),  # not seen from outside: no verdict
        ({"timing": None}, (10.0, True), (10.0, True), False),
    ],
)
def test_a_timing_is_contradicted_only_far_beyond_what_the_kernel_was_busy_for(
    observed, before, after, contradicted
):
    assert (contradicted_timing("q4", observed, before, after) is not None) == contradicted


def channel_with(*writes: bytes) -> ReportChannel:
    """A report channel whose kernel end has written `writes` (no kernel: written here)."""
    channel = ReportChannel()
    assert channel.write_end is not None
    for data in writes:
        os.write(channel.write_end, data)
    return channel


ASKED, OTHER = "a" * 32, "b" * 32


def test_the_channel_gives_the_report_of_the_request_in_flight():
    channel = channel_with(frame(ASKED, "{}"))
    assert channel.receive(ASKED, 1) == "{}" and channel.findings == []
    channel.close()


@pytest.mark.parametrize(
    ("writes", "finding"),
    [
        ((frame(OTHER, "{}"), frame(ASKED, "{}")), "a report no request asked for"),
        ((frame(ASKED, "{}"), frame(ASKED, '{"forged": 1}')), "a second report for one request"),
        ((b"print('hello')\n", frame(ASKED, "{}")), "the report pipe held bytes that are no report"),
    ],
)
def test_anything_but_one_report_per_request_is_a_finding(writes, finding):
    channel = channel_with(*writes)
    channel.receive(ASKED, 1)
    channel.drain()
    assert channel.findings == [finding]
    channel.close()


def test_a_late_report_of_a_request_given_up_on_is_no_finding():
    channel = channel_with(frame(OTHER, "{}"))
    channel.abandon(OTHER)
    channel.drain()
    assert channel.findings == []
    channel.close()


def test_a_closed_kernel_end_gives_no_report():
    channel = channel_with()
    channel.launched(None)  # the grader's copy of the write end goes, as after a launch
    assert isinstance(channel.receive(ASKED, 1), Unreadable)
    channel.close()
