"""lucid/autograd/gradcheck.py: passes on right gradients, raises GradcheckError with values on wrong ones."""
import numpy as np
import pytest

import lucid
from lucid.autograd import Function, GradcheckError, gradcheck


class WrongSquare(Function):
    """y = x**2 with a deliberately wrong backward (3x instead of 2x)."""

    @staticmethod
    def forward(ctx, x):
        ctx.save(x)
        return x * x

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved
        return (3 * x * grad,)


def test_gradcheck_passes_and_works_in_float64(device):
    x = lucid.tensor(np.array([0.5, -1.0, 2.0], np.float32), device=device, requires_grad=True)
    seen = []

    def f(t):
        seen.append(t.dtype)
        return (t * t.sigmoid()).sum()

    assert gradcheck(f, [x]) is True
    assert set(seen) == {np.dtype("float64")}
    assert x.grad is None  # the user's tensor is untouched


def test_gradcheck_reports_analytic_and_numeric_values(device):
    x = lucid.tensor(np.array([1.0, 2.0]), device=device, requires_grad=True)
    with pytest.raises(GradcheckError, match=r"input 0.*analytic.*vs numeric") as info:
        gradcheck(lambda t: WrongSquare.apply(t), [x])
    msg = str(info.value)
    assert "index" in msg
    assert isinstance(info.value, RuntimeError)


def test_gradcheck_worst_element_values_are_right():
    x = lucid.tensor(np.array([1.0, 2.0]), requires_grad=True)
    with pytest.raises(GradcheckError) as info:
        gradcheck(lambda t: WrongSquare.apply(t), [x], seed=3)
    w = np.random.default_rng(3).standard_normal(2)
    k = int(np.argmax(np.abs(w * np.array([1.0, 2.0]))))  # worst error |w_k x_k|
    msg = str(info.value)
    assert f"({k},)" in msg
    assert repr(float(3 * w[k] * (k + 1)))[:8] in msg and repr(float(2 * w[k] * (k + 1)))[:8] in msg


def test_gradcheck_mixed_inputs_and_tuples():
    a = lucid.tensor([1.0, 2.0], requires_grad=True)
    b = lucid.tensor([3.0, 4.0])  # constant: not checked
    assert gradcheck(lambda u, v, k: (u * v * k, u.exp()), [a, b, 2.0])


def test_gradcheck_argument_errors():
    with pytest.raises(ValueError, match="at least one"):
        gradcheck(lambda: None, [])
    with pytest.raises(ValueError, match="requires_grad"):
        gradcheck(lambda t: t, [lucid.tensor([1.0])])
