"""Compile every CuPy kernel lucid defines as CUDA device code with nvcc, for float32 and float64.

    python tests/fake_cupy/nvcc_check.py            # needs nvcc (the CUDA toolkit), no GPU

The CuPy double runs the kernels' C snippets through g++; this checks the
other half, that the same snippets are valid CUDA: each kernel is pasted into
a ``__global__`` function the way CuPy pastes it (inputs as ``const`` values,
outputs as references, ``i`` a ``ptrdiff_t``, raw arrays indexable and with
``size()``) and compiled for sm_90 (the H200).  CuPy itself compiles with
NVRTC and its own headers, so this is a close check, not the same one.
"""
from __future__ import annotations

import inspect
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from fake_cupy.kernels import ElementwiseKernel, ReductionKernel  # noqa: E402
from lucid.backend import cupy_kernels  # noqa: E402

_HEADER = """
#include <cstddef>
template <typename T> struct Raw {
  T* p; long long n;
  __device__ T& operator[](ptrdiff_t k) const { return p[k]; }
  __device__ ptrdiff_t size() const { return n; }
};
"""


def _placeholders(params) -> dict:
    return {p.type_name for p in params if p.placeholder}


def _elementwise(k: ElementwiseKernel, types: dict) -> str:
    args = ["ptrdiff_t _n"]
    lines = []
    for p in k.in_params:
        args.append(f"Raw<{p.c}> {p.name}" if p.raw else f"const {p.c}* {p.name}_ptr")
    for p in k.out_params:
        args.append(f"Raw<{p.c}> {p.name}" if p.raw else f"{p.c}* {p.name}_ptr")
    for p in k.in_params:
        if not p.raw:
            lines.append(f"  const {p.c} {p.name} = {p.name}_ptr[i];")
    for p in k.out_params:
        if not p.raw:
            lines.append(f"  {p.c} &{p.name} = {p.name}_ptr[i];")
    typedefs = "".join(f"typedef {t} {name};\n" for name, t in types.items())
    return (f"{_HEADER}{typedefs}{k.preamble}\nextern \"C\" __global__ void {k.name}({', '.join(args)}) {{\n"
            f"  const ptrdiff_t i = (ptrdiff_t)blockIdx.x * blockDim.x + threadIdx.x;\n  if (i >= _n) return;\n"
            + "\n".join(lines) + f"\n  {{\n{k.operation}\n  }}\n}}\n")


def _reduction(k: ReductionKernel, types: dict) -> str:
    out = k.out_params[0]
    args = ["ptrdiff_t _m", "ptrdiff_t _k"] + [f"const {p.c}* {p.name}_ptr" for p in k.in_params] + \
        [f"{out.c}* {out.name}_ptr"]
    loads = "\n".join(f"    const {p.c} {p.name} = {p.name}_ptr[i];" for p in k.in_params)
    typedefs = "".join(f"typedef {t} {name};\n" for name, t in types.items())
    return (f"{_HEADER}{typedefs}typedef {k.reduce_type or out.c} _type_reduce;\n{k.preamble}\n"
            f"extern \"C\" __global__ void {k.name}({', '.join(args)}) {{\n"
            f"  const ptrdiff_t j = (ptrdiff_t)blockIdx.x * blockDim.x + threadIdx.x;\n  if (j >= _m) return;\n"
            f"  _type_reduce a = ({k.identity});\n  for (ptrdiff_t t = 0; t < _k; ++t) {{\n"
            f"    const ptrdiff_t i = j * _k + t;\n{loads}\n    _type_reduce b = ({k.map_expr});\n"
            f"    a = ({k.reduce_expr});\n  }}\n  {out.c} &{out.name} = {out.name}_ptr[j];\n  {k.post_map_expr};\n}}\n")


def kernels() -> list:
    """Every kernel object cupy_kernels builds (each factory called with each of its flag values)."""
    found = []
    for name, fn in vars(cupy_kernels).items():
        if not (name.startswith("_") and name.endswith("_kernel") and callable(fn)):
            continue
        flags = [[]] if not inspect.signature(fn.__wrapped__).parameters else [[False], [True]]
        found += [fn(*f) for f in flags]
    return found


def main() -> int:
    import fake_cupy

    fake_cupy.install()  # the kernel factories build their kernels with `cupy`: the double records them
    failures = 0
    with tempfile.TemporaryDirectory() as tmp:
        for k in kernels():
            names = _placeholders(k.in_params + k.out_params)
            for float_type in ("float", "double"):
                types = {n: ("int" if n == "I" else float_type) for n in sorted(names)}
                src = _elementwise(k, types) if isinstance(k, ElementwiseKernel) else _reduction(k, types)
                path = os.path.join(tmp, f"{k.name}_{float_type}.cu")
                with open(path, "w") as f:
                    f.write(src)
                done = subprocess.run(["nvcc", "-arch=sm_90", "-c", path, "-o", path + ".o"],
                                      capture_output=True, text=True)
                status = "ok" if done.returncode == 0 else "FAILED"
                print(f"{k.name:32s} {float_type:6s} {status}")
                if done.returncode:
                    failures += 1
                    print(done.stderr, src, sep="\n")
    print(f"{failures} failed" if failures else "every kernel compiles with nvcc")
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
