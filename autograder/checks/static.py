"""Question 5: `fast_my_function` with its second argument static, for both of the question's
versions of `my_function` (the `num_loops` loop and the `arr_cols` shape).

Each binding of `fast_my_function` is probed where it is made, because the question rebinds
the name: the notebook's last binding is only the shape version.
"""

from __future__ import annotations

import random

from autograder.checks.compare import why_absent, verdict
from autograder.checks.observation import Observation, probe_failure
from autograder.golden import Golden
from autograder.results import CheckResult
from autograder.rubric import item

QUESTION = "q5"
VARIANTS = {"loop": "num_loops", "shape": "arr_cols"}


def plan(rng: random.Random, golden: Golden) -> dict:
    first = rng.randint(100, 900)
    return {"x": rng.randint(1, 99), "first": first, "second": first + rng.randint(1, 50)}


def _problems(observed: dict | None, argument: str, plan: dict) -> tuple[str | None, str | None]:
    """(does it run with the argument static, does it recompile exactly when it changes)."""
    if observed is None:
        absent = f"no `fast_my_function` built from the `{argument}` version of `my_function` was found."
        return absent, absent
    failure = probe_failure(observed)
    if failure:
        return failure, failure
    sizes = observed.get("cache_sizes") or [None]
    if not observed.get("present") or None in sizes:
        # Counted by jaxlib's own PjitFunction._cache_size: None for anything else.
        problem = "`fast_my_function` is not compiled with `jax.jit`."
        return problem, problem
    x, first, second = plan["x"], plan["first"], plan["second"]
    calls = [f"fast_my_function({x}, {first})", f"fast_my_function({x}, {first})", f"fast_my_function({x}, {second})"]
    for what, result in zip(calls, observed.get("results", [])):
        if result.get("kind") in ("error", "missing"):
            problem = why_absent(result, f"`{what}`")
            return problem, f"it could not be checked because {problem}"
    compiles = [b - a for a, b in zip(sizes, sizes[1:])]
    if compiles != [1, 0, 1]:
        return None, (
            f"calling `{calls[0]}`, again, then `{calls[2]}` compiled {compiles[0]}, {compiles[1]} and "
            f"{compiles[2]} times; expected 1, 0 and 1 (compile for a new `{argument}`, reuse for a repeated one)."
        )
    return None, None


def grade(observation: Observation, golden: Golden, plan: dict) -> list[CheckResult]:
    latest = {variant: values for variant, values in observation.captures if variant in VARIANTS}
    results = []
    for variant, argument in VARIANTS.items():
        runs, recompiles = _problems(latest.get(variant), argument, plan)
        hint = f"`jax.jit(my_function, static_argnums=(1,))` or `static_argnames=('{argument}',)`."
        results.append(verdict(item(QUESTION, f"{variant}_static"), runs, hint))
        results.append(verdict(item(QUESTION, f"{variant}_recompiles"), recompiles, hint))
    return results
