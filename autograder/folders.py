"""Output folders the verbs replace or fill: what else a folder holds, so that a verb refuses
a folder of someone's own files (`--out ~/Documents`) before it writes or changes anything."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path


def foreign(folder: Path, ours: Callable[[Path], bool]) -> list[str]:
    """The names in `folder` that `ours` does not claim, sorted: none when `folder` does not
    exist, the folder itself when it is not a folder."""
    if not folder.exists():
        return []
    if not folder.is_dir():
        return [folder.name]
    return sorted(path.name for path in folder.iterdir() if not ours(path))


def shown(names: list[str], most: int = 5) -> str:
    """`a.txt, notes, ...` for a message."""
    return ", ".join(names[:most]) + (", ..." if len(names) > most else "")
