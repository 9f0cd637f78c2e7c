"""Move a trained model from lucid to PyTorch and back, through one .safetensors file.

    pip install -e '.[examples]' torch safetensors
    python examples/to_pytorch.py              # a few seconds on 2 CPU cores

1. Train the course's SE-CNN (``SECNN`` from ``train_se_cnn.py``) in lucid for
   ``--epochs`` epochs on the 8x8 digits.
2. ``lucid.save(model.state_dict(), "out/se_cnn.safetensors")``.
3. The same network written in PyTorch (``torch_secnn`` below: the layers
   have the same attribute names, so the ``state_dict`` names are the same)
   loads that file with ``safetensors.torch.load_file`` and
   ``load_state_dict(strict=True)``. Both models predict the test digits: the
   script prints the largest logit difference and how many predicted digits
   agree.
4. The reverse: PyTorch trains the loaded network a few more steps, saves it
   with ``safetensors.torch.save_file``, and lucid loads it with
   ``lucid.load`` into a fresh ``SECNN`` (BatchNorm's ``num_batches_tracked``
   included), and the predictions are compared again.

The digits reach PyTorch without a copy: ``torch.from_dlpack(images)`` shares
the memory of the lucid tensor (DLPack).
"""
from __future__ import annotations

import argparse
import os
import sys
import time

import numpy as np

import lucid
from lucid import nn, optim
from lucid.data import DataLoader, TensorDataset, load_digits

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))  # train_se_cnn.py sits next to this file
from train_se_cnn import SECNN, train_epoch  # noqa: E402

MISSING = ("examples/to_pytorch.py needs PyTorch and safetensors, which lucid itself does not: "
           "pip install torch safetensors")


def torch_secnn(torch, channels=(32, 64), reduction=4, num_classes=10, dropout=0.1):
    """The SE-CNN of train_se_cnn.py in PyTorch, with the same module names (so the same state_dict names).

    PyTorch is passed in (not imported at the top) because it is optional for this example.
    """
    tnn = torch.nn

    class SEModule(tnn.Module):
        """lucid's nn.SEModule: squeeze (mean over H, W), excite (Linear-ReLU-Linear-Sigmoid), scale."""

        def __init__(self, c: int, reduction: int):
            super().__init__()
            hidden = max(1, c // reduction)
            self.pool = tnn.AdaptiveAvgPool2d(1)
            self.flatten = tnn.Flatten()           # (N, C, 1, 1) -> (N, C); lucid's pool gives (N, C)
            self.fc1 = tnn.Linear(c, hidden)       # state_dict: fc1.weight, fc1.bias, as in lucid
            self.relu = tnn.ReLU()
            self.fc2 = tnn.Linear(hidden, c)
            self.sigmoid = tnn.Sigmoid()

        def forward(self, x):
            gate = self.sigmoid(self.fc2(self.relu(self.fc1(self.flatten(self.pool(x))))))
            return x * gate[:, :, None, None]

    def block(cin: int, cout: int) -> tnn.Sequential:
        return tnn.Sequential(
            tnn.Conv2d(cin, cout, kernel_size=3, padding=1, bias=False),  # features.k.0
            tnn.BatchNorm2d(cout),                                        # features.k.1
            tnn.ReLU(),
            SEModule(cout, reduction),                                    # features.k.3
            tnn.MaxPool2d(2),
        )

    class SECNNTorch(tnn.Module):
        def __init__(self):
            super().__init__()
            c1, c2 = channels
            self.features = tnn.Sequential(block(1, c1), block(c1, c2))
            self.classifier = tnn.Sequential(tnn.Flatten(), tnn.Dropout(dropout), tnn.Linear(c2 * 2 * 2, num_classes))

        def forward(self, x):
            return self.classifier(self.features(x))

    return SECNNTorch()


def compare(lucid_model: nn.Module, torch_model, images: lucid.Tensor, labels: lucid.Tensor, torch) -> dict:
    """Both models in eval mode on the same images: largest logit difference, agreement, accuracies."""
    lucid_model.eval()
    torch_model.eval()
    with lucid.no_grad():
        ours = lucid_model(images).numpy()
    with torch.no_grad():
        theirs = torch_model(torch.from_dlpack(images)).numpy()  # DLPack: the images are not copied
    y = labels.numpy()
    return {
        "max_abs_diff": float(np.abs(ours - theirs).max()),
        "agree": int((ours.argmax(1) == theirs.argmax(1)).sum()),
        "count": len(y),
        "lucid_acc": float((ours.argmax(1) == y).mean()),
        "torch_acc": float((theirs.argmax(1) == y).mean()),
    }


def report(title: str, r: dict) -> None:
    print(f"{title}: max |logit difference| {r['max_abs_diff']:.2e}, same predicted digit on "
          f"{r['agree']}/{r['count']} test images (accuracy lucid {r['lucid_acc']:.2%}, PyTorch {r['torch_acc']:.2%})")


def parse_args(argv=None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--epochs", type=int, default=2, help="lucid training epochs (default 2)")
    p.add_argument("--torch-steps", type=int, default=20, help="PyTorch training steps before the way back")
    p.add_argument("--channels", type=int, nargs=2, default=(32, 64), metavar=("C1", "C2"))
    p.add_argument("--max-train", type=int, default=None, help="use only the first N training digits")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--out", default="out", help="folder for the .safetensors files (default out/)")
    return p.parse_args(argv)


def main(argv=None) -> dict | None:
    args = parse_args(argv)
    try:
        import safetensors.torch
        import torch
    except ImportError:
        print(MISSING)
        return None
    start = time.perf_counter()
    os.makedirs(args.out, exist_ok=True)
    lucid.random.seed(args.seed)
    torch.manual_seed(args.seed)
    train_set, test_set = load_digits(seed=args.seed)
    x_train, y_train = train_set.tensors
    if args.max_train is not None:
        x_train, y_train = x_train[: args.max_train], y_train[: args.max_train]
    x_test, y_test = test_set.tensors

    # 1. train in lucid --------------------------------------------------------------------------
    model = SECNN(channels=tuple(args.channels))
    loader = DataLoader(TensorDataset(x_train, y_train), batch_size=64, shuffle=True, generator=args.seed)
    optimizer = optim.AdamW(model.parameters(), lr=5e-3, weight_decay=1e-4)
    for epoch in range(1, args.epochs + 1):
        loss, acc = train_epoch(model, loader, optimizer, nn.CrossEntropyLoss())
        print(f"lucid epoch {epoch}/{args.epochs}: loss {loss:.4f}, train accuracy {acc:.3f}")

    # 2. save, 3. load into PyTorch ----------------------------------------------------------------
    path = os.path.join(args.out, "se_cnn.safetensors")
    lucid.save(model.state_dict(), path)
    tmodel = torch_secnn(torch, channels=tuple(args.channels))
    tmodel.load_state_dict(safetensors.torch.load_file(path), strict=True)  # every name matches, no leftovers
    print(f"saved {path}; loaded into PyTorch with load_state_dict(strict=True)")
    to_torch = compare(model, tmodel, x_test, y_test, torch)
    report("lucid -> PyTorch", to_torch)

    # 4. the way back: train a little in PyTorch, save with safetensors, load into a fresh lucid model --
    tmodel.train()
    topt = torch.optim.SGD(tmodel.parameters(), lr=0.05, momentum=0.9)
    xt, yt = torch.from_dlpack(x_train), torch.from_dlpack(y_train)  # shared with the lucid tensors
    for step in range(args.torch_steps):
        idx = torch.randint(0, len(yt), (64,))
        loss = torch.nn.functional.cross_entropy(tmodel(xt[idx]), yt[idx])
        topt.zero_grad()
        loss.backward()
        topt.step()
    back_path = os.path.join(args.out, "se_cnn_from_torch.safetensors")
    safetensors.torch.save_file(tmodel.state_dict(), back_path)
    restored = SECNN(channels=tuple(args.channels))
    restored.load_state_dict(lucid.load(back_path))  # strict by default; num_batches_tracked comes back 0-d int64
    print(f"PyTorch trained {args.torch_steps} more steps, saved {back_path}; loaded into lucid "
          f"(num_batches_tracked = {int(restored.features[0][1].num_batches_tracked)})")
    to_lucid = compare(restored, tmodel, x_test, y_test, torch)
    with lucid.no_grad():  # the file really carries PyTorch's new weights: the logits moved
        to_lucid["moved"] = float((restored(x_test) - model(x_test)).abs().max())
    report("PyTorch -> lucid", to_lucid)
    print(f"(PyTorch's {args.torch_steps} steps moved the test logits by up to {to_lucid['moved']:.3f})")
    print(f"done in {time.perf_counter() - start:.1f}s")
    return {"lucid_to_torch": to_torch, "torch_to_lucid": to_lucid, "paths": [path, back_path]}


if __name__ == "__main__":
    sys.exit(0 if main() is not None else 1)
