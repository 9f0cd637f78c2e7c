"""lucid/nn/module.py: registration, traversal, state dicts, modes, devices, hooks, repr."""
import copy

import numpy as np
import pytest

import lucid
from lucid import nn

from ._util import host


class Block(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(3, 4)
        self.scale = nn.Parameter(np.ones(4))
        self.register_buffer("running", lucid.zeros(4))
        self.register_buffer("scratch", lucid.zeros(2), persistent=False)
        self.note = "plain attribute"

    def forward(self, x):
        return self.fc(x) * self.scale + self.running


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.block = Block()
        self.head = nn.Sequential(nn.ReLU(), nn.Linear(4, 2))

    def forward(self, x):
        return self.head(self.block(x))


# ------------------------------------------------------------------ registration and names
def test_registration_and_dotted_names():
    net = Net()
    assert [n for n, _ in net.named_parameters()] == [  # PyTorch's order: a module's own, then its children's
        "block.scale", "block.fc.weight", "block.fc.bias", "head.1.weight", "head.1.bias"]
    assert [n for n, _ in net.named_buffers()] == ["block.running", "block.scratch"]
    assert [n for n, _ in net.named_children()] == ["block", "head"]
    assert [n for n, _ in net.named_modules()] == ["", "block", "block.fc", "head", "head.0", "head.1"]
    assert len(list(net.modules())) == 6
    assert [type(c).__name__ for c in net.children()] == ["Block", "Sequential"]
    assert len(list(net.parameters(recurse=False))) == 0
    assert net.block.note == "plain attribute" and "note" not in net.block._parameters
    assert net.get_submodule("head.1") is net.head[1]
    with pytest.raises(AttributeError, match="no submodule 'nope'"):
        net.get_submodule("block.nope")


def test_parameter_is_float32_and_requires_grad():
    p = nn.Module()
    p.w = nn.Parameter(np.ones(3))  # float64 array -> float32 parameter
    assert p.w.dtype == np.float32 and p.w.requires_grad and p.w.is_leaf
    assert nn.Parameter(lucid.zeros(2, dtype="float64")).dtype == np.float64  # a Tensor keeps its dtype
    assert "Parameter containing" in repr(p.w)


def test_reassignment_and_deletion():
    m = nn.Module()
    m.x = nn.Linear(2, 2)
    m.x = nn.Parameter(np.zeros(2))  # a name moves between registries
    assert "x" not in m._modules and "x" in m._parameters
    m.x = None
    assert m.x is None and list(m.parameters()) == []
    with pytest.raises(TypeError, match="cannot assign Tensor as parameter 'x'"):
        m.x = lucid.zeros(2)
    del m.x
    assert not hasattr(m, "x")
    with pytest.raises(AttributeError, match="'Module' object has no attribute 'missing'"):
        m.missing


def test_assignment_before_init_is_explained():
    class Forgot(nn.Module):
        def __init__(self):
            self.fc = nn.Linear(2, 2)

    with pytest.raises(AttributeError, match=r"super\(\).__init__\(\)"):
        Forgot()


def test_registration_errors():
    m = nn.Module()
    with pytest.raises(TypeError, match="nn.Parameter or None"):
        m.register_parameter("w", lucid.zeros(2))
    with pytest.raises(KeyError, match="without '.'"):
        m.register_parameter("a.b", nn.Parameter(np.zeros(1)))
    with pytest.raises(TypeError, match="Tensor or None"):
        m.register_buffer("b", np.zeros(2))
    m.register_buffer("b", lucid.zeros(2))
    with pytest.raises(TypeError, match="buffer 'b'"):
        m.b = np.zeros(2)
    with pytest.raises(TypeError, match="nn.Module or None"):
        m.add_module("c", "not a module")


def test_shared_parameters_are_listed_once():
    a = nn.Linear(2, 2)
    net = nn.Sequential(a, nn.ReLU(), a)
    assert len(list(net.parameters())) == 2
    assert len(list(net.named_parameters(remove_duplicate=False))) == 4


def test_forward_is_required():
    with pytest.raises(NotImplementedError, match="Module must define forward"):
        nn.Module()(1)


# ------------------------------------------------------------------ state dict
def test_state_dict_round_trip():
    a, b = Net(), Net()
    sd = a.state_dict()
    assert list(sd) == ["block.scale", "block.running", "block.fc.weight", "block.fc.bias",
                        "head.1.weight", "head.1.bias"]  # the non-persistent buffer is not saved
    assert all(isinstance(v, np.ndarray) for v in sd.values())
    weight = b.block.fc.weight
    result = b.load_state_dict(sd)
    assert result.missing_keys == [] and result.unexpected_keys == []
    assert b.block.fc.weight is weight  # same Parameter object (optimizers keep working)
    for (name, pa), (_, pb) in zip(a.named_parameters(), b.named_parameters()):
        np.testing.assert_array_equal(pa.numpy(), pb.numpy(), err_msg=name)
    sd["block.fc.weight"][...] = 7  # a snapshot: editing it does not touch either model
    assert not (a.block.fc.weight.numpy() == 7).any() and not (b.block.fc.weight.numpy() == 7).any()


def test_load_state_dict_accepts_tensors_and_casts():
    m = nn.Linear(2, 1)
    m.load_state_dict({"weight": lucid.tensor([[1.0, 2.0]], dtype="float64"), "bias": np.array([3], dtype=np.int64)})
    assert m.weight.dtype == np.float32 and m.bias.dtype == np.float32
    np.testing.assert_array_equal(m.bias.numpy(), [3.0])


def test_strict_load_errors_list_everything_and_change_nothing():
    net = Net()
    before = net.state_dict()
    sd = dict(before)
    del sd["block.scale"], sd["head.1.bias"]
    sd["extra.weight"] = np.zeros(3)
    sd["block.fc.weight"] = np.zeros((5, 5))
    sd["block.fc.bias"] = np.full(4, 9.0)  # valid, but must not be written when anything fails
    with pytest.raises(nn.StateDictError) as info:
        net.load_state_dict(sd)
    msg = str(info.value)
    assert "missing keys: 'block.scale', 'head.1.bias'" in msg
    assert "unexpected keys: 'extra.weight'" in msg
    assert "'block.fc.weight': checkpoint (5, 5), model (4, 3)" in msg
    assert "nothing was changed" in msg
    for k, v in net.state_dict().items():
        np.testing.assert_array_equal(v, before[k])


def test_non_strict_load_reports_keys_but_still_rejects_shapes():
    net = Net()
    sd = net.state_dict()
    del sd["block.scale"]
    sd["extra"] = np.zeros(1)
    result = Net().load_state_dict(sd, strict=False)
    assert result.missing_keys == ["block.scale"] and result.unexpected_keys == ["extra"]
    sd["head.1.bias"] = np.zeros(3)
    with pytest.raises(nn.StateDictError, match="mis-shaped"):
        Net().load_state_dict(sd, strict=False)
    with pytest.raises(TypeError, match="dict"):
        Net().load_state_dict([1, 2])


# ------------------------------------------------------------------ modes and gradients
def test_train_eval_propagate():
    net = Net()
    assert net.training and net.head[0].training
    assert net.eval() is net
    assert not any(m.training for m in net.modules())
    net.train()
    assert all(m.training for m in net.modules())
    net.block.train(False)
    assert not net.block.fc.training and net.head.training
    with pytest.raises(TypeError, match="mode must be a bool"):
        net.train("yes")


def test_zero_grad_sets_none_and_requires_grad_freezes():
    net = Net()
    net(lucid.ones((2, 3))).sum().backward()
    assert all(p.grad is not None for p in net.parameters())
    net.zero_grad(set_to_none=False)
    assert all(p.grad is not None and not p.grad.any() for p in net.parameters())
    net.zero_grad()
    assert all(p.grad is None for p in net.parameters())
    net.requires_grad_(False)
    assert not any(p.requires_grad for p in net.parameters())


def test_apply_and_to_dtype():
    net = Net()
    seen = []
    net.apply(lambda m: seen.append(type(m).__name__))
    assert seen[-1] == "Net" and "Linear" in seen
    net.double()
    assert all(p.dtype == np.float64 for p in net.parameters())
    assert net.block.running.dtype == np.float64
    net.to("float32")
    assert all(p.dtype == np.float32 for p in net.parameters())
    with pytest.raises(ValueError, match="expected a device"):
        net.to("tpu")
    with pytest.raises(TypeError, match="floating-point dtype"):
        net.to(lucid.int64)


def test_to_gpu_moves_parameters_grads_and_buffers(strict_gpu):
    net = Net()
    net(lucid.ones((2, 3))).sum().backward()
    params = list(net.parameters())
    expected = {n: p.numpy().copy() for n, p in net.named_parameters()}
    assert net.to("gpu") is net
    assert list(net.parameters()) == params  # same objects
    for n, p in net.named_parameters():
        assert p.device == "gpu" and lucid.backend.device_of(p.grad) == "gpu", n
        np.testing.assert_array_equal(p.numpy(), expected[n])
    assert all(b.device == "gpu" for b in net.buffers())
    y = net(lucid.ones((2, 3), device="gpu"))  # strict arrays: no silent trips through NumPy
    assert y.device == "gpu"
    y.sum().backward()
    net.cpu()
    assert all(p.device == "cpu" and type(p.grad) is np.ndarray for p in net.parameters())
    net.to("gpu").load_state_dict(Net().state_dict())  # loading keeps each parameter's device
    assert all(p.device == "gpu" for p in net.parameters())
    assert isinstance(net.state_dict()["block.fc.weight"], np.ndarray)


def test_deepcopy_is_independent():
    net = Net()
    clone = copy.deepcopy(net)
    assert isinstance(clone.block.fc.weight, nn.Parameter) and clone.block.fc.weight.requires_grad
    clone.block.fc.weight.data[...] = 0
    assert net.block.fc.weight.numpy().any()


# ------------------------------------------------------------------ hooks
def test_forward_hooks_and_removable_handles():
    layer = nn.Linear(2, 2)
    calls = []
    pre = layer.register_forward_pre_hook(lambda m, args: calls.append(("pre", args[0].shape)))
    post = layer.register_forward_hook(lambda m, args, out: calls.append(("post", out.shape)))
    layer(lucid.zeros((5, 2)))
    assert calls == [("pre", (5, 2)), ("post", (5, 2))]
    pre.remove()
    post.remove()
    post.remove()  # removing twice is harmless
    layer(lucid.zeros((1, 2)))
    assert len(calls) == 2


def test_hooks_can_replace_inputs_and_outputs():
    layer = nn.Identity()
    with layer.register_forward_pre_hook(lambda m, args: args[0] * 2):
        with layer.register_forward_hook(lambda m, args, out: out + 1):
            assert float(layer(lucid.tensor(3.0))) == 7.0
    assert float(layer(lucid.tensor(3.0))) == 3.0


# ------------------------------------------------------------------ repr
def test_nested_repr_like_pytorch():
    assert repr(Net()) == (
        "Net(\n"
        "  (block): Block(\n"
        "    (fc): Linear(in_features=3, out_features=4, bias=True)\n"
        "  )\n"
        "  (head): Sequential(\n"
        "    (0): ReLU()\n"
        "    (1): Linear(in_features=4, out_features=2, bias=True)\n"
        "  )\n"
        ")"
    )
    assert repr(nn.ReLU()) == "ReLU()"


def test_repr_matches_pytorch_text(torch):
    se = repr(nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Sequential(nn.Sigmoid(), nn.Flatten())))
    ref = repr(torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.ReLU(),
                                   torch.nn.Sequential(torch.nn.Sigmoid(), torch.nn.Flatten())))
    assert se == ref


def test_gradients_reach_nested_parameters():
    net = Net()
    x = lucid.ones((2, 3), requires_grad=True)
    net(x).sum().backward()
    assert host(net.block.fc.weight.grad).shape == (4, 3)
    assert x.grad.shape == (2, 3)
