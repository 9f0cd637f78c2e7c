"""``lucid.save`` and ``lucid.load``: state dicts to ``.npz`` files, never pickle.

A file is an ordinary NumPy ``.npz`` archive:

* one ``.npy`` entry per array, named by its path in the saved tree
  (``fc1.weight``, or ``model/fc1.weight`` for nested dicts), so
  ``numpy.load(path)["fc1.weight"]`` works from any NumPy program;
* one entry ``__lucid__``: a JSON text describing the tree (dicts, lists,
  tuples, numbers, strings, None) with references to the array entries.

Loading uses ``numpy.load(..., allow_pickle=False)``, so opening a file
never runs code.  Saving writes a temporary file in the target's directory
and renames it over the target, so an interrupted save never leaves a
half-written checkpoint behind.
"""
from __future__ import annotations

import io
import json
import os
import tempfile
import zipfile
from typing import Any

import numpy as np

from lucid import backend
from lucid.tensor import Tensor

__all__ = ["save", "load", "SerializationError"]

_MANIFEST = "__lucid__"
_FORMAT = "lucid.save"
_VERSION = 1


class SerializationError(ValueError):
    """The file cannot be read as a lucid checkpoint, or the object cannot be saved without pickle."""


def _encode(obj: Any, path: list, arrays: dict) -> Any:
    """Turn ``obj`` into JSON-able data; arrays go into ``arrays`` under a readable, unique name."""
    if isinstance(obj, dict):
        items = []
        for k, v in obj.items():
            if isinstance(k, bool) or not isinstance(k, (str, int)):
                raise SerializationError(
                    f"lucid.save: dict keys must be str or int, got {k!r} ({type(k).__name__}) at {_where(path)}"
                )
            items.append([k, _encode(v, path + [k], arrays)])
        return {"dict": items}
    if isinstance(obj, (list, tuple)):
        return {"list" if isinstance(obj, list) else "tuple": [_encode(v, path + [i], arrays) for i, v in enumerate(obj)]}
    if isinstance(obj, Tensor) or backend.is_array(obj) or isinstance(obj, np.ndarray):
        kind = "tensor" if isinstance(obj, Tensor) else "array"
        host = backend.to_host(obj.data if isinstance(obj, Tensor) else obj)
        if host.dtype.hasobject:
            raise SerializationError(f"lucid.save: arrays of Python objects cannot be saved without pickle ({_where(path)})")
        name = "/".join(str(p) for p in path) or "array"
        if name in arrays or name == _MANIFEST:
            name = f"{name}#{len(arrays)}"
        arrays[name] = np.ascontiguousarray(host)
        return {kind: name}
    if isinstance(obj, np.generic):
        obj = obj.item()
    if obj is None or isinstance(obj, (bool, int, float, str)):
        return {"value": obj}
    raise SerializationError(
        f"lucid.save: cannot save a {type(obj).__name__} at {_where(path)} without pickle; supported are "
        f"dicts, lists, tuples, arrays, Tensors, numbers, strings and None (save model.state_dict(), not the model)"
    )


def _where(path: list) -> str:
    return "the top level" if not path else "key " + "".join(f"[{p!r}]" for p in path)


def _decode(node: Any, archive, device: str | None) -> Any:
    (kind, value), = node.items()
    if kind == "dict":
        return {k: _decode(v, archive, device) for k, v in value}
    if kind == "list":
        return [_decode(v, archive, device) for v in value]
    if kind == "tuple":
        return tuple(_decode(v, archive, device) for v in value)
    if kind == "value":
        return value
    array = archive[value]
    if kind == "tensor":
        return Tensor(array, device=device)
    return array if device in (None, "cpu") else backend.to_device(array, device)


def save(obj: Any, path: str | os.PathLike | io.IOBase) -> None:
    """Save a state dict (or any tree of dicts, lists, arrays, Tensors and numbers) to an ``.npz`` file.

    Parameters
    ----------
    obj : dict, list, tuple, array or Tensor
        Typically ``model.state_dict()``; nested dicts such as
        ``{"model": model.state_dict(), "epoch": 3}`` are fine.  Arrays on
        the GPU are copied to the host.
    path : str, path-like or binary file
        Written exactly as given (no ``.npz`` suffix is added), atomically:
        a temporary file in the same directory is renamed over ``path``.

    Raises
    ------
    SerializationError
        For objects that would need pickle (a Module, a function, ...).

    Examples
    --------
    >>> import os, tempfile
    >>> import lucid
    >>> from lucid import nn
    >>> layer = nn.Linear(3, 2)
    >>> path = os.path.join(tempfile.mkdtemp(), "layer.npz")
    >>> lucid.save({"model": layer.state_dict(), "epoch": 3}, path)
    >>> ckpt = lucid.load(path)
    >>> ckpt["epoch"], sorted(ckpt["model"])
    (3, ['bias', 'weight'])
    >>> nn.Linear(3, 2).load_state_dict(ckpt["model"])
    IncompatibleKeys(missing_keys=[], unexpected_keys=[])
    """
    arrays: dict = {}
    tree = _encode(obj, [], arrays)
    manifest = json.dumps({"format": _FORMAT, "version": _VERSION, "tree": tree})
    payload = {_MANIFEST: np.array(manifest), **arrays}
    if hasattr(path, "write"):
        np.savez(path, **payload)
        return
    path = os.fspath(path)
    directory = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(prefix=".lucid-save-", suffix=".tmp", dir=directory)
    try:
        with os.fdopen(fd, "wb") as f:
            np.savez(f, **payload)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise


def load(path: str | os.PathLike | io.IOBase, device: str | None = None) -> Any:
    """Load what :func:`save` wrote; never unpickles anything.

    Parameters
    ----------
    path : str, path-like or binary file
    device : {"cpu", "gpu"}, optional
        Where to put saved Tensors (and arrays); default: plain NumPy arrays,
        Tensors on the CPU.

    Returns
    -------
    The saved tree: dicts, lists, tuples, numbers, NumPy arrays (for saved
    arrays, e.g. a state dict's values) and Tensors (for saved Tensors).

    Raises
    ------
    FileNotFoundError
        ``path`` does not exist.
    SerializationError
        The file is truncated or corrupted, is not an ``.npz`` archive (for
        example a pickle), or is an ``.npz`` that ``lucid.save`` did not write.

    Examples
    --------
    >>> import io
    >>> import numpy as np
    >>> import lucid
    >>> buffer = io.BytesIO()
    >>> lucid.save({"w": np.ones(2)}, buffer)
    >>> _ = buffer.seek(0)
    >>> lucid.load(buffer)
    {'w': array([1., 1.])}
    """
    name = repr(os.fspath(path)) if not hasattr(path, "read") else "the file object"
    if not hasattr(path, "read") and not os.path.exists(os.fspath(path)):
        raise FileNotFoundError(f"lucid.load: no such file {os.fspath(path)!r}")
    if device is not None:
        device = backend.normalize_device(device)
    try:
        archive = np.load(path, allow_pickle=False)
    except ValueError as exc:
        if "pickle" in str(exc):
            raise SerializationError(
                f"lucid.load: {name} holds pickled data, which lucid never loads (it could run code); "
                f"lucid.load reads the .npz files that lucid.save writes"
            ) from None
        raise SerializationError(f"lucid.load: {name} is not a NumPy .npz archive ({exc})") from None
    except (OSError, EOFError, zipfile.BadZipFile) as exc:
        raise SerializationError(f"lucid.load: {name} is not a readable .npz archive (truncated or corrupted?): {exc}") from None
    if not isinstance(archive, np.lib.npyio.NpzFile):
        raise SerializationError(
            f"lucid.load: {name} is a single .npy array, not a checkpoint written by lucid.save; "
            f"open it with numpy.load"
        )
    with archive:
        try:
            if _MANIFEST not in archive.files:
                raise SerializationError(
                    f"lucid.load: {name} is an .npz archive that lucid.save did not write (no {_MANIFEST!r} entry; "
                    f"its entries are {archive.files[:5]}{'...' if len(archive.files) > 5 else ''}); "
                    f"open it with numpy.load"
                )
            header = json.loads(str(archive[_MANIFEST]))
            if not isinstance(header, dict) or header.get("format") != _FORMAT:
                found = header.get("format") if isinstance(header, dict) else type(header).__name__
                raise SerializationError(f"lucid.load: {name} has an unknown manifest format {found!r}")
            if header.get("version", 0) > _VERSION:
                raise SerializationError(
                    f"lucid.load: {name} was written by a newer lucid (format version {header['version']}, "
                    f"this lucid reads up to {_VERSION})"
                )
            return _decode(header["tree"], archive, device)
        except SerializationError:
            raise
        except (OSError, EOFError, zipfile.BadZipFile, ValueError, KeyError, json.JSONDecodeError,
                AttributeError, TypeError) as exc:  # a manifest tree of the wrong structure lands here too
            raise SerializationError(
                f"lucid.load: {name} is damaged (truncated or corrupted?): {type(exc).__name__}: {exc}"
            ) from None
