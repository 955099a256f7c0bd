"""The three questions of the MLP assignment, answered as importable functions.

Parameters are a list of `(W, b)` pairs, one per layer: `W` of shape (inputs, outputs), `b` of
shape (outputs,), so that a layer computes `x @ W + b` on a batch `x` of shape (batch, inputs).
"""

from __future__ import annotations

from collections.abc import Sequence

import jax
import jax.numpy as jnp

Params = list[tuple[jax.Array, jax.Array]]

# -- Question 1: initialisation -------------------------------------------------------------


def init_params(key: jax.Array, sizes: Sequence[int]) -> Params:
    """One key per layer from `jax.random.split(key, len(sizes) - 1)`; layer i's weights are
    standard normal draws from `keys[i]` scaled by sqrt(2 / inputs) (He initialisation), its
    biases zeros."""
    keys = jax.random.split(key, len(sizes) - 1)
    return [
        (jax.random.normal(k, (m, n)) * jnp.sqrt(2.0 / m), jnp.zeros(n))
        for k, m, n in zip(keys, sizes[:-1], sizes[1:], strict=True)
    ]


# -- Question 2: forward pass ----------------------------------------------------------------


def forward(params: Params, x: jax.Array) -> jax.Array:
    """ReLU after every hidden layer, the output layer linear."""
    *hidden, (w_out, b_out) = params
    for w, b in hidden:
        x = jax.nn.relu(x @ w + b)
    return x @ w_out + b_out


# -- Question 3: one step of gradient descent ------------------------------------------------


def loss(params: Params, x: jax.Array, y: jax.Array) -> jax.Array:
    """The mean squared error of the network's outputs over the batch and the outputs."""
    return jnp.mean((forward(params, x) - y) ** 2)


@jax.jit
def sgd_step(params: Params, x: jax.Array, y: jax.Array, lr: float) -> Params:
    grads = jax.grad(loss)(params, x, y)
    return [(w - lr * dw, b - lr * db) for (w, b), (dw, db) in zip(params, grads, strict=True)]
