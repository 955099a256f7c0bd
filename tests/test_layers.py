"""The layer order written in `autograder/__init__.py`: no import runs back up a layer."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("reference", "autograder", "assignments")

# Lowest first, as the package docstring lists them. "x.*" is package x and everything in it.
LAYERS: tuple[tuple[str, ...], ...] = (
    ("reference.*",),
    (
        "autograder.golden",
        "autograder.rubric",
        "autograder.status",
        "autograder.hints",
        "autograder.results",
        "autograder.probe_protocol",
        "autograder.folders",
        "autograder.removal",
    ),
    ("autograder.checks.*", "autograder.trust", "autograder.assignment"),
    (
        "autograder.notebook",
        "autograder.statements",
        "autograder.versions",
        "autograder.headings",
        "autograder.regions",
        "autograder.layout",
        "autograder.suspicious",
        "autograder.timing_loops",
        "autograder.fast_path",
    ),
    (
        "autograder.execute",
        "autograder.kernel_session",
        "autograder.step_runner",
        "autograder.probe_channel",
        "autograder.size_monitor",
        "autograder.probe.*",
        "autograder.sandbox",
        "autograder.runtime_flags",
        "autograder.compile_cache",
        "autograder.report_channel",
        "autograder.outside",
        "autograder.receive",
        "autograder.mounts",
    ),
    # Each assignment's own modules: its rubric, checks, hints, rules, layout rules and kernel-side
    # probes, built on the engine below; the engine takes an assignment as an argument and never
    # imports one (below).
    ("assignments.*",),
    ("autograder.pipeline",),
    ("autograder.grade.*",),
    (
        "autograder",
        "autograder.__main__",
        "autograder.cli",
        "autograder.plugin",
        "autograder.build.*",
        "autograder.gradescope.*",
    ),
)


def module_files() -> dict[str, Path]:
    """Every module of the packages, by its dotted name."""
    found = {}
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            parts = path.relative_to(ROOT).with_suffix("").parts
            found[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return found


MODULES = module_files()


def layer(module: str) -> int | None:
    for index, patterns in enumerate(LAYERS):
        for pattern in patterns:
            if pattern.endswith(".*"):
                package = pattern[:-2]
                if module == package or module.startswith(package + "."):
                    return index
            elif module == pattern:
                return index
    return None


def imported(module: str, path: Path) -> set[str]:
    """The modules of our packages that `module` imports anywhere in its file (also inside
    functions). `from package import name` counts as importing the submodule when `name` is
    one, and the package itself otherwise."""
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*parts, base] if base else parts)
            for alias in node.names:
                names.add(f"{base}.{alias.name}" if f"{base}.{alias.name}" in MODULES else base)
    return {name for name in names if name.split(".")[0] in PACKAGES}


def test_every_module_has_a_layer():
    assert MODULES, "no modules found"
    unplaced = sorted(module for module in MODULES if layer(module) is None)
    assert not unplaced, f"place these modules in LAYERS (and the autograder package docstring): {unplaced}"


@pytest.mark.parametrize("module", sorted(MODULES))
def test_no_import_runs_up_a_layer(module):
    own = layer(module)
    if own is None:
        pytest.skip("not placed in a layer (test_every_module_has_a_layer fails)")
    upward = sorted(name for name in imported(module, MODULES[module]) if (layer(name) or 0) > own)
    assert not upward, f"{module} (layer {own + 1}) imports from a layer above it: {upward}"


def test_the_engine_never_imports_an_assignment():
    engine = [module for module in MODULES if module.split(".")[0] != "assignments"]
    found = {m: sorted(n for n in imported(m, MODULES[m]) if n.split(".")[0] == "assignments") for m in engine}
    assert not {m: names for m, names in found.items() if names}


def test_an_assignment_imports_its_own_folder_relatively():
    """So that a copy of the folder loads as an assignment of its own (`autograder.assignment.load`)."""
    for module, path in MODULES.items():
        if module.startswith("assignments."):
            tree = ast.parse(path.read_text(encoding="utf-8"))
            absolute = [
                node.module
                for node in ast.walk(tree)
                if isinstance(node, ast.ImportFrom) and not node.level and (node.module or "").startswith("assignments")
            ]
            absolute += [
                alias.name
                for node in ast.walk(tree)
                if isinstance(node, ast.Import)
                for alias in node.names
                if alias.name.startswith("assignments")
            ]
            assert not absolute, f"{module} imports {absolute}: import its own folder relatively"


def test_the_check_sees_an_upward_import(tmp_path):
    """The parser resolves `from package import submodule` and relative imports, so an upward
    import written either way is found."""
    path = tmp_path / "rubric.py"
    path.write_text("from autograder import grade\nfrom .grade import batch\nimport reference.golden\n")
    assert imported("autograder.rubric", path) == {
        "autograder.grade",
        "autograder.grade.batch",
        "reference.golden",
    }
    assert all(
        layer(name) > layer("autograder.rubric") for name in ("autograder.grade", "autograder.grade.batch")
    )


def test_the_docstring_lists_the_layers():
    import autograder

    doc = autograder.__doc__ or ""
    for patterns in LAYERS:
        for pattern in patterns:
            if pattern.removesuffix(".*") != "autograder" and pattern != "autograder.__main__":
                assert f"`{pattern.removesuffix('.*')}`" in doc, pattern
