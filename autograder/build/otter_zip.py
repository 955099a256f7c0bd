"""What `otter assign` needs to make a zip that works on Gradescope untouched.

The plugin (`autograder.plugin.AutograderPlugin`, listed under `plugins:` in the master's
assignment config) runs these during `otter assign`, so plain `otter assign` and
`python -m autograder build` make the same zip:

- `during_assign`: this package's source goes into the zip at `files/tdm40200_autograder/`
  (the master's requirements.txt installs it from `/autograder/source/files/...`), and the
  zip's run_otter.py becomes one that runs `autograder.gradescope.run` before otter, since
  otter reads the submission folder before any plugin loads.
- `during_generate`: the zip's otter_config.json loses otter's assignment-name check, which
  would give 0, before any plugin runs, to a notebook without otter's metadata.

Otter 7.0.0 has no event after the zip is written; the run_otter.py template is replaced in
otter's template environment for the rest of the `otter assign` process. Any other otter
version fails here loudly rather than making a zip that grades the wrong file.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

PROJECT_ROOT = Path(__file__).resolve().parents[2]
PACKAGE_IN_ZIP = "tdm40200_autograder"
# Otter puts an assignment's `files` under files/ in the zip, extracted to /autograder/source.
PACKAGE_ON_GRADESCOPE = f"/autograder/source/files/{PACKAGE_IN_ZIP}"
SHIPPED = ("pyproject.toml", "README.md", "autograder", "reference", "assignments")
OTTER_VERSION = "7.0.0"
RUN_OTTER_TEMPLATE = "common/run_otter.py"
RUN_OTTER = '''"""Runs Otter-Grader's autograding process, after the TDM 40200 autograder has taken charge of
the submission folder (autograder.gradescope)."""

from autograder.gradescope import run

if __name__ == "__main__":
    run("{{ autograder_dir }}")
'''


_NOT_SHIPPED = shutil.ignore_patterns("__pycache__", "*.pyc")


class OtterAssignError(RuntimeError):
    """`otter assign` cannot make a working zip; the message says why."""


def _otter_generate() -> Any:
    import otter
    import otter.generate

    if otter.__version__ != OTTER_VERSION:
        raise OtterAssignError(
            f"this autograder builds its Gradescope zip with otter-grader {OTTER_VERSION}, found "
            f"{otter.__version__}: install otter-grader=={OTTER_VERSION} (the project's pyproject pins it)."
        )
    return otter.generate


def take_over_run_otter() -> None:
    """Make otter render this package's run_otter.py into the zip."""
    from jinja2 import ChoiceLoader, DictLoader, Environment

    generate = _otter_generate()
    if isinstance(generate.JINJA_ENV.loader, ChoiceLoader):
        return
    generate.JINJA_ENV = Environment(
        loader=ChoiceLoader([DictLoader({RUN_OTTER_TEMPLATE: RUN_OTTER}), generate.JINJA_ENV.loader]),
        keep_trailing_newline=True,
    )


def run_otter_taken_over() -> bool:
    generate = _otter_generate()
    source, _, _ = generate.JINJA_ENV.loader.get_source(generate.JINJA_ENV, RUN_OTTER_TEMPLATE)
    return bool(source == RUN_OTTER)


def add_package(assignment: Any) -> None:
    """Copy this package's source beside otter's autograder files and list it in the
    assignment's `files` (which otter copied to the student folder before this event)."""
    missing = [name for name in SHIPPED if not (PROJECT_ROOT / name).exists()]
    if missing:
        raise OtterAssignError(
            f"the package's source is incomplete at {PROJECT_ROOT} (missing {', '.join(missing)}): "
            "run otter assign from the project's checkout (`pip install -e .`)."
        )
    requirements = Path(str(assignment.requirements or ""))
    if not requirements.is_file() or PACKAGE_ON_GRADESCOPE not in requirements.read_text(encoding="utf-8"):
        raise OtterAssignError(
            f"the assignment's requirements ({requirements}) must have the line {PACKAGE_ON_GRADESCOPE}, "
            "where Gradescope finds this package."
        )
    target = Path(str(assignment.get_ag_path())).resolve() / PACKAGE_IN_ZIP
    shutil.rmtree(target, ignore_errors=True)
    for name in SHIPPED:
        source = PROJECT_ROOT / name
        if source.is_file():
            target.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, target / name)
        else:
            shutil.copytree(source, target / name, ignore=_NOT_SHIPPED)
    # A master in an assignment's folder outside the checkout (a copy an instructor tries a
    # change in): that folder is the assignment the zip grades, under its own name.
    folder = Path(str(assignment.master)).resolve().parent
    if (folder / "__init__.py").is_file() and folder.parent != PROJECT_ROOT / "assignments":
        shutil.rmtree(target / "assignments" / folder.name, ignore_errors=True)
        shutil.copytree(folder, target / "assignments" / folder.name, ignore=_NOT_SHIPPED)
    assignment.files = [*(assignment.files or []), PACKAGE_IN_ZIP]


def finish_config(otter_config: dict[str, Any]) -> None:
    """Refuse a zip whose run_otter.py would be otter's own, and drop the assignment-name check."""
    if not run_otter_taken_over():
        raise OtterAssignError(
            "the zip's run_otter.py would be otter's own, which lets otter pick the submission's files "
            "before the plugin runs: list autograder.plugin.AutograderPlugin under the assignment config's "
            "top-level `plugins:`, not under `generate: plugins:`."
        )
    otter_config.pop("assignment_name", None)
