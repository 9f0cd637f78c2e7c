"""Module: the base class of every layer and model, with PyTorch's behaviour.

A module keeps three ordered registries, filled by plain attribute
assignment (:meth:`Module.__setattr__`):

* ``_parameters``: :class:`~lucid.nn.Parameter` objects (learnable weights);
* ``_buffers``: tensors that are state but not learned (running means, ...),
  added with :meth:`Module.register_buffer`;
* ``_modules``: sub-modules, which makes a module a tree.

Everything else (``parameters()``, ``state_dict()``, ``to()``, ``train()``,
the nested ``repr``) is a walk over that tree.
"""
from __future__ import annotations

import itertools
import weakref
from typing import Any, Callable, Iterator, NamedTuple

import numpy as np

from lucid import backend
from lucid.autograd.function import Function
from lucid.autograd.grad_mode import is_grad_enabled, no_grad
from lucid.nn.parameter import Parameter
from lucid.tensor import Tensor

__all__ = ["Module", "RemovableHandle", "IncompatibleKeys", "StateDictError"]


class StateDictError(RuntimeError):
    """:meth:`Module.load_state_dict` found missing, unexpected or mis-shaped keys (nothing was changed).

    Examples
    --------
    >>> import numpy as np
    >>> import lucid.nn as nn
    >>> try:
    ...     nn.Linear(2, 2).load_state_dict({"weight": np.ones((3, 2)), "bias": np.zeros(2)})
    ... except nn.StateDictError as error:
    ...     print(error)
    Error(s) in loading state_dict for Linear (nothing was changed):
      mis-shaped keys: 'weight': checkpoint (3, 2), model (2, 2)
    """


class IncompatibleKeys(NamedTuple):
    """What :meth:`Module.load_state_dict` returns: the keys that did not match."""

    missing_keys: list
    unexpected_keys: list


class RemovableHandle:
    """Returned by the ``register_*_hook`` methods; ``handle.remove()`` unregisters the hook.

    Also a context manager: the hook is removed when the ``with`` block ends.

    Examples
    --------
    >>> from lucid import nn
    >>> layer = nn.Identity()
    >>> with layer.register_forward_hook(lambda m, args, out: print("called")):
    ...     _ = layer(1.0)
    called
    >>> _ = layer(1.0)  # the hook is gone
    """

    _ids = itertools.count()

    def __init__(self, hooks: dict):
        self._hooks = weakref.ref(hooks) if _weakrefable(hooks) else (lambda: hooks)
        self.id = next(RemovableHandle._ids)

    def remove(self) -> None:
        hooks = self._hooks()
        if hooks is not None:
            hooks.pop(self.id, None)

    def __enter__(self) -> "RemovableHandle":
        return self

    def __exit__(self, *exc) -> None:
        self.remove()


def _weakrefable(obj) -> bool:
    try:
        weakref.ref(obj)
    except TypeError:
        return False
    return True


class _HookDict(dict):
    """A dict that can be weakly referenced (so a handle does not keep a module alive)."""


def _is_device_name(value: Any) -> bool:
    try:
        backend.normalize_device(value)
    except ValueError:
        return False
    return True


def _addindent(text: str, spaces: int) -> str:
    lines = text.split("\n")
    if len(lines) == 1:
        return text
    return lines[0] + "\n" + "\n".join(" " * spaces + line for line in lines[1:])


def _looks_like_torch_tensor(value: Any) -> bool:
    """A PyTorch tensor, recognised without importing torch (torch is never a dependency)."""
    return type(value).__module__.split(".")[0] == "torch" and all(
        hasattr(value, a) for a in ("detach", "cpu", "numpy"))


def _host_value(value: Any, dtype: np.dtype) -> tuple:
    """``(host array of dtype, None)`` for a loadable state-dict value, or ``(None, reason)``."""
    if isinstance(value, Tensor):
        value = backend.to_host(value.data)
    elif _looks_like_torch_tensor(value):
        value = value.detach().cpu().numpy()
    elif backend.is_array(value):
        value = backend.to_host(value)
    elif not isinstance(value, (np.ndarray, np.generic, int, float, bool, list, tuple)):
        return None, (f"a {type(value).__module__}.{type(value).__name__} is not an array "
                      f"(expected a NumPy array, a lucid Tensor or a number)")
    try:
        array = np.asarray(value)
    except (TypeError, ValueError) as exc:
        return None, f"cannot be read as an array ({exc})"
    if array.dtype.kind not in "biufc" or (array.dtype.kind == "c" and dtype.kind != "c"):
        return None, f"an array of dtype {array.dtype} cannot be converted to {dtype}"
    return np.array(array, dtype=dtype, copy=True), None


class _HookBox:
    """What the nodes of one module call share: the gradients gathered so far."""

    __slots__ = ("grads", "on_grads")

    def __init__(self, count: int, on_grads: Callable) -> None:
        self.grads = [None] * count
        self.on_grads = on_grads


class _BackwardHookJoin(Function):
    """Joins the tensors of one side of a module call into one node: its backward runs once all their gradients are in.

    Forward returns a 0-d token; ``BackwardHookFunction`` outputs depend on it.
    Backward ignores the token's (zero) gradient, hands the gradients that the
    ``BackwardHookFunction`` nodes collected to the module's hooks, and returns
    what the hooks leave, one per joined tensor.
    """

    @staticmethod
    def forward(ctx, *arrays, box):
        ctx.box = box
        return backend.zeros((), arrays[0].dtype, like=arrays[0])

    @staticmethod
    def backward(ctx, grad):
        box = ctx.box
        grads, box.grads = box.grads, [None] * len(box.grads)  # ready for another backward (retain_graph)
        return tuple(box.on_grads(grads))


class BackwardHookFunction(Function):
    """The identity on one tensor of a hooked module call: backward records its gradient for the join node."""

    @staticmethod
    def forward(ctx, token, array, box, k):
        ctx.box, ctx.k, ctx.token_dtype = box, k, token.dtype
        return array  # the same array: no copy

    @staticmethod
    def backward(ctx, grad):
        ctx.box.grads[ctx.k] = grad
        return backend.zeros((), ctx.token_dtype, like=grad), None, None, None


def _through_hook_node(tensors: list, on_grads: Callable) -> list:
    """``tensors`` passed through one join node (PyTorch's single BackwardHookFunction node)."""
    box = _HookBox(len(tensors), on_grads)
    token = _BackwardHookJoin.apply(*tensors, box=box)
    out = []
    for k, t in enumerate(tensors):
        alias = BackwardHookFunction.apply(token, t.data, box, k)
        alias._version = t._version  # the same memory: in-place writes through either are seen by both
        out.append(alias)
    return out


def _as_grad(value: Any) -> Any:
    return value.data if isinstance(value, Tensor) else value


class _BackwardHook:
    """The backward hooks of one module call (PyTorch's ``torch.utils.hooks.BackwardHook``)."""

    def __init__(self, module: "Module", hooks: list, pre_hooks: list) -> None:
        self.module, self.hooks, self.pre_hooks = module, hooks, pre_hooks
        self.n_inputs = 0
        self.input_positions = None  # positions of the inputs that require grad, once wrapped
        self.grad_outputs = None

    def setup_inputs(self, args: tuple) -> tuple:
        self.n_inputs = len(args)
        positions = [i for i, a in enumerate(args) if isinstance(a, Tensor) and a.requires_grad]
        if not positions or not self.hooks:
            return args
        self.input_positions = positions
        # every tensor input gets a gradient in grad_input (zeros where none flows, as PyTorch materialises)
        self.input_shapes = {i: (a.shape, a.dtype) for i, a in enumerate(args) if isinstance(a, Tensor)}
        wrapped = _through_hook_node([args[i] for i in positions], self._on_input_grads)
        args = list(args)
        for i, alias in zip(positions, wrapped):
            args[i] = alias
        return tuple(args)

    def setup_outputs(self, output: Any) -> Any:
        is_tuple = isinstance(output, tuple)
        outputs = output if is_tuple else (output,)
        positions = [i for i, o in enumerate(outputs) if isinstance(o, Tensor) and o.requires_grad]
        if not positions:
            return output
        self.n_outputs, self.output_positions = len(outputs), positions
        wrapped = _through_hook_node([outputs[i] for i in positions], self._on_output_grads)
        outputs = list(outputs)
        for i, alias in zip(positions, wrapped):
            outputs[i] = alias
        return tuple(outputs) if is_tuple else outputs[0]

    def _replacement(self, result, expected: int, hook_kind: str, what: str) -> tuple:
        """What a hook returned, as a tuple of arrays of the expected length (else a clear error)."""
        result = tuple(result) if isinstance(result, (tuple, list)) else (result,)
        if len(result) != expected:
            raise RuntimeError(f"{hook_kind} of {type(self.module).__name__} returned {len(result)} {what}, "
                               f"expected {expected}")
        return tuple(_as_grad(g) for g in result)

    def _on_output_grads(self, grads: list) -> list:
        grad_outputs = [None] * self.n_outputs
        for pos, g in zip(self.output_positions, grads):
            grad_outputs[pos] = g
        grad_outputs = tuple(grad_outputs)
        for hook in self.pre_hooks:
            result = hook(self.module, grad_outputs)
            if result is not None:
                grad_outputs = self._replacement(result, len(grad_outputs), "backward pre-hook", "grad_output(s)")
        self.grad_outputs = grad_outputs
        if self.input_positions is None and self.hooks:
            # no input requires grad: the hooks run now, with grad_input all None (as in PyTorch)
            grad_inputs = (None,) * self.n_inputs
            for hook in self.hooks:
                result = hook(self.module, grad_inputs, grad_outputs)
                if result is not None and not all(g is None for g in result):
                    raise RuntimeError(f"backward hook of {type(self.module).__name__}: no input of this call "
                                       f"requires grad, so the hook must return None (or all-None grad_input)")
            self.grad_outputs = None
        return [grad_outputs[pos] for pos in self.output_positions]

    def _on_input_grads(self, grads: list) -> list:
        grad_inputs = [None] * self.n_inputs
        for pos, g in zip(self.input_positions, grads):
            grad_inputs[pos] = g
        like = next(g for g in grads if g is not None)  # the join node runs only once some gradient arrived
        for pos, (shape, dtype) in self.input_shapes.items():
            if grad_inputs[pos] is None:
                grad_inputs[pos] = backend.zeros(shape, dtype, like=like)
        grad_inputs = tuple(grad_inputs)
        for hook in self.hooks:
            result = hook(self.module, grad_inputs, self.grad_outputs)
            if result is not None:
                grad_inputs = self._replacement(result, len(grad_inputs), "backward hook",
                                                "grad_input(s) (one per positional input)")
        self.grad_outputs = None
        return [grad_inputs[pos] for pos in self.input_positions]


class Module:
    """Base class for all layers and models: subclass it, create sub-layers in ``__init__``, write ``forward``.

    Calling a module (``module(x)``) runs the forward pre-hooks, then
    :meth:`forward`, then the forward hooks.  Attributes that are
    :class:`~lucid.nn.Parameter`, :class:`Module` or registered buffers are
    tracked automatically, with dotted names (``"block.fc1.weight"``) for
    nested modules.

    Attributes
    ----------
    training : bool
        True in training mode (the default), False after :meth:`eval`.
        Layers such as dropout and batch norm behave differently in the two.

    Notes
    -----
    A module computes :math:`y = f_\\theta(x)` from its parameters
    :math:`\\theta`; because :meth:`forward` is built from differentiable
    ops, ``loss.backward()`` fills each parameter's ``grad`` with
    :math:`\\partial L / \\partial \\theta` without any module-specific code.

    The interface follows ``torch.nn.Module`` (PyTorch documentation,
    https://pytorch.org/docs/stable/generated/torch.nn.Module.html).

    Examples
    --------
    >>> import lucid
    >>> from lucid import nn
    >>> class TwoLayer(nn.Module):
    ...     def __init__(self):
    ...         super().__init__()
    ...         self.hidden = nn.Linear(3, 4)
    ...         self.out = nn.Linear(4, 1)
    ...     def forward(self, x):
    ...         return self.out(self.hidden(x).relu())
    >>> model = TwoLayer()
    >>> [name for name, _ in model.named_parameters()]
    ['hidden.weight', 'hidden.bias', 'out.weight', 'out.bias']
    >>> model(lucid.zeros((2, 3))).shape
    (2, 1)
    >>> model
    TwoLayer(
      (hidden): Linear(in_features=3, out_features=4, bias=True)
      (out): Linear(in_features=4, out_features=1, bias=True)
    )
    """

    training: bool

    def __init__(self) -> None:
        object.__setattr__(self, "training", True)
        object.__setattr__(self, "_parameters", {})
        object.__setattr__(self, "_buffers", {})
        object.__setattr__(self, "_non_persistent_buffers", set())
        object.__setattr__(self, "_modules", {})
        object.__setattr__(self, "_forward_pre_hooks", _HookDict())
        object.__setattr__(self, "_forward_hooks", _HookDict())
        object.__setattr__(self, "_backward_hooks", _HookDict())
        object.__setattr__(self, "_backward_pre_hooks", _HookDict())

    # ------------------------------------------------------------------ forward
    def forward(self, *args: Any, **kwargs: Any) -> Any:
        """The computation; every subclass overrides it. Call the module, not ``forward``, so hooks run."""
        raise NotImplementedError(f"{type(self).__name__} must define forward(...)")

    # Modules made before backward hooks existed (unpickled) have no instance dicts: empty defaults.
    _backward_hooks: dict = _HookDict()
    _backward_pre_hooks: dict = _HookDict()

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        if not (self._forward_pre_hooks or self._forward_hooks
                or self._backward_hooks or self._backward_pre_hooks):  # the common case, kept cheap
            return self.forward(*args, **kwargs)
        for hook in list(self._forward_pre_hooks.values()):
            result = hook(self, args)
            if result is not None:
                args = result if isinstance(result, tuple) else (result,)
        backward_hook = None
        if (self._backward_hooks or self._backward_pre_hooks) and is_grad_enabled():
            # the hooks registered now are the ones this call's backward runs (as in PyTorch)
            backward_hook = _BackwardHook(self, list(self._backward_hooks.values()),
                                          list(self._backward_pre_hooks.values()))
            args = backward_hook.setup_inputs(args)
        output = self.forward(*args, **kwargs)
        for hook in list(self._forward_hooks.values()):
            result = hook(self, args, output)
            if result is not None:
                output = result
        if backward_hook is not None:
            output = backward_hook.setup_outputs(output)
        return output

    def register_full_backward_hook(self, hook: Callable) -> RemovableHandle:
        r"""Call ``hook(module, grad_input, grad_output)`` when the gradients of the module's inputs are computed.

        PyTorch's semantics: ``grad_output`` is a tuple with the gradient of each
        output of ``forward`` (a Tensor or a tuple of Tensors), ``grad_input``
        a tuple with the gradient of each positional input (``None`` for one
        that is not a tensor or does not require grad).  They are arrays, like
        ``.grad``.  The hook may return a tuple of the same length to replace
        ``grad_input``, or None.  If no input requires grad, the hook is called
        with all-None ``grad_input`` once the output gradients are known (and
        may only return None).  Modules without hooks run exactly as before.

        Returns a :class:`RemovableHandle`; the hooks in place when the module
        is called are the ones that run in that call's backward.

        Notes
        -----
        The inputs (and outputs) pass through one identity node each way
        (``BackwardHookFunction``, as in PyTorch), so the hook sees all of
        :math:`\partial L/\partial x_i` at once, whatever the number of inputs.

        Examples
        --------
        >>> import lucid
        >>> from lucid import nn
        >>> layer = nn.Linear(2, 1, bias=False)
        >>> _ = layer.weight.data.fill(1.0)
        >>> seen = []
        >>> handle = layer.register_full_backward_hook(
        ...     lambda m, grad_in, grad_out: seen.append((grad_in[0].tolist(), grad_out[0].tolist())))
        >>> x = lucid.tensor([[1.0, 2.0]], requires_grad=True)
        >>> (layer(x) * 3).sum().backward()
        >>> seen
        [([[3.0, 3.0]], [[3.0]])]
        >>> handle.remove()
        """
        if not callable(hook):
            raise TypeError(f"register_full_backward_hook(hook): hook must be callable, got {type(hook).__name__}")
        hooks = self._own_hook_dict("_backward_hooks")
        handle = RemovableHandle(hooks)
        hooks[handle.id] = hook
        return handle

    def register_full_backward_pre_hook(self, hook: Callable) -> RemovableHandle:
        """Call ``hook(module, grad_output)`` before the gradients flow into the module; a tuple returned replaces ``grad_output``.

        Examples
        --------
        >>> import lucid
        >>> from lucid import nn
        >>> act = nn.ReLU()
        >>> handle = act.register_full_backward_pre_hook(lambda m, grad_out: (grad_out[0] * 0,))
        >>> x = lucid.tensor([1.0, 2.0], requires_grad=True)
        >>> act(x).sum().backward()
        >>> x.grad
        array([0., 0.], dtype=float32)
        """
        if not callable(hook):
            raise TypeError(f"register_full_backward_pre_hook(hook): hook must be callable, "
                            f"got {type(hook).__name__}")
        hooks = self._own_hook_dict("_backward_pre_hooks")
        handle = RemovableHandle(hooks)
        hooks[handle.id] = hook
        return handle

    def _own_hook_dict(self, name: str) -> dict:
        hooks = self.__dict__.get(name)
        if hooks is None:  # an old (unpickled) module: give it its own dict, never the class default
            hooks = _HookDict()
            object.__setattr__(self, name, hooks)
        return hooks

    def register_forward_pre_hook(self, hook: Callable) -> RemovableHandle:
        """Call ``hook(module, args)`` before every forward; a non-None return replaces ``args``.

        Returns a :class:`RemovableHandle`; ``handle.remove()`` unregisters the hook.

        Examples
        --------
        >>> import lucid
        >>> from lucid import nn
        >>> layer = nn.Identity()
        >>> handle = layer.register_forward_pre_hook(lambda m, args: args[0] * 10)
        >>> layer(lucid.tensor(2.0))
        Tensor(20.)
        >>> handle.remove()
        """
        handle = RemovableHandle(self._forward_pre_hooks)
        self._forward_pre_hooks[handle.id] = hook
        return handle

    def register_forward_hook(self, hook: Callable) -> RemovableHandle:
        """Call ``hook(module, args, output)`` after every forward; a non-None return replaces ``output``.

        Returns a :class:`RemovableHandle`; ``handle.remove()`` unregisters the hook.

        Examples
        --------
        >>> import lucid
        >>> from lucid import nn
        >>> model = nn.Sequential(nn.Linear(4, 3), nn.ReLU())
        >>> shapes = []
        >>> handle = model[0].register_forward_hook(lambda m, args, out: shapes.append(out.shape))
        >>> _ = model(lucid.zeros((2, 4)))
        >>> shapes
        [(2, 3)]
        >>> handle.remove()
        """
        handle = RemovableHandle(self._forward_hooks)
        self._forward_hooks[handle.id] = hook
        return handle

    # ------------------------------------------------------------------ registration
    def __setattr__(self, name: str, value: Any) -> None:
        # PyTorch's rules (torch.nn.Module.__setattr__): a name that is already registered keeps its
        # place in its registry (dict assignment keeps the order), so replacing ``model.fc`` or
        # ``lin.weight`` does not reorder named_parameters(), state_dict() or a Sequential's layers.
        # A value of another kind moves the name to the other registry (at its end).
        d = self.__dict__
        params = d.get("_parameters")
        if isinstance(value, Parameter):
            if params is None:
                raise AttributeError(
                    f"cannot assign parameter {name!r} before Module.__init__() is called: "
                    f"call super().__init__() first in {type(self).__name__}.__init__"
                )
            self._remove_from(name, "__dict__", "_buffers", "_modules")
            self.register_parameter(name, value)
        elif params is not None and name in params:
            if value is not None:
                raise TypeError(
                    f"cannot assign {type(value).__name__} as parameter {name!r} of {type(self).__name__} "
                    f"(nn.Parameter or None expected)"
                )
            params[name] = None
        elif isinstance(value, Module):
            if d.get("_modules") is None:
                raise AttributeError(
                    f"cannot assign module {name!r} before Module.__init__() is called: "
                    f"call super().__init__() first in {type(self).__name__}.__init__"
                )
            self._remove_from(name, "__dict__", "_parameters", "_buffers")
            self._modules[name] = value
        elif d.get("_modules") is not None and name in self._modules:
            if value is not None:
                raise TypeError(
                    f"cannot assign {type(value).__name__} as child module {name!r} of {type(self).__name__} "
                    f"(nn.Module or None expected)"
                )
            self._modules[name] = None
        elif d.get("_buffers") is not None and name in self._buffers:
            if value is not None and not isinstance(value, Tensor):
                raise TypeError(
                    f"cannot assign {type(value).__name__} as buffer {name!r} of {type(self).__name__} "
                    f"(Tensor or None expected)"
                )
            self._buffers[name] = value  # keeps its place and its persistence, as in PyTorch
        else:
            object.__setattr__(self, name, value)

    def _remove_from(self, name: str, *registries: str) -> None:
        """Drop ``name`` from the given registries (``"__dict__"`` is the plain attributes)."""
        for registry in registries:
            table = self.__dict__ if registry == "__dict__" else self.__dict__[registry]
            table.pop(name, None)
            if registry == "_buffers":
                self._non_persistent_buffers.discard(name)

    def __getattr__(self, name: str) -> Any:
        # only called when normal lookup fails: look in the registries
        d = self.__dict__
        for registry in ("_parameters", "_buffers", "_modules"):
            if registry in d and name in d[registry]:
                return d[registry][name]
        raise AttributeError(f"'{type(self).__name__}' object has no attribute '{name}'")

    def __delattr__(self, name: str) -> None:
        for registry in ("_parameters", "_buffers", "_modules"):
            if name in self.__dict__.get(registry, {}):
                del self.__dict__[registry][name]
                self._non_persistent_buffers.discard(name)
                return
        object.__delattr__(self, name)

    def __dir__(self):
        return sorted(set(super().__dir__()) | set(self._parameters) | set(self._buffers) | set(self._modules))

    @staticmethod
    def _check_name(name: Any, kind: str) -> None:
        if not isinstance(name, str):
            raise TypeError(f"{kind} name must be a str, got {type(name).__name__}")
        if name == "" or "." in name:
            raise KeyError(f"{kind} name must be a non-empty string without '.', got {name!r}")

    def register_parameter(self, name: str, param: Parameter | None) -> None:
        """Register ``param`` (a :class:`~lucid.nn.Parameter` or None) under ``name``."""
        if "_parameters" not in self.__dict__:
            raise AttributeError("cannot register a parameter before Module.__init__() is called")
        self._check_name(name, "parameter")
        if param is not None and not isinstance(param, Parameter):
            raise TypeError(
                f"register_parameter: {name!r} must be an nn.Parameter or None, got {type(param).__name__} "
                f"(wrap a tensor as nn.Parameter(t))"
            )
        if name not in self._parameters and hasattr(self, name):
            raise KeyError(f"register_parameter: attribute {name!r} already exists")
        self._parameters[name] = param

    def register_buffer(self, name: str, tensor: Tensor | None, persistent: bool = True) -> None:
        """Register a tensor that is state but not a parameter (e.g. batch norm's running mean).

        Buffers are moved by :meth:`to` and saved in :meth:`state_dict` (unless
        ``persistent=False``), but :meth:`parameters` does not list them.

        Examples
        --------
        >>> import lucid
        >>> from lucid import nn
        >>> m = nn.Module()
        >>> m.register_buffer("running_mean", lucid.zeros(3))
        >>> list(m.state_dict()), list(m.parameters())
        (['running_mean'], [])
        """
        if "_buffers" not in self.__dict__:
            raise AttributeError("cannot register a buffer before Module.__init__() is called")
        self._check_name(name, "buffer")
        if tensor is not None and not isinstance(tensor, Tensor):
            raise TypeError(f"register_buffer: {name!r} must be a Tensor or None, got {type(tensor).__name__}")
        if isinstance(tensor, Parameter):
            raise TypeError(f"register_buffer: {name!r} is an nn.Parameter; use register_parameter for those")
        if name not in self._buffers and hasattr(self, name):
            raise KeyError(f"register_buffer: attribute {name!r} already exists")
        self._buffers[name] = tensor
        if persistent:
            self._non_persistent_buffers.discard(name)
        else:
            self._non_persistent_buffers.add(name)

    def add_module(self, name: str, module: "Module | None") -> None:
        """Register ``module`` as a child called ``name`` (the same as ``setattr(self, name, module)``)."""
        self._check_name(name, "module")
        if module is not None and not isinstance(module, Module):
            raise TypeError(f"add_module: {name!r} must be an nn.Module or None, got {type(module).__name__}")
        if name not in self._modules and name in self.__dict__:
            raise KeyError(f"add_module: attribute {name!r} already exists")
        self._modules[name] = module

    register_module = add_module

    def get_submodule(self, target: str) -> "Module":
        """The sub-module at dotted path ``target`` (``""`` is this module)."""
        module = self
        if target == "":
            return module
        for part in target.split("."):
            child = module._modules.get(part)
            if child is None:
                raise AttributeError(f"{type(module).__name__} has no submodule {part!r} (looking up {target!r})")
            module = child
        return module

    # ------------------------------------------------------------------ traversal
    def named_modules(self, memo: set | None = None, prefix: str = "",
                      remove_duplicate: bool = True) -> Iterator[tuple[str, "Module"]]:
        """Yield ``(dotted_name, module)`` for this module and every descendant, depth first (each once by default).

        Examples
        --------
        >>> from lucid import nn
        >>> model = nn.Sequential(nn.Linear(2, 2), nn.Sequential(nn.ReLU()))
        >>> [name for name, _ in model.named_modules()]
        ['', '0', '1', '1.0']
        """
        memo = set() if memo is None else memo
        if remove_duplicate:
            if id(self) in memo:
                return
            memo.add(id(self))
        yield prefix, self
        for name, child in self._modules.items():
            if child is not None:
                yield from child.named_modules(memo, f"{prefix}.{name}" if prefix else name, remove_duplicate)

    def modules(self) -> Iterator["Module"]:
        """Yield this module and every descendant."""
        for _, m in self.named_modules():
            yield m

    def named_children(self) -> Iterator[tuple[str, "Module"]]:
        """Yield ``(name, child)`` for the direct sub-modules."""
        seen = set()
        for name, child in self._modules.items():
            if child is not None and id(child) not in seen:
                seen.add(id(child))
                yield name, child

    def children(self) -> Iterator["Module"]:
        """Yield the direct sub-modules."""
        for _, child in self.named_children():
            yield child

    def _named_members(self, registry: str, prefix: str, recurse: bool, remove_duplicate: bool = True):
        seen = set()
        modules = self.named_modules(prefix=prefix, remove_duplicate=remove_duplicate) if recurse else [(prefix, self)]
        for module_prefix, module in modules:
            for name, value in module.__dict__[registry].items():
                if value is None or (remove_duplicate and id(value) in seen):
                    continue
                seen.add(id(value))
                yield (f"{module_prefix}.{name}" if module_prefix else name), value

    def named_parameters(self, prefix: str = "", recurse: bool = True,
                         remove_duplicate: bool = True) -> Iterator[tuple[str, Parameter]]:
        """Yield ``(dotted_name, parameter)``; a parameter shared by two layers is listed once.

        A module's own parameters come first, then each child's, in registration order (as in PyTorch).

        Examples
        --------
        >>> from lucid import nn
        >>> model = nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 1, bias=False))
        >>> [(name, p.shape) for name, p in model.named_parameters()]
        [('0.weight', (3, 2)), ('0.bias', (3,)), ('2.weight', (1, 3))]
        """
        yield from self._named_members("_parameters", prefix, recurse, remove_duplicate)

    def parameters(self, recurse: bool = True) -> Iterator[Parameter]:
        """Yield every parameter (for an optimizer: ``SGD(model.parameters(), lr=0.1)``).

        Examples
        --------
        >>> from lucid import nn
        >>> sum(p.size for p in nn.Linear(10, 5).parameters())
        55
        """
        for _, p in self.named_parameters(recurse=recurse):
            yield p

    def named_buffers(self, prefix: str = "", recurse: bool = True,
                      remove_duplicate: bool = True) -> Iterator[tuple[str, Tensor]]:
        """Yield ``(dotted_name, buffer)``."""
        yield from self._named_members("_buffers", prefix, recurse, remove_duplicate)

    def buffers(self, recurse: bool = True) -> Iterator[Tensor]:
        """Yield every buffer."""
        for _, b in self.named_buffers(recurse=recurse):
            yield b

    # ------------------------------------------------------------------ modes and gradients
    def train(self, mode: bool = True) -> "Module":
        """Set training mode (``mode=True``) or evaluation mode on this module and all descendants.

        Examples
        --------
        >>> from lucid import nn
        >>> model = nn.Sequential(nn.Linear(2, 2), nn.ReLU())
        >>> model.eval().training, model[1].training
        (False, False)
        >>> model.train()[0].training
        True
        """
        if not isinstance(mode, bool):
            raise TypeError(f"train(mode): mode must be a bool, got {type(mode).__name__}")
        for m in self.modules():
            object.__setattr__(m, "training", mode)
        return self

    def eval(self) -> "Module":
        """Set evaluation mode (the same as ``train(False)``)."""
        return self.train(False)

    def requires_grad_(self, requires_grad: bool = True) -> "Module":
        """Switch gradient recording on or off for every parameter (freeze with ``requires_grad_(False)``)."""
        for p in self.parameters():
            p.requires_grad_(requires_grad)
        return self

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Reset every parameter's gradient: to ``None`` (default, as in PyTorch) or to zeros.

        Examples
        --------
        >>> import lucid
        >>> from lucid import nn
        >>> layer = nn.Linear(2, 1)
        >>> layer(lucid.ones((1, 2))).sum().backward()
        >>> layer.weight.grad
        array([[1., 1.]], dtype=float32)
        >>> layer.zero_grad()
        >>> layer.weight.grad is None
        True
        """
        for p in self.parameters():
            if set_to_none or p.grad is None:
                p.grad = None
            else:
                p.grad = backend.zeros(p.grad.shape, p.grad.dtype, like=p.grad)

    # ------------------------------------------------------------------ devices and dtypes
    def apply(self, fn: Callable[["Module"], None]) -> "Module":
        """Call ``fn(m)`` on every descendant and then on this module (e.g. custom initialisation)."""
        for child in self.children():
            child.apply(fn)
        fn(self)
        return self

    def _convert(self, convert: Callable[[Any], Any]) -> "Module":
        """Replace every parameter's, gradient's and buffer's array by ``convert(array)``, in place.

        Parameters stay the same objects (an optimizer holding them keeps working).
        """
        with no_grad():
            for m in self.modules():
                for p in m._parameters.values():
                    if p is not None:
                        p.data = convert(p.data)
                        if p.grad is not None:
                            p.grad = convert(p.grad)
                for b in m._buffers.values():
                    if b is not None:
                        b.data = convert(b.data)
        return self

    def to(self, device: Any = None, dtype: Any = None) -> "Module":
        """Move parameters, their gradients and buffers to ``device`` and/or cast floating ones to ``dtype``.

        Works in place (the same :class:`~lucid.nn.Parameter` objects) and returns ``self``.
        ``module.to("gpu")``, ``module.to(lucid.float64)`` and ``module.to("cpu", "float64")`` all work.

        Examples
        --------
        >>> import lucid
        >>> from lucid import nn
        >>> layer = nn.Linear(2, 2)
        >>> w = layer.weight
        >>> layer.to(lucid.float64).weight.dtype, layer.weight is w
        (dtype('float64'), True)
        >>> layer.to("cpu").weight.device
        'cpu'
        """
        if device is not None and dtype is None and not _is_device_name(device):
            device, dtype = None, device  # module.to(lucid.float64) or module.to("float64")
        if device is not None:
            device = backend.normalize_device(device)
            self._convert(lambda a: backend.to_device(a, device))
        if dtype is not None:
            try:
                target = backend.to_numpy_dtype(dtype)
            except TypeError:
                raise ValueError(
                    f"Module.to: expected a device ('cpu', 'gpu', 'cuda') or a floating dtype, got {dtype!r}"
                ) from None
            if target.kind != "f":
                raise TypeError(f"Module.to(dtype): expected a floating-point dtype, got {target}")

            def cast(a):
                if backend.to_numpy_dtype(a.dtype).kind != "f" or backend.to_numpy_dtype(a.dtype) == target:
                    return a
                xp = backend.xp_of(a)
                return xp.astype(a, backend.native_dtype(xp, target))

            self._convert(cast)
        return self

    def cpu(self) -> "Module":
        """Move to the host (``to("cpu")``)."""
        return self.to("cpu")

    def gpu(self) -> "Module":
        """Move to the GPU (``to("gpu")``)."""
        return self.to("gpu")

    cuda = gpu

    def float(self) -> "Module":
        """Cast floating parameters and buffers to float32."""
        return self.to(dtype=np.float32)

    def double(self) -> "Module":
        """Cast floating parameters and buffers to float64 (for gradient checks)."""
        return self.to(dtype=np.float64)

    # ------------------------------------------------------------------ state dict
    def _state_items(self, prefix: str = ""):
        """Yield ``(dotted_name, tensor)`` for every parameter and persistent buffer, in state-dict order.

        A sub-module reachable under two names (``Sequential(lin, lin)``) is listed under
        both, as PyTorch's ``state_dict`` does, so checkpoints converted from PyTorch load strictly.
        """
        for module_prefix, m in self.named_modules(prefix=prefix, remove_duplicate=False):
            dotted = f"{module_prefix}." if module_prefix else ""
            for name, p in m._parameters.items():
                if p is not None:
                    yield dotted + name, p
            for name, b in m._buffers.items():
                if b is not None and name not in m._non_persistent_buffers:
                    yield dotted + name, b

    def state_dict(self, prefix: str = "") -> dict:
        """A snapshot of every parameter and persistent buffer: dotted name to a NumPy array (a copy, on the host).

        A module or parameter reachable under two names appears under both (as in PyTorch).

        Examples
        --------
        >>> from lucid import nn
        >>> sd = nn.Linear(3, 2).state_dict()
        >>> {k: v.shape for k, v in sd.items()}
        {'weight': (2, 3), 'bias': (2,)}
        >>> lin = nn.Linear(1, 1)
        >>> list(nn.Sequential(lin, lin).state_dict())
        ['0.weight', '0.bias', '1.weight', '1.bias']
        """
        return {name: np.array(backend.to_host(t.data), copy=True)
                for name, t in self._state_items(prefix.rstrip("."))}

    def _state_targets(self) -> dict:
        """Dotted name to the tensor that :meth:`load_state_dict` writes into."""
        return dict(self._state_items())

    def load_state_dict(self, state_dict: dict, strict: bool = True) -> IncompatibleKeys:
        """Copy values from ``state_dict`` (name to array or Tensor) into the parameters and buffers.

        All or nothing: every key is checked, and every value converted to
        its target's dtype, before anything is written.  With ``strict=True``
        a missing or unexpected key, and always a value whose shape differs
        or that cannot be converted (strings, objects, complex into real),
        raises :class:`StateDictError` naming *all* problem keys, and the
        module is left unchanged.  Values may be NumPy arrays, lucid tensors,
        numbers, or PyTorch tensors (read with ``.detach().cpu().numpy()``;
        torch is not imported).  Values are cast to each target's dtype and
        moved to its device; parameters stay the same objects.

        Returns
        -------
        IncompatibleKeys
            ``(missing_keys, unexpected_keys)``, useful with ``strict=False``.

        Examples
        --------
        >>> import numpy as np
        >>> from lucid import nn
        >>> a, b = nn.Linear(2, 2), nn.Linear(2, 2)
        >>> b.load_state_dict(a.state_dict())
        IncompatibleKeys(missing_keys=[], unexpected_keys=[])
        >>> bool((a.weight == b.weight).all())
        True
        >>> b.load_state_dict({"weight": np.ones((2, 2)), "bias": np.array(["x", "y"])})
        Traceback (most recent call last):
        ...
        lucid.nn.module.StateDictError: Error(s) in loading state_dict for Linear (nothing was changed):
          values that are not arrays of numbers: 'bias': an array of dtype <U1 cannot be converted to float32
        """
        if not isinstance(state_dict, dict):
            hint = {"Module": "; pass other.state_dict(), not the module itself",
                    "str": "; read the file first: model.load_state_dict(lucid.load(path))"}
            kind = "Module" if isinstance(state_dict, Module) else type(state_dict).__name__
            raise TypeError(f"load_state_dict: expected a dict of name -> array, got {type(state_dict).__name__}"
                            + hint.get(kind, ""))
        targets = self._state_targets()
        missing = [k for k in targets if k not in state_dict]
        unexpected = [k for k in state_dict if k not in targets]
        mis_shaped, bad_value, converted = [], [], {}
        for k, t in targets.items():
            if k not in state_dict:
                continue
            host, problem = _host_value(state_dict[k], backend.to_numpy_dtype(t.dtype))
            if problem is not None:
                bad_value.append(f"{k!r}: {problem}")
            elif host.shape != tuple(t.shape):
                mis_shaped.append(f"{k!r}: checkpoint {host.shape}, model {tuple(t.shape)}")
            else:
                converted[k] = host
        problems = []
        if strict and missing:
            problems.append("missing keys: " + ", ".join(repr(k) for k in missing))
        if strict and unexpected:
            problems.append("unexpected keys: " + ", ".join(repr(k) for k in unexpected))
        if mis_shaped:
            problems.append("mis-shaped keys: " + "; ".join(mis_shaped))
        if bad_value:
            problems.append("values that are not arrays of numbers: " + "; ".join(bad_value))
        if problems:
            raise StateDictError(
                f"Error(s) in loading state_dict for {type(self).__name__} (nothing was changed):\n  "
                + "\n  ".join(problems)
            )
        # Only now, with every value checked and converted, write (nothing can fail half-way).
        for k, host in converted.items():
            t = targets[k]
            t.data = backend.to_device(host, t.device)
            t._version[0] += 1
        return IncompatibleKeys(missing, unexpected)

    # ------------------------------------------------------------------ printing
    def extra_repr(self) -> str:
        """The layer's settings shown inside its ``repr`` (override in subclasses)."""
        return ""

    def __repr__(self) -> str:
        lines = []
        extra = self.extra_repr()
        if extra:
            lines.extend(extra.split("\n"))
        for name, child in self._modules.items():
            lines.append(f"({name}): " + _addindent(repr(child), 2))
        main = type(self).__name__ + "("
        if lines:
            if len(lines) == 1 and not self._modules:
                main += lines[0]
            else:
                main += "\n  " + "\n  ".join(lines) + "\n"
        return main + ")"
