"""A second assignment (`assignments/mlp/`, a multilayer perceptron in JAX) defined only in its own
folder: its checks on hand-made observations, its kernel-side probes against its checks (run in
this process, no kernel), and, marked slow, every example graded end to end by the engine
(local grade and the Gradescope simulation) with points derived from its rubric."""

import json
import random
import re
import shutil
from pathlib import Path

import numpy as np
import pytest
import yaml

from autograder.assignment import load
from autograder.build import question_points
from autograder.checks.observation import Observation

MLP = load("mlp")
RUBRIC = MLP.rubric
GOLDEN = MLP.golden()
DEFAULT_FLAGS = {"jax_threefry_partitionable": True, "jax_enable_x64": False}


def encoded(value) -> dict:
    """A value as the kernel-side `encode` describes it: lists of encoded items, arrays as their
    shape, dtype and numbers (with no cap on their size: the engine carries 100,352 weights)."""
    if isinstance(value, (list, tuple)):
        return {"kind": "list", "length": len(value), "items": [encoded(item) for item in value]}
    array = np.asarray(value)
    return {"kind": "array", "jax": True, "shape": list(array.shape), "dtype": str(array.dtype),
            "data": array.astype(float).ravel().tolist()}


def grade(question: str, observe, seed: int = 0) -> dict:
    """Each item's result for the values `observe(plan)` gives, by the question's own checks."""
    module = MLP.checks[question]
    plan = module.plan(random.Random(seed), GOLDEN)
    observation = Observation(question, observe(plan))
    return {item.name: module.CHECKS[item.name](observation, GOLDEN, plan) for item in RUBRIC.question(question).items}


def lost(results: dict) -> set[str]:
    return {name for name, result in results.items() if not result.passed}


# -- the folder is the assignment ---------------------------------------------------------------


def test_every_item_has_its_check_and_hint():
    from assignments.mlp.hints import ITEMS

    assert RUBRIC.names == ("q1", "q2", "q3") and RUBRIC.total == 11
    for question in RUBRIC.questions:
        assert set(MLP.checks[question.name].CHECKS) == {item.name for item in question.items}
    assert set(ITEMS) == {item.name for item in RUBRIC.items}


def test_a_copy_of_the_folder_loads_on_its_own(tmp_path):
    copy = tmp_path / "mlp-copy"
    shutil.copytree(MLP.folder, copy, ignore=shutil.ignore_patterns("__pycache__"))
    assignment = load(copy)
    assert assignment.folder == copy.resolve() and assignment.rubric == RUBRIC
    assert assignment.checks["q1"] is not MLP.checks["q1"]  # its own modules, not the original's


def test_golden_values_are_small_and_summarise_the_big_weights():
    assert MLP.golden_file.stat().st_size < 100_000
    summary = GOLDEN.data["modes"]["partitionable-x32"]["big"][0][0]["w"]
    assert summary["shape"] == [784, 128] and summary["dtype"] == "float32"
    assert len(summary["samples"]) == len(GOLDEN.data["init"]["samples"][0])


def _config(source: str) -> dict:
    return yaml.safe_load(source.split('""" # BEGIN TEST CONFIG', 1)[1].split('""" # END TEST CONFIG')[0])


def test_master_follows_the_rubric():
    """Question points as the rubric's; one public test per item, in order, with its points and
    the item's description opening its messages."""
    assert question_points(MLP.master) == {q.name: q.points for q in RUBRIC.questions}
    cells = json.loads(MLP.master.read_text())["cells"]
    sources = ["".join(cell["source"]) for cell in cells]
    configs = [_config(s) for s in sources if s.startswith('""" # BEGIN TEST CONFIG')]
    assert [c["points"] for c in configs] == [item.points for item in RUBRIC.items]
    assert [c["success_message"] for c in configs] == [f"{item.description}: correct." for item in RUBRIC.items]
    assert all(c["failure_message"].startswith(f"{i.description}: not yet.") for c, i in zip(configs, RUBRIC.items, strict=True))
    assert re.search(r"^name: mlp$", sources[0], re.MULTILINE)


# -- Question 1: init_params ------------------------------------------------------------------


def _init_values(init, flags=DEFAULT_FLAGS):
    import jax

    def observe(plan):
        return {
            "flags": flags,
            "small": [encoded(init(jax.random.PRNGKey(s), plan["small_sizes"])) for s in plan["small_seeds"]],
            "big": encoded(init(jax.random.PRNGKey(plan["big_seed"]), plan["big_sizes"])),
        }

    return observe


def _variant(change):
    from reference.mlp.questions import init_params

    def init(key, sizes):
        return [change(w, b, m) for (w, b), m in zip(init_params(key, sizes), sizes, strict=False)]

    return init


def test_q1_reference_passes():
    from reference.mlp.questions import init_params

    assert lost(grade("q1", _init_values(init_params))) == set()


def test_q1_unscaled_weights_lose_the_weights_only():
    results = grade("q1", _init_values(_variant(lambda w, b, m: (w / np.sqrt(2.0 / m), b))))
    assert lost(results) == {"weights"}
    assert "expected normal draws times" in results["weights"].message
    assert "sqrt(2 / inputs)" in results["weights"].message


def test_q1_random_biases_lose_the_biases_only():
    results = grade("q1", _init_values(_variant(lambda w, b, m: (w, b + 0.01))))
    assert lost(results) == {"biases"}
    assert "layer 1's b" in results["biases"].message


def test_q1_transposed_weights_lose_shapes_and_weights():
    results = grade("q1", _init_values(_variant(lambda w, b, m: (w.T, b))))
    assert lost(results) == {"shapes", "weights"}
    assert "has shape (128, 784), expected (784, 128)" in results["shapes"].message


def test_q1_draws_of_another_prng_mode_lose_the_weights():
    from reference.mlp.questions import init_params

    legacy = {"jax_threefry_partitionable": False, "jax_enable_x64": False}
    assert lost(grade("q1", _init_values(init_params, flags=legacy))) == {"weights"}


def test_q1_a_dict_of_parameters_is_named():
    results = grade("q1", lambda plan: {"flags": DEFAULT_FLAGS, "small": [{"kind": "object", "type": "dict"}] * 2,
                                        "big": {"kind": "object", "type": "dict"}})
    assert lost(results) == set(results)
    assert "is a dict; expected a list of (W, b) pairs" in results["shapes"].message


def test_q1_missing_function():
    missing = {"kind": "missing", "name": "init_params"}
    results = grade("q1", lambda plan: {"flags": {}, "small": [missing, missing], "big": missing})
    assert lost(results) == set(results)
    assert all("`init_params` is not defined" in r.message for r in results.values())


# -- Question 2: forward ---------------------------------------------------------------------


def _cases(plan):
    return [GOLDEN.data["cases"][i] for i in plan["indexes"]]


def test_q2_reference_passes_and_every_case_is_sent():
    results = grade("q2", lambda plan: {"forward": [encoded(np.float32(c["forward"])) for c in _cases(plan)]})
    assert lost(results) == set()
    plan = MLP.checks["q2"].plan(random.Random(1), GOLDEN)
    assert sorted(plan["indexes"]) == list(range(len(GOLDEN.data["cases"])))
    assert set(plan["cases"][0]) == {"params", "x", "y", "lr"}  # no expected value goes to the kernel


def test_q2_missing_relu_loses_the_values_and_says_so():
    results = grade("q2", lambda plan: {"forward": [encoded(c["forward_linear"]) for c in _cases(plan)]})
    assert lost(results) == {"one_hidden", "two_hidden"}
    assert "without any ReLU" in results["one_hidden"].message


def test_q2_transposed_output_loses_everything():
    results = grade("q2", lambda plan: {"forward": [encoded(np.transpose(c["forward"])) for c in _cases(plan)]})
    assert lost(results) == {"output_shape", "one_hidden", "two_hidden"}
    assert "expected (5," in results["output_shape"].message


def test_q2_a_forward_for_two_layers_only_loses_the_deeper_network():
    def observe(plan):
        error = {"kind": "error", "type": "ValueError", "message": "too many values to unpack (expected 2)"}
        return {"forward": [encoded(c["forward"]) if len(c["sizes"]) == 3 else error for c in _cases(plan)]}

    results = grade("q2", observe)
    assert lost(results) == {"output_shape", "two_hidden"}
    assert "raised ValueError: too many values to unpack" in results["two_hidden"].message


# -- Question 3: sgd_step --------------------------------------------------------------------


def _steps(change=lambda params, step: step, compiled=True):
    def observe(plan):
        return {"step": [encoded(change(c["params"], c["step"])) for c in _cases(plan)], "compiled": compiled}

    return observe


def _uphill(params, step):
    return [[2 * np.asarray(p) - np.asarray(s) for p, s in zip(layer, new, strict=True)]
            for layer, new in zip(params, step, strict=True)]


def test_q3_reference_passes():
    assert lost(grade("q3", _steps())) == set()


def test_q3_a_step_that_is_not_compiled_loses_that_item_only():
    results = grade("q3", _steps(compiled=False))
    assert lost(results) == {"compiled"}
    assert "plain Python function" in results["compiled"].message


def test_q3_the_wrong_sign_goes_uphill():
    results = grade("q3", _steps(_uphill))
    assert lost(results) == {"step", "descends"}
    assert "a step must lower it" in results["descends"].message


def test_q3_a_jitted_step_that_fails_earns_nothing():
    error = {"kind": "error", "type": "TypeError", "message": "unsupported operand"}
    results = grade("q3", lambda plan: {"step": [error] * len(plan["indexes"]), "compiled": True})
    assert lost(results) == set(results)
    assert "raised TypeError" in results["step"].message


def test_q3_a_step_that_returns_the_parameters_unchanged_does_not_descend():
    results = grade("q3", _steps(lambda params, step: params))
    assert lost(results) == {"step", "descends"}


# -- the probes against the checks, in this process ---------------------------------------------


def _kernel_side() -> dict:
    """The engine's kernel-side probe and the assignment's probes, as the kernel holds them: the
    engine's parts in a scope of their own, the assignment's in a copy of it."""
    import builtins

    from autograder.probe import ENGINE

    scope: dict = {"__name__": "_autograder_probe", "__builtins__": dict(vars(builtins))}
    for name, source in ENGINE:
        exec(compile(source, f"<autograder probe: {name}>", "exec"), scope)
    namespace = {**scope, "__name__": "_autograder_assignment_probes"}
    exec(compile(MLP.probes.read_text(), str(MLP.probes), "exec"), namespace)

    def reporting(probe):
        def probed(*args):
            scope["new_report"]()  # each report has its own budget of array data, as in the kernel
            return json.loads(scope["_json"](probe(*args)))  # and crosses as the probe writes it

        return probed

    namespace["PROBES"] = {q: reporting(probe) for q, probe in namespace["PROBES"].items()}
    return namespace


def test_probes_of_the_reference_pass_every_check():
    from reference.mlp import questions

    probes = _kernel_side()["PROBES"]
    student = {name: getattr(questions, name) for name in ("init_params", "forward", "loss", "sgd_step")}
    for question in RUBRIC.names:
        results = grade(question, lambda plan, q=question: probes[q](student, json.loads(json.dumps(plan))))
        assert lost(results) == set(), {n: r.message for n, r in results.items() if not r.passed}


@pytest.mark.slow  # an uncompiled step runs op by op: long on a busy machine
def test_probes_report_an_uncompiled_step():
    from reference.mlp import questions

    probes = _kernel_side()["PROBES"]
    student = {"forward": questions.forward, "sgd_step": questions.sgd_step.__wrapped__}
    assert lost(grade("q3", lambda plan: probes["q3"](student, plan))) == {"compiled"}


# -- end to end, through the engine ------------------------------------------------------------

# Each example and the items it loses; its points follow from the rubric.
EXAMPLES = {
    "solution": set(),
    "unscaled-weights": {"weights"},
    "missing-relu": {"one_hidden", "two_hidden", "step"},
    "not-jitted": {"compiled"},
    "wrong-sign": {"step", "descends"},
}


def expected_scores(lost_items: set[str]) -> dict[str, float]:
    return {q.name: q.points - sum(i.points for i in q.items if i.name in lost_items) for q in RUBRIC.questions}


def _run_in_this_process(example: str) -> dict:
    """The example's code cells run here (our own examples, not student code), as a kernel
    would run them, without the otter cells."""
    cells = json.loads((MLP.examples / f"{example}.ipynb").read_text())["cells"]
    namespace: dict = {}
    for cell in cells:
        source = "".join(cell["source"])
        if cell["cell_type"] == "code" and "otter" not in source and "grader.check" not in source:
            exec(compile(source, example, "exec"), namespace)
    return namespace


# Each example runs JAX in this process (no kernel): a few seconds each, left to the full run.
@pytest.mark.slow
@pytest.mark.parametrize("example", sorted(EXAMPLES))
def test_examples_through_probes_and_checks(example):
    """Each example loses exactly its items when the probes read its names and the checks judge
    them, with no kernel in between: what the end-to-end tests below need from the engine is
    the transport, not the judgement."""
    probes = _kernel_side()["PROBES"]
    student = _run_in_this_process(example)
    found = set()
    for question in RUBRIC.names:
        found |= lost(grade(question, lambda plan, q=question: probes[q](student, json.loads(json.dumps(plan)))))
    assert found == EXAMPLES[example]


# Each example runs JAX in this process (no kernel): a few seconds each, left to the full run.
@pytest.mark.slow
@pytest.mark.parametrize("example", sorted(EXAMPLES))
def test_public_tests_fail_where_the_grader_does(example):
    """The master's public tests (what `grader.check` runs), run on each example in this process,
    fail exactly for the items the grader takes off."""
    student = _run_in_this_process(example)
    cells = json.loads(MLP.master.read_text())["cells"]
    failed = set()
    for source in ("".join(cell["source"]) for cell in cells):
        if source.startswith('""" # BEGIN TEST CONFIG'):
            try:
                exec(compile(source, "public test", "exec"), dict(student))
            except AssertionError:
                failed.add(source.split("def test_", 1)[1].split("(", 1)[0])
    assert failed == EXAMPLES[example]


def test_every_example_is_listed():
    assert sorted(p.stem for p in MLP.examples.glob("*.ipynb")) == sorted(EXAMPLES)


@pytest.mark.slow
@pytest.mark.parametrize("example", sorted(EXAMPLES))
def test_examples_graded_by_the_engine(example):
    from autograder.pipeline import grade_notebook

    result = grade_notebook(MLP.examples / f"{example}.ipynb", MLP)
    assert result.status.kind.name == "OK", result.messages
    assert {q.name: q.score for q in result.questions} == expected_scores(EXAMPLES[example])
    assert {c.name for q in result.questions for c in q.checks if not c.passed} == EXAMPLES[example]


@pytest.fixture(scope="module")
def mlp_zip(tmp_path_factory) -> Path:
    from tests.test_gradescope import otter_assign

    out = tmp_path_factory.mktemp("dist")
    done = otter_assign(MLP.master, out)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    (zip_path,) = (out / "autograder").glob("*.zip")
    return zip_path


@pytest.mark.slow
@pytest.mark.parametrize("example", ["solution", "missing-relu"])
def test_gradescope_grades_the_second_assignment(mlp_zip, tmp_path, example):
    from tests.test_gradescope import run_on_gradescope

    uploads = {"mlp.ipynb": (MLP.examples / f"{example}.ipynb").read_text()}
    results = run_on_gradescope(mlp_zip, uploads, tmp_path / "autograder")
    scores = {t["name"]: t["score"] for t in results["tests"] if t["name"] in RUBRIC.names}
    assert scores == expected_scores(EXAMPLES[example])
    # Otter's results carry each question's score (Gradescope adds them up).
    assert sum(scores.values()) == RUBRIC.total - sum(RUBRIC.item_named(n).points for n in EXAMPLES[example])
