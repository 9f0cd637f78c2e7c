"""Anomaly detection: find the first op whose gradient turns into NaN or Inf.

Inside ``with lucid.autograd.detect_anomaly():`` every recorded op keeps the
place in *your* code where it was called (file and line), and backward checks
each gradient as it is computed.  The first non-finite one raises an error
naming the op and that place.  It is slow (a stack walk per op and a check
per gradient), so use it to debug, not to train.
"""
from __future__ import annotations

import os
import sys

_LUCID_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


class _AnomalyMode:
    __slots__ = ("enabled",)

    def __init__(self) -> None:
        self.enabled = False


_state = _AnomalyMode()


class AnomalyError(RuntimeError):
    """A gradient became NaN or Inf during backward under :class:`detect_anomaly`."""


class detect_anomaly:
    """Context manager: report the first op whose backward produces NaN or Inf.

    Notes
    -----
    Inside the block every recorded op remembers the ``file:line`` in user
    code that called it, and the engine checks each gradient array as a
    backward returns it. The first non-finite one raises
    :class:`AnomalyError` naming the op, the input, and that place. Both the
    stack walk and the checks are slow: use it to debug, not to train.
    PyTorch's ``torch.autograd.detect_anomaly`` is the model.

    Examples
    --------
    >>> import lucid
    >>> x = lucid.tensor([0.0, 1.0], requires_grad=True)
    >>> with lucid.autograd.detect_anomaly():
    ...     y = lucid.sqrt(x).sum()          # d sqrt(x)/dx is infinite at 0
    ...     try:
    ...         y.backward()
    ...     except lucid.autograd.AnomalyError as err:
    ...         print(str(err).split(";")[0])
    Sqrt produced a non-finite gradient (inf) for its input 0
    """

    def __enter__(self) -> "detect_anomaly":
        self._previous = _state.enabled
        _state.enabled = True
        return self

    def __exit__(self, *exc) -> None:
        _state.enabled = self._previous


def user_call_site() -> str:
    """``file:line`` of the innermost frame outside the lucid package (where the user called the op)."""
    frame = sys._getframe(1)
    while frame is not None:
        filename = os.path.abspath(frame.f_code.co_filename)
        if not filename.startswith(_LUCID_DIR + os.sep):
            return f"{frame.f_code.co_filename}:{frame.f_lineno}"
        frame = frame.f_back
    return "<unknown>"


def check_gradients(node, input_grads) -> None:
    """Raise :class:`AnomalyError` if any gradient ``node``'s backward returned is not finite."""
    from lucid import backend

    for i, g in enumerate(input_grads):
        if g is None or not hasattr(g, "dtype"):
            continue
        xp = backend.xp_of(backend.ensure_array(g))
        finite = xp.isfinite(g)
        if not bool(xp.all(finite)):
            kind = "nan" if bool(xp.any(xp.isnan(g))) else "inf"
            raise AnomalyError(
                f"{node.fn.__name__} produced a non-finite gradient ({kind}) for its input {i}; "
                f"its forward was called at {getattr(node, 'call_site', '<unknown>')}"
            )
