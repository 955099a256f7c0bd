"""The one comparison helper: should-pass / should-fail pairs, one per failure mode."""

import pytest

from autograder.checks.compare import as_array, mismatch


def array(values, shape, dtype="int32", jax=True):
    return {"kind": "array", "jax": jax, "shape": list(shape), "dtype": dtype, "data": list(values)}


@pytest.mark.parametrize(
    "observed",
    [
        pytest.param(array([1, 2, 3, 4, 5, 6], (2, 3)), id="int32"),
        pytest.param(array([1.0, 2.0, 3.0, 4.0, 5.0, 6.0], (2, 3), "float32"), id="float32"),
        pytest.param(array([1, 2, 3, 4, 5, 6.000001], (2, 3), "float64"), id="within-tolerance"),
    ],
)
def test_should_pass(observed):
    assert mismatch(observed, [[1, 2, 3], [4, 5, 6]], what="`first`", require_jax=True) is None


@pytest.mark.parametrize(
    ("observed", "message"),
    [
        pytest.param({"kind": "missing", "name": "first"}, "`first` is not defined", id="missing"),
        pytest.param({"kind": "error", "type": "TypeError", "message": "bad\nmore"}, "raised TypeError: bad", id="raised"),
        pytest.param({"kind": "none"}, "forget a `return`", id="none"),
        pytest.param({"kind": "object", "type": "str"}, "is a str", id="not-numeric"),
        pytest.param(array([1, 2, 3, 4, 5, 6], (3, 2)), "has shape (3, 2), expected (2, 3)", id="shape"),
        pytest.param(array([1, 2, 3, 4, 5, 7], (2, 3)), "1 of 6 values differ; largest difference 1 at index (1, 2)", id="values"),
        pytest.param(array([1, 2, 3, 4, 5, 6], (2, 3), jax=False), "NumPy array", id="numpy-not-jax"),
        pytest.param({"kind": "unreadable"}, "could not read", id="unreadable"),
    ],
)
def test_should_fail(observed, message):
    problem = mismatch(observed, [[1, 2, 3], [4, 5, 6]], what="`first`", require_jax=True)
    assert problem is not None and message in problem


def test_scalar_accepts_one_element_array():
    assert mismatch(array([2.5], (1,), "float32"), 2.5, what="x") is None


def test_list_of_keys_stacks():
    keys = {"kind": "list", "length": 2, "items": [array([0, 1], (2,), "uint32"), array([2, 3], (2,), "uint32")]}
    assert as_array(keys).shape == (2, 2)
    truncated = {**keys, "length": 3}
    assert as_array(truncated) is None
