"""``lucid.autograd.detect_anomaly()``: the first op whose gradient turns NaN/Inf, and where the user called it."""
from __future__ import annotations

import inspect
import warnings

import numpy as np
import pytest

import lucid
from lucid import nn
from lucid.autograd import AnomalyError, detect_anomaly
from lucid.autograd.anomaly import _state

HERE = __file__


def _next_line() -> int:
    """The line number right after the caller's line."""
    return inspect.currentframe().f_back.f_lineno + 1


def test_names_the_op_and_the_users_line():
    x = lucid.tensor([0.0, 4.0], requires_grad=True)
    with detect_anomaly():
        line = _next_line()
        y = lucid.sqrt(x).sum()  # d sqrt/dx = inf at 0
        with pytest.raises(AnomalyError) as info:
            y.backward()
    message = str(info.value)
    assert "Sqrt" in message and "inf" in message
    assert f"{HERE}:{line}" in message


def test_reports_the_first_op_in_backward_order_not_an_earlier_one():
    x = lucid.tensor([0.0, 1.0], requires_grad=True)
    with detect_anomaly():
        y = lucid.sqrt(x)  # would also give inf, but backward reaches log first
        line = _next_line()
        z = lucid.log(y)
        loss = z.sum()
        with pytest.raises(AnomalyError) as info:
            loss.backward()
    message = str(info.value)
    assert message.startswith("Log produced a non-finite gradient"), message
    assert f"{HERE}:{line}" in message and "Sqrt" not in message
    assert x.grad is None  # stopped before reaching the leaf


def test_nan_gradient_is_reported_as_nan():
    x = lucid.tensor([1.0, 2.0], requires_grad=True)
    with detect_anomaly():
        line = _next_line()
        y = x * float("nan")
        with pytest.raises(AnomalyError, match=r"Mul produced a non-finite gradient \(nan\) for its input 0") as info:
            y.sum().backward()
    assert f"{HERE}:{line}" in str(info.value)


def test_the_call_site_is_the_users_line_even_inside_a_layer():
    """The op that fails runs deep inside lucid.nn; the report points at the user's ``se(x)`` line."""
    se = nn.SEModule(4, 2)
    x = lucid.tensor(np.full((2, 4, 3), np.inf, dtype=np.float32), requires_grad=True)
    with detect_anomaly():
        line = _next_line()
        out = se(x)
        with pytest.raises(AnomalyError) as info:
            out.sum().backward()
    message = str(info.value)
    assert f"{HERE}:{line}" in message, message
    assert "lucid/nn" not in message.replace("\\", "/")


def test_nothing_is_raised_and_gradients_are_unchanged_when_finite(recwarn):
    se = nn.SEModule(8, 2)
    x = lucid.randn(2, 8, 5, requires_grad=True)
    (se(x) ** 2).sum().backward()
    expected = x.grad.copy(), se.fc1.weight.grad.copy()
    x.grad = None
    se.zero_grad()
    with detect_anomaly():
        (se(x) ** 2).sum().backward()
    np.testing.assert_array_equal(x.grad, expected[0])
    np.testing.assert_array_equal(se.fc1.weight.grad, expected[1])
    assert not [w for w in recwarn.list if issubclass(w.category, RuntimeWarning)]


def test_outside_the_block_non_finite_gradients_are_not_checked():
    x = lucid.tensor([0.0], requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # and no warning spam either
        lucid.sqrt(x).sum().backward()
    assert np.isinf(x.grad).all()


def test_mode_is_restored_after_the_block():
    assert _state.enabled is False
    with detect_anomaly():
        assert _state.enabled is True
    assert _state.enabled is False


def test_mode_is_restored_after_an_exception_in_the_block():
    x = lucid.tensor([0.0], requires_grad=True)
    with pytest.raises(AnomalyError):
        with detect_anomaly():
            lucid.sqrt(x).sum().backward()
    assert _state.enabled is False
    with pytest.raises(ZeroDivisionError):
        with detect_anomaly():
            1 / 0
    assert _state.enabled is False


def test_nested_blocks_restore_the_outer_mode():
    with detect_anomaly():
        with detect_anomaly():
            pass
        assert _state.enabled is True
        x = lucid.tensor([0.0], requires_grad=True)
        with pytest.raises(AnomalyError):  # still checking after the inner block closed
            lucid.sqrt(x).sum().backward()
    assert _state.enabled is False


def test_graph_recorded_outside_the_block_is_still_checked_with_unknown_site():
    x = lucid.tensor([0.0], requires_grad=True)
    y = lucid.sqrt(x).sum()
    with detect_anomaly():
        with pytest.raises(AnomalyError, match="Sqrt.*<unknown>"):
            y.backward()
