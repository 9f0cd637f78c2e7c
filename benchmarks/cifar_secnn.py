"""The CIFAR-sized SE-CNN of issue 20, in lucid and in PyTorch with the same weights.

Three blocks ``conv 3x3 -> BatchNorm -> ReLU -> SE (r=16) -> max-pool 2`` of 32/64/128
channels (32x32 -> 4x4), a global average pool and a linear layer to 10 classes.
Used by ``train.py --device gpu`` (timing against PyTorch CUDA) and ``launch_count.py``
(kernel launches per step, counted on the CPU double of CuPy).
"""
from __future__ import annotations

from lucid import nn


def lucid_cifar_secnn(se: bool) -> "nn.Module":
    """The CIFAR-sized SE-CNN of issue 20 in lucid: (N, 3, 32, 32) -> (N, 10)."""
    def block(cin, cout):
        return nn.Sequential(nn.Conv2d(cin, cout, 3, padding=1, bias=False), nn.BatchNorm2d(cout), nn.ReLU(),
                             nn.SEModule(cout, 16) if se else nn.Identity(), nn.MaxPool2d(2))

    return nn.Sequential(block(3, 32), block(32, 64), block(64, 128), nn.AdaptiveAvgPool2d(1), nn.Flatten(),
                         nn.Linear(128, 10))


def torch_cifar_secnn(torch, model, se: bool, device: str = "cuda"):
    """The same network in PyTorch (on ``device``), with the lucid model's weights."""
    tnn = torch.nn

    class SE(tnn.Module):
        def __init__(self, c, h):
            super().__init__()
            self.fc1, self.fc2 = tnn.Linear(c, h), tnn.Linear(h, c)

        def forward(self, x):
            g = torch.sigmoid(self.fc2(torch.relu(self.fc1(x.mean((2, 3))))))
            return x * g[:, :, None, None]

    def block(cin, cout):
        return tnn.Sequential(tnn.Conv2d(cin, cout, 3, padding=1, bias=False), tnn.BatchNorm2d(cout), tnn.ReLU(),
                              SE(cout, max(1, cout // 16)) if se else tnn.Identity(), tnn.MaxPool2d(2))

    tmodel = tnn.Sequential(block(3, 32), block(32, 64), block(64, 128), tnn.AdaptiveAvgPool2d(1), tnn.Flatten(),
                            tnn.Linear(128, 10))
    lparams, tparams = list(model.parameters()), list(tmodel.parameters())
    assert len(lparams) == len(tparams), (len(lparams), len(tparams))
    with torch.no_grad():
        for lp, tp in zip(lparams, tparams):
            assert tuple(lp.shape) == tuple(tp.shape), (lp.shape, tp.shape)
            tp.copy_(torch.from_numpy(lp.numpy()))
    return tmodel.to(device)
