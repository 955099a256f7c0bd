"""What a kernel can hold and see beyond its own folder: a memory ceiling that counts shared
memory and /dev/shm, and no way to classmates' records (the grader's inputs, its output, other
processes' command lines)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from autograder import mounts, sandbox
from autograder.execute import execute
from autograder.notebook import Step
from autograder.pipeline import grade_notebook, student_message
from autograder.status import OUT_OF_MEMORY, Kind, Status
from tests import submissions
from tests.test_regrade import METADATA, notebook_json
from tests.project1 import PROJECT1

ROOT = Path(__file__).resolve().parents[1]
SOLUTION = ROOT / "assignments" / "project1" / "examples" / "solution.ipynb"
CEILING_MB = 1024  # the plugin's default memory_mb

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="kernels get users of their own only under root")


def _memory_groups() -> bool:
    group = sandbox.memory_group(sandbox.FIRST_UID + 5, 2**30)
    if group is not None:
        sandbox._remove_group(group)
    return group is not None


needs_memory_group = pytest.mark.skipif(
    not _memory_groups(), reason="no memory cgroup can be created here (see the README's threat model)"
)


def run(*sources, memory_mb=CEILING_MB):
    cells = [Step(i, i, source) for i, source in enumerate(sources)]
    return execute(cells, [], {}, cell_timeout=120, timeout=300, memory_mb=memory_mb)


# -- the memory ceiling ----------------------------------------------------------------------

SHARED_ANONYMOUS = """
import mmap
held = []
for i in range(12):
    block = mmap.mmap(-1, 256 * 2**20)  # shared anonymous memory: not in the data segment
    block.write(b'x' * (256 * 2**20))
    held.append(block)
print(len(held) * 256, 'MB held')
"""


@pytest.mark.slow
@needs_memory_group
def test_shared_anonymous_memory_stops_at_the_ceiling_and_the_student_is_told():
    execution = run("x = 1", SHARED_ANONYMOUS, "print('not reached')")
    assert execution.stopped == Status(Kind.KERNEL_DIED, 2, detail=OUT_OF_MEMORY)
    assert 1 not in execution.outputs and 2 not in execution.outputs
    message = student_message(execution.stopped, stopped=True)
    assert "ran out of memory (cell 2)" in message


DEV_SHM = """
written = 0
try:
    for i in range(12 * 8):  # files under the 64 MB file-size limit, 3 GB in all
        with open(f'/dev/shm/hoard-{i}', 'wb') as hoard:
            hoard.write(b'x' * (32 * 2**20))
        written += 32
finally:
    print(written, 'MB written')
"""


@needs_memory_group
def test_files_in_dev_shm_stop_at_the_ceiling_with_a_message():
    """A private /dev/shm of a fixed size (with CAP_SYS_ADMIN) says "No space left on device";
    without one, the memory cgroup counts the tmpfs pages and the kernel dies out of memory."""
    execution = run(DEV_SHM, "print('the notebook goes on')")
    if execution.stopped is None:
        written = int(execution.outputs[0].split()[0])
        assert written < CEILING_MB and "No space left on device" in execution.errors[0]
        assert execution.outputs[1].strip() == "the notebook goes on"
    else:
        assert execution.stopped == Status(Kind.KERNEL_DIED, 1, detail=OUT_OF_MEMORY)
    assert not list(Path("/dev/shm").glob("hoard-*"))


@pytest.mark.slow
@needs_memory_group
def test_an_honest_notebook_keeps_full_marks_under_the_ceiling():
    result = grade_notebook(SOLUTION, PROJECT1, memory_mb=CEILING_MB)
    assert result.status.ok and result.score == result.possible


# -- classmates' records ---------------------------------------------------------------------

SNOOP = """
import json, os
found = {{}}
starts = {{{export!r}}}
for pid in os.listdir('/proc'):
    if pid.isdigit():
        try:
            with open(f'/proc/{{pid}}/cmdline', 'rb') as arguments:
                starts.update(a.decode(errors='replace') for a in arguments.read().split(b'\\0') if a.startswith(b'/'))
        except OSError:
            pass
seen = 0
for start in sorted(starts):
    if os.path.isfile(start) and start.endswith(('.yml', '.ipynb', '.zip', '.csv', '.json')):
        places = [(os.path.dirname(start), [], [os.path.basename(start)])]
    elif os.path.isdir(start) and start != '/':
        places = os.walk(start)
    else:
        continue
    for folder, _, files in places:
        for name in files:
            seen += 1
            path = os.path.join(folder, name)
            if seen > 5000 or not name.endswith(('.yml', '.ipynb', '.csv', '.json', '.md')) or path.startswith(os.getcwd()):
                continue
            try:
                with open(path, errors='replace') as record:
                    text = record.read()
            except OSError:
                continue
            if 'submitters' in text or 'CLASSMATE' in text:
                found[path] = text[:60]
print(json.dumps(found))
raise RuntimeError('readable: ' + json.dumps(found)[:150])
"""
CLASSMATE_SECRET = "CLASSMATE-0012345"


@pytest.fixture
def export():
    """A TA's Gradescope export extracted with unzip (modes 755/644) where anyone may enter:
    the metadata with names, SIDs and e-mails, and a classmate's notebook."""
    base = next((p for p in ("/var/local", "/opt", "/srv") if Path(p).is_dir()), "/")
    root = Path(tempfile.mkdtemp(prefix="autograder-export-", dir=base))
    (root / "submission_metadata.yml").write_text(METADATA)
    classmate = [*submissions.solution(loops=50), ("code", f"# {CLASSMATE_SECRET}")]
    for number, cells in (("1001", classmate), ("1002", _snooper(root))):
        (root / f"submission_{number}").mkdir()
        (root / f"submission_{number}" / "project1.ipynb").write_text(notebook_json(cells))
    for path in (root, *root.rglob("*")):
        path.chmod(0o755 if path.is_dir() else 0o644)
    yield root
    shutil.rmtree(root)


def _snooper(export: Path) -> list[tuple[str, str]]:
    """The solution, with a first Question 1 cell that reads what it can and raises it."""
    cell = "first = jnp.arange(1, 7).reshape(2, 3)\nfirst"
    return submissions.replace(submissions.solution(loops=50), cell, SNOOP.format(export=str(export)) + cell)


@pytest.mark.slow
def test_a_kernel_finds_no_classmates_records_in_the_graders_inputs(export, tmp_path):
    """`grade` on the export: the snooper reads /proc/*/cmdline and the export's known path,
    and finds nothing readable; nothing of the classmate's reaches its files."""
    out = tmp_path / "out"
    done = subprocess.run([sys.executable, "-m", "autograder", "grade", str(export), "--out", str(out),
                           "--jobs", "2"], capture_output=True, text=True, timeout=900, cwd=ROOT, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    # The snooper's error names what it could read: its feedback quotes it.
    assert "RuntimeError: readable: {}" in (out / "submission_1002" / "feedback.md").read_text()
    for written in (out / "submission_1002").iterdir():
        text = written.read_text(errors="replace")
        # Jane Doe (submission_1001) is the classmate; the snooper is Ann Lee and Bo Chen's.
        assert not [secret for secret in (CLASSMATE_SECRET, "jdoe@purdue.edu", "Jane Doe") if secret in text], written
    classmate = json.loads((out / "submission_1001" / "grading.json").read_text())
    assert classmate["score"] == classmate["possible"]
    assert oct(export.stat().st_mode & 0o777) == "0o755"  # the TA's folder is left as it was


def test_without_a_view_of_its_own_the_inputs_are_withheld_while_grading(export, monkeypatch):
    """Where the grader lacks CAP_SYS_ADMIN, `grade` takes other users' access to its inputs
    away while it runs (`sandbox.withheld`), and gives it back."""
    monkeypatch.setattr(sandbox, "PRIVATE_VIEW", False)
    with sandbox.withheld([export]):
        execution = run(SNOOP.format(export=str(export)))
    assert execution.outputs[0].splitlines()[0] == "{}" and execution.errors[0] == "RuntimeError: readable: {}"
    assert oct(export.stat().st_mode & 0o777) == "0o755"


def test_other_users_processes_are_hidden_from_a_kernel():
    if not sandbox.private_view_available():
        pytest.skip("no mount namespace here: other processes' command lines stay visible (see the README)")
    seen = run("import os\nprint(sorted({os.stat('/proc/' + p).st_uid for p in os.listdir('/proc') if p.isdigit()}),"
               " os.getuid())").outputs[0].split("] ")
    assert seen[0] + "]" == f"[{seen[1].strip()}]"
    assert mounts.available(sandbox.FIRST_UID)
