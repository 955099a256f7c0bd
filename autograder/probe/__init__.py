"""The kernel side of the probe, as the grader sends it: the engine's two parts and an
assignment's probes, run in the student's kernel before any student code.

`inspection.py` (how values and the kernel's hooks are read) and `transport.py` (the probe's
own JSON, frames and pipe, and the comm target that answers the grader's requests) are never
imported by the grader: their text is run, in that order, in one scope of its own with a copy
of the builtins. The assignment's probes (its `probes.py`, `Assignment.probes`) run next, in a
copy of that scope, so that they see the engine's names (`encode`, `lookup`, `call` ...) and
cannot replace them; their `PROBES` table (question -> probe) is what the comm target answers
with. The wire format is `autograder/probe_protocol.py`.
"""

from __future__ import annotations

from importlib import resources

# The engine's kernel-side parts, in the order the kernel runs them, with their text.
PARTS = ("inspection", "transport")
ENGINE = tuple((name, (resources.files("autograder.probe") / f"{name}.py").read_text()) for name in PARTS)


def install_cell(target: str, channel: int, probes: str) -> str:
    """The one execute that installs the probe: it leaves no name in the student's namespace.
    The probe gets a copy of the builtins as they are now, before any student code, the
    number of the report pipe's write end, and `probes`, the assignment's probe source.
    Tracebacks are shown in IPython's minimal form (name and message: all that grading keeps)."""
    return (
        "def _autograder_install(parts, probes, target, channel):\n"
        "    import builtins\n"
        "    scope = {'__name__': '_autograder_probe', '__builtins__': dict(vars(builtins))}\n"
        "    for name, source in parts:\n"
        "        exec(compile(source, f'<autograder probe: {name}>', 'exec'), scope)\n"
        "    assignment = {**scope, '__name__': '_autograder_assignment_probes'}\n"
        "    exec(compile(probes, '<assignment probes>', 'exec'), assignment)\n"
        "    scope['install'](get_ipython(), target, channel, assignment.get('PROBES', {}))\n"
        "try:\n"
        f"    _autograder_install({ENGINE!r}, {probes!r}, {target!r}, {channel})\n"
        "finally:\n"
        "    del _autograder_install\n"
        # Only an error's name and message are kept (`_text_of`); IPython's verbose traceback
        # (source context of every frame, JAX's included) cost a second per error raised.
        "get_ipython().InteractiveTB.set_mode('Minimal')\n"
    )
