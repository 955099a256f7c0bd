"""Project 1's hints, both texts of each (`autograder.hints.Hint`): what a student reads after a
failed item, in the mode the master's plugin config chooses. `ITEMS` is what each item's public
test says after a failure, whatever was found; the checks may give a closer diagnosis."""

from __future__ import annotations

from autograder.hints import Hint, same

DOCS = "https://docs.jax.dev/en/latest/"
API = DOCS + "_autosummary/"


# -- Question 1 ------------------------------------------------------------------------------
FIRST = Hint(
    f"an array of the values 1 through 6 laid out as 2 rows of 3 (see `jax.numpy`, {DOCS}jax.numpy.html).",
    "`jnp.arange(1, 7).reshape(2, 3)`.",
)
FIRST_COLUMN_MAJOR = Hint(
    "row-major order fills a whole row before the next one: 2 rows of 3 values.",
    "row-major order means 2 rows of 3: `jnp.arange(1, 7).reshape(2, 3)`.",
)
FIRST_FROM_ZERO = Hint(
    "a range stops before its end value, so 1 through 6 needs an end of 7.",
    "the values go from 1 through 6; `jnp.arange(1, 7)` stops before 7.",
)
SECOND = Hint(
    f"JAX's equivalent of `numpy.full` fills an array of a given shape with one value ({API}jax.numpy.full.html).",
    "`jnp.full((3, 2), 2)` makes a 3x2 array of 2s.",
)
THIRD = Hint(
    f"a matrix product of a 2x3 and a 3x2 matrix is 2x2 ({API}jax.numpy.matmul.html).",
    "`third` is the matrix product `first @ second` (or `jnp.matmul`/`jnp.dot`).",
)
THIRD_ELEMENTWISE = Hint(
    "`*` multiplies element by element; the question asks for the matrix product, which is 2x2.",
    "did you multiply element-wise instead of a matrix product? Use `first @ second`.",
)
THIRD_REVERSED = Hint(
    "the order of a matrix product matters: `first` comes first, and the result is 2x2.",
    "the order matters: `first @ second`, not `second @ first`.",
)
DISPLAYED = same("Jupyter displays the value of a cell's last line; `print` shows any other value.")
FOURTH = Hint(
    f"stack the new row under `second` with JAX's equivalent of `numpy.vstack` ({API}jax.numpy.vstack.html).",
    "add the row at the bottom of `second`: `jnp.vstack([second, jnp.array([3, 4])])`.",
)
FIFTH = Hint(
    f"stack a 4x1 column of 1s to the right of `fourth` with JAX's equivalent of `numpy.hstack` "
    f"({API}jax.numpy.hstack.html).",
    "`jnp.hstack([fourth, jnp.ones((4, 1))])` adds the column of 1s.",
)
FIFTH_ON_THE_LEFT = Hint(
    "the column of 1s goes on the right of `fourth`, after its columns.",
    "the column of 1s goes on the right: `jnp.hstack([fourth, jnp.ones((4, 1))])`.",
)
FIFTH_AS_ROW = Hint(
    "add a column (stack horizontally), not a row.",
    "add a column, not a row: `jnp.hstack` or `jnp.append(..., axis=1)`.",
)
MY_ARRAY = Hint(
    f"JAX arrays are immutable: an indexed update returns a new array "
    f"({DOCS}notebooks/Common_Gotchas_in_JAX.html#in-place-updates).",
    "`my_array.at[1, 1].set(7)` changes the element in row 1, column 1.",
)
MY_ARRAY_NOT_KEPT = Hint(
    "an indexed update returns a new array and leaves the old one as it was: keep the new one in `my_array`.",
    "`.at[1, 1].set(7)` returns a new array: assign it back, `my_array = my_array.at[1, 1].set(7)`.",
)

# -- Question 2 ------------------------------------------------------------------------------
PRNG_MODE = same("use JAX's default threefry PRNG.")
DRAW = Hint(
    f"a JAX random function draws from the key it is given: use the key passed in ({DOCS}random-numbers.html).",
    "return `jax.random.uniform(key)` with the key passed in.",
)
FOO1_FOO2 = same("each should add bar(key1) and 2*baz(key2).")
FOO = Hint(
    "call the first function of the shuffled list, passing it the two keys as separate arguments "
    "(https://docs.python.org/3/tutorial/controlflow.html#unpacking-argument-lists).",
    "`return functions[0](*keys)`.",
)
SPLIT = Hint(
    f"split `PRNGKey(0)` with `num=3`: the first key is kept, the other two are the subkeys ({DOCS}random-numbers.html).",
    "`key, *subkeys = jax.random.split(jax.random.PRNGKey(0), num=3)`.",
)
VALUE = same("the split is right: check `bar`, `baz`, `foo1`, `foo2` and `foo` above.")

# -- Question 3 ------------------------------------------------------------------------------
GRAD_DOCS = f"{DOCS}automatic-differentiation.html"
MY_FUNCTION_17 = Hint(
    "`my_function(x)` should return 14x^3 + 13x (`**` is Python's power operator).",
    "`my_function(x)` returns `14 * x**3 + 13 * x`.",
)
MY_FUNCTION = same("`my_function(x)` must compute 14x^3 + 13x for any x it is given.")
MY_GRADIENT_17 = Hint(
    f"`jax.grad` turns a function into the function of its derivative, called with a float ({GRAD_DOCS}).",
    "`my_gradient = jax.grad(my_function)`; call it with a float, `my_gradient(17.0)`.",
)
MY_GRADIENT = Hint(
    f"`my_gradient` must be the derivative of `my_function` itself, as `jax.grad` makes it ({GRAD_DOCS}).",
    "`my_gradient` must compute the derivative at the x it is given: `jax.grad(my_function)`.",
)

# -- Question 4 ------------------------------------------------------------------------------
JIT_DOCS = f"{DOCS}jit-compilation.html"
MODEL_ONE_KEY = Hint(
    f"on current JAX `jax.random.normal` takes a single key ({API}jax.random.normal.html).",
    "on current JAX `jax.random.normal` takes a single key: draw from `keys[0]` and `keys[1]`, "
    "or pass one subkey to `my_model`.",
)
MODEL_FORMULA = same("the model is `14 * normal(keys[0])**2 + 13 * normal(keys[1])`: check the formula.")
COMPILED = Hint(
    f"compile the model with `jax.jit` ({JIT_DOCS}).",
    "decorate it with `@jax.jit` (or `my_model = jax.jit(my_model)`).",
)
SPEEDUP = same("compile `my_model` with `jax.jit`.")
JIT_DISABLED = same(
    "`jax_disable_jit` is still switched on at the end of Question 4, so nothing is compiled: "
    "`jax.config.update('jax_disable_jit', False)` before timing."
)


# -- Question 5 ------------------------------------------------------------------------------
def static(argument: str) -> Hint:
    """Question 5's hint for the version whose static argument is `argument`."""
    return Hint(
        f"a value that sets a loop count or an array's shape must be static when the function is "
        f"compiled: `jax.jit` can mark `{argument}` so ({JIT_DOCS}#marking-arguments-as-static).",
        f"`jax.jit(my_function, static_argnums=(1,))` or `static_argnames=('{argument}',)`.",
    )


# What the public test of each item says after a failure (`grader.check`), whatever was found.
ITEMS: dict[str, Hint] = {
    "first": FIRST,
    "second": SECOND,
    "third": THIRD,
    "displayed": DISPLAYED,
    "fourth": FOURTH,
    "fifth": FIFTH,
    "my_array": MY_ARRAY,
    "bar": DRAW,
    "baz": DRAW,
    "foo1_foo2": FOO1_FOO2,
    "foo": FOO,
    "value": SPLIT,
    "my_function_17": MY_FUNCTION_17,
    "my_function": MY_FUNCTION,
    "my_gradient_17": MY_GRADIENT_17,
    "my_gradient": MY_GRADIENT,
    "my_model": MODEL_FORMULA,
    "compiled": COMPILED,
    "speedup": SPEEDUP,
    "loop_static": static("num_loops"),
    "loop_recompiles": static("num_loops"),
    "shape_static": static("arr_cols"),
    "shape_recompiles": static("arr_cols"),
}
