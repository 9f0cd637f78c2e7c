"""CuPy's ``ElementwiseKernel`` and ``ReductionKernel`` on the CPU: the same C snippet, compiled by g++.

A CuPy kernel is a few lines of CUDA C plus calling rules.  The double keeps
both: the snippet is pasted into a C++ loop over the elements (inputs as
``const`` values, outputs as references, ``i`` the element index, type
placeholders such as ``T`` as typedefs), compiled once per distinct source with
``g++ -O1`` into a shared library, and called through ctypes.  The calling
rules follow CuPy's: a placeholder's type is decided by the *arrays* bound to it
(two arrays that disagree raise ``TypeError``), scalars are cast to their
parameter's type, inputs broadcast against each other and the outputs, given
outputs must have the broadcast shape and are written in place (strided views
included), missing outputs are allocated.

Order of a reduction: as in a CuPy block of 512 threads, element ``k`` goes to
partial sum ``k % 512`` and the 512 partial sums are then added in a tree, so the
rounding is CuPy's kind (not a sequential sum's); results agree with a real GPU
to rounding, not bit for bit (tests compare with tolerances).
"""
from __future__ import annotations

import ctypes
import hashlib
import os
import re
import subprocess
import tempfile

import numpy as np

_C_TYPES = {
    "float16": None, "float32": "float", "float64": "double", "int8": "int8_t", "int16": "int16_t",
    "int32": "int32_t", "int64": "int64_t", "uint8": "uint8_t", "uint16": "uint16_t", "uint32": "uint32_t",
    "uint64": "uint64_t", "bool": "bool", "complex64": None, "complex128": None,
}
_PRELUDE = """
#include <cmath>
#include <cstdint>
#include <algorithm>
#include <cstddef>
using namespace std;
// a raw parameter: indexed by element number in C order, whatever the array's strides (CuPy's CArray)
template <typename T> struct Raw {
  T* p; long long n;
  T& operator[](long long k) const { return p[k]; }
  long long size() const { return n; }
};
"""
_BUILD_DIR = tempfile.mkdtemp(prefix="lucid_fake_cupy_")
_libraries: dict[str, ctypes.CDLL] = {}


class _Param:
    def __init__(self, text: str):
        words = text.split()
        self.raw = words[0] == "raw"
        if self.raw:
            words = words[1:]
        if len(words) != 2:
            raise ValueError(f"cannot parse kernel parameter {text!r}")
        self.type_name, self.name = words
        self.placeholder = self.type_name not in _C_TYPES
        self.c = self.type_name if self.placeholder else _C_TYPES[self.type_name]  # the name written in C++


def _params(text: str) -> list[_Param]:
    return [_Param(p.strip()) for p in text.split(",") if p.strip()]


def _c_type(dtype: np.dtype) -> str:
    name = _C_TYPES.get(np.dtype(dtype).name)
    if name is None:
        raise TypeError(f"the CuPy double has no C type for {np.dtype(dtype)}")
    return name


def _library(source: str) -> ctypes.CDLL:
    key = hashlib.sha256(source.encode()).hexdigest()[:20]
    lib = _libraries.get(key)
    if lib is None:
        src = os.path.join(_BUILD_DIR, f"k{key}.cpp")
        out = os.path.join(_BUILD_DIR, f"k{key}.so")
        with open(src, "w") as f:
            f.write(source)
        done = subprocess.run(["g++", "-O1", "-shared", "-fPIC", "-std=c++17", "-Werror=return-type", "-o", out, src],
                              capture_output=True, text=True)
        if done.returncode:
            raise RuntimeError(f"the kernel did not compile (g++):\n{done.stderr}\n--- source ---\n{source}")
        lib = ctypes.CDLL(out)
        _libraries[key] = lib
    return lib


def _decide_types(params: list[_Param], args: list) -> dict[str, np.dtype]:
    """Placeholder -> dtype, from the arrays bound to it (CuPy's rule); scalars only where no array decides."""
    from . import ndarray

    decided: dict[str, np.dtype] = {}
    for p, a in zip(params, args):
        if p.placeholder and type(a) is ndarray:
            if p.type_name in decided and decided[p.type_name] != a.dtype:
                raise TypeError(f"Type is mismatched. {p.name} {a.dtype} {p.type_name} {decided[p.type_name]}")
            decided.setdefault(p.type_name, a.dtype)
    for p, a in zip(params, args):
        if p.placeholder and p.type_name not in decided and a is not None and type(a) is not ndarray:
            decided[p.type_name] = np.asarray(a).dtype
    return decided


def _param_dtype(p: _Param, types: dict) -> np.dtype:
    if p.placeholder:
        if p.type_name not in types:
            raise TypeError(f"Cannot determine the type of {p.name} ({p.type_name})")
        return types[p.type_name]
    return np.dtype(p.type_name)


def _typedefs(types: dict) -> str:
    return "".join(f"typedef {_c_type(d)} {name};\n" for name, d in types.items())


def _prepare(params_in, params_out, args, name):
    """Check and bind arguments: (types, full shape, input values, output arrays (fake), allocate flags)."""
    from . import ndarray

    if len(args) not in (len(params_in), len(params_in) + len(params_out)):
        raise TypeError(f"Wrong number of arguments for {name!r}: {len(params_in)} or "
                        f"{len(params_in) + len(params_out)} expected, {len(args)} given")
    for a in args:
        if type(a) is np.ndarray and a.ndim:
            raise TypeError(f"Unsupported type {type(a)} (a NumPy array given to a CuPy kernel)")
    outs = list(args[len(params_in):]) or [None] * len(params_out)
    params = params_in + params_out
    types = _decide_types(params, list(args[: len(params_in)]) + outs)
    shapes = [a.shape for p, a in zip(params, list(args[: len(params_in)]) + outs)
              if type(a) is ndarray and not p.raw]
    shape = np.broadcast_shapes(*shapes) if shapes else ()
    for p, o in zip(params_out, outs):
        if o is not None and not p.raw:
            if type(o) is not ndarray:
                raise TypeError(f"output {p.name} must be a CuPy array, got {type(o).__name__}")
            if o.shape != shape:
                raise ValueError(f"Out shape is mismatched: {p.name} has {o.shape}, the broadcast shape is {shape}")
            if o.dtype != _param_dtype(p, types):
                raise TypeError(f"Type is mismatched. {p.name} {o.dtype} {p.type_name}")
    return types, shape, outs


def _raw_buffer(a, dtype):
    """A raw argument as CuPy's kernel sees it: its elements in C order (a contiguous copy, or itself)."""
    return np.ascontiguousarray(a._a.astype(dtype, copy=False))


class ElementwiseKernel:
    """``cupy.ElementwiseKernel(in_params, out_params, operation, name)`` run on the CPU."""

    def __init__(self, in_params, out_params, operation, name="kernel", reduce_dims=True, preamble="",
                 no_return=False, return_tuple=False, **kwargs):
        self.in_params, self.out_params = _params(in_params), _params(out_params)
        self.operation, self.name, self.preamble = operation, name, preamble
        self.return_tuple = return_tuple

    def _source(self, types: dict, scalar_flags: list[bool]) -> str:
        lines = [_PRELUDE, _typedefs(types), self.preamble, 'extern "C" void run(long long _n, void** _p) {']
        sizes = len(self.in_params) + len(self.out_params)  # _p[sizes + k]: element count of raw argument k
        for k, p in enumerate(self.in_params):
            c = p.c
            if p.raw:
                lines.append(f"  const Raw<{c}> {p.name} = {{({c}*)_p[{k}], *(long long*)_p[{sizes + k}]}};")
            elif scalar_flags[k]:
                lines.append(f"  const {c} {p.name} = *(const {c}*)_p[{k}];")
            else:
                lines.append(f"  const {c}* {p.name}_ptr = (const {c}*)_p[{k}];")
        for k, p in enumerate(self.out_params, start=len(self.in_params)):
            if p.raw:
                lines.append(f"  const Raw<{p.c}> {p.name} = {{({p.c}*)_p[{k}], *(long long*)_p[{sizes + k}]}};")
            else:
                lines.append(f"  {p.c}* {p.name}_ptr = ({p.c}*)_p[{k}];")
        lines.append("  for (long long i = 0; i < _n; ++i) {")
        for k, p in enumerate(self.in_params):
            if not scalar_flags[k] and not p.raw:
                lines.append(f"    const {p.c} {p.name} = {p.name}_ptr[i];")
        for p in self.out_params:
            if not p.raw:
                lines.append(f"    {p.c} &{p.name} = {p.name}_ptr[i];")
        lines += ["    {", self.operation, "    }", "  }", "}"]
        return "\n".join(lines)

    def __call__(self, *args, size=None, **kwargs):
        from . import _launch, ndarray

        types, shape, outs = _prepare(self.in_params, self.out_params, args, self.name)
        ins = args[: len(self.in_params)]
        scalar_flags = [type(a) is not ndarray for a in ins]
        for p, a in zip(self.in_params + self.out_params, list(ins) + outs):
            if p.raw and type(a) is not ndarray:
                raise TypeError(f"raw parameter {p.name} needs a CuPy array, got {type(a).__name__}")
        if size is not None:
            shape = (int(size),)
        buffers, keep, raw_sizes = [], [], []
        for p, a, scalar in zip(self.in_params, ins, scalar_flags):
            dtype = _param_dtype(p, types)
            if p.raw:
                buffers.append(_raw_buffer(a, dtype))
            elif scalar:
                buffers.append(np.array(a, dtype=dtype).reshape(1))
            else:
                buffers.append(np.ascontiguousarray(np.broadcast_to(a._a.astype(dtype, copy=False), shape)))
            raw_sizes.append(np.array([a.size if p.raw else 0], dtype=np.int64))
        results = []
        for p, o in zip(self.out_params, outs):
            if o is None:
                if p.raw:
                    raise TypeError(f"raw output {p.name} must be given")
                o = ndarray._of(np.zeros(shape, _param_dtype(p, types)))
            results.append(o)
            buf = np.ascontiguousarray(o._a)  # the output's current values (a kernel may read them, as in +=)
            buffers.append(buf)
            keep.append((o, buf))
            raw_sizes.append(np.array([o.size if p.raw else 0], dtype=np.int64))
        buffers += raw_sizes
        _launch(self.name, *[a._a for a in ins if type(a) is ndarray], *[o._a for o in results],
                dtypes=types.values())
        n = int(np.prod(shape, dtype=np.int64))
        if n:
            lib = _library(self._source(types, scalar_flags))
            pointers = (ctypes.c_void_p * len(buffers))(*[b.ctypes.data for b in buffers])
            lib.run(ctypes.c_longlong(n), pointers)
        for o, buf in keep:
            if buf is not o._a and not np.shares_memory(buf, o._a):
                o._a[...] = buf
        if len(results) == 1 and not self.return_tuple:
            return results[0]
        return tuple(results)


_REDUCE_NAMES = re.compile(r"\b[ab]\b")


class ReductionKernel:
    """``cupy.ReductionKernel(in_params, out_params, map_expr, reduce_expr, post_map_expr, identity, name)``."""

    def __init__(self, in_params, out_params, map_expr, reduce_expr, post_map_expr, identity, name="reduce_kernel",
                 reduce_type=None, reduce_dims=True, preamble="", **kwargs):
        self.in_params, self.out_params = _params(in_params), _params(out_params)
        if len(self.out_params) != 1:
            raise NotImplementedError("the CuPy double reduces to one output")
        self.map_expr, self.reduce_expr, self.post_map_expr = map_expr, reduce_expr, post_map_expr
        self.identity, self.name, self.reduce_type, self.preamble = identity, name, reduce_type, preamble

    def _source(self, types: dict) -> str:
        out = self.out_params[0]
        reduce_type = self.reduce_type or out.c
        lines = [_PRELUDE, _typedefs(types), f"typedef {reduce_type} _type_reduce;", self.preamble,
                 'extern "C" void run(long long _m, long long _k, void** _p) {']
        for k, p in enumerate(self.in_params):
            lines.append(f"  const {p.c}* {p.name}_ptr = (const {p.c}*)_p[{k}];")
        lines.append(f"  {out.c}* {out.name}_ptr = ({out.c}*)_p[{len(self.in_params)}];")
        lines.append("  auto _reduce = [](_type_reduce a, _type_reduce b) "
                     f"{{ return (_type_reduce)({self.reduce_expr}); }};")
        lines.append("  _type_reduce _part[512];")
        lines.append("  for (long long _j = 0; _j < _m; ++_j) {")
        lines.append(f"    for (int _t = 0; _t < 512; ++_t) _part[_t] = ({self.identity});")
        lines.append("    for (long long _i = 0; _i < _k; ++_i) {")
        lines.append("      long long i = _j * _k + _i;")
        for p in self.in_params:
            lines.append(f"      const {p.c} {p.name} = {p.name}_ptr[i];")
        lines.append(f"      _part[_i % 512] = _reduce(_part[_i % 512], ({self.map_expr}));")
        lines.append("    }")
        lines.append("    for (int _s = 256; _s > 0; _s /= 2)")
        lines.append("      for (int _t = 0; _t < _s; ++_t) _part[_t] = _reduce(_part[_t], _part[_t + _s]);")
        lines.append("    _type_reduce a = _part[0];")
        lines.append(f"    {out.c} &{out.name} = {out.name}_ptr[_j];")
        lines += [f"    {self.post_map_expr};", "  }", "}"]
        return "\n".join(lines)

    def __call__(self, *args, axis=None, keepdims=False, out=None, **kwargs):
        from . import _launch, ndarray

        if len(args) != len(self.in_params):
            raise TypeError(f"Wrong number of arguments for {self.name!r}")
        for a in args:
            if type(a) is np.ndarray and a.ndim:
                raise TypeError(f"Unsupported type {type(a)} (a NumPy array given to a CuPy kernel)")
        types = _decide_types(self.in_params, list(args))
        shape = np.broadcast_shapes(*[a.shape for a in args if type(a) is ndarray])
        ndim = len(shape)
        if axis is None:
            axes = tuple(range(ndim))
        else:
            axes = tuple(sorted({(ax % ndim) for ax in ((axis,) if isinstance(axis, int) else axis)}))
        kept = tuple(ax for ax in range(ndim) if ax not in axes)
        order = kept + axes
        m = int(np.prod([shape[ax] for ax in kept], dtype=np.int64))
        k = int(np.prod([shape[ax] for ax in axes], dtype=np.int64))
        buffers = []
        for p, a in zip(self.in_params, args):
            dtype = _param_dtype(p, types)
            full = np.broadcast_to(a._a if type(a) is ndarray else np.asarray(a), shape).astype(dtype, copy=False)
            buffers.append(np.ascontiguousarray(np.transpose(full, order)).reshape(m, k))
        out_param = self.out_params[0]
        result = np.zeros(m, _param_dtype(out_param, types))
        buffers.append(result)
        _launch(self.name, *[a._a for a in args if type(a) is ndarray], result, dtypes=types.values())
        if m:
            lib = _library(self._source(types))
            pointers = (ctypes.c_void_p * len(buffers))(*[b.ctypes.data for b in buffers])
            lib.run(ctypes.c_longlong(m), ctypes.c_longlong(k), pointers)
        out_shape = tuple(1 if ax in axes else shape[ax] for ax in range(ndim)) if keepdims \
            else tuple(shape[ax] for ax in kept)
        return ndarray._of(result.reshape(out_shape))
