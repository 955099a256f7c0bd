"""Recorded kernel runs of the test corpora, graded again without a kernel.

`autograder.pipeline.run_in_kernel` is where a kernel's `Execution` enters grading. Recording
grades each notebook of a corpus in a real kernel (the batch's settings, a fixed `SEED` for the
probe inputs) and keeps every `Execution` it returned, as plain JSON under tests/recordings/.
Replaying grades the same notebook with the same seed through the whole pipeline (layout, fast
path, checks, trust, results), with `run_in_kernel` answering from the recording: only the
kernel is left out. Each recorded run keeps a fingerprint of what the pipeline asked to run
(steps, probes, probe inputs, cell limit); a replay asked for anything else fails, naming the
command that records the corpus again:

    python -m tests.replay [CORPUS ...]           # record (default: every corpus), after a check
                                                  # that grading the recording gives the kernel's grades
    python -m tests.replay --check [CORPUS ...]   # record afresh, write nothing: exit 1 when a grade
                                                  # from the fresh runs differs from the committed one
"""

from __future__ import annotations

import argparse
import hashlib
import importlib
import json
import sys
import tempfile
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from unittest import mock

from autograder import pipeline
from autograder.execute import Execution
from autograder.notebook import Capture, Step
from autograder.probe_protocol import Finding
from autograder.results import SubmissionResult
from autograder.status import Kind, Status
from tests.project1 import PROJECT1

RECORDINGS = Path(__file__).parent / "recordings"
SEED = 23  # the probe inputs' seed, when recording and when replaying
# Each corpus is a test module with `notebooks(root) -> {case name: notebook written under root}`.
CORPORA = {
    "corpus": "tests.test_corpus",
    "layouts": "tests.test_corpus_layouts",
    "realistic": "tests.test_realistic",
}
COMMAND = "python -m tests.replay"


class StaleRecording(AssertionError):
    """The pipeline asked to run something other than what was recorded."""


def grade(path: Path) -> SubmissionResult:
    """As the batch's worker grades a notebook (its fast path and limits), with `SEED`."""
    return pipeline.grade_notebook(path, PROJECT1, seed=SEED, fast_cell_timeout=pipeline.FAST_CELL_TIMEOUT)


def fingerprint(
    steps: list[Step], captures: list[Capture], plans: dict[str, Any], settings: dict[str, Any]
) -> str:
    # The whole notebook's `timeout` is left out: a faithful regrade gets what remains of it.
    asked = {
        "steps": [[s.index, s.cell, s.source] for s in steps],
        "captures": [[c.question, c.after, c.tag] for c in captures],
        "plans": plans,
        "cell_timeout": settings["cell_timeout"],
        "memory_mb": settings.get("memory_mb"),
        "compile_cache": "compile_cache" in settings,  # the fast path's kernel, or a faithful one
    }
    return hashlib.sha256(json.dumps(asked, sort_keys=True, default=repr).encode()).hexdigest()[:16]


def _status(status: Status | None) -> dict[str, Any] | None:
    if status is None:
        return None
    return {
        "kind": status.kind.value,
        "cell": status.cell,
        "seconds": status.seconds,
        "detail": status.detail,
    }


def _read_status(data: dict[str, Any] | None) -> Status | None:
    if data is None:
        return None
    return Status(Kind(data["kind"]), data["cell"], data["seconds"], data["detail"])


def encode(execution: Execution, asked: str) -> dict[str, Any]:
    return {
        "asked": asked,
        "outputs": {str(step): text for step, text in execution.outputs.items()},
        "observations": [[c.question, c.after, c.tag, seen] for c, seen in execution.observations.items()],
        "completed": execution.completed,
        "stopped": _status(execution.stopped),
        "cut_short": [_status(status) for status in execution.cut_short],
        "limit_hit": execution.limit_hit,
        "findings": [[f.kind, f.detail, f.question] for f in execution.findings],
        "errors": {str(step): error for step, error in execution.errors.items()},
    }


def decode(data: dict[str, Any]) -> Execution:
    return Execution(
        outputs={int(step): text for step, text in data["outputs"].items()},
        observations={
            Capture(question, after, tag): seen for question, after, tag, seen in data["observations"]
        },
        completed=data["completed"],
        stopped=_read_status(data["stopped"]),
        cut_short=[status for status in map(_read_status, data["cut_short"]) if status is not None],
        limit_hit=data["limit_hit"],
        findings=tuple(Finding(kind, detail, question) for kind, detail, question in data["findings"]),
        errors={int(step): error for step, error in data["errors"].items()},
    )


def _record_one(path: Path) -> tuple[list[dict[str, Any]], SubmissionResult]:
    """Grade `path` in a kernel, keeping each `Execution` (a faithful regrade makes a second)."""
    runs: list[dict[str, Any]] = []
    real = pipeline.run_in_kernel

    def recording(
        steps: list[Step], captures: list[Capture], plans: dict[str, Any], **settings: Any
    ) -> Execution:
        execution = real(steps, captures, plans, **settings)
        runs.append(json.loads(json.dumps(encode(execution, fingerprint(steps, captures, plans, settings)))))
        return execution

    with mock.patch.object(pipeline, "run_in_kernel", recording):
        result = grade(path)
    return runs, result


@contextmanager
def replaying(runs: list[dict[str, Any]], corpus: str, name: str) -> Iterator[None]:
    pending = list(runs)

    def replay(
        steps: list[Step], captures: list[Capture], plans: dict[str, Any], **settings: Any
    ) -> Execution:
        asked = fingerprint(steps, captures, plans, settings)
        if not pending or pending[0]["asked"] != asked:
            raise StaleRecording(
                f"{corpus}/{name}: the grader now runs something else than was recorded "
                f"(a changed case, layout, fast path or probe plan): record it again with `{COMMAND} {corpus}`"
            )
        return decode(pending.pop(0))

    with mock.patch.object(pipeline, "run_in_kernel", replay):
        yield
    if pending:
        raise StaleRecording(
            f"{corpus}/{name}: {len(pending)} recorded run(s) not asked for: `{COMMAND} {corpus}`"
        )


def replayed(
    corpus: str, paths: dict[str, Path], recording: dict[str, Any] | None = None
) -> dict[str, SubmissionResult]:
    """Each notebook's grade, with the kernel's part read from the corpus's recording."""
    recording = recording if recording is not None else load(corpus)
    missing = paths.keys() - recording.keys() or recording.keys() - paths.keys()
    if missing:
        raise StaleRecording(f"{corpus}: cases {sorted(missing)} are not as recorded: `{COMMAND} {corpus}`")
    results = {}
    for name, path in paths.items():
        with replaying(recording[name], corpus, name):
            results[name] = grade(path)
    return results


def load(corpus: str) -> dict[str, Any]:
    """The corpus's recorded runs by case, each observation in place again."""
    data = json.loads((RECORDINGS / f"{corpus}.json").read_text())
    seen = data["observations"]
    return {
        name: [
            {**run, "observations": [[*capture, seen[key]] for *capture, key in run["observations"]]}
            for run in runs
        ]
        for name, runs in data["runs"].items()
    }


def save(corpus: str, recording: dict[str, Any]) -> int:
    """Write the recording, each distinct observation once (correct answers are observed alike
    in most notebooks); its size in bytes."""
    seen: dict[str, Any] = {}

    def key(observation: dict[str, Any]) -> str:
        text = json.dumps(observation, sort_keys=True)
        digest = hashlib.sha256(text.encode()).hexdigest()[:12]
        seen[digest] = observation
        return digest

    runs = {
        name: [
            {**run, "observations": [[*capture, key(obs)] for *capture, obs in run["observations"]]}
            for run in recorded
        ]
        for name, recorded in recording.items()
    }
    text = json.dumps({"observations": seen, "runs": runs}, sort_keys=True, separators=(",", ":")) + "\n"
    RECORDINGS.mkdir(exist_ok=True)
    (RECORDINGS / f"{corpus}.json").write_text(text)
    return len(text)


def notebooks(corpus: str, root: Path) -> dict[str, Path]:
    paths: dict[str, Path] = importlib.import_module(CORPORA[corpus]).notebooks(root)
    return paths


def record(corpus: str, root: Path, jobs: int = 2) -> tuple[dict[str, Any], dict[str, SubmissionResult]]:
    """The corpus graded in kernels: its recording, and the kernel's grades."""
    paths = notebooks(corpus, root)
    with ProcessPoolExecutor(jobs) as pool:
        done = dict(zip(paths, pool.map(_record_one, paths.values()), strict=True))
    return {name: runs for name, (runs, _) in done.items()}, {
        name: result for name, (_, result) in done.items()
    }


def verdicts(result: SubmissionResult) -> tuple[object, ...]:
    """What a fresh run must grade alike: each item's verdict and points, the status, the flags
    (a message may quote what varies from run to run, a measured speed-up)."""
    checks = tuple(
        (check.name, check.passed, check.points) for question in result.questions for check in question.checks
    )
    return str(result.status), checks, result.flags


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "corpora", nargs="*", metavar="CORPUS", help=f"of {', '.join(CORPORA)} (default: all)"
    )
    parser.add_argument(
        "--check", action="store_true", help="write nothing; exit 1 when a grade would change"
    )
    parser.add_argument("--jobs", type=int, default=2)
    args = parser.parse_args()
    unknown = set(args.corpora) - CORPORA.keys()
    if unknown:
        parser.error(f"no corpus {sorted(unknown)}: the corpora are {', '.join(CORPORA)}")
    failed = False
    for corpus in args.corpora or CORPORA:
        with tempfile.TemporaryDirectory() as root:
            paths = notebooks(corpus, Path(root))
            recording, live = record(corpus, Path(root), args.jobs)
            again = replayed(corpus, paths, recording)
            differ = sorted(name for name in paths if again[name] != live[name])
            if differ:  # the recording lost something the kernel's grade rests on: never write it
                print(f"{corpus}: grading the recording differs from the kernel's grade for {differ}")
                failed = True
                continue
            if args.check:
                try:
                    committed = replayed(corpus, paths)
                except (StaleRecording, FileNotFoundError) as error:
                    print(f"{corpus}: {error}")
                    failed = True
                    continue
                changed = sorted(name for name in paths if verdicts(committed[name]) != verdicts(live[name]))
                print(f"{corpus}: {len(paths)} notebooks; grades changed: {changed or 'none'}")
                failed |= bool(changed)
                continue
            size = save(corpus, recording)
            print(f"{corpus}: {len(paths)} notebooks recorded ({size // 1024} KiB)")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()


def graded_in_kernels(paths: dict[str, Path], names: tuple[str, ...], out: Path) -> list[SubmissionResult]:
    """The notebooks `names` of a corpus (`paths`) graded in one batch of real kernels, as a TA's
    `grade` run grades a class: the part of each corpus that is not replayed."""
    from autograder.grade.batch import grade_many

    return grade_many([paths[name] for name in names], out, PROJECT1, jobs=2, progress=lambda _: None)
