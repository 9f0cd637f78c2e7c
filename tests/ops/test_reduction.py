"""lucid/ops/reduction.py: sum mean var std max min amax amin logsumexp; argmax argmin any all."""
import warnings

import numpy as np
import pytest

import lucid

from ._util import check_forward, check_grad, host, randn, t, torch_parity


def _np_logsumexp(a, axis=None, keepdims=False):
    m = np.max(a, axis=axis, keepdims=True)
    out = np.log(np.sum(np.exp(a - m), axis=axis, keepdims=True)) + m
    return out if keepdims else np.squeeze(out, axis=axis) if axis is not None else out.reshape(())


# name -> (lucid function, NumPy reference(a, axis, keepdims), PyTorch reference(torch, x, dims, keepdim))
REDUCTIONS = {
    "sum": (lucid.sum, np.sum, lambda T, x, d, k: T.sum(x, dim=d, keepdim=k)),
    "mean": (lucid.mean, np.mean, lambda T, x, d, k: T.mean(x, dim=d, keepdim=k)),
    "var": (lucid.var, lambda a, axis, keepdims: np.var(a, axis=axis, keepdims=keepdims, ddof=1),
            lambda T, x, d, k: T.var(x, dim=d, keepdim=k)),
    "std": (lucid.std, lambda a, axis, keepdims: np.std(a, axis=axis, keepdims=keepdims, ddof=1),
            lambda T, x, d, k: T.std(x, dim=d, keepdim=k)),
    "amax": (lucid.amax, np.max, lambda T, x, d, k: T.amax(x, dim=d if d is not None else (), keepdim=k)),
    "amin": (lucid.amin, np.min, lambda T, x, d, k: T.amin(x, dim=d if d is not None else (), keepdim=k)),
    "max": (lucid.max, np.max, lambda T, x, d, k: T.amax(x, dim=d if d is not None else (), keepdim=k)),
    "min": (lucid.min, np.min, lambda T, x, d, k: T.amin(x, dim=d if d is not None else (), keepdim=k)),
    "logsumexp": (lucid.logsumexp, _np_logsumexp,
                  lambda T, x, d, k: T.logsumexp(x, dim=d if d is not None else tuple(range(x.ndim)), keepdim=k)),
}
AXES = [None, 0, -1, (0, 2), (1,)]


@pytest.mark.parametrize("keepdims", [False, True])
@pytest.mark.parametrize("axis", AXES, ids=str)
@pytest.mark.parametrize("name", REDUCTIONS)
def test_reduction_forward_and_gradcheck(device, name, axis, keepdims):
    fn, np_fn, _ = REDUCTIONS[name]
    a = randn(2, 3, 4)
    check_forward(lambda x: fn(x, axis, keepdims), np_fn(a, axis=axis, keepdims=keepdims), [a], device)
    check_grad(lambda x: fn(x, axis=axis, keepdims=keepdims), [a], device)


@pytest.mark.parametrize("name", REDUCTIONS)
def test_reduction_dim_keepdim_aliases_and_method(device, name):
    fn, np_fn, _ = REDUCTIONS[name]
    a = randn(3, 4)
    x = t(a, device)
    expected = np_fn(a, axis=1, keepdims=True)
    np.testing.assert_allclose(fn(x, dim=1, keepdim=True).numpy(), expected, rtol=1e-12)
    np.testing.assert_allclose(getattr(x, name)(dim=1, keepdim=True).numpy(), expected, rtol=1e-12)
    np.testing.assert_allclose(getattr(x, name)(axis=1, keepdims=True).numpy(), expected, rtol=1e-12)
    with pytest.raises(TypeError, match="both"):
        fn(x, axis=0, dim=1)


@pytest.mark.parametrize("name", REDUCTIONS)
def test_reduction_on_0d(device, name):
    fn, np_fn, _ = REDUCTIONS[name]
    if name in ("var", "std"):
        a = np.array(1.5)
        assert np.isnan(fn(t(a, device)).item())  # one element, correction 1: like PyTorch, nan
        np.testing.assert_allclose(fn(t(a, device), correction=0).item(), 0.0)
        return
    a = np.array(1.5)
    check_forward(fn, np_fn(a), [a], device)
    check_grad(fn, [a], device)


@pytest.mark.parametrize("axis, keepdims", [(None, False), (1, True), ((0, 2), False)], ids=str)
@pytest.mark.parametrize("name", REDUCTIONS)
def test_reduction_torch_parity(torch, name, axis, keepdims):
    fn, _, tfn = REDUCTIONS[name]
    torch_parity(torch, lambda x: fn(x, axis, keepdims), lambda x: tfn(torch, x, axis, keepdims), [randn(2, 3, 4)])


@pytest.mark.parametrize("name", ["amax", "amin", "max", "min"])
def test_extremes_split_ties_evenly_like_torch_amax(device, torch, name):
    a = np.array([[1.0, 3.0, 3.0, 0.0], [2.0, 2.0, 2.0, -5.0]])
    if "min" in name:
        a = -a
    for axis in (None, 1, (0, 1)):
        x = t(a, device, requires_grad=True)
        getattr(lucid, name)(x, axis=axis).sum().backward()
        tx = torch.tensor(a, requires_grad=True)
        tname = "amax" if "max" in name else "amin"
        getattr(torch, tname)(tx, dim=() if axis is None else axis).sum().backward()
        np.testing.assert_allclose(host(x.grad), tx.grad.numpy(), rtol=1e-15)
    x = t(a, device, requires_grad=True)
    getattr(lucid, name)(x, axis=1).sum().backward()
    np.testing.assert_allclose(host(x.grad), [[0, 0.5, 0.5, 0], [1 / 3, 1 / 3, 1 / 3, 0]])


@pytest.mark.parametrize("correction", [0, 1, 2])
def test_var_std_correction(device, torch, correction):
    a = randn(3, 5)
    for name in ("var", "std"):
        fn = getattr(lucid, name)
        np_fn = getattr(np, name)
        check_forward(lambda x: fn(x, axis=1, correction=correction), np_fn(a, axis=1, ddof=correction), [a], device)
        np.testing.assert_allclose(fn(t(a, device), axis=1, ddof=correction).numpy(), np_fn(a, axis=1, ddof=correction))
        check_grad(lambda x: fn(x, axis=1, correction=correction), [a], device)
        torch_parity(torch, lambda x: fn(x, axis=0, correction=correction),
                     lambda x: getattr(torch, name)(x, dim=0, correction=correction), [a])
    np.testing.assert_allclose(lucid.var(t(a, device), unbiased=False).item(), np.var(a))


def test_logsumexp_is_stable(device):
    a = np.array([[1e4, 1e4], [-np.inf, -np.inf], [-np.inf, 0.0]], np.float32)
    y = lucid.logsumexp(t(a, device), axis=1).numpy()
    np.testing.assert_allclose(y, [1e4 + np.log(2), -np.inf, 0.0], rtol=1e-6)


def test_sum_of_float32_stays_float32(device):
    x = t(np.ones((2, 3), np.float32), device, requires_grad=True)
    for name in REDUCTIONS:
        y = getattr(lucid, name)(x, axis=0)
        assert y.dtype == np.float32, name
        y.sum().backward()
        assert x.grad.dtype == x.data.dtype


def test_axis_errors():
    x = lucid.zeros((2, 3))
    with pytest.raises(ValueError, match="out of range"):
        lucid.sum(x, axis=2)
    with pytest.raises(ValueError, match="repeated"):
        lucid.sum(x, axis=(0, -2))
    with pytest.raises(TypeError, match="int or a tuple"):
        lucid.mean(x, axis=0.5)
    with pytest.raises(ValueError, match="length 0"):
        lucid.amax(lucid.zeros((0, 3)), axis=0)


def test_index_and_boolean_reductions(device):
    a = np.array([[1.0, 5.0, 2.0], [7.0, 0.0, 7.0]])
    x = t(a, device)
    for name in ("argmax", "argmin"):
        np_fn = getattr(np, name)
        np.testing.assert_array_equal(getattr(lucid, name)(x).numpy(), np_fn(a))
        np.testing.assert_array_equal(getattr(x, name)(axis=1).numpy(), np_fn(a, axis=1))
        np.testing.assert_array_equal(getattr(x, name)(dim=0, keepdim=True).numpy(), np_fn(a, axis=0, keepdims=True))
        out = getattr(lucid, name)(x)
        assert out.dtype == np.int64 and not out.requires_grad
    np.testing.assert_array_equal(lucid.any(x > 6, axis=1).numpy(), [False, True])
    np.testing.assert_array_equal((x > -1).all(axis=0).numpy(), [True, True, True])
    assert lucid.any(x > 6).item() is True and lucid.all(x > 6).item() is False


# ----------------------------------------------------------------------------- issue 11: edge cases as PyTorch
def test_var_fractional_correction_and_named_errors(device, torch):
    a = np.array([1.0, 2.0, 4.0])
    np.testing.assert_allclose(lucid.var(t(a, device), correction=0.5).item(), 1.8666666666666667, rtol=1e-6)
    np.testing.assert_allclose(lucid.std(t(a, device), ddof=0.5).item(), np.sqrt(1.8666666666666667), rtol=1e-6)
    for c in (0.5, 2.5, -1, 1):
        check_grad(lambda x: lucid.var(x, correction=c), [a], device)
        torch_parity(torch, lambda x: lucid.std(x, correction=c), lambda x: torch.std(x, correction=c), [a])
    with pytest.raises(TypeError, match="correction.*str 'a'"):
        lucid.var(t(a, device), correction="a")
    with pytest.raises(TypeError, match="ddof"):
        lucid.std(t(a, device), ddof="1")
    with pytest.raises(TypeError, match="unbiased"):
        lucid.var(t(a, device), unbiased="yes")


@pytest.mark.parametrize("shape,axis,correction", [
    ((1, 3), 0, 1),        # a batch of one: n - c = 0 along the axis
    ((1, 3), None, 1),     # ... and over the whole tensor (PyTorch's other rule)
    ((3,), 0, 3), ((3,), None, 3), ((3,), 0, 5), ((3,), None, 5),  # n - c = 0 and < 0
    ((), 0, 1), ((), None, 1), ((), -1, 0),
    ((2, 0), 1, 1), ((2, 0), None, 1), ((0, 3), 0, 0),  # empty axes: empty gradients
])
@pytest.mark.parametrize("name", ["var", "std"])
def test_var_std_backward_when_n_le_correction_matches_torch(device, torch, shape, axis, correction, name):
    a = randn(*shape, seed=3)
    x = t(a, device, requires_grad=True)
    y = getattr(lucid, name)(x, axis, correction=correction)
    y.sum().backward()  # no ZeroDivisionError
    tx = torch.tensor(a, requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # PyTorch warns that n - c <= 0
        ty = getattr(torch, name)(tx, dim=axis, correction=correction)
    ty.sum().backward()
    np.testing.assert_allclose(y.numpy(), ty.detach().numpy(), rtol=1e-12, equal_nan=True)
    np.testing.assert_allclose(host(x.grad), tx.grad.numpy(), rtol=1e-12, equal_nan=True)


@pytest.mark.parametrize("correction", [0, 1, 0.5])
def test_std_of_constant_data_has_zero_gradient(device, torch, correction):
    a = np.array([[2.0, 2.0, 2.0], [1.0, 2.0, 4.0]])
    for axis in (1, None, (0, 1)):
        x = t(a[:1] if axis is None else a, device, requires_grad=True)
        lucid.std(x, axis, correction=correction).sum().backward()
        tx = torch.tensor(a[:1] if axis is None else a, requires_grad=True)
        torch.std(tx, dim=axis, correction=correction).sum().backward()
        np.testing.assert_allclose(host(x.grad), tx.grad.numpy(), rtol=1e-12, atol=1e-15)
    assert (host(x.grad)[0] == 0).all() if axis == 1 else True


@pytest.mark.filterwarnings("ignore:.*degrees of freedom")  # PyTorch's, for var/std of one element
@pytest.mark.parametrize("name", ["sum", "mean", "max", "min", "amax", "amin", "var", "std", "logsumexp",
                                  "argmax", "argmin"])
@pytest.mark.parametrize("axis", [0, -1])
def test_axis_0_and_minus_1_on_a_0d_tensor(device, torch, name, axis):
    a = np.array(1.5)
    x = t(a, device, requires_grad=name not in ("argmax", "argmin"))
    for keepdims in (False, True):
        y = getattr(lucid, name)(x, axis, keepdims)
        ref = getattr(torch, {"max": "amax", "min": "amin"}.get(name, name))(torch.tensor(a), axis, keepdim=keepdims)
        assert y.shape == tuple(ref.shape) == ()
        np.testing.assert_allclose(y.numpy(), ref.numpy(), equal_nan=True)
    if name not in ("argmax", "argmin", "var", "std"):
        check_grad(lambda x: getattr(lucid, name)(x, axis), [a], device)
    with pytest.raises(ValueError, match=r"axis=1 is out of range .* \[-1, 0\]"):
        getattr(lucid, name)(x, 1)


def test_logsumexp_of_an_empty_axis_is_minus_inf(device, torch):
    x = t(np.zeros((2, 0)), device, requires_grad=True)
    y = lucid.logsumexp(x, axis=1)
    np.testing.assert_array_equal(y.numpy(), [-np.inf, -np.inf])
    y.sum().backward()
    assert host(x.grad).shape == (2, 0)
    assert lucid.logsumexp(x, axis=0).shape == (0,)


@pytest.mark.parametrize("name", ["max", "min", "amax", "amin", "argmax", "argmin"])
def test_reducing_an_empty_axis_names_the_op_and_the_axis(device, name):
    x = t(np.zeros((2, 0)), device)
    with pytest.raises(ValueError, match=rf"^{name}: cannot reduce over axis 1 of length 0 \(shape \(2, 0\)\)"):
        getattr(lucid, name)(x, axis=1)
    with pytest.raises(ValueError, match=rf"^{name}: cannot reduce an empty tensor"):
        getattr(lucid, name)(x)
    assert getattr(lucid, name)(x, axis=0).shape == (0,)  # the reduced axis is not empty: an empty result


def test_max_of_nan_sends_the_gradient_to_the_nan_like_torch(device, torch):
    a = np.array([[1.0, np.nan, 3.0], [np.nan, 2.0, np.nan], [1.0, 5.0, 5.0]])
    for name, torch_fn in (("max", lambda x: torch.max(x)), ("amax", lambda x: torch.amax(x, 1)),
                           ("min", lambda x: torch.min(x)), ("amin", lambda x: torch.amin(x, 1))):
        x = t(a, device, requires_grad=True)
        y = getattr(lucid, name)(x) if name in ("max", "min") else getattr(lucid, name)(x, 1)
        y.sum().backward()
        tx = torch.tensor(a, requires_grad=True)
        torch_fn(tx).sum().backward()
        np.testing.assert_allclose(host(x.grad), tx.grad.numpy(), equal_nan=True, err_msg=name)
