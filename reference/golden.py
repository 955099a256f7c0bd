"""Golden values: what each graded name must hold, for every PRNG mode a submission may run in.

JAX's random values depend on two flags (``jax_threefry_partitionable``, default True since
JAX 0.5, and ``jax_enable_x64``). Students hand in notebooks run either way, so the values
that depend on randomness are computed once per mode, each mode in a fresh process because
the flags must be set before JAX draws anything.
"""

from __future__ import annotations

import json
import random
import subprocess
import sys
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # imported lazily at run time: this module's constants are read without JAX
    from numpy.typing import ArrayLike

MODES = [
    {"jax_threefry_partitionable": True, "jax_enable_x64": False},
    {"jax_threefry_partitionable": False, "jax_enable_x64": False},
    {"jax_threefry_partitionable": True, "jax_enable_x64": True},
    {"jax_threefry_partitionable": False, "jax_enable_x64": True},
]

# Probe inputs are drawn from these pools at grading time; the pools themselves are fixed
# so that golden.json is reproducible and reviewable.
POOL_SIZE = 48
POOL_SEEDS = random.Random(40200).sample(range(1, 2**31), POOL_SIZE)
POOL_POINTS = [round(random.Random(i).uniform(-25.0, 25.0), 3) for i in range(POOL_SIZE)]


def mode_key(flags: dict[str, bool]) -> str:
    """`partitionable-x32`, `legacy-x64`, ...: the name a mode has in golden.json."""
    threefry = "partitionable" if flags["jax_threefry_partitionable"] else "legacy"
    width = "x64" if flags["jax_enable_x64"] else "x32"
    return f"{threefry}-{width}"


def _encode(array: ArrayLike) -> dict[str, Any]:
    import numpy as np

    values = np.asarray(array)
    return {"shape": list(values.shape), "dtype": str(values.dtype), "data": values.ravel().tolist()}


def _mode_values() -> dict[str, Any]:
    """Everything random, in the mode this process runs in."""
    import jax

    from reference import questions as q

    _, subkeys = q.q2_split()
    pool_keys = [jax.random.PRNGKey(seed) for seed in POOL_SEEDS]
    return {
        "flags": {name: bool(getattr(jax.config, name)) for name in MODES[0]},
        "q2": {
            "subkeys": [jax.random.key_data(k).tolist() for k in subkeys],
            "value": float(q.q2_value()),
        },
        "keys": [jax.random.key_data(k).tolist() for k in pool_keys],
        "uniform": [float(jax.random.uniform(k)) for k in pool_keys],
        # my_model on one key, and on the pair (key i, key i+1) as the timing loop passes it.
        "my_model_one_key": [float(q.my_model_one_key(k)) for k in pool_keys],
        "my_model": [float(q.my_model([k, pool_keys[(i + 1) % POOL_SIZE]])) for i, k in enumerate(pool_keys)],
    }


def _fixed_values() -> dict[str, Any]:
    """Everything that does not depend on the PRNG mode (computed in JAX's default mode)."""
    import jax.numpy as jnp

    from reference import questions as q

    points = jnp.array(POOL_POINTS, dtype=jnp.float32)
    return {
        "q1": {name: _encode(value) for name, value in q.q1_arrays().items()},
        "q3": {
            "x17": {"my_function": float(q.my_function(17.0)), "my_gradient": float(q.my_gradient(17.0))},
            "my_function": [float(v) for v in q.my_function(points)],
            "my_gradient": [float(q.my_gradient(x)) for x in points],
        },
    }


def compute_mode(flags: dict[str, bool], module: str = __name__) -> dict[str, Any]:
    """Run `module`'s `_mode_values` (an assignment's values in one PRNG mode) in a fresh
    interpreter with the given flags: JAX reads them once, at its first use."""
    code = (
        "import json, sys, jax\n"
        f"for name, value in {flags!r}.items(): jax.config.update(name, value)\n"
        f"from {module} import _mode_values\n"
        "json.dump(_mode_values(), sys.stdout)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True)
    values: dict[str, Any] = json.loads(out.stdout)
    if values["flags"] != flags:
        raise RuntimeError(f"JAX ignored the flags {flags}: it ran with {values['flags']}")
    return values


def compute_golden() -> dict[str, Any]:
    import jax

    return {
        "jax_version": jax.__version__,
        "pool": {"seeds": POOL_SEEDS, "points": POOL_POINTS},
        **_fixed_values(),
        "modes": {mode_key(flags): compute_mode(flags) for flags in MODES},
    }
