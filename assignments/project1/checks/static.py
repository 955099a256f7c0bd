"""Question 5: `fast_my_function` with its second argument static, for both of the question's
versions of `my_function` (the `num_loops` loop and the `arr_cols` shape).

Each binding of `fast_my_function` in the question's region is probed where it is made, tagged
with the version of `my_function` it compiles (`autograder.versions`), because the question
rebinds the name: the notebook's last binding is only the shape version. Each version is graded
on its last binding that is compiled and runs (a plain function tried after it, or the failing
call without static arguments that the assignment has students write first, does not undo it);
when there is none, on its last binding, whatever it is. A binding the code does not tell is placed by what it
returns: an array with `arr_cols` columns is the shape version, nothing the loop version.
"""

from __future__ import annotations

import itertools
import random
from typing import Any

from autograder.checks.compare import verdict, why_absent
from autograder.checks.observation import Check, Observation, Plan, probe_failure
from autograder.golden import Golden
from autograder.results import CheckResult

from .. import hints
from ..rubric import RUBRIC

QUESTION = "q5"
PROBED = False
VARIANTS = {"loop": "num_loops", "shape": "arr_cols"}


def plan(rng: random.Random, golden: Golden) -> Plan:
    first = rng.randint(100, 900)
    return {"x": rng.randint(1, 99), "first": first, "second": first + rng.randint(1, 50)}


def compiled(observed: dict[str, Any] | None) -> bool:
    """Whether the probe found `fast_my_function` compiled with `jax.jit`."""
    if not observed or not observed.get("present"):
        return False
    # Counted by jaxlib's own PjitFunction._cache_size: None for anything else.
    return None not in (observed.get("cache_sizes") or [None])


def _by_behaviour(observed: dict[str, Any], plan: dict[str, Any]) -> str | None:
    first = (observed.get("results") or [{}])[0]
    if first.get("kind") == "none":
        return "loop"
    if first.get("kind") in ("array", "too_large") and plan["first"] in (first.get("shape") or []):
        return "shape"
    return None


def _runs(observed: dict[str, Any] | None) -> bool:
    """Compiled, and the probe's calls of it returned."""
    results = (observed or {}).get("results") or [{"kind": "missing"}]
    return compiled(observed) and all(r.get("kind") not in ("error", "missing") for r in results)


def chosen(
    captures: tuple[tuple[str, dict[str, Any]], ...], plan: dict[str, Any]
) -> dict[str, dict[str, Any]]:
    """For each version, the binding graded: its last one that is compiled and runs, else its last."""
    found: dict[str, dict[str, Any]] = {}
    for tag, observed in captures:
        variant = tag if tag in VARIANTS else _by_behaviour(observed, plan)
        if variant is not None and (_runs(observed) or not _runs(found.get(variant))):
            found[variant] = observed
    return found


def _problems(observed: dict[str, Any] | None, argument: str, plan: Plan) -> tuple[str | None, str | None]:
    """(does it run with the argument static, does it recompile exactly when it changes)."""
    if observed is None:
        absent = f"no `fast_my_function` built from the `{argument}` version of `my_function` was found."
        return absent, absent
    failure = probe_failure(observed)
    if failure:
        return failure, failure
    sizes = observed.get("cache_sizes") or [None]
    if not compiled(observed):
        problem = "`fast_my_function` is not compiled with `jax.jit`."
        return problem, problem
    x, first, second = plan["x"], plan["first"], plan["second"]
    calls = [
        f"fast_my_function({x}, {first})",
        f"fast_my_function({x}, {first})",
        f"fast_my_function({x}, {second})",
    ]
    for what, result in zip(calls, observed.get("results", []), strict=False):
        if result.get("kind") in ("error", "missing"):
            problem = why_absent(result, f"`{what}`")
            return problem, f"it could not be checked because {problem}"
    compiles = [b - a for a, b in itertools.pairwise(sizes)]
    if compiles != [1, 0, 1]:
        return None, (
            f"calling `{calls[0]}`, again, then `{calls[2]}` compiled {compiles[0]}, {compiles[1]} and "
            f"{compiles[2]} times; expected 1, 0 and 1 (compile for a new `{argument}`, reuse for a repeated one)."
        )
    return None, None


def _check(variant: str, recompiles: bool) -> Check:
    """Whether the `variant` version runs with its argument static, or (`recompiles`) whether it
    recompiles exactly when that argument changes."""
    argument = VARIANTS[variant]

    def check(observation: Observation, golden: Golden, plan: Plan) -> CheckResult:
        runs, recompiled = _problems(chosen(observation.captures, plan).get(variant), argument, plan)
        hint = hints.static(argument)
        name = f"{variant}_recompiles" if recompiles else f"{variant}_static"
        return verdict(RUBRIC.item(QUESTION, name), recompiled if recompiles else runs, hint)

    return check


CHECKS: dict[str, Check] = {
    f"{variant}_{aspect}": _check(variant, aspect == "recompiles")
    for variant in VARIANTS
    for aspect in ("static", "recompiles")
}
