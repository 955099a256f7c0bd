"""The kernel a submission runs in: an empty directory, a minimal environment, hard limits."""

import contextlib
import json
import os
import random
import re
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest

from autograder.checks import Observation
from autograder.execute import MEMORY_LIMIT_MB, execute
from autograder.notebook import Capture, Step
from tests.project1 import PROJECT1, CHECKS, GOLDEN, grade_question

PROBES = PROJECT1.probes.read_text()  # the assignment's kernel-side probes

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


@pytest.mark.slow
def test_a_looping_cell_is_interrupted_and_the_notebook_goes_on():
    execution = run("x = 1", "while True:\n    pass", "print(x + 1)", cell_timeout=3)
    assert [str(s) for s in execution.cut_short] == ["timeout (cell 2 ran past 3 s)"]
    assert execution.outputs[2].strip() == "2" and execution.stopped is None


def test_a_dead_kernel_ends_the_run_with_the_cell_named():
    execution = run("x = 1", "import os\nos._exit(3)", "print(x)")
    assert str(execution.stopped) == "kernel-died (cell 2)" and execution.completed == 0


@pytest.mark.slow
def test_the_notebook_budget_stops_a_loop_whatever_fraction_of_a_second_is_left():
    cells = [Step(0, 0, "while True:\n    pass"), Step(1, 1, "print('never')")]
    execution = execute(cells, [], {}, cell_timeout=60, timeout=10.5)
    assert str(execution.stopped) == "timeout (the notebook ran past 10.5 s, in cell 1)"
    assert 1 not in execution.outputs


# -- the probe's channel --------------------------------------------------------------------

def plans(seed=7):
    rng = random.Random(seed)
    return {q: module.plan(rng, GOLDEN) for q, module in CHECKS.items()}


HOOKS = """
import sys, os
seen = []
get_ipython().events.register('pre_run_cell', lambda info: seen.append(info.raw_cell))
get_ipython().input_transformers_post.append(lambda lines: (seen.append(''.join(lines)), lines)[1])
saved, sys.stdout = sys.stdout, open(os.devnull, 'w')
import jax.numpy as jnp
first = jnp.arange(3)
"""


@pytest.mark.slow
def test_the_probe_needs_no_stream_and_its_request_is_in_no_cell():
    plan = plans()
    hidden = [str(m)[::-1] for m in plan["q2"]["markers"]]  # this cell is seen too: it must not hold them
    steps = [Step(0, 0, HOOKS), Step(1, 1, "sys.stdout = saved"),
             Step(2, 2, f"print(any(m[::-1] in c for c in seen for m in {hidden}))")]
    captures = [Capture("q1", 0), Capture("q2", 0)]
    requests = {"q1": {"names": ["first"]}, "q2": plan["q2"]}
    execution = execute(steps, captures, requests, cell_timeout=60, timeout=300, probes=PROBES)
    assert execution.observations[Capture("q1", 0)]["first"]["data"] == [0, 1, 2]
    assert execution.observations[Capture("q2", 0)]["bar"][0] == {"kind": "missing", "name": "bar"}
    assert execution.outputs[2].strip() == "False" and execution.stopped is None
    # The hooks saw every cell, never a probe: they are reported for a TA.
    assert {f.kind for f in execution.findings} == {"ipython_event", "input_transformer"}


@pytest.mark.slow
def test_an_honest_run_leaves_no_findings():
    honest = ("import sys, io, warnings\nwarnings.simplefilter('error')\n"
              "print = lambda *a, **k: None\nsys.stdout = io.StringIO()")
    plot = "%matplotlib inline\nimport matplotlib.pyplot as plt\nplt.plot([1, 2])\nplt.show()"
    execution = execute([Step(0, 0, plot), Step(1, 1, honest)], [Capture("q1", 1)], {"q1": {"names": ["first"]}},
                        cell_timeout=60, timeout=120, probes=PROBES)
    assert execution.findings == () and execution.observations[Capture("q1", 1)]["first"]["kind"] == "missing"


KERNEL_HOOKS = """
import builtins, json, sys
sys.settrace(lambda *args: None)
get_ipython().kernel.comm_manager.register_target('mine', lambda comm, message: None)
builtins.print = lambda *args, **kwargs: None
_import, _dumps = builtins.__import__, json.dumps
builtins.__import__ = lambda *args, **kwargs: _import(*args, **kwargs)
json.dumps = lambda *args, **kwargs: _dumps(*args, **kwargs)
"""


def test_hooks_into_the_kernel_are_reported_after_the_run():
    execution = execute([Step(0, 0, KERNEL_HOOKS)], [], {}, cell_timeout=60, timeout=120)
    assert {(f.kind, f.detail.split(":")[0]) for f in execution.findings} == {
        ("trace", "sys.settrace"), ("comm_target", "mine"), ("replaced", "builtins.print"),
        ("replaced", "builtins.__import__"), ("replaced", "json.dumps")}


CONFIGURE = "import os\nos.environ['JAX_ENABLE_X64'] = '1'\nfirst = [1, 2]"
CONFIGURED = ("import jax\njax.config.update('jax_threefry_partitionable', False)\n"
              "print(jax.numpy.ones(1).dtype, float(jax.random.uniform(jax.random.PRNGKey(3))))")


@pytest.mark.slow
def test_probes_before_the_students_import_leave_jaxs_configuration_to_the_student():
    """The probe captures JAX's jitted type from jaxlib: `jax` itself is first imported by
    the student, so settings read at import (JAX_ENABLE_X64) still take effect."""
    steps = [Step(0, 0, CONFIGURE), Step(1, 1, "import sys\nprint('jax' in sys.modules)\n" + CONFIGURED)]
    captures = [Capture("q1", -1), Capture("q1", 0), Capture("q2", 1)]
    plan = {"q1": {"names": ["first"]}, "q2": plans()["q2"]}
    execution = execute(steps, captures, plan, cell_timeout=60, timeout=300, probes=PROBES)
    fresh = subprocess.run([sys.executable, "-c", CONFIGURED], capture_output=True, text=True,
                           env={**os.environ, "JAX_ENABLE_X64": "1", "JAX_PLATFORMS": "cpu"}, check=True)
    logged = re.compile(r"[IWE]\d{4} ")  # JAX's own log lines on stderr
    printed = [line for line in execution.outputs[1].splitlines() if line and not logged.match(line)]
    assert printed == ["False", fresh.stdout.strip()]
    assert fresh.stdout.startswith("float64 ")
    flags = execution.observations[Capture("q2", 1)]["flags"]
    assert flags["jax_enable_x64"] is True and flags["jax_threefry_partitionable"] is False


@pytest.mark.slow
def test_a_probe_past_its_limit_is_interrupted_and_the_student_is_told():
    steps = [Step(0, 0, "def my_function(x):\n    while True:\n        pass\nmy_gradient = my_function"),
             Step(1, 1, "print('alive')")]
    plan = plans()["q3"]
    execution = execute(steps, [Capture("q3", 0)], {"q3": plan}, cell_timeout=4, timeout=300, probes=PROBES)
    assert execution.outputs[1].strip() == "alive" and execution.stopped is None
    observation = Observation("q3", execution.observations[Capture("q3", 0)])
    results = grade_question(CHECKS["q3"], observation, GOLDEN, plan)
    assert [r.passed for r in results] == [False] * 4
    assert all("calling your functions took more than 4 s." in r.message for r in results)


# -- the grading process's memory -----------------------------------------------------------

FLOOD = [
    "from comm import create_comm\nfor i in range(30):\n"
    "    create_comm(target_name='widget', data={'state': {'blob': 'y' * 50_000_000}})\nprint('sent')",
    "print('x' * 400_000_000)",
    "print('still here')",
]
RUN_FLOOD = f"""
import json
from autograder.execute import execute
from autograder.notebook import Step
execution = execute([Step(i, i, s) for i, s in enumerate({FLOOD!r})], [], {{}}, cell_timeout=120, timeout=600)
found = {{"outputs": execution.outputs, "cut_short": [str(s) for s in execution.cut_short], "stopped": execution.stopped}}
print(json.dumps(found))
"""


@pytest.mark.slow
def test_oversized_messages_never_reach_the_graders_memory():
    """30 comms of 50 MB state and one 400 MB print: the grading process (the kernel's
    memory is its own) stays under 400 MB, and the notebook goes on."""
    with subprocess.Popen([sys.executable, "-c", RUN_FLOOD], stdout=subprocess.PIPE, text=True,
                          cwd=Path(__file__).resolve().parents[1]) as process:
        grader, peak = psutil.Process(process.pid), 0
        while process.poll() is None:
            with contextlib.suppress(psutil.Error):
                peak = max(peak, grader.memory_info().rss)
            time.sleep(0.02)
        result = json.loads(process.stdout.read().strip().splitlines()[-1])
    print(f"grading process peak RSS {peak / 2**20:.0f} MB; {result['cut_short']}")
    assert peak <= 400 * 2**20, f"peak {peak / 2**20:.0f} MB"
    assert result["stopped"] is None and result["outputs"]["2"].strip() == "still here"
    assert "output-too-large (cell 2)" in result["cut_short"]


THREAD_FLOOD = """
import json, threading
kernel = get_ipython().kernel
# Signed with the kernel's own session: each a valid comm message just under the 16 MB cap.
content = json.dumps({'comm_id': 'flood', 'data': {'blob': 'y' * 15_700_000}}).encode()
def flood():
    for i in range(25):
        kernel.session.send(kernel.iopub_socket, 'comm_msg', content=content)
threads = [threading.Thread(target=flood) for _ in range(4)]
for thread in threads:
    thread.start()
"""
RUN_THREAD_FLOOD = f"""
import json
from autograder.execute import execute
from autograder.notebook import Capture, Step
steps = [Step(0, 0, {THREAD_FLOOD!r}), Step(1, 1, "first = [1, 2, 3]"),
         Step(2, 2, "for thread in threads:\\n    thread.join()"), Step(3, 3, "print('still here')")]
execution = execute(steps, [Capture("q1", 1)], {{"q1": {{"names": ["first"]}}}}, cell_timeout=120, timeout=600,
                    probes={PROBES!r})
found = {{"outputs": execution.outputs, "stopped": execution.stopped,
          "first": execution.observations[Capture("q1", 1)].get("first")}}
print(json.dumps(found))
"""


def _grading_tree_rss(grader: psutil.Process) -> int:
    """Resident memory of the grading process and its children, the kernel's (its own) apart."""
    total = 0
    for process in [grader, *grader.children(recursive=True)]:
        with contextlib.suppress(psutil.Error):
            if not any("ipykernel" in part for part in process.cmdline()):
                total += process.memory_info().rss
    return total


@pytest.mark.slow
def test_a_flood_of_messages_under_the_cap_from_four_threads_is_bounded():
    """100 signed comm messages of 15.7 MB (each under the 16 MB cap) from four threads: the
    grading processes stay under 400 MB in all (857 MB and growing before), the probe's own
    reply gets through, and the notebook goes on."""
    with subprocess.Popen([sys.executable, "-c", RUN_THREAD_FLOOD], stdout=subprocess.PIPE, text=True,
                          cwd=Path(__file__).resolve().parents[1]) as process:
        grader, peak = psutil.Process(process.pid), 0
        while process.poll() is None:
            peak = max(peak, _grading_tree_rss(grader))
            time.sleep(0.02)
        result = json.loads(process.stdout.read().strip().splitlines()[-1])
    print(f"grading processes' peak RSS {peak / 2**20:.0f} MB")
    assert peak <= 400 * 2**20, f"peak {peak / 2**20:.0f} MB"
    assert result["stopped"] is None and result["outputs"]["3"].strip() == "still here", result
    assert [item["data"] for item in result["first"]["items"]] == [[1.0], [2.0], [3.0]], result


MANY_FRAMES = """
kernel = get_ipython().kernel
blob = b'y' * 15_000_000
for i in range(3):  # each message: forty buffers under the 16 MB cap, 600 MB in all
    kernel.session.send(kernel.iopub_socket, 'comm_msg', content={'comm_id': 'x', 'data': {}}, buffers=[blob] * 40)
"""
RUN_MANY_FRAMES = f"""
import json
from autograder.execute import execute
from autograder.notebook import Step
execution = execute([Step(0, 0, "x = 1"), Step(1, 1, {MANY_FRAMES!r}), Step(2, 2, "print(x)")], [], {{}},
                    cell_timeout=120, timeout=600)
print(json.dumps({{"outputs": execution.outputs, "stopped": str(execution.stopped)}}))
"""


@pytest.mark.slow
def test_a_message_of_many_frames_each_under_the_cap_stops_the_kernel_not_the_grader():
    """zmq caps frames, not messages, and holds a message whole: the kernel is stopped before
    the grading processes pass 400 MB, and the student is told why."""
    with subprocess.Popen([sys.executable, "-c", RUN_MANY_FRAMES], stdout=subprocess.PIPE, text=True,
                          cwd=Path(__file__).resolve().parents[1]) as process:
        grader, peak = psutil.Process(process.pid), 0
        while process.poll() is None:
            peak = max(peak, _grading_tree_rss(grader))
            time.sleep(0.01)
        result = json.loads(process.stdout.read().strip().splitlines()[-1])
    print(f"grading processes' peak RSS {peak / 2**20:.0f} MB")
    assert peak <= 400 * 2**20, f"peak {peak / 2**20:.0f} MB"
    # The cell it is charged to is the one running when the grader reads the message (2 or 3).
    assert re.fullmatch(r"kernel-died \(cell [23], sent too much at once\)", result["stopped"]), result
