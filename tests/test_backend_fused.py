"""lucid/backend/fused.py: each fused primitive against its plain formula, on every device.

On NumPy and on the array_api_strict stand-in this checks the fallbacks the CPU
runs; on CuPy (``pytest -m gpu``) it checks the one-kernel versions in
lucid/backend/cupy_kernels.py against the same formulas.
"""
import itertools
import math

import numpy as np
import pytest

import lucid
from lucid import backend, optim
from lucid.backend import fused



def rng(seed):
    return np.random.default_rng(seed)


def _to(device, array):
    return lucid.tensor(array, device=device).data


def _host(array):
    return np.asarray(backend.to_host(array))


SGD_CASES = [c for c in itertools.product([0.0, 0.9], [0.0, 0.3], [0.0, 0.1], [False, True], [False, True])
             if not (c[3] and (c[0] == 0 or c[1] != 0))]  # Nesterov needs momentum and no dampening


@pytest.mark.parametrize("momentum, dampening, weight_decay, nesterov, maximize", SGD_CASES)
@pytest.mark.parametrize("shape", [(4, 5), ()])
def test_sgd_step_matches_the_plain_formula(device, shape, momentum, dampening, weight_decay, nesterov, maximize):
    r = rng(1)
    p_ref = r.standard_normal(shape).astype(np.float32)
    p = _to(device, p_ref)
    buf = buf_ref = None
    for _ in range(3):
        g_ref = r.standard_normal(shape).astype(np.float32)
        g = _to(device, g_ref)
        kw = dict(lr=0.1, momentum=momentum, dampening=dampening, weight_decay=weight_decay, nesterov=nesterov,
                  maximize=maximize)
        buf = backend.sgd_step(p, g, buf, **kw)
        buf_ref = fused._sgd_plain(p_ref, g_ref, buf_ref, 0.1, momentum, dampening, weight_decay, nesterov, maximize)
        np.testing.assert_array_equal(_host(g), g_ref)  # the gradient is never written
    np.testing.assert_allclose(_host(p), p_ref, rtol=1e-6, atol=1e-7)
    assert (buf is None) == (momentum == 0)
    if buf is not None:
        assert backend.device_of(buf) == backend.device_of(p)
        np.testing.assert_allclose(_host(buf), buf_ref, rtol=1e-6, atol=1e-7)


ADAM_CASES = list(itertools.product([0.0, 0.1], [False, True], [False, True], [False, True]))


@pytest.mark.parametrize("weight_decay, decoupled, amsgrad, maximize", ADAM_CASES)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_adam_step_matches_the_plain_formula(device, dtype, weight_decay, decoupled, amsgrad, maximize):
    r = rng(2)
    shape = (3, 7)
    p_ref = r.standard_normal(shape).astype(dtype)
    p = _to(device, p_ref)
    states = [_to(device, np.zeros(shape, dtype)) for _ in range(3)]
    refs = [np.zeros(shape, dtype) for _ in range(3)]
    b1, b2, lr, eps = 0.9, 0.99, 0.01, 1e-8
    for t in range(1, 4):
        g_ref = (r.standard_normal(shape) * 10.0 ** r.integers(-3, 3, shape)).astype(dtype)
        g = _to(device, g_ref)
        backend.adam_step(p, g, states[0], states[1], states[2] if amsgrad else None, lr=lr, betas=(b1, b2), eps=eps,
                          weight_decay=weight_decay, decoupled=decoupled, step=t, maximize=maximize)
        fused._adam_plain(p_ref, g_ref, refs[0], refs[1], refs[2] if amsgrad else None, lr, b1, b2,
                          math.sqrt(1 - b2 ** t), lr / (1 - b1 ** t), eps, weight_decay, decoupled, maximize)
        np.testing.assert_array_equal(_host(g), g_ref)
    tol = dict(rtol=2e-6, atol=1e-7) if dtype == np.float32 else dict(rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(_host(p), p_ref, **tol)
    for got, want in zip(states[:3 if amsgrad else 2], refs):
        np.testing.assert_allclose(_host(got), want, **tol)


def test_amsgrad_maximum_keeps_nan_like_numpy(device):
    p = _to(device, np.zeros(2, np.float32))
    m, v, vmax = (_to(device, np.zeros(2, np.float32)) for _ in range(3))
    g = _to(device, np.array([np.nan, 1.0], np.float32))
    backend.adam_step(p, g, m, v, vmax, lr=0.1, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0, decoupled=False,
                      step=1, maximize=False)
    out = _host(vmax)
    assert np.isnan(out[0]) and out[1] > 0


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_sigmoid_is_the_logistic_function(device, dtype):
    x_ref = np.concatenate([rng(3).standard_normal(50) * 8, [-1e4, -100.0, -0.0, 0.0, 100.0, 1e4]]).astype(dtype)
    y = backend.sigmoid(_to(device, x_ref))
    assert backend.device_of(y) == device and _host(y).dtype == dtype
    with np.errstate(over="ignore"):
        want = 1.0 / (1.0 + np.exp(-x_ref.astype(np.float64)))
    # relative error where the result is a normal float (subnormals carry fewer digits)
    np.testing.assert_allclose(_host(y), want, rtol=1e-6 if dtype == np.float32 else 1e-14, atol=np.finfo(dtype).tiny)
    assert _host(y)[-1] == 1.0 and _host(y)[-6] == 0.0  # exact 1 and 0 far out, no overflow


def test_sigmoid_far_out_is_exact_and_silent(device):
    """exp(-x) overflows to inf for very negative x: a result (sigmoid 0), never a warning."""
    import warnings

    x = _to(device, np.array([-np.inf, -1e30, -89.0, np.nan, 89.0, np.inf], dtype=np.float32))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        y = _host(backend.sigmoid(x))
    assert list(y[[0, 1, 4, 5]]) == [0.0, 0.0, 1.0, 1.0] and np.isnan(y[3])
    assert 0.0 <= y[2] < 1e-38  # sigmoid(-89) = 2.2e-39, a subnormal float32 (or 0 where those are flushed)


def test_sigmoid_of_a_0d_array(device):
    assert _host(backend.sigmoid(_to(device, np.float32(0.0)))) == 0.5


@pytest.mark.parametrize("a_shape, b_shape, axis", [
    ((4, 6, 5, 3), (4, 6, 1, 1), (2, 3)),  # the gradient of x * gate (SE block)
    ((4, 6, 5, 3), (4, 6, 5, 3), (0, 2, 3)),  # batch norm's per-channel sums
    ((4, 6, 5, 3), (6, 1, 1), (0, 2, 3)),  # b of lower rank
    ((7, 9), (7, 9), (0, 1)),
])
@pytest.mark.parametrize("keepdims", [False, True])
def test_sum_of_product_is_the_sum_of_the_product(device, a_shape, b_shape, axis, keepdims):
    r = rng(4)
    a_ref, b_ref = r.standard_normal(a_shape), r.standard_normal(b_shape)
    out = backend.sum_of_product(_to(device, a_ref), _to(device, b_ref), axis, keepdims=keepdims)
    want = np.sum(a_ref * b_ref, axis=axis, keepdims=keepdims)
    assert out.shape == want.shape and backend.device_of(out) == device
    np.testing.assert_allclose(_host(out), want, rtol=1e-12, atol=1e-12)


def test_einsum_is_a_numpy_only_fast_path(device):
    a = _to(device, np.eye(2))
    out = backend.einsum("ij,j->i", a, _to(device, np.array([3.0, 4.0])))
    if device == "cpu":
        np.testing.assert_array_equal(out, [3.0, 4.0])
    else:
        assert out is None  # CuPy's einsum costs ~260 us a call: callers use their plain formulation


@pytest.mark.parametrize("make", [
    lambda ps: optim.SGD(ps, lr=0.1, momentum=0.9, nesterov=True, weight_decay=0.01),
    lambda ps: optim.SGD(ps, lr=0.1, momentum=0.5, dampening=0.2, maximize=True),
    lambda ps: optim.Adam(ps, lr=0.05, weight_decay=0.1, amsgrad=True),
    lambda ps: optim.AdamW(ps, lr=0.05, weight_decay=0.1),
])
def test_optimizers_give_the_same_steps_on_every_device(device, make):
    r = rng(5)
    w0, b0 = r.standard_normal((3, 4)).astype(np.float32), r.standard_normal(3).astype(np.float32)
    runs = {}
    for dev in ("cpu", device):
        w = lucid.tensor(w0, device=dev, requires_grad=True)
        b = lucid.tensor(b0, device=dev, requires_grad=True)
        x = lucid.tensor(r.standard_normal((5, 4)).astype(np.float32) if dev == "cpu" else x_host, device=dev)
        x_host = x.numpy()
        opt = make([w, b])
        version = w._version[0]
        for _ in range(3):
            opt.zero_grad()
            ((x @ w.T + b) ** 2).sum().backward()
            opt.step()
        assert w._version[0] > version  # the update is an in-place write
        runs[dev] = (w.numpy(), b.numpy())
    for got, want in zip(runs[device], runs["cpu"]):
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("axis", [(2, 3), (0, 2, 3), (0,), (1,), (1, 2, 3)])
@pytest.mark.parametrize("channels_last", [False, True])
def test_backend_sum_in_every_memory_order(device, axis, channels_last):
    # 131072 elements: large enough for the GPU's ones-vector product where the kept axes are innermost
    data = rng(6).standard_normal((4, 32, 32, 32) if channels_last else (4, 32, 32, 32)).astype(np.float32)
    x = _to(device, data)
    if channels_last:  # (N, H, W, C) in memory, seen as (N, C, H, W), as lucid's convolution returns
        x = backend.xp_of(x).permute_dims(x, (0, 3, 1, 2))
        data = data.transpose(0, 3, 1, 2)
    for keepdims in (False, True):
        out = backend.sum(x, axis, keepdims)
        want = data.astype(np.float64).sum(axis=axis, keepdims=keepdims)
        assert out.shape == want.shape and backend.device_of(out) == device
        np.testing.assert_allclose(_host(out), want, rtol=1e-4, atol=1e-3)


@pytest.mark.parametrize("channels_last", [False, True])
def test_strided_only_ones_product_sum_on_numpy(channels_last):
    # the GPU's variant of the ones-vector sum (strided_only, a given ones vector), checked on NumPy arrays
    data = rng(7).standard_normal((3, 4, 5, 6)).astype(np.float64)
    x = np.ascontiguousarray(data.transpose(0, 2, 3, 1)).transpose(0, 3, 1, 2) if channels_last else data
    for axis in [(2, 3), (0, 2, 3), (0,), (1,), (1, 2, 3), (0, 1, 2, 3)]:
        for keepdims in (False, True):
            out = backend._blas_sum(x, axis, keepdims, ones=lambda n, dt: np.ones(n, dt), strided_only=True)
            if out is not None:
                np.testing.assert_allclose(out, data.sum(axis=axis, keepdims=keepdims), rtol=1e-12)


@pytest.mark.parametrize("b_kind, axis", [("same", (0, 2, 3)), ("gate", (2, 3)), ("same", (2, 3))])
def test_sum_of_product_of_channels_last_data(device, b_kind, axis):
    """Large channels-last arrays (a convolution's output) go through the product and backend.sum on CuPy."""
    xp = backend.namespace(device)
    r = rng(7)
    a_host = r.standard_normal((8, 32, 32, 16)).astype(np.float32)  # (N, H, W, C) in memory: 131,072 numbers
    a = xp.permute_dims(_to(device, a_host), (0, 3, 1, 2))
    a_ref = a_host.transpose(0, 3, 1, 2).astype(np.float64)
    if b_kind == "same":
        b_host = r.standard_normal((8, 32, 32, 16)).astype(np.float32)
        b, b_ref = xp.permute_dims(_to(device, b_host), (0, 3, 1, 2)), b_host.transpose(0, 3, 1, 2).astype(np.float64)
    else:
        b_ref = r.standard_normal((8, 16, 1, 1))
        b = _to(device, b_ref.astype(np.float32))
    if hasattr(a, "strides"):  # NumPy and CuPy (the strict stand-in shows no memory layout)
        assert fused.kept_axis_is_innermost(a, axis)  # the channel axis is innermost and kept: CuPy's strided case
    out = backend.sum_of_product(a, b, axis, keepdims=True)
    want = np.sum(a_ref * b_ref, axis=axis, keepdims=True)
    assert out.shape == want.shape and backend.device_of(out) == device
    np.testing.assert_allclose(_host(out), want, rtol=1e-4, atol=1e-3)


@pytest.mark.parametrize("channels_last", [False, True])
@pytest.mark.parametrize("affine", [True, False])
def test_normalize_affine_and_input_grad_match_their_formulas(device, channels_last, affine):
    """Batch norm's two full-size passes (one kernel each on CuPy) against the formulas, in both layouts."""
    xp = backend.namespace(device)
    r = rng(8)
    shape = (4, 6, 5, 3)
    x_host = r.standard_normal(shape).astype(np.float32)
    if channels_last:
        x = xp.permute_dims(_to(device, np.ascontiguousarray(x_host.transpose(0, 2, 3, 1))), (0, 3, 1, 2))
    else:
        x = _to(device, x_host)
    mean_h, inv_h = r.standard_normal((1, 6, 1, 1)).astype(np.float32), r.random((1, 6, 1, 1)).astype(np.float32) + 0.5
    w_h, b_h = r.standard_normal((1, 6, 1, 1)).astype(np.float32), r.standard_normal((1, 6, 1, 1)).astype(np.float32)
    xhat, y = fused.normalize_affine(x, _to(device, mean_h), _to(device, inv_h),
                                     _to(device, w_h) if affine else None, _to(device, b_h) if affine else None)
    xhat_want = (x_host.astype(np.float64) - mean_h) * inv_h
    y_want = xhat_want * w_h + b_h if affine else xhat_want
    for got, want in ((xhat, xhat_want), (y, y_want)):
        assert got.shape == shape and backend.device_of(got) == device
        np.testing.assert_allclose(_host(got), want, rtol=1e-5, atol=1e-6)
    g_h = r.standard_normal(shape).astype(np.float32)
    a_h, k1_h, k2_h = (r.standard_normal((1, 6, 1, 1)).astype(np.float32) for _ in range(3))
    gx = fused.normalize_input_grad(_to(device, g_h), xhat, _to(device, a_h), _to(device, k1_h), _to(device, k2_h))
    np.testing.assert_allclose(_host(gx), g_h * a_h - xhat_want * k1_h - k2_h, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("channels_last", [False, True])
@pytest.mark.parametrize("shape", [(4, 6, 5, 3), (32, 4, 64, 40)])  # the second is past the GPU's BLAS-sum size
def test_centered_square_sum_is_the_variance_numerator(device, channels_last, shape):
    """Batch norm's sum of squared deviations: CuPy's one pass (or squares + in-order sums), else None."""
    xp = backend.namespace(device)
    r = rng(9)
    x_host = (r.standard_normal(shape) * 3 + 1).astype(np.float32)
    if channels_last:
        x = xp.permute_dims(_to(device, np.ascontiguousarray(x_host.transpose(0, 2, 3, 1))), (0, 3, 1, 2))
    else:
        x = _to(device, x_host)
    axes = (0, 2, 3)
    mean_h = x_host.astype(np.float64).mean(axis=axes, keepdims=True).astype(np.float32)
    got = fused.centered_square_sum(x, _to(device, mean_h), axes)
    if device == "cpu" or backend.device_of(x) == "gpu" and not fused._core._is_cupy(x):
        assert got is None  # NumPy and the array-API stand-in: the caller's own path
        return
    want = ((x_host.astype(np.float64) - mean_h) ** 2).sum(axis=axes, keepdims=True)
    assert got.shape == (1, shape[1], 1, 1)
    np.testing.assert_allclose(_host(got), want, rtol=1e-5)


@pytest.mark.parametrize("value_dtype", [np.float32, np.float64])  # a float64 batch into float32 running stats
def test_running_average_matches_its_formula(device, value_dtype):
    r = rng(10)
    buf_h = r.standard_normal(5).astype(np.float32)
    value_h = r.standard_normal(5).astype(value_dtype)
    buf = _to(device, buf_h)
    fused.running_average(buf, _to(device, value_h), 0.1, scale=8 / 7)
    want = buf_h * np.float32(0.9) + (value_h * (8 / 7)).astype(np.float32) * np.float32(0.1)
    assert _host(buf).dtype == np.float32
    np.testing.assert_allclose(_host(buf), want, rtol=1e-6)


def test_inverse_std_and_gradient_coefficients_match_their_formulas(device):
    r = rng(11)
    var_h, w_h, sgx_h, sg_h = (r.random((1, 4, 1, 1)).astype(np.float32) + c for c in (0.0, 0.5, -0.5, -0.5))
    s = fused.inverse_std(_to(device, var_h), 1e-5)
    np.testing.assert_allclose(_host(s), 1 / np.sqrt(var_h.astype(np.float64) + 1e-5), rtol=1e-6)
    a, k1, k2 = fused.normalize_grad_coefficients(s, _to(device, w_h), _to(device, sgx_h), _to(device, sg_h), 12)
    a_want = _host(s).astype(np.float64) * w_h
    for got, want in ((a, a_want), (k1, a_want * sgx_h / 12), (k2, a_want * sg_h / 12)):
        assert got.shape == (1, 4, 1, 1) and backend.device_of(got) == device
        np.testing.assert_allclose(_host(got), want, rtol=1e-6)
    a, k1, k2 = fused.normalize_grad_coefficients(s, None, _to(device, sgx_h), _to(device, sg_h), 12)  # no gamma
    np.testing.assert_allclose(_host(k2), _host(s).astype(np.float64) * sg_h / 12, rtol=1e-6)


def test_relu_and_sigmoid_gradients_match_their_formulas(device):
    """One kernel each on CuPy; NaN outputs of ReLU pass the gradient (PyTorch's rule), zeros stop it."""
    g_h = np.array([1.0, 2.0, 3.0, 4.0, -5.0], dtype=np.float32)
    y_h = np.array([0.0, 5.0, np.nan, -0.0, 1e-30], dtype=np.float32)
    got = _host(fused.relu_grad(_to(device, g_h), _to(device, y_h)))
    np.testing.assert_array_equal(got, [0.0, 2.0, 3.0, 0.0, -5.0])
    s_h = np.array([0.5, 0.25, 1.0, 0.0, 0.9], dtype=np.float32)
    got = _host(fused.sigmoid_grad(_to(device, g_h), _to(device, s_h)))
    np.testing.assert_allclose(got, g_h * s_h * (1 - s_h), rtol=1e-6)
