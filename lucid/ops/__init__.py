"""Every differentiable operation, one family per file; each op's forward and backward side by side.

================  =====================================================================
file              ops
================  =====================================================================
arithmetic.py     add sub mul div pow neg, and the in-place add_ sub_ mul_ div_
elementwise.py    exp log log1p sqrt abs sin cos tanh
activation.py     sigmoid relu leaky_relu gelu softplus softmax log_softmax
compare.py        maximum minimum clip where; eq ne lt le gt ge, logical_and/or/xor/not (no gradient)
reduction.py      sum mean var std max min amax amin logsumexp; argmax argmin any all
shape.py          reshape view flatten squeeze unsqueeze permute transpose swapaxes
                  broadcast_to expand concatenate stack split repeat repeat_interleave pad
linalg.py         matmul
indexing.py       getitem (t[i]) and setitem_ (t[i] = v)
conversion.py     clone astype to_device
================  =====================================================================
"""
from lucid.ops.activation import gelu, leaky_relu, log_softmax, relu, sigmoid, softmax, softplus
from lucid.ops.arithmetic import add, add_, div, div_, mul, mul_, neg, pow, sub, sub_
from lucid.ops.compare import (
    clip, eq, ge, gt, le, logical_and, logical_not, logical_or, logical_xor, lt, maximum, minimum, ne, where,
)
from lucid.ops.conversion import astype, clone, to_device
from lucid.ops.elementwise import abs, cos, exp, log, log1p, sin, sqrt, tanh
from lucid.ops.indexing import getitem, setitem_
from lucid.ops.linalg import matmul
from lucid.ops.reduction import all, amax, amin, any, argmax, argmin, logsumexp, max, mean, min, std, sum, var
from lucid.ops.shape import (
    broadcast_to, cat, concat, concatenate, expand, flatten, pad, permute, repeat, repeat_interleave, reshape,
    split, squeeze, stack, swapaxes, tile, transpose, unsqueeze, view,
)

clamp = clip
