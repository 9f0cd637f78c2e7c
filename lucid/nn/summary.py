"""``nn.summary``: run a model once and tabulate its layers, output shapes and parameter counts (like torchinfo)."""
from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from lucid import backend
from lucid.autograd.grad_mode import no_grad
from lucid.nn.module import Module
from lucid.tensor import Tensor

__all__ = ["summary", "ModelSummary"]


class ModelSummary:
    """The result of :func:`summary`: the rows of the table and the totals; ``str()`` gives the table.

    Attributes
    ----------
    rows : list of dict
        One per module call, in call order: ``name``, ``type``, ``depth``,
        ``output_shape`` (tuple, list of tuples, or None) and ``params`` (the
        module's own parameters, not its children's).
    total_params, trainable_params, non_trainable_params : int
        Counted once per parameter object (shared weights count once).
    input_bytes, forward_backward_bytes, params_bytes : int
        Estimated memory: the inputs, the modules' outputs (each tensor
        once, counted twice: once more for its gradient in backward), and
        the parameters.
    """

    def __init__(self, model_name: str, rows: list, total: int, trainable: int,
                 input_bytes: int, activation_bytes: int, params_bytes: int):
        self.model_name = model_name
        self.rows = rows
        self.total_params = total
        self.trainable_params = trainable
        self.non_trainable_params = total - trainable
        self.input_bytes = input_bytes
        self.forward_backward_bytes = 2 * activation_bytes
        self.params_bytes = params_bytes

    @property
    def total_bytes(self) -> int:
        return self.input_bytes + self.forward_backward_bytes + self.params_bytes

    def __str__(self) -> str:
        def shape_text(shape):
            if shape is None:
                return "--"
            if isinstance(shape, list):
                return ", ".join(str(list(s)) for s in shape)
            return str(list(shape))

        table = []
        for r in self.rows:
            label = "  " * r["depth"] + (f"{r['name']} ({r['type']})" if r["name"] else r["type"])
            params = "--" if r["params"] == 0 and r["has_children"] else f"{r['params']:,}"
            table.append((label, shape_text(r["output_shape"]), params))
        headers = ("Layer (type)", "Output Shape", "Param #")
        widths = [max(len(headers[i]), *(len(row[i]) for row in table)) for i in range(3)]
        width = sum(widths) + 6
        line = "=" * width

        def fmt(row):
            return f"{row[0]:<{widths[0]}}   {row[1]:<{widths[1]}}   {row[2]:>{widths[2]}}"

        mb = 1024 ** 2
        out = [line, fmt(headers), line, *(fmt(row) for row in table), line,
               f"Total params: {self.total_params:,}",
               f"Trainable params: {self.trainable_params:,}",
               f"Non-trainable params: {self.non_trainable_params:,}",
               line,
               f"Input size (MB): {self.input_bytes / mb:.2f}",
               f"Forward/backward pass size (MB): {self.forward_backward_bytes / mb:.2f}",
               f"Params size (MB): {self.params_bytes / mb:.2f}",
               f"Estimated Total Size (MB): {self.total_bytes / mb:.2f}",
               line]
        return "\n".join(out)

    __repr__ = __str__


def _shape_of(output: Any):
    if isinstance(output, Tensor):
        return output.shape
    if isinstance(output, (tuple, list)) and output and all(isinstance(o, Tensor) for o in output):
        return [o.shape for o in output]
    return None


def _tensors_in(output: Any) -> list:
    if isinstance(output, Tensor):
        return [output]
    if isinstance(output, (tuple, list)):
        return [t for o in output for t in _tensors_in(o)]
    return []


def _bytes_of(output: Any) -> int:
    return sum(t.size * t.dtype.itemsize for t in _tensors_in(output))


def _is_int(x: Any) -> bool:
    return isinstance(x, (int, np.integer)) and not isinstance(x, bool)


def _shapes(input_size: Any) -> list:
    """``input_size`` as a list of shapes (tuples of non-negative ints); a clear error naming it otherwise."""
    expected = ("input_size must be a shape such as (8, 3, 32, 32) (a tuple of ints, batch axis first) "
                "or a list of such shapes, one per input")
    if not isinstance(input_size, (tuple, list)):
        raise TypeError(f"summary: {expected}; got {input_size!r} ({type(input_size).__name__})")
    if all(_is_int(s) for s in input_size):
        sizes = [tuple(input_size)]
    elif all(isinstance(s, (tuple, list)) for s in input_size):
        sizes = [tuple(s) for s in input_size]
    else:
        bad = next(s for s in input_size if not _is_int(s) and not isinstance(s, (tuple, list)))
        raise TypeError(f"summary: {expected}; got {input_size!r}, whose entry {bad!r} ({type(bad).__name__}) "
                        f"is not an int")
    for size in sizes:
        for s in size:
            if not _is_int(s):
                raise TypeError(f"summary: {expected}; got {input_size!r}, whose entry {s!r} "
                                f"({type(s).__name__}) is not an int")
            if s < 0:
                raise ValueError(f"summary: input_size entries must be non-negative, got {input_size!r}")
    return sizes


def summary(model: Module, input_size: Sequence[int] | Sequence[Sequence[int]] | None = None,
            input_data: Any = None, *, dtype: Any = "float32", device: Any = None,
            mode: str = "eval") -> ModelSummary:
    """Run ``model`` once on an input and return a table of its layers (print it to see it).

    Parameters
    ----------
    model : Module
    input_size : tuple of int, or a list of tuples for several inputs
        The full input shape *including* the batch axis, e.g. ``(8, 64, 32, 32)``.
        The input is drawn from a private standard normal generator (the
        global :mod:`lucid.random` state is not touched).
    input_data : Tensor or tuple of Tensors
        Run on these instead of ``input_size``.
    dtype : dtype, default float32
        The dtype of the generated input.
    device : {"cpu", "gpu"}, optional
        Where to create the input; default: the device of the model's first parameter.
    mode : {"eval", "train", "same"}, default "eval"
        The mode to run in (the model's own modes are restored afterwards).

    Returns
    -------
    ModelSummary
        ``print()`` it for the table; its attributes hold the numbers.

    Notes
    -----
    The model really runs (under :class:`~lucid.no_grad`), with forward
    hooks recording each module's output shape, so shapes are observed,
    not guessed.  Each row is one module call, indented by its depth in the
    module tree; ``Param #`` counts the module's own parameters
    (``--`` for a container whose parameters sit in its children).

    Examples
    --------
    >>> from lucid import nn
    >>> model = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 2))
    >>> s = nn.summary(model, (3, 4))
    >>> s.total_params, s.rows[1]["output_shape"]
    (58, (3, 8))
    >>> print(s)
    =====================================
    Layer (type)   Output Shape   Param #
    =====================================
    Sequential     [3, 2]              --
      0 (Linear)   [3, 8]              40
      1 (ReLU)     [3, 8]               0
      2 (Linear)   [3, 2]              18
    =====================================
    Total params: 58
    Trainable params: 58
    Non-trainable params: 0
    =====================================
    Input size (MB): 0.00
    Forward/backward pass size (MB): 0.00
    Params size (MB): 0.00
    Estimated Total Size (MB): 0.00
    =====================================
    """
    if not isinstance(model, Module):
        raise TypeError(f"summary: model must be an nn.Module, got {type(model).__name__}")
    if (input_size is None) == (input_data is None):
        raise TypeError("summary: pass exactly one of input_size (a shape such as (8, 3, 32, 32)) and input_data")
    if mode not in ("eval", "train", "same"):
        raise ValueError(f"summary: mode must be 'eval', 'train' or 'same', got {mode!r}")
    if device is None:
        first = next(model.parameters(), None)
        device = first.device if first is not None else "cpu"
    if input_data is not None:
        inputs = tuple(input_data) if isinstance(input_data, (tuple, list)) else (input_data,)
    else:
        sizes = _shapes(input_size)
        rng = np.random.default_rng(0)
        inputs = []
        for size in sizes:
            host = rng.standard_normal(size).astype(backend.to_numpy_dtype(dtype))
            inputs.append(Tensor(host, device=device))
        inputs = tuple(inputs)

    names = {id(m): (name, name.count(".") + 1 if name else 0) for name, m in model.named_modules()}
    rows: list = []
    outputs: list = []  # every module's output tensors (kept alive so ids stay unique)
    handles = []
    for m in model.modules():
        def pre_hook(module, args, _m=m):
            name, depth = names[id(_m)]
            rows.append({"name": name.rsplit(".", 1)[-1], "type": type(module).__name__, "depth": depth,
                         "output_shape": None,
                         "params": sum(p.size for p in module.parameters(recurse=False)),
                         "has_children": bool(module._modules), "_module": module})

        def post_hook(module, args, output):
            for row in reversed(rows):
                if row["_module"] is module and row["output_shape"] is None:
                    row["output_shape"] = _shape_of(output)
                    outputs.extend(_tensors_in(output))
                    break

        handles.append(m.register_forward_pre_hook(pre_hook))
        handles.append(m.register_forward_hook(post_hook))

    saved_modes = [(m, m.training) for m in model.modules()]
    try:
        if mode != "same":
            model.train(mode == "train")
        with no_grad():
            model(*inputs)
    except Exception as exc:
        shapes = ", ".join(str(t.shape) if isinstance(t, Tensor) else type(t).__name__ for t in inputs)
        raise RuntimeError(f"summary: running {type(model).__name__} on input(s) of shape {shapes} failed: {exc}") from exc
    finally:
        for h in handles:
            h.remove()
        for m, training in saved_modes:
            object.__setattr__(m, "training", training)

    for row in rows:
        del row["_module"]
    params = list(model.parameters())
    total = sum(p.size for p in params)
    trainable = sum(p.size for p in params if p.requires_grad)
    params_bytes = sum(p.size * p.dtype.itemsize for p in params)
    input_bytes = sum(_bytes_of(t) for t in inputs)
    activation_bytes = _bytes_of(list({id(t): t for t in outputs}.values()))  # each output tensor once
    return ModelSummary(type(model).__name__, rows, total, trainable, input_bytes, activation_bytes, params_bytes)
