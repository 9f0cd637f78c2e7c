"""Containers: ``Sequential``, ``ModuleList`` and ``ModuleDict`` (modules that hold modules)."""
from __future__ import annotations

import operator
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


class Sequential(Module):
    """Run modules one after another: the output of each is the input of the next.

    Parameters
    ----------
    *modules : Module
        The layers in order (named ``"0"``, ``"1"``, ...), or a single dict
        (e.g. ``OrderedDict``) of name to module.

    Notes
    -----
    Forward :math:`y = f_k(\\cdots f_2(f_1(x)))`; backward is the chain rule,
    :math:`\\partial L/\\partial x = J_1^\\top \\cdots J_k^\\top g`, done by the engine.
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
        if isinstance(idx, slice):
            out = Sequential()
            for name, m in items[idx]:
                out.add_module(name, m)
            return out
        return items[_index(idx, len(items), "Sequential")][1]

    def __setitem__(self, idx: int, module: Module) -> None:
        name = list(self._modules)[_index(idx, len(self._modules), "Sequential")]
        self._modules[name] = _check_module(module, "Sequential")

    def __delitem__(self, idx: int | slice) -> None:
        names = list(self._modules)
        doomed = names[idx] if isinstance(idx, slice) else [names[_index(idx, len(names), "Sequential")]]
        for name in doomed:
            del self._modules[name]

    def __len__(self) -> int:
        return len(self._modules)

    def __iter__(self) -> Iterator[Module]:
        return iter(self._modules.values())

    def append(self, module: Module) -> "Sequential":
        """Add ``module`` at the end."""
        self.add_module(str(len(self)), _check_module(module, "Sequential"))
        return self

    def forward(self, input: Any) -> Any:
        for module in self._modules.values():
            input = module(input)
        return input


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
            return ModuleList(values[idx])
        return values[_index(idx, len(values), "ModuleList")]

    def __setitem__(self, idx: int, module: Module) -> None:
        i = _index(idx, len(self), "ModuleList")
        self._modules[str(i)] = _check_module(module, "ModuleList")

    def __delitem__(self, idx: int | slice) -> None:
        values = list(self._modules.values())
        if isinstance(idx, slice):
            del values[idx]
        else:
            del values[_index(idx, len(values), "ModuleList")]
        self._modules.clear()
        for i, m in enumerate(values):
            self._modules[str(i)] = m

    def __len__(self) -> int:
        return len(self._modules)

    def __iter__(self) -> Iterator[Module]:
        return iter(self._modules.values())

    def __iadd__(self, modules: Iterable[Module]) -> "ModuleList":
        return self.extend(modules)

    def append(self, module: Module) -> "ModuleList":
        """Add ``module`` at the end."""
        self.add_module(str(len(self)), _check_module(module, "ModuleList"))
        return self

    def extend(self, modules: Iterable[Module]) -> "ModuleList":
        """Add every module of ``modules`` at the end."""
        for m in modules:
            self.append(m)
        return self

    def insert(self, index: int, module: Module) -> None:
        """Insert ``module`` before position ``index``."""
        values = list(self._modules.values())
        values.insert(index, _check_module(module, "ModuleList"))
        self._modules.clear()
        for i, m in enumerate(values):
            self._modules[str(i)] = m

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
        return self._modules.pop(key)

    def clear(self) -> None:
        self._modules.clear()

    def update(self, modules: Mapping[str, Module] | Iterable[tuple[str, Module]]) -> None:
        """Add (or replace) modules from a dict or an iterable of ``(name, module)`` pairs."""
        pairs = modules.items() if isinstance(modules, Mapping) else modules
        for key, m in pairs:
            self[key] = m
