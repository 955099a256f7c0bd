"""Whole notebooks laid out the many ways students lay them out, written from scratch.

Each answer comes as plain code (`Q1` ... `Q5`) that the notebooks below arrange: in one
cell, in many tiny cells, under the course template, without headings, with scratch sections,
with helpers of their own names. `colab(...)` gives a notebook the metadata Google Colab writes.
"""

from __future__ import annotations

import json
from pathlib import Path

import nbformat

Cells = list[tuple[str, str]]
LOOPS = 50  # the timing loops: short, so that the tests stay fast

Q1 = """first = jnp.arange(1, 7).reshape(2, 3)
print(first)
second = jnp.full((3, 2), 2)
print(second)
third = first @ second
print(third)
print(third.shape)
print(third * 2)
print(third * jnp.array([[1, 2], [3, 4]]))
fourth = jnp.vstack([second, jnp.array([3, 4])])
print(fourth)
fifth = jnp.hstack([fourth, jnp.ones((4, 1))])
print(fifth)
my_array = jnp.array([[2, 2, 2], [2, 1, 3]])
my_array = my_array.at[1, 1].set(7)
print(my_array)
"""

Q2 = """key = jax.random.PRNGKey(0)
key, *subkeys = jax.random.split(key, num=3)

def bar(key):
    return jax.random.uniform(key)

def baz(key):
    return jax.random.uniform(key)

def foo1(key1, key2):
    return bar(key1) + 2*baz(key2)

def foo2(key1, key2):
    return 2*baz(key2) + bar(key1)

def foo(funcs, keys):
    functions = list(funcs)
    random.shuffle(functions)
    return functions[0](*keys)

print(foo((foo1, foo2), (subkeys[0], subkeys[1])))
"""

Q3 = """def my_function(x):
    return 14*x**3 + 13*x

print(my_function(17.0))
my_gradient = jax.grad(my_function)
print(my_gradient(17.0))
"""

MODEL = "def my_model(keys):\n    return 14*jax.random.normal(keys[0])**2 + 13*jax.random.normal(keys[1])\n"

Q4 = f"""key = jax.random.PRNGKey(0)
{MODEL}
for i in range({LOOPS}):
    key, *subkeys = jax.random.split(key, 3)
    my_value = my_model(subkeys)

my_model = jax.jit(my_model)
key = jax.random.PRNGKey(0)
for i in range({LOOPS}):
    key, *subkeys = jax.random.split(key, 3)
    my_value = my_model(subkeys).block_until_ready()
"""

Q5_LOOP = """def my_function(x, num_loops):
    for i in range(num_loops):
        pass
    return x

fast_my_function = jax.jit(my_function, static_argnums=(1,))
fast_my_function(14, 1000)
fast_my_function(14, 1000)
fast_my_function(14, 999)
"""

Q5_SHAPE = """def my_function(x, arr_cols):
    my_array = jnp.full((2, arr_cols), 5)
    return my_array

fast_my_function = jax.jit(my_function, static_argnums=(1,))
fast_my_function(5, 5)
fast_my_function(5, 6)
"""

Q5 = Q5_LOOP + "\n" + Q5_SHAPE
IMPORTS = "import jax\nimport jax.numpy as jnp\nimport random\n"

# Rebinds every graded name to something wrong, as a student trying things out would.
SCRATCH = """first = jnp.zeros(3)
second = third = fourth = fifth = my_array = None
def bar(key):
    return 0.0
baz = foo1 = foo2 = foo = bar
key = jax.random.PRNGKey(1)
key, *subkeys = jax.random.split(key, num=5)
def my_function(x):
    return x
my_gradient = my_function
def my_model(keys):
    return 0.0
fast_my_function = None
"""

WRITTEN = {
    1: "JAX arrays are immutable: `my_array[1, 1] = 7` raises a `TypeError`, so I used `.at[1, 1].set(7)`.",
    3: "The gradient at 17 is 42 * 17**2 + 13 = 12151, the same as `my_gradient(17.0)`.",
    4: "The jitted loop is faster once I call `block_until_ready()`, because JAX dispatches asynchronously.",
    5: "Changing `num_loops` or `arr_cols` makes JAX compile again, so the third call is slow.",
}


def headed(number: int, cells: Cells, *, level: str = "##") -> Cells:
    """A question's cells under its heading, with its written answer (if it has one) after them."""
    written = [("markdown", f"**Answer:** {WRITTEN[number]}")] if number in WRITTEN else []
    return [("markdown", f"{level} Question {number}"), *cells, *written]


def per_question(*, q3: str = Q3, q4: str = Q4, q5: str = Q5) -> Cells:
    """One code cell per question, under `## Question N` headings."""
    answers = {1: IMPORTS + Q1, 2: Q2, 3: q3, 4: q4, 5: q5}
    return [cell for n, code in answers.items() for cell in headed(n, [("code", code)])]


def template(body: Cells) -> Cells:
    """The course's project template around the questions."""
    return [
        (
            "markdown",
            "# TDM 40200: Project 1 — 2023\n\n**Motivation:** JAX is a library for ...\n\n"
            "**Context:** This is the first project of the semester.",
        ),
        ("markdown", "## Kernel selection\n\nUse the `f2023-s2024` kernel."),
        ("markdown", "## Dataset(s)\n\nThis project uses no data."),
        *body,
        ("markdown", "## Pledge\n\nBy submitting this work I, **Jane Smith**, pledge that it is my own."),
    ]


def colab(cells: Cells) -> dict:
    """.ipynb JSON as Google Colab saves it: cell ids, Colab metadata, stale outputs."""
    nb_cells = []
    for number, (kind, source) in enumerate(cells):
        ident = f"c{number:04x}ZxQ"
        if kind == "code":
            cell = nbformat.v4.new_code_cell(source, id=ident)
            cell.metadata = {
                "id": ident,
                "colab": {"base_uri": "https://localhost:8080/"},
                "outputId": "9f1e-22",
            }
            cell.execution_count = number + 1
            cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text="stale output\n")]
        else:
            cell = nbformat.v4.new_markdown_cell(source, id=ident)
            cell.metadata = {"id": ident}
        nb_cells.append(cell)
    nb = nbformat.v4.new_notebook(cells=nb_cells)
    nb.metadata = {
        "colab": {"provenance": [], "name": "Project1.ipynb", "toc_visible": True},
        "kernelspec": {"name": "python3", "display_name": "Python 3"},
        "language_info": {"name": "python"},
        "accelerator": "GPU",
        "gpuClass": "standard",
    }
    return nb


def write(path: Path, data: dict) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=1))
    return path
