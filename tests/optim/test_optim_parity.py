"""Optimizers and schedulers against PyTorch: every flag, 0-d to 2-d parameters, resuming, late groups, validation."""
import itertools
import math

import numpy as np
import pytest

import lucid
from lucid import optim

SHAPES = [(), (3,), (2, 3)]

SGD_FLAGS = [dict(momentum=m, dampening=d, nesterov=n, weight_decay=wd, maximize=mx)
             for m, d, n, wd, mx in itertools.product((0.0, 0.9), (0.0, 0.3), (False, True), (0.0, 0.1), (False, True))
             if not (n and (m == 0 or d != 0))]
ADAM_FLAGS = [dict(weight_decay=wd, amsgrad=a, maximize=mx)
              for wd, a, mx in itertools.product((0.0, 0.1), (False, True), (False, True))]
CASES = ([("SGD", f) for f in SGD_FLAGS] + [("Adam", f) for f in ADAM_FLAGS] + [("AdamW", f) for f in ADAM_FLAGS])


def _run(lib, name, flags, shape, steps=4):
    rng = np.random.default_rng(1)
    w0 = rng.standard_normal(shape)
    c = rng.uniform(0.5, 2.0, shape)
    if lib is lucid:
        w = lucid.tensor(w0, requires_grad=True)  # float64, so the comparison can be tight
        cc = lucid.tensor(c)
    else:
        w = lib.tensor(w0, requires_grad=True)
        cc = lib.tensor(c)
    opt = getattr(lib.optim, name)([w], lr=0.1, **flags)
    for _ in range(steps):
        opt.zero_grad()
        ((w * w * cc).sum() + (w * w * w).sum() * 0.1).backward()  # a gradient that changes every step
        opt.step()
    return w.detach().numpy() if lib is not lucid else w.numpy(), opt


@pytest.mark.parametrize("shape", SHAPES, ids=["0d", "1d", "2d"])
@pytest.mark.parametrize("name, flags", CASES, ids=[f"{n}-{i}" for i, (n, _) in enumerate(CASES)])
def test_optimizer_matches_torch(name, flags, shape, torch):
    mine, opt = _run(lucid, name, flags, shape)
    theirs, _ = _run(torch, name, flags, shape)
    assert mine.shape == theirs.shape
    np.testing.assert_allclose(mine, theirs, rtol=1e-10, atol=1e-12)
    for value in opt.state[opt.param_groups[0]["params"][0]].values() if opt.state else ():
        if not isinstance(value, int):  # every state entry stays an array that step() can update in place
            assert isinstance(value, np.ndarray) and value.shape == shape


def test_sgd_momentum_on_a_0d_parameter_trust_one_case(torch):
    # Trust I #3: lucid gave 0.188, PyTorch 0.062
    w = lucid.tensor(1.0, requires_grad=True)
    tw = torch.tensor(1.0, requires_grad=True)
    opt, topt = optim.SGD([w], lr=0.1, momentum=0.9), torch.optim.SGD([tw], lr=0.1, momentum=0.9)
    for _ in range(3):
        opt.zero_grad(); topt.zero_grad()
        (w * w).backward(); (tw * tw).backward()
        opt.step(); topt.step()
    assert math.isclose(float(w.item()), float(tw.item()), rel_tol=1e-6)
    assert round(float(w.item()), 3) == 0.062


def test_state_round_trip_of_a_0d_buffer_keeps_updating_in_place(torch):
    w = lucid.tensor(1.0, requires_grad=True)
    opt = optim.SGD([w], lr=0.1, momentum=0.9)
    (w * w).backward(); opt.step()
    sd = opt.state_dict()
    sd["state"][0]["momentum_buffer"] = np.float32(sd["state"][0]["momentum_buffer"])  # a scalar, as some savers give
    opt2 = optim.SGD([w], lr=0.1, momentum=0.9)
    opt2.load_state_dict(sd)
    buf = opt2.state[w]["momentum_buffer"]
    assert isinstance(buf, np.ndarray) and buf.shape == ()
    w.grad = None; (w * w).backward(); opt2.step()
    assert opt2.state[w]["momentum_buffer"] is buf  # updated in place, not rebound


# ------------------------------------------------------------------ schedulers
SCHEDULERS = {
    "StepLR": dict(step_size=2, gamma=0.5),
    "CosineAnnealingLR": dict(T_max=4, eta_min=0.01),
}


def _resume(lib, name, kwargs, before, after):
    w = (lucid.zeros(1, requires_grad=True) if lib is lucid else lib.zeros(1, requires_grad=True))
    opt = lib.optim.SGD([w], lr=0.1)
    sched = getattr(lib.optim.lr_scheduler, name)(opt, **kwargs)
    for _ in range(before):
        opt.step(); sched.step()
    osd, ssd = opt.state_dict(), sched.state_dict()
    w2 = (lucid.zeros(1, requires_grad=True) if lib is lucid else lib.zeros(1, requires_grad=True))
    opt2 = lib.optim.SGD([w2], lr=0.1)
    opt2.load_state_dict(osd)
    sched2 = getattr(lib.optim.lr_scheduler, name)(opt2, **kwargs)
    sched2.load_state_dict(ssd)
    trace = [(opt2.param_groups[0]["lr"], sched2.get_last_lr()[0])]
    for _ in range(after):
        opt2.step(); sched2.step()
        trace.append((opt2.param_groups[0]["lr"], sched2.get_last_lr()[0]))
    return trace


@pytest.mark.parametrize("name", sorted(SCHEDULERS))
@pytest.mark.parametrize("before", [1, 3, 4, 5])
def test_scheduler_resume_matches_torch(name, before, torch):
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        theirs = _resume(torch, name, SCHEDULERS[name], before, 10)
    mine = _resume(lucid, name, SCHEDULERS[name], before, 10)
    np.testing.assert_allclose(np.array(mine), np.array(theirs), rtol=1e-12)
    assert mine[0][0] == mine[0][1]  # the optimizer's rate and get_last_lr agree right after resuming


@pytest.mark.parametrize("name", sorted(SCHEDULERS))
def test_scheduler_with_last_epoch_matches_torch(name, torch):
    import warnings

    def run(lib):
        w = lucid.zeros(1, requires_grad=True) if lib is lucid else lib.zeros(1, requires_grad=True)
        opt = lib.optim.SGD([w], lr=0.1)
        opt.param_groups[0]["initial_lr"] = 0.2
        sched = getattr(lib.optim.lr_scheduler, name)(opt, last_epoch=2, **SCHEDULERS[name])
        out = [opt.param_groups[0]["lr"]]
        for _ in range(6):
            opt.step(); sched.step(); out.append(opt.param_groups[0]["lr"])
        return out

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        theirs = run(torch)
    np.testing.assert_allclose(run(lucid), theirs, rtol=1e-12)


def test_resume_without_initial_lr_raises_like_torch(torch):
    w = lucid.zeros(1, requires_grad=True)
    with pytest.raises(KeyError, match="initial_lr"):
        optim.lr_scheduler.StepLR(optim.SGD([w], lr=0.1), step_size=1, last_epoch=3)
    with pytest.raises(KeyError, match="initial_lr"):
        torch.optim.lr_scheduler.StepLR(torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=0.1),
                                        step_size=1, last_epoch=3)


@pytest.mark.parametrize("name, kwargs, steps", [
    ("StepLR", dict(step_size=1, gamma=0.5), 2),
    ("StepLR", dict(step_size=2, gamma=0.1), 7),
    ("CosineAnnealingLR", dict(T_max=6), 6),
    ("CosineAnnealingLR", dict(T_max=3), 5),  # reaches the bottom of the cosine: an error in both
])
def test_group_added_after_the_scheduler_is_scheduled_too(name, kwargs, steps, torch):
    import warnings

    def run(lib):
        mk = (lambda: lucid.zeros(1, requires_grad=True)) if lib is lucid else (lambda: lib.zeros(1, requires_grad=True))
        opt = lib.optim.SGD([mk()], lr=1.0)
        sched = getattr(lib.optim.lr_scheduler, name)(opt, **kwargs)
        opt.add_param_group({"params": [mk()], "lr": 0.1})  # "unfreeze the backbone"
        trace = []
        try:
            for _ in range(steps):
                opt.step(); sched.step()
                trace.append([g["lr"] for g in opt.param_groups])
        except Exception as exc:  # noqa: BLE001
            trace.append(type(exc).__name__)
        return trace

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        theirs = run(torch)
    mine = run(lucid)
    assert len(mine) == len(theirs)
    for a, b in zip(mine, theirs):
        if isinstance(b, str):
            assert a == b
        else:
            np.testing.assert_allclose(a, b, rtol=1e-12)


def test_issue_example_late_group_decays(torch):
    w, v = lucid.zeros(1, requires_grad=True), lucid.zeros(1, requires_grad=True)
    opt = optim.SGD([w], lr=1.0)
    sched = optim.lr_scheduler.StepLR(opt, step_size=1, gamma=0.5)
    opt.add_param_group({"params": [v], "lr": 0.1})
    for _ in range(2):
        opt.step(); sched.step()
    np.testing.assert_allclose([g["lr"] for g in opt.param_groups], [0.25, 0.025])
    assert sched.get_last_lr() == [g["lr"] for g in opt.param_groups]


# ------------------------------------------------------------------ add_param_group and validation
def test_add_param_group_errors_match_torch(torch):
    w, tw = lucid.zeros(1, requires_grad=True), torch.zeros(1, requires_grad=True)
    opt, topt = optim.SGD([w], lr=0.1), torch.optim.SGD([tw], lr=0.1)
    groups = [
        ({"lr": 0.1}, {"lr": 0.1}),
        ({"params": {lucid.zeros(1, requires_grad=True)}}, {"params": {torch.zeros(1, requires_grad=True)}}),
        ({"params": [w]}, {"params": [tw]}),
        (3, 3),
        ({"params": [3]}, {"params": [3]}),
    ]
    for mine, theirs in groups:
        kinds = []
        for o, g in ((opt, mine), (topt, theirs)):
            try:
                o.add_param_group(g)
                kinds.append("ok")
            except Exception as exc:  # noqa: BLE001
                kinds.append(type(exc).__name__)
        assert kinds[0] == kinds[1] != "ok", (mine, kinds)
    with pytest.raises(KeyError, match="'params'"):
        opt.add_param_group({"lr": 0.1})
    with pytest.raises(TypeError, match="got a set"):
        opt.add_param_group({"params": {lucid.zeros(1, requires_grad=True)}})
    # an empty group and a single tensor are fine, as in PyTorch
    opt.add_param_group({"params": []})
    opt.add_param_group({"params": lucid.zeros(1, requires_grad=True), "lr": 0.5})
    assert [g["lr"] for g in opt.param_groups] == [0.1, 0.1, 0.5]


BAD_HYPER = [
    ("SGD", dict(lr=float("nan")), "Invalid learning rate: nan"),
    ("SGD", dict(lr=-0.1), "Invalid learning rate: -0.1"),
    ("SGD", dict(lr=0.1, momentum=float("nan")), "Invalid momentum value: nan"),
    ("SGD", dict(lr=0.1, momentum=-0.5), "Invalid momentum value: -0.5"),
    ("SGD", dict(lr=0.1, weight_decay=float("nan")), "Invalid weight_decay value: nan"),
    ("SGD", dict(lr=0.1, weight_decay=-1.0), "Invalid weight_decay value: -1.0"),
    ("SGD", dict(lr=0.1, dampening=float("nan")), "Invalid dampening value: nan"),
    ("Adam", dict(lr=float("nan")), "Invalid learning rate: nan"),
    ("Adam", dict(lr=-1.0), "Invalid learning rate: -1.0"),
    ("Adam", dict(eps=float("nan")), "Invalid epsilon value: nan"),
    ("Adam", dict(eps=-1e-8), "Invalid epsilon value: -1e-08"),
    ("Adam", dict(weight_decay=float("nan")), "Invalid weight_decay value: nan"),
    ("Adam", dict(betas=(float("nan"), 0.9)), "Invalid beta parameter at index 0: nan"),
    ("Adam", dict(betas=(0.9, 1.0)), "Invalid beta parameter at index 1: 1.0"),
    ("Adam", dict(betas=(-0.1, 0.9)), "Invalid beta parameter at index 0: -0.1"),
    ("AdamW", dict(lr=float("nan")), "Invalid learning rate: nan"),
    ("AdamW", dict(weight_decay=-0.01), "Invalid weight_decay value: -0.01"),
]


@pytest.mark.parametrize("name, kwargs, message", BAD_HYPER)
def test_invalid_hyper_parameters_raise(name, kwargs, message, torch):
    with pytest.raises(ValueError, match=message.replace("(", r"\(")):
        getattr(optim, name)([lucid.zeros(1, requires_grad=True)], **kwargs)
    # PyTorch raises the same message, except where its SGD tests ``x < 0`` and so lets nan through
    # (every weight is nan after the first step); lucid refuses nan there too.
    nan_in_sgd = name == "SGD" and any(isinstance(v, float) and math.isnan(v) for v in kwargs.values())
    if not nan_in_sgd:
        with pytest.raises(ValueError, match=message.replace("(", r"\(")):
            getattr(torch.optim, name)([torch.zeros(1, requires_grad=True)], **kwargs)


def test_infinite_learning_rate_is_accepted_as_in_torch(torch):
    optim.SGD([lucid.zeros(1, requires_grad=True)], lr=float("inf"))
    torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=float("inf"))
