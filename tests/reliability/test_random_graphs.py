"""Random compositions of ops, run in lucid and in PyTorch from the same inputs: outputs and every
input gradient must agree (float64, 1e-8).

Hypothesis draws a starting shape, then a chain of steps; each step applies
one op from ``STEPS`` (elementwise, broadcasting with a fresh input,
reductions over random axes, reshapes and permutes, matmul, indexing with
repeated indices, relu/sigmoid/tanh, nn.SEModule) to the running value.
The chain ends in a weighted sum so backward starts from a scalar.

Examples per run: ``LUCID_RANDOM_GRAPHS`` (default 1000, derandomised so CI
is repeatable); set it to e.g. 20000 for a longer, nightly-style search.
"""
from __future__ import annotations

import os

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import lucid

EXAMPLES = int(os.environ.get("LUCID_RANDOM_GRAPHS", "1000"))

torch = pytest.importorskip("torch") if not os.environ.get("CI") else __import__("torch")


class Program:
    """Builds the same computation twice: in lucid and in torch, input by input."""

    def __init__(self, rng: np.random.Generator):
        self.rng = rng
        self.inputs_np: list[np.ndarray] = []
        self.lucid_inputs: list[lucid.Tensor] = []
        self.torch_inputs: list = []

    def new_input(self, shape, positive: bool = False):
        values = self.rng.standard_normal(shape)
        if positive:
            values = np.abs(values) + 0.5
        self.inputs_np.append(values)
        lt = lucid.tensor(values, requires_grad=True)
        tt = torch.tensor(values, requires_grad=True)
        self.lucid_inputs.append(lt)
        self.torch_inputs.append(tt)
        return lt, tt


def _broadcast_partner(shape, data):
    """A shape that broadcasts against ``shape``: some axes set to 1, maybe fewer leading axes."""
    drop = data.draw(st.integers(0, len(shape)), label="drop leading axes")
    partner = list(shape[drop:])
    for i in range(len(partner)):
        if data.draw(st.booleans(), label=f"axis {i} to 1"):
            partner[i] = 1
    return tuple(partner)


def step_unary(name):
    lucid_fn = {"relu": lucid.relu, "sigmoid": lucid.sigmoid, "tanh": lucid.tanh, "neg": lucid.neg,
                "sin": lucid.sin, "square": lambda t: t * t, "softplus": lucid.softplus,
                "exp_tanh": lambda t: lucid.exp(lucid.tanh(t))}[name]
    torch_fn = {"relu": torch.relu, "sigmoid": torch.sigmoid, "tanh": torch.tanh, "neg": torch.neg,
                "sin": torch.sin, "square": lambda t: t * t, "softplus": torch.nn.functional.softplus,
                "exp_tanh": lambda t: torch.exp(torch.tanh(t))}[name]

    def run(prog, lv, tv, data):
        return lucid_fn(lv), torch_fn(tv)

    return run


def step_binary(name):
    def run(prog, lv, tv, data):
        shape = _broadcast_partner(lv.shape, data)
        if data.draw(st.booleans(), label="partner first"):
            # sometimes the fresh input is the bigger one
            shape = lv.shape
        lo, to = prog.new_input(shape, positive=(name == "div"))
        if name == "add":
            return lv + lo, tv + to
        if name == "sub":
            return lo - lv, to - tv
        if name == "mul":
            return lv * lo, tv * to
        if name == "div":
            return lv / lo, tv / to
        return lucid.maximum(lv, lo), torch.maximum(tv, to)

    return run


def step_reduce(name):
    def run(prog, lv, tv, data):
        if lv.ndim == 0:
            return lv, tv
        axis = data.draw(st.integers(0, lv.ndim - 1), label="axis")
        keep = data.draw(st.booleans(), label="keepdims")
        if name == "sum":
            return lv.sum(axis=axis, keepdims=keep), tv.sum(dim=axis, keepdim=keep)
        if name == "mean":
            return lv.mean(axis=axis, keepdims=keep), tv.mean(dim=axis, keepdim=keep)
        if name == "amax":
            return lv.amax(axis=axis, keepdims=keep), tv.amax(dim=axis, keepdim=keep)
        if name == "logsumexp":
            return lv.logsumexp(axis=axis, keepdims=keep), tv.logsumexp(dim=axis, keepdim=keep)
        return lv.softmax(axis=axis), tv.softmax(dim=axis)

    return run


def step_shape(name):
    def run(prog, lv, tv, data):
        if name == "flatten":
            return lv.reshape(-1), tv.reshape(-1)
        if name == "permute":
            perm = tuple(data.draw(st.permutations(range(lv.ndim)), label="perm"))
            return lv.permute(*perm), tv.permute(perm)
        if name == "unsqueeze_expand":
            return lv.unsqueeze(0).expand(2, *lv.shape), tv.unsqueeze(0).expand(2, *tv.shape)
        if name == "getitem_repeat":
            if lv.ndim == 0 or lv.shape[0] == 0:
                return lv, tv
            idx = data.draw(st.lists(st.integers(0, lv.shape[0] - 1), min_size=1, max_size=5), label="index")
            return lv[idx], tv[idx]
        if lv.ndim == 0 or lv.shape[-1] < 2:  # slice
            return lv, tv
        return lv[..., 1:], tv[..., 1:]

    return run


def step_matmul(prog, lv, tv, data):
    if lv.ndim == 0:
        return lv, tv
    k = data.draw(st.integers(1, 3), label="k")
    lo, to = prog.new_input((lv.shape[-1], k))
    return lv @ lo, tv @ to


def step_se(prog, lv, tv, data):
    """nn.SEModule on a (N, C, L) view of the value, with the same weights in torch."""
    import lucid.nn as nn

    if lv.ndim == 0 or lv.size < 2:
        return lv, tv
    flat_l, flat_t = lv.reshape(1, 1, -1), tv.reshape(1, 1, -1)
    se = nn.SEModule(1, reduction=1).double()
    w = [p.numpy() for p in (se.fc1.weight, se.fc1.bias, se.fc2.weight, se.fc2.bias)]
    tw = [torch.tensor(a) for a in w]
    s = flat_t.mean(dim=2)
    gate = torch.sigmoid(torch.relu(s @ tw[0].T + tw[1]) @ tw[2].T + tw[3])
    return se(flat_l), flat_t * gate[..., None]


STEPS = {
    **{f"unary:{n}": step_unary(n) for n in ("relu", "sigmoid", "tanh", "neg", "sin", "square", "softplus", "exp_tanh")},
    **{f"binary:{n}": step_binary(n) for n in ("add", "sub", "mul", "div", "maximum")},
    **{f"reduce:{n}": step_reduce(n) for n in ("sum", "mean", "amax", "logsumexp", "softmax")},
    **{f"shape:{n}": step_shape(n) for n in ("flatten", "permute", "unsqueeze_expand", "getitem_repeat", "slice")},
    "matmul": step_matmul,
    "se_module": step_se,
}

shapes = st.lists(st.integers(1, 4), min_size=0, max_size=3).map(tuple)


@settings(max_examples=EXAMPLES, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(shape=shapes, names=st.lists(st.sampled_from(sorted(STEPS)), min_size=1, max_size=5), data=st.data(),
       seed=st.integers(0, 2**16))
def test_random_graph_matches_torch(shape, names, data, seed):
    prog = Program(np.random.default_rng(seed))
    lv, tv = prog.new_input(shape)
    for name in names:
        lv, tv = STEPS[name](prog, lv, tv, data)
        assert lv.shape == tuple(tv.shape), f"after {name}: lucid {lv.shape} vs torch {tuple(tv.shape)}"
    weights = prog.rng.standard_normal(lv.shape)
    (lv * lucid.tensor(weights)).sum().backward()
    (tv * torch.tensor(weights)).sum().backward()
    np.testing.assert_allclose(lv.numpy(), tv.detach().numpy(), rtol=1e-8, atol=1e-10, err_msg=f"forward of {names}")
    for i, (li, ti) in enumerate(zip(prog.lucid_inputs, prog.torch_inputs)):
        expected = np.zeros(ti.shape) if ti.grad is None else ti.grad.numpy()
        actual = np.zeros(li.shape) if li.grad is None else li.grad
        np.testing.assert_allclose(actual, expected, rtol=1e-8, atol=1e-10, err_msg=f"grad of input {i} in {names}")
