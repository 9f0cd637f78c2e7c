"""A CPU double of CuPy, so lucid's CuPy-only code runs (and is counted) on a machine without a GPU.

Why: every line lucid writes for CuPy (the fused kernels, the two-level sums,
the max-pool taps, the device branches of the backend) used to run only when
a session happened to get a GPU.  This package plays CuPy on the CPU:

* ``ndarray`` wraps a NumPy array and behaves like a CuPy array where lucid
  could tell the difference: a NumPy array is refused as an operand, implicit
  conversion to NumPy raises (``numpy.asarray(x)`` fails, ``x.get()`` works),
  reductions return 0-d arrays rather than scalars, ``base`` tells views.
* ``ElementwiseKernel`` and ``ReductionKernel`` compile the *same CUDA C
  snippet* lucid hands to CuPy as C++ with g++, and run it on the CPU with
  CuPy's calling rules (type placeholders decided by the arrays, scalars cast,
  broadcasting, outputs written in place).  So the kernels' arithmetic is
  checked, not only their Python wrappers.
* Every call that would launch GPU work is counted (:data:`launches`): an
  approximation of CuPy's kernel launches (one per ufunc, reduction, copy,
  fill, ``setitem``, in-place operator or kernel; views count none), good
  enough to compare two versions of lucid, not to predict microseconds.

Install it with :func:`install` *before* anything imports ``cupy`` (the test
suite does so when ``LUCID_FAKE_CUPY=1``; ``benchmarks/launch_count.py`` too).
What it cannot tell: timing, GPU memory, real DLPack/CUDA interop, and the
CUDA compiler's view of a kernel (g++ compiles C++; a CUDA-only construct
would fail here first, which is the safe side).
"""
from __future__ import annotations

import collections
import sys
import types
from typing import Any

import numpy as np

from .kernels import ElementwiseKernel, ReductionKernel

__all__ = ["install", "kernels_seen", "launches", "ndarray", "traffic"]

launches: collections.Counter = collections.Counter()  # name of the call -> kernel launches, since the last clear
transfers: collections.Counter = collections.Counter()  # "to_device", and each way of reading back (a host sync)
kernels_seen: set = set()  # (call, dtypes): roughly the distinct kernels CuPy compiles (on first use, then cached)


traffic: collections.Counter = collections.Counter()  # name of the call -> bytes it reads and writes (estimate)


def _extent(a) -> int:
    """Bytes of memory behind a NumPy array (a broadcast axis, stride 0, counts once)."""
    if not isinstance(a, np.ndarray):
        return 0
    n = a.itemsize
    for size, stride in zip(a.shape, a.strides):
        if stride:
            n *= size
    return n


def _launch(name: str, *arrays, dtypes=None) -> None:
    """Count one kernel launch of ``name`` on ``arrays`` (the bytes it moves; their dtypes name the kernel)."""
    launches[name] += 1
    traffic[name] += sum(_extent(a) for a in arrays)
    if dtypes is None:
        dtypes = [getattr(a, "dtype", type(a).__name__) for a in arrays]
    kernels_seen.add((name,) + tuple(str(d) for d in dtypes))

_REFUSED_NUMPY = (
    "Unsupported type <class 'numpy.ndarray'>: the CuPy double refuses a NumPy array as an operand "
    "(real CuPy raises TypeError here too); move it with cupy.asarray first"
)


class Device:
    """``cupy.cuda.Device``: device 0 only."""

    def __init__(self, device_id=None):
        self.id = device_id.id if isinstance(device_id, Device) else int(device_id or 0)  # None: the current one

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def synchronize(self):
        pass

    def __eq__(self, other):
        return isinstance(other, Device) and other.id == self.id

    def __hash__(self):
        return hash(self.id)

    def __repr__(self):
        return f"<CUDA Device {self.id}>"


def _unwrap(value: Any) -> Any:
    """Fake arrays -> their NumPy arrays, recursively in lists/tuples; NumPy arrays refused (as CuPy does)."""
    if type(value) is ndarray:
        return value._a
    if type(value) is np.ndarray:
        if value.ndim == 0:
            return value
        raise TypeError(_REFUSED_NUMPY)
    if isinstance(value, (list, tuple)):
        return type(value)(_unwrap(v) for v in value)
    return value


def _arrays_in(values) -> list:
    found = []
    for v in values:
        if type(v) is np.ndarray:
            found.append(v)
        elif isinstance(v, (list, tuple)):
            found.extend(_arrays_in(v))
    return found


def _wrap(value: Any, inputs: list, name: str, count: bool = True) -> Any:
    """NumPy results -> fake arrays (scalars of array functions become 0-d arrays, as in CuPy); count launches."""
    if isinstance(value, np.ndarray):
        if count and not any(np.shares_memory(value, a) for a in inputs if a.size and value.size):
            _launch(name, value, *inputs)
        return ndarray._of(value)
    if isinstance(value, np.generic):
        if count:
            _launch(name, value, *inputs)
        return ndarray._of(np.asarray(value))
    if isinstance(value, tuple):
        return tuple(_wrap(v, inputs, name, count) for v in value)
    if isinstance(value, list):
        return [_wrap(v, inputs, name, count) for v in value]
    return value


def _wrap_function(name: str, fn) -> Any:
    free = name in _NO_LAUNCH

    def call(*args, **kwargs):
        out = kwargs.get("out")
        raw_args, raw_kwargs = _unwrap(args), {k: _unwrap(v) for k, v in kwargs.items()}
        result = fn(*raw_args, **raw_kwargs)
        if out is not None:
            _launch(name, *_arrays_in(raw_args), _unwrap(out))
            return out
        return _wrap(result, _arrays_in(raw_args) + _arrays_in(list(raw_kwargs.values())), name, count=not free)

    call.__name__ = name
    call.__qualname__ = name
    call.__doc__ = getattr(fn, "__doc__", None)
    return call


# numpy names that are not array functions: handed through unchanged
_PASSTHROUGH = {
    "dtype", "finfo", "iinfo", "result_type", "can_cast", "promote_types", "issubdtype", "isdtype", "isscalar",
    "ndim", "shape", "size", "errstate", "geterr", "seterr", "get_printoptions", "set_printoptions", "printoptions",
    "broadcast_shapes", "newaxis", "inf", "nan", "pi", "e", "euler_gamma", "mintypecode", "typename",
    "obj2sctype", "sctypeDict", "format_float_positional", "format_float_scientific", "common_type", "min_scalar_type",
}
# array functions that allocate without writing (or only make views): no launch
_NO_LAUNCH = {"empty", "empty_like", "asarray", "may_share_memory", "shares_memory"}


class ndarray:
    """A CuPy-like array on the CPU: a NumPy array behind a CuPy-shaped face."""

    __slots__ = ("_a", "__weakref__")
    __array_ufunc__ = None  # NumPy operators and ufuncs defer to us (and np.add(fake, 1) raises, as it should)
    __array_priority__ = 100

    @classmethod
    def _of(cls, array: np.ndarray) -> "ndarray":
        self = object.__new__(cls)
        self._a = array
        return self

    def __init__(self, shape, dtype=float):
        self._a = np.empty(shape, dtype)

    # ------------------------------------------------------------------ what CuPy refuses
    def __array__(self, *args, **kwargs):
        raise TypeError("Implicit conversion to a NumPy array is not allowed. "
                        "Please use `.get()` to construct a NumPy array explicitly.")

    def __iter__(self):
        if self.ndim == 0:
            raise TypeError("iteration over a 0-d array")
        return (self[i] for i in range(self.shape[0]))

    # ------------------------------------------------------------------ CuPy's own surface
    def get(self, stream=None, order="C", out=None):
        transfers["get"] += 1
        return np.array(self._a, order=order)

    @property
    def device(self):
        return Device(0)

    @property
    def base(self):
        return None if self._a.base is None else ndarray._of(self._a.base)

    @property
    def data(self):
        return _MemoryPointer(self._a)

    def __cuda_array_interface__(self):  # pragma: no cover - not a real GPU
        raise TypeError("the CuPy double has no CUDA memory")

    # attributes that are plain values
    shape = property(lambda self: self._a.shape)
    dtype = property(lambda self: self._a.dtype)
    ndim = property(lambda self: self._a.ndim)
    size = property(lambda self: self._a.size)
    strides = property(lambda self: self._a.strides)
    itemsize = property(lambda self: self._a.itemsize)
    nbytes = property(lambda self: self._a.nbytes)
    flags = property(lambda self: self._a.flags)
    T = property(lambda self: ndarray._of(self._a.T))
    mT = property(lambda self: ndarray._of(np.swapaxes(self._a, -1, -2)))
    real = property(lambda self: ndarray._of(self._a.real))
    imag = property(lambda self: ndarray._of(self._a.imag))

    def __len__(self):
        return len(self._a)

    def __repr__(self):
        return "fake_cupy." + repr(self._a)

    def __str__(self):
        return str(self._a)

    def __bool__(self):  # reads the device: a synchronisation
        transfers["bool"] += 1
        return bool(self._a)

    def __float__(self):  # reads the device: a synchronisation
        transfers["float"] += 1
        return float(self._a)

    def __int__(self):  # reads the device: a synchronisation
        transfers["int"] += 1
        return int(self._a)

    def __complex__(self):  # reads the device: a synchronisation
        transfers["complex"] += 1
        return complex(self._a)

    def __index__(self):
        transfers["index"] += 1
        return self._a.__index__()

    def item(self):
        transfers["item"] += 1
        return self._a.item()

    def tolist(self):
        transfers["tolist"] += 1
        return self._a.tolist()

    def __getitem__(self, key):
        raw_key = _unwrap(key)
        result = self._a[raw_key]
        return _wrap(result, [self._a], "getitem")

    def __setitem__(self, key, value):
        region = self._a[_unwrap(key)]
        _launch("setitem", region if isinstance(region, np.ndarray) else self._a[...], _unwrap(value))
        self._a[_unwrap(key)] = _unwrap(value)

    def __getattr__(self, name):  # methods: astype, reshape, sum, copy, ...
        if name.startswith("__"):
            raise AttributeError(name)
        attr = getattr(self._a, name)
        if not callable(attr):
            return _wrap(attr, [self._a], name, count=False)

        def method(*args, **kwargs):
            result = attr(*_unwrap(args), **{k: _unwrap(v) for k, v in kwargs.items()})
            if name == "fill":
                _launch("fill", self._a)
            return _wrap(result, [self._a], name, count=name not in _NO_LAUNCH)

        return method

    def __deepcopy__(self, memo):
        _launch("copy", self._a, self._a)
        return ndarray._of(self._a.copy())

    def __reduce__(self):
        raise TypeError("the CuPy double does not pickle")

    def __dlpack_device__(self):
        return (2, 0)  # kDLCUDA, device 0 (what a CuPy array reports)

    def __dlpack__(self, *args, **kwargs):  # pragma: no cover - a real GPU's memory only
        raise BufferError("the CuPy double has no GPU memory to share through DLPack")


class _MemoryPointer:
    """``x.data``: enough to compare where two arrays live (``ptr``)."""

    def __init__(self, array: np.ndarray):
        self.ptr = array.__array_interface__["data"][0]


def _binary(op_name: str, reflected: bool = False, inplace: bool = False):
    fn = getattr(np, op_name) if op_name not in ("matmul",) else np.matmul

    def method(self, other):
        if type(other) is np.ndarray and other.ndim:
            raise TypeError(_REFUSED_NUMPY)
        if isinstance(other, (list, tuple)):
            return NotImplemented
        raw = _unwrap(other)
        if inplace:
            _launch(op_name, self._a, raw, self._a)  # the inputs read and the output written
            fn(self._a, raw, out=self._a)
            return self
        result = np.asarray(fn(raw, self._a) if reflected else fn(self._a, raw))
        _launch(op_name, self._a, raw, result)
        return ndarray._of(result)

    return method


_BINARY = {
    "add": "add", "sub": "subtract", "mul": "multiply", "truediv": "true_divide", "floordiv": "floor_divide",
    "mod": "remainder", "pow": "power", "matmul": "matmul", "and": "bitwise_and", "or": "bitwise_or",
    "xor": "bitwise_xor", "lshift": "left_shift", "rshift": "right_shift",
}
for _short, _np_name in _BINARY.items():
    setattr(ndarray, f"__{_short}__", _binary(_np_name))
    setattr(ndarray, f"__r{_short}__", _binary(_np_name, reflected=True))
    setattr(ndarray, f"__i{_short}__", _binary(_np_name, inplace=True))
for _short, _np_name in {"eq": "equal", "ne": "not_equal", "lt": "less", "le": "less_equal", "gt": "greater",
                         "ge": "greater_equal"}.items():
    setattr(ndarray, f"__{_short}__", _binary(_np_name))


def _unary(np_name: str):
    fn = getattr(np, np_name)

    def method(self):
        _launch(np_name, self._a, self._a)
        return ndarray._of(np.asarray(fn(self._a)))

    return method


for _short, _np_name in {"neg": "negative", "pos": "positive", "abs": "absolute", "invert": "invert"}.items():
    setattr(ndarray, f"__{_short}__", _unary(_np_name))
ndarray.__hash__ = None


# ----------------------------------------------------------------------------- module functions
def asarray(a, dtype=None, order=None, blocking=False):
    """``cupy.asarray``: a fake array stays itself (unless a dtype changes it); host data is copied over."""
    if type(a) is ndarray:
        if dtype is None or np.dtype(dtype) == a.dtype:
            return a
        _launch("astype", a._a, a._a, dtypes=[a._a.dtype, np.dtype(dtype)])
        return ndarray._of(a._a.astype(dtype))
    transfers["to_device"] += 1
    return ndarray._of(np.array(a, dtype=dtype, order=order or "K", copy=True))


def array(obj, dtype=None, copy=True, order="K", ndmin=0):
    if type(obj) is ndarray:
        _launch("copy", obj._a, obj._a)
        return ndarray._of(np.array(obj._a, dtype=dtype, copy=True, order=order, ndmin=ndmin))
    transfers["to_device"] += 1
    return ndarray._of(np.array(_unwrap(obj) if not isinstance(obj, np.ndarray) else obj, dtype=dtype, copy=True,
                                order=order, ndmin=ndmin))


def asnumpy(a, stream=None, order="C", out=None, blocking=True):
    if type(a) is ndarray:
        return a.get()
    return np.asarray(a)


def get_array_module(*args):
    return _module if any(type(a) is ndarray for a in args) else np


def from_dlpack(obj):  # pragma: no cover - needs GPU memory
    raise BufferError("the CuPy double cannot import DLPack capsules")


class _MemoryPool:
    def used_bytes(self):
        return 0

    def total_bytes(self):
        return 0

    def free_all_blocks(self):
        pass


_pool = _MemoryPool()


def get_default_memory_pool():
    return _pool


def sliding_window_view(x, window_shape, axis=None, *, subok=False, writeable=False):
    from numpy.lib.stride_tricks import sliding_window_view as numpy_windows

    return ndarray._of(numpy_windows(_unwrap(x), window_shape, axis=axis, writeable=writeable))


def scatter_add(a, slices, value):
    """``cupyx.scatter_add``: ``a[slices] += value`` with repeated indices accumulating (one launch)."""
    _launch("scatter_add", a._a)
    np.add.at(a._a, _unwrap(slices), _unwrap(value))


def expit(x):
    raw = _unwrap(x)
    _launch("expit", raw, raw)  # reads x, writes a result of its size
    with np.errstate(over="ignore"):
        return ndarray._of(np.asarray(1.0 / (1.0 + np.exp(-raw))).astype(raw.dtype, copy=False))


_module: types.ModuleType | None = None


def _build() -> dict[str, types.ModuleType]:
    cupy = types.ModuleType("cupy")
    cupy.__doc__ = "lucid's CPU double of CuPy (tests/fake_cupy): not a GPU."
    cupy.__version__ = "14.0.0"
    cupy.__path__ = []  # a package, so `import cupy.lib.stride_tricks` works
    public = {}
    for name in dir(np):
        if name.startswith("_") or name in ("ndarray", "testing", "random", "linalg", "fft", "lib", "ma", "char",
                                            "rec", "ctypeslib", "polynomial", "typing", "f2py", "emath",
                                            "exceptions", "dtypes", "strings", "version", "matlib"):
            continue
        value = getattr(np, name)
        if isinstance(value, type) or name in _PASSTHROUGH or not callable(value):
            public[name] = value
        else:
            public[name] = _wrap_function(name, value)
    public.update(ndarray=ndarray, asarray=asarray, array=array, asnumpy=asnumpy, get_array_module=get_array_module,
                  from_dlpack=from_dlpack, get_default_memory_pool=get_default_memory_pool,
                  ElementwiseKernel=ElementwiseKernel, ReductionKernel=ReductionKernel)
    cupy.__dict__.update(public)
    cupy.__all__ = sorted(n for n in public if n not in ("abs", "max", "min", "round"))

    cuda = types.ModuleType("cupy.cuda")
    cuda.is_available = lambda: True
    cuda.__path__ = []
    cuda.Device = Device
    device = types.ModuleType("cupy.cuda.device")
    device.Device = Device
    cuda.device = device
    runtime = types.ModuleType("cupy.cuda.runtime")
    runtime.getDeviceCount = lambda: 1
    runtime.runtimeGetVersion = lambda: 13000
    runtime.driverGetVersion = lambda: 13000
    runtime.getDeviceProperties = lambda i: {"name": b"CuPy double (CPU)"}
    runtime.deviceSynchronize = lambda: None
    cuda.runtime = runtime
    cuda.Stream = types.SimpleNamespace(null=types.SimpleNamespace(synchronize=lambda: None))
    cupy.cuda = cuda

    linalg = types.ModuleType("cupy.linalg")
    for name in dir(np.linalg):
        if not name.startswith("_") and callable(getattr(np.linalg, name)):
            value = getattr(np.linalg, name)
            setattr(linalg, name, value if isinstance(value, type) else _wrap_function("linalg." + name, value))
    linalg.__all__ = [n for n in dir(linalg) if not n.startswith("_")]
    fft = types.ModuleType("cupy.fft")
    for name in dir(np.fft):
        if not name.startswith("_") and callable(getattr(np.fft, name)):
            setattr(fft, name, _wrap_function("fft." + name, getattr(np.fft, name)))
    fft.__all__ = [n for n in dir(fft) if not n.startswith("_")]
    cupy.linalg, cupy.fft = linalg, fft

    lib = types.ModuleType("cupy.lib")
    lib.__path__ = []
    stride_tricks = types.ModuleType("cupy.lib.stride_tricks")
    stride_tricks.sliding_window_view = sliding_window_view
    stride_tricks.as_strided = _wrap_function("as_strided", np.lib.stride_tricks.as_strided)
    lib.stride_tricks = stride_tricks
    cupy.lib = lib

    cupyx = types.ModuleType("cupyx")
    cupyx.__path__ = []
    cupyx.scatter_add = scatter_add
    scipy = types.ModuleType("cupyx.scipy")
    scipy.__path__ = []
    special = types.ModuleType("cupyx.scipy.special")
    special.expit = expit
    scipy.special = special
    cupyx.scipy = scipy
    return {"cupy": cupy, "cupy.cuda": cuda, "cupy.cuda.device": device, "cupy.cuda.runtime": runtime,
            "cupy.linalg": linalg,
            "cupy.fft": fft, "cupy.lib": lib, "cupy.lib.stride_tricks": stride_tricks, "cupyx": cupyx,
            "cupyx.scipy": scipy, "cupyx.scipy.special": special}


def install() -> types.ModuleType:
    """Register the double as ``cupy`` (and ``cupyx``) in ``sys.modules``; return the ``cupy`` module."""
    global _module
    if _module is None:
        modules = _build()
        _module = modules["cupy"]
        sys.modules.update(modules)
    return _module
