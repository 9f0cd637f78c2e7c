"""The CPU double of CuPy (tests/fake_cupy) behaves like CuPy where lucid could tell the difference.

The GPU tests trust the double to refuse what CuPy refuses and to run kernel
snippets with CuPy's rules; these tests pin those rules down.  They import the
double without installing it as ``cupy`` (so the rest of the suite is unaffected).
"""
from __future__ import annotations

import numpy as np
import pytest

import fake_cupy
from fake_cupy.kernels import ElementwiseKernel, ReductionKernel


def dev(array):
    return fake_cupy.asarray(np.asarray(array))


def test_numpy_operands_and_implicit_conversion_are_refused():
    a = dev([1.0, 2.0])
    with pytest.raises(TypeError, match="numpy.ndarray"):
        a + np.array([1.0, 2.0])
    with pytest.raises(TypeError, match="Implicit conversion"):
        np.asarray(a)
    assert (a + np.float32(1)).get().tolist() == [2.0, 3.0]  # NumPy scalars are fine, as in CuPy
    total = a.sum()
    assert type(total) is fake_cupy.ndarray and total.shape == ()  # reductions give 0-d arrays, not scalars


def test_views_launch_nothing_and_copies_launch_once():
    a = dev(np.arange(12.0).reshape(3, 4))
    fake_cupy.launches.clear()
    a.T.reshape(12)  # a transpose is a view; reshaping it needs a copy
    a.reshape(4, 3)  # a view
    assert sum(fake_cupy.launches.values()) == 1


def test_raw_arguments_are_indexed_in_c_order_whatever_their_strides():
    k = ElementwiseKernel("raw T x", "T y", "y = x[i] + (T)x.size();", "c_order")
    host = np.arange(12.0).reshape(3, 4)
    got = k(dev(host).T, fake_cupy.ndarray._of(np.zeros(12)))
    np.testing.assert_array_equal(got.get(), host.T.ravel() + 12)


def test_type_placeholders_follow_the_arrays_and_scalars_are_cast():
    k = ElementwiseKernel("T x, T s", "T y", "y = x * s;", "scale")
    y = k(dev(np.ones(3, np.float32)), 0.5)  # a Python float cast to T = float32
    assert y.dtype == np.float32 and y.get().tolist() == [0.5, 0.5, 0.5]
    with pytest.raises(TypeError, match="Type is mismatched"):
        k(dev(np.ones(3, np.float32)), dev(np.ones(3, np.float64)))


def test_given_outputs_must_have_the_broadcast_shape_and_are_written_in_place():
    k = ElementwiseKernel("T x", "T y", "y += x;", "accumulate")
    out = dev(np.ones((2, 3)))
    k(dev([1.0, 2.0, 3.0]), out)  # the input broadcasts; the output keeps its values (+=)
    np.testing.assert_array_equal(out.get(), [[2, 3, 4], [2, 3, 4]])
    strided = dev(np.zeros((2, 6)))[:, ::2]
    k(dev([1.0, 2.0, 3.0]), strided)
    np.testing.assert_array_equal(strided.get(), [[1, 2, 3], [1, 2, 3]])
    with pytest.raises(ValueError, match="Out shape is mismatched"):
        k(dev(np.ones((2, 3))), dev(np.ones(3)))


def test_a_kernel_that_does_not_compile_says_so():
    k = ElementwiseKernel("T x", "T y", "y = x +;", "broken")
    with pytest.raises(RuntimeError, match="did not compile"):
        k(dev([1.0]))


@pytest.mark.parametrize("axis, keepdims", [(None, False), ((0, 2), True), (1, False)])
def test_reduction_kernel_matches_numpy(axis, keepdims):
    k = ReductionKernel("T x, T w", "T y", "x * w", "a + b", "y = a", "0", "sum_of_product")
    r = np.random.default_rng(0)
    x, w = r.standard_normal((3, 700, 5)), r.standard_normal((3, 700, 5))
    got = k(dev(x), dev(w), axis=axis, keepdims=keepdims).get()
    np.testing.assert_allclose(got, np.sum(x * w, axis=axis, keepdims=keepdims), rtol=1e-12)
