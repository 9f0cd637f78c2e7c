"""Interop: share a tensor's memory with NumPy, PyTorch, CuPy and JAX (DLPack, ``from_numpy``).

DLPack is the protocol array libraries use to hand each other a pointer to
their memory, with its shape, strides, dtype and device: no copy is made, so
a write through one library is seen by the other. A lucid tensor speaks it
through its data array (NumPy on the CPU, CuPy on the GPU), which already
implements the protocol:

* ``np.from_dlpack(t)``, ``torch.from_dlpack(t)``, ``cupy.from_dlpack(t)``
  call :meth:`lucid.Tensor.__dlpack__`, which checks what PyTorch checks
  (no tensor that requires grad) and asks ``t.data.__dlpack__`` for the
  capsule;
* :func:`from_dlpack` turns any object with ``__dlpack__`` into a lucid
  tensor on the device the producer names (CPU memory becomes a NumPy array,
  CUDA memory a CuPy array);
* :func:`from_numpy` wraps a NumPy array without a copy, as
  ``torch.from_numpy``; :func:`lucid.tensor` copies.

The version counter is lucid's own: an in-place write made through another
library is not counted, so backward cannot notice that a tensor it saved was
changed from outside. Change shared memory only outside a graph (or
``detach()`` and copy first).
"""
from __future__ import annotations

import warnings
from typing import Any

import numpy as np

from lucid import backend
from lucid.tensor import Tensor

__all__ = ["from_dlpack", "from_numpy"]

# DLPack's device types (dlpack.h, DLDeviceType) that lucid can hold, and names for the error message.
_KDLCPU, _KDLCUDA, _KDLCUDAHOST = 1, 2, 3
_DEVICE_FOR_TYPE = {_KDLCPU: backend.CPU, _KDLCUDAHOST: backend.CPU, _KDLCUDA: backend.GPU}  # pinned host memory is CPU memory
_DLPACK_DEVICE_NAMES = {
    1: "kDLCPU", 2: "kDLCUDA", 3: "kDLCUDAHost", 4: "kDLOpenCL", 7: "kDLVulkan", 8: "kDLMetal", 9: "kDLVPI",
    10: "kDLROCM", 11: "kDLROCMHost", 12: "kDLExtDev", 13: "kDLCUDAManaged", 14: "kDLOneAPI", 15: "kDLWebGPU",
    16: "kDLHexagon", 17: "kDLMAIA",
}

_READONLY_WARNING = (
    "{where}: the array is not writable, so the tensor shares it read-only: an in-place op on the tensor "
    "(t += 1, t[0] = 2, an optimizer step) raises an error. "
    "Copy it with lucid.tensor(...) instead, or make the array writable before sharing it{why}."
)
# NumPy before 2.2.5 marks every array it imports through DLPack read-only, whatever the producer says.
_OLD_NUMPY_NOTE = " (this NumPy imports every DLPack array read-only: NumPy >= 2.2.5 keeps writable ones writable)"


# ----------------------------------------------------------------------------- export (Tensor.__dlpack__)
def _has_negative_strides(array: Any) -> bool:
    """True when an axis of more than one element runs backwards in memory (``x[::-1]``)."""
    strides = getattr(array, "strides", None)  # NumPy and CuPy; other namespaces hide their layout
    return strides is not None and any(s < 0 and n > 1 for s, n in zip(strides, array.shape))


def to_dlpack(tensor: Tensor, *, stream: Any = None, max_version: tuple | None = None,
              dl_device: tuple | None = None, copy: bool | None = None) -> Any:
    """The DLPack capsule of ``tensor``'s data: what :meth:`lucid.Tensor.__dlpack__` returns.

    Consumers (``np.from_dlpack``, ``torch.from_dlpack``, ``cupy.from_dlpack``)
    call this through ``__dlpack__``; users rarely call it themselves.

    Parameters
    ----------
    tensor : Tensor
        The tensor to export. It must not require grad.
    stream, max_version, dl_device, copy
        The DLPack keywords, passed on to the data array's own ``__dlpack__``
        when given (NumPy >= 2.1 and CuPy >= 13 know them all).

    Returns
    -------
    PyCapsule
        Consumed once by the caller.

    Raises
    ------
    BufferError
        If ``tensor`` requires grad (as PyTorch: export ``tensor.detach()``),
        or if an axis runs backwards in memory (``x[::-1]``), which PyTorch
        cannot import (``torch.from_numpy`` refuses such arrays); export a
        copy then (``copy=True``, or ``t.detach().clone()``). The data array
        may raise it too (NumPy refuses a read-only array to a consumer that
        asks for no ``max_version``).

    Examples
    --------
    >>> import numpy as np
    >>> import lucid
    >>> t = lucid.tensor([1.0, 2.0])
    >>> a = np.from_dlpack(t)          # calls t.__dlpack__(...): no copy
    >>> t[0] = 5.0
    >>> a
    array([5., 2.], dtype=float32)
    """
    if tensor.requires_grad:  # PyTorch's check and message: the consumer could not see the graph
        raise BufferError("Can't export tensors that require gradient, use tensor.detach()")
    array = tensor.data
    if copy is not True and _has_negative_strides(array):
        raise BufferError(
            f"Can't export a tensor whose memory runs backwards (strides {array.strides}, e.g. from x[::-1]) "
            f"through DLPack: PyTorch cannot import negative strides. Export a copy instead: "
            f"t.detach().clone(), or ask the consumer for copy=True"
        )
    kwargs = {name: value for name, value in
              (("stream", stream), ("max_version", max_version), ("dl_device", dl_device), ("copy", copy))
              if value is not None}
    return array.__dlpack__(**kwargs)


def dlpack_device(tensor: Tensor) -> tuple:
    """``(device_type, device_id)`` of ``tensor``'s data: what :meth:`lucid.Tensor.__dlpack_device__` returns.

    ``device_type`` is DLPack's number: 1 (``kDLCPU``) for a NumPy array,
    2 (``kDLCUDA``) for a CuPy array.

    Examples
    --------
    >>> import lucid
    >>> lucid.interop.dlpack_device(lucid.tensor([1.0]))
    (1, 0)
    """
    device_type, device_id = tensor.data.__dlpack_device__()
    return int(device_type), int(device_id)


# ----------------------------------------------------------------------------- import
def _describe(obj: Any) -> str:
    cls = type(obj)
    return cls.__qualname__ if cls.__module__ == "builtins" else f"{cls.__module__}.{cls.__qualname__}"


def _warn_if_readonly(array: Any, where: str, imported: bool = False) -> None:
    if isinstance(array, np.ndarray) and not array.flags.writeable:
        old_numpy = imported and np.lib.NumpyVersion(np.__version__) < "2.2.5"
        warnings.warn(_READONLY_WARNING.format(where=where, why=_OLD_NUMPY_NOTE if old_numpy else ""),
                      UserWarning, stacklevel=3)


def from_dlpack(obj: Any) -> Tensor:
    """A tensor sharing the memory of any array that speaks DLPack (PyTorch, NumPy, CuPy, JAX, ...).

    Parameters
    ----------
    obj : object with ``__dlpack__`` and ``__dlpack_device__``
        A ``torch.Tensor``, ``numpy.ndarray``, ``cupy.ndarray``, ``jax.Array``
        or a lucid :class:`~lucid.Tensor`. A PyTorch tensor that requires grad
        must be detached first (PyTorch refuses to export it).

    Returns
    -------
    Tensor
        A leaf that does not require grad, with ``obj``'s shape, strides and
        dtype, on the producer's device: CPU memory (``kDLCPU``, pinned
        ``kDLCUDAHost``) gives a ``"cpu"`` tensor whose data is a NumPy
        array; CUDA memory (``kDLCUDA``) gives a ``"gpu"`` tensor whose data
        is a CuPy array. No copy: a write through either side is seen by the
        other.

    Raises
    ------
    TypeError
        If ``obj`` has no ``__dlpack__``/``__dlpack_device__``.
    BufferError
        If the producer refuses to export (its message is kept: PyTorch's
        names ``detach()`` for a tensor that requires grad), or the memory
        is on a device lucid does not use (Metal, ROCm, ...).
    lucid.backend.GPUUnavailableError
        For CUDA memory on a machine where lucid cannot use the GPU (no CuPy).

    Notes
    -----
    The new tensor has its own version counter. Writes made through the other
    library are not counted, so if the tensor was saved for a backward pass
    and is then changed from outside, backward uses the new values without
    the error an in-place lucid op would raise. Change shared memory only
    when no graph holds it.

    A read-only producer (a read-only NumPy array, a JAX array) gives a
    read-only tensor, with a warning: in-place ops on it raise. NumPy before
    2.2.5 imports *every* DLPack array read-only; there, writes go through
    the producer only.

    Compared with ``torch.from_dlpack``: same sharing, same refusal of
    tensors that require grad; PyTorch accepts a legacy capsule too, lucid
    only an object with ``__dlpack__``.

    Examples
    --------
    >>> import numpy as np
    >>> import lucid
    >>> a = np.array([1.0, 2.0, 3.0])
    >>> t = lucid.from_dlpack(a)
    >>> t.dtype, t.device
    (dtype('float64'), 'cpu')
    >>> a[0] = 10.0                    # seen by the tensor: the memory is shared
    >>> t.tolist()
    [10.0, 2.0, 3.0]
    """
    if not (hasattr(obj, "__dlpack__") and hasattr(obj, "__dlpack_device__")):
        raise TypeError(
            f"lucid.from_dlpack(obj) expects an array with __dlpack__ and __dlpack_device__ (a PyTorch, NumPy, "
            f"CuPy or JAX array), got {_describe(obj)}; use lucid.tensor(obj) to copy other data"
        )
    device_type, device_id = obj.__dlpack_device__()
    device_type, device_id = int(device_type), int(device_id)  # PyTorch answers with an IntEnum
    device = _DEVICE_FOR_TYPE.get(device_type)
    if device is None:
        name = _DLPACK_DEVICE_NAMES.get(device_type, "unknown")
        raise BufferError(
            f"lucid.from_dlpack: the {_describe(obj)} lives on DLPack device type {device_type} ({name}); "
            f"lucid holds CPU memory (kDLCPU, kDLCUDAHost) and CUDA memory (kDLCUDA, with CuPy). "
            f"Move it to the CPU first (for PyTorch: obj.cpu())"
        )
    if device == backend.GPU and device_id != 0:
        raise BufferError(
            f"lucid.from_dlpack: the {_describe(obj)} is on CUDA device {device_id}; lucid's 'gpu' is "
            f"device 0 (set CUDA_VISIBLE_DEVICES={device_id} to make that GPU lucid's, or move it to cuda:0)"
        )
    xp = backend.namespace(device)  # NumPy, or the GPU's namespace (raises a clear error without CuPy)
    try:
        array = xp.from_dlpack(obj)
    except (BufferError, RuntimeError, TypeError, ValueError) as exc:
        raise type(exc)(f"lucid.from_dlpack: the {_describe(obj)} could not be shared: {exc}") from exc
    _warn_if_readonly(array, "lucid.from_dlpack", imported=True)
    return Tensor._make(backend.ensure_array(array))


def from_numpy(ndarray: np.ndarray) -> Tensor:
    """A CPU tensor that shares the memory of a NumPy array, as ``torch.from_numpy``.

    Parameters
    ----------
    ndarray : numpy.ndarray
        Any shape and strides, a numeric or bool dtype in native byte order.

    Returns
    -------
    Tensor
        A leaf on ``"cpu"`` that does not require grad, whose ``data`` is
        ``ndarray`` itself (a subclass such as ``np.memmap`` is viewed as a
        plain ``ndarray``): same dtype, no copy. Writing into one changes the
        other. :func:`lucid.tensor` copies instead (and turns float64 Python
        data into float32; an array keeps its dtype in both).

    Raises
    ------
    TypeError
        If ``ndarray`` is not a NumPy array (a list, a NumPy scalar, a
        ``torch.Tensor``: use :func:`from_dlpack` for other libraries), or its
        dtype is not bool, integer, floating or complex.
    ValueError
        If its byte order is not the machine's (as PyTorch).

    Warns
    -----
    UserWarning
        If ``ndarray`` is read-only (as PyTorch): the tensor shares it, and
        in-place ops on the tensor raise.

    Notes
    -----
    Writes made through NumPy are not counted by the tensor's version
    counter; see :func:`from_dlpack`. PyTorch refuses arrays with negative
    strides (``a[::-1]``); lucid holds them as they are, but will not export
    them to PyTorch through DLPack.

    Examples
    --------
    >>> import numpy as np
    >>> import lucid
    >>> a = np.zeros(3, dtype=np.float32)
    >>> t = lucid.from_numpy(a)
    >>> t += 1                         # in-place on the tensor: the array changes too
    >>> a
    array([1., 1., 1.], dtype=float32)
    >>> a[0] = 7.0                     # and the other way round
    >>> t
    Tensor([7., 1., 1.])
    >>> lucid.tensor(a).data is a      # lucid.tensor copies
    False
    """
    if not isinstance(ndarray, np.ndarray):
        raise TypeError(f"lucid.from_numpy(ndarray) expects a numpy.ndarray, got {_describe(ndarray)}"
                        + ("; use lucid.from_dlpack for arrays of other libraries"
                           if hasattr(ndarray, "__dlpack__") and not isinstance(ndarray, np.generic) else ""))
    if ndarray.dtype.kind not in "biufc":
        raise TypeError(f"lucid.from_numpy(ndarray) expects a bool, integer, floating or complex dtype, "
                        f"got an array of dtype {ndarray.dtype}")
    if not ndarray.dtype.isnative:
        raise ValueError(f"lucid.from_numpy(ndarray): the array's byte order ({ndarray.dtype.str}) is not the "
                         f"machine's; convert it first: ndarray.astype(ndarray.dtype.newbyteorder('='))")
    _warn_if_readonly(ndarray, "lucid.from_numpy")
    array = ndarray if type(ndarray) is np.ndarray else ndarray.view(np.ndarray)  # lucid tells devices by exact type
    return Tensor._make(array)
