"""lucid: a small deep-learning framework with reverse-mode autograd on NumPy (and CuPy on a GPU).

The public surface: :class:`Tensor` and :func:`tensor`, the factories, every
op as a function (``lucid.exp(x)``, ``lucid.sum(x, axis=1)``), grad mode
(:class:`no_grad`, :class:`enable_grad`), :mod:`lucid.random`,
:mod:`lucid.autograd`, :mod:`lucid.backend` and, in their own packages,
:mod:`lucid.nn`, :mod:`lucid.optim` and :mod:`lucid.data`.

As after ``import torch``, the packages are attributes: ``import lucid`` then
``lucid.nn.Linear(3, 2)`` works.  They are imported on first use, so
``import lucid`` itself stays quick (and never imports CuPy).
"""
import numpy as _np

from lucid import backend
from lucid.tensor import Tensor
from lucid import autograd, random
from lucid import viz
from lucid.autograd.grad_mode import enable_grad, is_grad_enabled, no_grad
from lucid.creation import (
    arange, empty, eye, full, full_like, linspace, ones, ones_like, tensor, zeros, zeros_like, rand_like, randn_like,
)
from lucid.random import rand, randint, randn, manual_seed
from lucid.ops import *  # noqa: F401,F403  (every op as lucid.name)
from lucid.ops import abs, all, any, max, min, pow, sum  # noqa: F401  (names that shadow builtins)
from lucid.serialization import save, load
from lucid.interop import from_dlpack, from_numpy

float16 = _np.dtype("float16")
float32 = _np.dtype("float32")
float64 = _np.dtype("float64")
int32 = _np.dtype("int32")
int64 = _np.dtype("int64")
bool_ = _np.dtype("bool")

__version__ = "0.1.0"

# ``lucid.nn``, ``lucid.optim`` and ``lucid.data`` without importing them up front: a module-level
# __getattr__ (PEP 562) is called only for names the module does not have, so the first
# ``lucid.nn`` imports the package (which also binds it as an attribute here) and later ones are
# plain attribute look-ups.  ``import lucid.nn`` and ``from lucid import nn`` work as always.
_SUBPACKAGES = ("nn", "optim", "data")


def __getattr__(name):
    if name in _SUBPACKAGES:
        import importlib

        return importlib.import_module(f"{__name__}.{name}")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(_SUBPACKAGES))
