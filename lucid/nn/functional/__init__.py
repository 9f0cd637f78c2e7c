"""Stateless forms of the layers: ``import lucid.nn.functional as F``.

Each ``nn`` layer's ``forward`` calls one of these; they in turn are built
from :mod:`lucid.ops` (or, for pooling, a small :class:`~lucid.autograd.Function`).
One import line per file, so new families are added by appending a line.
"""
from lucid.nn.functional.activation import gelu, leaky_relu, log_softmax, relu, sigmoid, softmax, softplus, tanh
from lucid.nn.functional.linear import linear
from lucid.nn.functional.pooling import (
    adaptive_avg_pool, adaptive_avg_pool1d, adaptive_avg_pool2d, adaptive_avg_pool3d, adaptive_bins, global_avg_pool,
)
from lucid.nn.functional.conv import avg_pool2d, conv1d, conv2d, max_pool2d
from lucid.nn.functional.normalization import batch_norm, layer_norm
from lucid.nn.functional.dropout import dropout
from lucid.nn.functional.loss import (
    binary_cross_entropy, binary_cross_entropy_with_logits, cross_entropy, l1_loss, mse_loss, nll_loss,
)
