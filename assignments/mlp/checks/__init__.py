"""The MLP assignment's checks, one module per question (`QUESTION`, `plan(rng, golden)`,
`CHECKS` with one check per rubric item): pure comparisons of what the kernel-side probes
(`../probes.py`) observed with golden.json. Nothing here runs student code or imports JAX."""

from . import forward, init, step

QUESTIONS = {module.QUESTION: module for module in (init, forward, step)}

__all__ = ["QUESTIONS"]
