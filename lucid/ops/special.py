"""The error function, which the array API does not include (GELU needs it).

NumPy itself has no ``erf``; SciPy and CuPy do.  When neither is present
(or on another array namespace) it is computed here from two classic
expansions, accurate to about 1e-15:

* for :math:`|x| < 3`, the everywhere-positive series
  :math:`\\operatorname{erf} x = \\frac{2}{\\sqrt\\pi} e^{-x^2}
  \\sum_{n\\ge0} \\frac{2^n x^{2n+1}}{1\\cdot3\\cdots(2n+1)}` (no cancellation);
* for :math:`|x| \\ge 3`, Laplace's continued fraction for
  :math:`\\operatorname{erfc}`.
"""
from __future__ import annotations

import math

from lucid import backend

_SERIES_TERMS = 70
_FRACTION_TERMS = 60
_SWITCH = 3.0


def erf(x):
    """Elementwise error function of an array (not a Tensor; no gradient here)."""
    fast = backend.special_function("erf", x)
    if fast is not None:
        return fast(x)
    xp = backend.xp_of(x)
    a = xp.abs(x)
    small = xp.minimum(a, _SWITCH)  # series part, evaluated where it converges quickly
    two_x2 = 2 * small * small
    term = small
    total = small
    for n in range(1, _SERIES_TERMS):
        term = term * two_x2 / (2 * n + 1)
        total = total + term
    series = (2 / math.sqrt(math.pi)) * xp.exp(-small * small) * total

    large = xp.maximum(a, _SWITCH)  # continued fraction, evaluated bottom-up
    frac = large
    for k in range(_FRACTION_TERMS, 0, -1):
        frac = large + (k / 2) / frac
    tail = 1 - xp.exp(-large * large) / (math.sqrt(math.pi) * frac)

    value = xp.where(a < _SWITCH, series, tail)
    return xp.where(x < 0, -value, value)
