"""Running the student's kernel as a user of its own.

When the grader runs as root (Gradescope does; so can a grading machine), each kernel gets a
fresh unprivileged uid that owns nothing: it cannot read what is not world-readable (the
golden values, this package, the master notebook, other students' work), cannot write
outside its own folders (results, the grader's files), and cannot reach another student's
kernel. Everything that uid left running is killed when the submission is done.

`python -m autograder.sandbox --prepare` (run by ./setup.sh and by the Gradescope image's
set-up) makes that possible: it lets other users *enter* (not list) the directories on the
way to this Python, and makes this package and its checkout private.
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import os
import secrets
import shutil
import stat
import subprocess
import sys
import sysconfig
import tempfile
from pathlib import Path

# Kernel uids come from a range no Debian-style system gives to users or services
# (and that rootless container runtimes still map).
FIRST_UID, LAST_UID = 62000, 64999
PACKAGES = ("autograder", "reference")
PROJECT_NAME = "tdm40200-autograder"
KEPT_OPEN = {".venv"}  # entries of a checkout a kernel still needs (its Python lives there)
SHARED_FOLDERS = ("/tmp", "/var/tmp", "/dev/shm")  # where any user may leave files
# Processes and threads a kernel's user may have at once. Threads count: XLA sizes its pools
# by the number of CPUs, so the limit grows with them, far above what a notebook needs.
PROCESS_LIMIT = 256 + 8 * (os.cpu_count() or 1)


@functools.cache
def unavailable() -> str | None:
    """Why kernels cannot run as their own user here, or None when they can."""
    if os.geteuid() != 0:
        return "the grader is not running as root, so kernels run as the grader's own user"
    check = ("import importlib.util as u, sys; "
             "sys.exit(0 if u.find_spec('ipykernel') and u.find_spec('jax') else 3)")
    uid = FIRST_UID
    with tempfile.TemporaryDirectory() as folder:
        os.chown(folder, uid, uid)
        try:
            done = subprocess.run([sys.executable, "-c", check], cwd=folder, env={"HOME": folder},
                                  user=uid, group=uid, extra_groups=[], capture_output=True, timeout=60)
        except (OSError, subprocess.SubprocessError) as error:
            return f"an unprivileged user cannot start {sys.executable}: {error}"
    if done.returncode != 0:
        return (f"an unprivileged user cannot start {sys.executable} with its packages "
                "(run `python -m autograder.sandbox --prepare` as root)")
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
            return uid


def become(uid: int) -> None:
    """Runs in the child before exec: drop every privilege for `uid` (group too)."""
    os.setgroups([])
    os.setgid(uid)
    os.setuid(uid)


def give(uid: int, *folders: str) -> None:
    for folder in folders:
        os.chown(folder, uid, uid)
        os.chmod(folder, 0o700)


def end(uid: int) -> None:
    """Kill whatever the kernel's user left running (daemons, forked children) and remove
    what it left in the shared temporary folders."""
    # kill(-1) from that user reaches exactly its own processes, all at once (a process
    # that keeps forking cannot slip between a listing and the kills).
    with contextlib.suppress(OSError, subprocess.SubprocessError):
        subprocess.run([sys.executable, "-S", "-c", "import os, signal; os.kill(-1, signal.SIGKILL)"],
                       user=uid, group=uid, extra_groups=[], env={}, cwd="/", timeout=30)
    for folder in SHARED_FOLDERS:
        with contextlib.suppress(OSError):
            for entry in os.scandir(folder):
                with contextlib.suppress(OSError):
                    if entry.stat(follow_symlinks=False).st_uid == uid:
                        if entry.is_dir(follow_symlinks=False):
                            shutil.rmtree(entry.path, ignore_errors=True)
                        else:
                            os.unlink(entry.path)


def _owners(paths) -> set[int]:
    owners = set()
    for path in paths:
        with contextlib.suppress(OSError):  # gone since it was listed
            owners.add(os.stat(path, follow_symlinks=False).st_uid)
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
        package = Path(module.__file__).resolve().parent
        paths.append(package)
        checkout = package.parent
        pyproject = checkout / "pyproject.toml"
        if pyproject.is_file() and PROJECT_NAME in pyproject.read_text():
            paths += [entry for entry in checkout.iterdir() if entry.name not in KEPT_OPEN]
    return sorted(set(paths))


def keep_private(paths) -> None:
    """Take every permission away from other users (the kernels) on `paths`."""
    for path in paths:
        try:
            mode = path.lstat().st_mode
            if not stat.S_ISLNK(mode) and mode & 0o007:
                path.chmod(mode & ~0o007)
        except OSError:
            continue


def open_the_way(paths) -> list[Path]:
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
    needed = {Path(sys.executable).resolve(), Path(sys.prefix), Path(sys.base_prefix),
              Path(sysconfig.get_paths()["purelib"]), Path(sysconfig.get_paths()["stdlib"])}
    changed = open_the_way(sorted(needed))
    keep_private(private_paths())
    unavailable.cache_clear()
    problem = unavailable()
    lines = [f"let other users enter {folder}" for folder in changed]
    lines.append(f"kernels cannot run sandboxed: {problem}" if problem else
                 "kernels run as unprivileged users; the grader's files are private")
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m autograder.sandbox", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--prepare", action="store_true", help="set up this machine (as root)")
    args = parser.parse_args()
    if args.prepare:
        print(prepare())
        return 0
    problem = unavailable()
    print(f"sandbox off: {problem}" if problem else "sandbox on")
    return 0


if __name__ == "__main__":
    sys.exit(main())
