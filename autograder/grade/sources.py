"""What `grade` was given, as a list of submissions: notebooks, folders of them, zips of them, and
Gradescope's "Export Submissions" zip (or its extracted folder).

An export holds `submission_metadata.yml` (who submitted each `submission_<id>` folder) and the
folders themselves, each with whatever files the student uploaded. Gradescope writes the YAML
from Ruby, so its keys are symbols spelled `:name`; they are read here without the colon.
"""

from __future__ import annotations

import json
import re
import zipfile
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath

import yaml

from autograder.assignment import Assignment
from autograder.notebook import MAX_BYTES, read_notebook
from autograder.removal import remove_tree
from autograder.statements import bound_names, parse

METADATA = "submission_metadata.yml"
# Bounds an export zip must stay within once extracted (a class of 300 is ~100 MB).
MAX_UNZIPPED = 2 * 2**30
MAX_MEMBERS = 200_000
# Bounds on submission_metadata.yml: a class of 1,000 is ~300 kB and uses no YAML aliases
# (a few nested aliases expand to millions of items).
MAX_METADATA_BYTES = 16 * 2**20
MAX_ALIASES = 100
MAX_METADATA_ITEMS = 200_000
# What a student who uploaded no notebook reads, on Gradescope and in a regrade alike.
ASK_FOR_THE_NOTEBOOK = (
    "Upload your notebook itself (the .ipynb file Jupyter saved): exports such as "
    ".py, .html or .pdf files cannot be graded."
)


class SourceError(ValueError):
    """An input cannot be read as submissions; the message says why, for the TA."""


class NotANotebook(SourceError):
    """A file given to grade that is neither a notebook nor a zip (a CSV, a PDF, a .py)."""

    def __init__(self, path: Path) -> None:
        super().__init__(
            f"{path}: not a notebook ({path.suffix or 'no extension'}); give the students' .ipynb "
            'files, a folder or zip of them, or Gradescope\'s "Export Submissions" zip'
        )
        self.path = path


@dataclass(frozen=True)
class Student:
    name: str
    sid: str
    email: str


@dataclass(frozen=True)
class Submission:
    """One row of the gradebook. `notebook` is None when nothing gradable was uploaded;
    `note` tells the student which file was graded when there was a choice; `submitted` is
    when, as the export's metadata says (None when it does not)."""

    notebook: Path | None
    name: str
    students: tuple[Student, ...] = ()
    note: str = ""
    submitted: datetime | None = None


@dataclass(frozen=True)
class Entry:
    """One submission in `submission_metadata.yml`: who submitted it, and when."""

    students: tuple[Student, ...]
    submitted: datetime | None = None


def collect(paths: list[Path], workdir: Path, assignment: Assignment) -> list[Submission]:
    """Every submission in `paths`, named uniquely; zips are extracted under `workdir`; where a
    student uploaded several notebooks, the one for `assignment` is chosen."""
    found: list[Submission] = []
    for n, path in enumerate(paths):
        if not path.exists():
            raise SourceError(f"{path}: no such file or folder")
        given = path
        if path.is_file() and path.suffix.lower() == ".zip":
            path = extract(path, workdir / f"{n}-{path.stem}")
        if path.is_dir():
            root = export_root(path)
            try:
                found.extend(
                    read_export(root, assignment)
                    if root
                    else [Submission(p, p.stem) for p in notebooks_in(path)]
                )
            except SourceError as error:  # named as the TA gave it, not by the temporary folder
                raise SourceError(str(error).replace(f"{path}/", f"{given}: ")) from None
        elif path.suffix.lower() != ".ipynb":  # e.g. the scores CSV where a submission goes
            raise NotANotebook(path)
        else:
            found.append(Submission(path, path.stem))
    return _unique(found)


def notebooks_in(folder: Path) -> list[Path]:
    return [
        p
        for p in sorted(folder.rglob("*.ipynb"))
        if ".ipynb_checkpoints" not in p.parts and "__MACOSX" not in p.parts
    ]


# What `grade` writes beside the submissions' folders in --out (and the temporary names it
# writes them under): a submission named so (`grades.csv.ipynb`) is numbered instead.
CLASS_FILES = ("grades.csv", "brightspace.csv", "canvas.csv", "changes.csv", "report.html", "report")
_TAKEN = frozenset(name.casefold() for base in CLASS_FILES for name in (base, f"{base}.partial"))


def _unique(submissions: list[Submission]) -> list[Submission]:
    """Each submission's name is its output folder: number the ones that clash, with each other
    or with a class file; a name of dots only (`...ipynb`: `..`) would be a folder outside
    --out and is `notebook` instead."""
    unique, used = [], set()
    for submission in submissions:
        base = submission.name if submission.name.strip(".") else "notebook"
        name, n = base, 1
        while name in used or name.casefold() in _TAKEN:
            n += 1
            name = f"{base}-{n}"
        used.add(name)
        unique.append(replace(submission, name=name))
    return unique


# -- zips ------------------------------------------------------------------------------------


def extract(archive: Path, into: Path, *, limit: int = MAX_UNZIPPED) -> Path:
    """Extract `archive` into `into`, refusing the whole zip if any member would land outside it
    (an absolute path or `..`) or if it unpacks to more than `limit` bytes."""
    try:
        with zipfile.ZipFile(archive) as zf:
            members = [m for m in zf.infolist() if not m.filename.startswith("__MACOSX/")]
            if len(members) > MAX_MEMBERS:
                raise SourceError(f"{archive}: more than {MAX_MEMBERS} files")
            if sum(m.file_size for m in members) > limit:
                raise SourceError(f"{archive}: unpacks to more than {limit // 2**20} MB")
            targets = [(m, _target(archive, into, m.filename)) for m in members]
            _refuse_clashes(archive, [(m.filename, m.is_dir()) for m in members])
            written = 0
            for member, target in targets:
                if member.is_dir():
                    _make_folders(target)
                    continue
                _make_folders(target.parent)
                # Written by hand, counting bytes, because a zip's declared sizes can lie.
                # Symbolic links come out as small text files, never as links.
                with zf.open(member) as source, target.open("wb") as sink:
                    while chunk := source.read(2**20):
                        written += len(chunk)
                        if written > limit:
                            raise SourceError(f"{archive}: unpacks to more than {limit // 2**20} MB")
                        sink.write(chunk)
    except SourceError:
        remove_tree(into)
        raise
    except UnicodeDecodeError:  # a member name flagged UTF-8 that is not
        remove_tree(into)
        raise SourceError(
            f"{archive}: a member's name is not valid UTF-8 although the zip says it is"
        ) from None
    except (
        zipfile.BadZipFile,
        zipfile.LargeZipFile,
        NotImplementedError,
        RuntimeError,
        EOFError,
        ValueError,
        OSError,
    ) as error:
        remove_tree(into)
        raise SourceError(f"{archive}: not a readable zip ({type(error).__name__}: {error})") from None
    return into


def _make_folders(folder: Path) -> None:
    """`folder` and the folders above it that are missing, without recursion (a student's
    upload may nest folders thousands deep, where `Path.mkdir(parents=True)` recurses)."""
    missing = []
    while not folder.is_dir() and folder != folder.parent:
        missing.append(folder)
        folder = folder.parent
    for each in reversed(missing):
        each.mkdir(exist_ok=True)


def _refuse_clashes(archive: Path, names: list[tuple[str, bool]]) -> None:
    """Refuse a zip where one name is both a file and a folder (`sub/a` and `sub/a/b.ipynb`)
    or where a file is named twice: extracting it would fail halfway or overwrite."""
    files: set[tuple[str, ...]] = set()
    folders: set[tuple[str, ...]] = set()
    for name, is_dir in names:
        parts = tuple(p for p in PurePosixPath(name.replace("\\", "/")).parts if p != ".")
        folders.update(parts[:i] for i in range(1, len(parts)))
        if is_dir:
            folders.add(parts)
        elif parts in files:
            raise SourceError(f"{archive}: refusing a zip that holds {name!r} twice")
        else:
            files.add(parts)
    clash = files & folders
    if clash:
        shown = "/".join(min(clash))
        raise SourceError(f"{archive}: refusing a zip where {shown!r} is both a file and a folder")


def _target(archive: Path, into: Path, name: str) -> Path:
    parts = PurePosixPath(name.replace("\\", "/"))
    if parts.is_absolute() or re.match(r"^[A-Za-z]:", name) or ".." in parts.parts:
        raise SourceError(f"{archive}: refusing unsafe member {name!r} (absolute path or '..')")
    if "\0" in name or not parts.parts:
        raise SourceError(f"{archive}: refusing a member with an unusable name {name!r}")
    return into.joinpath(*parts.parts)


# -- Gradescope exports ----------------------------------------------------------------------


def export_root(folder: Path) -> Path | None:
    """The folder holding `submission_metadata.yml`: `folder` itself or, as when Gradescope
    zips an export under `assignment_<id>_export/`, its one subfolder that has it."""
    if (folder / METADATA).is_file():
        return folder
    inner = [p.parent for p in folder.glob(f"*/{METADATA}")]
    return inner[0] if len(inner) == 1 else None


class _RubyTolerantLoader(yaml.SafeLoader):
    """Safe loading that reads Ruby-tagged values (`!ruby/object:...`) as plain data instead
    of failing on the whole file, and refuses more than `MAX_ALIASES` aliases."""

    aliases = 0

    def compose_node(self, parent: yaml.Node | None, index: int) -> yaml.Node | None:
        if self.check_event(yaml.AliasEvent):
            self.aliases += 1
            if self.aliases > MAX_ALIASES:
                raise SourceError(f"more than {MAX_ALIASES} YAML aliases (Gradescope writes none)")
        return super().compose_node(parent, index)


def _plain(loader: yaml.SafeLoader, suffix: str, node: yaml.Node) -> object:
    if isinstance(node, yaml.MappingNode):
        return loader.construct_mapping(node, deep=True)
    if isinstance(node, yaml.SequenceNode):
        return loader.construct_sequence(node, deep=True)
    return loader.construct_scalar(node)  # type: ignore[arg-type]  # a ScalarNode by elimination


_RubyTolerantLoader.add_multi_constructor("!", _plain)
# Every scalar read as the text it is: an unquoted SID `0012345` keeps its zeros (YAML 1.1
# would read it as the octal number 5349).
_RubyTolerantLoader.yaml_implicit_resolvers = {}


def _symbols(data: object, budget: list[int]) -> object:
    """Ruby symbol keys (`:name`) as plain ones (`name`), all the way down; at most
    `MAX_METADATA_ITEMS` values in all (aliases can make a small file expand enormously)."""
    budget[0] -= 1
    if budget[0] < 0:
        raise SourceError(f"more than {MAX_METADATA_ITEMS} values once expanded")
    if isinstance(data, dict):
        return {str(k).removeprefix(":"): _symbols(v, budget) for k, v in data.items()}
    if isinstance(data, list):
        return [_symbols(v, budget) for v in data]
    return data


def submission_folder(key: str) -> str | None:
    """Why `key` cannot name a submission folder, or None: it must be one plain path
    component (Gradescope writes `submission_<id>`), never `..`, `/abs` or `a/b`."""
    if not key or key in (".", "..") or len(key) > 255:
        return "not a folder name"
    if "/" in key or "\\" in key or re.match(r"^[A-Za-z]:", key):
        return "a path, not a folder name"
    if not key.isprintable():
        return "holds control characters"
    try:
        key.encode("utf-8")
    except UnicodeEncodeError:
        return "not valid text"
    return None


def read_metadata(root: Path) -> dict[str, Entry]:
    """Submission folder name -> its submitters and time, from `submission_metadata.yml`."""
    path = root / METADATA
    try:
        if path.stat().st_size > MAX_METADATA_BYTES:
            raise SourceError(f"larger than {MAX_METADATA_BYTES // 2**20} MB")
        loaded = yaml.load(path.read_text(encoding="utf-8"), Loader=_RubyTolerantLoader)
        data = _symbols(loaded, [MAX_METADATA_ITEMS])
    except SourceError as error:
        raise SourceError(f"{path}: refused ({error})") from None
    except (OSError, UnicodeDecodeError, yaml.YAMLError, RecursionError, ValueError, TypeError) as error:
        raise SourceError(f"{path}: cannot be read ({type(error).__name__}: {error})") from None
    if not isinstance(data, dict):
        raise SourceError(f"{path}: not a mapping of submission folders")
    entries: dict[str, Entry] = {}
    for folder, entry in data.items():
        problem = submission_folder(folder)
        if problem:
            raise SourceError(
                f"{path}: refused: the key {folder!r} is {problem}; "
                "each key must name one submission folder beside the file"
            )
        submitters = entry.get("submitters") if isinstance(entry, dict) else None
        created = _time(entry.get("created_at")) if isinstance(entry, dict) else None
        entries[folder] = Entry(
            tuple(
                Student(*(_field(s.get(key)) for key in ("name", "sid", "email")))
                for s in (submitters if isinstance(submitters, list) else [])
                if isinstance(s, dict)
            ),
            created,
        )
    return entries


def _time(value: object) -> datetime | None:
    """`:created_at:` as Gradescope writes it (`2023-09-01 12:00:00.000000000 -04:00`); a
    time without a zone is taken as UTC; anything else counts as unknown."""
    try:
        when = datetime.fromisoformat(str(value).strip())
    except ValueError:
        return None
    return when if when.tzinfo else when.replace(tzinfo=UTC)


def _field(value: object) -> str:
    """A submitter's name, SID or e-mail as text; anything but a plain value counts as none."""
    return str(value).strip() if isinstance(value, (str, int, float)) and not isinstance(value, bool) else ""


def read_export(root: Path, assignment: Assignment) -> list[Submission]:
    """One submission per folder the metadata names (and per unnamed `submission_*` folder)."""
    entries = read_metadata(root)
    extra = {p.name for p in root.glob("submission_*") if p.is_dir()} - set(entries)
    submissions = []
    inside = root.resolve()
    for folder in sorted(entries) + sorted(extra):
        if (root / folder).is_symlink() or not (root / folder).resolve().is_relative_to(inside):
            raise SourceError(f"{root / folder}: refused: a link out of the export")
        notebook, note = choose_notebook(root / folder, assignment)
        entry = entries.get(folder, Entry(()))
        submissions.append(Submission(notebook, folder, entry.students, note, entry.submitted))
    return submissions


def choose_notebook(folder: Path, assignment: Assignment) -> tuple[Path | None, str]:
    """The notebook to grade among a student's uploads, and a note saying why when there was
    a choice: the one that defines the most of the names the questions ask for; among equals,
    the one whose otter metadata names this assignment, else one named for it, else the largest.
    Whatever the uploads make reading them raise, this submission has no notebook, never the
    batch an error."""
    try:
        return _choose(folder, assignment)
    except Exception as error:
        return None, (
            f"The files uploaded could not be read ({type(error).__name__}), so no notebook was graded. "
            f"{ASK_FOR_THE_NOTEBOOK}"
        )


def _choose(folder: Path, assignment: Assignment) -> tuple[Path | None, str]:
    candidates = notebooks_in(folder) if folder.is_dir() else []
    if not candidates:
        uploaded = (
            sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file())
            if folder.is_dir()
            else []
        )
        listing = f" (uploaded: {', '.join(uploaded)})" if uploaded else ""
        return None, f"No .ipynb file was found in this submission{listing}. {ASK_FOR_THE_NOTEBOOK}"
    if len(candidates) == 1:
        return candidates[0], ""
    # First the notebook that answers the most (a scratch copy or the blank template answers
    # less), then among those: otter's metadata, the assignment's name, the size.
    asked = assignment.rubric.asked
    answers = {p: _answers(p, asked, assignment.name) for p in candidates}
    most = max(answers.values())
    best = [p for p in candidates if answers[p] == most]
    name = assignment.name
    by_metadata = [p for p in best if _assignment_name(p) == name]
    by_name = [p for p in best if _named_for(p, assignment)]
    if len(best) == 1 and most > 0:
        chosen = best[0]
        reason = f"it defines the most of the names the questions ask for ({most} of {len(asked)})"
    elif by_metadata:
        chosen, reason = _largest(by_metadata), f"its notebook metadata names the assignment {name}"
    elif by_name:
        chosen, reason = _largest(by_name), f"its name is the assignment's ({name})"
    else:
        chosen, reason = _largest(best), "it is the largest"
    names = ", ".join(p.relative_to(folder).as_posix() for p in candidates)
    return chosen, (
        f"{len(candidates)} notebooks were uploaded ({names}); "
        f"{chosen.relative_to(folder).as_posix()} was graded because {reason}."
    )


def _named_for(path: Path, assignment: Assignment) -> bool:
    """Whether the file is named for the assignment: its name, or its `file_pattern`."""
    pattern = assignment.file_pattern or re.escape(assignment.name)
    return re.search(pattern, path.name, re.IGNORECASE) is not None


def _answers(path: Path, asked: frozenset[str], assignment: str) -> int:
    """How many of the names the questions ask for (`asked`) the notebook's code binds (0 if
    unreadable)."""
    try:
        cells = read_notebook(path, assignment)
        return len(asked & set().union(*(bound_names(parse(c.source)) for c in cells if c.kind == "code")))
    except Exception:  # any file a student uploaded, however built, answers nothing and stops nothing
        return 0


def _largest(paths: list[Path]) -> Path:
    return max(paths, key=lambda p: p.stat().st_size)


def _assignment_name(path: Path) -> str | None:
    """`metadata.otter.assignment_name`, which `otter assign` writes into the student notebook."""
    try:
        if path.stat().st_size > MAX_BYTES:
            return None
        metadata = json.loads(path.read_text(encoding="utf-8")).get("metadata", {})
        name = metadata.get("otter", {}).get("assignment_name")
        return name if isinstance(name, str) else None
    except Exception:  # unreadable (OSError, ValueError, RecursionError, ...): it names nothing
        return None
