"""Module backward hooks (register_full_backward_hook / _pre_hook) against PyTorch's semantics."""
import numpy as np
import pytest

import lucid
from lucid import nn


def _np(g):
    if g is None:
        return None
    return g.detach().numpy() if hasattr(g, "detach") else np.asarray(g)


def _linear_pair(torch):
    rng = np.random.default_rng(0)
    w, b = rng.standard_normal((3, 4)).astype(np.float32), rng.standard_normal(3).astype(np.float32)
    lin, tlin = nn.Linear(4, 3), torch.nn.Linear(4, 3)
    lin.load_state_dict({"weight": w, "bias": b})
    tlin.load_state_dict({"weight": torch.tensor(w), "bias": torch.tensor(b)})
    x = rng.standard_normal((2, 4)).astype(np.float32)
    return lin, tlin, x


def _record(log):
    def hook(module, grad_input, grad_output):
        log.append(("full", type(module).__name__, [_np(g) for g in grad_input], [_np(g) for g in grad_output]))
    return hook


def _assert_logs_equal(mine, theirs):
    assert len(mine) == len(theirs)
    for a, b in zip(mine, theirs):
        assert a[:2] == b[:2]
        for ga, gb in zip(a[2:], b[2:]):
            assert len(ga) == len(gb)
            for x, y in zip(ga, gb):
                assert (x is None) == (y is None)
                if x is not None:
                    np.testing.assert_allclose(x, y, rtol=1e-5, atol=1e-6)


def test_linear_hook_sees_torchs_gradients(torch):
    lin, tlin, x = _linear_pair(torch)
    mine, theirs = [], []
    lin.register_full_backward_hook(_record(mine))
    tlin.register_full_backward_hook(_record(theirs))
    xs, tx = lucid.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    (lin(xs) ** 2).sum().backward()
    (tlin(tx) ** 2).sum().backward()
    _assert_logs_equal(mine, theirs)
    np.testing.assert_allclose(xs.grad, tx.grad.numpy(), rtol=1e-5)
    np.testing.assert_allclose(lin.weight.grad, tlin.weight.grad.numpy(), rtol=1e-5)


def test_replacing_grad_input_and_grad_output(torch):
    for kind in ("full", "pre"):
        lin, tlin, x = _linear_pair(torch)
        if kind == "full":
            lin.register_full_backward_hook(lambda m, gi, go: (gi[0] * 10,))
            tlin.register_full_backward_hook(lambda m, gi, go: (gi[0] * 10,))
        else:
            lin.register_full_backward_pre_hook(lambda m, go: (go[0] * -2,))
            tlin.register_full_backward_pre_hook(lambda m, go: (go[0] * -2,))
        xs, tx = lucid.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
        (lin(xs) ** 2).sum().backward()
        (tlin(tx) ** 2).sum().backward()
        np.testing.assert_allclose(xs.grad, tx.grad.numpy(), rtol=1e-5)
        np.testing.assert_allclose(lin.weight.grad, tlin.weight.grad.numpy(), rtol=1e-5)


def test_pre_hook_then_full_hook_order_and_values(torch):
    logs = []
    for lib, module in ((lucid, None), (torch, None)):
        log = []
        act = lib.nn.Tanh()
        act.register_full_backward_pre_hook(lambda m, go, log=log: log.append(("pre", [_np(g) for g in go])))
        act.register_full_backward_pre_hook(lambda m, go: (go[0] * 3,))
        act.register_full_backward_hook(_record(log))
        x = lib.tensor([0.5, -1.0, 2.0], requires_grad=True)
        act(x).sum().backward()
        log.append(("x", [_np(x.grad)]))
        logs.append(log)
    mine, theirs = logs
    assert [e[0] for e in mine] == [e[0] for e in theirs] == ["pre", "full", "x"]
    np.testing.assert_allclose(mine[0][1][0], theirs[0][1][0])
    _assert_logs_equal(mine[1:2], theirs[1:2])
    np.testing.assert_allclose(mine[2][1][0], theirs[2][1][0], rtol=1e-6)


class _TwoIn:
    """A module with two tensor inputs, a constant and a tuple output, in either library."""

    @staticmethod
    def make(lib):
        class TwoIn(lib.nn.Module):
            def forward(self, a, scale, b, c):
                return a * b * scale + c, a - b

        return TwoIn()


@pytest.mark.parametrize("b_requires_grad", [True, False])
def test_several_inputs_and_outputs(b_requires_grad, torch):
    rng = np.random.default_rng(1)
    a, b, c = (rng.standard_normal(3).astype(np.float32) for _ in range(3))
    logs, grads = [], []
    for lib in (lucid, torch):
        log = []
        m = _TwoIn.make(lib)
        m.register_full_backward_hook(_record(log))
        ta = lib.tensor(a, requires_grad=True)
        tb = lib.tensor(b, requires_grad=b_requires_grad)
        tc = lib.tensor(c)
        out1, out2 = m(ta, 2.0, tb, tc)
        ((out1 * out1).sum() + (out2 * 3).sum()).backward()
        logs.append(log)
        grads.append(_np(ta.grad))
    _assert_logs_equal(*logs)
    np.testing.assert_allclose(grads[0], grads[1], rtol=1e-5)
    # as PyTorch: None for the constant, zeros for a tensor that gets no gradient
    assert logs[0][0][2][1] is None and not logs[0][0][2][3].any()


def test_unused_output_gives_none_grad_output(torch):
    logs = []
    for lib in (lucid, torch):
        log = []
        m = _TwoIn.make(lib)
        m.register_full_backward_hook(_record(log))
        ta, tb = lib.tensor([1.0, 2.0], requires_grad=True), lib.tensor([3.0, 4.0], requires_grad=True)
        out1, _ = m(ta, 1.0, tb, lib.tensor([0.0, 0.0]))
        out1.sum().backward()
        logs.append(log)
    _assert_logs_equal(*logs)


def test_no_input_requires_grad(torch):
    logs = []
    for lib in (lucid, torch):
        log = []
        lin = lib.nn.Linear(2, 2)
        lin.register_full_backward_hook(_record(log))
        lin(lib.ones((1, 2))).sum().backward()
        logs.append(log)
    assert logs[0][0][2] == [None] == [g for g in logs[1][0][2]]
    np.testing.assert_allclose(logs[0][0][3][0], logs[1][0][3][0])
    lin = nn.Linear(2, 2)
    lin.register_full_backward_hook(lambda m, gi, go: (lucid.ones((1, 2)).data,))
    with pytest.raises(RuntimeError, match="must return None"):
        lin(lucid.ones((1, 2))).sum().backward()


def test_sequential_hook_order_matches_torch(torch):
    orders = []
    for lib in (lucid, torch):
        order = []
        model = lib.nn.Sequential(lib.nn.Linear(2, 3), lib.nn.Tanh(), lib.nn.Linear(3, 1))
        for name, m in model.named_children():
            m.register_full_backward_hook(lambda mod, gi, go, name=name: order.append(name))
        model.register_full_backward_hook(lambda mod, gi, go: order.append("model"))
        model(lib.ones((4, 2), requires_grad=True)).sum().backward()
        orders.append(order)
    assert orders[0] == orders[1] == ["2", "1", "0", "model"]


def test_wrong_number_of_grads_is_an_error():
    lin = nn.Linear(2, 2)
    lin.register_full_backward_hook(lambda m, gi, go: (gi[0], gi[0]))
    with pytest.raises(RuntimeError, match="returned 2 grad_input"):
        lin(lucid.ones((1, 2), requires_grad=True)).sum().backward()


def test_remove_and_retain_graph():
    calls = []
    act = nn.Sigmoid()
    handle = act.register_full_backward_hook(lambda m, gi, go: calls.append(gi[0].copy()))
    x = lucid.tensor([0.0, 1.0], requires_grad=True)
    y = act(x).sum()
    y.backward(retain_graph=True)
    y.backward()
    assert len(calls) == 2
    np.testing.assert_allclose(calls[0], calls[1])
    np.testing.assert_allclose(x.grad, 2 * calls[0])
    handle.remove()
    act(x).sum().backward()
    assert len(calls) == 2


def test_modules_without_backward_hooks_are_untouched():
    lin = nn.Linear(2, 2)
    out = lin(lucid.ones((1, 2), requires_grad=True))
    assert type(out.grad_fn).__name__ != "BackwardHookFunction" and "BackwardHook" not in repr(out.grad_fn)
    lin.register_full_backward_hook(lambda m, gi, go: None)
    assert "BackwardHookFunction" in repr(lin(lucid.ones((1, 2), requires_grad=True)).grad_fn)
    with lucid.no_grad():  # nothing recorded, nothing wrapped
        assert lin(lucid.ones((1, 2))).grad_fn is None
    with pytest.raises(TypeError, match="hook must be callable"):
        lin.register_full_backward_hook(3)


def test_hook_output_is_the_same_memory():
    act = nn.Identity()
    act.register_full_backward_hook(lambda m, gi, go: None)
    x = lucid.tensor([1.0, 2.0], requires_grad=True)
    y = act(x)
    assert y.data is x.data
