"""BatchNorm1d/2d and LayerNorm: gradcheck, PyTorch parity (train and eval, running statistics), errors."""
from __future__ import annotations

import numpy as np
import pytest

import lucid
import lucid.nn.functional as F
from lucid import nn
from lucid.autograd import gradcheck
from tests.nn._util import assert_close, host, rng, t


# ----------------------------------------------------------------------------- gradcheck
@pytest.mark.parametrize("training", [True, False])
def test_batch_norm_gradcheck(device, training):
    g = rng(0)
    x = t(g.standard_normal((4, 3, 2, 3)), device, requires_grad=True)
    w = t(g.standard_normal(3), device, requires_grad=True)
    b = t(g.standard_normal(3), device, requires_grad=True)
    rm, rv = t(g.standard_normal(3), device), t(g.random(3) + 0.5, device)

    def fn(x, w, b):
        return F.batch_norm(x, t(host(rm.data), device), t(host(rv.data), device), w, b, training=training)

    assert gradcheck(fn, [x, w, b])


def test_batch_norm1d_gradcheck_2d_input(device):
    g = rng(1)
    x = t(g.standard_normal((5, 3)), device, requires_grad=True)
    assert gradcheck(lambda x: F.batch_norm(x, None, None, training=True), [x])


def test_layer_norm_gradcheck(device):
    g = rng(2)
    x = t(g.standard_normal((2, 3, 4)), device, requires_grad=True)
    w = t(g.standard_normal((3, 4)), device, requires_grad=True)
    b = t(g.standard_normal((3, 4)), device, requires_grad=True)
    assert gradcheck(lambda x, w, b: F.layer_norm(x, (3, 4), w, b), [x, w, b])


# ----------------------------------------------------------------------------- parity with PyTorch
def _copy_affine(torch, layer, tl):
    with torch.no_grad():
        tl.weight.copy_(torch.tensor(layer.weight.numpy()))
        tl.bias.copy_(torch.tensor(layer.bias.numpy()))


@pytest.mark.torch
@pytest.mark.parametrize("cls,shape,momentum", [("BatchNorm2d", (6, 3, 4, 5), 0.1), ("BatchNorm1d", (8, 3), 0.3),
                                                 ("BatchNorm1d", (4, 3, 7), None)])
def test_batch_norm_matches_torch(torch, cls, shape, momentum):
    layer = getattr(nn, cls)(3, momentum=momentum)
    tl = getattr(torch.nn, cls)(3, momentum=momentum)
    g = rng(3)
    with torch.no_grad():  # non-trivial affine parameters
        w, b = g.standard_normal(3).astype(np.float32), g.standard_normal(3).astype(np.float32)
        layer.weight.data[...] = w
        layer.bias.data[...] = b
    _copy_affine(torch, layer, tl)
    for step in range(3):  # training: batch statistics, gradients, running statistics
        x = (g.standard_normal(shape) * 2 + 1).astype(np.float32)
        lx, tx = lucid.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
        y, ty = layer(lx), tl(tx)
        assert_close(y.numpy(), ty.detach().numpy(), 1e-5)
        grad = g.standard_normal(shape).astype(np.float32)
        y.backward(lucid.tensor(grad))
        ty.backward(torch.tensor(grad))
        assert_close(lx.grad, tx.grad.numpy(), 1e-4)
        assert_close(layer.weight.grad, tl.weight.grad.numpy(), 1e-4)
        assert_close(layer.bias.grad, tl.bias.grad.numpy(), 1e-4)
        layer.zero_grad()
        tl.zero_grad()
    assert_close(layer.running_mean.numpy(), tl.running_mean.numpy(), 1e-5)
    assert_close(layer.running_var.numpy(), tl.running_var.numpy(), 1e-5)
    assert int(layer.num_batches_tracked.item()) == int(tl.num_batches_tracked) == 3

    layer.eval()
    tl.eval()  # evaluation: running statistics, constant in the backward
    x = g.standard_normal(shape).astype(np.float32)
    lx, tx = lucid.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    y, ty = layer(lx), tl(tx)
    assert_close(y.numpy(), ty.detach().numpy(), 1e-5)
    y.sum().backward()
    ty.sum().backward()
    assert_close(lx.grad, tx.grad.numpy(), 1e-5)
    assert_close(layer.weight.grad, tl.weight.grad.numpy(), 1e-4)
    before = layer.running_mean.numpy().copy()
    layer(lx)
    assert np.array_equal(before, layer.running_mean.numpy())  # eval does not update


@pytest.mark.torch
def test_batch_norm_without_running_stats_matches_torch(torch):
    layer, tl = nn.BatchNorm2d(2, affine=False, track_running_stats=False), torch.nn.BatchNorm2d(2, affine=False, track_running_stats=False)
    x = rng(4).standard_normal((3, 2, 4, 4)).astype(np.float32)
    layer.eval()
    tl.eval()  # no running statistics: batch statistics even in eval
    assert_close(layer(lucid.tensor(x)).numpy(), tl(torch.tensor(x)).detach().numpy(), 1e-5)
    assert layer.running_mean is None and list(layer.parameters()) == []


@pytest.mark.torch
def test_layer_norm_matches_torch(torch):
    layer, tl = nn.LayerNorm((3, 4)), torch.nn.LayerNorm((3, 4))
    g = rng(5)
    layer.weight.data[...] = g.standard_normal((3, 4))
    layer.bias.data[...] = g.standard_normal((3, 4))
    _copy_affine(torch, layer, tl)
    x = g.standard_normal((2, 5, 3, 4)).astype(np.float32)
    lx, tx = lucid.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    y, ty = layer(lx), tl(tx)
    assert_close(y.numpy(), ty.detach().numpy(), 1e-5)
    grad = g.standard_normal(x.shape).astype(np.float32)
    y.backward(lucid.tensor(grad))
    ty.backward(torch.tensor(grad))
    assert_close(lx.grad, tx.grad.numpy(), 1e-4)
    assert_close(layer.weight.grad, tl.weight.grad.numpy(), 1e-4)
    assert_close(layer.bias.grad, tl.bias.grad.numpy(), 1e-4)


# ----------------------------------------------------------------------------- modules
def test_batch_norm_buffers_move_and_save(device):
    bn = nn.BatchNorm2d(3).to(device)
    bn(lucid.randn(4, 3, 2, 2, device=device))
    assert bn.running_mean.device == device
    sd = bn.state_dict()
    assert sorted(sd) == ["bias", "num_batches_tracked", "running_mean", "running_var", "weight"]
    assert isinstance(sd["running_mean"], np.ndarray)
    fresh = nn.BatchNorm2d(3)
    fresh.load_state_dict(sd)
    assert np.array_equal(fresh.running_var.numpy(), host(bn.running_var.data))


def test_normalization_errors():
    with pytest.raises(ValueError, match=r"BatchNorm2d\(num_features=3\) expects input of shape \(N, 3, H, W\), got shape \(2, 4, 5, 5\)"):
        nn.BatchNorm2d(3)(lucid.zeros((2, 4, 5, 5)))
    with pytest.raises(ValueError, match=r"expected more than 1 value per channel when training"):
        nn.BatchNorm1d(3)(lucid.zeros((1, 3)))
    with pytest.raises(ValueError, match=r"momentum must be in \[0, 1\]"):
        nn.BatchNorm1d(3, momentum=2.0)
    with pytest.raises(ValueError, match=r"normalized_shape=\(4,\) must match the last dimensions"):
        F.layer_norm(lucid.zeros((2, 3)), 4)
