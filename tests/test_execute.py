"""The kernel a submission runs in: an empty directory, a minimal environment, hard limits."""

import json

from autograder.execute import MEMORY_LIMIT_MB, execute
from autograder.notebook import Step

LOOK_AROUND = """
import json, os, resource, sys
print(json.dumps({
    "cwd": sorted(os.listdir('.')),
    "env": sorted(os.environ),
    "data_limit": resource.getrlimit(resource.RLIMIT_DATA)[0],
    "grader_on_path": [p for p in sys.path if 'autograder' in p or p.endswith('/main')],
}))
"""


def run(*sources, cell_timeout=30):
    cells = [Step(i, i, source) for i, source in enumerate(sources)]
    return execute(cells, [], {}, cell_timeout=cell_timeout, timeout=120)


def test_kernel_starts_in_an_empty_directory_with_a_minimal_environment(monkeypatch):
    monkeypatch.setenv("GRADER_SECRET", "not for students")
    monkeypatch.setenv("PYTHONPATH", "/somewhere/of/the/grader")
    execution = run(LOOK_AROUND)
    seen = json.loads(execution.outputs[0])
    assert seen["cwd"] == []
    assert not {"GRADER_SECRET", "PYTHONPATH", "VIRTUAL_ENV", "JAX_ENABLE_X64"} & set(seen["env"])
    assert seen["data_limit"] == MEMORY_LIMIT_MB * 2**20
    assert seen["grader_on_path"] == []


def test_a_huge_allocation_fails_inside_the_kernel():
    execution = run("import jax.numpy as jnp\njnp.zeros((200000, 200000)).block_until_ready()", "print('still here')")
    assert "RESOURCE_EXHAUSTED" in execution.outputs[0]
    assert execution.outputs[1].strip() == "still here" and execution.stopped is None


def test_a_looping_cell_is_interrupted_and_the_notebook_goes_on():
    execution = run("x = 1", "while True:\n    pass", "print(x + 1)", cell_timeout=3)
    assert execution.problems == ["timeout (cell 2 ran past 3 s)"]
    assert execution.outputs[2].strip() == "2" and execution.stopped is None


def test_a_dead_kernel_ends_the_run_with_the_cell_named():
    execution = run("x = 1", "import os\nos._exit(3)", "print(x)")
    assert execution.stopped == "kernel-died (cell 2)" and execution.completed == 0


def test_the_notebook_budget_stops_a_loop_whatever_fraction_of_a_second_is_left():
    cells = [Step(0, 0, "while True:\n    pass"), Step(1, 1, "print('never')")]
    execution = execute(cells, [], {}, cell_timeout=60, timeout=10.5)
    assert execution.stopped == "timeout (the notebook ran past 10.5 s, in cell 1)"
    assert 1 not in execution.outputs
