"""Activation functions, stateless: the math lives in :mod:`lucid.ops.activation` and :mod:`lucid.ops.elementwise`.

These are the same functions as ``lucid.relu``, ``lucid.sigmoid``, ...;
``nn.functional`` re-exports them under PyTorch's names so that
``import lucid.nn.functional as F; F.relu(x)`` reads like PyTorch.
"""
from __future__ import annotations

from lucid.ops.activation import gelu, leaky_relu, log_softmax, relu, sigmoid, softmax, softplus
from lucid.ops.elementwise import tanh

__all__ = ["relu", "sigmoid", "tanh", "leaky_relu", "gelu", "softmax", "log_softmax", "softplus"]
