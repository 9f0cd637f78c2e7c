"""The Squeeze-and-Excitation block three ways: plain lucid ops, nn.SEModule, and channels-last unbatched.

1. Written with nothing but ``mean``, ``matmul``, ``relu``, ``sigmoid`` and ``*``.
2. ``nn.SEModule`` with the same weights: the same outputs and the same gradients.
3. The channels-last, unbatched (H, W, C) form used in JAX courses (mean over axes 0 and 1,
   gates broadcast on the last axis, output flattened), built from the same module by permuting axes.

Run: python examples/se_from_scratch.py
"""
import numpy as np

import lucid
from lucid import nn

lucid.random.seed(0)
N, C, H, W, r = 4, 32, 8, 8, 8
module = nn.SEModule(C, r)
W1, b1, W2, b2 = module.fc1.weight, module.fc1.bias, module.fc2.weight, module.fc2.bias


def se_from_ops(x):
    """Squeeze, excite, scale with plain ops (x: (N, C, H, W))."""
    s = lucid.mean(x, axis=(2, 3))                  # squeeze:    (N, C)
    z = lucid.relu(lucid.matmul(s, W1.T) + b1)      # excitation: (N, C // r)
    g = lucid.sigmoid(lucid.matmul(z, W2.T) + b2)   #             (N, C), in (0, 1)
    return x * g.reshape(N, C, 1, 1)                # scale


data = np.random.default_rng(0).standard_normal((N, C, H, W)).astype(np.float32)
upstream = lucid.tensor(np.random.default_rng(1).standard_normal((N, C, H, W)).astype(np.float32))

# 1 and 2: same forward, same gradients (input and every parameter).
grads = []
for name, fn in [("plain ops", se_from_ops), ("nn.SEModule", module)]:
    module.zero_grad()
    x = lucid.tensor(data, requires_grad=True)
    y = fn(x)
    (y * upstream).sum().backward()
    grads.append((y.numpy(), x.grad.copy(), {k: p.grad.copy() for k, p in module.named_parameters()}))
    print(f"{name:12s}: output {y.shape}, sum {y.numpy().sum():+.6f}")
(y_ops, gx_ops, gp_ops), (y_mod, gx_mod, gp_mod) = grads
print("max |difference| of outputs       :", np.abs(y_ops - y_mod).max())
print("max |difference| of dL/dx         :", np.abs(gx_ops - gx_mod).max())
print("max |difference| of dL/d(weights) :", max(np.abs(gp_ops[k] - gp_mod[k]).max() for k in gp_ops))


# 3. Channels-last, unbatched: an image (H, W, C) as JAX courses write it.
def se_channels_last(image):
    """(H, W, C) -> the SE output flattened to (H * W * C,), using the module on a permuted copy."""
    x = image.permute(2, 0, 1).unsqueeze(0)         # (1, C, H, W): the layout the module expects
    y = module(x)[0].permute(1, 2, 0)               # back to (H, W, C)
    return y.reshape(-1)


def se_channels_last_by_hand(image):
    """The JAX-course formula: mean over axes 0 and 1, gates broadcast over the last axis."""
    s = image.mean(axis=(0, 1))                     # (C,)
    g = lucid.sigmoid(lucid.relu(s @ W1.T + b1) @ W2.T + b2)
    return (image * g).reshape(-1)                  # (H, W, C) * (C,) broadcasts on the last axis


image = lucid.tensor(data[0].transpose(1, 2, 0))      # (H, W, C)
a, b = se_channels_last(image), se_channels_last_by_hand(image)
print(f"channels-last: output {a.shape}, max |difference| to the by-hand form: {np.abs(a.numpy() - b.numpy()).max():.2e}")
print("and it equals the NCHW module's first sample:",
      bool(np.allclose(a.numpy(), y_mod[0].transpose(1, 2, 0).reshape(-1), atol=1e-6)))
