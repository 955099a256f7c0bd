"""Flags point a TA at code that could forge what the kernel reports; honest code has none."""

import pytest

from autograder.suspicious import suspicious_code
from autograder.notebook import Cell
from tests.submissions import solution


def cells(*sources):
    return [Cell(i, "code", source) for i, source in enumerate(sources)]


def test_the_solution_has_no_flags():
    notebook = [Cell(i, kind, source) for i, (kind, source) in enumerate(solution(loops=100000))]
    assert suspicious_code(notebook) == ()


@pytest.mark.parametrize(
    ("sources", "expected"),
    [
        (["import numpy as np", "np.allclose = lambda *a, **k: True"], "cell 2: replaces `np.allclose`"),
        (["import sys", "sys.stdout.write = print"], "cell 2: replaces `sys.stdout.write`"),
        (["from otter.test_files import ok_test"], "cell 1: imports from `otter.test_files`"),
        (["import otter.test_files.ok_test as t", "t.run_doctest = None"], "cell 2: replaces `t.run_doctest`"),
        (["import builtins", "setattr(builtins, 'print', len)"], "cell 2: calls `setattr` on `builtins`"),
        (["import sys", "sys.settrace(lambda *a: None)"], "cell 2: calls `sys.settrace`"),
        (["import gc", "gc.get_objects()"], "cell 2: calls `gc.get_objects`"),
        (["import ctypes"], "cell 1: imports `ctypes`"),
        (["import autograder.checks.compare"], "cell 1: imports `autograder.checks.compare`"),
        (["source = open('x').read()", "exec(source, globals())"], "cell 2: runs code built at run time (`exec`)"),
        (["open('results.json', 'w')"], "cell 1: mentions `results.json`"),
        (["_autograder_probe = None"], "cell 1: uses the name `_autograder_probe`"),
        (["get_ipython().events.register('post_run_cell', hook)"],
         "cell 1: reaches into IPython or the kernel (`get_ipython().events`)"),
        (["ip = get_ipython()", "ip.events.register('pre_run_cell', hook)"],
         "cell 2: reaches into IPython or the kernel (`ip.events`)"),
        (["get_ipython().input_transformers_post.append(rewrite)"],
         "cell 1: reaches into IPython or the kernel (`get_ipython().input_transformers_post`)"),
        (["shell = get_ipython()", "shell.input_transformers_cleanup.insert(0, rewrite)"],
         "cell 2: reaches into IPython or the kernel (`shell.input_transformers_cleanup`)"),
        (["get_ipython().ast_transformers.append(Rewriter())"],
         "cell 1: reaches into IPython or the kernel (`get_ipython().ast_transformers`)"),
        (["get_ipython().kernel.shell_handlers['comm_msg'] = handler"],
         "cell 1: reaches into IPython or the kernel (`get_ipython().kernel`)"),
        (["get_ipython().kernel.comm_manager.register_target('t', handler)"],
         "cell 1: reaches into IPython or the kernel (`get_ipython().kernel.comm_manager`)"),
        (["import builtins", "__builtins__ = {**vars(builtins), 'exec': fake}"],
         "cell 2: uses `__builtins__`"),
        (["__builtins__['exec'] = fake"], "cell 1: uses `__builtins__`"),
        (["__builtins__.exec = fake"], "cell 1: uses `__builtins__`"),
        (["globals()['__builtins__'] = {}"], "cell 1: uses `__builtins__`"),
        (["import json", "vars(json)['dumps'] = fake"], "cell 2: replaces `vars(json)['dumps']`"),
        (["import json", "json.__dict__['dumps'] = fake"], "cell 2: replaces `json.__dict__['dumps']`"),
        (["import json", "vars(json).update(dumps=fake)"], "cell 2: writes into `vars(json)`"),
        (["import builtins", "builtins.__dict__.update(exec=fake)"],
         "cell 2: writes into `builtins.__dict__`"),
        (["__import__('sys').stdout = Fake()"], "cell 1: replaces `__import__('sys').stdout`"),
        (["import importlib", "importlib.import_module('json').dumps = fake"],
         "cell 2: replaces `importlib.import_module('json').dumps`"),
        (["setattr(__import__('json'), 'dumps', fake)"], "cell 1: calls `setattr` on `__import__('json')`"),
        (["import importlib", "importlib.import_module('ctypes')"], "cell 2: imports `ctypes`"),
        (["__import__('ctypes').CDLL(None)"], "cell 1: imports `ctypes`"),
        (["import traceback", "traceback.extract_stack()"], "cell 2: calls `traceback.extract_stack`"),
        (["import inspect", "inspect.stack()"], "cell 2: calls `inspect.stack`"),
        (["import inspect as ins", "ins.trace()"], "cell 2: calls `ins.trace`"),
        (["from inspect import stack", "stack()[1]"], "cell 2: calls `stack`"),
        (["import sys", "sys.exc_info()[2].tb_frame.f_back.f_globals"],
         "cell 2: inspects stack frames (`sys.exc_info()[2].tb_frame.f_back.f_globals`)"),
        (["import sys", "sys.stdout.write = print"], "cell 2: replaces `sys.stdout.write`"),
        # Aliases, and names built at run time.
        (["import comm.base_comm as cb", "_C = cb.BaseComm", "_C.send = forged"], "cell 3: replaces `_C.send`"),
        (["import comm.base_comm as cb", "_C = cb.BaseComm", "_D = _C", "_D.send = forged"],
         "cell 4: replaces `_D.send`"),
        (["import comm.base_comm as cb"], "cell 1: imports `comm.base_comm`"),
        (["from comm.base_comm import BaseComm as B", "B.send = forged"], "cell 2: replaces `B.send`"),
        (["from comm.base_comm import BaseComm as B"], "cell 1: imports from `comm.base_comm`"),
        (["import importlib", "m = importlib.import_module('json')", "m.dumps = forged"],
         "cell 3: replaces `m.dumps`"),
        (["m = __import__('json')", "m.dumps = forged"], "cell 2: replaces `m.dumps`"),
        (["m = __import__('json')"], "cell 1: imports through `__import__`"),
        (["import json", "getattr(json, 'du' + 'mps')"], "cell 2: names an attribute at run time (`getattr`)"),
        (["import json", "name = 'dumps'", "setattr(json, name, forged)"],
         "cell 3: names an attribute at run time (`setattr`)"),
        (["import json", "json._default_encoder.encode = forged"],
         "cell 2: reaches into json's shared encoder (`json._default_encoder`)"),
        (["import json", "e = getattr(json, '_default_encoder')"],
         "cell 2: reaches into json's shared encoder (`getattr(json, '_default_encoder')`)"),
        (["events = getattr(get_ipython(), 'events')", "events.register('post_run_cell', hook)"],
         "cell 1: reaches into IPython or the kernel (`getattr(get_ipython(), 'events')`)"),
        (["ip = get_ipython()", "getattr(ip, 'kernel')"],
         "cell 2: reaches into IPython or the kernel (`getattr(ip, 'kernel')`)"),
    ],
)
def test_each_kind_of_tampering_is_named(sources, expected):
    assert expected in suspicious_code(cells(*sources))


@pytest.mark.parametrize(
    "source",
    [
        'jax.config.update("jax_threefry_partitionable", False)',
        "exec('x = 1')",  # a constant is visible as it is
        "%%time\nfor i in range(10):\n    my_model(subkeys)",
        "plt.rcParams['figure.figsize'] = (4, 3)",
        "grader = otter.Notebook('project1.ipynb')\ngrader.check('q1')",
        "def broken(:\n    pass",
        # Silencing or capturing output is honest: the probe does not depend on streams.
        "import sys, os\nsys.stdout = open(os.devnull, 'w')",
        "import sys, io\nsys.stdout = io.StringIO()\nsys.stderr = io.StringIO()\nsys.stdout = sys.__stdout__",
        "import contextlib, io\nwith contextlib.redirect_stdout(io.StringIO()):\n    my_model(subkeys)",
        "import warnings\nwarnings.filterwarnings('ignore')",
        "get_ipython().run_line_magic('matplotlib', 'inline')",
        "from sklearn.svm import SVC\nmodel = SVC(kernel='rbf')\nmodel.kernel = 'linear'",
        "events = {}\nevents['a'] = 1\nconfig = {'x': 1}\nconfig['x'] = 2",
        "import importlib\nnp2 = importlib.import_module('numpy')",
        "import numpy as np\nresults = vars()\narr = np.zeros(3)\narr[0] = 1",
        "keys = jnp.stack([a, b])\nt = jnp.trace(third)\nimport numpy as np\nnp.stack([a, b])",
        "globals()['first'] = jnp.arange(1, 7).reshape(2, 3)",
        # A call's result is the student's own object; an alias read from is no patch.
        "import numpy as np\nrng = np.random.default_rng(0)\nrng.bit_generator.state = rng.bit_generator.state",
        "import jax\nrandom = jax.random\nkey = random.PRNGKey(0)\nnormal = getattr(random, 'normal')",
        "from types import SimpleNamespace\nresult = SimpleNamespace()\nresult.value = 3\nsetattr(result, 'other', 4)",
    ],
)
def test_ordinary_code_is_not_flagged(source):
    assert suspicious_code(cells("import jax\nimport otter\nimport matplotlib.pyplot as plt", source)) == ()
