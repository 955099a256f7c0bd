"""As root, each kernel runs as a user of its own: the grader's files, the results folder
and anything left running are out of its reach."""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from pathlib import Path

import pytest

from autograder import sandbox
from autograder.execute import execute
from autograder.notebook import Step
from reference import GOLDEN_FILE

ROOT = Path(__file__).resolve().parents[1]
MASTER = ROOT / "assignments" / "project1" / "project1.ipynb"

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="kernels get users of their own only under root")

REACH = """
import json, os
targets = json.loads({targets!r})
seen = {{"uid": os.getuid()}}
for name, path in targets["read"].items():
    try:
        open(path).read(1)
        seen[name] = "read"
    except OSError as error:
        seen[name] = type(error).__name__
for name, path in targets["write"].items():
    try:
        open(path, "a").close()
        seen[name] = "written"
    except OSError as error:
        seen[name] = type(error).__name__
for module in ("autograder", "reference"):
    try:
        __import__(module)
        seen[module] = "imported"
    except Exception as error:
        seen[module] = type(error).__name__
print(json.dumps(seen))
"""


def run(*sources):
    cells = [Step(i, i, source) for i, source in enumerate(sources)]
    return execute(cells, [], {}, cell_timeout=30, timeout=120)


@pytest.fixture
def results_folder():
    """Like Gradescope's /autograder/results: root's, open for anyone to enter and read."""
    folder = Path(tempfile.mkdtemp(prefix="autograder-results-"))
    folder.chmod(0o755)
    (folder / "public.txt").write_text("anyone may read this")
    (folder / "public.txt").chmod(0o644)
    yield folder
    shutil.rmtree(folder)


def test_as_root_the_sandbox_is_on():
    assert sandbox.unavailable() is None, "./setup.sh prepares it when run as root"


def test_the_kernel_cannot_reach_the_graders_files(results_folder):
    targets = {
        "read": {"golden": str(GOLDEN_FILE), "master": str(MASTER), "public": str(results_folder / "public.txt"),
                 "checks": str(ROOT / "autograder" / "checks" / "compare.py")},
        "write": {"golden_w": str(GOLDEN_FILE), "checks_w": str(ROOT / "autograder" / "checks" / "compare.py"),
                  "results_w": str(results_folder / "results.json"), "own": "mine.txt"},
    }
    before = GOLDEN_FILE.read_bytes()
    seen = json.loads(run(REACH.format(targets=json.dumps(targets))).outputs[0])
    assert sandbox.FIRST_UID <= seen.pop("uid") <= sandbox.LAST_UID
    assert seen == {
        "golden": "PermissionError", "master": "PermissionError", "checks": "PermissionError", "public": "read",
        "golden_w": "PermissionError", "checks_w": "PermissionError", "results_w": "PermissionError",
        "own": "written", "autograder": "PermissionError", "reference": "PermissionError",
    }
    assert GOLDEN_FILE.read_bytes() == before and not (results_folder / "results.json").exists()


def _alive(pid: int) -> bool:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return False
    return "\nState:\tZ" not in status


def test_nothing_the_kernel_started_or_left_outlives_it():
    execution = run("import os, subprocess\n"
                    "open('/tmp/left-behind-by-a-kernel', 'w').write('for the next student')\n"
                    "print(subprocess.Popen(['sleep', '300'], start_new_session=True).pid)")
    pid = int(execution.outputs[0])
    assert pid > 0 and not _alive(pid)
    assert not Path("/tmp/left-behind-by-a-kernel").exists()


def test_a_process_that_keeps_forking_is_stopped_with_its_kernel():
    execution = run("import os, subprocess\n"
                    "subprocess.Popen(['sh', '-c', 'while true; do sleep 300 & sleep 0.01; done'], start_new_session=True)\n"
                    "print(os.getuid())")
    uid = int(execution.outputs[0])
    assert _left_running(uid) == []


def _left_running(uid: int) -> list[str]:
    """Pids of live processes owned by `uid`."""
    return [entry.name for entry in os.scandir("/proc") if entry.name.isdigit() and _owned_and_alive(entry, uid)]


def _owned_and_alive(entry, uid: int) -> bool:
    try:
        return entry.stat().st_uid == uid and _alive(int(entry.name))
    except OSError:
        return False


def test_a_fork_bomb_stops_at_the_process_limit():
    # Capped well above the limit, so that without it the test fails instead of the machine.
    bomb = ("import os, time\n"
            "children = 0\n"
            "try:\n"
            f"    while children < {4 * sandbox.PROCESS_LIMIT}:\n"
            "        if os.fork() == 0:\n"
            "            time.sleep(300)\n"
            "            os._exit(0)\n"
            "        children += 1\n"
            "except OSError as error:\n"
            "    print(children, type(error).__name__)\n")
    execution = run(bomb, "import os\nprint(os.getuid())")
    children, error = execution.outputs[0].split()
    assert 0 < int(children) < sandbox.PROCESS_LIMIT and error == "BlockingIOError"
    uid = int(execution.outputs[1])  # the kernel still answers
    assert _left_running(uid) == []
