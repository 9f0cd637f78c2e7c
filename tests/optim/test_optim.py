"""Optimizers and schedulers: same parameters as PyTorch after several steps, state dicts, errors."""
from __future__ import annotations

import math
import pickle

import numpy as np
import pytest

import lucid
from lucid import optim

START_W = np.array([[0.5, -1.2, 2.0], [0.1, 0.7, -0.3]], dtype=np.float32)
START_B = np.array([0.3, -0.8], dtype=np.float32)


def _loss(lib, w, b):
    """A non-quadratic function of two parameters, written the same way in lucid and torch."""
    return (lib.sin(w) * w).sum() + (b * b * b).sum() + (w.sum(1) * b).sum()


def _run(torch, lucid_cls, torch_cls, steps=5, groups=False, **kw):
    lw, lb = lucid.tensor(START_W, requires_grad=True), lucid.tensor(START_B, requires_grad=True)
    tw, tb = torch.tensor(START_W, requires_grad=True), torch.tensor(START_B, requires_grad=True)
    if groups:
        lopt = lucid_cls([{"params": [lw]}, {"params": [lb], "lr": 0.05}], **kw)
        topt = torch_cls([{"params": [tw]}, {"params": [tb], "lr": 0.05}], **kw)
    else:
        lopt, topt = lucid_cls([lw, lb], **kw), torch_cls([tw, tb], **kw)
    for _ in range(steps):
        lopt.zero_grad()
        topt.zero_grad()
        _loss(lucid, lw, lb).backward()
        _loss(torch, tw, tb).backward()
        lopt.step()
        topt.step()
    np.testing.assert_allclose(lw.numpy(), tw.detach().numpy(), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(lb.numpy(), tb.detach().numpy(), rtol=1e-5, atol=1e-6)
    return lopt, (lw, lb)


SGD_CASES = [dict(lr=0.1), dict(lr=0.1, momentum=0.9), dict(lr=0.1, momentum=0.9, dampening=0.3),
             dict(lr=0.1, momentum=0.9, nesterov=True), dict(lr=0.1, weight_decay=0.05),
             dict(lr=0.05, momentum=0.5, weight_decay=0.1, nesterov=True), dict(lr=0.1, momentum=0.9, maximize=True)]


@pytest.mark.torch
@pytest.mark.parametrize("kw", SGD_CASES)
def test_sgd_matches_torch(torch, kw):
    _run(torch, optim.SGD, torch.optim.SGD, **kw)


ADAM_CASES = [dict(lr=0.05), dict(lr=0.05, betas=(0.8, 0.99), eps=1e-6), dict(lr=0.05, weight_decay=0.1),
              dict(lr=0.05, amsgrad=True), dict(lr=0.05, maximize=True)]


@pytest.mark.torch
@pytest.mark.parametrize("kw", ADAM_CASES)
@pytest.mark.parametrize("name", ["Adam", "AdamW"])
def test_adam_matches_torch(torch, name, kw):
    _run(torch, getattr(optim, name), getattr(torch.optim, name), steps=6, **kw)


@pytest.mark.torch
def test_param_groups_match_torch(torch):
    _run(torch, optim.SGD, torch.optim.SGD, groups=True, lr=0.1, momentum=0.9)
    _run(torch, optim.Adam, torch.optim.Adam, groups=True, lr=0.01)


def test_step_records_no_graph_and_skips_missing_grads():
    w = lucid.ones(3, requires_grad=True)
    unused = lucid.ones(2, requires_grad=True)
    opt = optim.SGD([w, unused], lr=0.5)
    (w * w).sum().backward()
    opt.step()
    assert w.grad_fn is None and w.is_leaf
    assert np.allclose(w.numpy(), 0.0) and np.allclose(unused.numpy(), 1.0)
    opt.zero_grad()
    assert w.grad is None
    (w * 1.0).sum().backward()
    opt.zero_grad(set_to_none=False)
    assert np.array_equal(w.grad, np.zeros(3, dtype=np.float32))


@pytest.mark.parametrize("cls,kw", [(optim.SGD, dict(lr=0.1, momentum=0.9)), (optim.AdamW, dict(lr=0.05, amsgrad=True))])
def test_state_dict_round_trip_resumes_exactly(cls, kw):
    def steps(opt, params, n):
        for _ in range(n):
            opt.zero_grad()
            _loss(lucid, *params).backward()
            opt.step()

    params = [lucid.tensor(START_W, requires_grad=True), lucid.tensor(START_B, requires_grad=True)]
    opt = cls(params, **kw)
    steps(opt, params, 3)
    saved = pickle.loads(pickle.dumps(opt.state_dict()))
    resumed = [lucid.tensor(p.numpy(), requires_grad=True) for p in params]
    opt2 = cls(resumed, lr=123.0)
    opt2.load_state_dict(saved)
    assert opt2.param_groups[0]["lr"] == kw["lr"]
    steps(opt, params, 2)
    steps(opt2, resumed, 2)
    for a, b in zip(params, resumed):
        assert np.array_equal(a.numpy(), b.numpy())


def test_optimizer_on_every_device(device):
    w = lucid.tensor(START_W, device=device, requires_grad=True)
    opt = optim.Adam([w], lr=0.1)
    (w * w).sum().backward()
    opt.step()
    assert w.device == device
    assert np.allclose(w.numpy(), START_W - 0.1 * np.sign(START_W), atol=1e-5)


# ----------------------------------------------------------------------------- schedulers
@pytest.mark.torch
@pytest.mark.parametrize("name,kw", [("StepLR", dict(step_size=3, gamma=0.5)), ("CosineAnnealingLR", dict(T_max=7, eta_min=0.01)),
                                     ("CosineAnnealingLR", dict(T_max=4))])
def test_schedulers_match_torch(torch, name, kw):
    lopt = optim.SGD([lucid.zeros(1, requires_grad=True)], lr=0.2)
    topt = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=0.2)
    ls = getattr(optim.lr_scheduler, name)(lopt, **kw)
    ts = getattr(torch.optim.lr_scheduler, name)(topt, **kw)
    ours, theirs = [], []
    for _ in range(12):
        ours.append(lopt.param_groups[0]["lr"])
        theirs.append(topt.param_groups[0]["lr"])
        assert ls.get_last_lr() == [ours[-1]]
        lopt.step()
        topt.step()
        ls.step()
        ts.step()
    np.testing.assert_allclose(ours, theirs, rtol=1e-9, atol=1e-12)


def test_scheduler_state_dict():
    opt = optim.SGD([lucid.zeros(1, requires_grad=True)], lr=1.0)
    sched = optim.lr_scheduler.CosineAnnealingLR(opt, T_max=10)
    for _ in range(4):
        sched.step()
    state = sched.state_dict()
    assert state["last_epoch"] == 4 and "optimizer" not in state
    assert math.isclose(opt.param_groups[0]["lr"], 0.5 * (1 + math.cos(math.pi * 0.4)))


def test_optimizer_errors():
    w = lucid.zeros(2, requires_grad=True)
    with pytest.raises(ValueError, match=r"SGD: Invalid learning rate: -1"):
        optim.SGD([w], lr=-1)
    with pytest.raises(ValueError, match=r"Nesterov momentum requires a momentum and zero dampening"):
        optim.SGD([w], lr=0.1, nesterov=True)
    with pytest.raises(ValueError, match=r"Invalid beta parameter at index 1: 1.0"):
        optim.Adam([w], betas=(0.9, 1.0))
    with pytest.raises(ValueError, match=r"empty parameter list"):
        optim.Adam([])
    with pytest.raises(TypeError, match=r"got a single Tensor"):
        optim.Adam(w)
    with pytest.raises(ValueError, match=r"more than one parameter group"):
        optim.SGD([{"params": [w]}, {"params": [w]}], lr=0.1)
    with pytest.raises(ValueError, match=r"step_size must be a positive int, got 0"):
        optim.lr_scheduler.StepLR(optim.SGD([w], lr=0.1), step_size=0)
