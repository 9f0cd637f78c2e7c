"""``lucid.load`` on files that fight back: every one is refused with a SerializationError, within bounded memory.

Checkpoints come from classmates and the internet.  Each hostile file below
is loaded in a *child process* whose address space is capped with
``resource.setrlimit(RLIMIT_AS)`` (a few hundred MB above what the child
uses after ``import lucid``) and which is killed after a timeout, so a
regression fails the test instead of exhausting the machine.  All files are
loaded by one child (one ``import lucid``); each case is its own test.

The rule tested: the memory ``load`` allocates is bounded by a small
multiple of the file's size, checked before allocating; every refusal is a
``SerializationError`` that says what was wrong.
"""
from __future__ import annotations

import io
import json
import os
import struct
import subprocess
import sys
import zipfile
import zlib

import numpy as np
import pytest

import lucid

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"),
                                reason="the memory cap (RLIMIT_AS) and /proc are Linux features")

CAP_MB = 400  # the child may allocate this much above its size after `import lucid`
TIMEOUT_S = 240

_CHILD = r"""
import json, resource, sys
import numpy
import lucid
from lucid.serialization import SerializationError

def vm_bytes():
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmSize:"):
                return int(line.split()[1]) * 1024

cap = vm_bytes() + int(sys.argv[1]) * 2**20
resource.setrlimit(resource.RLIMIT_AS, (cap, resource.getrlimit(resource.RLIMIT_AS)[1]))
results = {}
for path in sys.argv[2:]:
    try:
        out = lucid.load(path)
    except SerializationError as exc:
        results[path] = ["refused", str(exc)[:2000]]
    except MemoryError as exc:
        results[path] = ["MemoryError", str(exc)[:2000]]
    except BaseException as exc:
        results[path] = [type(exc).__name__, str(exc)[:2000]]
    else:
        results[path] = ["loaded", type(out).__name__]
        del out
print("RESULTS" + json.dumps(results))
"""


# ----------------------------------------------------------------------------- building hostile files
def _npy_header(shape, descr="<f8", version=1, fortran=False) -> bytes:
    header = repr({"descr": descr, "fortran_order": fortran, "shape": tuple(shape)}).encode("latin1")
    header += b" " * (63 - (len(header) + 10) % 64) + b"\n"
    if version == 1:
        return b"\x93NUMPY\x01\x00" + struct.pack("<H", len(header)) + header
    return b"\x93NUMPY\x02\x00" + struct.pack("<I", len(header)) + header


def _npy(array) -> bytes:
    buffer = io.BytesIO()
    np.save(buffer, array, allow_pickle=False)
    return buffer.getvalue()


def _manifest(tree, version=2) -> bytes:
    return json.dumps({"format": "lucid.save", "version": version, "tree": tree}).encode()


def _zip(path, members: dict, compression=zipfile.ZIP_STORED):
    with zipfile.ZipFile(path, "w", compression=compression, allowZip64=True) as z:
        for name, data in members.items():
            z.writestr(name, data)


def compressed_array(path):
    """A 256 MiB array of zeros deflated into a few hundred kB (streamed: never in memory here)."""
    with zipfile.ZipFile(path, "w", allowZip64=True) as z:
        z.writestr("__lucid__.json", _manifest({"array": "0"}))
        info = zipfile.ZipInfo("0.npy")
        info.compress_type = zipfile.ZIP_DEFLATED
        with z.open(info, "w", force_zip64=True) as m:
            m.write(_npy_header((2**25,)))
            chunk = bytes(2**20)
            for _ in range(256):
                m.write(chunk)
    assert os.path.getsize(path) < 2**20


def compressed_manifest(path):
    _zip(path, {"__lucid__.json": _manifest({"value": " " * 2**26})}, compression=zipfile.ZIP_DEFLATED)


def compressed_version_1(path):
    with open(path, "wb") as f:
        np.savez_compressed(f, __lucid__=np.array(json.dumps({"format": "lucid.save", "version": 1,
                                                               "tree": {"array": "w"}})), w=np.zeros(2**25))


def one_array_named_1000_times(path):
    _zip(path, {"__lucid__.json": _manifest({"list": [{"array": "0"}] * 1000}), "0.npy": _npy(np.zeros(2**17))})


def one_array_named_twice_in_version_1(path):
    np.savez(path, __lucid__=np.array(json.dumps({"format": "lucid.save", "version": 1,
                                                  "tree": {"list": [{"array": "w"}, {"array": "w.npy"}] * 500}})),
             w=np.zeros(2**17))


def claims_8_tib(path):
    _zip(path, {"__lucid__.json": _manifest({"array": "0"}), "0.npy": _npy_header((2**40,))})


def claims_8_tib_zero_size(path):
    _zip(path, {"__lucid__.json": _manifest({"array": "0"}), "0.npy": _npy_header((0, 2**62, 2**62))})


def claims_less_than_it_holds(path):
    _zip(path, {"__lucid__.json": _manifest({"array": "0"}), "0.npy": _npy_header((2,)) + bytes(1000)})


def negative_shape(path):
    _zip(path, {"__lucid__.json": _manifest({"array": "0"}), "0.npy": _npy_header((-1, 8)) + bytes(64)})


def huge_npy_header(path):
    _zip(path, {"__lucid__.json": _manifest({"array": "0"}),
                "0.npy": b"\x93NUMPY\x02\x00" + struct.pack("<I", 2**32 - 1) + b"{" * 100})


def padded_version_1_manifest(path):
    """Version 1 kept the manifest as a str array: one claiming 200 MB in a tiny entry."""
    _zip(path, {"__lucid__.npy": _npy_header((), descr="<U50000000") + bytes(100), "w.npy": _npy(np.ones(2))})


def manifest_over_the_limit(path):
    _zip(path, {"__lucid__.json": b" " * (9 * 2**20) + _manifest({"value": 1})})


def worst_case_json_manifest(path):
    """8 MiB of `{},{},...`: the most Python objects per manifest byte; must stay within the memory cap."""
    body = b"{}," * (8 * 2**20 // 3 - 100)
    _zip(path, {"__lucid__.json": b'{"format":"lucid.save","version":2,"tree":{"list":[' + body + b'{}]}}'})


def nested_100k_deep(path):
    _zip(path, {"__lucid__.json": b'{"format":"lucid.save","version":2,"tree":' + b'{"list":[' * 100_000
                + b'{"value":1}' + b"]}" * 100_000 + b"}"})


def nested_65_deep(path):
    _zip(path, {"__lucid__.json": b'{"format":"lucid.save","version":2,"tree":' + b'{"list":[' * 65
                + b'{"value":1}' + b"]}" * 65 + b"}"})


def nested_5000_deep_version_1(path):
    text = '{"format":"lucid.save","version":1,"tree":' + '{"list":[' * 5000 + '{"value":1}' + "]}" * 5000 + "}"
    np.savez(path, __lucid__=np.array(text))


def int_of_10000_digits(path):
    _zip(path, {"__lucid__.json": b'{"format":"lucid.save","version":2,"tree":{"value":' + b"7" * 10_000 + b"}}"})


def duplicate_zip_entries(path):
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("__lucid__.json", _manifest({"array": "0"}))
        z.writestr("0.npy", _npy(np.zeros(4)))
        with pytest.warns(UserWarning):
            z.writestr("0.npy", _npy(np.zeros(8)))


def structured_dtype(path):
    _zip(path, {"__lucid__.json": _manifest({"array": "0"}), "0.npy": _npy(np.zeros(4, dtype=[("a", "<f4")]))})


def void_dtype(path):
    _zip(path, {"__lucid__.json": _manifest({"array": "0"}), "0.npy": _npy_header((4,), descr="|V8") + bytes(32)})


def object_dtype_header(path):
    _zip(path, {"__lucid__.json": _manifest({"array": "0"}), "0.npy": _npy_header((10**9,), descr="|O") + bytes(64)})


def manifest_refers_to_itself(path):
    _zip(path, {"__lucid__.json": _manifest({"array": "__lucid__"})})


def manifest_with_a_dangling_reference(path):
    _zip(path, {"__lucid__.json": _manifest({"dict": [["w", {"array": "7"}]]})})


def repeated_dict_key(path):
    _zip(path, {"__lucid__.json": _manifest({"dict": [["w", {"value": 1}], ["w", {"value": 2}]]})})


def bad_crc(path):
    buffer = io.BytesIO()
    lucid.save({"w": np.zeros(2**16)}, buffer)
    raw = bytearray(buffer.getvalue())
    raw[len(raw) // 2] ^= 0xFF
    with open(path, "wb") as f:
        f.write(raw)


def zip64_claims_a_huge_directory(path):
    """An end-of-central-directory record that claims a 2**40-byte central directory."""
    buffer = io.BytesIO()
    lucid.save({"w": np.zeros(4)}, buffer)
    raw = bytearray(buffer.getvalue())
    end = raw.rindex(b"PK\x05\x06")
    raw[end + 12:end + 16] = struct.pack("<I", 0xFFFFFFFF)
    with open(path, "wb") as f:
        f.write(raw)


def many_zip_entries(path):
    with zipfile.ZipFile(path, "w") as z:
        for i in range(100_000):
            z.writestr(f"{i}", b"")


def safetensors_claims_a_huge_header(path):
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", 2**43) + b'{"a":')


def safetensors_claims_a_huge_tensor(path):
    header = json.dumps({"a": {"dtype": "F64", "shape": [2**40], "data_offsets": [0, 8 * 2**40]}}).encode()
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(header)) + header + bytes(64))


def safetensors_offsets_disagree_with_shape(path):
    header = json.dumps({"a": {"dtype": "F64", "shape": [2**20], "data_offsets": [0, 8]}}).encode()
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(header)) + header + bytes(8))


# (builder, file suffix, words the refusal must contain)
REFUSED = [
    (compressed_array, ".npz", ["compressed"]),
    (compressed_manifest, ".npz", ["compressed"]),
    (compressed_version_1, ".npz", ["compressed"]),
    (one_array_named_1000_times, ".npz", ["more than once"]),
    (one_array_named_twice_in_version_1, ".npz", ["more than once"]),
    (claims_8_tib, ".npz", ["declares shape (1099511627776,)", "holds 0 bytes"]),
    (claims_less_than_it_holds, ".npz", ["declares shape (2,)", "holds 1000 bytes"]),
    (negative_shape, ".npz", ["shape (-1, 8)"]),
    (huge_npy_header, ".npz", ["-byte .npy header"]),
    (padded_version_1_manifest, ".npz", ["declares shape ()", "holds 100 bytes"]),
    (manifest_over_the_limit, ".npz", ["(at most 8388608)"]),
    (worst_case_json_manifest, ".npz", ["malformed node '{}'"]),
    (nested_100k_deep, ".npz", ["nests too deeply"]),
    (nested_65_deep, ".npz", ["deeper than 64"]),
    (nested_5000_deep_version_1, ".npz", ["deep"]),
    (int_of_10000_digits, ".npz", ["not valid JSON", "10000 digits"]),
    (duplicate_zip_entries, ".npz", ["entry name twice"]),
    (structured_dtype, ".npz", ["not supported"]),
    (void_dtype, ".npz", ["not supported"]),
    (object_dtype_header, ".npz", ["pickled data"]),
    (manifest_refers_to_itself, ".npz", ["itself"]),
    (manifest_with_a_dangling_reference, ".npz", ["not in the file"]),
    (repeated_dict_key, ".npz", ["repeats the dict key 'w'"]),
    (bad_crc, ".npz", ["corrupted", "CRC"]),
    (zip64_claims_a_huge_directory, ".npz", ["truncated or corrupted"]),
    (many_zip_entries, ".npz", ["lucid.save did not write"]),
    (safetensors_claims_a_huge_header, ".safetensors", ["not a readable .safetensors"]),
    (safetensors_claims_a_huge_tensor, ".safetensors", ["not a readable .safetensors"]),
    (safetensors_offsets_disagree_with_shape, ".safetensors", ["not a readable .safetensors"]),
]
# Files that may load or be refused, but must do either within the cap.
EITHER = [(claims_8_tib_zero_size, ".npz")]


def honest_64_mb_checkpoint(path):
    lucid.save({"w": np.ones(2**23), "rest": [np.zeros(3), {"x": 1}]}, path)


def _has_safetensors() -> bool:
    try:
        import safetensors.numpy  # noqa: F401
    except ImportError:
        return False
    return True


@pytest.fixture(scope="module")
def outcomes(tmp_path_factory):
    """Build every file, load them all in one capped child process; name -> (outcome, message)."""
    folder = tmp_path_factory.mktemp("hostile")
    paths = {}
    for build, suffix, *_ in REFUSED + EITHER + [(honest_64_mb_checkpoint, ".npz")]:
        if suffix == ".safetensors" and not _has_safetensors():
            continue
        path = str(folder / (build.__name__ + suffix))
        build(path)
        paths[build.__name__] = path
    env = {**os.environ, "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
    proc = subprocess.run([sys.executable, "-c", _CHILD, str(CAP_MB), *paths.values()], capture_output=True,
                          text=True, timeout=TIMEOUT_S, env=env)
    line = [x for x in proc.stdout.splitlines() if x.startswith("RESULTS")]
    assert proc.returncode == 0 and line, f"the child failed (rc {proc.returncode}):\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}"
    results = json.loads(line[0][len("RESULTS"):])
    yield {name: results[path] for name, path in paths.items()}
    for path in paths.values():
        os.remove(path)


@pytest.mark.parametrize("build, suffix, words", REFUSED, ids=[c[0].__name__ for c in REFUSED])
def test_hostile_file_is_refused_within_the_memory_cap(outcomes, build, suffix, words):
    if build.__name__ not in outcomes:
        if os.environ.get("CI"):
            pytest.fail('safetensors must be installed in CI (pip install -e ".[test]")')
        pytest.skip('safetensors is not installed (pip install "lucid-autograd[io]")')
    outcome, message = outcomes[build.__name__]
    assert outcome == "refused", f"{outcome}: {message}"
    assert message.startswith("lucid.load: ")
    for w in words:
        assert w in message, f"{message!r} should mention {w!r}"


@pytest.mark.parametrize("build, suffix", EITHER, ids=[c[0].__name__ for c in EITHER])
def test_odd_but_small_file_loads_or_is_refused_within_the_cap(outcomes, build, suffix):
    assert outcomes[build.__name__][0] in ("loaded", "refused"), outcomes[build.__name__]


def test_an_honest_checkpoint_loads_under_the_same_cap(outcomes):
    """The control: the cap is not so tight that it refuses everything."""
    assert outcomes["honest_64_mb_checkpoint"] == ["loaded", "dict"]
