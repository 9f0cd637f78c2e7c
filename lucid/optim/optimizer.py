"""Optimizer: the base class that keeps parameter groups and per-parameter state."""
from __future__ import annotations

from typing import Any, Iterable

import numpy as np

from lucid import backend
from lucid.tensor import Tensor

__all__ = ["Optimizer"]


class Optimizer:
    """Base class of the optimizers: holds parameter groups, their hyper-parameters and state.

    A subclass passes its hyper-parameters as ``defaults`` and implements
    :meth:`step`, which reads ``p.grad`` for every parameter ``p`` of every group
    and writes ``p.data`` in place.

    Parameters
    ----------
    params : iterable of Tensor, or iterable of dict
        The tensors to optimise, or *parameter groups*: dicts with a ``"params"``
        list and any hyper-parameters that differ from ``defaults`` for that group.
    defaults : dict
        Hyper-parameters used by groups that do not set them.

    Attributes
    ----------
    param_groups : list of dict
        Each with ``"params"`` (a list of tensors) and every hyper-parameter.
    state : dict
        Per-parameter state (momentum buffers, moment estimates), keyed by the parameter.

    Notes
    -----
    The generic update is :math:`\\theta \\leftarrow \\theta - \\eta\\, u(g, \\text{state})`
    with :math:`g = \\partial L / \\partial \\theta`; each subclass documents its :math:`u`.
    Parameters whose ``grad`` is None are skipped.

    Examples
    --------
    >>> import lucid
    >>> from lucid import optim
    >>> w = lucid.zeros(2, requires_grad=True)
    >>> b = lucid.zeros(1, requires_grad=True)
    >>> opt = optim.SGD([{"params": [w]}, {"params": [b], "lr": 0.5}], lr=0.1)
    >>> [g["lr"] for g in opt.param_groups]
    [0.1, 0.5]
    """

    def __init__(self, params: Iterable, defaults: dict):
        if isinstance(params, Tensor):
            raise TypeError("params must be an iterable of Tensors or of dicts, got a single Tensor; "
                            "wrap it in a list: [tensor]")
        if not hasattr(params, "__iter__") or (hasattr(params, "parameters") and hasattr(params, "forward")):
            hint = "; pass model.parameters()" if hasattr(params, "parameters") else ""
            raise TypeError(f"params must be an iterable of Tensors or of dicts, got {type(params).__name__}{hint}")
        self.defaults = dict(defaults)
        self.state: dict = {}
        self.param_groups: list[dict] = []
        groups = list(params)
        if not groups:
            raise ValueError("params must not be empty: the optimizer got an empty parameter list")
        if not isinstance(groups[0], dict):
            groups = [{"params": groups}]
        for group in groups:
            self.add_param_group(group)

    def add_param_group(self, param_group: dict) -> None:
        """Add a group of parameters with its own hyper-parameters (missing ones come from ``defaults``).

        Examples
        --------
        >>> import lucid
        >>> from lucid import optim
        >>> opt = optim.SGD([lucid.zeros(1, requires_grad=True)], lr=0.1)
        >>> extra = lucid.zeros(2, requires_grad=True)
        >>> opt.add_param_group({"params": [extra], "lr": 0.01})
        >>> len(opt.param_groups)
        2
        """
        if not isinstance(param_group, dict):
            raise TypeError(f"param_group must be a dict, got {type(param_group).__name__}")
        if "params" not in param_group:
            raise KeyError("param_group needs a 'params' entry: add_param_group({'params': [tensors], ...})")
        params = param_group["params"]
        if isinstance(params, (set, frozenset)):
            raise TypeError("param_group['params'] must be an ordered collection (a list), got a set: the order of "
                            "a set changes between runs, and the optimizer state is matched by position")
        params = [params] if isinstance(params, Tensor) else list(params)
        for p in params:
            if not isinstance(p, Tensor):
                raise TypeError(f"optimizer params must be Tensors, got {type(p).__name__}")
            if not p.is_leaf:
                raise ValueError("optimizer can only optimize leaf tensors (created by the user, not by an op); "
                                 "got a tensor with a grad_fn")
        seen = {id(p) for g in self.param_groups for p in g["params"]}
        if any(id(p) in seen for p in params) or len({id(p) for p in params}) != len(params):
            raise ValueError("some parameters appear in more than one parameter group (or twice in one)")
        # Like PyTorch, the group is the caller's dict, completed with the defaults (a scheduler
        # created earlier decays it too: it reads and writes every group's "lr").
        param_group["params"] = params
        for key, value in self.defaults.items():
            param_group.setdefault(key, value)
        self.param_groups.append(param_group)

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Reset every parameter's gradient: to None (default), or to zeros with ``set_to_none=False``."""
        for group in self.param_groups:
            for p in group["params"]:
                if set_to_none or p.grad is None:
                    p.grad = None
                else:
                    p.grad = backend.zeros(p.data.shape, p.data.dtype, like=p.data)

    def step(self) -> None:  # pragma: no cover - abstract
        """Update every parameter once from its ``grad``."""
        raise NotImplementedError

    # ------------------------------------------------------------------ saving and loading
    def state_dict(self) -> dict:
        """The optimizer's state as plain data: ``{"state": {index: {name: value}}, "param_groups": [...]}``.

        Parameters are numbered in the order of the groups (as PyTorch does); arrays are copied to
        NumPy, so the result can be saved with ``pickle`` or ``numpy.savez``.

        Examples
        --------
        >>> import lucid
        >>> from lucid import optim
        >>> w = lucid.ones(2, requires_grad=True)
        >>> opt = optim.SGD([w], lr=0.1, momentum=0.9)
        >>> (w * w).sum().backward(); opt.step()
        >>> sd = opt.state_dict()
        >>> sd["param_groups"][0]["params"], sd["state"][0]["momentum_buffer"]
        ([0], array([2., 2.], dtype=float32))
        """
        index = {}
        groups = []
        for group in self.param_groups:
            ids = []
            for p in group["params"]:
                index.setdefault(id(p), len(index))
                ids.append(index[id(p)])
            groups.append({**{k: v for k, v in group.items() if k != "params"}, "params": ids})
        state = {}
        for group in self.param_groups:
            for p in group["params"]:
                if p in self.state:
                    state[index[id(p)]] = {k: _to_host(v) for k, v in self.state[p].items()}
        return {"state": state, "param_groups": groups}

    def load_state_dict(self, state_dict: dict) -> None:
        """Restore a state from :meth:`state_dict` (arrays are moved to each parameter's device).

        Raises
        ------
        ValueError
            If the number of groups or of parameters in a group differs.
        """
        groups = state_dict.get("param_groups")
        if groups is None or "state" not in state_dict:
            raise ValueError("state_dict must have the keys 'state' and 'param_groups' (from Optimizer.state_dict())")
        if len(groups) != len(self.param_groups):
            raise ValueError(f"loaded state dict has {len(groups)} parameter groups, but the optimizer has "
                             f"{len(self.param_groups)}")
        for i, (saved, own) in enumerate(zip(groups, self.param_groups)):
            if len(saved["params"]) != len(own["params"]):
                raise ValueError(f"parameter group {i}: the loaded state has {len(saved['params'])} parameters, "
                                 f"the optimizer has {len(own['params'])}")
        self.state = {}
        for saved, own in zip(groups, self.param_groups):
            for index, p in zip(saved["params"], own["params"]):
                entry = state_dict["state"].get(index)
                if entry is not None:
                    self.state[p] = {k: _to_param(v, p) for k, v in entry.items()}
            own.update({k: v for k, v in saved.items() if k != "params"})

    def __repr__(self) -> str:
        lines = [f"{type(self).__name__} ("]
        for i, group in enumerate(self.param_groups):
            lines.append(f"Parameter Group {i}")
            for key in sorted(k for k in group if k != "params"):
                lines.append(f"    {key}: {group[key]}")
        lines.append(")")
        return "\n".join(lines)


def _number(value: Any, name: str, owner: str) -> None:
    """A hyper-parameter must be a real number (not a bool or a string): TypeError naming it otherwise."""
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise TypeError(f"{owner}: {name} must be a number, got {value!r} ({type(value).__name__})")


#: PyTorch's words for each hyper-parameter in its "Invalid ...: value" messages
_WORDS = {"lr": "learning rate", "eps": "epsilon value", "weight_decay": "weight_decay value",
          "momentum": "momentum value", "dampening": "dampening value"}


def _non_negative(value: Any, name: str, owner: str) -> None:
    """``value`` must be a number >= 0 (so not nan): PyTorch's ``ValueError("Invalid learning rate: nan")``.

    PyTorch's Adam tests ``not 0.0 <= value``, which refuses nan; its SGD tests ``value < 0.0``, which lets
    nan through to turn every weight into nan at the first step. lucid refuses nan everywhere.
    """
    _number(value, name, owner)
    if not 0.0 <= value:
        raise ValueError(f"{owner}: Invalid {_WORDS.get(name, name)}: {value} ({name} must be a number >= 0)")


def _to_host(value: Any) -> Any:
    if backend.is_array(value) or hasattr(value, "__array_namespace__"):
        return np.array(backend.to_host(value), copy=True)
    return value


def _to_param(value: Any, p: Tensor) -> Any:
    """A saved state value ready for ``step``: arrays (0-d included) as arrays of ``p``'s float dtype on its device.

    A NumPy scalar (``np.float32(0.5)``, what a 0-d array can turn into on a round trip) becomes a
    0-d array again, because ``step`` updates the state in place (``buf *= momentum``).
    """
    if isinstance(value, np.generic) and value.dtype.kind in "iub":
        return value.item()
    if isinstance(value, (np.ndarray, np.generic)):
        value = np.array(value, copy=True)
        value = value.astype(backend.to_numpy_dtype(p.dtype)) if value.dtype.kind == "f" else value
        return backend.to_device(value, p.device)
    return value


def _write(p: Tensor, value: Any) -> None:
    """Store ``value`` in the parameter's own array (in place, like ``p.data.copy_``), bumping its version."""
    p.data[...] = value
    p._version[0] += 1
