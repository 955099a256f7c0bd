"""Runs inside the student's kernel: the MLP assignment's probes, one per question.

This file is sent to the kernel as text, like the engine's own kernel-side code, and is never
imported by the grader. It only produces values; every verdict is made in the grading process
(`checks/`). It holds no helper of its own for reading or encoding: it is executed in the
namespace of the engine's kernel-side module, which provides

- `call(namespace, name, *args)`: `namespace[name](*args)` encoded as plain data, a missing
  name or a raised exception being data too;
- `keys(seeds)`: `jax.random.PRNGKey(seed)` for each seed;
- `flags()`: the JAX flags the random draws depend on;
- `genuine_jit(function)`: whether `function` is JAX's own jitted-function type;

and `encode` behind `call`, which must carry lists of `(W, b)` pairs and arrays of 100,352
elements (the 784x128 weights). `PROBES` maps each question to its probe; `plan` is what that
question's `plan(rng, golden)` chose in the grading process, as plain JSON.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # provided by the engine's kernel-side module (see above)
    from autograder.probe.inspection import call, flags, genuine_jit, keys

Namespace = dict[str, Any]
Observed = dict[str, Any]
Plan = dict[str, Any]


def _params(plain: list[list[Any]]) -> list[tuple[Any, Any]]:
    """The grader's parameters (plain numbers) as the list of float32 (W, b) pairs the
    assignment describes."""
    import jax.numpy as jnp

    return [(jnp.asarray(w, dtype=jnp.float32), jnp.asarray(b, dtype=jnp.float32)) for w, b in plain]


def _batch(numbers: list[Any]) -> Any:
    import jax.numpy as jnp

    return jnp.asarray(numbers, dtype=jnp.float32)


def probe_q1(namespace: Namespace, plan: Plan) -> Observed:
    small_sizes, big_sizes = list(plan["small_sizes"]), list(plan["big_sizes"])
    return {
        "flags": flags(),
        "small": [
            call(namespace, "init_params", key, list(small_sizes)) for key in keys(plan["small_seeds"])
        ],
        "big": call(namespace, "init_params", keys([plan["big_seed"]])[0], big_sizes),
    }


def probe_q2(namespace: Namespace, plan: Plan) -> Observed:
    return {
        "forward": [
            call(namespace, "forward", _params(case["params"]), _batch(case["x"])) for case in plan["cases"]
        ]
    }


def probe_q3(namespace: Namespace, plan: Plan) -> Observed:
    return {
        "step": [
            call(
                namespace,
                "sgd_step",
                _params(case["params"]),
                _batch(case["x"]),
                _batch(case["y"]),
                float(case["lr"]),
            )
            for case in plan["cases"]
        ],
        # By the exact type of JAX's jitted functions: nothing the student's object says is read.
        "compiled": genuine_jit(namespace.get("sgd_step")),
    }


PROBES = {"q1": probe_q1, "q2": probe_q2, "q3": probe_q3}
