"""The kernels' compilation cache (`autograder.compile_cache`, `autograder.grade.prime`): made
by a trusted run, found by later kernels, and never a channel from one submission to another."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from autograder import sandbox
from autograder.compile_cache import COMPLETE, CompileCache
from autograder.execute import execute
from autograder.grade import prime
from autograder.notebook import Step
from autograder.pipeline import FAST_CELL_TIMEOUT, grade_notebook
from tests.project1 import PROJECT1

SOLUTION = PROJECT1.examples / "solution.ipynb"

pytestmark = [pytest.mark.slow, pytest.mark.skipif(os.geteuid() != 0, reason="the cache is used only by kernels with users of their own")]

# What a kernel sees of its cache, then what it tries to leave in it for the next submission.
LOOK = """
import json, os
folder = os.environ["JAX_COMPILATION_CACHE_DIR"]
entries = sorted(os.listdir(folder))
try:
    open(os.path.join(folder, entries[0]), "ab").close()
    changed_entry = "yes"
except OSError as error:
    changed_entry = type(error).__name__
print(json.dumps({"entries": entries, "changed_entry": changed_entry, "folder": folder}))
"""
PLANT = "import os\nopen(os.path.join(os.environ['JAX_COMPILATION_CACHE_DIR'], 'planted-cache'), 'w').write('x')"


@pytest.fixture(scope="module")
def seed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    said: list[str] = []
    made = prime.compile_seed(PROJECT1, said.append, folder=tmp_path_factory.mktemp("seeds"))
    assert made is not None and (made / COMPLETE).is_file()
    assert said, "making the seed is announced"
    return made


def test_a_seed_is_made_once(seed: Path) -> None:
    said: list[str] = []
    assert prime.compile_seed(PROJECT1, said.append, folder=seed.parent) == seed
    assert said == []  # found, not made again
    assert len([p for p in seed.iterdir() if p.name.endswith("-cache")]) >= 20
    assert seed.parent.stat().st_mode & 0o077 == 0  # no other user reads or changes it


def test_a_correct_notebook_finds_everything_it_compiles_in_the_seed(seed: Path, tmp_path: Path) -> None:
    # Had each kernel's own paths gone into the entries' keys, nothing would be found and
    # every entry this run needed would be new.
    result = grade_notebook(
        SOLUTION, PROJECT1,
        fast_cell_timeout=FAST_CELL_TIMEOUT,
        compile_cache=CompileCache(seed=seed, keep=tmp_path),
    )
    assert result.score == result.possible
    assert {p.name for p in tmp_path.iterdir()} <= {p.name for p in seed.iterdir()}


def test_what_one_kernel_leaves_in_its_cache_no_other_kernel_sees(seed: Path) -> None:
    before = sorted(p.name for p in seed.iterdir())
    cache = CompileCache(seed=seed)
    first = execute([Step(0, 0, LOOK), Step(1, 1, PLANT)], [], {}, cell_timeout=30, timeout=120, compile_cache=cache)
    second = execute([Step(0, 0, LOOK)], [], {}, cell_timeout=30, timeout=120, compile_cache=cache)
    seen = [json.loads(run.outputs[0].strip().splitlines()[-1]) for run in (first, second)]
    entries = [name for name in before if name != COMPLETE]
    assert seen[0]["entries"] == seen[1]["entries"] == entries  # a copy of the seed, nothing planted
    assert seen[0]["changed_entry"] == "PermissionError"  # the seed's entries are the grader's
    assert seen[0]["folder"] != seen[1]["folder"] and str(seed) not in seen[0]["folder"]
    assert sorted(p.name for p in seed.iterdir()) == before


def test_the_cache_is_off_where_kernels_share_the_graders_user(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(sandbox, "unavailable", lambda: "the grader is not running as root")
    assert prime.compile_seed(PROJECT1, lambda _: None, folder=tmp_path) is None
    assert list(tmp_path.iterdir()) == []


def test_a_seed_is_kept_only_from_a_run_with_full_marks(tmp_path: Path) -> None:
    wrong = tmp_path / "wrong.ipynb"
    notebook = json.loads(SOLUTION.read_text())
    for cell in notebook["cells"]:
        if cell["cell_type"] == "code":
            cell["source"] = "".join(cell["source"]).replace("jnp.full((3, 2), 2)", "jnp.full((3, 2), 3)")
    wrong.write_text(json.dumps(notebook))
    assert prime.compile_seed(PROJECT1, lambda _: None, solution=wrong, folder=tmp_path / "seeds") is None
    assert list((tmp_path / "seeds").iterdir()) == []


def test_a_seeds_folder_that_cannot_be_written_means_no_cache(tmp_path: Path) -> None:
    blocked = tmp_path / "a-file"
    blocked.write_text("not a folder")
    assert prime.compile_seed(PROJECT1, lambda _: None, folder=blocked / "seeds") is None
