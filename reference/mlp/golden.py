"""Golden values of the MLP assignment: small and summarised, for every PRNG mode.

Question 1's weights are random draws, so they are computed once per PRNG mode (each in a fresh
process, as `reference.golden` does for Project 1): in full for a small network, and for the
784-128-10 network only as a summary (shape, dtype, entries at fixed positions, sums) so that
golden.json stays small enough to review. Questions 2 and 3 run on parameters and batches given
as plain numbers (fixed here, chosen from at grading time), so their values depend on no mode.
"""

from __future__ import annotations

import itertools
import random
from typing import Any

from reference.golden import MODES, compute_mode, mode_key

SMALL_SIZES = [3, 4, 2]
BIG_SIZES = [784, 128, 10]
POOL_SEEDS = random.Random(40202).sample(range(1, 2**31), 4)
# Entries of each big weight matrix compared one by one (flat indexes), beside the sums.
SAMPLES = [
    sorted(random.Random(layer).sample(range(m * n), 24))
    for layer, (m, n) in enumerate(itertools.pairwise(BIG_SIZES))
]
# Question 2 and 3's cases: networks with one and with two hidden layers.
CASE_SIZES = [[3, 4, 2], [3, 5, 4, 2], [4, 6, 3], [2, 3, 3, 1]]
BATCH = 5
LEARNING_RATE = 0.01


def _plain(params: Any) -> list[list[Any]]:
    import numpy as np

    return [[np.asarray(w).tolist(), np.asarray(b).tolist()] for w, b in params]


def _summary(array: Any, samples: list[int]) -> dict[str, Any]:
    import numpy as np

    values = np.asarray(array)
    flat = values.astype(np.float64).ravel()
    return {
        "shape": list(values.shape),
        "dtype": str(values.dtype),
        "samples": flat[samples].tolist(),
        "sum": float(flat.sum()),
        "sum_of_squares": float((flat**2).sum()),
    }


def _mode_values() -> dict[str, Any]:
    """Question 1's values in the mode this process runs in."""
    import jax

    from reference.mlp.questions import init_params

    small, big = [], []
    for seed in POOL_SEEDS:
        key = jax.random.PRNGKey(seed)
        small.append(_plain(init_params(key, SMALL_SIZES)))
        layers = init_params(key, BIG_SIZES)
        big.append(
            [
                {"w": _summary(w, samples), "b": _summary(b, [0, b.size - 1])}
                for (w, b), samples in zip(layers, SAMPLES, strict=True)
            ]
        )
    return {"flags": {name: bool(getattr(jax.config, name)) for name in MODES[0]}, "small": small, "big": big}


def _case(index: int, sizes: list[int]) -> dict[str, Any]:
    """Parameters, a batch and targets as plain numbers (4 decimals, exact enough in float32),
    with what the reference computes on them."""
    import jax.numpy as jnp
    import numpy as np

    from reference.mlp import questions as q

    state = np.random.default_rng(40200 + index)

    def numbers(*shape: int) -> Any:
        return np.round(state.normal(size=shape), 4).astype(np.float32)

    params = [(numbers(m, n), numbers(n)) for m, n in itertools.pairwise(sizes)]
    x, y = numbers(BATCH, sizes[0]), numbers(BATCH, sizes[-1])
    as_jax = [(jnp.asarray(w), jnp.asarray(b)) for w, b in params]
    no_relu = np.asarray(x)
    for w, b in params:
        no_relu = no_relu @ w + b
    return {
        "sizes": sizes,
        "params": _plain(params),
        "x": x.tolist(),
        "y": y.tolist(),
        "lr": LEARNING_RATE,
        "forward": np.asarray(q.forward(as_jax, jnp.asarray(x))).tolist(),
        # Without any ReLU: what a forward pass that forgets it gives (for the student's message).
        "forward_linear": no_relu.tolist(),
        "loss": float(q.loss(as_jax, jnp.asarray(x), jnp.asarray(y))),
        "step": _plain(q.sgd_step(as_jax, jnp.asarray(x), jnp.asarray(y), LEARNING_RATE)),
    }


def compute_golden() -> dict[str, Any]:
    import jax

    return {
        "jax_version": jax.__version__,
        "pool": {"seeds": POOL_SEEDS},
        "init": {"small_sizes": SMALL_SIZES, "big_sizes": BIG_SIZES, "samples": SAMPLES},
        "cases": [_case(i, sizes) for i, sizes in enumerate(CASE_SIZES)],
        "modes": {mode_key(flags): compute_mode(flags, __name__) for flags in MODES},
    }
