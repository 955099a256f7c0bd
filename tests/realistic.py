"""Realistic hand-ins written the way students write them (the course template with its pledge,
Colab exports, one cell for everything, scratch after the last answer, stray redirects, honest
`quit()`, errors left in, hostile tricks), each with the points a careful instructor would give
(the items each loses; its points follow from the rubric). `tests/test_realistic.py` grades them
all in one batch."""

from __future__ import annotations

from typing import Any

from tests import submissions

IMPORTS = "import jax\nimport jax.numpy as jnp\nimport random\nimport numpy as np"
Q1 = [
    "first = jnp.array([[1, 2, 3], [4, 5, 6]])\nfirst",
    "second = jnp.full((3, 2), 2)\nsecond",
    "third = jnp.matmul(first, second)\nthird",
    "third.shape",
    "third * 2",
    "jnp.multiply(third, jnp.array([[1, 2], [3, 4]]))",
    "fourth = jnp.append(second, jnp.array([[3, 4]]), axis=0)\nfourth",
    "fifth = jnp.append(fourth, jnp.ones((4, 1)), axis=1)\nfifth",
    "my_array = jnp.array([[2,2,2], [2,1,3]])\nmy_array = my_array.at[1,1].set(7)\nmy_array",
]
# The solution's Question 2 cell of tests/submissions.py, without its imports (the template's
# first cell has them).
Q2 = submissions.Q2[2][1].removeprefix("import jax\nimport random\n\n")
Q2_RUN = ("key = jax.random.PRNGKey(0)\nkey, *subkeys = jax.random.split(key, num=3)\n"
          "print(foo((foo1, foo2), (subkeys[0], subkeys[1])))")
Q3 = ["def my_function(x):\n    return 14*x**3 + 13*x\n\nmy_function(17.0)",
      "my_gradient = jax.grad(my_function)\nmy_gradient(17.0)"]
MODEL = "def my_model(keys):\n    return 14*jax.random.normal(keys[0])**2 + 13*jax.random.normal(keys[1])\n"


def q4(loops: int = 100000) -> list[str]:
    loop = (f"for i in range({loops}):\n    key, *subkeys = jax.random.split(key, 3)\n"
            "    my_value = my_model(subkeys)")
    return [
        "%%time\n\nkey = jax.random.PRNGKey(0)\n\n" + MODEL + "\n" + loop,
        "%%time\n\nkey = jax.random.PRNGKey(0)\n\n@jax.jit\n" + MODEL + "\n" + loop,
        "%%time\n\nkey = jax.random.PRNGKey(0)\n\n@jax.jit\n" + MODEL + "\n"
        + loop.replace("my_model(subkeys)", "my_model(subkeys).block_until_ready()"),
    ]


LOOP_DEF = "def my_function(x, num_loops):\n    for i in range(num_loops):\n        pass\n"
SHAPE_DEF = "def my_function(x, arr_cols):\n    my_array = jnp.full((2, arr_cols), 5)\n"
Q5 = [
    "%%time\n\n" + LOOP_DEF + "\nfast_my_function = jax.jit(my_function, static_argnums=(1,))",
    "%%time\n\nfast_my_function(14, 1000000)",
    "%%time\n\nfast_my_function(14, 1000000)",
    "%%time\n\nfast_my_function(14, 999999)",
    "%%time\n\n" + SHAPE_DEF + "\nfast_my_function = jax.jit(my_function, static_argnums=(1,))",
    "%%time\n\n# slow, first time compiling\nfast_my_function(5, 5)",
    "%%time\n\n# fast, already compiled with static argument of 5\nfast_my_function(5, 5)",
    "%%time\n\n# slow, recompiling with static argument of 6\nfast_my_function(5, 6)",
]


def md(text):
    return ("markdown", text)


def code(text):
    return ("code", text)


def _cell(cell):
    """A code cell, unless it is already a (kind, source) pair."""
    return cell if isinstance(cell, tuple) else code(cell)


def template(q1=Q1, q2=(Q2, Q2_RUN), q3=Q3, q4cells=None, q5=Q5, imports=IMPORTS, after=()):
    """The course template: title, questions with 'Items to submit', a pledge at the end."""
    q4cells = q4() if q4cells is None else q4cells
    cells = [md("# TDM 40200: Project 1 — 2023\n\n**Student name:** Pat Doe\n\n**Section:** 1"),
             md("## Question 1"), code(imports), *map(_cell, q1),
             code("my_array[1,1] = 7"),
             md("JAX arrays are immutable, so `my_array[1,1] = 7` raises a TypeError."),
             md("## Question 2"), *map(_cell, q2),
             md("## Question 3"), *map(_cell, q3), md("They match: 42*17^2 + 13 = 12151."),
             md("## Question 4"), *map(_cell, q4cells), md("With block_until_ready it is faster."),
             md("## Question 5"), *map(_cell, q5), md("A new static value recompiles."),
             *after,
             md("## Pledge\n\nBy submitting this work I, Pat Doe, pledge that it is my own work.")]
    return cells


# name: (cells, the items it loses, options); an item's name or a question's (all its items),
# as `tests.expect.items` reads them.
CASES: dict[str, tuple[list[tuple[str, str]], tuple[str, ...], dict[str, Any]]] = {}


def case(name, cells, lost=(), **options):
    CASES[name] = (cells, tuple(lost), options)


case("template-pledge", template())
case("course-kernel-colab", [code("!pip install -q jax"), code("%matplotlib inline"),
                             code("from google.colab import drive\ndrive.mount('/content/drive')"),
                             *template()], metadata={"colab": {"provenance": []},
                                                           "accelerator": "GPU"})
one = "\n\n".join(["# Question 1", IMPORTS, *[c for c in Q1 if "\n" in c or "=" in c],
                   "print(third.shape)\nprint(third * 2)\nprint(third * jnp.array([[1, 2], [3, 4]]))",
                   "# Question 2", Q2, Q2_RUN, "# Question 3", *Q3, "# Question 4",
                   *[c.replace("%%time\n\n", "") for c in q4(1000)], "# Question 5",
                   *[c.replace("%%time\n\n", "") for c in Q5]])
case("all-in-one-cell", [md("# Project 1"), code(one), md("Q1: arrays are immutable."),
                         md("Q3: yes it matches."), md("Q5: recompiles for a new static value.")])
case("no-markdown-at-all", [code(c) for c in [IMPORTS, *Q1, Q2, Q2_RUN, *Q3, *q4(), *Q5]])
case("scratch-after-pledge", template(after=()) + [
    md("## Scratch (ignore)"),
    code("first = 0\nsecond = None\nthird = 'x'\nfourth = fifth = my_array = None\n"
         "def bar(k): return 0\nbaz = foo = foo1 = foo2 = None\n"
         "my_function = lambda x: x\nmy_gradient = None\nmy_model = lambda k: 0\n"
         "fast_my_function = jax.jit(lambda x, n: x)\nfast_my_function = None")])
renamed = [
    "%%time\n\ndef loop_fn(x, num_loops):\n    for i in range(num_loops):\n        pass\n\n"
    "fast_my_function = jax.jit(loop_fn, static_argnums=(1,))",
    *Q5[1:4],
    "%%time\n\ndef shape_fn(x, arr_cols):\n    my_array = jnp.full((2, arr_cols), 5)\n\n"
    "fast_my_function = jax.jit(shape_fn, static_argnums=(1,))",
    *Q5[5:],
]
case("q5-own-helper-names", template(q5=renamed))
case("stdout-devnull-at-q2", template(q2=("import os, sys\nsys.stdout = open(os.devnull, 'w')\n" + Q2, Q2_RUN)))
case("stdout-stringio-q3", template(q3=["import io, sys\nsys.stdout = io.StringIO()\n" + Q3[0], Q3[1]]))
case("redirect-contextlib-q4", template(q4cells=[
    "import contextlib, io\nkey = jax.random.PRNGKey(0)\n@jax.jit\n" + MODEL
    + "with contextlib.redirect_stdout(io.StringIO()):\n    for i in range(100000):\n"
    "        key, *subkeys = jax.random.split(key, 3)\n        my_value = my_model(subkeys).block_until_ready()"]))
case("warnings-as-errors", template(imports="import warnings\nwarnings.simplefilter('error')\n" + IMPORTS))
case("x64-environment", template(imports="import os\nos.environ['JAX_ENABLE_X64'] = '1'\n" + IMPORTS))
case("legacy-prng-config", template(q2=('jax.config.update("jax_threefry_partitionable", False)\n' + Q2, Q2_RUN)))
case("quit-at-end", template() + [code("quit()")])
case("numpy-alias-and-from-imports", template(
    imports="import jax\nimport jax.numpy as np\nfrom jax import grad, jit, random\nimport random as rnd",
    q1=[c.replace("jnp.", "np.") for c in Q1],
    q2=(Q2.replace("random.shuffle", "rnd.shuffle").replace("jax.random.", "random."),
        Q2_RUN.replace("jax.random.", "random.")),
    q3=[Q3[0], "my_gradient = grad(my_function)\nmy_gradient(17.0)"],
    q4cells=[c.replace("@jax.jit", "@jit") for c in q4()],
    q5=[c.replace("jnp.", "np.").replace("jax.jit", "jit") for c in Q5]))
case("partial-static-argnames", template(q5=[
    "from functools import partial\n\n@partial(jax.jit, static_argnames=['num_loops'])\n" + LOOP_DEF
    + "\nfast_my_function = my_function", *Q5[1:4],
    "@partial(jax.jit, static_argnames='arr_cols')\n" + SHAPE_DEF + "\nfast_my_function = my_function",
    *Q5[5:]]))
case("one-key-model", template(q4cells=[
    "%%time\nkey = jax.random.PRNGKey(0)\n\n@jax.jit\ndef my_model(key):\n"
    "    return 14*jax.random.normal(key)**2 + 13*jax.random.normal(key)\n\n"
    "for i in range(100000):\n    key, subkey = jax.random.split(key)\n"
    "    my_value = my_model(subkey).block_until_ready()"]))
# The handed-out model draws both terms from the same keys; a model of the list that draws both
# from its first key is that model, compiled (the assignment's `my_model(subkeys)` as written
# raises on JAX 0.10.2, so students adapt it).
case("q4-model-of-the-list-on-its-first-key", template(q4cells=[
    c.replace("normal(keys[1])", "normal(keys[0])") for c in q4()]))
case("duplicated-cells-rerun", template(q3=["def my_function(x):\n    return 14*x**2 + 13*x", *Q3,
                                            "my_gradient = jax.grad(my_function)\nmy_gradient(17.0)"]))
case("print-displays", template(q1=[*Q1[:3], "print(third.shape)\nprint(third * 2)\n"
                                    "print(third * jnp.array([[1, 2], [3, 4]]))", *Q1[6:]]))
case("q5-not-attempted", template(q5=[]), lost=("q5",))
# `third` element-wise (its displays are judged on the student's own `third`), the gradient of
# the wrong function (both gradient items), `my_model` never compiled (the assignment's own model,
# run as given, earns nothing: all of Question 4).
case("several-mistakes", template(
    q1=[Q1[0], Q1[1], "third = first * second.T[:, :3].reshape(2, 3)\nthird", *Q1[3:]],
    q3=[Q3[0], "my_gradient = jax.grad(lambda x: 14*x**3)\nmy_gradient(17.0)"],
    q4cells=[c.replace("@jax.jit\n", "") for c in q4()]),
    lost=("third", "my_gradient_17", "my_gradient", "q4"))
case("zeros-garbage", template(
    q1=["first = jnp.zeros((2, 3))", "second = jnp.zeros((3, 2))", "third = jnp.zeros((2, 2))",
        "third.shape", "third * 2", "fourth = 1\nfifth = 2\nmy_array = 3"],
    q2=("def bar(k): return 0.5\nbaz = bar\ndef foo1(a, b): return 1.0\nfoo2 = foo1\n"
        "def foo(f, k): return 2.0\nsubkeys = [0, 0]", ""),
    q3=["def my_function(x): return 0.0", "my_gradient = my_function"],
    q4cells=["def my_model(k): return 0.0"],
    q5=["fast_my_function = lambda x, n: None"]), lost=("q1", "q2", "q3", "q4", "q5"))
case("nan-gradient", template(q3=[Q3[0], "my_gradient = jax.grad(lambda x: jnp.sqrt(-x))\nmy_gradient(17.0)"]),
     lost=("my_gradient_17", "my_gradient"))
case("q2-split-num-2", template(q2=(Q2.replace("num=3", "num=2"),
                                    Q2_RUN.replace("num=3", "num=2"))), lost=("value",))
case("forged-post-run-cell", [
    code("import json, re\nip = get_ipython()\n"
         "def hook(result):\n    src = result.info.raw_cell\n    m = re.search(r'\"nonce\": \"(\\w+)\"', src)\n"
         "    if m:\n        print(m.group(1) + json.dumps({}))\nip.events.register('post_run_cell', hook)"),
    code(IMPORTS), md("## Question 1"), code("print('hi')")], lost=("q1", "q2", "q3", "q4", "q5"))
case("fake-jit-memo", template(q4cells=[
    "_memo = {}\ndef my_model(keys):\n    k = tuple(int(x) for x in jnp.ravel(jnp.asarray(keys)))\n"
    "    if k not in _memo:\n        _memo[k] = 14*jax.random.normal(keys[0])**2 + 13*jax.random.normal(keys[1])\n"
    "    return _memo[k]\nmy_model.lower = None\nmy_model._cache_size = lambda: 1"]),
     lost=("q4",))

case("quit-mid-notebook", template(q3=[*Q3, "quit()"]))
case("sys-exit-mid-notebook", template(q2=(Q2, Q2_RUN + "\nimport sys\nsys.exit()")))
case("otter-check-cells", [code('import otter\ngrader = otter.Notebook("project1.ipynb")'), *template(
    q1=[*Q1, 'grader.check("q1")'], q2=(Q2, Q2_RUN, 'grader.check("q2")'), q3=[*Q3, 'grader.check("q3")'],
    q5=[*Q5, 'grader.check("q5")'])])
case("input-and-plot", template(q1=["name = input('name?')", *Q1,
    "import matplotlib.pyplot as plt\nplt.plot([1, 2, 3])\nplt.show()"]))
case("x64-config-update", template(imports="import jax\njax.config.update('jax_enable_x64', True)\n"
                                   "import jax.numpy as jnp\nimport random\nimport numpy as np"))
case("kill-kernel-at-end", template() + [code("import os, signal\nos.kill(os.getpid(), signal.SIGKILL)")])
case("sleep-in-scratch", template() + [md("## Extra"), code("import time\ntime.sleep(5)\nprint('done')")])
case("q4-no-jit-decorator-but-jit-call", template(q4cells=[
    "%%time\nkey = jax.random.PRNGKey(0)\n\n" + MODEL + "\nmy_model = jax.jit(my_model)\n"
    "for i in range(100000):\n    key, *subkeys = jax.random.split(key, 3)\n    my_value = my_model(subkeys).block_until_ready()"]))


# Headings students mistype: Question 2's answer under "Question 3" (a heading or a comment).
case("misnumbered-heading", [(k, t.replace("## Question 2", "## Question 3")) if k == "markdown" else (k, t)
                             for k, t in template()])
case("misnumbered-comment", template(q2=("# Question 3\n" + Q2, Q2_RUN)))
case("html-headings", [(k, t.replace("## Question ", "<h2>Question ") + "</h2>")
                       if k == "markdown" and t.startswith("## Question") else (k, t) for k, t in template()])
case("crlf-line-endings", [(k, t.replace("\n", "\r\n")) for k, t in template()])
case("typed-keys", template(
    q2=(Q2, Q2_RUN.replace("jax.random.PRNGKey(0)", "jax.random.key(0)")),
    q4cells=[c.replace("jax.random.PRNGKey(0)", "jax.random.key(0)") for c in q4()]))
case("q2-named-subkeys", template(q2=(Q2, "key = jax.random.PRNGKey(0)\nkey, subkey1, subkey2 = "
                                      "jax.random.split(key, num=3)\nprint(foo((foo1, foo2), (subkey1, subkey2)))")))
case("q5-keyword-static-argnames", template(q5=[
    "%%time\n\n" + LOOP_DEF + "\nfast_my_function = jax.jit(my_function, static_argnames=['num_loops'])",
    *[f"%%time\nfast_my_function(14, num_loops={n})" for n in (1000000, 1000000, 999999)],
    "%%time\n\n" + SHAPE_DEF + "\nfast_my_function = jax.jit(my_function, static_argnames=('arr_cols',))",
    *[f"%%time\nfast_my_function(5, arr_cols={n})" for n in (5, 5, 6)]]))
case("q5-block-until-ready-on-none", template(q5=[
    Q5[0], *[c + ".block_until_ready()" for c in Q5[1:4]], *Q5[4:]]))
# `%%timeit` runs the cell as a function of its own: `my_model` is never defined in the notebook.
case("q4-timeit", template(q4cells=[c.replace("%%time\n", "%%timeit -n 1 -r 1\n") for c in q4()]),
     lost=("q4",))
# The model is compiled under another name (`fast_model = jax.jit(my_model)`): the jit is applied
# to `my_model`, and the grader times `fast_model`.
case("q4-jitted-under-another-name", template(q4cells=[q4()[0],
    "%%time\nkey = jax.random.PRNGKey(0)\nfast_model = jax.jit(my_model)\nfor i in range(100000):\n"
    "    key, *subkeys = jax.random.split(key, 3)\n    my_value = fast_model(subkeys).block_until_ready()"]))
# A jitted function that merely claims to wrap `my_model` computes something else: no credit.
case("q4-forged-wrapped", template(q4cells=[q4()[0],
    "fast_model = jax.jit(lambda keys: 0.0)\nfast_model.__wrapped__ = my_model"]), lost=("q4",))


# Common wrong answers, each losing exactly its items.
def _q1_with(index, source):
    cells = list(Q1)
    cells[index] = source
    return cells


case("third-elementwise-raises", template(q1=_q1_with(2, "third = first * second\nthird")), lost=("third", "displayed"))
case("fourth-flattened-by-append", template(q1=_q1_with(6, "fourth = jnp.append(second, jnp.array([3, 4]))\nfourth")),
     lost=("fourth", "fifth"))
case("my-array-set-not-assigned", template(q1=_q1_with(
    8, "my_array = jnp.array([[2,2,2], [2,1,3]])\nmy_array.at[1,1].set(7)\nmy_array")), lost=("my_array",))
case("bar-draws-normal", template(q2=(Q2.replace("def bar(key):\n    return jax.random.uniform(key)",
                                                 "def bar(key):\n    return jax.random.normal(key)"), Q2_RUN)),
     lost=("bar", "value"))
case("foo-returns-the-function", template(q2=(Q2.replace("return functions[0](*keys)", "return functions[0]"),
                                              Q2_RUN)), lost=("foo", "value"))
case("gradient-is-a-value", template(q3=[Q3[0], "my_gradient = jax.grad(my_function)(17.0)\nmy_gradient"]),
     lost=("my_gradient_17", "my_gradient"))
case("static-argnums-0", template(q5=[Q5[0].replace("static_argnums=(1,)", "static_argnums=(0,)"), *Q5[1:]]),
     lost=("loop_static", "loop_recompiles"))
case("second-version-not-static", template(q5=[*Q5[:4], Q5[4].replace(", static_argnums=(1,)", ""), *Q5[5:]]),
     lost=("shape_static", "shape_recompiles"))
# The assignment's model as printed (`normal(keys)`): its loop raises TypeError on JAX 0.10.2, but the
# model itself, compiled, is right for one key (rubric: the two-key or the one-key form).
case("model-as-printed", template(q4cells=[c.replace("keys[0]", "keys").replace("keys[1]", "keys") for c in q4()]))


# Layouts: answers out of order, headings inside an answer, a crash right after the last answer.
def _reordered(order):
    cells = template(imports="# the imports are in the first cell")
    starts = [i for i, (kind, text) in enumerate(cells) if text.startswith("## ")]
    sections = [cells[a:b] for a, b in zip(starts, starts[1:] + [len(cells)])]
    return [*cells[: starts[0]], code(IMPORTS), *[c for n in order for c in sections[n - 1]], *sections[-1]]


case("q3-answered-before-q2", _reordered([1, 3, 2, 4, 5]))
case("q5-answered-first", _reordered([5, 1, 2, 3, 4]))
case("q4-with-jit-heading", template(q4cells=[q4()[0], md("## With jit"), "%%time\n\nmy_model = jax.jit(my_model)\n"
                                              "key = jax.random.PRNGKey(0)\nfor i in range(100000):\n"
                                              "    key, *subkeys = jax.random.split(key, 3)\n"
                                              "    my_value = my_model(subkeys).block_until_ready()"]))
case("q2-scratch-subsection-then-back", template(q2=(Q2, md("### scratch: the NumPy version"),
                                                     "np.random.seed(0)\nprint(np.random.uniform())",
                                                     md("### Back to JAX"), Q2_RUN)))
case("q4-notes-subheading", template(q4cells=[q4()[0], md("#### Notes\n\nThat took 40 s. Now with jit:"),
                                              "my_model = jax.jit(my_model)\nmy_model(jax.random.split(key))"]))
case("os-exit-right-after-q5", template(after=[code("import os\nos._exit(0)")]))

# The split's keys under names of the student's own.
case("q2-own-key-names", template(q2=(Q2, "key = jax.random.PRNGKey(0)\nkey, key1, key2 = jax.random.split(key, num=3)\n"
                                          "print(foo((foo1, foo2), (key1, key2)))")))
case("q2-split-array", template(q2=(Q2, "sk = jax.random.split(jax.random.PRNGKey(0), num=3)[1:]\n"
                                        "print(foo((foo1, foo2), (sk[0], sk[1])))")))

# IPython syntax beside the answer: help (`jax.jit?`), a magic's value assigned, `%timeit`'s options.
case("q5-help-and-magic-values", template(q5=[Q5[0].replace("%%time\n\n", "jax.jit?\n"),
                                              "t = %timeit -o -n 1 -r 1 fast_my_function(14, 1000)\nfiles = !ls",
                                              "%timeit -n 1 -r 1 fast_my_function(14, 1000)\n" + SHAPE_DEF
                                              + "fast_my_function = jax.jit(my_function, static_argnums=(1,))",
                                              *Q5[5:]]))
# A citation between the two versions of the model, and a product shown only as Markdown.
case("q4-bold-reference", template(q4cells=[q4()[0], md("**Reference:**\nhttps://jax.readthedocs.io/en/latest/"
                                                        "async_dispatch.html"), *q4()[1:]]))
case("q1-markdown-display", template(q1=[*Q1[:4], "from IPython.display import Markdown, display\n"
                                         "display(Markdown(f'third times 2:\\n```\\n{third * 2}\\n```'))", *Q1[5:]]))
# Honest extensions that hook into IPython: `%autoreload` and tqdm's widgets are not flagged.
case("autoreload-and-tqdm", [code("%load_ext autoreload\n%autoreload 2"),
                             *template(q4cells=[c.replace("range(100000)", "tqdm(range(100000))") for c in q4()],
                                       imports=IMPORTS + "\nfrom tqdm.auto import tqdm")])
# The kernel dies between Question 5's two versions: the version probed before it keeps its points.
case("kernel-dies-between-q5-versions", template(q5=[*Q5[:4], "import os\nos._exit(0)", *Q5[4:]]), lost=("shape_static", "shape_recompiles"))


# Round 3 (issue 22), written as students write them around its cases.
# Handed-out code run as handed out earns nothing: Question 4 left as it came (the given model run,
# the `...` of the jitted cell never filled), and a decorator commented out by mistake.
HANDED_OUT_Q4 = [q4()[0], "%%time\n\nkey = jax.random.PRNGKey(0)\n\n...\n\nfor i in range(100000):\n"
                 "    key, *subkeys = jax.random.split(key, 3)\n    my_value = my_model(subkeys)",
                 "%%time\n\nkey = jax.random.PRNGKey(0)\n\nfor i in range(100000):\n"
                 "    key, *subkeys = jax.random.split(key, 3)\n    my_value = ..."]
case("q4-left-as-handed-out", template(q4cells=HANDED_OUT_Q4), lost=("q4",))
case("q4-jit-decorator-commented-out", template(q4cells=[c.replace("@jax.jit", "# @jax.jit") for c in q4()]),
     lost=("q4",))
# bar and baz draw from the global `subkeys`, not the key they are given: that one mistake costs
# bar and baz; foo1/foo2, written as given, and the value printed keep their points.
# (bar and baz read the global `subkeys`, which Question 4's loops rebind, so no fast path may
# shorten those loops: short loops keep this case quick.)
case("bar-baz-draw-global-subkeys", template(q4cells=q4(1000), q2=(
    Q2.replace("def bar(key):\n    return jax.random.uniform(key)", "def bar(key):\n    return jax.random.uniform(subkeys[0])")
      .replace("def baz(key):\n    return jax.random.uniform(key)", "def baz(key):\n    return jax.random.uniform(subkeys[1])"),
    Q2_RUN)), lost=("bar", "baz"))
# The value printed right, then the keys deleted, or split again to see what happens.
case("q2-del-subkeys-to-tidy-up", template(q2=(Q2, Q2_RUN, "# tidy up before Question 4\ndel key, subkeys")))
case("q2-split-again-to-experiment", template(q2=(Q2, Q2_RUN, md("What if I split the new key again?"),
                                                  "key, *subkeys = jax.random.split(key, num=3)\n"
                                                  "print(foo((foo1, foo2), (subkeys[0], subkeys[1])))")))
# Corrections further on, each naming the question it corrects: graded on the correction.
case("q3-revisited-after-q5", template(
    q3=["def my_function(x):\n    return 14*x**2 + 13*x\n\nmy_function(17.0)", Q3[1]],
    after=[md("## Question 3 (revisited)\n\nI noticed my function was squared, not cubed."), code(Q3[0]), code(Q3[1])]))
case("q1-corrected-by-a-comment-after-q2", template(
    q1=_q1_with(6, "fourth = jnp.vstack([jnp.array([3, 4]), second])\nfourth"),
    q2=(Q2, Q2_RUN, "# Q1 - corrected: the new row goes at the bottom\n"
        "fourth = jnp.append(second, jnp.array([[3, 4]]), axis=0)\n"
        "fifth = jnp.append(fourth, jnp.ones((4, 1)), axis=1)\nfourth, fifth")))
# (Question 4's loops rebind `subkeys` before the correction is probed, so no fast path may shorten
# them: short loops keep this case quick.)
case("q2-fixed-after-q4", template(
    q2=(Q2.replace("def bar(key):\n    return jax.random.uniform(key)", "def bar(key):\n    return jax.random.normal(key)"),
        Q2_RUN), q4cells=q4(1000),
    after=[md("### Question 2, fixed"), code("def bar(key):\n    return jax.random.uniform(key)"), code(Q2_RUN)]))
# A heading in Question 5 that only mentions Question 3 corrects nothing.
case("q5-heading-mentions-q3", template(q5=[md("### Question 3's `my_function` is shadowed from here on"), *Q5]))
# `third` element-wise with `second.T` (2x3), its displays printed: `third` alone is lost.
case("third-transposed-printed", template(q1=[*Q1[:2], "third = first * second.T\nprint(third)",
                                              "print(third.shape)\nprint(third * 2)", *Q1[6:]]), lost=("third",))
