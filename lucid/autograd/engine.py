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

import numpy as np

from lucid import backend
from lucid.autograd import anomaly
from lucid.autograd.grad_mode import _state as _grad_state


def sum_to_shape(grad: Any, shape: tuple) -> Any:
    """Sum ``grad`` over the axes that broadcasting added or stretched, so it has ``shape``."""
    if grad.shape == shape:
        return grad
    lead = grad.ndim - len(shape)
    axes = tuple(range(lead)) + tuple(
        i + lead for i, n in enumerate(shape) if n == 1 and grad.shape[i + lead] != 1
    )
    if axes:
        grad = backend.sum(grad, axes, keepdims=True)
    if lead:
        grad = backend.reshape(grad, shape)
    return grad


def _check_versions(node) -> None:
    for counter, expected, position, _ in node.versions:
        if counter[0] != expected:
            which = "output" if position < 0 else f"input {position}"
            raise RuntimeError(
                f"one of the arrays needed to compute the gradient of {node.fn.__name__} "
                f"(its {which}) has been modified by an in-place operation: it was at "
                f"version {expected} when saved and is now at version {counter[0]}. Use an "
                f"out-of-place operation (y = y + 1 instead of y += 1) or .clone() it first."
            )


_EINSUM_MIN_SIZE = 1 << 14


def sum_product_to_shape(grad: Any, other: Any, shape: tuple) -> Any:
    """``sum_to_shape(grad * other, shape)``, without the full-size product when it can.

    The gradient of a broadcast product (``x * gate`` with ``gate`` of shape
    (N, C, 1, 1)) is ``grad * x`` summed over the broadcast axes.  On NumPy
    that is one ``einsum`` contraction that reads both arrays once and writes
    only the small result (for small arrays the plain product is cheaper than
    einsum's set-up); on CuPy one reduction kernel
    (:func:`lucid.backend.sum_of_product`); elsewhere (Tensors under
    ``create_graph``, the strict stand-in) the plain product and sum.
    """
    if not hasattr(other, "shape") or shape == grad.shape or other.ndim > grad.ndim:
        return sum_to_shape(grad * other, shape)
    if type(grad) is not np.ndarray:
        lead = grad.ndim - len(shape)
        axes = tuple(range(lead)) + tuple(lead + j for j, n in enumerate(shape) if n == 1 and grad.shape[lead + j] != 1)
        return backend.reshape(backend.sum_of_product(grad, other, axes), shape)
    n = grad.ndim
    if grad.size < _EINSUM_MIN_SIZE or n > 26:
        return sum_to_shape(grad * other, shape)
    letters = "abcdefghijklmnopqrstuvwxyz"[:n]
    off = n - other.ndim
    kept = [i for i, size in enumerate(other.shape) if size == grad.shape[off + i]]
    squeezed = other
    if len(kept) != other.ndim:  # other's stretched axes (length 1) carry no letter
        squeezed = backend.reshape(other, tuple(other.shape[i] for i in kept))
    off_t = n - len(shape)
    result = "".join(letters[off_t + j] for j, size in enumerate(shape) if size == grad.shape[off_t + j])
    summed = backend.einsum(f"{letters},{''.join(letters[off + i] for i in kept)}->{result}", grad, squeezed)
    return backend.reshape(summed, shape)


class _Accumulator:
    """Adds gradients together, in place where that is safe.

    An op's backward may hand the same array to several inputs (``a + b``
    gives ``g`` to both), return a view of its incoming gradient, or the user
    may hold the root gradient or a retained ``.grad``.  Such arrays must
    never be changed.  The accumulator counts, for each array, how many
    places it was delivered to in this backward pass; a sum is done in place
    only into an array delivered exactly once, that owns its memory and that
    nobody outside holds.  Otherwise ``a + b`` makes a new array (which is
    then ours).  This saves a full-size allocation per fan-in on large
    tensors, where fresh memory is the expensive part.
    """

    def __init__(self, shared_arrays) -> None:
        self.delivered: dict = {}
        self.shared = {id(a) for a in shared_arrays}

    def note(self, array) -> None:
        self.delivered[id(array)] = self.delivered.get(id(array), 0) + 1

    def mine(self, array) -> bool:
        return self.delivered.get(id(array)) == 1 and id(array) not in self.shared and backend.owns_memory(array)

    def add(self, held, grad):
        if held.shape == grad.shape and held.dtype == grad.dtype and self.mine(held):
            held += grad
            return held
        total = backend.ensure_array(held + grad)
        self.delivered[id(total)] = 1
        return total

    def share(self, array) -> None:
        self.shared.add(id(array))


def run_backward(roots, root_grads, retain_graph: bool = False, capture=None, create_graph: bool = False) -> dict | None:
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
    create_graph : bool
        Record the backward pass itself: every gradient is a Tensor computed by
        lucid's ops (each op's own ``backward``, run on Tensors), so the
        captured gradients can be differentiated again. Implies ``retain_graph``.
        A leaf's ``.grad`` still receives plain arrays (the values).
    """
    if create_graph:
        retain_graph = True
        root_grads = [g if isinstance(g, Tensor) else Tensor._make(g) for g in root_grads]
    grads: dict = {}
    heap: list = []
    hooked_leaves: dict = {}
    acc = _Accumulator(root_grads)  # the caller's gradients are never changed in place

    delivered = acc.delivered

    def deliver(target, grad):
        key = id(grad)
        delivered[key] = delivered.get(key, 0) + 1  # acc.note(grad), inlined: this runs for every edge
        if target.__class__ is Node:
            if target in grads:
                grads[target] = acc.add(grads[target], grad)
            else:
                grads[target] = grad
                heapq.heappush(heap, (-target.seq, id(target), target))
        elif target._hooks:  # a hooked leaf sees its total gradient once, after every path has arrived
            held = hooked_leaves.get(id(target))
            hooked_leaves[id(target)] = (target, grad if held is None else acc.add(held[1], grad))
        else:
            _accumulate_leaf(target, grad, capture, acc)

    # Gradient arithmetic is not recorded (grad mode off; on under create_graph, where recording is the
    # point) and makes inf/nan without warnings.
    # Plain state switches rather than `with` blocks: this runs once per backward, and for
    # small graphs the context-manager machinery would cost as much as the arithmetic.
    grad_was_enabled, _grad_state.enabled = _grad_state.enabled, create_graph
    errors_token = backend.quiet_float_errors_enter()
    try:
        for root, g in zip(roots, root_grads):
            if root.grad_fn is None:
                deliver(root, g)
            else:
                deliver(root.grad_fn, g)

        while heap:
            _, _, node = heapq.heappop(heap)
            grad = grads.pop(node)
            if grad.__class__ is not np.ndarray:
                grad = backend.ensure_array(grad)
            if node.hooks:
                grad = _run_hooks(node.hooks, grad, node.fn.__name__, acc)
            if capture is not None:
                if id(node) in capture:
                    capture[id(node)] = grad
                    acc.share(grad)
            elif node.retained is not None:
                kept = node.retained()
                if kept is not None:
                    values = _values(grad)
                    kept.grad = values if kept.grad is None else backend.ensure_array(kept.grad + values)
                    acc.share(kept.grad)
            if node.freed:
                raise RuntimeError(
                    f"Trying to backward through the graph a second time: the arrays saved by "
                    f"{node.fn.__name__} were freed after the first backward(). Call "
                    f"backward(retain_graph=True) the first time if you need to backward twice."
                )
            if node.versions:
                _check_versions(node)
            input_grads = _backward_recorded(node, grad) if create_graph else node.fn.backward(node, grad)
            if anomaly._state.enabled:
                anomaly.check_gradients(node, input_grads)
            if not retain_graph:
                node.saved = ()
                node.__dict__.clear()  # arrays an op kept as attributes (pooling indices, matrices) go too
                node.freed = True
            for parent, g, shape, dtype in zip(node.parents, input_grads, node.shapes, node.dtypes):
                if parent is None or g is None:
                    continue
                if g.shape != shape:
                    g = sum_to_shape(g, shape)
                g_dtype = g.data.dtype if create_graph else g.dtype
                if g_dtype is not dtype and g_dtype != dtype:  # the op promoted this input: cast back
                    g = backend.xp_of(g).astype(g, dtype)
                deliver(parent, g)
        for leaf, g in hooked_leaves.values():
            _accumulate_leaf(leaf, g, capture, acc)
    finally:
        backend.quiet_float_errors_exit(errors_token)
        _grad_state.enabled = grad_was_enabled
    return capture


def _run_hooks(hooks: list, grad, owner: str, acc: _Accumulator):
    """Call each hook on ``grad``; a hook that returns something replaces the gradient."""
    acc.share(grad)  # a hook may keep the array it was shown: never write into it afterwards
    for hook in tuple(hooks):
        new = hook(grad)
        if new is None:
            continue
        if isinstance(grad, Tensor):  # create_graph: a Tensor stays in the graph, an array is a constant
            new = new if isinstance(new, Tensor) else Tensor._make(backend.ensure_array(new))
            ok = backend.is_array(new.data)
        else:
            new = backend.ensure_array(new.data if isinstance(new, Tensor) else new)
            ok = backend.is_array(new)
        if not ok or tuple(new.shape) != tuple(grad.shape):
            raise RuntimeError(
                f"a hook registered with register_hook() on the output of {owner} returned "
                f"{type(new).__name__} of shape {tuple(getattr(new, 'shape', ()))}; expected None or "
                f"an array of the gradient's shape {tuple(grad.shape)}"
            )
        grad = new
        acc.share(grad)
    return grad


def _values(grad):
    """The array of a gradient (under ``create_graph`` gradients are Tensors; ``.grad`` keeps arrays)."""
    return grad.data if isinstance(grad, Tensor) else grad


def _backward_recorded(node, grad) -> tuple:
    """``node.fn.backward`` run on Tensors with grad mode on, so the gradients it returns carry a graph.

    The arrays the op saved are handed to backward as Tensors tied to where
    they came from (an input's node or leaf, or this node for its output), so
    the recorded formula depends on them as the math does.
    """
    fn = node.fn
    if not fn.double_backward:
        raise RuntimeError(
            f"create_graph=True: the backward of {fn.__name__} is not differentiable in lucid yet (it is "
            f"computed from values that its forward made), so a second derivative through it would be "
            f"wrong. Use create_graph=False, or an equivalent written with differentiable ops."
        )
    saved = node.saved
    node.saved = _saved_as_tensors(node)
    try:
        out = fn.backward(node, grad)
    finally:
        node.saved = saved
    return tuple(g if g is None or isinstance(g, Tensor) else Tensor._make(g) for g in out)


def _saved_as_tensors(node) -> tuple:
    """Each saved array as a Tensor: tied to its source when it is an input's or the output's array, else a constant."""
    wrapped = [Tensor._make(a) if hasattr(a, "shape") else a for a in node.saved]  # Python numbers stay numbers
    for counter, _, position, k in node.versions or ():
        array = node.saved[k]
        source = node if position < 0 else node.parents[position]
        if source is None:  # that input needs no gradient: a constant is right
            continue
        if source.__class__ is Node:
            t = Tensor._make(array, True)
            t.grad_fn, t._version = source, counter  # the same counter: a later in-place change is still noticed
        elif source.data is array:  # a leaf, saved as it is
            t = source
        else:  # a leaf saved after dtype promotion: the cast, recorded
            t = source.astype(array.dtype)
        wrapped[k] = t
    return tuple(wrapped)


def _accumulate_leaf(leaf, grad, capture, acc: _Accumulator) -> None:
    if leaf._hooks:
        grad = _run_hooks(leaf._hooks, grad, "a leaf tensor", acc)
    if capture is not None:
        if id(leaf) in capture:
            grad = backend.ensure_array(grad)  # NumPy makes 0-d results scalars: give back an array
            prev = capture[id(leaf)]
            capture[id(leaf)] = grad if prev is None else acc.add(prev, grad)
            acc.note(capture[id(leaf)])
        return
    grad = backend.ensure_array(_values(grad))
    if grad.dtype != leaf.data.dtype:
        grad = backend.xp_of(grad).astype(grad, leaf.data.dtype)
        acc.note(grad)
    if leaf.grad is None:
        # An array that also went elsewhere (a + b hands grad to both), a view
        # (a read-only broadcast), or the caller's own gradient is copied, so
        # every .grad is an array of its own.
        if not acc.mine(grad):
            grad = backend.xp_of(grad).asarray(grad, copy=True)
            acc.delivered[id(grad)] = 1
        leaf.grad = grad
    else:
        leaf.grad = acc.add(leaf.grad, grad)


from lucid.autograd.function import Node  # noqa: E402
from lucid.tensor import Tensor  # noqa: E402
