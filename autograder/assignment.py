"""An assignment as the engine sees it, and where the engine finds it.

Everything an instructor owns lives in one folder, `assignments/<name>/` (or any folder holding
the same files, such as a copy an instructor tries a change in): its `__init__.py` defines
`ASSIGNMENT`, an `Assignment`. The engine under `autograder/` names no assignment: the verbs
take the assignment from `--assignment`, the master notebook's plugin config or the notebook's
otter metadata (`assignment_name`, which `otter assign` writes), and pass it on.
"""

from __future__ import annotations

import hashlib
import importlib
import importlib.util
import random
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Protocol

from autograder.checks.compare import Tolerance
from autograder.checks.observation import Check, Plan
from autograder.golden import Golden, read_golden
from autograder.hints import Hint
from autograder.rubric import Rubric

# The folder of the assignments shipped with the engine (a checkout's, or the copy in the
# Gradescope zip).
ASSIGNMENTS = Path(__file__).resolve().parents[1] / "assignments"


class QuestionChecks(Protocol):
    """One question's checks (a module of the assignment's `checks/`): the probe inputs it
    chooses at grading time and one check per rubric item. `PROBED`: every item reads the
    question's probe, so a probe that failed as a whole fails every item with its reason."""

    @property
    def QUESTION(self) -> str: ...

    @property
    def PROBED(self) -> bool: ...

    @property
    def CHECKS(self) -> Mapping[str, Check]: ...

    def plan(self, rng: random.Random, golden: Golden) -> Plan: ...


@dataclass(frozen=True)
class Rules:
    """The grading rules the master's public tests state as the checks apply them, written once
    in the assignment's folder: `tolerance` is every `rtol`/`atol` a public test writes (None:
    not checked); `stated`, by item, phrases its public test must hold (a threshold's figure).
    `build` refuses a master that says otherwise (`autograder.build.master`)."""

    tolerance: Tolerance | None = None
    stated: Mapping[str, tuple[str, ...]] = field(default_factory=dict)


@dataclass(frozen=True)
class Assignment:
    """`name` is the master's `name:` (what otter writes as the notebook's `assignment_name`);
    `title` is what students and the report read; `folder` holds the master notebook
    (`<name>.ipynb`), `examples/` and `golden.json`. `probes` is the kernel-side source of the
    assignment's probes (sent to the kernel as text, beside the engine's own). `hints`: by item,
    the hint its public test gives after a failure (`autograder.build.master.public_messages`);
    `rules`: what the master's public tests must state as the checks apply it."""

    name: str
    title: str
    folder: Path
    rubric: Rubric
    checks: Mapping[str, QuestionChecks]
    probes: Path
    # The gradebook item's name in the LMS files, unless `grade --lms-item` says otherwise.
    gradebook_item: str = ""
    # Other names a student may give the notebook's file (`project-1.ipynb`), as a pattern.
    file_pattern: str = ""
    extra: Mapping[str, object] = field(default_factory=dict)
    hints: Mapping[str, Hint] = field(default_factory=dict)
    rules: Rules = field(default_factory=Rules)

    def __post_init__(self) -> None:
        missing = [q for q in self.rubric.names if q not in self.checks]
        if missing:
            raise ValueError(f"{self.name}: no checks for {', '.join(missing)}")
        for q in self.rubric.questions:
            unchecked = [i.name for i in q.items if i.name not in self.checks[q.name].CHECKS]
            if unchecked:
                raise ValueError(f"{self.name}: {q.name}'s items {', '.join(unchecked)} have no check")

    @property
    def master(self) -> Path:
        return self.folder / f"{self.name}.ipynb"

    @property
    def examples(self) -> Path:
        return self.folder / "examples"

    @property
    def golden_file(self) -> Path:
        return self.folder / "golden.json"

    def golden(self) -> Golden:
        return read_golden(self.golden_file)


class UnknownAssignment(ValueError):
    """No assignment by that name or in that folder; the message lists those there are."""


def default() -> Assignment:
    """The assignment the course's `assignments/__init__.py` names as its current one."""
    return load(str(importlib.import_module("assignments").DEFAULT))


def available() -> list[str]:
    return sorted(p.name for p in ASSIGNMENTS.iterdir() if (p / "__init__.py").is_file())


def of_master(master: Path, named: str | None = None) -> Assignment:
    """The assignment a master notebook belongs to: the assignment folder it sits in, else the
    one `named` (the plugin's `assignment:` or the config's `name:`)."""
    folder = master.resolve().parent
    if (folder / "__init__.py").is_file():
        return load(folder)
    if named:
        return load(named)
    raise UnknownAssignment(
        f"{master} is not in an assignment's folder and its config names no assignment "
        f"(one of {', '.join(available())})"
    )


@cache
def load(which: str | Path) -> Assignment:
    """The assignment named `which` (a folder under `assignments/`) or in the folder `which`."""
    folder = Path(which) if isinstance(which, Path) or "/" in str(which) else ASSIGNMENTS / str(which)
    folder = folder.resolve()
    if not (folder / "__init__.py").is_file():
        raise UnknownAssignment(
            f"no assignment {str(which)!r}: give one of {', '.join(available())} or an assignment's folder"
        )
    if folder.parent == ASSIGNMENTS:
        module = importlib.import_module(f"assignments.{folder.name}")
    else:  # a folder elsewhere (a copy being changed): its own module name, so both can load
        alias = f"_assignment_{hashlib.sha1(str(folder).encode()).hexdigest()[:12]}"
        spec = importlib.util.spec_from_file_location(
            alias, folder / "__init__.py", submodule_search_locations=[str(folder)]
        )
        if spec is None or spec.loader is None:
            raise UnknownAssignment(f"{folder} cannot be imported")
        module = importlib.util.module_from_spec(spec)
        sys.modules[alias] = module
        spec.loader.exec_module(module)
    assignment = getattr(module, "ASSIGNMENT", None)
    if not isinstance(assignment, Assignment):
        raise UnknownAssignment(
            f"{folder}/__init__.py defines no ASSIGNMENT (an autograder.assignment.Assignment)"
        )
    return assignment
