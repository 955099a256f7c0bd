"""Submissions written for the tests: a correct notebook as students write it, and edits of it.

A submission is a list of cells; `notebook(...)` turns one into .ipynb JSON. Most tests use
short timing loops (`loops=`) so that the suite stays fast; a few use the assignment's
100,000 iterations.
"""

from __future__ import annotations

import json
from pathlib import Path

import nbformat

Q1 = [
    ("markdown", "## Question 1"),
    ("code", "import jax\nimport jax.numpy as jnp"),
    ("code", "first = jnp.arange(1, 7).reshape(2, 3)\nfirst"),
    ("code", "second = jnp.full((3, 2), 2)\nsecond"),
    ("code", "third = first @ second\nthird"),
    ("code", "third.shape"),
    ("code", "third * 2"),
    ("code", "third * jnp.array([[1, 2], [3, 4]])"),
    ("code", "fourth = jnp.vstack([second, jnp.array([3, 4])])\nfourth"),
    ("code", "fifth = jnp.hstack([fourth, jnp.ones((4, 1), dtype=fourth.dtype)])\nfifth"),
    ("code", "my_array = jnp.array([[2,2,2], [2,1,3]])\nmy_array = my_array.at[1, 1].set(7)\nmy_array"),
    ("markdown", "JAX arrays are immutable, so item assignment raises a TypeError."),
]

Q2 = [
    ("markdown", "## Question 2"),
    (
        "code",
        "import numpy as np\nimport random\n\n"
        "def bar(): return np.random.uniform()\ndef baz(): return np.random.uniform()\n\n"
        "def foo1(): return bar() + 2*baz()\n\ndef foo2(): return 2*baz() + bar()\n\n"
        "def foo(*funcs):\n    functions = list(funcs)\n    random.shuffle(functions)\n    return functions[0]()\n\n"
        "np.random.seed(0)\nfoo(foo1, foo2)",
    ),
    (
        "code",
        "import jax\nimport random\n\n"
        "key = jax.random.PRNGKey(0)\nkey, *subkeys = jax.random.split(key, num=3)\n\n"
        "def bar(key):\n    return jax.random.uniform(key)\n\n"
        "def baz(key):\n    return jax.random.uniform(key)\n\n"
        "def foo1(key1, key2):\n    return bar(key1) + 2*baz(key2)\n\n"
        "def foo2(key1, key2):\n    return 2*baz(key2) + bar(key1)\n\n"
        "def foo(funcs, keys):\n    functions = list(funcs)\n    random.shuffle(functions)\n"
        "    return functions[0](*keys)",
    ),
    (
        "code",
        "key = jax.random.PRNGKey(0)\nkey, *subkeys = jax.random.split(key, num=3)\n"
        "print(foo((foo1, foo2), (subkeys[0], subkeys[1])))",
    ),
]

Q3 = [
    ("markdown", "## Question 3"),
    ("code", "def my_function(x):\n    return 14*x**3 + 13*x\n\nmy_function(17)"),
    ("code", "my_gradient = jax.grad(my_function)\nmy_gradient(17.0)"),
    ("markdown", "42 * 17**2 + 13 = 12151, the same."),
]


def q4(loops: int) -> list[tuple[str, str]]:
    return [
        ("markdown", "## Question 4"),
        (
            "code",
            "%%time\n\nkey = jax.random.PRNGKey(0)\n\n"
            "def my_model(keys):\n    return 14*jax.random.normal(keys[0])**2 + 13*jax.random.normal(keys[1])\n\n"
            f"for i in range({loops}):\n    key, *subkeys = jax.random.split(key, 3)\n    my_value = my_model(subkeys)",
        ),
        (
            "code",
            "%%time\n\nkey = jax.random.PRNGKey(0)\n\n@jax.jit\n"
            "def my_model(keys):\n    return 14*jax.random.normal(keys[0])**2 + 13*jax.random.normal(keys[1])\n\n"
            f"for i in range({loops}):\n    key, *subkeys = jax.random.split(key, 3)\n    my_value = my_model(subkeys)",
        ),
        (
            "code",
            "%%time\n\nkey = jax.random.PRNGKey(0)\n\n"
            f"for i in range({loops}):\n    key, *subkeys = jax.random.split(key, 3)\n"
            "    my_value = my_model(subkeys).block_until_ready()",
        ),
        ("markdown", "With block_until_ready the jitted loop is faster."),
    ]


Q5 = [
    ("markdown", "## Question 5"),
    (
        "code",
        "%%time\n\ndef my_function(x, num_loops):\n    for i in range(num_loops):\n        pass\n\n"
        "fast_my_function = jax.jit(my_function)\n\nfast_my_function(14, 1000000)",
    ),
    (
        "code",
        "%%time\n\ndef my_function(x, num_loops):\n    for i in range(num_loops):\n        pass\n\n"
        "fast_my_function = jax.jit(my_function, static_argnums=(1,))",
    ),
    ("code", "%%time\n\nfast_my_function(14, 1000000)"),
    ("code", "%%time\n\nfast_my_function(14, 1000000)"),
    ("code", "%%time\n\nfast_my_function(14, 999999)"),
    ("markdown", "A new static value means a new compilation."),
    (
        "code",
        "%%time\n\ndef my_function(x, arr_cols):\n    my_array = jnp.full((2, arr_cols), 5)\n\n"
        "fast_my_function = jax.jit(my_function)\n\nfast_my_function(5, 5)",
    ),
    (
        "code",
        "%%time\n\ndef my_function(x, arr_cols):\n    my_array = jnp.full((2, arr_cols), 5)\n\n"
        "fast_my_function = jax.jit(my_function, static_argnums=(1,))",
    ),
    ("code", "%%time\n\n# slow, first time compiling\nfast_my_function(5, 5)"),
    ("code", "%%time\n\n# fast, already compiled with static argument of 5\nfast_my_function(5, 5)"),
    ("code", "%%time\n\n# slow, recompiling with static argument of 6\nfast_my_function(5, 6)"),
]


def solution(loops: int = 300) -> list[tuple[str, str]]:
    return [*Q1, *Q2, *Q3, *q4(loops), *Q5]


def replace(cells: list[tuple[str, str]], old: str, new: str, count: int = -1) -> list[tuple[str, str]]:
    """Edit a submission: `old` must occur in it (a silent no-op edit would test nothing)."""
    text = "\x00".join(f"{kind}\x01{source}" for kind, source in cells)
    if old not in text:
        raise ValueError(f"{old!r} is not in the submission")
    text = text.replace(old, new, count)
    return [tuple(cell.split("\x01", 1)) for cell in text.split("\x00")]  # type: ignore[misc]


def notebook(cells: list[tuple[str, str]], *, kernel: str = "python3", otter: bool = False) -> dict:
    """.ipynb JSON for `cells`; `otter=True` adds otter's init and check cells, as the
    student notebook made by `otter assign` has them."""
    nb_cells = []
    if otter:
        nb_cells.append(nbformat.v4.new_code_cell('import otter\ngrader = otter.Notebook("project1.ipynb")'))
    question = 0
    for kind, source in cells:
        if otter and kind == "markdown" and source.startswith("## Question") and question:
            nb_cells.append(nbformat.v4.new_code_cell(f'grader.check("q{question}")'))
        if kind == "markdown" and source.startswith("## Question"):
            question = int(source.split()[-1])
        maker = nbformat.v4.new_code_cell if kind == "code" else nbformat.v4.new_markdown_cell
        nb_cells.append(maker(source))
    if otter:
        nb_cells.append(nbformat.v4.new_code_cell(f'grader.check("q{question}")'))
    nb = nbformat.v4.new_notebook(cells=nb_cells)
    nb.metadata["kernelspec"] = {"name": kernel, "display_name": kernel, "language": "python"}
    return nb


def write(path: Path, cells: list[tuple[str, str]], **options) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(notebook(cells, **options), indent=1))
    return path


def examples() -> dict[str, tuple[list[tuple[str, str]], dict]]:
    """The example submissions bundled in assignments/project1/examples/ (name: cells, options)."""
    full = solution(loops=100000)
    return {
        "solution": (full, {"otter": True}),
        "renamed-legacy-prng": (
            replace(full, "import jax\nimport random\n\nkey", 'import jax\nimport random\n'
                    'jax.config.update("jax_threefry_partitionable", False)\n\nkey'),
            {"kernel": "f2023-s2024"},
        ),
        "elementwise-product": (replace(full, "third = first @ second", "third = first * second.T"), {"otter": True}),
        "no-static-arguments": (replace(full, "static_argnums=(1,)", "donate_argnums=()"), {"otter": True}),
    }
