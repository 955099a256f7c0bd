"""The reference reproduces every number the assignment prints, and golden.json is current."""

import subprocess
import sys

import numpy as np
import pytest

from reference import questions as q
from reference.golden import MODES, compute_mode


def test_q1_arrays():
    arrays = {name: np.asarray(value) for name, value in q.q1_arrays().items()}
    np.testing.assert_array_equal(arrays["first"], [[1, 2, 3], [4, 5, 6]])
    np.testing.assert_array_equal(arrays["second"], np.full((3, 2), 2))
    np.testing.assert_array_equal(arrays["third"], [[12, 12], [30, 30]])
    np.testing.assert_array_equal(arrays["third_times_2"], [[24, 24], [60, 60]])
    np.testing.assert_array_equal(arrays["third_elementwise"], [[12, 24], [90, 120]])
    np.testing.assert_array_equal(arrays["fourth"], [[2, 2], [2, 2], [2, 2], [3, 4]])
    np.testing.assert_array_equal(arrays["fifth"], [[2, 2, 1], [2, 2, 1], [2, 2, 1], [3, 4, 1]])
    np.testing.assert_array_equal(arrays["my_array"], [[2, 2, 2], [2, 7, 3]])


def test_q2_numpy_example_depends_on_order():
    assert q.numpy_foo("foo1") == 1.9791922366721637
    assert q.numpy_foo("foo2") == 1.812816374227069


@pytest.mark.parametrize(
    ("flags", "printed"),
    [
        pytest.param(MODES[0], 1.8121928, id="jax-0.10.2-default"),
        pytest.param(MODES[1], 2.3250647, id="threefry-partitionable-off-as-in-2023"),
    ],
)
def test_q2_value_in_each_prng_mode(flags, printed):
    values = compute_mode(flags)
    assert f"{values['q2']['value']:.8g}" == f"{printed:.8g}"


def test_q2_value_is_the_same_whichever_function_runs():
    _, subkeys = q.q2_split()
    assert float(q.foo1(*subkeys)) == float(q.foo2(*subkeys))


def test_q3_function_and_gradient():
    assert float(q.my_function(17.0)) == 69003.0
    assert float(q.my_gradient(17.0)) == 12151.0
    assert float(q.my_gradient(17.0)) == q.my_function_derivative(17.0)


def test_q4_model_jitted_matches_unjitted():
    value = q.q4_loop(q.fast_my_model, 3, block=True)
    assert np.isclose(float(value), float(q.q4_loop(q.my_model, 3, block=False)), rtol=1e-6)


def test_q5_static_argument_recompiles_only_when_it_changes():
    # Other tests (the probe's contract test) call the same functions: count from a clean cache.
    for function in (q.fast_loop_function, q.fast_shape_function):
        function.clear_cache()
        function(14, 7), function(14, 7)
        assert function._cache_size() == 1
        function(14, 8)
        assert function._cache_size() == 2


@pytest.mark.slow
def test_golden_json_is_current():
    done = subprocess.run([sys.executable, "-m", "reference", "--check"], capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr
