"""What each of Project 1's probes (`probes.py`) reports, as the checks read it.

Each report is one JSON object of the engine's wire format (`autograder/probe_protocol.py`);
every `Value` in it is one encoded value (`kind` first). Question 1's report maps each name
the plan lists to its value. A key a report lacks reads as a value the grader could not read.
"""

from __future__ import annotations

from typing import Any, TypedDict

from autograder.probe_protocol import Value


class Q2Observation(TypedDict):
    flags: dict[str, Any]
    subkeys: Value
    value: Value
    value_foo1: Value
    value_foo2: Value
    # Only when `subkeys` is not defined: pairs of keys under other names (`key1, key2`), each
    # {"names": str, "subkeys": Value, "value": Value, "value_foo1": Value, "value_foo2": Value}.
    other_pairs: list[dict[str, Any]]
    bar: list[Value]
    baz: list[Value]
    bar_first: list[Value]
    baz_second: list[Value]
    foo1: list[Value]
    foo2: list[Value]
    foo: list[dict[str, Any]]  # {"result": Value, "calls": [{"marker", "args", "kwargs"}]}
    # foo1/foo2 (by name) run with stand-ins for bar and baz that return the plan's markers, one
    # per pair: {"result": Value, "calls": [{"function": "bar" | "baz", "args", "kwargs"}]}.
    composed: dict[str, list[dict[str, Any]]]


class Q3Observation(TypedDict):
    my_function_17: Value
    my_function: list[Value]
    my_gradient_17: Value
    my_gradient: list[Value]
    own_gradient_17: Value  # jax.grad of the student's own `my_function`, at 17.0 ...
    own_gradient: list[Value]  # ... and at the points


class Q4Observation(TypedDict):
    flags: dict[str, Any]
    single: list[Value]
    pair: list[Value]
    compiled: str  # a probe_protocol.Compiled value: what `my_model` is
    genuine: dict[str, list[Value]]  # aot and alias only: the forms above through JAX's own call
    timing: dict[str, Any] | None  # {"kind": "timing", "reference": [s], "submission": [s]} or an error


class Q5Observation(TypedDict, total=False):
    present: bool  # always there; the rest only when `fast_my_function` is defined
    results: list[Value]
    cache_sizes: list[int | None]  # from PjitFunction._cache_size: None when not a jitted function
