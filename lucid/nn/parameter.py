"""Parameter: a Tensor that a :class:`~lucid.nn.Module` registers as one of its learnable weights."""
from __future__ import annotations

from typing import Any

import numpy as np

from lucid import backend
from lucid.tensor import Tensor


class Parameter(Tensor):
    """A tensor that is a learnable weight of a module.

    Assigning a ``Parameter`` to an attribute of a :class:`~lucid.nn.Module`
    registers it, so it shows up in :meth:`~lucid.nn.Module.parameters`,
    :meth:`~lucid.nn.Module.state_dict` and is moved by
    :meth:`~lucid.nn.Module.to`.  Apart from that it is an ordinary
    :class:`~lucid.Tensor` (a leaf), usable wherever a tensor is expected.

    Parameters
    ----------
    data : Tensor, array, number or nested list, optional
        The initial values.  A :class:`~lucid.Tensor` is wrapped *without a
        copy* and keeps its dtype and device (as ``torch.nn.Parameter`` does);
        anything else is copied and, unless ``dtype`` is given, stored as
        ``float32`` (the project's parameter dtype, even for float64 NumPy
        arrays).  Default: an empty float32 tensor.
    requires_grad : bool, default True
        Whether backward computes a gradient for it.
    dtype : dtype or str, optional
        Store the values with this dtype instead.

    Attributes
    ----------
    data : array
        The backend array (NumPy or CuPy).
    grad : array or None
        Filled in by ``backward``; ``Module.zero_grad()`` resets it to ``None``.

    Notes
    -----
    A parameter :math:`\\theta` is a leaf of the graph: after
    ``loss.backward()`` its ``grad`` holds :math:`\\partial L / \\partial \\theta`,
    summed over every use of :math:`\\theta` in the forward pass.

    Examples
    --------
    >>> import lucid
    >>> from lucid import nn
    >>> w = nn.Parameter([[1.0, 2.0]])
    >>> w.requires_grad, w.dtype, isinstance(w, lucid.Tensor)
    (True, dtype('float32'), True)
    >>> (w * 3).sum().backward()
    >>> w.grad
    array([[3., 3.]], dtype=float32)
    """

    __slots__ = ()

    def __init__(self, data: Any = None, requires_grad: bool = True, dtype: Any = None):
        if data is None:
            data = np.zeros((0,), dtype=np.float32)
        if isinstance(data, Tensor):
            array = data.data
            if dtype is not None and backend.to_numpy_dtype(dtype) != data.dtype:
                xp = backend.xp_of(array)
                array = xp.astype(array, backend.native_dtype(xp, dtype))
            self.data = array  # shares the tensor's memory (and version counter), like torch.nn.Parameter
            self.grad = None
            self.grad_fn = None
            self.requires_grad = False
            self._version = data._version if array is data.data else [0]
            self._retains_grad = False
            self._view = None
            self._hooks = None
        else:
            host_dtype = np.float32 if dtype is None else dtype
            super().__init__(data, requires_grad=False, dtype=host_dtype)
        if requires_grad:
            self.requires_grad_(True)

    def __repr__(self) -> str:
        return "Parameter containing:\n" + super().__repr__()
