"""A kernel's own view of the file system, where the grader holds CAP_SYS_ADMIN (found by trying).

In a mount namespace of its own, made in the child that becomes the kernel while it is still
root (`enter`, called by `sandbox.become`):
- the world-writable folders (/tmp, /dev/shm, /var/tmp, ...) are fresh tmpfs of a fixed size,
  so what the kernel writes there is its own, counts against its memory, and goes with it;
- the places people keep files (/home, /root, /mnt, /media, /srv), the grader's inputs and
  output folder and its temporary folder are covered by empty folders only root may write;
- the folders the kernel needs (its working folder, home and sockets; the Python it runs and
  its packages) are shown again at their own paths;
- /proc is mounted afresh with hidepid=invisible: the kernel sees only its own user's
  processes, never the grader's command line or another kernel's.
Nothing here propagates back to the grader's mounts (the new namespace is made private first).
"""

from __future__ import annotations

import contextlib
import ctypes
import functools
import os
import subprocess
import sys
import sysconfig
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

CLONE_NEWNS = 0x00020000
MS_RDONLY, MS_NOSUID, MS_NODEV, MS_NOEXEC = 0x1, 0x2, 0x4, 0x8
MS_BIND, MS_REC, MS_PRIVATE = 0x1000, 0x4000, 0x40000
O_PATH = 0o10000000
# Where people keep files on a grading machine: nothing there is the kernel's business.
PERSONAL_FOLDERS = ("/home", "/root", "/mnt", "/media", "/srv")
# World-writable folders that get a private tmpfs (/dev/mqueue shows the IPC namespace's own queues).
PRIVATE_FOLDERS = ("/tmp", "/var/tmp", "/dev/shm", "/run/shm", "/run/lock", "/var/lock", "/var/crash")
COVER = "size=64k,nr_inodes=64,mode=755"  # an empty folder only root may write, with room for mount points
# Resolved in the grading process: the child that becomes the kernel only calls it.
_LIBC = ctypes.CDLL(None, use_errno=True)


@dataclass(frozen=True)
class View:
    """What a kernel sees: `shown` at their own paths, `covered` empty, world-writable folders
    each a tmpfs of `private_mb`."""

    shown: tuple[str, ...]
    covered: tuple[str, ...]
    private_mb: int


def view(own: Iterable[str], hidden: Iterable[str | Path], private_mb: int) -> View:
    """The view of a kernel whose own folders are `own`, with `hidden` (the grader's inputs and
    output, say) covered besides the personal folders and the temporary folder."""
    needed = {sys.prefix, sys.base_prefix, str(Path(sys.executable).resolve().parent)}
    needed |= {
        path for name, path in sysconfig.get_paths().items() if name in ("stdlib", "purelib", "platlib")
    }
    shown = {os.path.realpath(path) for path in (*own, *needed)}
    covered = {
        os.path.realpath(path) for path in (*PERSONAL_FOLDERS, tempfile.gettempdir(), *map(str, hidden))
    }
    return View(tuple(sorted(shown, key=len)), tuple(sorted(covered, key=len)), private_mb)


def enter(seen: View) -> None:
    """Runs in the child before it drops root (see the module's text). Raises OSError when a
    step fails: a kernel is never started with half a view."""
    _check(_LIBC.unshare(CLONE_NEWNS), "unshare")
    _mount(None, "/", None, MS_REC | MS_PRIVATE)
    shown = [(path, os.open(path, O_PATH)) for path in seen.shown if Path(path).exists()]
    private = _private_folders()  # before covering: a covered /tmp is no longer world-writable
    for path in seen.covered:
        if Path(path).is_dir():
            _mount("tmpfs", path, "tmpfs", MS_NOSUID | MS_NODEV, COVER)
        elif os.path.lexists(path):
            _mount("/dev/null", path, None, MS_BIND)
    for path in private:
        _mount("tmpfs", path, "tmpfs", MS_NOSUID | MS_NODEV, f"size={seen.private_mb}m,mode=1777")
    for path, handle in shown:
        if not _same(path, handle):
            Path(path).mkdir(mode=0o755, parents=True, exist_ok=True)
            _mount(f"/proc/self/fd/{handle}", path, None, MS_BIND | MS_REC)
        os.close(handle)
    _mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, "hidepid=invisible")


def _private_folders() -> list[str]:
    """The world-writable folders of PRIVATE_FOLDERS here, each once (/var/lock is often /run/lock)."""
    found: dict[str, None] = {}
    for candidate in PRIVATE_FOLDERS:
        folder = os.path.realpath(candidate)
        with contextlib.suppress(OSError):
            if Path(folder).is_dir() and Path(folder).stat().st_mode & 0o002:
                found[folder] = None
    return list(found)


def _same(path: str, handle: int) -> bool:
    try:
        return os.path.samestat(Path(path).stat(), os.fstat(handle))
    except OSError:
        return False


def _mount(source: str | None, target: str, kind: str | None, flags: int, options: str | None = None) -> None:
    encoded = [None if text is None else text.encode() for text in (source, target, kind, options)]
    _check(
        _LIBC.mount(encoded[0], encoded[1], encoded[2], ctypes.c_ulong(flags), encoded[3]), f"mount {target}"
    )


def _check(returned: int, what: str) -> None:
    if returned != 0:
        error = ctypes.get_errno()
        raise OSError(error, f"{what}: {os.strerror(error)}")


@functools.cache
def available(uid: int) -> bool:
    """Whether a child of the grader can get this view: a real attempt, in a child that then
    runs as `uid` and must see no process of another user."""
    attempt = (
        "import os, runpy, sys\n"
        f"mounts = runpy.run_path({__file__!r})\n"  # this module alone, not the package: quicker
        "mounts['enter'](mounts['view']([], [], 1))\n"
        f"os.setgroups([]); os.setgid({uid}); os.setuid({uid})\n"
        "others = [e for e in os.listdir('/proc') if e.isdigit() and os.stat('/proc/' + e).st_uid != os.getuid()]\n"
        "sys.exit(1 if others or not os.listdir('/proc/self/fd') else 0)\n"
    )
    with contextlib.suppress(OSError, subprocess.SubprocessError):
        done = subprocess.run([sys.executable, "-S", "-c", attempt], capture_output=True, timeout=60, cwd="/")
        return done.returncode == 0
    return False
