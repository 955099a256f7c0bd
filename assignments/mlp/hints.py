"""The hints a student of the MLP assignment reads after a failed item (both texts of each:
`concept` names the idea and its documentation, `code` is the fix; see `autograder.hints`)."""

from __future__ import annotations

from autograder.hints import Hint, same

DOCS = "https://docs.jax.dev/en/latest/"

RANDOM_DOCS = f"{DOCS}random-numbers.html"
JIT_DOCS = f"{DOCS}jit-compilation.html"

SHAPES = same(
    "layer i maps sizes[i] inputs to sizes[i + 1] outputs: W is (sizes[i], sizes[i + 1]), b is (sizes[i + 1],)."
)
WEIGHTS = Hint(
    f"split the key into one key per layer and draw each layer's weights from its own key ({RANDOM_DOCS}).",
    "keys = jax.random.split(key, len(sizes) - 1); W = jax.random.normal(keys[i], (m, n)) * jnp.sqrt(2 / m)",
)
BIASES = Hint("biases start at zero: nothing random goes into them.", "b = jnp.zeros(n)")
FORWARD = Hint(
    "every hidden layer is x @ W + b followed by a ReLU; the output layer is x @ W + b alone.",
    "for W, b in params[:-1]: x = jax.nn.relu(x @ W + b); then return x @ W_out + b_out",
)
STEP = Hint(
    "the new parameters are the old ones minus lr times the gradient of the loss with respect to them "
    f"({DOCS}automatic-differentiation.html).",
    "grads = jax.grad(loss)(params, x, y); [(W - lr * dW, b - lr * db) for (W, b), (dW, db) in zip(params, grads)]",
)
DESCENDS = same("gradient descent steps against the gradient: subtract lr times the gradient, never add it.")
COMPILED = Hint(
    f"compile the whole step with `jax.jit` ({JIT_DOCS}).",
    "sgd_step = jax.jit(sgd_step), or @jax.jit above its def",
)

# Each item's hint, as its check gives it and its public test in the master prints it.
ITEMS: dict[str, Hint] = {
    "shapes": SHAPES,
    "weights": WEIGHTS,
    "biases": BIASES,
    "output_shape": FORWARD,
    "one_hidden": FORWARD,
    "two_hidden": FORWARD,
    "step": STEP,
    "descends": DESCENDS,
    "compiled": COMPILED,
}
