"""Tensor: an n-d array, the gradient that backward fills in, and the node that made it.

A tensor holds

* ``data``: the array itself (``numpy.ndarray`` on the CPU, ``cupy.ndarray`` on the GPU);
* ``grad``: an array of the same shape and dtype, filled in by :meth:`Tensor.backward`
  for leaves that require grad (``None`` until then);
* ``grad_fn``: the graph node of the op that produced it (``None`` for leaves).

Every operator and method here is a one-line call into :mod:`lucid.ops`,
where each op's forward and backward live side by side.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from lucid import backend

_SHOWN_DTYPES = (np.dtype("float32"), np.dtype("int64"), np.dtype("bool"))


def _default_array(data: Any, dtype: Any, device: Any) -> Any:
    """Turn user data into a fresh array: Python floats become float32, ints int64."""
    if isinstance(data, Tensor):
        data = data.data
    if backend.is_array(data):
        array = data
        if dtype is not None:
            array = backend.xp_of(array).astype(array, backend.native_dtype(backend.xp_of(array), dtype))
        else:
            array = backend.xp_of(array).asarray(array, copy=True)
        return array if device is None else backend.to_device(array, device)
    if isinstance(data, str) or data is None:
        raise TypeError(f"Tensor data must be a number, a (nested) list of numbers or an array, got {type(data).__name__}")
    if hasattr(data, "__array_namespace__") and not isinstance(data, np.generic):
        raise TypeError(
            f"Tensor data is an array of {type(data).__module__}, which lucid does not use on this "
            f"device; convert it to a NumPy array first (a GPU array is never silently converted)"
        )
    try:
        host = np.array(data, dtype=None if dtype is None else backend.to_numpy_dtype(dtype))
    except ValueError as exc:
        raise ValueError(f"Tensor data must be rectangular (every row the same length): {exc}") from None
    if host.dtype == object or host.dtype.kind in "USV":
        raise TypeError(f"Tensor data must be numeric, got an array of dtype {host.dtype} from {type(data).__name__}")
    if dtype is None and not isinstance(data, (np.ndarray, np.generic)) and host.dtype == np.float64:
        host = host.astype(np.float32)  # Python floats and lists default to float32, like PyTorch
    return backend.to_device(host, device) if device is not None else host


class Tensor:
    """An n-dimensional array that records the operations applied to it, for automatic differentiation.

    Parameters
    ----------
    data : number, nested list, array or Tensor
        The values. Python floats and lists of floats become ``float32``,
        Python ints ``int64``; NumPy arrays keep their dtype. The data is copied.
    requires_grad : bool, default False
        Record operations on this tensor so :meth:`backward` can compute
        ``d(output)/d(this)`` into :attr:`grad`. Only floating-point tensors can.
    dtype : dtype or str, optional
        Cast the data to this dtype (``"float32"``, ``lucid.float64``, ...).
    device : {"cpu", "gpu"}, optional
        Where the array lives (``"cuda"`` and ``"cuda:0"`` mean ``"gpu"``).
        Default: the device of ``data`` if it is an array, else ``"cpu"``.

    Attributes
    ----------
    data : array
        The backend array (``numpy.ndarray`` or ``cupy.ndarray``).
    grad : array or None
        The accumulated gradient, same shape and dtype as ``data``.
    requires_grad : bool
        Whether operations on this tensor are recorded.
    grad_fn : Node or None
        The graph node of the op that produced this tensor; ``None`` for leaves.
    is_leaf : bool
        True when the tensor was not produced by a recorded op.
    shape, ndim, size, dtype, device, T
        As for NumPy arrays; ``size`` is the number of elements, ``T`` reverses the axes.

    Notes
    -----
    Forward: the tensor stores ``data``; each op on it returns a new tensor
    :math:`y = f(x)` and, when gradients are needed, a node remembering how.

    Backward: ``y.backward()`` applies the chain rule from :math:`y` back to
    every leaf :math:`x` with ``requires_grad``, adding
    :math:`\\partial y / \\partial x` into ``x.grad``.

    Examples
    --------
    >>> import lucid
    >>> x = lucid.Tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    >>> y = (x * x).sum()
    >>> y.backward()
    >>> x.grad
    array([[2., 4.],
           [6., 8.]], dtype=float32)
    >>> x.shape, x.dtype, x.device
    ((2, 2), dtype('float32'), 'cpu')
    """

    __slots__ = ("data", "grad", "_requires_grad", "_grad_fn", "_version", "_retains_grad", "_view", "_hooks", "__weakref__")
    __array_ufunc__ = None  # numpy_array * tensor calls Tensor.__rmul__ instead of converting
    __hash__ = object.__hash__  # == is elementwise, hashing stays by identity (like PyTorch)

    def __init__(self, data: Any, requires_grad: bool = False, dtype: Any = None, device: Any = None):
        self.data = _default_array(data, dtype, None if device is None else backend.normalize_device(device))
        self.grad = None
        self.grad_fn = None
        self._version = [0]
        self._retains_grad = False
        self._view = None  # a ViewInfo when this tensor is a view of another's memory
        self._hooks = None  # functions registered with register_hook
        self.requires_grad = False
        if requires_grad:
            self.requires_grad_(True)

    @classmethod
    def _make(cls, array: Any, requires_grad: bool = False) -> "Tensor":
        """Wrap an array without copying or checking (used by ops on their results)."""
        t = object.__new__(cls)
        t.data = np.asarray(array) if isinstance(array, np.generic) else array  # NumPy's 0-d results are scalars
        t.grad = None
        t._requires_grad = requires_grad
        t._grad_fn = None
        t._version = [0]
        t._retains_grad = False
        t._view = None
        t._hooks = None
        return t

    # ------------------------------------------------------------------ properties
    @property
    def requires_grad(self) -> bool:
        """Whether operations on this tensor are recorded for backward (see :meth:`requires_grad_`).

        A view whose base came to require grad through an in-place write reports
        True here too (its graph is derived from the base's when it is read).

        Examples
        --------
        >>> import lucid
        >>> buffer = lucid.zeros(3)
        >>> row = buffer[0:2]                  # a view of a plain buffer
        >>> buffer[2] = lucid.tensor(1.0, requires_grad=True)
        >>> buffer.requires_grad, row.requires_grad
        (True, True)
        """
        if self._view is not None and self._view.version != self._version[0]:
            views.refresh(self, strict=False)  # a view whose base was written in place: ask the base
        return self._requires_grad

    @requires_grad.setter
    def requires_grad(self, value: bool) -> None:
        self._requires_grad = value

    @property
    def grad_fn(self):
        """The graph node of the op that produced this tensor (``None`` for a leaf).

        Examples
        --------
        >>> import lucid
        >>> x = lucid.tensor([1.0, 2.0], requires_grad=True)
        >>> x.grad_fn is None, (x * 2).grad_fn
        (True, <MulBackward>)
        """
        if self._view is not None and self._view.version != self._version[0]:
            views.refresh(self, strict=False)
        return self._grad_fn

    @grad_fn.setter
    def grad_fn(self, node) -> None:
        self._grad_fn = node

    @property
    def shape(self) -> tuple:
        """The size of each axis, as a tuple of ints (``()`` for a 0-d tensor)."""
        return tuple(self.data.shape)

    @property
    def ndim(self) -> int:
        """The number of axes."""
        return self.data.ndim

    @property
    def size(self) -> int:
        """The number of elements, as in NumPy (PyTorch's ``numel()``; the shape is :attr:`shape`)."""
        return int(self.data.size)

    @property
    def dtype(self) -> np.dtype:
        """The element type, as a NumPy dtype (also on the GPU)."""
        return backend.to_numpy_dtype(self.data.dtype)

    @property
    def device(self) -> str:
        """Where the array lives: ``"cpu"`` or ``"gpu"``."""
        return backend.device_of(self.data)

    @property
    def is_leaf(self) -> bool:
        """True when no recorded op produced this tensor (``grad_fn is None``); backward fills a leaf's :attr:`grad`."""
        return self.grad_fn is None

    @property
    def T(self) -> "Tensor":
        """The tensor with its axes reversed (differentiable; see :func:`lucid.permute`)."""
        return _ops.permute(self, tuple(range(self.ndim - 1, -1, -1)))

    def dim(self) -> int:
        """Number of axes (PyTorch's name for :attr:`ndim`)."""
        return self.data.ndim

    def numel(self) -> int:
        """Number of elements (PyTorch's name for :attr:`size`)."""
        return self.size

    # ------------------------------------------------------------------ autograd
    def backward(self, grad: Any = None, retain_graph: bool | None = None, create_graph: bool = False) -> None:
        """Compute the gradient of this tensor with respect to every leaf that requires grad.

        Parameters
        ----------
        grad : Tensor, array, list or number, optional
            :math:`v = \\partial L/\\partial y` for this tensor :math:`y`, of the
            same shape (cast to its dtype). May be omitted only for a
            single-element tensor (it is then 1).
        retain_graph : bool, optional
            Keep the graph's saved arrays so backward can run through it again.
            Default: the value of ``create_graph``.
        create_graph : bool, default False
            Record the backward pass (see :func:`lucid.autograd.grad`). ``.grad``
            stays a plain array of values, as always in lucid, so an optimizer
            or ``zero_grad`` never meets a graph; to differentiate a gradient,
            take it from ``lucid.autograd.grad(..., create_graph=True)``, which
            returns Tensors.

        Raises
        ------
        RuntimeError
            If this tensor does not require grad, if ``grad`` is omitted for a
            tensor of more than one element, if the graph was already freed by
            an earlier backward (the error mentions ``retain_graph=True``), or if
            a saved tensor was changed in place since the forward.
        ValueError
            If ``grad`` has the wrong shape.

        Notes
        -----
        The engine visits the nodes reachable from this tensor, newest first
        (so every node's output gradient is complete before it is used), and
        applies the chain rule at each:

        .. math:: \\frac{\\partial L}{\\partial x_k} \\mathrel{+}= J_{f}(x_k)^{\\top}\\,\\frac{\\partial L}{\\partial y},

        summing a gradient over broadcast axes to its input's shape. A leaf's
        result is *added* into ``leaf.grad`` (call :meth:`zero_grad` between
        steps); non-leaf gradients are not kept unless :meth:`retain_grad` was
        called. Afterwards the saved arrays are freed, unless ``retain_graph``.

        Examples
        --------
        >>> import lucid
        >>> x = lucid.tensor([1.0, 2.0, 3.0], requires_grad=True)
        >>> (x ** 2).backward(lucid.tensor([1.0, 1.0, 0.5]))
        >>> x.grad
        array([2., 4., 3.], dtype=float32)
        >>> (x ** 2).sum().backward()      # gradients accumulate
        >>> x.grad
        array([4., 8., 9.], dtype=float32)
        """
        if self._view is not None and views.is_stale(self):
            views.refresh(self)
        if not self.requires_grad:
            raise RuntimeError(
                "backward() called on a tensor that does not require grad and has no grad_fn: "
                "create the inputs with requires_grad=True (and not inside lucid.no_grad())"
            )
        xp = backend.xp_of(self.data)
        if grad is None:
            if self.size != 1:
                raise RuntimeError(
                    f"backward() without grad works only for a single-element output, got shape "
                    f"{self.shape}; pass grad= an array of shape {self.shape} (e.g. lucid.ones_like(y))"
                )
            grad_array = xp.ones(self.data.shape, dtype=self.data.dtype, **backend.device_kwargs(self.data))
        else:
            grad_array = _grad_argument(grad, self)
        if retain_graph is None:
            retain_graph = create_graph
        engine.run_backward([self], [grad_array], retain_graph=retain_graph, create_graph=create_graph)

    def retain_grad(self) -> "Tensor":
        """Keep this non-leaf tensor's gradient in ``.grad`` after backward.

        Returns
        -------
        Tensor
            ``self``.

        Raises
        ------
        RuntimeError
            If the tensor does not require grad.

        Examples
        --------
        >>> import lucid
        >>> x = lucid.tensor([1.0, 2.0], requires_grad=True)
        >>> h = (x * 3).retain_grad()
        >>> (h * h).sum().backward()
        >>> h.grad
        array([ 6., 12.], dtype=float32)
        """
        if not self.requires_grad:  # (reading it derives a stale view's graph first, as grad_fn does)
            raise RuntimeError("retain_grad() on a tensor that does not require grad")
        if self._grad_fn is not None:
            self._grad_fn.retain_grad_of(self)
        self._retains_grad = True
        return self

    def register_hook(self, hook) -> "RemovableHandle":
        """Call ``hook(grad)`` each time backward computes this tensor's gradient.

        Parameters
        ----------
        hook : callable
            ``hook(grad) -> None or array``: ``grad`` is the gradient of this
            tensor (an array of its shape). Returning an array (or a Tensor)
            replaces the gradient that flows on, to this tensor's inputs or
            into a leaf's ``.grad``; returning None keeps it.

        Returns
        -------
        RemovableHandle
            ``handle.remove()`` unregisters the hook.

        Raises
        ------
        RuntimeError
            If the tensor does not require grad.

        Notes
        -----
        As in PyTorch: hooks run in the order they were registered, before a
        retained gradient (:meth:`retain_grad`) is stored and before a leaf's
        ``.grad`` is accumulated; a hook on a non-leaf belongs to the op that
        produced the tensor, so it sees the total gradient of that tensor once
        all its uses have contributed. Hooks also run for :func:`lucid.autograd.grad`.

        Examples
        --------
        >>> import lucid
        >>> x = lucid.tensor([1.0, 2.0], requires_grad=True)
        >>> h = x * 3
        >>> handle = h.register_hook(lambda g: print("dL/dh =", g))
        >>> x.register_hook(lambda g: g * 10) is not None   # scale what reaches x.grad
        True
        >>> h.sum().backward()
        dL/dh = [1. 1.]
        >>> x.grad
        array([30., 30.], dtype=float32)
        >>> handle.remove()
        """
        if not self.requires_grad:
            raise RuntimeError("register_hook(): cannot register a hook on a tensor that does not require grad")
        if not callable(hook):
            raise TypeError(f"register_hook(hook): hook must be callable, got {type(hook).__name__}")
        if self.grad_fn is not None:
            if self.grad_fn.hooks is None:
                self.grad_fn.hooks = []
            hooks = self.grad_fn.hooks
        else:
            if self._hooks is None:
                self._hooks = []
            hooks = self._hooks
        hooks.append(hook)
        return RemovableHandle(hooks, hook)

    def requires_grad_(self, requires_grad: bool = True) -> "Tensor":
        """Set :attr:`requires_grad` in place and return ``self``.

        Parameters
        ----------
        requires_grad : bool, default True
            True to start recording operations on this leaf.

        Returns
        -------
        Tensor
            ``self``.

        Raises
        ------
        TypeError
            If True is asked of a non-floating tensor (integers have no gradient).
        RuntimeError
            If False is asked of a non-leaf (use :meth:`detach`).

        Examples
        --------
        >>> import lucid
        >>> w = lucid.zeros(2).requires_grad_()
        >>> w.requires_grad, w.is_leaf
        (True, True)
        """
        if requires_grad and self.dtype.kind not in "fc":
            raise TypeError(
                f"only floating-point tensors can require gradients, got dtype {self.dtype}; "
                f"convert first with .float()"
            )
        if not requires_grad and self.grad_fn is not None:
            raise RuntimeError("requires_grad_(False) only works on leaf tensors; use .detach()")
        self.requires_grad = bool(requires_grad)
        return self

    def zero_grad(self) -> None:
        """Forget the accumulated gradient (sets :attr:`grad` to None).

        Examples
        --------
        >>> import lucid
        >>> x = lucid.tensor([1.0], requires_grad=True)
        >>> (2 * x).sum().backward()
        >>> x.zero_grad()
        >>> x.grad is None
        True
        """
        self.grad = None

    def detach(self) -> "Tensor":
        """A tensor sharing this one's data, cut from the graph (it does not require grad).

        Returns
        -------
        Tensor
            A leaf whose ``data`` is the same array: an in-place change of one
            is seen by the other (and counted by the shared version counter).
            Gradients do not flow through it; use :meth:`clone` for a copy that
            stays in the graph.

        Examples
        --------
        >>> import lucid
        >>> x = lucid.tensor([1.0, 2.0], requires_grad=True)
        >>> d = (x * 2).detach()
        >>> d.requires_grad, d.grad_fn is None
        (False, True)
        """
        t = Tensor._make(self.data, False)
        t._version = self._version
        return t

    # ------------------------------------------------------------------ conversion
    def numpy(self) -> np.ndarray:
        """The values as a NumPy array on the host.

        Returns
        -------
        numpy.ndarray
            On the CPU, ``self.data`` itself (no copy: changing it changes the
            tensor); on the GPU, a copy. Unlike PyTorch, no ``.detach()`` is needed first.

        Examples
        --------
        >>> import lucid
        >>> lucid.tensor([1.0, 2.0], requires_grad=True).numpy()
        array([1., 2.], dtype=float32)
        """
        return backend.to_host(self.data)

    def __dlpack__(self, *, stream: Any = None, max_version: tuple | None = None,
                   dl_device: tuple | None = None, copy: bool | None = None) -> Any:
        """Share this tensor's memory with ``np.from_dlpack``, ``torch.from_dlpack``, ``cupy.from_dlpack``.

        See :func:`lucid.interop.to_dlpack`; a tensor that requires grad is
        refused (``BufferError``, as PyTorch): export ``t.detach()``.

        Examples
        --------
        >>> import numpy as np
        >>> import lucid
        >>> np.from_dlpack(lucid.tensor([1.0, 2.0]))
        array([1., 2.], dtype=float32)
        """
        from lucid import interop  # here, not at the top: interop imports this module

        return interop.to_dlpack(self, stream=stream, max_version=max_version, dl_device=dl_device, copy=copy)

    def __dlpack_device__(self) -> tuple:
        """DLPack's ``(device_type, device_id)``: ``(1, 0)`` on the CPU, ``(2, id)`` on a CUDA GPU.

        Examples
        --------
        >>> import lucid
        >>> lucid.tensor([1.0]).__dlpack_device__()
        (1, 0)
        """
        from lucid import interop

        return interop.dlpack_device(self)

    def item(self) -> Any:
        """The single value of a one-element tensor as a Python number.

        Raises
        ------
        ValueError
            If the tensor has more or fewer than one element.

        Examples
        --------
        >>> import lucid
        >>> lucid.tensor([[2.5]]).item()
        2.5
        """
        if self.size != 1:
            raise ValueError(f"item() needs a tensor with exactly one element, got shape {self.shape}")
        return self.numpy().reshape(()).item()

    def tolist(self) -> Any:
        """The values as (nested) Python lists of Python numbers.

        Examples
        --------
        >>> import lucid
        >>> lucid.tensor([[1, 2], [3, 4]]).tolist()
        [[1, 2], [3, 4]]
        """
        return self.numpy().tolist()

    def clone(self) -> "Tensor":
        """A copy of the data that stays in the graph (gradients flow back to this tensor).

        Method form of :func:`lucid.clone`.

        Examples
        --------
        >>> import lucid
        >>> x = lucid.tensor([1.0], requires_grad=True)
        >>> x.clone().grad_fn
        <CloneBackward>
        """
        return _ops.clone(self)

    def to(self, device: Any = None, dtype: Any = None) -> "Tensor":
        """This tensor on ``device`` and/or with ``dtype``; differentiable; no copy if nothing changes.

        Parameters
        ----------
        device : str, optional
            ``"cpu"`` or ``"gpu"`` (``"cuda"`` accepted). A dtype given here in
            place of a device is taken as ``dtype`` (``t.to(lucid.float64)``).
        dtype : dtype or str, optional
            The target dtype.

        Returns
        -------
        Tensor
            See :func:`lucid.to_device` and :func:`lucid.astype` for the gradients.

        Examples
        --------
        >>> import lucid
        >>> x = lucid.tensor([1.0])
        >>> x.to("cpu") is x, x.to(lucid.float64).dtype
        (True, dtype('float64'))
        """
        if isinstance(device, (np.dtype, type)) and dtype is None:
            device, dtype = None, device
        out = self
        if device is not None:
            out = _ops.to_device(out, backend.normalize_device(device))
        if dtype is not None:
            out = _ops.astype(out, dtype)
        return out

    def cpu(self) -> "Tensor":
        """``self.to("cpu")``."""
        return self.to("cpu")

    def gpu(self) -> "Tensor":
        """``self.to("gpu")`` (also called ``cuda()``)."""
        return self.to("gpu")

    cuda = gpu

    def astype(self, dtype: Any) -> "Tensor":
        """This tensor cast to ``dtype``; method form of :func:`lucid.astype` (differentiable between float types)."""
        return _ops.astype(self, dtype)

    def float(self) -> "Tensor":
        """``self.astype(lucid.float32)``."""
        return _ops.astype(self, np.float32)

    def double(self) -> "Tensor":
        """``self.astype(lucid.float64)``."""
        return _ops.astype(self, np.float64)

    def long(self) -> "Tensor":
        """``self.astype(lucid.int64)`` (no gradient flows through an integer cast)."""
        return _ops.astype(self, np.int64)

    def int(self) -> "Tensor":
        """``self.astype(lucid.int32)`` (no gradient flows through an integer cast)."""
        return _ops.astype(self, np.int32)

    def bool(self) -> "Tensor":
        """``self.astype(lucid.bool_)``."""
        return _ops.astype(self, np.bool_)

    # ------------------------------------------------------------------ Python protocol
    def __repr__(self) -> str:
        body = np.array2string(self.numpy(), separator=", ", prefix="Tensor(")
        extras = []
        if self.dtype not in _SHOWN_DTYPES:
            extras.append(f"dtype={self.dtype}")
        if self.device != "cpu":
            extras.append(f"device='{self.device}'")
        if self.grad_fn is not None:
            extras.append(f"grad_fn={self.grad_fn!r}")
        elif self.requires_grad:
            extras.append("requires_grad=True")
        return "Tensor(" + body + "".join(", " + e for e in extras) + ")"

    def __len__(self) -> int:
        if self.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self.data.shape[0]

    def __iter__(self):
        if self.ndim == 0:
            raise TypeError("iteration over a 0-d tensor")
        return (self[i] for i in range(self.data.shape[0]))

    def __bool__(self) -> bool:
        if self.size != 1:
            raise RuntimeError(
                f"the truth value of a tensor with {self.size} elements is ambiguous; use .any() or .all()"
            )
        return bool(self.item())

    def __float__(self) -> float:
        return float(self.item())

    def __int__(self) -> int:
        return int(self.item())

    def __index__(self) -> int:
        if self.dtype.kind not in "iu" or self.size != 1:
            raise TypeError("only integer tensors of a single element can be used as an index")
        return int(self.item())

    def __array_namespace__(self, api_version=None):
        """lucid's ops as an array namespace (:mod:`lucid.ops.namespace`), so backward formulas run on Tensors."""
        from lucid.ops import namespace

        return namespace

    def __array__(self, dtype=None, copy=None):
        if self.device != "cpu":
            raise TypeError(
                f"cannot convert a tensor on '{self.device}' to a NumPy array implicitly; call .numpy()"
            )
        return self.data if dtype is None else self.data.astype(dtype)

    # ------------------------------------------------------------------ arithmetic
    def __add__(self, other):
        return _ops.add(self, other)

    def __radd__(self, other):
        return _ops.add(other, self)

    def __sub__(self, other):
        return _ops.sub(self, other)

    def __rsub__(self, other):
        return _ops.sub(other, self)

    def __mul__(self, other):
        return _ops.mul(self, other)

    def __rmul__(self, other):
        return _ops.mul(other, self)

    def __truediv__(self, other):
        return _ops.div(self, other)

    def __rtruediv__(self, other):
        return _ops.div(other, self)

    def __pow__(self, other):
        return _ops.pow(self, other)

    def __rpow__(self, other):
        return _ops.pow(other, self)

    def __matmul__(self, other):
        return _ops.matmul(self, other)

    def __rmatmul__(self, other):
        return _ops.matmul(other, self)

    def __neg__(self):
        return _ops.neg(self)

    def __pos__(self):
        return self

    def __abs__(self):
        return _ops.abs(self)

    def __iadd__(self, other):
        return _ops.add_(self, other)

    def __isub__(self, other):
        return _ops.sub_(self, other)

    def __imul__(self, other):
        return _ops.mul_(self, other)

    def __itruediv__(self, other):
        return _ops.div_(self, other)

    def __eq__(self, other):  # type: ignore[override]
        return _ops.eq(self, other)

    def __ne__(self, other):  # type: ignore[override]
        return _ops.ne(self, other)

    def __lt__(self, other):
        return _ops.lt(self, other)

    def __le__(self, other):
        return _ops.le(self, other)

    def __gt__(self, other):
        return _ops.gt(self, other)

    def __ge__(self, other):
        return _ops.ge(self, other)

    def __and__(self, other):
        return _ops.logical_and(self, other)

    def __rand__(self, other):
        return _ops.logical_and(other, self)

    def __or__(self, other):
        return _ops.logical_or(self, other)

    def __ror__(self, other):
        return _ops.logical_or(other, self)

    def __xor__(self, other):
        return _ops.logical_xor(self, other)

    def __rxor__(self, other):
        return _ops.logical_xor(other, self)

    def __invert__(self):
        return _ops.logical_not(self)

    def __getitem__(self, index):
        return _ops.getitem(self, index)

    def __setitem__(self, index, value):
        _ops.setitem_(self, index, value)

    # ------------------------------------------------------------------ op methods
    def exp(self):
        """Method form of :func:`lucid.exp`: ``t.exp(...)`` is ``lucid.exp(t, ...)``."""
        return _ops.exp(self)

    def log(self):
        """Method form of :func:`lucid.log`: ``t.log(...)`` is ``lucid.log(t, ...)``."""
        return _ops.log(self)

    def log1p(self):
        """Method form of :func:`lucid.log1p`: ``t.log1p(...)`` is ``lucid.log1p(t, ...)``."""
        return _ops.log1p(self)

    def sqrt(self):
        """Method form of :func:`lucid.sqrt`: ``t.sqrt(...)`` is ``lucid.sqrt(t, ...)``."""
        return _ops.sqrt(self)

    def abs(self):
        """Method form of :func:`lucid.abs`: ``t.abs(...)`` is ``lucid.abs(t, ...)``."""
        return _ops.abs(self)

    def sin(self):
        """Method form of :func:`lucid.sin`: ``t.sin(...)`` is ``lucid.sin(t, ...)``."""
        return _ops.sin(self)

    def cos(self):
        """Method form of :func:`lucid.cos`: ``t.cos(...)`` is ``lucid.cos(t, ...)``."""
        return _ops.cos(self)

    def tanh(self):
        """Method form of :func:`lucid.tanh`: ``t.tanh(...)`` is ``lucid.tanh(t, ...)``."""
        return _ops.tanh(self)

    def sigmoid(self):
        """Method form of :func:`lucid.sigmoid`: ``t.sigmoid(...)`` is ``lucid.sigmoid(t, ...)``."""
        return _ops.sigmoid(self)

    def relu(self):
        """Method form of :func:`lucid.relu`: ``t.relu(...)`` is ``lucid.relu(t, ...)``."""
        return _ops.relu(self)

    def softmax(self, axis: int = -1, dim: int | None = None):
        """Method form of :func:`lucid.softmax`: ``t.softmax(...)`` is ``lucid.softmax(t, ...)``."""
        return _ops.softmax(self, axis=axis, dim=dim)

    def log_softmax(self, axis: int = -1, dim: int | None = None):
        """Method form of :func:`lucid.log_softmax`: ``t.log_softmax(...)`` is ``lucid.log_softmax(t, ...)``."""
        return _ops.log_softmax(self, axis=axis, dim=dim)

    def matmul(self, other):
        """Method form of :func:`lucid.matmul`: ``t.matmul(...)`` is ``lucid.matmul(t, ...)``."""
        return _ops.matmul(self, other)

    def pow(self, exponent):
        """Method form of :func:`lucid.pow`: ``t.pow(...)`` is ``lucid.pow(t, ...)``."""
        return _ops.pow(self, exponent)

    def clip(self, min=None, max=None):
        """Method form of :func:`lucid.clip`: ``t.clip(...)`` is ``lucid.clip(t, ...)``."""
        return _ops.clip(self, min, max)

    clamp = clip

    def maximum(self, other):
        """Method form of :func:`lucid.maximum`: ``t.maximum(...)`` is ``lucid.maximum(t, ...)``."""
        return _ops.maximum(self, other)

    def minimum(self, other):
        """Method form of :func:`lucid.minimum`: ``t.minimum(...)`` is ``lucid.minimum(t, ...)``."""
        return _ops.minimum(self, other)

    def sum(self, axis=None, keepdims=False, *, dim=None, keepdim=None):
        """Method form of :func:`lucid.sum`: ``t.sum(...)`` is ``lucid.sum(t, ...)``."""
        return _ops.sum(self, axis, keepdims, dim=dim, keepdim=keepdim)

    def mean(self, axis=None, keepdims=False, *, dim=None, keepdim=None):
        """Method form of :func:`lucid.mean`: ``t.mean(...)`` is ``lucid.mean(t, ...)``."""
        return _ops.mean(self, axis, keepdims, dim=dim, keepdim=keepdim)

    def var(self, axis=None, keepdims=False, *, correction=1, dim=None, keepdim=None, ddof=None, unbiased=None):
        """Method form of :func:`lucid.var`: ``t.var(...)`` is ``lucid.var(t, ...)``."""
        return _ops.var(self, axis, keepdims, correction=correction, dim=dim, keepdim=keepdim, ddof=ddof, unbiased=unbiased)

    def std(self, axis=None, keepdims=False, *, correction=1, dim=None, keepdim=None, ddof=None, unbiased=None):
        """Method form of :func:`lucid.std`: ``t.std(...)`` is ``lucid.std(t, ...)``."""
        return _ops.std(self, axis, keepdims, correction=correction, dim=dim, keepdim=keepdim, ddof=ddof, unbiased=unbiased)

    def max(self, axis=None, keepdims=False, *, dim=None, keepdim=None):
        """Method form of :func:`lucid.max`: ``t.max(...)`` is ``lucid.max(t, ...)``."""
        return _ops.max(self, axis, keepdims, dim=dim, keepdim=keepdim)

    def min(self, axis=None, keepdims=False, *, dim=None, keepdim=None):
        """Method form of :func:`lucid.min`: ``t.min(...)`` is ``lucid.min(t, ...)``."""
        return _ops.min(self, axis, keepdims, dim=dim, keepdim=keepdim)

    def amax(self, axis=None, keepdims=False, *, dim=None, keepdim=None):
        """Method form of :func:`lucid.amax`: ``t.amax(...)`` is ``lucid.amax(t, ...)``."""
        return _ops.amax(self, axis, keepdims, dim=dim, keepdim=keepdim)

    def amin(self, axis=None, keepdims=False, *, dim=None, keepdim=None):
        """Method form of :func:`lucid.amin`: ``t.amin(...)`` is ``lucid.amin(t, ...)``."""
        return _ops.amin(self, axis, keepdims, dim=dim, keepdim=keepdim)

    def logsumexp(self, axis=None, keepdims=False, *, dim=None, keepdim=None):
        """Method form of :func:`lucid.logsumexp`: ``t.logsumexp(...)`` is ``lucid.logsumexp(t, ...)``."""
        return _ops.logsumexp(self, axis, keepdims, dim=dim, keepdim=keepdim)

    def argmax(self, axis=None, keepdims=False, *, dim=None, keepdim=None):
        """Method form of :func:`lucid.argmax`: ``t.argmax(...)`` is ``lucid.argmax(t, ...)``."""
        return _ops.argmax(self, axis, keepdims, dim=dim, keepdim=keepdim)

    def argmin(self, axis=None, keepdims=False, *, dim=None, keepdim=None):
        """Method form of :func:`lucid.argmin`: ``t.argmin(...)`` is ``lucid.argmin(t, ...)``."""
        return _ops.argmin(self, axis, keepdims, dim=dim, keepdim=keepdim)

    def any(self, axis=None, keepdims=False):
        """Method form of :func:`lucid.any`: ``t.any(...)`` is ``lucid.any(t, ...)``."""
        return _ops.any(self, axis, keepdims)

    def all(self, axis=None, keepdims=False):
        """Method form of :func:`lucid.all`: ``t.all(...)`` is ``lucid.all(t, ...)``."""
        return _ops.all(self, axis, keepdims)

    def reshape(self, *shape):
        """Method form of :func:`lucid.reshape`: ``t.reshape(...)`` is ``lucid.reshape(t, ...)``."""
        return _ops.reshape(self, *shape)

    def view(self, *shape):
        """Same as :meth:`reshape` (:func:`lucid.reshape`); unlike PyTorch it never requires a contiguous tensor."""
        return _ops.reshape(self, *shape)

    def flatten(self, start_dim: int = 0, end_dim: int = -1):
        """Method form of :func:`lucid.flatten`: ``t.flatten(...)`` is ``lucid.flatten(t, ...)``."""
        return _ops.flatten(self, start_dim, end_dim)

    def squeeze(self, axis=None, *, dim=None):
        """Method form of :func:`lucid.squeeze`: ``t.squeeze(...)`` is ``lucid.squeeze(t, ...)``."""
        return _ops.squeeze(self, axis, dim=dim)

    def unsqueeze(self, axis=None, *, dim=None):
        """Method form of :func:`lucid.unsqueeze`: ``t.unsqueeze(...)`` is ``lucid.unsqueeze(t, ...)``."""
        return _ops.unsqueeze(self, axis, dim=dim)

    def transpose(self, *axes):
        """Method form of :func:`lucid.transpose`: ``t.transpose(...)`` is ``lucid.transpose(t, ...)``."""
        return _ops.transpose(self, *axes)

    def permute(self, *axes):
        """Method form of :func:`lucid.permute`: ``t.permute(...)`` is ``lucid.permute(t, ...)``."""
        return _ops.permute(self, *axes)

    def swapaxes(self, axis1: int, axis2: int):
        """Method form of :func:`lucid.swapaxes`: ``t.swapaxes(...)`` is ``lucid.swapaxes(t, ...)``."""
        return _ops.swapaxes(self, axis1, axis2)

    def expand(self, *sizes):
        """Method form of :func:`lucid.expand`: ``t.expand(...)`` is ``lucid.expand(t, ...)``."""
        return _ops.expand(self, *sizes)

    def broadcast_to(self, *shape):
        """Method form of :func:`lucid.broadcast_to`: ``t.broadcast_to(...)`` is ``lucid.broadcast_to(t, ...)``."""
        return _ops.broadcast_to(self, *shape)

    def repeat(self, *sizes):
        """Method form of :func:`lucid.repeat`: ``t.repeat(...)`` is ``lucid.repeat(t, ...)``."""
        return _ops.repeat(self, *sizes)

    def split(self, split_size_or_sections, axis: int = 0, *, dim=None):
        """Method form of :func:`lucid.split`: ``t.split(...)`` is ``lucid.split(t, ...)``."""
        return _ops.split(self, split_size_or_sections, axis, dim=dim)




class RemovableHandle:
    """What :meth:`Tensor.register_hook` returns: ``remove()`` takes the hook out again.

    Examples
    --------
    >>> import lucid
    >>> x = lucid.tensor([1.0], requires_grad=True)
    >>> handle = x.register_hook(lambda g: g * 0)
    >>> handle.remove()
    >>> (2 * x).sum().backward()
    >>> x.grad
    array([2.], dtype=float32)
    """

    __slots__ = ("_hooks", "_hook")

    def __init__(self, hooks: list, hook) -> None:
        self._hooks, self._hook = hooks, hook

    def remove(self) -> None:
        """Unregister the hook (doing it twice is harmless)."""
        for i, h in enumerate(self._hooks):
            if h is self._hook:
                del self._hooks[i]
                return


def _grad_argument(grad: Any, root: Tensor) -> Any:
    """Validate a user-given upstream gradient and return a private array of it."""
    if isinstance(grad, Tensor):
        grad = grad.data
    if type(grad) is np.ndarray and type(root.data) is np.ndarray and grad.shape == root.data.shape:
        return grad.astype(root.data.dtype, copy=False)  # the common case, checked: both on the CPU, same shape
    if not backend.is_array(grad):
        grad = backend.asarray(grad, dtype=root.dtype, device=root.device)  # a list or number: on the root's device
    if backend.device_of(grad) != root.device:
        raise RuntimeError(
            f"backward(grad=...): grad is on '{backend.device_of(grad)}' but the tensor is on '{root.device}'"
        )
    if tuple(grad.shape) != root.shape:
        raise ValueError(
            f"backward(grad=...): grad must have the tensor's shape {root.shape}, got shape {tuple(grad.shape)}"
        )
    xp = backend.xp_of(grad)
    # no copy: the engine never writes into the caller's gradient, and copies it before it becomes a .grad
    return xp.astype(grad, root.data.dtype, copy=False)


# Imported last: the engine and the ops build Tensors, so they need this class defined first.
from lucid.autograd import engine, views  # noqa: E402
from lucid import ops as _ops  # noqa: E402
