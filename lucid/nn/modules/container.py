"""Containers: ``Sequential``, ``ModuleList`` and ``ModuleDict`` (modules that hold modules)."""
from __future__ import annotations

import operator
from collections import OrderedDict
from typing import Any, Iterable, Iterator, Mapping

from lucid.nn.module import Module

__all__ = ["Sequential", "ModuleList", "ModuleDict"]


def _index(idx: Any, n: int, owner: str) -> int:
    try:
        i = operator.index(idx)
    except TypeError:
        raise TypeError(f"{owner} indices must be integers or slices, got {type(idx).__name__}") from None
    if not -n <= i < n:
        raise IndexError(f"{owner} index {i} is out of range for {n} module(s)")
    return i % n


def _check_module(value: Any, owner: str) -> Module:
    if not isinstance(value, Module):
        raise TypeError(f"{owner} holds nn.Module objects, got {type(value).__name__}")
    return value


def _insert_numbered(modules: dict, index: Any, module: Module, owner: str) -> None:
    """Insert ``module`` before position ``index`` of the layers named '0'..'n-1', then number them again.

    PyTorch's ``insert`` leaves a gap (a layer named '10') for a large index and
    fails half-way for a negative one; here an index outside ``-n..n`` is an error.
    """
    n = len(modules)
    index = operator.index(index)
    if not -n <= index <= n:
        raise IndexError(f"{owner}.insert: index {index} is out of range for {n} module(s) "
                         f"(expected -{n} <= index <= {n})")
    values = list(modules.values())
    values.insert(index, module)  # a negative index counts from the end, as in list.insert
    modules.clear()
    for i, m in enumerate(values):
        modules[str(i)] = m


class Sequential(Module):
    """Run modules one after another: the output of each is the input of the next.

    Parameters
    ----------
    *modules : Module
        The layers in order (named ``"0"``, ``"1"``, ...), or a single dict
        (e.g. ``OrderedDict``) of name to module.

    Forward Calculation
    -------------------
    .. math::

        y = f_k(\\cdots f_2(f_1(x)))

    Backward Gradient Calculation
    -----------------------------
    The chain rule, done by the engine: with :math:`J_i` the Jacobian of :math:`f_i` at its
    input and :math:`g = \\partial L/\\partial y`,

    .. math::

        \\frac{\\partial L}{\\partial x} = J_1^\\top J_2^\\top \\cdots J_k^\\top g

    Notes
    -----
    Indexable (an int gives a module, a slice a new ``Sequential``), iterable, ``len``.

    Examples
    --------
    >>> import lucid
    >>> from lucid import nn
    >>> model = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 2))
    >>> model(lucid.zeros((3, 4))).shape
    (3, 2)
    >>> len(model), type(model[1]).__name__, model[-1].out_features
    (3, 'ReLU', 2)
    >>> model[:2]
    Sequential(
      (0): Linear(in_features=4, out_features=8, bias=True)
      (1): ReLU()
    )
    """

    def __init__(self, *modules: Any) -> None:
        super().__init__()
        if len(modules) == 1 and isinstance(modules[0], Mapping):
            for name, m in modules[0].items():
                self.add_module(str(name), _check_module(m, "Sequential"))
        else:
            for i, m in enumerate(modules):
                self.add_module(str(i), _check_module(m, "Sequential"))

    def __getitem__(self, idx: int | slice) -> Module:
        items = list(self._modules.items())
        if isinstance(idx, slice):  # a new Sequential with the same names, as PyTorch's
            return self.__class__(OrderedDict(items[idx]))
        return items[_index(idx, len(items), "Sequential")][1]

    def __setitem__(self, idx: int, module: Module) -> None:
        name = list(self._modules)[_index(idx, len(self._modules), "Sequential")]
        setattr(self, name, _check_module(module, "Sequential"))  # keeps the layer's place

    def __delitem__(self, idx: int | slice) -> None:
        names = list(self._modules)
        doomed = names[idx] if isinstance(idx, slice) else [names[_index(idx, len(names), "Sequential")]]
        for name in doomed:
            del self._modules[name]
        # PyTorch renumbers what is left '0', '1', ... so that a later append() gets a fresh name
        _renumber(self)

    def __len__(self) -> int:
        return len(self._modules)

    def __iter__(self) -> Iterator[Module]:
        return iter(self._modules.values())

    def __dir__(self):
        return [key for key in super().__dir__() if not key.isdigit()]

    def append(self, module: Module) -> "Sequential":
        """Add ``module`` at the end, named ``str(len(self))``.

        Examples
        --------
        >>> from lucid import nn
        >>> s = nn.Sequential(nn.ReLU(), nn.Tanh())
        >>> del s[0]
        >>> list(s.append(nn.ReLU())._modules)
        ['0', '1']
        """
        name = str(len(self))
        if name in self._modules:  # only possible with custom names; PyTorch would silently replace that layer
            raise KeyError(f"Sequential.append: the new layer's name {name!r} is already used by another layer "
                           f"(names {list(self._modules)}); use add_module(name, module) with a new name")
        self.add_module(name, _check_module(module, "Sequential"))
        return self

    def insert(self, index: int, module: Module) -> "Sequential":
        """Insert ``module`` before position ``index`` (``-len(self) <= index <= len(self)``); later layers move up.

        Examples
        --------
        >>> from lucid import nn
        >>> s = nn.Sequential(nn.ReLU(), nn.Tanh()).insert(1, nn.Sigmoid())
        >>> [type(m).__name__ for m in s]
        ['ReLU', 'Sigmoid', 'Tanh']
        """
        _check_module(module, "Sequential")
        n = len(self._modules)
        if list(self._modules) != [str(i) for i in range(n)]:
            raise KeyError(f"Sequential.insert needs layers named '0'..'{n - 1}', got names {list(self._modules)}; "
                           f"build a new Sequential(OrderedDict(...)) instead")
        _insert_numbered(self._modules, index, module, "Sequential")
        return self

    def extend(self, sequential: Iterable[Module]) -> "Sequential":
        """Append every module of ``sequential`` (any iterable of modules)."""
        for layer in sequential:
            self.append(layer)
        return self

    def pop(self, key: int | slice) -> Module:
        """Remove the module(s) at ``key`` and return them (a ``Sequential`` for a slice)."""
        value = self[key]
        del self[key]
        return value

    def __add__(self, other: "Sequential") -> "Sequential":
        if not isinstance(other, Sequential):
            raise ValueError(f"Sequential + other: other must be a Sequential, got {type(other).__name__}")
        return Sequential(*self, *other)

    def __iadd__(self, other: "Sequential") -> "Sequential":
        if not isinstance(other, Sequential):
            raise ValueError(f"Sequential += other: other must be a Sequential, got {type(other).__name__}")
        return self.extend(list(other))

    def __mul__(self, other: int) -> "Sequential":
        if isinstance(other, bool) or not isinstance(other, int):
            raise TypeError(f"Sequential * n: n must be an int, got {type(other).__name__}")
        if other <= 0:
            raise ValueError(f"Sequential * n: n must be positive, got {other}")
        return Sequential(*(list(self) * other))

    __rmul__ = __mul__

    def __imul__(self, other: int) -> "Sequential":
        return self.extend(list(self * other)[len(self):])

    def forward(self, input: Any) -> Any:
        for module in self._modules.values():
            input = module(input)
        return input


def _renumber(container: Module) -> None:
    """Rename the children '0', '1', ... in their current order."""
    values = list(container._modules.values())
    container._modules.clear()
    for i, m in enumerate(values):
        container._modules[str(i)] = m


class ModuleList(Module):
    """A list of modules, registered so their parameters are found (a plain Python list would hide them).

    ``forward`` is not defined: use the modules in your own ``forward``.

    Examples
    --------
    >>> from lucid import nn
    >>> blocks = nn.ModuleList([nn.Linear(2, 2) for _ in range(3)])
    >>> blocks.append(nn.ReLU())
    ModuleList(
      (0-2): 3 x Linear(in_features=2, out_features=2, bias=True)
      (3): ReLU()
    )
    >>> len(list(blocks.parameters()))
    6
    """

    def __init__(self, modules: Iterable[Module] | None = None) -> None:
        super().__init__()
        if modules is not None:
            self.extend(modules)

    def __getitem__(self, idx: int | slice) -> Any:
        values = list(self._modules.values())
        if isinstance(idx, slice):
            return self.__class__(values[idx])
        return values[_index(idx, len(values), "ModuleList")]

    def __setitem__(self, idx: int, module: Module) -> None:
        i = _index(idx, len(self), "ModuleList")
        setattr(self, str(i), _check_module(module, "ModuleList"))

    def __delitem__(self, idx: int | slice) -> None:
        names = list(self._modules)
        doomed = names[idx] if isinstance(idx, slice) else [names[_index(idx, len(names), "ModuleList")]]
        for name in doomed:
            del self._modules[name]
        _renumber(self)

    def __len__(self) -> int:
        return len(self._modules)

    def __iter__(self) -> Iterator[Module]:
        return iter(self._modules.values())

    def __dir__(self):
        return [key for key in super().__dir__() if not key.isdigit()]

    def __iadd__(self, modules: Iterable[Module]) -> "ModuleList":
        return self.extend(modules)

    def __add__(self, other: Iterable[Module]) -> "ModuleList":
        return ModuleList([*self, *other])

    def append(self, module: Module) -> "ModuleList":
        """Add ``module`` at the end."""
        self.add_module(str(len(self)), _check_module(module, "ModuleList"))
        return self

    def extend(self, modules: Iterable[Module]) -> "ModuleList":
        """Add every module of ``modules`` at the end."""
        if not hasattr(modules, "__iter__"):
            raise TypeError(f"ModuleList.extend: modules must be an iterable of modules, got {type(modules).__name__}")
        for m in list(modules):
            self.append(m)
        return self

    def insert(self, index: int, module: Module) -> None:
        """Insert ``module`` before position ``index`` (``-len(self) <= index <= len(self)``)."""
        _insert_numbered(self._modules, index, _check_module(module, "ModuleList"), "ModuleList")

    def pop(self, key: int | slice) -> Any:
        """Remove the module(s) at ``key`` and return them (a ``ModuleList`` for a slice)."""
        value = self[key]
        del self[key]
        return value

    def __repr__(self) -> str:
        # Like PyTorch: runs of identical-looking modules are shown once, as "(0-2): 3 x Linear(...)".
        if not self._modules:
            return "ModuleList()"
        reprs = [repr(m) for m in self._modules.values()]
        lines, start = [], 0
        for i in range(1, len(reprs) + 1):
            if i == len(reprs) or reprs[i] != reprs[start]:
                body = reprs[start].replace("\n", "\n  ")
                if i - start == 1:
                    lines.append(f"({start}): {body}")
                else:
                    lines.append(f"({start}-{i - 1}): {i - start} x {body}")
                start = i
        return "ModuleList(\n  " + "\n  ".join(lines) + "\n)"


class ModuleDict(Module):
    """A dict of name to module, registered so their parameters are found.

    Examples
    --------
    >>> from lucid import nn
    >>> heads = nn.ModuleDict({"cls": nn.Linear(4, 3), "box": nn.Linear(4, 4)})
    >>> sorted(heads.keys()), "cls" in heads, len(heads)
    (['box', 'cls'], True, 2)
    >>> [name for name, _ in heads.named_parameters()][:2]
    ['cls.weight', 'cls.bias']
    """

    def __init__(self, modules: Mapping[str, Module] | Iterable[tuple[str, Module]] | None = None) -> None:
        super().__init__()
        if modules is not None:
            self.update(modules)

    def __getitem__(self, key: str) -> Module:
        if key not in self._modules:
            raise KeyError(f"ModuleDict has no key {key!r}; keys are {list(self._modules)}")
        return self._modules[key]

    def __setitem__(self, key: str, module: Module) -> None:
        self.add_module(key, _check_module(module, "ModuleDict"))

    def __delitem__(self, key: str) -> None:
        del self._modules[key]

    def __len__(self) -> int:
        return len(self._modules)

    def __iter__(self) -> Iterator[str]:
        return iter(self._modules)

    def __contains__(self, key: object) -> bool:
        return key in self._modules

    def keys(self):
        return self._modules.keys()

    def values(self):
        return self._modules.values()

    def items(self):
        return self._modules.items()

    def pop(self, key: str) -> Module:
        """Remove ``key`` and return its module."""
        value = self[key]
        del self._modules[key]
        return value

    def clear(self) -> None:
        self._modules.clear()

    def update(self, modules: Mapping[str, Module] | Iterable[tuple[str, Module]]) -> None:
        """Add (or replace, in place) modules from a dict or an iterable of ``(name, module)`` pairs."""
        if isinstance(modules, (Mapping, ModuleDict)):
            for key, m in modules.items():
                self[key] = m
            return
        if not hasattr(modules, "__iter__"):
            raise TypeError(f"ModuleDict.update: expected a dict or an iterable of (name, module) pairs, "
                            f"got {type(modules).__name__}")
        for j, pair in enumerate(modules):
            if not hasattr(pair, "__iter__") or isinstance(pair, str):
                raise TypeError(f"ModuleDict.update: element #{j} must be a (name, module) pair, "
                                f"got {type(pair).__name__}")
            pair = tuple(pair)
            if len(pair) != 2:
                raise ValueError(f"ModuleDict.update: element #{j} has length {len(pair)}; 2 is required")
            self[pair[0]] = pair[1]
