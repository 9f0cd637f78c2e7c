"""Module registration, state dicts and containers against PyTorch (Trust III items 1, 2, 8, 9)."""
from collections import OrderedDict

import numpy as np
import pytest

import lucid
from lucid import nn


def _names(pairs):
    return [n for n, _ in pairs]


def _outcome(fn):
    """What ``fn()`` did: ("ok", None) or (exception type name, None); for side-by-side comparisons."""
    try:
        fn()
    except Exception as exc:  # noqa: BLE001 - the type is what we compare
        return type(exc).__name__
    return "ok"


# ------------------------------------------------------------------ item 1: replacement keeps the position
def test_replacing_a_child_keeps_its_position(torch):
    def build(lib):
        return lib.nn.Sequential(OrderedDict(a=lib.nn.Linear(2, 2), act=lib.nn.Tanh(), b=lib.nn.Linear(2, 2)))

    s, ts = build(lucid), build(torch)
    s.a = nn.Linear(2, 2)
    ts.a = torch.nn.Linear(2, 2)
    assert _names(s.named_children()) == _names(ts.named_children()) == ["a", "act", "b"]
    assert list(s.state_dict()) == list(ts.state_dict())
    assert type(s[0]).__name__ == "Linear"  # the Sequential still runs a, act, b


def test_replacing_parameters_and_buffers_keeps_positions(torch):
    lin, tlin = nn.Linear(2, 2), torch.nn.Linear(2, 2)
    for m, lib, P in ((lin, lucid, nn.Parameter), (tlin, torch, torch.nn.Parameter)):
        m.register_buffer("b1", lib.zeros(1))
        m.register_buffer("b2", lib.zeros(1))
        m.weight = P(lib.zeros((2, 2)))
        m.b1 = lib.ones(1)
    assert _names(lin.named_parameters()) == _names(tlin.named_parameters()) == ["weight", "bias"]
    assert list(lin.state_dict()) == list(tlin.state_dict()) == ["weight", "bias", "b1", "b2"]
    # None keeps the slot (not in state_dict); a Parameter put back fills it again
    lin.weight, tlin.weight = None, None
    assert list(lin.state_dict()) == list(tlin.state_dict()) == ["bias", "b1", "b2"]
    assert lin.weight is None and "weight" in lin._parameters
    lin.weight, tlin.weight = nn.Parameter(np.zeros((2, 2))), torch.nn.Parameter(torch.zeros(2, 2))
    assert list(lin.state_dict()) == list(tlin.state_dict()) == ["weight", "bias", "b1", "b2"]
    # a Parameter assigned to a buffer's name: the buffer goes, the parameter comes at the end
    lin.b1, tlin.b1 = nn.Parameter(np.ones(1)), torch.nn.Parameter(torch.ones(1))
    assert _names(lin.named_parameters()) == _names(tlin.named_parameters()) == ["weight", "bias", "b1"]
    assert _names(lin.named_buffers()) == _names(tlin.named_buffers()) == ["b2"]


def test_replacement_family_errors_as_torch(torch):
    lin, tlin = nn.Linear(2, 2), torch.nn.Linear(2, 2)
    s, ts = nn.Sequential(nn.ReLU(), nn.Tanh()), torch.nn.Sequential(torch.nn.ReLU(), torch.nn.Tanh())
    lin.register_buffer("buf", lucid.zeros(1))
    tlin.register_buffer("buf", torch.zeros(1))
    cases = [
        (lambda: setattr(lin, "weight", nn.Linear(1, 1)), lambda: setattr(tlin, "weight", torch.nn.Linear(1, 1))),
        (lambda: setattr(lin, "bias", lucid.zeros(2)), lambda: setattr(tlin, "bias", torch.zeros(2))),
        (lambda: setattr(lin, "buf", 3), lambda: setattr(tlin, "buf", 3)),
        (lambda: setattr(s, "0", 3), lambda: setattr(ts, "0", 3)),
        (lambda: setattr(s, "0", None), lambda: setattr(ts, "0", None)),
    ]
    for mine, theirs in cases:
        assert _outcome(mine) == _outcome(theirs)
    assert list(s._modules) == list(ts._modules) == ["0", "1"] and s._modules["0"] is None
    with pytest.raises(TypeError, match="parameter 'weight'.*nn.Parameter or None"):
        lin.weight = nn.Linear(1, 1)
    # a plain attribute replaced by a module or parameter becomes registered (PyTorch's remove_from)
    for m, P, Mod, lib in ((s, nn.Parameter, nn.ReLU, lucid), (ts, torch.nn.Parameter, torch.nn.ReLU, torch)):
        m.x = 5
        m.x = Mod()
        m.y = 5
        m.y = P(lib.zeros(1))
    assert list(s._modules) == list(ts._modules) and "x" not in s.__dict__
    assert list(s._parameters) == list(ts._parameters) == ["y"] and "y" not in s.__dict__
    # a module name replaced by a Parameter moves it to the parameters
    s.x, ts.x = nn.Parameter(np.zeros(1)), torch.nn.Parameter(torch.zeros(1))
    assert list(s._modules) == list(ts._modules) and list(s._parameters) == list(ts._parameters)


# ------------------------------------------------------------------ item 9: a module under two names
def test_shared_submodule_listed_under_both_names(torch):
    lin = nn.Linear(2, 2)
    s = nn.Sequential(lin, lin)
    tlin = torch.nn.Linear(2, 2)
    ts = torch.nn.Sequential(tlin, tlin)
    assert list(s.state_dict()) == list(ts.state_dict()) == ["0.weight", "0.bias", "1.weight", "1.bias"]
    assert len(list(s.parameters())) == len(list(ts.parameters())) == 2
    assert _names(s.named_parameters()) == _names(ts.named_parameters())
    # a PyTorch checkpoint of such a model loads strictly
    sd = {k: v.detach().numpy() for k, v in ts.state_dict().items()}
    s.load_state_dict(sd)
    np.testing.assert_array_equal(lin.weight.numpy(), tlin.weight.detach().numpy())
    # and one with only the first name is missing keys, as in PyTorch
    with pytest.raises(nn.StateDictError, match="missing keys: '1.weight', '1.bias'"):
        s.load_state_dict({k: v for k, v in sd.items() if k.startswith("0.")})


def test_tied_parameters_listed_under_both_names(torch):
    a, b = nn.Linear(2, 2), nn.Linear(2, 2)
    b.weight = a.weight
    ta, tb = torch.nn.Linear(2, 2), torch.nn.Linear(2, 2)
    tb.weight = ta.weight
    assert list(nn.Sequential(a, b).state_dict()) == list(torch.nn.Sequential(ta, tb).state_dict())
    assert len(list(nn.Sequential(a, b).parameters())) == len(list(torch.nn.Sequential(ta, tb).parameters())) == 3


# ------------------------------------------------------------------ item 8: all or nothing
def test_load_state_dict_writes_nothing_when_a_value_is_bad():
    lin = nn.Linear(2, 2)
    before = lin.state_dict()
    version = lin.weight._version[0]
    with pytest.raises(nn.StateDictError, match=r"'bias': an array of dtype <U1 cannot be converted to float32"):
        lin.load_state_dict({"weight": np.ones((2, 2)), "bias": np.array(["a", "b"])})
    for k, v in lin.state_dict().items():
        np.testing.assert_array_equal(v, before[k])
    assert lin.weight._version[0] == version


@pytest.mark.parametrize("bad, message", [
    (np.array([1 + 1j, 2]), "complex128 cannot be converted to float32"),
    (np.array([None, None]), "dtype object"),
    ({"a": 1}, "is not an array"),
    ("ab", "is not an array"),
])
def test_load_state_dict_names_the_bad_key(bad, message):
    lin = nn.Linear(2, 2)
    before = lin.weight.numpy().copy()
    with pytest.raises(nn.StateDictError, match=message) as info:
        lin.load_state_dict({"weight": np.ones((2, 2)), "bias": bad})
    assert "'bias'" in str(info.value)
    np.testing.assert_array_equal(lin.weight.numpy(), before)


def test_load_state_dict_reports_every_problem_at_once():
    lin = nn.Linear(2, 2)
    with pytest.raises(nn.StateDictError) as info:
        lin.load_state_dict({"weight": np.ones((3, 2)), "bias": np.array(["a", "b"]), "extra": np.ones(1)})
    text = str(info.value)
    assert "'weight': checkpoint (3, 2), model (2, 2)" in text and "'bias'" in text and "'extra'" in text


def test_load_state_dict_accepts_torch_tensors(torch):
    tlin = torch.nn.Linear(3, 2)
    lin = nn.Linear(3, 2)
    lin.load_state_dict(tlin.state_dict())  # values are torch tensors, some requiring grad
    np.testing.assert_array_equal(lin.weight.numpy(), tlin.weight.detach().numpy())
    assert lin.weight.dtype == np.float32 and isinstance(lin.weight.data, np.ndarray)
    x = np.random.default_rng(0).standard_normal((4, 3)).astype(np.float32)
    np.testing.assert_allclose(lin(lucid.tensor(x)).numpy(), tlin(torch.tensor(x)).detach().numpy(), rtol=1e-6)
    # float64 torch tensors are cast to the parameter's dtype, as PyTorch's copy_ does
    lin.load_state_dict({"weight": torch.ones(2, 3, dtype=torch.float64), "bias": torch.zeros(2)})
    assert lin.weight.dtype == np.float32 and float(lin.weight.sum().item()) == 6.0


# ------------------------------------------------------------------ item 2: containers
def _layout(container):
    return [(k, type(v).__name__) for k, v in container._modules.items()]


def _both(fn, torch):
    """Run ``fn(lib)`` for lucid and torch: the layouts, or the error types, must agree."""
    out = []
    for lib in (lucid, torch):
        try:
            out.append(fn(lib))
        except Exception as exc:  # noqa: BLE001
            out.append(type(exc).__name__)
    assert out[0] == out[1], out
    return out[0]


SEQ_PROGRAMS = {
    "del-append": lambda lib: (lambda s: (s.__delitem__(0), s.append(lib.nn.GELU()), _layout(s))[-1])(
        lib.nn.Sequential(lib.nn.ReLU(), lib.nn.Tanh(), lib.nn.Sigmoid())),
    "del-slice-append": lambda lib: (lambda s: (s.__delitem__(slice(0, 2)), s.append(lib.nn.GELU()), _layout(s))[-1])(
        lib.nn.Sequential(lib.nn.ReLU(), lib.nn.Tanh(), lib.nn.Sigmoid())),
    "del-step-slice": lambda lib: (lambda s: (s.__delitem__(slice(None, None, 2)), _layout(s))[-1])(
        lib.nn.Sequential(lib.nn.ReLU(), lib.nn.Tanh(), lib.nn.Sigmoid())),
    "insert": lambda lib: _layout(lib.nn.Sequential(lib.nn.ReLU(), lib.nn.Tanh()).insert(1, lib.nn.GELU())),
    "insert-neg": lambda lib: _layout(lib.nn.Sequential(lib.nn.ReLU(), lib.nn.Tanh()).insert(-1, lib.nn.GELU())),
    "insert-end": lambda lib: _layout(lib.nn.Sequential(lib.nn.ReLU(), lib.nn.Tanh()).insert(2, lib.nn.GELU())),
    "insert-out": lambda lib: _layout(lib.nn.Sequential(lib.nn.ReLU()).insert(-3, lib.nn.GELU())),
    "extend": lambda lib: _layout(lib.nn.Sequential(lib.nn.ReLU()).extend([lib.nn.Tanh(), lib.nn.GELU()])),
    "pop": lambda lib: (lambda s: (type(s.pop(1)).__name__, _layout(s)))(
        lib.nn.Sequential(lib.nn.ReLU(), lib.nn.Tanh(), lib.nn.GELU())),
    "pop-slice": lambda lib: (lambda s: (_layout(s.pop(slice(0, 2))), _layout(s)))(
        lib.nn.Sequential(lib.nn.ReLU(), lib.nn.Tanh(), lib.nn.GELU())),
    "add": lambda lib: _layout(lib.nn.Sequential(lib.nn.ReLU()) + lib.nn.Sequential(lib.nn.Tanh())),
    "add-list": lambda lib: _layout(lib.nn.Sequential(lib.nn.ReLU()) + [lib.nn.Tanh()]),
    "iadd": lambda lib: (lambda s: (s.__iadd__(lib.nn.Sequential(lib.nn.Tanh())), _layout(s))[-1])(
        lib.nn.Sequential(lib.nn.ReLU())),
    "mul": lambda lib: _layout(2 * lib.nn.Sequential(lib.nn.ReLU(), lib.nn.Tanh())),
    "mul-zero": lambda lib: _layout(lib.nn.Sequential(lib.nn.ReLU()) * 0),
    "imul": lambda lib: (lambda s: (s.__imul__(3), _layout(s))[-1])(lib.nn.Sequential(lib.nn.ReLU())),
    "named-slice": lambda lib: _layout(lib.nn.Sequential(OrderedDict(a=lib.nn.ReLU(), b=lib.nn.Tanh()))[1:]),
    "named-del": lambda lib: (lambda s: (s.__delitem__(0), _layout(s))[-1])(
        lib.nn.Sequential(OrderedDict(a=lib.nn.ReLU(), b=lib.nn.Tanh()))),
    "setitem": lambda lib: (lambda s: (s.__setitem__(0, lib.nn.GELU()), _layout(s))[-1])(
        lib.nn.Sequential(OrderedDict(a=lib.nn.ReLU(), b=lib.nn.Tanh()))),
    "index-out": lambda lib: lib.nn.Sequential(lib.nn.ReLU())[3],
    "index-str": lambda lib: lib.nn.Sequential(lib.nn.ReLU())["a"],
}


@pytest.mark.parametrize("name", sorted(SEQ_PROGRAMS))
def test_sequential_operations_match_torch(name, torch):
    _both(SEQ_PROGRAMS[name], torch)


def test_sequential_del_then_append_runs_every_layer(torch):
    s = nn.Sequential(nn.Linear(2, 2), nn.ReLU(), nn.Linear(2, 2))
    del s[0]
    s.append(nn.Tanh())
    assert list(s._modules) == ["0", "1", "2"]
    assert [type(m).__name__ for m in s] == ["ReLU", "Linear", "Tanh"]


LIST_PROGRAMS = {
    "del-append": lambda lib: (lambda m: (m.__delitem__(0), m.append(lib.nn.GELU()), _layout(m))[-1])(
        lib.nn.ModuleList([lib.nn.ReLU(), lib.nn.Tanh()])),
    "del-slice": lambda lib: (lambda m: (m.__delitem__(slice(1, None)), _layout(m))[-1])(
        lib.nn.ModuleList([lib.nn.ReLU(), lib.nn.Tanh(), lib.nn.GELU()])),
    "insert": lambda lib: (lambda m: (m.insert(1, lib.nn.GELU()), _layout(m))[-1])(
        lib.nn.ModuleList([lib.nn.ReLU(), lib.nn.Tanh()])),
    "add": lambda lib: _layout(lib.nn.ModuleList([lib.nn.ReLU()]) + [lib.nn.Tanh()]),
    "iadd": lambda lib: (lambda m: (m.__iadd__([lib.nn.Tanh()]), _layout(m))[-1])(lib.nn.ModuleList([lib.nn.ReLU()])),
    "pop": lambda lib: (lambda m: (type(m.pop(0)).__name__, _layout(m)))(
        lib.nn.ModuleList([lib.nn.ReLU(), lib.nn.Tanh()])),
    "slice": lambda lib: (lambda m: (type(m[1:]).__name__, _layout(m[1:])))(
        lib.nn.ModuleList([lib.nn.ReLU(), lib.nn.Tanh()])),
    "setitem": lambda lib: (lambda m: (m.__setitem__(-1, lib.nn.GELU()), _layout(m))[-1])(
        lib.nn.ModuleList([lib.nn.ReLU(), lib.nn.Tanh()])),
    "setitem-out": lambda lib: lib.nn.ModuleList([lib.nn.ReLU()]).__setitem__(5, lib.nn.GELU()),
    "extend-int": lambda lib: lib.nn.ModuleList().extend(3),
    "append-int": lambda lib: lib.nn.ModuleList().append(3),
}


@pytest.mark.parametrize("name", sorted(LIST_PROGRAMS))
def test_module_list_operations_match_torch(name, torch):
    _both(LIST_PROGRAMS[name], torch)


def test_module_list_insert_out_of_range_is_a_clear_error():
    # PyTorch leaves a gap key ('10') or fails half-way (negative index); lucid refuses up front
    m = nn.ModuleList([nn.ReLU(), nn.Tanh()])
    with pytest.raises(IndexError, match="index 10 is out of range"):
        m.insert(10, nn.GELU())
    m.insert(-1, nn.GELU())  # before the last, like list.insert and Sequential.insert
    assert [type(x).__name__ for x in m] == ["ReLU", "GELU", "Tanh"]


DICT_PROGRAMS = {
    "replace-keeps-place": lambda lib: (lambda d: (d.__setitem__("b", lib.nn.GELU()), _layout(d))[-1])(
        lib.nn.ModuleDict({"b": lib.nn.ReLU(), "a": lib.nn.Tanh()})),
    "update-pairs": lambda lib: (lambda d: (d.update([("x", lib.nn.GELU())]), _layout(d))[-1])(
        lib.nn.ModuleDict({"b": lib.nn.ReLU()})),
    "update-triple": lambda lib: lib.nn.ModuleDict().update([("x", lib.nn.GELU(), 1)]),
    "update-int": lambda lib: lib.nn.ModuleDict().update(3),
    "set-int": lambda lib: lib.nn.ModuleDict().__setitem__("c", 3),
    "missing": lambda lib: lib.nn.ModuleDict()["zz"],
    "pop": lambda lib: (lambda d: (type(d.pop("a")).__name__, _layout(d)))(
        lib.nn.ModuleDict({"b": lib.nn.ReLU(), "a": lib.nn.Tanh()})),
    "pop-missing": lambda lib: lib.nn.ModuleDict().pop("a"),
}


@pytest.mark.parametrize("name", sorted(DICT_PROGRAMS))
def test_module_dict_operations_match_torch(name, torch):
    _both(DICT_PROGRAMS[name], torch)
