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


def boolean(value: Any, name: str, owner: str) -> bool:
    """Return ``value`` if it is a bool; raise a TypeError naming the argument otherwise."""
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{owner}: {name} must be True or False, got {value!r} ({type(value).__name__})")
    return bool(value)
