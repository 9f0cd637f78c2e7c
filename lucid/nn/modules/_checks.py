"""Constructor argument checks shared by the layers (clear messages: argument, expectation, value)."""
from __future__ import annotations

from typing import Any

import numpy as np


def positive_int(value: Any, name: str, owner: str) -> int:
    """Return ``value`` as an int if it is a positive integer (not a bool, not a float); raise otherwise."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{owner}: {name} must be a positive int, got {value!r} ({type(value).__name__})")
    if value < 1:
        raise ValueError(f"{owner}: {name} must be a positive int, got {value!r}")
    return int(value)


def number(value: Any, name: str, owner: str) -> float:
    """Return ``value`` as a float if it is a real number (not a bool, not a string); raise a TypeError otherwise."""
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise TypeError(f"{owner}: {name} must be a number, got {value!r} ({type(value).__name__})")
    return float(value)


def boolean(value: Any, name: str, owner: str) -> bool:
    """Return ``value`` if it is a bool; raise a TypeError naming the argument otherwise."""
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{owner}: {name} must be True or False, got {value!r} ({type(value).__name__})")
    return bool(value)


def floating_input(x: Any, owner: str) -> None:
    """Refuse integer and boolean inputs to a layer with float parameters (TypeError naming the dtype).

    The rule, the same in every such layer (``Linear``, ``Conv1d``/``Conv2d``,
    the norms, ``SEModule``, ``Dropout``): a silent promotion would hide a
    data bug (labels fed as features) and cannot keep the input's dtype, so the
    caller converts explicitly with ``x.float()``.
    """
    dtype = np.dtype(x.dtype)
    if dtype.kind not in "fc":
        raise TypeError(
            f"{owner}: input must be a floating-point tensor (the layer computes in floating point), "
            f"got dtype {dtype} (shape {tuple(x.shape)}); convert it first with input.float()"
        )
