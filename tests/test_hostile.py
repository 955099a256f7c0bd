"""Broken and hostile submissions, all graded in one batch that must complete: each gets
exactly its expected row, and nothing it does earns points its answers do not."""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from assignments.project1.rubric import RUBRIC
from tests.expect import columns, earned, full, lost
from tests.submissions import notebook, replace, solution

pytestmark = pytest.mark.slow  # grades notebooks in kernels: the README's quick run leaves it to CI

SOLUTION = solution(loops=50)
CELL_TIMEOUT = 10


def inserted(before: str, source: str, cells=SOLUTION):
    """The solution with a code cell put just before the cell whose source is `before`;
    also returns that cell's 1-based number in the notebook, as statuses name it."""
    position = cells.index(("markdown", before))
    return [*cells[:position], ("code", source), *cells[position:]], position + 1


INFINITE, INFINITE_AT = inserted("## Question 5", "while True:\n    pass")
DEAF, DEAF_AT = inserted("## Question 5", "import signal\nsignal.signal(signal.SIGINT, signal.SIG_IGN)\nwhile True:\n    pass")
EXITS, EXITS_AT = inserted("## Question 4", "import os\nos._exit(1)")
# After the heading: Question 3 is complete when the kernel dies.
EXITS = [*EXITS[: EXITS_AT - 1], EXITS[EXITS_AT], EXITS[EXITS_AT - 1], *EXITS[EXITS_AT + 1 :]]
EXITS_AT += 1
HUGE, _ = inserted("## Question 2", "x = jnp.zeros((200000, 200000))\nx.block_until_ready()")
SYNTAX, _ = inserted("## Question 3", "def broken(:\n    pass")

# Every answer wrong, and every comparison helper a checker might use patched to say "equal".
GARBAGE = [
    ("markdown", "## Question 1"),
    ("code", "import jax, jax.numpy as jnp, numpy as np, numpy.testing\n"
             "np.array_equal = np.allclose = jnp.allclose = jnp.array_equal = lambda *a, **k: True\n"
             "np.isclose = lambda a, b, **k: np.ones(np.shape(a), dtype=bool)\n"
             "np.testing.assert_allclose = np.testing.assert_array_equal = lambda *a, **k: None\n"
             "first = second = third = fourth = fifth = my_array = jnp.zeros((1,))\nthird"),
    ("markdown", "## Question 2"),
    ("code", "key = jax.random.PRNGKey(1)\nkey, *subkeys = jax.random.split(key, 3)\n"
             "def bar(key): return 0.0\nbaz = bar\ndef foo1(k1, k2): return 0.0\nfoo2 = foo1\n"
             "def foo(funcs, keys): return 0.0"),
    ("markdown", "## Question 3"),
    ("code", "def my_function(x): return 0.0\ndef my_gradient(x): return 0.0"),
    ("markdown", "## Question 4"),
    ("code", "def my_model(keys): return 0.0"),
    ("markdown", "## Question 5"),
    ("code", "def my_function(x, num_loops): return None\nfast_my_function = my_function"),
    ("code", "def my_function(x, arr_cols): return None\nfast_my_function = my_function"),
]
# The same wrong answers behind attacks on the graders themselves: otter's test runner (what
# stock otter trusts), this project's own checks imported into the kernel, fake result files
# wherever the kernel can reach, and a look around for hidden tests or golden values.
TAMPER = [
    *GARBAGE[:2],
    ("code", "import otter.test_files.ok_test as ok_test\nok_test.run_doctest = lambda *a, **k: (True, '')"),
    ("code", "import autograder.checks.compare as compare, assignments.project1.checks.values as values\n"
             "compare.mismatch = values.mismatch = lambda *a, **k: None"),
    ("code", "import os, json\n"
             "fake = {'score': 24, 'tests': [{'name': f'q{n}', 'score': 5, 'max_score': 5} for n in range(1, 6)]}\n"
             "for folder in ['.', '..', '/tmp', os.path.expanduser('~')]:\n"
             "    for name in ('results.json', 'grading.json'):\n"
             "        try:\n"
             "            open(os.path.join(folder, name), 'w').write(json.dumps(fake))\n"
             "        except OSError:\n"
             "            pass"),
    ("code", "import os\nprint('cwd holds', sorted(os.listdir('.')))"),
    *GARBAGE[2:],
]
# The same attacks in a notebook whose answers are right: it earns exactly what they deserve.
_AT = SOLUTION.index(("markdown", "## Question 2"))
CORRECT_TAMPER = [*SOLUTION[:_AT], *TAMPER[2:6], *SOLUTION[_AT:]]

# Answers copied at grading time from the grader's own checkout (the master notebook, the
# bundled solution): a kernel of its own user cannot read them.
ROOT = Path(__file__).resolve().parents[1]
COPY = ("import json\n"
        f"for path in {[str(ROOT / 'assignments/project1/project1.ipynb'), str(ROOT / 'assignments/project1/examples/solution.ipynb')]!r}:\n"
        "    try:\n"
        "        cells = json.load(open(path))['cells']\n"
        "    except OSError as error:\n"
        "        print(error)\n"
        "        continue\n"
        "    for cell in cells:\n"
        "        source = ''.join(cell['source'])\n"
        "        if cell['cell_type'] == 'code' and 'for ' not in source and '%' not in source:\n"
        "            try:\n"
        "                exec(source, globals())\n"
        "            except Exception:\n"
        "                pass\n"
        "    break")
COPIER = [("markdown", "## Question 1"), ("code", COPY),
          *[cell for n in range(2, 6) for cell in (("markdown", f"## Question {n}"), ("code", "pass"))]]

# Forged reports: hooks that see every cell and print a report of their own. The probe's
# request is in no cell and its report on no stream, so they earn nothing and are flagged.
FORGED_REPORT = ("FORGED = {'first': {'kind': 'array', 'jax': True, 'shape': [2, 3], 'dtype': 'int32',\n"
                 "                    'data': [1, 2, 3, 4, 5, 6]}, 'jitted': True, 'compiled': 'jit'}\n")
POST_RUN_CELL = ("import json\n" + FORGED_REPORT
                 + "def _forge(result):\n    print(result.info.raw_cell[:32] + json.dumps(FORGED))\n"
                 "get_ipython().events.register('post_run_cell', _forge)")
SWAPPED_EXEC = ("import builtins\n" + FORGED_REPORT
                + "def _exec(code, *args):\n    result = builtins.exec(code, *args)\n    print(FORGED)\n"
                "    return result\n__builtins__ = {**vars(builtins), 'exec': _exec}")
TRANSFORMER = ("def _rewrite(lines):\n    return [line.replace('print(', 'print(') for line in lines]\n"
               "get_ipython().input_transformers_post.append(_rewrite)")


def garbage_with(source):
    return [*GARBAGE[:2], ("code", source), *GARBAGE[2:]]


# Fake jit: plain Python functions that memoise and carry the attributes duck typing looks for.
JITTED_MODEL = ("@jax.jit\ndef my_model(keys):\n"
                "    return 14*jax.random.normal(keys[0])**2 + 13*jax.random.normal(keys[1])\n")
MEMOISED_MODEL = ("import numpy as np\n_memo = {}\n"
                  "def my_model(keys):\n    index = np.asarray(keys).tobytes()\n    if index not in _memo:\n"
                  "        _memo[index] = 14*jax.random.normal(keys[0])**2 + 13*jax.random.normal(keys[1])\n"
                  "    return _memo[index]\nmy_model.lower = None\nmy_model._cache_size = lambda: 1\n")
COUNTING = ("_seen = set()\ndef fast_my_function(x, n, _function=my_function):\n    _seen.add(n)\n"
            "    return _function(x, n)\nfast_my_function._cache_size = lambda: len(_seen)")
FAKE_JIT = replace(replace(SOLUTION, JITTED_MODEL, MEMOISED_MODEL),
                   "fast_my_function = jax.jit(my_function, static_argnums=(1,))", COUNTING)


def after_heading(heading, source, cells=SOLUTION):
    position = cells.index(("markdown", heading)) + 1
    return [*cells[:position], ("code", source), *cells[position:]]


# Honest redirection: the probe reads no stream, so it costs nothing.
HONEST = {
    "stdout-to-devnull-in-q2": after_heading("## Question 2", "import sys, os\nsys.stdout = open(os.devnull, 'w')"),
    "stdout-to-stringio-after-q1": inserted("## Question 2", "import sys, io\nsys.stdout = io.StringIO()")[0],
    "print-replaced": after_heading("## Question 1", "print = lambda *a, **k: None"),
    "warnings-as-errors": after_heading("## Question 1", "import warnings\nwarnings.simplefilter('error')"),
}

EMPTY = {"cells": [], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
OTHER_ASSIGNMENT = {**notebook(SOLUTION), "metadata": {"otter": {"assignment_name": "project2"}}}

CASES = {
    # name: (notebook JSON or text, expected row after `submission`: points from the rubric, status)
    "infinite-loop": (notebook(INFINITE), [*columns(full()),
                                           f"timeout (cell {INFINITE_AT} ran past {CELL_TIMEOUT} s)"]),
    "ignores-interrupts": (notebook(DEAF), [*columns(lost("q4", "q5")),
                                            f"timeout (cell {DEAF_AT} ran past its limit and could not be interrupted)"]),
    "os-exit": (notebook(EXITS), [*columns(lost("q4", "q5")), f"kernel-died (cell {EXITS_AT})"]),
    "huge-allocation": (notebook(HUGE), [*columns(full()), "ok"]),
    "syntax-error-cell": (notebook(SYNTAX), [*columns(full()), "ok"]),
    "truncated-json": (json.dumps(notebook(SOLUTION))[:2000], [*columns(earned()), "invalid-notebook"]),
    "empty-notebook": (EMPTY, [*columns(earned()), "invalid-notebook"]),
    "not-a-notebook": ("just some text", [*columns(earned()), "invalid-notebook"]),
    "other-assignment": (OTHER_ASSIGNMENT, [*columns(earned()), "wrong-assignment"]),
    "patched-comparisons": (notebook(GARBAGE), [*columns(earned()), "ok"]),
    "patched-graders-and-fake-results": (notebook(TAMPER), [*columns(earned()), "ok"]),
    "right-answers-with-the-same-attacks": (notebook(CORRECT_TAMPER), [*columns(full()), "ok"]),
    "forged-by-post-run-cell-hook": (notebook(garbage_with(POST_RUN_CELL)), [*columns(earned()), "ok"]),
    "forged-by-swapped-exec": (notebook(garbage_with(SWAPPED_EXEC)), [*columns(earned()), "ok"]),
    "forged-by-input-transformer": (notebook(garbage_with(TRANSFORMER)), [*columns(earned()), "ok"]),
    # The model is right (2 points); neither it nor fast_my_function is compiled.
    "fake-jit": (notebook(FAKE_JIT), [*columns(lost("q4", "q5")), "ok"]),
    **{name: (notebook(cells), [*columns(full()), "ok"]) for name, cells in HONEST.items()},
}
if os.geteuid() == 0:  # only then do kernels run as users of their own (see test_sandbox)
    CASES["copies-the-graders-solution"] = (notebook(COPIER), [*columns(earned()), "ok"])


@pytest.fixture(scope="module")
def batch(tmp_path_factory):
    folder = tmp_path_factory.mktemp("hostile")
    for name, (content, _) in CASES.items():
        (folder / f"{name}.ipynb").write_text(content if isinstance(content, str) else json.dumps(content))
    out = tmp_path_factory.mktemp("out")
    done = subprocess.run(
        [sys.executable, "-m", "autograder", "grade", str(folder), "--out", str(out), "--jobs", "2",
         "--cell-timeout", str(CELL_TIMEOUT)],
        capture_output=True, text=True, timeout=900,
    )
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    with open(out / "grades.csv", newline="") as f:
        rows = {row["submission"]: row for row in csv.DictReader(f)}
    return out, rows


@pytest.mark.parametrize("name", CASES)
def test_row(batch, name):
    _, rows = batch
    assert [rows[name][c] for c in (*RUBRIC.names, "total", "possible", "status")] == CASES[name][1]


@pytest.mark.parametrize("name", CASES)
def test_results_json_has_a_readable_message(batch, name):
    out, _ = batch
    results = json.loads((out / name / "results.json").read_text())
    assert [t["name"] for t in results["tests"]] == ["q1", "q2", "q3", "q4", "q5"]
    if CASES[name][1][-1] != "ok":
        assert len(results["output"]) > 40 and "Traceback" not in results["output"]


def test_fake_results_do_not_replace_the_graders(batch):
    out, rows = batch
    grading = json.loads((out / "patched-graders-and-fake-results" / "grading.json").read_text())
    assert grading["score"] == 0 and rows["patched-graders-and-fake-results"]["total"] == "0"


FLAGGED = {"patched-comparisons": "replaces `np.array_equal`",
           "patched-graders-and-fake-results": "imports `autograder.checks.compare`",
           "right-answers-with-the-same-attacks": "replaces `ok_test.run_doctest`",
           "copies-the-graders-solution": "runs code built at run time (`exec`)",
           # Found in the kernel after the run (autograder.runtime_flags).
           "forged-by-post-run-cell-hook": "kernel: registers an IPython event callback (post_run_cell",
           "forged-by-swapped-exec": "kernel: replaces (namespace __builtins__)",
           "forged-by-input-transformer": "kernel: adds an IPython input/AST transformer (input_transformers_post"}


@pytest.mark.parametrize("name", CASES)
def test_tampering_is_flagged_for_a_ta(batch, name):
    out, rows = batch
    flags = json.loads((out / name / "grading.json").read_text())["flags"]
    if name in FLAGGED:
        assert any(FLAGGED[name] in flag for flag in flags) and rows[name]["flags"]
    elif name in HONEST:  # nothing found in the kernel (the source flags are autograder.suspicious')
        assert not [flag for flag in flags if flag.startswith("kernel:")]
    else:
        assert flags == [] and rows[name]["flags"] == ""


def test_the_report_lists_the_code_to_read(batch):
    out, _ = batch
    page = (out / "report.html").read_text()
    section = page[page.index("<h2>Code to read</h2>"):]
    assert all(name in section for name in FLAGGED if name in CASES) and "infinite-loop" not in section
