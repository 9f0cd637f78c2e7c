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
from lucid.autograd.function import Function, _Scratch, move_retained_grad
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
    made_without_grad : bool
        True for a view taken inside ``no_grad`` (or a view of such a view): it
        has no graph, so writing through it in place while gradients are
        recorded, or using it after its base came to require grad through an
        in-place change, is refused (as in PyTorch).
    """

    __slots__ = ("base", "chain", "version", "made_without_grad")

    def __init__(self, base, chain: tuple, version: int, made_without_grad: bool) -> None:
        self.base = base
        self.chain = chain
        self.version = version
        self.made_without_grad = made_without_grad


def record_view(result, source, op: type, args: tuple, kwargs: dict) -> None:
    """Mark ``result`` (made by view op ``op`` from ``source``) as a view of ``source``'s base."""
    result._version = source._version
    parent = source._view
    step = ((op, args, kwargs),)
    without_grad = not _grad_mode.enabled
    if parent is None:
        result._view = ViewInfo(source, step, source._version[0], without_grad)
    else:
        result._view = ViewInfo(parent.base, parent.chain + step, source._version[0],
                                without_grad or parent.made_without_grad)


def is_stale(t) -> bool:
    """True when ``t`` is a view whose memory was written in place since its graph was derived."""
    view = t._view
    return view is not None and view.version != t._version[0]


def refresh(view_tensor, strict: bool = True) -> None:
    """Derive a stale view's graph again from its base's current graph.

    The view's data needs nothing: it is the same memory and already shows the
    new values.  Only ``grad_fn`` and ``requires_grad`` are replaced.  With
    ``strict`` (when the view is about to be used by an op), a view made inside
    ``no_grad`` whose base has come to require grad raises, as in PyTorch;
    reading its flags (``strict=False``) only marks it as requiring grad, as
    PyTorch reports it.
    """
    info = view_tensor._view
    base = info.base
    if not base._requires_grad:
        info.version = view_tensor._version[0]
        return
    if info.made_without_grad:
        # PyTorch reports such a view as requiring grad (its base does), and refuses it when it is used
        view_tensor._requires_grad = True
        if strict:
            raise RuntimeError(
                "a view taken inside no_grad of a tensor that requires grad is used after its base (or "
                "another view of it) was changed in place: it has no graph to follow the change. Take "
                "the view outside no_grad, or .clone() it inside the no_grad block."
            )
        return
    info.version = view_tensor._version[0]
    t = base
    was_enabled, _grad_mode.enabled = _grad_mode.enabled, True  # also when called from backward()
    try:
        for op, args, kwargs in info.chain:
            t = op.apply(t, *args, **kwargs)
    finally:
        _grad_mode.enabled = was_enabled
    move_retained_grad(view_tensor, view_tensor._grad_fn, t._grad_fn)
    view_tensor._grad_fn, view_tensor._requires_grad = t._grad_fn, t._requires_grad


def region(array: Any, chain: tuple) -> Any:
    """The part of ``array`` (shaped like the base) that the view chain selects, as a view of it."""
    scratch = _Scratch()
    for op, args, kwargs in chain:
        array = op.forward(scratch, array, *args, **kwargs)
    return array


class CopySlices(Function):
    """y = base with the region selected by a view chain replaced by v (already written in memory).

    .. math:: \\frac{\\partial L}{\\partial \\text{base}} = g \\text{ with zeros in the region}, \\qquad
              \\frac{\\partial L}{\\partial v} = g[\\text{region}]
    """

    double_backward = True

    @staticmethod
    def forward(ctx, base, value, chain):
        ctx.chain = chain
        return base  # the write went through the view: the base's memory already holds the result

    @staticmethod
    def backward(ctx, grad):
        g_base = g_value = None
        if ctx.needs_input_grad[1]:
            g_value = region(grad, ctx.chain)  # on a Tensor, the chain's ops are lucid ops: recorded
        if ctx.needs_input_grad[0]:
            if isinstance(grad, Tensor):  # recorded (create_graph): out of place, the region masked
                data = grad.data
                xa = backend.xp_of(data)
                written = xa.zeros(data.shape, dtype=xa.bool, **backend.device_kwargs(data))
                region(written, ctx.chain)[...] = True
                g_base = backend.xp_of(grad).where(written, 0.0, grad)
            else:
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
    old_base = Tensor._make(base.data, base._requires_grad)
    old_base._grad_fn = base._grad_fn
    old_base._version = [base._version[0]]
    new_base = CopySlices.apply(old_base, new_value, info.chain)
    move_retained_grad(base, base._grad_fn, new_base._grad_fn)
    base._grad_fn, base._requires_grad = new_base._grad_fn, new_base._requires_grad
    refresh(view_tensor)


from lucid.tensor import Tensor  # noqa: E402  (loaded by function.py after Tensor is defined)

__all__ = ["ViewInfo", "CopySlices", "record_view", "refresh", "is_stale", "region", "write_through_view"]
