"""Helpers shared by the op tests: make tensors on a device, gradcheck them, compare with PyTorch."""
from __future__ import annotations

import numpy as np
from hypothesis import HealthCheck, settings

import lucid
from lucid.autograd import gradcheck

# Deterministic and quick: the same examples on every run (CI included).
SETTINGS = settings(max_examples=25, deadline=None, derandomize=True,
                    suppress_health_check=[HealthCheck.function_scoped_fixture])


def rng(seed: int = 0) -> np.random.Generator:
    return np.random.default_rng(seed)


def randn(*shape, seed: int = 0, low: float | None = None) -> np.ndarray:
    """float64 normal samples (or uniform in [low, low + 2) when ``low`` is given)."""
    g = rng(seed)
    if low is not None:
        return low + 2 * g.random(shape)
    return g.standard_normal(shape)


def t(array, device: str, requires_grad: bool = False) -> lucid.Tensor:
    return lucid.tensor(np.asarray(array), device=device, requires_grad=requires_grad)


def check_grad(fn, arrays, device: str, **kw) -> None:
    """gradcheck ``fn`` on float64 tensors of ``arrays`` on ``device`` (every input requires grad)."""
    inputs = [t(np.asarray(a, dtype=np.float64), device, requires_grad=True) for a in arrays]
    assert gradcheck(fn, inputs, **kw) is True


def check_forward(fn, expected, arrays, device: str, rtol: float = 1e-12, atol: float = 1e-12):
    """``fn`` on tensors of ``arrays`` on ``device`` equals ``expected`` (NumPy result), dtype and shape too."""
    out = fn(*[t(a, device) for a in arrays])
    assert out.device == device
    got = out.numpy()
    expected = np.asarray(expected)
    assert got.shape == expected.shape, (got.shape, expected.shape)
    assert got.dtype == expected.dtype, (got.dtype, expected.dtype)
    np.testing.assert_allclose(got, expected, rtol=rtol, atol=atol)
    return out


def torch_parity(torch, lucid_fn, torch_fn, arrays, tol: float = 1e-10, seed: int = 1) -> None:
    """float64 forward values and gradients of every input agree with PyTorch's."""
    arrays = [np.asarray(a, dtype=np.float64) for a in arrays]
    xs = [lucid.tensor(a, requires_grad=True) for a in arrays]
    ts = [torch.tensor(a, requires_grad=True) for a in arrays]
    out, ref = lucid_fn(*xs), torch_fn(*ts)
    outs = out if isinstance(out, (list, tuple)) else [out]
    refs = ref if isinstance(ref, (list, tuple)) else [ref]
    assert len(outs) == len(refs)
    g = rng(seed)
    weights = [g.standard_normal(r.shape) for r in refs]
    for o, r in zip(outs, refs):
        assert o.shape == tuple(r.shape)
        np.testing.assert_allclose(o.numpy(), r.detach().numpy(), rtol=tol, atol=tol)
    loss = sum((o * lucid.tensor(w)).sum() for o, w in zip(outs, weights))
    loss.backward()
    torch_loss = sum((r * torch.tensor(w)).sum() for r, w in zip(refs, weights))
    torch_loss.backward()
    for x, tx in zip(xs, ts):
        expected = np.zeros(x.shape) if tx.grad is None else tx.grad.numpy()
        got = np.zeros(x.shape) if x.grad is None else x.grad
        np.testing.assert_allclose(got, expected, rtol=tol, atol=tol)


def host(array) -> np.ndarray:
    """A backend array (e.g. ``x.grad``) as a NumPy array."""
    assert array is not None
    return lucid.backend.to_host(array)
