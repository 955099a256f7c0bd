"""The recorded kernel runs (`tests/replay.py`): an `Execution` survives its JSON whole, a replay
asked for anything other than what was recorded fails, and the recordings cover their corpora."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from autograder import pipeline
from autograder.execute import Execution
from autograder.notebook import Capture, Step
from autograder.probe_protocol import Finding
from autograder.status import Kind, Status
from tests import replay
from tests.submissions import solution, write

EVERYTHING = Execution(
    outputs={0: "Array([[1, 2]])", 7: "CPU times: user 3 ms"},
    observations={
        Capture("q1", 4): {"first": {"kind": "array", "values": [[1.0, float("nan")]]}},
        Capture("q5", 30, "loop"): {"probe_error": {"type": "Timeout", "message": "ran past 45 s"}},
    },
    completed=31,
    stopped=Status(Kind.KERNEL_DIED, 32, None, "out of memory"),
    cut_short=[Status(Kind.CELL_TIMEOUT, 9, 45.0), Status(Kind.OUTPUT_TOO_LARGE, 12)],
    limit_hit=True,
    findings=(Finding("trace", "sys.settrace"), Finding("contradicted", "q4 timings", "q4")),
    errors={3: "NameError: name 'jnp' is not defined"},
)


def test_an_execution_survives_its_json_whole() -> None:
    encoded = json.loads(json.dumps(replay.encode(EVERYTHING, "asked")))
    decoded = replay.decode(encoded)
    assert repr(decoded) == repr(EVERYTHING)  # repr: NaN != NaN, but reads the same
    assert [type(key) for key in decoded.outputs] == [int, int]


def test_every_field_of_an_execution_is_recorded() -> None:
    recorded = replay.encode(Execution(), "asked").keys() - {"asked"}
    assert recorded == set(Execution.__dataclass_fields__)


def test_a_replay_asked_for_other_steps_fails_and_names_the_command(tmp_path: Path) -> None:
    path = write(tmp_path / "solution.ipynb", solution(loops=50))
    steps = [Step(0, 0, "x = 1")]
    runs = [replay.encode(Execution(), replay.fingerprint(steps, [], {}, {"cell_timeout": 45.0}))]
    stale = pytest.raises(replay.StaleRecording, match=r"python -m tests\.replay corpus")
    with stale, replay.replaying(runs, "corpus", "solution"):
        replay.grade(path)


def test_a_recorded_run_never_asked_for_fails() -> None:
    runs = [replay.encode(Execution(), "asked")]
    with pytest.raises(replay.StaleRecording, match="not asked for"), replay.replaying(runs, "corpus", "solution"):
        pass


def test_a_replay_substitutes_the_kernel_and_nothing_else(tmp_path: Path) -> None:
    """The pipeline's own seam is what a replay answers: with it restored, a kernel runs again."""
    real = pipeline.run_in_kernel
    with replay.replaying([], "corpus", "solution"):
        assert pipeline.run_in_kernel is not real
    assert pipeline.run_in_kernel is real


@pytest.mark.parametrize("corpus", replay.CORPORA)
def test_each_recording_holds_every_case_of_its_corpus(corpus: str, tmp_path: Path) -> None:
    recording = replay.load(corpus)
    assert recording.keys() == replay.notebooks(corpus, tmp_path).keys()
    assert all(runs for runs in recording.values())
