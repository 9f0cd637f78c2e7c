"""Every mistake a student makes gets a clear error: one row per case.

Each row: an id, a function that makes the mistake, the exception type,
and words the message must contain (the argument's name, what was expected,
what was given).  Never a bare NumPy error from deep inside, never a wrong
answer.
"""
from __future__ import annotations

import numpy as np
import pytest

import lucid


def _t(*shape, grad=False, dtype="float32"):
    return lucid.tensor(np.ones(shape), dtype=dtype, requires_grad=grad)


def _backward_twice():
    x = _t(3, grad=True)
    y = (x.exp() * 2).sum()
    y.backward()
    y.backward()


def _inplace_on_saved():
    x = _t(3, grad=True)
    y = x.exp()
    z = y * 2
    y += 1
    del z
    y.sum().backward()


def _inplace_leaf():
    x = _t(3, grad=True)
    x += 1


CORE_CASES = [
    # --- construction ---
    ("tensor from a string", lambda: lucid.tensor("abc"), TypeError, ["str"]),
    ("tensor from None", lambda: lucid.tensor(None), TypeError, ["NoneType"]),
    ("tensor from a ragged list", lambda: lucid.tensor([[1, 2], [3]]), ValueError, ["rectangular"]),
    ("requires_grad on ints", lambda: lucid.tensor([1, 2], requires_grad=True), TypeError, ["floating-point", "int64"]),
    ("bad device name", lambda: lucid.tensor([1.0], device="tpu"), ValueError, ["device", "'tpu'"]),
    ("negative size", lambda: lucid.zeros(-1, 2), ValueError, ["size", "-1"]),
    ("float size", lambda: lucid.ones(2.5), ValueError, ["size", "2.5"]),
    ("seed negative", lambda: lucid.random.seed(-3), ValueError, ["seed", "-3"]),
    # --- shapes ---
    ("matmul inner mismatch", lambda: _t(2, 3) @ _t(4, 5), ValueError, ["matmul", "(2, 3)", "(4, 5)"]),
    ("matmul of a scalar", lambda: lucid.matmul(_t(), _t(3)), ValueError, ["matmul", "()"]),
    ("matmul batch mismatch", lambda: _t(2, 2, 3) @ _t(3, 3, 4), ValueError, ["batch", "(2,)", "(3,)"]),
    ("add not broadcastable", lambda: _t(2, 3) + _t(4), ValueError, ["(2, 3)", "(4,)"]),
    ("mul not broadcastable", lambda: _t(2, 3) * _t(2, 2), ValueError, ["(2, 3)", "(2, 2)"]),
    ("reshape wrong size", lambda: _t(2, 3).reshape(4, 2), ValueError, ["reshape", "(2, 3)", "(4, 2)"]),
    ("reshape two -1", lambda: _t(2, 3).reshape(-1, -1), ValueError, ["-1"]),
    ("axis out of range", lambda: _t(2, 3).sum(axis=2), ValueError, ["axis=2", "2 dimension"]),
    ("axis float", lambda: _t(2, 3).sum(axis=1.0), TypeError, ["axis", "1.0"]),
    ("permute not a permutation", lambda: _t(2, 3).permute(0, 0), ValueError, ["permute", "(0, 0)"]),
    ("concatenate mismatch", lambda: lucid.concatenate([_t(2, 3), _t(2, 4)], axis=0), ValueError, ["(2, 4)", "(2, 3)"]),
    ("stack mismatch", lambda: lucid.stack([_t(2), _t(3)]), ValueError, ["stack", "(3,)", "(2,)"]),
    ("stack of a tensor", lambda: lucid.stack(_t(2)), TypeError, ["list or tuple", "Tensor"]),
    ("broadcast_to impossible", lambda: lucid.broadcast_to(_t(3), (2, 2)), ValueError, ["(3,)", "(2, 2)"]),
    ("split sections wrong", lambda: lucid.split(_t(5), [2, 2]), ValueError, ["[2, 2]", "5"]),
    ("split size zero", lambda: lucid.split(_t(5), 0), ValueError, ["split_size", "0"]),
    ("pad negative", lambda: lucid.pad(_t(2), -1), ValueError, ["pad", "-1"]),
    ("setitem wrong shape", lambda: _t(4).__setitem__(slice(0, 2), _t(3)), ValueError, ["(3,)", "(4,)"]),
    ("inplace bigger rhs", lambda: _t(3).__iadd__(_t(2, 3)), ValueError, ["(2, 3)", "(3,)"]),
    ("index float", lambda: _t(3)[1.5], IndexError, ["float"]),
    ("clip no bounds", lambda: lucid.clip(_t(3)), ValueError, ["min", "max"]),
    ("where non-bool", lambda: lucid.where(_t(3), _t(3), _t(3)), TypeError, ["condition", "bool", "float32"]),
    ("gelu bad approximate", lambda: lucid.gelu(_t(2), approximate="fast"), ValueError, ["approximate", "'fast'"]),
    ("item of many", lambda: _t(3).item(), ValueError, ["item", "(3,)"]),
    ("bool of many", lambda: bool(_t(3)), RuntimeError, ["ambiguous", "3 elements"]),
    ("operand a string", lambda: _t(3) + "a", TypeError, ["str"]),
    ("operand None", lambda: _t(3) * None, TypeError, ["NoneType"]),
    # --- autograd ---
    ("backward non-scalar", lambda: (_t(3, grad=True) * 2).backward(), RuntimeError, ["grad", "(3,)"]),
    ("backward grad wrong shape", lambda: (_t(3, grad=True) * 2).backward(np.ones(2)), ValueError, ["(3,)", "(2,)"]),
    ("backward without grad", lambda: (_t(3) * 2).sum().backward(), RuntimeError, ["requires_grad"]),
    ("backward twice", _backward_twice, RuntimeError, ["retain_graph=True"]),
    ("in-place on saved", _inplace_on_saved, RuntimeError, ["in-place", "Exp", "version"]),
    ("in-place on leaf", _inplace_leaf, RuntimeError, ["leaf", "no_grad"]),
    ("grad of unused input", lambda: lucid.autograd.grad((_t(2, grad=True) * 2).sum(), [_t(2, grad=True)]),
     RuntimeError, ["allow_unused"]),
    ("gradcheck nothing to check", lambda: lucid.autograd.gradcheck(lambda a: a, [_t(2)]), ValueError, ["requires_grad"]),
]


@pytest.mark.parametrize("make_mistake, error, words", [c[1:] for c in CORE_CASES], ids=[c[0] for c in CORE_CASES])
def test_core_mistakes_raise_clear_errors(make_mistake, error, words):
    with pytest.raises(error) as info:
        make_mistake()
    message = str(info.value)
    for word in words:
        assert word in message, f"message {message!r} should mention {word!r}"


def test_devices_mixed_names_both(strict_gpu):
    a = lucid.tensor([1.0, 2.0])
    b = lucid.tensor([1.0, 2.0], device="gpu")
    with pytest.raises(RuntimeError) as info:
        a + b
    assert "'cpu'" in str(info.value) and "'gpu'" in str(info.value) and "Add" in str(info.value)


def test_nan_and_inf_propagate_silently(recwarn):
    x = lucid.tensor([np.nan, np.inf, -np.inf, 0.0, 1.0], requires_grad=True)
    y = (lucid.log(x) + lucid.sqrt(x) + lucid.exp(x) + 1.0 / x).sum()
    y.backward()
    assert np.isnan(y.item())
    assert [str(w.message) for w in recwarn.list if issubclass(w.category, RuntimeWarning)] == []


@pytest.mark.parametrize("name", ["sigmoid", "softplus", "log_softmax", "logsumexp"])
def test_stable_at_large_magnitudes(name):
    x = lucid.tensor([-1e4, 0.0, 1e4], requires_grad=True)
    fn = {"sigmoid": lucid.sigmoid, "softplus": lucid.softplus,
          "log_softmax": lambda t: lucid.log_softmax(t, axis=0), "logsumexp": lucid.logsumexp}[name]
    y = fn(x)
    y.sum().backward()
    assert np.isfinite(y.numpy()).all() and np.isfinite(x.grad).all()
    exact = {"sigmoid": [0.0, 0.5, 1.0], "softplus": [0.0, np.log(2.0), 1e4],
             "log_softmax": [-2e4, -1e4, 0.0], "logsumexp": [1e4]}[name]
    np.testing.assert_allclose(np.atleast_1d(y.numpy()), exact, rtol=1e-6)
