"""The one module that knows which array library holds the numbers.

Everything else in lucid asks this module for the *array namespace* ``xp`` of
an array (``numpy`` on the CPU, CuPy on an NVIDIA GPU) and then calls the
functions that both libraries share under the Python array API standard
(``xp.exp``, ``xp.matmul``, ``xp.permute_dims``, ...).  The handful of things
that differ between libraries live here and nowhere else:

* device names and moving arrays between devices (:func:`to_device`,
  :func:`to_host`);
* scatter-add, used by the gradient of indexing (:func:`index_add`);
* random numbers (drawn on the host so a seed means the same numbers on
  every device, then moved);
* a few fast paths that only NumPy has (``einsum``);
* fused primitives (:mod:`lucid.backend.fused`): one GPU kernel where a
  plain formulation would launch several (the optimizer updates, sigmoid,
  the sum of a product, batch norm's steps, col2im, max pooling), each with
  its plain array-API formulation beside it.  Their CuPy kernels are in
  :mod:`lucid.backend.cupy_kernels`.

CuPy is imported lazily, the first time the GPU is asked for, so
``import lucid`` works on machines without it.  Only modules of this
package import it.

For tests, :func:`use_gpu_stand_in` lets any array-API namespace play the
GPU.  The test suite uses ``array_api_strict`` on its non-default device,
which refuses silent conversions to NumPy and any mixing of devices, so the
code paths meant for CuPy run (and fail loudly) on a machine with no GPU.
"""
from __future__ import annotations

import contextlib
import functools
import math
from typing import Any

import numpy as np

CPU = "cpu"
GPU = "gpu"

_DEVICE_ALIASES = {"cpu": CPU, "gpu": GPU, "cuda": GPU, "cuda:0": GPU}


class _Accelerator:
    """How lucid reaches the device it calls ``"gpu"``: a namespace and a device handle."""

    def __init__(self, xp: Any, device: Any, name: str):
        self.xp = xp
        self.device = device
        self.name = name
        self.array_type = type(xp.zeros((), device=device)) if device is not None else type(xp.zeros(()))


_accelerator: _Accelerator | None = None


class GPUUnavailableError(RuntimeError):
    """Raised when ``device="gpu"`` is asked for on a machine that cannot provide it."""


def _load_cupy() -> _Accelerator:
    try:
        import cupy  # the only place lucid imports CuPy
    except ImportError as exc:  # pragma: no cover - depends on the machine
        raise GPUUnavailableError(
            "device='gpu' needs CuPy, which is not installed. Install it with "
            "`python -m pip install -e \".[gpu]\"` (CUDA 12; for another CUDA "
            "version install the matching wheel, e.g. `pip install cupy-cuda11x`)."
        ) from exc
    try:
        available = cupy.cuda.is_available()
    except Exception:  # pragma: no cover - driver problems surface here
        available = False
    if not available:  # pragma: no cover - depends on the machine
        raise GPUUnavailableError(
            "device='gpu' needs an NVIDIA GPU with a working CUDA driver; CuPy is "
            "installed but found no CUDA device (cupy.cuda.is_available() is False)."
        )
    try:
        import array_api_compat.cupy as cupy_xp  # array-API names (concat, permute_dims, ...)
    except ImportError:  # pragma: no cover
        cupy_xp = cupy
    return _Accelerator(cupy_xp, None, "cupy")


def _is_cupy(array: Any) -> bool:
    """True when ``array`` is a CuPy array (the GPU is CuPy, not a stand-in)."""
    return _accelerator is not None and _accelerator.name == "cupy" and type(array) is _accelerator.array_type


def _gpu() -> _Accelerator:
    global _accelerator
    if _accelerator is None:
        _accelerator = _load_cupy()
    return _accelerator


def gpu_available() -> bool:
    """Return True when ``device="gpu"`` can be used (CuPy installed and a CUDA device found).

    Examples
    --------
    >>> import lucid
    >>> isinstance(lucid.backend.gpu_available(), bool)
    True
    """
    try:
        _gpu()
    except GPUUnavailableError:
        return False
    return True


@contextlib.contextmanager
def use_gpu_stand_in(xp: Any, device: Any = None):
    """Let another array-API namespace play the role of the GPU (for tests).

    Inside the ``with`` block, ``device="gpu"`` creates arrays of ``xp`` on
    ``device``.  The test suite uses ``array_api_strict`` on
    ``Device("device1")`` to exercise every GPU code path without a GPU.

    Parameters
    ----------
    xp : module
        An array namespace that follows the Python array API standard.
    device : object, optional
        The namespace's device handle to create arrays on.

    Examples
    --------
    >>> import numpy as np
    >>> import lucid
    >>> with lucid.backend.use_gpu_stand_in(np):
    ...     lucid.backend.gpu_available()
    True
    """
    global _accelerator
    previous = _accelerator
    _accelerator = _Accelerator(xp, device, getattr(xp, "__name__", "stand-in"))
    try:
        yield
    finally:
        _accelerator = previous


# ----------------------------------------------------------------------------- devices
def normalize_device(device: Any) -> str:
    """Map a user's device name to ``"cpu"`` or ``"gpu"``; raise a clear error otherwise.

    Parameters
    ----------
    device : str or None
        ``"cpu"``, ``"gpu"``, ``"cuda"`` or ``"cuda:0"`` (any case); ``None`` means ``"cpu"``.

    Returns
    -------
    str
        ``"cpu"`` or ``"gpu"``.

    Raises
    ------
    ValueError
        For any other name.

    Examples
    --------
    >>> import lucid
    >>> lucid.backend.normalize_device("CUDA:0"), lucid.backend.normalize_device(None)
    ('gpu', 'cpu')
    """
    if device is None:
        return CPU
    key = str(device).lower() if isinstance(device, str) else None
    if key not in _DEVICE_ALIASES:
        raise ValueError(
            f"device must be one of 'cpu', 'gpu', 'cuda' or 'cuda:0', got {device!r}"
        )
    return _DEVICE_ALIASES[key]


def ensure_array(value: Any) -> Any:
    """NumPy turns 0-d results into scalars (``np.float32``); make them 0-d arrays again.

    Parameters
    ----------
    value : array or NumPy scalar
        Anything else is returned unchanged.

    Examples
    --------
    >>> import numpy as np
    >>> import lucid
    >>> lucid.backend.ensure_array(np.float32(2.0)).shape
    ()
    """
    return np.asarray(value) if isinstance(value, np.generic) else value


def owns_memory(array: Any) -> bool:
    """True when ``array`` is not a view of another array (so writing into it changes nothing else).

    Parameters
    ----------
    array : array
        A backend array. For namespaces other than NumPy and CuPy the answer
        is always False (assume shared memory).

    Examples
    --------
    >>> import numpy as np
    >>> import lucid
    >>> a = np.zeros(4)
    >>> lucid.backend.owns_memory(a), lucid.backend.owns_memory(a[:2])
    (True, False)
    """
    if type(array) is np.ndarray:
        return array.base is None and array.flags.writeable
    if _is_cupy(array):  # pragma: no cover - needs a GPU
        return array.base is None
    return False  # other namespaces (and Tensors, under create_graph): assume shared, never write in place


def may_share_memory(a: Any, b: Any) -> bool:
    """True when arrays ``a`` and ``b`` may use the same memory (a view op gave a view, not a copy).

    A bounds check, not an exact answer, so it costs a fraction of a
    microsecond: enough to tell a slice or a reshape that kept the memory from
    one that had to copy. For namespaces that hide their memory the answer is
    True (assume a view: the safe side for version counters).

    Examples
    --------
    >>> import numpy as np
    >>> import lucid
    >>> a = np.zeros((2, 3))
    >>> lucid.backend.may_share_memory(a[0], a), lucid.backend.may_share_memory(a[[0]], a)
    (True, False)
    """
    if type(a) is np.ndarray:
        return type(b) is np.ndarray and np.may_share_memory(a, b)
    if _is_cupy(a):  # pragma: no cover - needs a GPU
        import cupy

        return _is_cupy(b) and bool(cupy.may_share_memory(a, b))
    inner_a, inner_b = getattr(a, "_array", None), getattr(b, "_array", None)  # array_api_strict wraps NumPy
    if type(inner_a) is np.ndarray and type(inner_b) is np.ndarray:
        return np.may_share_memory(inner_a, inner_b)
    return True


def _numpy_of(array: Any) -> Any:
    """The NumPy array behind ``array`` (itself, or the one array_api_strict wraps), or None (CuPy, others)."""
    if type(array) is np.ndarray:
        return array
    inner = getattr(array, "_array", None)
    return inner if type(inner) is np.ndarray else None


def has_internal_overlap(array: Any) -> bool:
    """True when several elements of ``array`` are one memory location (an expanded view, stride 0).

    An in-place write into such an array would be ambiguous; PyTorch refuses
    it, and so does lucid.

    Examples
    --------
    >>> import numpy as np
    >>> import lucid
    >>> row = np.zeros((1, 3))
    >>> lucid.backend.has_internal_overlap(lucid.backend.broadcast_to(row, (2, 3)))
    True
    >>> lucid.backend.has_internal_overlap(lucid.backend.broadcast_to(row, (1, 1, 3)))
    False
    """
    host = _numpy_of(array)
    if host is None:
        strides = getattr(array, "strides", None)  # CuPy
        if strides is None:
            return False
        return any(st == 0 and n > 1 for st, n in zip(strides, array.shape))
    return any(st == 0 and n > 1 for st, n in zip(host.strides, host.shape))


def is_writeable(array: Any) -> bool:
    """False for a read-only NumPy array (such as ``numpy.broadcast_to``'s result); True otherwise.

    Examples
    --------
    >>> import numpy as np
    >>> import lucid
    >>> lucid.backend.is_writeable(np.zeros(2)), lucid.backend.is_writeable(np.broadcast_to(np.zeros(1), (2,)))
    (True, False)
    """
    host = _numpy_of(array)
    return True if host is None else bool(host.flags.writeable)


def device_of(array: Any) -> str:
    """Return ``"cpu"`` for a NumPy array and ``"gpu"`` for an array of the accelerator.

    Parameters
    ----------
    array : array
        A backend array.

    Returns
    -------
    str
        ``"cpu"`` or ``"gpu"``.

    Examples
    --------
    >>> import numpy as np
    >>> import lucid
    >>> lucid.backend.device_of(np.zeros(2))
    'cpu'
    """
    return CPU if type(array) is np.ndarray else GPU


def xp_of(array: Any) -> Any:
    """Return the array namespace (module) that owns ``array``: ``numpy``, ``cupy``, or a stand-in.

    Op code calls this on its input and uses only the functions of the
    namespace, so one kernel serves every device.

    Parameters
    ----------
    array : array
        A backend array.

    Returns
    -------
    module
        The namespace.

    Examples
    --------
    >>> import numpy as np
    >>> import lucid
    >>> lucid.backend.xp_of(np.zeros(2)) is np
    True
    """
    if type(array) is np.ndarray:
        return np
    if _accelerator is not None and type(array) is _accelerator.array_type:
        return _accelerator.xp
    return array.__array_namespace__()


def is_array(obj: Any) -> bool:
    """True for a NumPy array or an array of the accelerator namespace.

    Parameters
    ----------
    obj : object
        Anything.

    Examples
    --------
    >>> import numpy as np
    >>> import lucid
    >>> lucid.backend.is_array(np.zeros(2)), lucid.backend.is_array([1.0])
    (True, False)
    """
    if isinstance(obj, np.ndarray):
        return True
    return _accelerator is not None and type(obj) is _accelerator.array_type


def _namespace_for(device: str):
    if device == CPU:
        return np, None
    acc = _gpu()
    return acc.xp, acc.device


def namespace(device: str) -> Any:
    """The array namespace used for ``device``.

    Parameters
    ----------
    device : str
        A device name accepted by :func:`normalize_device`.

    Returns
    -------
    module
        ``numpy`` for ``"cpu"``; the accelerator's namespace for ``"gpu"``.

    Raises
    ------
    GPUUnavailableError
        For ``"gpu"`` when no GPU can be used.

    Examples
    --------
    >>> import numpy as np
    >>> import lucid
    >>> lucid.backend.namespace("cpu") is np
    True
    """
    return _namespace_for(normalize_device(device))[0]


# ----------------------------------------------------------------------------- dtypes
def to_numpy_dtype(dtype: Any) -> np.dtype:
    """Turn any library's dtype (or a name such as ``"float32"``) into a NumPy dtype.

    Parameters
    ----------
    dtype : dtype, type or str
        A NumPy, CuPy or array-API dtype, or a name.

    Returns
    -------
    numpy.dtype

    Examples
    --------
    >>> import lucid
    >>> lucid.backend.to_numpy_dtype("float32")
    dtype('float32')
    """
    np_dtype = getattr(dtype, "_np_dtype", None)  # array_api_strict dtypes wrap a NumPy one
    return np.dtype(np_dtype if np_dtype is not None else dtype)


def native_dtype(xp: Any, dtype: Any) -> Any:
    """The dtype object that namespace ``xp`` understands for ``dtype``.

    Parameters
    ----------
    xp : module
        An array namespace.
    dtype : dtype, type or str
        Any dtype accepted by :func:`to_numpy_dtype`.

    Examples
    --------
    >>> import numpy as np
    >>> import lucid
    >>> lucid.backend.native_dtype(np, "int64")
    dtype('int64')
    """
    if xp is np:
        return to_numpy_dtype(dtype)
    return getattr(xp, to_numpy_dtype(dtype).name)


# ----------------------------------------------------------------------------- creation and transfer
def asarray(data: Any, dtype: Any = None, device: str = CPU) -> Any:
    """Make an array of ``data`` on ``device``.

    Parameters
    ----------
    data : array, nested list or scalar
        The values (an array on another device is moved).
    dtype : dtype or str, optional
        The dtype; by default NumPy's choice for ``data``.
    device : str, default "cpu"
        A device name accepted by :func:`normalize_device`.

    Returns
    -------
    array
        A NumPy array on the CPU, an array of the accelerator on the GPU.

    Examples
    --------
    >>> import lucid
    >>> lucid.backend.asarray([1, 2], dtype="float32")
    array([1., 2.], dtype=float32)
    """
    device = normalize_device(device)
    if device == CPU:
        if not isinstance(data, (np.ndarray, np.generic, list, tuple, int, float, bool)) \
                and hasattr(data, "__array_namespace__"):
            data = to_host(data)  # an array of another device comes back to the host
        return np.asarray(data, dtype=None if dtype is None else to_numpy_dtype(dtype))
    xp, dev = _namespace_for(device)
    if not is_array(data):
        data = np.asarray(data, dtype=None if dtype is None else to_numpy_dtype(dtype))
    dtype = data.dtype if dtype is None else dtype
    kwargs = {} if dev is None else {"device": dev}
    if isinstance(data, np.ndarray) and _accelerator.name != "cupy":
        # a stand-in namespace: build from nested Python values so it never holds NumPy memory
        out = xp.asarray(data.tolist() if data.ndim else data.item(), dtype=native_dtype(xp, dtype), **kwargs)
        return out if data.size else xp.reshape(out, data.shape)  # [] of shape (0, 3) lists as (0,)
    return xp.asarray(data, dtype=native_dtype(xp, dtype), **kwargs)


def to_host(array: Any) -> np.ndarray:
    """Copy ``array`` to a NumPy array on the host (no copy if it already is one).

    Parameters
    ----------
    array : array
        A backend array.

    Returns
    -------
    numpy.ndarray

    Examples
    --------
    >>> import numpy as np
    >>> import lucid
    >>> a = np.zeros(2)
    >>> lucid.backend.to_host(a) is a
    True
    """
    if isinstance(array, np.ndarray):
        return array
    if hasattr(array, "get"):  # CuPy
        return array.get()
    if hasattr(array, "to_device"):  # array-API stand-in: ask it to move to its CPU device
        xp = array.__array_namespace__()
        cpu = getattr(xp, "Device", None)
        if cpu is not None:
            array = array.to_device(cpu("CPU_DEVICE"))
    return np.asarray(array)


def to_device(array: Any, device: str) -> Any:
    """Return ``array`` on ``device`` (the same object if it is already there).

    Parameters
    ----------
    array : array
        A backend array.
    device : str
        A device name accepted by :func:`normalize_device`.

    Returns
    -------
    array
        ``array`` itself, or a copy on ``device``.

    Examples
    --------
    >>> import numpy as np
    >>> import lucid
    >>> a = np.zeros(2)
    >>> lucid.backend.to_device(a, "cpu") is a
    True
    """
    device = normalize_device(device)
    if device_of(array) == device:
        return array
    if device == CPU:
        return to_host(array)
    return asarray(array, device=device)


def array_device(array: Any) -> Any:
    """The library's own device handle of ``array``, for creating arrays next to it.

    Parameters
    ----------
    array : array
        A backend array.

    Returns
    -------
    object or None
        ``None`` for NumPy arrays (pass no ``device=`` then), else ``array.device``.

    Examples
    --------
    >>> import numpy as np
    >>> import lucid
    >>> lucid.backend.array_device(np.zeros(2)) is None
    True
    """
    return None if type(array) is np.ndarray else getattr(array, "device", None)



def reshape(array: Any, shape: tuple) -> Any:
    """``xp.reshape(array, shape)``: a view when the memory allows, else a copy.

    On NumPy the array's own method, which skips ``numpy.reshape``'s Python
    wrapper (about 1 us, as much as the rest of a small reshape).

    Examples
    --------
    >>> import numpy as np
    >>> import lucid
    >>> lucid.backend.reshape(np.arange(6), (2, 3))
    array([[0, 1, 2],
           [3, 4, 5]])
    """
    if type(array) is np.ndarray:
        return array.reshape(shape)
    return xp_of(array).reshape(array, shape)


def mT(array: Any) -> Any:
    """The matrix transpose (last two axes swapped) as a view.

    NumPy arrays have the array-API attribute ``.mT`` (cheaper than the
    ``numpy.matrix_transpose`` function, a Python wrapper); CuPy arrays lack
    it, so they go through the namespace's ``matrix_transpose``.

    Examples
    --------
    >>> import numpy as np
    >>> import lucid
    >>> lucid.backend.mT(np.zeros((5, 2, 3))).shape
    (5, 3, 2)
    """
    if type(array) is np.ndarray:
        return array.mT
    return xp_of(array).matrix_transpose(array)


def broadcast_to(array: Any, shape: tuple, writeable: bool = False) -> Any:
    """A view of ``array`` repeated along stretched (length-1 or new leading) axes; read-only by default.

    ``numpy.broadcast_to`` costs about 5 us, as much as a small op, because
    it goes through NumPy's general iterator; for a contiguous array the
    view is just the same memory with stride 0 on the stretched axes, made
    here directly (about 0.6 us).  NumPy still checks that the view fits in
    the array's memory.  Other arrays use the library's ``broadcast_to``
    (read-only on NumPy).

    ``writeable=True`` is for :func:`lucid.expand`, whose result may be
    written in place like any view (a row of it, or all of it when nothing
    was stretched); lucid itself refuses writes where elements overlap
    (:func:`has_internal_overlap`).

    Examples
    --------
    >>> import numpy as np
    >>> import lucid
    >>> view = lucid.backend.broadcast_to(np.array([[1.0], [2.0]]), (2, 3))
    >>> view
    array([[1., 1., 1.],
           [2., 2., 2.]])
    >>> view.flags.writeable
    False
    """
    if type(array) is np.ndarray and array.flags.c_contiguous and array.ndim <= len(shape):
        lead = len(shape) - array.ndim
        strides = [0] * lead
        for size, stride, want in zip(array.shape, array.strides, shape[lead:]):
            if size == want:
                strides.append(stride)
            elif size == 1:
                strides.append(0)
            else:
                raise ValueError(f"cannot broadcast an array of shape {array.shape} to shape {tuple(shape)}")
        view = np.ndarray(tuple(shape), array.dtype, array, 0, tuple(strides))
        view.flags.writeable = writeable and array.flags.writeable
        return view
    if type(array) is np.ndarray and writeable:  # a strided array: the general (slower) view maker
        lead = (1,) * (len(shape) - array.ndim)
        stretched = np.broadcast_to(array.reshape(lead + array.shape) if lead else array, tuple(shape))
        return np.lib.stride_tricks.as_strided(array, stretched.shape, stretched.strides,
                                               writeable=array.flags.writeable)
    return xp_of(array).broadcast_to(array, tuple(shape))


def device_kwargs(like: Any) -> dict:
    """``{"device": ...}`` to create an array next to ``like``, or ``{}`` for NumPy (which has one device).

    Examples
    --------
    >>> import numpy as np
    >>> import lucid
    >>> lucid.backend.device_kwargs(np.zeros(2))
    {}
    """
    dev = array_device(like)
    return {} if dev is None else {"device": dev}


def full(shape: tuple, value: Any, dtype: Any, like: Any) -> Any:
    """An array of ``shape`` filled with ``value``, of ``dtype``, on the device of ``like``.

    Examples
    --------
    >>> import numpy as np
    >>> import lucid
    >>> lucid.backend.full((2,), 7.0, np.float32, like=np.zeros(1))
    array([7., 7.], dtype=float32)
    """
    return xp_of(like).full(shape, value, dtype=dtype, **device_kwargs(like))

def zeros(shape, dtype, like: Any) -> Any:
    """Zeros of ``shape`` and ``dtype`` on the same device as the array ``like``.

    Parameters
    ----------
    shape : tuple of int
        The shape.
    dtype : dtype
        A dtype of ``like``'s namespace.
    like : array
        An array on the wanted device.

    Examples
    --------
    >>> import numpy as np
    >>> import lucid
    >>> lucid.backend.zeros((2,), np.float32, like=np.ones(3))
    array([0., 0.], dtype=float32)
    """
    if type(like) is np.ndarray:
        return np.zeros(shape, dtype=dtype)
    return xp_of(like).zeros(shape, dtype=dtype, **device_kwargs(like))


def arange_like(n: int, like: Any, dtype: Any = None) -> Any:
    """``arange(n)`` (int64 unless ``dtype``) on the device of ``like``.

    Parameters
    ----------
    n : int
        Number of values, ``0 .. n - 1``.
    like : array
        An array on the wanted device.
    dtype : dtype, optional
        A dtype of ``like``'s namespace; int64 by default.

    Examples
    --------
    >>> import numpy as np
    >>> import lucid
    >>> lucid.backend.arange_like(3, np.zeros(1))
    array([0, 1, 2])
    """
    xp = xp_of(like)
    dtype = native_dtype(xp, "int64") if dtype is None else dtype
    return xp.arange(n, dtype=dtype, **device_kwargs(like))


# ----------------------------------------------------------------------------- where libraries differ
def index_add(target: Any, axis: int, index: Any, values: Any) -> Any:
    """Add ``values`` into ``target`` at positions ``index`` along ``axis``; repeated indices add up.

    Parameters
    ----------
    target : array
        The array to add into.
    axis : int
        A non-negative axis of ``target``.
    index : array
        1-D integer positions along ``axis``, in ``[0, target.shape[axis])``.
    values : array
        ``target``'s shape with ``len(index)`` in place of ``target.shape[axis]``.

    Returns
    -------
    array
        ``target`` with the values added (modified in place where the library
        allows it; use the returned array).

    Notes
    -----
    Along ``axis``: :math:`t_j \\mathrel{+}= \\sum_{k : \\text{index}_k = j} v_k`,
    the scatter-add that the gradient of indexing needs
    (``numpy.add.at``, ``cupyx.scatter_add``; elsewhere a one-hot matrix product).
    A plain ``t[index] += v`` would keep only one of the repeated entries.

    Examples
    --------
    >>> import numpy as np
    >>> import lucid
    >>> lucid.backend.index_add(np.zeros(3), 0, np.array([0, 0, 2]), np.array([1.0, 2.0, 5.0]))
    array([3., 0., 5.])
    """
    xp = xp_of(target)
    if xp is np:
        moved = np.moveaxis(target, axis, 0)
        np.add.at(moved, index, np.moveaxis(values, axis, 0))
        return target
    if _accelerator is not None and _accelerator.name == "cupy":  # pragma: no cover - needs a GPU
        import cupyx

        moved = xp.moveaxis(target, axis, 0)
        cupyx.scatter_add(moved, index, xp.moveaxis(values, axis, 0))
        return target
    # Portable fallback: a one-hot matrix (len(index), n) contracted with the values.
    n = target.shape[axis]
    one_hot = xp.astype(index[:, None] == arange_like(n, index)[None, :], target.dtype)
    moved = xp.moveaxis(values, axis, -1)  # (..., len(index))
    summed = xp.matmul(moved, one_hot)  # (..., n)
    return target + xp.moveaxis(summed, -1, axis)


def einsum(subscripts: str, *operands: Any) -> Any | None:
    """``numpy.einsum`` on NumPy; ``None`` elsewhere (callers then use their array-API formulation).

    Callers use it as a fast path and keep an array-API formulation as the fallback.
    On NumPy one contraction reads each operand once and makes no product array.
    CuPy has ``einsum`` too, but it costs about 260 us a call to set up (measured on an
    H200, against 15-20 us for a kernel launch), so on CuPy this returns ``None``: a
    reduction of a product is :func:`sum_of_product` there (one ``ReductionKernel``).

    Parameters
    ----------
    subscripts : str
        Einstein-summation subscripts, as for ``numpy.einsum``.
    *operands : array
        The arrays, all of one namespace.

    Returns
    -------
    array or None

    Examples
    --------
    >>> import numpy as np
    >>> import lucid
    >>> lucid.backend.einsum("ij,j->i", np.eye(2), np.array([3.0, 4.0]))
    array([3., 4.])
    """
    if type(operands[0]) is np.ndarray:
        return np.einsum(subscripts, *operands, optimize=False)
    return None


_SAME_SIZE_INT = {np.dtype(np.float32): np.int32, np.dtype(np.float64): np.int64}


def where_zero(keep: Any, x: Any) -> Any:
    """``where(keep, x, 0)``: ``x`` where ``keep`` is True, exactly 0 elsewhere (even where ``x`` is inf/nan).

    The gradient of ReLU and of max-pooling.  NumPy's ``where`` branches on
    every element, and with a random mask (half the units of a ReLU) the CPU
    mispredicts half of those branches: it runs 5-8 times slower than a
    multiplication.  On NumPy this is branch-free instead: the mask becomes
    all-one or all-zero bit patterns that are ANDed with the floats' bits.
    (``x * keep`` would be branch-free too, but makes nan from ``inf * 0``.)
    """
    if type(x) is np.ndarray and type(keep) is np.ndarray and keep.shape == x.shape and x.dtype in _SAME_SIZE_INT \
            and x.size >= 1024:  # below that, the three calls cost more than the mispredictions they avoid
        ints = _SAME_SIZE_INT[x.dtype]
        bits = np.multiply(keep, ints(-1), dtype=ints)  # True -> 0b1...1, False -> 0
        np.bitwise_and(x.view(ints), bits, out=bits)
        return bits.view(x.dtype)
    if type(x) is np.ndarray:
        return np.where(keep, x, x.dtype.type(0))
    xp = xp_of(x)
    return xp.where(keep, x, xp.zeros((), dtype=x.dtype, **device_kwargs(x)))


def sliding_windows(array: Any, window: tuple[int, ...], axes: tuple[int, ...]) -> Any | None:
    """A view of every ``window`` along ``axes`` (NumPy/CuPy); ``None`` if the library lacks it.

    Parameters
    ----------
    array : array
        The input.
    window : tuple of int
        Window length along each of ``axes``.
    axes : tuple of int
        The axes to slide along.

    Returns
    -------
    array or None
        ``array``'s shape with each of ``axes`` shortened to ``n - w + 1`` and
        the window axes appended (``numpy.lib.stride_tricks.sliding_window_view``).

    Examples
    --------
    >>> import numpy as np
    >>> import lucid
    >>> lucid.backend.sliding_windows(np.arange(4), (2,), (0,))
    array([[0, 1],
           [1, 2],
           [2, 3]])
    """
    if type(array) is np.ndarray:
        return np.lib.stride_tricks.sliding_window_view(array, window, axis=axes)
    if _accelerator is not None and _accelerator.name == "cupy":  # pragma: no cover - needs a GPU
        from cupy.lib.stride_tricks import sliding_window_view

        return sliding_window_view(array, window, axis=axes)
    return None


def is_channels_last(array: Any) -> bool:
    """True when a 4-D NumPy/CuPy array ``(N, C, H, W)`` is stored channels-last (C varies fastest).

    lucid's convolution returns such views; ops that allocate a gradient use
    this to lay it out the same way, so later elementwise ops do not mix
    memory orders (which costs NumPy a strided pass).  Other namespaces: False.
    """
    strides = getattr(array, "strides", None)
    if strides is None or len(strides) != 4 or array.shape[1] == 1:
        return False
    return strides[1] < strides[3] and strides[1] < strides[2]


_BLAS_REDUCE_MAX = 1 << 16  # longest run summed by one BLAS product; longer ones use NumPy's pairwise sum
_TWO_LEVEL_MIN_RUN = 1 << 12  # from here a strided block (inner > 1) is summed in two products (_two_level_sum)


def sum(array: Any, axis: tuple, keepdims: bool = False) -> Any:  # noqa: A001 - the array-API name
    """``xp.sum(array, axis=axis, keepdims=keepdims)``, faster for the common reductions on NumPy.

    When the summed axes form one block in the array's memory order (a mean
    over space, in channels-first or channels-last layout; a bias gradient
    over the rows), the sum is a matrix-vector product with a vector of
    ones: BLAS does it with SIMD and all cores, 3 to 10 times faster than
    ``numpy.sum``.  Its rounding is as good as NumPy's pairwise sum for runs
    up to 65,536 elements; longer runs, other axes, small arrays, other
    dtypes and other libraries use the library's own sum.

    Examples
    --------
    >>> import numpy as np
    >>> import lucid
    >>> x = np.ones((2, 3, 64, 64), dtype=np.float32)
    >>> lucid.backend.sum(x, (2, 3))[0]
    array([4096., 4096., 4096.], dtype=float32)
    """
    if type(array) is np.ndarray:
        if array.dtype.kind == "f" and array.dtype.itemsize >= 4 and axis and array.size >= 4096:
            out = _blas_sum(array, axis, keepdims)
            if out is not None:
                return out
        return np.add.reduce(array, axis=axis, keepdims=keepdims)  # numpy.sum without its wrapper frames
    if _is_cupy(array) and array.dtype.kind == "f" and array.dtype.itemsize >= 4 and axis \
            and array.size >= _GPU_BLAS_MIN_SIZE:
        # CuPy's reduction gives each sum its own block, which reads a strided run when the kept axes
        # are the innermost in memory (channels-last data summed over space, or over N, H, W): measured
        # 25x under the H200's bandwidth.  A product with a vector of ones reads it coalesced (cuBLAS).
        out = _blas_sum(array, axis, keepdims, ones=_gpu_ones, strided_only=True)
        if out is not None:
            return out
    return xp_of(array).sum(array, axis=axis, keepdims=keepdims)


_GPU_BLAS_MIN_SIZE = 1 << 16  # below this a GPU sum is launch-bound: CuPy's own reduction (one launch)
_gpu_ones_cache: dict = {}


def _gpu_ones(run: int, dtype: Any) -> Any:
    """A cached vector of ``run`` ones on the GPU (no fill kernel per sum)."""
    key = (run, dtype)
    ones = _gpu_ones_cache.get(key)
    if ones is None:
        if len(_gpu_ones_cache) > 64:
            _gpu_ones_cache.clear()
        ones = _gpu_ones_cache[key] = _gpu().xp.ones(run, dtype=dtype)
    return ones


def _blas_sum(array: Any, axis: tuple, keepdims: bool, ones: Any = None, strided_only: bool = False) -> Any:
    """The sum as ``ones @ block``, or None when the axes are not one block in memory.

    ``ones(run, dtype)`` makes the vector (NumPy's by default); with ``strided_only`` the sum is
    left to the library (None) when the summed block is innermost in memory.
    """
    nd = array.ndim
    order = sorted(range(nd), key=lambda i: -array.strides[i])  # axes from outermost to innermost in memory
    mem = array.transpose(order)
    if not mem.flags.c_contiguous:
        return None
    where = sorted(order.index(a) for a in axis)
    first, k = where[0], len(where)
    if where != list(range(first, first + k)):
        return None
    outer, run, inner = _prod(mem.shape[:first]), _prod(mem.shape[first:first + k]), _prod(mem.shape[first + k:])
    if strided_only and inner == 1:
        return None
    make_ones = (lambda n: np.ones(n, dtype=array.dtype)) if ones is None else (lambda n: ones(n, array.dtype))
    out = None
    if inner > 1 and run >= _TWO_LEVEL_MIN_RUN:  # a long strided block: two short sums, each reading in order
        out = _two_level_sum(mem.reshape(outer, run, inner), make_ones)
    if out is None:
        if run > _BLAS_REDUCE_MAX:  # too long for one product: the library's sum (pairwise on NumPy)
            return None
        if inner == 1:
            out = mem.reshape(outer, run) @ make_ones(run)
        elif outer == 1:
            out = make_ones(run) @ mem.reshape(run, inner)
        else:
            out = make_ones(run) @ mem.reshape(outer, run, inner)  # one vector-matrix product per outer index
    kept = [a for a in order if a not in axis]  # the remaining axes, in memory order
    out = out.reshape(tuple(array.shape[a] for a in kept)).transpose(sorted(range(len(kept)), key=kept.__getitem__))
    if keepdims:
        out = out.reshape(tuple(1 if a in axis else n for a, n in enumerate(array.shape)))
    return out


def _two_level_sum(block: Any, make_ones) -> Any:
    """``block.sum(axis=1)`` for a C-contiguous (outer, run, inner) block, in two BLAS products.

    The run is cut into ``r1`` rows of ``r2`` numbers (``run = r1 * r2``, ``r1``
    the divisor nearest below the square root, ``r2`` at most
    ``_BLAS_REDUCE_MAX``): one product with ones sums the ``r1`` rows
    (elementwise over the ``r2 * inner`` numbers of a row, a wide product that
    reads memory in order: on a GPU, coalesced), a second sums the ``r2``
    partial sums.  Each number goes through two short sums of
    about sqrt(run) terms, so the rounding is far better than one long sum
    down the run (NumPy's ``sum`` over a non-innermost axis is sequential):
    over 65,536 float32 normals per channel, 1.4e-4 absolute error against
    2.1e-3 for one BLAS product and 4.6e-3 for ``numpy.sum``, and 2 to 7
    times faster than ``numpy.sum`` (measured on this project's 2-core VM).
    None when the run has no such factorisation.
    """
    outer, run, inner = block.shape
    low = max(1, -(-run // _BLAS_REDUCE_MAX))
    start = math.isqrt(run)
    r1 = next((d for d in range(start, max(low, start - 2048) - 1, -1) if run % d == 0), None)
    if r1 is None:  # no divisor that keeps r2 under the cap, near enough to the square root
        return None
    r2 = run // r1
    if outer == 1:
        partial = make_ones(r1) @ block.reshape(r1, r2 * inner)     # (r2 * inner,)
        return (make_ones(r2) @ partial.reshape(r2, inner))[None]   # (1, inner)
    partial = make_ones(r1) @ block.reshape(outer, r1, r2 * inner)  # (outer, r2 * inner)
    return make_ones(r2) @ partial.reshape(outer, r2, inner)        # (outer, inner)


def _prod(values) -> int:
    n = 1
    for v in values:
        n *= v
    return n


def random_generator(seed: int | None = None) -> np.random.Generator:
    """A host random generator (NumPy's PCG64); random numbers are drawn on the host, then moved.

    Drawing on the host means ``lucid.random.seed(n)`` gives the same numbers
    on the CPU and on the GPU.

    Parameters
    ----------
    seed : int, optional
        Seed; ``None`` takes fresh entropy from the OS.

    Returns
    -------
    numpy.random.Generator

    Examples
    --------
    >>> import lucid
    >>> g1, g2 = lucid.backend.random_generator(0), lucid.backend.random_generator(0)
    >>> g1.random() == g2.random()
    True
    """
    return np.random.default_rng(seed)


# NumPy warns when a float op overflows, divides by zero or makes a nan.  In lucid
# such results are IEEE inf and nan, as in PyTorch, which never warns: every op's
# forward and the whole backward pass run with those warnings off.
# ``np.errstate(all="ignore")`` would do it but costs about 2 us per use, as much
# as a small op itself, because it rebuilds its settings each time; here they
# are built once and only swapped in and out of NumPy's context variable
# (about 0.1 us).  Should a future NumPy move that variable, np.errstate is used.
try:
    from numpy._core._ufunc_config import _extobj_contextvar as _errstate_var, _make_extobj

    _quiet_errstate = _make_extobj(all="ignore")

    #: Turn NumPy's float warnings off; returns a token for :func:`quiet_float_errors_exit`.
    quiet_float_errors_enter = functools.partial(_errstate_var.set, _quiet_errstate)
    #: Restore NumPy's float warnings as they were (takes the token).
    quiet_float_errors_exit = _errstate_var.reset
except ImportError:  # pragma: no cover - other NumPy versions

    def quiet_float_errors_enter():
        """Turn NumPy's float warnings off; returns a token for :func:`quiet_float_errors_exit`."""
        state = np.errstate(all="ignore")
        state.__enter__()
        return state

    def quiet_float_errors_exit(token) -> None:
        """Restore NumPy's float warnings."""
        token.__exit__(None, None, None)


@contextlib.contextmanager
def quiet_float_errors():
    """A ``with`` block in which NumPy makes inf and nan without warnings.

    Every op's forward and the whole backward pass run in one, so that
    ``inf`` and ``nan`` are results, as in PyTorch, not warnings.

    Examples
    --------
    >>> import numpy as np
    >>> import lucid
    >>> with lucid.backend.quiet_float_errors():
    ...     float(np.float32(1.0) / np.float32(0.0))
    inf
    """
    token = quiet_float_errors_enter()
    try:
        yield
    finally:
        quiet_float_errors_exit(token)


def special_function(name: str, array: Any):
    """A library's own special function (``erf``, ...) for ``array``, or ``None`` to use lucid's.

    Parameters
    ----------
    name : str
        The name in ``scipy.special`` / ``cupyx.scipy.special``.
    array : array
        Selects the library.

    Returns
    -------
    callable or None
        ``None`` when SciPy (on the CPU) or CuPy is missing, or on a stand-in.
    """
    if type(array) is np.ndarray:
        try:
            import scipy.special as special
        except ImportError:
            return None
        return getattr(special, name, None)
    if _accelerator is not None and _accelerator.name == "cupy":  # pragma: no cover - needs a GPU
        import cupyx.scipy.special as special

        return getattr(special, name, None)
    return None


# The fused primitives (one GPU kernel each, with their plain formulation as the fallback).
from lucid.backend.fused import adam_step, sgd_step, sigmoid, sum_of_product  # noqa: E402
