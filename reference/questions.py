"""The five questions of TDM 40200 Project 1, answered as importable functions."""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from typing import TypeVar

import jax
import jax.numpy as jnp
import numpy as np

# A plain number or a JAX array: Question 3's function works on either, as the notebook's does.
Number = TypeVar("Number", float, jax.Array)

# -- Question 1: arrays -------------------------------------------------------------------


def q1_arrays() -> dict[str, jax.Array]:
    """Every array Question 1 names or asks to display, keyed by its notebook name."""
    first = jnp.arange(1, 7).reshape(2, 3)
    second = jnp.full((3, 2), 2)
    third = first @ second
    fourth = jnp.vstack([second, jnp.array([3, 4])])
    fifth = jnp.hstack([fourth, jnp.ones((4, 1), dtype=fourth.dtype)])
    my_array = jnp.array([[2, 2, 2], [2, 1, 3]])
    # `my_array[1, 1] = 7` raises: JAX arrays are immutable, so `.at[].set()` returns a copy.
    my_array = my_array.at[1, 1].set(7)
    return {
        "first": first,
        "second": second,
        "third": third,
        "third_times_2": third * 2,
        "third_elementwise": third * jnp.arange(1, 5).reshape(2, 2),
        "fourth": fourth,
        "fifth": fifth,
        "my_array": my_array,
    }


# -- Question 2: PRNG keys -----------------------------------------------------------------


def numpy_foo(order: str, seed: int = 0) -> float:
    """The assignment's NumPy example, run as written: `foo1` or `foo2` after `np.random.seed`."""

    def bar() -> float:
        return np.random.uniform()

    def baz() -> float:
        return np.random.uniform()

    def foo1() -> float:
        return bar() + 2 * baz()

    def foo2() -> float:
        return 2 * baz() + bar()

    saved = np.random.get_state()
    np.random.seed(seed)
    try:
        return {"foo1": foo1, "foo2": foo2}[order]()
    finally:
        np.random.set_state(saved)


def bar(key: jax.Array) -> jax.Array:
    return jax.random.uniform(key)


def baz(key: jax.Array) -> jax.Array:
    return jax.random.uniform(key)


def foo1(key1: jax.Array, key2: jax.Array) -> jax.Array:
    return bar(key1) + 2 * baz(key2)


def foo2(key1: jax.Array, key2: jax.Array) -> jax.Array:
    return 2 * baz(key2) + bar(key1)


def foo(funcs: Sequence[Callable[[jax.Array, jax.Array], jax.Array]], keys: Sequence[jax.Array]) -> jax.Array:
    functions = list(funcs)
    random.shuffle(functions)
    return functions[0](*keys)


def q2_split() -> tuple[jax.Array, list[jax.Array]]:
    """`key, *subkeys = jax.random.split(jax.random.PRNGKey(0), num=3)`."""
    key = jax.random.PRNGKey(0)
    key, *subkeys = jax.random.split(key, num=3)
    return key, subkeys


def q2_value() -> jax.Array:
    """The value the assignment prints: the same whichever of foo1/foo2 runs."""
    _, subkeys = q2_split()
    return foo((foo1, foo2), (subkeys[0], subkeys[1]))


# -- Question 3: grad ----------------------------------------------------------------------


def my_function(x: Number) -> Number:
    return 14 * x**3 + 13 * x


my_gradient = jax.grad(my_function)


def my_function_derivative(x: Number) -> Number:
    """The derivative by hand, to check `my_gradient` against: 42x^2 + 13."""
    return 42 * x**2 + 13


# -- Question 4: jit -----------------------------------------------------------------------


def my_model(keys: Sequence[jax.Array]) -> jax.Array:
    """The assignment's model. It draws from `keys[0]` and `keys[1]`: on JAX 0.10.2
    `jax.random.normal` takes one key, so the literal `normal(keys)` with the list of two
    subkeys that the loop passes raises TypeError."""
    return 14 * jax.random.normal(keys[0]) ** 2 + 13 * jax.random.normal(keys[1])


def my_model_one_key(key: jax.Array) -> jax.Array:
    """The model exactly as printed, for a student who passes it a single subkey."""
    return 14 * jax.random.normal(key) ** 2 + 13 * jax.random.normal(key)


fast_my_model = jax.jit(my_model)


def q4_loop(
    model: Callable[[list[jax.Array]], jax.Array], iterations: int, *, block: bool
) -> jax.Array | None:
    """The assignment's timing loop (the student's `%%time` cell): the last value, None after
    no iteration."""
    key = jax.random.PRNGKey(0)
    value: jax.Array | None = None
    for _ in range(iterations):
        key, *subkeys = jax.random.split(key, 3)
        value = model(subkeys)
        if block:
            value.block_until_ready()
    return value


# -- Question 5: static arguments ----------------------------------------------------------


def loop_function(x: jax.Array, num_loops: int) -> None:
    for _ in range(num_loops):
        pass


def shape_function(x: jax.Array, arr_cols: int) -> None:
    my_array = jnp.full((2, arr_cols), 5)  # noqa: F841 (the assignment's body returns nothing)


fast_loop_function = jax.jit(loop_function, static_argnums=(1,))
fast_shape_function = jax.jit(shape_function, static_argnums=(1,))
