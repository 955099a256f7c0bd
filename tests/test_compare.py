"""The one comparison helper: should-pass / should-fail pairs, one per failure mode."""

from functools import partial

import pytest

from autograder.checks import compare
from autograder.checks.compare import Tolerance, as_array, tree_mismatch
from tests.project1 import PROJECT1

# These tests are of the comparison, not of an assignment's rule: any tolerance will do.
WITHIN = Tolerance(rtol=1e-5, atol=1e-6)
mismatch = partial(compare.mismatch, within=WITHIN)


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


def test_the_tolerance_given_decides():
    observed = array([1.001, 2.0], (2,), "float32")
    assert compare.mismatch(observed, [1.0, 2.0], what="x", within=Tolerance(rtol=1e-2, atol=0)) is None
    problem = compare.mismatch(observed, [1.0, 2.0], what="x", within=Tolerance(rtol=1e-4, atol=0))
    assert problem is not None and "1 of 2 values differ" in problem


def test_scalar_accepts_one_element_array():
    assert mismatch(array([2.5], (1,), "float32"), 2.5, what="x") is None


def test_list_of_keys_stacks():
    keys = {"kind": "list", "length": 2, "items": [array([0, 1], (2,), "uint32"), array([2, 3], (2,), "uint32")]}
    assert as_array(keys).shape == (2, 2)
    truncated = {**keys, "length": 3}
    assert as_array(truncated) is None


@pytest.mark.parametrize(
    ("observed", "expected", "message"),
    [
        pytest.param(array(["nan"], (), "float32"), 12151.0, "`x` is nan, expected 12151.", id="nan-scalar"),
        pytest.param(array(["-inf"], (), "float32"), 2.0, "`x` is -inf, expected 2.", id="inf-scalar"),
        pytest.param(array(["nan", "nan"], (2,), "float32"), [1.0, 2.0],
                     "2 of 2 values differ; nan at index (0,)", id="all-nan"),
        pytest.param(array([1.0, "inf", 3.0], (3,), "float32"), [1.0, 2.0, 3.0],
                     "1 of 3 values differ; inf at index (1,)", id="one-inf"),
        pytest.param(array([1.0, 5.0], (2,), "float32"), [1.0, float("inf")],
                     "largest difference inf at index (1,)", id="inf-expected"),
        pytest.param(array([1e308, -1e308], (2,), "float64"), [-1e308, 1e308], "largest difference inf",
                     id="overflowing-difference"),
        pytest.param(array([10**400], (), "int64"), 1.0, "`x` is inf, expected 1.",
                     id="integer-beyond-float"),
        pytest.param(array(["nan"] * 30, (30,), "float32"), [0.0] * 30, "an array of shape (30,)",
                     id="large-nan"),
    ],
)
def test_non_finite_values_are_a_wrong_answer_not_a_crash(observed, expected, message):
    problem = mismatch(observed, expected, what="`x`")
    assert problem is not None and message in problem


def test_non_finite_values_that_are_expected_pass():
    observed = array(["nan", "inf", 1.0], (3,), "float32")
    assert mismatch(observed, [float("nan"), float("inf"), 1.0], what="x") is None


@pytest.mark.parametrize(
    ("observed", "message"),
    [
        pytest.param(array(["abc"], (1,)), "could not read", id="not-a-number-string"),
        pytest.param(array([[1]], (1,)), "could not read", id="nested-data"),
        pytest.param(array([True], (1,)), "could not read", id="boolean"),
        pytest.param(array([1, 2], (3,)), "could not read", id="shape-of-other-size"),
        pytest.param({"kind": "array", "data": [1], "shape": "x"}, "could not read", id="shape-not-a-list"),
        pytest.param({"kind": "list", "length": 1, "items": "x"}, "is a list", id="items-not-a-list"),
    ],
)
def test_malformed_observations_are_not_numbers(observed, message):
    assert as_array(observed) is None
    assert message in mismatch(observed, [1.0], what="`x`")


def test_deeply_nested_lists_are_not_numbers():
    observed = array([1.0], (1,))
    for _ in range(5000):
        observed = {"kind": "list", "length": 1, "items": [observed]}
    assert as_array(observed) is None
    assert "is a list" in mismatch({**observed, "type": "list"}, [1.0], what="`x`")


def test_a_nan_answer_loses_only_its_items(tmp_path):
    """Through the whole pipeline: a gradient that is NaN for positive x (the square root of a
    negative number; the probe points may be negative, where it is only wrong) costs Q3's two
    gradient items, nothing else, and says what was found."""
    from autograder.pipeline import grade_notebook
    from tests.expect import full, lost, total
    from tests.submissions import replace, solution, write

    cells = replace(solution(loops=300), "my_gradient = jax.grad(my_function)",
                    "my_gradient = jax.grad(lambda x: jnp.sqrt(-x))")
    result = grade_notebook(write(tmp_path / "nan.ipynb", cells), PROJECT1)
    failed = {check.name: check.message for q in result.questions for check in q.checks if not check.passed}
    assert result.status.ok
    assert set(failed) == {"my_gradient_17", "my_gradient"}
    assert "`my_gradient(17.0)` is nan, expected 12151." in failed["my_gradient_17"]
    assert "`my_gradient(" in failed["my_gradient"] and ", expected " in failed["my_gradient"]
    assert (result.score, result.possible) == (total(lost("my_gradient_17", "my_gradient")), total(full()))


# -- large arrays as bytes, and pytrees ----------------------------------------------------------

import base64  # noqa: E402

import numpy as np  # noqa: E402



def packed(values, dtype="float32", jax=True):
    """An array as the probe sends a large one: the base64 of its little-endian bytes."""
    data = np.asarray(values, dtype=np.dtype(dtype).newbyteorder("<"))
    return {"kind": "array", "jax": jax, "shape": list(data.shape), "dtype": dtype,
            "bytes": base64.b64encode(data.tobytes()).decode()}


def tree(value):
    """A pytree of numpy arrays in the wire format (dicts and lists; arrays packed)."""
    if isinstance(value, dict):
        return {"kind": "dict", "length": len(value), "keys": list(value), "items": [tree(v) for v in value.values()]}
    if isinstance(value, (list, tuple)):
        return {"kind": "list", "length": len(value), "items": [tree(v) for v in value]}
    return packed(value, str(np.asarray(value).dtype))


W = np.arange(784 * 128, dtype=np.float32).reshape(784, 128) / 1000
B = np.linspace(-1, 1, 128, dtype=np.float32)


def test_a_packed_array_reads_as_its_values():
    vector = np.random.default_rng(1).normal(size=200_000)
    assert np.array_equal(as_array(packed(vector, "float64")), vector)
    assert mismatch(packed(W), W, what="`W`", require_jax=True) is None


@pytest.mark.parametrize(
    "observed",
    [
        pytest.param({**packed(B), "dtype": "object"}, id="unknown-dtype"),
        pytest.param({**packed(B), "shape": [127]}, id="length-disagrees"),
        pytest.param({**packed(B), "shape": [-1]}, id="negative-dimension"),
        pytest.param({**packed(B), "bytes": "not base64!"}, id="not-base64"),
        pytest.param({**packed(B), "bytes": 12}, id="not-text"),
    ],
)
def test_malformed_packed_arrays_are_not_numbers(observed):
    assert as_array(observed) is None
    assert "could not read" in mismatch(observed, B, what="`b`")


@pytest.mark.parametrize(
    "expected",
    [
        pytest.param({"W": W, "b": B}, id="dict-of-params"),
        pytest.param([(W, B), (W[:10, :10], B[:10])], id="list-of-W-b-pairs"),
        pytest.param({"layers": [{"w": W[:3], "b": 0.5}], "scale": np.float32(2.0)}, id="nested"),
    ],
)
def test_a_pytree_should_pass(expected):
    assert tree_mismatch(tree(expected), expected, what="`params`", within=WITHIN) is None


def test_a_tuple_may_come_as_a_list_and_values_within_tolerance_pass():
    observed = tree([[W * (1 + 1e-7), B]])
    assert tree_mismatch(observed, [(W, B)], what="`layers`", within=WITHIN) is None


@pytest.mark.parametrize(
    ("observed", "message"),
    [
        pytest.param({"W": W, "B": B}, "`params` has keys 'W', 'B'; expected 'W', 'b'.", id="wrong-key"),
        pytest.param({"W": W}, "`params` has keys 'W'; expected 'W', 'b'.", id="missing-key"),
        pytest.param({"W": W.T, "b": B}, "`params['W']` has shape (128, 784), expected (784, 128).", id="wrong-shape"),
        pytest.param({"W": W, "b": B + np.eye(128, dtype=np.float32)[7]},
                     "`params['b']` is an array of shape (128,), expected an array of shape (128,) "
                     "(1 of 128 values differ; largest difference 1 at index (7,)).", id="wrong-value"),
        pytest.param({"W": W, "b": B.astype(np.int32)},
                     "`params['b']` holds integers (int32), expected floating-point numbers (float32).",
                     id="wrong-dtype"),
        pytest.param([W, B], "`params` is a list, expected a dict with keys 'W', 'b'.", id="list-for-dict"),
    ],
)
def test_a_pytree_should_fail(observed, message):
    problem = tree_mismatch(tree(observed), {"W": W, "b": B}, what="`params`", within=WITHIN)
    assert problem == message


def test_a_list_of_the_wrong_length_and_what_is_absent_are_told():
    assert tree_mismatch(tree([(W, B)]), [(W, B), (W, B)], what="`layers`", within=WITHIN) == "`layers` has 1 item, expected 2."
    missing = {"kind": "missing", "name": "params"}
    assert "`params` is not defined" in tree_mismatch(missing, {"W": W}, what="`params`", within=WITHIN)
    # A list where an array is expected reads as the array it stacks to, as in `mismatch`.
    assert tree_mismatch(tree({"W": [W]}), {"W": W}, what="`params`", within=WITHIN) == (
        "`params['W']` has shape (1, 784, 128), expected (784, 128)."
    )


def test_the_exact_dtype_is_asked_for_only_when_wanted():
    observed = tree({"W": W.astype(np.float64)})
    assert tree_mismatch(observed, {"W": W}, what="`p`", within=WITHIN) is None
    assert tree_mismatch(observed, {"W": W}, what="`p`", within=WITHIN, exact_dtype=True) == (
        "`p['W']` has dtype float64, expected float32."
    )


def test_every_wrong_place_is_counted_and_the_first_ones_told():
    expected = [B + i for i in range(6)]
    problem = tree_mismatch(tree([b + 1 for b in expected]), expected, what="`bs`", within=WITHIN)
    assert problem.count("`bs[") == 3 and problem.endswith("(3 more places differ.)")
