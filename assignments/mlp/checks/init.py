"""Question 1: `init_params(key, sizes)`, at keys chosen at grading time from golden.json's pool.

The weights depend on the PRNG mode the notebook ran in: golden.json holds them per mode, in
full for a small network, and for the 784-128-10 network as a summary (shape, dtype, entries at
fixed positions and two sums): the observed 100,352 weights are compared with all of it.
"""

from __future__ import annotations

import itertools
import random
from typing import Any

import numpy as np

from autograder.checks.compare import as_array, first_problem, mismatch, verdict, why_absent
from autograder.checks.observation import Check, Observation, Plan
from autograder.golden import Golden
from autograder.results import CheckResult

from .. import hints
from ..rubric import RUBRIC
from ..rules import SUMS, VALUES
from .trees import Pair, count_problem, layers, shape_of

QUESTION = "q1"
# Every item reads the probe: when it failed as a whole, every item fails with its reason.
PROBED = True
SMALL_PROBES = 2
# The sums over a whole big matrix: float32 draws summed in float64, in whichever order.
DEFAULT_FLAGS = {"jax_threefry_partitionable": True, "jax_enable_x64": False}
BIG = "`init_params(key, [784, 128, 10])`"
SMALL = "`init_params(key, [3, 4, 2])`"


def plan(rng: random.Random, golden: Golden) -> Plan:
    seeds: list[int] = golden.data["pool"]["seeds"]
    small = rng.sample(range(len(seeds)), SMALL_PROBES)
    big = rng.randrange(len(seeds))
    init = golden.data["init"]
    return {
        "small_indexes": small,
        "small_seeds": [seeds[i] for i in small],
        "big_index": big,
        "big_seed": seeds[big],
        "small_sizes": init["small_sizes"],
        "big_sizes": init["big_sizes"],
    }


def _mode(observation: Observation, golden: Golden) -> dict[str, Any]:
    mode = golden.mode(observation.values.get("flags") or {}) or golden.mode(DEFAULT_FLAGS)
    if mode is None:  # golden.json always holds the default mode: a broken golden.json
        raise LookupError("golden.json has no values for JAX's default PRNG configuration")
    return mode


def _big_layers(observation: Observation) -> tuple[list[Pair], str | None]:
    pairs, problem = layers(observation.get("big"), what=BIG)
    return pairs, problem or count_problem(pairs, 2, BIG)


def check_shapes(observation: Observation, golden: Golden, plan: Plan) -> CheckResult:
    pairs, problem = _big_layers(observation)
    sizes = plan["big_sizes"]
    wanted = [((m, n), (n,)) for m, n in itertools.pairwise(sizes)]
    for number, ((w, b), shapes) in enumerate(zip(pairs, wanted, strict=False), start=1):
        if problem is not None:
            break
        for leaf, name, shape in ((w, "W", shapes[0]), (b, "b", shapes[1])):
            found = shape_of(leaf)
            if found is None:
                problem = why_absent(leaf, f"layer {number}'s {name} in {BIG}")
            elif found != shape:
                problem = f"layer {number}'s {name} in {BIG} has shape {found}, expected {shape}."
            if problem is not None:
                break
    return verdict(RUBRIC.item(QUESTION, "shapes"), problem, hints.SHAPES)


def _scaled(found: np.ndarray, want: np.ndarray) -> float | None:
    """The factor that makes the expected draws the found ones, when there is one (a wrong
    scale), else None."""
    if found.shape != want.shape or not np.all(want != 0):
        return None
    ratios = found / want
    factor = float(np.median(ratios))
    if factor == 0 or not np.allclose(ratios, factor, rtol=1e-4) or np.isclose(factor, 1.0, rtol=1e-4):
        return None
    return factor


def _weights_problem(observed: Any, expected: list[list[Any]], what: str) -> str | None:
    pairs, problem = layers(observed, what=what)
    problem = problem or count_problem(pairs, len(expected), what)
    if problem is not None:
        return problem
    for number, ((w, _), (want, _)) in enumerate(zip(pairs, expected, strict=True), start=1):
        label = f"layer {number}'s W in {what}"
        problem = mismatch(w, want, what=label, within=VALUES)
        found = as_array(w)
        factor = _scaled(found, np.asarray(want, dtype=float)) if found is not None else None
        if problem is not None and factor is not None:
            return f"{label} holds the expected normal draws times {factor:.4g}: check the scale sqrt(2 / inputs)."
        if problem is not None:
            return problem
    return None


def _summary_problem(leaf: Any, summary: dict[str, Any], samples: list[int], label: str) -> str | None:
    """The observed big array against its golden summary: shape, float dtype, the entries at
    the fixed positions, then the two sums over all of it."""
    found = as_array(leaf)
    if found is None:
        return why_absent(leaf, label)
    if list(found.shape) != summary["shape"]:
        return f"{label} has shape {found.shape}, expected {tuple(summary['shape'])}."
    if "float" not in str(leaf.get("dtype", "")):
        return f"{label} has dtype {leaf.get('dtype')}, expected floating point numbers ({summary['dtype']})."
    flat = found.ravel()
    entries = flat[samples]
    problem = mismatch(
        {"kind": "array", "shape": [len(samples)], "data": entries.tolist()},
        summary["samples"],
        what=f"{label} at {len(samples)} positions the grader reads",
        within=VALUES,
    )
    factor = _scaled(entries, np.asarray(summary["samples"], dtype=float))
    if problem is not None and factor is not None:
        return (
            f"{label} holds the expected normal draws times {factor:.4g}: check the scale sqrt(2 / inputs)."
        )
    if problem is not None:
        return problem
    for name, value in (("sum", flat.sum()), ("sum_of_squares", (flat**2).sum())):
        if not np.isclose(value, summary[name], rtol=SUMS.rtol, atol=SUMS.atol):
            what = "sum" if name == "sum" else "sum of squares"
            return f"the {what} of {label} is {value:.6g}, expected {summary[name]:.6g}."
    return None


def check_weights(observation: Observation, golden: Golden, plan: Plan) -> CheckResult:
    mode = _mode(observation, golden)
    small = [
        _weights_problem(found, mode["small"][index], SMALL)
        for found, index in zip(observation.listed("small") or [{}], plan["small_indexes"], strict=False)
    ]
    problem = first_problem(small)
    if problem is None:
        pairs, problem = _big_layers(observation)
        summaries = mode["big"][plan["big_index"]]
        samples = golden.data["init"]["samples"]
        problem = problem or first_problem(
            _summary_problem(w, summary["w"], positions, f"layer {number}'s W in {BIG}")
            for number, ((w, _), summary, positions) in enumerate(
                zip(pairs, summaries, samples, strict=True), 1
            )
        )
    return verdict(RUBRIC.item(QUESTION, "weights"), problem, hints.WEIGHTS)


def _biases_problem(observed: Any, sizes: list[int], what: str) -> str | None:
    pairs, problem = layers(observed, what=what)
    problem = problem or count_problem(pairs, len(sizes) - 1, what)
    if problem is not None:
        return problem
    return first_problem(
        mismatch(b, np.zeros(n), what=f"layer {number}'s b in {what}", within=VALUES)
        for number, ((_, b), n) in enumerate(zip(pairs, sizes[1:], strict=True), start=1)
    )


def check_biases(observation: Observation, golden: Golden, plan: Plan) -> CheckResult:
    problem = first_problem(
        [
            *(
                _biases_problem(found, plan["small_sizes"], SMALL)
                for found in observation.listed("small") or [{}]
            ),
            _biases_problem(observation.get("big"), plan["big_sizes"], BIG),
        ]
    )
    return verdict(RUBRIC.item(QUESTION, "biases"), problem, hints.BIASES)


CHECKS: dict[str, Check] = {"shapes": check_shapes, "weights": check_weights, "biases": check_biases}
