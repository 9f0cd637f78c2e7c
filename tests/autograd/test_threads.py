"""Grad mode is per thread, as in PyTorch: ``no_grad`` and ``backward`` in one thread never touch another.

The overlaps are forced with barriers and events (never sleeps), so each test
checks the same interleaving on every run:

* one thread sits inside ``no_grad`` while another records a graph;
* one thread is in the middle of ``backward`` (held there by a Function whose
  backward waits for an event) while another records a graph and runs its
  own complete backward;
* four threads train their own small models (Linear, ReLU, Linear, SGD with
  momentum), half of them inside a ``no_grad`` evaluation while the other
  half run their forward, all calling ``backward`` together; every weight,
  gradient and evaluation output equals a single-threaded run of the same
  seeds (to 1e-12: the same shapes take the same BLAS path in any thread).

Every thread ends with grad mode on.
"""
from __future__ import annotations

import threading

import numpy as np
import pytest

import lucid
import lucid.nn as nn
import lucid.optim as optim
from lucid.autograd import Function

TIMEOUT = 60  # seconds a thread waits for another before the test fails (instead of hanging)


_failed = threading.Event()  # set when a thread of the current test failed: the others stop waiting


def run_threads(targets):
    """Run each callable in its own thread; re-raise the first exception any of them raised."""
    errors = []
    _failed.clear()

    def wrap(fn):
        def run():
            try:
                fn()
            except BaseException as exc:  # noqa: BLE001 - reported in the main thread
                errors.append(exc)
                _failed.set()

        return run

    threads = [threading.Thread(target=wrap(fn), daemon=True) for fn in targets]
    for t in threads:
        t.start()
    for t in threads:
        t.join(TIMEOUT)
    if errors:
        raise errors[0]
    assert not any(t.is_alive() for t in threads), "a thread is stuck (a barrier or event was never reached)"


def wait(event: threading.Event) -> None:
    """Wait for another thread to set ``event``; give up at once if a thread of the test failed."""
    for _ in range(TIMEOUT * 20):
        if event.wait(0.05):
            return
        if _failed.is_set():
            raise RuntimeError("gave up waiting: another thread of this test failed")
    raise AssertionError("the other thread never got there")


# ------------------------------------------------------------------------ no_grad is per thread
def test_a_new_thread_starts_with_grad_mode_on_even_inside_no_grad():
    seen = []
    with lucid.no_grad():
        run_threads([lambda: seen.append(lucid.is_grad_enabled())])
        assert not lucid.is_grad_enabled()
    assert seen == [True]
    assert lucid.is_grad_enabled()


def test_no_grad_in_one_thread_does_not_affect_another():
    inside, checked = threading.Event(), threading.Event()
    x = lucid.tensor(np.array([1.0, 2.0]), requires_grad=True)
    seen = {}

    def evaluator():
        with lucid.no_grad():
            inside.set()
            wait(checked)  # the recorder runs while this thread is inside no_grad
            seen["evaluator inside"] = lucid.is_grad_enabled()
            seen["evaluator result records"] = (x * 2).requires_grad
        seen["evaluator after"] = lucid.is_grad_enabled()

    def recorder():
        wait(inside)
        seen["recorder"] = lucid.is_grad_enabled()
        y = (x * 3).sum()
        seen["recorder result records"] = y.requires_grad
        checked.set()
        seen["recorder after"] = lucid.is_grad_enabled()

    run_threads([evaluator, recorder])
    assert seen == {
        "evaluator inside": False, "evaluator result records": False, "evaluator after": True,
        "recorder": True, "recorder result records": True, "recorder after": True,
    }
    assert lucid.is_grad_enabled()


def test_enable_grad_in_one_thread_does_not_affect_a_no_grad_thread():
    entered, checked = threading.Event(), threading.Event()
    seen = {}

    def frozen():
        with lucid.no_grad():
            entered.set()
            wait(checked)
            seen["frozen"] = lucid.is_grad_enabled()

    def enabler():
        wait(entered)
        with lucid.no_grad():
            with lucid.enable_grad():
                seen["enabler"] = lucid.is_grad_enabled()
        checked.set()

    run_threads([frozen, enabler])
    assert seen == {"frozen": False, "enabler": True}


# ------------------------------------------------------------------------ backward is per thread
class HeldBackward(Function):
    """Identity whose backward waits for an event: holds a thread in the middle of ``backward``."""

    @staticmethod
    def forward(ctx, x, started, release, seen):
        ctx.events = started, release, seen
        return x * 1.0

    @staticmethod
    def backward(ctx, grad):
        started, release, seen = ctx.events
        seen.append(lucid.is_grad_enabled())  # inside backward: off in this thread, as in PyTorch
        started.set()
        wait(release)
        return grad, None, None, None


def test_forward_and_backward_of_another_thread_during_a_backward():
    started, release = threading.Event(), threading.Event()
    seen_in_backward, seen = [], {}
    a = lucid.tensor(np.array([1.0, 2.0, 3.0]), requires_grad=True)
    b = lucid.tensor(np.array([0.5, -1.0]), requires_grad=True)

    def held():
        y = HeldBackward.apply(a * a, started, release, seen_in_backward)
        y.sum().backward()
        seen["held after"] = lucid.is_grad_enabled()

    def other():
        wait(started)  # the held thread is inside backward now
        seen["other mode"] = lucid.is_grad_enabled()
        z = (b * b * b).sum()
        seen["other records"] = z.requires_grad and z.grad_fn is not None
        z.backward()  # a whole backward overlapping the held one
        seen["other after"] = lucid.is_grad_enabled()
        release.set()

    run_threads([held, other])
    assert seen_in_backward == [False]
    assert seen == {"other mode": True, "other records": True, "other after": True, "held after": True}
    np.testing.assert_allclose(a.grad, 2 * a.numpy(), rtol=1e-15)
    np.testing.assert_allclose(b.grad, 3 * b.numpy() ** 2, rtol=1e-15)
    assert lucid.is_grad_enabled()


def test_a_thread_doing_only_backward_while_another_does_only_forward():
    rounds = 20
    rng = np.random.default_rng(0)
    xs = [lucid.tensor(rng.standard_normal(3), requires_grad=True) for _ in range(rounds)]
    graphs = [(x.tanh() * x).sum() for x in xs]  # built up front: that thread only runs backward
    ws = [lucid.tensor(rng.standard_normal((2, 3)), requires_grad=True) for _ in range(rounds)]
    started = [threading.Event() for _ in range(rounds)]
    done = [threading.Event() for _ in range(rounds)]
    outputs, in_backward = [], []

    def backward_only():
        for i in range(rounds):
            held = HeldBackward.apply(graphs[i], started[i], done[i], in_backward)
            held.backward()

    def forward_only():
        for i in range(rounds):
            wait(started[i])  # the other thread is inside backward
            assert lucid.is_grad_enabled()
            out = (ws[i] @ ws[i].T).exp().sum()
            assert out.requires_grad and out.grad_fn is not None
            outputs.append(out)
            done[i].set()

    run_threads([backward_only, forward_only])
    assert in_backward == [False] * rounds
    for x in xs:
        t = np.tanh(x.numpy())
        np.testing.assert_allclose(x.grad, t + x.numpy() * (1 - t * t), rtol=1e-13)
    for w, out in zip(ws, outputs):  # the forwards recorded complete graphs
        out.backward()
        wv = w.numpy()
        e = np.exp(wv @ wv.T)
        np.testing.assert_allclose(w.grad, (e + e.T) @ wv, rtol=1e-12)
    assert lucid.is_grad_enabled()


# ------------------------------------------------------------------------ training in threads
THREADS, STEPS = 4, 4


def train(seed: int, barrier: threading.Barrier | None = None, tid: int = 0) -> list:
    """Train a small MLP for a few steps; return every weight, gradient and evaluation output.

    With a barrier (the threaded run), each step forces the overlap: half the
    threads are inside ``no_grad`` (evaluating) while the others run their
    recorded forward, then all call ``backward`` together.
    """
    rng = np.random.default_rng(seed)
    model = nn.Sequential(nn.Linear(5, 8), nn.ReLU(), nn.Linear(8, 3)).double()
    with lucid.no_grad():
        for p in model.parameters():  # seeded weights: the global RNG is not per thread
            p.data[...] = rng.standard_normal(p.shape) * 0.5
    opt = optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
    x, target = lucid.tensor(rng.standard_normal((6, 5))), lucid.tensor(rng.standard_normal((6, 3)))
    x_val = lucid.tensor(rng.standard_normal((4, 5)))
    record = []

    def sync():
        if barrier is not None:
            barrier.wait(TIMEOUT)  # a failing thread aborts the barrier: the others raise at once

    def evaluate(hold: bool):
        with lucid.no_grad():
            if hold:
                sync()  # the other half runs its forward now...
                sync()  # ...and has finished it
            assert not lucid.is_grad_enabled()
            out = model(x_val)
        assert not out.requires_grad
        return out.numpy().copy()

    for step in range(STEPS):
        evaluator_first = barrier is not None and (tid + step) % 2 == 0
        if evaluator_first:
            record.append(evaluate(hold=True))
        else:
            sync()  # the evaluators are inside no_grad
        assert lucid.is_grad_enabled()
        loss = ((model(x) - target) ** 2).mean()
        assert loss.requires_grad, "a forward recorded no graph"
        if not evaluator_first:
            sync()
            record.append(evaluate(hold=False))
        opt.zero_grad()
        sync()  # all threads call backward together
        loss.backward()
        record += [p.grad.copy() for p in model.parameters()]
        opt.step()
        record += [p.numpy().copy() for p in model.parameters()]
        record.append(np.array(loss.item()))
    assert lucid.is_grad_enabled()
    return record


def test_threads_training_their_own_models_match_a_single_threaded_run():
    expected = [train(seed) for seed in range(THREADS)]
    barrier = threading.Barrier(THREADS)
    results = [None] * THREADS

    def worker(tid):
        def run():
            try:
                results[tid] = train(tid, barrier, tid)
            except BaseException:
                barrier.abort()  # release the others instead of letting them wait for TIMEOUT
                raise

        return run

    run_threads([worker(t) for t in range(THREADS)])
    for tid in range(THREADS):
        assert len(results[tid]) == len(expected[tid])
        for got, want in zip(results[tid], expected[tid]):
            np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-15)
    assert lucid.is_grad_enabled()


@pytest.mark.slow
def test_threads_repeated():
    """The training test many times: a race that needs a rare interleaving still shows up."""
    for _ in range(10):
        test_threads_training_their_own_models_match_a_single_threaded_run()
        test_forward_and_backward_of_another_thread_during_a_backward()
