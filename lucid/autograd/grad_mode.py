"""Grad mode: whether operations record a graph, one switch per thread (as in PyTorch).

Each thread starts with grad mode on. ``no_grad``/``enable_grad`` and the
engine's own switch-off during ``backward()`` change only the calling
thread's mode, so a backward or an evaluation block in one thread never
stops another thread's forward from recording.
"""
from __future__ import annotations

import functools
import threading


class _GradMode(threading.local):
    """One boolean per thread; ops read ``_state.enabled`` on every call, so keep it a plain attribute.

    ``threading.local`` runs ``__init__`` again in each thread that touches
    ``_state``, so every new thread begins with grad mode on.
    """

    def __init__(self) -> None:
        self.enabled = True


_state = _GradMode()


def is_grad_enabled() -> bool:
    """Return True when operations record a graph for backward.

    Examples
    --------
    >>> import lucid
    >>> lucid.is_grad_enabled()
    True
    >>> with lucid.no_grad():
    ...     lucid.is_grad_enabled()
    False
    """
    return _state.enabled


class _SetGradMode:
    """Context manager and decorator that sets grad mode and restores it on exit."""

    mode: bool

    def __enter__(self) -> None:
        self._previous = _state.enabled
        _state.enabled = self.mode

    def __exit__(self, *exc) -> None:
        _state.enabled = self._previous

    def __call__(self, fn):
        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with self.__class__():
                return fn(*args, **kwargs)

        return wrapper


class no_grad(_SetGradMode):
    """Turn off graph recording: results of operations do not require grad.

    Use it for evaluation and for parameter updates.  Works as a context
    manager and as a decorator (``@lucid.no_grad()``, with parentheses).

    Notes
    -----
    Inside the block, :meth:`Function.apply` runs only ``forward``: no
    :class:`Node` is made and nothing is saved, so memory is that of the
    values alone. Grad mode belongs to the calling thread (each thread
    starts with it on, as in PyTorch); the previous mode is restored on
    exit, also after an exception, and blocks may nest.
    In-place updates of leaves that require grad (``w -= lr * w.grad``) are
    allowed only here.

    Examples
    --------
    >>> import lucid
    >>> x = lucid.tensor([1.0, 2.0], requires_grad=True)
    >>> with lucid.no_grad():
    ...     y = x * 2
    >>> y.requires_grad
    False
    >>> @lucid.no_grad()
    ... def evaluate(t):
    ...     return t * 3
    >>> evaluate(x).requires_grad
    False
    """

    mode = False


class enable_grad(_SetGradMode):
    """Turn graph recording back on, for example inside a ``no_grad`` block.

    A context manager and a decorator, like :class:`no_grad`; the previous
    mode is restored on exit.

    Examples
    --------
    >>> import lucid
    >>> x = lucid.tensor([1.0], requires_grad=True)
    >>> with lucid.no_grad():
    ...     with lucid.enable_grad():
    ...         y = x * 2
    >>> y.requires_grad
    True
    """

    mode = True
