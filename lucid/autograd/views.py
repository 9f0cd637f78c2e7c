"""Views and in-place writes: a change through one name reaches every name of the same memory.

A *view* (a slice, a reshape, a transpose, an expand) shares its base's
memory, so an in-place write through the base or through any view changes
what every other view shows.  The gradients must follow, exactly as in
PyTorch:

* Every view remembers its **base** (the tensor that owns the memory), the
  **chain** of view ops that leads from the base to it, and the version of
  the memory when its graph was last right (:class:`ViewInfo`).  The version
  counter is shared by the base and all its views.
* **Write through a view** (``v += 1``, ``buf[0][1] = w``): the view's new
  value is computed as usual, and the base gets a new graph node,
  :class:`CopySlices`, whose inputs are the base as it was and the view's new
  value.  Its backward sends the gradient of the written region to the new
  value and the rest to the old base.  A plain buffer written this way starts
  to require grad, because part of it now depends on something that does.
* **Write through the base or a sibling**: the version goes up, so every other
  live view is *stale*.  The next time a stale view is used, :func:`refresh`
  replays its chain of view ops on the base's current graph (PyTorch's
  regenerated ``AsStridedBackward``), so its gradient reaches whatever the
  memory now depends on.

Replaying is cheap (a few view ops) and happens only after an in-place write.
"""
from __future__ import annotations

from typing import Any

from lucid import backend
from lucid.autograd.function import Function, move_retained_grad
from lucid.autograd.grad_mode import _state as _grad_mode


class ViewInfo:
    """What a view tensor knows about where its memory comes from.

    Attributes
    ----------
    base : Tensor
        The tensor that owns the memory (never itself a view).
    chain : tuple
        ``(op, args, kwargs)`` per view op from ``base`` to this view, so the
        view can be derived again from the base (or from a gradient array).
    version : int
        The shared version counter's value when this view's ``grad_fn`` was
        last derived; a different current value means the view is stale.
    overlapping : bool
        True when several elements of the view are one memory location (an
        expanded view): an in-place write into it is refused, as in PyTorch.
    """

    __slots__ = ("base", "chain", "version", "overlapping")

    def __init__(self, base, chain: tuple, version: int, overlapping: bool) -> None:
        self.base = base
        self.chain = chain
        self.version = version
        self.overlapping = overlapping


def record_view(result, source, op: type, args: tuple, kwargs: dict) -> None:
    """Mark ``result`` (made by view op ``op`` from ``source``) as a view of ``source``'s base."""
    result._version = source._version
    parent = source._view
    step = ((op, args, kwargs),)
    grows = result.data.size > source.data.size  # only expanding makes one location appear twice
    if parent is None:
        result._view = ViewInfo(source, step, source._version[0], grows)
    else:
        result._view = ViewInfo(parent.base, parent.chain + step, source._version[0], grows or parent.overlapping)


def is_stale(t) -> bool:
    """True when ``t`` is a view whose memory was written in place since its graph was derived."""
    view = t._view
    return view is not None and view.version != t._version[0]


def refresh(view_tensor) -> None:
    """Derive a stale view's graph again from its base's current graph (only while grad mode is on).

    The view's data needs nothing: it is the same memory and already shows the
    new values.  Only ``grad_fn`` and ``requires_grad`` are replaced.
    """
    info = view_tensor._view
    base = info.base
    info.version = view_tensor._version[0]
    if not base.requires_grad:
        return
    t = base
    was_enabled, _grad_mode.enabled = _grad_mode.enabled, True  # also when called from backward()
    try:
        for op, args, kwargs in info.chain:
            t = op.apply(t, *args, **kwargs)
    finally:
        _grad_mode.enabled = was_enabled
    move_retained_grad(view_tensor, view_tensor.grad_fn, t.grad_fn)
    view_tensor.grad_fn, view_tensor.requires_grad = t.grad_fn, t.requires_grad


def region(array: Any, chain: tuple) -> Any:
    """The part of ``array`` (shaped like the base) that the view chain selects, as a view of it."""
    scratch = _Scratch()
    for op, args, kwargs in chain:
        array = op.forward(scratch, array, *args, **kwargs)
    return array


class _Scratch:
    __slots__ = ("__dict__",)
    needs_input_grad = ()
    saved = ()

    def save(self, *arrays: Any) -> None:
        pass


class CopySlices(Function):
    """y = base with the region selected by a view chain replaced by v (already written in memory).

    .. math:: \\frac{\\partial L}{\\partial \\text{base}} = g \\text{ with zeros in the region}, \\qquad
              \\frac{\\partial L}{\\partial v} = g[\\text{region}]
    """

    @staticmethod
    def forward(ctx, base, value, chain):
        ctx.chain = chain
        return base  # the write went through the view: the base's memory already holds the result

    @staticmethod
    def backward(ctx, grad):
        g_base = g_value = None
        if ctx.needs_input_grad[1]:
            g_value = region(grad, ctx.chain)
        if ctx.needs_input_grad[0]:
            g_base = backend.xp_of(grad).asarray(grad, copy=True)
            region(g_base, ctx.chain)[...] = 0
        return g_base, g_value, None


def write_through_view(view_tensor, new_value) -> None:
    """After ``new_value`` (a recorded Tensor) was written into ``view_tensor``'s memory, update the graphs.

    The base takes a :class:`CopySlices` node (old base, new value), then the
    view is derived again from the base, so both name the new values' graph.
    """
    info = view_tensor._view
    base = info.base
    old_base = Tensor._make(base.data, base.requires_grad)
    old_base.grad_fn = base.grad_fn
    old_base._version = [base._version[0]]
    new_base = CopySlices.apply(old_base, new_value, info.chain)
    move_retained_grad(base, base.grad_fn, new_base.grad_fn)
    base.grad_fn, base.requires_grad = new_base.grad_fn, new_base.requires_grad
    refresh(view_tensor)


from lucid.tensor import Tensor  # noqa: E402  (loaded by function.py after Tensor is defined)

__all__ = ["ViewInfo", "CopySlices", "record_view", "refresh", "is_stale", "region", "write_through_view"]
