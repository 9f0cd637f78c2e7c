"""Memory and graph lifetime: backward frees what forward saved, training does not grow, deep graphs work.

The 100,000-op chain and the 1,000-wide fan-out through the engine are in
``tests/autograd/test_engine.py``; here are the layer-level cases: the arrays
an ``SEModule`` and a Conv/BatchNorm/MaxPool net keep for backward, a
200-step training loop under ``tracemalloc``, and deep graphs that are freed
without backward or differentiated with ``lucid.autograd.grad``.
"""
from __future__ import annotations

import gc
import tracemalloc
import weakref

import numpy as np

import lucid
from lucid import data, nn, optim
from lucid.autograd.function import Node

GROWTH_BOUND = 1 << 20  # bytes: 200 training steps after warm-up may not grow traced memory by 1 MiB


def _arrays_in(value, out: list) -> None:
    if isinstance(value, np.ndarray):
        out.append(value)
    elif isinstance(value, (tuple, list)):
        for v in value:
            _arrays_in(v, out)
    elif isinstance(value, dict):
        for v in value.values():
            _arrays_in(v, out)


def _saved_arrays(root: lucid.Tensor) -> list[np.ndarray]:
    """Every array the graph behind ``root`` holds for backward: in ``node.saved`` and as ``ctx`` attributes."""
    seen, stack, arrays = set(), [root.grad_fn], []
    while stack:
        node = stack.pop()
        if not isinstance(node, Node) or id(node) in seen:
            continue
        seen.add(id(node))
        _arrays_in(node.saved, arrays)
        _arrays_in(vars(node), arrays)
        stack.extend(node.parents)
    return arrays


def _refs_to_saved(root, alive_on_purpose) -> list[weakref.ref]:
    keep = {id(t.data) for t in alive_on_purpose}
    return [weakref.ref(a) for a in _saved_arrays(root) if id(a) not in keep]


def _assert_freed_by_backward(loss, refs):
    assert len(refs) >= 3, "the forward should have saved arrays for backward"
    gc.collect()
    assert all(r() is not None for r in refs), "saved arrays should be alive before backward"
    loss.backward()
    gc.collect()
    alive = [r().shape for r in refs if r() is not None]
    assert alive == [], f"arrays saved for backward still alive after backward(): shapes {alive}"


def test_se_module_frees_saved_arrays_after_backward():
    se = nn.SEModule(16, reduction=4)
    x = lucid.randn(4, 16, 6, 6, requires_grad=True)
    loss = (se(x) ** 2).mean()  # the output is dropped: only the loss (and so its graph) is held
    refs = _refs_to_saved(loss, [x, *se.parameters()])
    _assert_freed_by_backward(loss, refs)
    assert x.grad is not None and se.fc1.weight.grad is not None


def test_conv_batchnorm_pool_net_frees_saved_arrays_after_backward():
    net = nn.Sequential(
        nn.Conv2d(3, 8, 3, padding=1), nn.BatchNorm2d(8), nn.ReLU(), nn.MaxPool2d(2),
        nn.SEModule(8, 2), nn.AdaptiveAvgPool2d(2), nn.Flatten(), nn.Dropout(0.2), nn.Linear(32, 5),
    )
    x = lucid.randn(4, 3, 8, 8)
    target = lucid.tensor([0, 1, 2, 3])
    loss = nn.CrossEntropyLoss()(net(x), target)
    refs = _refs_to_saved(loss, [x, target, *net.parameters(), *net.buffers()])
    _assert_freed_by_backward(loss, refs)


def test_retain_graph_keeps_layer_arrays_until_the_last_backward():
    se = nn.SEModule(8, 2)
    loss = se(lucid.randn(2, 8, 3)).sum()
    refs = _refs_to_saved(loss, list(se.parameters()))
    loss.backward(retain_graph=True)
    gc.collect()
    assert all(r() is not None for r in refs)
    loss.backward()
    gc.collect()
    assert all(r() is None for r in refs)


def _small_se_cnn() -> nn.Module:
    return nn.Sequential(
        nn.Conv2d(1, 8, 3, padding=1), nn.BatchNorm2d(8), nn.ReLU(), nn.SEModule(8, 4), nn.MaxPool2d(2),
        nn.Conv2d(8, 8, 3, padding=1), nn.ReLU(), nn.GlobalAvgPool(), nn.Dropout(0.1), nn.Linear(8, 10),
    )


def test_training_loop_does_not_grow_memory():
    rng = np.random.default_rng(0)
    images = lucid.tensor(rng.standard_normal((64, 1, 8, 8)), dtype="float32")
    labels = lucid.tensor(rng.integers(0, 10, 64))
    loader = data.DataLoader(data.TensorDataset(images, labels), batch_size=16, shuffle=True, generator=0)
    model = _small_se_cnn()
    opt = optim.Adam(model.parameters(), lr=1e-3)
    loss_fn = nn.CrossEntropyLoss()

    def run(steps: int) -> list[float]:
        losses = []
        while len(losses) < steps:
            for xb, yb in loader:
                opt.zero_grad()
                loss = loss_fn(model(xb), yb)
                loss.backward()
                opt.step()
                losses.append(loss.item())
                if len(losses) == steps:
                    break
        return losses

    tracemalloc.start()
    try:
        run(20)  # warm-up: optimizer state, caches, the loader's generator
        gc.collect()
        before = tracemalloc.get_traced_memory()[0]
        losses = run(200)
        gc.collect()
        growth = tracemalloc.get_traced_memory()[0] - before
        probe = np.ones(1 << 18)  # 2 MiB: proves tracemalloc sees NumPy's allocations here
        seen = tracemalloc.get_traced_memory()[0] - before - growth
        del probe
    finally:
        tracemalloc.stop()
    assert seen >= 2 * (1 << 20) - 4096, "tracemalloc does not see NumPy allocations: the bound means nothing"
    assert growth < GROWTH_BOUND, f"memory grew by {growth / 1024:.0f} KiB over 200 training steps"
    assert np.isfinite(losses).all() and np.mean(losses[-20:]) < np.mean(losses[:20])


def test_graph_of_100000_ops_is_freed_without_backward():
    """Dropping a deep graph that was never differentiated must not recurse (node -> parents -> node ...)."""
    x = lucid.tensor(1.0, requires_grad=True)
    y = x
    for _ in range(100_000):
        y = y * 1.0
    last = weakref.ref(y.grad_fn)
    del y
    gc.collect()
    assert last() is None


def test_autograd_grad_through_100000_ops_and_a_1000_wide_fan_out():
    x = lucid.tensor([1.0, 2.0], requires_grad=True)
    y = x
    for _ in range(100_000):
        y = y * 1.0
    total = lucid.stack([y * float(i) for i in range(1000)]).sum()
    (g,) = lucid.autograd.grad(total, [x])
    np.testing.assert_allclose(g, [sum(range(1000))] * 2)
    assert x.grad is None
