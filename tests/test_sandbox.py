"""As root, each kernel runs as a user of its own: the grader's files, the results folder
and anything left running are out of its reach."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

from autograder import mounts, sandbox
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
    # With a view of its own (autograder.mounts), the grader's temporary folder is not even there.
    hidden = "FileNotFoundError" if mounts.available(sandbox.FIRST_UID) else None
    assert seen == {
        "golden": "PermissionError", "master": "PermissionError", "checks": "PermissionError",
        "public": hidden or "read", "golden_w": "PermissionError", "checks_w": "PermissionError",
        "results_w": hidden or "PermissionError", "own": "written", "autograder": "PermissionError",
        "reference": "PermissionError",
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


# SysV IPC objects of each kind, files in the world-writable folders, and where the kernel is.
LEAVES_IPC_AND_FILES = """
import ctypes, json, os
libc = ctypes.CDLL(None, use_errno=True)
IPC_PRIVATE, IPC_CREAT = 0, 0o1000
made = {"shm": [libc.shmget(IPC_PRIVATE, 2**20, IPC_CREAT | 0o666) for _ in range(3)],
        "sem": [libc.semget(IPC_PRIVATE, 1, IPC_CREAT | 0o666)],
        "msg": [libc.msgget(IPC_PRIVATE, IPC_CREAT | 0o666)]}
files = []
for folder in ("/run/lock", "/var/lock", "/dev/shm", "/var/tmp", "/tmp"):
    path = os.path.join(folder, "left-by-a-kernel-" + str(os.getpid()))
    try:
        open(path, "w").write("for the next student")
        files.append(path)
    except OSError:
        pass
print(json.dumps({"uid": os.getuid(), "made": made, "files": files, "ipc": os.readlink("/proc/self/ns/ipc"),
                  "cgroup": open("/proc/self/cgroup").read()}))
"""


def _ipc_objects_of(uid: int) -> dict[str, list[str]]:
    """What /proc/sysvipc lists as owned or created by `uid`, by kind."""
    found = {}
    for kind in sandbox.SYSV_IPC:
        header, *rows = Path("/proc/sysvipc", kind).read_text().splitlines()
        columns = header.split()
        found[kind] = [row.split()[1] for row in rows
                       if str(uid) in (row.split()[columns.index("uid")], row.split()[columns.index("cuid")])]
    return found


@pytest.mark.parametrize("private_ipc", [True, False],
                         ids=["ipc-namespace-if-allowed", "shared-ipc-namespace"])
def test_ipc_objects_and_files_in_shared_folders_do_not_outlive_the_kernel(monkeypatch, private_ipc):
    monkeypatch.setattr(sandbox, "PRIVATE_IPC", private_ipc)
    seen = json.loads(run(LEAVES_IPC_AND_FILES).outputs[0])
    assert all(ident >= 0 for idents in seen["made"].values() for ident in idents), seen["made"]
    assert "/run/lock/left-by-a-kernel-" in " ".join(seen["files"]) and len(seen["files"]) >= 4
    assert _ipc_objects_of(seen["uid"]) == {"shm": [], "sem": [], "msg": []}
    assert [path for path in seen["files"] if os.path.lexists(path)] == []
    own_namespace = seen["ipc"] != os.readlink("/proc/self/ns/ipc")
    assert own_namespace == (private_ipc and sandbox.private_ipc_available())


def test_the_ipc_cleanup_removes_what_the_uid_created_even_if_given_away():
    """Without an IPC namespace of its own, a kernel's objects are removed from /proc/sysvipc's
    list: by owner, and by creator when the owner handed them to another uid."""
    uid = sandbox.FIRST_UID + 1
    script = ("import ctypes, os\nlibc = ctypes.CDLL(None)\n"
              "print(libc.shmget(0, 4096, 0o1666), libc.semget(0, 1, 0o1666), libc.msgget(0, 0o1666))")
    made = subprocess.run([sys.executable, "-S", "-c", script], user=uid, group=uid, extra_groups=[],
                          capture_output=True, text=True, timeout=30, check=True).stdout.split()
    assert _ipc_objects_of(uid) == {"shm": [made[0]], "sem": [made[1]], "msg": [made[2]]}
    assert sorted(sandbox.remove_ipc_objects(uid)) == sorted(
        [f"shm {made[0]}", f"sem {made[1]}", f"msg {made[2]}"])
    assert _ipc_objects_of(uid) == {"shm": [], "sem": [], "msg": []}


def test_each_kernel_gets_a_cpu_share_of_its_own_where_the_machine_allows():
    probe = sandbox.cpu_group(sandbox.FIRST_UID + 2)
    if probe is None:
        pytest.skip("no cgroup with a cpu controller can be created here (see the README's threat model)")
    sandbox._remove_group(probe)
    seen = json.loads(run(LEAVES_IPC_AND_FILES).outputs[0])
    group = f"{sandbox.CPU_GROUP_PREFIX}{seen['uid']}"
    assert group in seen["cgroup"]
    assert not (probe.parent / group).exists()  # removed with the kernel


def test_the_shared_folders_are_the_world_writable_ones():
    folders = sandbox.shared_folders(sandbox.FIRST_UID)
    assert "/tmp" in folders and "/run/lock" in folders
    assert all(os.stat(folder).st_mode & 0o002 for folder in folders)
    assert len(folders) == len(set(folders))  # /var/lock is /run/lock here: listed once


BUSY = "while True:\n    pass"
MEASURE = ("import time\nstart, cpu = time.monotonic(), time.process_time()\n"
           "while time.monotonic() - start < 1.5:\n    pass\n"
           "print((time.process_time() - cpu) / (time.monotonic() - start))")


def _start_as(uid: int, group: Path | None, source: str, **options) -> subprocess.Popen:
    """`source` run as `uid`, in `group` (a CPU group) or else in the grader's own."""
    def enter() -> None:
        if group is not None:
            (group / "cgroup.procs").write_text(str(os.getpid()))
        sandbox.become(uid)
    return subprocess.Popen([sys.executable, "-S", "-c", source], preexec_fn=enter, **options)


def _cpu_fraction_beside_busy_children(groups: bool) -> float:
    """The CPU fraction one process gets while another uid runs 16 busy children, with each
    uid in a CPU group of its own (as kernels are) or both in the grader's."""
    busy_uid, measured_uid = sandbox.FIRST_UID + 3, sandbox.FIRST_UID + 4
    homes = {uid: sandbox.cpu_group(uid) if groups else None for uid in (busy_uid, measured_uid)}
    busy = [_start_as(busy_uid, homes[busy_uid], BUSY) for _ in range(16)]
    try:
        time.sleep(0.3)
        measured = _start_as(measured_uid, homes[measured_uid], MEASURE, stdout=subprocess.PIPE, text=True)
        return float(measured.communicate(timeout=60)[0])
    finally:
        for process in busy:
            process.kill()
            process.wait()
        for group in homes.values():
            if group is not None:
                sandbox._remove_group(group)


@pytest.mark.slow
def test_busy_children_of_one_kernel_do_not_starve_another():
    """Timings from this run only: the share one process gets beside 16 busy processes of
    another uid, with CPU groups against without (about 1/2 of a core against 1/17 of it on
    an idle machine; the test asks for three times as much)."""
    if sandbox.cpu_group(sandbox.FIRST_UID + 2) is None:
        pytest.skip("no cgroup with a cpu controller can be created here (see the README's threat model)")
    sandbox._remove_group(sandbox.cpu_group(sandbox.FIRST_UID + 2))
    without = _cpu_fraction_beside_busy_children(groups=False)
    with_groups = _cpu_fraction_beside_busy_children(groups=True)
    assert with_groups > 3 * without, (with_groups, without)
