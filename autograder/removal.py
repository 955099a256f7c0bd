"""Removing what a kernel left: folders of any depth, without recursion.

`shutil.rmtree` recurses once per level (a folder 3,000 levels deep raises RecursionError)
and `os.fwalk` keeps one open folder per level (past ~1,000 it runs out of file
descriptors). Here a folder is emptied by flattening: its subfolders' entries move up into
it, one level at a time, so at most two folders are open and every entry moves once. Links
are removed, never followed.
"""

from __future__ import annotations

import contextlib
import logging
import os
import stat
from pathlib import Path

log = logging.getLogger(__name__)
_FOLDER = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW


def remove_tree(path: str | Path) -> bool:
    """Remove `path` (a file, a link or a folder with everything in it); never raises.
    Whether it is gone."""
    try:
        if not stat.S_ISDIR(os.lstat(path).st_mode):
            Path(path).unlink()
            return True
        top = os.open(path, _FOLDER)
    except FileNotFoundError:
        return True
    except OSError as error:
        log.warning("could not remove %s: %s", path, error)
        return False
    try:
        _empty(top)
    except Exception as error:  # a cleanup never stops the grader: what remains is logged
        log.warning("could not empty %s: %s", path, error)
    finally:
        os.close(top)
    try:
        Path(path).rmdir()
    except FileNotFoundError:
        return True
    except OSError as error:
        log.warning("could not remove %s: %s", path, error)
        return False
    return True


def _empty(top: int) -> None:
    """Remove everything in the open folder `top`: files at once; a subfolder's entries move
    up into `top` under new names, then the subfolder (now empty) goes. Until a pass changes
    nothing (what is left cannot be removed)."""
    moved = 0
    changed = True
    while changed:
        changed = False
        with os.scandir(top) as listing:
            entries = [(entry.name, entry.is_dir(follow_symlinks=False)) for entry in listing]
        for name, is_folder in entries:
            if not is_folder:
                with contextlib.suppress(OSError):
                    os.unlink(name, dir_fd=top)
                    changed = True
                continue
            with contextlib.suppress(OSError):
                os.rmdir(name, dir_fd=top)
                changed = True
                continue
            moved, lifted = _lift(top, name, moved)
            changed = changed or lifted


def _lift(top: int, name: str, moved: int) -> tuple[int, bool]:
    """Move the entries of `top`'s subfolder `name` into `top`; (the names used so far,
    whether any entry moved). A new name that is taken is skipped: everything here goes."""
    try:
        inner = os.open(name, _FOLDER, dir_fd=top)
    except OSError:
        return moved, False
    lifted = False
    try:
        with os.scandir(inner) as listing:
            children = [entry.name for entry in listing]
        for child in children:
            for _ in range(3):
                moved += 1
                try:
                    os.rename(child, f".removing-{moved}", src_dir_fd=inner, dst_dir_fd=top)
                except OSError:
                    continue
                lifted = True
                break
    except OSError:
        pass
    finally:
        os.close(inner)
    return moved, lifted
