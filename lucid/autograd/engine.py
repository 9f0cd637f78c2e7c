"""The backward pass: walk the graph from the root, newest node first, and add up gradients.

Every node has a creation number.  A node is always created after the
nodes of its inputs, so visiting nodes in *decreasing* creation number
guarantees that when a node is visited, every gradient flowing into it has
already arrived.  A heap gives that order without recursion, so a chain of
100,000 ops is no problem.

For each node the engine

1. checks that the arrays it saved were not changed in place since,
2. calls ``fn.backward(node, grad)`` to get one gradient per input,
3. sums each gradient down to its input's shape (undoing broadcasting, the
   one place where this happens) and casts it to the input's dtype (undoing
   dtype promotion),
4. passes it on to the input's node, or accumulates it into a leaf's ``.grad``,
5. frees the node's saved arrays (unless ``retain_graph=True``).
"""
from __future__ import annotations

import heapq
from typing import Any

from lucid import backend
from lucid.autograd import anomaly
from lucid.autograd.grad_mode import no_grad


def sum_to_shape(grad: Any, shape: tuple) -> Any:
    """Sum ``grad`` over the axes that broadcasting added or stretched, so it has ``shape``."""
    if grad.shape == shape:
        return grad
    xp = backend.xp_of(grad)
    lead = grad.ndim - len(shape)
    axes = tuple(range(lead)) + tuple(
        i + lead for i, n in enumerate(shape) if n == 1 and grad.shape[i + lead] != 1
    )
    if axes:
        grad = xp.sum(grad, axis=axes, keepdims=True)
    if lead:
        grad = xp.reshape(grad, shape)
    return grad


def _check_versions(node) -> None:
    for counter, expected, which in node.versions:
        if counter[0] != expected:
            raise RuntimeError(
                f"one of the arrays needed to compute the gradient of {node.fn.__name__} "
                f"(its {which}) has been modified by an in-place operation: it was at "
                f"version {expected} when saved and is now at version {counter[0]}. Use an "
                f"out-of-place operation (y = y + 1 instead of y += 1) or .clone() it first."
            )


def run_backward(roots, root_grads, retain_graph: bool = False, capture=None) -> dict | None:
    """Propagate ``root_grads`` from ``roots`` back through the graph.

    Parameters
    ----------
    roots, root_grads : list
        Tensors to start from and the gradient arrays of each (same shape).
    retain_graph : bool
        Keep saved arrays so backward can run again through the same graph.
    capture : dict or None
        When given (``lucid.autograd.grad``), maps the ``id`` of each wanted
        node or leaf tensor to ``None``; gradients are stored there instead of
        in ``.grad``.
    """
    grads: dict = {}
    heap: list = []
    given_to_leaves: set = set()  # ids of arrays already handed to a leaf: never share one .grad

    def deliver(target, grad):
        if target.__class__ is Node:
            if target in grads:
                grads[target] = grads[target] + grad
            else:
                grads[target] = grad
                heapq.heappush(heap, (-target.seq, id(target), target))
        else:
            _accumulate_leaf(target, grad, capture, given_to_leaves)

    with no_grad(), backend.quiet_float_errors():  # gradient arithmetic is not recorded, inf/nan are not warned
        for root, g in zip(roots, root_grads):
            if root.grad_fn is None:
                deliver(root, g)
            else:
                deliver(root.grad_fn, g)

        while heap:
            _, _, node = heapq.heappop(heap)
            grad = backend.ensure_array(grads.pop(node))
            if capture is not None:
                if id(node) in capture:
                    capture[id(node)] = grad
            elif node.retained is not None:
                kept = node.retained
                kept.grad = grad if kept.grad is None else backend.ensure_array(kept.grad + grad)
            if node.freed:
                raise RuntimeError(
                    f"Trying to backward through the graph a second time: the arrays saved by "
                    f"{node.fn.__name__} were freed after the first backward(). Call "
                    f"backward(retain_graph=True) the first time if you need to backward twice."
                )
            if node.versions:
                _check_versions(node)
            input_grads = node.fn.backward(node, grad)
            if anomaly._state.enabled:
                anomaly.check_gradients(node, input_grads)
            if not retain_graph:
                node.saved = ()
                node.freed = True
            for parent, g, shape, dtype in zip(node.parents, input_grads, node.shapes, node.dtypes):
                if parent is None or g is None:
                    continue
                if g.shape != shape:
                    g = sum_to_shape(g, shape)
                if g.dtype != dtype:  # the op promoted this input (float32 + float64): cast back
                    g = backend.xp_of(g).astype(g, dtype)
                deliver(parent, g)
    return capture


def _accumulate_leaf(leaf, grad, capture, given: set) -> None:
    if capture is not None:
        if id(leaf) in capture:
            prev = capture[id(leaf)]
            capture[id(leaf)] = backend.ensure_array(grad if prev is None else prev + grad)
        return
    grad = backend.ensure_array(grad)
    if grad.dtype != leaf.data.dtype:
        grad = backend.xp_of(grad).astype(grad, leaf.data.dtype)
    if leaf.grad is None:
        # The same array may reach two leaves (a + b hands grad to both) or be a
        # read-only broadcast view; copy in those cases so each .grad is its own.
        if id(grad) in given or getattr(grad, "base", None) is not None:
            grad = backend.xp_of(grad).asarray(grad, copy=True)
        given.add(id(grad))
        leaf.grad = grad
    else:
        leaf.grad = backend.ensure_array(leaf.grad + grad)


from lucid.autograd.function import Node  # noqa: E402
