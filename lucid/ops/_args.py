"""Argument handling shared by the ops: operands, axes, and the dim/keepdim aliases."""
from __future__ import annotations

import numbers
from typing import Any

import numpy as np

from lucid import backend
from lucid.tensor import Tensor


def operand(x: Any, name: str = "input") -> Any:
    """A Tensor, or a Python number kept as a *weak* scalar (it does not change the tensor's dtype)."""
    if isinstance(x, Tensor):
        return x
    if isinstance(x, np.generic):  # checked first: np.float64 is a subclass of float
        return x.item()  # NumPy scalars would promote float32 to float64 (and strict rejects them)
    if isinstance(x, (bool, int, float)):
        return x
    if isinstance(x, numbers.Number):
        return x
    if backend.is_array(x) or isinstance(x, (list, tuple)):
        return Tensor(x)
    raise TypeError(f"{name} must be a Tensor, an array or a number, got {type(x).__name__}")


def tensor_arg(x: Any, name: str = "input") -> Tensor:
    """Require a Tensor (arrays and lists are converted; scalars become 0-d tensors)."""
    if isinstance(x, Tensor):
        return x
    if x is None or isinstance(x, str):
        raise TypeError(f"{name} must be a Tensor, got {type(x).__name__}")
    try:
        return Tensor(x)
    except (TypeError, ValueError) as exc:  # name the argument: "target: Tensor data must be numeric, ..."
        raise type(exc)(f"{name}: {exc}") from None


def normalize_axis(axis: Any, ndim: int, name: str = "axis") -> tuple[int, ...]:
    """Turn ``None``, an int or a sequence of ints into a sorted tuple of non-negative axes.

    A 0-d tensor accepts ``0`` and ``-1`` (PyTorch treats a scalar as having one
    axis of length 1 for this check) and has no axes to reduce: the result is ``()``.
    """
    if axis is None:
        return tuple(range(ndim))
    if not isinstance(axis, (int, np.integer, tuple, list)):
        raise TypeError(f"{name} must be an int or a tuple of ints, got {axis!r}")
    axes = (axis,) if isinstance(axis, (int, np.integer)) else tuple(axis)
    span = max(ndim, 1)  # a 0-d tensor takes axis 0 or -1, as in PyTorch
    out = []
    for a in axes:
        if isinstance(a, bool) or not isinstance(a, (int, np.integer)):
            raise TypeError(f"{name} must be an int or a tuple of ints, got {axis!r}")
        if not -span <= a < span:
            raise ValueError(f"{name}={a} is out of range for a tensor with {ndim} dimension(s) "
                             f"(expected an axis in [{-span}, {span - 1}])")
        out.append(int(a) % span)
    if len(set(out)) != len(out):
        raise ValueError(f"{name} has repeated axes: {axis!r}")
    return tuple(sorted(out)) if ndim else ()


def one_axis(axis: Any, ndim: int, name: str = "axis", *, scalar: bool = False) -> int:
    """Validate a single axis and make it non-negative.

    With ``scalar=True`` a 0-d tensor accepts ``0`` and ``-1`` (PyTorch's rule for
    ops such as softmax and argmax, which treat a scalar as one element); the
    result is then 0 and the caller handles the 0-d case, which has no axis 0.
    """
    if isinstance(axis, bool) or not isinstance(axis, (int, np.integer)):
        raise TypeError(f"{name} must be an int, got {axis!r}")
    span = max(ndim, 1) if scalar else ndim
    if not -span <= axis < span:
        expected = f" (expected an axis in [{-span}, {span - 1}])" if span else ""
        raise ValueError(f"{name}={axis} is out of range for a tensor with {ndim} dimension(s){expected}")
    return int(axis) % span


def number(value: Any, name: str, *, integer: bool = False) -> Any:
    """A Python number from ``value`` (a Python or NumPy number), or a TypeError naming the argument.

    ``int(value)`` and ``float(value)`` would take strings (``"1"``) and report a
    bad one as "invalid literal for int()", without the argument's name, and
    ``int(2.5)`` silently truncates. Here a string, None, an array or a Tensor
    is refused by name (converting a Tensor would silently cut its gradient;
    PyTorch refuses one too); with ``integer=True`` so are floats and bools (a
    count must be an int). Ints stay ints, other reals become floats.

    Examples
    --------
    >>> from lucid.ops._args import number
    >>> number(0.5, "correction"), number(2, "correction")
    (0.5, 2)
    >>> number("a", "negative_slope")
    Traceback (most recent call last):
        ...
    TypeError: negative_slope must be a real number, got str 'a'
    """
    if type(value) is float or type(value) is int:  # the common case first
        if integer and type(value) is float:
            raise TypeError(f"{name} must be an int, got {value!r}")
        return value
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, bool) and integer:
        raise TypeError(f"{name} must be an int, got {value!r}")
    if isinstance(value, numbers.Integral):
        return int(value)
    if isinstance(value, numbers.Real) and not integer:
        return float(value)
    expected = "an int" if integer else "a real number"
    raise TypeError(f"{name} must be {expected}, got {type(value).__name__} {value!r}")


def alias(value: Any, default: Any, torch_value: Any, torch_name: str, name: str) -> Any:
    """Accept PyTorch's argument name (``dim``, ``keepdim``) next to NumPy's (``axis``, ``keepdims``)."""
    if torch_value is None:
        return value
    if value is not default and value != torch_value:
        raise TypeError(f"got both {name}={value!r} and {torch_name}={torch_value!r}; pass only one")
    return torch_value


def shape_arg(shape: tuple, name: str = "shape") -> tuple[int, ...]:
    """``f(2, 3)`` and ``f((2, 3))`` both mean the shape (2, 3)."""
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        shape = tuple(shape[0])
    for s in shape:  # the common case, plain Python ints, needs no conversion
        if type(s) is not int:
            break
    else:
        return tuple(shape)
    for s in shape:
        if isinstance(s, bool) or not isinstance(s, (int, np.integer)):
            raise TypeError(f"{name} must be ints, got {shape!r}")
    return tuple(int(s) for s in shape)
