"""lucid's own ops, offered as an array namespace: how one backward formula serves both orders.

Every op's ``backward`` is written once, on arrays, with the namespace of its
inputs (``xp = backend.xp_of(grad)``; ``xp.exp``, ``xp.where``, ``xp.sum``,
operators).  For a first-order backward those are NumPy or CuPy arrays: fast,
nothing recorded.  Under ``create_graph=True`` the engine hands ``backward``
Tensors instead, and a Tensor's namespace (``Tensor.__array_namespace__``) is
this module: the same lines then call lucid's differentiable ops, so the
gradient is itself a Tensor with a graph, and can be differentiated again.

Only what backward formulas use is here, with the array API's names and
signatures.  Arrays passed in (masks, indices, constants made in forward) are
wrapped as constant Tensors.
"""
from __future__ import annotations

import builtins
from typing import Any

import numpy as np

from lucid import backend
from lucid.tensor import Tensor

bool = np.dtype("bool")  # noqa: A001 - the array API's names
float16 = np.dtype("float16")
float32 = np.dtype("float32")
float64 = np.dtype("float64")
int32 = np.dtype("int32")
int64 = np.dtype("int64")


def _t(x: Any) -> Any:
    """A Tensor for an array (a constant: no copy, no gradient); Tensors and Python numbers as they are."""
    if isinstance(x, Tensor) or isinstance(x, (builtins.bool, int, float)):
        return x
    if isinstance(x, np.generic):
        return x.item()
    return Tensor._make(x)


def _like_device(device: Any) -> str:
    return "cpu" if device is None else device


def _ops():
    from lucid import ops

    return ops


# ----------------------------------------------------------------------------- creation
def asarray(x: Any, dtype: Any = None, copy: Any = None, device: Any = None) -> Any:
    if isinstance(x, Tensor):
        out = _ops().clone(x) if copy else x
        return out if dtype is None else _ops().astype(out, dtype)
    return Tensor(x, dtype=dtype, device=device)


def _created_on(device: Any) -> tuple:
    """The library namespace of a lucid device name and the ``device=`` its creation functions need
    (without it a GPU stand-in such as array_api_strict creates on its default device, not the tensor's)."""
    xp, handle = backend._namespace_for(backend.normalize_device(_like_device(device)))
    return xp, ({} if handle is None else {"device": handle})


def zeros(shape, dtype=None, device=None) -> Tensor:
    xp, kwargs = _created_on(device)
    return Tensor._make(xp.zeros(shape, dtype=_native(dtype, device), **kwargs))


def ones(shape, dtype=None, device=None) -> Tensor:
    xp, kwargs = _created_on(device)
    return Tensor._make(xp.ones(shape, dtype=_native(dtype, device), **kwargs))


def full(shape, fill_value, dtype=None, device=None) -> Tensor:
    xp, kwargs = _created_on(device)
    return Tensor._make(xp.full(shape, fill_value, dtype=_native(dtype, device), **kwargs))


def arange(*args, dtype=None, device=None) -> Tensor:
    xp, kwargs = _created_on(device)
    return Tensor._make(xp.arange(*args, dtype=_native(dtype, device), **kwargs))


def zeros_like(x, dtype=None, device=None) -> Tensor:
    return zeros(x.shape, x.dtype if dtype is None else dtype, x.device)


def ones_like(x, dtype=None, device=None) -> Tensor:
    return ones(x.shape, x.dtype if dtype is None else dtype, x.device)


def full_like(x, fill_value, dtype=None, device=None) -> Tensor:
    return full(x.shape, fill_value, x.dtype if dtype is None else dtype, x.device)


def _native(dtype: Any, device: Any) -> Any:
    if dtype is None:
        return None
    return backend.native_dtype(backend.namespace(_like_device(device)), backend.to_numpy_dtype(dtype))


# ----------------------------------------------------------------------------- elementwise
def exp(x): return _ops().exp(_t(x))  # noqa: E704
def log(x): return _ops().log(_t(x))  # noqa: E704
def log1p(x): return _ops().log1p(_t(x))  # noqa: E704
def sqrt(x): return _ops().sqrt(_t(x))  # noqa: E704
def abs(x): return _ops().abs(_t(x))  # noqa: E704,A001
def sin(x): return _ops().sin(_t(x))  # noqa: E704
def cos(x): return _ops().cos(_t(x))  # noqa: E704
def tanh(x): return _ops().tanh(_t(x))  # noqa: E704
def negative(x): return -_t(x)  # noqa: E704
def square(x): return _t(x) * _t(x)  # noqa: E704
def multiply(a, b): return _t(a) * _t(b)  # noqa: E704
def add(a, b): return _t(a) + _t(b)  # noqa: E704
def subtract(a, b): return _t(a) - _t(b)  # noqa: E704
def divide(a, b): return _t(a) / _t(b)  # noqa: E704
def pow(a, b): return _t(a) ** _t(b)  # noqa: E704,A001
def maximum(a, b): return _ops().maximum(_t(a), _t(b))  # noqa: E704
def minimum(a, b): return _ops().minimum(_t(a), _t(b))  # noqa: E704
def matmul(a, b): return _ops().matmul(_t(a), _t(b))  # noqa: E704


def logaddexp(a, b):
    """log(exp(a) + exp(b)) = m + log(exp(a - m) + exp(b - m)), m = max(a, b), differentiably."""
    a, b = _t(a), _t(b)
    m = _ops().maximum(a, b).detach()
    return m + log(exp(a - m) + exp(b - m))


def sign(x):
    x = _t(x)
    return Tensor._make(backend.xp_of(x.data).sign(x.data))


def clip(x, min=None, max=None):  # noqa: A002
    return _ops().clip(_t(x), min, max)


def where(condition, a, b):
    return _ops().where(_constant(condition), _t(a), _t(b))


def _constant(x):
    return x.detach() if isinstance(x, Tensor) else _t(x)


# ----------------------------------------------------------------------------- comparisons (no gradient)
def isnan(x): return Tensor._make(backend.xp_of(_data(x)).isnan(_data(x)))  # noqa: E704
def isfinite(x): return Tensor._make(backend.xp_of(_data(x)).isfinite(_data(x)))  # noqa: E704
def logical_and(a, b): return _ops().logical_and(_constant(a), _constant(b))  # noqa: E704
def logical_or(a, b): return _ops().logical_or(_constant(a), _constant(b))  # noqa: E704
def logical_not(a): return _ops().logical_not(_constant(a))  # noqa: E704
def argmax(x, axis=None, keepdims=False): return _ops().argmax(_constant(x), axis, keepdims)  # noqa: E704
def argmin(x, axis=None, keepdims=False): return _ops().argmin(_constant(x), axis, keepdims)  # noqa: E704
def any(x, axis=None, keepdims=False): return _ops().any(_constant(x), axis, keepdims)  # noqa: E704,A001
def all(x, axis=None, keepdims=False): return _ops().all(_constant(x), axis, keepdims)  # noqa: E704,A001


def _data(x):
    return x.data if isinstance(x, Tensor) else x


# ----------------------------------------------------------------------------- reductions
def sum(x, axis=None, keepdims=False, dtype=None):  # noqa: A001
    out = _ops().sum(_t(x), axis, keepdims)
    return out if dtype is None else _ops().astype(out, dtype)


def mean(x, axis=None, keepdims=False): return _ops().mean(_t(x), axis, keepdims)  # noqa: E704
def max(x, axis=None, keepdims=False): return _ops().amax(_t(x), axis, keepdims)  # noqa: E704,A001
def min(x, axis=None, keepdims=False): return _ops().amin(_t(x), axis, keepdims)  # noqa: E704,A001


def var(x, axis=None, keepdims=False, correction=0):
    return _ops().var(_t(x), axis, keepdims, correction=correction)


# ----------------------------------------------------------------------------- shape
def astype(x, dtype, copy=True):
    x = _t(x)
    if not copy and backend.to_numpy_dtype(dtype) == x.dtype:
        return x
    return _ops().astype(x, backend.to_numpy_dtype(dtype))


def reshape(x, shape, copy=None): return _ops().reshape(_t(x), tuple(shape))  # noqa: E704
def permute_dims(x, axes): return _ops().permute(_t(x), tuple(axes))  # noqa: E704
def broadcast_to(x, shape): return _ops().broadcast_to(_t(x), tuple(shape))  # noqa: E704
def matrix_transpose(x): return _ops().swapaxes(_t(x), -1, -2)  # noqa: E704
def expand_dims(x, axis=0): return _ops().unsqueeze(_t(x), axis)  # noqa: E704
def squeeze(x, axis): return _ops().squeeze(_t(x), axis)  # noqa: E704
def stack(arrays, axis=0): return _ops().stack([_t(a) for a in arrays], axis)  # noqa: E704
def concat(arrays, axis=0): return _ops().concat([_t(a) for a in arrays], axis)  # noqa: E704
def tile(x, reps): return _ops().tile(_t(x), tuple(reps))  # noqa: E704


def moveaxis(x, source, destination):
    x = _t(x)
    order = [i for i in range(x.ndim)]
    src = [s % x.ndim for s in (source if isinstance(source, (tuple, list)) else [source])]
    dst = [d % x.ndim for d in (destination if isinstance(destination, (tuple, list)) else [destination])]
    rest = [i for i in order if i not in src]
    result = [None] * x.ndim
    for s, d in zip(src, dst):
        result[d] = s
    it = iter(rest)
    result = [next(it) if r is None else r for r in result]
    return _ops().permute(x, tuple(result))


def take(x, indices, axis=None):
    x = _t(x)
    index = _data(indices)
    if axis is None:
        return _ops().reshape(x, (-1,))[index]
    key = (slice(None),) * (axis % x.ndim) + (index,)
    return x[key]


def __getattr__(name: str):
    raise AttributeError(
        f"lucid's tensor namespace has no '{name}': a backward formula used xp.{name}, which has no "
        f"differentiable lucid op yet, so this op cannot be differentiated twice (create_graph=True)"
    )
