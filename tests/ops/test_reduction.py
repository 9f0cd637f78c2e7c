"""lucid/ops/reduction.py: sum mean var std max min amax amin logsumexp; argmax argmin any all."""
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
