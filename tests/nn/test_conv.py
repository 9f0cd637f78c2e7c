"""Convolution and max/avg pooling: gradcheck on every backend, parity with PyTorch, errors."""
from __future__ import annotations

import numpy as np
import pytest

import lucid
import lucid.nn.functional as F
from lucid import nn
from lucid.autograd import gradcheck
from tests.nn._util import assert_close, host, rng, t


# ----------------------------------------------------------------------------- gradcheck (float64, every device)
@pytest.mark.parametrize("stride,padding,dilation,groups", [(1, 1, 1, 1), (2, 1, 1, 2), ((2, 1), (0, 2), (1, 2), 1)])
def test_conv2d_gradcheck(device, stride, padding, dilation, groups):
    g = rng(1)
    x = t(g.standard_normal((2, 4, 5, 6)), device, requires_grad=True)
    w = t(g.standard_normal((4, 4 // groups, 3, 2)), device, requires_grad=True)
    b = t(g.standard_normal(4), device, requires_grad=True)
    assert gradcheck(lambda x, w, b: F.conv2d(x, w, b, stride, padding, dilation, groups), [x, w, b])


def test_conv1d_gradcheck(device):
    g = rng(2)
    x = t(g.standard_normal((2, 4, 7)), device, requires_grad=True)
    w = t(g.standard_normal((6, 2, 3)), device, requires_grad=True)
    b = t(g.standard_normal(6), device, requires_grad=True)
    assert gradcheck(lambda x, w, b: F.conv1d(x, w, b, stride=2, padding=1, dilation=1, groups=2), [x, w, b])


@pytest.mark.parametrize("kw", [dict(kernel_size=2), dict(kernel_size=3, stride=2, padding=1),
                                dict(kernel_size=3, stride=2, padding=1, ceil_mode=True), dict(kernel_size=2, stride=1, dilation=2)])
def test_max_pool2d_gradcheck(device, kw):
    x = t(rng(3).permutation(2 * 2 * 5 * 6).reshape(2, 2, 5, 6) / 10.0, device, requires_grad=True)  # no ties
    assert gradcheck(lambda x: F.max_pool2d(x, **kw), [x])


@pytest.mark.parametrize("kw", [dict(kernel_size=2), dict(kernel_size=3, stride=2, padding=1, count_include_pad=False),
                                dict(kernel_size=3, stride=2, padding=1, ceil_mode=True)])
def test_avg_pool2d_gradcheck(device, kw):
    x = t(rng(4).standard_normal((2, 2, 5, 6)), device, requires_grad=True)
    assert gradcheck(lambda x: F.avg_pool2d(x, **kw), [x])


# ----------------------------------------------------------------------------- parity with PyTorch
CONV2D_CASES = [
    dict(stride=1, padding=0, dilation=1, groups=1, bias=True),
    dict(stride=2, padding=1, dilation=1, groups=1, bias=False),
    dict(stride=(2, 1), padding=(1, 2), dilation=(2, 1), groups=2, bias=True),
    dict(stride=1, padding="same", dilation=2, groups=1, bias=True),
    dict(stride=1, padding="valid", dilation=1, groups=6, bias=True),  # depthwise
    dict(stride=3, padding=2, dilation=1, groups=3, bias=True),
]


@pytest.mark.torch
@pytest.mark.parametrize("case", CONV2D_CASES)
def test_conv2d_module_matches_torch(torch, case):
    layer = nn.Conv2d(6, 12, kernel_size=3, **case)
    tl = torch.nn.Conv2d(6, 12, kernel_size=3, **case)
    with torch.no_grad():
        tl.weight.copy_(torch.tensor(layer.weight.numpy()))
        if layer.bias is not None:
            tl.bias.copy_(torch.tensor(layer.bias.numpy()))
    x = rng(5).standard_normal((3, 6, 11, 10)).astype(np.float32)
    lx, tx = lucid.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    y, ty = layer(lx), tl(tx)
    assert_close(y.numpy(), ty.detach().numpy(), 1e-4)
    grad = rng(6).standard_normal(ty.shape).astype(np.float32)
    y.backward(lucid.tensor(grad))
    ty.backward(torch.tensor(grad))
    assert_close(lx.grad, tx.grad.numpy(), 1e-4)
    assert_close(layer.weight.grad, tl.weight.grad.numpy(), 1e-3)
    if layer.bias is not None:
        assert_close(layer.bias.grad, tl.bias.grad.numpy(), 1e-3)


@pytest.mark.torch
def test_conv1d_module_matches_torch(torch):
    layer = nn.Conv1d(4, 6, kernel_size=3, stride=2, padding=1, dilation=2, groups=2)
    tl = torch.nn.Conv1d(4, 6, kernel_size=3, stride=2, padding=1, dilation=2, groups=2)
    with torch.no_grad():
        tl.weight.copy_(torch.tensor(layer.weight.numpy()))
        tl.bias.copy_(torch.tensor(layer.bias.numpy()))
    x = rng(7).standard_normal((2, 4, 13)).astype(np.float32)
    lx, tx = lucid.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    y, ty = layer(lx), tl(tx)
    assert_close(y.numpy(), ty.detach().numpy(), 1e-5)
    y.sum().backward()
    ty.sum().backward()
    assert_close(lx.grad, tx.grad.numpy(), 1e-5)
    assert_close(layer.weight.grad, tl.weight.grad.numpy(), 1e-4)


@pytest.mark.torch
def test_conv_default_init_matches_torch_bounds(torch):
    layer = nn.Conv2d(8, 16, kernel_size=3)
    bound = 1 / np.sqrt(8 * 9)
    w = layer.weight.numpy()
    assert np.abs(w).max() <= bound and np.abs(w).max() > 0.9 * bound
    assert np.abs(layer.bias.numpy()).max() <= bound


POOL_CASES = [dict(kernel_size=2), dict(kernel_size=3, stride=2, padding=1), dict(kernel_size=3, stride=2, padding=1, ceil_mode=True),
              dict(kernel_size=(3, 2), stride=(1, 2))]


@pytest.mark.torch
@pytest.mark.parametrize("kw", POOL_CASES + [dict(kernel_size=2, stride=1, dilation=2)])
def test_max_pool2d_matches_torch(torch, kw):
    x = rng(8).standard_normal((2, 3, 9, 8)).astype(np.float32)
    lx, tx = lucid.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    y, ty = nn.MaxPool2d(**kw)(lx), torch.nn.MaxPool2d(**kw)(tx)
    assert_close(y.numpy(), ty.detach().numpy(), 0)
    grad = rng(9).standard_normal(ty.shape).astype(np.float32)
    y.backward(lucid.tensor(grad))
    ty.backward(torch.tensor(grad))
    assert_close(lx.grad, tx.grad.numpy(), 1e-6)


@pytest.mark.torch
@pytest.mark.parametrize("kw", POOL_CASES)
def test_max_pool2d_ties_match_torch(torch, kw):
    """Windows with repeated maxima (post-ReLU zeros, rounded values): the gradient goes where PyTorch's does."""
    x = np.maximum(np.round(rng(10).standard_normal((2, 3, 9, 8)), 0), 0).astype(np.float32)
    lx, tx = lucid.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    y, ty = nn.MaxPool2d(**kw)(lx), torch.nn.MaxPool2d(**kw)(tx)
    assert_close(y.numpy(), ty.detach().numpy(), 0)
    grad = rng(11).standard_normal(ty.shape).astype(np.float32)
    y.backward(lucid.tensor(grad))
    ty.backward(torch.tensor(grad))
    assert_close(lx.grad, tx.grad.numpy(), 1e-6)


@pytest.mark.torch
@pytest.mark.parametrize("kw", POOL_CASES + [dict(kernel_size=3, stride=2, padding=1, count_include_pad=False),
                                             dict(kernel_size=3, stride=2, padding=1, ceil_mode=True, count_include_pad=False),
                                             dict(kernel_size=2, divisor_override=3)])
def test_avg_pool2d_matches_torch(torch, kw):
    x = rng(10).standard_normal((2, 3, 9, 8)).astype(np.float32)
    lx, tx = lucid.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    y, ty = nn.AvgPool2d(**kw)(lx), torch.nn.AvgPool2d(**kw)(tx)
    assert_close(y.numpy(), ty.detach().numpy(), 1e-6)
    grad = rng(11).standard_normal(ty.shape).astype(np.float32)
    y.backward(lucid.tensor(grad))
    ty.backward(torch.tensor(grad))
    assert_close(lx.grad, tx.grad.numpy(), 1e-6)


# ----------------------------------------------------------------------------- devices and shapes
def test_conv_and_pool_same_on_every_device(device):
    g = rng(12)
    x, w = g.standard_normal((2, 4, 6, 6)), g.standard_normal((6, 2, 3, 3))

    def run(dev):
        lx, lw = t(x, dev, requires_grad=True), t(w, dev, requires_grad=True)
        y = F.max_pool2d(F.conv2d(lx, lw, stride=1, padding=1, groups=2), 2)
        F.avg_pool2d(y, 2, padding=1).sum().backward()
        assert y.device == dev
        return y.numpy(), host(lx.grad), host(lw.grad)

    for a, b in zip(run("cpu"), run(device)):
        assert_close(a, b, 1e-10)


def test_unbatched_input():
    x = lucid.randn(3, 8, 8)
    w = lucid.randn(5, 3, 3, 3)
    assert F.conv2d(x, w, padding=1).shape == (5, 8, 8)
    assert F.max_pool2d(x, 2).shape == (3, 4, 4)
    assert F.conv1d(lucid.randn(3, 10), lucid.randn(4, 3, 3)).shape == (4, 8)


def test_no_grad_saves_nothing():
    with lucid.no_grad():
        y = F.conv2d(lucid.randn(1, 2, 5, 5, requires_grad=True), lucid.randn(3, 2, 3, 3))
    assert y.grad_fn is None and not y.requires_grad


# ----------------------------------------------------------------------------- errors name the argument
def test_conv_errors():
    with pytest.raises(ValueError, match=r"expects input with 4 channels, got input with 3 channels"):
        F.conv2d(lucid.zeros((1, 3, 5, 5)), lucid.zeros((2, 4, 3, 3)))
    with pytest.raises(ValueError, match=r"stride must be >= 1, got 0"):
        F.conv2d(lucid.zeros((1, 1, 5, 5)), lucid.zeros((1, 1, 3, 3)), stride=0)
    with pytest.raises(ValueError, match=r"padding='same' needs stride=1"):
        F.conv2d(lucid.zeros((1, 1, 5, 5)), lucid.zeros((1, 1, 3, 3)), stride=2, padding="same")
    with pytest.raises(ValueError, match=r"larger than the padded input"):
        F.conv2d(lucid.zeros((1, 1, 2, 2)), lucid.zeros((1, 1, 3, 3)))
    with pytest.raises(ValueError, match=r"divisible by groups=2"):
        nn.Conv2d(3, 4, 3, groups=2)
    with pytest.raises(ValueError, match=r"Conv2d\(in_channels=3\) expects input of shape \(N, 3, H, W\), got shape \(1, 4, 5, 5\)"):
        nn.Conv2d(3, 4, 3)(lucid.zeros((1, 4, 5, 5)))
    with pytest.raises(ValueError, match=r"padding should be at most half of kernel_size"):
        F.max_pool2d(lucid.zeros((1, 1, 5, 5)), 2, padding=2)


def test_float64_input_to_a_float32_conv_promotes_like_linear():
    """Every layer follows NumPy promotion for float inputs; the gradients keep each input's dtype."""
    import numpy as np

    import lucid
    from lucid import nn

    conv = nn.Conv2d(3, 4, 3, padding=1)
    x = lucid.tensor(np.random.default_rng(0).standard_normal((2, 3, 6, 6)), requires_grad=True)
    y = conv(x)
    y.sum().backward()
    assert y.dtype == np.float64 and x.grad.dtype == np.float64 and conv.weight.grad.dtype == np.float32
    expected = conv.double()(x.detach()).numpy()
    np.testing.assert_allclose(y.numpy(), expected, rtol=1e-6)


# ----------------------------------------------------------------------------- issue 11: NaN, ties and -inf in max pooling
_NAN, _INF = float("nan"), float("inf")


@pytest.mark.parametrize("window,kw", [
    ([5.0, _NAN], {}),                      # the NaN comes second: it still takes the gradient
    ([_NAN, 5.0], {}),
    ([_NAN, 3.0, _NAN, 1.0], {}),           # two NaNs: the last one (PyTorch's CPU rule)
    ([3.0, 3.0, 1.0], {}),                  # ties: the first maximum
    ([-_INF, -_INF, -_INF], {}),            # all -inf: the first pixel
    ([_INF, _NAN, _INF], {}),
    ([-_INF, -_INF], {"kernel_size": (1, 2), "padding": (0, 1), "stride": 1}),   # windows that start in the padding
    ([-_INF] * 4, {"kernel_size": (1, 2), "padding": (0, 1), "stride": 1, "dilation": 2}),
    ([1.0, -_INF, -_INF], {"kernel_size": (1, 2), "stride": 2, "ceil_mode": True}),
])
def test_max_pool_nan_ties_and_minus_inf_like_torch(device, torch, window, kw):
    a = np.array(window).reshape(1, 1, 1, -1)
    kw = {"kernel_size": (1, len(window)), **kw}
    x = t(a, device, requires_grad=True)
    y = F.max_pool2d(x, **kw)
    y.sum().backward()
    tx = torch.tensor(a, requires_grad=True)
    ty = torch.nn.functional.max_pool2d(tx, **kw)
    ty.sum().backward()
    np.testing.assert_array_equal(y.numpy(), ty.detach().numpy())
    np.testing.assert_array_equal(host(x.grad), tx.grad.numpy())


@pytest.mark.parametrize("kw", [{"kernel_size": 2}, {"kernel_size": 3, "stride": 2, "padding": 1, "dilation": 1}])
def test_max_pool_of_a_convolution_output_like_torch(device, torch, kw):
    """A convolution's output is channels-last in memory (a permuted view): pooling must read it right."""
    g = rng(5)
    a, w = g.standard_normal((2, 3, 7, 6)), g.standard_normal((5, 3, 3, 3))
    x, weight = t(a, device, requires_grad=True), t(w, device, requires_grad=True)
    z = F.conv2d(x, weight, padding=1)
    y = F.max_pool2d(z, **kw)
    dy = g.standard_normal(y.shape)
    y.backward(t(dy, device))
    tx, tw = torch.tensor(a, requires_grad=True), torch.tensor(w, requires_grad=True)
    ty = torch.nn.functional.max_pool2d(torch.nn.functional.conv2d(tx, tw, padding=1), **kw)
    ty.backward(torch.tensor(dy))
    np.testing.assert_allclose(y.numpy(), ty.detach().numpy(), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(host(x.grad), tx.grad.numpy(), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(host(weight.grad), tw.grad.numpy(), rtol=1e-10, atol=1e-12)


def test_max_pool_nan_in_an_image_like_torch(device, torch):
    a = rng(3).standard_normal((2, 3, 6, 6))
    a[0, 0, 1, 1] = a[1, 2, 4, 5] = np.nan
    a[0, 1, :3, :3] = -np.inf
    for kw in ({"kernel_size": 2}, {"kernel_size": 3, "stride": 1, "padding": 1}, {"kernel_size": 3, "stride": 2,
               "padding": 1, "dilation": 2, "ceil_mode": True}):
        x = t(a, device, requires_grad=True)
        F.max_pool2d(x, **kw).sum().backward()
        tx = torch.tensor(a, requires_grad=True)
        torch.nn.functional.max_pool2d(tx, **kw).sum().backward()
        np.testing.assert_allclose(host(x.grad), tx.grad.numpy(), err_msg=str(kw))
