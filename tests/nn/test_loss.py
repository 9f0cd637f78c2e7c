"""Losses: PyTorch parity (value and gradient) for every loss and reduction, gradcheck, stability, errors."""
from __future__ import annotations

import numpy as np
import pytest

import lucid
import lucid.nn.functional as F
from lucid import nn
from lucid.autograd import gradcheck
from tests.nn._util import assert_close, rng, t

REDUCTIONS = ["mean", "sum", "none"]


def _compare(torch, lucid_fn, torch_fn, x, *others, tol=1e-5):
    """Value and input gradient of lucid_fn(x, *others) and torch_fn(...) agree."""
    lx, tx = lucid.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    ly = lucid_fn(lx, *[lucid.tensor(o) for o in others])
    ty = torch_fn(tx, *[torch.tensor(o) for o in others])
    assert_close(ly.numpy(), ty.detach().numpy(), tol)
    grad = rng(99).standard_normal(ty.shape).astype(np.float32)
    ly.backward(lucid.tensor(grad))
    ty.backward(torch.tensor(grad))
    assert_close(lx.grad, tx.grad.numpy(), tol)


@pytest.mark.torch
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("name", ["mse_loss", "l1_loss"])
def test_regression_losses_match_torch(torch, name, reduction):
    g = rng(0)
    x, y = g.standard_normal((4, 3)).astype(np.float32), g.standard_normal((4, 3)).astype(np.float32)
    _compare(torch, lambda a, b: getattr(F, name)(a, b, reduction=reduction),
             lambda a, b: getattr(torch.nn.functional, name)(a, b, reduction=reduction), x, y)


CE_CASES = [dict(), dict(label_smoothing=0.1), dict(weight=True), dict(weight=True, label_smoothing=0.2),
            dict(ignore_index=1), dict(ignore_index=1, label_smoothing=0.1, weight=True)]


@pytest.mark.torch
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("case", CE_CASES)
@pytest.mark.parametrize("shape", [(6, 4), (3, 4, 2, 2)])
def test_cross_entropy_and_nll_match_torch(torch, case, reduction, shape):
    g = rng(1)
    x = (g.standard_normal(shape) * 3).astype(np.float32)
    y = g.integers(0, 4, (shape[0],) + shape[2:])
    kw = dict(case, reduction=reduction)
    tkw = dict(kw)
    if kw.pop("weight", False):
        w = g.random(4).astype(np.float32) + 0.5
        kw["weight"], tkw["weight"] = lucid.tensor(w), torch.tensor(w)
    _compare(torch, lambda a, b: F.cross_entropy(a, b, **kw), lambda a, b: torch.nn.functional.cross_entropy(a, b, **tkw), x, y)
    if "label_smoothing" not in kw:
        _compare(torch, lambda a, b: F.nll_loss(a, b, **kw), lambda a, b: torch.nn.functional.nll_loss(a, b, **tkw), x, y)


@pytest.mark.torch
@pytest.mark.parametrize("smoothing", [0.0, 0.15])
def test_cross_entropy_probability_targets_match_torch(torch, smoothing):
    g = rng(2)
    x = g.standard_normal((5, 3)).astype(np.float32)
    p = g.random((5, 3)).astype(np.float32)
    p /= p.sum(axis=1, keepdims=True)
    _compare(torch, lambda a, b: F.cross_entropy(a, b, label_smoothing=smoothing),
             lambda a, b: torch.nn.functional.cross_entropy(a, b, label_smoothing=smoothing), x, p)


@pytest.mark.torch
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("weighted", [False, True])
def test_binary_losses_match_torch(torch, reduction, weighted):
    g = rng(3)
    logits = (g.standard_normal((4, 3)) * 4).astype(np.float32)
    target = g.random((4, 3)).astype(np.float32)
    w = (g.random(3) + 0.5).astype(np.float32)
    kw = dict(reduction=reduction, weight=lucid.tensor(w) if weighted else None)
    tkw = dict(reduction=reduction, weight=torch.tensor(w) if weighted else None)
    probs = (1 / (1 + np.exp(-logits))).astype(np.float32)
    _compare(torch, lambda a, b: F.binary_cross_entropy(a, b, **kw),
             lambda a, b: torch.nn.functional.binary_cross_entropy(a, b, **tkw), probs, target, tol=1e-4)
    pos = (g.random(3) + 0.5).astype(np.float32)
    _compare(torch, lambda a, b: F.binary_cross_entropy_with_logits(a, b, **kw, pos_weight=lucid.tensor(pos)),
             lambda a, b: torch.nn.functional.binary_cross_entropy_with_logits(a, b, **tkw, pos_weight=torch.tensor(pos)),
             logits, target)
    _compare(torch, lambda a, b: F.binary_cross_entropy_with_logits(a, b, **kw),
             lambda a, b: torch.nn.functional.binary_cross_entropy_with_logits(a, b, **tkw), logits, target)


@pytest.mark.torch
def test_loss_modules_match_torch(torch):
    g = rng(4)
    x = g.standard_normal((5, 3)).astype(np.float32)
    y = g.integers(0, 3, 5)
    z = g.random((5, 3)).astype(np.float32)
    pairs = [(nn.CrossEntropyLoss(label_smoothing=0.1), torch.nn.CrossEntropyLoss(label_smoothing=0.1), y),
             (nn.NLLLoss(reduction="sum"), torch.nn.NLLLoss(reduction="sum"), y),
             (nn.MSELoss(), torch.nn.MSELoss(), z), (nn.L1Loss(), torch.nn.L1Loss(), z),
             (nn.BCEWithLogitsLoss(), torch.nn.BCEWithLogitsLoss(), z)]
    for ours, theirs, target in pairs:
        assert_close(ours(lucid.tensor(x), lucid.tensor(target)).numpy(),
                     theirs(torch.tensor(x), torch.tensor(target)).numpy(), 1e-5)
    assert_close(nn.BCELoss()(lucid.tensor(z), lucid.tensor(z)).numpy(),
                 torch.nn.BCELoss()(torch.tensor(z), torch.tensor(z)).numpy(), 1e-5)


# ----------------------------------------------------------------------------- gradcheck (float64) on every device
def test_losses_gradcheck(device):
    g = rng(5)
    x, z = g.standard_normal((4, 3)), g.random((4, 3)) * 0.8 + 0.1
    y = lucid.tensor(g.integers(0, 3, 4), device=device)
    w = lucid.tensor(g.random(3) + 0.5, dtype="float64", device=device)
    target = t(g.random((4, 3)), device)
    checks = [
        (lambda a: F.mse_loss(a, target), x),
        (lambda a: F.l1_loss(a, target), x),
        (lambda a: F.cross_entropy(a, y, weight=w, label_smoothing=0.1), x),
        (lambda a: F.nll_loss(a, y, reduction="sum"), x),
        (lambda a: F.binary_cross_entropy(a, target), z),
        (lambda a: F.binary_cross_entropy_with_logits(a, target, pos_weight=w), x),
    ]
    for fn, data in checks:
        assert gradcheck(fn, [t(data, device, requires_grad=True)])


# ----------------------------------------------------------------------------- stability and errors
def test_losses_are_stable_for_extreme_inputs():
    logits = lucid.tensor([[1e4, -1e4, 0.0], [-1e4, 1e4, 0.0]], requires_grad=True)
    loss = F.cross_entropy(logits, lucid.tensor([1, 1]))
    loss.backward()
    assert np.isfinite(loss.item()) and np.isfinite(logits.grad).all()
    x = lucid.tensor([1e4, -1e4, 50.0], requires_grad=True)
    loss = F.binary_cross_entropy_with_logits(x, lucid.tensor([0.0, 1.0, 1.0]))
    loss.backward()
    assert np.isfinite(loss.item()) and np.isfinite(x.grad).all()
    assert np.isfinite(F.binary_cross_entropy(lucid.tensor([0.0, 1.0]), lucid.tensor([1.0, 0.0])).item())


def test_loss_errors():
    with pytest.raises(ValueError, match=r"reduction must be 'mean', 'sum' or 'none', got 'avg'"):
        F.mse_loss(lucid.zeros(2), lucid.zeros(2), reduction="avg")
    with pytest.raises(ValueError, match=r"target must have shape \(2,\) for input of shape \(2, 3\)"):
        F.cross_entropy(lucid.zeros((2, 3)), lucid.tensor([0, 1, 2]))
    with pytest.raises(IndexError, match=r"outside \[0, 2\]"):
        F.cross_entropy(lucid.zeros((2, 3)), lucid.tensor([0, 3]))
    with pytest.raises(ValueError, match=r"target must have the same shape as input \(2,\), got \(3,\)"):
        F.l1_loss(lucid.zeros(2), lucid.zeros(3))
    with pytest.raises(ValueError, match=r"label_smoothing must be in \[0, 1\]"):
        nn.CrossEntropyLoss(label_smoothing=1.5)


def test_bad_class_indices_and_probabilities_raise_on_every_device(device):
    """Not only on the CPU: on a GPU a row with an out-of-range class would silently leave the mean."""
    logits = lucid.tensor(np.zeros((3, 4), dtype=np.float32), device=device)
    for target in ([0, 4, 1], [-1, 0, 0], [0, 0, 7]):
        with pytest.raises(IndexError, match=r"outside \[0, 3\]"):
            F.cross_entropy(logits, lucid.tensor(target, device=device))
    assert np.isfinite(F.cross_entropy(logits, lucid.tensor([0, -100, 3], device=device)).item())  # ignore_index
    for p in ([0.5, 1.5], [-0.1, 0.5]):
        with pytest.raises(ValueError, match=r"probabilities in \[0, 1\]"):
            F.binary_cross_entropy(lucid.tensor(p, device=device), lucid.tensor([1.0, 0.0], device=device))
