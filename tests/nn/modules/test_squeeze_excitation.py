"""lucid/nn/modules/squeeze_excitation.py: SEModule against PyTorch (cases a, b, c), its errors, 1-D/2-D/3-D inputs."""
import pathlib

import numpy as np
import pytest

import lucid
from lucid import nn
from lucid.autograd import gradcheck

from lucid.nn.functional.pooling import adaptive_avg_pool

from .._util import copy_linear, host, rng, t

DATA = pathlib.Path(__file__).parent / "data"

DTYPES = [("float32", 1e-5), ("float64", 1e-10)]
SHAPES = {1: (4, 32, 7), 2: (3, 32, 6, 5), 3: (2, 32, 3, 4, 5)}


def _torch_se(torch, se, dtype):
    """The SE block written in PyTorch with lucid's weights: pool, fc1, ReLU, fc2, Sigmoid, scale."""
    fc1, fc2 = copy_linear(torch, se.fc1, dtype), copy_linear(torch, se.fc2, dtype)

    def forward(x):
        s = x.mean(dim=tuple(range(2, x.ndim)))
        g = torch.sigmoid(fc2(torch.relu(fc1(s))))
        return x * g.reshape(g.shape + (1,) * (x.ndim - 2))

    return forward, {"fc1.weight": fc1.weight, "fc1.bias": fc1.bias, "fc2.weight": fc2.weight, "fc2.bias": fc2.bias}


def _compare(torch, module, torch_forward, torch_params, shape, dtype, tol, device="cpu"):
    """Forward, dL/dx and dL/d(every parameter) agree, for a random upstream gradient."""
    g = rng(sum(shape))
    x = g.standard_normal(shape).astype(dtype)
    w = g.standard_normal(shape).astype(dtype)
    xl = t(x, device, requires_grad=True)
    xt = torch.tensor(x, requires_grad=True)
    y, yt = module(xl), torch_forward(xt)
    assert y.shape == shape and y.dtype == np.dtype(dtype) and y.device == device
    np.testing.assert_allclose(y.numpy(), yt.detach().numpy(), rtol=tol, atol=tol)
    (y * t(w, device)).sum().backward()
    (yt * torch.tensor(w)).sum().backward()
    np.testing.assert_allclose(host(xl.grad), xt.grad.numpy(), rtol=tol, atol=tol)
    named = dict(module.named_parameters())
    assert set(named) == {k for k, v in torch_params.items() if v is not None}
    for name, p in named.items():
        np.testing.assert_allclose(host(p.grad), torch_params[name].grad.numpy(), rtol=tol, atol=tol, err_msg=name)


@pytest.mark.parametrize("dtype, tol", DTYPES)
@pytest.mark.parametrize("dims", [1, 2, 3])
def test_case_a_with_biases(torch, device, dtype, tol, dims):
    se = nn.SEModule(32, reduction=4).to(device, dtype)
    assert se.hidden_channels == 8
    forward, params = _torch_se(torch, se, getattr(torch, dtype))
    _compare(torch, se, forward, params, SHAPES[dims], dtype, tol, device)


@pytest.mark.parametrize("dtype, tol", DTYPES)
def test_case_b_bias_free_with_the_clamp(torch, device, dtype, tol):
    se = nn.SEModule(4, reduction=16, bias=False).to(device, dtype)
    assert se.hidden_channels == 1  # max(1, 4 // 16)
    assert list(se.state_dict()) == ["fc1.weight", "fc2.weight"]
    assert se.fc1.weight.shape == (1, 4) and se.fc2.weight.shape == (4, 1)
    forward, params = _torch_se(torch, se, getattr(torch, dtype))
    _compare(torch, se, forward, params, (5, 4, 6, 7), dtype, tol, device)


@pytest.mark.parametrize("dtype, tol", DTYPES)
def test_case_c_composed_by_hand(torch, device, dtype, tol):
    C, r = 32, 4
    seq = nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(C, C // r, bias=False), nn.ReLU(),
                        nn.Linear(C // r, C), nn.Sigmoid(), nn.Unflatten(1, (C, 1, 1))).to(device, dtype)
    tnn = torch.nn
    tdtype = getattr(torch, dtype)
    tseq = tnn.Sequential(tnn.AdaptiveAvgPool2d(1), tnn.Flatten(), copy_linear(torch, seq[2], tdtype), tnn.ReLU(),
                          copy_linear(torch, seq[4], tdtype), tnn.Sigmoid(), tnn.Unflatten(1, (C, 1, 1)))
    assert repr(seq) == repr(tseq)
    block = nn.Module()
    block.seq = seq
    block.forward = lambda x: x * seq(x)
    torch_params = {f"seq.{k}": v for k, v in tseq.named_parameters()}
    _compare(torch, block, lambda x: x * tseq(x), torch_params, (3, C, 5, 6), dtype, tol, device)

    # the same numbers as nn.SEModule (bias=False on fc1 only is the one difference: give SEModule that bias = 0)
    se = nn.SEModule(C, r).to(device, dtype)
    se.load_state_dict({"fc1.weight": seq[2].weight.numpy(), "fc1.bias": np.zeros(C // r),
                        "fc2.weight": seq[4].weight.numpy(), "fc2.bias": seq[4].bias.numpy()})
    x = t(rng(9).standard_normal((2, C, 4, 4)).astype(dtype), device)
    np.testing.assert_allclose(se(x).numpy(), (x * seq(x)).numpy(), rtol=tol, atol=tol)


def test_gradcheck_float64(device):
    se = nn.SEModule(6, reduction=2).double().to(device)
    x = t(rng(3).standard_normal((2, 6, 3, 2)), device, requires_grad=True)
    assert gradcheck(se, [x])  # with respect to the input, through both paths
    # with respect to every parameter too: the same block written with F and the weights as inputs
    weights = [t(p.numpy(), device, requires_grad=True) for p in se.parameters()]
    assert gradcheck(_functional_se, [x, *weights])
    np.testing.assert_allclose(_functional_se(x, *weights).numpy(), se(x).numpy(), rtol=1e-12, atol=1e-14)


def _functional_se(x, w1, b1, w2, b2):
    F = nn.functional
    s = adaptive_avg_pool(x, 1).flatten(1)  # (N, C, *spatial) -> (N, C, 1, ..., 1) -> (N, C)
    g = F.sigmoid(F.linear(F.relu(F.linear(s, w1, b1)), w2, b2))
    return x * g.reshape(g.shape + (1,) * (x.ndim - 2))


def test_input_gradient_has_two_paths():
    """dL/dx = G * g (through the scale) + (1/P) dL/ds (through the squeeze), as the docstring derives."""
    se = nn.SEModule(8, reduction=2).double()
    x = lucid.tensor(rng(4).standard_normal((2, 8, 3, 3)), requires_grad=True)
    G = rng(5).standard_normal((2, 8, 3, 3))
    (se(x) * lucid.tensor(G)).sum().backward()

    X = x.numpy()
    W1, b1, W2, b2 = (p.numpy() for p in (se.fc1.weight, se.fc1.bias, se.fc2.weight, se.fc2.bias))
    s = X.mean(axis=(2, 3))
    a = s @ W1.T + b1
    z = np.maximum(a, 0)
    g = 1 / (1 + np.exp(-(z @ W2.T + b2)))
    dg = (G * X).sum(axis=(2, 3))
    de = dg * g * (1 - g)
    ds = ((de @ W2) * (a > 0)) @ W1
    expected = G * g[:, :, None, None] + ds[:, :, None, None] / 9
    np.testing.assert_allclose(x.grad, expected, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(se.fc2.weight.grad, de.T @ z, rtol=1e-12, atol=1e-12)


def test_structure_repr_and_parameter_count():
    se = nn.SEModule(in_channels=64, reduction=16)
    assert (se.in_channels, se.reduction, se.hidden_channels) == (64, 16, 4)
    assert [n for n, _ in se.named_children()] == ["pool", "flatten", "fc1", "relu", "fc2", "sigmoid"]
    assert type(se.pool) is nn.AdaptiveAvgPool and se.pool.output_size == 1
    assert type(se.flatten) is nn.Flatten and (se.flatten.start_dim, se.flatten.end_dim) == (1, -1)
    assert list(se.state_dict()) == ["fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias"]
    assert sum(p.size for p in se.parameters()) == 2 * 64 * 4 + 64 + 4
    assert sum(p.size for p in nn.SEModule(64, 16, bias=False).parameters()) == 2 * 64 * 4
    assert "(fc1): Linear(in_features=64, out_features=4, bias=True)" in repr(se)
    assert repr(se).startswith("SEModule(\n  in_channels=64, reduction=16, hidden_channels=4, bias=True\n")
    for C, r in [(1, 1), (3, 16), (16, 16), (17, 16), (64, 1)]:
        assert nn.SEModule(C, r).hidden_channels == max(1, C // r)


def test_done_when():
    x = lucid.Tensor(np.random.default_rng(0).standard_normal((8, 64, 32, 32)))
    assert nn.SEModule(in_channels=64, reduction=16)(x).shape == (8, 64, 32, 32)


@pytest.mark.parametrize("kwargs, error, message", [
    ({"in_channels": 0}, ValueError, "SEModule: in_channels must be a positive int, got 0"),
    ({"in_channels": -3}, ValueError, "in_channels must be a positive int, got -3"),
    ({"in_channels": 64.0}, TypeError, r"in_channels must be a positive int, got 64.0 \(float\)"),
    ({"in_channels": True}, TypeError, r"in_channels must be a positive int, got True \(bool\)"),
    ({"in_channels": "64"}, TypeError, "in_channels must be a positive int"),
    ({"in_channels": 64, "reduction": 0}, ValueError, "reduction must be a positive int, got 0"),
    ({"in_channels": 64, "reduction": 2.5}, TypeError, "reduction must be a positive int, got 2.5"),
    ({"in_channels": 64, "reduction": False}, TypeError, "reduction must be a positive int, got False"),
    ({"in_channels": 64, "bias": 1}, TypeError, "bias must be True or False, got 1"),
])
def test_constructor_errors(kwargs, error, message):
    with pytest.raises(error, match=message):
        nn.SEModule(**kwargs)


def test_input_errors():
    se = nn.SEModule(64)
    with pytest.raises(ValueError, match=r"^SEModule\(in_channels=64\) got input with 32 channels "
                                         r"\(shape \(8, 32, 16, 16\)\)$"):
        se(lucid.zeros((8, 32, 16, 16)))
    with pytest.raises(ValueError, match=r"got shape \(64, 16\) \(2 axes\).*x\.unsqueeze\(0\)"):
        se(lucid.zeros((64, 16)))
    with pytest.raises(ValueError, match="channel axis and at least one spatial axis"):
        se(lucid.zeros(64))


def test_print_lists_the_adaptive_pool_and_the_flatten(capsys):
    print(nn.SEModule(64))
    assert capsys.readouterr().out == (
        "SEModule(\n"
        "  in_channels=64, reduction=16, hidden_channels=4, bias=True\n"
        "  (pool): AdaptiveAvgPool(output_size=1)\n"
        "  (flatten): Flatten(start_dim=1, end_dim=-1)\n"
        "  (fc1): Linear(in_features=64, out_features=4, bias=True)\n"
        "  (relu): ReLU()\n"
        "  (fc2): Linear(in_features=4, out_features=64, bias=True)\n"
        "  (sigmoid): Sigmoid()\n"
        ")\n"
    )
    assert not any(isinstance(m, nn.GlobalAvgPool) for m in nn.SEModule(64).modules())


@pytest.mark.parametrize("shape", [(8, 64, 32, 32), (8, 64, 17), (2, 64, 3, 4, 5)])
def test_summary_shows_each_step(shape):
    """(N, C, *spatial) -> pool (N, C, *1) -> flatten (N, C) -> fc1 (N, h) -> relu -> fc2 (N, C) -> sigmoid."""
    N, C = shape[:2]
    ones = (1,) * (len(shape) - 2)
    s = nn.summary(nn.SEModule(64, 16), shape)
    assert [(r["name"], r["type"], r["output_shape"], r["params"]) for r in s.rows] == [
        ("", "SEModule", shape, 0),
        ("pool", "AdaptiveAvgPool", (N, C) + ones, 0),
        ("flatten", "Flatten", (N, C), 0),
        ("fc1", "Linear", (N, 4), 260),
        ("relu", "ReLU", (N, 4), 0),
        ("fc2", "Linear", (N, C), 320),
        ("sigmoid", "Sigmoid", (N, C), 0),
    ]
    assert s.total_params == 580
    text = str(s)
    assert "  pool (AdaptiveAvgPool)   " + str(list((N, C) + ones)) in text
    if shape == (8, 64, 32, 32):  # the issue's "done when"
        assert "[8, 64, 1, 1]" in text


def test_checkpoint_saved_before_issue_16_still_loads():
    """A state dict saved by lucid at bb7b7f1 (when the squeeze was a GlobalAvgPool) loads strictly and computes
    the same output it computed then."""
    saved = lucid.load(DATA / "se_checkpoint_bb7b7f1.lucid")
    assert list(saved["state_dict"]) == ["fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias"]
    se = nn.SEModule(16, reduction=4)
    assert list(se.state_dict()) == list(saved["state_dict"])
    result = se.load_state_dict(saved["state_dict"])  # strict by default
    assert not result.missing_keys and not result.unexpected_keys
    np.testing.assert_allclose(se(lucid.tensor(saved["x"])).numpy(), saved["y"], rtol=1e-6, atol=1e-6)
    # and the new block's own state dict round-trips through a file
    y = se(lucid.tensor(saved["x"])).numpy()
    again = nn.SEModule(16, reduction=4)
    buffer = __import__("io").BytesIO()
    lucid.save(se.state_dict(), buffer)
    buffer.seek(0)
    again.load_state_dict(lucid.load(buffer))
    np.testing.assert_array_equal(again(lucid.tensor(saved["x"])).numpy(), y)
