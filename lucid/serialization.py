"""``lucid.save`` and ``lucid.load``: checkpoints that never use pickle.

Two formats; the file name's extension picks one.

``.safetensors`` (needs the optional ``safetensors`` package)
    A flat ``{name: array}`` dict, e.g. ``model.state_dict()``, in the format
    PyTorch and Hugging Face use: ``safetensors.torch.load_file`` reads what
    lucid writes and ``lucid.load`` reads what ``safetensors.torch.save_file``
    writes.

Anything else, and file objects: lucid's own format (needs NumPy only)
    An uncompressed zip archive (so ``numpy.load`` opens it as an ``.npz``)
    with

    * ``__lucid__.json``: a JSON manifest holding the whole tree - every
      dict key, nesting, number, string, bool and None - with, in place of
      each array, a reference such as ``{"array": "0"}``;
    * ``0.npy``, ``1.npy``, ...: one ``.npy`` member per array, named by a
      counter.

Why this design (version 2; version 1 stored arrays under their key paths
in an ``.npz`` written by ``numpy.savez``): user keys never become file
names, so no key can collide with another (``"x.npy"`` vs ``"x"``, the
``#n`` renaming of version 1), nor be too long, nor contain NUL or a lone
surrogate that a zip name cannot hold - JSON escapes every string, so every
``str`` key round-trips.  And because lucid writes and reads the zip itself,
``load`` can check a hostile file *before* allocating memory:

* only stored (uncompressed) members are read - ``save`` never compresses,
  so a small file cannot expand into a huge array;
* each member is referenced at most once, and the referenced members
  together are no larger than the file;
* each ``.npy`` header is parsed from at most 10,000 bytes, and its
  ``shape x itemsize`` must equal the bytes the member really holds;
* only bool, integer, float, complex and (byte) string dtypes, never
  object arrays (``allow_pickle`` is never on);
* the manifest is at most 8 MiB and nested at most :data:`MAX_DEPTH`
  containers deep (``save`` refuses deeper trees for the same reason).

So the array memory ``load`` allocates is at most the file's size, and the
manifest's Python objects at most about 30 times the manifest's size (so
at most about 250 MB, for a hostile manifest of 8 MiB of ``{},{},...``;
a state dict of 1,000 tensors has a manifest of about 50 kB).
Every refusal is a :class:`SerializationError` saying what was wrong.

What round-trips (equal value, dtype, shape and structure): dicts (with
``str`` or ``int`` keys; subclasses such as ``OrderedDict`` come back as
``dict``), lists, tuples (named tuples come back as plain tuples), None,
bool, int (in ``[-2**63, 2**64)``), float (NaN and infinities included),
str, NumPy scalars (as NumPy scalars of the same dtype), NumPy/backend
arrays (as NumPy arrays, 0-d ones too) and Tensors (as Tensors, with
``requires_grad``; a ``Parameter`` as a ``Parameter``).  A tensor's
``grad`` and graph are not saved; an object that appears twice is saved
twice.  Everything else is refused by ``save``.

Files written by the version-1 code still load, with what they stored: a
0-d array that version 1 saved as shape ``(1,)`` comes back as ``(1,)``,
and a file in which two keys collided is refused rather than loaded wrong.

Saving to a path is atomic: the data go to a temporary file in the target's
directory that is then renamed over the target (a symlink at the target is
replaced, never written through).  A new file gets the permissions of any
file the user creates (``0o666`` less the umask, applied by the operating
system); an overwritten file keeps its permission bits.
"""
from __future__ import annotations

import io
import json
import math
import os
import secrets
import stat
import struct
import zipfile
from typing import Any

import numpy as np

from lucid import backend
from lucid.tensor import Tensor

__all__ = ["save", "load", "SerializationError", "MAX_DEPTH"]

MAX_DEPTH = 64
"""How many containers (dicts, lists, tuples) deep a saved object may nest."""

_FORMAT = "lucid.save"
_VERSION = 2
_MANIFEST = "__lucid__.json"  # version 2
_LEGACY_MANIFEST = "__lucid__.npy"  # version 1: a 0-d str array written by numpy.savez
_MAX_MANIFEST_BYTES = 8 * 2**20  # its Python objects take at most ~30x that: 250 MB
_MAX_NPY_HEADER = 10_000  # numpy.load's own limit for a trusted header
_ARRAY_KINDS = "biufcSU"  # bool, int, uint, float, complex, bytes, str
_INT_RANGE = (-(2**63), 2**64)  # int64 and uint64 values
_CHUNK = 1 << 20
_ZIP_DATE = (1980, 1, 1, 0, 0, 0)  # fixed, so the same object always gives the same bytes


class SerializationError(ValueError):
    """The file cannot be read as a lucid checkpoint, or the object cannot be saved without pickle."""


# ============================================================================ save: object -> manifest + arrays
def _where(path: list) -> str:
    if not path:
        return "the top level"
    parts = []
    for p in path:
        text = repr(p)
        parts.append(f"[{text[:40]}...]" if len(text) > 60 else f"[{text}]")
    return "key " + "".join(parts)


def _check_int(value: int, path: list, what: str) -> int:
    if not _INT_RANGE[0] <= value < _INT_RANGE[1]:
        raise SerializationError(
            f"lucid.save: the {what} at {_where(path)} is an int of {value.bit_length()} bits; "
            f"ints must lie in [-2**63, 2**64) (save a larger number as a str)"
        )
    return int(value)


def _dtype_problem(dtype: np.dtype) -> str | None:
    """Why the format does not carry arrays of ``dtype`` (None when it does)."""
    if dtype.hasobject:
        return "arrays of Python objects (dtype object) cannot be saved without pickle"
    if dtype.fields is not None or dtype.subdtype is not None or dtype.kind not in _ARRAY_KINDS or dtype.itemsize == 0:
        return (f"arrays of dtype {dtype} are not supported (supported are bool, int8-64, uint8-64, "
                f"float16-64, complex and fixed-width str/bytes)")
    return None


class _Encoder:
    """Turns an object into a JSON-able manifest tree, collecting arrays in ``self.arrays``."""

    def __init__(self):
        self.arrays: list = []
        self._open: set = set()  # ids of the containers on the current path (to name cycles)

    def _array(self, host: Any, path: list) -> str:
        host = backend.to_host(host)
        if isinstance(host, np.ma.MaskedArray):
            raise SerializationError(
                f"lucid.save: a masked array at {_where(path)} would lose its mask; save .data and .mask separately")
        host = np.asarray(host)
        problem = _dtype_problem(host.dtype)
        if problem:
            raise SerializationError(f"lucid.save: {problem} ({_where(path)})")
        self.arrays.append(host)
        return str(len(self.arrays) - 1)

    def node(self, obj: Any, path: list) -> dict:
        if isinstance(obj, (dict, list, tuple)):
            if len(path) >= MAX_DEPTH:
                raise SerializationError(
                    f"lucid.save: the object nests more than {MAX_DEPTH} dicts/lists/tuples deep (at {_where(path[:3])}...); "
                    f"lucid.load refuses deeper files, so flatten it")
            if id(obj) in self._open:
                raise SerializationError(f"lucid.save: the {type(obj).__name__} at {_where(path)} contains itself")
            self._open.add(id(obj))
            try:
                if isinstance(obj, dict):
                    items = []
                    for k, v in obj.items():
                        if isinstance(k, bool) or not isinstance(k, (str, int)):
                            raise SerializationError(
                                f"lucid.save: dict keys must be str or int, got {k!r} ({type(k).__name__}) at {_where(path)}")
                        k = str(k) if isinstance(k, str) else _check_int(k, path, "dict key")
                        items.append([k, self.node(v, path + [k])])
                    return {"dict": items}
                kind = "list" if isinstance(obj, list) else "tuple"
                return {kind: [self.node(v, path + [i]) for i, v in enumerate(obj)]}
            finally:
                self._open.discard(id(obj))
        if isinstance(obj, Tensor):
            node = {"tensor": self._array(obj.data, path), "requires_grad": bool(obj.requires_grad)}
            from lucid.nn.parameter import Parameter  # here: lucid.nn imports much of lucid

            if isinstance(obj, Parameter):
                node["parameter"] = True
            return node
        if isinstance(obj, np.generic):  # before float and str: np.float64 and np.str_ subclass them
            return {"scalar": self._array(np.asarray(obj), path)}
        if isinstance(obj, np.ndarray) or backend.is_array(obj):
            return {"array": self._array(obj, path)}
        if obj is None or isinstance(obj, bool):
            return {"value": obj}
        if isinstance(obj, int):
            return {"value": _check_int(obj, path, "value")}
        if isinstance(obj, float):
            return {"value": float(obj)}
        if isinstance(obj, str):
            return {"value": str(obj)}
        hint = " (save model.state_dict(), not the model)" if hasattr(obj, "state_dict") else ""
        raise SerializationError(
            f"lucid.save: cannot save a {type(obj).__name__} at {_where(path)} without pickle; supported are "
            f"dicts, lists, tuples, arrays, Tensors, numbers, strings and None{hint}"
        )


def _manifest_bytes(tree: dict) -> bytes:
    # ensure_ascii: every string (NUL, lone surrogates, any script) becomes a plain ASCII escape
    text = json.dumps({"format": _FORMAT, "version": _VERSION, "tree": tree}, ensure_ascii=True,
                      separators=(",", ":"))
    if len(text) > _MAX_MANIFEST_BYTES:
        raise SerializationError(
            f"lucid.save: the keys, strings and numbers outside arrays take {len(text) / 2**20:.1f} MiB, more "
            f"than the {_MAX_MANIFEST_BYTES // 2**20} MiB lucid.load accepts; store long lists of numbers as arrays"
        )
    return text.encode("ascii")


def _member(name: str) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, date_time=_ZIP_DATE)
    info.compress_type = zipfile.ZIP_STORED
    info.external_attr = 0o644 << 16
    return info


def _write_zip(f, manifest: bytes, arrays: list) -> None:
    """Write the archive: the manifest first, then ``0.npy``, ``1.npy``, ... (never compressed)."""
    with zipfile.ZipFile(f, "w", compression=zipfile.ZIP_STORED, allowZip64=True) as z:
        z.writestr(_member(_MANIFEST), manifest)
        for i, array in enumerate(arrays):
            with z.open(_member(f"{i}.npy"), "w", force_zip64=True) as m:
                np.lib.format.write_array(m, array, allow_pickle=False)


# ============================================================================ save: files
def _temporary_file(directory: str) -> tuple[int, str]:
    """Create a new file next to the target, with the mode any new file gets (0o666 less the umask)."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
    for _ in range(100):
        tmp = os.path.join(directory, f".lucid-save-{secrets.token_hex(6)}.tmp")
        try:  # O_EXCL: fails on an existing file or symlink, so nothing is written through a planted link
            return os.open(tmp, flags, 0o666), tmp
        except FileExistsError:
            continue
    raise FileExistsError(f"lucid.save: could not create a temporary file in {directory!r}")


def _check_target(path: str) -> tuple[str, int | None]:
    """The target's directory (which must exist) and the permission bits of an existing file there."""
    directory = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(directory):
        if os.path.exists(directory):
            raise NotADirectoryError(f"lucid.save: cannot save to {path!r}: {directory!r} is not a directory")
        raise FileNotFoundError(
            f"lucid.save: cannot save to {path!r}: the directory {directory!r} does not exist "
            f"(create it first, e.g. os.makedirs({directory!r}, exist_ok=True))")
    if os.path.isdir(path):
        raise IsADirectoryError(f"lucid.save: {path!r} is a directory; give a file name such as {os.path.join(path, 'model.npz')!r}")
    try:
        st = os.stat(path)  # follows a symlink: the file the user sees at ``path``
    except FileNotFoundError:
        return directory, None
    return directory, (stat.S_IMODE(st.st_mode) & 0o777) if stat.S_ISREG(st.st_mode) else None


def _atomic_write(path: str, write) -> None:
    """Call ``write(file, name)`` on a temporary file, then rename it over ``path``."""
    directory, mode = _check_target(path)
    try:
        fd, tmp = _temporary_file(directory)
    except FileNotFoundError:  # the directory vanished since the check
        raise FileNotFoundError(f"lucid.save: cannot save to {path!r}: the directory {directory!r} does not exist") from None
    try:
        if mode is None:  # a new file: the bits the operating system gave the new temporary file
            mode = stat.S_IMODE(os.fstat(fd).st_mode)
        with os.fdopen(fd, "wb") as f:
            write(f, tmp)
        os.chmod(tmp, mode)  # (after writing: a writer may have replaced the temporary file with its own)
        _fsync(tmp, os.O_RDWR)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise
    try:  # make the rename itself durable (POSIX; directories cannot be opened on Windows)
        _fsync(directory, os.O_RDONLY)
    except OSError:
        pass


def _fsync(name: str, flags: int) -> None:
    fd = os.open(name, flags | getattr(os, "O_BINARY", 0))
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _is_safetensors(path: str) -> bool:
    return os.fsdecode(path).lower().endswith(".safetensors")


def save(obj: Any, path: str | os.PathLike | io.IOBase) -> None:
    """Save a state dict (or any tree of dicts, lists, arrays, Tensors and numbers) without pickle.

    Parameters
    ----------
    obj : dict, list, tuple, array or Tensor
        Typically ``model.state_dict()``; nested objects such as
        ``{"model": model.state_dict(), "optimizer": opt.state_dict(), "epoch": 3}``
        are fine (see the module docstring for exactly what round-trips).
        Arrays on the GPU are copied to the host.
    path : str, path-like or binary file
        Written exactly as given (no suffix is added), atomically: a
        temporary file in the same directory is renamed over ``path``.  A
        name ending in ``.safetensors`` writes the safetensors format (a
        flat dict of arrays, readable by PyTorch); anything else, and file
        objects, lucid's own format (an uncompressed ``.npz``-style zip).

    Raises
    ------
    SerializationError
        For objects that cannot be saved without pickle (a Module, a
        function, an object array, ...), nesting deeper than
        :data:`MAX_DEPTH`, and for ``.safetensors`` anything but a flat
        dict of arrays.  Nothing is written then.
    FileNotFoundError
        The directory of ``path`` does not exist.
    ImportError
        ``.safetensors`` without the ``safetensors`` package.

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
    if not hasattr(path, "write"):
        path = os.fsdecode(os.fspath(path))
        if _is_safetensors(path):
            return _save_safetensors(obj, path)
    encoder = _Encoder()
    manifest = _manifest_bytes(encoder.node(obj, []))  # every refusal happens here, before any file is touched
    if hasattr(path, "write"):
        _write_zip(path, manifest, encoder.arrays)
        return
    _atomic_write(path, lambda f, _: _write_zip(f, manifest, encoder.arrays))


# ============================================================================ load
def _fail(name: str, message: str) -> SerializationError:
    return SerializationError(f"lucid.load: {name} {message}")


def _parse_npy_header(read, name: str, what: str):
    """Parse a ``.npy`` header with ``read(n)``; return ``(shape, fortran_order, dtype, header_bytes)``.

    At most ``_MAX_NPY_HEADER`` bytes are read, whatever the header claims.
    """
    magic = read(8)
    if len(magic) < 8 or magic[:6] != b"\x93NUMPY":
        raise _fail(name, f"is damaged: {what} is not a .npy array")
    major = magic[6]
    if major not in (1, 2):  # lucid.save (and numpy.save without structured dtypes) writes 1.0 or 2.0
        raise _fail(name, f"is damaged or unsupported: {what} has .npy format version {major}.{magic[7]}")
    size_format = "<H" if major == 1 else "<I"
    length_bytes = read(struct.calcsize(size_format))
    if len(length_bytes) < struct.calcsize(size_format):
        raise _fail(name, f"is damaged (truncated or corrupted?): {what} ends inside its header")
    length = struct.unpack(size_format, length_bytes)[0]
    if length > _MAX_NPY_HEADER:
        raise _fail(name, f"is damaged: {what} declares a {length}-byte .npy header (at most {_MAX_NPY_HEADER})")
    header = read(length)
    if len(header) < length:
        raise _fail(name, f"is damaged (truncated or corrupted?): {what} ends inside its header")
    parse = np.lib.format.read_array_header_1_0 if major == 1 else np.lib.format.read_array_header_2_0
    try:
        shape, fortran_order, dtype = parse(io.BytesIO(length_bytes + header), max_header_size=_MAX_NPY_HEADER)
    except Exception as exc:  # bounded, side-effect-free parsing of at most 10 kB of text
        raise _fail(name, f"is damaged: {what} has an invalid .npy header ({type(exc).__name__}: {exc})") from None
    if dtype.hasobject:
        raise _fail(name, f"holds pickled data ({what} is an array of Python objects), which lucid never loads "
                          f"(it could run code); lucid.load reads the files that lucid.save writes")
    return tuple(shape), bool(fortran_order), dtype, 8 + len(length_bytes) + length


class _Archive:
    """The members of an opened zip, read with every check made before memory is allocated."""

    def __init__(self, z: zipfile.ZipFile, size: int, name: str):
        self.z, self.name = z, name
        self.budget = size  # referenced members, together, can hold no more bytes than the file
        self.used: set = set()

    def _open(self, member: str, what: str):
        info = self.z.NameToInfo.get(member)
        if info is None:
            raise _fail(self.name, f"is damaged: its manifest refers to {what}, which is not in the file")
        if member in self.used:
            raise _fail(self.name, f"is damaged or hostile: its manifest names {what} more than once "
                                   f"(lucid.save never does; each entry is decoded at most once)")
        self.used.add(member)
        if info.compress_type != zipfile.ZIP_STORED or info.compress_size != info.file_size:
            raise _fail(self.name, f"holds {what} compressed; lucid.save never compresses and lucid.load refuses "
                                   f"compressed entries (a small file could expand to any size)")
        if info.flag_bits & 0x1:
            raise _fail(self.name, f"holds {what} encrypted, which lucid.load does not read")
        self.budget -= info.file_size
        if self.budget < 0:
            raise _fail(self.name, f"is damaged or hostile: its entries claim more bytes than the file has "
                                   f"(overlapping entries?) at {what}")
        return info, self.z.open(info)

    def read_array(self, member: str) -> np.ndarray:
        what = f"the entry {member!r}"
        info, m = self._open(member, what)
        with m:
            shape, fortran_order, dtype, header_size = _parse_npy_header(m.read, self.name, what)
            problem = _dtype_problem(dtype)
            if problem:
                raise _fail(self.name, f"is damaged: {what}: {problem}")
            if any(not isinstance(n, int) or n < 0 for n in shape):
                raise _fail(self.name, f"is damaged: {what} declares the shape {shape}")
            nbytes = math.prod(shape) * dtype.itemsize  # Python ints: no overflow
            if header_size + nbytes != info.file_size:
                raise _fail(self.name, f"is damaged or hostile: {what} declares shape {shape} of {dtype} "
                                       f"({nbytes} bytes) but holds {info.file_size - header_size} bytes")
            try:
                raw = np.empty(nbytes, dtype=np.uint8)  # at most the member's (checked) size
                array = raw.view(dtype).reshape(shape, order="F" if fortran_order else "C")
            except (ValueError, TypeError) as exc:  # e.g. a zero-size shape with absurd other axes
                raise _fail(self.name, f"is damaged: {what} declares shape {shape} ({exc})") from None
            view = memoryview(raw)
            done = 0
            while done < nbytes:
                n = m.readinto(view[done:done + _CHUNK])
                if not n:
                    raise _fail(self.name, f"is damaged (truncated or corrupted?): {what} ends early")
                done += n
            m.read(1)  # reaching the end makes zipfile check the CRC
        return array

    def read_bytes(self, member: str, limit: int) -> bytes:
        what = f"the entry {member!r}"
        info = self.z.NameToInfo[member]
        if info.file_size > limit:
            raise _fail(self.name, f"is damaged or hostile: {what} is {info.file_size} bytes (at most {limit})")
        info, m = self._open(member, what)
        with m:
            return m.read(info.file_size + 1)


class _Decoder:
    """Rebuilds the saved tree from a manifest, checking every node (the manifest may be hostile)."""

    def __init__(self, archive: _Archive, version: int, device: str | None):
        self.archive, self.version, self.device = archive, version, device

    def damaged(self, why: str) -> SerializationError:
        return _fail(self.archive.name, f"is damaged (truncated or corrupted?): its manifest {why}")

    def member(self, ref: Any) -> str:
        if not isinstance(ref, str):
            raise self.damaged(f"has an array reference {ref!r} that is not a name")
        if self.version >= 2:
            return ref + ".npy"
        names = self.archive.z.NameToInfo  # version 1 referred to numpy.savez keys, resolved as NpzFile does
        return ref if ref in names else ref + ".npy"

    def array(self, ref: Any) -> np.ndarray:
        member = self.member(ref)
        if member in (_MANIFEST, _LEGACY_MANIFEST):
            raise self.damaged("refers to itself as an array")
        return self.archive.read_array(member)

    def node(self, node: Any, depth: int) -> Any:
        if not isinstance(node, dict) or not node:
            raise self.damaged(f"has a malformed node {str(node)[:60]!r}")
        kind = next(iter(node))
        value = node[kind]
        if kind in ("dict", "list", "tuple"):
            if len(node) != 1 or not isinstance(value, list):
                raise self.damaged(f"has a malformed {kind} node")
            if depth >= MAX_DEPTH:
                raise self.damaged(f"nests deeper than {MAX_DEPTH} containers")
            if kind == "list":
                return [self.node(v, depth + 1) for v in value]
            if kind == "tuple":
                return tuple(self.node(v, depth + 1) for v in value)
            out = {}
            for pair in value:
                if not isinstance(pair, list) or len(pair) != 2:
                    raise self.damaged("has a malformed dict item")
                key, child = pair
                if isinstance(key, bool) or not isinstance(key, (str, int)):
                    raise self.damaged(f"has a dict key of type {type(key).__name__}")
                if isinstance(key, int) and not _INT_RANGE[0] <= key < _INT_RANGE[1]:
                    raise self.damaged("has an int key out of range")
                if key in out:
                    raise self.damaged(f"repeats the dict key {key!r:.60}")
                out[key] = self.node(child, depth + 1)
            return out
        if kind == "value":
            if len(node) != 1:
                raise self.damaged("has a malformed value node")
            if value is None or isinstance(value, (bool, float, str)):
                return value
            if isinstance(value, int) and _INT_RANGE[0] <= value < _INT_RANGE[1]:
                return value
            raise self.damaged(f"has a value of type {type(value).__name__}")
        if kind == "array" and len(node) == 1:
            array = self.array(value)
            return array if self.device in (None, "cpu") else backend.to_device(array, self.device)
        if kind == "scalar" and len(node) == 1 and self.version >= 2:
            array = self.array(value)
            if array.ndim:
                raise self.damaged(f"has a scalar of shape {array.shape}")
            return array[()]
        if kind == "tensor" and set(node) <= {"tensor", "requires_grad", "parameter"}:
            requires_grad, parameter = node.get("requires_grad", False), node.get("parameter", False)
            if not isinstance(requires_grad, bool) or not isinstance(parameter, bool):
                raise self.damaged("has a malformed tensor node")
            array = self.array(value)
            if self.device not in (None, "cpu"):
                array = backend.to_device(array, self.device)
            tensor = Tensor._make(array)
            if parameter:
                from lucid.nn.parameter import Parameter

                return Parameter(tensor, requires_grad=requires_grad)
            if requires_grad:
                tensor.requires_grad_(True)
            return tensor
        raise self.damaged(f"has an unknown node {kind!r:.60}")


def _parse_int(text: str) -> int:
    """JSON ints: at most 20 digits (the int64/uint64 range), so no huge number is ever converted."""
    if len(text.lstrip("-")) > 20:
        raise ValueError(f"an int of {len(text)} digits")
    return int(text)


def _read_manifest(archive: _Archive, names: list) -> tuple[Any, int]:
    """The parsed manifest and its version (2: JSON member; 1: a str array written by numpy.savez)."""
    name = archive.name
    try:
        if _MANIFEST in names:
            text = archive.read_bytes(_MANIFEST, _MAX_MANIFEST_BYTES).decode("utf-8")
            expected = 2
        else:
            array = archive.read_array(_LEGACY_MANIFEST)
            if array.dtype.kind != "U" or array.ndim != 0:
                raise _fail(name, f"is damaged: its manifest is an array of {array.dtype} and shape {array.shape}")
            if array.nbytes > 4 * _MAX_MANIFEST_BYTES:
                raise _fail(name, f"is damaged or hostile: its manifest is {array.nbytes} bytes")
            text = str(array[()])
            expected = 1
        header = json.loads(text, parse_int=_parse_int)
    except SerializationError:
        raise
    except RecursionError:
        raise _fail(name, "is damaged or hostile: its manifest nests too deeply to read") from None
    except (ValueError, UnicodeDecodeError) as exc:  # JSONDecodeError, a 10,000-digit int, bad UTF-8
        raise _fail(name, f"is damaged (truncated or corrupted?): its manifest is not valid JSON ({str(exc)[:200]})") from None
    if not isinstance(header, dict) or header.get("format") != _FORMAT:
        found = header.get("format") if isinstance(header, dict) else type(header).__name__
        raise _fail(name, f"has an unknown manifest format {str(found)[:100]!r}; it was not written by lucid.save")
    version = header.get("version")
    if isinstance(version, int) and not isinstance(version, bool) and version > _VERSION:
        raise _fail(name, f"was written by a newer lucid (format version {version}, this lucid reads up to {_VERSION})")
    if version != expected or "tree" not in header:
        raise _fail(name, f"is damaged (truncated or corrupted?): its manifest has version {str(version)[:20]!r} "
                          f"or no tree")
    return header["tree"], version


def _foreign_zip(name: str, names: list) -> SerializationError:
    shown = [n[:-4] if n.endswith(".npy") else n for n in names[:5]]
    if any(n.endswith("data.pkl") for n in names):
        return _fail(name, "is a PyTorch checkpoint (torch.save: a zip around a pickle), which lucid.save did not "
                           "write and lucid never unpickles; in PyTorch, save it with "
                           "safetensors.torch.save_file(model.state_dict(), 'model.safetensors') and lucid.load that")
    return _fail(name, f"is an .npz/zip archive that lucid.save did not write (no {_MANIFEST!r} entry; its entries "
                       f"are {shown}{'...' if len(names) > 5 else ''}); open it with numpy.load")


def _load_zip(f, size: int, name: str, device: str | None) -> Any:
    try:
        z = zipfile.ZipFile(f)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, ValueError, struct.error) as exc:
        raise _fail(name, f"is not a readable zip/.npz archive (truncated or corrupted?): {exc}") from None
    except MemoryError:  # the zip directory's entries take a few times the file's size
        raise _fail(name, f"lists more zip entries than fit in the available memory ({size} bytes file)") from None
    with z:
        names = [i.filename for i in z.infolist()]
        if len(set(names)) != len(names):
            raise _fail(name, "is damaged or hostile: its zip directory lists an entry name twice")
        if _MANIFEST not in names and _LEGACY_MANIFEST not in names:
            raise _foreign_zip(name, names)
        archive = _Archive(z, size, name)
        try:
            tree, version = _read_manifest(archive, names)
            return _Decoder(archive, version, device).node(tree, 0)
        except SerializationError:
            raise
        except (zipfile.BadZipFile, OSError, EOFError, ValueError, struct.error) as exc:  # e.g. a bad CRC
            raise _fail(name, f"is damaged (truncated or corrupted?): {type(exc).__name__}: {exc}") from None
        except MemoryError:
            raise _fail(name, "needs more memory than is available, though its sizes are consistent") from None


def _load_stream(f, name: str, device: str | None) -> Any:
    if not (hasattr(f, "seekable") and f.seekable()):
        f = io.BytesIO(f.read())  # zip needs seeking; the copy is the file's size
    start = f.tell()
    size = f.seek(0, io.SEEK_END) - start
    f.seek(start)
    head = f.read(16)
    f.seek(start)
    if head[:4] in (b"PK\x03\x04", b"PK\x05\x06"):
        return _load_zip(f, size, name, device)
    if head[:6] == b"\x93NUMPY":
        _parse_npy_header(f.read, name, "the file")  # says "pickled data" for an object array
        raise _fail(name, "is a single .npy array, not a checkpoint written by lucid.save; open it with numpy.load")
    if not head:
        raise _fail(name, "is empty (0 bytes), not a checkpoint written by lucid.save")
    if head[:1] == b"\x80":
        raise _fail(name, "holds pickled data, which lucid never loads (it could run code); "
                          "lucid.load reads the files that lucid.save writes")
    if len(head) >= 9 and head[8:9] == b"{" and struct.unpack("<Q", head[:8])[0] < size:
        raise _fail(name, "looks like a safetensors file; give lucid.load a path ending in '.safetensors'")
    raise _fail(name, f"is not a checkpoint written by lucid.save (not a zip/.npz archive; it starts with "
                      f"{head[:8]!r}); lucid.load never reads pickled data")


def load(path: str | os.PathLike | io.IOBase, device: str | None = None) -> Any:
    """Load what :func:`save` wrote (or a ``.safetensors`` file); never unpickles anything.

    Parameters
    ----------
    path : str, path-like or binary file
        A name ending in ``.safetensors`` is read as safetensors (for
        example a file from ``safetensors.torch.save_file``); anything
        else, and file objects, as lucid's own format.
    device : {"cpu", "gpu"}, optional
        Where to put saved Tensors (and arrays); default: plain NumPy arrays,
        Tensors on the CPU.

    Returns
    -------
    The saved tree: dicts, lists, tuples, numbers, strings, None, NumPy
    arrays (for saved arrays, e.g. a state dict's values) and Tensors (for
    saved Tensors).

    Raises
    ------
    FileNotFoundError
        ``path`` does not exist.
    SerializationError
        The file is truncated, corrupted, hostile (see the module
        docstring for the checks), a pickle, or a file that ``lucid.save``
        did not write.

    Examples
    --------
    >>> import io
    >>> import numpy as np
    >>> import lucid
    >>> buffer = io.BytesIO()
    >>> lucid.save({"w": np.ones(2), "step": np.array(3)}, buffer)
    >>> _ = buffer.seek(0)
    >>> lucid.load(buffer)
    {'w': array([1., 1.]), 'step': array(3)}
    """
    if device is not None:
        device = backend.normalize_device(device)
    if hasattr(path, "read"):
        return _load_stream(path, "the file object", device)
    path = os.fsdecode(os.fspath(path))
    if not os.path.exists(path):
        raise FileNotFoundError(f"lucid.load: no such file {path!r}")
    if _is_safetensors(path):
        return _load_safetensors(path, device)
    with open(path, "rb") as f:
        return _load_stream(f, repr(path), device)


# ============================================================================ safetensors
_SAFETENSORS_DTYPES = {"bool", "uint8", "int8", "uint16", "int16", "uint32", "int32", "uint64", "int64",
                       "float16", "float32", "float64", "complex64"}
_SAFETENSORS_NUMPY = {"BOOL", "U8", "I8", "U16", "I16", "U32", "I32", "U64", "I64", "F16", "F32", "F64", "C64"}
_ORDER_KEY = "lucid.keys"  # metadata: the dict's key order (safetensors itself sorts the names)


def _safetensors(action: str):
    try:
        import safetensors
        import safetensors.numpy
    except ImportError:
        raise ImportError(
            f"lucid.{action}: .safetensors files need the 'safetensors' package: "
            f'pip install "lucid-autograd[io]" (or pip install safetensors)') from None
    return safetensors


def _save_safetensors(obj: Any, path: str) -> None:
    st = _safetensors("save")
    if not isinstance(obj, dict):
        raise SerializationError(
            f"lucid.save: a .safetensors file holds a flat dict of name -> array (e.g. model.state_dict()), "
            f"got a {type(obj).__name__}; save nested objects such as optimizer states to a .npz path")
    arrays = {}
    for k, v in obj.items():
        if not isinstance(k, str):
            raise SerializationError(f"lucid.save: .safetensors names must be str, got {k!r} ({type(k).__name__})")
        try:
            k.encode("utf-8")
        except UnicodeEncodeError:
            raise SerializationError(f"lucid.save: the .safetensors name {k!r:.60} is not valid UTF-8 text") from None
        if k == "__metadata__":
            raise SerializationError("lucid.save: '__metadata__' is reserved in .safetensors files; rename that key")
        if isinstance(v, Tensor):
            v = v.data
        if not (isinstance(v, np.ndarray) or backend.is_array(v)):
            raise SerializationError(
                f"lucid.save: a .safetensors file holds arrays only, but {k!r:.60} is a {type(v).__name__}; "
                f"save nested objects and numbers to a .npz path")
        host = np.asarray(backend.to_host(v))
        if host.dtype.newbyteorder("=").name not in _SAFETENSORS_DTYPES or host.dtype.fields is not None:
            raise SerializationError(
                f"lucid.save: {k!r:.60} has dtype {host.dtype}, which .safetensors (through NumPy) cannot hold; "
                f"supported are {', '.join(sorted(_SAFETENSORS_DTYPES))}")
        arrays[k] = host if host.flags.c_contiguous else host.copy(order="C")  # (0-d stays 0-d)
    metadata = {_ORDER_KEY: json.dumps(list(arrays))}

    def write(_, tmp):
        try:
            st.numpy.save_file(arrays, tmp, metadata=metadata)
        except Exception as exc:  # safetensors' own error type
            raise SerializationError(f"lucid.save: safetensors could not write {path!r}: {exc}") from None

    _atomic_write(path, write)


def _load_safetensors(path: str, device: str | None) -> dict:
    st = _safetensors("load")
    name = repr(path)
    try:
        with st.safe_open(path, framework="np") as f:  # reads the header only; never runs code
            keys = list(f.keys())
            for k in keys:
                kind = f.get_slice(k).get_dtype()
                if kind not in _SAFETENSORS_NUMPY:
                    raise _fail(name, f"holds {k!r:.60} as {kind}, which NumPy cannot represent; in PyTorch "
                                      f"convert first (e.g. model.float()) and save again")
            metadata = f.metadata() or {}
            out = {k: f.get_tensor(k) for k in keys}
    except SerializationError:
        raise
    except Exception as exc:  # SafetensorError and friends: a damaged or hostile file
        raise _fail(name, f"is not a readable .safetensors file (truncated, corrupted or not safetensors?): {exc}") from None
    try:  # restore the key order lucid saved, when it is there and consistent
        order = json.loads(metadata.get(_ORDER_KEY, "null"))
    except ValueError:
        order = None
    if isinstance(order, list) and sorted(order, key=str) == sorted(out):
        out = {k: out[k] for k in order}
    for k, v in out.items():
        if not v.flags.writeable:
            v = v.copy()
        out[k] = v if device in (None, "cpu") else backend.to_device(v, device)
    return out
