"""Output folders the verbs replace or fill: what else a folder holds, so that a verb refuses
a folder of someone's own files (`--out ~/Documents`) before it writes or changes anything."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

# What a file browser leaves in a folder it shows (Finder, Explorer): never a TA's own files,
# so a folder a TA looked at is still the folder a verb wrote.
BROWSER_FILES = frozenset({".DS_Store", "Thumbs.db", "desktop.ini"})


def browser_file(path: Path) -> bool:
    return path.name in BROWSER_FILES or path.name.startswith("._")  # `._x`: macOS metadata on other disks


def foreign(folder: Path, ours: Callable[[Path], bool]) -> list[str]:
    """The names in `folder` that `ours` does not claim, sorted: none when `folder` does not
    exist, the folder itself when it is not a folder."""
    if not folder.exists():
        return []
    if not folder.is_dir():
        return [folder.name]
    return sorted(path.name for path in folder.iterdir() if not (ours(path) or browser_file(path)))


def listed(names: list[str], most: int = 5) -> str:
    """`a.txt, notes, ...` for a message."""
    return ", ".join(names[:most]) + (", ..." if len(names) > most else "")
