"""The Squeeze-and-Excitation block as a lucid module: build it, summarise it, backpropagate, check it.

Run: python examples/se_module.py
"""
import numpy as np

import lucid
from lucid import nn

lucid.random.seed(0)

# 1. The block: squeeze (global average pool), excitation (fc1, ReLU, fc2, Sigmoid), scale.
se = nn.SEModule(in_channels=64, reduction=16)
print(se)

# 2. The summary runs the block once on an input of this size and reports what it saw.
print(nn.summary(se, (8, 64, 32, 32)))

# 3. Forward and backward on a batch of feature maps.
x = lucid.randn(8, 64, 32, 32, requires_grad=True)
y = se(x)
loss = (y ** 2).mean()
loss.backward()
print(f"output shape {y.shape}, loss {loss.item():.6f}")
print(f"dL/dx shape {x.grad.shape}, dL/d(fc1.weight) shape {se.fc1.weight.grad.shape}, "
      f"|dL/d(fc2.bias)| = {np.abs(se.fc2.bias.grad).sum():.3e}")

# 4. Gradient check on a small float64 copy: finite differences agree with backward.
small = nn.SEModule(in_channels=8, reduction=4).double()
x_small = lucid.tensor(np.random.default_rng(0).standard_normal((2, 8, 3, 3)), requires_grad=True)
print("gradcheck (input, float64):", lucid.autograd.gradcheck(small, [x_small]))

# 5. Learned gates: teach the block to keep the even channels and switch off the odd ones
#    (target = input with odd channels zeroed), with a few steps of plain gradient descent.
keep = lucid.tensor((np.arange(64) % 2 == 0).astype(np.float32)).reshape(1, 64, 1, 1)
x = x.detach()
target = x * keep
for step in range(60):
    loss = ((se(x) - target) ** 2).mean() * 64
    se.zero_grad()
    loss.backward()
    with lucid.no_grad():
        for p in se.parameters():
            p.data -= 2.0 * p.grad
    if step % 20 == 0 or step == 59:
        print(f"step {step:2d}  loss {loss.item():.5f}")
with lucid.no_grad():
    gates = se.sigmoid(se.fc2(se.relu(se.fc1(se.flatten(se.pool(x))))))
print("learned gates of channels 0..5 for the first two samples (even ~1, odd ~0):")
print(np.array2string(gates.numpy()[:2, :6], precision=4))
