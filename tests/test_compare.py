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
    result = grade_notebook(write(tmp_path / "nan.ipynb", cells))
    failed = {check.name: check.message for q in result.questions for check in q.checks if not check.passed}
    assert result.status.ok
    assert set(failed) == {"my_gradient_17", "my_gradient"}
    assert "`my_gradient(17.0)` is nan, expected 12151." in failed["my_gradient_17"]
    assert "`my_gradient(" in failed["my_gradient"] and ", expected " in failed["my_gradient"]
    assert (result.score, result.possible) == (total(lost("my_gradient_17", "my_gradient")), total(full()))
