"""Kernels started ahead of their submission (`execute.prestart`, the batch's warm workers)
grade exactly as kernels started cold, and each is fresh and used once."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import pytest

from autograder import execute as execute_module
from autograder.execute import execute, prestart
from autograder.pipeline import grade_notebook
from autograder.grade import jobs
from autograder.grade.batch import grade_many
from autograder.grade.prime import compile_seed
from autograder.grade.warm import WarmWorkers
from autograder.notebook import Step
from autograder.results import SubmissionResult
from tests.submissions import write
from tests.test_corpus import CORRECT, Q4_MISTAKES, Case, edit
from tests.project1 import PROJECT1

pytestmark = pytest.mark.slow  # grades notebooks in kernels: the README's quick run leaves it to CI

IMPORT = "import jax\nimport jax.numpy as jnp"
BY_NAME = {case.name: case for case in [*CORRECT, *Q4_MISTAKES]}
CASES = [
    BY_NAME["solution"],
    BY_NAME["q2-64-bit-mode"],
    BY_NAME["q2-legacy-prng-prints-2.3250647"],
    Case(
        "x64-by-environment-before-import",
        edit((IMPORT, "import os\nos.environ['JAX_ENABLE_X64'] = '1'\n" + IMPORT)),
    ),
    Q4_MISTAKES[0],
]


def verdicts(result: SubmissionResult) -> tuple[str, list[tuple[str, bool, float]]]:
    return result.status, [(c.name, c.passed, c.points) for q in result.questions for c in q.checks]


@pytest.fixture(scope="module")
def warm_and_cold(
    tmp_path_factory: pytest.TempPathFactory,
) -> dict[str, tuple[SubmissionResult, SubmissionResult]]:
    root = tmp_path_factory.mktemp("warm")
    paths = [write(root / f"{case.name}.ipynb", case.cells) for case in CASES]
    warm = grade_many(paths, root / "out", PROJECT1, jobs=2, progress=lambda _: None)  # warm workers
    cold = [grade_notebook(path, PROJECT1) for path in paths]  # in this process: nothing prestarted
    return {case.name: pair for case, pair in zip(CASES, zip(warm, cold, strict=True), strict=True)}


def test_the_warm_batch_kernels_start_from_the_compilation_cache() -> None:
    """So that the comparison below is also one of kernels with the cache and without it."""
    if os.geteuid() != 0:
        pytest.skip("the cache is used only by kernels with users of their own")
    assert compile_seed(PROJECT1, lambda _: None) is not None  # the one the batch above used


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_warm_kernels_grade_as_cold_ones(warm_and_cold: dict, case: Case) -> None:
    warm, cold = warm_and_cold[case.name]
    assert verdicts(warm) == verdicts(cold)
    assert tuple(warm.question(q).score for q in ("q1", "q2", "q3", "q4", "q5")) == case.expected


LOOK = (
    "import builtins, json, os, sys\n"
    "print(json.dumps({'pid': os.getpid(), 'uid': os.getuid(), 'cwd': sorted(os.listdir('.')),\n"
    "                  'jax': 'jax' in sys.modules, 'left': hasattr(builtins, 'left_behind'),\n"
    "                  'env': os.environ.get('LEFT_BEHIND')}))"
)
LEAVE = "import builtins, os\nbuiltins.left_behind = 1\nos.environ['LEFT_BEHIND'] = '1'\nopen('left.txt', 'w').write('x')"


def look(*, warm: bool) -> dict:
    if warm:
        assert prestart()
    execution = execute([Step(0, 0, LOOK), Step(1, 1, LEAVE)], [], {}, cell_timeout=30, timeout=120)
    assert execution.stopped is None, execution.stopped
    seen: dict = json.loads(execution.outputs[0].strip().splitlines()[-1])
    return seen


def test_each_prestarted_kernel_is_fresh_empty_and_used_once() -> None:
    first, second = look(warm=True), look(warm=True)
    assert execute_module._warm is None  # taken by the run: nothing waits for another
    cold = look(warm=False)
    for seen in (first, second, cold):
        assert seen["cwd"] == [] and not seen["jax"] and not seen["left"] and seen["env"] is None
    assert len({first["pid"], second["pid"], cold["pid"]}) == 3


def test_an_unused_prestarted_kernel_is_shut_down(tmp_path: Path) -> None:
    assert prestart()
    runner = execute_module._warm
    assert runner is not None
    process = runner.client.km.provisioner.process  # type: ignore[union-attr]  # set once started
    execute_module.discard_prestarted()
    assert execute_module._warm is None and process.wait(timeout=30) is not None


@pytest.mark.parametrize(("spares", "waiting"), [(0, 0), (2, 2)])
def test_workers_start_ahead_only_when_there_are_spares(spares: int, waiting: int) -> None:
    # `--jobs 1` (no spares) keeps to one kernel at a time; more jobs start the next ones ahead.
    workers = WarmWorkers([], remaining=4, spares=spares)
    workers.command = [sys.executable, "-c", "import sys; sys.stdin.read()"]
    try:
        taken = workers.take()
        assert len(workers.ready) == waiting
        taken.communicate("")
    finally:
        workers.close()


def test_the_default_jobs_fit_the_cores_and_the_memory(monkeypatch: pytest.MonkeyPatch) -> None:
    cores = len(os.sched_getaffinity(0))
    monkeypatch.setattr(jobs, "_available_memory", lambda: None)
    assert jobs.default_jobs() == cores
    monkeypatch.setattr(jobs, "_available_memory", lambda: jobs.MEMORY_PER_JOB * 100)
    assert jobs.default_jobs() == cores
    monkeypatch.setattr(jobs, "_available_memory", lambda: jobs.MEMORY_PER_JOB - 1)
    assert jobs.default_jobs() == 1
    monkeypatch.setattr(jobs, "_available_memory", lambda: None)
    monkeypatch.setattr(jobs.os, "sched_getaffinity", lambda pid: {0, 1, 2, 3, 4, 5, 6, 7})
    monkeypatch.setattr(jobs, "_available_memory", lambda: jobs.MEMORY_PER_JOB * 3)
    assert jobs.default_jobs() == 3
