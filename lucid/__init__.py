"""lucid: a small deep-learning framework with reverse-mode autograd on NumPy (and CuPy on a GPU).

The public surface: :class:`Tensor` and :func:`tensor`, the factories, every
op as a function (``lucid.exp(x)``, ``lucid.sum(x, axis=1)``), grad mode
(:class:`no_grad`, :class:`enable_grad`), :mod:`lucid.random`,
:mod:`lucid.autograd`, :mod:`lucid.backend` and, in their own packages,
:mod:`lucid.nn` and :mod:`lucid.optim`.
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

float16 = _np.dtype("float16")
float32 = _np.dtype("float32")
float64 = _np.dtype("float64")
int32 = _np.dtype("int32")
int64 = _np.dtype("int64")
bool_ = _np.dtype("bool")

__version__ = "0.1.0"
