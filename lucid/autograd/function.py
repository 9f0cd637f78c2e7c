"""Function: one differentiable operation, its forward and its backward side by side.

An op is a subclass with two static methods::

    class Exp(Function):
        @staticmethod
        def forward(ctx, x):            # raw arrays in, raw array out
            y = backend.xp_of(x).exp(x)
            ctx.save(y)                 # only what backward needs
            return y

        @staticmethod
        def backward(ctx, grad):        # dL/dy in, dL/d(each input) out
            (y,) = ctx.saved
            return (grad * y,)

``Exp.apply(t)`` unwraps the tensors, runs ``forward`` on their arrays and
wraps the result.  When grad mode is on and an input requires grad it also
turns ``ctx`` into a *node* of the graph: it remembers the inputs' nodes (or
leaf tensors), their shapes, and a creation number that the engine uses to
visit nodes in reverse order.

``backward`` returns one gradient per positional argument of ``forward``
(``None`` for non-tensor arguments or inputs that need no gradient).  It may
return a gradient of the *broadcast* shape: the engine sums it down to the
input's shape, in one place, so no op has to.
"""
from __future__ import annotations

import itertools
import weakref
from typing import Any

import numpy as np

from lucid import backend
from lucid.autograd import anomaly
from lucid.autograd.grad_mode import _state

_creation_counter = itertools.count()
_quiet_enter, _quiet_exit = backend.quiet_float_errors_enter, backend.quiet_float_errors_exit
_NP_FLOATS = {type(np.dtype(t)) for t in ("float16", "float32", "float64")}  # NumPy's (and CuPy's) float dtypes


class Node:
    """The record an op leaves in the graph (it is also the ``ctx`` passed to forward/backward).

    Attributes
    ----------
    fn : type
        The :class:`Function` subclass that made it.
    saved : tuple
        Arrays that ``backward`` needs (set with :meth:`save`), released after backward.
    parents : tuple
        Per positional input: the input's ``Node``, the leaf ``Tensor`` that
        accumulates its gradient, or ``None`` when no gradient is needed.
    needs_input_grad : tuple of bool
        Per positional input: whether backward must compute that gradient.
    shapes, dtypes : tuple
        Per positional input: the shape and dtype of its array (``None`` for non-tensors).
    seq : int
        Creation number; the engine runs nodes in decreasing ``seq``.
    retained : weakref to Tensor, or None
        The output tensor, when :meth:`Tensor.retain_grad` asked to keep its
        gradient (a weak reference: the tensor already holds the node, and a
        strong one back would keep both alive until the cyclic collector runs).
    hooks : list or None
        Functions registered on the output with :meth:`Tensor.register_hook`.
    versions : list or None
        Version counters of the tensors whose arrays were saved, checked before backward.
    freed : bool
        True once backward has run and released ``saved`` (without ``retain_graph``).

    Notes
    -----
    A node is created by :meth:`Function.apply`, never by users. Its
    ``repr`` is ``<NameBackward>``, as in a tensor's ``grad_fn``.

    Examples
    --------
    >>> import lucid
    >>> x = lucid.tensor([1.0, 2.0], requires_grad=True)
    >>> node = (x * x).grad_fn
    >>> node, node.fn.__name__, node.needs_input_grad
    (<MulBackward>, 'Mul', (True, True))
    """

    __slots__ = ("fn", "saved", "parents", "shapes", "dtypes", "seq", "needs_input_grad",
                 "retained", "hooks", "versions", "freed", "__dict__", "__weakref__")

    def __init__(self) -> None:
        self.saved = ()
        self.retained = None
        self.hooks = None
        self.versions = None
        self.freed = False
        self.needs_input_grad = ()

    def save(self, *arrays: Any) -> None:
        """Keep ``arrays`` for backward, as ``self.saved`` (the engine frees them afterwards).

        Save only what backward reads (``None`` is allowed as a placeholder):
        an in-place change of a saved tensor is detected through its
        version counter and makes backward raise an error.
        """
        self.saved = arrays

    def retain_grad_of(self, tensor) -> None:
        """Store the gradient of this node's output into ``tensor.grad`` during backward."""
        self.retained = weakref.ref(tensor)

    def retained_tensor(self):
        """The tensor whose ``.grad`` this node fills (:meth:`Tensor.retain_grad`), or None."""
        return None if self.retained is None else self.retained()

    @property
    def name(self) -> str:
        """The name of the op (``"Mul"``), i.e. ``fn.__name__``."""
        return self.fn.__name__

    def __repr__(self) -> str:
        return f"<{self.fn.__name__}Backward>"


class Function:
    """Base class of every differentiable operation.  Subclasses define ``forward`` and ``backward``.

    An op is a subclass with two static methods, never instantiated:

    ``forward(ctx, *args)``
        Receives raw backend arrays (and any non-tensor arguments as they
        are) and returns the output array :math:`y = f(x_1, \\ldots, x_n)`.
        It may call ``ctx.save(*arrays)`` to keep what backward needs, and
        set attributes on ``ctx`` (an axis, a shape).
    ``backward(ctx, grad)``
        Receives :math:`g = \\partial L/\\partial y` (an array of ``y``'s shape)
        and returns one entry per positional argument of ``forward``: the
        vector-Jacobian product

        .. math:: \\frac{\\partial L}{\\partial x_k} = \\sum_i g_i \\frac{\\partial y_i}{\\partial x_k},

        or ``None`` for an argument that is not a tensor or needs no
        gradient (see ``ctx.needs_input_grad``). A gradient may have the
        broadcast shape: the engine sums it down to the input's shape.

    Call an op with ``MyOp.apply(*args)``: tensors are unwrapped to arrays,
    dtypes promoted (``promote``, ``floating``), ``forward`` run, and, when
    grad mode is on and an input requires grad, a :class:`Node` recorded as
    the result's ``grad_fn``.

    Examples
    --------
    >>> import lucid
    >>> from lucid.autograd import Function
    >>> class Cube(Function):
    ...     @staticmethod
    ...     def forward(ctx, x):
    ...         ctx.save(x)
    ...         return x ** 3
    ...     @staticmethod
    ...     def backward(ctx, grad):
    ...         (x,) = ctx.saved
    ...         return (3 * x ** 2 * grad,)
    >>> x = lucid.tensor([1.0, 2.0], requires_grad=True)
    >>> y = Cube.apply(x)
    >>> y
    Tensor([1., 8.], grad_fn=<CubeBackward>)
    >>> y.sum().backward()
    >>> x.grad
    array([ 3., 12.], dtype=float32)
    >>> lucid.autograd.gradcheck(Cube.apply, [x])
    True
    """

    #: True for ops whose output may share memory with their first input
    #: (reshape, transpose, slicing, expand). When it does, the output becomes
    #: a view (see :mod:`lucid.autograd.views`): it shares the input's version
    #: counter and knows its base, so in-place writes through either reach the
    #: other's gradient.
    is_view = False

    #: For a view op: True when its forward may return a copy instead (a reshape of a non-contiguous
    #: array, indexing with integer arrays); apply then checks whether the memory is shared.
    view_may_copy = False

    #: True when ``backward`` is written so that it also runs on Tensors (every
    #: step a lucid op, every saved array an input or the output), so that
    #: ``create_graph=True`` can differentiate it again. The engine refuses,
    #: with a clear error, to build a second-order graph through an op without it.
    double_backward = False

    #: Positions of the arguments whose dtypes are unified with NumPy's promotion
    #: rules before ``forward`` (``a + b``, ``where(c, a, b)``): float32 + float64
    #: is float64 on every device, even where the library itself refuses to mix
    #: dtypes.  Python numbers take part as weak scalars (float32 * 2.0 stays float32).
    promote: tuple = ()

    #: True for ops defined on real numbers only (exp, /, mean, ...): integer and
    #: boolean inputs are cast first to the float dtype NumPy would give
    #: (int64 -> float64), on every device.
    floating: bool = False

    @staticmethod
    def forward(ctx: Node, *args: Any, **kwargs: Any) -> Any:  # pragma: no cover - abstract
        """Compute the output array from the input arrays; save what backward needs on ``ctx``."""
        raise NotImplementedError

    @staticmethod
    def backward(ctx: Node, grad: Any) -> tuple:  # pragma: no cover - abstract
        """Given ``grad`` = dL/dy, return dL/dx for each positional input of forward (``None`` where not needed)."""
        raise NotImplementedError

    @classmethod
    def apply(cls, *args: Any, **kwargs: Any):
        """Run the op on tensors (and constants) and, if needed, record it in the graph.

        Parameters
        ----------
        *args : Tensor or any
            The positional inputs of ``forward``; tensors are passed to it as
            their arrays, other values unchanged. All tensors must be on one device.
        **kwargs
            Passed to ``forward`` unchanged (never differentiated).

        Returns
        -------
        Tensor
            The output; its ``grad_fn`` is the new :class:`Node` when grad mode
            is on and an input tensor requires grad, else ``None``.

        Raises
        ------
        RuntimeError
            If the tensors are on different devices (the error names both).
        ValueError
            If the shapes do not broadcast.
        """
        # 1. unwrap: each tensor's array, whether any needs grad, one device, one dtype?
        grad_enabled = _state.enabled
        arrays = []
        wants = []  # per argument: does it require grad
        array_type = dtype = None
        mixed_dtypes = False
        for a in args:
            if a.__class__ is Tensor or isinstance(a, Tensor):
                if a._view is not None and grad_enabled and a._view.version != a._version[0]:
                    views.refresh(a)  # its base was written in place since: take the base's new graph
                data = a.data
                if array_type is None:
                    array_type, dtype = type(data), data.dtype
                elif type(data) is not array_type:
                    _raise_device_mix(cls, args)
                elif data.dtype is not dtype:
                    mixed_dtypes = True
                wants.append(a._requires_grad)
                arrays.append(data)
            else:
                wants.append(False)
                arrays.append(a)
        needs_grad = grad_enabled and True in wants
        # 2. cast: NumPy's promotion on every device (skipped for the usual case of one NumPy float dtype)
        if cls.promote and (mixed_dtypes or dtype is None or dtype.__class__ not in _NP_FLOATS):
            arrays = _promote(arrays, cls.promote)
        if cls.floating:
            arrays = [_to_floating(a) for a in arrays]
        # 3. the node (or a scratch ctx that keeps nothing), then forward
        if needs_grad:
            ctx = Node()
            ctx.needs_input_grad = tuple(wants)
        else:
            ctx = _Scratch()
        token = _quiet_enter()  # inf and nan are results, not warnings (as in PyTorch)
        try:
            out = cls.forward(ctx, *arrays, **kwargs)
        except ValueError as exc:
            if "broadcast" not in str(exc):
                raise
            described = " and ".join(str(tuple(a.shape)) for a in args if isinstance(a, Tensor))
            raise ValueError(f"{cls.__name__}: tensors of shapes {described} cannot be broadcast together") from None
        finally:
            _quiet_exit(token)
        # 4. wrap, and record
        result = Tensor._make(out, needs_grad)
        if cls.is_view and (not cls.view_may_copy or backend.may_share_memory(out, arrays[0])):
            views.record_view(result, args[0], cls, args[1:], kwargs)
        if not needs_grad:
            return result
        ctx.fn = cls
        parents, shapes, dtypes = [], [], []
        for a in args:
            if isinstance(a, Tensor):
                parents.append((a._grad_fn or a) if a._requires_grad else None)  # a node, or the leaf itself
                shapes.append(a.data.shape)
                dtypes.append(a.data.dtype)
            else:
                parents.append(None)
                shapes.append(None)
                dtypes.append(None)
        ctx.parents, ctx.shapes, ctx.dtypes = tuple(parents), tuple(shapes), tuple(dtypes)
        ctx.seq = next(_creation_counter)
        if ctx.saved:
            ctx.versions = _versions_of_saved(ctx.saved, args, arrays, result, out)
        if anomaly._state.enabled:
            ctx.call_site = anomaly.user_call_site()
        result._grad_fn = ctx
        return result


def move_retained_grad(tensor, old_node, new_node) -> None:
    """``tensor`` now names ``new_node``'s output (an in-place op): its retained ``.grad`` follows it there."""
    if not tensor._retains_grad:
        return
    if old_node is not None and old_node.retained_tensor() is tensor:
        old_node.retained = None
    if new_node is not None:
        new_node.retain_grad_of(tensor)


class _Scratch:
    """The ``ctx`` of an op that is not recorded: it keeps nothing (no graph, nothing to save)."""

    __slots__ = ("__dict__",)
    needs_input_grad = ()
    saved = ()

    def save(self, *arrays: Any) -> None:
        pass


def _to_floating(a: Any) -> Any:
    """An integer or boolean array cast to NumPy's float for it (int64 -> float64); anything else as is."""
    if type(a) is np.ndarray and a.dtype.kind == "f":
        return a
    dtype = getattr(a, "dtype", None)
    if dtype is None or backend.to_numpy_dtype(dtype).kind in "fc":
        return a
    xp = backend.xp_of(a)
    return xp.astype(a, backend.native_dtype(xp, np.result_type(backend.to_numpy_dtype(dtype), np.float16)))


def _promote(arrays: list, positions: tuple) -> list:
    """Cast the arrays at ``positions`` to their common NumPy result dtype (scalars count as weak)."""
    first, same, float_scalar, any_scalar = None, True, False, False
    for i in positions:  # fast path: one dtype, no Python float next to an integer array, no number next to bool
        dt = getattr(arrays[i], "dtype", None)
        if dt is None:
            float_scalar = float_scalar or type(arrays[i]) is float
            any_scalar = any_scalar or isinstance(arrays[i], (int, float))
        elif first is None:
            first = dt
        elif dt is not first and dt != first:
            same = False
    if first is None:
        return arrays
    kind = first.kind if isinstance(first, np.dtype) else backend.to_numpy_dtype(first).kind
    if first is None or (same and not (float_scalar and kind in "iu") and not (any_scalar and kind == "b")):
        return arrays
    dtypes = [backend.to_numpy_dtype(arrays[i].dtype) for i in positions if hasattr(arrays[i], "dtype")]
    scalars = [arrays[i] for i in positions if isinstance(arrays[i], (bool, int, float))]
    common = np.result_type(*dtypes, *scalars)
    out = list(arrays)
    for i in positions:
        a = out[i]
        if hasattr(a, "dtype") and backend.to_numpy_dtype(a.dtype) != common:
            xp = backend.xp_of(a)
            out[i] = xp.astype(a, backend.native_dtype(xp, common))
    return out


def _versions_of_saved(saved: tuple, args: tuple, arrays: list, result, out) -> list | None:
    """For every saved array that is an input's (or the output's) array: where it came from, and its version.

    Each entry is ``(counter, version, position, saved_index)``: ``position`` is
    the input number, or -1 for the op's output. The engine checks the
    versions before backward (an in-place change since forward is an error),
    and under ``create_graph=True`` uses the positions to hand backward these
    arrays as Tensors tied to the graph. Arrays made inside forward (masks,
    indices) are not listed: they are constants.
    """
    versions = None
    for k, arr in enumerate(saved):
        if arr is None:
            continue
        if arr is out or arr is result.data:  # out: forward's own result (a NumPy scalar for a 0-d output)
            counter, position = result._version, -1
        else:
            for position, a in enumerate(arrays):  # forward saw these (after dtype promotion)
                if a is arr and isinstance(args[position], Tensor):
                    break
            else:
                continue  # made inside forward, or a constant argument passed through
            counter = args[position]._version
        entry = (counter, counter[0], position, k)
        if versions is None:
            versions = [entry]
        else:
            versions.append(entry)
    return versions


def _raise_device_mix(cls, args) -> None:
    devices = [f"{backend.device_of(a.data)!r} (shape {tuple(a.shape)})" for a in args if isinstance(a, Tensor)]
    raise RuntimeError(
        f"{cls.__name__}: expected all tensors on the same device, got tensors on "
        f"{' and '.join(devices)}; move them with .to('cpu') or .to('gpu') first"
    )


from lucid.tensor import Tensor  # noqa: E402  (tensor.py imports ops, which import this module)
from lucid.autograd import views  # noqa: E402  (views defines a Function, so it needs this module first)
