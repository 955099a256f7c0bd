"""Running the student's kernel as a user of its own.

When the grader runs as root (Gradescope does; so can a grading machine), each kernel gets a
fresh unprivileged uid that owns nothing: it cannot read what is not world-readable (the
golden values, this package, the master notebook, other students' work), cannot write
outside its own folders (results, the grader's files), and cannot reach another student's
kernel. When the submission is done, everything that uid left is removed: its processes, its
files in the world-writable folders, its SysV IPC objects (shared memory, semaphores, message
queues). Where the grader may (CAP_SYS_ADMIN, found by trying), each kernel also gets an IPC
namespace of its own and a view of the file system of its own (`autograder.mounts`: private
/tmp and /dev/shm, the grader's inputs and output covered, other users' processes hidden);
where it can create cgroups, a CPU share of its own (equal weight per kernel, so a hundred busy
children of one hand-in cannot starve another's kernel) and a memory ceiling that counts
everything its processes hold, shared memory and tmpfs files included.

`python -m autograder.sandbox --prepare` (run by ./setup.sh and by the Gradescope image's
set-up) makes that possible: it lets other users *enter* (not list) the directories on the
way to this Python, and makes this package and its checkout private.
"""

from __future__ import annotations

import argparse
import contextlib
import ctypes
import functools
import logging
import os
import secrets
import stat
import subprocess
import sys
import sysconfig
import tempfile
import time
from collections.abc import Iterable, Iterator
from pathlib import Path

from autograder import mounts
from autograder.removal import remove_tree

# Kernel uids come from a range no Debian-style system gives to users or services
# (and that rootless container runtimes still map).
FIRST_UID, LAST_UID = 62000, 64999
PACKAGES = ("autograder", "reference")
PROJECT_NAME = "tdm40200-autograder"
KEPT_OPEN = {".venv"}  # entries of a checkout a kernel still needs (its Python lives there)
# Where any user may leave files, if they exist and are world-writable here (the kernel's own
# folders are removed whole by the executor). No disk scan: these and their world-writable
# subfolders (such as /tmp/.X11-unix) are all a kernel of its own uid can write to.
SHARED_FOLDERS = (
    "/tmp",
    "/var/tmp",
    "/dev/shm",
    "/run/shm",
    "/run/lock",
    "/var/lock",
    "/dev/mqueue",
    "/var/crash",
    "/var/metrics",
)
SYSV_IPC = ("shm", "sem", "msg")  # /proc/sysvipc/<kind> lists the objects of each kind
CLONE_NEWIPC = 0x08000000
IPC_RMID = 0
CPU_GROUP_PREFIX = "autograder-kernel-"
PRIVATE_IPC = True  # try an IPC namespace per kernel (tests turn it off to see the cleanup at work)
PRIVATE_VIEW = True  # likewise a view of the file system per kernel (see `autograder.mounts`)
# Resolved now, in the grading process: the child that becomes the kernel only calls it
# (loading a library between fork and exec could deadlock).
_LIBC = ctypes.CDLL(None, use_errno=True)
_CPU_GROUPS: dict[int, Path] = {}  # kernel uid -> the cgroup its processes join
_MEMORY_GROUPS: dict[int, Path] = {}  # kernel uid -> the cgroup that holds its memory ceiling
_VIEWS: dict[int, mounts.View] = {}  # kernel uid -> what it sees of the file system
# The grader's inputs and output folder (`hide`): covered in every kernel's view.
HIDDEN: list[Path] = []
PRIVATE_FOLDER_SHARE = 4  # each private tmpfs holds at most this fraction of the memory ceiling
# Processes and threads a kernel's user may have at once. Threads count: XLA sizes its pools
# by the number of CPUs, so the limit grows with them, far above what a notebook needs.
PROCESS_LIMIT = 256 + 8 * (os.cpu_count() or 1)
log = logging.getLogger(__name__)


@functools.cache
def unavailable() -> str | None:
    """Why kernels cannot run as their own user here, or None when they can."""
    if os.geteuid() != 0:
        return "the grader is not running as root, so kernels run as the grader's own user"
    check = (
        "import importlib.util as u, sys; "
        "sys.exit(0 if u.find_spec('ipykernel') and u.find_spec('jax') else 3)"
    )
    uid = FIRST_UID
    with tempfile.TemporaryDirectory() as folder:
        os.chown(folder, uid, uid)
        try:
            done = subprocess.run(
                [sys.executable, "-c", check],
                cwd=folder,
                env={"HOME": folder},
                user=uid,
                group=uid,
                extra_groups=[],
                capture_output=True,
                timeout=60,
            )
        except (OSError, subprocess.SubprocessError) as error:
            return f"an unprivileged user cannot start {sys.executable}: {error}"
    if done.returncode != 0:
        return (
            f"an unprivileged user cannot start {sys.executable} with its packages "
            "(run `python -m autograder.sandbox --prepare` as root)"
        )
    return None


def kernel_uid() -> int | None:
    """A uid for one kernel, not used by any running process; None when not sandboxing."""
    if unavailable() is not None:
        return None
    keep_private(private_paths())
    busy = _uids_in_use()
    while True:
        uid = FIRST_UID + secrets.randbelow(LAST_UID - FIRST_UID + 1)
        if uid not in busy:
            break
    group = cpu_group(uid)
    if group is not None:
        _CPU_GROUPS[uid] = group
    return uid


def hide(paths: Iterable[str | Path]) -> None:
    """Cover `paths` (the grader's inputs and output) in the view of every kernel started later."""
    HIDDEN.extend(Path(path).resolve() for path in paths)


def covering(paths: Iterable[Path]) -> tuple[Path, ...]:
    """What to cover so that none of `paths` is in sight of a kernel, in few mounts: a file's
    folder (one mount for many notebooks) unless that folder is the root or holds the kernels'
    Python, then the file itself; each once, none inside another."""
    needed = {Path(sys.prefix).resolve(), Path(sys.base_prefix).resolve()}
    found = set()
    for path in (Path(p).resolve() for p in paths):
        folder = path if path.is_dir() else path.parent
        holds_python = any(folder == n or folder in n.parents for n in needed)
        found.add(path if folder == Path("/") or holds_python else folder)
    return tuple(sorted(p for p in found if not any(q in p.parents for q in found)))


def confine(uid: int, memory_mb: int, own: Iterable[str]) -> None:
    """Where the machine allows, give the kernel of `uid` a memory ceiling of `memory_mb` and a
    view of the file system in which its `own` folders are all it can reach of the grader's
    (see `autograder.mounts`); `become` puts the kernel in them, `end` removes them."""
    group = memory_group(uid, memory_mb * 2**20)
    if group is not None:
        _MEMORY_GROUPS[uid] = group
    if private_view_available():
        _VIEWS[uid] = mounts.view(own, HIDDEN, max(1, memory_mb // PRIVATE_FOLDER_SHARE))


def private_view_available() -> bool:
    return PRIVATE_VIEW and mounts.available(FIRST_UID)


@contextlib.contextmanager
def withheld(paths: Iterable[Path]) -> Iterator[None]:
    """While the block runs, kernels that have no view of their own (the grader lacks
    CAP_SYS_ADMIN) cannot enter `paths` either: other users' permissions on them are taken
    away, and given back after. Elsewhere (not root, or each kernel covers them) nothing changes."""
    modes: dict[Path, int] = {}
    python = Path(sys.prefix).resolve()  # the kernels' own Python stays within reach
    if unavailable() is None and not private_view_available():
        for path in paths:
            if path == python or path in python.parents:
                continue
            with contextlib.suppress(OSError):
                mode = path.lstat().st_mode
                if not stat.S_ISLNK(mode) and mode & 0o007:
                    path.chmod(stat.S_IMODE(mode) & ~0o007)
                    modes[path] = stat.S_IMODE(mode)
    try:
        yield
    finally:
        for path, mode in modes.items():
            with contextlib.suppress(OSError):
                path.chmod(mode)


def become(uid: int) -> None:
    """Runs in the child before exec: a CPU share, a memory ceiling, SysV IPC and a view of the
    file system of its own where the machine allows, then drop every privilege for `uid`."""
    group = _CPU_GROUPS.get(uid)
    if group is not None:
        with contextlib.suppress(OSError):  # the kernel then shares the grader's CPU share
            (group / "cgroup.procs").write_text(str(os.getpid()))
    memory = _MEMORY_GROUPS.get(uid)
    if memory is not None:  # not joining it would leave the kernel without its ceiling
        (memory / "cgroup.procs").write_text(str(os.getpid()))
    if PRIVATE_IPC:
        _LIBC.unshare(CLONE_NEWIPC)  # fails (EPERM) without CAP_SYS_ADMIN: the IPC cleanup in `end` remains
    seen = _VIEWS.get(uid)
    if seen is not None:
        mounts.enter(seen)  # raises rather than start a kernel that sees more than it should
    os.setgroups([])
    os.setgid(uid)
    os.setuid(uid)


def give(uid: int, *folders: str) -> None:
    for folder in folders:
        os.chown(folder, uid, uid)
        Path(folder).chmod(0o700)


def end(uid: int) -> None:
    """Kill whatever the kernel's user left running (daemons, forked children), remove what
    it left in the world-writable folders and its SysV IPC objects, and its CPU group."""
    # kill(-1) from that user reaches exactly its own processes, all at once (a process
    # that keeps forking cannot slip between a listing and the kills).
    with contextlib.suppress(OSError, subprocess.SubprocessError):
        subprocess.run(
            [sys.executable, "-S", "-c", "import os, signal; os.kill(-1, signal.SIGKILL)"],
            user=uid,
            group=uid,
            extra_groups=[],
            env={},
            cwd="/",
            timeout=30,
        )
    # Each step on its own: what one cannot undo must not leave the others undone.
    for step in (_remove_files, remove_ipc_objects, _remove_cpu_group):
        try:
            step(uid)
        except Exception:
            log.exception("cleaning up after kernel user %s: %s failed", uid, step.__name__)


def _remove_files(uid: int) -> None:
    """Whatever `uid` owns at the top of the world-writable folders, at any depth (see
    `autograder.removal`: no recursion)."""
    for folder in shared_folders(uid):
        owned = []
        with contextlib.suppress(OSError), os.scandir(folder) as entries:
            owned = [e.path for e in entries if _owned_by(e, uid)]
        for path in owned:
            remove_tree(path)


def _owned_by(entry: os.DirEntry[str], uid: int) -> bool:
    try:
        return entry.stat(follow_symlinks=False).st_uid == uid
    except OSError:
        return False


def _remove_cpu_group(uid: int) -> None:
    group = _CPU_GROUPS.pop(uid, None)
    if group is not None:
        _remove_group(group)
    memory = _MEMORY_GROUPS.pop(uid, None)
    if memory is not None:
        _remove_group(memory)
    _VIEWS.pop(uid, None)


def shared_folders(uid: int) -> list[str]:
    """The world-writable folders of SHARED_FOLDERS that exist here, and their world-writable
    subfolders not owned by `uid` (those are removed whole), each once."""
    found: dict[str, None] = {}
    for candidate in SHARED_FOLDERS:
        folder = os.path.realpath(candidate)  # /var/lock is often /run/lock
        if _world_writable(folder, uid):
            found[folder] = None
            with contextlib.suppress(OSError):
                found.update(
                    (entry.path, None)
                    for entry in os.scandir(folder)
                    if entry.is_dir(follow_symlinks=False) and _world_writable(entry.path, uid)
                )
    return list(found)


def _world_writable(path: str, uid: int) -> bool:
    try:
        info = Path(path).stat(follow_symlinks=False)
    except OSError:
        return False
    return stat.S_ISDIR(info.st_mode) and bool(info.st_mode & stat.S_IWOTH) and info.st_uid != uid


def remove_ipc_objects(uid: int) -> list[str]:
    """Remove the SysV shared-memory segments, semaphore sets and message queues that `uid`
    created or owns (as listed in /proc/sysvipc); returns what was removed, e.g. "shm 42".
    A kernel with an IPC namespace of its own has none here: they went with its namespace."""
    removers = {
        "shm": lambda ident: _LIBC.shmctl(ident, IPC_RMID, None),
        "sem": lambda ident: _LIBC.semctl(ident, 0, IPC_RMID),
        "msg": lambda ident: _LIBC.msgctl(ident, IPC_RMID, None),
    }
    removed = []
    for kind in SYSV_IPC:
        for ident in _ipc_objects_of(kind, uid):
            if removers[kind](ident) == 0:
                removed.append(f"{kind} {ident}")
    return removed


def _ipc_objects_of(kind: str, uid: int) -> list[int]:
    """Ids of /proc/sysvipc/<kind> objects whose owner or creator is `uid` (an owner may hand
    an object to another uid; its creator stays)."""
    try:
        header, *rows = Path("/proc/sysvipc", kind).read_text().splitlines()
    except (OSError, ValueError):
        return []
    columns = header.split()
    # The id comes second (shmid, semid, msqid); owner and creator columns are named.
    ident, owner, creator = 1, columns.index("uid"), columns.index("cuid")
    found = []
    for row in rows:
        fields = row.split()
        with contextlib.suppress(ValueError, IndexError):
            if uid in (int(fields[owner]), int(fields[creator])):
                found.append(int(fields[ident]))
    return found


def cpu_group(uid: int) -> Path | None:
    """A new cgroup for the kernel of `uid`, beside none other than the grader's kernels: with
    the default weight, each kernel's processes together get one kernel's share of the CPU.
    cgroup v2 where its cpu controller can be enabled, else v1's cpu hierarchy; None where
    the grader may create neither (then the README's threat model applies)."""
    return _new_group(uid, "cpu", {2: [("cpu.weight", "100")], 1: [("cpu.shares", "1024")]})


def memory_group(uid: int, limit: int) -> Path | None:
    """A new cgroup whose processes together may hold at most `limit` bytes: their own memory,
    shared memory and the tmpfs files they write (beyond it the kernel reclaims what it can,
    then kills). v2's memory.max (no swap beyond it) where its memory controller can be
    enabled, else v1's memory.limit_in_bytes; None where the grader may create neither."""
    ceiling = str(limit)
    return _new_group(
        uid,
        "memory",
        {
            2: [("memory.max", ceiling), ("memory.swap.max", "0")],
            1: [("memory.limit_in_bytes", ceiling), ("memory.memsw.limit_in_bytes", ceiling)],
        },
    )


def ran_out_of_memory(uid: int) -> bool:
    """Whether the kernel of `uid` had a process killed at its memory ceiling (the cgroup's
    own OOM counter: v2's memory.events, v1's memory.oom_control)."""
    group = _MEMORY_GROUPS.get(uid)
    if group is None:
        return False
    for name in ("memory.events", "memory.oom_control"):
        with contextlib.suppress(OSError, ValueError):
            counts = dict(line.split() for line in (group / name).read_text().splitlines())
            return int(counts.get("oom_kill", 0)) > 0
    return False


def _new_group(uid: int, controller: str, settings: dict[int, list[tuple[str, str]]]) -> Path | None:
    """A cgroup for the kernel of `uid` in the first hierarchy with `controller` where the
    grader may make one, set with `settings` for that cgroup version (the first setting is
    needed; the others, such as swap limits the machine may not account, where they exist)."""
    for parent, version in _parents(controller):
        group = parent / f"{CPU_GROUP_PREFIX}{uid}"
        (needed, value), *optional = settings[version]
        existed = group.exists()  # under cgroup v2 the CPU group is this same folder
        try:
            group.mkdir(exist_ok=True)
            (group / needed).write_text(value)
        except OSError:
            if not existed:
                with contextlib.suppress(OSError):
                    group.rmdir()
            continue
        for name, value in optional:
            with contextlib.suppress(OSError):
                (group / name).write_text(value)
        return group
    return None


def _parents(controller: str) -> list[tuple[Path, int]]:
    """Where a group with `controller` may go: the grader's own cgroup in each hierarchy that
    has it, with that hierarchy's cgroup version (2 first)."""
    try:
        mounted = [line.split() for line in Path("/proc/self/mounts").read_text().splitlines()]
        memberships = [line.split(":", 2) for line in Path("/proc/self/cgroup").read_text().splitlines()]
    except OSError:
        return []
    own = {controllers: path for _, controllers, path in (m for m in memberships if len(m) == 3)}
    parents = []
    for fields in mounted:
        if len(fields) < 4:
            continue
        mount, kind, options = Path(fields[1]), fields[2], fields[3].split(",")
        if kind == "cgroup2" and "" in own and _enable(mount / own[""].lstrip("/"), controller):
            parents.append((mount / own[""].lstrip("/"), 2))
        elif kind == "cgroup" and controller in options:
            path = next((p for c, p in own.items() if controller in c.split(",")), "/")
            parents.append((mount / path.lstrip("/"), 1))
    return sorted(parents, key=lambda parent: -parent[1])


def _enable(parent: Path, controller: str) -> bool:
    """Whether v2's `controller` is (or can now be) enabled for the children of `parent`
    (not where `parent` itself holds processes, cgroup v2's rule for inner groups)."""
    try:
        if controller in (parent / "cgroup.subtree_control").read_text().split():
            return True
        if controller not in (parent / "cgroup.controllers").read_text().split():
            return False
        (parent / "cgroup.subtree_control").write_text(f"+{controller}")
    except OSError:
        return False
    return True


def _remove_group(group: Path) -> None:
    """Remove a kernel's cgroup once its killed processes have left it (they take a moment)."""
    for _ in range(50):
        try:
            group.rmdir()
            return
        except FileNotFoundError:
            return
        except OSError:
            time.sleep(0.02)


@functools.cache
def private_ipc_available() -> bool:
    """Whether a child of the grader can get an IPC namespace of its own (a real attempt)."""
    attempt = f"import ctypes, sys; sys.exit(ctypes.CDLL(None).unshare({CLONE_NEWIPC}) != 0)"
    with contextlib.suppress(OSError, subprocess.SubprocessError):
        return (
            subprocess.run([sys.executable, "-S", "-c", attempt], capture_output=True, timeout=30).returncode
            == 0
        )
    return False


def _owners(paths: Iterable[str | Path]) -> set[int]:
    owners = set()
    for path in paths:
        with contextlib.suppress(OSError):  # gone since it was listed
            owners.add(Path(path).stat(follow_symlinks=False).st_uid)
    return owners


def _uids_in_use() -> set[int]:
    """Uids of running processes and of kernel folders just handed out (a kernel of another
    grading process may not have started yet)."""
    processes = (entry.path for entry in os.scandir("/proc") if entry.name.isdigit())
    return _owners(processes) | _owners(Path(tempfile.gettempdir()).glob("autograder-*"))


def private_paths() -> list[Path]:
    """This package's own files and, when it runs from a checkout, everything in the
    checkout but its virtual environment (the master notebook, tests, built zips, .git)."""
    paths = []
    for name in PACKAGES:
        module = sys.modules.get(name) or __import__(name)
        if module.__file__ is None:  # a namespace package: never these two, which have __init__.py
            raise RuntimeError(f"{name} has no __init__.py to locate it by")
        package = Path(module.__file__).resolve().parent
        paths.append(package)
        checkout = package.parent
        pyproject = checkout / "pyproject.toml"
        if pyproject.is_file() and PROJECT_NAME in pyproject.read_text():
            paths += [entry for entry in checkout.iterdir() if entry.name not in KEPT_OPEN]
    return sorted(set(paths))


def keep_private(paths: Iterable[Path]) -> None:
    """Take every permission away from other users (the kernels) on `paths`."""
    for path in paths:
        try:
            mode = path.lstat().st_mode
            if not stat.S_ISLNK(mode) and mode & 0o007:
                path.chmod(mode & ~0o007)
        except OSError:
            continue


def open_the_way(paths: Iterable[str | Path]) -> list[Path]:
    """Give other users search permission (x only) on the directories above `paths`;
    returns the directories changed."""
    changed = []
    for path in paths:
        for folder in reversed(Path(path).resolve().parents):
            mode = folder.stat().st_mode
            if not mode & stat.S_IXOTH:
                folder.chmod(mode | stat.S_IXOTH)
                changed.append(folder)
    return changed


def prepare() -> str:
    if os.geteuid() != 0:
        return "not root: kernels will run as the grader's own user (see the README's threat model)"
    needed = {
        Path(sys.executable).resolve(),
        Path(sys.prefix),
        Path(sys.base_prefix),
        Path(sysconfig.get_paths()["purelib"]),
        Path(sysconfig.get_paths()["stdlib"]),
    }
    changed = open_the_way(sorted(needed))
    keep_private(private_paths())
    unavailable.cache_clear()
    problem = unavailable()
    lines = [f"let other users enter {folder}" for folder in changed]
    lines.append(
        f"kernels cannot run sandboxed: {problem}"
        if problem
        else "kernels run as unprivileged users; the grader's files are private"
    )
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(
        prog="python -m autograder.sandbox",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--prepare", action="store_true", help="set up this machine (as root)")
    args = parser.parse_args()
    if args.prepare:
        print(prepare())
        return 0
    problem = unavailable()
    print(f"sandbox off: {problem}" if problem else "sandbox on")
    if problem is None:
        print("IPC namespace per kernel: " + ("yes" if PRIVATE_IPC and private_ipc_available() else "no"))
        group = cpu_group(FIRST_UID)
        print(f"CPU share per kernel: {'a cgroup beside ' + str(group.parent) if group else 'no'}")
        if group is not None:
            _remove_group(group)
        memory = memory_group(FIRST_UID, 2**30)
        print(
            "memory ceiling per kernel (shared memory and tmpfs included): "
            + (f"a cgroup beside {memory.parent}" if memory else "no (only the data-segment limit)")
        )
        if memory is not None:
            _remove_group(memory)
        print(
            "view of its own per kernel (private /tmp and /dev/shm, inputs and output covered, "
            "other users' processes hidden): "
            + ("yes" if private_view_available() else "no (inputs are made private while a batch runs)")
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
